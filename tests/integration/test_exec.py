"""``exec``: another process in a running container (runc's ``exec``).

The process joins every namespace and the cgroup of the container's init,
gets the container's process settings (the container's ``process`` with the
command-line flags applied on top, or a ``--process`` JSON), and its exit
status comes back as ``run``'s does.  Terminal modes: test_exec_tty.py;
file descriptors: test_fds.py; user and time namespaces: test_userns.py,
test_timens.py.
"""
import json
import os
import signal
import time
from pathlib import Path

import pytest

import support_extra as sx
from support import asserts, proc
from support.config import DEFAULT_ENV, HOSTNAME, base_config

CAP_KILL, CAP_NET_BIND_SERVICE, CAP_NET_RAW, CAP_SYS_ADMIN, CAP_AUDIT_WRITE = 5, 10, 13, 21, 29
BASE_CAPS = sx.cap_mask(CAP_KILL, CAP_NET_BIND_SERVICE, CAP_AUDIT_WRITE)
NS = ("mnt", "pid", "net", "uts", "ipc", "cgroup")


def _config(**process):
    cfg = base_config(["sleep", "1000"], **process)
    cfg["mounts"].append({"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["mode=1777"]})
    return cfg


def running(rt, cfg=None):
    """A started container running ``sleep 1000``: (cid, init pid)."""
    return rt.started_container(cfg or _config())


def exec_(rt, cid, *args, flags=(), **kw):
    return rt.runtime("exec", *flags, cid, *args, **kw)


def out_of(rt, cid, *args, flags=()):
    res = exec_(rt, cid, *args, flags=flags)
    assert res.rc == 0, f"exec failed:\n{res}"
    return res.out


def exec_error(rt, res, *fragments):
    """runc exits 255 when exec itself fails; pyrunc's contract is 1."""
    return asserts.error(res, *fragments, rc=255 if rt.is_runc else 1)


def write_process(rt, process, name="process.json"):
    path = rt.tmp / name
    path.write_text(json.dumps(process))
    return path


def detached(rt, cid, *args, flags=()):
    """exec -d with a pid file; returns the host pid of the new process
    (recorded so that teardown checks it is gone)."""
    pidfile = rt.tmp / f"exec-{time.monotonic_ns()}.pid"
    res = exec_(rt, cid, *args, flags=("-d", "--pid-file", pidfile, *flags))
    asserts.ok(res, "exec -d")
    pid = int(pidfile.read_text())
    rt.record_pid(pid)
    return pid


# --- running a command ----------------------------------------------------------


def test_exec_runs_a_command_and_returns_its_output(rt):
    cid, _ = running(rt)
    res = exec_(rt, cid, "sh", "-c", "echo to-out; echo to-err >&2")
    assert res.rc == 0, str(res)
    assert res.out == "to-out\n"
    assert res.err == "to-err\n"


@pytest.mark.parametrize("code", [0, 3, 255])
def test_exec_exit_status_passes_through(rt, code):
    cid, _ = running(rt)
    res = exec_(rt, cid, "sh", "-c", f"exit {code}")
    assert res.rc == code, str(res)


def test_exec_killed_by_a_signal_exits_128_plus_n(rt):
    cid, _ = running(rt)
    res = exec_(rt, cid, "sh", "-c", "kill -9 $$")
    assert res.rc == 128 + signal.SIGKILL, str(res)


def test_exec_stdin_reaches_the_process(rt):
    cid, _ = running(rt)
    res = exec_(rt, cid, "cat", stdin=b"through exec's stdin\n")
    assert res.rc == 0, str(res)
    assert res.out == "through exec's stdin\n"


def test_exec_args_are_passed_verbatim(rt):
    cid, _ = running(rt)
    out = out_of(rt, cid, "sh", "-c", 'for a in "$@"; do printf "[%s]" "$a"; done', "argv0",
                 "two words", "", "$HOME", "-e", "--cwd")
    assert out == "[two words][][$HOME][-e][--cwd]"


def test_exec_leaves_the_container_running(rt):
    cid, pid = running(rt)
    assert out_of(rt, cid, "true") == ""
    st = rt.state(cid)
    assert st["status"] == "running" and st["pid"] == pid
    assert proc.is_alive(pid)


def test_exec_of_a_missing_program_is_a_clean_error(rt):
    cid, _ = running(rt)
    res = exec_(rt, cid, "no-such-program")
    assert res.rc != 0, str(res)
    assert not asserts.TRACEBACK.search(res.err), str(res)
    assert "no-such-program" in res.err, str(res)
    assert rt.status(cid) == "running"


def test_signals_to_exec_are_forwarded(rt):
    cid, _ = running(rt)
    sp = rt.spawn("exec", cid, "sh", "-c", "trap 'echo got-term; exit 42' TERM; echo ready; "
                  "while :; do sleep 0.05; done")
    proc.wait_for(lambda: "ready" in sp.read_out(), what="the exec'd shell to set its trap")
    sp.signal(signal.SIGTERM)
    res = sp.wait()
    assert res.rc == 42, str(res)
    assert "got-term" in res.out


# --- namespaces, cgroup, root ----------------------------------------------------------


def test_exec_joins_every_namespace_of_the_container(rt):
    cid, pid = running(rt)
    out = out_of(rt, cid, "sh", "-c", f"for n in {' '.join(NS)}; do echo $n $(readlink /proc/self/ns/$n); done")
    got = dict(line.split(" ", 1) for line in out.splitlines())
    for ns in NS:
        assert got[ns] == proc.ns_inode(pid, ns), f"exec'd process not in the container's {ns} namespace"


def test_exec_is_in_the_containers_pid_namespace(rt):
    cid, _ = running(rt)
    out = out_of(rt, cid, "sh", "-c", "cat /proc/1/cmdline | tr '\\0' ' '; echo; echo $$")
    first, mypid = out.splitlines()
    assert first.strip() == "sleep 1000"
    assert int(mypid) > 1


def test_exec_joins_the_containers_cgroups(rt):
    cid, pid = running(rt)
    epid = detached(rt, cid, "sleep", "1000")
    assert proc.host_cgroups(epid) == proc.host_cgroups(pid)
    # and inside the cgroup namespace it is at the root, like the init
    paths = {ln.split(":", 2)[2] for ln in out_of(rt, cid, "cat", "/proc/self/cgroup").splitlines()}
    assert paths == {"/"}


def test_exec_sees_the_containers_root_and_hostname(rt):
    bundle = rt.bundle(_config())
    (bundle / "rootfs/etc/only-in-this-rootfs").write_text("mine\n")
    res = rt.create(bundle=bundle)
    rt.start(res.cid)
    out = out_of(rt, res.cid, "sh", "-c", "cat /etc/only-in-this-rootfs; hostname; ls /usr 2>&1 | head -1")
    lines = out.splitlines()
    assert lines[0] == "mine"
    assert lines[1] == HOSTNAME
    assert "No such file" in lines[2], "host /usr visible: exec not in the container's root"


def test_exec_into_a_created_container(rt):
    """runc allows exec before start (only stopped, and paused without
    --ignore-paused, are refused); the init keeps waiting for start."""
    res = rt.create(_config())
    assert out_of(rt, res.cid, "echo", "before-start") == "before-start\n"
    assert rt.status(res.cid) == "created"
    rt.start(res.cid)
    assert rt.status(res.cid) == "running"


# --- process settings: inherited from the container, overridden by flags ----------------


def test_exec_environment_is_the_containers_plus_env_flags(rt):
    cid, _ = running(rt)
    res = exec_(rt, cid, "env", flags=("--env", "FOO=bar", "--env", "TERM=dumb", "--env", "SPACED=a b"),
                extra_env={"PYTHONPATH": "/evil", "LEAK_FROM_CALLER": "1"})
    assert res.rc == 0, str(res)
    env = dict(line.split("=", 1) for line in res.out.splitlines())
    assert env.pop("FOO") == "bar"
    assert env.pop("SPACED") == "a b"
    assert env.pop("TERM") == "dumb", "a later --env must override the container's value"
    assert env.pop("PATH") == DEFAULT_ENV[0].split("=", 1)[1]
    assert env.pop("HOME", "/root") == "/root"
    assert env == {}, f"unexpected variables in the exec'd process: {env}"


def test_exec_env_short_flag(rt):
    cid, _ = running(rt)
    out = out_of(rt, cid, "sh", "-c", "echo $A $B", flags=("-e", "A=1", "-e", "B=two"))
    assert out == "1 two\n"


def test_exec_cwd_defaults_to_the_containers_and_cwd_flag_overrides(rt):
    cid, _ = running(rt, _config(cwd="/home/tester"))
    assert out_of(rt, cid, "pwd") == "/home/tester\n"
    assert out_of(rt, cid, "pwd", flags=("--cwd", "/tmp")) == "/tmp\n"


def test_exec_cwd_that_does_not_exist_is_an_error(rt):
    cid, _ = running(rt)
    res = exec_(rt, cid, "pwd", flags=("--cwd", "/no/such/dir"))
    assert res.rc != 0, str(res)
    assert not asserts.TRACEBACK.search(res.err), str(res)
    assert rt.status(cid) == "running"


@pytest.mark.parametrize("flag", ["-u", "--user"])
def test_exec_user_uid_and_gid(rt, flag):
    cid, _ = running(rt)
    out = out_of(rt, cid, "sh", "-c", "id -u; id -g; grep -E '^(Uid|Gid)' /proc/self/status; echo $HOME",
                 flags=(flag, "1000:1000"))
    lines = out.splitlines()
    assert lines[:2] == ["1000", "1000"]
    st = sx.status("\n".join(lines[2:4]))
    assert st["Uid"].split() == ["1000"] * 4
    assert st["Gid"].split() == ["1000"] * 4
    assert lines[4] == "/home/tester", "HOME must come from the container's /etc/passwd"


def test_exec_user_without_gid_keeps_the_containers_gid(rt):
    cfg = _config()
    cfg["process"]["user"] = {"uid": 0, "gid": 29}
    cid, _ = running(rt, cfg)
    assert out_of(rt, cid, "sh", "-c", "id -u; id -g", flags=("-u", "4242")).split() == ["4242", "29"]


def test_exec_user_that_is_not_a_number_is_an_error(rt):
    cid, _ = running(rt)
    res = exec_(rt, cid, "true", flags=("-u", "1000:abc"))
    assert res.rc != 0, str(res)
    assert not asserts.TRACEBACK.search(res.err), str(res)


@pytest.mark.parametrize("flag", ["-g", "--additional-gids"])
def test_exec_additional_gids(rt, flag):
    cid, _ = running(rt)
    out = out_of(rt, cid, "grep", "^Groups:", "/proc/self/status", flags=("-u", "1000:1000", flag, "10", flag, "4242"))
    assert sorted(map(int, out.split(":", 1)[1].split())) == [10, 4242]


def test_exec_inherits_the_containers_additional_gids(rt):
    cfg = _config()
    cfg["process"]["user"] = {"uid": 1000, "gid": 1000, "additionalGids": [5, 29]}
    cid, _ = running(rt, cfg)
    out = out_of(rt, cid, "grep", "^Groups:", "/proc/self/status")
    assert sorted(map(int, out.split(":", 1)[1].split())) == [5, 29]


def test_exec_gets_the_containers_capabilities(rt):
    cid, _ = running(rt)
    c = sx.caps(out_of(rt, cid, "cat", "/proc/self/status"))
    assert c["CapBnd"] == BASE_CAPS, hex(c["CapBnd"])
    assert c["CapEff"] == BASE_CAPS, hex(c["CapEff"])
    assert c["CapPrm"] == BASE_CAPS, hex(c["CapPrm"])
    assert c["CapInh"] == 0 and c["CapAmb"] == 0


@pytest.mark.parametrize("flag", ["-c", "--cap"])
def test_exec_cap_adds_to_bounding_effective_and_permitted_only(rt, flag):
    cid, _ = running(rt)
    c = sx.caps(out_of(rt, cid, "cat", "/proc/self/status", flags=(flag, "CAP_SYS_ADMIN", flag, "CAP_NET_RAW")))
    want = BASE_CAPS | sx.cap_mask(CAP_SYS_ADMIN, CAP_NET_RAW)
    assert c["CapBnd"] == want, hex(c["CapBnd"])
    assert c["CapEff"] == want, hex(c["CapEff"])
    assert c["CapPrm"] == want, hex(c["CapPrm"])
    assert c["CapInh"] == 0, "exec --cap must not add inheritable capabilities (CVE-2022-29162)"
    assert c["CapAmb"] == 0


def test_exec_never_gains_inheritable_or_ambient_capabilities(rt):
    """A container with inheritable capabilities: exec --cap as a non-root
    user must not end up with the added capability in any set but bounding
    (an inheritable bit would survive into setcap'd programs)."""
    cfg = _config()
    cfg["process"]["capabilities"]["inheritable"] = ["CAP_KILL"]
    cid, _ = running(rt, cfg)
    c = sx.caps(out_of(rt, cid, "cat", "/proc/self/status", flags=("-u", "1000:1000", "--cap", "CAP_SYS_ADMIN")))
    assert c["CapInh"] == sx.cap_mask(CAP_KILL), hex(c["CapInh"])
    assert c["CapAmb"] == 0, hex(c["CapAmb"])
    assert c["CapEff"] == 0 and c["CapPrm"] == 0, (hex(c["CapEff"]), hex(c["CapPrm"]))
    assert c["CapBnd"] & sx.cap_mask(CAP_SYS_ADMIN)


def test_exec_unknown_capability_is_refused_or_warned_about(rt):
    """config.md: a capability that cannot be mapped MUST be logged as a
    warning (runc 1.1 refuses it, runc 1.2 warns); never silently dropped."""
    cid, _ = running(rt)
    res = exec_(rt, cid, "true", flags=("--cap", "CAP_NO_SUCH_THING"))
    assert not asserts.TRACEBACK.search(res.err), str(res)
    assert "CAP_NO_SUCH_THING" in res.err, f"unknown capability neither refused nor warned about:\n{res}"


def test_exec_no_new_privs_flag(rt):
    cid, _ = running(rt, _config(noNewPrivileges=False))
    assert out_of(rt, cid, "grep", "NoNewPrivs", "/proc/self/status").split() == ["NoNewPrivs:", "0"]
    out = out_of(rt, cid, "grep", "NoNewPrivs", "/proc/self/status", flags=("--no-new-privs",))
    assert out.split() == ["NoNewPrivs:", "1"]


def test_exec_inherits_no_new_privileges(rt):
    cid, _ = running(rt, _config(noNewPrivileges=True))
    assert out_of(rt, cid, "grep", "NoNewPrivs", "/proc/self/status").split() == ["NoNewPrivs:", "1"]


def test_exec_inherits_the_containers_rlimits(rt):
    cfg = _config(rlimits=[{"type": "RLIMIT_NOFILE", "soft": 512, "hard": 800},
                           {"type": "RLIMIT_NPROC", "soft": 300, "hard": 400}])
    cid, _ = running(rt, cfg)
    out = out_of(rt, cid, "cat", "/proc/self/limits")
    lim = sx.limits(out)
    assert lim["Max open files"] == ("512", "800"), out
    assert lim["Max processes"] == ("300", "400"), out


@pytest.mark.runc_differs("runc 1.1 ignores process.user.umask")
def test_exec_inherits_the_containers_umask(rt):
    cfg = _config()
    cfg["process"]["user"]["umask"] = 0o077
    cid, _ = running(rt, cfg)
    assert out_of(rt, cid, "sh", "-c", "umask").strip() == "0077"


def test_exec_inherits_the_containers_seccomp_filter(rt):
    cfg = _config()
    cfg["linux"]["seccomp"] = {
        "defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}],
    }
    cid, _ = running(rt, cfg)
    out = out_of(rt, cid, "sh", "-c", "grep ^Seccomp: /proc/self/status; mkdir /tmp/d 2>&1; echo rc=$?")
    assert "Seccomp:\t2" in out, out
    assert "Operation not permitted" in out and "rc=1" in out, out


# --- --process FILE --------------------------------------------------------------------


@pytest.mark.runc_differs("runc 1.1 ignores process.user.umask")
def test_exec_process_json_is_applied_exactly(rt):
    cid, _ = running(rt)
    process = {
        "terminal": False,
        "user": {"uid": 1000, "gid": 1000, "additionalGids": [29], "umask": 0o027},
        "args": ["sh", "-c", "tr '\\0' '\\n' < /proc/$$/environ; echo cwd=$(pwd); echo umask=$(umask); cat /proc/self/status /proc/self/limits"],
        "env": ["PATH=/bin", "ONLY_IN_PROCESS_JSON=yes"],
        "cwd": "/home/tester",
        "capabilities": {"bounding": ["CAP_KILL", "CAP_NET_RAW"], "effective": ["CAP_NET_RAW"],
                         "permitted": ["CAP_NET_RAW"], "inheritable": ["CAP_NET_RAW"],
                         "ambient": ["CAP_NET_RAW"]},
        "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 100, "hard": 200}],
        "noNewPrivileges": True,
    }
    res = exec_(rt, cid, flags=("--process", write_process(rt, process)))
    assert res.rc == 0, str(res)
    out = res.out
    lines = out.splitlines()
    env = [ln for ln in lines[:lines.index(next(ln for ln in lines if ln.startswith("cwd=")))]]
    assert sorted(e for e in env if not e.startswith("HOME=")) == ["ONLY_IN_PROCESS_JSON=yes", "PATH=/bin"]
    assert "cwd=/home/tester" in lines
    assert "umask=0027" in lines
    st = sx.status(out)
    assert st["Uid"].split() == ["1000"] * 4
    assert sorted(st["Groups"].split()) == ["29"]
    assert st["NoNewPrivs"] == "1"
    c = sx.caps(out)
    raw = sx.cap_mask(CAP_NET_RAW)
    assert c["CapBnd"] == raw | sx.cap_mask(CAP_KILL), hex(c["CapBnd"])
    assert (c["CapInh"], c["CapAmb"], c["CapPrm"], c["CapEff"]) == (raw, raw, raw, raw), {k: hex(v) for k, v in c.items()}
    assert sx.limits(out)["Max open files"] == ("100", "200")


def test_exec_process_json_args_override_nothing_else_from_the_command_line(rt):
    cid, _ = running(rt)
    res = exec_(rt, cid, "echo", "extra", flags=("--process", write_process(rt, {"args": ["true"], "cwd": "/"})))
    assert res.rc != 0, f"--process with a command too must be refused:\n{res}"
    assert not asserts.TRACEBACK.search(res.err), str(res)


@pytest.mark.runc_differs("runc 1.1 applies only the process JSON's own rlimits")
def test_exec_process_json_without_rlimits_gets_the_containers(rt):
    """runc's newInitConfig: rlimits, capabilities, labels not in the
    process JSON are the container's."""
    cfg = _config(rlimits=[{"type": "RLIMIT_NOFILE", "soft": 512, "hard": 800}])
    cid, _ = running(rt, cfg)
    process = {"args": ["cat", "/proc/self/limits"], "cwd": "/", "user": {"uid": 0, "gid": 0}, "env": DEFAULT_ENV}
    res = exec_(rt, cid, flags=("--process", write_process(rt, process)))
    assert res.rc == 0, str(res)
    assert sx.limits(res.out)["Max open files"] == ("512", "800"), res.out


def test_exec_process_json_without_capabilities_gets_the_containers(rt):
    cid, _ = running(rt)
    process = {"args": ["cat", "/proc/self/status"], "cwd": "/", "user": {"uid": 0, "gid": 0}, "env": DEFAULT_ENV}
    res = exec_(rt, cid, flags=("--process", write_process(rt, process)))
    assert res.rc == 0, str(res)
    c = sx.caps(res.out)
    assert c["CapBnd"] == BASE_CAPS and c["CapEff"] == BASE_CAPS, {k: hex(v) for k, v in c.items()}


@pytest.mark.parametrize("content,fragment", [("{not json", "process"), ("[1, 2]", "process")])
def test_exec_malformed_process_json_is_a_clean_error(rt, content, fragment):
    cid, _ = running(rt)
    path = rt.tmp / "bad-process.json"
    path.write_text(content)
    # runc's message names the JSON problem but not the flag
    exec_error(rt, exec_(rt, cid, flags=("--process", path)), *(() if rt.is_runc else (fragment,)))
    assert rt.status(cid) == "running"


def test_exec_missing_process_file_is_a_clean_error(rt):
    cid, _ = running(rt)
    exec_error(rt, exec_(rt, cid, flags=("-p", rt.tmp / "no-such.json")), "no-such.json")


def test_exec_without_a_command_is_an_error(rt):
    cid, _ = running(rt)
    res = exec_(rt, cid)
    assert res.rc != 0, str(res)
    assert not asserts.TRACEBACK.search(res.err), str(res)


# --- detach and pid file ---------------------------------------------------------------


@pytest.mark.parametrize("flag", ["-d", "--detach"])
def test_exec_detach_returns_at_once_and_writes_the_pid_file(rt, flag):
    cid, pid = running(rt)
    pidfile = rt.tmp / "exec.pid"
    started = time.monotonic()
    res = exec_(rt, cid, "sleep", "1000", flags=(flag, "--pid-file", pidfile), timeout=20)
    asserts.ok(res, "exec --detach")
    assert time.monotonic() - started < 15
    epid = int(pidfile.read_text())
    rt.record_pid(epid)
    assert proc.is_alive(epid)
    assert proc.cmdline(epid) == [b"sleep", b"1000"]
    assert proc.ns_inode(epid, "pid") == proc.ns_inode(pid, "pid")
    assert res.out == ""


def test_exec_detached_process_dies_with_the_container(rt):
    cid, pid = running(rt)
    epid = detached(rt, cid, "sleep", "1000")
    started = proc.start_time(epid)
    rt.kill(cid, "KILL")
    rt.wait_status(cid, "stopped")
    proc.wait_for(lambda: proc.is_gone(epid, started), what="the exec'd process to die with the init")


def test_exec_pid_file_when_attached(rt):
    cid, _ = running(rt)
    pidfile = rt.tmp / "attached.pid"
    res = exec_(rt, cid, "sh", "-c", "echo $$", flags=("--pid-file", pidfile))
    assert res.rc == 0, str(res)
    pid = int(pidfile.read_text())
    assert pid > 1, "the pid file holds the host pid, not the one inside the container"


# --- container states -------------------------------------------------------------------


def test_exec_into_a_stopped_container_is_an_error(rt):
    res = rt.create(base_config(["true"]))
    rt.start(res.cid)
    rt.wait_status(res.cid, "stopped")
    exec_error(rt, exec_(rt, res.cid, "echo", "never"), "stopped")
    assert rt.status(res.cid) == "stopped"


def test_exec_into_an_unknown_container(rt):
    exec_error(rt, exec_(rt, rt.new_id(), "true"), "container does not exist")


def _freeze(pid, frozen):
    """What ``runc pause`` does on cgroup v1: write the freezer state of
    the container's cgroup (pyrunc has no pause verb yet)."""
    path = proc.cgroup_dir("freezer", proc.host_cgroups(pid)["freezer"]) / "freezer.state"
    path.write_text("FROZEN" if frozen else "THAWED")
    want = "FROZEN" if frozen else "THAWED"
    proc.wait_for(lambda: path.read_text().strip() == want, what=f"freezer {want}")


@pytest.fixture
def paused(rt):
    if "freezer" not in proc.cgroup_mounts():
        pytest.skip("no freezer cgroup")
    cid, pid = running(rt)
    _freeze(pid, True)
    yield cid, pid
    _freeze(pid, False)


def test_exec_into_a_paused_container_is_an_error(rt, paused):
    cid, _ = paused
    assert rt.status(cid) == "paused"
    exec_error(rt, exec_(rt, cid, "echo", "never"), "paused")


def test_exec_ignore_paused(rt, paused):
    """--ignore-paused: the exec is allowed; its process is frozen with the
    rest of the container and runs once the container is resumed."""
    cid, pid = paused
    sp = rt.spawn("exec", "--ignore-paused", cid, "echo", "ran-after-resume")
    _freeze(pid, False)
    res = sp.wait()
    assert res.rc == 0, str(res)
    assert res.out == "ran-after-resume\n"


# --- labels and cgroup -------------------------------------------------------------------


@pytest.mark.runc_differs("runc exec --cgroup needs runc >= 1.2")
def test_exec_cgroup_flag_runs_in_a_sub_cgroup(rt):
    cid, pid = running(rt)
    parent = proc.host_cgroups(pid)
    sub = f"{rt.token}-sub"
    made = []
    for ctrl in proc.v1_controllers():
        d = proc.cgroup_dir(ctrl, parent[ctrl]) / sub
        d.mkdir()
        made.append(d)
    try:
        res = exec_(rt, cid, "cat", "/proc/self/cgroup", flags=("--cgroup", sub))
        assert res.rc == 0, str(res)
        lines = {ln.split(":", 2)[1]: ln.split(":", 2)[2] for ln in res.out.splitlines()}
        assert lines.get("memory") == f"/{sub}", res.out
    finally:
        for d in made:
            try:
                d.rmdir()
            except OSError:
                pass


def test_exec_process_label_without_selinux_is_an_error(rt):
    """No SELinux on this host: a label cannot be applied, so it is refused
    (runc: "selinux label is specified in config, but selinux is disabled
    or not supported"), never silently dropped."""
    if os.path.exists("/sys/fs/selinux/enforce"):
        pytest.skip("SELinux is enabled here")
    cid, _ = running(rt)
    exec_error(rt, exec_(rt, cid, "echo", "never", flags=("--process-label", "system_u:system_r:container_t:s0")),
               "selinux")


def _apparmor_enabled():
    try:
        return Path("/sys/module/apparmor/parameters/enabled").read_text().strip() == "Y"
    except OSError:
        return False


def test_exec_apparmor_without_apparmor_is_an_error(rt):
    if _apparmor_enabled():
        pytest.skip("AppArmor is enabled here")
    cid, _ = running(rt)
    exec_error(rt, exec_(rt, cid, "echo", "never", flags=("--apparmor", "some-profile")), "apparmor")


@pytest.mark.apparmor
def test_exec_apparmor_profile(rt):
    cid, _ = running(rt)
    out = out_of(rt, cid, "cat", "/proc/self/attr/current", flags=("--apparmor", "unconfined"))
    assert out.strip() == "unconfined"


@pytest.mark.apparmor
def test_exec_unknown_apparmor_profile_is_an_error(rt):
    cid, _ = running(rt)
    res = exec_(rt, cid, "true", flags=("--apparmor", "pyrunc-no-such-profile"))
    assert res.rc != 0, str(res)
    assert not asserts.TRACEBACK.search(res.err), str(res)


@pytest.mark.apparmor
def test_exec_inherits_the_containers_apparmor_profile(rt):
    cfg = _config()
    cfg["process"]["apparmorProfile"] = "unconfined"
    cid, _ = running(rt, cfg)
    assert out_of(rt, cid, "cat", "/proc/self/attr/current").strip() == "unconfined"
