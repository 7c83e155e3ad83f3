"""linux.resources.pids on the v1 pids controller (pids.max)."""
import os

from pyrunc.cgroups import fs

WHERE = "linux.resources.pids"


def limit_value(limit):
    """-1 (any negative) is no limit ("max"); 0 is a real limit: the
    spec says runtimes SHOULD treat it as such, although runc <= 1.2 read
    it as "unset"."""
    return "max" if limit < 0 else str(limit)


def apply(cg, pids, warn):
    limit = pids.get("limit")
    if limit is None:
        return
    d = cg.require("pids", f"{WHERE}.limit")
    fs.write(os.path.join(d, "pids.max"), limit_value(limit), f"{WHERE}.limit")


def stats(cg, out):
    d = cg.dir("pids")
    result = {}
    if d and os.path.isdir(d):
        current = fs.read_uint(os.path.join(d, "pids.current"))
        limit = fs.read_uint(os.path.join(d, "pids.max"))
        if current:
            result["current"] = current
        if limit and limit != fs.MAX_UINT64:  # runc reports "max" as 0, i.e. omitted
            result["limit"] = limit
    out["pids"] = result
