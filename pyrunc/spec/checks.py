"""Semantic checks of config.json: the rules the schema cannot say.

An ordered list of small named checks, after runc's
libcontainer/configs/validate/validator.go.  Each check reads the config,
reports errors and warnings on a ``Findings`` and returns nothing; CHECKS at
the bottom is the order they run in.  They run after the schema check, also
when it failed (``pyrunc validate`` shows every problem at once), so each one
reads values through the type-tolerant helpers below and skips what has the
wrong type: the schema has already said so.

What is an error and what a warning: a rule the spec states with MUST, or one
whose breach runc refuses too, is an error; where the spec asks for a warning
(capabilities the kernel cannot grant) or runc tolerates a breach that pyrunc
can ignore safely (deprecated fields), a warning.  Requests for features this
build does not implement are errors naming the feature: the spec requires an
error for unsupported values, and silently skipping, say, a seccomp profile
would run the container less confined than asked.  The list of what is
implemented is pyrunc/features.py.

Nothing here makes a syscall other than reading files (stat of the rootfs and
of namespace paths, /proc/sys/kernel/cap_last_cap).
"""
import os

from pyrunc import OCI_VERSION, features
from pyrunc.spec.validate import Problem, format_path


class Findings:
    """Errors and warnings of one validation, in the order found."""

    def __init__(self):
        self.errors = []
        self.warnings = []

    def error(self, path, message):
        self.errors.append(Problem(_path(path), message))

    def warn(self, path, message):
        self.warnings.append(Problem(_path(path), message))


def _path(path):
    return path if isinstance(path, str) else format_path(path)


class Config:
    """Type-tolerant views of the parts of a config the checks read."""

    def __init__(self, config, bundle=None):
        self.raw = config if isinstance(config, dict) else {}
        self.bundle = bundle
        self.process = obj(self.raw.get("process"))
        self.linux = obj(self.raw.get("linux"))
        self.resources = obj(self.linux.get("resources"))
        # type -> (index, entry) of the first namespace of each type
        self.namespaces = {}
        for index, ns in enumerate(arr(self.linux.get("namespaces"))):
            ns = obj(ns)
            kind = ns.get("type")
            if isinstance(kind, str) and kind not in self.namespaces:
                self.namespaces[kind] = (index, ns)

    def has_ns(self, kind):
        """True if the container gets its own (new or joined) namespace of *kind*."""
        return kind in self.namespaces

    def ns_path(self, kind):
        found = self.namespaces.get(kind)
        return text(found[1].get("path")) if found else None


def obj(value):
    return value if isinstance(value, dict) else {}


def arr(value):
    return value if isinstance(value, list) else []


def text(value):
    return value if isinstance(value, str) else None


def integer(value):
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# ---------------------------------------------------------------------------
# Reference tables
# ---------------------------------------------------------------------------

# getrlimit(2) resources on Linux.
RLIMITS = frozenset((
    "RLIMIT_AS", "RLIMIT_CORE", "RLIMIT_CPU", "RLIMIT_DATA", "RLIMIT_FSIZE", "RLIMIT_LOCKS",
    "RLIMIT_MEMLOCK", "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_NOFILE", "RLIMIT_NPROC",
    "RLIMIT_RSS", "RLIMIT_RTPRIO", "RLIMIT_RTTIME", "RLIMIT_SIGPENDING", "RLIMIT_STACK",
))

# sysctls the IPC namespace owns (ipc_namespaces(7)); fs.mqueue.* too.
IPC_SYSCTLS = frozenset((
    "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall",
    "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
))

# runtime-spec 1.3.0 config.md "Annotations": the keys of the reserved namespace.
RESERVED_ANNOTATIONS = frozenset((
    "org.opencontainers.image.os", "org.opencontainers.image.os.version",
    "org.opencontainers.image.os.features", "org.opencontainers.image.architecture",
    "org.opencontainers.image.variant", "org.opencontainers.image.author",
    "org.opencontainers.image.created", "org.opencontainers.image.stopSignal",
))

_ID_CHARS = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-")


def _number(part):
    """A SemVer numeric identifier: ASCII digits, no leading zero."""
    return part.isascii() and part.isdigit() and (part == "0" or part[0] != "0")


def semver(version):
    """(major, minor, patch) of a SemVer 2.0.0 string, or None.  By hand
    rather than the spec's 300-character regex, whose compile costs more than
    the rest of the checks."""
    core, plus, build = version.partition("+")
    core, dash, pre = core.partition("-")
    for present, ids, numeric_rule in ((dash, pre, True), (plus, build, False)):
        if not present:
            continue
        for ident in ids.split("."):
            if not ident or not set(ident) <= _ID_CHARS:
                return None
            if numeric_rule and ident.isdigit() and not _number(ident):
                return None
    parts = core.split(".")
    if len(parts) != 3 or not all(_number(p) for p in parts):
        return None
    return tuple(int(p) for p in parts)


