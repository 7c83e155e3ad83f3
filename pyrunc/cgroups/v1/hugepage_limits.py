"""linux.resources.hugepageLimits on the v1 hugetlb controller.  The spec
prefers reservation accounting (hugetlb.<size>.rsvd.limit_in_bytes, Linux
5.7) and falls back to fault accounting; like runc >= 1.2, both limits are
set, so neither mmap-time reservations nor faults can exceed it."""
import os

from pyrunc.cgroups import fs
from pyrunc.cgroups.fs import CgroupError

WHERE = "linux.resources.hugepageLimits"
ENOENT = 2


def page_sizes(d, suffix=".limit_in_bytes"):
    """The huge page sizes the controller has files for ("2MB", "1GB")."""
    sizes = []
    for name in os.listdir(d):
        if name.startswith("hugetlb.") and name.endswith(suffix) and ".rsvd." not in name:
            sizes.append(name[len("hugetlb."):-len(suffix)])
    return sorted(sizes)


def check_size(d, size, field, suffix=".limit_in_bytes"):
    if not os.path.exists(os.path.join(d, f"hugetlb.{size}{suffix}")):
        have = ", ".join(page_sizes(d, suffix)) or "none"
        raise CgroupError(f"{field}: {size!r} is not a huge page size of this host (have: {have})")


def apply(cg, limits, warn):
    if not limits:
        return
    d = cg.require("hugetlb", WHERE)
    for i, entry in enumerate(limits):
        field = f"{WHERE}[{i}]"
        size, limit = entry["pageSize"], entry["limit"]
        check_size(d, size, f"{field}.pageSize")
        fs.write(os.path.join(d, f"hugetlb.{size}.limit_in_bytes"), limit, f"{field}.limit")
        rsvd = os.path.join(d, f"hugetlb.{size}.rsvd.limit_in_bytes")
        if os.path.exists(rsvd):
            fs.write(rsvd, limit, f"{field}.limit")


def stats(cg, out):
    d = cg.dir("hugetlb")
    result = {}
    if d and os.path.isdir(d):
        for size in page_sizes(d):
            entry = {}
            usage = fs.read_uint(os.path.join(d, f"hugetlb.{size}.usage_in_bytes"))
            peak = fs.read_uint(os.path.join(d, f"hugetlb.{size}.max_usage_in_bytes"))
            if usage:
                entry["usage"] = usage
            if peak:
                entry["max"] = peak
            entry["failcnt"] = fs.read_uint(os.path.join(d, f"hugetlb.{size}.failcnt"))
            result[size] = entry
    out["hugetlb"] = result
