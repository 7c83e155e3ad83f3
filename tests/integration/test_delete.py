"""``delete [--force] ID`` (runtime.md "Delete"): only a stopped container
may be deleted without --force, and deleting removes everything create made
(state dir, cgroups); a refused delete has no effect at all."""
import os
import signal

import pytest

from support import asserts, proc
from support.config import base_config


def sh_family():
    return base_config(["sh", "-c", "sleep 100 & sleep 100 & wait"])


def _cgroup_dirs(pid):
    """Host cgroup directories of *pid* for the v1 controllers."""
    cg = proc.host_cgroups(pid)
    return [proc.cgroup_dir(c, cg[c]) for c in proc.v1_controllers() if c in cg]


def _assert_gone(rt, cid, cgroup_dirs=()):
    asserts.not_exist(rt.runtime("state", cid))
    assert cid not in os.listdir(rt.root) if rt.root.exists() else True
    left = [str(d) for d in cgroup_dirs if d.exists()]
    assert not left, f"cgroups not removed by delete: {left}"


def test_delete_a_stopped_container(rt):
    res = rt.create(base_config(["sleep", "100"]))
    rt.start(res.cid)
    pid = rt.state(res.cid)["pid"]
    dirs = _cgroup_dirs(pid)
    assert dirs and all(d.is_dir() for d in dirs)
    rt.kill(res.cid, "KILL")
    rt.wait_status(res.cid, "stopped")
    r = asserts.ok(rt.runtime("delete", res.cid), "delete")
    assert r.out == ""
    _assert_gone(rt, res.cid, dirs)


def test_delete_after_the_process_exited_by_itself(rt):
    res = rt.create(base_config(["sleep", "100"]))
    dirs = _cgroup_dirs(rt.state(res.cid)["pid"])
    rt.start(res.cid)
    rt.kill(res.cid, "KILL")
    rt.wait_status(res.cid, "stopped")
    asserts.ok(rt.runtime("delete", res.cid), "delete")
    _assert_gone(rt, res.cid, dirs)


def test_delete_after_init_was_killed_from_outside(rt):
    res = rt.create(base_config(["sleep", "100"]))
    rt.start(res.cid)
    pid = rt.state(res.cid)["pid"]
    dirs = _cgroup_dirs(pid)
    os.kill(pid, signal.SIGKILL)
    proc.wait_for(lambda: proc.is_gone(pid), what="init to die")
    asserts.ok(rt.runtime("delete", res.cid), "delete")
    _assert_gone(rt, res.cid, dirs)


@pytest.mark.runc_differs("runc deletes a created container without --force (runtime.md says "
                          "deleting a container that is not stopped MUST have no effect)")
def test_delete_created_without_force_fails_without_effect(rt):
    res = rt.create(base_config(["sleep", "100"]))
    before = rt.state(res.cid)
    asserts.error(rt.runtime("delete", res.cid))
    after = rt.state(res.cid)
    assert after["status"] == "created"
    assert after["pid"] == before["pid"]
    assert proc.is_alive(after["pid"])
    assert all(d.is_dir() for d in _cgroup_dirs(after["pid"]))
    # and it still starts
    rt.start(res.cid)
    assert rt.status(res.cid) == "running"


def test_delete_running_without_force_fails_without_effect(rt):
    cid, pid = rt.started_container(base_config(["sleep", "100"]))
    asserts.error(rt.runtime("delete", cid))
    st = rt.state(cid)
    assert st["status"] == "running" and st["pid"] == pid
    assert proc.is_alive(pid)
    assert all(d.is_dir() for d in _cgroup_dirs(pid))


@pytest.mark.parametrize("flag", ["--force", "-f", "--force=true"])
def test_force_delete_of_a_running_container(rt, flag):
    cid, pid = rt.started_container(base_config(["sleep", "100"]))
    started = proc.start_time(pid)
    dirs = _cgroup_dirs(pid)
    asserts.ok(rt.runtime("delete", flag, cid), f"delete {flag}")
    proc.wait_for(lambda: proc.is_gone(pid, started), what="init to be killed")
    _assert_gone(rt, cid, dirs)


def test_force_delete_kills_every_process(rt):
    cid, pid = rt.started_container(sh_family())
    ctrl = "pids" if "pids" in proc.cgroup_mounts() else proc.v1_controllers()[0]
    path = proc.host_cgroups(pid)[ctrl]
    procs = proc.wait_for(lambda: (lambda p: p if p and len(p) == 3 else None)(proc.cgroup_procs(ctrl, path)),
                          what="three processes")
    started = {p: proc.start_time(p) for p in procs}
    for p in procs:
        rt.record_pid(p)
    asserts.ok(rt.runtime("delete", "--force", cid), "delete --force")
    for p in procs:
        proc.wait_for(lambda p=p: proc.is_gone(p, started[p]), what=f"{p} to die")
    _assert_gone(rt, cid, [proc.cgroup_dir(ctrl, path)])


def test_force_delete_of_a_created_container(rt):
    res = rt.create(base_config(["sleep", "100"]))
    pid = rt.state(res.cid)["pid"]
    dirs = _cgroup_dirs(pid)
    asserts.ok(rt.runtime("delete", "--force", res.cid), "delete --force")
    proc.wait_for(lambda: proc.is_gone(pid), what="init to be killed")
    _assert_gone(rt, res.cid, dirs)


def test_delete_unknown_container(rt):
    asserts.not_exist(rt.runtime("delete", rt.new_id()))


def test_force_delete_of_an_unknown_container_succeeds_like_runc(rt):
    """runc: ``delete --force`` of a missing container is not an error (engines
    call it to make sure a container is gone)."""
    res = rt.runtime("delete", "--force", rt.new_id())
    assert res.rc == 0, str(res)


def test_delete_twice(rt):
    res = rt.create(base_config(["true"]))
    rt.start(res.cid)
    rt.wait_status(res.cid, "stopped")
    asserts.ok(rt.runtime("delete", res.cid), "delete")
    asserts.not_exist(rt.runtime("delete", res.cid))


def test_id_can_be_reused_after_delete(rt):
    res = rt.create(base_config(["true"]))
    rt.start(res.cid)
    rt.wait_status(res.cid, "stopped")
    rt.delete(res.cid)
    again = rt.create(base_config(["sleep", "100"]), cid=res.cid)
    assert rt.status(again.cid) == "created"
    assert rt.state(again.cid)["bundle"] == str(again.extra["bundle"])


def test_delete_force_under_a_foreground_run(rt):
    """Another ``delete --force`` kills and removes the container a
    foreground ``run`` waits for: the run exits with the kill's status
    (128+9) and no error, as runc's does."""
    sp = rt.spawn_run(base_config(["sleep", "100"]))
    rt.wait_status(sp.cid, "running")
    asserts.ok(rt.runtime("delete", "--force", sp.cid), "delete --force")
    res = sp.wait()
    assert res.rc == 128 + signal.SIGKILL, str(res)
    assert res.err == "", str(res)
    _assert_gone(rt, sp.cid)
