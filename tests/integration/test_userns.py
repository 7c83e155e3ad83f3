"""User namespaces as root (config-linux.md "Namespaces", "User namespace
mappings"): uidMappings/gidMappings written for a new user namespace,
created first so that it owns every other new namespace; joining one by
path; devices bound instead of mknod'ed; exec joining it too.
"""
import fcntl
import os
from pathlib import Path

import pytest

import support_extra as sx
from support import asserts, proc
from support.config import base_config, set_namespace_path

HOST_ID = 100000
SIZE = 65536
NS_GET_USERNS = 0xB701  # _IO(0xb7, 0x1), ioctl_ns(2)


def userns_config(args, *, maps=True, cgroup_mount=True):
    cfg = base_config(args)
    cfg["linux"]["namespaces"].append({"type": "user"})
    if maps:
        cfg["linux"]["uidMappings"] = [{"containerID": 0, "hostID": HOST_ID, "size": SIZE}]
        cfg["linux"]["gidMappings"] = [{"containerID": 0, "hostID": HOST_ID, "size": SIZE}]
    if not cgroup_mount:
        cfg["mounts"] = [m for m in cfg["mounts"] if m["type"] != "cgroup"]
    return cfg


@pytest.fixture(autouse=True)
def _traversable(rt):
    sx.traversable_for_userns(rt)


def _owner_userns_inode(ns_path):
    fd = os.open(ns_path, os.O_RDONLY)
    try:
        owner = fcntl.ioctl(fd, NS_GET_USERNS)
    finally:
        os.close(fd)
    try:
        return os.fstat(owner).st_ino
    finally:
        os.close(owner)


def test_uid_and_gid_maps_inside(rt):
    out = rt.output(userns_config(["sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; id -u; id -g"]))
    lines = [" ".join(ln.split()) for ln in out.splitlines()]
    assert lines == [f"0 {HOST_ID} {SIZE}", f"0 {HOST_ID} {SIZE}", "0", "0"]


def test_several_mapping_ranges(rt):
    cfg = userns_config(["sh", "-c", "cat /proc/self/uid_map"])
    cfg["linux"]["uidMappings"] = [{"containerID": 0, "hostID": HOST_ID, "size": 1000},
                                   {"containerID": 1000, "hostID": HOST_ID + 5000, "size": 10}]
    lines = sorted(" ".join(ln.split()) for ln in rt.output(cfg).splitlines())
    assert lines == [f"0 {HOST_ID} 1000", f"1000 {HOST_ID + 5000} 10"]


def test_the_process_runs_as_the_mapped_host_ids(rt):
    cfg = userns_config(["sleep", "1000"])
    cfg["process"]["user"] = {"uid": 1000, "gid": 1000}
    cid, pid = rt.started_container(cfg)
    st = sx.status(Path(f"/proc/{pid}/status").read_text())
    assert st["Uid"].split() == [str(HOST_ID + 1000)] * 4
    assert st["Gid"].split() == [str(HOST_ID + 1000)] * 4


def test_files_created_belong_to_the_mapped_host_ids(rt):
    host = rt.hostdir()
    os.chmod(host, 0o777)
    # /mnt exists in the image: the container's root (host uid 100000) could
    # not create a mount point in the host-root-owned rootfs
    cfg = userns_config(["sh", "-c", "touch /mnt/by-root; id -u"])
    cfg["mounts"].append({"destination": "/mnt", "type": "bind", "source": str(host), "options": ["rbind"]})
    assert rt.output(cfg).strip() == "0"
    st = os.stat(host / "by-root")
    assert (st.st_uid, st.st_gid) == (HOST_ID, HOST_ID)


def test_rootfs_ownership_is_not_changed(rt):
    """config-linux.md: the runtime SHOULD NOT chown the rootfs; unmapped
    host root shows up as the overflow id inside."""
    res = rt.run(userns_config(["stat", "-c", "%u", "/bin/busybox"]))
    assert res.rc == 0, str(res)
    assert res.out.strip() == "65534"
    assert os.stat(Path(res.extra["bundle"]) / "rootfs/bin/busybox").st_uid == 0


