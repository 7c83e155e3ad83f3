"""linux.resources.cpu (config-linux.md "CPU"), read back from the cgroup
files: v1 cpu and cpuset controllers here, v2 cpu.weight/cpu.max/cpuset in
the test VM (cgroup2), with runc's conversions."""
import pytest

from cgroup_support import running, v1_only, v1_read, v2_read, with_resources
from support import asserts
from support.config import base_config, sh


def _cfg(cpu, args=("sleep", "100")):
    return with_resources(base_config(list(args)), {"cpu": cpu})


# --- cgroup v1 ----------------------------------------------------------------

@v1_only
def test_v1_shares_quota_period_burst(rt):
    cid, _ = running(rt, _cfg({"shares": 512, "quota": 50000, "period": 200000, "burst": 20000}))
    path = f"/{cid}"
    assert v1_read("cpu", path, "cpu.shares") == "512"
    assert v1_read("cpu", path, "cpu.cfs_quota_us") == "50000"
    assert v1_read("cpu", path, "cpu.cfs_period_us") == "200000"
    assert v1_read("cpu", path, "cpu.cfs_burst_us") == "20000"


@v1_only
def test_v1_unlimited_quota(rt):
    cid, _ = running(rt, _cfg({"quota": -1, "period": 100000}))
    assert v1_read("cpu", f"/{cid}", "cpu.cfs_quota_us") == "-1"


@v1_only
def test_v1_idle(rt):
    cid, _ = running(rt, _cfg({"idle": 1}))
    assert v1_read("cpu", f"/{cid}", "cpu.idle") == "1"


@v1_only
def test_v1_realtime_runtime_and_period(rt):
    cid, _ = running(rt, _cfg({"realtimeRuntime": 10000, "realtimePeriod": 500000}))
    assert v1_read("cpu", f"/{cid}", "cpu.rt_runtime_us") == "10000"
    assert v1_read("cpu", f"/{cid}", "cpu.rt_period_us") == "500000"


@v1_only
def test_v1_cpus_and_mems_and_what_the_container_sees(rt):
    cfg = _cfg({"cpus": "0", "mems": "0"}, args=("sh", "-c", "grep -E '^(Cpus|Mems)_allowed_list' /proc/self/status"))
    out = rt.output(cfg)
    assert "Cpus_allowed_list:\t0\n" in out and "Mems_allowed_list:\t0\n" in out, out


@v1_only
def test_v1_cpuset_read_back(rt):
    cid, _ = running(rt, _cfg({"cpus": "0", "mems": "0"}))
    assert v1_read("cpuset", f"/{cid}", "cpuset.cpus") == "0"
    assert v1_read("cpuset", f"/{cid}", "cpuset.mems") == "0"


@v1_only
@pytest.mark.parametrize("shares, word", [(1, "minimum"), (300000, "maximum")])
def test_v1_shares_out_of_range_are_errors_not_silently_clamped(rt, shares, word):
    res = rt.create(_cfg({"shares": shares}), check=False)
    asserts.error(res, "linux.resources.cpu.shares", word)


@v1_only
def test_v1_quota_below_the_kernel_minimum_names_the_field(rt):
    res = rt.create(_cfg({"quota": 500, "period": 100000}), check=False)
    asserts.error(res, "linux.resources.cpu.quota", "cpu.cfs_quota_us", "500")


@v1_only
def test_v1_invalid_cpus_names_the_field(rt):
    res = rt.create(_cfg({"cpus": "99"}), check=False)
    asserts.error(res, "linux.resources.cpu.cpus", "cpuset.cpus")


@v1_only
def test_v1_zero_means_unset_as_in_runc(rt):
    cid, _ = running(rt, _cfg({"shares": 0, "quota": 0, "period": 0}))
    assert v1_read("cpu", f"/{cid}", "cpu.shares") == "1024"
    assert v1_read("cpu", f"/{cid}", "cpu.cfs_quota_us") == "-1"


# --- cgroup v2 (test VM) -------------------------------------------------------

@pytest.mark.cgroup2("cpu")
@pytest.mark.parametrize("shares, weight", [(2, 1), (512, 59), (1024, 100), (2000, 170), (262144, 10000)])
def test_v2_shares_become_weight_as_runc_converts_them(rt, shares, weight):
    cid, _ = running(rt, _cfg({"shares": shares}))
    assert v2_read(f"/{cid}", "cpu.weight") == str(weight)


@pytest.mark.cgroup2("cpu")
def test_v2_quota_period_burst(rt):
    cid, _ = running(rt, _cfg({"quota": 50000, "period": 200000, "burst": 20000}))
    assert v2_read(f"/{cid}", "cpu.max") == "50000 200000"
    assert v2_read(f"/{cid}", "cpu.max.burst") == "20000"


@pytest.mark.cgroup2("cpu")
def test_v2_quota_alone_uses_the_default_period(rt):
    cid, _ = running(rt, _cfg({"quota": 30000}))
    assert v2_read(f"/{cid}", "cpu.max") == "30000 100000"


@pytest.mark.cgroup2("cpu")
def test_v2_idle(rt):
    cid, _ = running(rt, _cfg({"idle": 1}))
    assert v2_read(f"/{cid}", "cpu.idle") == "1"


@pytest.mark.cgroup2("cpuset")
def test_v2_cpus_mems(rt):
    cid, _ = running(rt, _cfg({"cpus": "0", "mems": "0"}))
    assert v2_read(f"/{cid}", "cpuset.cpus") == "0"
    assert v2_read(f"/{cid}", "cpuset.mems") == "0"
    out = rt.output(_cfg({"cpus": "0"}, args=("sh", "-c", "grep ^Cpus_allowed_list /proc/self/status")))
    assert out.split() == ["Cpus_allowed_list:", "0"]


@pytest.mark.cgroup2("cpu")
def test_v2_realtime_is_an_error(rt):
    res = rt.create(_cfg({"realtimeRuntime": 10000, "realtimePeriod": 500000}), check=False)
    asserts.error(res, "linux.resources.cpu.realtime", "cgroup v2")


@pytest.mark.cgroup2("cpu")
def test_v2_weight_is_what_the_container_sees(rt):
    out = rt.output(with_resources(sh("cat /sys/fs/cgroup/cpu.weight"), {"cpu": {"shares": 1024}}))
    assert out.strip() == "100"
