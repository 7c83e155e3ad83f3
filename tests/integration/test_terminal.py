"""process.terminal with --console-socket, driven interactively the way
conmon and containerd's shim use it: an AF_UNIX socket of the test
receives the pty master (SCM_RIGHTS), the test types into a busybox shell
and reads its answers (config.md "terminal", "consoleSize";
config-linux.md "Default Devices": /dev/console).

test_console.py (another file) checks that the master arrives and that the
process' stdio is the pty; this file drives a shell through it.
"""
import os

import pytest

import support_extra as sx
from support import asserts, proc
from support.config import base_config, sh


def _tty_config(args=("sh",), size=None, **process):
    cfg = base_config(list(args), **process)
    cfg["process"]["terminal"] = True
    if size:
        cfg["process"]["consoleSize"] = {"height": size[0], "width": size[1]}
    return cfg


def _prompt(pty):
    """Wait until the interactive shell is ready for input."""
    return pty.read_until("# ", timeout=15) if pty is not None else None


def _ask(pty, command, answer):
    pty.write(command + "\n")
    return pty.read_until(answer)


def test_interactive_shell_through_the_console_socket(rt):
    """The brief's scenario: create + start under an engine (a subreaper,
    like conmon), type into sh, read the answer, exit 3, get status 3."""
    cid = rt.new_id()
    bundle = rt.bundle(_tty_config())
    with sx.ConsoleSocket(rt.tmp / "console.sock") as cs:
        engine = sx.spawn_engine(rt, bundle, cid, "--console-socket", cs.path)
        pty = cs.receive_master()
    try:
        _prompt(pty)
        _ask(pty, "echo $((6*7))", "42")
        pty.write("exit 3\n")
        res = engine.wait()
    finally:
        pty.close()
    assert res.rc == 3, f"exit status of the shell not 3:\n{res}\npty: {pty.data[-500:]!r}"
    assert rt.status(cid) == "stopped"


@pytest.mark.runc_differs("runc ignores --console-socket without --detach and proxies its own tty")
def test_foreground_run_with_console_socket_returns_the_exit_status(rt):
    cid = rt.new_id()
    with sx.ConsoleSocket(rt.tmp / "console.sock") as cs:
        sp = rt.spawn("run", "--bundle", rt.bundle(_tty_config()), "--console-socket", cs.path, cid, cid=cid)
        pty = cs.receive_master()
    try:
        _prompt(pty)
        _ask(pty, "echo $((6*7))", "42")
        pty.write("exit 3\n")
        res = sp.wait()
    finally:
        pty.close()
    assert res.rc == 3, str(res)
    asserts.not_exist(rt.runtime("state", cid))


def test_create_start_drive_shell_then_stopped(rt):
    with sx.ConsoleSocket(rt.tmp / "console.sock") as cs:
        cid = rt.new_id()
        asserts.ok(rt.runtime("create", "--bundle", rt.bundle(_tty_config()), "--console-socket", cs.path, cid),
                   "create with a terminal")
        pty = cs.receive_master()
    try:
        rt.start(cid)
        _prompt(pty)
        out = _ask(pty, "id -u; echo done-$((1+1))", "done-2")
        assert "0" in out.split()
        pty.write("exit\n")
        rt.wait_status(cid, "stopped")
    finally:
        pty.close()


def _run_tty_script(rt, script, size=None, **process):
    """create+start a terminal container running *script*; return what it
    wrote to the pty (until it exits)."""
    cfg = _tty_config(["sh", "-c", script], size=size, **process)
    with sx.ConsoleSocket(rt.tmp / "console.sock") as cs:
        cid = rt.new_id()
        asserts.ok(rt.runtime("create", "--bundle", rt.bundle(cfg), "--console-socket", cs.path, cid), "create")
        pty = cs.receive_master()
    try:
        rt.start(cid)
        out = pty.read_to_eof()
    finally:
        pty.close()
    rt.wait_status(cid, "stopped")
    return out


def test_console_size(rt):
    out = _run_tty_script(rt, "stty size", size=(30, 100))
    assert out.strip() == "30 100"


def test_console_size_is_ignored_without_a_terminal(rt):
    cfg = sh("echo fine")
    cfg["process"]["consoleSize"] = {"height": 30, "width": 100}
    assert rt.output(cfg) == "fine\n"


def test_resize_through_the_master(rt):
    with sx.ConsoleSocket(rt.tmp / "console.sock") as cs:
        cid = rt.new_id()
        asserts.ok(rt.runtime("create", "--bundle", rt.bundle(_tty_config(size=(24, 80))),
                              "--console-socket", cs.path, cid), "create")
        pty = cs.receive_master()
    try:
        rt.start(cid)
        _prompt(pty)
        assert "24 80" in _ask(pty, "stty size", "\n24 80")
        pty.set_size(40, 120)
        assert "40 120" in _ask(pty, "stty size", "\n40 120")
        pty.write("exit\n")
        rt.wait_status(cid, "stopped")
    finally:
        pty.close()


