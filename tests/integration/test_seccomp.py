"""``linux.seccomp`` (config-linux.md "Seccomp"), seen from inside the
container: each action, errno value, operator, architecture and flag, the
notify listener (an agent written here receives the fd and the container
process state, and answers the notifications), and the runtime's own
robustness under a filter.

Most tests run with noNewPrivileges true and false: the filter is loaded
at different places in each case (see pyrunc/security/seccomp.py), as in
runc, whose seccomp-notify.bats tests both for the same reason.
"""
import errno
import fcntl
import json
import os
import re
import select
import shutil
import socket
import struct
import subprocess
import threading
from pathlib import Path

import pytest

from support import asserts
from support.config import base_config, sh

SIGSYS = 31
UNISTD_64 = Path("/usr/include/x86_64-linux-gnu/asm/unistd_64.h")
NNP = pytest.mark.parametrize("nnp", [True, False], ids=["nnp", "no-nnp"])

pytestmark = pytest.mark.skipif(os.uname().machine != "x86_64",
                                reason="syscall numbers and the i386 test are x86_64's")


def profile(*rules, default="SCMP_ACT_ALLOW", **extra):
    return {"defaultAction": default, "syscalls": list(rules), **extra}


def rule(names, action="SCMP_ACT_ERRNO", **extra):
    return {"names": list(names), "action": action, **extra}


def config(script_or_args, seccomp, nnp=True):
    cfg = sh(script_or_args) if isinstance(script_or_args, str) else base_config(script_or_args)
    cfg["process"]["noNewPrivileges"] = nnp
    cfg["linux"]["seccomp"] = seccomp
    return cfg


def syscall_numbers():
    """{name: number} of x86_64 syscalls, from the kernel headers."""
    if not UNISTD_64.exists():
        pytest.skip(f"{UNISTD_64} is missing (install linux-libc-dev)")
    return {m[1]: int(m[2]) for m in re.finditer(r"#define __NR_(\w+)\s+(\d+)", UNISTD_64.read_text())}


MKDIR = ["mkdir", "mkdirat"]


# --- errno ------------------------------------------------------------------------


@NNP
def test_errno_action_defaults_to_eperm(rt, nnp):
    res = rt.run(config("mkdir /dev/shm/foo", profile(rule(MKDIR)), nnp))
    assert res.rc != 0 and "Operation not permitted" in res.err, str(res)


@NNP
def test_errno_ret_is_the_errno_returned(rt, nnp):
    res = rt.run(config("mkdir /dev/shm/foo", profile(rule(MKDIR, errnoRet=errno.ENETDOWN)), nnp))
    assert res.rc != 0 and "Network is down" in res.err, str(res)


@NNP
def test_default_action_and_default_errno_ret(rt, nnp):
    """Everything allowed by name but mkdir: the default action, with its
    errno, is what mkdir gets."""
    names = sorted(set(syscall_numbers()) - set(MKDIR))
    seccomp = profile(rule(names, "SCMP_ACT_ALLOW"), default="SCMP_ACT_ERRNO", defaultErrnoRet=errno.ENXIO)
    res = rt.run(config("echo before; mkdir /dev/shm/foo; echo rc=$?", seccomp, nnp))
    assert res.out.split() == ["before", "rc=1"], str(res)
    assert "No such device or address" in res.err, str(res)


# --- the other actions ---------------------------------------------------------------


@pytest.mark.parametrize("action", ["SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_KILL_PROCESS",
                                    "SCMP_ACT_TRAP"])
def test_killing_actions_end_the_process_with_sigsys(rt, action):
    cfg = config(["mkdir", "/dev/shm/foo"], profile(rule(MKDIR, action)))
    cfg["process"]["rlimits"].append({"type": "RLIMIT_CORE", "soft": 0, "hard": 0})
    res = rt.run(cfg)
    assert res.rc == 128 + SIGSYS, str(res)


def test_log_action_allows_the_syscall(rt):
    out = rt.output(config("mkdir /dev/shm/foo && echo made", profile(rule(MKDIR, "SCMP_ACT_LOG"))))
    assert out.strip() == "made"


def test_trace_action_without_a_tracer_fails_with_enosys(rt):
    res = rt.run(config("mkdir /dev/shm/foo", profile(rule(MKDIR, "SCMP_ACT_TRACE"))))
    assert res.rc != 0 and "Function not implemented" in res.err, str(res)


