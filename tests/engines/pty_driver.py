"""Drive an interactive engine command (``run -it``, ``exec -it``) on a pty.

The engine CLI gets the slave side of a fresh pseudo-terminal as its
controlling terminal and stdio, exactly as in a shell; the test reads and
writes the master side.  The window size is set before the command starts,
so the container's ``stty size`` shows whether the size travelled through
the engine (conmon / the shim) to the terminal the runtime handed over.
"""
import fcntl
import os
import re
import select
import struct
import subprocess
import termios
import time


class PtyCommand:
    def __init__(self, argv, env=None, rows=30, cols=100):
        self.argv = [str(a) for a in argv]
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

        def ctty():
            # new session (start_new_session) then make the slave our
            # controlling terminal, as a login shell's terminal is
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        try:
            self.proc = subprocess.Popen(self.argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                                         start_new_session=True, preexec_fn=ctty, close_fds=True)
        finally:
            os.close(slave)
        os.set_blocking(self.master, False)
        self.buf = b""
        self.closed = False

    def _read_some(self, timeout):
        if self.closed:
            return False
        r, _, _ = select.select([self.master], [], [], timeout)
        if not r:
            return False
        try:
            data = os.read(self.master, 65536)
        except BlockingIOError:
            return False
        except OSError:  # EIO: every slave fd is closed
            self.closed = True
            return False
        if not data:
            self.closed = True
            return False
        self.buf += data
        return True

    @property
    def text(self):
        return self.buf.decode(errors="replace")

    def expect(self, pattern, timeout=30.0):
        """Wait until the output so far matches *pattern* (a regex);
        returns the match."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            m = rx.search(self.text)
            if m:
                return m
            left = deadline - time.monotonic()
            if left <= 0 or (self.closed and self.proc.poll() is not None):
                raise AssertionError(f"{pattern!r} not seen on the terminal within {timeout}s of "
                                     f"{' '.join(self.argv)}; output so far:\n{self.text[-3000:]!r}")
            self._read_some(min(left, 0.2))

    def send(self, text):
        data = text.encode() if isinstance(text, str) else text
        while data:
            try:
                n = os.write(self.master, data)
            except BlockingIOError:
                time.sleep(0.01)
                continue
            data = data[n:]

    def wait(self, timeout=30.0):
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"{' '.join(self.argv)} still running after {timeout}s; output:\n"
                                     f"{self.text[-3000:]!r}")
            self._read_some(0.1)
        # drain what is left
        while self._read_some(0.05):
            pass
        return self.proc.returncode

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.master is not None:
            os.close(self.master)
            self.master = None