def stop_signal_valid(value):
    """True if *value* names a signal the way runc's kill accepts it."""
    from pyrunc.errors import PyruncError
    from pyrunc.signals import parse_signal
    try:
        parse_signal(value)
    except PyruncError:
        return False
    return bool(value.strip())


def _components(path):
    return [part for part in path.split("/") if part]


# ---------------------------------------------------------------------------
# The checks, in the order CHECKS runs them.
# ---------------------------------------------------------------------------

def oci_version(cfg, out):
    """ociVersion MUST be SemVer 2.0.0 (config.md); pyrunc speaks 1.x, and
    later 1.x configs may carry fields it does not know (a warning)."""
    version = text(cfg.raw.get("ociVersion"))
    if version is None:
        return
    theirs = semver(version)
    if theirs is None:
        out.error("ociVersion", f"{version!r} is not a SemVer 2.0.0 version")
        return
    mine = semver(OCI_VERSION)
    if theirs[0] != mine[0]:
        out.error("ociVersion", f"runtime-spec {version} is not supported (pyrunc implements {OCI_VERSION})")
    elif theirs[:2] > mine[:2]:
        out.warn("ociVersion", f"config is for runtime-spec {version}, newer than {OCI_VERSION}: fields added since are ignored")


def root_present(cfg, out):
    """root is REQUIRED on every platform but Windows (config.md 'Root')."""
    if "root" not in cfg.raw:
        out.error("root", "missing required property")


def root_is_directory(cfg, out):
    """'A directory MUST exist at the path declared by the field'; a relative
    path is relative to the bundle.  Needs the bundle, so skipped without one."""
    path = text(obj(cfg.raw.get("root")).get("path"))
    if path is None or cfg.bundle is None:
        return
    if path == "":
        out.error("root.path", "must not be empty")
        return
    full = os.path.join(cfg.bundle, path)
    if not os.path.exists(full):
        out.error("root.path", f"{full}: no such directory")
    elif not os.path.isdir(full):
        out.error("root.path", f"{full}: not a directory")


def process_present(cfg, out):
    """process is REQUIRED when start is called (config.md 'Process'); create
    and run both lead to start, so refuse early."""
    if "process" not in cfg.raw:
        out.error("process", "missing required property (create and run need a process)")


def process_cwd_absolute(cfg, out):
    """cwd 'MUST be an absolute path'."""
    cwd = text(cfg.process.get("cwd"))
    if cwd is not None and not cwd.startswith("/"):
        out.error("process.cwd", f"{cwd!r} is not an absolute path")


def process_args(cfg, out):
    """args: 'at least one entry is REQUIRED (non-Windows)'; args[0] is what
    execvp runs."""
    if "process" not in cfg.raw or not isinstance(cfg.raw.get("process"), dict):
        return
    args = cfg.process.get("args")
    if args is None or (isinstance(args, list) and not args):
        out.error("process.args", "at least one entry is required")
    elif isinstance(args, list) and args[0] == "":
        out.error("process.args[0]", "must not be empty")


def process_env(cfg, out):
    """env has environ(7) semantics: NAME=value with a non-empty NAME.  An
    entry without '=' or with a NUL cannot be passed to execve (runc refuses
    them too)."""
    for index, entry in enumerate(arr(cfg.process.get("env"))):
        if not isinstance(entry, str):
            continue
        name, eq, _ = entry.partition("=")
        if not eq:
            out.error(f"process.env[{index}]", f"{entry!r} has no '=' (expected NAME=value)")
        elif not name:
            out.error(f"process.env[{index}]", "the variable name is empty")
        elif "\0" in entry:
            out.error(f"process.env[{index}]", "contains a NUL byte")


def process_user(cfg, out):
    """user.uid and user.gid are REQUIRED on POSIX (config.md 'User') but
    runc takes a missing one as 0, and so does pyrunc, with a warning."""
    user = cfg.process.get("user")
    if not isinstance(user, dict):
        return
    for field in ("uid", "gid"):
        if field not in user:
            out.warn(f"process.user.{field}", "missing (REQUIRED by the spec); taken as 0")


