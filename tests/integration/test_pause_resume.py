"""``pause`` / ``resume``: the v1 freezer (freezer.state) here, the v2
cgroup.freeze in the VM (cgroup2; test_cgroup_v2_here.py runs the v2 code
on this host too); ``kill --all`` and ``delete --force`` of a paused
container."""
import time

import pytest

from cgroup_support import running, v1_only, v1_read, v2_read
from support import asserts, proc
from support.config import base_config, sh


def _tasks_state(pid):
    return proc.proc_state(pid)


@v1_only
def test_v1_pause_freezes_and_resume_thaws(rt):
    cid, pid = running(rt, base_config(["sh", "-c", "sleep 100 & sleep 100"]))
    asserts.ok(rt.runtime("pause", cid), "pause")
    assert v1_read("freezer", f"/{cid}", "freezer.state") == "FROZEN"
    assert rt.status(cid) == "paused"
    # every task of the container is frozen, not just the init
    for p in proc.cgroup_procs("freezer", f"/{cid}"):
        assert _tasks_state(p) in ("D", "S"), (p, _tasks_state(p))
    asserts.ok(rt.runtime("resume", cid), "resume")
    assert v1_read("freezer", f"/{cid}", "freezer.state") == "THAWED"
    assert rt.status(cid) == "running"


@v1_only
def test_v1_a_paused_container_makes_no_progress(rt, tmp_path):
    out = tmp_path / "ticks"
    out.touch()
    cfg = sh("while true; do echo t >> /ticks/t; sleep 0.02; done")
    cfg["mounts"].append({"destination": "/ticks", "type": "bind", "source": str(tmp_path), "options": ["rbind"]})
    (tmp_path / "t").touch()
    cid, _ = running(rt, cfg)
    proc.wait_for(lambda: (tmp_path / "t").stat().st_size > 0, what="ticks")
    asserts.ok(rt.runtime("pause", cid), "pause")
    time.sleep(0.1)
    size = (tmp_path / "t").stat().st_size
    time.sleep(0.5)
    assert (tmp_path / "t").stat().st_size == size, "a paused container kept running"
    asserts.ok(rt.runtime("resume", cid), "resume")
    proc.wait_for(lambda: (tmp_path / "t").stat().st_size > size, what="ticks after resume")


def test_pause_of_a_created_container_is_refused(rt):
    res = rt.create(base_config(["sleep", "100"]))
    asserts.error(rt.runtime("pause", res.cid), "not running")
    assert rt.status(res.cid) == "created"


def test_resume_of_a_running_container_is_refused(rt):
    cid, _ = running(rt, base_config(["sleep", "100"]))
    asserts.error(rt.runtime("resume", cid), "not paused")


def test_pause_twice_is_refused(rt):
    cid, _ = running(rt, base_config(["sleep", "100"]))
    asserts.ok(rt.runtime("pause", cid), "pause")
    asserts.error(rt.runtime("pause", cid), "not running")
    assert rt.status(cid) == "paused"


def test_pause_of_a_stopped_container_is_refused(rt):
    cid, pid = running(rt, base_config(["true"]))
    rt.wait_status(cid, "stopped")
    asserts.error(rt.runtime("pause", cid), "not running")


def test_pause_of_a_missing_container(rt):
    asserts.not_exist(rt.runtime("pause", rt.new_id()))


def test_kill_all_of_a_paused_container(rt):
    cid, pid = running(rt, base_config(["sh", "-c", "sleep 100 & sleep 100"]))
    asserts.ok(rt.runtime("pause", cid), "pause")
    asserts.ok(rt.runtime("kill", "--all", cid, "KILL"), "kill --all")
    proc.wait_for(lambda: proc.is_gone(pid), what="init to die")
    rt.wait_status(cid, "stopped")
    asserts.ok(rt.runtime("delete", cid), "delete")


def test_kill_term_of_a_paused_container_is_delivered_on_resume(rt):
    """A paused container stays paused on a non-fatal signal; it gets it
    when it resumes."""
    cid, pid = running(rt, sh("trap 'exit 7' TERM; while true; do sleep 0.05; done"))
    asserts.ok(rt.runtime("pause", cid), "pause")
    asserts.ok(rt.runtime("kill", "--all", cid, "TERM"), "kill --all TERM")
    time.sleep(0.2)
    assert rt.status(cid) == "paused"
    asserts.ok(rt.runtime("resume", cid), "resume")
    rt.wait_status(cid, "stopped")


def test_delete_force_of_a_paused_container(rt):
    cid, pid = running(rt, base_config(["sh", "-c", "sleep 100 & sleep 100"]))
    asserts.ok(rt.runtime("pause", cid), "pause")
    asserts.ok(rt.runtime("delete", "--force", cid), "delete --force")
    assert proc.is_gone(pid)
    assert rt.runtime("state", cid).rc != 0


def test_delete_without_force_of_a_paused_container_is_refused(rt):
    cid, _ = running(rt, base_config(["sleep", "100"]))
    asserts.ok(rt.runtime("pause", cid), "pause")
    asserts.error(rt.runtime("delete", cid), "paused")
    assert rt.status(cid) == "paused"


@pytest.mark.cgroup2
def test_v2_pause_uses_cgroup_freeze(rt):
    cid, pid = running(rt, base_config(["sh", "-c", "sleep 100 & sleep 100"]))
    asserts.ok(rt.runtime("pause", cid), "pause")
    assert v2_read(f"/{cid}", "cgroup.freeze") == "1"
    assert "frozen 1" in v2_read(f"/{cid}", "cgroup.events")
    assert rt.status(cid) == "paused"
    asserts.ok(rt.runtime("resume", cid), "resume")
    assert "frozen 0" in v2_read(f"/{cid}", "cgroup.events")
    assert rt.status(cid) == "running"


@pytest.mark.cgroup2
def test_v2_kill_all_and_delete_force_when_paused(rt):
    cid, pid = running(rt, base_config(["sh", "-c", "sleep 100 & sleep 100"]))
    asserts.ok(rt.runtime("pause", cid), "pause")
    asserts.ok(rt.runtime("kill", "--all", cid, "KILL"), "kill --all")
    proc.wait_for(lambda: proc.is_gone(pid), what="init to die")
    cid2, pid2 = running(rt, base_config(["sleep", "100"]))
    asserts.ok(rt.runtime("pause", cid2), "pause")
    asserts.ok(rt.runtime("delete", "--force", cid2), "delete --force")
    assert proc.is_gone(pid2)
