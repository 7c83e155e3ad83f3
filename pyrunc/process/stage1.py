"""Stage 1 (P1): the child that enters namespaces.

It exists because a new pid namespace only applies to children of the
process that unshares it, and the parent (P0) must stay in the host's
namespaces to manage cgroups and state.  P1 waits until P0 has put it in
the container's cgroups (so a new cgroup namespace is rooted there), joins
the namespaces given by path, unshares the new ones, forks the init (P2)
and reports the init's pid before exiting.
"""
import os
import signal

from pyrunc import linux as L
from pyrunc.plan.namespaces import FLAGS
from pyrunc.process import fds, init, sync
from pyrunc.process.errors import describe


def reset_signals(handled):
    """Drop the parent's Python signal handlers: they must never run in
    the container's processes."""
    for sig in handled:
        signal.signal(sig, signal.SIG_DFL)


def run(plan, chan, fifo_fd, keep_fds, handled_signals=(), console_fd=None):
    """Never returns."""
    step = "start"
    try:
        reset_signals(handled_signals)
        fds.keep_only(keep_fds)
        chan.expect(sync.PLACED, who="pyrunc")
        step = "join namespaces"
        ns_fds = []
        for ns_type, path in plan.namespaces.joins:
            try:
                ns_fds.append((ns_type, path, os.open(path, os.O_RDONLY | os.O_CLOEXEC)))
            except OSError as e:
                raise OSError(e.errno, f"open {ns_type} namespace {path}: {e.strerror}") from None
        for ns_type, path, fd in ns_fds:
            step = f"join {ns_type} namespace {path}"
            L.setns(fd, FLAGS[ns_type])
            os.close(fd)
        step = "create namespaces"
        L.unshare(plan.namespaces.new_flags)
        step = "fork init"
        pid = os.fork()
        if pid == 0:
            init.run(plan, chan, fifo_fd, console_fd)
        chan.send(sync.INIT_PID, pid=pid)
        os._exit(0)
    except BaseException as e:
        chan.send_error(step, describe(e))
    finally:
        os._exit(1)
