"""linux.resources.memory on the v2 memory controller, as runc's
fs2/memory.go: limit -> memory.max, reservation -> memory.low, swap
(memory+swap in the spec) -> memory.swap.max minus the limit."""
from pyrunc.cgroups import convert, fs
from pyrunc.cgroups.fs import CgroupError
from pyrunc.cgroups.resources import is_set
from pyrunc.cgroups.v1.memory import check_usage
from pyrunc.cgroups.v2 import psi, unsupported

WHERE = "linux.resources.memory"
ENOENT = 2


def apply(cg, memory, warn):
    value = {k: v for k, v in memory.items() if is_set("memory", k, v)}
    for key in ("kernel", "kernelTCP"):
        if key in value:
            warn(f"{WHERE}.{key}: ignored: cgroup v2 has no kernel memory limits (deprecated in the spec)")
    if value.get("swappiness") is not None:
        unsupported(f"{WHERE}.swappiness", "memory.swappiness is a v1 file; v2 uses the global vm.swappiness")
    if value.get("disableOOMKiller"):
        unsupported(f"{WHERE}.disableOOMKiller", "the v2 memory controller cannot disable the OOM killer")
    if value.get("useHierarchy") is False:
        unsupported(f"{WHERE}.useHierarchy", "v2 accounting is always hierarchical")
    limit, swap = value.get("limit", 0), value.get("swap", 0)
    reservation = value.get("reservation", 0)
    if not (limit or swap or reservation):
        return
    cg.require("memory", WHERE)
    if value.get("checkBeforeUpdate"):
        check_usage(fs.read_uint(cg.file("memory.current")), limit, swap)
    try:
        swap_v2 = convert.memory_swap_to_v2(swap, limit)
    except CgroupError as e:
        raise CgroupError(f"{WHERE}.swap: {e}") from None
    swap_text = convert.limit_to_v2(swap_v2)
    if swap_text == "" and swap > 0:
        swap_text = "0"  # memory+swap equal to memory: no swap at all
    if swap_text:
        try:
            cg.write("memory.swap.max", swap_text, f"{WHERE}.swap")
        except CgroupError as e:
            # no swap accounting: "unlimited" or "none" are then true anyway
            if not (e.errno == ENOENT and swap_text in ("max", "0")):
                raise
    if limit:
        cg.write("memory.max", convert.limit_to_v2(limit), f"{WHERE}.limit")
    if reservation:
        cg.write("memory.low", convert.limit_to_v2(reservation), f"{WHERE}.reservation")


def _data(cg, name):
    """runc ``getMemoryDataV2``: current/max/peak of memory or memory.swap."""
    current = fs.read_or_none(cg.file(f"{name}.current"))
    if current is None:
        return None
    out = {"limit": fs.read_uint(cg.file(f"{name}.max"))}
    usage = fs.parse_uint(current)
    peak = fs.read_uint(cg.file(f"{name}.peak"))
    if usage:
        out["usage"] = usage
    if peak:
        out["max"] = peak
    out["failcnt"] = 0
    return out


def stats(cg, out):
    raw = fs.read_keyed(cg.file("memory.stat"))
    mem = {}
    if raw.get("file"):
        mem["cache"] = raw["file"]
    usage = _data(cg, "memory") or {"limit": 0, "failcnt": 0}
    swap_only = _data(cg, "memory.swap") or {"limit": 0, "failcnt": 0}
    # v1 reports swap as memory+swap: combine, as runc does for v2
    swap = {"limit": swap_only["limit"], "failcnt": 0}
    if swap["limit"] != fs.MAX_UINT64:
        swap["limit"] = min(swap["limit"] + usage["limit"], fs.MAX_UINT64)
    combined = swap_only.get("usage", 0) + usage.get("usage", 0)
    if combined:
        swap = {"limit": swap["limit"], "usage": combined, "failcnt": 0}
    mem["usage"] = usage
    mem["swap"] = swap
    mem["kernel"] = {"limit": 0, "failcnt": 0}
    mem["kernelTCP"] = {"limit": 0, "failcnt": 0}
    if raw:
        mem["raw"] = dict(sorted(raw.items()))
    pressure = psi(cg.file("memory.pressure"))
    if pressure:
        mem["psi"] = pressure
    out["memory"] = mem
