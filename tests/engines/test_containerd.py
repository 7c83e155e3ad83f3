"""containerd (the runc v2 shim) runs its containers with the runtime under test.

``ctr run --runc-binary <wrapper>`` sets ``BinaryName`` in the runc shim's
options (what a runtime configured with ``BinaryName`` in containerd's CRI
config does); the shim then calls ``create --bundle --pid-file
[--console-socket]``, ``start``, ``exec --process --detach --pid-file``,
``ps --format json``, ``pause``/``resume``, ``kill``, ``delete [--force]``,
always with ``--root <runc-root>/<namespace> --log <bundle>/log.json
--log-format json``.  The shim reads the runtime's error from that JSON log.
"""
import subprocess
from pathlib import Path

from . import clients, harness
from .image import IMAGE
from .pty_driver import PtyCommand

SERVE = 'trap "echo got-term; exit 3" TERM; trap "echo got-usr1; exit 9" USR1; echo started; sleep 1000 & wait'
V1 = Path("/sys/fs/cgroup/memory/cgroup.procs").exists()


def ok(r):
    assert r.rc == 0, str(r)
    return r


def status(ctr, cid):
    return ctr.ctr.tasks().get(cid, (None, None))[1]


def start_detached(ctr, *flags):
    """``ctr run --detach``, its output in a file; returns once the
    container's own program runs (RUNNING is reported as soon as the
    runtime's ``start`` returns, a moment before the init execs it)."""
    cid = ctr.name()
    log = ctr.ctr.scratch / f"{cid}.log"
    ok(ctr.run("--detach", "--log-uri", f"file://{log}", *flags, IMAGE, cid, "sh", "-c", SERVE))
    harness.wait_for(lambda: log.exists() and "started" in log.read_text(), what=f"task {cid} to start")
    assert status(ctr, cid) == "RUNNING"
    return cid


def start_foreground(ctr, *flags):
    """``ctr run`` in the foreground (its exit status is the task's)."""
    cid = ctr.name()
    sp = harness.Spawned(ctr.run_argv(*flags, IMAGE, cid, "sh", "-c", SERVE), ctr.ctr.env, ctr.ctr.scratch)
    try:
        harness.wait_for(lambda: "started" in sp.output(), what=f"task {cid} to start")
    except AssertionError:
        sp.kill()
        raise
    return cid, sp


def cgroup(ctr, hierarchy, cid):
    return Path("/sys/fs/cgroup") / hierarchy / ctr.ctr.ns / cid


def runtime_state(ctr, cid):
    return ctr.ctr.runc_root / ctr.ctr.ns / cid


def test_run_rm_output_and_exit_code(ctr, engine_session):
    since = engine_session.calls.mark()
    cid = ctr.name()
    r = ctr.run("--rm", IMAGE, cid, "sh", "-c", "echo hello-$((6*7)); exit 3")
    assert r.rc == 3, str(r)
    # the container's stdout/stderr carry its own output only (nothing the
    # runtime logged: create hands the container its stdio)
    assert r.out == "hello-42\n", str(r)
    assert "level=" not in r.err and '"level"' not in r.err, str(r)
    verbs = [c.verb for c in engine_session.calls.calls(since)]
    for v in ("create", "start", "delete"):
        assert v in verbs, engine_session.calls.format(since)
    assert not runtime_state(ctr, cid).exists(), "the runtime's state dir is left after ctr run --rm"
    if V1:
        assert not cgroup(ctr, "memory", cid).exists(), "the container's cgroup is left after ctr run --rm"


def test_run_tty(ctr):
    cid = ctr.name()
    # (the console size is not checked: ctr 1.6 leaves it 0x0 with runc too)
    t = PtyCommand(ctr.run_argv("--rm", "--tty", IMAGE, cid, "sh", "-c", "tty; exit 6"), env=ctr.ctr.env)
    try:
        t.expect(r"/dev/pts/\d+")
        assert t.wait() == 6, t.text
    finally:
        t.close()


def test_exec(ctr):
    cid = start_detached(ctr)
    r = ctr("task", "exec", "--exec-id", "e1", cid, "sh", "-c", "echo exec-out; exit 4")
    assert r.rc == 4, str(r)
    assert "exec-out" in r.out
    r = ok(ctr("task", "exec", "--exec-id", "e2", cid, "sh", "-c", "cat /proc/1/cmdline | tr '\\0' ' '"))
    assert r.out.startswith("sh -c trap"), str(r)


def test_exec_tty(ctr):
    cid = start_detached(ctr)
    t = PtyCommand(ctr.ctr.argv("task", "exec", "--tty", "--exec-id", "t1", cid, "sh", "-c", "tty; exit 5"),
                   env=ctr.ctr.env)
    try:
        t.expect(r"/dev/pts/\d+")
        assert t.wait() == 5, t.text
    finally:
        t.close()


def test_task_ps(ctr, engine_session):
    cid = start_detached(ctr)
    init_pid = ctr.ctr.tasks()[cid][0]
    since = engine_session.calls.mark()
    r = ok(ctr("task", "ps", cid))
    pids = [int(line.split()[0]) for line in r.out.splitlines()[1:] if line.split()]
    assert init_pid in pids, str(r)
    assert len(pids) >= 2, f"the container's sleep is missing from ctr task ps:\n{r}"
    assert engine_session.calls.matching(since, verb="ps"), "ctr task ps did not ask the runtime"


