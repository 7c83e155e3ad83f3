"""Where the container's processes go in the cgroup v1 hierarchies, and
that delete removes what create made (config-linux.md "cgroupsPath").

Contract: no cgroupsPath -> ``/<id>`` under each hierarchy; an absolute path
is taken from each hierarchy's root; a relative one is placed under each
hierarchy's root too (runc places relative paths, and the default, under its
own cgroup instead: the spec lets the runtime choose).
"""
import os
import signal

import pytest

from support import asserts, proc
from support.config import base_config, remove_namespace

RUNC_RELATIVE = ("runc puts default and relative cgroup paths under its own cgroup "
                 "(memory:/process_api/... here), not under the hierarchy root")


def _placement(pid):
    cg = proc.host_cgroups(pid)
    return {c: cg.get(c) for c in proc.v1_controllers()}


def _assert_placed(pid, path):
    placed = _placement(pid)
    wrong = {c: p for c, p in placed.items() if p != path}
    assert not wrong, f"expected every v1 controller at {path}, got {wrong}"
    for c in placed:
        procs = proc.cgroup_procs(c, path)
        assert procs is not None, f"{proc.cgroup_dir(c, path)} does not exist"
        assert pid in procs, f"init {pid} not in {proc.cgroup_dir(c, path)}/cgroup.procs: {procs}"


def _assert_removed(path):
    left = [str(proc.cgroup_dir(c, path)) for c in proc.v1_controllers() if proc.cgroup_dir(c, path).exists()]
    assert not left, f"cgroups not removed: {left}"


@pytest.mark.runc_differs(RUNC_RELATIVE)
def test_default_placement_is_slash_id(rt):
    res = rt.create(base_config(["sleep", "100"]))
    pid = rt.state(res.cid)["pid"]
    _assert_placed(pid, f"/{res.cid}")


def test_created_container_is_already_in_its_cgroup(rt):
    """Placement happens at create, before the user process runs."""
    res = rt.create(base_config(["sleep", "100"]))
    pid = rt.state(res.cid)["pid"]
    placed = _placement(pid)
    assert all(p.endswith("/" + res.cid) for p in placed.values()), placed


@pytest.mark.runc_differs(RUNC_RELATIVE)
def test_container_sees_its_cgroup_without_a_cgroup_namespace(rt):
    cfg = remove_namespace(base_config(["cat", "/proc/self/cgroup"]), "cgroup")
    cid = rt.new_id()
    out = rt.output(cfg, cid=cid)
    inside = {}
    for line in out.splitlines():
        _, ctrls, path = line.split(":", 2)
        for c in ctrls.split(","):
            inside[c] = path
    for c in proc.v1_controllers():
        assert inside.get(c) == f"/{cid}", f"{c}: {inside.get(c)}"


def test_cgroup_namespace_hides_the_path(rt):
    out = rt.output(base_config(["cat", "/proc/self/cgroup"]))
    assert {line.split(":", 2)[2] for line in out.splitlines()} == {"/"}


def test_absolute_cgroups_path(rt):
    path = rt.cgroups_path()
    cfg = base_config(["sleep", "100"])
    cfg["linux"]["cgroupsPath"] = path
    res = rt.create(cfg)
    pid = rt.state(res.cid)["pid"]
    _assert_placed(pid, path)
    asserts.ok(rt.runtime("delete", "--force", res.cid), "delete --force")
    _assert_removed(path)


@pytest.mark.runc_differs("runc removes only the leaf cgroup and leaves the parents it created")
def test_nested_absolute_cgroups_path_removes_the_parents_it_created(rt):
    path = rt.cgroups_path(nested=True)
    parent = path.rsplit("/", 1)[0]
    cfg = base_config(["sleep", "100"])
    cfg["linux"]["cgroupsPath"] = path
    res = rt.create(cfg)
    rt.start(res.cid)
    pid = rt.state(res.cid)["pid"]
    _assert_placed(pid, path)
    rt.kill(res.cid, "KILL")
    rt.wait_status(res.cid, "stopped")
    asserts.ok(rt.runtime("delete", res.cid), "delete")
    _assert_removed(path)
    # the parent did not exist before: the container made it, and nothing of
    # the container's may be left behind (compare the pre-existing case below)
    for c in proc.v1_controllers():
        assert not proc.cgroup_dir(c, parent).exists(), f"{c}: parent {parent} left behind"


def test_preexisting_parent_cgroup_is_never_removed(rt):
    """runtime.md: resources associated with the container but not created
    by it MUST NOT be deleted."""
    path = rt.cgroups_path(nested=True)
    parent = path.rsplit("/", 1)[0]
    for c in proc.v1_controllers():
        proc.cgroup_dir(c, parent).mkdir()
    cfg = base_config(["true"])
    cfg["linux"]["cgroupsPath"] = path
    res = rt.run(cfg)
    assert res.rc == 0, str(res)
    _assert_removed(path)
    gone = [c for c in proc.v1_controllers() if not proc.cgroup_dir(c, parent).is_dir()]
    assert not gone, f"pre-existing parent {parent} removed in {gone}"


@pytest.mark.runc_differs(RUNC_RELATIVE)
def test_relative_cgroups_path(rt):
    rel = rt.cgroups_path(relative=True)
    cfg = base_config(["sleep", "100"])
    cfg["linux"]["cgroupsPath"] = rel
    res = rt.create(cfg)
    pid = rt.state(res.cid)["pid"]
    _assert_placed(pid, "/" + rel)


def test_cgroups_removed_when_a_stopped_container_is_deleted(rt):
    cid, pid = rt.started_container(base_config(["sleep", "100"]))
    cg = _placement(pid)
    rt.kill(cid, "KILL")
    rt.wait_status(cid, "stopped")
    rt.delete(cid)
    left = [c for c, p in cg.items() if proc.cgroup_dir(c, p).exists()]
    assert not left, f"left in {left}"


def test_cgroups_removed_after_outside_sigkill_and_delete(rt):
    cid, pid = rt.started_container(base_config(["sleep", "100"]))
    cg = _placement(pid)
    os.kill(pid, signal.SIGKILL)
    proc.wait_for(lambda: proc.is_gone(pid), what="init to die")
    rt.delete(cid)
    left = [c for c, p in cg.items() if proc.cgroup_dir(c, p).exists()]
    assert not left, f"left in {left}"


def test_children_share_the_cgroup(rt):
    cid, pid = rt.started_container(base_config(["sh", "-c", "sleep 100 & wait"]))
    cg = _placement(pid)
    ctrl = next(iter(cg))
    procs = proc.wait_for(lambda: (lambda p: p if p and len(p) == 2 else None)(proc.cgroup_procs(ctrl, cg[ctrl])),
                          what="init and child in the cgroup")
    child = [p for p in procs if p != pid][0]
    rt.record_pid(child)
    assert _placement(child) == cg


def test_two_containers_get_distinct_cgroups(rt):
    a, pa = rt.started_container(base_config(["sleep", "100"]))
    b, pb = rt.started_container(base_config(["sleep", "100"]))
    ca, cb = _placement(pa), _placement(pb)
    assert all(ca[c] != cb[c] for c in ca)
