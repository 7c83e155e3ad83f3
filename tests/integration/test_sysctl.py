"""linux.sysctl (config-linux.md "Sysctl"): applied inside the container
when the container has its own namespace owning the key (runc's rules:
net.* needs a network namespace other than the runtime's, IPC keys and
fs.mqueue.* an ipc namespace, kernel.domainname a uts namespace), and
refused otherwise, so that a container can never change the host's
kernel parameters.
"""
from pathlib import Path

import pytest

import support_extra as sx
from support.config import remove_namespace, set_namespace_path, sh


def _read_host(key):
    return Path("/proc/sys", key.replace(".", "/")).read_text().strip()


def _with_sysctl(script, sysctl):
    cfg = sh(script)
    cfg["linux"]["sysctl"] = sysctl
    return cfg




def test_network_sysctl_in_a_new_network_namespace(rt):
    host = _read_host("net.ipv4.ip_forward")
    new = "0" if host == "1" else "1"
    cfg = _with_sysctl("cat /proc/sys/net/ipv4/ip_forward", {"net.ipv4.ip_forward": new})
    assert rt.output(cfg).strip() == new
    assert _read_host("net.ipv4.ip_forward") == host, "the host's value changed"


def test_several_sysctls_of_several_namespaces(rt):
    sysctl = {"net.core.somaxconn": "321", "kernel.shmmax": "123456789", "kernel.msgmax": "12345",
              "fs.mqueue.msg_max": "42", "net.ipv4.ping_group_range": "0 2147483647"}
    before = {k: _read_host(k) for k in sysctl}
    script = "; ".join(f"cat /proc/sys/{k.replace('.', '/')}" for k in sysctl)
    out = rt.output(_with_sysctl(script, sysctl)).splitlines()
    assert [" ".join(line.split()) for line in out] == list(sysctl.values())
    assert {k: _read_host(k) for k in sysctl} == before, "host sysctls changed"


def test_sysctl_names_with_slashes(rt):
    cfg = _with_sysctl("cat /proc/sys/net/core/somaxconn", {"net/core/somaxconn": "222"})
    assert rt.output(cfg).strip() == "222"


def test_sysctl_then_proc_sys_is_read_only(rt):
    """sysctls are written before readonlyPaths makes /proc/sys read-only."""
    cfg = _with_sysctl("cat /proc/sys/net/core/somaxconn; { echo 5 > /proc/sys/net/core/somaxconn; } 2>&1; echo rc=$?",
                       {"net.core.somaxconn": "333"})
    out = rt.output(cfg)
    assert out.splitlines()[0] == "333"
    assert "rc=1" in out


def test_domainname_sysctl_in_a_uts_namespace(rt):
    before = _read_host("kernel.domainname")
    cfg = _with_sysctl("cat /proc/sys/kernel/domainname", {"kernel.domainname": "via.sysctl"})
    assert rt.output(cfg).strip() == "via.sysctl"
    assert _read_host("kernel.domainname") == before


def test_network_sysctl_in_a_joined_network_namespace(rt):
    """A joined namespace that is not the runtime's own may be changed."""
    path = rt.netns()
    cfg = set_namespace_path(_with_sysctl("cat /proc/sys/net/core/somaxconn", {"net.core.somaxconn": "444"}),
                             "network", path)
    assert rt.output(cfg).strip() == "444"
    again = set_namespace_path(sh("cat /proc/sys/net/core/somaxconn"), "network", path)
    assert rt.output(again).strip() == "444", "the value was not set in the joined namespace"


def test_sysctl_in_a_user_namespace_container(rt):
    sx.traversable_for_userns(rt)
    cfg = _with_sysctl("cat /proc/sys/net/core/somaxconn", {"net.core.somaxconn": "555"})
    cfg["linux"]["namespaces"].append({"type": "user"})
    cfg["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    cfg["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    cfg["mounts"] = [m for m in cfg["mounts"] if m["type"] != "cgroup"]
    assert rt.output(cfg).strip() == "555"


# --- refused ----------------------------------------------------------------------------------


def test_network_sysctl_without_a_network_namespace_is_refused(rt):
    host = _read_host("net.core.somaxconn")
    cfg = remove_namespace(_with_sysctl("true", {"net.core.somaxconn": "1"}), "network")
    sx.create_refused(rt, cfg, "net.core.somaxconn")
    assert _read_host("net.core.somaxconn") == host


def test_network_sysctl_in_the_runtimes_own_network_namespace_is_refused(rt):
    host = _read_host("net.core.somaxconn")
    cfg = set_namespace_path(_with_sysctl("true", {"net.core.somaxconn": "1"}), "network", "/proc/self/ns/net")
    res = sx.create_refused(rt, cfg, "net.core.somaxconn")
    assert _read_host("net.core.somaxconn") == host, str(res)


@pytest.mark.parametrize("key", ["kernel.shmmax", "fs.mqueue.msg_max"])
def test_ipc_sysctl_without_an_ipc_namespace_is_refused(rt, key):
    host = _read_host(key)
    cfg = remove_namespace(_with_sysctl("true", {key: "77"}), "ipc")
    sx.create_refused(rt, cfg, key)
    assert _read_host(key) == host


def test_domainname_sysctl_without_a_uts_namespace_is_refused(rt):
    host = _read_host("kernel.domainname")
    cfg = remove_namespace(_with_sysctl("true", {"kernel.domainname": "evil.example"}), "uts")
    del cfg["hostname"]
    sx.create_refused(rt, cfg, "kernel.domainname")
    assert _read_host("kernel.domainname") == host


@pytest.mark.parametrize("key,value", [("vm.swappiness", "13"), ("kernel.pid_max", "40000"),
                                       ("fs.file-max", "100000"), ("kernel.hostname", "sneaky")])
def test_sysctl_not_owned_by_a_container_namespace_is_refused(rt, key, value):
    host = _read_host(key)
    sx.create_refused(rt, _with_sysctl("true", {key: value}), key)
    assert _read_host(key) == host


@pytest.mark.parametrize("key", ["net.ipv4.no_such_key", "net/../kernel/pid_max", pytest.param(
    "net.ipv4..ip_forward", marks=pytest.mark.runc_differs("runc writes net/ipv4//ip_forward")),
                                 "net.ipv4.conf.../../../kernel.pid_max"])
def test_bad_sysctl_names_are_refused(rt, key):
    host = _read_host("kernel.pid_max")
    sx.create_refused(rt, _with_sysctl("true", {key: "1"}))
    assert _read_host("kernel.pid_max") == host


def test_invalid_sysctl_value_is_a_clear_error(rt):
    sx.create_refused(rt, _with_sysctl("true", {"net.ipv4.ip_forward": "not-a-number"}), "net.ipv4.ip_forward")