def test_allow_rules_under_a_killing_default(rt):
    """SCMP_ACT_ALLOW as a rule action: the listed syscalls pass, anything
    else kills the process."""
    names = sorted(set(syscall_numbers()) - set(MKDIR))
    cfg = config(["mkdir", "/dev/shm/foo"], profile(rule(names, "SCMP_ACT_ALLOW"), default="SCMP_ACT_KILL_PROCESS"))
    cfg["process"]["rlimits"].append({"type": "RLIMIT_CORE", "soft": 0, "hard": 0})
    assert rt.run(cfg).rc == 128 + SIGSYS


# --- arguments --------------------------------------------------------------------------
# kill(pid, sig) from the shell: args[1] is a signal number the test picks.
# The shell ignores USR1/USR2, so a kill that passes the filter is harmless.

SIGS = {"0": 0, "USR1": 10, "USR2": 12}
KILLS = 'trap "" USR1 USR2; for s in 0 USR1 USR2; do kill -$s 1 2>/dev/null; echo "$s=$?"; done'

OPERATOR_CASES = {  # op, value, valueTwo -> signals that fail (EPERM)
    "SCMP_CMP_EQ": (10, 0, {"USR1"}),
    "SCMP_CMP_NE": (10, 0, {"0", "USR2"}),
    "SCMP_CMP_LT": (10, 0, {"0"}),
    "SCMP_CMP_LE": (10, 0, {"0", "USR1"}),
    "SCMP_CMP_GT": (10, 0, {"USR2"}),
    "SCMP_CMP_GE": (10, 0, {"USR1", "USR2"}),
    "SCMP_CMP_MASKED_EQ": (0b0010, 0b0010, {"USR1"}),  # (sig & 2) == 2: 10 yes, 12 and 0 no
}


def _kill_results(out):
    return {k: v for k, _, v in (ln.partition("=") for ln in out.split())}


@pytest.mark.parametrize("op", sorted(OPERATOR_CASES))
def test_argument_operators(rt, op):
    value, value_two, failing = OPERATOR_CASES[op]
    cond = {"index": 1, "value": value, "valueTwo": value_two, "op": op}
    out = rt.output(config(KILLS, profile(rule(["kill"], args=[cond]))))
    got = _kill_results(out)
    assert got == {s: "1" if s in failing else "0" for s in SIGS}, out


def test_conditions_on_different_arguments_are_anded(rt):
    args = [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}, {"index": 1, "value": 10, "op": "SCMP_CMP_EQ"}]
    script = ('trap "" USR1 USR2; kill -USR1 1; echo a=$?; kill -USR1 0; echo b=$?; kill -USR2 1; echo c=$?')
    res = rt.run(config(script, profile(rule(["kill"], args=args))))
    assert _kill_results(res.out) == {"a": "1", "b": "0", "c": "0"}, str(res)


def test_conditions_on_one_argument_are_ored_as_runc(rt):
    """libseccomp cannot AND two conditions on one argument; runc adds one
    rule per condition instead, and so does pyrunc (with a warning)."""
    args = [{"index": 1, "value": 10, "op": "SCMP_CMP_EQ"}, {"index": 1, "value": 12, "op": "SCMP_CMP_EQ"}]
    res = rt.run(config(KILLS, profile(rule(["kill"], args=args))))
    assert _kill_results(res.out) == {"0": "0", "USR1": "1", "USR2": "1"}, str(res)
    if not rt.is_runc:
        assert "several conditions on one argument" in res.err, str(res)


# --- architectures --------------------------------------------------------------------

I386_C = r"""
#include <stdio.h>
/* getpid through the i386 syscall table: seccomp sees AUDIT_ARCH_I386 */
int main(void) {
    long ret;
    __asm__ volatile ("int $0x80" : "=a"(ret) : "a"(20L) : "memory");
    printf("%ld\n", ret);
    return 0;
}
"""


@pytest.fixture(scope="module")
def i386_getpid(tmp_path_factory):
    cc = shutil.which("cc") or shutil.which("gcc")
    if not cc:
        pytest.skip("no C compiler for the i386-syscall helper")
    d = tmp_path_factory.mktemp("i386")
    (d / "i386.c").write_text(I386_C)
    res = subprocess.run([cc, "-static", "-O2", "-o", str(d / "i386"), str(d / "i386.c")],
                         capture_output=True, text=True)
    if res.returncode != 0:
        pytest.skip(f"cannot build the i386-syscall helper: {res.stderr[-300:]}")
    if subprocess.run([str(d / "i386")], capture_output=True).returncode != 0:
        pytest.skip("this kernel has no IA32 emulation")
    return d / "i386"


