"""What the container's process observes about itself (config.md "POSIX
process", "Linux Process", "User"; config-linux.md "Personality"):
every rlimit, the five capability sets, oomScoreAdj, HOME from the
container's /etc/passwd (never NSS), scheduler, ioPriority, personality,
execCPUAffinity and domainname -- each read back from inside a real
container, and each impossible request refused with a clear error.

test_process.py (another file) covers args, env, cwd, uid/gid, umask,
additionalGids and the basic capability and rlimit cases.
"""
import os
import platform
import resource
from pathlib import Path

import pytest

import support_extra as sx
from support import asserts
from support.config import base_config, remove_namespace, sh

CAP_CHOWN, CAP_KILL, CAP_NET_BIND_SERVICE, CAP_NET_RAW, CAP_SYS_RESOURCE = 0, 5, 10, 13, 24
UNLIMITED = (1 << 64) - 1

# /proc/self/limits row -> RLIMIT name
LIMIT_ROWS = {
    "RLIMIT_CPU": "Max cpu time", "RLIMIT_FSIZE": "Max file size", "RLIMIT_DATA": "Max data size",
    "RLIMIT_STACK": "Max stack size", "RLIMIT_CORE": "Max core file size", "RLIMIT_RSS": "Max resident set",
    "RLIMIT_NPROC": "Max processes", "RLIMIT_NOFILE": "Max open files", "RLIMIT_MEMLOCK": "Max locked memory",
    "RLIMIT_AS": "Max address space", "RLIMIT_LOCKS": "Max file locks", "RLIMIT_SIGPENDING": "Max pending signals",
    "RLIMIT_MSGQUEUE": "Max msgqueue size", "RLIMIT_NICE": "Max nice priority",
    "RLIMIT_RTPRIO": "Max realtime priority", "RLIMIT_RTTIME": "Max realtime timeout",
}

# wanted (soft, hard) per rlimit; each is capped below at the hard limit the
# runtime inherits, since raising a hard limit needs CAP_SYS_RESOURCE
WANTED = {
    "RLIMIT_CPU": (1000, 2000), "RLIMIT_FSIZE": (1 << 30, 2 << 30), "RLIMIT_DATA": (4 << 30, 8 << 30),
    "RLIMIT_STACK": (8 << 20, 16 << 20), "RLIMIT_CORE": (0, 1 << 20), "RLIMIT_RSS": (1 << 30, 2 << 30),
    "RLIMIT_NPROC": (1000, 2000), "RLIMIT_NOFILE": (256, 512), "RLIMIT_MEMLOCK": (65536, 1 << 20),
    "RLIMIT_AS": (8 << 30, 16 << 30), "RLIMIT_LOCKS": (100, 200), "RLIMIT_SIGPENDING": (500, 1000),
    "RLIMIT_MSGQUEUE": (4096, 8192), "RLIMIT_NICE": (0, 0), "RLIMIT_RTPRIO": (0, 0),
    "RLIMIT_RTTIME": (1000000, 2000000),
}


def _create_error(rt, res, *fragments):
    """A clean create failure.  runc's lines are logrus lines (sometimes a
    fatal one from nsexec before the error), so only pyrunc's message is
    held to the one-line contract and the fragments."""
    if rt.is_runc:
        assert res.rc == 1 and not asserts.TRACEBACK.search(res.err), str(res)
        return
    asserts.error(res, *fragments)


def _fits(name, soft, hard):
    """(soft, hard) lowered to the hard limit this process (and so the
    runtime) has; read from /proc/self/limits since the resource module
    lacks some RLIMIT_* names."""
    cur_hard = sx.limits(Path("/proc/self/limits").read_text())[LIMIT_ROWS[name]][1]
    if cur_hard != "unlimited":
        hard = min(hard, int(cur_hard))
        soft = min(soft, hard)
    return soft, hard


def _shown(v):
    return "unlimited" if v in (UNLIMITED, resource.RLIM_INFINITY) else str(v)


# --- rlimits -------------------------------------------------------------------------


def test_every_rlimit_is_applied(rt):
    wanted = {name: _fits(name, *v) for name, v in WANTED.items()}
    cfg = base_config(["cat", "/proc/self/limits"],
                      rlimits=[{"type": n, "soft": s, "hard": h} for n, (s, h) in wanted.items()])
    got = sx.limits(rt.output(cfg))
    wrong = {n: (got[LIMIT_ROWS[n]], (str(s), str(h))) for n, (s, h) in wanted.items()
             if got[LIMIT_ROWS[n]] != (str(s), str(h))}
    assert not wrong, f"rlimits not as configured (got, wanted): {wrong}"


