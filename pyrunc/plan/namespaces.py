"""linux.namespaces -> the unshare() flags and the setns() joins.

A namespace with a ``path`` is joined, one without is created.  User and
time namespaces need extra steps (id maps written by the parent, offsets
written before the fork) that this runtime does not implement yet, so they
are refused with a clear error rather than half-applied.
"""
from pyrunc.record import record

from pyrunc import linux as L
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
NOT_YET = {"user", "time"}

# setns order: mount last, so the other /proc paths are opened first and
# nothing is resolved inside a joined mount namespace by accident.
_JOIN_ORDER = ("user", "ipc", "uts", "network", "pid", "cgroup", "time", "mount")


@record
class NamespacePlan:
    new_flags: int          # for unshare()
    joins: tuple            # ((type, path), ...) in setns order
    types: frozenset        # every namespace type the container has its own of (new or joined)
    pidfd_flags: int = 0    # exec: CLONE_NEW* types to enter through the init's pidfd

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
        if t in NOT_YET:
            raise ConfigError(f"linux.namespaces[{i}]: {t} namespaces are not supported yet")
        types.add(t)
        if ns.get("path"):
            joins.append((t, ns["path"]))
        else:
            new_flags |= FLAGS[t]
    joins.sort(key=lambda j: _JOIN_ORDER.index(j[0]))
    return NamespacePlan(new_flags, tuple(joins), frozenset(types))
