"""linux.namespaces: new namespaces, shared ones, and joined ones by path
(config-linux.md "Namespaces")."""
import os
import socket

import pytest

from support import proc
from support.config import HOSTNAME, base_config, remove_namespace, set_namespace_path, sh

# /proc/self/ns file name for each config namespace type
NS_FILE = {"pid": "pid", "network": "net", "ipc": "ipc", "uts": "uts", "mount": "mnt", "cgroup": "cgroup"}

SHOW_NS = "for n in pid net ipc uts mnt cgroup; do echo $n $(readlink /proc/self/ns/$n); done"


def _container_ns(out):
    return dict(line.split(" ", 1) for line in out.splitlines())


def test_every_requested_namespace_is_new(rt):
    ns = _container_ns(rt.output(sh(SHOW_NS)))
    for name in NS_FILE.values():
        assert ns[name] != proc.ns_inode("self", name), f"{name} namespace shared with the host"


@pytest.mark.parametrize("ns_type", ["network", "ipc", "cgroup", "pid"])
def test_a_namespace_not_requested_is_the_hosts(rt, ns_type):
    cfg = remove_namespace(sh(SHOW_NS), ns_type)
    ns = _container_ns(rt.output(cfg))
    name = NS_FILE[ns_type]
    assert ns[name] == proc.ns_inode("self", name)
    others = [n for t, n in NS_FILE.items() if t != ns_type]
    assert all(ns[n] != proc.ns_inode("self", n) for n in others)


def test_pid_namespace_makes_the_process_pid_1(rt):
    out = rt.output(sh("echo $$; ls /proc | grep -c '^[0-9]'"))
    pid, count = out.split()
    assert pid == "1"
    # only sh itself, ls and grep are visible
    assert int(count) <= 3


def test_uts_namespace_sets_the_hostname(rt):
    host_before = socket.gethostname()
    assert rt.output(base_config(["hostname"])) == f"{HOSTNAME}\n"
    assert socket.gethostname() == host_before


@pytest.mark.runc_differs("runc 1.1.5 ignores domainname (added in runc 1.2)")
def test_domainname(rt):
    cfg = sh("cat /proc/sys/kernel/domainname")
    cfg["domainname"] = "pyrunc.example"
    assert rt.output(cfg) == "pyrunc.example\n"


def test_new_network_namespace_has_only_loopback(rt):
    assert rt.output(base_config(["ls", "/sys/class/net"])).split() == ["lo"]


def test_join_a_named_network_namespace(rt):
    path = rt.netns()
    expected = f"net:[{os.stat(path).st_ino}]"
    cfg = set_namespace_path(sh("readlink /proc/self/ns/net"), "network", path)
    assert rt.output(cfg).strip() == expected


def test_joined_network_namespace_survives_the_container(rt):
    path = rt.netns()
    inode = os.stat(path).st_ino
    cfg = set_namespace_path(base_config(["true"]), "network", path)
    assert rt.run(cfg).rc == 0
    assert path.exists() and os.stat(path).st_ino == inode


def test_join_another_containers_ipc_namespace(rt):
    first, pid = rt.started_container(base_config(["sleep", "100"]))
    ipc = proc.ns_inode(pid, "ipc")
    cfg = set_namespace_path(sh("readlink /proc/self/ns/ipc; readlink /proc/self/ns/uts"), "ipc",
                             f"/proc/{pid}/ns/ipc")
    out = rt.output(cfg).split()
    assert out[0] == ipc
    assert out[1] != proc.ns_inode(pid, "uts"), "only the ipc namespace was to be joined"


def test_join_another_containers_network_and_uts(rt):
    first, pid = rt.started_container(base_config(["sleep", "100"]))
    cfg = sh("readlink /proc/self/ns/net; readlink /proc/self/ns/uts; hostname")
    set_namespace_path(cfg, "network", f"/proc/{pid}/ns/net")
    set_namespace_path(cfg, "uts", f"/proc/{pid}/ns/uts")
    del cfg["hostname"]  # joining a uts namespace: do not change its hostname
    net, uts, hostname = rt.output(cfg).split()
    assert net == proc.ns_inode(pid, "net")
    assert uts == proc.ns_inode(pid, "uts")
    assert hostname == HOSTNAME


def test_mount_namespace_hides_container_mounts_from_the_host(rt):
    cid, pid = rt.started_container(base_config(["sleep", "100"]))
    host_points = {ln.split()[4] for ln in open("/proc/self/mountinfo")}
    container_points = {ln.split()[4] for ln in open(f"/proc/{pid}/mountinfo")}
    assert "/dev/mqueue" in container_points
    bundle_mounts = [p for p in host_points if str(rt.tmp) in p]
    assert not bundle_mounts, f"container mounts visible on the host: {bundle_mounts}"


def test_cgroup_namespace_roots_the_container_at_its_cgroup(rt):
    out = rt.output(base_config(["cat", "/proc/self/cgroup"]))
    paths = {line.split(":", 2)[2] for line in out.splitlines()}
    assert paths == {"/"}, out


@pytest.fixture
def host_shm_segment():
    """A SysV shared memory segment on the host, removed afterwards."""
    import shutil
    import subprocess

    if not shutil.which("ipcmk"):
        pytest.skip("ipcmk (util-linux) not installed")
    out = subprocess.run(["ipcmk", "-M", "4096"], check=True, capture_output=True, text=True).stdout
    shmid = out.split(":")[-1].strip()
    yield shmid
    subprocess.run(["ipcrm", "-m", shmid], capture_output=True)


def test_ipc_namespace_isolates_sysv_shm(rt, host_shm_segment):
    host = [ln.split()[1] for ln in open("/proc/sysvipc/shm").read().splitlines()[1:]]
    assert host_shm_segment in host
    out = rt.output(base_config(["cat", "/proc/sysvipc/shm"]))
    assert len(out.strip().splitlines()) == 1, f"host segments visible in the container:\n{out}"
    shared = rt.output(remove_namespace(base_config(["cat", "/proc/sysvipc/shm"]), "ipc"))
    assert len(shared.strip().splitlines()) > 1, "without an ipc namespace the host segment is visible"


def test_joining_a_namespace_of_the_wrong_type_fails_cleanly(rt):
    """Stage 1 joins namespaces while the runtime puts it in the cgroups:
    its failure (setns of an ipc namespace as the network one) is the
    error reported, not the cgroup write that meets a process gone, and
    nothing is left behind (the leak guard checks the cgroups)."""
    from support_extra import create_refused
    cfg = set_namespace_path(base_config(["true"]), "network", f"/proc/{os.getpid()}/ns/ipc")
    create_refused(rt, cfg, "join network namespace", "setns", "Invalid argument")
