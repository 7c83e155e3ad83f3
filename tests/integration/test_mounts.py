"""The mounts list, applied in order inside the container (config.md
"Mounts", config-linux.md mount options)."""
import shutil

import pytest

from support import proc
from support.config import add_mount, base_config, bind, sh


def _mountinfo(out):
    """Parse ``cat /proc/self/mountinfo`` output into a list of dicts."""
    mounts = []
    for line in out.splitlines():
        left, _, right = line.partition(" - ")
        f, r = left.split(), right.split()
        mounts.append({"root": f[3], "point": f[4], "opts": set(f[5].split(",")),
                       "fstype": r[0], "source": r[1], "super": set(r[2].split(","))})
    return mounts


def _mount_at(mounts, point):
    found = [m for m in mounts if m["point"] == point]
    assert found, f"nothing mounted at {point}: {[m['point'] for m in mounts]}"
    return found[-1]  # the top one


def _container_mounts(rt, cfg=None):
    cfg = cfg or base_config()
    cfg["process"]["args"] = ["cat", "/proc/self/mountinfo"]
    return _mountinfo(rt.output(cfg))


def test_default_mounts_have_the_right_types(rt):
    mounts = _container_mounts(rt)
    expected = {"/proc": "proc", "/dev": "tmpfs", "/dev/pts": "devpts", "/dev/shm": "tmpfs",
                "/dev/mqueue": "mqueue", "/sys": "sysfs"}
    for point, fstype in expected.items():
        assert _mount_at(mounts, point)["fstype"] == fstype, point


def test_mount_flags_from_options(rt):
    mounts = _container_mounts(rt)
    assert {"nosuid"} <= _mount_at(mounts, "/dev")["opts"]
    assert {"nosuid", "noexec"} <= _mount_at(mounts, "/dev/pts")["opts"]
    assert {"nosuid", "noexec", "nodev"} <= _mount_at(mounts, "/dev/shm")["opts"]
    assert {"nosuid", "noexec", "nodev", "ro"} <= _mount_at(mounts, "/sys")["opts"]


def test_devpts_options(rt):
    pts = _mount_at(_container_mounts(rt), "/dev/pts")
    assert {"mode=620", "ptmxmode=666", "gid=5"} <= pts["super"], pts


def test_tmpfs_size_and_mode(rt):
    cfg = sh("stat -c %a /mnt/t; cat /proc/self/mountinfo")
    add_mount(cfg, "/mnt/t", "tmpfs", "tmpfs", ["size=1m", "mode=705", "nodev", "nosuid", "noexec"])
    out = rt.output(cfg).splitlines()
    assert out[0] == "705"
    m = _mount_at(_mountinfo("\n".join(out[1:])), "/mnt/t")
    assert m["fstype"] == "tmpfs"
    assert "size=1024k" in m["super"], m
    assert {"nodev", "nosuid", "noexec"} <= m["opts"]


def test_sysfs_is_read_only(rt):
    res = rt.run(sh("touch /sys/kernel/x 2>&1; mkdir /sys/x 2>&1; exit 0"))
    assert res.rc == 0, str(res)
    assert "Read-only file system" in res.out, res.out


def test_cgroup_mount_is_read_only_and_shows_the_hierarchies(rt):
    res = rt.run(sh("ls /sys/fs/cgroup; touch /sys/fs/cgroup/x && echo wrote-top; "
                    "mkdir /sys/fs/cgroup/memory/pyrunc-x && echo wrote-memory; "
                    "grep ' /sys/fs/cgroup' /proc/self/mountinfo; exit 0"))
    assert res.rc == 0, str(res)
    names = res.out.split()
    for ctrl in proc.v1_controllers():
        assert ctrl in names, f"/sys/fs/cgroup/{ctrl} missing in the container: {names}"
    assert "wrote-" not in res.out, res.out
    mounts = _mountinfo("\n".join(ln for ln in res.out.splitlines() if " - " in ln))
    hierarchies = [m for m in mounts if m["fstype"] in ("cgroup", "cgroup2")]
    assert hierarchies and all("ro" in m["opts"] for m in hierarchies), mounts


def test_mqueue(rt):
    m = _mount_at(_container_mounts(rt), "/dev/mqueue")
    assert m["fstype"] == "mqueue"


def test_bind_mount_read_write(rt):
    host = rt.hostdir()
    (host / "from-host").write_text("hello\n")
    cfg = sh("cat /data/from-host; echo back > /data/from-container")
    bind(cfg, host, "/data")
    assert rt.output(cfg) == "hello\n"
    assert (host / "from-container").read_text() == "back\n"


def test_bind_mount_read_only(rt):
    host = rt.hostdir()
    (host / "f").write_text("ro-content\n")
    cfg = sh("cat /data/f; { echo x > /data/g; } 2>&1; echo rc=$?")
    bind(cfg, host, "/data", "ro")
    out = rt.output(cfg)
    assert out.startswith("ro-content\n")
    assert "Read-only file system" in out and "rc=1" in out, out
    assert not (host / "g").exists()