def _bundle_with(rt, cfg, binary):
    bundle = rt.bundle(cfg)
    shutil.copy(binary, bundle / "rootfs/bin/i386-getpid")
    return bundle


def test_architectures_select_the_syscall_tables_filtered(rt, i386_getpid):
    getpid = rule(["getpid"], errnoRet=errno.EPERM)
    # i386 listed: its getpid gets the rule
    cfg = config(["i386-getpid"], profile(getpid, architectures=["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"]))
    res = rt.run(bundle=_bundle_with(rt, cfg, i386_getpid))
    assert res.rc == 0 and res.out.strip() == str(-errno.EPERM), str(res)
    # not listed: a syscall of another architecture kills (libseccomp's bad-arch action)
    cfg = config(["i386-getpid"], profile(getpid, architectures=["SCMP_ARCH_X86_64"]))
    cfg["process"]["rlimits"].append({"type": "RLIMIT_CORE", "soft": 0, "hard": 0})
    assert rt.run(bundle=_bundle_with(rt, cfg, i386_getpid)).rc == 128 + SIGSYS


# --- flags -------------------------------------------------------------------------------


def _features(rt):
    return rt.runtime("features", root=False).json()["linux"]["seccomp"]


@pytest.mark.parametrize("flags", [None, [], ["SECCOMP_FILTER_FLAG_LOG"], ["SECCOMP_FILTER_FLAG_SPEC_ALLOW"],
                                   ["SECCOMP_FILTER_FLAG_TSYNC"],
                                   ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"]],
                         ids=["absent", "empty", "log", "spec_allow", "tsync", "log+spec_allow"])
def test_flags_are_accepted_and_the_filter_applies(rt, flags):
    seccomp = profile(rule(MKDIR))
    if flags is not None:
        seccomp["flags"] = flags
    for f in flags or ():
        if f not in (_features(rt).get("supportedFlags") or ()):
            pytest.skip(f"{f} is not supported here")
    res = rt.run(config("grep ^Seccomp: /proc/self/status; mkdir /dev/shm/foo", seccomp))
    assert res.rc != 0 and "Seccomp:\t2" in res.out and "Operation not permitted" in res.err, str(res)


def test_features_list_what_is_implemented(rt):
    sc = _features(rt)
    assert sc["enabled"] is True
    assert {"SCMP_ACT_ERRNO", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_NOTIFY", "SCMP_ACT_LOG"} <= set(sc["actions"])
    assert len(sc["operators"]) == 7 and "SCMP_ARCH_X86_64" in sc["archs"]
    assert set(sc.get("supportedFlags") or ()) <= set(sc.get("knownFlags") or ())


# --- names, and what is refused ------------------------------------------------------------


def test_unknown_syscall_names_are_skipped_with_a_warning(rt):
    res = rt.run(config("mkdir /dev/shm/foo", profile(rule(["mkdir", "mkdirat", "no_such_syscall_x"]))))
    assert res.rc != 0 and "Operation not permitted" in res.err, str(res)
    if not rt.is_runc:
        assert "unknown syscall 'no_such_syscall_x'" in res.err, str(res)


@pytest.mark.parametrize("where,seccomp", [
    ("defaultAction", profile(default="SCMP_ACT_NOPE")),
    ("syscalls[0].action", profile(rule(MKDIR, "SCMP_ACT_NOPE"))),
    ("syscalls[0].args[0].op", profile(rule(MKDIR, args=[{"index": 0, "value": 1, "op": "SCMP_CMP_NOPE"}]))),
    ("architectures[0]", profile(architectures=["SCMP_ARCH_NOPE"])),
    ("flags[0]", profile(flags=["SECCOMP_FILTER_FLAG_NOPE"])),
    ("syscalls[0].errnoRet", profile(rule(MKDIR, "SCMP_ACT_KILL", errnoRet=1))),
])
def test_unknown_actions_operators_and_bad_values_are_errors(rt, where, seccomp):
    if rt.is_runc and where.endswith("errnoRet"):
        pytest.skip("runc 1.1 ignores errnoRet of an action without one (the spec says MUST fail)")
    res = rt.run(config(["true"], seccomp))
    if rt.is_runc:
        assert res.rc != 0, str(res)
    else:
        asserts.error(res, f"linux.seccomp.{where}")


# --- the runtime under a filter -----------------------------------------------------------

# What a Python interpreter cannot start or run without; busybox's echo needs none.
PYTHON_NEEDS = ["read", "pread64", "readv", "openat", "open", "close", "fstat", "newfstatat", "lseek",
                "rt_sigaction", "rt_sigprocmask", "ioctl", "mmap", "munmap", "getdents64", "futex",
                "fcntl", "dup", "dup2", "dup3", "poll", "select", "wait4", "clone", "clone3", "sysinfo"]
# Without noNewPrivileges pyrunc-init (C) runs under the filter: it reads
# exec.fifo, closes it and execs (see pyrunc/security/seccomp.py).
STUB_NEEDS = {"read", "close"}


@pytest.mark.runc_differs("runc runs Go code under the filter")
@NNP
def test_a_filter_denying_what_python_needs_does_not_break_the_runtime(rt, nnp):
    denied = [n for n in PYTHON_NEEDS if nnp or n not in STUB_NEEDS]
    res = rt.run(config(["echo", "alive"], profile(rule(denied, errnoRet=errno.EPERM)), nnp))
    assert res.rc == 0 and res.out == "alive\n", str(res)


@NNP
def test_create_start_with_a_filter(rt, nnp):
    """The filter is in force after start, also when create and start are
    separate commands (the process waits for start in between)."""
    cfg = config("mkdir /dev/shm/foo 2>&1; echo rc=$? > /dev/shm/rc; sleep 1000", profile(rule(MKDIR)), nnp)
    cid, _ = rt.started_container(cfg)
    res = rt.runtime("exec", cid, "sh", "-c", "while [ ! -e /dev/shm/rc ]; do sleep 0.05; done; cat /dev/shm/rc")
    assert res.out.strip() == "rc=1", str(res)


@NNP
def test_exec_gets_the_containers_filter(rt, nnp):
    cid, _ = rt.started_container(config(["sleep", "1000"], profile(rule(MKDIR)), nnp))
    res = rt.runtime("exec", cid, "sh", "-c", "grep ^Seccomp: /proc/self/status; mkdir /dev/shm/d; echo rc=$?")
    assert "Seccomp:\t2" in res.out and "rc=1" in res.out and "Operation not permitted" in res.err, str(res)


def test_no_new_privileges_false_keeps_the_configured_capabilities(rt):
    """Loading a filter without no_new_privs needs CAP_SYS_ADMIN; the
    container's program must still end up with exactly its configured sets."""
    res = rt.run(config("grep -E '^(Cap|NoNewPrivs|Seccomp:)' /proc/self/status", profile(rule(MKDIR)), nnp=False))
    assert res.rc == 0, str(res)
    st = {k: v.strip() for k, _, v in (ln.partition(":") for ln in res.out.splitlines())}
    caps = (1 << 5) | (1 << 10) | (1 << 29)   # base_config: KILL, NET_BIND_SERVICE, AUDIT_WRITE
    assert st["NoNewPrivs"] == "0" and st["Seccomp"] == "2", res.out
    for s in ("CapPrm", "CapEff", "CapBnd"):
        assert int(st[s], 16) == caps, (s, res.out)
    assert int(st["CapInh"], 16) == 0 and int(st["CapAmb"], 16) == 0, res.out


def test_start_container_hooks_run_under_the_filter(rt):
    """As runc's seccomp.bats: a startContainer hook (run in the container)
    is subject to the container's filter."""
    cfg = config(["true"], profile(rule(MKDIR)))
    cfg["hooks"] = {"startContainer": [{"path": "/bin/sh", "args": ["sh", "-c", "mkdir /dev/shm/hook"]}]}
    res = rt.run(cfg)
    assert res.rc != 0 and "Operation not permitted" in res.err, str(res)


# --- SCMP_ACT_NOTIFY: a seccomp agent --------------------------------------------------------

# runc 1.1.5 (Debian 12) never reaches the agent on this machine: its
# notify tests hang there, so they are pyrunc's contract only.
NOTIFY = pytest.mark.runc_differs("runc 1.1.5 (Debian 12) hangs before reaching the agent")

SECCOMP_IOCTL_NOTIF_RECV = 0xC0502100   # _IOWR('!', 0, struct seccomp_notif)
SECCOMP_IOCTL_NOTIF_SEND = 0xC0182101   # _IOWR('!', 1, struct seccomp_notif_resp)
SECCOMP_USER_NOTIF_FLAG_CONTINUE = 1


class Agent:
    """A seccomp agent on an AF_UNIX stream socket: for every connection
    it reads the container process state with the fd(s) in SCM_RIGHTS
    (until the runtime closes the connection), then answers the
    notifications on the listener fd: ``answers[syscall nr]`` is
    ("error", errno) or ("value", n); anything else continues."""

    def __init__(self, path, answers=None, close_listener=False):
        self.path = str(path)
        self.answers = answers or {}
        self.close_listener = close_listener
        self.received = []        # (state dict, [readlink of each fd])
        self.notified = []        # syscall numbers, in order
        self.errors = []
        self._stop = threading.Event()
        self._fds = []
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(self.path)
        self.sock.listen(8)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        try:
            data, fds = b"", []
            with conn:
                while True:
                    chunk, got, _, _ = socket.recv_fds(conn, 65536, 8)
                    fds += got
                    if not chunk:
                        break
                    data += chunk
            self.received.append((json.loads(data), [os.readlink(f"/proc/self/fd/{fd}") for fd in fds]))
            if self.close_listener or not fds:
                for fd in fds:
                    os.close(fd)
                return
            self._fds.append(fds[0])
            self._answer(fds[0])
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.errors.append(repr(e))

    def _answer(self, fd):
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        while not self._stop.is_set():
            events = poller.poll(200)
            if not events:
                continue
            if events[0][1] & select.POLLHUP:
                return  # every process under the filter is gone
            buf = bytearray(80)
            try:
                fcntl.ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, buf, True)
            except OSError as e:
                if e.errno in (errno.ENOENT, errno.EINTR):
                    continue  # the task died before we read it
                raise
            nid, _pid, _flags, nr = struct.unpack_from("QIIi", buf)
            self.notified.append(nr)
            kind, value = self.answers.get(nr, ("continue", 0))
            if kind == "error":
                resp = struct.pack("QqiI", nid, 0, -value, 0)
            elif kind == "value":
                resp = struct.pack("QqiI", nid, value, 0, 0)
            else:
                resp = struct.pack("QqiI", nid, 0, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE)
            try:
                fcntl.ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, bytearray(resp), True)
            except OSError as e:
                if e.errno != errno.ENOENT:
                    raise

    def stop(self):
        self._stop.set()
        self.sock.close()
        for fd in self._fds:
            try:
                os.close(fd)
            except OSError:
                pass


