"""Hooks (config.md "POSIX-platform Hooks", runtime.md "Lifecycle").

Every hook here is ``/bin/sh -c HOOK_SCRIPT`` (support_extra): it appends
its name to a log and records the state it read on stdin, its namespaces,
environment and open fds in a host directory that is also bind-mounted at
the same path inside the container (so startContainer hooks, which run
after pivot_root, write to the same place).
"""
import os
import time
from pathlib import Path

import pytest

import support_extra as sx
from support import asserts, leaks, proc, schema
from support.config import base_config, bind

CREATE_KINDS = ("prestart", "createRuntime", "createContainer")
ALL_KINDS = CREATE_KINDS + ("startContainer", "poststart", "poststop")
RUNTIME_NS = ("prestart", "createRuntime", "poststart", "poststop")
CONTAINER_NS = ("createContainer", "startContainer")


def _config(rt, args=None, hooks=None):
    """A config whose process logs "process" and sleeps; returns (cfg, logdir)."""
    logdir = rt.hostdir("hooklog")
    os.chmod(logdir, 0o777)
    cfg = base_config(args or ["sh", "-c", f"echo process >> {logdir}/log; exec sleep 1000"])
    bind(cfg, logdir, str(logdir))
    cfg["hooks"] = hooks(logdir) if hooks else {}
    return cfg, logdir


def _all_hooks(logdir, n=2):
    return {k: [sx.hook(logdir, f"{k}{i}") for i in range(n)] for k in ALL_KINDS}


def _hook_error(rt, res, *fragments):
    """A clean failure: exit 1, no traceback, the error on the last stderr
    line (earlier lines may be warnings, e.g. "prestart is deprecated")."""
    assert res.rc == 1, f"expected exit 1:\n{res}"
    assert not asserts.TRACEBACK.search(res.err + res.out), f"traceback printed:\n{res}"
    lines = res.err_lines
    assert lines, f"no error message:\n{res}"
    line = lines[-1]
    if not rt.is_runc:
        assert line.startswith("pyrunc: "), f"error line must read 'pyrunc: <message>':\n{res}"
    for frag in fragments:
        assert frag.lower() in line.lower(), f"error line does not mention {frag!r}:\n{res}"
    return line


# --- order and timing -------------------------------------------------------------------


@pytest.mark.runc_differs("runc 1.1 runs poststart hooks during create")
def test_every_hook_runs_in_order_at_its_point_of_the_lifecycle(rt):
    cfg, logdir = _config(rt, hooks=_all_hooks)
    res = rt.create(cfg)
    assert sx.hook_log(logdir) == ["prestart0", "prestart1", "createRuntime0", "createRuntime1",
                                   "createContainer0", "createContainer1"], "after create"
    rt.start(res.cid)
    log = sx.hook_log(logdir)
    # poststart runs before start returns; the process runs after startContainer
    assert log[6:8] == ["startContainer0", "startContainer1"], log
    assert [x for x in log[8:] if x != "process"] == ["poststart0", "poststart1"], log
    proc.wait_for(lambda: "process" in sx.hook_log(logdir), what="the container process to run")
    rt.kill(res.cid, "KILL")
    rt.wait_status(res.cid, "stopped")
    assert not [x for x in sx.hook_log(logdir) if x.startswith("poststop")], "poststop before delete"
    rt.delete(res.cid)
    assert sx.hook_log(logdir)[-2:] == ["poststop0", "poststop1"]


@pytest.mark.runc_differs("runc 1.1 runs poststart hooks during create")
def test_hooks_with_run_in_the_foreground(rt):
    cfg, logdir = _config(rt, args=["sh", "-c", "true"], hooks=_all_hooks)
    cfg["process"]["args"] = ["sh", "-c", f"echo process >> {logdir}/log"]
    res = rt.run(cfg)
    assert res.rc == 0, str(res)
    log = sx.hook_log(logdir)
    expected = [f"{k}{i}" for k in ALL_KINDS for i in range(2)]
    assert [x for x in log if x != "process"] == expected, log
    assert log.index("process") > log.index("startContainer1")


