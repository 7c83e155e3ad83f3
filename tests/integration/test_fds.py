"""File descriptors and sockets that cross into the container, as runc
passes them: ``--preserve-fds N`` (create/run and exec), socket activation
(``LISTEN_FDS``/``LISTEN_PID`` of the runtime's caller, runc's
``activation.Files``), and ``NOTIFY_SOCKET`` relayed so that
``podman --sdnotify=container`` works.  Nothing else may leak in.
"""
import os
import socket
import time

import pytest

import support_extra as sx
from support import asserts
from support.config import base_config, sh


def running(rt, cfg=None):
    return rt.started_container(cfg or base_config(["sleep", "1000"]))


def _fd_script(n):
    return "; ".join(f"readlink /proc/$$/fd/{fd}" for fd in range(3, 3 + n))


# --- --preserve-fds ----------------------------------------------------------------------


def test_exec_preserve_fds_passes_fds_3_to_3_plus_n(rt):
    cid, _ = running(rt)
    a, b = rt.tmp / "fd3", rt.tmp / "fd4"
    a.write_text("three\n")
    b.write_text("four\n")
    wrapper = ["sh", "-c", 'exec 3<"$0" 4<"$1"; shift; exec "$@"', str(a), str(b)]
    res = rt.runtime("exec", "--preserve-fds", "2", cid, "sh", "-c", "cat <&3; cat <&4; ls /proc/$$/fd; exit 0",
                     wrapper=wrapper)
    assert res.rc == 0, str(res)
    lines = res.out.splitlines()
    assert lines[:2] == ["three", "four"]
    assert sorted(lines[2:], key=int) == ["0", "1", "2", "3", "4"]


def test_exec_leaks_no_other_fd(rt):
    cid, _ = running(rt)
    r, w = os.pipe()
    os.set_inheritable(r, True)
    os.set_inheritable(w, True)
    try:
        res = rt.runtime("exec", cid, "sh", "-c", "ls /proc/$$/fd; exit 0", pass_fds=(r, w))
    finally:
        os.close(r)
        os.close(w)
    assert res.rc == 0, str(res)
    assert sorted(res.out.split(), key=int) == ["0", "1", "2"]


def test_exec_preserve_fds_with_fewer_fds_leaks_nothing_beyond(rt):
    cid, _ = running(rt)
    data = rt.tmp / "fd3"
    data.write_text("x\n")
    wrapper = ["sh", "-c", 'exec 3<"$0" 4<"$0" 5<"$0"; exec "$@"', str(data)]
    res = rt.runtime("exec", "--preserve-fds", "1", cid, "sh", "-c", "ls /proc/$$/fd; exit 0", wrapper=wrapper)
    assert res.rc == 0, str(res)
    assert sorted(res.out.split(), key=int) == ["0", "1", "2", "3"]


def test_create_preserve_fds_survive_until_start(rt):
    data = rt.tmp / "fd3"
    data.write_text("kept across create and start\n")
    cid = rt.new_id()
    wrapper = ["sh", "-c", 'exec 3<"$0"; exec "$@"', str(data)]
    res = rt.runtime("create", "--bundle", rt.bundle(sh("cat <&3; ls /proc/$$/fd; exit 0")), "--preserve-fds", "1",
                     cid, wrapper=wrapper)
    asserts.ok(res, "create --preserve-fds 1")
    rt.start(cid)
    rt.wait_status(cid, "stopped")
    lines = open(res.extra["out_path"]).read().splitlines()
    assert lines[0] == "kept across create and start"
    assert sorted(lines[1:], key=int) == ["0", "1", "2", "3"]


# --- socket activation: LISTEN_FDS / LISTEN_PID ---------------------------------------------


@pytest.fixture
def listeners():
    socks = [socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) for _ in range(2)]
    for s in socks:
        s.bind("")  # autobind an abstract address
        s.listen(1)
    yield socks
    for s in socks:
        s.close()


ACTIVATION = r"""
import fcntl, os, sys
# Put the listening sockets on fds 3.. and set LISTEN_FDS / LISTEN_PID for
# the runtime exec'd next (systemd's protocol: LISTEN_PID is the pid meant
# to take them, so the runtime's own pid; exec keeps it).
socks = [int(x) for x in sys.argv[1].split(",") if x]
high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 100) for fd in socks]
for i, fd in enumerate(high):
    os.dup2(fd, 3 + i)
    os.close(fd)
n = len(socks)
if sys.argv[3]:
    fd = os.open(sys.argv[3], os.O_RDONLY)
    if fd != 3 + n:
        os.dup2(fd, 3 + n)
        os.close(fd)
    else:
        os.set_inheritable(fd, True)
os.environ["LISTEN_FDS"] = str(n)
os.environ["LISTEN_PID"] = sys.argv[2] or str(os.getpid())
os.execv(sys.argv[4], sys.argv[4:])
"""


def _activation_wrapper(listeners, pid="", extra_file=""):
    import sys
    return [sys.executable, "-I", "-c", ACTIVATION, ",".join(str(s.fileno()) for s in listeners), pid,
            str(extra_file)]


def _socket_inode(s):
    return os.fstat(s.fileno()).st_ino


