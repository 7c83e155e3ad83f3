"""The parent side (P0) of starting a container's init; see sync.py.

P0 becomes a child subreaper first, so when stage 1 exits the init is
re-parented to P0 rather than to the host's pid 1: ``run`` can then wait for
it, and when ``create`` exits the init moves up to the engine's subreaper
(conmon, containerd-shim), which is what engines expect.
"""
import fcntl
import os
import _signal as signal  # not signal: its enums import enum (~5 ms)

import _prctl

from pyrunc import fastjson, fdpass
from pyrunc.errors import PyruncError
from pyrunc.process import stage1, sync


class Spawned:
    """The init as P0 knows it while create is still running."""

    def __init__(self, pid, chan):
        self.pid = pid
        self.chan = chan

    def release(self, state):
        """State is saved: let the init go on to wait for start (*state*
        is what its startContainer hooks will read)."""
        self.chan.send(sync.STATE_SAVED, state=state)
        self.chan.close()

    def wait_exec(self):
        """exec: EOF on the close-on-exec channel means execve succeeded;
        an ERROR means it failed (the process then exits)."""
        try:
            msg, _ = self.chan.recv()
            if msg.get("type") == sync.ERROR:
                _kill_and_reap(self.pid)
                raise sync.InitError(f"exec: {msg.get('step')}: {msg.get('message')}")
        finally:
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


def spawn(namespaces, cgroups, child_main, *, preserve_fds=0, pass_fds=None, handled_signals=(),
          who="init", on_hooks=None, while_forked=None):
    """Fork stage 1, place it in *cgroups*, let it enter *namespaces* and
    fork the child that runs *child_main(chan, fds)*; wait until that child
    says READY.  *pass_fds* ({name: fd}) are handed down under the same
    names.  *while_forked()* runs once stage 1 is forked, while it enters
    the namespaces, before it is placed in the cgroups (so before the child
    exists: the cgroup's device rules are written in steps, and a child
    making /dev meanwhile would meet the deny-all).  When the child asks
    for HOOKS, *on_hooks(pid)* runs the runtime-side hooks and returns the
    state the child's hooks read.
    Returns a Spawned; on failure kills what it started and raises the
    child's error."""
    _prctl.prctl(_prctl.PR_SET_CHILD_SUBREAPER, 1)
    floor = 3 + preserve_fds
    parent, child = sync.pair()
    child = sync.Channel(fdpass.socket(fileno=_high_fd(child.sock.detach(), floor)))
    fds_by_name = {name: _high_fd(os.dup(fd), floor) for name, fd in (pass_fds or {}).items()}
    fds_by_name["keep"] = {0, 1, 2, child.fileno(), *range(3, floor), *fds_by_name.values()}
    stage1_pid = os.fork()
    if stage1_pid == 0:
        try:  # a child never returns into the CLI's code, whatever happens
            parent.sock.detach()  # closed by stage 1's fd sweep, never by GC
            stage1.run(namespaces, child, fds_by_name, child_main, handled_signals)
        finally:
            os._exit(1)
    child.close()
    for name, fd in fds_by_name.items():
        if name != "keep":
            os.close(fd)
    child_pid = None
    try:
        try:
            if while_forked is not None:
                while_forked()
            cgroups.add(stage1_pid)
            parent.send(sync.PLACED)
        except (PyruncError, OSError):
            # stage 1 enters namespaces meanwhile: if that failed, it is
            # gone, and its report is the cause of this failure
            reported = parent.pending_error(who="stage-1")
            if reported is not None:
                raise reported from None
            raise
        msg, _ = parent.expect((sync.USERNS, sync.INIT_PID), who="stage-1")
        if msg["type"] == sync.USERNS:
            write_id_maps(stage1_pid, namespaces)
            parent.send(sync.MAPPED)
            msg, _ = parent.expect(sync.INIT_PID, who="stage-1")
        child_pid = msg["pid"]
        os.waitpid(stage1_pid, 0)
        stage1_pid = None
        msg, _ = parent.expect((sync.HOOKS, sync.READY), who=who)
        if msg["type"] == sync.HOOKS:
            parent.send(sync.HOOKS_DONE, state=on_hooks(child_pid))
            parent.expect(sync.READY, who=who)
    except BaseException:
        if stage1_pid:
            _kill_and_reap(stage1_pid)
        if child_pid is None:
            # the child may have failed before stage 1 reported its pid
            child_pid = _pending_init_pid(parent)
        if child_pid:
            _kill_and_reap(child_pid)
        parent.close()
        raise
    return Spawned(child_pid, parent)


def write_id_maps(pid, namespaces):
    """uid_map and gid_map of stage 1's new user namespace, written from
    here because only a process privileged in the parent namespace may map
    arbitrary host ids (user_namespaces(7))."""
    for name, text in (("uid_map", namespaces.uid_map), ("gid_map", namespaces.gid_map)):
        try:
            with open(f"/proc/{pid}/{name}", "w") as f:
                f.write(text)
        except OSError as e:
            raise PyruncError(f"write {name} {text.strip()!r}: {e.strerror}") from None


def _pending_init_pid(chan):
    while True:
        try:
            data = chan.sock.recv(65536, fdpass.MSG_DONTWAIT)
        except (BlockingIOError, OSError):
            return None
        if not data:
            return None
        msg = fastjson.loads(data)
        if msg.get("type") == sync.INIT_PID:
            return msg["pid"]
