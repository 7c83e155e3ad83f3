"""docker (dockerd -> containerd -> runc v2 shim) runs its containers with
the runtime under test.

The session's dockerd knows the runtime as ``pyrunc`` (``--add-runtime
pyrunc=<wrapper>``) and as ``pyrunc-json`` (``runtimes`` in its
daemon.json); containers run with ``--runtime pyrunc --network none``
(the daemon has no bridge and no iptables).
"""
import re

import pytest

from . import harness
from .image import IMAGE
from .pty_driver import PtyCommand

SERVE = 'trap "echo got-term; exit 3" TERM; trap "echo got-usr1; exit 9" USR1; echo started; sleep 1000 & wait'


def ok(r):
    assert r.rc == 0, str(r)
    return r


def inspect(docker, name, fmt):
    return ok(docker("inspect", "--format", fmt, name)).out.strip()


def start_serving(docker, *flags):
    name = docker.name()
    ok(docker.run("-d", "--name", name, *flags, IMAGE, "sh", "-c", SERVE))
    harness.wait_for(lambda: "started" in docker("logs", name).text, what=f"{name} to start")
    return name


def cgroup(docker, hierarchy, cid):
    return harness.find_cgroup_dir(hierarchy, docker.docker.token, cid)


def test_run_rm_output_and_exit_code(docker, engine_session):
    since = engine_session.calls.mark()
    r = docker.run("--rm", IMAGE, "sh", "-c", "echo hello-$((6*7)); exit 5")
    assert r.rc == 5, str(r)
    # the container's stdout/stderr carry its own output only (nothing the
    # runtime logged: create hands the container its stdio)
    assert r.out == "hello-42\n", str(r)
    assert "level=" not in r.err and '"level"' not in r.err, str(r)
    calls = engine_session.calls.calls(since)
    verbs = [c.verb for c in calls]
    for v in ("create", "start", "delete"):
        assert v in verbs, engine_session.calls.format(since)
    cid = next(c for c in calls if c.verb == "create").argv[-1]
    harness.wait_for(lambda: cgroup(docker, "memory", cid) is None, timeout=10,
                     what=f"the cgroup of {cid} to go after docker run --rm")


def test_daemon_json_runtime(docker, engine_session):
    """README's daemon.json form: ``"runtimes": {"<name>": {"path": ...}}``."""
    since = engine_session.calls.mark()
    r = docker.run("--rm", IMAGE, "echo", "via-daemon-json", runtime=docker.docker.JSON_RUNTIME)
    assert r.rc == 0 and "via-daemon-json" in r.out, str(r)
    assert engine_session.calls.matching(since, verb="create"), "dockerd did not call the configured runtime"


def test_detached_logs_stop_rm(docker):
    name = start_serving(docker)
    assert inspect(docker, name, "{{.State.Status}}") == "running"
    ok(docker("stop", "--time", "20", name))
    assert inspect(docker, name, "{{.State.Status}}") == "exited"
    assert inspect(docker, name, "{{.State.ExitCode}}") == "3"
    assert ok(docker("wait", name)).out.strip() == "3"
    logs = ok(docker("logs", name))
    assert logs.out == "started\ngot-term\n" and logs.err == "", str(logs)
    ok(docker("rm", name))
    assert docker("inspect", name).rc != 0


def test_exit_code_reported_by_wait_and_inspect(docker):
    name = docker.name()
    ok(docker.run("-d", "--name", name, IMAGE, "sh", "-c", "sleep 0.3; exit 42"))
    assert ok(docker("wait", name)).out.strip() == "42"
    assert inspect(docker, name, "{{.State.ExitCode}}") == "42"


def test_run_interactive_tty(docker):
    name = docker.name()
    t = PtyCommand(docker.argv(*docker.run_args("-it", "--name", name, IMAGE, "sh")), env=docker.env,
                   rows=30, cols=100)
    try:
        t.expect(r"# ")
        t.send("tty; stty size; echo answer-$((6*7))\r")
        t.expect(r"answer-42")
        assert re.search(r"/dev/pts/\d+", t.text), t.text
        assert "30 100" in t.text, t.text
        t.send("exit 7\r")
        assert t.wait() == 7, t.text
    finally:
        t.close()
    assert inspect(docker, name, "{{.State.ExitCode}}") == "7"