def test_every_new_namespace_is_owned_by_the_new_user_namespace(rt):
    """The user namespace is created first (ordering), so the others belong
    to it: root in the container may then administer them."""
    cid, pid = rt.started_container(userns_config(["sleep", "1000"]))
    user = os.stat(f"/proc/{pid}/ns/user").st_ino
    assert user != os.stat("/proc/self/ns/user").st_ino
    for ns in ("net", "uts", "ipc", "mnt", "pid", "cgroup"):
        assert _owner_userns_inode(f"/proc/{pid}/ns/{ns}") == user, f"{ns} namespace not owned by the container's userns"


def test_root_in_the_container_administers_its_namespaces(rt):
    cfg = userns_config(["sh", "-c", "hostname changed-inside && hostname; ip link set lo up && echo lo-up"])
    for s in ("bounding", "effective", "permitted"):
        cfg["process"]["capabilities"][s] += ["CAP_SYS_ADMIN", "CAP_NET_ADMIN"]
    out = rt.output(cfg)
    assert out.split() == ["changed-inside", "lo-up"]


def test_default_devices_are_bound_in_a_user_namespace(rt):
    out = rt.output(userns_config(["sh", "-c", "stat -c '%F %t:%T' /dev/null /dev/zero /dev/tty; "
                                               "echo x > /dev/null && echo null-ok; head -c 3 /dev/zero | wc -c"]))
    lines = out.splitlines()
    assert lines[:3] == ["character special file 1:3", "character special file 1:5", "character special file 5:0"]
    assert lines[3:] == ["null-ok", "3"]


def test_configured_devices_are_bound_in_a_user_namespace(rt):
    if not os.path.exists("/dev/fuse"):
        pytest.skip("/dev/fuse not on this host")
    cfg = userns_config(["stat", "-c", "%F %t:%T", "/dev/fuse"])
    cfg["linux"]["devices"] = [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 438}]
    assert rt.output(cfg).strip() == "character special file a:e5"


def test_proc_sys_and_cgroup_mounts_in_a_user_namespace(rt):
    res = rt.run(userns_config(["cat", "/proc/self/mountinfo"]))
    assert res.rc == 0, str(res)
    mounts = sx.mountinfo(res.out)
    for point, fstype in (("/proc", "proc"), ("/sys", "sysfs"), ("/dev/pts", "devpts"), ("/dev/mqueue", "mqueue"),
                          ("/dev", "tmpfs")):
        assert sx.mount_at(mounts, point)["fstype"] == fstype, point
    assert [m for m in mounts if m["point"].startswith("/sys/fs/cgroup")], "no cgroup mount"


@pytest.mark.runc_differs("runc 1.1 fails to mount sysfs there")
def test_sysfs_without_a_network_namespace_is_bound(rt):
    """A user namespace may not mount sysfs for a network namespace it does
    not own; runc binds the host's /sys instead."""
    cfg = userns_config(["sh", "-c", "ls /sys/class/net | grep -c ."], cgroup_mount=False)
    cfg["linux"]["namespaces"] = [n for n in cfg["linux"]["namespaces"] if n["type"] != "network"]
    res = rt.run(cfg)
    assert res.rc == 0, str(res)
    assert int(res.out) >= 1


def test_join_a_network_namespace_with_a_new_user_namespace(rt):
    """Namespaces given by path are joined before the user namespace is
    created (ordering), so a host-owned one can still be joined."""
    path = rt.netns()
    cfg = set_namespace_path(userns_config(["readlink", "/proc/self/ns/net"], cgroup_mount=False), "network", path)
    cfg["mounts"] = [m for m in cfg["mounts"] if m["type"] != "sysfs"]  # not this test's subject
    res = rt.run(cfg)
    assert res.rc == 0, str(res)
    assert res.out.strip() == f"net:[{os.stat(path).st_ino}]"


