"""``ps``: ``--format json`` is the JSON list of the container's host pids
(what containerd's shim parses: go-runc ``Ps`` does ``json.Unmarshal`` into
``[]int``), ``table`` is the host's ``ps -ef`` (or the given ps options)
filtered to those pids, header kept -- as runc."""
import json

import pytest

from cgroup_support import running
from support import asserts, proc
from support.config import base_config


def _two_processes(rt):
    cid, pid = running(rt, base_config(["sh", "-c", "sleep 100 & sleep 100"]))
    ctrl = proc.v1_controllers()[0] if proc.v1_controllers() else "unified"
    path = proc.host_cgroups(pid)[ctrl]
    pids = proc.wait_for(lambda: (lambda p: p if p and len(p) == 2 else None)(_procs(ctrl, path)),
                         what="init and its child")
    for p in pids:
        rt.record_pid(p)
    return cid, pid, sorted(pids)


def _procs(ctrl, path):
    if ctrl == "unified":
        try:
            return [int(x) for x in (proc.CGROUP_ROOT / path.lstrip("/") / "cgroup.procs").read_text().split()]
        except OSError:
            return None
    return proc.cgroup_procs(ctrl, path)


def test_json_is_the_list_of_host_pids(rt):
    cid, pid, pids = _two_processes(rt)
    res = rt.runtime("ps", "--format", "json", cid)
    asserts.ok(res, "ps --format json")
    got = json.loads(res.out)
    assert isinstance(got, list) and all(isinstance(p, int) for p in got)
    assert sorted(got) == pids and pid in got
    assert res.out.endswith("\n") and res.out.count("\n") == 1
    assert " " not in res.out, "runc (Go's encoder) writes no spaces: " + res.out


def test_json_short_flag(rt):
    cid, pid, pids = _two_processes(rt)
    assert sorted(rt.runtime("ps", "-f", "json", cid).json()) == pids


def test_json_of_a_stopped_container_is_null_as_runc(rt):
    cid, _ = running(rt, base_config(["true"]))
    rt.wait_status(cid, "stopped")
    res = rt.runtime("ps", "--format", "json", cid)
    asserts.ok(res, "ps")
    assert res.out == "null\n"


def test_json_of_a_created_container_is_its_init(rt):
    res = rt.create(base_config(["sleep", "100"]))
    pid = rt.state(res.cid)["pid"]
    assert rt.runtime("ps", "--format", "json", res.cid).json() == [pid]


def test_table_is_ps_ef_of_the_container_pids(rt):
    cid, pid, pids = _two_processes(rt)
    res = rt.runtime("ps", cid)
    asserts.ok(res, "ps")
    header, *rows = res.lines
    assert header.split()[:3] == ["UID", "PID", "PPID"]
    assert sorted(int(r.split()[1]) for r in rows) == pids
    assert all("sleep" in r for r in rows)


def test_table_with_ps_options(rt):
    cid, pid, pids = _two_processes(rt)
    res = rt.runtime("ps", cid, "-o", "pid,comm")
    asserts.ok(res, "ps -o")
    header, *rows = res.lines
    assert header.split() == ["PID", "COMMAND"]
    assert sorted(int(r.split()[0]) for r in rows) == pids


def test_table_with_options_after_double_dash(rt):
    cid, pid, pids = _two_processes(rt)
    res = rt.runtime("ps", cid, "--", "-o", "pid")
    asserts.ok(res, "ps -- -o pid")
    assert sorted(int(x) for x in res.lines[1:]) == pids


def test_ps_options_without_a_pid_column(rt):
    cid, _, _ = _two_processes(rt)
    asserts.error(rt.runtime("ps", cid, "-o", "comm"), "PID column")


def test_bad_format(rt):
    cid, _ = running(rt, base_config(["sleep", "100"]))
    asserts.error(rt.runtime("ps", "--format", "yaml", cid), "format")


def test_ps_of_a_missing_container(rt):
    asserts.not_exist(rt.runtime("ps", rt.new_id()))


@pytest.mark.cgroup2
def test_v2_json(rt):
    cid, pid, pids = _two_processes(rt)
    assert sorted(rt.runtime("ps", "--format", "json", cid).json()) == pids
