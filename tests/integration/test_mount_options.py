"""Mount options beyond the basics of test_mounts.py (config.md "Linux
mount options", config-linux.md "Rootfs Mount Propagation"): every flag
of the table, the recursive ones (mount_setattr AT_RECURSIVE), bind
propagation and its effects, linux.rootfsPropagation, tmpcopyup, file
binds, and destinations reached through the image's symlinks, which must
never send a mount or a mkdir outside the rootfs.
"""
import os
import subprocess

import pytest

import support_extra as sx
from support import asserts, leaks, proc
from support.config import add_mount, base_config, bind, sh


def _mounts(rt, cfg, script="cat /proc/self/mountinfo"):
    cfg["process"]["args"] = ["sh", "-c", script]
    return sx.mountinfo(rt.output(cfg))


def _tmpfs(*options, dest="/mnt/t"):
    cfg = base_config()
    add_mount(cfg, dest, "tmpfs", "tmpfs", list(options))
    return cfg




# --- the flags of the table, on a tmpfs ------------------------------------------------------------


@pytest.mark.parametrize("options,present,absent", [
    (["nosuid"], {"nosuid"}, set()),
    (["nodev"], {"nodev"}, set()),
    (["noexec"], {"noexec"}, set()),
    (["noatime"], {"noatime"}, {"relatime"}),
    (["nodiratime"], {"nodiratime"}, set()),
    (["relatime"], {"relatime"}, {"noatime"}),
    (["strictatime"], set(), {"relatime", "noatime"}),
    (["nosymfollow"], {"nosymfollow"}, set()),
    (["ro"], {"ro"}, {"rw"}),
    (["ro", "rw"], {"rw"}, {"ro"}),
    (["nosuid", "suid"], set(), {"nosuid"}),
    (["nodev", "dev"], set(), {"nodev"}),
    (["noexec", "exec"], set(), {"noexec"}),
    (["noatime", "atime"], set(), {"noatime"}),
    (["nodiratime", "diratime"], set(), {"nodiratime"}),
    (["nosymfollow", "symfollow"], set(), {"nosymfollow"}),
    (["strictatime", "nostrictatime"], {"relatime"}, set()),
    pytest.param(["defaults"], {"rw"}, {"ro", "nosuid", "nodev", "noexec"},
                 marks=pytest.mark.runc_differs("runc 1.1 passes 'defaults' to the filesystem")),
])
def test_mount_flags(rt, options, present, absent):
    m = sx.mount_at(_mounts(rt, _tmpfs(*options)), "/mnt/t")
    assert present <= m["opts"], (options, m["opts"])
    assert not (absent & m["opts"]), (options, m["opts"])


@pytest.mark.parametrize("options,present,absent", [
    (["sync"], {"sync"}, set()),
    (["sync", "async"], set(), {"sync"}),
    (["dirsync"], {"dirsync"}, set()),
    (["lazytime"], {"lazytime"}, set()),
    (["lazytime", "nolazytime"], set(), {"lazytime"}),
])
def test_superblock_flags(rt, options, present, absent):
    m = sx.mount_at(_mounts(rt, _tmpfs(*options)), "/mnt/t")
    assert present <= m["super"], (options, m["super"])
    assert not (absent & m["super"]), (options, m["super"])


@pytest.mark.parametrize("option", ["iversion", "noiversion", "loud", "silent", "nomand", "norelatime"])
def test_other_table_options_are_accepted(rt, option):
    cfg = _tmpfs(option, "size=1m")
    cfg["process"]["args"] = ["true"]
    assert rt.output(cfg) == ""


def test_filesystem_options_go_to_the_data_argument(rt):
    cfg = _tmpfs("nr_inodes=100", "mode=701", "uid=1000", "nosuid")
    mounts = _mounts(rt, cfg, "stat -c '%a %u' /mnt/t; cat /proc/self/mountinfo")
    m = sx.mount_at(mounts, "/mnt/t")
    assert {"nr_inodes=100", "mode=701", "uid=1000"} <= m["super"], m["super"]


def test_unknown_filesystem_option_is_a_clear_error(rt):
    sx.create_refused(rt, _tmpfs("pyrunc_bogus_option=1"), "/mnt/t")


