"""The runtime's CLI in exactly the forms the engines use, and the words of
its errors that the engines match -- without an engine, so each contract is
pinned where it is cheap to see.  The runtime is the engine tests' one
(``PYRUNC_ENGINE_RUNTIME``, default pyrunc); every test passes with runc
1.1, the reference.

Forms, as logged by the wrapper (see test_podman/test_containerd/test_docker):
- conmon: ``--log-format=json --log F create --bundle B --pid-file P ID``
  (cwd is podman's, not the bundle), ``update --resources=FILE ID``,
  ``kill ID 15``, ``delete --force ID``.
- containerd's runc shim (go-runc): ``--root R --log F --log-format json``
  before every verb, ``update --resources - ID`` (stdin), ``kill --all ID 9``,
  ``ps --format json ID``; it reads the pid file with ``strconv.Atoi``
  (no newline allowed) and the last ``"level":"error"`` line of the log
  (every line must be JSON).
- words matched: "does not exist" (containerd's delete, podman's state),
  "container not running" (containerd's checkKillError), "permission
  denied" / "no such file or directory" / "executable file not found"
  (podman's and docker's 126/127).
"""
import json
from pathlib import Path

import pytest

from support.config import base_config
from support.env import TestEnv, new_token

from .conftest import engine_runtime


@pytest.fixture
def rt(session_tmp, busybox_rootfs_factory):
    binary = engine_runtime()
    if not binary:
        pytest.fail("no runtime: install pyrunc or set PYRUNC_ENGINE_RUNTIME")
    token = new_token()
    env = TestEnv(binary, session_tmp / token, busybox_rootfs_factory, token=token)
    yield env
    problems = env.finalize()
    if problems:
        pytest.fail("test left things behind (now removed):\n  - " + "\n  - ".join(problems), pytrace=False)


def sleeper(rt, args=("sleep", "1000")):
    cfg = base_config()
    cfg["process"]["args"] = list(args)
    cfg["linux"]["cgroupsPath"] = rt.cgroups_path()
    return cfg


def json_log_lines(path):
    lines = [ln for ln in Path(path).read_text().splitlines() if ln.strip()]
    records = []
    for ln in lines:
        try:
            records.append(json.loads(ln))
        except ValueError:
            raise AssertionError(f"a line of the --log file is not JSON (containerd's shim stops reading the "
                                 f"log there and reports 'unable to retrieve OCI runtime error'): {ln!r}")
    return records


def test_conmon_create_form_pid_file_and_json_log(rt):
    """``--log-format=json --log F create --bundle B --pid-file P ID`` from a
    cwd that is not the bundle; the pid file holds the pid and nothing else."""
    cwd = rt.hostdir()
    log = rt.tmp / "oci-log"
    pidfile = rt.tmp / "pidfile"
    cid = rt.new_id()
    bundle = rt.bundle(sleeper(rt))
    r = rt("create", "--bundle", bundle, "--pid-file", pidfile, cid,
           global_args=["--log-format=json", "--log", log], cwd=cwd)
    assert r.rc == 0, str(r)
    text = pidfile.read_text()
    assert text.isdigit(), f"pid file must be the bare pid (go-runc's ReadPidFile: strconv.Atoi): {text!r}"
    assert int(text) == rt.state(cid)["pid"]
    if log.exists():
        json_log_lines(log)


def test_relative_pid_file_is_relative_to_cwd(rt):
    """runc resolves ``--pid-file`` against the cwd it was started in
    (filepath.Abs before it changes to the bundle)."""
    cwd = rt.hostdir()
    cid = rt.new_id()
    bundle = rt.bundle(sleeper(rt))
    r = rt("create", "--bundle", bundle, "--pid-file", "sub.pid", cid, cwd=cwd)
    assert r.rc == 0, str(r)
    assert (cwd / "sub.pid").read_text() == str(rt.state(cid)["pid"])
    assert not (bundle / "sub.pid").exists()


def test_relative_bundle(rt):
    """``create --bundle <relative>`` (cwd = the bundle's parent) and
    ``create`` without --bundle from inside the bundle (the shim's cwd)."""
    bundle = rt.bundle(sleeper(rt))
    cid = rt.new_id()
    r = rt("create", "--bundle", bundle.name, cid, cwd=bundle.parent)
    assert r.rc == 0, str(r)
    assert rt.state(cid)["bundle"] == str(bundle)
    bundle2 = rt.bundle(sleeper(rt))
    cid2 = rt.new_id()
    r = rt("create", cid2, cwd=bundle2)
    assert r.rc == 0, str(r)
    assert rt.state(cid2)["bundle"] == str(bundle2)


