"""The cgroup v2 manager, run for real on this cgroup v1 hybrid host.

The runtime runs in a private mount namespace where /sys/fs/cgroup is this
host's cgroup2 hierarchy (cgroup_support.V2_WRAPPER), so to it this is a
pure v2 host -- one without controllers (they are all bound to v1 here).
What v2 does without controllers runs for real: placement, nested paths,
cgroup.subtree_control handling, joining, removal (also of sub-cgroups the
container made), the v2 freezer (cgroup.freeze), eBPF device filters,
unified cgroup.* keys, and the errors for controllers that are missing.
Everything is read back on the host at /sys/fs/cgroup/unified/<path>.
The resource controllers themselves are tested in the VM (cgroup2).
"""
import os
import signal

import pytest

from cgroup_support import V2Here, host_path, hybrid_v2_available, json_lines, with_resources
from cgroup_support import loop_device  # noqa: F401 (a fixture)
from support import asserts, proc
from support.config import base_config, sh

DENY_ALL = [{"allow": False, "access": "rwm"}]


@pytest.fixture
def v2(rt):
    why = hybrid_v2_available()
    if why:
        pytest.skip(why)
    w = V2Here(rt)
    yield w
    w.cleanup()


def _sleep(cgroups_path=None, resources=None):
    cfg = base_config(["sleep", "100"])
    if cgroups_path:
        cfg["linux"]["cgroupsPath"] = cgroups_path
    if resources is not None:
        cfg["linux"]["resources"] = resources
    return cfg


def _v2_line(pid):
    return proc.host_cgroups(pid)["unified"]


def test_placement_and_removal(v2):
    cid, pid = v2.running(_sleep())
    assert _v2_line(pid) == f"/{cid}"
    assert pid in [int(p) for p in host_path(f"/{cid}/cgroup.procs").read_text().split()]
    assert v2("delete", "--force", cid).rc == 0
    assert not host_path(f"/{cid}").exists()


def test_nested_path_parents_made_and_removed(rt, v2):
    path = rt.cgroups_path(nested=True)
    parent = path.rsplit("/", 1)[0]
    cid, pid = v2.running(_sleep(path))
    assert _v2_line(pid) == path
    assert v2("delete", "--force", cid).rc == 0
    assert not host_path(path).exists() and not host_path(parent).exists()


def test_preexisting_parent_is_kept(rt, v2):
    path = rt.cgroups_path(nested=True)
    parent = host_path(path.rsplit("/", 1)[0])
    parent.mkdir()
    cid, _ = v2.running(_sleep(path))
    assert v2("delete", "--force", cid).rc == 0
    assert not host_path(path).exists() and parent.is_dir()


def test_joining_an_existing_empty_cgroup_leaves_it_in_place(rt, v2):
    path = rt.cgroups_path()
    host_path(path).mkdir()
    cid, pid = v2.running(_sleep(path))
    assert _v2_line(pid) == path
    assert v2("delete", "--force", cid).rc == 0
    assert host_path(path).is_dir(), "a cgroup the container did not create was removed"
    host_path(path).rmdir()


def test_joining_a_cgroup_with_processes_is_refused(rt, v2):
    path = rt.cgroups_path()
    cid, _ = v2.running(_sleep(path))
    res = v2.create(_sleep(path), check=False)
    asserts.error(res, "not empty")
    assert v2.state(cid)["status"] == "running"


def test_removal_after_the_init_was_sigkilled(v2):
    cid, pid = v2.running(_sleep())
    os.kill(pid, signal.SIGKILL)
    proc.wait_for(lambda: proc.is_gone(pid), what="init to die")
    assert v2("delete", cid).rc == 0
    assert not host_path(f"/{cid}").exists()


def test_removal_of_sub_cgroups_the_container_made(v2):
    """With a writable cgroupfs a container can make cgroups below its own;
    delete removes them with it (runc RemovePath)."""
    cfg = sh("mkdir -p /sys/fs/cgroup/a/b && echo $$ > /sys/fs/cgroup/a/b/cgroup.procs && exec sleep 100")
    for m in cfg["mounts"]:
        if m["destination"] == "/sys/fs/cgroup":
            m["options"] = [o for o in m["options"] if o != "ro"] + ["rw"]
    cid, pid = v2.running(cfg)
    proc.wait_for(lambda: _v2_line(pid) == f"/{cid}/a/b", what="the init to move to a/b")
    assert v2("delete", "--force", cid).rc == 0
    assert not host_path(f"/{cid}").exists()


