"""linux.resources.cpu on v1: cpus/mems on the cpuset controller, the rest
on the cpu controller (CFS bandwidth, shares, idle, RT bandwidth), as
runc's fs/cpuset.go and fs/cpu.go; statistics from cpuacct, cpu.stat and
cpuset."""
import os

from pyrunc.cgroups import fs
from pyrunc.cgroups.fs import CgroupError
from pyrunc.cgroups.resources import is_set

WHERE = "linux.resources.cpu"
EINVAL, ENOENT = 22, 2
_CPU_KEYS = ("shares", "quota", "period", "burst", "idle", "realtimeRuntime", "realtimePeriod")


def _write(d, name, value, key):
    fs.write(os.path.join(d, name), value, f"{WHERE}.{key}")


def _write_deferred(d, name, value, key, retry_later):
    """Write now, or return True when the kernel says EINVAL and the
    write can be retried after the value it depends on is set (a period
    shorter than the old one can exceed the parent's quota until the new
    quota is in place: runc's order)."""
    try:
        _write(d, name, value, key)
        return False
    except CgroupError as e:
        if e.errno == EINVAL and retry_later:
            return True
        raise


def _cpuset(cg, cpu):
    d = cg.require("cpuset", f"{WHERE}.cpus" if cpu.get("cpus") else f"{WHERE}.mems")
    if cpu.get("cpus"):
        _write(d, "cpuset.cpus", cpu["cpus"], "cpus")
    if cpu.get("mems"):
        _write(d, "cpuset.mems", cpu["mems"], "mems")


def apply(cg, cpu, warn):
    if cpu.get("cpus") or cpu.get("mems"):
        _cpuset(cg, cpu)
    value = {k: v for k, v in cpu.items() if k in _CPU_KEYS and is_set("cpu", k, v)}
    if not value:
        return
    d = cg.require("cpu", f"{WHERE}.{next(iter(value))}")
    if "shares" in value:
        shares = value["shares"]
        _write(d, "cpu.shares", shares, "shares")
        # the kernel clamps out-of-range shares silently: say so instead
        got = fs.read_uint(os.path.join(d, "cpu.shares"))
        if shares > got:
            raise CgroupError(f"{WHERE}.shares: {shares} is above the maximum allowed cpu-shares {got}")
        if shares < got:
            raise CgroupError(f"{WHERE}.shares: {shares} is below the minimum allowed cpu-shares {got}")
    quota = value.get("quota")
    period_later = burst_later = False
    if "period" in value:
        period_later = _write_deferred(d, "cpu.cfs_period_us", value["period"], "period", quota is not None)
    if "burst" in value:
        if not os.path.exists(os.path.join(d, "cpu.cfs_burst_us")):
            raise CgroupError(f"{WHERE}.burst: this kernel has no cpu.cfs_burst_us (CPU burst needs Linux 5.14)")
        burst_later = _write_deferred(d, "cpu.cfs_burst_us", value["burst"], "burst", quota is not None)
    if quota is not None:
        _write(d, "cpu.cfs_quota_us", quota, "quota")
        if period_later:
            _write(d, "cpu.cfs_period_us", value["period"], "period")
        if burst_later:
            _write(d, "cpu.cfs_burst_us", value["burst"], "burst")
    if "idle" in value:
        if not os.path.exists(os.path.join(d, "cpu.idle")):
            raise CgroupError(f"{WHERE}.idle: this kernel has no cpu.idle (SCHED_IDLE groups need Linux 5.15)")
        _write(d, "cpu.idle", value["idle"], "idle")
    _realtime(d, value)


def _realtime(d, value):
    """cpu.rt_period_us and cpu.rt_runtime_us depend on each other (runtime
    <= period, and the sum of the children's runtime <= the parent's):
    the same EINVAL-then-retry order as for CFS."""
    if "realtimePeriod" not in value and "realtimeRuntime" not in value:
        return
    if not os.path.exists(os.path.join(d, "cpu.rt_runtime_us")):
        raise CgroupError(f"{WHERE}.realtimeRuntime: this kernel has no RT group scheduling "
                          "(CONFIG_RT_GROUP_SCHED)")
    runtime = value.get("realtimeRuntime")
    later = False
    if "realtimePeriod" in value:
        later = _write_deferred(d, "cpu.rt_period_us", value["realtimePeriod"], "realtimePeriod",
                                runtime is not None)
    if runtime is not None:
        _write(d, "cpu.rt_runtime_us", runtime, "realtimeRuntime")
        if later:
            _write(d, "cpu.rt_period_us", value["realtimePeriod"], "realtimePeriod")


