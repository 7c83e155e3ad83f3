"""Facts read from /proc and the cgroup filesystems, and polling helpers.

Tests never sleep a fixed time: they poll a predicate with a deadline, so a
fast runtime makes a fast suite and a hang fails with a message.
"""
import os
import time
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")

# The v1 controllers the contract places under /<id> (when mounted).
V1_CONTROLLERS = ("cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids")


def wait_for(predicate, timeout=10.0, interval=0.01, what="condition"):
    """Poll *predicate* until it returns a truthy value; return it or fail."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = predicate()
        if last:
            return last
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what} (last value: {last!r})")
        time.sleep(interval)
        interval = min(interval * 1.5, 0.1)


def stat_fields(pid):
    """Fields of /proc/<pid>/stat after the command name (index 0 = state),
    or None when the process does not exist."""
    try:
        data = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return data[data.rindex(")") + 2:].split()


def start_time(pid):
    """Kernel start time of *pid* in clock ticks (field 22), or None."""
    fields = stat_fields(pid)
    return int(fields[19]) if fields else None


def proc_state(pid):
    fields = stat_fields(pid)
    return fields[0] if fields else None


def is_alive(pid, started=None):
    """True when *pid* runs (not a zombie) and, if given, started at *started*
    (so a recycled pid is not mistaken for the process we knew)."""
    fields = stat_fields(pid)
    if fields is None or fields[0] in ("Z", "X"):
        return False
    return started is None or int(fields[19]) == started


def is_gone(pid, started=None):
    return not is_alive(pid, started)


def ns_inode(pid_or_self, ns):
    """``readlink /proc/<pid>/ns/<ns>``, e.g. ``net:[4026531840]``."""
    return os.readlink(f"/proc/{pid_or_self}/ns/{ns}")


def cmdline(pid):
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[:-1]
    except FileNotFoundError:
        return None


_NOT_CONTROLLERS = {"rw", "ro", "noprefix", "xattr", "clone_children", "cpuset_v2_mode", "favordynmods"}


def cgroup_mounts():
    """{controller-or-'unified'-or-'systemd': mount point} from mountinfo."""
    result = {}
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        left, _, right = line.partition(" - ")
        fields, rfields = left.split(), right.split()
        if not rfields:
            continue
        fstype, mnt, superopts = rfields[0], fields[4], rfields[2] if len(rfields) > 2 else ""
        if fstype == "cgroup2":
            result.setdefault("unified", mnt)
        elif fstype == "cgroup":
            for opt in superopts.split(","):
                if opt.startswith("name="):
                    result.setdefault(opt[5:], mnt)
                elif opt not in _NOT_CONTROLLERS and "=" not in opt:
                    result.setdefault(opt, mnt)
    return result


def host_cgroups(pid):
    """{controller: path relative to the hierarchy root} from /proc/<pid>/cgroup
    read on the host ('unified' for the v2 line, 'systemd' for name=systemd)."""
    result = {}
    for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
        _, ctrls, path = line.split(":", 2)
        if ctrls == "":
            result["unified"] = path
            continue
        for c in ctrls.split(","):
            result[c[5:] if c.startswith("name=") else c] = path
    return result


def v1_controllers():
    """The contract's v1 controllers that are mounted on this host."""
    mounts = cgroup_mounts()
    return [c for c in V1_CONTROLLERS if c in mounts]


def cgroup_dir(controller, path):
    """Host directory of cgroup *path* (hierarchy-relative) for *controller*."""
    mnt = cgroup_mounts()[controller]
    return Path(mnt) / path.lstrip("/")


def cgroup_procs(controller, path):
    try:
        text = (cgroup_dir(controller, path) / "cgroup.procs").read_text()
    except FileNotFoundError:
        return None
    return [int(x) for x in text.split()]