def test_pause_resume(ctr):
    cid = start_detached(ctr)
    ok(ctr("task", "pause", cid))
    assert status(ctr, cid) == "PAUSED"
    if V1:
        assert (cgroup(ctr, "freezer", cid) / "freezer.state").read_text().strip() == "FROZEN"
    ok(ctr("task", "resume", cid))
    assert status(ctr, cid) == "RUNNING"
    if V1:
        assert (cgroup(ctr, "freezer", cid) / "freezer.state").read_text().strip() == "THAWED"
    r = ok(ctr("task", "exec", "--exec-id", "after", cid, "echo", "alive"))
    assert "alive" in r.out


def test_kill(ctr):
    cid, sp = start_foreground(ctr)
    ok(ctr("task", "kill", "--signal", "SIGUSR1", cid))
    r = sp.wait(30)
    assert r.rc == 9, str(r)
    assert "got-usr1" in r.out

    cid, sp = start_foreground(ctr)
    ok(ctr("task", "kill", cid))  # SIGTERM
    r = sp.wait(30)
    assert r.rc == 3, str(r)

    cid, sp = start_foreground(ctr)
    ok(ctr("task", "kill", "--signal", "SIGKILL", cid))
    r = sp.wait(30)
    assert r.rc == 137, str(r)


def test_delete_and_memory_limit(ctr, engine_session):
    cid = start_detached(ctr, "--memory-limit", str(64 * 1024 * 1024))
    if V1:
        assert (cgroup(ctr, "memory", cid) / "memory.limit_in_bytes").read_text().strip() == str(64 * 1024 * 1024)
    assert runtime_state(ctr, cid).exists()
    ok(ctr("task", "kill", "--signal", "SIGKILL", cid))
    harness.wait_for(lambda: status(ctr, cid) == "STOPPED", what=f"task {cid} stopped")
    since = engine_session.calls.mark()
    ok(ctr("task", "delete", cid))
    assert engine_session.calls.matching(since, verb="delete"), engine_session.calls.format(since)
    assert cid not in ctr.ctr.tasks()
    ok(ctr("container", "delete", cid))
    assert not runtime_state(ctr, cid).exists(), "the runtime's state is left after ctr task delete"
    if V1:
        assert not cgroup(ctr, "memory", cid).exists(), "the container's cgroup is left after ctr task delete"


def test_json_log_error_reaches_ctr(ctr, engine_session):
    """The shim reads the runtime's last error from ``--log <bundle>/log.json
    --log-format json``: it is ctr's message, not ``exit status 1``."""
    since = engine_session.calls.mark()
    cid = ctr.name()
    r = ctr.run("--rm", IMAGE, cid, "/nonexistent")
    assert r.rc != 0, str(r)
    assert "OCI runtime create failed: " in r.err, str(r)
    msg = r.err.split("OCI runtime create failed: ", 1)[1]
    assert "/nonexistent" in msg and "no such file or directory" in msg, str(r)
    assert "unable to retrieve OCI runtime error" not in r.err and "exit status 1" not in msg, str(r)
    failed = [c for c in engine_session.calls.matching(since, verb="create") if c.rc]
    assert failed and "--log-format" in failed[0].argv, engine_session.calls.format(since)
    assert not runtime_state(ctr, cid).exists(), "a failed create left the runtime's state"
    if V1:
        assert not cgroup(ctr, "memory", cid).exists(), "a failed create left the container's cgroup"


def test_readme_cri_runtime_config(engine_session):
    """README's CRI configuration is read by containerd as a runc-v2 runtime
    whose ``BinaryName`` is the runtime (checked with ``config dump``)."""
    from .conftest import require
    require("containerd")
    d = engine_session.dir / "cri-config"
    d.mkdir()
    conf = d / "config.toml"
    conf.write_text(clients.CRI_RUNTIME_CONF.format(dir=d, wrapper=engine_session.wrapper))
    r = subprocess.run(["containerd", "--config", str(conf), "config", "dump"], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    section = r.stdout.split('[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.pyrunc]', 1)
    assert len(section) == 2, r.stdout
    assert 'runtime_type = "io.containerd.runc.v2"' in section[1]
    assert f'BinaryName = "{engine_session.wrapper}"' in section[1]


def test_kill_after_exit(ctr):
    """``ctr task kill`` of a task whose process has exited (not yet
    deleted): the shim still calls the runtime's kill, and takes its error
    for 'process already finished' only if the message says "container not
    running" (runc's words; containerd's checkKillError) -- otherwise ctr
    reports an "unknown error after kill".  With ``--all`` runc 1.1 succeeds."""
    cid = ctr.name()
    ok(ctr.run("--detach", IMAGE, cid, "true"))
    harness.wait_for(lambda: status(ctr, cid) == "STOPPED", what=f"task {cid} to exit")
    r = ctr("task", "kill", cid)
    assert "unknown error after kill" not in r.err, str(r)
    assert r.rc == 0 or "not found" in r.err, str(r)
    r = ctr("task", "kill", "--all", "--signal", "SIGKILL", cid)
    assert "unknown error after kill" not in r.err, str(r)
    assert r.rc == 0 or "not found" in r.err, str(r)
    ok(ctr("task", "delete", cid))


def test_kill_paused(ctr):
    """``ctr task kill --signal SIGKILL`` of a paused task: runc thaws the
    cgroup v1 freezer for SIGKILL, so the task stops."""
    cid = start_detached(ctr)
    ok(ctr("task", "pause", cid))
    ok(ctr("task", "kill", "--signal", "SIGKILL", cid))
    harness.wait_for(lambda: status(ctr, cid) == "STOPPED", timeout=15, what=f"paused task {cid} to die")
