"""``update``: runc's flags and ``--resources FILE|-`` (the JSON object
containerd's shim writes to stdin: ``update --resources=- ID``), read back
from the cgroup files; the new values are kept in the container's state."""
import json

import pytest

from cgroup_support import running, v1_only, v1_read, v2_read, with_resources
from support import asserts
from support.config import base_config

MiB = 1 << 20

# What containerd's runc shim sends on an UpdateContainerResources from the
# kubelet (go-runc ``Update``: json.Encoder of a specs.LinuxResources, so
# one line and a newline; unset pointers are omitted, the device rules of
# the spec come along).
CONTAINERD_V1 = {
    "devices": [{"allow": False, "access": "rwm"}, {"allow": True, "type": "c", "major": 10, "minor": 229,
                                                     "access": "rwm"}],
    "memory": {"limit": 256 * MiB, "swap": 256 * MiB},
    "cpu": {"shares": 512, "quota": 50000, "period": 100000},
    "pids": {"limit": 200},
}


def _container(rt, resources=None):
    res = {"memory": {"limit": 64 * MiB, "swap": 128 * MiB}, "cpu": {"shares": 1024}, "pids": {"limit": 50},
           "devices": [{"allow": False, "access": "rwm"}]}
    if resources:
        res.update(resources)
    return running(rt, with_resources(base_config(["sleep", "100"]), res))


def _stored(rt, cid):
    with open(f"{rt.root}/{cid}/state.json") as f:
        return json.load(f)["config"]["linux"]["resources"]


@v1_only
def test_v1_flags(rt):
    cid, _ = _container(rt)
    asserts.ok(rt.runtime("update", "--memory", "96m", "--memory-swap", "192m", "--memory-reservation", "32m",
                          "--cpu-share", "300", "--cpu-quota", "30000", "--cpu-period", "150000",
                          "--cpu-burst", "5000", "--cpuset-cpus", "0", "--cpuset-mems", "0",
                          "--pids-limit", "77", "--blkio-weight", "250", cid), "update")
    p = f"/{cid}"
    assert v1_read("memory", p, "memory.limit_in_bytes") == str(96 * MiB)
    assert v1_read("memory", p, "memory.memsw.limit_in_bytes") == str(192 * MiB)
    assert v1_read("memory", p, "memory.soft_limit_in_bytes") == str(32 * MiB)
    assert v1_read("cpu", p, "cpu.shares") == "300"
    assert v1_read("cpu", p, "cpu.cfs_quota_us") == "30000"
    assert v1_read("cpu", p, "cpu.cfs_period_us") == "150000"
    assert v1_read("cpu", p, "cpu.cfs_burst_us") == "5000"
    assert v1_read("cpuset", p, "cpuset.cpus") == "0"
    assert v1_read("pids", p, "pids.max") == "77"
    assert v1_read("blkio", p, "blkio.bfq.weight") == "250"


@v1_only
def test_v1_growing_memory_and_swap_together(rt):
    """memsw must stay >= the limit at every step: growing both past the
    old memsw needs swap first (runc's order)."""
    cid, _ = _container(rt)
    asserts.ok(rt.runtime("update", "--memory", "512m", "--memory-swap", "1g", cid), "update")
    assert v1_read("memory", f"/{cid}", "memory.limit_in_bytes") == str(512 * MiB)
    assert v1_read("memory", f"/{cid}", "memory.memsw.limit_in_bytes") == str(1024 * MiB)
    asserts.ok(rt.runtime("update", "--memory", "32m", "--memory-swap", "48m", cid), "update")
    assert v1_read("memory", f"/{cid}", "memory.limit_in_bytes") == str(32 * MiB)
    assert v1_read("memory", f"/{cid}", "memory.memsw.limit_in_bytes") == str(48 * MiB)


@v1_only
def test_v1_containerd_resources_on_stdin(rt):
    cid, _ = _container(rt)
    before = v1_read("devices", f"/{cid}", "devices.list")
    res = rt.runtime("update", "--resources=-", cid, stdin=json.dumps(CONTAINERD_V1) + "\n")
    asserts.ok(res, "update --resources=-")
    p = f"/{cid}"
    assert v1_read("memory", p, "memory.limit_in_bytes") == str(256 * MiB)
    assert v1_read("memory", p, "memory.memsw.limit_in_bytes") == str(256 * MiB)
    assert v1_read("cpu", p, "cpu.shares") == "512"
    assert v1_read("cpu", p, "cpu.cfs_quota_us") == "50000"
    assert v1_read("pids", p, "pids.max") == "200"
    # device rules are never changed by update (as runc): no 10:229 here
    assert v1_read("devices", p, "devices.list") == before


@v1_only
def test_v1_resources_from_a_file_and_flags_are_then_ignored(rt, tmp_path):
    cid, _ = _container(rt)
    f = tmp_path / "r.json"
    f.write_text(json.dumps({"pids": {"limit": 33}}))
    res = rt.runtime("update", "-r", str(f), "--pids-limit", "99", cid)
    asserts.ok(res, "update -r FILE")
    assert v1_read("pids", f"/{cid}", "pids.max") == "33"
    assert "ignoring --pids-limit" in res.err


@v1_only
def test_v1_zero_leaves_values_unchanged_as_in_runc(rt):
    cid, _ = _container(rt)
    res = rt.runtime("update", "--resources", "-", cid,
                     stdin=json.dumps({"memory": {"limit": 0, "swap": 0}, "cpu": {"shares": 0, "quota": 0}}))
    asserts.ok(res, "update")
    assert v1_read("memory", f"/{cid}", "memory.limit_in_bytes") == str(64 * MiB)
    assert v1_read("cpu", f"/{cid}", "cpu.shares") == "1024"