def test_dev_console_is_the_pty(rt):
    out = _run_tty_script(rt, "stat -L -c '%F %t:%T' /dev/console /proc/self/fd/0; readlink /proc/self/fd/0")
    lines = out.strip().splitlines()
    console, stdin, name = lines[0], lines[1], lines[2]
    assert console.startswith("character special file 88:"), f"/dev/console is not a pty slave: {out!r}"
    assert console == stdin, f"/dev/console {console} is not the process' terminal {stdin}"
    assert name.startswith("/dev/pts/")


def test_the_pty_is_the_controlling_terminal(rt):
    # opening /dev/tty only works for a process that has a controlling tty;
    # tty_nr (field 7 of /proc/self/stat) is non-zero then
    out = _run_tty_script(rt, "echo via-dev-tty > /dev/tty && echo opened; cut -d' ' -f7 /proc/self/stat")
    lines = out.split()
    assert "via-dev-tty" in lines and "opened" in lines, out
    assert lines[-1] != "0", out


def test_ctrl_c_interrupts_the_foreground_job(rt):
    with sx.ConsoleSocket(rt.tmp / "console.sock") as cs:
        cid = rt.new_id()
        asserts.ok(rt.runtime("create", "--bundle", rt.bundle(_tty_config()), "--console-socket", cs.path, cid),
                   "create")
        pty = cs.receive_master()
    try:
        rt.start(cid)
        _prompt(pty)
        pty.write("sleep 1000\n")
        pty.read_until("sleep 1000")
        init = rt.state(cid)["pid"]
        proc.wait_for(lambda: any(proc.cmdline(int(p)) == [b"sleep", b"1000"]
                                  for p in os.listdir("/proc") if p.isdigit() and _child_of(int(p), init)),
                      what="sleep to start in the container")
        pty.write(b"\x03")
        assert "rc=130" in _ask(pty, "echo rc=$?", "rc=130")
        pty.write("exit\n")
        rt.wait_status(cid, "stopped")
    finally:
        pty.close()


def _child_of(pid, parent):
    fields = proc.stat_fields(pid)
    return fields is not None and int(fields[1]) == parent


def test_terminal_for_a_non_root_user(rt):
    out = _run_tty_script(rt, "id -u; tty; echo ok > /dev/tty && echo tty-writable",
                          user={"uid": 1000, "gid": 1000})
    lines = out.split()
    assert lines[0] == "1000"
    assert lines[1].startswith("/dev/pts/")
    assert "tty-writable" in lines


def test_output_written_before_the_master_is_read_is_not_lost(rt):
    out = _run_tty_script(rt, "i=0; while [ $i -lt 200 ]; do echo line-$i; i=$((i+1)); done")
    assert out.split()[-1] == "line-199" and len(out.split()) == 200, out[-300:]


def test_process_exiting_at_once_still_sends_the_master(rt):
    out = _run_tty_script(rt, "exit 0")
    assert out == ""


# --- errors ---------------------------------------------------------------------------


def test_run_detached_with_a_terminal_needs_a_console_socket(rt):
    cid = rt.new_id()
    res = rt.runtime("run", "-d", "--bundle", rt.bundle(_tty_config(["sleep", "100"])), cid)
    asserts.error(res, "console")
    asserts.not_exist(rt.runtime("state", cid))


def test_console_socket_that_does_not_exist_is_a_clear_error(rt):
    cid = rt.new_id()
    missing = rt.tmp / "no-such.sock"
    res = rt.runtime("create", "--bundle", rt.bundle(_tty_config(["sleep", "100"])), "--console-socket", missing, cid)
    asserts.error(res, "no-such.sock")
    asserts.not_exist(rt.runtime("state", cid))


def test_console_socket_that_is_not_a_socket_is_a_clear_error(rt):
    cid = rt.new_id()
    not_sock = rt.tmp / "plain-file"
    not_sock.write_text("")
    res = rt.runtime("create", "--bundle", rt.bundle(_tty_config(["sleep", "100"])), "--console-socket", not_sock, cid)
    asserts.error(res, "plain-file")
    asserts.not_exist(rt.runtime("state", cid))


def test_receiver_closing_without_reading_fails_cleanly(rt):
    """An engine that accepts and closes at once: create must fail (or
    succeed) without hanging and without leftovers."""
    import socket
    import threading

    path = str(rt.tmp / "rude.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    srv.settimeout(20)

    def rude():
        try:
            conn, _ = srv.accept()
            conn.close()
        except OSError:
            pass

    t = threading.Thread(target=rude)
    t.start()
    cid = rt.new_id()
    try:
        res = rt.runtime("create", "--bundle", rt.bundle(_tty_config(["sleep", "100"])), "--console-socket", path, cid)
    finally:
        t.join()
        srv.close()
    assert not asserts.TRACEBACK.search(res.err), str(res)
    if res.rc != 0:
        asserts.not_exist(rt.runtime("state", cid))