def test_unlimited_rlimit(rt):
    cfg = base_config(["cat", "/proc/self/limits"],
                      rlimits=[{"type": "RLIMIT_CORE", "soft": UNLIMITED, "hard": UNLIMITED}])
    if resource.getrlimit(resource.RLIMIT_CORE)[1] != resource.RLIM_INFINITY:
        pytest.skip("the hard RLIMIT_CORE here is not unlimited")
    assert sx.limits(rt.output(cfg))["Max core file size"] == ("unlimited", "unlimited")


def test_rlimits_not_listed_are_inherited(rt):
    cfg = base_config(["cat", "/proc/self/limits"], rlimits=[{"type": "RLIMIT_NOFILE", "soft": 100, "hard": 100}])
    got = sx.limits(rt.output(cfg))
    soft, hard = resource.getrlimit(resource.RLIMIT_MSGQUEUE)
    assert got["Max msgqueue size"] == (_shown(soft), _shown(hard))


def test_raising_a_hard_limit_without_cap_sys_resource_is_a_clear_error(rt):
    """This host's runtime lacks CAP_SYS_RESOURCE (not in its bounding set),
    so a hard limit above the inherited one cannot be set: create must
    fail with a message naming the limit, and leave nothing behind."""
    if sx.host_caps_bounding() & (1 << CAP_SYS_RESOURCE):
        pytest.skip("the runtime has CAP_SYS_RESOURCE here: raising hard limits works")
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    cfg = base_config(["true"], rlimits=[{"type": "RLIMIT_NOFILE", "soft": 1024, "hard": hard + 1}])
    cid = rt.new_id()
    res = rt.runtime("create", "--bundle", rt.bundle(cfg), cid)
    _create_error(rt, res, "RLIMIT_NOFILE")
    asserts.not_exist(rt.runtime("state", cid))


@pytest.mark.parametrize("bad,fragment", [
    ([{"type": "RLIMIT_NO_SUCH", "soft": 1, "hard": 1}], "rlimit"),
    ([{"type": "RLIMIT_NOFILE", "soft": 10, "hard": 10}, {"type": "RLIMIT_NOFILE", "soft": 20, "hard": 20}],
     "rlimit"),
    ([{"type": "RLIMIT_NOFILE", "soft": 200, "hard": 100}], "rlimits"),
])
def test_bad_rlimits_are_refused(rt, bad, fragment):
    cid = rt.new_id()
    res = rt.runtime("create", "--bundle", rt.bundle(base_config(["true"], rlimits=bad)), cid)
    asserts.error(res, fragment)
    asserts.not_exist(rt.runtime("state", cid))


# --- capabilities -----------------------------------------------------------------------------


def _caps_config(uid, **sets):
    cfg = base_config(["cat", "/proc/self/status"])
    cfg["process"]["user"] = {"uid": uid, "gid": uid}
    cfg["process"]["capabilities"] = sets
    return cfg


def test_five_capability_sets_of_a_non_root_process(rt):
    """After execve as uid 1000 (no file capabilities): inheritable,
    ambient and bounding are kept as configured and permitted = effective
    = ambient (capabilities(7))."""
    cfg = _caps_config(1000, bounding=["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_NET_RAW"],
                       permitted=["CAP_KILL", "CAP_NET_RAW", "CAP_CHOWN"], effective=["CAP_NET_RAW"],
                       inheritable=["CAP_NET_RAW", "CAP_KILL"], ambient=["CAP_NET_RAW"])
    c = sx.caps(rt.output(cfg))
    assert c["CapBnd"] == sx.cap_mask(CAP_CHOWN, CAP_KILL, CAP_NET_BIND_SERVICE, CAP_NET_RAW), hex(c["CapBnd"])
    assert c["CapInh"] == sx.cap_mask(CAP_NET_RAW, CAP_KILL), hex(c["CapInh"])
    assert c["CapAmb"] == sx.cap_mask(CAP_NET_RAW), hex(c["CapAmb"])
    assert c["CapPrm"] == sx.cap_mask(CAP_NET_RAW), hex(c["CapPrm"])
    assert c["CapEff"] == sx.cap_mask(CAP_NET_RAW), hex(c["CapEff"])


