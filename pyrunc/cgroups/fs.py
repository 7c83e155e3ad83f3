"""The one helper for cgroup file I/O (runc ``cgroups/file.go::WriteFile``).

Every write to a kernel file goes through ``write``: its error carries the
path and the value, and -- when the write comes from a config field -- the
field too, so the user reads "linux.resources.memory.limit: write 100 to
/sys/fs/cgroup/memory/x/memory.limit_in_bytes: Device or resource busy"
instead of a bare EBUSY.  ``CgroupError.errno`` keeps the errno for the few
callers that retry on it (runc's period/quota ordering dance).
"""
import os

from pyrunc.errors import PyruncError

MAX_UINT64 = (1 << 64) - 1


class CgroupError(PyruncError):
    def __init__(self, message, errno=None):
        super().__init__(message)
        self.errno = errno


def _show(value):
    text = str(value)
    # quote only what would be ambiguous in one line ("c 1:3 rwm", "")
    return repr(text) if not text or any(c.isspace() for c in text) else text


def write(path, value, field=None):
    """Write *value* to the cgroup file *path* in one write(2): the kernel
    parses each write as one command, so a value must never be split."""
    prefix = f"{field}: " if field else ""
    data = str(value).encode()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    except OSError as e:
        raise CgroupError(f"{prefix}open {path}: {e.strerror}", e.errno) from None
    try:
        os.write(fd, data)
    except OSError as e:
        raise CgroupError(f"{prefix}write {_show(value)} to {path}: {e.strerror}", e.errno) from None
    finally:
        os.close(fd)


def write_lines(path, value, field=None):
    """Write a multi-line value one line per write(2) (runc
    ``WriteFileByLine``): files such as io.max accept one device per write."""
    lines = [ln for ln in str(value).split("\n") if ln.strip()] or [str(value)]
    for line in lines:
        write(path, line, field)


def read(path):
    with open(path, "rb") as f:
        return f.read().decode()


def read_or_none(path):
    try:
        return read(path)
    except (FileNotFoundError, NotADirectoryError):
        return None


def parse_uint(text):
    """A cgroup number: "max" is the largest uint64 (runc
    ``GetCgroupParamUint``); negative numbers read as 0."""
    text = text.strip()
    if text == "max":
        return MAX_UINT64
    value = int(text)
    return value if value > 0 else 0


def read_uint(path, default=0):
    """The number in *path*, or *default* when the file does not exist."""
    text = read_or_none(path)
    if text is None or not text.strip():
        return default
    return parse_uint(text)


def read_keyed(path):
    """A "key value" per line file (memory.stat, cpu.stat, memory.events) as
    a dict of ints; {} when the file does not exist."""
    text = read_or_none(path)
    out = {}
    for line in (text or "").splitlines():
        parts = line.split()
        if len(parts) == 2:
            try:
                out[parts[0]] = parse_uint(parts[1])
            except ValueError:
                continue
    return out


def read_pids(path):
    """The pids listed in a cgroup.procs file (empty if the cgroup is gone)."""
    try:
        return [int(p) for p in read(path).split()]
    except (FileNotFoundError, ProcessLookupError, NotADirectoryError):
        return []
    except OSError as e:
        if e.errno == 19:  # ENODEV: the cgroup is being removed
            return []
        raise


def exists(path):
    return os.path.exists(path)
