"""linux.resources -> cgroup file writes, on fake cgroup trees (the kernel
is not involved: pyrunc's v1/v2 code takes its directories from the
Manager, so a temporary directory stands in for /sys/fs/cgroup).  The real
kernel read-back is in tests/integration/test_cgroup_*.py; these tests
cover what this machine cannot (rdma, net_cls/net_prio, every v2 file) and
the pure parts: type checks, update merging, the write order of dependent
values."""
import os

import pytest

from pyrunc.cgroups import fs, resources as res_mod
from pyrunc.cgroups import v1, v2
from pyrunc.cgroups.device_rules import WILDCARD as W, Emulator, Rule
from pyrunc.cgroups.fs import CgroupError
from pyrunc.errors import ConfigError

V1_FILES = {
    "memory": ["memory.limit_in_bytes", "memory.memsw.limit_in_bytes", "memory.soft_limit_in_bytes",
               "memory.kmem.limit_in_bytes", "memory.kmem.tcp.limit_in_bytes", "memory.oom_control",
               "memory.swappiness", "memory.usage_in_bytes", "memory.max_usage_in_bytes",
               "memory.use_hierarchy"],
    "cpu": ["cpu.shares", "cpu.cfs_quota_us", "cpu.cfs_period_us", "cpu.cfs_burst_us", "cpu.idle",
            "cpu.rt_runtime_us", "cpu.rt_period_us"],
    "cpuset": ["cpuset.cpus", "cpuset.mems"],
    "pids": ["pids.max"],
    "blkio": ["blkio.bfq.weight", "blkio.bfq.weight_device", "blkio.throttle.read_bps_device",
              "blkio.throttle.write_bps_device", "blkio.throttle.read_iops_device",
              "blkio.throttle.write_iops_device"],
    "hugetlb": ["hugetlb.2MB.limit_in_bytes", "hugetlb.2MB.rsvd.limit_in_bytes", "hugetlb.1GB.limit_in_bytes"],
    "net_cls": ["net_cls.classid"],
    "net_prio": ["net_prio.ifpriomap"],
    "rdma": ["rdma.max"],
    "devices": ["devices.allow", "devices.deny", "devices.list"],
}
V2_FILES = ["memory.max", "memory.low", "memory.swap.max", "memory.current", "cpu.weight", "cpu.max",
            "cpu.max.burst", "cpu.idle", "cpuset.cpus", "cpuset.mems", "pids.max", "io.weight", "io.max",
            "hugetlb.2MB.max", "hugetlb.2MB.rsvd.max", "rdma.max", "cgroup.max.descendants", "misc.max"]
V2_CONTROLLERS = "cpuset cpu io memory hugetlb pids rdma misc"


class Writes(list):
    """(file name, value) for each fs.write; the value is also stored in
    the fake file so read-backs see it."""

    def of(self, name):
        return [v for n, v in self if n == name]


@pytest.fixture
def writes(monkeypatch):
    log = Writes()

    def fake_write(path, value, field=None):
        log.append((os.path.basename(path), str(value)))
        if not os.path.exists(path):
            raise CgroupError(f"{field}: open {path}: No such file or directory", 2)
        name = os.path.basename(path)
        if name in ("devices.allow", "devices.deny"):
            # a v1 devices cgroup: the rule changes what devices.list shows
            listing = os.path.join(os.path.dirname(path), "devices.list")
            emu = Emulator.from_list(open(listing).read())
            kind, numbers, access = str(value).split()
            major, minor = (W if n == "*" else int(n) for n in numbers.split(":"))
            emu.apply(Rule(kind, major, minor, access, name == "devices.allow"))
            text = "a *:* rwm\n" if emu.is_blacklist else "".join(
                r.cgroup_string() + "\n" for r in emu.exceptions())
            with open(listing, "w") as f:
                f.write(text)
            return
        with open(path, "w") as f:
            f.write(str(value))

    monkeypatch.setattr(fs, "write", fake_write)
    return log


@pytest.fixture
def v1cg(tmp_path):
    dirs = {}
    for ctrl, files in V1_FILES.items():
        d = tmp_path / ctrl / "ctr"
        d.mkdir(parents=True)
        for name in files:
            (d / name).write_text("0\n")
        dirs[ctrl] = str(d)
    (tmp_path / "memory/ctr/memory.limit_in_bytes").write_text("9223372036854771712\n")
    (tmp_path / "devices/ctr/devices.list").write_text("a *:* rwm\n")
    return v1.Cgroup(dirs)