def test_inheritable_set_of_root(rt):
    cfg = _caps_config(0, bounding=["CAP_KILL", "CAP_NET_RAW"], permitted=["CAP_KILL", "CAP_NET_RAW"],
                       effective=["CAP_KILL", "CAP_NET_RAW"], inheritable=["CAP_NET_RAW"])
    c = sx.caps(rt.output(cfg))
    assert c["CapInh"] == sx.cap_mask(CAP_NET_RAW)
    assert c["CapAmb"] == 0
    assert c["CapBnd"] == sx.cap_mask(CAP_KILL, CAP_NET_RAW)


def test_capabilities_really_work(rt):
    """CAP_CHOWN in effective: chown works; without it: EPERM."""
    script = "touch /tmp/f && chown 1000 /tmp/f 2>&1 && echo chowned; exit 0"
    with_cap = sh(script)
    with_cap["mounts"].append({"destination": "/tmp", "type": "tmpfs", "source": "tmpfs"})
    for s in ("bounding", "effective", "permitted"):
        with_cap["process"]["capabilities"][s] = ["CAP_CHOWN"]
    assert "chowned" in rt.output(with_cap)
    without = sh(script)
    without["mounts"].append({"destination": "/tmp", "type": "tmpfs", "source": "tmpfs"})
    assert "Operation not permitted" in rt.output(without)


def _ambient_not_inheritable(rt):
    cfg = _caps_config(1000, bounding=["CAP_NET_RAW"], permitted=["CAP_NET_RAW"], effective=["CAP_NET_RAW"],
                       ambient=["CAP_NET_RAW"])
    return rt.run(cfg)


def test_ambient_capability_not_inheritable_does_not_fail_the_container(rt):
    """config.md: a capability that cannot be granted SHOULD NOT fail the
    container (the kernel refuses to raise an ambient capability that is
    not also inheritable and permitted)."""
    res = _ambient_not_inheritable(rt)
    assert res.rc == 0, str(res)
    assert sx.caps(res.out)["CapAmb"] == 0


@pytest.mark.runc_differs("runc 1.1 drops it silently")
def test_ambient_capability_not_inheritable_is_logged_as_a_warning(rt):
    """... and it MUST be logged as a warning."""
    res = _ambient_not_inheritable(rt)
    assert "CAP_NET_RAW" in res.err or "ambient" in res.err.lower(), f"no warning logged:\n{res}"


@pytest.mark.runc_differs("runc 1.1 refuses unknown capabilities (1.2 warns)")
def test_unknown_capability_is_a_warning_not_a_failure(rt):
    cfg = _caps_config(0, bounding=["CAP_KILL", "CAP_NO_SUCH_THING"], permitted=["CAP_KILL"],
                       effective=["CAP_KILL"])
    res = rt.run(cfg)
    assert res.rc == 0, str(res)
    assert sx.caps(res.out)["CapBnd"] == sx.cap_mask(CAP_KILL)
    assert "CAP_NO_SUCH_THING" in res.err, f"the unknown capability was not logged as a warning:\n{res}"


# --- oomScoreAdj -------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [500, 1000, 0])
def test_oom_score_adj(rt, value):
    cfg = base_config(["cat", "/proc/self/oom_score_adj"], oomScoreAdj=value)
    assert rt.output(cfg).strip() == str(value)


def test_oom_score_adj_unset_is_not_changed(rt):
    """config.md: if oomScoreAdj is not set the runtime MUST NOT change it."""
    cid = rt.new_id()
    wrapper = ["sh", "-c", 'echo 123 > /proc/self/oom_score_adj && exec "$@"', "wrapper"]
    res = rt.runtime("run", "--bundle", rt.bundle(base_config(["cat", "/proc/self/oom_score_adj"])), cid,
                     wrapper=wrapper)
    assert res.rc == 0, str(res)
    assert res.out.strip() == "123"


def test_lowering_oom_score_adj_without_cap_sys_resource_is_a_clear_error(rt):
    if sx.host_caps_bounding() & (1 << CAP_SYS_RESOURCE):
        pytest.skip("the runtime has CAP_SYS_RESOURCE here")
    if int(Path("/proc/self/oom_score_adj").read_text()) <= -500:
        pytest.skip("oom_score_adj already low")
    cid = rt.new_id()
    res = rt.runtime("create", "--bundle", rt.bundle(base_config(["true"], oomScoreAdj=-500)), cid)
    _create_error(rt, res, "oom")
    asserts.not_exist(rt.runtime("state", cid))


