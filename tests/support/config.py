"""``base_config()``: the config.json every integration test starts from.

It is what ``runc spec`` writes (runc 1.1/1.2), adapted for tests the way
crun's ``tests_utils.base_config()`` is: no terminal, ociVersion 1.3.0, a
cgroup namespace (runc >= 1.2 adds it), a test hostname, and no ambient
capabilities or device cgroup rules so that the core tests exercise only the
core.  Each test takes a fresh deep copy and tweaks the dict.
"""
import copy

OCI_VERSION = "1.3.0"

CAPS = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]

DEFAULT_ENV = [
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "TERM=xterm",
]

HOSTNAME = "pyrunc-test"

MASKED_PATHS = [
    "/proc/acpi",
    "/proc/asound",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/sys/firmware",
    "/proc/scsi",
]

READONLY_PATHS = [
    "/proc/bus",
    "/proc/fs",
    "/proc/irq",
    "/proc/sys",
    "/proc/sysrq-trigger",
]

NAMESPACES = ["pid", "network", "ipc", "uts", "mount", "cgroup"]

_BASE = {
    "ociVersion": OCI_VERSION,
    "process": {
        "terminal": False,
        "user": {"uid": 0, "gid": 0},
        "args": ["sh"],
        "env": DEFAULT_ENV,
        "cwd": "/",
        "capabilities": {
            "bounding": CAPS,
            "effective": CAPS,
            "permitted": CAPS,
        },
        "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
        "noNewPrivileges": True,
    },
    "root": {"path": "rootfs", "readonly": True},
    "hostname": HOSTNAME,
    "mounts": [
        {"destination": "/proc", "type": "proc", "source": "proc"},
        {
            "destination": "/dev",
            "type": "tmpfs",
            "source": "tmpfs",
            "options": ["nosuid", "strictatime", "mode=755", "size=65536k"],
        },
        {
            "destination": "/dev/pts",
            "type": "devpts",
            "source": "devpts",
            "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"],
        },
        {
            "destination": "/dev/shm",
            "type": "tmpfs",
            "source": "shm",
            "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"],
        },
        {
            "destination": "/dev/mqueue",
            "type": "mqueue",
            "source": "mqueue",
            "options": ["nosuid", "noexec", "nodev"],
        },
        {
            "destination": "/sys",
            "type": "sysfs",
            "source": "sysfs",
            "options": ["nosuid", "noexec", "nodev", "ro"],
        },
        {
            "destination": "/sys/fs/cgroup",
            "type": "cgroup",
            "source": "cgroup",
            "options": ["nosuid", "noexec", "nodev", "relatime", "ro"],
        },
    ],
    "linux": {
        "namespaces": [{"type": t} for t in NAMESPACES],
        "maskedPaths": MASKED_PATHS,
        "readonlyPaths": READONLY_PATHS,
    },
}


def base_config(args=None, **process):
    """A fresh config dict; *args* replaces process.args, keyword arguments
    replace other process fields (``cwd="/tmp"``, ``env=[...]``...)."""
    cfg = copy.deepcopy(_BASE)
    if args is not None:
        cfg["process"]["args"] = list(args)
    for key, value in process.items():
        cfg["process"][key] = value
    return cfg


def sh(script, **process):
    """base_config running ``sh -c script``."""
    return base_config(["sh", "-c", script], **process)


def add_mount(cfg, destination, type_, source, options=None):
    m = {"destination": destination, "type": type_, "source": str(source)}
    if options is not None:
        m["options"] = list(options)
    cfg["mounts"].append(m)
    return cfg


def bind(cfg, source, destination, *options, recursive=False):
    """Append a bind (or rbind) mount of host *source* at *destination*."""
    opts = ["rbind" if recursive else "bind", *options]
    return add_mount(cfg, destination, "bind", source, opts)


def remove_namespace(cfg, ns_type):
    cfg["linux"]["namespaces"] = [n for n in cfg["linux"]["namespaces"] if n["type"] != ns_type]
    return cfg


def set_namespace_path(cfg, ns_type, path):
    remove_namespace(cfg, ns_type)
    cfg["linux"]["namespaces"].append({"type": ns_type, "path": str(path)})
    return cfg
