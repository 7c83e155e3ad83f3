"""The parent/child protocol over one SOCK_SEQPACKET socketpair.

::

    P0 pyrunc create               P1 stage-1                 P2 init
    ----------------               ----------                 -------
    fork P1 ------------------------>
    write resources                  setns(joined user ns) or unshare(NEWUSER)
    place P1 in cgroups
            <----------------------- send USERNS (only for a new user namespace)
    send PLACED ------------------->
    write uid_map, gid_map
    send MAPPED -------------------> setns(joined), unshare(new but cgroup),
                                     timens offsets; wait for PLACED (if not
                                     yet), unshare(NEWCGROUP)
                                     fork P2 ----------------->
            <----------------------- send INIT_PID, _exit       (pid 1 of a new pid ns)
    reap P1                                                     mounts, devices
            <---------------------------------------------------- send HOOKS (only if any
    prestart, createRuntime hooks                                  create-time hooks exist)
    send HOOKS_DONE {state} ------------------------------------> createContainer hooks,
                                                                pivot_root, hostname, sysctl,
                                                                paths, rlimits, user, caps, cwd
            <---------------------------------------------------- send READY
    write state.json, pid-file
    send STATE_SAVED {state} -----------------------------------> close socket,
    exit 0                                                       block on exec.fifo,
                                                                 startContainer hooks,
                                                                 execve(process.args)

exec uses the same channel from stage 1 on, without HOOKS and STATE_SAVED:
its child sends READY and execs; the parent reads EOF (the socket is
close-on-exec) or an ERROR if execve failed.  When the container's seccomp
profile has a notify rule, the parent answers READY with SECCOMP_STATE
{message}: the container process state for the seccomp agent, which needs
the child's host pid that only the parent knows.

Any stage that fails sends ERROR {step, message} instead and exits; the
receiver's ``expect()`` raises it as an InitError naming the step, so the
user reads e.g. "init: mount /data: bind source /x does not exist".
An unexpected EOF means the peer died.  Messages are small JSON objects, one
per datagram (runc ``libcontainer/sync.go``, youki ``channel.rs``).
"""
import os

from pyrunc import fastjson, fdpass

from pyrunc.errors import PyruncError

PLACED = "placed"
USERNS = "userns"
MAPPED = "mapped"
INIT_PID = "init_pid"
CONSOLE = "console"
HOOKS = "hooks"
HOOKS_DONE = "hooks_done"
READY = "ready"
STATE_SAVED = "state_saved"
SECCOMP_STATE = "seccomp_state"
ERROR = "error"

_MAX = 65536


class InitError(PyruncError):
    """A step inside the container's setup failed."""


def pair():
    a, b = fdpass.socketpair(fdpass.AF_UNIX, fdpass.SOCK_SEQPACKET)
    return Channel(a), Channel(b)


def _reported(msg, who):
    """The InitError for an ERROR message from *who*."""
    step = msg.get("step")
    return InitError(f"{who}: {step}: {msg.get('message')}" if step else f"{who}: {msg.get('message')}")


class Channel:
    def __init__(self, sock):
        self.sock = sock

    def fileno(self):
        return self.sock.fileno()

    def close(self):
        self.sock.close()

    def send(self, name, fds=(), **fields):
        data = fastjson.dumps({"type": name, **fields}).encode()
        if fds:
            fdpass.send_fds(self.sock, [data], list(fds))
        else:
            self.sock.send(data)

    def send_error(self, step, message):
        try:
            self.send(ERROR, step=step, message=message)
        except OSError:
            pass  # the parent is gone; nobody is left to tell

    def recv(self):
        """Next message as (dict, fds); ({"type": None}, []) at EOF."""
        data, fds, _flags, _addr = fdpass.recv_fds(self.sock, _MAX, 4)
        if not data:
            for fd in fds:
                os.close(fd)
            return {"type": None}, []
        return fastjson.loads(data), fds

    def pending_error(self, who):
        """The InitError of an ERROR message already waiting, else None
        (never blocks): why the peer is gone, when a write about it failed."""
        try:
            data = self.sock.recv(_MAX, fdpass.MSG_DONTWAIT)
        except OSError:
            return None
        msg = fastjson.loads(data) if data else {}
        return _reported(msg, who) if msg.get("type") == ERROR else None

    def expect(self, name, who="init"):
        """The next message, which must be *name* (or one of a tuple)."""
        msg, fds = self.recv()
        kind = msg.get("type")
        if kind == name or isinstance(name, tuple) and kind in name:
            return msg, fds
        for fd in fds:
            os.close(fd)
        if kind == ERROR:
            raise _reported(msg, who)
        if kind is None:
            raise InitError(f"{who}: exited unexpectedly while waiting for {name!r}")
        raise InitError(f"{who}: protocol error: expected {name!r}, got {kind!r}")
