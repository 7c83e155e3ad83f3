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


def _limit(v):
    return resource.RLIM_INFINITY if v >= _RLIM_MAX or v < 0 else v


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
        caps=plan_capabilities(proc),
        no_new_privileges=bool(proc.get("noNewPrivileges")),
        oom_score_adj=proc.get("oomScoreAdj"),
    )