@pytest.fixture
def v2cg(tmp_path):
    d = tmp_path / "ctr"
    d.mkdir()
    for name in V2_FILES:
        (d / name).write_text("0\n")
    (d / "cgroup.controllers").write_text(V2_CONTROLLERS + "\n")
    return v2.Cgroup(str(d))


def warn_list():
    out = []
    return out, out.append


# --- type checks and update merging -------------------------------------------

@pytest.mark.parametrize("resources, field", [
    ({"memory": {"limit": "1g"}}, "linux.resources.memory.limit"),
    ({"cpu": {"cpus": 3}}, "linux.resources.cpu.cpus"),
    ({"memory": {"disableOOMKiller": 1}}, "linux.resources.memory.disableOOMKiller"),
    ({"pids": {"limit": True}}, "linux.resources.pids.limit"),
    ({"blockIO": {"throttleReadBpsDevice": [{"major": 8, "minor": 0}]}},
     "linux.resources.blockIO.throttleReadBpsDevice[0].rate"),
    ({"hugepageLimits": [{"pageSize": "2MB"}]}, "linux.resources.hugepageLimits[0].limit"),
    ({"unified": {"memory.max": 5}}, "linux.resources.unified.memory.max"),
    ({"unified": {"../x": "1"}}, "linux.resources.unified.../x"),
    ({"cpu": []}, "linux.resources.cpu"),
])
def test_check_names_the_bad_field(resources, field):
    with pytest.raises(ConfigError) as e:
        res_mod.check(resources)
    assert str(e.value).startswith(field + ":"), str(e.value)


def test_check_accepts_containerds_update_object():
    res_mod.check({"memory": {"limit": 0, "reservation": 0, "swap": 0}, "cpu": {"shares": 1024, "quota": 0,
                   "period": 100000, "cpus": "", "mems": ""}, "pids": {"limit": 0}, "blockIO": {"weight": 0},
                   "hugepageLimits": [], "unified": {}, "devices": []})


def test_merge_keeps_old_values_and_runcs_zeros_mean_unchanged():
    old = {"memory": {"limit": 100, "swap": 200}, "cpu": {"shares": 512, "cpus": "0"},
           "devices": [{"allow": False, "access": "rwm"}], "hugepageLimits": [{"pageSize": "2MB", "limit": 1}]}
    new = {"memory": {"limit": 0, "reservation": 50}, "cpu": {"quota": 1000}, "pids": {"limit": 0},
           "devices": [{"allow": True, "access": "rwm"}], "hugepageLimits": [{"pageSize": "1GB", "limit": 2}]}
    merged = res_mod.merge(old, new)
    assert merged["memory"] == {"limit": 100, "swap": 200, "reservation": 50}
    assert merged["cpu"] == {"shares": 512, "cpus": "0", "quota": 1000}
    assert merged["pids"] == {"limit": 0}            # a real limit (the spec's MUST)
    assert merged["devices"] == old["devices"]      # never updated
    assert {e["pageSize"] for e in merged["hugepageLimits"]} == {"2MB", "1GB"}


def test_update_delta_completes_dependent_pairs():
    merged = {"cpu": {"quota": 20000, "period": 50000, "shares": 2}, "memory": {"limit": 100, "swap": 300}}
    delta = res_mod.update_delta({"cpu": {"period": 100000}, "memory": {"limit": 200}}, merged)
    assert delta == {"cpu": {"period": 100000, "quota": 20000}, "memory": {"limit": 200, "swap": 300}}
    assert res_mod.update_delta({"devices": [{"allow": True, "access": "r"}]}, merged) == {}
    assert res_mod.update_delta({"memory": {"limit": 0}}, merged) == {}


# --- v1 ---------------------------------------------------------------------

