"""``list [--format table|json] [-q]``: runc's table and JSON listings."""
import pytest

from support import asserts, schema
from support.config import base_config

HEADER = ["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"]


def _rows(out):
    lines = out.splitlines()
    assert lines, "list printed nothing (not even the header)"
    assert lines[0].split() == HEADER, f"header: {lines[0]!r}"
    return [ln.split() for ln in lines[1:] if ln.strip()]


def test_empty_root_table_is_the_header_only(rt):
    res = asserts.ok(rt.runtime("list"), "list")
    assert _rows(res.out) == []
    assert len(res.out.splitlines()) == 1


def test_missing_root_lists_nothing(rt):
    assert not rt.root.exists() or not list(rt.root.iterdir())
    res = asserts.ok(rt.runtime("list", root=False, global_args=["--root", rt.tmp / "never-made"]), "list")
    assert _rows(res.out) == []


@pytest.mark.parametrize("fmt", [["--format", "json"], ["-f", "json"], ["--format=json"]])
def test_empty_root_json_is_what_runc_prints(rt, fmt):
    """runc prints ``null`` (its encoding of an empty Go slice)."""
    res = asserts.ok(rt.runtime("list", *fmt), "list json")
    assert res.out.strip() == "null", res.out


def test_empty_root_quiet_prints_nothing(rt):
    res = asserts.ok(rt.runtime("list", "-q"), "list -q")
    assert res.out == ""


def _three(rt):
    """A created, a running and a stopped container."""
    created = rt.create(base_config(["sleep", "100"]))
    running = rt.create(base_config(["sleep", "100"]))
    rt.start(running.cid)
    stopped = rt.create(base_config(["true"]))
    rt.start(stopped.cid)
    rt.wait_status(stopped.cid, "stopped")
    return {"created": created, "running": running, "stopped": stopped}


def test_table_lists_every_container(rt):
    cs = _three(rt)
    rows = {r[0]: r for r in _rows(asserts.ok(rt.runtime("list"), "list").out)}
    assert set(rows) == {c.cid for c in cs.values()}
    for status, res in cs.items():
        st = rt.state(res.cid)
        row = rows[res.cid]
        assert row[1] == str(st.get("pid", 0)) or (status == "stopped" and row[1] == "0"), row
        assert row[2] == status
        assert row[3] == str(res.extra["bundle"])
        assert row[4] == st["created"]
        assert row[5] == "root"


@pytest.mark.parametrize("fmt", [["--format", "json"], ["-f", "json"]])
def test_json_lists_state_objects(rt, fmt):
    cs = _three(rt)
    res = asserts.ok(rt.runtime("list", *fmt), "list json")
    items = res.json()
    assert isinstance(items, list)
    by_id = {i["id"]: i for i in items}
    assert set(by_id) == {c.cid for c in cs.values()}
    for status, c in cs.items():
        item = by_id[c.cid]
        schema.assert_valid("state-schema.json", item)
        assert item["status"] == status
        assert item["bundle"] == str(c.extra["bundle"])
        if status != "stopped":
            assert item["pid"] == rt.state(c.cid)["pid"]


@pytest.mark.parametrize("flag", ["-q", "--quiet"])
def test_quiet_prints_ids_only(rt, flag):
    cs = _three(rt)
    res = asserts.ok(rt.runtime("list", flag), "list -q")
    assert sorted(res.out.splitlines()) == sorted(c.cid for c in cs.values())


def test_table_format_is_explicitly_accepted(rt):
    res = rt.create(base_config(["sleep", "100"]))
    out = asserts.ok(rt.runtime("list", "--format", "table"), "list table").out
    assert [r[0] for r in _rows(out)] == [res.cid]


def test_unknown_format_is_an_error(rt):
    asserts.error(rt.runtime("list", "--format", "yaml"))
