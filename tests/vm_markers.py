"""Skip logic for the markers of tests that need what not every host has.

- ``cgroup2`` (optionally ``cgroup2("memory", "pids")``): a cgroup v2 unified hierarchy at
  /sys/fs/cgroup, with controllers (at least those named);
- ``apparmor``: AppArmor enabled in the running kernel;
- ``systemd``: systemd as PID 1.

conftest's ``pytest_runtest_setup`` calls ``apply_markers(item)``.  On a host without the
feature the test is skipped with the reason; the test VM (tests/vm/) has all three and runs
these tests.  Inside the VM, ``PYRUNC_TEST_VM=1`` (set by tests/vm/in-vm-tests.sh) turns a
missing feature into a failure: a VM that lost AppArmor must not pass by skipping every
AppArmor test.

Each check reads the same files a runtime would, under *root* ("/" on a real host; a fake
tree in the unit tests), and returns None when the feature is there, else why not.
"""
import os
from pathlib import Path

import pytest

IN_VM_ENV = "PYRUNC_TEST_VM"
VM_HINT = "runs in the test VM: tests/vm/run-vm-tests.sh"


def _read(root, path):
    try:
        return Path(root, path.lstrip("/")).read_text().strip()
    except OSError:
        return None


def cgroup2_missing(root="/", controllers=()):
    # /sys/fs/cgroup/cgroup.controllers exists only when /sys/fs/cgroup itself is cgroup2:
    # on a v1 or hybrid host /sys/fs/cgroup is a tmpfs of v1 mounts (hybrid's v2 is at .../unified)
    listed = _read(root, "/sys/fs/cgroup/cgroup.controllers")
    if listed is None:
        hybrid = Path(root, "sys/fs/cgroup/unified/cgroup.controllers").exists()
        return "/sys/fs/cgroup is not a cgroup v2 unified hierarchy (this host: cgroup v1%s)" % (
            " hybrid" if hybrid else "")
    have = listed.split()
    if not have:
        return "the cgroup v2 hierarchy at /sys/fs/cgroup has no controllers"
    lacking = [c for c in controllers if c not in have]
    if lacking:
        return f"cgroup v2 lacks the controllers {', '.join(lacking)} (has: {', '.join(have)})"
    return None


def apparmor_missing(root="/"):
    enabled = _read(root, "/sys/module/apparmor/parameters/enabled")
    if enabled is None:
        return "AppArmor is not in this kernel (no /sys/module/apparmor)"
    if enabled != "Y":
        return f"AppArmor is disabled in this kernel (/sys/module/apparmor/parameters/enabled: {enabled})"
    return None


def systemd_missing(root="/"):
    # sd_booted(3): systemd creates /run/systemd/system/ when it boots as PID 1; other daemons
    # and containers may have a /run/systemd, never that directory
    if Path(root, "run/systemd/system").is_dir():
        return None
    comm = _read(root, "/proc/1/comm")
    return f"systemd is not PID 1 (PID 1 is {comm or 'unknown'})"


def _missing(name, mark, root):
    if name == "cgroup2":
        return cgroup2_missing(root, mark.args)
    if name == "apparmor":
        return apparmor_missing(root)
    return systemd_missing(root)


MARKERS = ("cgroup2", "apparmor", "systemd")


def apply_markers(item, root="/", environ=os.environ):
    """Skip *item* (fail it, in the test VM) when a feature its markers ask for is missing."""
    for name in MARKERS:
        mark = item.get_closest_marker(name)
        if mark is None:
            continue
        why = _missing(name, mark, root)
        if why is None:
            continue
        if environ.get(IN_VM_ENV) == "1":
            pytest.fail(f"the test VM should provide what @{name} needs: {why}", pytrace=False)
        pytest.skip(f"needs {name}: {why}; {VM_HINT}")
