"""Id-mapped mounts (config.md "Mounts": ``uidMappings``/``gidMappings`` on
a mount, the ``idmap`` and ``ridmap`` options; features-linux.md
``mountExtensions.idmap``), seen from inside real containers.

A mount mapping {containerID: C, hostID: H, size: N} makes a file owned on
disk by C+k appear owned by H+k through the mount, and a file created
through it by H+k land on disk as C+k; an id outside the mapping shows as
the overflow id and cannot create files (EOVERFLOW).
"""
import json
import os
import subprocess
from pathlib import Path

import pytest

import support_extra as sx
from support import asserts, leaks
from support.config import base_config, bind, set_namespace_path, sh

UID_MAP = [{"containerID": 0, "hostID": 1000, "size": 10}]
GID_MAP = [{"containerID": 0, "hostID": 2000, "size": 10}]
USERNS_MAP = [{"containerID": 0, "hostID": 100000, "size": 65536}]
OVERFLOW = f"{Path('/proc/sys/kernel/overflowuid').read_text().strip()}:" \
           f"{Path('/proc/sys/kernel/overflowgid').read_text().strip()}"
FIRST = len(base_config()["mounts"])  # the index of the first mount a test adds


@pytest.fixture(autouse=True)
def _runtime_has_idmap_mounts(rt):
    """runc has id-mapped mounts since 1.2 (Debian's 1.1 ignores the fields
    and passes idmap to mount(2) as data): ask the runtime, as containerd
    does, before holding it to them."""
    if rt.is_runc:
        res = rt.runtime("features", root=False)
        doc = json.loads(res.out) if res.rc == 0 else {}
        idmap = (doc.get("linux", {}).get("mountExtensions") or {}).get("idmap") or {}
        if not idmap.get("enabled"):
            pytest.skip("this runc has no id-mapped mounts (runc >= 1.2 has)")


def _source(rt, mode=0o755):
    """A host directory owned by root holding files owned by 0:0, 5:6 and
    500:500 (outside the test mappings)."""
    src = rt.hostdir()
    os.chmod(src, mode)
    for name, ids in (("root-file", (0, 0)), ("five-six", (5, 6)), ("unmapped", (500, 500))):
        (src / name).write_text(name)
        os.chown(src / name, *ids)
    return src


def _idmap_bind(cfg, source, dest, *options, uid=UID_MAP, gid=GID_MAP, recursive=False):
    bind(cfg, source, dest, *options, recursive=recursive)
    m = cfg["mounts"][-1]
    if uid is not None:
        m["uidMappings"] = uid
    if gid is not None:
        m["gidMappings"] = gid
    return m


def _userns(cfg):
    cfg["linux"]["namespaces"].append({"type": "user"})
    cfg["linux"]["uidMappings"] = USERNS_MAP
    cfg["linux"]["gidMappings"] = USERNS_MAP
    return cfg


def _owners(out):
    """``stat -c '%n %u:%g'`` output -> {path: "uid:gid"}."""
    return dict(line.split() for line in out.splitlines() if line.strip())


def _host_owner(path):
    st = os.stat(path)
    return f"{st.st_uid}:{st.st_gid}"


# --- the mapping ----------------------------------------------------------------------------------


@pytest.mark.parametrize("option", ["idmap", "ridmap"])
def test_mount_mappings_shift_the_owners_seen_inside(rt, option):
    src = _source(rt)
    cfg = sh("stat -c '%n %u:%g' /data /data/root-file /data/five-six /data/unmapped")
    _idmap_bind(cfg, src, "/data", option, recursive=True)
    assert _owners(rt.output(cfg)) == {"/data": "1000:2000", "/data/root-file": "1000:2000",
                                       "/data/five-six": "1005:2006", "/data/unmapped": OVERFLOW}
    # the host's view of the source is untouched
    assert [_host_owner(src / n) for n in ("root-file", "five-six", "unmapped")] == ["0:0", "5:6", "500:500"]


