"""The one helper for cgroup file I/O (runc ``cgroups/file.go::WriteFile``):
errors carry the path and the value, so "write 100 to pids.max: Invalid
argument" reaches the user instead of a bare EINVAL."""
import os

from pyrunc.errors import PyruncError


class CgroupError(PyruncError):
    pass


def write(path, value):
    data = str(value).encode()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    except OSError as e:
        raise CgroupError(f"open {path}: {e.strerror}") from None
    try:
        os.write(fd, data)
    except OSError as e:
        raise CgroupError(f"write {value!r} to {path}: {e.strerror}") from None
    finally:
        os.close(fd)


def read(path):
    with open(path, "rb") as f:
        return f.read().decode()


def read_pids(path):
    """The pids listed in a cgroup.procs file (empty if the cgroup is gone)."""
    try:
        return [int(p) for p in read(path).split()]
    except FileNotFoundError:
        return []