# --- HOME and /etc/passwd ---------------------------------------------------------------------


def test_home_is_slash_for_a_uid_without_a_passwd_entry(rt):
    cfg = sh("echo $HOME")
    cfg["process"]["user"] = {"uid": 4242, "gid": 4242}
    assert rt.output(cfg) == "/\n"


def test_home_of_root(rt):
    assert rt.output(sh("echo $HOME")) == "/root\n"


@pytest.mark.runc_differs("runc's passwd parser takes '#' lines as entries (glibc skips them)")
def test_home_from_a_passwd_with_comments_and_odd_lines(rt):
    bundle = rt.bundle(sh("echo $HOME"))
    (bundle / "rootfs/etc/passwd").write_text(
        "# comment:x:1000:1000::/from-comment:/bin/sh\n"
        "\n"
        "broken-line-without-fields\n"
        "other:x:10000:1000::/wrong-prefix-match:/bin/sh\n"
        "tester:x:1000:1000:Test User,,,:/home/tester:/bin/sh\n")
    cfg = sh("echo $HOME")
    cfg["process"]["user"] = {"uid": 1000, "gid": 1000}
    rt.write_config(bundle, cfg)
    res = rt.run(bundle=bundle)
    assert res.rc == 0, str(res)
    assert res.out == "/home/tester\n"


def test_passwd_symlink_is_resolved_inside_the_container(rt):
    """An image whose /etc/passwd is a symlink to an absolute path must be
    read inside the container's root, never from the host."""
    host = rt.hostdir("hostpasswd")
    (host / "passwd").write_text("tester:x:1000:1000::/home-from-the-host:/bin/sh\n")
    cfg = sh("echo $HOME")
    cfg["process"]["user"] = {"uid": 1000, "gid": 1000}
    bundle = rt.bundle(cfg)
    passwd = bundle / "rootfs/etc/passwd"
    passwd.unlink()
    passwd.symlink_to(host / "passwd")
    res = rt.run(bundle=bundle)
    assert res.rc == 0, str(res)
    assert res.out != "/home-from-the-host\n", "the runtime read the host's file through the image's symlink"
    assert res.out == "/\n"


@pytest.mark.parametrize("via", ["config", "exec"])
def test_passwd_is_parsed_without_nss(rt, via):
    """ARCHITECTURE.md section 3: the pwd module would load libnss_*.so
    named by the image's nsswitch.conf into the runtime.  A planted module
    must never be loaded (it would leave a marker)."""
    module = sx.nss_module(rt.tmp.parent)
    marker = rt.hostdir("nss-marker")
    os.chmod(marker, 0o777)
    if via == "config":
        cfg = sh("echo $HOME")
        cfg["process"]["user"] = {"uid": 1000, "gid": 1000}
    else:
        cfg = base_config(["sleep", "1000"])
    cfg["mounts"].append({"destination": "/nss-marker", "type": "bind", "source": str(marker), "options": ["rbind"]})
    bundle = rt.bundle(cfg)
    root = bundle / "rootfs"
    (root / "etc/nsswitch.conf").write_text("passwd: evil\ngroup: evil\nshadow: evil\n")
    for libdir in ("lib", "lib64", "usr/lib", "lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu"):
        (root / libdir).mkdir(parents=True, exist_ok=True)
        (root / libdir / "libnss_evil.so.2").write_bytes(module.read_bytes())
    if via == "config":
        res = rt.run(bundle=bundle)
        assert res.rc == 0, str(res)
        assert res.out == "/home/tester\n"
    else:
        created = rt.create(bundle=bundle)
        rt.start(created.cid)
        res = rt.runtime("exec", "-u", "1000:1000", created.cid, "sh", "-c", "echo $HOME")
        assert res.rc == 0, str(res)
        assert res.out == "/home/tester\n"
    assert not (marker / "loaded").exists(), "the runtime loaded an NSS module from the container image"


# --- scheduler, ioPriority, personality, CPU affinity --------------------------------------------


def _stat_fields(out):
    """(nice, policy) printed by the scripts below."""
    nice, policy = out.split()
    return int(nice), int(policy)


STAT = "cut -d' ' -f19,41 /proc/self/stat"


