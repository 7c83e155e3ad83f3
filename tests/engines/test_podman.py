"""podman (conmon) runs its containers with the runtime under test.

podman gets ``--runtime <wrapper>`` on every command (and the same wrapper as
the ``pyrunc`` entry of ``[engine.runtimes]`` in the session's
containers.conf); conmon then calls ``create --bundle --pid-file``,
``start``, ``exec --process --detach [--console-socket --tty]``, ``kill``,
``pause``/``resume``, ``delete --force`` with ``--log-format=json --log``.
"""
import re

import pytest

from . import harness
from .image import IMAGE
from .pty_driver import PtyCommand

# a container that reports start, and exits 3 on SIGTERM (the trap runs as
# soon as the signal arrives: ash's ``wait`` is interruptible)
SERVE = 'trap "echo got-term; exit 3" TERM; trap "echo got-usr1; exit 9" USR1; echo started; sleep 1000 & wait'


def ok(r):
    assert r.rc == 0, str(r)
    return r


def container_id(podman, name):
    return ok(podman("inspect", "--format", "{{.Id}}", name)).out.strip()


def state(podman, name, field):
    return ok(podman("inspect", "--format", "{{.State.%s}}" % field, name)).out.strip()


def start_serving(podman, *flags):
    name = podman.name()
    ok(podman.run("-d", "--name", name, *flags, IMAGE, "sh", "-c", SERVE))
    harness.wait_for(lambda: "started" in podman("logs", name).text, what=f"{name} to start")
    return name


def cgroup_dir(podman, hierarchy, cid):
    return harness.find_cgroup_dir(hierarchy, podman.podman.token, cid)


def test_run_rm_output_and_exit_code(podman, engine_session):
    since = engine_session.calls.mark()
    r = podman.run("--rm", IMAGE, "sh", "-c", "echo hello-$((6*7)); exit 3")
    assert r.rc == 3, str(r)
    # the container's stdout/stderr carry its own output only (nothing the
    # runtime logged: create hands the container its stdio)
    assert r.out == "hello-42\n", str(r)
    assert "level=" not in r.err and '"level"' not in r.err, str(r)
    calls = engine_session.calls.calls(since)
    verbs = [c.verb for c in calls]
    assert "create" in verbs and "start" in verbs and "delete" in verbs, engine_session.calls.format(since)
    create = next(c for c in calls if c.verb == "create")
    assert all(c.rc == 0 for c in calls if c.verb in ("create", "start")), engine_session.calls.format(since)
    cid = create.argv[-1]
    # podman removed the container: the runtime's delete removed its cgroups
    for h in ("memory", "pids", "freezer"):
        assert cgroup_dir(podman, h, cid) is None, f"{h} cgroup of {cid} left after podman run --rm"


def test_info_shows_runtime(podman):
    """``podman info`` runs ``<runtime> --version`` and shows it."""
    r = ok(podman("info", "--format", "{{.Host.OCIRuntime.Path}}|{{.Host.OCIRuntime.Version}}"))
    path, _, version = r.out.strip().partition("|")
    assert path == str(podman.podman.wrapper), str(r)
    assert "version" in version, str(r)


def test_containers_conf_runtime_by_name(podman, engine_session):
    """README's configuration: ``runtime = "pyrunc"`` and the path in
    ``[engine.runtimes]``, no ``--runtime`` flag."""
    since = engine_session.calls.mark()
    r = podman("run", "--rm", "--cgroup-parent", podman.podman.cgroup_parent, IMAGE, "echo", "by-name",
               runtime_flag=False)
    assert r.rc == 0 and "by-name" in r.out, str(r)
    assert engine_session.calls.matching(since, verb="create"), "podman did not call the configured runtime"