@pytest.mark.runc_differs("runc 1.1 runs poststart hooks during create")
def test_poststart_runs_after_the_user_process_was_executed(rt):
    """config.md: poststart hooks run *after the user-specified process is
    executed*: a slow startContainer hook must delay them, and by then the
    state's pid runs the container's program, not the runtime's init."""
    def hooks(d):
        return {"startContainer": [sx.hook(d, "startContainer", extra="sleep 0.5")],
                "poststart": [sx.hook(d, "poststart", extra=(
                    'pid=$(sed -n \'s/.*"pid":\\([0-9]*\\).*/\\1/p\' "$d/poststart.state"); '
                    'tr "\\0" " " < /proc/$pid/cmdline > "$d/poststart.cmdline"'))]}

    cfg, logdir = _config(rt, hooks=hooks)
    res = rt.create(cfg)
    rt.start(res.cid)
    log = sx.hook_log(logdir)
    assert [x for x in log if x != "process"] == ["startContainer", "poststart"], log
    assert (logdir / "poststart.cmdline").read_text().split()[:1] in (["sleep"], ["sh"]), \
        (logdir / "poststart.cmdline").read_text()


def test_process_does_not_run_before_start_container_hooks(rt):
    cfg, logdir = _config(rt, hooks=lambda d: {"startContainer": [sx.hook(d, "startContainer", extra="sleep 0.3")]})
    res = rt.create(cfg)
    rt.start(res.cid)
    proc.wait_for(lambda: "process" in sx.hook_log(logdir), what="process")
    assert sx.hook_log(logdir) == ["startContainer", "process"]


# --- state on stdin ---------------------------------------------------------------------


@pytest.mark.runc_differs("runc 1.1 gives createContainer/startContainer hooks the in-container pid")
def test_hooks_get_the_state_on_stdin(rt):
    cfg, logdir = _config(rt, hooks=lambda d: {k: [sx.hook(d, k)] for k in ALL_KINDS})
    cfg["annotations"] = {"org.example.hook-test": "yes"}
    res = rt.create(cfg)
    pid = rt.state(res.cid)["pid"]
    bundle = str(res.extra["bundle"])
    rt.start(res.cid)
    rt.kill(res.cid, "KILL")
    rt.wait_status(res.cid, "stopped")
    rt.delete(res.cid)
    expected_status = {"prestart": "creating", "createRuntime": "creating", "createContainer": "creating",
                       "startContainer": "created", "poststart": "running", "poststop": "stopped"}
    for kind in ALL_KINDS:
        st = sx.hook_state(logdir, kind)
        schema.assert_valid("state-schema.json", st)
        assert st["id"] == res.cid, (kind, st)
        assert st["bundle"] == bundle, (kind, st)
        assert st["ociVersion"], (kind, st)
        assert st.get("annotations") == {"org.example.hook-test": "yes"}, (kind, st)
        assert st["status"] == expected_status[kind], (kind, st)
        if kind != "poststop":
            assert st["pid"] == pid, f"{kind}: state pid {st['pid']} is not the init's host pid {pid}"


# --- namespaces and paths -----------------------------------------------------------------


def test_runtime_hooks_run_in_the_runtime_namespaces(rt):
    cfg, logdir = _config(rt, hooks=lambda d: {k: [sx.hook(d, k)] for k in ALL_KINDS})
    res = rt.create(cfg)
    rt.start(res.cid)
    rt.kill(res.cid, "KILL")
    rt.wait_status(res.cid, "stopped")
    rt.delete(res.cid)
    mine = sx.host_ns()
    for kind in RUNTIME_NS:
        ns = sx.hook_ns(logdir, kind)
        for name in ("mnt", "pid", "net", "uts", "ipc", "cgroup"):
            assert ns[name] == mine[name], f"{kind} hook not in the runtime's {name} namespace"


def test_container_hooks_run_in_the_container_namespaces(rt):
    cfg, logdir = _config(rt, hooks=lambda d: {k: [sx.hook(d, k)] for k in CONTAINER_NS})
    res = rt.create(cfg)
    pid = rt.state(res.cid)["pid"]
    theirs = sx.host_ns(pid)
    rt.start(res.cid)
    proc.wait_for(lambda: "startContainer" in sx.hook_log(logdir), what="startContainer hook")
    for kind in CONTAINER_NS:
        ns = sx.hook_ns(logdir, kind)
        for name in ("mnt", "pid", "net", "uts", "ipc", "cgroup"):
            assert ns[name] == theirs[name], f"{kind} hook not in the container's {name} namespace"


