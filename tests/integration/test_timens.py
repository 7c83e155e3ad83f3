"""Time namespaces and linux.timeOffsets (config-linux.md "Offset for Time
Namespace", time_namespaces(7)): the offsets are written before the first
process enters the namespace; exec joins it; a time namespace can be
joined by path; offsets without a new time namespace are refused.
"""
import os
from pathlib import Path

import pytest

import support_extra as sx
from support.config import base_config, set_namespace_path, sh

if not os.path.exists("/proc/self/ns/time"):
    pytest.skip("no time namespaces on this kernel", allow_module_level=True)

pytestmark = pytest.mark.runc_differs("time namespaces need runc >= 1.2")

DAY = 86400
MONO, BOOT = 365 * DAY, 2 * DAY


def timens_config(args, offsets=None):
    cfg = base_config(args)
    cfg["linux"]["namespaces"].append({"type": "time"})
    if offsets is not False:
        cfg["linux"]["timeOffsets"] = offsets or {"monotonic": {"secs": MONO}, "boottime": {"secs": BOOT}}
    return cfg


def _host_uptime():
    return float(Path("/proc/uptime").read_text().split()[0])


def _offsets(text):
    return {line.split()[0]: (int(line.split()[1]), int(line.split()[2])) for line in text.splitlines()}


def test_time_offsets_are_applied(rt):
    before = _host_uptime()
    out = rt.output(timens_config(["sh", "-c", "cat /proc/self/timens_offsets; cut -d' ' -f1 /proc/uptime"]))
    lines = out.splitlines()
    assert _offsets("\n".join(lines[:2])) == {"monotonic": (MONO, 0), "boottime": (BOOT, 0)}
    uptime = float(lines[2])  # /proc/uptime is boottime, shifted by the offset
    assert before + BOOT - 1 <= uptime <= _host_uptime() + BOOT + 1


def test_nanosecond_offsets(rt):
    out = rt.output(timens_config(["cat", "/proc/self/timens_offsets"],
                                  {"monotonic": {"secs": 10, "nanosecs": 500000000}}))
    assert _offsets(out)["monotonic"] == (10, 500000000)


def test_the_container_has_its_own_time_namespace(rt):
    out = rt.output(timens_config(["readlink", "/proc/self/ns/time"], offsets=False))
    assert out.strip() != os.readlink("/proc/self/ns/time")


def test_without_a_time_namespace_the_hosts_is_used(rt):
    assert rt.output(base_config(["readlink", "/proc/self/ns/time"])).strip() == os.readlink("/proc/self/ns/time")


def test_exec_joins_the_time_namespace(rt):
    cid, pid = rt.started_container(timens_config(["sleep", "1000"]))
    res = rt.runtime("exec", cid, "sh", "-c", "readlink /proc/self/ns/time; cut -d' ' -f1 /proc/uptime")
    assert res.rc == 0, str(res)
    ns, uptime = res.out.split()
    assert ns == os.readlink(f"/proc/{pid}/ns/time")
    assert float(uptime) >= _host_uptime() + BOOT - 1, "exec'd process does not see the container's clocks"


def test_join_a_time_namespace_by_path(rt):
    first, pid = rt.started_container(timens_config(["sleep", "1000"]))
    cfg = set_namespace_path(sh("readlink /proc/self/ns/time; cut -d' ' -f1 /proc/uptime"), "time",
                             f"/proc/{pid}/ns/time")
    ns, uptime = rt.output(cfg).split()
    assert ns == os.readlink(f"/proc/{pid}/ns/time")
    assert float(uptime) >= _host_uptime() + BOOT - 1


def test_time_namespace_with_a_user_namespace(rt):
    sx.traversable_for_userns(rt)
    cfg = timens_config(["sh", "-c", "cat /proc/self/timens_offsets; id -u"])
    cfg["linux"]["namespaces"].append({"type": "user"})
    cfg["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    cfg["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    lines = rt.output(cfg).splitlines()
    assert _offsets("\n".join(lines[:2]))["boottime"] == (BOOT, 0)
    assert lines[2] == "0"


# --- refused -----------------------------------------------------------------------------------




def test_time_offsets_without_a_time_namespace_are_refused(rt):
    cfg = base_config(["true"])
    cfg["linux"]["timeOffsets"] = {"boottime": {"secs": 10}}
    sx.create_refused(rt, cfg, "timeOffsets")


def test_time_offsets_when_joining_a_time_namespace_are_refused(rt):
    first, pid = rt.started_container(timens_config(["sleep", "1000"], offsets=False))
    cfg = set_namespace_path(timens_config(["true"], {"boottime": {"secs": 10}}), "time", f"/proc/{pid}/ns/time")
    sx.create_refused(rt, cfg, "timeOffsets")


@pytest.mark.parametrize("clock", ["realtime", "tai", "monotonic_raw"])
def test_clocks_a_time_namespace_cannot_offset_are_refused(rt, clock):
    sx.create_refused(rt, timens_config(["true"], {clock: {"secs": 10}}), clock)


def test_offset_making_a_clock_negative_is_a_clear_error(rt):
    sx.create_refused(rt, timens_config(["true"], {"boottime": {"secs": -int(_host_uptime()) - 3 * DAY}}), "offsets")


def test_joining_a_path_that_is_not_a_time_namespace_is_refused(rt):
    cfg = set_namespace_path(base_config(["true"]), "time", "/proc/self/ns/net")
    sx.create_refused(rt, cfg)
