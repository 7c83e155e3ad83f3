"""Malicious images against the rootfs setup (ARCHITECTURE.md section 3):
mount targets through symlinks (CVE-2021-30465, CVE-2023-27561), /proc and
/sys that are not directories (CVE-2019-19921), an image /dev that is a
symlink out of the rootfs, /dev/null, /dev/console and /dev/pts tricks
(CVE-2025-31133, CVE-2025-52565).

Every test plants the trick in the image, lets the runtime do its worst,
and then checks the host: the victim directory or file is byte-for-byte as
it was, nothing is mounted on it, and no host setting changed.  Whether
the runtime refuses the bundle or confines the operation to the rootfs is
its choice; pyrunc's choice is asserted where it matters.
"""
import os
import stat
from pathlib import Path

import pytest

import support_extra as sx
from support import asserts, leaks
from support.config import base_config, bind, sh

CORE_PATTERN = Path("/proc/sys/kernel/core_pattern")


def snapshot(root):
    """Everything under *root* (never following symlinks): path -> (type,
    mode, size, mtime, content of small files, symlink target)."""
    root = Path(root)
    out = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in dirnames + filenames + ["."]:
            p = Path(dirpath, name) if name != "." else Path(dirpath)
            st = os.lstat(p)
            extra = None
            if stat.S_ISLNK(st.st_mode):
                extra = os.readlink(p)
            elif stat.S_ISREG(st.st_mode) and st.st_size < 4096:
                extra = p.read_bytes()
            out[str(p.relative_to(root))] = (stat.S_IFMT(st.st_mode), st.st_mode & 0o7777, st.st_size,
                                             st.st_mtime_ns, st.st_rdev, extra)
    return out


@pytest.fixture
def victim(rt):
    """A host directory the container must never touch, with a file."""
    d = rt.hostdir("victim")
    (d / "keep").write_text("host data\n")
    (d / "sub").mkdir()
    return d


def untouched(victim, before):
    assert snapshot(victim) == before, "the host directory changed"
    assert not leaks.mounts_under(victim), f"something was mounted on the host: {leaks.mounts_under(victim)}"


def payload_dir(rt):
    src = rt.hostdir("payload")
    (src / "payload").write_text("payload\n")
    return src