def test_create_container_runs_before_pivot_root_with_the_mounts_done(rt):
    """createContainer: the container's mount namespace, mounts applied,
    still on the host's root (so the bundle's rootfs is at its host path)."""
    cfg, logdir = _config(rt)
    cfg["mounts"].append({"destination": "/mnt/scratch", "type": "tmpfs", "source": "tmpfs"})
    bundle = rt.bundle(cfg)
    rootfs = bundle / "rootfs"
    script = (f'stat -f -c %T {rootfs}/mnt/scratch > {logdir}/fstype; '
              f'test -e {rootfs}/bin/busybox && echo host-root > {logdir}/root')
    cfg["hooks"] = {"createContainer": [sx.shell_hook(script)]}
    rt.write_config(bundle, cfg)
    rt.create(bundle=bundle)
    assert (logdir / "fstype").read_text().strip() == "tmpfs"
    assert (logdir / "root").read_text().strip() == "host-root"
    assert leaks.mounts_under(rootfs / "mnt") == [], "container mounts visible in the host's namespace"


def test_start_container_runs_after_pivot_root(rt):
    cfg, logdir = _config(rt)
    bundle = rt.bundle(cfg)
    (bundle / "rootfs/etc/only-in-the-rootfs").write_text("inside\n")
    cfg["hooks"] = {"startContainer": [sx.shell_hook(f"cat /etc/only-in-the-rootfs > {logdir}/seen; hostname >> {logdir}/seen")]}
    rt.write_config(bundle, cfg)
    res = rt.create(bundle=bundle)
    rt.start(res.cid)
    proc.wait_for(lambda: (logdir / "seen").exists() and len((logdir / "seen").read_text().split()) == 2,
                  what="startContainer hook output")
    assert (logdir / "seen").read_text().split() == ["inside", "pyrunc-test"]


def test_start_container_path_resolves_in_the_container(rt):
    cfg, logdir = _config(rt)
    bundle = rt.bundle(cfg)
    hook = bundle / "rootfs/bin/container-only-hook"
    hook.write_text(f"#!/bin/sh\necho ran-inside >> {logdir}/log\n")
    hook.chmod(0o755)
    assert not Path("/bin/container-only-hook").exists()
    cfg["hooks"] = {"startContainer": [{"path": "/bin/container-only-hook"}]}
    rt.write_config(bundle, cfg)
    res = rt.create(bundle=bundle)
    rt.start(res.cid)
    proc.wait_for(lambda: "process" in sx.hook_log(logdir), what="process")
    assert sx.hook_log(logdir) == ["ran-inside", "process"]


def test_create_container_path_resolves_in_the_runtime_namespace(rt):
    cfg, logdir = _config(rt)
    host_hook = rt.hostdir("hostbin") / "host-only-hook"
    host_hook.write_text(f"#!/bin/sh\necho ran-from-host-path >> {logdir}/log\n")
    host_hook.chmod(0o755)
    cfg["hooks"] = {"createContainer": [{"path": str(host_hook)}]}
    rt.create(cfg)
    assert sx.hook_log(logdir) == ["ran-from-host-path"]


# --- args, env, fds -------------------------------------------------------------------------


def test_hook_args_and_env_are_exactly_the_configs(rt):
    cfg, logdir = _config(rt)
    script = (f'tr "\\0" "\\n" < /proc/$$/cmdline > {logdir}/argv; '
              f'tr "\\0" "\\n" < /proc/$$/environ > {logdir}/env')
    cfg["hooks"] = {"prestart": [{"path": "/bin/sh", "args": ["custom-argv0", "-c", script, "x", "two words", ""],
                                  "env": ["A=1", "B=two words", "EMPTY="]}]}
    rt.create(cfg, extra_env={"PYTHONPATH": "/evil", "LEAKED_FROM_CALLER": "1"})
    assert (logdir / "argv").read_text().split("\n")[:-1] == ["custom-argv0", "-c", script, "x", "two words", ""]
    assert sorted((logdir / "env").read_text().splitlines()) == ["A=1", "B=two words", "EMPTY="]


def test_hook_without_args_gets_its_path_as_argv0(rt):
    cfg, logdir = _config(rt)
    host_hook = rt.hostdir("hostbin") / "argless-hook"
    host_hook.write_text(f'#!/bin/sh\necho "$0 $#" > {logdir}/argv\n')
    host_hook.chmod(0o755)
    cfg["hooks"] = {"createRuntime": [{"path": str(host_hook)}]}
    rt.create(cfg)
    assert (logdir / "argv").read_text().strip() == f"{host_hook} 0"


