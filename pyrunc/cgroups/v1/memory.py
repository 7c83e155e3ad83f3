"""linux.resources.memory on the v1 memory controller
(Documentation/admin-guide/cgroup-v1/memory.rst), as runc's fs/memory.go."""
import os

from pyrunc.cgroups import fs
from pyrunc.cgroups.fs import CgroupError
from pyrunc.cgroups.resources import is_set

WHERE = "linux.resources.memory"
LIMIT = "memory.limit_in_bytes"
SWAP = "memory.memsw.limit_in_bytes"
USAGE = "memory.usage_in_bytes"
MAX_USAGE = "memory.max_usage_in_bytes"
EBUSY, EINVAL = 16, 22


def _set_limit(d, value):
    try:
        fs.write(os.path.join(d, LIMIT), value, f"{WHERE}.limit")
    except CgroupError as e:
        if e.errno != EBUSY:
            raise
        # the kernel refuses a limit below what the cgroup already uses
        usage = fs.read_uint(os.path.join(d, USAGE))
        peak = fs.read_uint(os.path.join(d, MAX_USAGE))
        raise CgroupError(f"{e} (the new limit {value} is below the current usage {usage}; peak usage "
                          f"{peak})", e.errno) from None


def _set_swap(d, value):
    path = os.path.join(d, SWAP)
    if not os.path.exists(path):
        raise CgroupError(f"{WHERE}.swap: this kernel has no swap accounting ({SWAP} is missing: "
                          "boot with swapaccount=1)")
    fs.write(path, value, f"{WHERE}.swap")


def _limit_and_swap(d, limit, swap):
    """memsw (memory+swap) must stay >= the memory limit at every step, so
    the write order depends on whether the limits grow or shrink (runc
    ``setMemoryAndSwap``)."""
    if limit == -1 and swap == 0 and os.path.exists(os.path.join(d, SWAP)):
        swap = -1  # unlimited memory with swap unset: both unlimited
    if limit and swap:
        current = fs.read_uint(os.path.join(d, LIMIT))
        if swap == -1 or current < swap:
            _set_swap(d, swap)
            _set_limit(d, limit)
            return
    if limit:
        _set_limit(d, limit)
    if swap:
        _set_swap(d, swap)


def check_usage(usage, limit, swap, where=WHERE):
    """checkBeforeUpdate: refuse a limit at or below the current usage
    (runc ``CheckMemoryUsage``; v1's kernel refuses too, v2's would OOM)."""
    if swap > 0 and swap <= usage:
        raise CgroupError(f"{where}.swap: rejecting memory+swap limit {swap} <= usage {usage} (checkBeforeUpdate)")
    if limit > 0 and limit <= usage:
        raise CgroupError(f"{where}.limit: rejecting memory limit {limit} <= usage {usage} (checkBeforeUpdate)")


def _deprecated(d, name, key, value, warn):
    """kernel / kernelTCP: NOT RECOMMENDED by the spec and gone from cgroup
    v2.  Written where this kernel still has the file and honours it,
    otherwise ignored with a warning (kmem.limit_in_bytes still exists on
    6.x but "writing any value to this file has no effect")."""
    path = os.path.join(d, name)
    field = f"{WHERE}.{key}"
    if not os.path.exists(path):
        warn(f"{field}: ignored: this kernel has no {name}")
        return
    fs.write(path, value, field)
    if value != -1 and fs.read_uint(path) != value:
        warn(f"{field}: ignored: this kernel accepts {name} but does not enforce it")


def apply(cg, memory, warn):
    d = cg.require("memory", WHERE)
    value = {k: v for k, v in memory.items() if is_set("memory", k, v)}
    limit, swap = value.get("limit", 0), value.get("swap", 0)
    if value.get("checkBeforeUpdate"):
        check_usage(fs.read_uint(os.path.join(d, USAGE)), limit, swap)
    _limit_and_swap(d, limit, swap)
    if "kernel" in value:
        _deprecated(d, "memory.kmem.limit_in_bytes", "kernel", value["kernel"], warn)
    if "kernelTCP" in value:
        _deprecated(d, "memory.kmem.tcp.limit_in_bytes", "kernelTCP", value["kernelTCP"], warn)
    if "reservation" in value:
        fs.write(os.path.join(d, "memory.soft_limit_in_bytes"), value["reservation"], f"{WHERE}.reservation")
    if "disableOOMKiller" in value:
        fs.write(os.path.join(d, "memory.oom_control"), 1 if value["disableOOMKiller"] else 0,
                 f"{WHERE}.disableOOMKiller")
    swappiness = value.get("swappiness")
    if swappiness is not None and swappiness != -1:  # runc: -1 leaves the kernel's value
        if not 0 <= swappiness <= 100:
            raise CgroupError(f"{WHERE}.swappiness: invalid value {swappiness} (valid range is 0-100)")
        fs.write(os.path.join(d, "memory.swappiness"), swappiness, f"{WHERE}.swappiness")
    if "useHierarchy" in value:
        try:
            fs.write(os.path.join(d, "memory.use_hierarchy"), 1 if value["useHierarchy"] else 0,
                     f"{WHERE}.useHierarchy")
        except CgroupError as e:
            if e.errno == EINVAL and not value["useHierarchy"]:
                raise CgroupError(f"{e} (this kernel only does hierarchical memory accounting)",
                                  e.errno) from None
            raise


def _entry(d, prefix):
    """runc's MemoryEntry: limit and failcnt always, usage/max when non-zero."""
    name = f"memory.{prefix}." if prefix else "memory."
    out = {"limit": fs.read_uint(os.path.join(d, name + "limit_in_bytes"))}
    usage = fs.read_uint(os.path.join(d, name + "usage_in_bytes"))
    peak = fs.read_uint(os.path.join(d, name + "max_usage_in_bytes"))
    if usage:
        out["usage"] = usage
    if peak:
        out["max"] = peak
    out["failcnt"] = fs.read_uint(os.path.join(d, name + "failcnt"))
    return out


def stats(cg, out):
    d = cg.dir("memory")
    if d is None or not os.path.isdir(d):
        out["memory"] = {}
        return
    raw = fs.read_keyed(os.path.join(d, "memory.stat"))
    mem = {}
    if raw.get("cache"):
        mem["cache"] = raw["cache"]
    mem["usage"] = _entry(d, "")
    mem["swap"] = _entry(d, "memsw")
    mem["kernel"] = _entry(d, "kmem")
    mem["kernelTCP"] = _entry(d, "kmem.tcp")
    if raw:
        mem["raw"] = dict(sorted(raw.items()))
    out["memory"] = mem
