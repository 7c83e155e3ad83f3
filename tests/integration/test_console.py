"""process.terminal with --console-socket: the runtime sends the pty master
over the unix socket (SCM_RIGHTS) and the process runs on the slave, as
runc does for containerd and podman."""
import os
import select
import socket
import time

from support import asserts
from support.config import base_config, sh


class ConsoleSocket:
    def __init__(self, path):
        self.path = str(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(self.path)
        self.sock.listen(1)
        self.sock.settimeout(20)

    def receive_master(self):
        conn, _ = self.sock.accept()
        with conn:
            msg, fds, _flags, _addr = socket.recv_fds(conn, 4096, 4)
        assert len(fds) == 1, f"expected one fd over the console socket, got {fds}"
        return fds[0]

    def close(self):
        self.sock.close()


def _read_all(fd, timeout=15):
    """Read the pty master until the slave side is closed (EIO)."""
    data = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: every slave fd closed
            break
        if not chunk:
            break
        data += chunk
    return data


def _terminal_config(script):
    cfg = sh(script)
    cfg["process"]["terminal"] = True
    return cfg


def test_console_socket_receives_the_pty_master(rt):
    cs = ConsoleSocket(rt.tmp / "console.sock")
    try:
        res = rt.runtime("create", "--bundle", rt.bundle(_terminal_config("tty; echo hello-tty")),
                         "--console-socket", cs.path, rt.new_id())
        cid = rt.ids[-1]
        asserts.ok(res, "create with a terminal")
        master = cs.receive_master()
    finally:
        cs.close()
    try:
        assert os.readlink(f"/proc/self/fd/{master}") in ("/dev/ptmx", "/dev/pts/ptmx"), \
            os.readlink(f"/proc/self/fd/{master}")
        rt.start(cid)
        out = _read_all(master).decode(errors="replace").replace("\r\n", "\n")
    finally:
        os.close(master)
    lines = out.splitlines()
    assert lines[0].startswith("/dev/pts/"), out
    assert "hello-tty" in lines
    rt.wait_status(cid, "stopped")


def test_terminal_stdio_is_the_pty(rt):
    cs = ConsoleSocket(rt.tmp / "console.sock")
    try:
        cid = rt.new_id()
        res = rt.runtime("create", "--bundle",
                         rt.bundle(_terminal_config("for f in 0 1 2; do readlink /proc/self/fd/$f; done")),
                         "--console-socket", cs.path, cid)
        asserts.ok(res, "create with a terminal")
        master = cs.receive_master()
    finally:
        cs.close()
    try:
        rt.start(cid)
        out = _read_all(master).decode(errors="replace").replace("\r\n", "\n")
    finally:
        os.close(master)
    targets = out.split()
    assert len(targets) == 3 and len(set(targets)) == 1 and targets[0].startswith("/dev/pts/"), out


def test_terminal_without_console_socket_is_an_error_for_create(rt):
    cid = rt.new_id()
    res = rt.runtime("create", "--bundle", rt.bundle(_terminal_config("true")), cid)
    asserts.error(res)
    asserts.not_exist(rt.runtime("state", cid))


def test_console_socket_without_terminal_is_an_error(rt):
    cs = ConsoleSocket(rt.tmp / "console.sock")
    try:
        cid = rt.new_id()
        res = rt.runtime("create", "--bundle", rt.bundle(base_config(["true"])), "--console-socket", cs.path, cid)
        asserts.error(res)
        asserts.not_exist(rt.runtime("state", cid))
    finally:
        cs.close()
