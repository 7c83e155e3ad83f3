"""A runtime process that stays attached to a container's process (``run``
and ``exec`` without --detach): signals forwarded, exit status returned,
and the terminal proxied when there is one."""
import os
import _signal as signal  # not signal: its enums import enum (~5 ms)

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


def wait_for(pid, master=None):
    """Reap children until *pid* exits; return its shell-style status
    (128+N when killed by signal N).  With a pty *master*, proxy it to our
    stdio meanwhile."""
    if master is not None:
        from pyrunc.process import console
        return console.proxy(master, pid)
    while True:
        try:
            got, status = os.waitpid(-1, 0)
        except ChildProcessError:
            return 255
        if got == pid:
            if os.WIFSIGNALED(status):
                return 128 + os.WTERMSIG(status)
            return os.WEXITSTATUS(status)
