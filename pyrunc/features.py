"""What this build of pyrunc implements, and the features document built from
it (runtime-spec features.md, features-linux.md).

The declared facts below are the one place that says what is supported.
``pyrunc features`` reports them, and the semantic checks
(pyrunc/spec/checks.py) refuse a config that asks for something marked
unsupported, so the two can never disagree.  When a feature lands, flip its
entry here (each says what to flip) and both follow.

Machine facts (the capabilities the kernel knows, the linked libseccomp) are
read when the document is built.  Nothing here imports the compiled module
until a function needs it.
"""
from pyrunc import OCI_VERSION, __version__
from pyrunc.plan import mounts as _mount_plan

OCI_VERSION_MIN = "1.0.0"

# ---------------------------------------------------------------------------
# Declared facts: what this build implements.  FLIP HERE when a feature lands.
# ---------------------------------------------------------------------------

# linux.namespaces[].type values pyrunc creates or joins.
# FLIP: add "user" when id-mapped user namespaces land, "time" with timeOffsets.
NAMESPACES = ("cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts")

# hooks.* kinds pyrunc runs.  FLIP: list each kind as it is implemented.
HOOKS = ("prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop")

# Cgroup managers.  FLIP: systemd/systemdUser with the systemd driver,
# rdma with linux.resources.rdma.
CGROUP = {"v1": True, "v2": True, "systemd": False, "systemdUser": False, "rdma": True}

SECCOMP = True         # linux.seccomp: compiled by libseccomp, loaded by pyrunc (security/seccomp.py)
APPARMOR = True        # process.apparmorProfile (security/apparmor.py)
SELINUX = True         # process.selinuxLabel, linux.mountLabel (security/selinux.py)
INTEL_RDT = False      # FLIP with linux.intelRdt
MEMORY_POLICY = False  # FLIP with linux.memoryPolicy (set_mempolicy)
NET_DEVICES = False    # FLIP with linux.netDevices
IDMAP_MOUNTS = True    # mounts[].uidMappings/gidMappings, idmap/ridmap (rootfs/idmap.py)

# mounts[].options pyrunc understands, read from the tables the mount code
# itself uses (flags, propagation, recursive mount_setattr attributes,
# idmap/ridmap, tmpcopyup).  Unknown strings are filesystem data (config.md).
# runc 1.2 honours idmap and ridmap but leaves them out of this list;
# features.md says it lists the options the runtime recognises, so pyrunc's
# has them.
MOUNT_OPTIONS = tuple(_mount_plan.FLAGS) + tuple(_mount_plan.PROPAGATION) + tuple(_mount_plan.RECURSIVE) \
    + (tuple(_mount_plan.IDMAP) if IDMAP_MOUNTS else ()) + tuple(sorted(_mount_plan.EXTENSIONS))

# ---------------------------------------------------------------------------
# Reference tables from the spec and the kernel (not build facts).
# ---------------------------------------------------------------------------

# config.md "Linux mount options": every option string the spec names.
SPEC_MOUNT_OPTIONS = frozenset((
    "async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec", "iversion",
    "lazytime", "loud", "mand", "noatime", "nodev", "nodiratime", "noexec", "noiversion",
    "nolazytime", "nomand", "norelatime", "nostrictatime", "nosuid", "nosymfollow", "private",
    "ratime", "rbind", "rdev", "rdiratime", "relatime", "remount", "rexec", "rnoatime",
    "rnodev", "rnodiratime", "rnoexec", "rnorelatime", "rnostrictatime", "rnosuid",
    "rnosymfollow", "ro", "rprivate", "rrelatime", "rro", "rrw", "rshared", "rslave",
    "rstrictatime", "rsuid", "rsymfollow", "runbindable", "rw", "shared", "silent", "slave",
    "strictatime", "suid", "symfollow", "sync", "tmpcopyup", "unbindable", "idmap", "ridmap",
))

# capabilities(7), indexed by capability number.
CAPABILITIES = (
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
    "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
    "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
    "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN",
    "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON",
    "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
)

# The libseccomp release that first knew each name the spec lists (names not
# here are older than 2.2, the oldest release pyrunc can link).  Used while the
# extension cannot ask libseccomp directly (see seccomp_knows).
SECCOMP_SINCE = {
    "SCMP_ACT_KILL_PROCESS": (2, 4, 0), "SCMP_ACT_KILL_THREAD": (2, 4, 0),
    "SCMP_ACT_LOG": (2, 4, 0), "SCMP_ACT_NOTIFY": (2, 5, 0),
    "SCMP_ARCH_PARISC": (2, 4, 0), "SCMP_ARCH_PARISC64": (2, 4, 0),
    "SCMP_ARCH_RISCV64": (2, 5, 0), "SCMP_ARCH_LOONGARCH64": (2, 6, 0),
    "SCMP_ARCH_M68K": (2, 6, 0), "SCMP_ARCH_SH": (2, 6, 0), "SCMP_ARCH_SHEB": (2, 6, 0),
    "SECCOMP_FILTER_FLAG_LOG": (2, 4, 0), "SECCOMP_FILTER_FLAG_SPEC_ALLOW": (2, 4, 0),
    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV": (2, 6, 0),
}
SECCOMP_ACTIONS = ("SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
                   "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY")