def test_v1_every_class_is_written(v1cg, writes):
    warnings, warn = warn_list()
    v1.apply(v1cg, {
        "memory": {"limit": 104857600, "reservation": 52428800, "swap": 209715200, "swappiness": 10,
                   "kernelTCP": 2097152, "disableOOMKiller": True},
        "cpu": {"shares": 512, "quota": 50000, "period": 100000, "burst": 10000, "idle": 1,
                "realtimeRuntime": 4000, "realtimePeriod": 10000, "cpus": "0-1", "mems": "0"},
        "pids": {"limit": 100},
        "blockIO": {"weight": 500, "weightDevice": [{"major": 7, "minor": 0, "weight": 300}],
                    "throttleReadBpsDevice": [{"major": 254, "minor": 0, "rate": 1048576}],
                    "throttleWriteIOPSDevice": [{"major": 254, "minor": 0, "rate": 30}]},
        "hugepageLimits": [{"pageSize": "2MB", "limit": 4194304}],
        "network": {"classID": 1048577, "priorities": [{"name": "eth0", "priority": 5},
                                                      {"name": "lo", "priority": 2}]},
        "rdma": {"mlx5_1": {"hcaHandles": 3, "hcaObjects": 10000}, "rxe3": {"hcaObjects": 100}},
    }, warn)
    w = dict(writes)
    assert writes.of("memory.limit_in_bytes") == ["104857600"]
    assert writes.of("memory.memsw.limit_in_bytes") == ["209715200"]
    assert w["memory.soft_limit_in_bytes"] == "52428800"
    assert w["memory.swappiness"] == "10"
    assert w["memory.kmem.tcp.limit_in_bytes"] == "2097152"
    assert w["memory.oom_control"] == "1"
    assert w["cpu.shares"] == "512" and w["cpu.cfs_quota_us"] == "50000"
    assert w["cpu.cfs_period_us"] == "100000" and w["cpu.cfs_burst_us"] == "10000" and w["cpu.idle"] == "1"
    assert w["cpu.rt_period_us"] == "10000" and w["cpu.rt_runtime_us"] == "4000"
    assert w["cpuset.cpus"] == "0-1" and w["cpuset.mems"] == "0"
    assert w["pids.max"] == "100"
    assert w["blkio.bfq.weight"] == "500" and w["blkio.bfq.weight_device"] == "7:0 300"
    assert w["blkio.throttle.read_bps_device"] == "254:0 1048576"
    assert w["blkio.throttle.write_iops_device"] == "254:0 30"
    assert w["hugetlb.2MB.limit_in_bytes"] == "4194304" and w["hugetlb.2MB.rsvd.limit_in_bytes"] == "4194304"
    assert w["net_cls.classid"] == "1048577"
    assert writes.of("net_prio.ifpriomap") == ["eth0 5", "lo 2"]
    assert writes.of("rdma.max") == ["mlx5_1 hca_handle=3 hca_object=10000", "rxe3 hca_object=100"]
    assert writes.of("devices.deny") == ["a *:* rwm"]     # always: runc's default-deny
    assert "c 1:3 rwm" in writes.of("devices.allow")
    assert warnings == []


def test_v1_swap_is_written_first_when_limits_grow(v1cg, writes):
    (open(os.path.join(v1cg.dir("memory"), "memory.limit_in_bytes"), "w")).write("1000\n")
    v1.apply(v1cg, {"memory": {"limit": 2000, "swap": 3000}}, print, update=True)
    assert [n for n, _ in writes] == ["memory.memsw.limit_in_bytes", "memory.limit_in_bytes"]
    writes.clear()
    v1.apply(v1cg, {"memory": {"limit": 500, "swap": 600}}, print, update=True)
    assert [n for n, _ in writes] == ["memory.limit_in_bytes", "memory.memsw.limit_in_bytes"]


def test_v1_unlimited_memory_makes_swap_unlimited(v1cg, writes):
    v1.apply(v1cg, {"memory": {"limit": -1}}, print, update=True)
    assert writes == [("memory.memsw.limit_in_bytes", "-1"), ("memory.limit_in_bytes", "-1")]


def test_v1_zero_values_are_unset_as_in_runc(v1cg, writes):
    v1.apply(v1cg, {"memory": {"limit": 0, "swap": 0}, "cpu": {"shares": 0, "quota": 0},
                    "blockIO": {"weight": 0}}, print, update=True)
    assert writes == []


def test_v1_pids_zero_and_unlimited(v1cg, writes):
    v1.apply(v1cg, {"pids": {"limit": 0}}, print, update=True)
    v1.apply(v1cg, {"pids": {"limit": -1}}, print, update=True)
    assert writes.of("pids.max") == ["0", "max"]


