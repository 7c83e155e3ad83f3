"""linux.resources.cpu on v2: shares -> cpu.weight (runc's conversion),
quota/period -> cpu.max, burst -> cpu.max.burst, idle -> cpu.idle,
cpus/mems -> cpuset.cpus/cpuset.mems (runc fs2/cpu.go, fs2/cpuset.go).
Realtime bandwidth has no v2 interface: refused."""
from pyrunc.cgroups import convert, fs
from pyrunc.cgroups.fs import CgroupError
from pyrunc.cgroups.resources import is_set
from pyrunc.cgroups.v2 import psi, unsupported

WHERE = "linux.resources.cpu"
EINVAL = 22


def apply(cg, cpu, warn):
    value = {k: v for k, v in cpu.items() if is_set("cpu", k, v)}
    for key in ("realtimeRuntime", "realtimePeriod"):
        if key in value:
            unsupported(f"{WHERE}.{key}", "real-time group scheduling has no cgroup v2 interface")
    if value.get("cpus") or value.get("mems"):
        cg.require("cpuset", f"{WHERE}.cpus" if value.get("cpus") else f"{WHERE}.mems")
        if value.get("cpus"):
            cg.write("cpuset.cpus", value["cpus"], f"{WHERE}.cpus")
        if value.get("mems"):
            cg.write("cpuset.mems", value["mems"], f"{WHERE}.mems")
    keys = [k for k in ("shares", "idle", "burst", "quota", "period") if k in value]
    if not keys:
        return
    cg.require("cpu", f"{WHERE}.{keys[0]}")
    if "shares" in value:
        weight = convert.cpu_shares_to_weight(value["shares"])
        cg.write("cpu.weight", weight, f"{WHERE}.shares")
    if "idle" in value:
        cg.write("cpu.idle", value["idle"], f"{WHERE}.idle")
    quota, period = value.get("quota", 0), value.get("period", 0)
    burst_later = False
    if "burst" in value:
        try:
            cg.write("cpu.max.burst", value["burst"], f"{WHERE}.burst")
        except CgroupError as e:
            # a burst above the old quota is EINVAL until the new quota is set
            if e.errno != EINVAL or not quota:
                raise
            burst_later = True
    text = convert.cpu_quota_period_to_max(quota, period)
    if text:
        cg.write("cpu.max", text, f"{WHERE}.quota" if quota else f"{WHERE}.period")
        if burst_later:
            cg.write("cpu.max.burst", value["burst"], f"{WHERE}.burst")


def stats(cg, out):
    st = fs.read_keyed(cg.file("cpu.stat"))
    usage = {}
    if st.get("usage_usec"):
        usage["total"] = st["usage_usec"] * 1000
    usage["kernel"] = st.get("system_usec", 0) * 1000
    usage["user"] = st.get("user_usec", 0) * 1000
    throttling = {}
    for key, name, scale in (("periods", "nr_periods", 1), ("throttledPeriods", "nr_throttled", 1),
                             ("throttledTime", "throttled_usec", 1000)):
        if st.get(name):
            throttling[key] = st[name] * scale
    cpu = {"usage": usage, "throttling": throttling}
    pressure = psi(cg.file("cpu.pressure"))
    if pressure:
        cpu["psi"] = pressure
    out["cpu"] = cpu
    # runc's v2 manager reports no cpuset statistics: the zero object
    from pyrunc.cgroups.v1.cpu import _empty_cpuset
    out["cpuset"] = _empty_cpuset()
