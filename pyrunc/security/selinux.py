"""SELinux labels (config.md ``process.selinuxLabel``, config-linux.md
``linux.mountLabel``), as runc applies them:

- the process label is written to /proc/thread-self/attr/exec, so the
  kernel labels the container's program at its execve;
- the same label goes to attr/keycreate while the init joins its session
  keyring, so the keyring is labelled like the container;
- the mount label becomes ``context="LABEL"`` in the data of the mounts
  runc labels (tmpfs, devpts and other non-bind, non-proc/sysfs/cgroup/
  mqueue filesystems).

On a host without SELinux a process label is an error (runc's validator:
"selinux label is specified in config, but selinux is disabled"), while a
mount label is ignored (go-selinux's FormatMountLabel).  Not exercised by
the test suite: neither the dev machine nor the test VM runs SELinux.
"""
import os

from pyrunc.errors import ConfigError
from pyrunc.security import procattr

SELINUXFS = "/sys/fs/selinux"
EXEC_ATTRS = ("/proc/thread-self/attr/exec",)
KEYCREATE_ATTRS = ("/proc/thread-self/attr/keycreate",)
# mount types whose data gets the context= option (runc's mountToRootfs)
_UNLABELLED = frozenset(("proc", "sysfs", "cgroup", "cgroup2", "mqueue", "bind"))


def enabled(selinuxfs=SELINUXFS, current="/proc/self/attr/current"):
    """go-selinux's GetEnabled: selinuxfs is there and we have a context."""
    if not os.path.exists(os.path.join(selinuxfs, "enforce")):
        return False
    try:
        with open(current) as f:
            return f.read().strip("\0\n ") not in ("", "kernel")
    except OSError:
        return False


def check(label, where="process.selinuxLabel"):
    if label and not enabled():
        raise ConfigError(f"{where}: an SELinux label is specified, but SELinux is disabled or not "
                          "supported on this host")


def label_mounts(mounts, mount_label):
    """*mounts* (MountPlan records) with ``context="LABEL"`` added where
    runc adds it; unchanged when there is no label or no SELinux."""
    if not mount_label or not enabled():
        return mounts
    out = []
    for m in mounts:
        if m.is_bind or m.type in _UNLABELLED:
            out.append(m)
            continue
        ctx = f'context="{mount_label}"'
        out.append(m._replace(data=f"{m.data},{ctx}" if m.data else ctx))
    return tuple(out)


def set_exec_label(label):
    if label:
        procattr.write(EXEC_ATTRS, label, "selinux")


def set_key_label(label):
    if label:
        procattr.write(KEYCREATE_ATTRS, label, "selinux keycreate")