def rlimits(cfg, out):
    """Each type must name a getrlimit(2) resource and appear once (both MUST
    in config.md); soft above hard is refused by setrlimit(2), so say it now."""
    seen = {}
    for index, limit in enumerate(arr(cfg.process.get("rlimits"))):
        limit = obj(limit)
        kind = text(limit.get("type"))
        if kind is None:
            continue
        if kind not in RLIMITS:
            out.error(f"process.rlimits[{index}].type", f"unknown resource {kind!r}")
        if kind in seen:
            out.error(f"process.rlimits[{index}].type", f"duplicate of process.rlimits[{seen[kind]}]")
        seen.setdefault(kind, index)
        soft, hard = integer(limit.get("soft")), integer(limit.get("hard"))
        if soft is not None and hard is not None and soft > hard:
            out.error(f"process.rlimits[{index}].soft", f"{soft} is above the hard limit {hard}")


def capability_names(cfg, out):
    """Capabilities the kernel cannot grant 'MUST be logged as a warning' and
    runtimes 'SHOULD NOT fail' (config.md 'Linux Process'): warnings only."""
    known = set(features.CAPABILITIES)
    kernel = set(features.kernel_capabilities())
    caps = obj(cfg.process.get("capabilities"))
    for kind in ("bounding", "effective", "inheritable", "permitted", "ambient"):
        for index, name in enumerate(arr(caps.get(kind))):
            if not isinstance(name, str):
                continue
            path = f"process.capabilities.{kind}[{index}]"
            if name not in known:
                out.warn(path, f"unknown capability {name!r}: ignored")
            elif name not in kernel:
                out.warn(path, f"{name} is not known to this kernel: ignored")


def oom_score_adj(cfg, out):
    """/proc/<pid>/oom_score_adj takes -1000..1000 (proc(5))."""
    value = integer(cfg.process.get("oomScoreAdj"))
    if value is not None and not -1000 <= value <= 1000:
        out.error("process.oomScoreAdj", f"{value} is outside -1000..1000")


def io_priority(cfg, out):
    """ioPriority.priority ranges 0 (highest) to 7 (lowest) (config.md)."""
    value = integer(obj(cfg.process.get("ioPriority")).get("priority"))
    if value is not None and not 0 <= value <= 7:
        out.error("process.ioPriority.priority", f"{value} is outside 0..7")


def scheduler(cfg, out):
    """sched_setattr(2) limits: nice -20..19; SCHED_FIFO/RR take a priority
    1..99 and the other policies 0; SCHED_DEADLINE needs
    runtime <= deadline <= period (a period of 0 means 'the deadline')."""
    sched = cfg.process.get("scheduler")
    if not isinstance(sched, dict):
        return
    policy = text(sched.get("policy"))
    nice = integer(sched.get("nice"))
    if nice is not None and not -20 <= nice <= 19:
        out.error("process.scheduler.nice", f"{nice} is outside -20..19")
    priority = integer(sched.get("priority"))
    if priority is not None:
        if policy in ("SCHED_FIFO", "SCHED_RR"):
            if not 1 <= priority <= 99:
                out.error("process.scheduler.priority", f"{priority} is outside 1..99 for {policy}")
        elif priority != 0 and policy is not None:
            out.error("process.scheduler.priority", f"must be 0 for {policy}")
    if policy == "SCHED_DEADLINE":
        runtime = integer(sched.get("runtime")) or 0
        deadline = integer(sched.get("deadline")) or 0
        period = integer(sched.get("period")) or 0
        if runtime == 0 or deadline == 0:
            out.error("process.scheduler", "SCHED_DEADLINE needs runtime and deadline")
        elif not runtime <= deadline <= (period or deadline):
            out.error("process.scheduler", "SCHED_DEADLINE needs runtime <= deadline <= period")


def namespace_types_unique(cfg, out):
    """'If a namespaces field contains duplicated namespaces with same type,
    the runtime MUST generate an error.'"""
    seen = {}
    for index, ns in enumerate(arr(cfg.linux.get("namespaces"))):
        kind = text(obj(ns).get("type"))
        if kind is None:
            continue
        if kind in seen:
            out.error(f"linux.namespaces[{index}].type", f"duplicate {kind!r} namespace (first at linux.namespaces[{seen[kind]}])")
        seen.setdefault(kind, index)


def namespaces_supported(cfg, out):
    """Refuse a namespace type this build cannot create or join, or that this
    kernel lacks (no /proc/self/ns/<name>)."""
    proc_names = {"network": "net", "mount": "mnt"}
    for index, ns in enumerate(arr(cfg.linux.get("namespaces"))):
        kind = text(obj(ns).get("type"))
        if kind is None:
            continue
        if kind not in features.NAMESPACES:
            out.error(f"linux.namespaces[{index}].type", f"{kind} namespaces are not supported by pyrunc yet")
        elif not os.path.exists(f"{features.PROC}/self/ns/{proc_names.get(kind, kind)}"):
            out.error(f"linux.namespaces[{index}].type", f"this kernel has no {kind} namespaces")