@pytest.fixture
def agent_factory(rt):
    agents = []

    def make(**kw):
        a = Agent(rt.tmp / f"agent{len(agents)}.sock", **kw)
        agents.append(a)
        return a
    yield make
    for a in agents:
        a.stop()
    for a in agents:
        assert not a.errors, a.errors


def notify_profile(agent, *names, **extra):
    return profile(rule(names or MKDIR, "SCMP_ACT_NOTIFY"), listenerPath=agent.path, listenerMetadata="bar",
                   **extra)


def _check_state(state, fds, cid, status):
    assert state["ociVersion"] and state["fds"] == ["seccompFd"], state
    assert fds == ["anon_inode:seccomp notify"], fds
    assert state["metadata"] == "bar", state
    assert isinstance(state["pid"], int) and state["pid"] > 0, state
    st = state["state"]
    assert st["id"] == cid and st["status"] in status and Path(st["bundle"]).is_dir(), state


@NOTIFY
@NNP
def test_notify_agent_gets_the_fd_and_the_state_and_answers(rt, agent_factory, nnp):
    nr = syscall_numbers()
    agent = agent_factory(answers={nr["mkdir"]: ("error", errno.ENOMEDIUM), nr["mkdirat"]: ("error", errno.ENOMEDIUM)})
    res = rt.run(config("mkdir /dev/shm/foo", notify_profile(agent), nnp))
    assert res.rc != 0 and "No medium found" in res.err, str(res)
    assert len(agent.received) == 1
    state, fds = agent.received[0]
    _check_state(state, fds, res.cid, ("creating", "created"))
    assert state["pid"] == state["state"]["pid"]
    assert set(agent.notified) & {nr["mkdir"], nr["mkdirat"]}


