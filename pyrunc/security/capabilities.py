"""The five capability sets of ``process.capabilities``, set exactly
(config.md "Linux process": bounding, effective, inheritable, permitted,
ambient), in runc's order:

1. drop from the bounding set (needs CAP_SETPCAP, so before anything else);
2. PR_SET_KEEPCAPS, then change uid/gid (done by the caller), then clear it,
   so a non-root user keeps the permitted set across setuid;
3. capset() effective/permitted/inheritable;
4. ambient: clear all, then raise each (they must be permitted and
   inheritable, or the kernel refuses).

Names beyond this kernel's cap_last_cap are ignored here; the validator
warns about them.

python-prctl is used through its C module ``_prctl``: the ``prctl``
wrapper builds its property objects and generated functions at import,
~1.5 ms of every create, run and exec, for the five calls made here.
"""
import _prctl

from pyrunc import linux as L

NAMES = (
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
    "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK",
    "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
    "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
)
NUMBERS = {name: i for i, name in enumerate(NAMES)}
SETS = ("bounding", "effective", "inheritable", "permitted", "ambient")


def last_cap():
    try:
        with open("/proc/sys/kernel/cap_last_cap") as f:
            return int(f.read())
    except OSError:
        return len(NAMES) - 1


def plan_capabilities(process, warn=None):
    """{set name: frozenset of cap numbers} from process.capabilities.
    A missing object means no capabilities at all (as crun).

    The kernel raises an ambient capability only if it is both permitted
    and inheritable; runc and crun skip the others with a warning (and
    never add them to inheritable, CVE-2022-29162), so do we."""
    caps = process.get("capabilities") or {}
    top = min(last_cap(), _prctl.CAP_LAST_CAP)
    plan = {s: frozenset(NUMBERS[n] for n in caps.get(s) or () if n in NUMBERS and NUMBERS[n] <= top)
            for s in SETS}
    raisable = plan["ambient"] & plan["permitted"] & plan["inheritable"]
    if warn and raisable != plan["ambient"]:
        skipped = ", ".join(NAMES[c] for c in sorted(plan["ambient"] - raisable))
        warn(f"process.capabilities.ambient: {skipped} not raised: an ambient capability must also "
             "be permitted and inheritable")
    plan["ambient"] = raisable
    return plan


def drop_bounding(plan):
    keep = plan["bounding"]
    top = min(last_cap(), _prctl.CAP_LAST_CAP)
    for cap in range(top + 1):
        if cap not in keep and _prctl.prctl(_prctl.PR_CAPBSET_READ, cap):
            _prctl.prctl(_prctl.PR_CAPBSET_DROP, cap)


def set_keepcaps(on):
    _prctl.prctl(_prctl.PR_SET_KEEPCAPS, int(on))


def apply_sets(plan):
    top = min(last_cap(), _prctl.CAP_LAST_CAP)
    every = set(range(top + 1))
    # _prctl.set_caps(raise e, p, i, then clear e, p, i): what prctl.set_caps builds
    raise_ = [sorted(plan[name]) for name in ("effective", "permitted", "inheritable")]
    clear = [sorted(every - set(plan[name])) for name in ("effective", "permitted", "inheritable")]
    _prctl.set_caps(*raise_, *clear)
    L.prctl(L.PR_CAP_AMBIENT, L.PR_CAP_AMBIENT_CLEAR_ALL)
    for cap in sorted(plan["ambient"]):
        L.prctl(L.PR_CAP_AMBIENT, L.PR_CAP_AMBIENT_RAISE, cap)
