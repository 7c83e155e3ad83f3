"""linux.resources.pids on the v2 pids controller (pids.max)."""
from pyrunc.cgroups import fs
from pyrunc.cgroups.v1.pids import limit_value

WHERE = "linux.resources.pids"


def apply(cg, pids, warn):
    limit = pids.get("limit")
    if limit is None:
        return
    cg.require("pids", f"{WHERE}.limit")
    cg.write("pids.max", limit_value(limit), f"{WHERE}.limit")


def stats(cg, out):
    result = {}
    current = fs.read_uint(cg.file("pids.current"))
    limit = fs.read_uint(cg.file("pids.max"))
    if current:
        result["current"] = current
    if limit and limit != fs.MAX_UINT64:
        result["limit"] = limit
    out["pids"] = result