def namespace_paths(cfg, out):
    """path 'MUST be an absolute path in the runtime mount namespace', and the
    runtime must join it, so it must exist."""
    for index, ns in enumerate(arr(cfg.linux.get("namespaces"))):
        path = obj(ns).get("path")
        if not isinstance(path, str) or path == "":
            continue
        if not path.startswith("/"):
            out.error(f"linux.namespaces[{index}].path", f"{path!r} is not an absolute path")
        elif not os.path.exists(path):
            out.error(f"linux.namespaces[{index}].path", f"{path}: no such file")


def hostname_needs_uts(cfg, out):
    """Setting a hostname or domainname without a UTS namespace would rename
    the host (runc: 'unable to set hostname without a private UTS namespace')."""
    for field in ("hostname", "domainname"):
        if text(cfg.raw.get(field)) and not cfg.has_ns("uts"):
            out.error(field, "needs a uts namespace in linux.namespaces")


def id_mappings_need_userns(cfg, out):
    """uid/gid mappings only mean something for a new user namespace; a new
    user namespace without mappings (and without a path to join) leaves every
    id unmapped (runc refuses both)."""
    has_maps = "uidMappings" in cfg.linux or "gidMappings" in cfg.linux
    if not cfg.has_ns("user"):
        for field in ("uidMappings", "gidMappings"):
            if field in cfg.linux:
                out.error(f"linux.{field}", "needs a user namespace in linux.namespaces")
    elif not cfg.ns_path("user") and not has_maps:
        out.error("linux.namespaces", "a new user namespace needs linux.uidMappings and linux.gidMappings")
    elif not cfg.ns_path("user") and ("uidMappings" in cfg.linux) != ("gidMappings" in cfg.linux):
        missing = "gidMappings" if "uidMappings" in cfg.linux else "uidMappings"
        out.error(f"linux.{missing}", "missing: a new user namespace needs both uid and gid mappings")


def time_offsets_need_timens(cfg, out):
    """Clock offsets are written for a new time namespace before any process
    enters it (time_namespaces(7)): they need one, and not a joined one."""
    if "timeOffsets" not in cfg.linux:
        return
    if not cfg.has_ns("time"):
        out.error("linux.timeOffsets", "needs a time namespace in linux.namespaces")
    elif cfg.ns_path("time"):
        out.error("linux.timeOffsets", "cannot be set when joining an existing time namespace")


def sysctls(cfg, out):
    """A sysctl is set in the container only if the container has its own
    namespace owning it (runc's rules): IPC ones need ipc, net.* a network
    namespace other than the host's, kernel.domainname uts.  Names may use
    '/' or '.'; '..' or empty parts would walk out of /proc/sys."""
    host_net = _host_netns_joined(cfg)
    for key in obj(cfg.linux.get("sysctl")):
        path = ["linux", "sysctl", key]
        name = key.replace("/", ".")
        parts = name.split(".")
        if "" in parts or ".." in key.split("/") or "\0" in key:
            out.error(path, "is not a valid sysctl name")
            continue
        if name in IPC_SYSCTLS or name.startswith("fs.mqueue."):
            if not cfg.has_ns("ipc"):
                out.error(path, "needs an ipc namespace in linux.namespaces")
        elif name.startswith("net."):
            if not cfg.has_ns("network"):
                out.error(path, "needs a network namespace in linux.namespaces")
            elif host_net:
                out.error(path, "cannot be set in the host's network namespace")
        elif name == "kernel.domainname":
            if not cfg.has_ns("uts"):
                out.error(path, "needs a uts namespace in linux.namespaces")
        elif name == "kernel.hostname":
            out.error(path, "use the hostname field instead")
        else:
            out.error(path, "is not namespaced: setting it would change the host")


def _host_netns_joined(cfg):
    """True when the network namespace to join is the one pyrunc runs in."""
    path = cfg.ns_path("network")
    if not path:
        return False
    try:
        theirs, mine = os.stat(path), os.stat(f"{features.PROC}/self/ns/net")
    except OSError:
        return False
    return (theirs.st_dev, theirs.st_ino) == (mine.st_dev, mine.st_ino)


