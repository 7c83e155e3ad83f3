"""linux.devices (config-linux.md "Devices"): c, b, u and p nodes with
their major/minor, fileMode (decimal), uid and gid, anywhere in the
container; and an image whose /dev is a symlink must never make the
runtime create or chown anything outside the rootfs (CVE-2025-52565).

The default devices are test_devices.py's (another file); the user
namespace case (devices bound, not mknod'ed) is in test_userns.py.
"""
import os

import pytest

from support import asserts
from support.config import base_config, sh


def _dev(path, type_, major=0, minor=0, **extra):
    d = {"path": path, "type": type_}
    if type_ != "p":
        d.update(major=major, minor=minor)
    d.update(extra)
    return d


def _stat_lines(rt, devices, paths):
    cfg = sh("stat -c '%n|%F|%t:%T|%a|%u:%g' " + " ".join(paths))
    cfg["linux"]["devices"] = devices
    out = rt.output(cfg)
    return {line.split("|")[0]: line.split("|")[1:] for line in out.splitlines()}


def test_char_block_and_fifo_devices(rt):
    devices = [
        _dev("/dev/mychar", "c", 1, 3, fileMode=0o620, uid=1000, gid=29),
        _dev("/dev/myblock", "b", 7, 0, fileMode=0o640, uid=0, gid=6),
        _dev("/dev/myunbuffered", "u", 1, 5, fileMode=0o666),
        _dev("/dev/myfifo", "p", fileMode=0o600, uid=1000, gid=1000),
    ]
    got = _stat_lines(rt, devices, [d["path"] for d in devices])
    assert got["/dev/mychar"] == ["character special file", "1:3", "620", "1000:29"]
    assert got["/dev/myblock"] == ["block special file", "7:0", "640", "0:6"]
    assert got["/dev/myunbuffered"][:2] == ["character special file", "1:5"]
    assert got["/dev/myfifo"][0] == "fifo" and got["/dev/myfifo"][2:] == ["600", "1000:1000"]


def test_file_mode_is_a_decimal_number(rt):
    """fileMode 438 (decimal) is 0666."""
    got = _stat_lines(rt, [_dev("/dev/decimal", "c", 1, 3, fileMode=438)], ["/dev/decimal"])
    assert got["/dev/decimal"][2] == "666"


def test_large_major_and_minor_numbers(rt):
    got = _stat_lines(rt, [_dev("/dev/big", "c", 511, 1048575)], ["/dev/big"])
    assert got["/dev/big"][1] == f"{511:x}:{1048575:x}"


def test_device_outside_dev_in_missing_directories(rt):
    got = _stat_lines(rt, [_dev("/opt/devs/nested/null2", "c", 1, 3, fileMode=0o666)], ["/opt/devs/nested/null2"])
    assert got["/opt/devs/nested/null2"][:2] == ["character special file", "1:3"]


def test_configured_device_works(rt):
    cfg = sh("head -c 5 /dev/myzero | od -An -tx1")
    cfg["linux"]["devices"] = [_dev("/dev/myzero", "c", 1, 5, fileMode=0o666)]
    assert rt.output(cfg).split() == ["00"] * 5


@pytest.mark.runc_differs("runc 1.1 cannot reopen a /dev/null it may not open as root")
def test_configured_device_overrides_a_default_one(rt):
    got = _stat_lines(rt, [_dev("/dev/null", "c", 1, 3, fileMode=0o600, uid=1000, gid=1000)], ["/dev/null"])
    assert got["/dev/null"][2:] == ["600", "1000:1000"]


def test_device_usable_by_its_owner_only(rt):
    cfg = sh("head -c 1 /dev/mine | wc -c; head -c 1 /dev/not-mine 2>/dev/null | wc -c")
    cfg["process"]["user"] = {"uid": 1000, "gid": 1000}
    cfg["linux"]["devices"] = [_dev("/dev/mine", "c", 1, 5, fileMode=0o600, uid=1000, gid=1000),
                               _dev("/dev/not-mine", "c", 1, 5, fileMode=0o600, uid=0, gid=0)]
    assert rt.output(cfg).split() == ["1", "0"]