@NOTIFY
@NNP
def test_notify_continue_lets_the_syscall_run(rt, agent_factory, nnp):
    agent = agent_factory()
    out = rt.output(config("mkdir /dev/shm/foo && [ -d /dev/shm/foo ] && echo made", notify_profile(agent), nnp))
    assert out.strip() == "made"
    assert agent.notified


@NOTIFY
@NNP
def test_notify_value_is_returned_without_running_the_syscall(rt, agent_factory, nnp):
    nr = syscall_numbers()
    agent = agent_factory(answers={nr["mkdir"]: ("value", 0), nr["mkdirat"]: ("value", 0)})
    out = rt.output(config("mkdir /dev/shm/foo && echo rc=$?; [ -d /dev/shm/foo ] || echo absent",
                           notify_profile(agent), nnp))
    assert out.split() == ["rc=0", "absent"], out


@NOTIFY
@NNP
def test_notify_for_exec(rt, agent_factory, nnp):
    nr = syscall_numbers()
    agent = agent_factory(answers={nr["mkdir"]: ("error", errno.ENOMEDIUM), nr["mkdirat"]: ("error", errno.ENOMEDIUM)})
    cid, init_pid = rt.started_container(config(["sleep", "1000"], notify_profile(agent), nnp))
    res = rt.runtime("exec", cid, "mkdir", "/dev/shm/foo")
    assert res.rc != 0 and "No medium found" in res.err, str(res)
    assert len(agent.received) == 2, agent.received
    state, fds = agent.received[1]
    _check_state(state, fds, cid, ("running",))
    assert state["state"]["pid"] == init_pid and state["pid"] != init_pid, state