# -- statistics (runc fs/cpuacct.go, fs/cpu.go, fs/cpuset.go) -------------

_NS_PER_TICK = None


def _ns_per_tick():
    global _NS_PER_TICK
    if _NS_PER_TICK is None:
        _NS_PER_TICK = 1_000_000_000 // os.sysconf("SC_CLK_TCK")
    return _NS_PER_TICK


def _ints(text):
    return [int(x) for x in (text or "").split()]


def parse_list(text):
    """A cpuset list ("0-3,7") as a list of ints."""
    out = []
    for part in (text or "").strip().split(","):
        if not part:
            continue
        lo, _, hi = part.partition("-")
        out.extend(range(int(lo), int(hi or lo) + 1))
    return out


def stats(cg, out):
    cpu = {"usage": {}, "throttling": {}}
    acct = cg.dir("cpuacct")
    if acct and os.path.isdir(acct):
        usage = {}
        total = fs.read_uint(os.path.join(acct, "cpuacct.usage"))
        if total:
            usage["total"] = total
        percpu = _ints(fs.read_or_none(os.path.join(acct, "cpuacct.usage_percpu")))
        if percpu:
            usage["percpu"] = percpu
        rows = (fs.read_or_none(os.path.join(acct, "cpuacct.usage_all")) or "").splitlines()[1:]
        kernel_pc = [int(r.split()[2]) for r in rows if len(r.split()) == 3]
        user_pc = [int(r.split()[1]) for r in rows if len(r.split()) == 3]
        if kernel_pc:
            usage["percpu_kernel"] = kernel_pc
        if user_pc:
            usage["percpu_user"] = user_pc
        ticks = fs.read_keyed(os.path.join(acct, "cpuacct.stat"))
        usage["kernel"] = ticks.get("system", 0) * _ns_per_tick()
        usage["user"] = ticks.get("user", 0) * _ns_per_tick()
        cpu["usage"] = usage
    d = cg.dir("cpu")
    if d and os.path.isdir(d):
        st = fs.read_keyed(os.path.join(d, "cpu.stat"))
        throttling = {}
        for key, name in (("periods", "nr_periods"), ("throttledPeriods", "nr_throttled"),
                          ("throttledTime", "throttled_time")):
            if st.get(name):
                throttling[key] = st[name]
        cpu["throttling"] = throttling
    out["cpu"] = cpu
    cpuset = {}
    cs = cg.dir("cpuset")
    if cs and os.path.isdir(cs):
        def num(name):
            return fs.read_uint(os.path.join(cs, "cpuset." + name))
        cpus = parse_list(fs.read_or_none(os.path.join(cs, "cpuset.cpus")))
        mems = parse_list(fs.read_or_none(os.path.join(cs, "cpuset.mems")))
        if cpus:
            cpuset["cpus"] = cpus
        cpuset["cpu_exclusive"] = num("cpu_exclusive")
        if mems:
            cpuset["mems"] = mems
        for name in ("mem_hardwall", "mem_exclusive", "memory_migrate", "memory_spread_page",
                     "memory_spread_slab", "memory_pressure", "sched_load_balance"):
            cpuset[name] = num(name)
        level = (fs.read_or_none(os.path.join(cs, "cpuset.sched_relax_domain_level")) or "0").strip()
        cpuset["sched_relax_domain_level"] = int(level or 0)
    else:
        cpuset = _empty_cpuset()
    out["cpuset"] = cpuset


def _empty_cpuset():
    return {"cpu_exclusive": 0, "mem_hardwall": 0, "mem_exclusive": 0, "memory_migrate": 0,
            "memory_spread_page": 0, "memory_spread_slab": 0, "memory_pressure": 0,
            "sched_load_balance": 0, "sched_relax_domain_level": 0}