@pytest.mark.parametrize("kind", ["prestart", pytest.param("createContainer", marks=pytest.mark.runc_differs(
    "runc 1.1's init passes its own fds to createContainer hooks")), "startContainer", "poststart"])
def test_no_runtime_fd_leaks_into_hooks(rt, kind):
    cfg, logdir = _config(rt, hooks=lambda d: {kind: [sx.hook(d, kind)]})
    r, w = os.pipe()
    os.set_inheritable(r, True)
    try:
        res = rt.create(cfg, pass_fds=(r,))
        rt.start(res.cid, check=True)
    finally:
        os.close(r)
        os.close(w)
    proc.wait_for(lambda: kind in sx.hook_log(logdir), what=f"{kind} hook")
    # 0-2, and 3 = the directory ls itself opened
    assert sorted((logdir / f"{kind}.fds").read_text().split(), key=int) == ["0", "1", "2", "3"]


def test_hook_that_ignores_stdin_and_writes_a_lot(rt):
    cfg, logdir = _config(rt)
    cfg["hooks"] = {"createRuntime": [sx.shell_hook("head -c 300000 /dev/zero; head -c 300000 /dev/zero >&2; exit 0")],
                    "poststart": [sx.shell_hook("exec 0<&-; head -c 300000 /dev/zero")]}
    res = rt.create(cfg, timeout=30)
    asserts.ok(rt.start(res.cid), "start")


# --- timeouts and failures ---------------------------------------------------------------------


def test_hook_timeout_fails_create_kills_the_hook_and_leaves_nothing(rt):
    cfg, logdir = _config(rt)
    cfg["hooks"] = {"createRuntime": [sx.shell_hook(f"echo $$ > {logdir}/hook.pid; exec sleep 60", timeout=1)]}
    cid = rt.new_id()
    started = time.monotonic()
    res = rt.create(cfg, cid=cid, check=False)
    elapsed = time.monotonic() - started
    _hook_error(rt, res)
    assert "tim" in res.err.lower(), f"error does not say the hook timed out:\n{res}"
    assert elapsed < 15, f"create took {elapsed:.1f}s with a 1s hook timeout"
    asserts.not_exist(rt.runtime("state", cid))
    hook_pid = int((logdir / "hook.pid").read_text())
    proc.wait_for(lambda: proc.is_gone(hook_pid), timeout=5, what="the timed-out hook to be killed")


def test_hook_finishing_within_its_timeout_is_fine(rt):
    cfg, logdir = _config(rt, hooks=lambda d: {"prestart": [sx.hook(d, "prestart", timeout=30)]})
    rt.create(cfg)
    assert sx.hook_log(logdir) == ["prestart"]


@pytest.mark.parametrize("kind", CREATE_KINDS)
def test_failing_create_hook_fails_create_and_leaves_nothing(rt, kind):
    def hooks(d):
        h = {k: [sx.hook(d, k)] for k in ALL_KINDS}
        h[kind] = [sx.hook(d, f"{kind}-fails", extra="echo hook-says-no >&2; exit 3"), sx.hook(d, f"{kind}-after")]
        return h

    cfg, logdir = _config(rt, hooks=hooks)
    cid = rt.new_id()
    res = rt.create(cfg, cid=cid, check=False)
    _hook_error(rt, res)
    asserts.not_exist(rt.runtime("state", cid))
    log = sx.hook_log(logdir)
    assert f"{kind}-fails" in log
    assert f"{kind}-after" not in log, "hooks after the failing one must not run"
    later = CREATE_KINDS[CREATE_KINDS.index(kind) + 1:] + ("startContainer", "poststart")
    assert not [k for k in later if k in log], log
    assert "process" not in log


@pytest.mark.parametrize("kind", CREATE_KINDS)
def test_failing_create_hook_still_runs_poststop(rt, kind):
    """runtime.md: a failing prestart/createRuntime/createContainer hook
    stops the container and continues at step 12 (destroy) and 13
    (poststop hooks), as runc's destroy() does."""
    def hooks(d):
        return {kind: [sx.hook(d, kind, extra="exit 1")], "poststop": [sx.hook(d, "poststop")]}

    cfg, logdir = _config(rt, hooks=hooks)
    res = rt.create(cfg, check=False)
    assert res.rc != 0, str(res)
    assert sx.hook_log(logdir)[-1] == "poststop", sx.hook_log(logdir)