def test_relative_destination_is_relative_to_root(rt):
    cfg = base_config()
    add_mount(cfg, "mnt/relative", "tmpfs", "tmpfs")
    assert sx.mount_at(_mounts(rt, cfg), "/mnt/relative")["fstype"] == "tmpfs"


# --- recursive attributes -----------------------------------------------------------------------------


def _submount_wrapper(sub, options=""):
    """Wrap the runtime in a private mount namespace where *sub* (inside a
    host dir the test binds) carries a tmpfs: the host is left untouched."""
    remount = f' && mount -o remount,bind,{options} "$0"' if options else ""
    return ["unshare", "-m", "--propagation", "private", "sh", "-c",
            f'mount -t tmpfs none "$0" && echo sub > "$0/f" && ln -s f "$0/link"{remount} && exec "$@"', str(sub)]


def _with_submount(rt, bind_options, script="cat /proc/self/mountinfo", sub_options=""):
    host = rt.hostdir()
    (host / "sub").mkdir()
    cfg = sh(script)
    bind(cfg, host, "/data", *bind_options, recursive=True)
    cid = rt.new_id()
    res = rt.runtime("run", "--bundle", rt.bundle(cfg), cid, wrapper=_submount_wrapper(host / "sub", sub_options))
    assert res.rc == 0, str(res)
    return res.out


@pytest.mark.parametrize("option,flag", [
    ("rro", "ro"), ("rnosuid", "nosuid"), ("rnodev", "nodev"), ("rnoexec", "noexec"),
    ("rnoatime", "noatime"), ("rnodiratime", "nodiratime"), ("rnosymfollow", "nosymfollow"),
])
def test_recursive_option_reaches_submounts(rt, option, flag):
    mounts = sx.mountinfo(_with_submount(rt, [option]))
    for point in ("/data", "/data/sub"):
        assert flag in sx.mount_at(mounts, point)["opts"], f"{option}: {point} lacks {flag}"


@pytest.mark.parametrize("option,flag,sub_options", [
    ("rrw", "ro", "ro"), ("rsuid", "nosuid", "nosuid"), ("rdev", "nodev", "nodev"), ("rexec", "noexec", "noexec"),
    pytest.param("ratime", "noatime", "noatime", marks=pytest.mark.runc_differs("runc 1.1: EINVAL")),
    ("rdiratime", "nodiratime", "nodiratime"),
    ("rsymfollow", "nosymfollow", "nosymfollow"),
])
def test_recursive_clearing_option_reaches_submounts(rt, option, flag, sub_options):
    mounts = sx.mountinfo(_with_submount(rt, [option], sub_options=sub_options))
    assert flag not in sx.mount_at(mounts, "/data/sub")["opts"], f"{option} did not clear {flag} on the submount"


def test_recursive_atime_modes(rt):
    mounts = sx.mountinfo(_with_submount(rt, ["rrelatime"], sub_options="noatime"))
    assert {"relatime"} <= sx.mount_at(mounts, "/data/sub")["opts"]
    mounts = sx.mountinfo(_with_submount(rt, ["rstrictatime"]))
    sub = sx.mount_at(mounts, "/data/sub")["opts"]
    assert not ({"relatime", "noatime"} & sub), sub


def test_plain_ro_on_rbind_is_not_recursive(rt):
    mounts = sx.mountinfo(_with_submount(rt, ["ro"]))
    assert "ro" in sx.mount_at(mounts, "/data")["opts"]
    assert "rw" in sx.mount_at(mounts, "/data/sub")["opts"]


def test_rro_really_forbids_writes_below(rt):
    out = _with_submount(rt, ["rro"], "{ echo x > /data/sub/new; } 2>&1; echo rc=$?; cat /data/sub/f")
    assert "Read-only file system" in out and "rc=1" in out, out
    assert out.splitlines()[-1] == "sub"


def test_rnosymfollow_really_refuses_symlinks_below(rt):
    out = _with_submount(rt, ["rnosymfollow"], "cat /data/sub/link 2>&1; echo rc=$?; cat /data/sub/f")
    lines = out.splitlines()
    assert lines[-2] == "rc=1", out
    assert lines[-1] == "sub"


