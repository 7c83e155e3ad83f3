"""create / start: the two-step lifecycle (runtime.md "Lifecycle").

The user process must not run at create (the init waits on the exec fifo),
must run at start, and start is allowed only on a ``created`` container.
"""
import os
import signal
import time

from support import asserts, proc
from support.config import base_config, bind, sh


def _marker_config(rt, script="echo ran > /out/marker; exec sleep 100"):
    host = rt.hostdir()
    cfg = sh(script)
    bind(cfg, host, "/out")
    return cfg, host


def test_create_does_not_run_the_user_process_until_start(rt):
    cfg, host = _marker_config(rt)
    res = asserts.ok(rt.create(cfg), "create")
    assert res.out == "", f"create must print nothing on stdout:\n{res}"
    assert rt.status(res.cid) == "created"
    # a wrong runtime would have run it by now: give it a short moment
    time.sleep(0.2)
    assert not (host / "marker").exists(), "user process ran before start"
    assert rt.status(res.cid) == "created"

    asserts.ok(rt.start(res.cid), "start")
    proc.wait_for(lambda: (host / "marker").exists(), what="marker written after start")
    assert (host / "marker").read_text() == "ran\n"
    assert rt.status(res.cid) == "running"


def test_created_init_is_a_live_process_in_new_namespaces(rt):
    res = rt.create(base_config(["sleep", "100"]))
    st = rt.state(res.cid)
    pid = st["pid"]
    assert isinstance(pid, int) and pid > 0
    assert proc.is_alive(pid), f"init pid {pid} of a created container is not alive"
    for ns in ("pid", "mnt", "net", "uts", "ipc"):
        assert proc.ns_inode(pid, ns) != proc.ns_inode("self", ns), f"created init shares host {ns} namespace"


def test_start_execs_the_process_in_the_init(rt):
    """The state pid is the init, and start makes that same pid the user
    program (exec, not a new child)."""
    res = rt.create(base_config(["sleep", "100"]))
    pid = rt.state(res.cid)["pid"]
    rt.start(res.cid)
    st = rt.state(res.cid)
    assert st["pid"] == pid
    assert st["status"] == "running"
    proc.wait_for(lambda: proc.cmdline(pid) == [b"sleep", b"100"], what="init to exec 'sleep 100'")


def test_status_becomes_stopped_when_the_process_exits(rt):
    res = rt.create(base_config(["true"]))
    rt.start(res.cid)
    rt.wait_status(res.cid, "stopped")


def test_start_twice_fails_without_effect(rt):
    cfg, host = _marker_config(rt)
    res = rt.create(cfg)
    rt.start(res.cid)
    before = rt.state(res.cid)
    again = rt.runtime("start", res.cid)
    asserts.error(again)
    after = rt.state(res.cid)
    assert after["status"] == "running"
    assert after["pid"] == before["pid"]
    assert proc.is_alive(after["pid"])


def test_start_of_a_stopped_container_fails(rt):
    res = rt.create(base_config(["true"]))
    rt.start(res.cid)
    rt.wait_status(res.cid, "stopped")
    asserts.error(rt.runtime("start", res.cid))
    assert rt.status(res.cid) == "stopped"


def test_start_after_init_was_killed_fails(rt):
    cfg, host = _marker_config(rt)
    res = rt.create(cfg)
    pid = rt.state(res.cid)["pid"]
    os.kill(pid, signal.SIGKILL)
    proc.wait_for(lambda: proc.is_gone(pid), what="killed init to die")
    asserts.error(rt.runtime("start", res.cid))
    assert not (host / "marker").exists()
    assert rt.status(res.cid) == "stopped"


def test_start_unknown_container(rt):
    asserts.not_exist(rt.runtime("start", rt.new_id()))


def test_full_lifecycle(rt):
    res = rt.create(base_config(["sleep", "100"]))
    cid = res.cid
    assert rt.status(cid) == "created"
    rt.start(cid)
    assert rt.status(cid) == "running"
    rt.kill(cid, "KILL")
    rt.wait_status(cid, "stopped")
    asserts.ok(rt.delete(cid), "delete")
    asserts.not_exist(rt.runtime("state", cid))
    assert not os.listdir(rt.root)


