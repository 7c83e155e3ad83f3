"""``process.apparmorProfile`` (config.md "Linux process") and
``exec --apparmor``.

The profile is applied to the container's program at its execve (the
runtime writes "exec PROFILE" to the exec attribute just before, as runc),
to startContainer hooks, and to exec'd processes.  A profile asked for on
a host without AppArmor is an error.  The tests marked ``apparmor`` load a
real profile with apparmor_parser and run in the test VM (tests/vm/).
"""
import secrets
import shutil
import subprocess
from pathlib import Path

import pytest

from support import asserts
from support.config import base_config, sh
from vm_markers import apparmor_missing

PROFILES = Path("/sys/kernel/security/apparmor/profiles")


def error(rt, res, *fragments):
    if rt.is_runc:
        assert res.rc != 0, str(res)
    else:
        asserts.error(res, *fragments)


# --- on a host without AppArmor (this one; skipped where AppArmor is on) -------------


@pytest.fixture
def no_apparmor():
    if apparmor_missing() is None:
        pytest.skip("AppArmor is enabled here")


def test_a_profile_without_apparmor_is_an_error(rt, no_apparmor):
    cfg = base_config(["true"])
    cfg["process"]["apparmorProfile"] = "pyrunc-test-profile"
    error(rt, rt.run(cfg), "process.apparmorProfile", "AppArmor")


def test_exec_apparmor_without_apparmor_is_an_error(rt, no_apparmor):
    cid, _ = rt.started_container(base_config(["sleep", "1000"]))
    res = rt.runtime("exec", "--apparmor", "pyrunc-test-profile", cid, "true")
    if rt.is_runc:
        assert res.rc != 0, str(res)
    else:
        asserts.error(res, "AppArmor")


# --- with AppArmor: a real profile ----------------------------------------------------


@pytest.fixture
def profile(tmp_path):
    """A loaded profile that allows everything but reading /etc/hostname;
    removed at teardown."""
    parser = shutil.which("apparmor_parser")
    if not parser:
        pytest.fail("apparmor_parser is missing (Debian's apparmor package)")
    name = f"pyrunc-test-{secrets.token_hex(3)}"
    path = tmp_path / name
    path.write_text(f"abi <abi/3.0>,\nprofile {name} flags=(attach_disconnected,mediate_deleted) {{\n"
                    "  file,\n  capability,\n  signal,\n  unix,\n  network,\n  mount,\n  umount,\n"
                    "  deny /etc/hostname r,\n}\n")
    subprocess.run([parser, "-r", str(path)], check=True, capture_output=True)
    yield name
    subprocess.run([parser, "-R", str(path)], capture_output=True)


CHECK = "cat /proc/self/attr/current; echo; cat /etc/hostname && echo read || echo denied"


def _confined(out, name):
    lines = out.split("\n")
    return lines[0].strip("\0 ") == f"{name} (enforce)" and "denied" in out and "read" not in out.split()


@pytest.mark.apparmor
@pytest.mark.parametrize("nnp", [True, False], ids=["nnp", "no-nnp"])
def test_the_program_runs_under_the_profile(rt, profile, nnp):
    cfg = sh(CHECK)
    cfg["process"]["apparmorProfile"] = profile
    cfg["process"]["noNewPrivileges"] = nnp
    res = rt.run(cfg)
    assert res.rc == 0 and _confined(res.out, profile), str(res)


@pytest.mark.apparmor
@pytest.mark.parametrize("nnp", [True, False], ids=["nnp", "no-nnp"])
def test_the_profile_and_a_seccomp_filter_together(rt, profile, nnp):
    cfg = sh(CHECK + "; mkdir /dev/shm/d 2>&1 || echo seccomp")
    cfg["process"]["apparmorProfile"] = profile
    cfg["process"]["noNewPrivileges"] = nnp
    cfg["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW",
                               "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}
    res = rt.run(cfg)
    assert res.rc == 0 and _confined(res.out, profile) and "seccomp" in res.out, str(res)


@pytest.mark.apparmor
def test_create_then_start(rt, profile):
    cfg = sh("{ " + CHECK + "; } > /dev/shm/out.tmp; mv /dev/shm/out.tmp /dev/shm/out; sleep 1000")
    cfg["process"]["apparmorProfile"] = profile
    cid, _ = rt.started_container(cfg)
    res = rt.runtime("exec", cid, "sh", "-c", "while [ ! -e /dev/shm/out ]; do sleep 0.05; done; cat /dev/shm/out")
    assert _confined(res.out, profile), str(res)


@pytest.mark.apparmor
def test_exec_gets_the_containers_profile_or_the_flags(rt, profile):
    cfg = base_config(["sleep", "1000"])
    cid, _ = rt.started_container(cfg)
    unconfined = rt.runtime("exec", cid, "cat", "/proc/self/attr/current")
    assert unconfined.out.strip("\0\n ") == "unconfined", str(unconfined)
    res = rt.runtime("exec", "--apparmor", profile, cid, "sh", "-c", CHECK)
    assert _confined(res.out, profile), str(res)

    cfg = base_config(["sleep", "1000"])
    cfg["process"]["apparmorProfile"] = profile
    cid, _ = rt.started_container(cfg)
    res = rt.runtime("exec", cid, "sh", "-c", CHECK)
    assert _confined(res.out, profile), str(res)


@pytest.mark.apparmor
def test_start_container_hooks_run_under_the_profile(rt, profile):
    cfg = base_config(["true"])
    cfg["process"]["apparmorProfile"] = profile
    cfg["hooks"] = {"startContainer": [{"path": "/bin/sh", "args": ["sh", "-c", "cat /etc/hostname"]}]}
    res = rt.run(cfg)
    assert res.rc != 0 and "Permission denied" in res.err, str(res)


@pytest.mark.apparmor
def test_a_profile_that_is_not_loaded_is_an_error(rt):
    cfg = base_config(["true"])
    cfg["process"]["apparmorProfile"] = f"pyrunc-not-loaded-{secrets.token_hex(3)}"
    error(rt, rt.run(cfg), "not loaded")


@pytest.mark.apparmor
def test_a_fake_attr_file_in_the_image_is_not_written(rt, profile):
    """Without a /proc mount, an image's own /proc/thread-self/attr files must
    not take the label (CVE-2019-16884): the runtime fails instead of
    running the program unconfined."""
    cfg = base_config(["cat", "/etc/hostname"])
    cfg["mounts"] = [m for m in cfg["mounts"] if m["destination"] not in ("/proc",)]
    cfg["linux"]["maskedPaths"] = [p for p in cfg["linux"]["maskedPaths"] if not p.startswith("/proc")]
    cfg["linux"]["readonlyPaths"] = [p for p in cfg["linux"]["readonlyPaths"] if not p.startswith("/proc")]
    cfg["process"]["apparmorProfile"] = profile
    bundle = rt.bundle(cfg)
    for sub in ("thread-self/attr/apparmor", "thread-self/attr", "self/attr/apparmor", "self/attr"):
        (bundle / "rootfs/proc" / sub).mkdir(parents=True, exist_ok=True)
        (bundle / "rootfs/proc" / sub / "exec").write_text("")
    res = rt.run(bundle=bundle)
    assert res.rc != 0 and "image-hostname" not in res.out, str(res)