@pytest.mark.parametrize("form", ["--resources=-", "--resources -", "-r -", "--resources=FILE"])
def test_update_resources_forms(rt, form):
    cfg = sleeper(rt)
    cfg["linux"]["resources"] = {"memory": {"limit": 64 << 20}}
    cid, _ = rt.started_container(cfg)
    new = {"memory": {"limit": 96 << 20}}
    stdin = None
    if form.endswith("FILE"):
        f = rt.tmp / "resources.json"
        f.write_text(json.dumps(new))
        args = [form.replace("FILE", str(f))]
    else:
        args = form.split()
        stdin = json.dumps(new)
    r = rt("update", *args, cid, stdin=stdin)
    assert r.rc == 0, str(r)
    cg = Path("/sys/fs/cgroup/memory") / cfg["linux"]["cgroupsPath"].lstrip("/")
    if cg.is_dir():
        assert (cg / "memory.limit_in_bytes").read_text().strip() == str(96 << 20)


@pytest.mark.parametrize("args", [["9"], ["KILL"], ["SIGKILL"], ["--all", "9"]],
                         ids=["number", "name", "signame", "all"])
def test_kill_forms(rt, args):
    cid, pid = rt.started_container(sleeper(rt))
    if args[0] == "--all":
        r = rt("kill", "--all", cid, *args[1:])
    else:
        r = rt("kill", cid, *args)
    assert r.rc == 0, str(r)
    rt.wait_status(cid, "stopped")


def test_kill_stopped_container_words(rt):
    """containerd's checkKillError takes an error for "process already
    finished" only if it says "container not running" (or "no such
    process"); ``kill --all`` of a stopped container succeeds in runc 1.1
    (the shim sends it after every exit of a container without its own pid
    namespace, and for ``ctr task delete --force``)."""
    cid, _ = rt.started_container(sleeper(rt, ["true"]))
    rt.wait_status(cid, "stopped")
    r = rt.kill(cid, 15, check=False)
    assert r.rc != 0, str(r)
    assert "container not running" in r.err or "no such process" in r.err.lower(), str(r)
    r = rt.kill(cid, 9, all=True, check=False)
    assert r.rc == 0, str(r)


@pytest.mark.parametrize("verb", ["state", "delete", "kill", "pause", "ps"])
def test_missing_container_says_does_not_exist(rt, verb):
    cid = rt.new_id()
    args = {"kill": [cid, "9"], "ps": ["--format", "json", cid]}.get(verb, [cid])
    r = rt(verb, *args)
    assert r.rc == 1, str(r)
    assert "does not exist" in r.err, str(r)


def test_ps_format_json(rt):
    cid, pid = rt.started_container(sleeper(rt))
    r = rt("ps", "--format", "json", cid)
    assert r.rc == 0, str(r)
    pids = json.loads(r.out)
    assert isinstance(pids, list) and pid in pids, str(r)


@pytest.mark.parametrize("program, words", [
    ("/nonexistent", ["no such file or directory"]),
    ("/etc/passwd", ["permission denied"]),
    ("/tmp", ["permission denied"]),
    ("nonexistent-in-path", ["executable file not found"]),
], ids=["missing", "not-executable", "directory", "not-in-path"])
def test_exec_error_words_in_json_log(rt, program, words):
    """The error of a program that cannot be started, as the shim reads it
    (the last ``error`` line of ``--log F --log-format json``): the engines
    turn "permission denied" into 126 and "no such file or directory" /
    "executable file not found" into 127."""
    log = rt.tmp / "log.json"
    cfg = sleeper(rt, [program])
    cid = rt.new_id()
    bundle = rt.bundle(cfg)
    r = rt("create", "--bundle", bundle, cid, global_args=["--log", log, "--log-format", "json"])
    if r.rc == 0:
        # runc 1.1 finds the program at create; a runtime may do it at start
        r = rt("start", cid, global_args=["--log", log, "--log-format", "json"])
    assert r.rc != 0, str(r)
    errors = [rec for rec in json_log_lines(log) if rec.get("level") == "error"]
    assert errors, f"no error line in the JSON log {log}"
    last = errors[-1]
    assert set(last) >= {"level", "msg", "time"}, last
    for w in words:
        assert w in last["msg"], f"{w!r} not in the runtime's error {last['msg']!r}"
    assert program in last["msg"]
    # podman's and docker's exit codes depend on which words appear: the
    # other family must not be there too
    other = "permission denied" if "permission denied" not in words else "no such file or directory"
    assert other not in last["msg"], last["msg"]


def test_version_and_features(rt):
    r = rt("--version", root=False)
    assert r.rc == 0 and "version" in r.lines[0], str(r)
    assert any(ln.startswith("spec: ") for ln in r.lines), str(r)
    f = rt("features", root=False)
    assert f.rc == 0, str(f)
    feats = f.json()
    assert feats.get("ociVersionMin") and feats.get("ociVersionMax"), feats


def test_sigkill_thaws_paused_container(rt):
    """runc 1.1 thaws a paused container's (v1) freezer after sending
    SIGKILL, so ``kill ID 9`` of a paused container stops it; engines
    (podman kill, ctr task kill, kubelet) rely on that."""
    cid, _ = rt.started_container(sleeper(rt))
    r = rt("pause", cid)
    assert r.rc == 0, str(r)
    rt.kill(cid, 9)
    rt.wait_status(cid, "stopped")
