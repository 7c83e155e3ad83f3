"""Unix sockets over the ``_socket`` extension, and fds passed with SCM_RIGHTS.

The ``socket`` module costs ~3.5 ms to import (its enums pull in ``enum``,
``functools``, ``collections`` and ``selectors``), a quarter of the
interpreter's own start-up, on every create, run and exec.  The runtime
needs none of it: ``_socket.socket`` has every method used here, and the
two helpers below are ``socket.send_fds``/``socket.recv_fds`` without
``array``.
"""
import sys
from _socket import (  # noqa: F401  (re-exported for the callers)
    AF_UNIX, CMSG_LEN, MSG_DONTWAIT, SCM_RIGHTS, SOCK_CLOEXEC, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_STREAM,
    SOL_SOCKET, sethostname, socket, socketpair, timeout,
)

_INT = 4  # sizeof(int): an fd in a SCM_RIGHTS message


def send_fds(sock, buffers, fds):
    """Send *buffers* with *fds* attached (``socket.send_fds``)."""
    data = b"".join(fd.to_bytes(_INT, sys.byteorder) for fd in fds)
    return sock.sendmsg(buffers, [(SOL_SOCKET, SCM_RIGHTS, data)])


def recv_fds(sock, bufsize, maxfds, flags=0):
    """(data, fds, msg_flags, address) of one message (``socket.recv_fds``)."""
    data, ancillary, msg_flags, address = sock.recvmsg(bufsize, CMSG_LEN(maxfds * _INT), flags)
    fds = []
    for level, kind, payload in ancillary:
        if level == SOL_SOCKET and kind == SCM_RIGHTS:
            usable = len(payload) - len(payload) % _INT
            fds.extend(int.from_bytes(payload[i:i + _INT], sys.byteorder) for i in range(0, usable, _INT))
    return data, fds, msg_flags, address