def test_bind_mount_of_a_file(rt):
    host = rt.hostdir()
    (host / "file").write_text("single file\n")
    cfg = sh("cat /etc/bound-file; stat -c %F /etc/bound-file")
    bind(cfg, host / "file", "/etc/bound-file", "ro")
    assert rt.output(cfg) == "single file\nregular file\n"


def test_bind_mount_source_relative_to_the_bundle(rt):
    cfg = sh("cat /data/f")
    bind(cfg, "shared", "/data")
    bundle = rt.bundle(cfg)
    (bundle / "shared").mkdir()
    (bundle / "shared" / "f").write_text("relative source\n")
    res = rt.run(bundle=bundle)
    assert res.rc == 0, str(res)
    assert res.out == "relative source\n"


def test_missing_destination_is_created(rt):
    host = rt.hostdir()
    (host / "f").write_text("deep\n")
    cfg = sh("cat /a/b/c/f")
    bind(cfg, host, "/a/b/c")
    assert rt.output(cfg) == "deep\n"


@pytest.mark.parametrize("opt,flag", [("nosuid", "nosuid"), ("nodev", "nodev"), ("noexec", "noexec")])
def test_bind_mount_flags(rt, opt, flag):
    host = rt.hostdir()
    cfg = sh("cat /proc/self/mountinfo")
    bind(cfg, host, "/data", opt)
    m = _mount_at(_mountinfo(rt.output(cfg)), "/data")
    assert flag in m["opts"], m


def test_noexec_bind_really_forbids_exec(rt):
    host = rt.hostdir()
    shutil.copy2("/bin/busybox", host / "busybox")
    cfg = sh("/data/busybox true 2>&1; echo rc=$?; /bin/busybox true; echo ok=$?")
    bind(cfg, host, "/data", "noexec")
    out = rt.output(cfg)
    assert "rc=126" in out and "ok=0" in out, out


def test_exec_allowed_without_noexec(rt):
    host = rt.hostdir()
    shutil.copy2("/bin/busybox", host / "busybox")
    cfg = sh("/data/busybox echo executed")
    bind(cfg, host, "/data")
    assert rt.output(cfg) == "executed\n"


def _with_host_submount(rt, recursive):
    """Bind a host dir holding a tmpfs submount.  The submount is made in a
    private mount namespace wrapping the runtime, so the host is untouched."""
    host = rt.hostdir()
    (host / "sub").mkdir()
    (host / "top-file").write_text("top\n")
    cfg = sh("cat /data/top-file; cat /data/sub/f 2>/dev/null || echo no-submount")
    bind(cfg, host, "/data", recursive=recursive)
    bundle = rt.bundle(cfg)
    cid = rt.new_id()
    wrapper = ["unshare", "-m", "--propagation", "private", "sh", "-c",
               'mount -t tmpfs none "$0" && echo sub > "$0/f" && exec "$@"', str(host / "sub")]
    res = rt.runtime("run", "--bundle", bundle, cid, wrapper=wrapper)
    assert res.rc == 0, str(res)
    return res.out


def test_bind_is_not_recursive(rt):
    assert _with_host_submount(rt, recursive=False) == "top\nno-submount\n"


def test_rbind_is_recursive(rt):
    assert _with_host_submount(rt, recursive=True) == "top\nsub\n"


def test_mounts_are_applied_in_order(rt):
    """A tmpfs listed after a bind at the same place hides it; listed before,
    the bind wins."""
    host = rt.hostdir()
    (host / "f").write_text("bound\n")
    later_tmpfs = sh("ls -A /mnt/x | wc -l")
    bind(later_tmpfs, host, "/mnt/x")
    add_mount(later_tmpfs, "/mnt/x", "tmpfs", "tmpfs")
    assert rt.output(later_tmpfs).strip() == "0"

    later_bind = sh("cat /mnt/x/f")
    add_mount(later_bind, "/mnt/x", "tmpfs", "tmpfs")
    bind(later_bind, host, "/mnt/x")
    assert rt.output(later_bind) == "bound\n"


def test_nested_mount_goes_on_top_of_the_earlier_one(rt):
    cfg = sh("stat -c %a /mnt/o/inner; cat /proc/self/mountinfo")
    add_mount(cfg, "/mnt/o", "tmpfs", "tmpfs", ["mode=755"])
    add_mount(cfg, "/mnt/o/inner", "tmpfs", "tmpfs", ["mode=700"])
    out = rt.output(cfg).splitlines()
    assert out[0] == "700"
    points = [m["point"] for m in _mountinfo("\n".join(out[1:]))]
    assert points.index("/mnt/o") < points.index("/mnt/o/inner")


def test_bind_mount_propagation_option_private(rt):
    host = rt.hostdir()
    cfg = sh("cat /proc/self/mountinfo")
    bind(cfg, host, "/data", "rprivate")
    m = [ln for ln in rt.output(cfg).splitlines() if " /data " in ln]
    assert m and "shared:" not in m[0] and "master:" not in m[0], m
