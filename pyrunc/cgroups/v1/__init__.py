"""cgroup v1: one hierarchy per controller (or group of controllers), a
directory for the container in each.  One module per spec resource
section (memory, cpu, block_io, ...), the same names as in ``v2``; each
has ``apply(cg, section, warn)`` and ``stats(cg, out)``.
"""
import os

from pyrunc.cgroups.fs import CgroupError
from pyrunc.cgroups.sections import apply_sections, collect_stats


class Cgroup:
    """The container's directory in each mounted v1 hierarchy, by
    controller name ("memory", "cpu", "cpuacct", "net_cls", ...)."""

    version = 1

    def __init__(self, dirs):
        self.dirs = dict(dirs)

    def dir(self, controller):
        return self.dirs.get(controller)

    def require(self, controller, field):
        d = self.dirs.get(controller)
        if d is None:
            raise CgroupError(f"{field}: the {controller} cgroup controller is not mounted on this host "
                              "(see /proc/self/mountinfo)")
        return d

    def file(self, controller, name):
        d = self.dirs.get(controller)
        return None if d is None else os.path.join(d, name)


def _modules():
    # runc's fs manager order: cpuset+cpu, devices, memory, pids, blkio,
    # hugetlb, net_cls/net_prio, rdma
    from pyrunc.cgroups.v1 import block_io, cpu, devices, hugepage_limits, memory, network, pids, rdma
    return (("cpu", cpu), ("devices", devices), ("memory", memory), ("pids", pids),
            ("blockIO", block_io), ("hugepageLimits", hugepage_limits), ("network", network),
            ("rdma", rdma))


def apply(cg, resources, warn, update=False):
    """Write *resources* (a linux.resources object).  On create the device
    rules are always written (runc's deny-all default plus its allowed
    devices, even with no ``devices`` in the config); ``update`` never
    touches them."""
    if resources.get("unified"):
        raise CgroupError("linux.resources.unified: cgroup v2 settings cannot be applied on this "
                          "cgroup v1 host (unified needs /sys/fs/cgroup to be cgroup2)")
    apply_sections(_modules(), cg, resources, warn, update)


def stats(cg):
    from pyrunc.cgroups.v1 import block_io, cpu, hugepage_limits, memory, pids
    return collect_stats((cpu, memory, pids, block_io, hugepage_limits), cg)
