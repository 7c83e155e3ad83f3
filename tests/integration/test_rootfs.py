"""root.path / root.readonly, pivot_root and --no-pivot (config.md "Root")."""
from pathlib import Path

import pytest

from support.config import add_mount, base_config, sh


def _host_only_mount_points():
    """Host mount points a container must not see (not /, not the
    pseudo-filesystems it mounts itself)."""
    points = []
    for line in open("/proc/self/mountinfo"):
        p = line.split()[4]
        if p != "/" and not p.startswith(("/proc", "/sys", "/dev", "/run/netns", "/var/run/netns")):
            points.append(p)
    return points


def test_relative_root_path_is_resolved_in_the_bundle(rt):
    cfg = base_config(["cat", "/etc/which-rootfs"])
    cfg["root"]["path"] = "my-root"
    bundle = rt.bundle(cfg, rootfs=False)
    rt.rootfs_copy(bundle / "my-root")
    (bundle / "my-root/etc/which-rootfs").write_text("relative\n")
    res = rt.run(bundle=bundle)
    assert res.rc == 0, str(res)
    assert res.out == "relative\n"


def test_absolute_root_path(rt):
    elsewhere = rt.tmp / "elsewhere-rootfs"
    rt.rootfs_copy(elsewhere)
    (elsewhere / "etc/which-rootfs").write_text("absolute\n")
    cfg = base_config(["cat", "/etc/which-rootfs"])
    cfg["root"]["path"] = str(elsewhere)
    bundle = rt.bundle(cfg, rootfs=False)
    res = rt.run(bundle=bundle)
    assert res.rc == 0, str(res)
    assert res.out == "absolute\n"
    st_res = rt.run(cfg, "--keep")
    assert rt.state(st_res.cid)["rootfs"] == str(elsewhere)


def test_readonly_root_refuses_writes(rt):
    res = rt.run(sh("{ touch /new-file; } 2>&1; echo rc=$?; awk '$5 == \"/\"' /proc/self/mountinfo"))
    assert res.rc == 0, str(res)
    assert "Read-only file system" in res.out and "rc=1" in res.out, res.out
    root_line = res.out.splitlines()[-1]
    assert "ro" in root_line.split()[5].split(","), root_line


def test_readonly_root_with_a_writable_tmpfs(rt):
    cfg = sh("echo scratch > /tmp/f && cat /tmp/f")
    add_mount(cfg, "/tmp", "tmpfs", "tmpfs", ["mode=1777"])
    assert rt.output(cfg) == "scratch\n"


def test_writable_root(rt):
    cfg = sh("echo written > /new-file")
    cfg["root"]["readonly"] = False
    res = rt.run(cfg)
    assert res.rc == 0, str(res)
    assert (Path(res.extra["bundle"]) / "rootfs/new-file").read_text() == "written\n"


def test_readonly_root_does_not_change_the_host_dir(rt):
    res = rt.run(base_config(["true"]), "--keep")
    assert res.rc == 0, str(res)
    rootfs = Path(res.extra["bundle"]) / "rootfs"
    probe = rootfs / "host-can-still-write"
    probe.write_text("ok")  # the host's view of the rootfs stays writable
    assert probe.read_text() == "ok"


def test_the_container_sees_only_its_rootfs(rt):
    out = rt.output(sh("ls /; cat /proc/self/mountinfo"))
    listing = out.split("\n", 1)[0]
    assert "usr" not in out.split()[:20], "host /usr visible: not the busybox rootfs"
    points = {ln.split()[4] for ln in out.splitlines() if " - " in ln}
    leaked = [p for p in _host_only_mount_points() if p in points]
    assert not leaked, f"host mounts visible inside: {leaked} ({listing})"


@pytest.mark.parametrize("flag", ["--no-pivot", "-no-pivot"])
def test_no_pivot(rt, flag):
    cfg = sh("cat /etc/passwd | head -1; ls /; cat /proc/self/mountinfo")
    res = rt.run(cfg, flag)
    assert res.rc == 0, str(res)
    lines = res.out.splitlines()
    assert lines[0] == "root:x:0:0:root:/root:/bin/sh"
    assert "usr" not in res.out.split()[:25]
    points = {ln.split()[4] for ln in lines if " - " in ln}
    leaked = [p for p in _host_only_mount_points() if p in points]
    assert not leaked, f"host mounts visible inside: {leaked}"


def test_cwd_inside_the_rootfs(rt):
    assert rt.output(base_config(["pwd"], cwd="/home/tester")) == "/home/tester\n"