def test_the_mount_is_idmapped_and_keeps_its_other_options(rt):
    src = _source(rt)
    cfg = sh("cat /proc/self/mountinfo; touch /data/x 2>/dev/null && echo wrote; true")
    _idmap_bind(cfg, src, "/data", "idmap", "ro", "nosuid", "nodev")
    out = rt.output(cfg)
    m = sx.mount_at(sx.mountinfo(out), "/data")
    assert {"idmapped", "ro", "nosuid", "nodev"} <= m["opts"], m
    assert "wrote" not in out


def test_mappings_without_idmap_or_ridmap_still_map_the_mount(rt):
    """config.md: they SHOULD come with idmap or ridmap; runc maps the mount as idmap."""
    src = _source(rt)
    cfg = sh("stat -c '%n %u:%g' /data/five-six")
    _idmap_bind(cfg, src, "/data")
    res = rt.run(cfg)
    assert res.rc == 0, str(res)
    assert _owners(res.out) == {"/data/five-six": "1005:2006"}


def test_files_created_through_the_mount_land_with_the_on_disk_ids(rt):
    src = _source(rt, mode=0o777)
    cfg = sh("touch /data/new && stat -c '%n %u:%g' /data/new", user={"uid": 1003, "gid": 2004})
    _idmap_bind(cfg, src, "/data", "idmap")
    assert _owners(rt.output(cfg)) == {"/data/new": "1003:2004"}
    assert _host_owner(src / "new") == "3:4"


def test_an_id_outside_the_mapping_cannot_create_files(rt):
    """Root inside (uid 0) has no on-disk id through a mount mapping only
    1000..1009: the kernel refuses with EOVERFLOW, and nothing is created."""
    src = _source(rt, mode=0o777)
    cfg = sh("touch /data/by-root; echo rc=$?")
    _idmap_bind(cfg, src, "/data", "idmap")
    res = rt.run(cfg)
    assert "rc=1" in res.out and "Value too large" in res.err, str(res)
    assert not (src / "by-root").exists()


def test_a_file_can_be_idmapped(rt):
    src = _source(rt)
    cfg = sh("stat -c '%n %u:%g' /etc/mapped-file")
    _idmap_bind(cfg, src / "five-six", "/etc/mapped-file", "idmap")
    assert _owners(rt.output(cfg)) == {"/etc/mapped-file": "1005:2006"}


def test_several_mounts_of_one_source_with_different_mappings(rt):
    src = _source(rt)
    cfg = sh("stat -c '%n %u:%g' /a/five-six /b/five-six /plain/five-six")
    _idmap_bind(cfg, src, "/a", "idmap")
    _idmap_bind(cfg, src, "/b", "idmap", uid=[{"containerID": 5, "hostID": 3000, "size": 1}],
                gid=[{"containerID": 6, "hostID": 4000, "size": 1}])
    bind(cfg, src, "/plain")
    assert _owners(rt.output(cfg)) == {"/a/five-six": "1005:2006", "/b/five-six": "3000:4000",
                                       "/plain/five-six": "5:6"}


# --- the container's user namespace ---------------------------------------------------------------
# Mount points that exist in the image: the container's root (host uid
# 100000) could not create one in the host-root-owned rootfs.


@pytest.mark.parametrize("option", ["idmap", "ridmap"])
def test_idmap_without_mappings_uses_the_containers_userns(rt, option):
    """Root in a user namespace mapped to host 100000: through a plain bind
    the host's root-owned files belong to nobody; through an idmap mount
    without mappings of its own (the container's are used) they are root's."""
    sx.traversable_for_userns(rt)
    src = _source(rt)
    cfg = _userns(sh("stat -c '%n %u:%g' /mnt/root-file /mnt/five-six /var/root-file"))
    _idmap_bind(cfg, src, "/mnt", option, uid=None, gid=None, recursive=True)
    bind(cfg, src, "/var")
    assert _owners(rt.output(cfg)) == {"/mnt/root-file": "0:0", "/mnt/five-six": "5:6",
                                       "/var/root-file": OVERFLOW}


