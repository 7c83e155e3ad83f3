"""What ``exec`` runs: a process object (from --process, or the container's
own process with the command-line overrides runc applies) joined to every
namespace of the container's init."""
from pyrunc.record import record

from pyrunc.errors import ConfigError, UsageError
from pyrunc.plan.namespaces import FLAGS, NamespacePlan, plan_namespaces
from pyrunc.plan.process import plan_process
from pyrunc.plan.seccomp import plan_seccomp
from pyrunc.security.seccomp import compile_filter


@record
class ExecPlan:
    id: str
    process: object          # ProcessPlan
    preserve_fds: int
    namespaces: NamespacePlan
    seccomp: object = None   # the container's filter (security.seccomp.Filter), as runc


def parse_user(text):
    """``UID[:GID]`` (numbers only: names would need the container's NSS)."""
    uid, _, gid = text.partition(":")
    try:
        return int(uid), (int(gid) if gid else None)
    except ValueError:
        raise UsageError(f"--user {text!r}: expected UID[:GID] as numbers") from None


def _json_copy(value):
    """A deep copy of parsed JSON (``copy`` costs ~1.5 ms to import)."""
    if isinstance(value, dict):
        return {key: _json_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_copy(item) for item in value]
    return value


def process_from_flags(base, args, *, env=(), cwd="", user="", additional_gids=(), caps=(),
                       no_new_privs=False, tty=False, apparmor="", process_label=""):
    """runc's ``newProcess`` for exec without --process: the container's
    process with args replaced and the flags applied on top."""
    proc = _json_copy(base or {})
    if not args:
        raise UsageError("exec: a command is required (or --process FILE)")
    proc["args"] = list(args)
    proc["terminal"] = bool(tty)
    proc.pop("consoleSize", None)
    proc["env"] = list(proc.get("env") or ()) + list(env)
    if cwd:
        proc["cwd"] = cwd
    u = dict(proc.get("user") or {})
    if user:
        uid, gid = parse_user(user)
        u["uid"] = uid
        if gid is not None:
            u["gid"] = gid
    if additional_gids:
        try:
            u["additionalGids"] = [int(g) for g in additional_gids]
        except ValueError:
            raise UsageError("--additional-gids: expected numbers") from None
    proc["user"] = u
    if caps:
        from pyrunc.security.capabilities import NUMBERS
        unknown = [n for n in caps if n not in NUMBERS]
        if unknown:
            raise UsageError(f"--cap: unknown capability {', '.join(unknown)}")
        c = proc.setdefault("capabilities", {})
        for name in caps:
            # runc adds to bounding, effective and permitted only: never to
            # inheritable or ambient (CVE-2022-29162)
            for s in ("bounding", "effective", "permitted"):
                if name not in c.setdefault(s, []):
                    c[s].append(name)
    if no_new_privs:
        proc["noNewPrivileges"] = True
    if apparmor:
        proc["apparmorProfile"] = apparmor
    if process_label:
        proc["selinuxLabel"] = process_label
    return proc


# What an exec'd process takes from the container when its process JSON
# leaves it out (runc's newInitConfig): it is confined like the container.
INHERITED = ("capabilities", "rlimits", "apparmorProfile", "selinuxLabel")


def build(cid, container_config, process, preserve_fds=0):
    if not isinstance(process, dict):
        raise ConfigError("process: must be a JSON object")
    base = container_config.get("process") or {}
    process = dict(process)
    for key in INHERITED:
        if key not in process and key in base:
            process[key] = _json_copy(base[key])
    proc_plan = plan_process({"process": process, "linux": container_config.get("linux") or {}})
    types = plan_namespaces(container_config).types
    flags = 0
    for t in types:
        flags |= FLAGS[t]
    return ExecPlan(
        id=cid,
        process=proc_plan,
        preserve_fds=preserve_fds,
        namespaces=NamespacePlan(0, (), frozenset(types), pidfd_flags=flags),
        seccomp=compile_filter(plan_seccomp(container_config)),
    )
