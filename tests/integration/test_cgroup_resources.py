"""The cgroup managers (config-linux.md "Control groups", "Cgroups path"):
which manager the host gets, every resource class of one config at once,
joining an existing cgroup, nested paths, removal, and what happens when
the kernel refuses a value.  Per-class details are in test_cgroup_<class>.py;
the v2 manager without controllers is exercised on this host by
test_cgroup_v2_here.py, with controllers in the VM (cgroup2)."""
import os
import signal

import pytest

from cgroup_support import keyed, running, v1_only, v1_read, v2_read, with_resources
from support import asserts, proc
from support.config import base_config, sh

MiB = 1 << 20

ALL = {
    "devices": [{"allow": False, "access": "rwm"}],
    "memory": {"limit": 96 * MiB, "reservation": 48 * MiB, "swap": 128 * MiB},
    "cpu": {"shares": 2000, "quota": 40000, "period": 100000, "cpus": "0", "mems": "0"},
    "pids": {"limit": 64},
    "blockIO": {"weight": 300},
    "hugepageLimits": [{"pageSize": "2MB", "limit": 4 * MiB}],
}


# --- v1 ----------------------------------------------------------------------

@v1_only
def test_v1_every_class_at_once(rt):
    cid, _ = running(rt, with_resources(base_config(["sleep", "100"]), ALL))
    p = f"/{cid}"
    assert v1_read("memory", p, "memory.limit_in_bytes") == str(96 * MiB)
    assert v1_read("memory", p, "memory.memsw.limit_in_bytes") == str(128 * MiB)
    assert v1_read("cpu", p, "cpu.shares") == "2000"
    assert v1_read("cpu", p, "cpu.cfs_quota_us") == "40000"
    assert v1_read("cpuset", p, "cpuset.cpus") == "0"
    assert v1_read("pids", p, "pids.max") == "64"
    assert v1_read("blkio", p, "blkio.bfq.weight") == "300"
    if "hugetlb" in proc.cgroup_mounts():
        assert v1_read("hugetlb", p, "hugetlb.2MB.limit_in_bytes") == str(4 * MiB)
    assert "c 1:3 rwm" in v1_read("devices", p, "devices.list").splitlines()


@v1_only
def test_v1_joining_an_existing_empty_cgroup_leaves_it_in_place(rt):
    """runtime.md: resources not created by the container MUST NOT be
    deleted; the limits are written into the joined cgroup."""
    path = rt.cgroups_path()
    made = []
    for c in proc.v1_controllers():
        d = proc.cgroup_dir(c, path)
        if not d.exists():
            d.mkdir()
            made.append(d)
    if "cpuset" in proc.v1_controllers():  # a new v1 cpuset needs cpus/mems before it takes tasks
        for name in ("cpuset.cpus", "cpuset.mems"):
            (proc.cgroup_dir("cpuset", path) / name).write_text(
                (proc.cgroup_dir("cpuset", "/") / name).read_text())
    try:
        cid, pid = running(rt, with_resources(base_config(["sleep", "100"]), {"pids": {"limit": 33}}, path))
        assert proc.host_cgroups(pid)["pids"] == path
        assert v1_read("pids", path, "pids.max") == "33"
        rt.delete(cid, force=True)
        left = [d for d in made if not d.is_dir()]
        assert not left, f"joined cgroups removed: {left}"
    finally:
        for d in made:
            try:
                d.rmdir()
            except OSError:
                pass


@v1_only
def test_v1_joining_a_cgroup_with_processes_is_refused_and_harmless(rt):
    """config-linux.md: a runtime MAY check that a create's cgroup is fit
    (not non-empty) and MUST fail if not -- without hurting whoever is in it."""
    path = rt.cgroups_path()
    first, pid = running(rt, with_resources(base_config(["sleep", "100"]), {}, path))
    res = rt.create(with_resources(base_config(["sleep", "100"]), {}, path), check=False)
    asserts.error(res, "not empty")
    assert rt.status(first) == "running" and proc.is_alive(pid)
    assert all(proc.cgroup_dir(c, path).is_dir() for c in proc.v1_controllers())


@v1_only
def test_v1_nested_path_and_sub_cgroups_are_removed(rt):
    """A container with a writable cgroupfs may make cgroups below its own:
    delete removes them too (runc ``RemovePath``)."""
    path = rt.cgroups_path(nested=True)
    cfg = with_resources(sh("mkdir /sys/fs/cgroup/pids/sub && echo $$ > /sys/fs/cgroup/pids/sub/cgroup.procs "
                            "&& exec sleep 100"), {"pids": {"limit": 20}}, path)
    for m in cfg["mounts"]:
        if m["destination"] == "/sys/fs/cgroup":
            m["options"] = [o for o in m["options"] if o != "ro"] + ["rw"]
    cid, pid = running(rt, cfg)
    proc.wait_for(lambda: proc.host_cgroups(pid)["pids"] == path + "/sub", what="init in pids sub-cgroup")
    rt.delete(cid, force=True)
    parent = path.rsplit("/", 1)[0]
    left = [str(proc.cgroup_dir(c, parent)) for c in proc.v1_controllers() if proc.cgroup_dir(c, parent).exists()]
    assert not left, f"left: {left}"