def test_detached_logs_stop_rm(podman):
    name = start_serving(podman)
    assert state(podman, name, "Status") == "running"
    ps = ok(podman("ps", "--sync", "--filter", f"name={name}", "--format", "{{.Names}} {{.Status}}"))
    assert ps.out.split()[:2] == [name, "Up"], str(ps)
    ok(podman("stop", "--time", "20", name))
    assert state(podman, name, "Status") == "exited"
    assert state(podman, name, "ExitCode") == "3"
    w = ok(podman("wait", name))
    assert w.out.strip() == "3"
    logs = ok(podman("logs", name))
    assert logs.out == "started\ngot-term\n" and logs.err == "", str(logs)
    ok(podman("rm", name))
    assert podman("container", "exists", name).rc == 1


def test_exit_code_reported_by_wait_and_inspect(podman):
    name = podman.name()
    ok(podman.run("-d", "--name", name, IMAGE, "sh", "-c", "sleep 0.3; exit 42"))
    w = ok(podman("wait", name))
    assert w.out.strip() == "42"
    assert state(podman, name, "ExitCode") == "42"
    assert state(podman, name, "Status") == "exited"


def test_run_interactive_tty(podman):
    """``podman run -it``: conmon receives the pty master over the runtime's
    console socket; the window size set here reaches the container."""
    name = podman.name()
    t = PtyCommand(podman.run_argv("-it", "--name", name, IMAGE, "sh"), env=podman.env, rows=30, cols=100)
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
    assert state(podman, name, "ExitCode") == "7"


def test_exec(podman):
    name = start_serving(podman)
    r = podman("exec", name, "sh", "-c", "echo exec-out; echo exec-err >&2; exit 4")
    assert r.rc == 4, str(r)
    assert "exec-out" in r.out and "exec-err" in r.err
    # the exec'd process shares the container's pid namespace
    r = ok(podman("exec", name, "sh", "-c", "cat /proc/1/cmdline | tr '\\0' ' '"))
    assert r.out.startswith("sh -c trap"), str(r)
    # stdin reaches an exec'd process
    r = ok(podman("exec", "-i", name, "sh", "-c", "read x; echo got-$x", stdin="abc\n"))
    assert "got-abc" in r.out


def test_exec_tty(podman):
    name = start_serving(podman)
    t = PtyCommand(podman.argv("exec", "-it", name, "sh", "-c", "tty; stty size; exit 5"), env=podman.env,
                   rows=33, cols=90)
    try:
        t.expect(r"/dev/pts/\d+")
        assert t.wait() == 5, t.text
        assert "33 90" in t.text, t.text
    finally:
        t.close()


def test_kill(podman):
    name = start_serving(podman)
    ok(podman("kill", "--signal", "USR1", name))
    assert ok(podman("wait", name)).out.strip() == "9"
    assert "got-usr1" in podman("logs", name).out

    name2 = start_serving(podman)
    ok(podman("kill", name2))  # SIGKILL
    assert ok(podman("wait", name2)).out.strip() == "137"
    assert state(podman, name2, "ExitCode") == "137"


def test_pause_unpause(podman):
    name = start_serving(podman)
    cid = container_id(podman, name)
    freezer = cgroup_dir(podman, "freezer", cid)
    ok(podman("pause", name))
    assert state(podman, name, "Status") == "paused"
    if freezer is not None:
        assert (freezer / "freezer.state").read_text().strip() == "FROZEN"
    ok(podman("unpause", name))
    assert state(podman, name, "Status") == "running"
    if freezer is not None:
        assert (freezer / "freezer.state").read_text().strip() == "THAWED"
    assert "alive" in ok(podman("exec", name, "echo", "alive")).out


def test_memory_and_pids_limit_visible_inside(podman):
    script = ("cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max; "
              "cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max; "
              "ulimit -n; ulimit -Hn")
    r = ok(podman.run("--rm", "--memory", "64m", "--pids-limit", "50", IMAGE, "sh", "-c", script))
    assert r.out.split() == [str(64 * 1024 * 1024), "50", "1024", "1024"], str(r)