@pytest.mark.runc_differs("runc 1.1 wants mappings even when joining a user namespace")
def test_join_a_user_namespace_by_path(rt):
    first, pid = rt.started_container(userns_config(["sleep", "1000"]))
    cfg = set_namespace_path(userns_config(["sh", "-c", "readlink /proc/self/ns/user; cat /proc/self/uid_map; id -u"],
                                           maps=False), "user", f"/proc/{pid}/ns/user")
    cid, pid2 = rt.started_container(
        set_namespace_path(userns_config(["sleep", "1000"], maps=False), "user", f"/proc/{pid}/ns/user"))
    out = rt.output(cfg).splitlines()
    assert out[0] == proc.ns_inode(pid, "user")
    assert " ".join(out[1].split()) == f"0 {HOST_ID} {SIZE}"
    assert out[2] == "0"
    # its own new namespaces belong to the joined user namespace
    user = os.stat(f"/proc/{pid}/ns/user").st_ino
    for ns in ("net", "uts", "ipc", "mnt"):
        assert _owner_userns_inode(f"/proc/{pid2}/ns/{ns}") == user, ns


def test_exec_joins_the_user_namespace(rt):
    cid, pid = rt.started_container(userns_config(["sleep", "1000"]))
    res = rt.runtime("exec", cid, "sh", "-c", "readlink /proc/self/ns/user; id -u; cat /proc/self/uid_map")
    assert res.rc == 0, str(res)
    lines = res.out.splitlines()
    assert lines[0] == proc.ns_inode(pid, "user")
    assert lines[1] == "0"
    assert " ".join(lines[2].split()) == f"0 {HOST_ID} {SIZE}"


def test_exec_as_another_user_in_a_user_namespace(rt):
    cid, pid = rt.started_container(userns_config(["sleep", "1000"]))
    pidfile = rt.tmp / "exec.pid"
    asserts.ok(rt.runtime("exec", "-d", "--pid-file", pidfile, "-u", "1000:1000", cid, "sleep", "1000"), "exec -d")
    epid = int(pidfile.read_text())
    rt.record_pid(epid)
    st = sx.status(Path(f"/proc/{epid}/status").read_text())
    assert st["Uid"].split() == [str(HOST_ID + 1000)] * 4
    assert proc.ns_inode(epid, "user") == proc.ns_inode(pid, "user")


def test_exec_in_a_user_namespace_gets_the_containers_capabilities(rt):
    cid, pid = rt.started_container(userns_config(["sleep", "1000"]))
    res = rt.runtime("exec", cid, "cat", "/proc/self/status")
    assert res.rc == 0, str(res)
    c = sx.caps(res.out)
    assert c["CapBnd"] == sx.caps(Path(f"/proc/{pid}/status").read_text())["CapBnd"]
    assert c["CapAmb"] == 0 and c["CapInh"] == 0


# --- errors ------------------------------------------------------------------------------------




@pytest.mark.runc_differs("runc 1.1 ignores the mappings")
def test_mappings_without_a_user_namespace_are_refused(rt):
    cfg = base_config(["true"])
    cfg["linux"]["uidMappings"] = [{"containerID": 0, "hostID": HOST_ID, "size": SIZE}]
    cfg["linux"]["gidMappings"] = [{"containerID": 0, "hostID": HOST_ID, "size": SIZE}]
    sx.create_refused(rt, cfg, "user")


@pytest.mark.runc_differs("runc 1.1 accepts a user namespace without mappings")
def test_new_user_namespace_without_mappings_is_refused(rt):
    sx.create_refused(rt, userns_config(["true"], maps=False), "mappings")


def test_overlapping_mappings_are_a_clear_error(rt):
    cfg = userns_config(["true"])
    cfg["linux"]["uidMappings"] = [{"containerID": 0, "hostID": HOST_ID, "size": 100},
                                   {"containerID": 50, "hostID": HOST_ID + 1000, "size": 100}]
    sx.create_refused(rt, cfg, "uid")


def test_process_uid_outside_the_mapping_is_a_clear_error(rt):
    cfg = userns_config(["true"])
    cfg["process"]["user"] = {"uid": SIZE + 10, "gid": 0}
    sx.create_refused(rt, cfg)


def test_joining_a_path_that_is_not_a_user_namespace_is_refused(rt):
    cfg = set_namespace_path(userns_config(["true"], maps=False), "user", "/proc/self/ns/net")
    sx.create_refused(rt, cfg)