def test_container_root_writes_as_host_root_through_the_idmap(rt):
    sx.traversable_for_userns(rt)
    src = _source(rt)
    cfg = _userns(sh("touch /mnt/by-root && stat -c '%n %u:%g' /mnt/by-root"))
    _idmap_bind(cfg, src, "/mnt", "idmap", uid=None, gid=None)
    assert _owners(rt.output(cfg)) == {"/mnt/by-root": "0:0"}
    assert _host_owner(src / "by-root") == "0:0"


def test_mount_mappings_win_over_the_containers_userns(rt):
    """Mount mapping 0 -> 100005: in the container's namespace (0 -> 100000)
    the on-disk root shows as 5."""
    sx.traversable_for_userns(rt)
    src = _source(rt)
    cfg = _userns(sh("stat -c '%n %u:%g' /mnt/root-file"))
    mapping = [{"containerID": 0, "hostID": 100005, "size": 10}]
    _idmap_bind(cfg, src, "/mnt", "idmap", uid=mapping, gid=mapping)
    assert _owners(rt.output(cfg)) == {"/mnt/root-file": "5:5"}


@pytest.mark.runc_differs("runc 1.1 wants mappings even when joining a user namespace")
def test_idmap_without_mappings_uses_a_joined_userns(rt):
    sx.traversable_for_userns(rt)
    src = _source(rt)
    _, pid = rt.started_container(_userns(base_config(["sleep", "1000"])))
    cfg = set_namespace_path(base_config(["stat", "-c", "%n %u:%g", "/mnt/root-file", "/mnt/five-six"]),
                             "user", f"/proc/{pid}/ns/user")
    _idmap_bind(cfg, src, "/mnt", "idmap", uid=None, gid=None)
    assert _owners(rt.output(cfg)) == {"/mnt/root-file": "0:0", "/mnt/five-six": "5:6"}


# --- rbind: idmap maps the top mount, ridmap every mount of the tree ------------------------------


@pytest.fixture
def source_with_submount(rt):
    """_source with a tmpfs mounted at sub/ holding a root-owned file,
    unmounted before the leak checks run."""
    src = _source(rt)
    (src / "sub").mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=755", "idmap-sub", str(src / "sub")], check=True)
    try:
        (src / "sub" / "inner").write_text("inner")
        yield src
    finally:
        subprocess.run(["umount", "-l", str(src / "sub")], capture_output=True)


def test_ridmap_maps_submounts_and_idmap_only_the_top(rt, source_with_submount):
    """The kernel: mount_setattr(MOUNT_ATTR_IDMAP) without AT_RECURSIVE maps
    only the top mount of an rbind clone; its submounts keep the on-disk
    ids.  A plain bind (no rbind) has no submount at all."""
    src = source_with_submount
    cfg = sh("stat -c '%n %u:%g' /i/root-file /i/sub/inner /r/root-file /r/sub/inner; "
             "test -e /b/sub/inner || echo no-submount; cat /proc/self/mountinfo")
    _idmap_bind(cfg, src, "/i", "idmap", recursive=True)
    _idmap_bind(cfg, src, "/r", "ridmap", recursive=True)
    _idmap_bind(cfg, src, "/b", "ridmap")
    out = rt.output(cfg)
    owners = _owners("\n".join(line for line in out.splitlines() if line.startswith("/")))
    assert owners == {"/i/root-file": "1000:2000", "/i/sub/inner": "0:0",
                      "/r/root-file": "1000:2000", "/r/sub/inner": "1000:2000"}
    assert "no-submount" in out
    mounts = sx.mountinfo(out)
    assert "idmapped" not in sx.mount_at(mounts, "/i/sub")["opts"]
    assert "idmapped" in sx.mount_at(mounts, "/r/sub")["opts"]