@pytest.mark.parametrize("argv, flags, rc, words", [
    pytest.param(["/nonexistent"], [], 127, ["/nonexistent"], id="missing-program"),
    pytest.param(["/etc/passwd"], [], 126, ["/etc/passwd", "permission denied"], id="not-executable"),
    pytest.param(["true"], ["--ulimit", "nofile=30000:30000"], 126, ["rlimit"], id="rlimit-over-hard-limit"),
])
def test_runtime_error_reaches_podman(podman, engine_session, argv, flags, rc, words):
    """A config the runtime refuses: its error (read by conmon from the
    runtime's JSON log) is in podman's message, and podman's exit code
    follows from the words in it (127: not found, 126: permission)."""
    since = engine_session.calls.mark()
    r = podman.run("--rm", *flags, IMAGE, *argv)
    assert r.rc == rc, str(r)
    for w in words:
        assert w.lower() in r.err.lower(), f"{w!r} not in podman's message:\n{r}"
    failed = [c for c in engine_session.calls.matching(since, verb="create") if c.rc]
    assert failed, "the runtime's create did not fail\n" + engine_session.calls.format(since)
    cid = failed[-1].argv[-1]
    for h in ("memory", "pids", "freezer"):
        assert cgroup_dir(podman, h, cid) is None, f"a failed create left the {h} cgroup of {cid}"


def test_update_resources(podman, engine_session):
    """``podman update``: the runtime's ``update --resources <file>``."""
    name = start_serving(podman, "--memory", "64m", "--memory-swap", "128m", "--cpu-shares", "512")
    since = engine_session.calls.mark()
    ok(podman("update", "--memory", "96m", "--memory-swap", "256m", "--cpu-shares", "768", name))
    assert engine_session.calls.matching(since, verb="update"), engine_session.calls.format(since)
    r = ok(podman("exec", name, "sh", "-c",
                  "cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max; "
                  "cat /sys/fs/cgroup/cpu/cpu.shares 2>/dev/null || echo no-cpu-shares"))
    assert r.out.split() == [str(96 * 1024 * 1024), "768"], str(r)


@pytest.mark.parametrize("program, rc, word", [
    pytest.param("/nonexistent", 127, "/nonexistent", id="missing-program"),
    pytest.param("/etc/passwd", 126, "permission denied", id="not-executable"),
])
def test_exec_error_reaches_podman(podman, program, rc, word):
    """``podman exec`` of a program the runtime cannot start: the runtime's
    error decides podman's exit code (127 not found, 126 permission)."""
    name = start_serving(podman)
    r = podman("exec", name, program)
    assert r.rc == rc, str(r)
    assert word in r.err.lower(), str(r)
    assert state(podman, name, "Status") == "running"


def test_kill_paused(podman):
    """SIGKILL to a paused container: runc thaws the cgroup v1 freezer so
    the kill lands (podman itself does not unpause)."""
    name = start_serving(podman)
    ok(podman("pause", name))
    ok(podman("kill", name))
    assert ok(podman("wait", name)).out.strip() == "137"


def test_common_run_options(podman, engine_session):
    """The options most containers are run with, through podman's spec
    (its default seccomp profile and capability set included)."""
    host = engine_session.dir / f"vol-{podman.name()}"
    host.mkdir()
    (host / "file").write_text("from-host\n")
    script = ("id -u; id -g; pwd; echo $FOO; hostname; "
              "touch /x 2>/dev/null && echo rw || echo ro; touch /scratch/f && echo tmpfs-ok; cat /data/file; "
              "grep CapEff /proc/self/status")
    r = ok(podman.run("--rm", "--user", "1000:1000", "--workdir", "/tmp", "--env", "FOO=bar", "--read-only",
                      "--tmpfs", "/scratch:mode=1777", "--cap-drop", "ALL", "--hostname", "eng-test",
                      "-v", f"{host}:/data:ro", IMAGE, "sh", "-c", script))
    out = r.out.split("\n")
    assert out[:8] == ["1000", "1000", "/tmp", "bar", "eng-test", "ro", "tmpfs-ok", "from-host"], str(r)
    assert out[8].split() == ["CapEff:", "0000000000000000"], str(r)