def masked_and_readonly_paths(cfg, out):
    """maskedPaths and readonlyPaths 'MUST be absolute paths in the container
    namespace', and masking them without a mount namespace would mask the
    host's (runc: 'unable to restrict sys entries without a private MNT
    namespace')."""
    for field in ("maskedPaths", "readonlyPaths"):
        paths = arr(cfg.linux.get(field))
        for index, path in enumerate(paths):
            if isinstance(path, str) and not path.startswith("/"):
                out.error(f"linux.{field}[{index}]", f"{path!r} is not an absolute path")
        if paths and not cfg.has_ns("mount"):
            out.error(f"linux.{field}", "needs a mount namespace in linux.namespaces")


def mounts(cfg, out):
    """config.md 'Mounts': a relative destination is deprecated (taken as
    relative to '/'); id-mapped mounts follow the rules of idmapped_mount;
    options the spec names but pyrunc does not implement yet are refused
    rather than handed to mount(2) as filesystem data; a bind source must
    exist."""
    for index, mount in enumerate(arr(cfg.raw.get("mounts"))):
        mount = obj(mount)
        where = f"mounts[{index}]"
        dest = text(mount.get("destination"))
        if dest == "":
            out.error(f"{where}.destination", "must not be empty")
        elif dest is not None and not dest.startswith("/"):
            out.warn(f"{where}.destination", f"{dest!r} is relative (deprecated): taken as /{dest}")
        options = [o for o in arr(mount.get("options")) if isinstance(o, str)]
        is_bind = "bind" in options or "rbind" in options or mount.get("type") == "bind"
        idmapped_mount(cfg, out, where, mount, is_bind)
        for o_index, option in enumerate(arr(mount.get("options"))):
            if not isinstance(option, str):
                continue  # the schema check reports it
            if option in features.SPEC_MOUNT_OPTIONS and option not in features.MOUNT_OPTIONS:
                out.error(f"{where}.options[{o_index}]", f"mount option {option!r} is not supported by pyrunc yet")
        source = text(mount.get("source"))
        if cfg.bundle and source and is_bind:
            full = os.path.join(cfg.bundle, source)
            if not os.path.lexists(full):
                out.error(f"{where}.source", f"{full}: no such file or directory")


def idmapped_mount(cfg, out, where, mount, is_bind):
    """config.md 'Mounts', idmap/ridmap and uidMappings/gidMappings:
    uidMappings and gidMappings come together (MUST), and not empty; without
    them the idmap is the container's user namespace's, and without one
    either an error MUST be returned.  As runc: only a bind mount can be
    id-mapped (the idmap goes on a clone of the source's mounts), and
    mappings without idmap or ridmap map the mount as idmap (the spec says
    they SHOULD come with one: a warning)."""
    mapped = [f for f in ("uidMappings", "gidMappings") if f in mount]
    flagged = [(i, o) for i, o in enumerate(arr(mount.get("options"))) if o in ("idmap", "ridmap")]
    if not mapped and not flagged:
        return
    if not features.IDMAP_MOUNTS:
        out.error(where, "id-mapped mounts are not supported by pyrunc yet")
        return
    if len(mapped) == 1:
        missing = "gidMappings" if mapped == ["uidMappings"] else "uidMappings"
        out.error(f"{where}.{missing}", "missing: uidMappings and gidMappings must be given together")
    for field in mapped:
        if mount.get(field) == []:
            out.error(f"{where}.{field}", "must not be empty: an id-mapped mount needs at least one mapping")
    if not is_bind:
        out.error(where, "id-mapped mounts (idmap, ridmap, uidMappings) are only supported for bind mounts")
    if not mapped and not cfg.has_ns("user"):
        o_index, option = flagged[-1]
        out.error(f"{where}.options[{o_index}]",
                  f"{option!r} needs {where}.uidMappings and gidMappings, or a user namespace in linux.namespaces")
    if mapped and not flagged:
        out.warn(where, "uidMappings/gidMappings without the idmap or ridmap option: mapped as idmap (not recursive)")


def devices(cfg, out):
    """config-linux.md 'Devices': type is exactly one of c, b, u, p; path is
    the full path in the container; major and minor are REQUIRED unless the
    type is p (a FIFO)."""
    for index, device in enumerate(arr(cfg.linux.get("devices"))):
        device = obj(device)
        where = f"linux.devices[{index}]"
        kind = text(device.get("type"))
        if kind is not None and kind not in ("c", "b", "u", "p"):
            out.error(f"{where}.type", f"{kind!r} is not one of c, b, u, p")
        path = text(device.get("path"))
        if path is not None and not path.startswith("/"):
            out.error(f"{where}.path", f"{path!r} is not an absolute path")
        if kind in ("c", "b", "u"):
            for field in ("major", "minor"):
                if field not in device:
                    out.error(f"{where}.{field}", f"missing: required for type {kind!r}")


