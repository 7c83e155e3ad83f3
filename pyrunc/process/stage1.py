"""Stage 1 (P1): the child that enters namespaces (for create and exec).

It exists because a new pid namespace only applies to children of the
process that unshares it, and the parent (P0) must stay in the host's
namespaces to manage cgroups and state.  P1 joins the namespaces given by
path and unshares the new ones while P0 puts it in the container's cgroups
(on cgroup v1 the first cgroup.procs write waits for an RCU grace period,
5-20 ms here: the namespace work hides part of it).  Only then, once P0
says PLACED, does it unshare a new cgroup namespace (rooted at the cgroup
it is in) and fork the init (P2), which so starts in the container's
cgroups; it reports the init's pid and exits.
"""
import os
import _signal as signal  # not signal: its enums import enum (~5 ms)

from pyrunc import linux as L
from pyrunc.plan.namespaces import FLAGS
from pyrunc.process import fds, sync
from pyrunc.process.errors import describe


def reset_signals(handled):
    """Drop the parent's Python signal handlers: they must never run in
    the container's processes."""
    for sig in handled:
        signal.signal(sig, signal.SIG_DFL)


def run(namespaces, chan, fds_by_name, child_main, handled_signals=()):
    """Never returns.  *child_main(chan, fds_by_name)* runs in the forked
    child (the init, or the process of an exec) and must not return either.
    *fds_by_name* are the runtime's fds the children need; with stdio and
    the preserved fds, the only ones left open."""
    step = "start"
    try:
        reset_signals(handled_signals)
        fds.keep_only(fds_by_name["keep"])
        placed = False  # P0's first message, sent once we are in the cgroups
        pidfd = fds_by_name.get("pidfd")
        if pidfd is not None:
            # exec: enter every namespace of the container's init at once
            # through its pidfd, so a recycled pid cannot be joined
            step = "join the container's namespaces"
            if namespaces.pidfd_flags:
                L.setns(pidfd, namespaces.pidfd_flags)
            os.close(pidfd)
        step = "join namespaces"
        ns_fds = []
        for ns_type, path in namespaces.joins:
            try:
                ns_fds.append((ns_type, path, os.open(path, os.O_RDONLY | os.O_CLOEXEC)))
            except OSError as e:
                raise OSError(e.errno, f"open {ns_type} namespace {path}: {e.strerror}") from None
        for ns_type, path, fd in ns_fds:
            step = f"join {ns_type} namespace {path}"
            L.setns(fd, FLAGS[ns_type])
            os.close(fd)
        user = FLAGS["user"]
        if namespaces.new_flags & user:
            # first, so every namespace created next is owned by it
            step = "create user namespace"
            L.unshare(user)
            chan.send(sync.USERNS)
            chan.expect(sync.PLACED, who="pyrunc")
            placed = True
            chan.expect(sync.MAPPED, who="pyrunc")
        step = "create namespaces"
        cgroup = FLAGS["cgroup"]
        if namespaces.new_flags & ~user & ~cgroup:
            L.unshare(namespaces.new_flags & ~user & ~cgroup)
        if namespaces.time_offsets:
            # must precede the first process entering the namespace: the fork
            step = "time namespace offsets"
            with open("/proc/self/timens_offsets", "w") as f:
                f.write(namespaces.time_offsets)
        if namespaces.new_flags & user or any(t == "user" for t, _ in namespaces.joins):
            # last: changing ids makes us non-dumpable, and /proc/self files
            # (timens_offsets) then belong to the host's root
            step = "become root in the user namespace"
            os.setresgid(0, 0, 0)
            os.setresuid(0, 0, 0)
        if not placed:
            step = "wait for the cgroups"
            chan.expect(sync.PLACED, who="pyrunc")
        if namespaces.new_flags & cgroup:
            step = "create cgroup namespace"
            L.unshare(cgroup)
        step = "fork"
        # The child must not speak on the channel before INIT_PID is sent
        # (the parent reads messages in order): it waits for EOF on a pipe
        # whose only writer is this process, which closes it after sending.
        gate_r, gate_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(gate_w)
            os.read(gate_r, 1)
            os.close(gate_r)
            child_main(chan, fds_by_name)
        os.close(gate_r)
        chan.send(sync.INIT_PID, pid=pid)
        os.close(gate_w)
        os._exit(0)
    except BaseException as e:
        chan.send_error(step, describe(e))
    finally:
        os._exit(1)