def test_recursive_option_with_a_plain_bind_applies_to_the_mount(rt):
    host = rt.hostdir()
    cfg = base_config()
    bind(cfg, host, "/data", "rro")
    assert "ro" in sx.mount_at(_mounts(rt, cfg), "/data")["opts"]


# --- bind propagation ------------------------------------------------------------------------------


@pytest.mark.parametrize("options,tags", [
    (["shared"], {"shared"}), (["rshared"], {"shared"}), (["unbindable"], {"unbindable"}),
    (["runbindable"], {"unbindable"}), (["private"], set()), (["shared", "private"], set()),
])
def test_bind_propagation_option(rt, options, tags):
    host = rt.hostdir()
    cfg = base_config()
    bind(cfg, host, "/data", *options)
    m = sx.mount_at(_mounts(rt, cfg), "/data")
    assert sx.propagation(m) == tags, (options, m["optional"])


@pytest.fixture
def shared_hostdir(rt):
    """A host directory that is a shared mount of its own (the host's / is
    private here), unmounted before the leak checks run."""
    path = rt.hostdir("shared")
    subprocess.run(["mount", "--bind", str(path), str(path)], check=True)
    subprocess.run(["mount", "--make-shared", str(path)], check=True)
    yield path
    subprocess.run(["umount", "-R", "-l", str(path)], capture_output=True)


def _exec_out(rt, cid, script):
    res = rt.runtime("exec", cid, "sh", "-c", script)
    assert res.rc == 0, str(res)
    return res.out


def _late_host_mount(path):
    (path / "late").mkdir(exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "late-tmpfs", str(path / "late")], check=True)


@pytest.mark.parametrize("option,visible", [("rslave", True), ("rshared", True), ("rprivate", False)])
def test_host_mounts_propagate_into_a_slave_bind(rt, shared_hostdir, option, visible):
    cfg = base_config(["sleep", "1000"])
    bind(cfg, shared_hostdir, "/data", option, recursive=True)
    cid, _ = rt.started_container(cfg)
    _late_host_mount(shared_hostdir)
    out = _exec_out(rt, cid, "grep -c ' /data/late ' /proc/self/mountinfo; exit 0")
    assert (out.strip() != "0") == visible, f"{option}: host mount at /data/late visible={out.strip()!r}"


def test_container_mounts_propagate_to_the_host_through_a_shared_bind(rt, shared_hostdir):
    """Bidirectional propagation (kubernetes): rootfsPropagation shared and
    an rshared bind; a mount made inside shows up on the host."""
    cfg = base_config(["sleep", "1000"])
    cfg["linux"]["rootfsPropagation"] = "shared"
    for s in ("bounding", "effective", "permitted"):
        cfg["process"]["capabilities"][s].append("CAP_SYS_ADMIN")
    bind(cfg, shared_hostdir, "/data", "rshared", recursive=True)
    (shared_hostdir / "fromc").mkdir()
    cid, _ = rt.started_container(cfg)
    _exec_out(rt, cid, "mount -t tmpfs from-container /data/fromc")
    proc.wait_for(lambda: str(shared_hostdir / "fromc") in leaks.mounts_under(shared_hostdir),
                  timeout=5, what="the container's mount to reach the host")


# --- rootfsPropagation --------------------------------------------------------------------------------


@pytest.mark.parametrize("prop,tags", [
    ("private", set()),
    pytest.param("unbindable", {"unbindable"}, marks=pytest.mark.runc_differs("runc 1.1 fails to bind an unbindable root")),
    pytest.param("shared", {"shared"}, marks=pytest.mark.runc_differs("runc 1.1 leaves the root private")),
])
def test_rootfs_propagation_of_the_root_mount(rt, prop, tags):
    """crun agrees: shared -> a new peer group (shared:N), unbindable ->
    unbindable, private -> no tag."""
    cfg = base_config()
    cfg["linux"]["rootfsPropagation"] = prop
    m = sx.mount_at(_mounts(rt, cfg), "/")
    assert sx.propagation(m) == tags, (prop, m["optional"])