def test_pause_resume_use_cgroup_freeze(v2):
    cid, pid = v2.running(_sleep())
    assert v2("pause", cid).rc == 0
    assert host_path(f"/{cid}/cgroup.freeze").read_text().strip() == "1"
    assert "frozen 1" in host_path(f"/{cid}/cgroup.events").read_text()
    assert v2.state(cid)["status"] == "paused"
    assert v2("resume", cid).rc == 0
    assert "frozen 0" in host_path(f"/{cid}/cgroup.events").read_text()
    assert v2.state(cid)["status"] == "running"


def test_kill_all_and_delete_force_on_a_paused_container(v2):
    cid, pid = v2.running(base_config(["sh", "-c", "sleep 100 & sleep 100"]))
    assert v2("pause", cid).rc == 0
    assert v2("kill", "--all", cid, "KILL").rc == 0
    proc.wait_for(lambda: proc.is_gone(pid), what="init to die")
    cid2, pid2 = v2.running(_sleep())
    assert v2("pause", cid2).rc == 0
    assert v2("delete", "--force", cid2).rc == 0
    assert proc.is_gone(pid2) and not host_path(f"/{cid2}").exists()


def test_unified_cgroup_keys_are_written(v2):
    cid, _ = v2.running(_sleep(resources={"unified": {"cgroup.max.descendants": "3",
                                                      "cgroup.max.depth": "2"}}))
    assert host_path(f"/{cid}/cgroup.max.descendants").read_text().strip() == "3"
    assert host_path(f"/{cid}/cgroup.max.depth").read_text().strip() == "2"


def test_unified_key_of_an_unavailable_controller_is_named(v2):
    res = v2.create(_sleep(resources={"unified": {"memory.max": "100000000"}}), check=False)
    asserts.error(res, "linux.resources.unified.memory.max", "memory controller is not available")


def test_resource_of_an_unavailable_controller_is_named(v2):
    res = v2.create(_sleep(resources={"memory": {"limit": 100000000}}), check=False)
    asserts.error(res, "linux.resources.memory", "memory controller is not available")


def test_v1_only_setting_is_refused(v2):
    res = v2.create(_sleep(resources={"cpu": {"realtimeRuntime": 1000}}), check=False)
    asserts.error(res, "linux.resources.cpu.realtimeRuntime", "cgroup v2")


def test_device_filter_is_attached_and_enforced(v2, loop_device):
    dev = loop_device
    node = [{"path": "/dev/xdisk", "type": "b", "major": dev.major, "minor": dev.minor, "fileMode": 0o600}]
    cfg = with_resources(sh("head -c 512 /dev/xdisk > /dev/null && echo read-ok; echo x > /dev/null && "
                            "echo null-ok"), {"devices": DENY_ALL})
    cfg["linux"]["devices"] = node
    res = v2("run", "--bundle", v2.rt.bundle(cfg), v2.rt.new_id())
    assert res.rc == 0, str(res)
    assert "read-ok" not in res.out and "null-ok" in res.out, str(res)
    cfg["linux"]["resources"]["devices"] = DENY_ALL + [{"allow": True, "type": "b", "major": dev.major,
                                                        "minor": dev.minor, "access": "r"}]
    res = v2("run", "--bundle", v2.rt.bundle(cfg), v2.rt.new_id())
    assert res.rc == 0 and "read-ok" in res.out, str(res)


def test_one_device_program_per_container(v2):
    from pyrunc.cgroups.v2.devices import attached
    cid, _ = v2.running(_sleep())
    fd = os.open(host_path(f"/{cid}"), os.O_RDONLY | os.O_DIRECTORY)
    try:
        assert len(attached(fd)) == 1
    finally:
        os.close(fd)


def test_events_stats_and_ps_on_v2(v2):
    cid, pid = v2.running(base_config(["sh", "-c", "sleep 100 & sleep 100"]))
    res = v2("events", "--stats", cid)
    assert res.rc == 0, str(res)
    (event,) = json_lines(res.out)
    assert event["type"] == "stats" and event["id"] == cid
    assert event["data"]["cpu"]["usage"]["total"] > 0
    ps = v2("ps", "--format", "json", cid)
    pids = ps.json()
    assert pid in pids and len(pids) == 2
