"""process.* -> what the init applies (config.md "Process", "POSIX process",
"User", "Linux process")."""
import resource
from pyrunc.record import record

from pyrunc.errors import ConfigError
from pyrunc.security.capabilities import plan_capabilities

RLIMITS = {
    "RLIMIT_CPU": 0, "RLIMIT_FSIZE": 1, "RLIMIT_DATA": 2, "RLIMIT_STACK": 3, "RLIMIT_CORE": 4,
    "RLIMIT_RSS": 5, "RLIMIT_NPROC": 6, "RLIMIT_NOFILE": 7, "RLIMIT_MEMLOCK": 8, "RLIMIT_AS": 9,
    "RLIMIT_LOCKS": 10, "RLIMIT_SIGPENDING": 11, "RLIMIT_MSGQUEUE": 12, "RLIMIT_NICE": 13,
    "RLIMIT_RTPRIO": 14, "RLIMIT_RTTIME": 15,
}
_RLIM_MAX = (1 << 64) - 1

SCHED_POLICIES = {"SCHED_OTHER": 0, "SCHED_FIFO": 1, "SCHED_RR": 2, "SCHED_BATCH": 3, "SCHED_ISO": 4,
                  "SCHED_IDLE": 5, "SCHED_DEADLINE": 6}
SCHED_FLAGS = {"SCHED_FLAG_RESET_ON_FORK": 0x01, "SCHED_FLAG_RECLAIM": 0x02, "SCHED_FLAG_DL_OVERRUN": 0x04,
               "SCHED_FLAG_KEEP_POLICY": 0x08, "SCHED_FLAG_KEEP_PARAMS": 0x10,
               "SCHED_FLAG_UTIL_CLAMP_MIN": 0x20, "SCHED_FLAG_UTIL_CLAMP_MAX": 0x40}
IOPRIO_CLASSES = {"IOPRIO_CLASS_RT": 1, "IOPRIO_CLASS_BE": 2, "IOPRIO_CLASS_IDLE": 3}
PERSONALITY_DOMAINS = {"LINUX": 0x0000, "LINUX32": 0x0008}


@record
class ProcessPlan:
    args: tuple
    env: tuple              # ("K=V", ...) exactly as configured
    cwd: str
    uid: int
    gid: int
    additional_gids: tuple
    umask: int              # None: leave runc's default 0022
    terminal: bool
    console_size: tuple     # (height, width) or None
    rlimits: tuple          # ((name, number, soft, hard), ...)
    caps: dict
    no_new_privileges: bool
    oom_score_adj: object   # int or None
    scheduler: tuple = None     # (policy, flags, nice, priority, runtime, deadline, period)
    io_priority: int = None     # ioprio_set() value: class << 13 | level
    personality: int = None
    cpus_initial: frozenset = None  # execCPUAffinity.initial: while the runtime works inside
    cpus_final: frozenset = None    # execCPUAffinity.final: for the container's program
    apparmor_profile: str = None    # process.apparmorProfile (security/apparmor.py)
    selinux_label: str = None       # process.selinuxLabel (security/selinux.py)


def _limit(v):
    return resource.RLIM_INFINITY if v >= _RLIM_MAX or v < 0 else v


def parse_cpus(text, where):
    """A cpuset list like "0-3,7" -> frozenset of cpu numbers."""
    cpus = set()
    try:
        for part in text.split(","):
            part = part.strip()
            if not part:
                continue
            lo, dash, hi = part.partition("-")
            if dash and not hi:
                raise ValueError(part)
            cpus.update(range(int(lo), int(hi or lo) + 1))
    except ValueError:
        raise ConfigError(f"{where}: {text!r} is not a cpu list like 0-3,7") from None
    if not cpus:
        raise ConfigError(f"{where}: empty cpu list")
    return frozenset(cpus)


def _scheduler(sched):
    if not sched:
        return None
    policy = sched.get("policy")
    if policy not in SCHED_POLICIES:
        raise ConfigError(f"process.scheduler.policy: unknown policy {policy!r}")
    flags = 0
    for name in sched.get("flags") or ():
        if name not in SCHED_FLAGS:
            raise ConfigError(f"process.scheduler.flags: unknown flag {name!r}")
        flags |= SCHED_FLAGS[name]
    return (SCHED_POLICIES[policy], flags, sched.get("nice", 0), sched.get("priority", 0),
            sched.get("runtime", 0), sched.get("deadline", 0), sched.get("period", 0))


def _io_priority(prio):
    if not prio:
        return None
    cls = prio.get("class")
    if cls not in IOPRIO_CLASSES:
        raise ConfigError(f"process.ioPriority.class: unknown class {cls!r}")
    level = prio.get("priority", 0)
    if not 0 <= level <= 7:
        raise ConfigError("process.ioPriority.priority: must be 0-7")
    return IOPRIO_CLASSES[cls] << 13 | level


def _personality(pers):
    if not pers:
        return None
    domain = pers.get("domain")
    if domain not in PERSONALITY_DOMAINS:
        raise ConfigError(f"linux.personality.domain: unknown domain {domain!r}")
    if pers.get("flags"):
        raise ConfigError("linux.personality.flags: no flags are defined by the spec")
    return PERSONALITY_DOMAINS[domain]


def plan_process(config):
    proc = config.get("process")
    if not isinstance(proc, dict):
        raise ConfigError("process: required to create a container")
    args = proc.get("args") or ()
    if not args:
        raise ConfigError("process.args: must name the program to run")
    user = proc.get("user") or {}
    rlimits = []
    for i, r in enumerate(proc.get("rlimits") or ()):
        name = r.get("type")
        if name not in RLIMITS:
            raise ConfigError(f"process.rlimits[{i}].type: unknown rlimit {name!r}")
        rlimits.append((name, RLIMITS[name], _limit(r["soft"]), _limit(r["hard"])))
    size = proc.get("consoleSize")
    return ProcessPlan(
        args=tuple(args),
        env=tuple(proc.get("env") or ()),
        cwd=proc.get("cwd") or "/",
        uid=user.get("uid", 0),
        gid=user.get("gid", 0),
        additional_gids=tuple(user.get("additionalGids") or ()),
        umask=user.get("umask"),
        terminal=bool(proc.get("terminal")),
        console_size=(size["height"], size["width"]) if size else None,
        rlimits=tuple(rlimits),
        caps=plan_capabilities(proc, _warn),
        no_new_privileges=bool(proc.get("noNewPrivileges")),
        oom_score_adj=proc.get("oomScoreAdj"),
        scheduler=_scheduler(proc.get("scheduler")),
        io_priority=_io_priority(proc.get("ioPriority")),
        personality=_personality((config.get("linux") or {}).get("personality")),
        cpus_initial=_affinity(proc, "initial"),
        cpus_final=_affinity(proc, "final"),
        apparmor_profile=_apparmor(proc.get("apparmorProfile")),
        selinux_label=_selinux(proc.get("selinuxLabel")),
    )


def _apparmor(profile):
    from pyrunc.security import apparmor
    apparmor.check(profile)  # an error on a host without AppArmor
    return profile or None


def _selinux(label):
    from pyrunc.security import selinux
    selinux.check(label)  # an error on a host without SELinux, as runc
    return label or None


def _warn(message):
    from pyrunc.log import logger
    logger.warning(message)


def _affinity(proc, which):
    text = (proc.get("execCPUAffinity") or {}).get(which)
    return parse_cpus(text, f"process.execCPUAffinity.{which}") if text else None