@pytest.fixture
def shared_rootfs_bundle(rt):
    """A bundle whose rootfs is a shared mount on the host."""
    bundle = rt.bundle(False)
    root = bundle / "rootfs"
    subprocess.run(["mount", "--bind", str(root), str(root)], check=True)
    subprocess.run(["mount", "--make-shared", str(root)], check=True)
    yield bundle
    subprocess.run(["umount", "-R", "-l", str(root)], capture_output=True)


@pytest.mark.parametrize("prop,visible", [("private", False)])
def test_rootfs_propagation_effect_of_host_mounts(rt, shared_rootfs_bundle, prop, visible):
    """(slave is not tested for the opposite: neither runc 1.1 nor crun 1.8
    propagate a host mount into the container's root.)"""
    cfg = base_config(["sleep", "1000"])
    cfg["linux"]["rootfsPropagation"] = prop
    rt.write_config(shared_rootfs_bundle, cfg)
    res = rt.create(bundle=shared_rootfs_bundle)
    rt.start(res.cid)
    _late_host_mount(shared_rootfs_bundle / "rootfs/mnt")
    out = _exec_out(rt, res.cid, "grep -c ' /mnt/late ' /proc/self/mountinfo; exit 0")
    assert (out.strip() != "0") == visible, f"rootfsPropagation {prop}: host mount visible={out.strip()!r}"


@pytest.mark.parametrize("prop", ["shared", "slave", "private", "unbindable"])
def test_container_mounts_never_leak_to_a_shared_host_rootfs(rt, shared_rootfs_bundle, prop):
    """config-linux.md: even 'shared' does not mean shared with the host:
    the container's own mounts (/proc, /dev, ...) must not appear under the
    host's rootfs mount."""
    cfg = base_config(["sleep", "1000"])
    cfg["linux"]["rootfsPropagation"] = prop
    rt.write_config(shared_rootfs_bundle, cfg)
    res = rt.create(bundle=shared_rootfs_bundle)
    rt.start(res.cid)
    root = shared_rootfs_bundle / "rootfs"
    leaked = [p for p in leaks.mounts_under(root) if p != str(root)]
    assert not leaked, f"container mounts propagated to the host: {leaked}"


# --- tmpcopyup -----------------------------------------------------------------------------------------


def test_tmpcopyup_copies_the_image_directory(rt):
    host_secret = rt.hostdir("host-secret")
    (host_secret / "host-only").write_text("must not be copied\n")
    cfg = sh("cat /etc/passwd | head -1; stat -c '%a %u:%g' /etc/secret /etc/subdir /etc/subdir/deep; "
             "cat /etc/subdir/deep; readlink /etc/escape; ls /etc/escape/ 2>&1 | head -1; "
             "echo new > /etc/written && cat /etc/written; stat -f -c %T /etc; cat /etc/big | wc -c")
    add_mount(cfg, "/etc", "tmpfs", "tmpfs", ["tmpcopyup", "mode=755"])
    bundle = rt.bundle(cfg)
    etc = bundle / "rootfs/etc"
    (etc / "secret").write_text("s\n")
    os.chmod(etc / "secret", 0o640)
    os.chown(etc / "secret", 1000, 1000)
    (etc / "subdir").mkdir()
    os.chmod(etc / "subdir", 0o711)  # root here lacks CAP_DAC_OVERRIDE
    os.chown(etc / "subdir", 29, 29)
    (etc / "subdir/deep").write_text("deep content\n")
    os.chmod(etc / "subdir/deep", 0o604)
    (etc / "escape").symlink_to(host_secret)
    (etc / "big").write_bytes(b"x" * (1 << 20))
    res = rt.run(bundle=bundle)
    assert res.rc == 0, str(res)
    lines = res.out.splitlines()
    assert lines[0] == "root:x:0:0:root:/root:/bin/sh"
    assert lines[1:4] == ["640 1000:1000", "711 29:29", "604 0:0"]
    assert lines[4] == "deep content"
    assert lines[5] == str(host_secret), "symlinks must be copied as symlinks"
    assert "host-only" not in lines[6], "tmpcopyup followed an image symlink to the host"
    assert lines[7] == "new"
    assert lines[8] == "tmpfs"
    assert lines[9].strip() == str(1 << 20)
    assert not (etc / "written").exists(), "the write reached the image"