@NOTIFY
@NNP
def test_notify_on_the_syscalls_the_runtime_itself_makes(rt, agent_factory, nnp):
    """As runc's "important syscalls" test: the agent continues them all."""
    agent = agent_factory()
    names = ("execve", "execveat", "openat", "open", "read", "close", "brk", "mprotect")
    out = rt.output(config(["echo", "ok"], notify_profile(agent, *names), nnp))
    assert out == "ok\n"


@NOTIFY
def test_notify_agent_gone_gives_enosys(rt, agent_factory):
    agent = agent_factory(close_listener=True)
    res = rt.run(config("mkdir /dev/shm/foo", notify_profile(agent)))
    assert res.rc != 0 and "Function not implemented" in res.err, str(res)


def test_notify_without_a_reachable_agent_is_an_error(rt):
    seccomp = profile(rule(MKDIR, "SCMP_ACT_NOTIFY"), listenerPath=str(rt.tmp / "nobody.sock"))
    res = rt.run(config(["true"], seccomp))
    if rt.is_runc:
        assert res.rc != 0 and "seccomp agent" in res.err, str(res)
    else:
        asserts.error(res, "seccomp agent")


def test_notify_without_a_listener_path_is_an_error(rt):
    res = rt.run(config(["true"], profile(rule(MKDIR, "SCMP_ACT_NOTIFY"))))
    if rt.is_runc:
        assert res.rc != 0, str(res)
    else:
        asserts.error(res, "listenerPath")


@pytest.mark.runc_differs("runc refuses notify on write, the syscall it sends its fd with")
def test_notify_on_the_syscall_that_delivers_the_fd_is_refused(rt, agent_factory):
    agent = agent_factory()
    asserts.error(rt.run(config(["true"], notify_profile(agent, "sendmsg"))), "sendmsg")
    assert agent.received == []


def test_listener_path_is_ignored_without_notify(rt):
    seccomp = profile(rule(MKDIR), listenerPath=str(rt.tmp / "nobody.sock"))
    res = rt.run(config("mkdir /dev/shm/foo", seccomp))
    assert res.rc != 0 and "Operation not permitted" in res.err, str(res)


@NOTIFY
def test_wait_killable_recv(rt, agent_factory):
    flag = "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"
    agent = agent_factory()
    seccomp = notify_profile(agent, flags=[flag])
    if flag not in (_features(rt).get("knownFlags") or ()):
        # the linked libseccomp predates the flag: refused, never ignored
        asserts.error(rt.run(config(["true"], seccomp)), "linux.seccomp.flags[0]")
        return
    out = rt.output(config("mkdir /dev/shm/foo && echo made", seccomp))
    assert out.strip() == "made" and agent.notified
