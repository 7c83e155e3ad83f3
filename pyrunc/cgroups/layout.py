"""Which cgroup hierarchies the host has, read from /proc/self/mountinfo.

- unified (v2 only): /sys/fs/cgroup is cgroup2;
- legacy/hybrid (v1): one mount per v1 hierarchy (cpu, memory, name=systemd,
  ...), plus possibly a cgroup2 mount (hybrid) that runc also joins.
"""
from pyrunc.record import record

CGROUP_ROOT = "/sys/fs/cgroup"


@record
class Hierarchy:
    mountpoint: str
    version: int              # 1 or 2
    controllers: tuple        # e.g. ("cpu", "cpuacct") or ("name=systemd",); () for v2

    @property
    def name(self):
        """Directory name for this hierarchy inside a container's
        /sys/fs/cgroup (the host's basename)."""
        return self.mountpoint.rstrip("/").rsplit("/", 1)[-1]


@record
class Layout:
    hierarchies: tuple

    @property
    def unified(self):
        """True on a pure cgroup v2 host."""
        return len(self.hierarchies) == 1 and self.hierarchies[0].version == 2 \
            and self.hierarchies[0].mountpoint == CGROUP_ROOT

    @property
    def v1(self):
        return tuple(h for h in self.hierarchies if h.version == 1)

    def find(self, controller):
        for h in self.hierarchies:
            if controller in h.controllers:
                return h
        return None


_V1_OPTION_SKIP = {"rw", "ro", "nosuid", "nodev", "noexec", "relatime", "noatime", "clone_children",
                   "xattr", "cpuset_v2_mode", "noprefix"}


def _unescape(field):
    # mountinfo escapes space, tab, newline and backslash as octal
    return field.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\")


def parse_mountinfo(text):
    hierarchies = []
    for line in text.splitlines():
        left, _, right = line.partition(" - ")
        fields = left.split()
        rfields = right.split()
        if len(fields) < 5 or len(rfields) < 3:
            continue
        fstype, super_opts = rfields[0], rfields[2]
        mountpoint = _unescape(fields[4])
        if fstype == "cgroup2":
            hierarchies.append(Hierarchy(mountpoint, 2, ()))
        elif fstype == "cgroup":
            ctrls = tuple(o for o in super_opts.split(",") if o not in _V1_OPTION_SKIP
                          and not o.startswith("release_agent="))
            hierarchies.append(Hierarchy(mountpoint, 1, ctrls))
    # one entry per mountpoint (a hierarchy may be mounted twice)
    seen, unique = set(), []
    for h in hierarchies:
        if h.mountpoint.startswith(CGROUP_ROOT) and h.mountpoint not in seen:
            seen.add(h.mountpoint)
            unique.append(h)
    return Layout(tuple(unique))


_cached = None


def detect():
    global _cached
    if _cached is None:
        with open("/proc/self/mountinfo") as f:
            _cached = parse_mountinfo(f.read())
    return _cached