def test_exec(docker):
    name = start_serving(docker)
    r = docker("exec", name, "sh", "-c", "echo exec-out; echo exec-err >&2; exit 4")
    assert r.rc == 4, str(r)
    assert "exec-out" in r.out and "exec-err" in r.err
    r = ok(docker("exec", "-i", name, "sh", "-c", "read x; echo got-$x", stdin="abc\n"))
    assert "got-abc" in r.out


def test_exec_tty(docker):
    name = start_serving(docker)
    t = PtyCommand(docker.argv("exec", "-it", name, "sh", "-c", "tty; exit 5"), env=docker.env)
    try:
        t.expect(r"/dev/pts/\d+")
        assert t.wait() == 5, t.text
    finally:
        t.close()


def test_kill(docker):
    name = start_serving(docker)
    ok(docker("kill", "--signal", "USR1", name))
    assert ok(docker("wait", name)).out.strip() == "9"
    assert "got-usr1" in docker("logs", name).out

    name2 = start_serving(docker)
    ok(docker("kill", name2))  # SIGKILL
    assert ok(docker("wait", name2)).out.strip() == "137"


def test_pause_unpause_and_top(docker, engine_session):
    name = start_serving(docker)
    cid = inspect(docker, name, "{{.Id}}")
    since = engine_session.calls.mark()
    top = ok(docker("top", name))
    assert "sleep 1000" in top.out, str(top)
    assert engine_session.calls.matching(since, verb="ps"), "docker top did not ask the runtime (ps)"
    ok(docker("pause", name))
    assert inspect(docker, name, "{{.State.Status}}") == "paused"
    freezer = cgroup(docker, "freezer", cid)
    if freezer is not None:
        assert (freezer / "freezer.state").read_text().strip() == "FROZEN"
    ok(docker("unpause", name))
    assert inspect(docker, name, "{{.State.Status}}") == "running"
    if freezer is not None:
        assert (freezer / "freezer.state").read_text().strip() == "THAWED"
    assert "alive" in ok(docker("exec", name, "echo", "alive")).out


def test_memory_and_pids_limit_visible_inside(docker):
    script = ("cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max; "
              "cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max; "
              "ulimit -n")
    r = ok(docker.run("--rm", "--memory", "64m", "--pids-limit", "50", IMAGE, "sh", "-c", script))
    assert r.out.split() == [str(64 * 1024 * 1024), "50", "1024"], str(r)


@pytest.mark.parametrize("argv, flags, rc, words", [
    pytest.param(["/nonexistent"], [], 127, ["/nonexistent", "no such file or directory"], id="missing-program"),
    pytest.param(["/etc/passwd"], [], 126, ["/etc/passwd", "permission denied"], id="not-executable"),
    pytest.param(["true"], ["--ulimit", "nofile=30000:30000"], 125, ["rlimit"], id="rlimit-over-hard-limit"),
])
def test_runtime_error_reaches_docker(docker, engine_session, argv, flags, rc, words):
    """The runtime's error (the shim reads it from the JSON log) is in
    docker's message, and docker's exit code follows from its words."""
    since = engine_session.calls.mark()
    r = docker.run("--rm", *flags, IMAGE, *argv)
    assert r.rc == rc, str(r)
    assert "OCI runtime create failed" in r.err, str(r)
    for w in words:
        assert w.lower() in r.err.lower(), f"{w!r} not in docker's message:\n{r}"
    failed = [c for c in engine_session.calls.matching(since, verb="create") if c.rc]
    assert failed, "the runtime's create did not fail\n" + engine_session.calls.format(since)
    cid = failed[-1].argv[-1]
    harness.wait_for(lambda: cgroup(docker, "memory", cid) is None, timeout=10,
                     what=f"the cgroup of the failed container {cid} to go")


