"""linux.resources.devices (config-linux.md "Allowed Device list"): the v1
devices controller here, read back from devices.list and tried from inside
the container; the v2 eBPF device filter loaded with bpf() -- on this
hybrid host too, whose cgroup2 hierarchy runs device programs as a pure
v2 host does -- and in the test VM (cgroup2)."""
import os
import shutil

import pytest

from cgroup_support import loop_device  # noqa: F401 (a fixture)
from cgroup_support import HYBRID_V2, hybrid_v2_available, run_in_cgroup, running, v1_only, v1_read, with_resources
from support.config import base_config, sh

# runc 1.1.5's devices.list for a config that denies everything (read from
# its cgroup on this machine): the default devices and mknod of any node.
RUNC_DEFAULT_LIST = ["b *:* m", "c *:* m", "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm",
                     "c 5:0 rwm", "c 5:2 rwm", "c 10:200 rwm", "c 136:* rwm"]
DENY_ALL = [{"allow": False, "access": "rwm"}]


def _with_disk_node(cfg, major, minor):
    """A block device of the test's (a loop device) as /dev/xdisk in the
    container (linux.devices), so that only the devices cgroup decides
    whether it can be opened."""
    cfg["linux"]["devices"] = [{"path": "/dev/xdisk", "type": "b", "major": major, "minor": minor,
                                "fileMode": 0o600, "uid": 0, "gid": 0}]
    return cfg


READ_DISK = "head -c 512 /dev/xdisk > /dev/null && echo read-ok; echo x > /dev/null && echo null-ok"


# --- cgroup v1 ----------------------------------------------------------------

@v1_only
def test_v1_deny_all_leaves_runcs_default_list(rt):
    cid, _ = running(rt, with_resources(base_config(["sleep", "100"]), {"devices": DENY_ALL}))
    assert sorted(v1_read("devices", f"/{cid}", "devices.list").splitlines()) == sorted(RUNC_DEFAULT_LIST)


@v1_only
def test_v1_no_rules_still_means_default_deny_as_in_runc(rt):
    cid, _ = running(rt, base_config(["sleep", "100"]))
    assert sorted(v1_read("devices", f"/{cid}", "devices.list").splitlines()) == sorted(RUNC_DEFAULT_LIST)


@v1_only
def test_v1_a_node_in_the_container_is_not_usable_unless_allowed(rt, loop_device):
    major, minor = loop_device.major, loop_device.minor
    res = rt.run(_with_disk_node(with_resources(sh(READ_DISK), {"devices": DENY_ALL}), major, minor))
    assert "read-ok" not in res.out and "null-ok" in res.out, str(res)
    assert "not permitted" in res.err.lower(), str(res)


@v1_only
def test_v1_allow_rule_grants_exactly_what_it_says(rt, loop_device):
    major, minor = loop_device.major, loop_device.minor
    rules = DENY_ALL + [{"allow": True, "type": "b", "major": major, "minor": minor, "access": "r"}]
    cfg = _with_disk_node(with_resources(
        sh(READ_DISK + "; echo x 2>&1 > /dev/xdisk || echo write-denied"), {"devices": rules}), major, minor)
    out = rt.output(cfg)
    assert "read-ok" in out and "write-denied" in out, out
    cid, _ = running(rt, _with_disk_node(with_resources(base_config(["sleep", "100"]), {"devices": rules}),
                                         major, minor))
    assert f"b {major}:{minor} r" in v1_read("devices", f"/{cid}", "devices.list").splitlines()


@v1_only
def test_v1_allow_all_is_a_blacklist(rt, loop_device):
    major, minor = loop_device.major, loop_device.minor
    rules = [{"allow": True, "access": "rwm"}, {"allow": False, "type": "c", "major": 1, "minor": 1,
                                                 "access": "rwm"}]
    cid, _ = running(rt, with_resources(base_config(["sleep", "100"]), {"devices": rules}))
    # a black-list shows as "a *:* rwm": its deny exceptions are not listed by v1
    assert v1_read("devices", f"/{cid}", "devices.list") == "a *:* rwm"
    out = rt.output(_with_disk_node(with_resources(
        sh(READ_DISK + "; mknod /tmp/mem c 1 1 2>&1 && head -c1 /tmp/mem >/dev/null 2>&1 || echo mem-denied"),
        {"devices": rules}), major, minor))
    assert "read-ok" in out and "mem-denied" in out, out


