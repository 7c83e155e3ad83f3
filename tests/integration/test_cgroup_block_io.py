"""linux.resources.blockIO (config-linux.md "Block IO"): v1 blkio here
(BFQ's weight files: CFQ's are gone since Linux 5.0), v2 io in the test
VM.  Per-device weights need BFQ on the device, so those tests use a
loop device of their own with the bfq scheduler."""
import os

import pytest

from cgroup_support import loop_device  # noqa: F401 (a fixture)
from cgroup_support import running, v1_only, v1_read, v2_file, v2_read, with_resources
from support import asserts
from support.config import base_config

MiB = 1 << 20


def _cfg(block):
    return with_resources(base_config(["sleep", "100"]), {"blockIO": block})


def _disk():
    """(major, minor) of a disk of this host (throttle rules need only a real device number)."""
    for name in sorted(os.listdir("/sys/block")):
        if name.startswith(("loop", "ram", "zram")):
            continue
        major, minor = open(f"/sys/block/{name}/dev").read().split(":")
        return int(major), int(minor)
    pytest.skip("no disk in /sys/block")


@pytest.fixture
def bfq_loop(loop_device):
    """(major, minor) of a loop device of this test's, switched to BFQ."""
    loop_device.use_bfq()
    return loop_device.major, loop_device.minor


@v1_only
def test_v1_weight(rt):
    cid, _ = running(rt, _cfg({"weight": 300}))
    assert v1_read("blkio", f"/{cid}", "blkio.bfq.weight") == "300"


@v1_only
def test_v1_throttles(rt):
    major, minor = _disk()
    dev = f"{major}:{minor}"
    cid, _ = running(rt, _cfg({
        "throttleReadBpsDevice": [{"major": major, "minor": minor, "rate": 2 * MiB}],
        "throttleWriteBpsDevice": [{"major": major, "minor": minor, "rate": MiB}],
        "throttleReadIOPSDevice": [{"major": major, "minor": minor, "rate": 300}],
        "throttleWriteIOPSDevice": [{"major": major, "minor": minor, "rate": 200}],
    }))
    path = f"/{cid}"
    assert v1_read("blkio", path, "blkio.throttle.read_bps_device") == f"{dev} {2 * MiB}"
    assert v1_read("blkio", path, "blkio.throttle.write_bps_device") == f"{dev} {MiB}"
    assert v1_read("blkio", path, "blkio.throttle.read_iops_device") == f"{dev} 300"
    assert v1_read("blkio", path, "blkio.throttle.write_iops_device") == f"{dev} 200"


@v1_only
def test_v1_per_device_weight_on_a_bfq_device(rt, bfq_loop):
    major, minor = bfq_loop
    cid, _ = running(rt, _cfg({"weightDevice": [{"major": major, "minor": minor, "weight": 700}]}))
    lines = v1_read("blkio", f"/{cid}", "blkio.bfq.weight_device").splitlines()
    assert f"{major}:{minor} 700" in lines, lines


@v1_only
def test_v1_per_device_weight_the_kernel_refuses_names_the_field(rt):
    """BFQ per-device weights on a device without BFQ: EOPNOTSUPP."""
    major, minor = _disk()
    if "[bfq]" in open(f"/sys/dev/block/{major}:{minor}/queue/scheduler").read():
        pytest.skip("the disk uses BFQ")
    res = rt.create(_cfg({"weightDevice": [{"major": major, "minor": minor, "weight": 700}]}), check=False)
    asserts.error(res, "linux.resources.blockIO.weightDevice[0].weight", "blkio.bfq.weight_device",
                  f"{major}:{minor} 700")


@v1_only
def test_v1_leaf_weight_is_ignored_with_a_warning(rt):
    res = rt.create(_cfg({"weight": 200, "leafWeight": 300}))
    assert "linux.resources.blockIO.leafWeight" in res.err and "ignored" in res.err
    assert v1_read("blkio", f"/{res.cid}", "blkio.bfq.weight") == "200"


@pytest.mark.cgroup2("io")
def test_v2_weight_is_converted_or_goes_to_bfq(rt):
    cid, _ = running(rt, _cfg({"weight": 500}))
    bfq = v2_file(f"/{cid}", "io.bfq.weight")
    if bfq.exists():
        assert "default 500" in bfq.read_text()
    else:
        assert v2_read(f"/{cid}", "io.weight") == "default 4950"  # runc's [10..1000] -> [1..10000]


@pytest.mark.cgroup2("io")
def test_v2_throttles_become_io_max(rt):
    major, minor = _disk()
    cid, _ = running(rt, _cfg({
        "throttleReadBpsDevice": [{"major": major, "minor": minor, "rate": 2 * MiB}],
        "throttleWriteIOPSDevice": [{"major": major, "minor": minor, "rate": 200}],
    }))
    line = v2_read(f"/{cid}", "io.max")
    assert line.startswith(f"{major}:{minor} "), line
    assert f"rbps={2 * MiB}" in line and "wiops=200" in line, line