def test_listen_fds_are_passed_to_the_container(rt, listeners):
    cfg = sh("echo LISTEN_FDS=$LISTEN_FDS LISTEN_PID=$LISTEN_PID; " + _fd_script(2) + "; ls /proc/$$/fd; exit 0")
    cid = rt.new_id()
    res = rt.runtime("run", "--bundle", rt.bundle(cfg), cid, wrapper=_activation_wrapper(listeners),
                     pass_fds=[s.fileno() for s in listeners])
    assert res.rc == 0, str(res)
    lines = res.out.splitlines()
    assert lines[0] == "LISTEN_FDS=2 LISTEN_PID=1", f"socket activation variables not set for the container:\n{res}"
    assert lines[1:3] == [f"socket:[{_socket_inode(s)}]" for s in listeners], res.out
    assert sorted(lines[3:], key=int) == ["0", "1", "2", "3", "4"]


def test_listen_fds_come_before_preserved_fds(rt, listeners):
    """runc: stdio, then the $LISTEN_FDS sockets, then --preserve-fds N."""
    data = rt.tmp / "extra"
    data.write_text("preserved\n")
    cfg = sh("readlink /proc/$$/fd/3; cat <&4")
    cid = rt.new_id()
    wrapper = _activation_wrapper(listeners[:1], extra_file=data)
    res = rt.runtime("run", "--bundle", rt.bundle(cfg), "--preserve-fds", "1", cid, wrapper=wrapper,
                     pass_fds=[listeners[0].fileno()])
    assert res.rc == 0, str(res)
    assert res.out.splitlines() == [f"socket:[{_socket_inode(listeners[0])}]", "preserved"]


def test_listen_fds_meant_for_another_process_are_ignored(rt, listeners):
    """LISTEN_PID names another process: the fds are not ours to pass
    (sd_listen_fds(3)), and nothing about them reaches the container."""
    cfg = sh("echo LISTEN_FDS=$LISTEN_FDS; ls /proc/$$/fd; exit 0")
    cid = rt.new_id()
    res = rt.runtime("run", "--bundle", rt.bundle(cfg), cid, wrapper=_activation_wrapper(listeners, pid="1"),
                     pass_fds=[s.fileno() for s in listeners])
    assert res.rc == 0, str(res)
    lines = res.out.splitlines()
    assert lines[0] == "LISTEN_FDS="
    assert sorted(lines[1:], key=int) == ["0", "1", "2"]


# --- NOTIFY_SOCKET ---------------------------------------------------------------------------


@pytest.fixture
def notify_socket(rt):
    path = rt.tmp / "notify.sock"
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(str(path))
    s.settimeout(20)
    yield s, str(path)
    s.close()


def _notify_bundle(rt, script):
    cfg = sh(script)
    bundle = rt.bundle(cfg)
    helper = sx.sdnotify_binary(rt.tmp.parent)
    dest = bundle / "rootfs/bin/sdnotify"
    dest.write_bytes(helper.read_bytes())
    dest.chmod(0o755)
    return bundle


def _receive_until_ready(sock, timeout=20):
    msgs = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            data = sock.recv(4096)
        except socket.timeout:
            break
        msgs.append(data.decode(errors="replace"))
        if any(line.startswith("READY=1") for m in msgs for line in m.splitlines()):
            # runc sends MAINPID in a datagram of its own right after
            sock.settimeout(1)
            try:
                msgs.append(sock.recv(4096).decode(errors="replace"))
            except socket.timeout:
                pass
            return msgs
    raise AssertionError(f"READY=1 never reached the host's NOTIFY_SOCKET; got {msgs!r}")


def test_notify_socket_is_relayed_for_sdnotify_container(rt, notify_socket):
    """podman --sdnotify=container: create and start get NOTIFY_SOCKET; the
    container sees its own socket in NOTIFY_SOCKET; its READY=1 reaches
    the host socket together with MAINPID=<init's host pid>."""
    sock, path = notify_socket
    bundle = _notify_bundle(rt, 'test -S "$NOTIFY_SOCKET" && echo is-socket > /dev/null; '
                                'sdnotify "READY=1" && exec sleep 1000')
    cid = rt.new_id()
    env = {"NOTIFY_SOCKET": path}
    asserts.ok(rt.runtime("create", "--bundle", bundle, cid, extra_env=env), "create with NOTIFY_SOCKET")
    pid = rt.state(cid)["pid"]
    asserts.ok(rt.runtime("start", cid, extra_env=env), "start with NOTIFY_SOCKET")
    msgs = _receive_until_ready(sock)
    text = "\n".join(msgs)
    assert f"MAINPID={pid}" in text, f"MAINPID of the container's init not sent: {msgs!r}"


def test_notify_socket_inside_the_container(rt, notify_socket):
    sock, path = notify_socket
    bundle = _notify_bundle(rt, 'echo "NOTIFY_SOCKET=$NOTIFY_SOCKET"; test -S "$NOTIFY_SOCKET" && echo is-a-socket; '
                                'sdnotify READY=1')
    cid = rt.new_id()
    res = rt.runtime("run", "--bundle", bundle, cid, extra_env={"NOTIFY_SOCKET": path})
    assert res.rc == 0, str(res)
    lines = res.out.splitlines()
    assert lines[0] != "NOTIFY_SOCKET=", f"NOTIFY_SOCKET not set in the container:\n{res}"
    assert "is-a-socket" in lines, f"$NOTIFY_SOCKET is not a socket inside the container:\n{res}"
    assert path not in lines[0] or os.path.exists(path), lines[0]
    _receive_until_ready(sock)


def test_without_notify_socket_nothing_is_set(rt):
    out = rt.output(sh("echo NOTIFY_SOCKET=$NOTIFY_SOCKET; ls /run"))
    assert out.splitlines()[0] == "NOTIFY_SOCKET="