def cgroups_path(cfg, out):
    """cgroupsPath names a cgroup below the cgroup root: '..' could climb out
    of it and '/' is the root itself, whose limits are the host's.  The
    systemd form 'slice:prefix:name' means something only with
    --systemd-cgroup, which pyrunc does not support yet."""
    path = cfg.linux.get("cgroupsPath")
    if not isinstance(path, str) or path == "":
        return
    if "\0" in path or "\n" in path:
        out.error("linux.cgroupsPath", "contains a NUL or newline")
    elif ".." in path.split("/"):
        out.error("linux.cgroupsPath", f"{path!r} has a '..' component")
    elif not _components(path):
        out.error("linux.cgroupsPath", "must name a cgroup below the root, not the root itself")
    elif path.count(":") == 2 and "/" not in path:
        out.warn("linux.cgroupsPath", f"{path!r} looks like a systemd slice:prefix:name path; "
                 "without --systemd-cgroup it is used as a plain cgroupfs path")


def resources_memory(cfg, out):
    """Kernel memory limits are deprecated (not in cgroup v2; runc ignores
    them): warnings.  memory.swap is memory+swap, so below memory.limit it is
    refused by the kernel; swappiness ranges 0..100."""
    memory = obj(cfg.resources.get("memory"))
    where = "linux.resources.memory"
    for field in ("kernel", "kernelTCP"):
        if field in memory:
            out.warn(f"{where}.{field}", "deprecated (NOT RECOMMENDED by the spec, absent in cgroup v2): "
                     "written only where the kernel still has the file")
    limit, swap = integer(memory.get("limit")), integer(memory.get("swap"))
    if limit is not None and swap is not None and limit > 0 and swap > 0 and swap < limit:
        out.error(f"{where}.swap", f"{swap} is below memory.limit {limit} (swap counts memory+swap)")
    swappiness = integer(memory.get("swappiness"))
    if swappiness is not None and swappiness > 100:
        out.error(f"{where}.swappiness", f"{swappiness} is above 100")


def resources_cpu(cfg, out):
    """burst 'MUST be no larger than any positive quota'; idle is 0 or 1."""
    cpu = obj(cfg.resources.get("cpu"))
    quota, burst = integer(cpu.get("quota")), integer(cpu.get("burst"))
    if quota is not None and burst is not None and quota > 0 and burst > quota:
        out.error("linux.resources.cpu.burst", f"{burst} is larger than cpu.quota {quota}")
    idle = integer(cpu.get("idle"))
    if idle is not None and idle not in (0, 1):
        out.error("linux.resources.cpu.idle", f"{idle} is not 0 or 1")


def resources_block_io(cfg, out):
    """weightDevice entries need weight or leafWeight (MUST); throttle entries
    need a rate (REQUIRED in the text, not in the upstream schema)."""
    block = obj(cfg.resources.get("blockIO"))
    where = "linux.resources.blockIO"
    for index, entry in enumerate(arr(block.get("weightDevice"))):
        entry = obj(entry)
        if "weight" not in entry and "leafWeight" not in entry:
            out.error(f"{where}.weightDevice[{index}]", "needs weight or leafWeight")
    for field in ("throttleReadBpsDevice", "throttleWriteBpsDevice",
                  "throttleReadIOPSDevice", "throttleWriteIOPSDevice"):
        for index, entry in enumerate(arr(block.get(field))):
            if isinstance(entry, dict) and "rate" not in entry:
                out.error(f"{where}.{field}[{index}].rate", "missing required property")


def resources_devices(cfg, out):
    """Device cgroup rules: type is a, b or c; access a combination of r, w, m."""
    for index, rule in enumerate(arr(cfg.resources.get("devices"))):
        rule = obj(rule)
        where = f"linux.resources.devices[{index}]"
        kind = text(rule.get("type"))
        if kind is not None and kind not in ("a", "b", "c"):
            out.error(f"{where}.type", f"{kind!r} is not one of a, b, c")
        access = text(rule.get("access"))
        if access is not None and not set(access) <= set("rwm"):
            out.error(f"{where}.access", f"{access!r} is not a combination of r, w, m")


def resources_rdma(cfg, out):
    """Each rdma entry needs hcaHandles or hcaObjects (MUST)."""
    rdma = cfg.resources.get("rdma")
    if not isinstance(rdma, dict):
        return
    if rdma and not features.CGROUP.get("rdma"):
        out.error("linux.resources.rdma", "the rdma cgroup controller is not supported by pyrunc yet")
    for name, entry in rdma.items():
        if isinstance(entry, dict) and "hcaHandles" not in entry and "hcaObjects" not in entry:
            out.error(["linux", "resources", "rdma", name], "needs hcaHandles or hcaObjects")


