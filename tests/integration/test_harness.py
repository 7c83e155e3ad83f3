"""The leak guard itself: a check that cannot fail protects nothing.

Each test builds a separate TestEnv, leaks something on purpose, and checks
that ``finalize()`` reports it and removes it.
"""
import subprocess

from support import leaks, proc
from support.config import base_config
from support.env import TestEnv, new_token


def _env(runtime_path, session_tmp, busybox_rootfs_factory):
    token = new_token()
    return TestEnv(runtime_path, session_tmp / token, busybox_rootfs_factory, token=token)


def test_guard_reports_and_removes_a_forgotten_container(runtime_path, session_tmp, busybox_rootfs_factory):
    env = _env(runtime_path, session_tmp, busybox_rootfs_factory)
    res = env.create(base_config(["sleep", "100"]))
    pid = env.state(res.cid)["pid"]
    env.ids.remove(res.cid)  # the test "forgets" it: no delete --force
    problems = env.finalize(grace=0.5)
    text = "\n".join(problems)
    assert "state root" in text and res.cid in text, problems
    assert "still alive" in text, problems
    assert "cgroups left" in text, problems
    assert proc.is_gone(pid)
    assert not leaks.find_cgroups(env.token)


def test_guard_reports_and_removes_a_mount(runtime_path, session_tmp, busybox_rootfs_factory):
    env = _env(runtime_path, session_tmp, busybox_rootfs_factory)
    d = env.hostdir()
    subprocess.run(["mount", "-t", "tmpfs", "none", str(d)], check=True)
    problems = env.finalize(grace=0.5)
    assert any("mounts left" in p for p in problems), problems
    assert not leaks.mounts_under(env.tmp)
    assert not env.tmp.exists()


def test_guard_reports_an_unregistered_netns(runtime_path, session_tmp, busybox_rootfs_factory):
    env = _env(runtime_path, session_tmp, busybox_rootfs_factory)
    env.netns()
    env.netns_names.clear()
    problems = env.finalize(grace=0.5)
    assert any("network namespace left" in p for p in problems), problems
    assert not leaks.netns_with(env.token)


def test_guard_is_quiet_when_clean(runtime_path, session_tmp, busybox_rootfs_factory):
    env = _env(runtime_path, session_tmp, busybox_rootfs_factory)
    res = env.create(base_config(["sleep", "100"]))
    env.start(res.cid)
    assert env.finalize() == []


def test_guard_finds_a_process_whose_pid_was_never_learned(runtime_path, session_tmp, busybox_rootfs_factory):
    """An orphaned init the test never saw in ``state`` still holds the
    test's files open: the guard finds it through /proc."""
    env = _env(runtime_path, session_tmp, busybox_rootfs_factory)
    out = env.tmp / "orphan.out"
    with open(out, "w") as f:
        orphan = subprocess.Popen(["sleep", "100"], stdout=f)
    try:
        problems = env.finalize(grace=0.5)
        assert any("still using the test's files" in p and str(orphan.pid) in p for p in problems), problems
        assert orphan.wait(timeout=5) == -9
    finally:
        if orphan.poll() is None:
            orphan.kill()
            orphan.wait()


def test_guard_kills_a_forgotten_paused_container(runtime_path, session_tmp, busybox_rootfs_factory):
    """A frozen (paused) container ignores SIGKILL until thawed: the guard
    thaws the test's own cgroups before killing."""
    env = _env(runtime_path, session_tmp, busybox_rootfs_factory)
    res = env.create(base_config(["sleep", "100"]))
    env.start(res.cid)
    pid = env.state(res.cid)["pid"]
    freezer = [d for d in leaks.find_cgroups(env.token) if (d / "freezer.state").exists()]
    if not freezer:
        import pytest
        env.finalize(grace=0.5)
        pytest.skip("no v1 freezer hierarchy on this host")
    (freezer[0] / "freezer.state").write_text("FROZEN")
    env.ids.remove(res.cid)
    problems = env.finalize(grace=0.5)
    assert any("still alive" in p for p in problems), problems
    assert proc.is_gone(pid)
    assert not leaks.find_cgroups(env.token)
