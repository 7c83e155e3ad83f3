"""linux.resources.network (config-linux.md "Network"): the v1 net_cls and
net_prio controllers.  This host does not mount them, so the runtime is
run in a private mount namespace that does (cgroup_support.NET_WRAPPER):
the values are read back from the real controller files, and the host's
mounts are never changed.  On cgroup v2 (test VM) they are errors: v2 has
no such controllers and the spec requires an error when a v1 setting
cannot be converted."""
import pytest

from cgroup_support import NET_WRAPPER, Wrapped, is_unified, with_resources
from support import asserts, proc
from support.config import base_config

CLASSID = 0x100001


def _cfg(network, cgroups_path):
    return with_resources(base_config(["sleep", "100"]), {"network": network}, cgroups_path)


@pytest.fixture
def net(rt):
    if is_unified():
        pytest.skip("needs cgroup v1 (net_cls/net_prio)")
    if "net_cls" in proc.cgroup_mounts():
        pytest.skip("net_cls is mounted on this host: the namespace trick is not needed (nor safe)")
    if "systemd" not in proc.cgroup_mounts():
        pytest.skip("no name=systemd hierarchy to stand in for")
    probe = Wrapped(rt, NET_WRAPPER).sh("cat /sys/fs/cgroup/systemd/net_cls.classid")
    if probe.returncode != 0:
        pytest.skip(f"cannot mount net_cls,net_prio in a private namespace: {probe.stderr.strip()}")
    w = Wrapped(rt, NET_WRAPPER)
    yield w
    w.cleanup()
    # nothing of the test's may stay in the (hidden) net_cls hierarchy
    left = w.sh(f"ls -d /sys/fs/cgroup/systemd/{rt.token}* 2>/dev/null; "
                f"rmdir /sys/fs/cgroup/systemd/{rt.token}*/* /sys/fs/cgroup/systemd/{rt.token}* 2>/dev/null")
    assert not left.stdout.strip(), f"net_cls cgroups left: {left.stdout}"


def _read(net, path, name):
    res = net.sh(f"cat /sys/fs/cgroup/systemd{path}/{name}")
    assert res.returncode == 0, res.stderr
    return res.stdout


def test_v1_class_id(rt, net):
    path = rt.cgroups_path()
    res = net.create(_cfg({"classID": CLASSID}, path))
    assert _read(net, path, "net_cls.classid").strip() == str(CLASSID)
    assert net("delete", "--force", res.cid).rc == 0
    assert net.sh(f"test -d /sys/fs/cgroup/systemd{path}").returncode != 0, "net_cls cgroup not removed"


def test_v1_priorities(rt, net):
    path = rt.cgroups_path()
    net.create(_cfg({"priorities": [{"name": "lo", "priority": 7}]}, path))
    prios = dict(line.split() for line in _read(net, path, "net_prio.ifpriomap").splitlines())
    assert prios["lo"] == "7"


def test_v1_both_and_the_process_is_placed(rt, net):
    path = rt.cgroups_path()
    res = net.create(_cfg({"classID": CLASSID, "priorities": [{"name": "lo", "priority": 3}]}, path))
    pid = net.state(res.cid)["pid"]
    assert str(pid) in _read(net, path, "cgroup.procs").split()


def test_v1_unknown_interface_names_the_field(rt, net):
    res = net.create(_cfg({"priorities": [{"name": "nosuchif0", "priority": 3}]}, rt.cgroups_path()),
                     check=False)
    asserts.error(res, "linux.resources.network.priorities[0]", "net_prio.ifpriomap", "nosuchif0")


def test_v1_not_mounted_controller_is_an_error_that_says_so(rt):
    if is_unified() or "net_cls" in proc.cgroup_mounts():
        pytest.skip("needs a v1 host without net_cls")
    res = rt.create(with_resources(base_config(["true"]), {"network": {"classID": CLASSID}}), check=False)
    asserts.error(res, "linux.resources.network.classID", "net_cls", "not mounted")


@pytest.mark.cgroup2
def test_v2_network_is_an_error(rt):
    res = rt.create(with_resources(base_config(["true"]), {"network": {"classID": CLASSID}}), check=False)
    asserts.error(res, "linux.resources.network.classID", "cgroup v2")


