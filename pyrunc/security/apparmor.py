"""``process.apparmorProfile`` (config.md "Linux process"): the AppArmor
profile the container's process runs under.

As runc's ``apparmor.ApplyProfile``: "exec PROFILE" is written to the
task's exec attribute, so the kernel switches profile at the next execve
(the program's; startContainer hooks, which the init execs first, get it
too, as in runc).  A profile asked for on a host without AppArmor is an
error: running the process unconfined instead would be a silent
downgrade.
"""
from pyrunc.errors import ConfigError
from pyrunc.security import procattr

ENABLED = "/sys/module/apparmor/parameters/enabled"
PROFILES = "/sys/kernel/security/apparmor/profiles"
# the per-LSM file (Linux >= 5.8), then the shared one, as runc
EXEC_ATTRS = ("/proc/thread-self/attr/apparmor/exec", "/proc/thread-self/attr/exec")


def enabled(path=ENABLED):
    try:
        with open(path) as f:
            return f.read().strip() == "Y"
    except OSError:
        return False


def check(profile, where="process.apparmorProfile", enabled_path=ENABLED, profiles_path=PROFILES):
    """Planning (before the fork): refuse a profile this host cannot apply,
    so create fails instead of the program's execve after start."""
    if not profile:
        return
    if not enabled(enabled_path):
        raise ConfigError(f"{where}: AppArmor profile {profile!r} is requested but AppArmor is not "
                          f"enabled on this host ({enabled_path})")
    if profile == "unconfined" or any(c in profile for c in "/&:"):
        return  # stacks and namespaced names: the kernel judges them
    try:
        with open(profiles_path) as f:
            loaded = {line.rsplit(" (", 1)[0] for line in f.read().splitlines()}
    except OSError:
        return  # no securityfs here: the write at exec will say
    if profile not in loaded:
        raise ConfigError(f"{where}: AppArmor profile {profile!r} is not loaded")


def apply_on_exec(profile):
    """In the container, before execve: change to *profile* at the next exec."""
    if profile:
        procattr.write(EXEC_ATTRS, f"exec {profile}", "apparmor")
