"""The test VM is what the markers claim (tests/vm/): cgroup v2 with controllers, AppArmor
enforcing, systemd with D-Bus, and pyrunc places containers in the v2 hierarchy.

These are the VM stage's floor: they are marked, so the VM stage always runs something, and
they fail first and plainly if an image change loses a feature the other marked tests need.
On a host without the features they skip with the marker's reason.
"""
import os
import secrets
import subprocess
from pathlib import Path

import pytest

from support.config import base_config, sh

CGROUP_ROOT = Path("/sys/fs/cgroup")


def cgroup_mounts():
    """(mount point, fstype) of every cgroup filesystem this process sees."""
    found = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        left, _, right = line.partition(" - ")
        fstype = right.split()[0]
        if fstype in ("cgroup", "cgroup2"):
            found.append((left.split()[4], fstype))
    return found


@pytest.mark.cgroup2("memory", "pids", "cpu", "io")
def test_the_host_is_cgroup_v2_only():
    assert cgroup_mounts() == [("/sys/fs/cgroup", "cgroup2")]
    # one hierarchy: the single "0::" line, no v1 controller lines
    lines = Path("/proc/self/cgroup").read_text().splitlines()
    assert len(lines) == 1 and lines[0].startswith("0::/"), lines


@pytest.mark.cgroup2("memory", "pids")
def test_container_is_placed_in_its_v2_cgroup(rt):
    cfg = base_config(["sleep", "100"])
    cgroups_path = rt.cgroups_path(nested=True)
    cfg["linux"]["cgroupsPath"] = cgroups_path
    cid, pid = rt.started_container(cfg)
    # seen from the host: exactly the configured path, in the one v2 hierarchy
    assert Path(f"/proc/{pid}/cgroup").read_text() == f"0::{cgroups_path}\n"
    cgroup_dir = CGROUP_ROOT / cgroups_path.lstrip("/")
    assert pid in [int(p) for p in (cgroup_dir / "cgroup.procs").read_text().split()]
    rt.kill(cid, "KILL")
    rt.wait_status(cid, "stopped")
    rt.delete(cid)
    assert not cgroup_dir.exists(), "delete left the container's cgroup"


@pytest.mark.cgroup2
def test_container_sees_its_own_cgroup2_root(rt):
    # a cgroup namespace makes the container's cgroup its root; the "cgroup" mount of
    # base_config is cgroup2 on a unified host
    out = rt.output(sh("cat /proc/self/cgroup; grep ' /sys/fs/cgroup ' /proc/self/mountinfo"))
    lines = out.splitlines()
    assert lines[0] == "0::/", out
    assert " - cgroup2 " in lines[1], out


@pytest.mark.apparmor
def test_apparmor_is_enabled_and_enforcing():
    params = Path("/sys/module/apparmor/parameters")
    assert (params / "enabled").read_text().strip() == "Y"
    assert (params / "mode").read_text().strip() == "enforce"
    # securityfs is mounted and the policy interface answers (what apparmor_parser uses)
    Path("/sys/kernel/security/apparmor/profiles").read_text()
    assert "apparmor" in Path("/sys/kernel/security/lsm").read_text().split(",")


def _exec_attr():
    # the per-LSM path (kernel >= 5.8) first, as runc's apparmor.ApplyProfile does
    path = "/proc/self/attr/apparmor/exec"
    return path if os.path.exists(path) else "/proc/self/attr/exec"


@pytest.mark.apparmor
def test_an_apparmor_profile_confines_a_process(tmp_path):
    """Load a profile, exec a process under it the way a runtime does (write "exec PROFILE" to
    the exec attr, then execve), and see a read it denies fail: AppArmor really enforces."""
    name = f"pyrunc-vm-smoke-{secrets.token_hex(3)}"
    profile = tmp_path / name
    profile.write_text(f"abi <abi/3.0>,\nprofile {name} flags=(attach_disconnected) {{\n"
                       "  file,\n  deny /etc/hostname r,\n}\n")
    subprocess.run(["apparmor_parser", "-r", str(profile)], check=True, capture_output=True)
    try:
        def enter():
            with open(_exec_attr(), "w") as f:
                f.write(f"exec {name}")

        res = subprocess.run(["/bin/busybox", "cat", "/proc/self/attr/current", "/etc/hostname"],
                             preexec_fn=enter, capture_output=True, text=True, timeout=60)
    finally:
        subprocess.run(["apparmor_parser", "-R", str(profile)], capture_output=True)
    assert res.stdout.splitlines()[0] == f"{name} (enforce)", res
    assert res.returncode != 0 and "Permission denied" in res.stderr, res
    assert name not in Path("/sys/kernel/security/apparmor/profiles").read_text()


@pytest.mark.systemd
def test_systemd_answers_on_the_system_bus():
    assert Path("/proc/1/comm").read_text().strip() == "systemd"
    # what a systemd cgroup driver talks to: systemd's manager object over D-Bus
    res = subprocess.run(["busctl", "--system", "get-property", "org.freedesktop.systemd1",
                          "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager", "Version"],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0 and res.stdout.startswith("s "), res