# --- propagation ----------------------------------------------------------------------------------


@pytest.fixture
def shared_source(rt):
    """_source made a shared mount of its own (the host's / is private
    here), unmounted before the leak checks run."""
    src = _source(rt)
    (src / "sub").mkdir()
    subprocess.run(["mount", "--bind", str(src), str(src)], check=True)
    subprocess.run(["mount", "--make-shared", str(src)], check=True)
    try:
        yield src
    finally:
        subprocess.run(["umount", "-R", "-l", str(src)], capture_output=True)


def test_mounts_below_an_idmapped_mount_do_not_reach_the_host(rt, shared_source):
    """A clone of a shared mount is a peer of it: unless made a slave (as a
    bind made in the container would be), the container's mount below it
    would appear on the host."""
    cfg = base_config(["sleep", "1000"])
    _idmap_bind(cfg, shared_source, "/data", "idmap", recursive=True)
    cfg["mounts"].append({"destination": "/data/sub", "type": "tmpfs", "source": "below-idmap"})
    cid, _ = rt.started_container(cfg)
    res = rt.runtime("exec", cid, "cat", "/proc/self/mountinfo")
    assert res.rc == 0, str(res)
    mounts = sx.mountinfo(res.out)
    assert sx.mount_at(mounts, "/data/sub")["fstype"] == "tmpfs"
    assert leaks.mounts_under(shared_source / "sub") == []
    assert "shared" not in sx.propagation(sx.mount_at(mounts, "/data"))


# --- refusals: one line naming the field, exit 1, nothing left behind ------------------------------


@pytest.mark.parametrize("option", ["idmap", "ridmap"])
def test_idmap_without_mappings_or_userns_is_refused(rt, option):
    cfg = base_config()
    _idmap_bind(cfg, _source(rt), "/data", option, uid=None, gid=None)
    sx.create_refused(rt, cfg, f"mounts[{FIRST}].options[1]", option, "user namespace")


@pytest.mark.parametrize("given,missing", [("uid", "gidMappings"), ("gid", "uidMappings")])
def test_uid_and_gid_mappings_come_together(rt, given, missing):
    cfg = base_config()
    _idmap_bind(cfg, _source(rt), "/data", "idmap", uid=UID_MAP if given == "uid" else None,
                gid=GID_MAP if given == "gid" else None)
    sx.create_refused(rt, cfg, f"mounts[{FIRST}].{missing}", "together")


def test_only_bind_mounts_can_be_idmapped(rt):
    """runc refuses too: "id-mapped mounts are only supported for bind-mounts"."""
    cfg = base_config()
    cfg["mounts"].append({"destination": "/data", "type": "tmpfs", "source": "tmpfs", "options": ["idmap"],
                          "uidMappings": UID_MAP, "gidMappings": GID_MAP})
    sx.create_refused(rt, cfg, f"mounts[{FIRST}]", "bind mounts")


def test_a_filesystem_without_idmap_support_fails_create_cleanly(rt):
    """sysfs cannot be id-mapped: create fails at mount_setattr, after the
    state directory, cgroup and helper user namespace were made, and must
    undo them all."""
    cfg = base_config()
    _idmap_bind(cfg, "/sys/kernel", "/data", "idmap", recursive=True)
    res = sx.create_refused(rt, cfg, "mount /data", "cannot id-map /sys/kernel", "support id-mapped mounts")
    if not rt.is_runc:
        assert len(res.err.strip().splitlines()) == 1, res.err


def test_features_report_idmap_mounts(rt):
    doc = asserts.ok(rt.runtime("features", root=False), "features").json()
    assert doc["linux"]["mountExtensions"]["idmap"]["enabled"] is True
    if not rt.is_runc:  # runc 1.2 honours idmap and ridmap but does not list them
        assert {"idmap", "ridmap"} <= set(doc["mountOptions"])
