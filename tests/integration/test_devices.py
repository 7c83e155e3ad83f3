"""The default /dev every Linux container gets (config-linux.md "Default
Devices", runtime-linux.md "Dev symbolic links")."""
import pytest

from support.config import base_config, sh

# name -> (major, minor)
DEFAULT_DEVICES = {
    "null": (1, 3),
    "zero": (1, 5),
    "full": (1, 7),
    "random": (1, 8),
    "urandom": (1, 9),
    "tty": (5, 0),
}

LINKS = {
    "/dev/fd": "/proc/self/fd",
    "/dev/stdin": "/proc/self/fd/0",
    "/dev/stdout": "/proc/self/fd/1",
    "/dev/stderr": "/proc/self/fd/2",
}


def test_default_devices_are_char_devices_with_the_right_numbers(rt):
    names = " ".join(f"/dev/{n}" for n in DEFAULT_DEVICES)
    out = rt.output(sh(f"stat -c '%n %F %t %T %a' {names}"))
    seen = {}
    for line in out.splitlines():
        path, rest = line.split(" ", 1)
        kind, major, minor, mode = rest.rsplit(" ", 3)
        seen[path] = (kind, int(major, 16), int(minor, 16), mode)
    for name, (major, minor) in DEFAULT_DEVICES.items():
        kind, ma, mi, mode = seen[f"/dev/{name}"]
        assert kind == "character special file", (name, kind)
        assert (ma, mi) == (major, minor), f"/dev/{name} is {ma}:{mi}, expected {major}:{minor}"
        assert mode == "666", f"/dev/{name} mode {mode}"


def test_dev_links(rt):
    script = "; ".join(f"echo {p} $(readlink {p})" for p in LINKS)
    out = rt.output(sh(script))
    got = dict(line.split(" ", 1) for line in out.splitlines())
    assert got == LINKS


def test_ptmx_uses_the_containers_devpts(rt):
    out = rt.output(sh("readlink /dev/ptmx || stat -c '%t:%T' /dev/ptmx; stat -c %F /dev/pts/ptmx"))
    first, second = out.splitlines()
    assert first in ("pts/ptmx", "/dev/pts/ptmx", "5:2"), first
    assert second == "character special file"


def test_pts_and_shm(rt):
    out = rt.output(sh("stat -f -c %T /dev/pts /dev/shm; stat -c %a /dev/shm"))
    assert out.split() == ["devpts", "tmpfs", "1777"]


def test_devices_work(rt):
    out = rt.output(sh(
        "head -c 4 /dev/zero | od -An -tx1; "
        "echo discard > /dev/null && echo null-ok; "
        "{ echo x > /dev/full; } 2>&1; "
        "head -c 16 /dev/urandom | wc -c"
    ))
    lines = [ln.strip() for ln in out.splitlines()]
    assert lines[0] == "00 00 00 00"
    assert lines[1] == "null-ok"
    assert "No space left on device" in lines[2]
    assert lines[3] == "16"


def test_host_devices_are_not_visible(rt):
    out = rt.output(base_config(["ls", "-A", "/dev"]))
    names = set(out.split())
    for dangerous in ("mem", "kmem", "port", "kmsg", "vda", "sda", "nvme0", "loop0"):
        assert dangerous not in names, f"/dev/{dangerous} visible in the container"
    expected = set(DEFAULT_DEVICES) | {"ptmx", "pts", "shm", "mqueue", "fd", "stdin", "stdout", "stderr"}
    assert expected <= names, f"missing: {expected - names}"
    extra = names - expected - {"console", "core"}
    assert not extra, f"unexpected entries in /dev: {extra}"


def test_device_nodes_are_usable_by_an_unprivileged_user(rt):
    cfg = sh("echo ok > /dev/null && head -c 1 /dev/zero | wc -c")
    cfg["process"]["user"] = {"uid": 1000, "gid": 1000}
    assert rt.output(cfg).split() == ["1"]


@pytest.mark.parametrize("readonly", [True, False])
def test_dev_is_populated_whatever_root_readonly(rt, readonly):
    cfg = base_config(["stat", "-c", "%t:%T", "/dev/null"])
    cfg["root"]["readonly"] = readonly
    assert rt.output(cfg).strip() == "1:3"