def test_v1_update_never_touches_devices(v1cg, writes):
    v1.apply(v1cg, {"devices": [{"allow": True, "access": "rwm"}], "pids": {"limit": 5}}, print, update=True)
    assert [n for n, _ in writes] == ["pids.max"]


def test_v1_missing_controller_is_named(v1cg, writes):
    del v1cg.dirs["net_cls"]
    with pytest.raises(CgroupError, match=r"^linux\.resources\.network\.classID: the net_cls cgroup "
                                          "controller is not mounted"):
        v1.apply(v1cg, {"network": {"classID": 1}}, print, update=True)


def test_v1_unknown_hugepage_size_is_named(v1cg, writes):
    with pytest.raises(CgroupError, match=r"hugepageLimits\[0\]\.pageSize: '64KB' is not a huge page size "
                                          r"of this host \(have: 1GB, 2MB\)"):
        v1.apply(v1cg, {"hugepageLimits": [{"pageSize": "64KB", "limit": 1}]}, print, update=True)


def test_v1_unified_is_refused(v1cg, writes):
    with pytest.raises(CgroupError, match="linux.resources.unified"):
        v1.apply(v1cg, {"unified": {"memory.max": "1"}}, print)


def test_v1_leaf_weight_without_cfq_is_a_warning(v1cg, writes):
    warnings, warn = warn_list()
    v1.apply(v1cg, {"blockIO": {"leafWeight": 300, "weightDevice": [{"major": 8, "minor": 0, "leafWeight": 10}]}},
             warn, update=True)
    assert writes == []
    assert len(warnings) == 2 and all("leafWeight: ignored" in w for w in warnings)


def test_v1_kernel_memory_that_the_kernel_ignores_is_a_warning(v1cg, writes, monkeypatch):
    warnings, warn = warn_list()
    monkeypatch.setattr(fs, "read_uint", lambda path, default=0: 9223372036854771712)
    v1.apply(v1cg, {"memory": {"kernel": 1048576}}, warn, update=True)
    assert writes.of("memory.kmem.limit_in_bytes") == ["1048576"]
    assert warnings and "does not enforce it" in warnings[0]


def test_v1_check_before_update(v1cg, writes):
    open(os.path.join(v1cg.dir("memory"), "memory.usage_in_bytes"), "w").write("5000\n")
    with pytest.raises(CgroupError, match=r"memory\.limit: rejecting memory limit 4000 <= usage 5000"):
        v1.apply(v1cg, {"memory": {"limit": 4000, "checkBeforeUpdate": True}}, print, update=True)
    assert writes == []


# --- v2 ---------------------------------------------------------------------

def test_v2_every_class_is_written_and_converted(v2cg, writes, monkeypatch):
    attached = []
    from pyrunc.cgroups.v2 import devices
    monkeypatch.setattr(devices, "load_and_attach", lambda path, insns: attached.append((path, insns)))
    warnings, warn = warn_list()
    v2.apply(v2cg, {
        "memory": {"limit": 104857600, "reservation": 52428800, "swap": 209715200, "kernel": 1},
        "cpu": {"shares": 1024, "quota": 50000, "period": 100000, "burst": 10000, "idle": 0,
                "cpus": "0-1", "mems": "0"},
        "pids": {"limit": -1},
        "blockIO": {"weight": 500, "weightDevice": [{"major": 7, "minor": 0, "weight": 10}],
                    "throttleReadBpsDevice": [{"major": 254, "minor": 0, "rate": 1048576}],
                    "throttleWriteIOPSDevice": [{"major": 254, "minor": 0, "rate": 30}]},
        "hugepageLimits": [{"pageSize": "2MB", "limit": 4194304}],
        "rdma": {"mlx5_1": {"hcaHandles": 3}},
        "devices": [{"allow": False, "access": "rwm"}],
        "unified": {"cgroup.max.descendants": "5", "io.max": "7:0 rbps=100\n7:1 wiops=5"},
    }, warn)
    w = dict(writes)
    assert w["memory.max"] == "104857600" and w["memory.low"] == "52428800"
    assert w["memory.swap.max"] == str(209715200 - 104857600)  # v2 swap is swap alone
    assert w["cpu.weight"] == "100"                             # 1024 shares -> default weight
    assert w["cpu.max"] == "50000 100000" and w["cpu.max.burst"] == "10000" and w["cpu.idle"] == "0"
    assert w["cpuset.cpus"] == "0-1" and w["cpuset.mems"] == "0"
    assert w["pids.max"] == "max"
    assert writes.of("io.weight") == ["4950", "7:0 1"]          # converted [10..1000] -> [1..10000]
    assert writes.of("io.max") == ["254:0 rbps=1048576", "254:0 wiops=30", "7:0 rbps=100", "7:1 wiops=5"]
    assert w["hugetlb.2MB.max"] == "4194304" and w["hugetlb.2MB.rsvd.max"] == "4194304"
    assert w["rdma.max"] == "mlx5_1 hca_handle=3"
    assert w["cgroup.max.descendants"] == "5"
    assert attached and attached[0][0] == v2cg.path
    assert any("kernel: ignored" in x for x in warnings)


