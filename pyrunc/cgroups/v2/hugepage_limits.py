"""linux.resources.hugepageLimits on the v2 hugetlb controller:
hugetlb.<size>.max, and hugetlb.<size>.rsvd.max where the kernel has
reservation accounting (Linux 5.7), as runc fs2/hugetlb.go."""
import os

from pyrunc.cgroups import fs
from pyrunc.cgroups.v1.hugepage_limits import check_size, page_sizes

WHERE = "linux.resources.hugepageLimits"


def apply(cg, limits, warn):
    if not limits:
        return
    cg.require("hugetlb", WHERE)
    for i, entry in enumerate(limits):
        field = f"{WHERE}[{i}]"
        size, limit = entry["pageSize"], entry["limit"]
        check_size(cg.path, size, f"{field}.pageSize", ".max")
        cg.write(f"hugetlb.{size}.max", limit, f"{field}.limit")
        if os.path.exists(cg.file(f"hugetlb.{size}.rsvd.max")):
            cg.write(f"hugetlb.{size}.rsvd.max", limit, f"{field}.limit")


def stats(cg, out):
    result = {}
    if "hugetlb" in cg.controllers:
        for size in page_sizes(cg.path, ".max"):
            entry = {}
            usage = fs.read_uint(cg.file(f"hugetlb.{size}.current"))
            if usage:
                entry["usage"] = usage
            entry["failcnt"] = fs.read_keyed(cg.file(f"hugetlb.{size}.events")).get("max", 0)
            result[size] = entry
    out["hugetlb"] = result
