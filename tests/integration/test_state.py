"""``state``: the spec's state object, with a status derived from live facts
(runtime.md "State", "Query State")."""
import os
import re
import signal

import pytest

from support import asserts, proc, schema
from support.config import base_config

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def _check_common(rt, st, cid, bundle):
    schema.assert_valid("state-schema.json", st)
    assert st["id"] == cid
    assert st["bundle"] == str(bundle)
    assert os.path.isabs(st["bundle"])
    if not rt.is_runc:
        assert st["ociVersion"] == "1.3.0"


def test_state_of_a_created_container(rt):
    res = rt.create(base_config(["sleep", "100"]))
    r = asserts.ok(rt.runtime("state", res.cid), "state")
    st = r.json()
    _check_common(rt, st, res.cid, res.extra["bundle"])
    assert st["status"] == "created"
    assert isinstance(st["pid"], int) and st["pid"] > 0
    assert proc.is_alive(st["pid"])
    assert r.err == ""


def test_state_extra_fields_like_runc(rt):
    res = rt.create(base_config(["sleep", "100"]))
    st = rt.state(res.cid)
    assert st["rootfs"] == str(res.extra["bundle"] / "rootfs")
    assert RFC3339.match(st["created"]), st["created"]
    assert isinstance(st.get("owner"), str)


def test_state_of_a_running_container(rt):
    res = rt.create(base_config(["sleep", "100"]))
    rt.start(res.cid)
    st = rt.state(res.cid)
    _check_common(rt, st, res.cid, res.extra["bundle"])
    assert st["status"] == "running"
    assert proc.cmdline(st["pid"]) == [b"sleep", b"100"]


def test_state_of_a_stopped_container(rt):
    res = rt.create(base_config(["true"]))
    rt.start(res.cid)
    rt.wait_status(res.cid, "stopped")
    st = rt.state(res.cid)
    _check_common(rt, st, res.cid, res.extra["bundle"])


def test_annotations_are_reported(rt):
    cfg = base_config(["sleep", "100"])
    cfg["annotations"] = {"org.pyrunc.test": "yes", "com.example.empty": ""}
    res = rt.create(cfg)
    st = rt.state(res.cid)
    assert st.get("annotations") == cfg["annotations"]


def test_status_is_derived_from_the_live_process(rt):
    """After the init is SIGKILLed from outside, state says stopped without
    any other runtime command in between."""
    res = rt.create(base_config(["sleep", "100"]))
    rt.start(res.cid)
    pid = rt.state(res.cid)["pid"]
    os.kill(pid, signal.SIGKILL)
    proc.wait_for(lambda: proc.is_gone(pid), what="init to die")
    assert rt.state(res.cid)["status"] == "stopped"


def test_created_container_whose_init_died_is_stopped(rt):
    res = rt.create(base_config(["sleep", "100"]))
    pid = rt.state(res.cid)["pid"]
    os.kill(pid, signal.SIGKILL)
    proc.wait_for(lambda: proc.is_gone(pid), what="init to die")
    assert rt.state(res.cid)["status"] == "stopped"


def test_state_of_an_unknown_container(rt):
    asserts.not_exist(rt.runtime("state", rt.new_id()))


def test_state_without_an_id_fails(rt):
    res = rt.runtime("state")
    assert res.rc == 1, str(res)
    assert not asserts.TRACEBACK.search(res.err)


@pytest.mark.parametrize("spelling", ["--root={root}", "-root={root}", "-root {root}"])
def test_root_flag_spellings(rt, spelling):
    res = rt.create(base_config(["sleep", "100"]))
    global_args = spelling.format(root=rt.root).split(" ")
    r = rt.runtime("state", res.cid, root=False, global_args=global_args)
    asserts.ok(r, f"state with {global_args}")
    assert r.json()["id"] == res.cid
