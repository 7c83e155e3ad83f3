"""linux.resources.hugepageLimits (config-linux.md "Huge page limits"):
both the fault limit and the reservation limit (the spec prefers the
latter where the kernel has it), v1 hugetlb here, v2 in the test VM."""
import os

import pytest

from cgroup_support import running, v1_only, v1_read, v2_read, with_resources
from support import asserts, proc
from support.config import base_config

MiB = 1 << 20


def _cfg(limits):
    return with_resources(base_config(["sleep", "100"]), {"hugepageLimits": limits})


hugetlb_v1 = pytest.mark.skipif("hugetlb" not in proc.cgroup_mounts(),
                                reason="the hugetlb v1 controller is not mounted on this host")


@v1_only
@hugetlb_v1
def test_v1_limit_and_reservation_limit(rt):
    cid, _ = running(rt, _cfg([{"pageSize": "2MB", "limit": 8 * MiB}]))
    assert v1_read("hugetlb", f"/{cid}", "hugetlb.2MB.limit_in_bytes") == str(8 * MiB)
    rsvd = proc.cgroup_dir("hugetlb", f"/{cid}") / "hugetlb.2MB.rsvd.limit_in_bytes"
    if rsvd.exists():
        assert rsvd.read_text().strip() == str(8 * MiB)


@v1_only
@hugetlb_v1
def test_v1_two_sizes(rt):
    sizes = sorted(n.split(".")[1] for n in os.listdir(proc.cgroup_mounts()["hugetlb"])
                   if n.endswith(".limit_in_bytes") and ".rsvd." not in n)
    limits = [{"pageSize": s, "limit": 0} for s in sizes]
    cid, _ = running(rt, _cfg(limits))
    for s in sizes:
        assert v1_read("hugetlb", f"/{cid}", f"hugetlb.{s}.limit_in_bytes") == "0"


@v1_only
@hugetlb_v1
def test_v1_unknown_page_size_names_the_field(rt):
    res = rt.create(_cfg([{"pageSize": "64KB", "limit": MiB}]), check=False)
    asserts.error(res, "linux.resources.hugepageLimits[0].pageSize", "64KB", "not a huge page size")


@pytest.mark.cgroup2("hugetlb")
def test_v2_limit_and_reservation_limit(rt):
    cid, _ = running(rt, _cfg([{"pageSize": "2MB", "limit": 8 * MiB}]))
    assert v2_read(f"/{cid}", "hugetlb.2MB.max") == str(8 * MiB)
    rsvd = proc.CGROUP_ROOT / cid / "hugetlb.2MB.rsvd.max"
    if rsvd.exists():
        assert rsvd.read_text().strip() == str(8 * MiB)


@pytest.mark.cgroup2("hugetlb")
def test_v2_unknown_page_size_names_the_field(rt):
    res = rt.create(_cfg([{"pageSize": "64KB", "limit": MiB}]), check=False)
    asserts.error(res, "linux.resources.hugepageLimits[0].pageSize", "64KB")