def test_failing_start_container_hook_stops_the_container(rt):
    cfg, logdir = _config(rt, hooks=lambda d: {"startContainer": [sx.hook(d, "sc", extra="exit 4")],
                                               "poststart": [sx.hook(d, "poststart")]})
    res = rt.create(cfg)
    rt.start(res.cid, check=False)
    rt.wait_status(res.cid, "stopped")
    assert "process" not in sx.hook_log(logdir)


@pytest.mark.runc_differs("runc 1.1's start returns before the init runs startContainer hooks")
def test_failing_start_container_hook_fails_start(rt):
    cfg, logdir = _config(rt, hooks=lambda d: {"startContainer": [sx.hook(d, "sc", extra="exit 4")]})
    res = rt.create(cfg)
    st = rt.start(res.cid, check=False)
    assert st.rc != 0, f"runtime.md step 7: a failing startContainer hook MUST generate an error:\n{st}"
    rt.wait_status(res.cid, "stopped")


@pytest.mark.runc_differs("runc 1.1 runs poststart hooks during create")
def test_failing_poststart_hook_fails_start_and_stops_the_container(rt):
    """runtime.md step 9 (and runc): a failing poststart hook generates an
    error and stops the container."""
    cfg, logdir = _config(rt, hooks=lambda d: {"poststart": [sx.hook(d, "ps", extra="exit 5")]})
    res = rt.create(cfg)
    st = rt.start(res.cid, check=False)
    assert st.rc != 0, str(st)
    assert not asserts.TRACEBACK.search(st.err), str(st)
    rt.wait_status(res.cid, "stopped")


@pytest.mark.runc_differs("runc 1.1 stops at the first failing poststop hook")
def test_failing_poststop_hook_is_a_warning_and_the_rest_still_run(rt):
    cfg, logdir = _config(rt, hooks=lambda d: {"poststop": [sx.hook(d, "ps0", extra="echo poststop-broke >&2; exit 6"),
                                                            sx.hook(d, "ps1")]})
    res = rt.create(cfg)
    rt.start(res.cid)
    rt.kill(res.cid, "KILL")
    rt.wait_status(res.cid, "stopped")
    d = rt.delete(res.cid, check=False)
    asserts.ok(d, "delete with a failing poststop hook")
    assert sx.hook_log(logdir)[-2:] == ["ps0", "ps1"]
    assert "ps0" in d.err or "poststop" in d.err.lower(), f"the failure was not logged:\n{d}"
    asserts.not_exist(rt.runtime("state", res.cid))


def test_hook_killed_by_a_signal_fails_create(rt):
    cfg, logdir = _config(rt)
    cfg["hooks"] = {"prestart": [sx.shell_hook("kill -9 $$")]}
    cid = rt.new_id()
    res = rt.create(cfg, cid=cid, check=False)
    _hook_error(rt, res)
    asserts.not_exist(rt.runtime("state", cid))


def test_hook_that_does_not_exist_fails_create_cleanly(rt):
    cfg, logdir = _config(rt)
    cfg["hooks"] = {"createRuntime": [{"path": str(rt.tmp / "no-such-hook")}]}
    cid = rt.new_id()
    res = rt.create(cfg, cid=cid, check=False)
    _hook_error(rt, res, "no-such-hook")
    asserts.not_exist(rt.runtime("state", cid))


@pytest.mark.parametrize("bad", [{"path": "relative/hook"}, {"path": "/bin/true", "timeout": 0},
                                 {"path": "/bin/true", "timeout": -1}])
def test_invalid_hook_is_refused(rt, bad):
    cfg, logdir = _config(rt)
    cfg["hooks"] = {"prestart": [bad]}
    cid = rt.new_id()
    res = rt.create(cfg, cid=cid, check=False)
    _hook_error(rt, res)
    asserts.not_exist(rt.runtime("state", cid))


def test_failed_run_because_of_a_hook_leaves_nothing(rt):
    cfg, logdir = _config(rt)
    cfg["hooks"] = {"createContainer": [sx.shell_hook("exit 9")]}
    res = rt.run(cfg)
    assert res.rc != 0, str(res)
    assert not asserts.TRACEBACK.search(res.err), str(res)
    asserts.not_exist(rt.runtime("state", res.cid))
