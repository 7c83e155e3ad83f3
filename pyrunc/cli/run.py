"""``run``: create + start, then (unless --detach) wait for the container's
process, forwarding signals to it, and exit with its status (128+N when it
was killed by signal N), deleting the container unless --keep."""
import os
import signal

from pyrunc.cli.args import Flag
from pyrunc.cli.common import CREATE_FLAGS, create_kwargs
from pyrunc.ids import one_id

SUMMARY = "create and run a container"
USAGE = "run [command options] <container-id>"
FLAGS = CREATE_FLAGS + [
    Flag(("detach", "d"), "bool", False, "detach from the container's process"),
    Flag(("keep",), "bool", False, "do not delete the container after it exits"),
]

# Every signal a process may catch, minus the ones the runtime itself needs.
_NOT_FORWARDED = {signal.SIGKILL, signal.SIGSTOP, signal.SIGCHLD}
FORWARDED = tuple(s for s in signal.valid_signals() if s not in _NOT_FORWARDED and s < signal.SIGRTMIN)


class Forwarder:
    """Catches signals from the moment run starts; queues them until the
    container's process exists, then passes each one on."""

    def __init__(self):
        self.pid = None
        self.pending = []
        for sig in FORWARDED:
            try:
                signal.signal(sig, self._on_signal)
            except (OSError, ValueError):
                pass

    def _on_signal(self, sig, frame):
        if self.pid is None:
            self.pending.append(sig)
        else:
            self._send(sig)

    def _send(self, sig):
        try:
            os.kill(self.pid, sig)  # our unreaped child: the pid cannot be reused
        except ProcessLookupError:
            pass

    def attach(self, pid):
        self.pid = pid
        for sig in self.pending:
            self._send(sig)
        self.pending.clear()


def wait_for(pid):
    """Reap children until *pid* exits; return its shell-style status."""
    while True:
        try:
            got, status = os.waitpid(-1, 0)
        except ChildProcessError:
            return 255
        if got == pid:
            if os.WIFSIGNALED(status):
                return 128 + os.WTERMSIG(status)
            return os.WEXITSTATUS(status)


def run(ctx, opts, args):
    from pyrunc import container
    cid = one_id(args, "run")
    kwargs = create_kwargs(opts)
    if opts.detach:
        c = container.create(ctx.root, cid, opts.bundle, **kwargs)
        try:
            c.start()
        finally:
            c.close()
        return 0
    forwarder = Forwarder()
    own_console = not kwargs["console_socket"]
    c = container.create(ctx.root, cid, opts.bundle, handled_signals=FORWARDED,
                         own_console=own_console, **kwargs)
    pid = c.pid
    master = None
    try:
        if c.console is not None:
            from pyrunc.process import console
            master = console.receive_master(c.console)
            c.console.close()
        c.start()
    except BaseException:
        c.delete(force=True)
        raise
    c.close()  # release the lock while the container runs: state, kill work
    forwarder.attach(pid)
    if master is not None:
        code = console.proxy(master, pid)
    else:
        code = wait_for(pid)
    if not opts.keep:
        with container.Container.load(ctx.root, cid) as c:
            c.destroy()
    return code