def test_tmpcopyup_on_a_missing_directory_gives_an_empty_tmpfs(rt):
    cfg = sh("ls -A /var/new-dir | wc -l")
    add_mount(cfg, "/var/new-dir", "tmpfs", "tmpfs", ["tmpcopyup"])
    assert rt.output(cfg).strip() == "0"


def test_tmpfs_without_tmpcopyup_is_empty(rt):
    cfg = sh("ls -A /etc | wc -l")
    add_mount(cfg, "/etc", "tmpfs", "tmpfs")
    assert rt.output(cfg).strip() == "0"


# --- file binds ------------------------------------------------------------------------------------


def test_file_bind_over_an_image_file(rt):
    host = rt.hostdir()
    (host / "hostname").write_text("from-the-host\n")
    cfg = sh("cat /etc/hostname")
    bind(cfg, host / "hostname", "/etc/hostname")
    assert rt.output(cfg) == "from-the-host\n"


def test_file_bind_into_missing_directories(rt):
    host = rt.hostdir()
    (host / "f").write_text("deep file\n")
    cfg = sh("cat /a/b/c/file; stat -c %F /a/b/c/file /a/b/c")
    bind(cfg, host / "f", "/a/b/c/file")
    assert rt.output(cfg).splitlines() == ["deep file", "regular file", "directory"]


def test_file_bind_is_writable_through(rt):
    host = rt.hostdir()
    (host / "f").write_text("before\n")
    cfg = sh("echo after > /etc/rw-file")
    bind(cfg, host / "f", "/etc/rw-file")
    rt.output(cfg)
    assert (host / "f").read_text() == "after\n"


def test_directory_bind_onto_an_image_file_is_refused(rt):
    host = rt.hostdir()
    cfg = base_config(["true"])
    bind(cfg, host, "/etc/passwd")
    sx.create_refused(rt, cfg, "/etc/passwd")


def test_file_bind_onto_an_image_directory_is_refused(rt):
    host = rt.hostdir()
    (host / "f").write_text("x\n")
    cfg = base_config(["true"])
    bind(cfg, host / "f", "/etc")
    sx.create_refused(rt, cfg, "/etc")


def test_bind_of_a_missing_source_is_refused(rt):
    cfg = base_config(["true"])
    bind(cfg, rt.tmp / "no-such-source", "/data")
    sx.create_refused(rt, cfg, "no-such-source")


# --- destinations through the image's symlinks ----------------------------------------------------------


def _escape_bundle(rt, cfg, link, target):
    bundle = rt.bundle(cfg)
    (bundle / "rootfs" / link.lstrip("/")).symlink_to(target)
    return bundle


@pytest.mark.parametrize("relative", [False, True])
def test_mkdir_through_an_image_symlink_stays_in_the_rootfs(rt, relative):
    outside = rt.hostdir("outside")
    cfg = sh("cat /proc/self/mountinfo")
    add_mount(cfg, "/escape/newdir/deeper", "tmpfs", "tmpfs")
    target = ("../" * 20 + str(outside).lstrip("/")) if relative else str(outside)
    bundle = _escape_bundle(rt, cfg, "/escape", target)
    res = rt.run(bundle=bundle)
    assert list(outside.iterdir()) == [], f"created outside the rootfs: {list(outside.iterdir())}"
    assert res.rc == 0, str(res)
    points = [m["point"] for m in sx.mountinfo(res.out)]
    assert f"{outside}/newdir/deeper" in points, points
    assert (bundle / "rootfs" / str(outside).lstrip("/") / "newdir/deeper").is_dir()


def test_bind_onto_a_symlink_lands_inside_the_rootfs(rt):
    outside = rt.hostdir("outside")
    (outside / "host-file").write_text("host\n")
    src = rt.hostdir("src")
    (src / "payload").write_text("payload\n")
    cfg = sh("cat /mnt/final/payload")
    bind(cfg, src, "/mnt/final")
    bundle = _escape_bundle(rt, cfg, "/mnt/final", str(outside))
    res = rt.run(bundle=bundle)
    assert res.rc == 0, str(res)
    assert res.out == "payload\n"
    assert sorted(p.name for p in outside.iterdir()) == ["host-file"]


