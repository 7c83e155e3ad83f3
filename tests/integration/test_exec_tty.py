"""``exec`` with a terminal: ``-t``/``--tty`` or ``"terminal": true`` in a
``--process`` JSON, the pty master sent to ``--console-socket`` as
containerd and conmon expect, and an interactive busybox shell driven by
the test through it."""
import json
import time

import pytest

import support_extra as sx
from support import asserts, proc
from support.config import DEFAULT_ENV, base_config


def running(rt, **process):
    return rt.started_container(base_config(["sleep", "1000"], **process))


def _exec_error(rt, res, *fragments):
    return asserts.error(res, *fragments, rc=255 if rt.is_runc else 1)


def test_exec_interactive_shell_detached(rt):
    """What containerd does for ``ctr task exec -t``: exec -d -t with a
    console socket and a pid file; the test drives the shell."""
    cid, pid = running(rt)
    pidfile = rt.tmp / "exec.pid"
    with sx.ConsoleSocket(rt.tmp / "console.sock") as cs:
        res = rt.runtime("exec", "-d", "-t", "--console-socket", cs.path, "--pid-file", pidfile, cid, "sh")
        asserts.ok(res, "exec -d -t")
        pty = cs.receive_master()
    try:
        epid = int(pidfile.read_text())
        rt.record_pid(epid)
        started = proc.start_time(epid)
        assert proc.ns_inode(epid, "pid") == proc.ns_inode(pid, "pid")
        pty.read_until("# ")
        pty.write("echo $((6*7))\n")
        pty.read_until("42")
        pty.write("exit 3\n")
        proc.wait_for(lambda: proc.is_gone(epid, started), what="the exec'd shell to exit")
    finally:
        pty.close()
    assert rt.status(cid) == "running"


@pytest.mark.runc_differs("runc ignores --console-socket without --detach and proxies its own tty")
def test_exec_interactive_shell_attached_returns_the_exit_status(rt):
    cid, _ = running(rt)
    with sx.ConsoleSocket(rt.tmp / "console.sock") as cs:
        sp = rt.spawn("exec", "--tty", "--console-socket", cs.path, cid, "sh")
        pty = cs.receive_master()
    try:
        pty.read_until("# ")
        pty.write("echo $((6*7))\n")
        pty.read_until("42")
        pty.write("exit 3\n")
        res = sp.wait()
    finally:
        pty.close()
    assert res.rc == 3, str(res)


def _exec_tty_script(rt, cid, script, *flags, process=None):
    """exec -d -t (or --process with terminal true) running *script*;
    returns everything it wrote to the pty."""
    with sx.ConsoleSocket(rt.tmp / f"console-{time.monotonic_ns()}.sock") as cs:
        if process is not None:
            path = rt.tmp / "process.json"
            path.write_text(json.dumps(process))
            res = rt.runtime("exec", "-d", "--console-socket", cs.path, "--process", path, cid)
        else:
            res = rt.runtime("exec", "-d", "-t", *flags, "--console-socket", cs.path, cid, "sh", "-c", script)
        asserts.ok(res, "exec with a terminal")
        pty = cs.receive_master()
    try:
        return pty.read_to_eof()
    finally:
        pty.close()


def test_exec_tty_stdio_is_one_pty_of_the_containers_devpts(rt):
    cid, pid = running(rt)
    out = _exec_tty_script(rt, cid, "for f in 0 1 2; do readlink /proc/self/fd/$f; done; "
                                    "stat -f -c %T /proc/self/fd/0")
    lines = out.split()
    assert len(set(lines[:3])) == 1 and lines[0].startswith("/dev/pts/"), out
    assert lines[3] == "devpts"


def test_exec_tty_is_the_controlling_terminal(rt):
    cid, _ = running(rt)
    out = _exec_tty_script(rt, cid, "echo via-dev-tty > /dev/tty && echo opened; cut -d' ' -f7 /proc/self/stat")
    lines = out.split()
    assert "via-dev-tty" in lines and "opened" in lines, out
    assert lines[-1] != "0"


def test_exec_tty_with_process_json_and_console_size(rt):
    cid, _ = running(rt)
    process = {"terminal": True, "consoleSize": {"height": 33, "width": 111}, "args": ["stty", "size"],
               "cwd": "/", "user": {"uid": 0, "gid": 0}, "env": DEFAULT_ENV}
    assert _exec_tty_script(rt, cid, None, process=process).strip() == "33 111"


def test_exec_tty_as_another_user(rt):
    cid, _ = running(rt)
    out = _exec_tty_script(rt, cid, "id -u; tty", "-u", "1000:1000")
    lines = out.split()
    assert lines[0] == "1000" and lines[1].startswith("/dev/pts/"), out


def test_exec_tty_does_not_take_over_dev_console(rt):
    """A terminal exec gets a new pty; the container's /dev/console (the
    init's terminal) is not replaced."""
    cfg = base_config(["sleep", "1000"])
    cfg["process"]["terminal"] = True
    with sx.ConsoleSocket(rt.tmp / "init-console.sock") as cs:
        res = rt.create(cfg, "--console-socket", cs.path)
        init_pty = cs.receive_master()
    try:
        rt.start(res.cid)
        out = _exec_tty_script(rt, res.cid, "stat -L -c %T /dev/console; stat -L -c %T /proc/self/fd/0")
        console, mine = out.split()
        assert console != mine, "exec's pty replaced /dev/console"
    finally:
        init_pty.close()


def test_exec_tty_detached_without_a_console_socket_is_an_error(rt):
    cid, _ = running(rt)
    _exec_error(rt, rt.runtime("exec", "-d", "-t", cid, "sh"), "console")
    assert rt.status(cid) == "running"


def test_exec_console_socket_without_tty_is_an_error(rt):
    cid, _ = running(rt)
    with sx.ConsoleSocket(rt.tmp / "console.sock") as cs:
        res = rt.runtime("exec", "-d", "--console-socket", cs.path, cid, "true")
    _exec_error(rt, res)


def test_exec_console_socket_that_does_not_exist(rt):
    cid, _ = running(rt)
    _exec_error(rt, rt.runtime("exec", "-d", "-t", "--console-socket", rt.tmp / "missing.sock", cid, "sh"),
                "missing.sock")


@pytest.mark.runc_differs("runc needs its own stdio to be a terminal to proxy one")
def test_exec_tty_attached_without_a_socket_proxies_stdio(rt):
    """Without --console-socket the runtime proxies the pty to its own
    stdio (here a file and /dev/null-like stdin) and returns the status."""
    cid, _ = running(rt)
    res = rt.runtime("exec", "-t", cid, "sh", "-c", "tty; echo $((6*7)); exit 5", stdin=b"")
    assert res.rc == 5, str(res)
    out = res.out.replace("\r\n", "\n").split()
    assert out[0].startswith("/dev/pts/") and "42" in out, str(res)