@v1_only
def test_v1_hole_in_a_wildcard_rule_is_refused(rt):
    rules = [{"allow": True, "type": "c", "major": 1, "access": "rwm"},
             {"allow": False, "type": "c", "major": 1, "minor": 3, "access": "w"}]
    res = rt.create(with_resources(base_config(["true"]), {"devices": DENY_ALL + rules}), check=False)
    assert res.rc == 1 and "punch a hole" in res.err, str(res)


# --- the eBPF filter on this hybrid host's cgroup2 hierarchy -------------------

@pytest.fixture
def bpf_cgroup(rt):
    why = hybrid_v2_available()
    if why:
        pytest.skip(why)
    path = HYBRID_V2 / f"{rt.token}-bpf"
    path.mkdir()
    yield path
    for _ in range(100):
        try:
            path.rmdir()
            break
        except FileNotFoundError:
            break
        except OSError:
            import time
            time.sleep(0.02)


def _attach(path, entries):
    from pyrunc.cgroups.device_rules import container_rules
    from pyrunc.cgroups.v2 import devicefilter, devices
    devices.load_and_attach(str(path), devicefilter.program(container_rules(entries)))


def _attached(path):
    from pyrunc.cgroups.v2.devices import attached
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        return attached(fd)
    finally:
        os.close(fd)


BUSYBOX = shutil.which("busybox") or "/bin/busybox"


def _try(path, script):
    res = run_in_cgroup(path, [BUSYBOX, "sh", "-c", script])
    return res.stdout + res.stderr


def test_bpf_filter_enforces_the_rules_on_a_live_cgroup(bpf_cgroup, loop_device):
    major, minor = loop_device.major, loop_device.minor
    node = loop_device.path
    _attach(bpf_cgroup, DENY_ALL)
    out = _try(bpf_cgroup, f"head -c 1 /dev/zero | wc -c; head -c 1 {node} > /dev/null 2>&1 || echo disk-denied")
    assert out.split()[0] == "1" and "disk-denied" in out, out
    assert len(_attached(bpf_cgroup)) == 1


def test_bpf_filter_is_replaced_not_stacked(bpf_cgroup, loop_device):
    major, minor = loop_device.major, loop_device.minor
    node = loop_device.path
    _attach(bpf_cgroup, DENY_ALL)
    first = _attached(bpf_cgroup)
    _attach(bpf_cgroup, DENY_ALL + [{"allow": True, "type": "b", "major": major, "minor": minor,
                                     "access": "r"}])
    second = _attached(bpf_cgroup)
    assert len(second) == 1 and second != first
    out = _try(bpf_cgroup, f"head -c 1 {node} | wc -c")
    assert out.strip() == "1", out


def test_bpf_allow_all_with_one_exception(bpf_cgroup, loop_device):
    """A black-list: everything but the one device (runc's default devices
    are appended after the config's rules, so they stay allowed)."""
    dev = loop_device
    _attach(bpf_cgroup, [{"allow": True, "access": "rwm"},
                         {"allow": False, "type": "b", "major": dev.major, "minor": dev.minor, "access": "r"}])
    out = _try(bpf_cgroup, f"head -c 1 {dev.path} > /dev/null 2>&1 || echo loop-denied; "
                           "head -c 1 /dev/zero | wc -c")
    assert "loop-denied" in out and out.split()[-1] == "1", out


# --- cgroup v2 (test VM) -------------------------------------------------------

@pytest.mark.cgroup2
def test_v2_filter_is_attached_and_enforced(rt, loop_device):
    major, minor = loop_device.major, loop_device.minor
    cid, _ = running(rt, with_resources(base_config(["sleep", "100"]), {"devices": DENY_ALL}))
    assert len(_attached(f"/sys/fs/cgroup/{cid}")) == 1
    out = rt.output(_with_disk_node(with_resources(sh(READ_DISK + " 2>&1"), {"devices": DENY_ALL}),
                                    major, minor))
    assert "read-ok" not in out and "null-ok" in out, out


@pytest.mark.cgroup2
def test_v2_allow_rule(rt, loop_device):
    major, minor = loop_device.major, loop_device.minor
    rules = DENY_ALL + [{"allow": True, "type": "b", "major": major, "minor": minor, "access": "r"}]
    out = rt.output(_with_disk_node(with_resources(sh(READ_DISK), {"devices": rules}), major, minor))
    assert "read-ok" in out and "null-ok" in out, out
