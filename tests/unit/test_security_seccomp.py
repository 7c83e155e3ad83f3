"""pyrunc/security/seccomp.py and the C call that loads a filter
(csrc/pyrunc_seccomp.c): compiling with libseccomp, and loading + listener
delivery + execve in a forked child, without any container."""
import errno
import json
import os
import socket

import pytest

from pyrunc import linux as L
from pyrunc.errors import ConfigError
from pyrunc.plan.seccomp import plan_seccomp
from pyrunc.security import seccomp as S

SH = "/bin/sh"


def compiled(profile):
    return S.compile_filter(plan_seccomp({"linux": {"seccomp": profile}}))


def run_under(filt, script, *, listener=None, message=None, no_new_privs=True):
    """Fork, load *filt* and exec ``sh -c script`` in one C call; return
    (exit status, output)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.dup2(w, 1)
            os.dup2(w, 2)
            L.seccomp_exec(filt.program, filt.flags, no_new_privs, listener, message,
                           ["sh", "-c", script], {"PATH": "/usr/bin:/bin"}, path=SH)
        except OSError as e:
            os.write(2, f"seccomp_exec: {e}\n".encode())
        finally:
            os._exit(99)
    os.close(w)
    out = b""
    while chunk := os.read(r, 65536):
        out += chunk
    os.close(r)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), out.decode(errors="replace")


def test_no_profile_no_filter():
    assert S.compile_filter(None) is None


def test_the_program_is_raw_bpf():
    f = compiled({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}]})
    assert f.program and len(f.program) % 8 == 0          # struct sock_filter is 8 bytes
    assert f.flags == L.SECCOMP_FILTER_FLAG_SPEC_ALLOW and not f.notify


def test_unknown_syscalls_are_skipped():
    a = compiled({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}]})
    b = compiled({"defaultAction": "SCMP_ACT_ALLOW",
                  "syscalls": [{"names": ["mkdir", "no_such_call"], "action": "SCMP_ACT_ERRNO"}]})
    assert a.program == b.program


def test_an_architecture_libseccomp_does_not_know_is_an_error(monkeypatch):
    plan = plan_seccomp({"linux": {"seccomp": {"defaultAction": "SCMP_ACT_ALLOW"}}})
    with pytest.raises(ConfigError, match="does not know the architecture 'z80'"):
        S.compile_filter(plan._replace(archs=("z80",)))


def test_a_rule_libseccomp_refuses_names_the_rule():
    plan = plan_seccomp({"linux": {"seccomp": {"defaultAction": "SCMP_ACT_ALLOW",
                                               "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}]}}})
    bad = plan.rules[0]._replace(conditions=((0, 4, 1, 0), (0, 4, 2, 0)))  # two on one argument
    with pytest.raises(ConfigError, match=r"syscalls\[0\]: libseccomp refused the rule for 'mkdir'"):
        S.compile_filter(plan._replace(rules=(bad,)))


@pytest.mark.parametrize("nnp", [True, False])
def test_loaded_filter_applies_to_the_program(nnp):
    f = compiled({"defaultAction": "SCMP_ACT_ALLOW",
                  "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": errno.ENETDOWN}]})
    status, out = run_under(f, "grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status; mkdir /nonexistent-dir/x",
                            no_new_privs=nnp)
    assert "Seccomp:\t2" in out and f"NoNewPrivs:\t{int(nnp)}" in out, out
    assert "Network is down" in out and status != 0, out


def test_a_filter_denying_read_and_mmap_still_execs():
    """Nothing runs between the load and execve that needs them."""
    f = compiled({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["read", "mmap", "rt_sigaction", "openat", "close", "fstat", "newfstatat"],
         "action": "SCMP_ACT_ERRNO"}]})
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.dup2(w, 1)
            L.seccomp_exec(f.program, f.flags, True, None, None, ["busybox", "echo", "alive"], {}, path="/bin/busybox")
        finally:
            os._exit(99)
    os.close(w)
    out = os.read(r, 100)
    os.close(r)
    _, status = os.waitpid(pid, 0)
    assert out == b"alive\n" and os.waitstatus_to_exitcode(status) == 0


def test_a_load_failure_names_the_syscall():
    f = S.Filter(b"\x00" * 12, 0, None, "")       # not a whole number of instructions
    pid = os.fork()
    if pid == 0:
        try:
            L.seccomp_exec(f.program, f.flags, True, None, None, ["true"], {}, path="/bin/true")
        except OSError as e:
            os._exit(7 if "seccomp(SECCOMP_SET_MODE_FILTER)" in str(e) and e.errno == errno.EINVAL else 8)
        os._exit(9)
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 7


def test_the_listener_fd_and_the_state_go_to_the_socket_and_it_is_closed():
    f = compiled({"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "/unused", "listenerMetadata": "meta",
                  "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}]})
    assert f.notify and f.flags & L.SECCOMP_FILTER_FLAG_NEW_LISTENER
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    state = {"ociVersion": "1.3.0", "id": "c1", "status": "created", "pid": 42, "bundle": "/b"}
    message = S.listener_message(f, 42, state)
    pid = os.fork()
    if pid == 0:
        try:
            ours.close()
            L.seccomp_exec(f.program, f.flags, True, theirs.fileno(), message, ["sleep", "5"], {}, path="/bin/sleep")
        finally:
            os._exit(99)
    theirs.close()
    try:
        data, fds = b"", []
        ours.settimeout(10)
        while True:  # the runtime shuts the connection down: EOF even though sleep runs
            chunk, got, _, _ = socket.recv_fds(ours, 65536, 4)
            fds += got
            if not chunk:
                break
            data += chunk
        doc = json.loads(data)
        assert doc == {"ociVersion": S.OCI_VERSION, "fds": ["seccompFd"], "pid": 42, "metadata": "meta",
                       "state": state}
        assert len(fds) == 1 and os.readlink(f"/proc/self/fd/{fds[0]}") == "anon_inode:seccomp notify"
    finally:
        for fd in fds:
            os.close(fd)
        ours.close()
        os.kill(pid, 9)
        os.waitpid(pid, 0)


def test_caps_until_exec_adds_sys_admin_only_when_needed():
    caps = {"effective": frozenset({5}), "permitted": frozenset({5}), "bounding": frozenset({5}),
            "inheritable": frozenset(), "ambient": frozenset()}
    filt = S.Filter(b"x" * 8, 0, None, "")
    assert S.caps_until_exec(caps, True, filt) is caps          # no_new_privs: not needed
    assert S.caps_until_exec(caps, False, None) is caps         # no filter
    got = S.caps_until_exec(caps, False, filt)
    assert got["effective"] == got["permitted"] == {5, S.CAP_SYS_ADMIN}
    # never the sets execve carries over
    assert (got["bounding"], got["inheritable"], got["ambient"]) == (caps["bounding"], frozenset(), frozenset())


def test_connecting_to_a_missing_agent_is_a_clear_error(tmp_path):
    f = S.Filter(b"x" * 8, L.SECCOMP_FILTER_FLAG_NEW_LISTENER, str(tmp_path / "none.sock"), "")
    with pytest.raises(Exception, match="failed to connect with seccomp agent"):
        S.connect_listener(f)
    assert S.connect_listener(None) is None