SECCOMP_OPERATORS = ("SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE",
                     "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ")
SECCOMP_ARCHS = ("SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64",
                 "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL",
                 "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64",
                 "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_PARISC",
                 "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64", "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K",
                 "SCMP_ARCH_SH", "SCMP_ARCH_SHEB")
SECCOMP_FLAGS = ("SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
                 "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV")

PROC = "/proc"  # tests point this at a fake procfs

# ---------------------------------------------------------------------------
# Machine facts.
# ---------------------------------------------------------------------------


def cap_last_cap(proc=None):
    """The highest capability number the running kernel knows, or None when
    /proc does not say (then every name in CAPABILITIES is assumed known)."""
    try:
        with open(f"{proc or PROC}/sys/kernel/cap_last_cap", "rb") as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def kernel_capabilities(proc=None):
    """Capability names this kernel knows, in number order."""
    last = cap_last_cap(proc)
    return list(CAPABILITIES if last is None else CAPABILITIES[: last + 1])


def libseccomp_version():
    """(major, minor, micro) of the linked libseccomp, or None if the compiled
    module cannot be loaded."""
    try:
        from pyrunc import linux
        return tuple(int(part) for part in linux.seccomp_version().split("."))
    except (ImportError, OSError, ValueError, AttributeError):
        return None


def seccomp_knows(name, version=None):
    """True if the linked libseccomp knows a seccomp action, arch or flag name
    (by release number; see SECCOMP_SINCE)."""
    version = version or libseccomp_version()
    since = SECCOMP_SINCE.get(name)
    return since is None or version is None or version >= since


def _seccomp():
    if not SECCOMP:
        # Listing actions would claim pyrunc honours them: it does not yet.
        return {"enabled": False}
    version = libseccomp_version()
    known = [f for f in SECCOMP_FLAGS if seccomp_knows(f, version)]
    return {
        "enabled": True,
        "actions": [a for a in SECCOMP_ACTIONS if seccomp_knows(a, version)],
        "operators": list(SECCOMP_OPERATORS),
        "archs": [a for a in SECCOMP_ARCHS if seccomp_knows(a, version) and _arch_known(a)],
        "knownFlags": known,
        "supportedFlags": [f for f in known if _flag_supported(f)],
    }


def _arch_known(name):
    """The linked libseccomp resolves the architecture (pyrunc hands it the
    name, see plan/seccomp.py)."""
    try:
        from pyrunc import linux
        from pyrunc.plan.seccomp import ARCHS
        return linux.seccomp_arch_token(ARCHS[name]) is not None
    except (ImportError, KeyError):
        return True


def _flag_supported(name):
    """What this kernel accepts (runc's probe: seccomp(2) with a NULL
    program fails with EFAULT for a known flag).  TSYNC is accepted and
    ignored (the filter is loaded by a single-threaded process)."""
    from pyrunc.plan.seccomp import FLAGS
    if not FLAGS.get(name):
        return True
    try:
        from pyrunc import linux
    except ImportError:
        return False
    return linux.seccomp_flag_supported(FLAGS[name])


def build(proc=None):
    """The features document for this build on this machine."""
    annotations = {"pyrunc.version": __version__}
    version = libseccomp_version()
    if version is not None:
        # The library pyrunc is linked against, named as runc names it.
        annotations["io.github.seccomp.libseccomp.version"] = ".".join(map(str, version))
    return {
        "ociVersionMin": OCI_VERSION_MIN,
        "ociVersionMax": OCI_VERSION,
        "hooks": list(HOOKS),
        "mountOptions": sorted(MOUNT_OPTIONS),
        "linux": {
            "namespaces": sorted(NAMESPACES),
            "capabilities": kernel_capabilities(proc),
            "cgroup": dict(CGROUP),
            "seccomp": _seccomp(),
            "apparmor": {"enabled": APPARMOR},
            "selinux": {"enabled": SELINUX},
            "intelRdt": {"enabled": INTEL_RDT},
            "mountExtensions": {"idmap": {"enabled": IDMAP_MOUNTS}},
            "netDevices": {"enabled": NET_DEVICES},
        },
        # pyrunc reads no config annotation, so none can change its behaviour.
        "potentiallyUnsafeConfigAnnotations": [],
        "annotations": annotations,
    }
