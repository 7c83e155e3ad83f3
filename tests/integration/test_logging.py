"""Global flags: --log / --log-format / --debug, --version,
--systemd-cgroup, and the error contract (one line, exit 1, no traceback)."""
import json
import re

import pytest

from support import asserts
from support.config import base_config, sh

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def _json_lines(path):
    lines = [ln for ln in path.read_text().splitlines() if ln.strip()]
    return [json.loads(ln) for ln in lines]


def test_error_goes_to_the_json_log(rt):
    log = rt.tmp / "log.json"
    res = rt.runtime("state", rt.new_id(), global_args=["--log", log, "--log-format", "json"])
    assert res.rc == 1, str(res)
    assert not asserts.TRACEBACK.search(res.err)
    entries = _json_lines(log)
    errors = [e for e in entries if e.get("level") == "error"]
    assert errors, f"no error entry in {entries}"
    e = errors[-1]
    assert "container does not exist" in e["msg"]
    assert RFC3339.match(e["time"]), e["time"]
    assert set(e) >= {"level", "msg", "time"}


@pytest.mark.parametrize("spelling", [["--log={log}", "--log-format=json"], ["-log", "{log}", "-log-format", "json"]])
def test_log_flag_spellings(rt, spelling):
    log = rt.tmp / "log.json"
    args = [a.format(log=log) for a in spelling]
    res = rt.runtime("kill", rt.new_id(), global_args=args)
    assert res.rc == 1
    assert any("does not exist" in e["msg"] for e in _json_lines(log))


def test_text_log_file_gets_the_error(rt):
    log = rt.tmp / "log.txt"
    res = rt.runtime("state", rt.new_id(), global_args=["--log", log])
    assert res.rc == 1
    assert "container does not exist" in log.read_text()


def test_json_log_on_stderr_without_a_log_file(rt):
    res = rt.runtime("state", rt.new_id(), global_args=["--log-format", "json"])
    assert res.rc == 1
    lines = res.err_lines
    assert len(lines) == 1, str(res)
    entry = json.loads(lines[0])
    assert entry["level"] == "error" and "does not exist" in entry["msg"]


def test_invalid_log_format(rt):
    res = rt.runtime("list", global_args=["--log-format", "xml"])
    assert res.rc != 0, str(res)
    assert not asserts.TRACEBACK.search(res.err)


def test_debug_never_pollutes_the_containers_stdout(rt):
    log = rt.tmp / "debug.log"
    res = rt.runtime("run", "--bundle", rt.bundle(sh("echo only-this")), rt.new_id(),
                     global_args=["--debug", "--log", log])
    assert res.rc == 0, str(res)
    assert res.out == "only-this\n"


def test_debug_to_stderr_keeps_stdout_clean(rt):
    res = rt.runtime("run", "--bundle", rt.bundle(sh("echo only-this")), rt.new_id(), global_args=["--debug"])
    assert res.rc == 0, str(res)
    assert res.out == "only-this\n"


def test_successful_commands_are_quiet(rt):
    res = rt.create(base_config(["sleep", "100"]))
    assert res.out == "" and res.err == "", str(res)
    for r in (rt.start(res.cid), rt.kill(res.cid, "KILL")):
        assert r.out == "" and r.err == "", str(r)
    rt.wait_status(res.cid, "stopped")
    r = rt.delete(res.cid)
    assert r.out == "" and r.err == "", str(r)


def test_version(rt):
    res = asserts.ok(rt.runtime("--version", root=False), "--version")
    lines = res.out.splitlines()
    assert re.match(rf"^{re.escape(rt.runtime.name)} version \S+", lines[0]), lines
    spec = [ln for ln in lines if ln.startswith("spec: ")]
    assert spec, lines
    if not rt.is_runc:
        assert spec[0] == "spec: 1.3.0"


def test_version_short_flag(rt):
    res = asserts.ok(rt.runtime("-v", root=False), "-v")
    assert "version" in res.lines[0]


@pytest.mark.runc_differs("runc implements --systemd-cgroup")
def test_systemd_cgroup_is_refused_clearly(rt):
    cid = rt.new_id()
    res = rt.runtime("create", "--bundle", rt.bundle(base_config(["true"])), cid,
                     global_args=["--systemd-cgroup"])
    asserts.error(res, "not supported")
    asserts.not_exist(rt.runtime("state", cid))


def test_unknown_command(rt):
    res = rt.runtime("no-such-command")
    assert res.rc != 0
    assert not asserts.TRACEBACK.search(res.err)


def test_help_exits_zero(rt):
    res = asserts.ok(rt.runtime("--help", root=False), "--help")
    for verb in ("create", "start", "run", "state", "kill", "delete", "list", "spec"):
        assert verb in res.out