@pytest.mark.runc_differs("runc 1.1 silently keeps the existing file")
def test_existing_file_that_does_not_match_is_an_error(rt):
    """config-linux.md: 'If a file already exists at path that does not
    match the requested device, the runtime MUST generate an error.'"""
    cfg = base_config(["true"])
    cfg["linux"]["devices"] = [_dev("/opt/not-a-device", "c", 1, 3)]
    bundle = rt.bundle(cfg)
    (bundle / "rootfs/opt").mkdir()
    (bundle / "rootfs/opt/not-a-device").write_text("regular file\n")
    cid = rt.new_id()
    res = rt.runtime("create", "--bundle", bundle, cid)
    asserts.error(res, "/opt/not-a-device")
    asserts.not_exist(rt.runtime("state", cid))
    assert (bundle / "rootfs/opt/not-a-device").read_text() == "regular file\n"


@pytest.mark.parametrize("bad", [
    _dev("/dev/bad", "x", 1, 3),
    pytest.param({"path": "/dev/nomajor", "type": "c"}, marks=pytest.mark.runc_differs("runc 1.1 takes 0:0")),
    pytest.param(_dev("relative/dev", "c", 1, 3), marks=pytest.mark.runc_differs("runc 1.1 accepts it")),
])
def test_bad_device_entries_are_refused(rt, bad):
    cfg = base_config(["true"])
    cfg["linux"]["devices"] = [bad]
    cid = rt.new_id()
    res = rt.runtime("create", "--bundle", rt.bundle(cfg), cid)
    if rt.is_runc:
        assert res.rc == 1, str(res)
    else:
        asserts.error(res, "devices")
    asserts.not_exist(rt.runtime("state", cid))


# --- an image /dev symlink --------------------------------------------------------------------


def _dev_symlink_bundle(rt, cfg):
    outside = rt.hostdir("outside-dev")
    bundle = rt.bundle(cfg)
    dev = bundle / "rootfs/dev"
    os.rmdir(dev)
    dev.symlink_to(outside)
    return bundle, outside


@pytest.mark.runc_differs("runc 1.1.5 is vulnerable to CVE-2025-52565 (creates /dev links outside)")
@pytest.mark.parametrize("with_dev_tmpfs", [True, False])
def test_image_dev_symlink_is_never_followed_out(rt, with_dev_tmpfs):
    cfg = sh("stat -c '%F %t:%T' /dev/null /dev/custom")
    cfg["linux"]["devices"] = [_dev("/dev/custom", "c", 1, 5, uid=1000, gid=1000)]
    if not with_dev_tmpfs:
        cfg["mounts"] = [m for m in cfg["mounts"] if not m["destination"].startswith("/dev")]
    bundle, outside = _dev_symlink_bundle(rt, cfg)
    res = rt.run(bundle=bundle)
    made = sorted(p.name for p in outside.iterdir())
    assert made == [], f"device nodes or links created outside the rootfs: {made}"
    assert os.stat(outside).st_uid == 0
    if res.rc == 0:
        assert res.out.splitlines() == ["character special file 1:3", "character special file 1:5"]
    else:
        assert not asserts.TRACEBACK.search(res.err), str(res)


def test_image_dev_null_that_is_not_a_device_is_not_used_for_masking(rt):
    """CVE-2025-31133: with /dev bind-mounted from the image (so the runtime
    does not populate it), a /dev/null that is a regular file must not be
    bound over the masked paths."""
    image_dev = rt.hostdir("image-dev")
    (image_dev / "null").write_text("not the null device\n")
    cfg = sh("cat /proc/kcore 2>&1 | head -c 40; exit 0")
    cfg["mounts"] = [m for m in cfg["mounts"] if not m["destination"].startswith("/dev")]
    cfg["mounts"].append({"destination": "/dev", "type": "bind", "source": str(image_dev), "options": ["rbind"]})
    cfg["linux"]["maskedPaths"] = ["/proc/kcore"]
    cid = rt.new_id()
    res = rt.run(cfg, cid=cid)
    assert "not the null device" not in res.out, "a regular file was bound over a masked path"
    if res.rc != 0:
        assert not asserts.TRACEBACK.search(res.err), str(res)
        assert "null" in res.err, str(res)