@pytest.mark.parametrize("sched,nice,policy", [
    ({"policy": "SCHED_BATCH", "nice": 5}, 5, 3),
    ({"policy": "SCHED_IDLE"}, 0, 5),
    ({"policy": "SCHED_OTHER", "nice": -5}, -5, 0),
    ({"policy": "SCHED_OTHER", "nice": 19}, 19, 0),
])
@pytest.mark.runc_differs("scheduler needs runc >= 1.2")
def test_scheduler(rt, sched, nice, policy):
    cfg = sh(STAT)
    cfg["process"]["scheduler"] = sched
    assert _stat_fields(rt.output(cfg)) == (nice, policy)


@pytest.mark.runc_differs("scheduler needs runc >= 1.2")
def test_realtime_scheduler_without_rt_runtime_is_a_clear_error(rt):
    """With RT group scheduling (cgroup v1 cpu.rt_runtime_us) a new cgroup
    has no realtime budget: SCHED_FIFO cannot be granted there."""
    rt_file = Path("/sys/fs/cgroup/cpu/cpu.rt_runtime_us")
    if not rt_file.exists():
        pytest.skip("no RT group scheduling on this kernel")
    cfg = sh(STAT)
    cfg["process"]["scheduler"] = {"policy": "SCHED_FIFO", "priority": 10}
    cid = rt.new_id()
    res = rt.runtime("create", "--bundle", rt.bundle(cfg), cid)
    asserts.error(res, "sched")
    asserts.not_exist(rt.runtime("state", cid))


@pytest.mark.runc_differs("scheduler needs runc >= 1.2")
def test_realtime_scheduler_with_an_rt_budget(rt):
    if not Path("/sys/fs/cgroup/cpu/cpu.rt_runtime_us").exists():
        pytest.skip("no RT group scheduling on this kernel")
    cfg = sh(STAT + "; grep -c . /proc/self/sched >/dev/null")
    cfg["process"]["scheduler"] = {"policy": "SCHED_RR", "priority": 10}
    cfg["linux"]["resources"] = {"cpu": {"realtimeRuntime": 10000, "realtimePeriod": 1000000}}
    nice, policy = _stat_fields(rt.output(cfg).splitlines()[0])
    assert policy == 2


@pytest.mark.parametrize("sched", [
    {"policy": "SCHED_NO_SUCH"},
    {"policy": "SCHED_FIFO", "priority": 0},
    {"policy": "SCHED_OTHER", "nice": 20},
    {"policy": "SCHED_OTHER", "flags": ["SCHED_FLAG_NO_SUCH"]},
])
@pytest.mark.runc_differs("scheduler needs runc >= 1.2")
def test_bad_scheduler_is_refused(rt, sched):
    cfg = base_config(["true"])
    cfg["process"]["scheduler"] = sched
    cid = rt.new_id()
    asserts.error(rt.runtime("create", "--bundle", rt.bundle(cfg), cid), "scheduler")
    asserts.not_exist(rt.runtime("state", cid))


@pytest.mark.parametrize("cls,level,expected", [
    ("IOPRIO_CLASS_BE", 3, "best-effort: prio 3"),
    ("IOPRIO_CLASS_IDLE", 0, "idle"),
    ("IOPRIO_CLASS_RT", 1, "realtime: prio 1"),
])
@pytest.mark.runc_differs("ioPriority needs runc >= 1.2")
def test_io_priority(rt, cls, level, expected):
    cfg = sh("ionice -p $$")
    cfg["process"]["ioPriority"] = {"class": cls, "priority": level}
    out = rt.output(cfg).strip()
    assert out == expected or (cls == "IOPRIO_CLASS_IDLE" and out.startswith("idle")), out


@pytest.mark.runc_differs("ioPriority needs runc >= 1.2")
def test_io_priority_out_of_range_is_refused(rt):
    cfg = base_config(["true"])
    cfg["process"]["ioPriority"] = {"class": "IOPRIO_CLASS_BE", "priority": 8}
    cid = rt.new_id()
    asserts.error(rt.runtime("create", "--bundle", rt.bundle(cfg), cid), "ioPriority")
    asserts.not_exist(rt.runtime("state", cid))


@pytest.mark.skipif(platform.machine() != "x86_64", reason="LINUX32 shows i686 on x86_64")
@pytest.mark.runc_differs("personality needs runc >= 1.2")
def test_personality_linux32(rt):
    cfg = base_config(["uname", "-m"])
    cfg["linux"]["personality"] = {"domain": "LINUX32"}
    assert rt.output(cfg).strip() in ("i686", "i386")


