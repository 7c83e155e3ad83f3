"""OOM notifications for ``events`` (runc ``notifyOnOOM``).

- v1: an eventfd registered in cgroup.event_control against
  memory.oom_control; the kernel signals it at every OOM of the cgroup, and
  once more when the cgroup is removed (then cgroup.event_control is gone).
- v2: memory.events is a kernfs file that poll(2) reports with POLLPRI when
  it changes; each increase of its oom_kill counter is one OOM kill.

``fileno()`` and ``poll_events`` are for select.poll; ``take()`` returns how
many OOM events arrived since the last call.
"""
import os
import select

from pyrunc.cgroups import fs


class OOMWatch:
    def __init__(self, manager):
        self.manager = manager
        self.fd = None
        self.gone = False
        self._oom_fd = None
        self._last = 0
        if manager.unified:
            path = os.path.join(manager.v2().path, "memory.events")
            if not os.path.exists(path):
                return  # no memory controller: no OOM events to report
            self._events = path
            self.fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            self._last = self._oom_kills()
            self.poll_events = select.POLLPRI | select.POLLERR
        else:
            d = manager.v1().dir("memory")
            if d is None or not os.path.isdir(d):
                return
            self._control = os.path.join(d, "cgroup.event_control")
            self.fd = os.eventfd(0, os.EFD_CLOEXEC | os.EFD_NONBLOCK)
            self._oom_fd = os.open(os.path.join(d, "memory.oom_control"), os.O_RDONLY | os.O_CLOEXEC)
            fs.write(self._control, f"{self.fd} {self._oom_fd}")
            self.poll_events = select.POLLIN

    def fileno(self):
        return self.fd

    def _oom_kills(self):
        os.lseek(self.fd, 0, os.SEEK_SET)
        text = os.read(self.fd, 4096).decode()  # reading re-arms the poll
        for line in text.splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                return int(value)
        return 0

    def take(self):
        """The number of OOM events since the last call (0 if none)."""
        if self.fd is None or self.gone:
            return 0
        if self.manager.unified:
            try:
                now = self._oom_kills()
            except OSError:
                self.gone = True
                return 0
            new, self._last = max(0, now - self._last), max(now, self._last)
            return new
        try:
            count = os.eventfd_read(self.fd)
        except BlockingIOError:
            return 0
        if not os.path.exists(self._control):
            # the kernel signals the eventfd when the cgroup is removed
            self.gone = True
            return 0
        return count

    def close(self):
        for fd in (self.fd, self._oom_fd):
            if fd is not None:
                os.close(fd)
        self.fd = self._oom_fd = None