def test_file_bind_through_a_symlink_creates_nothing_outside(rt):
    outside = rt.hostdir("outside")
    src = rt.hostdir("src")
    (src / "f").write_text("file\n")
    cfg = sh("cat /escape/created-file")
    bind(cfg, src / "f", "/escape/created-file")
    bundle = _escape_bundle(rt, cfg, "/escape", str(outside))
    res = rt.run(bundle=bundle)
    assert not (outside / "created-file").exists(), "a mount target file was created outside the rootfs"
    assert res.rc == 0, str(res)
    assert res.out == "file\n"


def test_dangling_symlink_destination_stays_inside(rt):
    outside = rt.hostdir("outside")
    cfg = sh("stat -f -c %T /mnt/dangling")
    add_mount(cfg, "/mnt/dangling", "tmpfs", "tmpfs")
    bundle = _escape_bundle(rt, cfg, "/mnt/dangling", str(outside / "not-yet"))
    res = rt.run(bundle=bundle)
    assert not (outside / "not-yet").exists(), "mkdir followed a dangling symlink out of the rootfs"
    assert res.rc == 0, str(res)
    assert res.out.strip() == "tmpfs"


@pytest.mark.parametrize("dest,fstype", [("/proc", "proc"), ("/sys", "sysfs")])
def test_proc_and_sys_must_not_be_symlinks(rt, dest, fstype):
    cfg = base_config(["true"])
    bundle = rt.bundle(cfg)
    d = bundle / "rootfs" / dest.lstrip("/")
    d.rmdir()
    d.symlink_to("/tmp")
    cid = rt.new_id()
    res = rt.runtime("create", "--bundle", bundle, cid)
    if rt.is_runc:
        assert res.rc == 1, str(res)
    else:
        asserts.error(res, dest)
    asserts.not_exist(rt.runtime("state", cid))


# --- masked and read-only paths of the image ---------------------------------------------------------------


def test_masked_image_file_and_directory(rt):
    cfg = sh("wc -c < /etc/secret; stat -c '%F %t:%T' /etc/secret; ls -A /secretdir | wc -l; "
             "{ echo x > /secretdir/new; } 2>&1; echo rc=$?")
    cfg["linux"]["maskedPaths"] = ["/etc/secret", "/secretdir"]
    bundle = rt.bundle(cfg)
    (bundle / "rootfs/etc/secret").write_text("top secret\n")
    (bundle / "rootfs/secretdir").mkdir()
    (bundle / "rootfs/secretdir/file").write_text("hidden\n")
    res = rt.run(bundle=bundle)
    assert res.rc == 0, str(res)
    lines = [ln.strip() for ln in res.out.splitlines()]
    assert lines[0] == "0"
    assert lines[1] == "character special file 1:3"
    assert lines[2] == "0"
    assert "rc=1" in lines[-1] or "Read-only" in res.out, res.out


def test_readonly_image_directory_and_file_with_a_writable_root(rt):
    cfg = sh("{ echo x > /etc/new; } 2>&1; echo rc=$?; { echo x >> /etc/hostname; } 2>&1; echo rc=$?; "
             "echo y > /root/ok && echo writable-elsewhere")
    cfg["root"]["readonly"] = False
    cfg["linux"]["readonlyPaths"] = ["/etc", "/etc/hostname"]
    out = rt.output(cfg)
    assert out.count("rc=1") == 2, out
    assert "writable-elsewhere" in out


def test_masked_path_through_an_image_symlink_stays_inside(rt):
    outside = rt.hostdir("outside")
    (outside / "host-file").write_text("host content\n")
    cfg = sh("cat /etc/link-to-host 2>&1; exit 0")
    cfg["linux"]["maskedPaths"] = ["/etc/link-to-host"]
    bundle = _escape_bundle(rt, cfg, "/etc/link-to-host", str(outside / "host-file"))
    res = rt.run(bundle=bundle)
    assert res.rc == 0, str(res)
    assert "host content" not in res.out
    assert (outside / "host-file").read_text() == "host content\n"