def test_pid_file_holds_the_init_host_pid(rt):
    pidfile = rt.tmp / "init.pid"
    res = rt.create(base_config(["sleep", "100"]), "--pid-file", pidfile)
    text = pidfile.read_text()
    assert text.strip().isdigit(), f"pid file content {text!r}"
    pid = int(text)
    assert pid == rt.state(res.cid)["pid"]
    assert proc.is_alive(pid)
    assert proc.ns_inode(pid, "pid") != proc.ns_inode("self", "pid")


def test_config_changes_after_create_have_no_effect(rt):
    """runtime.md: updates to config.json after create MUST NOT affect the
    container."""
    cfg, host = _marker_config(rt, "echo one > /out/marker; exec sleep 100")
    res = rt.create(cfg)
    changed = sh("echo two > /out/marker; exec sleep 100")
    bind(changed, host, "/out")
    rt.write_config(res.extra["bundle"], changed)
    rt.start(res.cid)
    proc.wait_for(lambda: (host / "marker").exists(), what="marker")
    assert (host / "marker").read_text() == "one\n"


def test_bundle_defaults_to_the_current_directory(rt):
    bundle = rt.bundle(base_config(["sleep", "100"]))
    cid = rt.new_id()
    asserts.ok(rt.runtime("create", cid, cwd=bundle), "create without --bundle")
    assert rt.state(cid)["bundle"] == str(bundle)


def test_relative_bundle_is_recorded_absolute(rt):
    bundle = rt.bundle(base_config(["sleep", "100"]))
    cid = rt.new_id()
    asserts.ok(rt.runtime("create", "--bundle", bundle.name, cid, cwd=bundle.parent), "create")
    st = rt.state(cid)
    assert st["bundle"] == str(bundle)
    assert os.path.isabs(st["bundle"])


def test_bundle_flag_spellings(rt):
    for spelling in (["-b", "{}"], ["--bundle={}"], ["-bundle", "{}"], ["--bundle", "{}"]):
        bundle = rt.bundle(base_config(["sleep", "100"]))
        cid = rt.new_id()
        args = [a.format(bundle) for a in spelling]
        asserts.ok(rt.runtime("create", *args, cid), f"create {args}")
        assert rt.state(cid)["bundle"] == str(bundle)
        rt.delete(cid, force=True)


def test_no_new_keyring_is_accepted(rt):
    cfg, host = _marker_config(rt, "echo ran > /out/marker")
    res = rt.create(cfg, "--no-new-keyring")
    assert rt.status(res.cid) == "created"
    rt.start(res.cid)
    rt.wait_status(res.cid, "stopped")
    assert (host / "marker").read_text() == "ran\n"


def test_create_with_pipes_returns_and_hands_them_to_the_container(rt):
    """Engines give create pipes: create must exit without waiting for EOF
    (the container holds the write ends), and the output written after
    start arrives on those pipes, followed by EOF when the container exits."""
    import subprocess

    bundle = rt.bundle(sh("read line; echo got:$line; echo err-line >&2"))
    cid = rt.new_id()
    argv = rt.runtime.argv(["create", "--bundle", bundle, cid])
    p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        rc = p.wait(timeout=20)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        raise AssertionError("create blocked on its own stdio pipes")
    assert rc == 0, f"create failed with exit {rc}"  # (stderr may be held open: not read here)
    assert rt.status(cid) == "created"
    rt.start(cid)
    p.stdin.write(b"ping\n")
    p.stdin.close()
    out = p.stdout.read()  # EOF once the container exited
    err = p.stderr.read()
    assert out == b"got:ping\n"
    assert err == b"err-line\n"
    rt.wait_status(cid, "stopped")


def test_pid_file_with_detached_run(rt):
    pidfile = rt.tmp / "run.pid"
    res = rt.run(base_config(["sleep", "100"]), "-d", "--pid-file", pidfile)
    assert res.rc == 0, str(res)
    pid = int(pidfile.read_text())
    st = rt.state(res.cid)
    assert st["pid"] == pid and st["status"] == "running"
