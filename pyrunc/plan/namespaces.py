"""linux.namespaces -> the unshare() flags and the setns() joins.

A namespace with a ``path`` is joined, one without is created.  Two need
more than a flag (config-linux.md):
- a new user namespace gets ``uidMappings``/``gidMappings`` written by the
  parent (which is still privileged in the host's namespace) before anything
  else is created, so every other new namespace is owned by it;
- a new time namespace gets ``timeOffsets`` written to
  /proc/self/timens_offsets before the init is forked into it.
"""
from pyrunc.record import record

from pyrunc import kconst as L
from pyrunc.errors import ConfigError

FLAGS = {
    "pid": L.CLONE_NEWPID,
    "network": L.CLONE_NEWNET,
    "mount": L.CLONE_NEWNS,
    "ipc": L.CLONE_NEWIPC,
    "uts": L.CLONE_NEWUTS,
    "user": L.CLONE_NEWUSER,
    "cgroup": L.CLONE_NEWCGROUP,
    "time": L.CLONE_NEWTIME,
}
# clocks of linux.timeOffsets, as time_namespaces(7) names them
TIME_CLOCKS = ("monotonic", "boottime")

# setns order: mount last, so the other /proc paths are opened first and
# nothing is resolved inside a joined mount namespace by accident.
_JOIN_ORDER = ("user", "ipc", "uts", "network", "pid", "cgroup", "time", "mount")


@record
class NamespacePlan:
    new_flags: int          # for unshare()
    joins: tuple            # ((type, path), ...) in setns order
    types: frozenset        # every namespace type the container has its own of (new or joined)
    pidfd_flags: int = 0    # exec: CLONE_NEW* types to enter through the init's pidfd
    uid_map: str = None     # /proc/<pid>/uid_map text for a new user namespace
    gid_map: str = None
    time_offsets: str = None  # /proc/self/timens_offsets text for a new time namespace

    def has(self, ns_type):
        return ns_type in self.types

    def creates(self, ns_type):
        return bool(self.new_flags & FLAGS[ns_type])


def plan_namespaces(config):
    new_flags = 0
    joins = []
    types = set()
    for i, ns in enumerate((config.get("linux") or {}).get("namespaces") or ()):
        t = ns.get("type")
        if t not in FLAGS:
            raise ConfigError(f"linux.namespaces[{i}].type: unknown namespace type {t!r}")
        if t in types:
            raise ConfigError(f"linux.namespaces[{i}].type: duplicate namespace {t!r}")
        types.add(t)
        if ns.get("path"):
            joins.append((t, ns["path"]))
        else:
            new_flags |= FLAGS[t]
    joins.sort(key=lambda j: _JOIN_ORDER.index(j[0]))
    linux = config.get("linux") or {}
    uid_map = gid_map = offsets = None
    if new_flags & FLAGS["user"]:
        uid_map = id_map_text(linux.get("uidMappings"), "linux.uidMappings")
        gid_map = id_map_text(linux.get("gidMappings"), "linux.gidMappings")
    if new_flags & FLAGS["time"]:
        offsets = time_offsets_text(linux.get("timeOffsets"))
    return NamespacePlan(new_flags, tuple(joins), frozenset(types), 0, uid_map, gid_map, offsets)


def id_map_text(mappings, where):
    """The single write(2) a uid_map/gid_map file accepts."""
    if not mappings:
        raise ConfigError(f"{where}: a new user namespace needs at least one mapping")
    lines = []
    for i, m in enumerate(mappings):
        try:
            lines.append(f"{int(m['containerID'])} {int(m['hostID'])} {int(m['size'])}")
        except (KeyError, TypeError, ValueError):
            raise ConfigError(f"{where}[{i}]: needs integer containerID, hostID and size") from None
    return "\n".join(lines) + "\n"


def time_offsets_text(offsets):
    lines = []
    for clock, value in (offsets or {}).items():
        if clock not in TIME_CLOCKS:
            raise ConfigError(f"linux.timeOffsets.{clock}: unknown clock (use monotonic or boottime)")
        lines.append(f"{clock} {int(value.get('secs', 0))} {int(value.get('nanosecs', 0))}")
    return "\n".join(lines) + "\n" if lines else None