def resources_unified(cfg, out):
    """unified keys are file names in the container's cgroup directory: a '/'
    or a '..' would write elsewhere."""
    for key in obj(cfg.resources.get("unified")):
        if "/" in key or key in ("", ".", "..") or "\0" in key:
            out.error(["linux", "resources", "unified", key], "is not a cgroup file name")


def hooks(cfg, out):
    """Hook paths MUST be absolute; prestart is deprecated; hook kinds pyrunc
    does not run yet are refused, not skipped."""
    for kind, entries in obj(cfg.raw.get("hooks")).items():
        entries = arr(entries)
        if not entries:
            continue
        if kind == "prestart":
            out.warn("hooks.prestart", "deprecated: use createRuntime, createContainer or startContainer")
        if kind not in features.HOOKS and kind in (
                "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"):
            out.error(f"hooks.{kind}", f"{kind} hooks are not supported by pyrunc yet")
        for index, hook in enumerate(entries):
            path = obj(hook).get("path")
            if isinstance(path, str) and not path.startswith("/"):
                out.error(f"hooks.{kind}[{index}].path", f"{path!r} is not an absolute path")


def seccomp(cfg, out):
    """config-linux.md 'Seccomp': an errno return only with an action that
    returns one (MUST fail otherwise); listenerMetadata only with
    listenerPath; SCMP_ACT_NOTIFY needs a listener and cannot be the default
    (libseccomp refuses it); names newer than the linked libseccomp are
    errors.  Unknown syscall names are warnings: runc skips them, since a
    profile lists syscalls of many kernels."""
    profile = cfg.linux.get("seccomp")
    if not isinstance(profile, dict):
        return
    where = "linux.seccomp"
    if not features.SECCOMP:
        out.error(where, "seccomp is not supported by pyrunc yet")
    errno_actions = ("SCMP_ACT_ERRNO", "SCMP_ACT_TRACE")
    default = text(profile.get("defaultAction"))
    if default == "SCMP_ACT_NOTIFY":
        out.error(f"{where}.defaultAction", "SCMP_ACT_NOTIFY cannot be the default action")
    if "defaultErrnoRet" in profile and default is not None and default not in errno_actions:
        out.error(f"{where}.defaultErrnoRet", f"{default} does not return an errno")
    if "listenerMetadata" in profile and not text(profile.get("listenerPath")):
        out.error(f"{where}.listenerMetadata", "must not be set without listenerPath")
    version = features.libseccomp_version()
    names = [(f"{where}.defaultAction", default)]
    names += [(f"{where}.architectures[{i}]", a) for i, a in enumerate(arr(profile.get("architectures")))]
    names += [(f"{where}.flags[{i}]", f) for i, f in enumerate(arr(profile.get("flags")))]
    uses_notify = default == "SCMP_ACT_NOTIFY"
    for index, rule in enumerate(arr(profile.get("syscalls"))):
        rule = obj(rule)
        action = text(rule.get("action"))
        names.append((f"{where}.syscalls[{index}].action", action))
        uses_notify = uses_notify or action == "SCMP_ACT_NOTIFY"
        if "errnoRet" in rule and action is not None and action not in errno_actions:
            out.error(f"{where}.syscalls[{index}].errnoRet", f"{action} does not return an errno")
        for n_index, name in enumerate(arr(rule.get("names"))):
            if isinstance(name, str) and syscall_known(name) is False:
                out.warn(f"{where}.syscalls[{index}].names[{n_index}]", f"unknown syscall {name!r}: skipped")
    for path, name in names:
        if isinstance(name, str) and not features.seccomp_knows(name, version):
            found = ".".join(map(str, version)) if version else "?"
            out.error(path, f"{name} needs a newer libseccomp than the linked {found}")
    if uses_notify and not text(profile.get("listenerPath")):
        out.error(f"{where}.listenerPath", "required when SCMP_ACT_NOTIFY is used")


def syscall_known(name):
    """True/False if libseccomp knows syscall *name* on this architecture;
    None when pyrunc's extension cannot ask (then nothing is reported)."""
    try:
        from pyrunc import linux
    except ImportError:
        return None
    resolve = getattr(linux, "syscall_number", None)
    if resolve is None:
        return None
    return resolve(name) is not None