@pytest.mark.runc_differs("personality needs runc >= 1.2")
def test_personality_linux(rt):
    cfg = base_config(["uname", "-m"])
    cfg["linux"]["personality"] = {"domain": "LINUX"}
    assert rt.output(cfg).strip() == platform.machine()


@pytest.mark.parametrize("pers", [{"domain": "LINUX", "flags": ["ADDR_NO_RANDOMIZE"]}, {"domain": "SUNOS"}])
@pytest.mark.runc_differs("personality needs runc >= 1.2")
def test_bad_personality_is_refused(rt, pers):
    cfg = base_config(["true"])
    cfg["linux"]["personality"] = pers
    cid = rt.new_id()
    asserts.error(rt.runtime("create", "--bundle", rt.bundle(cfg), cid), "personality")
    asserts.not_exist(rt.runtime("state", cid))


def _cpus():
    return sorted(os.sched_getaffinity(0))


@pytest.mark.runc_differs("execCPUAffinity needs runc >= 1.2")
def test_exec_cpu_affinity_final_applies_to_exec(rt):
    cpus = _cpus()
    if len(cpus) < 2:
        pytest.skip("needs two CPUs")
    cfg = base_config(["sleep", "1000"])
    cfg["process"]["execCPUAffinity"] = {"final": str(cpus[-1])}
    cid, _ = rt.started_container(cfg)
    res = rt.runtime("exec", cid, "grep", "Cpus_allowed_list", "/proc/self/status")
    assert res.rc == 0, str(res)
    assert res.out.split()[-1] == str(cpus[-1])


@pytest.mark.runc_differs("execCPUAffinity needs runc >= 1.2")
def test_exec_cpu_affinity_is_not_applied_to_the_init(rt):
    """config.md: execCPUAffinity 'is not applicable to the container's
    init process'."""
    cpus = _cpus()
    if len(cpus) < 2:
        pytest.skip("needs two CPUs")
    cfg = base_config(["grep", "Cpus_allowed_list", "/proc/self/status"])
    cfg["process"]["execCPUAffinity"] = {"final": str(cpus[-1])}
    assert rt.output(cfg).split()[-1] != str(cpus[-1])


@pytest.mark.parametrize("which,value", [("initial", "abc"), ("initial", "1-"), ("final", "3-1"), ("final", "0,,x")])
@pytest.mark.runc_differs("execCPUAffinity needs runc >= 1.2")
def test_bad_exec_cpu_affinity_is_refused(rt, which, value):
    cfg = base_config(["true"])
    cfg["process"]["execCPUAffinity"] = {which: value}
    cid = rt.new_id()
    asserts.error(rt.runtime("create", "--bundle", rt.bundle(cfg), cid), "execCPUAffinity")
    asserts.not_exist(rt.runtime("state", cid))


@pytest.mark.runc_differs("execCPUAffinity needs runc >= 1.2")
def test_exec_cpu_affinity_on_a_missing_cpu_is_a_clear_error(rt):
    cfg = base_config(["sleep", "1000"])
    cfg["process"]["execCPUAffinity"] = {"final": "1000"}
    cid, _ = rt.started_container(cfg)
    res = rt.runtime("exec", cid, "true")
    asserts.error(res, rc=255 if rt.is_runc else 1)


# --- domainname ------------------------------------------------------------------------------------


@pytest.mark.runc_differs("runc 1.1.5 ignores domainname (added in runc 1.2)")
def test_domainname_without_a_uts_namespace_is_refused(rt):
    cfg = remove_namespace(base_config(["true"]), "uts")
    del cfg["hostname"]
    cfg["domainname"] = "must.not.change.the.host"
    before = Path("/proc/sys/kernel/domainname").read_text()
    cid = rt.new_id()
    asserts.error(rt.runtime("create", "--bundle", rt.bundle(cfg), cid), "domainname")
    assert Path("/proc/sys/kernel/domainname").read_text() == before
    asserts.not_exist(rt.runtime("state", cid))


@pytest.mark.runc_differs("runc 1.1.5 ignores domainname (added in runc 1.2)")
def test_domainname_does_not_change_the_hosts(rt):
    before = Path("/proc/sys/kernel/domainname").read_text()
    cfg = sh("cat /proc/sys/kernel/domainname; domainname 2>/dev/null || true")
    cfg["domainname"] = "inside.example"
    assert rt.output(cfg).splitlines()[0] == "inside.example"
    assert Path("/proc/sys/kernel/domainname").read_text() == before