def replace_with_symlink(path, target):
    path = Path(path)
    if path.is_dir() and not path.is_symlink():
        os.rmdir(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
    path.symlink_to(target)


# --- mount destinations through symlinks -------------------------------------------------


def confined_or_refused(rt, res, expected_out):
    """The runtime either did the mount inside the rootfs (the program saw
    it) or refused the bundle cleanly."""
    if res.rc == 0:
        assert res.out == expected_out, str(res)
    elif not rt.is_runc:
        asserts.error(res)


@pytest.mark.parametrize("inside", [True, False], ids=["target-in-rootfs", "dangling"])
@pytest.mark.parametrize("kind", ["absolute", "relative", "chained"])
def test_bind_destination_through_an_image_symlink_stays_in_the_rootfs(rt, victim, kind, inside):
    cfg = sh("cat /mnt/link/payload")
    bind(cfg, payload_dir(rt), "/mnt/link")
    bundle = rt.bundle(cfg)
    if inside:  # what the link names exists in the rootfs: the mount must land there
        (bundle / "rootfs" / str(victim).lstrip("/")).mkdir(parents=True)
    link = bundle / "rootfs/mnt/link"
    if kind == "absolute":
        link.symlink_to(victim)
    elif kind == "relative":
        link.symlink_to("../" * 30 + str(victim).lstrip("/"))
    else:  # a chain of links, the last one absolute
        (bundle / "rootfs/mnt/hop").symlink_to(victim)
        link.symlink_to("hop")
    before = snapshot(victim)
    res = rt.run(bundle=bundle)
    untouched(victim, before)
    if inside:  # the mount happened where the link points inside the rootfs
        assert res.rc == 0 and res.out == "payload\n", str(res)
    else:
        confined_or_refused(rt, res, "payload\n")


def test_tmpfs_destination_through_an_image_symlink_stays_in_the_rootfs(rt, victim):
    cfg = sh("touch /mnt/link/made-inside && echo ok")
    cfg["mounts"].append({"destination": "/mnt/link", "type": "tmpfs", "source": "tmpfs"})
    bundle = rt.bundle(cfg)
    (bundle / "rootfs/mnt/link").symlink_to(victim)
    before = snapshot(victim)
    res = rt.run(bundle=bundle)
    untouched(victim, before)
    confined_or_refused(rt, res, "ok\n")


def test_destination_with_dotdot_stays_in_the_rootfs(rt, victim):
    cfg = sh("cat " + "/mnt/../../.." + str(victim) + "/payload")
    bind(cfg, payload_dir(rt), "/mnt/../../.." + str(victim))
    before = snapshot(victim)
    res = rt.run(cfg)
    untouched(victim, before)
    assert res.rc == 0 and res.out == "payload\n", str(res)


def test_file_bind_onto_an_image_symlink_to_a_host_file(rt, victim):
    """A file mount whose target is a symlink to a host file: the host
    file must not be replaced by the mount nor created/truncated."""
    src = rt.hostdir("filesrc") / "f"
    src.write_text("from the config\n")
    cfg = sh("cat /etc/target")
    bind(cfg, src, "/etc/target")
    bundle = rt.bundle(cfg)
    (bundle / "rootfs/etc/target").symlink_to(victim / "keep")
    before = snapshot(victim)
    res = rt.run(bundle=bundle)
    untouched(victim, before)
    assert res.out in ("", "from the config\n"), str(res)


# --- /proc and /sys ---------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["/proc", "/sys"])
@pytest.mark.parametrize("target", ["victim", "/", "file"])
def test_proc_and_sys_that_are_not_directories(rt, victim, where, target):
    cfg = base_config(["true"])
    bundle = rt.bundle(cfg)
    path = bundle / "rootfs" / where.lstrip("/")
    if target == "file":
        os.rmdir(path)
        path.write_text("not a directory\n")
    else:
        replace_with_symlink(path, victim if target == "victim" else "/")
    before = snapshot(victim)
    res = rt.run(bundle=bundle)
    untouched(victim, before)
    if not rt.is_runc:
        asserts.error(res, where)


def test_proc_through_a_symlink_inside_the_rootfs_is_refused(rt):
    """/proc -> /mnt/fakeproc inside the image: procfs must land on a real
    /proc directory or not at all, so the masked and read-only paths
    (which are /proc paths) cannot be dodged."""
    bundle = rt.bundle(base_config(["cat", "/proc/kcore"]))
    (bundle / "rootfs/mnt/fakeproc").mkdir()
    replace_with_symlink(bundle / "rootfs/proc", "/mnt/fakeproc")
    res = rt.run(bundle=bundle)
    assert res.rc != 0, str(res)


# --- /dev -------------------------------------------------------------------------------------


OLD_RUNC = pytest.mark.runc_differs("runc 1.1.5 (Debian 12) predates the CVE-2025-52565/31133 fixes "
                                    "and fails these tests: they catch the real bugs")


def _no_dev_tmpfs(cfg):
    """Use the image's own /dev directory (no tmpfs from the config)."""
    cfg["mounts"] = [m for m in cfg["mounts"] if m["destination"] != "/dev"]
    return cfg


@OLD_RUNC
def test_image_dev_symlink_to_a_host_directory(rt, victim):
    """CVE-2025-52565: device nodes and their chown must never land in a
    host directory reached through the image's /dev."""
    cfg = _no_dev_tmpfs(base_config(["true"]))
    bundle = rt.bundle(cfg)
    replace_with_symlink(bundle / "rootfs/dev", victim)
    before = snapshot(victim)
    rt.run(bundle=bundle)
    untouched(victim, before)


@OLD_RUNC
def test_image_dev_symlink_with_a_dev_tmpfs(rt, victim):
    cfg = base_config(["sh", "-c", "stat -c '%t:%T' /dev/null"])
    bundle = rt.bundle(cfg)
    replace_with_symlink(bundle / "rootfs/dev", victim)
    before = snapshot(victim)
    res = rt.run(bundle=bundle)
    untouched(victim, before)
    assert res.rc != 0 or res.out.strip() == "1:3", str(res)


@OLD_RUNC
@pytest.mark.parametrize("target", ["victim", "core_pattern"])
def test_dev_null_symlink_in_the_image_is_never_used_to_mask(rt, victim, target):
    """CVE-2025-31133: masking binds /dev/null over paths; an image whose
    /dev/null is a symlink (to a host file, or to a kernel setting in
    procfs) must not get that file bound writable anywhere."""
    cfg = _no_dev_tmpfs(sh("stat -c '%F %t:%T' /dev/null; cat /proc/kcore | wc -c; "
                           "echo '|/tmp/pwned' > /proc/kcore; echo done"))
    bundle = rt.bundle(cfg)
    (bundle / "rootfs/dev/null").symlink_to(victim / "keep" if target == "victim" else str(CORE_PATTERN))
    before, pattern = snapshot(victim), CORE_PATTERN.read_text()
    res = rt.run(bundle=bundle)
    untouched(victim, before)
    assert CORE_PATTERN.read_text() == pattern, "the host's core_pattern changed"
    if res.rc == 0:
        assert res.out.split()[:3] == ["character", "special", "file"], str(res)
        assert "1:3" in res.out, str(res)


def test_dev_null_regular_file_in_the_image(rt):
    cfg = _no_dev_tmpfs(sh("stat -c '%F %t:%T' /dev/null; head -c 10 /proc/kcore | wc -c"))
    bundle = rt.bundle(cfg)
    (bundle / "rootfs/dev/null").write_text("I am not a device\n")
    res = rt.run(bundle=bundle)
    if res.rc == 0:
        lines = res.out.splitlines()
        assert lines[0] == "character special file 1:3" and lines[1].strip() == "0", str(res)


def test_dev_console_symlink_to_a_host_file(rt, victim):
    """A terminal container whose image /dev/console is a symlink to a host
    file: the pty must be bound inside the rootfs, never over the host file."""
    cfg = _no_dev_tmpfs(base_config(["sh", "-c", "readlink -f /dev/console; echo done"], terminal=True))
    bundle = rt.bundle(cfg)
    (bundle / "rootfs/dev/console").symlink_to(victim / "keep")
    before = snapshot(victim)
    with sx.ConsoleSocket(rt.tmp / "console.sock") as cs:
        cid = rt.new_id()
        res = rt.runtime("create", "--bundle", bundle, "--console-socket", cs.path, cid)
        if res.rc == 0:
            pty = cs.receive_master()
            try:
                rt.start(cid)
                pty.read_to_eof()
            finally:
                pty.close()
            rt.wait_status(cid, "stopped")
    untouched(victim, before)


def test_dev_pts_symlink_to_a_host_directory(rt, victim):
    cfg = _no_dev_tmpfs(sh("ls /dev/pts/ptmx && echo ok"))
    bundle = rt.bundle(cfg)
    (bundle / "rootfs/dev/pts").symlink_to(victim)
    before = snapshot(victim)
    rt.run(bundle=bundle)
    untouched(victim, before)


# --- masked and read-only paths through symlinks ---------------------------------------------


@pytest.mark.parametrize("field", ["maskedPaths", "readonlyPaths"])
def test_masked_and_readonly_paths_through_image_symlinks(rt, victim, field):
    cfg = sh("true")
    cfg["linux"][field] = cfg["linux"][field] + ["/etc/evil", "/etc/evil-dir"]
    bundle = rt.bundle(cfg)
    (bundle / "rootfs/etc/evil").symlink_to(victim / "keep")
    (bundle / "rootfs/etc/evil-dir").symlink_to(victim / "sub")
    before = snapshot(victim)
    res = rt.run(bundle=bundle)
    untouched(victim, before)
    assert res.rc == 0 or not rt.is_runc, str(res)
    # the host file is still writable by the host (no read-only bind on it)
    with open(victim / "keep", "a"):
        pass
