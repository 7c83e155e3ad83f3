"""The parent side (P0) of starting a container's init; see sync.py.

P0 becomes a child subreaper first, so when stage 1 exits the init is
re-parented to P0 rather than to the host's pid 1: ``run`` can then wait for
it, and when ``create`` exits the init moves up to the engine's subreaper
(conmon, containerd-shim), which is what engines expect.
"""
import fcntl
import json
import os
import signal
import socket

import prctl

from pyrunc.process import stage1, sync


class Spawned:
    """The init as P0 knows it while create is still running."""

    def __init__(self, pid, chan):
        self.pid = pid
        self.chan = chan

    def release(self):
        """State is saved: let the init go on to wait for start."""
        self.chan.send(sync.STATE_SAVED)
        self.chan.close()


def _high_fd(fd, floor):
    """Move *fd* to a number >= *floor* so it cannot collide with the
    --preserve-fds range, which must arrive in the container unchanged."""
    if fd >= floor:
        return fd
    new = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, floor)
    os.close(fd)
    return new


def _kill_and_reap(pid):
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def spawn(plan, fifo_path, cgroups, handled_signals=(), console_fd=None):
    """Fork stage 1, place it in *cgroups*, and wait until the init is
    ready.  Returns a Spawned; on failure kills what it started and raises
    the init's error."""
    prctl.set_child_subreaper(True)
    floor = 3 + plan.preserve_fds
    parent, child = sync.pair()
    child = sync.Channel(socket.socket(fileno=_high_fd(child.sock.detach(), floor)))
    fifo_fd = _high_fd(os.open(fifo_path, os.O_RDWR | os.O_CLOEXEC), floor)
    keep = {0, 1, 2, child.fileno(), fifo_fd, *range(3, floor)}
    if console_fd is not None:
        console_fd = _high_fd(os.dup(console_fd), floor)
        keep.add(console_fd)
    stage1_pid = os.fork()
    if stage1_pid == 0:
        parent.sock.detach()  # closed by stage 1's fd sweep, never by GC
        stage1.run(plan, child, fifo_fd, keep, handled_signals, console_fd)
    child.close()
    os.close(fifo_fd)
    if console_fd is not None:
        os.close(console_fd)
    init_pid = None
    try:
        cgroups.add(stage1_pid)
        parent.send(sync.PLACED)
        msg, _ = parent.expect(sync.INIT_PID, who="stage-1")
        init_pid = msg["pid"]
        os.waitpid(stage1_pid, 0)
        stage1_pid = None
        parent.expect(sync.READY)
    except BaseException:
        if stage1_pid:
            _kill_and_reap(stage1_pid)
        if init_pid is None:
            # the init may have failed before stage 1 reported its pid
            init_pid = _pending_init_pid(parent)
        if init_pid:
            _kill_and_reap(init_pid)
        parent.close()
        raise
    return Spawned(init_pid, parent)


def _pending_init_pid(chan):
    while True:
        try:
            data = chan.sock.recv(65536, socket.MSG_DONTWAIT)
        except (BlockingIOError, OSError):
            return None
        if not data:
            return None
        msg = json.loads(data)
        if msg.get("type") == sync.INIT_PID:
            return msg["pid"]