@v1_only
def test_v1_removed_after_sigkill_of_the_init(rt):
    cid, pid = running(rt, with_resources(base_config(["sleep", "100"]), {"memory": {"limit": 64 * MiB}}))
    os.kill(pid, signal.SIGKILL)
    proc.wait_for(lambda: proc.is_gone(pid), what="init to die")
    rt.delete(cid)
    assert not proc.cgroup_dir("memory", f"/{cid}").exists()


@v1_only
def test_v1_refused_value_fails_create_and_leaves_nothing(rt):
    """The kernel refuses a CFS quota below 1 ms: create fails with the field,
    the file and the value, and no cgroup or state is left (the fixture's
    teardown checks that)."""
    res = rt.create(with_resources(base_config(["true"]), {"cpu": {"quota": 10}}), check=False)
    asserts.error(res, "linux.resources.cpu.quota", "cpu.cfs_quota_us", "10")
    assert not proc.cgroup_dir("cpu", f"/{res.cid}").exists()
    assert rt.runtime("state", res.cid).rc != 0


@v1_only
def test_v1_unified_is_refused_on_a_v1_host(rt):
    res = rt.create(with_resources(base_config(["true"]), {"unified": {"memory.max": "1"}}), check=False)
    asserts.error(res, "linux.resources.unified", "cgroup v1")


@v1_only
def test_v1_rdma_without_the_controller_says_so(rt):
    if "rdma" in proc.cgroup_mounts():
        pytest.skip("this host mounts the rdma controller")
    res = rt.create(with_resources(base_config(["true"]), {"rdma": {"mlx5_1": {"hcaHandles": 3}}}),
                    check=False)
    asserts.error(res, "rdma")


@v1_only
def test_v1_oom_control_counter_after_an_oom_kill(rt):
    cfg = with_resources(base_config(["tail", "/dev/zero"]), {"memory": {"limit": 32 * MiB, "swap": 32 * MiB}},
                         rt.cgroups_path())
    res = rt.create(cfg)
    path = cfg["linux"]["cgroupsPath"]
    rt.start(res.cid)
    rt.wait_status(res.cid, "stopped", timeout=60)
    assert keyed(v1_read("memory", path, "memory.oom_control"))["oom_kill"] >= 1


# --- v2 (test VM) ---------------------------------------------------------------

@pytest.mark.cgroup2("memory", "cpu", "pids", "io", "cpuset", "hugetlb")
def test_v2_every_class_at_once(rt):
    cid, _ = running(rt, with_resources(base_config(["sleep", "100"]), ALL))
    p = f"/{cid}"
    assert v2_read(p, "memory.max") == str(96 * MiB)
    assert v2_read(p, "memory.low") == str(48 * MiB)
    assert v2_read(p, "memory.swap.max") == str(32 * MiB)
    assert v2_read(p, "cpu.weight") == "170"
    assert v2_read(p, "cpu.max") == "40000 100000"
    assert v2_read(p, "cpuset.cpus") == "0"
    assert v2_read(p, "pids.max") == "64"
    assert v2_read(p, "hugetlb.2MB.max") == str(4 * MiB)


@pytest.mark.cgroup2("memory", "pids")
def test_v2_nested_path_enables_controllers_in_every_ancestor(rt):
    path = rt.cgroups_path(nested=True)
    parent = path.rsplit("/", 1)[0]
    cid, pid = running(rt, with_resources(base_config(["sleep", "100"]), {"memory": {"limit": 64 * MiB},
                                                                          "pids": {"limit": 10}}, path))
    assert proc.host_cgroups(pid)["unified"] == path
    enabled = v2_read(parent, "cgroup.subtree_control").split()
    assert {"memory", "pids"} <= set(enabled), enabled
    assert v2_read(path, "memory.max") == str(64 * MiB)
    rt.delete(cid, force=True)
    assert not (proc.CGROUP_ROOT / parent.lstrip("/")).exists()


@pytest.mark.cgroup2("memory")
def test_v2_removed_after_sigkill_of_the_init(rt):
    cid, pid = running(rt, with_resources(base_config(["sleep", "100"]), {"memory": {"limit": 64 * MiB}}))
    os.kill(pid, signal.SIGKILL)
    proc.wait_for(lambda: proc.is_gone(pid), what="init to die")
    rt.delete(cid)
    assert not (proc.CGROUP_ROOT / cid).exists()


@pytest.mark.cgroup2("memory")
def test_v2_oom_kill_is_counted(rt):
    cfg = with_resources(base_config(["tail", "/dev/zero"]), {"memory": {"limit": 32 * MiB, "swap": 32 * MiB}},
                         rt.cgroups_path())
    res = rt.create(cfg)
    path = cfg["linux"]["cgroupsPath"]
    rt.start(res.cid)
    rt.wait_status(res.cid, "stopped", timeout=60)
    assert keyed(v2_read(path, "memory.events"))["oom_kill"] >= 1


@pytest.mark.cgroup2("memory")
def test_v2_unified_overrides_and_unknown_controller_errors(rt):
    cid, _ = running(rt, with_resources(base_config(["sleep", "100"]), {
        "memory": {"limit": 64 * MiB}, "unified": {"memory.max": str(80 * MiB), "memory.high": str(70 * MiB)}}))
    assert v2_read(f"/{cid}", "memory.max") == str(80 * MiB)
    assert v2_read(f"/{cid}", "memory.high") == str(70 * MiB)
    res = rt.create(with_resources(base_config(["true"]), {"unified": {"nosuchctl.max": "1"}}), check=False)
    asserts.error(res, "linux.resources.unified.nosuchctl.max", "not available")