def test_update_resources(docker, engine_session):
    """``docker update``: containerd's shim sends ``update --resources=-``
    with the resources on stdin."""
    name = start_serving(docker, "--memory", "64m", "--memory-swap", "128m", "--pids-limit", "50")
    since = engine_session.calls.mark()
    ok(docker("update", "--memory", "96m", "--memory-swap", "256m", "--pids-limit", "60", name))
    assert engine_session.calls.matching(since, verb="update"), engine_session.calls.format(since)
    r = ok(docker("exec", name, "sh", "-c",
                  "cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max; "
                  "cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max"))
    assert r.out.split() == [str(96 * 1024 * 1024), "60"], str(r)


@pytest.mark.parametrize("program, words", [
    pytest.param("/nonexistent", ["/nonexistent", "no such file or directory"], id="missing-program"),
    pytest.param("/etc/passwd", ["/etc/passwd", "permission denied"], id="not-executable"),
])
def test_exec_error_reaches_docker(docker, program, words):
    """``docker exec`` of a program the runtime cannot start: the shim reads
    the runtime's error from its JSON log and docker shows it (docker 20.10
    exits 126 for any exec the runtime refuses)."""
    name = start_serving(docker)
    r = docker("exec", name, program)
    assert r.rc == 126, str(r)
    assert "OCI runtime exec failed" in r.text, str(r)
    for w in words:
        assert w in r.text.lower(), f"{w!r} not in docker's message:\n{r}"
    assert inspect(docker, name, "{{.State.Status}}") == "running"


def test_kill_paused(docker):
    name = start_serving(docker)
    ok(docker("pause", name))
    ok(docker("kill", name))
    assert ok(docker("wait", name)).out.strip() == "137"


def test_common_run_options(docker, engine_session):
    """The options most containers are run with, through docker's spec
    (its default seccomp profile and capability set included)."""
    host = engine_session.dir / f"vol-{docker.name()}"
    host.mkdir()
    (host / "file").write_text("from-host\n")
    script = ("id -u; id -g; pwd; echo $FOO; hostname; "
              "touch /x 2>/dev/null && echo rw || echo ro; touch /scratch/f && echo tmpfs-ok; cat /data/file; "
              "grep CapEff /proc/self/status")
    r = ok(docker.run("--rm", "--user", "1000:1000", "--workdir", "/tmp", "--env", "FOO=bar", "--read-only",
                      "--tmpfs", "/scratch:mode=1777", "--cap-drop", "ALL", "--hostname", "eng-test",
                      "-v", f"{host}:/data:ro", IMAGE, "sh", "-c", script))
    out = r.out.split("\n")
    assert out[:8] == ["1000", "1000", "/tmp", "bar", "eng-test", "ro", "tmpfs-ok", "from-host"], str(r)
    assert out[8].split() == ["CapEff:", "0000000000000000"], str(r)


def test_host_pid_namespace(docker, engine_session):
    """``--pid host``: no pid namespace, so after the container's process
    exits the shim kills what is left with ``kill --all ID 9`` (a stopped
    container) and removes it."""
    name = docker.name()
    since = engine_session.calls.mark()
    r = docker.run("--name", name, "--pid", "host", IMAGE, "sh", "-c", "echo $$; exit 4")
    assert r.rc == 4, str(r)
    assert int(r.out.strip()) != 1, "the container has its own pid namespace"
    cid = inspect(docker, name, "{{.Id}}")
    ok(docker("rm", name))
    calls = engine_session.calls.calls(since)
    assert "delete" in [c.verb for c in calls], engine_session.calls.format(since)
    # runc 1.1 returns 0 for ``kill --all`` of a stopped container; a
    # failure shows in containerd's log as the shim's "failed to kill
    # init's children"
    log = docker.docker.containerd.daemon.log_path.read_text(errors="replace")
    bad = [ln for ln in log.splitlines() if "failed to kill init's children" in ln and cid in ln]
    assert not bad, "\n".join(bad) + "\n" + engine_session.calls.format(since)
