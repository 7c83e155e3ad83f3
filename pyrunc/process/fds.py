"""File descriptors crossing into the container.

Only stdio, the ``--preserve-fds`` range (3 .. 3+N-1) and the runtime's own
sync/fifo fds may exist in a child; everything else the CLI process had
open (the state-dir lock above all, whose flock would otherwise be held by
the container) is closed right after the fork.  CVE-2024-21626 was a leaked
fd to a host directory.
"""

from pyrunc import linux as L


def keep_only(keep):
    """Close every fd not in *keep* (close_range over the gaps)."""
    lo = 0
    for fd in sorted(set(keep)):
        if fd > lo:
            L.close_range(lo, fd - 1)
        lo = fd + 1
    L.close_range(lo)


def mark_cloexec_from(first):
    """Set FD_CLOEXEC on every fd >= *first*: whatever the runtime still
    holds when it calls execve() cannot reach the container's program."""
    L.close_range(first, 0xFFFFFFFF, L.CLOSE_RANGE_CLOEXEC)