def security_labels(cfg, out):
    """AppArmor and SELinux labels pyrunc cannot apply are refused: running
    the process unconfined instead would be a silent downgrade."""
    if text(cfg.process.get("apparmorProfile")) and not features.APPARMOR:
        out.error("process.apparmorProfile", "AppArmor is not supported by pyrunc yet")
    if text(cfg.process.get("selinuxLabel")) and not features.SELINUX:
        out.error("process.selinuxLabel", "SELinux is not supported by pyrunc yet")
    if text(cfg.linux.get("mountLabel")) and not features.SELINUX:
        out.error("linux.mountLabel", "SELinux is not supported by pyrunc yet")


def intel_rdt(cfg, out):
    """linux.intelRdt needs resctrl support, which pyrunc does not have yet."""
    if isinstance(cfg.linux.get("intelRdt"), dict) and not features.INTEL_RDT:
        out.error("linux.intelRdt", "Intel RDT is not supported by pyrunc yet")


def memory_policy(cfg, out):
    """config-linux.md 'Memory policy': mode is REQUIRED; MPOL_DEFAULT and
    MPOL_LOCAL take no nodes, the other modes at least one (set_mempolicy(2))."""
    policy = cfg.linux.get("memoryPolicy")
    if not isinstance(policy, dict):
        return
    if not features.MEMORY_POLICY:
        out.error("linux.memoryPolicy", "memory policies are not supported by pyrunc yet")
    mode = text(policy.get("mode"))
    nodes = text(policy.get("nodes")) or ""
    if "mode" not in policy:
        out.error("linux.memoryPolicy.mode", "missing required property")
    elif mode in ("MPOL_DEFAULT", "MPOL_LOCAL") and nodes:
        out.error("linux.memoryPolicy.nodes", f"must be empty for {mode}")
    elif mode in ("MPOL_BIND", "MPOL_INTERLEAVE", "MPOL_WEIGHTED_INTERLEAVE", "MPOL_PREFERRED_MANY") and not nodes:
        out.error("linux.memoryPolicy.nodes", f"{mode} needs at least one node")


def net_devices(cfg, out):
    """Moving host interfaces in needs support pyrunc does not have yet, and
    a network namespace of the container's own."""
    devices = cfg.linux.get("netDevices")
    if not isinstance(devices, dict) or not devices:
        return
    if not features.NET_DEVICES:
        out.error("linux.netDevices", "moving network devices is not supported by pyrunc yet")
    if not cfg.has_ns("network"):
        out.error("linux.netDevices", "needs a network namespace in linux.namespaces")


def personality(cfg, out):
    """domain is REQUIRED and 'currently no flag values are supported'."""
    persona = cfg.linux.get("personality")
    if not isinstance(persona, dict):
        return
    if "domain" not in persona:
        out.error("linux.personality.domain", "missing required property")
    if arr(persona.get("flags")):
        out.error("linux.personality.flags", "no personality flags are supported")


def annotations(cfg, out):
    """Keys MUST NOT be empty and values MUST be strings (the schema's key
    pattern lets both through for some keys).  Unknown keys are ignored as the
    spec requires, except that keys in the reserved org.opencontainers
    namespace that 1.3.0 does not define get a warning, and the stop signal
    must be a signal."""
    for key, value in obj(cfg.raw.get("annotations")).items():
        path = ["annotations", key]
        if key == "":
            out.error("annotations", "a key is empty")
        if not isinstance(value, str):
            out.error(path, "expected string")
        elif key == "org.opencontainers.image.stopSignal" and not stop_signal_valid(value):
            out.error(path, f"{value!r} is not a signal")
        if key.startswith("org.opencontainers.") and key not in RESERVED_ANNOTATIONS:
            out.warn(path, "reserved key not defined by runtime-spec 1.3.0: ignored")


CHECKS = (
    oci_version,
    root_present,
    root_is_directory,
    process_present,
    process_cwd_absolute,
    process_args,
    process_env,
    process_user,
    rlimits,
    capability_names,
    oom_score_adj,
    io_priority,
    scheduler,
    namespace_types_unique,
    namespaces_supported,
    namespace_paths,
    hostname_needs_uts,
    id_mappings_need_userns,
    time_offsets_need_timens,
    sysctls,
    masked_and_readonly_paths,
    mounts,
    devices,
    cgroups_path,
    resources_memory,
    resources_cpu,
    resources_block_io,
    resources_devices,
    resources_rdma,
    resources_unified,
    hooks,
    seccomp,
    security_labels,
    intel_rdt,
    memory_policy,
    net_devices,
    personality,
    annotations,
)


def run(config, bundle=None, checks=CHECKS):
    """Run *checks* in order; return the Findings."""
    cfg = Config(config, bundle)
    out = Findings()
    for check in checks:
        check(cfg, out)
    return out
