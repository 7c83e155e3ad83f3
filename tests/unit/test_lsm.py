"""pyrunc/security/apparmor.py, selinux.py and procattr.py against fake
host files (the real thing runs in the test VM: tests/integration/
test_apparmor.py; SELinux is on neither machine)."""
import os

import pytest

from pyrunc.errors import ConfigError, PyruncError
from pyrunc.plan.mounts import plan_mounts
from pyrunc.security import apparmor, procattr, selinux


@pytest.fixture
def aa(tmp_path):
    enabled = tmp_path / "enabled"
    profiles = tmp_path / "profiles"
    enabled.write_text("Y\n")
    profiles.write_text("docker-default (enforce)\nmine (complain)\n")
    return enabled, profiles


def test_apparmor_check(aa, tmp_path):
    enabled, profiles = aa
    check = lambda p: apparmor.check(p, enabled_path=str(enabled), profiles_path=str(profiles))  # noqa: E731
    check(None)
    check("")
    check("docker-default")
    check("mine")
    check("unconfined")
    check("a//&b")                       # stacks: the kernel judges them
    with pytest.raises(ConfigError, match="'nope' is not loaded"):
        check("nope")
    apparmor.check("nope", enabled_path=str(enabled), profiles_path=str(tmp_path / "missing"))  # no securityfs
    enabled.write_text("N\n")
    with pytest.raises(ConfigError, match="process.apparmorProfile: .*AppArmor is not enabled"):
        check("docker-default")


def test_apparmor_enabled_reads_the_module_parameter(aa, tmp_path):
    assert apparmor.enabled(str(aa[0]))
    assert not apparmor.enabled(str(tmp_path / "missing"))


def test_procattr_refuses_a_file_that_is_not_on_procfs(tmp_path):
    fake = tmp_path / "exec"
    fake.write_text("")
    with pytest.raises(PyruncError, match="is not on procfs"):
        procattr.write([str(tmp_path / "missing"), str(fake)], "exec x", "apparmor")
    assert fake.read_text() == ""
    with pytest.raises(PyruncError, match="is /proc mounted"):
        procattr.write([str(tmp_path / "missing")], "exec x", "apparmor")


def test_procattr_writes_to_procfs():
    # the exec attribute exists on every kernel; without an LSM the write is refused
    # by the kernel, which must come back as an error naming the file
    try:
        procattr.write(["/proc/thread-self/attr/exec"], "", "selinux")
    except PyruncError as e:
        assert "/proc/thread-self/attr/exec" in str(e)


def test_selinux_enabled_needs_selinuxfs_and_a_context(tmp_path):
    fs = tmp_path / "selinux"
    current = tmp_path / "current"
    assert not selinux.enabled(str(fs), str(current))
    fs.mkdir()
    (fs / "enforce").write_text("1")
    current.write_text("kernel\0")
    assert not selinux.enabled(str(fs), str(current))
    current.write_text("system_u:system_r:unconfined_t:s0\0")
    assert selinux.enabled(str(fs), str(current))


def test_selinux_label_without_selinux_is_an_error_as_runc(monkeypatch):
    monkeypatch.setattr(selinux, "enabled", lambda *a: False)
    selinux.check(None)
    with pytest.raises(ConfigError, match="SELinux is disabled"):
        selinux.check("system_u:system_r:container_t:s0")


def _mounts():
    return plan_mounts({"mounts": [
        {"destination": "/proc", "type": "proc", "source": "proc"},
        {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["mode=755"]},
        {"destination": "/dev/pts", "type": "devpts", "source": "devpts"},
        {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue"},
        {"destination": "/sys", "type": "sysfs", "source": "sysfs"},
        {"destination": "/data", "type": "bind", "source": "/tmp", "options": ["rbind"]},
    ]})


def test_mount_label_is_added_where_runc_adds_it(monkeypatch):
    monkeypatch.setattr(selinux, "enabled", lambda *a: True)
    label = "system_u:object_r:container_file_t:s0:c1,c2"
    got = {m.destination: m.data for m in selinux.label_mounts(_mounts(), label)}
    ctx = f'context="{label}"'
    assert got["/dev"] == f"mode=755,{ctx}" and got["/dev/pts"] == ctx
    assert not any("context=" in (got[d] or "") for d in ("/proc", "/sys", "/dev/mqueue", "/data"))


def test_mount_label_is_ignored_without_selinux(monkeypatch):
    monkeypatch.setattr(selinux, "enabled", lambda *a: False)
    mounts = _mounts()
    assert selinux.label_mounts(mounts, "x") == mounts
    monkeypatch.setattr(selinux, "enabled", lambda *a: True)
    assert selinux.label_mounts(mounts, None) == mounts
