"""process.terminal: a pty for the container (config.md "terminal").

Inside the init (after pivot_root, so /dev/ptmx is the container's own
devpts instance): open the master, take the slave with TIOCGPTPEER (no path
lookup an image could redirect), bind the slave over /dev/console, make it
the controlling terminal and stdio, and send the master over the console
socket with SCM_RIGHTS, the way runc does (conmon and containerd's shim
receive it there).  ``run`` in the foreground without --console-socket
makes its own socket and proxies the master to its stdio.
"""
import errno
import fcntl
import os
import select
import _signal as signal  # not signal: its enums import enum (~5 ms)
import stat
import struct

from pyrunc import fdpass
from pyrunc.errors import PyruncError

TIOCSCTTY = 0x540E
TIOCGWINSZ = 0x5413
TIOCSWINSZ = 0x5414
TIOCGPTN = 0x80045430
TIOCSPTLCK = 0x40045431
TIOCGPTPEER = 0x5441


class ConsoleError(PyruncError):
    pass


def connect(path):
    """P0: connect to the engine's --console-socket; the fd goes to the init."""
    sock = fdpass.socket(fdpass.AF_UNIX, fdpass.SOCK_STREAM)
    try:
        sock.connect(path)
    except OSError as e:
        sock.close()
        raise ConsoleError(f"--console-socket {path}: connect: {e.strerror}") from None
    return sock


def set_size(fd, rows, cols):
    fcntl.ioctl(fd, TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def setup_in_container(sock_fd, root_fd, console_size, make_file=None, fd_path=None, mount=None):
    """Init side: leaves the slave on fds 0-2 as the controlling terminal.
    With *root_fd* (the init, not exec) the slave is also bound over the
    container's /dev/console."""
    master = os.open("/dev/ptmx", os.O_RDWR | os.O_NOCTTY | os.O_CLOEXEC)
    try:
        st = os.fstat(master)
        if not stat.S_ISCHR(st.st_mode) or os.major(st.st_rdev) != 5:
            raise ConsoleError("/dev/ptmx in the container is not a pty multiplexer")
        fcntl.ioctl(master, TIOCSPTLCK, struct.pack("i", 0))
        number = struct.unpack("I", fcntl.ioctl(master, TIOCGPTN, b"\0" * 4))[0]
        slave = fcntl.ioctl(master, TIOCGPTPEER, os.O_RDWR | os.O_NOCTTY)
        if console_size:
            set_size(master, *console_size)
        if root_fd is not None:
            target = make_file(root_fd, "/dev/console", 0o600)
            try:
                mount(fd_path(slave), fd_path(target), None, 4096)  # MS_BIND
            finally:
                os.close(target)
        sock = fdpass.socket(fileno=sock_fd)
        try:
            fdpass.send_fds(sock, [f"/dev/pts/{number}".encode()], [master])
        finally:
            sock.close()
    finally:
        os.close(master)
    for fd in (0, 1, 2):
        os.dup2(slave, fd)
    if slave > 2:
        os.close(slave)
    fcntl.ioctl(0, TIOCSCTTY, 0)


def receive_master(sock):
    """P0 (foreground run): the master the init sent to our own fdpass."""
    _msg, fds, _flags, _addr = fdpass.recv_fds(sock, 4096, 1)
    if not fds:
        raise ConsoleError("the container's init did not send a terminal")
    return fds[0]


def _write_all(fd, data):
    while data:
        try:
            n = os.write(fd, data)
        except InterruptedError:
            continue
        data = data[n:]


def proxy(master, pid):
    """Copy stdin -> pty and pty -> stdout until *pid* exits; keep the pty's
    size in step with our terminal.  Returns the shell-style exit status."""
    import termios
    import tty
    saved = None
    if os.isatty(0):
        saved = termios.tcgetattr(0)
        tty.setraw(0)

    def resize(*_):
        if os.isatty(0):
            try:
                fcntl.ioctl(master, TIOCSWINSZ, fcntl.ioctl(0, TIOCGWINSZ, b"\0" * 8))
            except OSError:
                pass

    rfd, wfd = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    signal.set_wakeup_fd(wfd)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.signal(signal.SIGWINCH, resize)
    resize()
    inputs = [0, master, rfd]
    status = None
    try:
        while status is None:
            try:
                ready, _, _ = select.select(inputs, [], [])
            except InterruptedError:
                ready = []
            if rfd in ready:
                os.read(rfd, 512)
            if 0 in ready:
                data = os.read(0, 65536)
                if data:
                    _write_all(master, data)
                else:
                    inputs.remove(0)
                    _write_all(master, b"\x04")  # EOF on stdin: ^D to the pty
            if master in ready and not _drain(master):
                inputs.remove(master)
            status = _reap(pid)
        while _drain(master, block=False):
            pass
    finally:
        signal.set_wakeup_fd(-1)
        os.close(rfd)
        os.close(wfd)
        if saved is not None:
            termios.tcsetattr(0, termios.TCSADRAIN, saved)
        os.close(master)
    return status


def _drain(master, block=True):
    """Copy one read of pty output to stdout; False once the pty is closed."""
    if not block and not select.select([master], [], [], 0)[0]:
        return False
    try:
        data = os.read(master, 65536)
    except OSError as e:
        if e.errno == errno.EIO:  # every slave fd closed
            return False
        raise
    if not data:
        return False
    _write_all(1, data)
    return True


def _reap(pid):
    while True:
        try:
            got, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return 255
        if got == 0:
            return None
        if got == pid:
            return os.waitstatus_to_exitcode(status) if not os.WIFSIGNALED(status) else 128 + os.WTERMSIG(status)
