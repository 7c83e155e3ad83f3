"""``events``: ``--stats`` (one JSON object) and the stream (stats every
``--interval``, an ``oom`` event when the memory cgroup OOMs), shaped like
runc's (runc 1.1.5's output on this machine: types/events.go)."""
import signal
import time

import pytest

from cgroup_support import json_lines, running, v1_only, with_resources
from support import asserts, proc
from support.config import base_config, sh

MiB = 1 << 20
# OOM again and again: the events stream may start after the first OOM (a slow
# emulated VM takes seconds to start it), and an OOM it did not see is no event
OOM_LOOP = "while :; do tail /dev/zero; sleep 1; done"

# runc's types.Stats keys, in its order
STATS_KEYS = ["cpu", "cpuset", "memory", "pids", "blkio", "hugetlb", "intel_rdt", "network_interfaces"]
CPUSET_KEYS = {"cpu_exclusive", "mem_hardwall", "mem_exclusive", "memory_migrate", "memory_spread_page",
               "memory_spread_slab", "memory_pressure", "sched_load_balance", "sched_relax_domain_level"}


def _one_stats(rt, cid):
    res = rt.runtime("events", "--stats", cid)
    asserts.ok(res, "events --stats")
    events = json_lines(res.out)
    assert len(events) == 1 and res.out.count("\n") == 1, res.out
    return events[0]


def test_stats_shape_is_runcs(rt):
    cid, pid = running(rt, with_resources(base_config(["sh", "-c", "sleep 100 & sleep 100"]),
                                          {"memory": {"limit": 64 * MiB}, "pids": {"limit": 40}}))
    event = _one_stats(rt, cid)
    assert list(event) == ["type", "id", "data"]
    assert event["type"] == "stats" and event["id"] == cid
    data = event["data"]
    assert list(data) == STATS_KEYS
    assert data["intel_rdt"] == {} and data["network_interfaces"] is None
    assert set(data["cpu"]) >= {"usage", "throttling"}
    assert data["cpu"]["usage"]["total"] > 0
    assert {"kernel", "user"} <= set(data["cpu"]["usage"])
    assert CPUSET_KEYS <= set(data["cpuset"])
    for entry in ("usage", "swap", "kernel", "kernelTCP"):
        assert {"limit", "failcnt"} <= set(data["memory"][entry]), entry
    assert data["memory"]["usage"]["limit"] == 64 * MiB
    assert data["memory"]["usage"]["usage"] > 0
    assert data["pids"] == {"current": 2, "limit": 40}


@v1_only
def test_v1_stats_details(rt):
    cid, _ = running(rt, with_resources(base_config(["sleep", "100"]), {"cpu": {"cpus": "0"}}))
    data = _one_stats(rt, cid)["data"]
    assert data["cpuset"]["cpus"] == [0]
    assert len(data["cpu"]["usage"]["percpu"]) == len(data["cpu"]["usage"]["percpu_kernel"])
    assert "raw" in data["memory"] and "total_rss" in data["memory"]["raw"]
    assert all(set(v) <= {"usage", "max", "failcnt"} for v in data["hugetlb"].values())


def test_stats_of_a_created_container(rt):
    res = rt.create(base_config(["sleep", "100"]))
    assert _one_stats(rt, res.cid)["id"] == res.cid


def test_stats_of_a_stopped_container_is_refused(rt):
    cid, _ = running(rt, base_config(["true"]))
    rt.wait_status(cid, "stopped")
    asserts.error(rt.runtime("events", "--stats", cid), "not running")


def test_events_of_a_missing_container(rt):
    asserts.not_exist(rt.runtime("events", "--stats", rt.new_id()))


@pytest.mark.parametrize("interval", ["5", "fast", "-1s", "0"])
def test_bad_interval(rt, interval):
    cid, _ = running(rt, base_config(["sleep", "100"]))
    asserts.error(rt.runtime("events", "--interval", interval, cid), "interval")


def _lines(sp):
    """The complete lines the stream has written so far (the last one may
    still be half-written when the file is read)."""
    text = sp.read_out()
    return json_lines(text[:text.rfind("\n") + 1])


def test_stream_of_stats_ends_when_the_container_stops(rt):
    cid, pid = running(rt, base_config(["sleep", "100"]))
    sp = rt.spawn("events", "--interval", "100ms", cid)
    proc.wait_for(lambda: len(_lines(sp)) >= 3, timeout=10, what="three stats events")
    events = _lines(sp)
    assert all(e["type"] == "stats" and e["id"] == cid for e in events)
    assert all(list(e["data"]) == STATS_KEYS for e in events)
    # the stream holds no lock: kill and the container's end go through
    t0 = time.monotonic()
    rt.kill(cid, "KILL")
    assert time.monotonic() - t0 < 5
    res = sp.wait(timeout=10)
    assert res.rc == 0, str(res)


def test_oom_event(rt):
    """A process of the container is OOM-killed: an ``oom`` event, and the
    stream goes on while the container runs."""
    cid, _ = running(rt, with_resources(sh(OOM_LOOP), {"memory": {"limit": 32 * MiB, "swap": 32 * MiB}}))
    sp = rt.spawn("events", "--interval", "200ms", cid)
    proc.wait_for(lambda: any(e["type"] == "oom" for e in _lines(sp)), timeout=30, what="an oom event")
    oom = [e for e in _lines(sp) if e["type"] == "oom"]
    assert oom[0] == {"type": "oom", "id": cid}
    proc.wait_for(lambda: _lines(sp)[-1]["type"] == "stats", timeout=10, what="stats after the oom")
    assert rt.status(cid) == "running"
    rt.kill(cid, "KILL")
    assert sp.wait(timeout=10).rc == 0


def test_stream_stops_on_sigterm(rt):
    cid, _ = running(rt, base_config(["sleep", "100"]))
    sp = rt.spawn("events", "--interval", "1s", cid)
    time.sleep(0.3)
    sp.signal(signal.SIGTERM)
    sp.proc.wait(timeout=10)
    assert sp.proc.returncode != 0 or sp.read_out() == ""


@pytest.mark.cgroup2("memory", "pids")
def test_v2_stats(rt):
    cid, _ = running(rt, with_resources(base_config(["sh", "-c", "sleep 100 & sleep 100"]),
                                        {"memory": {"limit": 64 * MiB}, "pids": {"limit": 40}}))
    data = _one_stats(rt, cid)["data"]
    assert list(data) == STATS_KEYS
    assert data["memory"]["usage"]["limit"] == 64 * MiB
    assert data["pids"] == {"current": 2, "limit": 40}
    assert data["cpu"]["usage"]["total"] > 0


@pytest.mark.cgroup2("memory")
def test_v2_oom_event(rt):
    cid, _ = running(rt, with_resources(sh(OOM_LOOP),
                                        {"memory": {"limit": 32 * MiB, "swap": 32 * MiB}}))
    sp = rt.spawn("events", "--interval", "200ms", cid)
    proc.wait_for(lambda: any(e["type"] == "oom" for e in _lines(sp)), timeout=30, what="an oom event")
    rt.kill(cid, "KILL")
    assert sp.wait(timeout=10).rc == 0