@v1_only
def test_v1_quota_alone_keeps_the_period(rt):
    cid, _ = _container(rt, {"cpu": {"quota": 20000, "period": 50000}})
    asserts.ok(rt.runtime("update", "--cpu-quota", "40000", cid), "update")
    assert v1_read("cpu", f"/{cid}", "cpu.cfs_quota_us") == "40000"
    assert v1_read("cpu", f"/{cid}", "cpu.cfs_period_us") == "50000"


@v1_only
def test_v1_check_before_update(rt):
    cid, _ = _container(rt)
    res = rt.runtime("update", "-r", "-", cid, stdin=json.dumps(
        {"memory": {"limit": 4096, "swap": 8192, "checkBeforeUpdate": True}}))
    asserts.error(res, "checkBeforeUpdate", "usage")
    assert v1_read("memory", f"/{cid}", "memory.limit_in_bytes") == str(64 * MiB)


@v1_only
def test_v1_update_of_a_paused_and_of_a_created_container(rt):
    cid, _ = _container(rt)
    asserts.ok(rt.runtime("pause", cid), "pause")
    asserts.ok(rt.runtime("update", "--pids-limit", "12", cid), "update paused")
    assert v1_read("pids", f"/{cid}", "pids.max") == "12"
    assert rt.status(cid) == "paused"
    created = rt.create(with_resources(base_config(["sleep", "100"]), {"pids": {"limit": 5}}))
    asserts.ok(rt.runtime("update", "--pids-limit", "13", created.cid), "update created")
    assert v1_read("pids", f"/{created.cid}", "pids.max") == "13"


def test_new_values_are_kept_in_the_state(rt):
    cid, _ = _container(rt)
    asserts.ok(rt.runtime("update", "--pids-limit", "44", "--cpu-share", "700", cid), "update")
    stored = _stored(rt, cid)
    assert stored["pids"] == {"limit": 44}
    assert stored["cpu"]["shares"] == 700
    assert stored["memory"] == {"limit": 64 * MiB, "swap": 128 * MiB}   # untouched values stay
    assert stored["devices"] == [{"allow": False, "access": "rwm"}]


def test_update_of_a_stopped_container_is_refused(rt):
    cid, _ = running(rt, base_config(["true"]))
    rt.wait_status(cid, "stopped")
    asserts.error(rt.runtime("update", "--pids-limit", "5", cid), "not running")


def test_update_of_a_missing_container(rt):
    asserts.not_exist(rt.runtime("update", "--pids-limit", "5", rt.new_id()))


@pytest.mark.parametrize("stdin, fragments", [
    ("{not json", ("not valid JSON",)),
    ("[1, 2]", ("must be a JSON object",)),
    ('{"memory": {"limit": "lots"}}', ("linux.resources.memory.limit", "integer")),
    ('{"cpu": {"cpus": 0}}', ("linux.resources.cpu.cpus", "string")),
])
def test_bad_resources_input_is_a_clear_error(rt, stdin, fragments):
    cid, _ = _container(rt)
    asserts.error(rt.runtime("update", "--resources", "-", cid, stdin=stdin), *fragments)


@pytest.mark.parametrize("flags, fragment", [
    (("--memory", "lots"), "invalid value for memory"),
    (("--cpu-share", "x"), "invalid value for cpu-share"),
    (("--resources", "/nonexistent/r.json"), "cannot read"),
])
def test_bad_flags_are_clear_errors(rt, flags, fragment):
    cid, _ = _container(rt)
    asserts.error(rt.runtime("update", *flags, cid), fragment)


# --- v2 (test VM) ---------------------------------------------------------------

@pytest.mark.cgroup2("memory", "cpu", "pids")
def test_v2_flags_are_converted(rt):
    cid, _ = _container(rt)
    asserts.ok(rt.runtime("update", "--memory", "96m", "--memory-swap", "192m", "--cpu-share", "2000",
                          "--cpu-quota", "30000", "--cpu-period", "150000", "--pids-limit", "77", cid), "update")
    p = f"/{cid}"
    assert v2_read(p, "memory.max") == str(96 * MiB)
    assert v2_read(p, "memory.swap.max") == str(96 * MiB)
    assert v2_read(p, "cpu.weight") == "170"
    assert v2_read(p, "cpu.max") == "30000 150000"
    assert v2_read(p, "pids.max") == "77"


@pytest.mark.cgroup2("memory", "cpu", "pids")
def test_v2_containerd_resources_on_stdin(rt):
    cid, _ = _container(rt)
    payload = dict(CONTAINERD_V1, unified={"memory.high": str(200 * MiB)})
    asserts.ok(rt.runtime("update", "--resources=-", cid, stdin=json.dumps(payload) + "\n"), "update")
    p = f"/{cid}"
    assert v2_read(p, "memory.max") == str(256 * MiB)
    assert v2_read(p, "memory.swap.max") == "0"
    assert v2_read(p, "memory.high") == str(200 * MiB)
    assert v2_read(p, "cpu.weight") == "59"
    assert v2_read(p, "cpu.max") == "50000 100000"
    assert v2_read(p, "pids.max") == "200"


@pytest.mark.cgroup2("cpu")
def test_v2_period_alone_keeps_the_quota(rt):
    cid, _ = _container(rt, {"cpu": {"quota": 20000, "period": 50000}})
    asserts.ok(rt.runtime("update", "--cpu-period", "100000", cid), "update")
    assert v2_read(f"/{cid}", "cpu.max") == "20000 100000"