def test_v2_quota_alone_gets_the_default_period(v2cg, writes):
    v2.apply(v2cg, {"cpu": {"quota": 20000}}, print, update=True)
    assert writes == [("cpu.max", "20000 100000")]


def test_v2_period_alone_means_no_quota(v2cg, writes):
    v2.apply(v2cg, {"cpu": {"period": 50000}}, print, update=True)
    assert writes == [("cpu.max", "max 50000")]


def test_v2_memory_equal_to_swap_disables_swap(v2cg, writes):
    v2.apply(v2cg, {"memory": {"limit": 1000, "swap": 1000}}, print, update=True)
    assert writes == [("memory.swap.max", "0"), ("memory.max", "1000")]


def test_v2_bfq_takes_the_v1_weight_unconverted(v2cg, writes):
    open(v2cg.file("io.bfq.weight"), "w").write("default 100\n")
    v2.apply(v2cg, {"blockIO": {"weight": 500, "weightDevice": [{"major": 8, "minor": 0, "weight": 20}]}},
             print, update=True)
    assert writes.of("io.bfq.weight") == ["500", "8:0 20"]


@pytest.mark.parametrize("resources, field", [
    ({"memory": {"swappiness": 10}}, "linux.resources.memory.swappiness"),
    ({"memory": {"disableOOMKiller": True}}, "linux.resources.memory.disableOOMKiller"),
    ({"cpu": {"realtimeRuntime": 1000}}, "linux.resources.cpu.realtimeRuntime"),
    ({"network": {"classID": 1}}, "linux.resources.network.classID"),
    ({"network": {"priorities": [{"name": "lo", "priority": 1}]}}, "linux.resources.network.priorities"),
    ({"memory": {"swap": 100}}, "linux.resources.memory.swap"),  # no limit to subtract
])
def test_v2_settings_without_a_v2_counterpart_are_errors(v2cg, writes, resources, field):
    """config-linux.md "Unified": if the conversion is not possible the
    runtime MUST generate an error."""
    with pytest.raises(CgroupError) as e:
        v2.apply(v2cg, resources, print, update=True)
    assert str(e.value).startswith(field + ":"), str(e.value)


def test_v2_defaults_that_v2_already_has_are_accepted(v2cg, writes):
    v2.apply(v2cg, {"memory": {"disableOOMKiller": False, "useHierarchy": True}}, print, update=True)
    assert writes == []


def test_v2_controller_not_enabled_is_named(v2cg, writes):
    open(v2cg.file("cgroup.controllers"), "w").write("cpu memory\n")
    with pytest.raises(CgroupError, match=r"linux\.resources\.pids\.limit: the pids controller is not available"):
        v2.apply(v2cg, {"pids": {"limit": 10}}, print, update=True)


def test_v2_unified_key_of_a_missing_controller_is_named(v2cg, writes):
    with pytest.raises(CgroupError, match=r"unified\.foo\.max: the foo controller is not available"):
        v2.apply(v2cg, {"unified": {"foo.max": "1"}}, print, update=True)


def test_v2_unified_wins_over_converted_values(v2cg, writes):
    v2.apply(v2cg, {"memory": {"limit": 1000}, "unified": {"memory.max": "2000"}}, print, update=True)
    assert writes.of("memory.max") == ["1000", "2000"]
