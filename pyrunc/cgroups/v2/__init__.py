"""cgroup v2: one directory in the unified hierarchy, controllers enabled
through the parents' cgroup.subtree_control.  One module per spec
resource section, the same names as in ``v1``; v1 values are converted as
runc converts them (pyrunc/cgroups/convert.py), and settings that have no
v2 counterpart are refused (config-linux.md "Unified": "If the conversion
is not possible the runtime MUST generate an error"), except the
deprecated kernel-memory and CFQ leaf-weight knobs, which are ignored with
a warning as on a v1 kernel without those files.
"""
import os

from pyrunc.cgroups import fs
from pyrunc.cgroups.fs import CgroupError
from pyrunc.cgroups.sections import apply_sections, collect_stats

ENOENT, EPERM, EACCES = 2, 1, 13


class Cgroup:
    """The container's directory in the unified hierarchy."""

    version = 2

    def __init__(self, path):
        self.path = path
        self._controllers = None

    @property
    def controllers(self):
        """Controllers available in this cgroup (its cgroup.controllers:
        those its parent enabled)."""
        if self._controllers is None:
            text = fs.read_or_none(os.path.join(self.path, "cgroup.controllers")) or ""
            self._controllers = set(text.split())
        return self._controllers

    def file(self, name):
        return os.path.join(self.path, name)

    def require(self, controller, field):
        if controller not in self.controllers:
            have = " ".join(sorted(self.controllers)) or "none"
            raise CgroupError(f"{field}: the {controller} controller is not available in {self.path} "
                              f"(cgroup.controllers: {have})")
        return self.path

    def write(self, name, value, field):
        fs.write(self.file(name), value, field)


def unsupported(field, why):
    """A v1-only setting on a v2 host: the spec's MUST-error."""
    raise CgroupError(f"{field}: not supported on cgroup v2 ({why})")


def _modules():
    # runc's fs2 order: pids, memory, io, cpu(+cpuset), devices, hugetlb,
    # rdma; unified last so it can override any converted value
    from pyrunc.cgroups.v2 import (block_io, cpu, devices, hugepage_limits, memory, network, pids, rdma,
                                   unified)
    return (("network", network), ("pids", pids), ("memory", memory), ("blockIO", block_io),
            ("cpu", cpu), ("devices", devices), ("hugepageLimits", hugepage_limits), ("rdma", rdma),
            ("unified", unified))


def apply(cg, resources, warn, update=False):
    apply_sections(_modules(), cg, resources, warn, update)


def stats(cg):
    from pyrunc.cgroups.v2 import block_io, cpu, hugepage_limits, memory, pids
    return collect_stats((cpu, memory, pids, block_io, hugepage_limits), cg)


def psi(path):
    """A pressure file ("some avg10=0.00 avg60=0.00 avg300=0.00
    total=0") as runc's PSIStats, or None without PSI."""
    text = fs.read_or_none(path)
    if not text:
        return None
    out = {}
    for line in text.splitlines():
        kind, *pairs = line.split()
        data = {}
        for pair in pairs:
            key, _, value = pair.partition("=")
            data[key] = int(value) if key == "total" else float(value)
        out[kind] = {"avg10": data.get("avg10", 0.0), "avg60": data.get("avg60", 0.0),
                     "avg300": data.get("avg300", 0.0), "total": data.get("total", 0)}
    return out
