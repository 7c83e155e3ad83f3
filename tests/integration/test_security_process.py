"""Malicious images and configs against the runtime's own processes
(ARCHITECTURE.md section 3): /proc/self/exe and the host interpreter
(CVE-2019-5736), the init waiting for start, leaked fds and cwd/args[0]
through /proc/self/fd (CVE-2024-21626), environment variables crossing
between the runtime and the container, exec capabilities (CVE-2022-29162)
and path-traversal ids.

Every test ends by checking the host: the runtime's interpreter, launcher
and package files hash as before, host markers are where they were.
"""
import hashlib
import json
import os
import shutil
import signal
import stat
import subprocess
import time
from pathlib import Path

import pytest

from support import asserts, proc
from support.config import base_config, sh

CAP_SYS_ADMIN, CAP_SYS_PTRACE = 21, 19


# --- the host's runtime files -------------------------------------------------------------


def _runtime_files(binary):
    """The files whose change would compromise the host: the runtime
    command, the interpreter beside it (pyrunc's launcher runs the python3
    next to itself), and pyrunc's package (modules, compiled module, stub)."""
    files = {Path(binary).resolve()}
    python = Path(binary).resolve().parent / "python3"
    if python.exists():
        files.add(python.resolve())
    if not Path(binary).name.startswith("runc") and python.exists():
        out = subprocess.run([str(python), "-I", "-c",
                              "import os, pyrunc; print(os.path.dirname(pyrunc.__file__))"],
                             capture_output=True, text=True)
        pkg = Path(out.stdout.strip()) if out.returncode == 0 else None
        if pkg and pkg.is_dir():
            files.update(p for p in pkg.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return sorted(files)


def _digest(files):
    out = {}
    for f in files:
        h = hashlib.sha256(Path(f).read_bytes()).hexdigest()
        st = os.stat(f)
        out[str(f)] = (h, st.st_mode, st.st_mtime_ns)
    return out


@pytest.fixture
def host_files(rt):
    files = _runtime_files(rt.runtime.binary)
    before = _digest(files)
    yield files
    assert _digest(files) == before, "a runtime file on the host changed"


def _cc():
    cc = shutil.which("cc") or shutil.which("gcc")
    if not cc:
        pytest.skip("no C compiler for the test helper")
    return cc


def _static(tmp, name, source):
    cc = _cc()
    src = Path(tmp) / f"{name}.c"
    src.write_text(source)
    out = Path(tmp) / name
    res = subprocess.run([cc, "-static", "-O2", "-o", str(out), str(src)], capture_output=True, text=True)
    if res.returncode != 0:
        pytest.skip(f"cannot build {name}: {res.stderr[-300:]}")
    return out


# --- CVE-2019-5736: /proc/<pid>/exe of the runtime's processes --------------------------------

HUNTER_C = r"""
/* hunter SECONDS: look at every other process's /proc/PID/exe; keep an
 * O_PATH fd to each new one that is not the container's busybox; report
 * what could be opened for writing at once, and again at the end through
 * the kept fd (the CVE-2019-5736 technique).  It writes only to memfds
 * (to show they are sealed), never to a file it opened on a path. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#define MAX 256
static int kept[MAX]; static char names[MAX][256]; static int nkept;
static int known(const char *l) { for (int i = 0; i < nkept; i++) if (!strcmp(names[i], l)) return 1; return 0; }
static void try_write(int fd, const char *l) {
    if (strncmp(l, "/memfd:", 7) == 0 && write(fd, "x", 1) == 1) printf("WROTE %s\n", l);
}
int main(int argc, char **argv) {
    time_t end = time(NULL) + (argc > 1 ? atoi(argv[1]) : 5);
    char self[32]; snprintf(self, sizeof self, "%d", getpid());
    printf("READY\n"); fflush(stdout);
    while (time(NULL) < end) {
        DIR *d = opendir("/proc"); struct dirent *e;
        while (d && (e = readdir(d))) {
            if (e->d_name[0] < '0' || e->d_name[0] > '9' || !strcmp(e->d_name, self)) continue;
            char path[300], link[256];
            snprintf(path, sizeof path, "/proc/%s/exe", e->d_name);
            ssize_t n = readlink(path, link, sizeof link - 1);
            if (n <= 0) continue;
            link[n] = 0;
            if (strstr(link, "busybox") || strstr(link, "hunter") || known(link)) continue;
            printf("SAW %s\n", link); fflush(stdout);
            int w = open(path, O_WRONLY | O_CLOEXEC);
            if (w >= 0) { printf("OPENED-W %s\n", link); try_write(w, link); close(w); }
            if (nkept < MAX) {
                int p = open(path, O_PATH | O_CLOEXEC);
                if (p >= 0) { kept[nkept] = p; strcpy(names[nkept], link); nkept++; }
            }
        }
        if (d) closedir(d);
    }
    for (int i = 0; i < nkept; i++) {
        char path[64]; snprintf(path, sizeof path, "/proc/self/fd/%d", kept[i]);
        int w = open(path, O_WRONLY | O_CLOEXEC);
        if (w >= 0) { printf("REOPENED-W %s\n", names[i]); try_write(w, names[i]); close(w); }
    }
    printf("DONE\n");
    return 0;
}
"""


@pytest.fixture(scope="module")
def hunter(tmp_path_factory):
    return _static(tmp_path_factory.mktemp("hunter"), "hunter", HUNTER_C)


def _ptrace_config(args):
    """The worst case for CVE-2019-5736: the container may ptrace (then
    non-dumpable is no protection), as with docker --cap-add SYS_PTRACE."""
    cfg = base_config(args)
    for s in ("bounding", "effective", "permitted"):
        cfg["process"]["capabilities"][s].append("CAP_SYS_PTRACE")
    cfg["mounts"].append({"destination": "/tmp", "type": "tmpfs", "source": "tmpfs"})
    return cfg


def _hunt(rt, cid, while_hunting, seconds=6):
    res = rt.runtime("exec", "-d", cid, "sh", "-c", f"hunter {seconds} > /tmp/hunt.out 2>&1")
    asserts.ok(res, "exec -d hunter")
    proc.wait_for(lambda: "READY" in rt.runtime("exec", cid, "cat", "/tmp/hunt.out").out, 10, what="hunter")
    while_hunting()
    out = proc.wait_for(lambda: (lambda o: o if "DONE" in o else None)(
        rt.runtime("exec", cid, "cat", "/tmp/hunt.out").out), seconds + 20, what="hunter to finish")
    return out


def _assert_nothing_writable(out, host_files):
    hosts = {str(f) for f in host_files}
    for line in out.splitlines():
        kind, _, link = line.partition(" ")
        assert kind != "WROTE", f"a runtime binary copy was writable: {line}"
        if kind in ("OPENED-W", "REOPENED-W"):
            assert link.startswith("/memfd:"), f"the container could open a host binary for writing: {line}"
        if kind == "SAW":
            assert link not in hosts, f"the container reached a host runtime file: {line}"


def test_the_host_interpreter_is_out_of_reach_during_exec(rt, hunter, host_files):
    cid, _ = rt.started_container(_ptrace_config(["sleep", "1000"]))
    bundle = Path(rt.state(cid)["bundle"])
    shutil.copy(hunter, bundle / "rootfs/bin/hunter")

    def execs():
        for _ in range(8):
            rt.runtime("exec", cid, "true")
    out = _hunt(rt, cid, execs)
    _assert_nothing_writable(out, host_files)


def test_the_host_interpreter_is_out_of_reach_while_a_container_waits_for_start(rt, hunter, host_files):
    """A created container whose init is the runtime's (with a
    startContainer hook, pyrunc's Python init itself waits for start)."""
    cfg = _ptrace_config(["true"])
    cfg["hooks"] = {"startContainer": [{"path": "/bin/true"}]}
    bundle = rt.bundle(cfg)
    shutil.copy(hunter, bundle / "rootfs/bin/hunter")
    res = rt.create(bundle=bundle)
    out = _hunt(rt, res.cid, lambda: None, seconds=3)
    _assert_nothing_writable(out, host_files)


@pytest.mark.parametrize("args", [["/proc/self/exe", "-c", "print('PWNED')"],
                                  ["/proc/self/exe", "--version"]], ids=["python-c", "version"])
def test_proc_self_exe_as_the_program_runs_nothing_of_the_host(rt, host_files, args):
    res = rt.run(base_config(args))
    text = res.out + res.err
    assert "PWNED" not in text and "Python" not in text and "pyrunc version" not in text, str(res)


def test_a_script_whose_interpreter_is_proc_self_exe(rt, host_files):
    cfg = base_config(["/pwn"])
    bundle = rt.bundle(cfg)
    script = bundle / "rootfs/pwn"
    script.write_text("#!/proc/self/exe\nprint('PWNED')\nimport os; os.system('echo PWNED-sh')\n")
    script.chmod(0o755)
    res = rt.run(bundle=bundle)
    assert "PWNED" not in res.out + res.err, str(res)
    # and through exec
    cid, _ = rt.started_container(base_config(["sleep", "1000"]), )
    exec_bundle = Path(rt.state(cid)["bundle"])
    (exec_bundle / "rootfs/pwn").write_text(script.read_text())
    (exec_bundle / "rootfs/pwn").chmod(0o755)
    res = rt.runtime("exec", cid, "/pwn")
    assert "PWNED" not in res.out + res.err, str(res)


# --- the init waiting for start ------------------------------------------------------------------


@pytest.mark.runc_differs("runc's waiting init is reachable through /proc/1/fd (the writes hang on exec.fifo)")
def test_a_process_in_a_created_container_cannot_tamper_with_the_waiting_init(rt, host_files):
    """Between create and start, the process that will exec the program
    holds what it still has to apply (the seccomp program); a process
    exec'd into the container must not read or change any of it."""
    cfg = sh("mkdir /dev/shm/after-start 2>&1; echo rc=$? > /dev/shm/rc; sleep 1000")
    cfg["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW",
                               "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}
    res = rt.create(cfg)
    attack = ("for f in /proc/1/fd/*; do echo pwn > $f && echo WROTE-$f; done; "
              "cat /proc/1/environ > /dev/null && echo READ-ENVIRON; "
              "head -c 1 /proc/1/mem > /dev/null 2>&1 && echo READ-MEM; "
              "echo pwn >> /proc/1/exe && echo WROTE-EXE; "
              "ls -l /proc/1/exe /proc/1/cwd /proc/1/root 2>&1; echo END")
    out = rt.runtime("exec", res.cid, "sh", "-c", attack)
    assert "END" in out.out and "WROTE" not in out.out and "READ-" not in out.out, str(out)
    rt.start(res.cid)
    got = rt.runtime("exec", res.cid, "sh", "-c", "while [ ! -e /dev/shm/rc ]; do sleep 0.05; done; cat /dev/shm/rc")
    assert got.out.strip() == "rc=1", f"the program did not run under its filter:\n{got}"


def test_the_waiting_init_holds_no_host_directory(rt):
    res = rt.create(base_config(["true"]))
    pid = rt.state(res.cid)["pid"]
    for fd in os.listdir(f"/proc/{pid}/fd"):
        st = os.stat(f"/proc/{pid}/fd/{fd}")
        assert not stat.S_ISDIR(st.st_mode), f"fd {fd} -> {os.readlink(f'/proc/{pid}/fd/{fd}')}"


# --- CVE-2024-21626: fds and /proc/self/fd -------------------------------------------------------

FDS = range(3, 21)


@pytest.fixture
def host_marker(rt):
    marker = rt.hostdir("marker") / "secret"
    marker.write_text("HOST-SECRET\n")
    return marker


def _escape_script(marker):
    up = "../" * 40
    return f"cat {up}{str(marker).lstrip('/')} 2>/dev/null; cat {up}{str(marker.parent).lstrip('/')}/secret 2>/dev/null; pwd -P"


def test_cwd_through_proc_self_fd_never_reaches_the_host(rt, host_marker):
    for n in FDS:
        res = rt.run(sh(_escape_script(host_marker), cwd=f"/proc/self/fd/{n}"))
        assert "HOST-SECRET" not in res.out, f"cwd /proc/self/fd/{n}:\n{res}"


def test_exec_cwd_through_proc_self_fd_never_reaches_the_host(rt, host_marker):
    cid, _ = rt.started_container(base_config(["sleep", "1000"]))
    for n in FDS:
        res = rt.runtime("exec", "--cwd", f"/proc/self/fd/{n}", cid, "sh", "-c", _escape_script(host_marker))
        assert "HOST-SECRET" not in res.out, f"exec --cwd /proc/self/fd/{n}:\n{res}"


def test_args0_through_proc_self_fd_never_runs_a_host_file(rt, host_files):
    cid, _ = rt.started_container(base_config(["sleep", "1000"]))
    for n in FDS:
        for res in (rt.run(base_config([f"/proc/self/fd/{n}", "-c", "print('PWNED')"])),
                    rt.runtime("exec", cid, f"/proc/self/fd/{n}", "-c", "print('PWNED')")):
            assert "PWNED" not in res.out + res.err and "Python" not in res.out + res.err, str(res)


def _fds(pid):
    return sorted(int(x) for x in os.listdir(f"/proc/{pid}/fd"))


def test_the_program_gets_stdio_only(rt):
    cid, pid = rt.started_container(base_config(["sleep", "1000"]))
    proc.wait_for(lambda: proc.cmdline(pid) == [b"sleep", b"1000"], what="the program to run")
    assert _fds(pid) == [0, 1, 2]
    pidfile = rt.tmp / "exec.pid"
    asserts.ok(rt.runtime("exec", "-d", "--pid-file", pidfile, cid, "sleep", "999"), "exec -d")
    epid = int(pidfile.read_text())
    rt.record_pid(epid)
    proc.wait_for(lambda: proc.cmdline(epid) == [b"sleep", b"999"], what="the exec'd program to run")
    assert _fds(epid) == [0, 1, 2]


def _children(pid):
    kids = []
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return kids
    for tid in tids:
        try:
            kids += [int(k) for k in Path(f"/proc/{pid}/task/{tid}/children").read_text().split()]
        except OSError:
            pass
    return kids


def test_hooks_get_stdio_only(rt):
    """A startContainer hook runs in the container: it must not inherit
    the runtime's fds either (runc's seccomp-notify.bats checks the same)."""
    cfg = base_config(["true"])
    cfg["hooks"] = {"startContainer": [{"path": "/bin/sleep", "args": ["sleep", "5"]}]}
    res = rt.create(cfg)
    init = rt.state(res.cid)["pid"]
    start = rt.spawn("start", res.cid)  # returns once the hooks are done
    hook = proc.wait_for(lambda: next((k for k in _children(init) if proc.cmdline(k) == [b"sleep", b"5"]), None),
                         what="the hook to run")
    fds = _fds(hook)
    assert fds == [0, 1, 2], [os.readlink(f"/proc/{hook}/fd/{fd}") for fd in fds]
    start.wait()


# --- the environment ---------------------------------------------------------------------------------

PRELOAD_C = r"""
#include <fcntl.h>
#include <unistd.h>
__attribute__((constructor)) static void planted(void) {
    int fd = open("/preload-ran", O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) { write(fd, "x", 1); close(fd); }
}
"""

PLANTED_ENV = ["PYTHONPATH=/planted", "PYTHONHOME=/planted", "PYTHONSTARTUP=/planted/startup.py",
               "PYTHONINSPECT=1", "PYTHONUSERBASE=/planted", "LD_PRELOAD=/planted/evil.so",
               "LD_LIBRARY_PATH=/planted", "GCONV_PATH=/planted", "GLIBC_TUNABLES=glibc.malloc.check=3"]


def _plant_python(dir_):
    dir_.mkdir(parents=True, exist_ok=True)
    code = "open('/python-ran', 'a').write(__name__ + '\\n')\n"
    for name in ("sitecustomize.py", "usercustomize.py", "startup.py", "os.py", "json.py", "encodings.py",
                 "signal.py", "socket.py", "traceback.py"):
        (dir_ / name).write_text(code)


def test_process_env_never_reaches_the_runtime(rt, tmp_path):
    """process.env is the program's only: planted PYTHON*/LD_* variables
    and files must not make the runtime (or its helper) run anything."""
    cfg = sh("echo $PYTHONPATH $LD_PRELOAD; sleep 1000", env=["PATH=/bin"] + PLANTED_ENV)
    cfg["process"]["terminal"] = False
    bundle = rt.bundle(cfg)
    _plant_python(bundle / "rootfs/planted")
    try:
        cc = _cc()
        subprocess.run([cc, "-shared", "-fPIC", "-O2", "-o", str(bundle / "rootfs/planted/evil.so"), "-x", "c", "-"],
                       input=PRELOAD_C, text=True, check=True, capture_output=True)
    except (pytest.skip.Exception, subprocess.CalledProcessError):
        (bundle / "rootfs/planted/evil.so").write_text("not a library\n")
    res = rt.create(bundle=bundle)
    rt.start(res.cid)
    ex = rt.runtime("exec", "-e", "PYTHONSTARTUP=/planted/startup.py", res.cid, "true")
    asserts.ok(ex, "exec")
    for marker in ("python-ran", "preload-ran"):
        assert not (bundle / "rootfs" / marker).exists(), f"planted code ran: {marker}"


@pytest.mark.runc_differs("runc 1.1 gives runtime-namespace hooks its own environment")
def test_runtime_env_never_reaches_the_container_or_its_hooks(rt):
    hook_out = rt.hostdir("hook") / "env"
    cfg = sh("env")
    cfg["hooks"] = {"createRuntime": [{"path": "/bin/sh", "args": ["sh", "-c", f"env > {hook_out}"]}]}
    leak = {"PYTHONPATH": "/tmp/evil", "PYRUNC_LEAK": "1", "LD_LIBRARY_PATH": "/tmp/evil",
            "PYTHONSTARTUP": "/tmp/evil/startup.py"}
    res = rt.run(cfg, extra_env=leak)
    assert res.rc == 0, str(res)
    for text in (res.out, hook_out.read_text()):
        for k in leak:
            assert f"{k}=" not in text, f"{k} crossed into the container or a hook:\n{text}"


# --- CVE-2022-29162: exec capabilities ---------------------------------------------------------------


def test_exec_cap_for_a_non_root_user_leaves_nothing_to_inherit(rt):
    cid, _ = rt.started_container(base_config(["sleep", "1000"]))
    res = rt.runtime("exec", "--user", "1000:1000", "--cap", "CAP_SYS_ADMIN", "--cap", "CAP_DAC_OVERRIDE",
                     cid, "sh", "-c", "grep ^Cap /proc/self/status; sh -c 'grep ^Cap /proc/self/status'")
    assert res.rc == 0, str(res)
    for line in res.out.splitlines():
        key, value = line.split(":")
        if key in ("CapInh", "CapAmb", "CapEff", "CapPrm"):
            assert int(value, 16) == 0, f"{key} {value} for uid 1000 after exec --cap:\n{res.out}"


# --- path-traversal ids ---------------------------------------------------------------------------------


def test_traversal_ids_cannot_reach_a_planted_state(rt):
    """A state directory planted next to --root, naming a host process:
    no id may make a verb read it, signal that process or delete the
    directory."""
    real = rt.create(base_config(["sleep", "1000"]))
    record = json.loads((rt.root / real.cid / "state.json").read_text())
    victim_proc = subprocess.Popen(["sleep", "1000"])
    try:
        planted = rt.sandbox / "victim"
        planted.mkdir()
        record.update(id="victim", pid=victim_proc.pid, init_start_time=proc.start_time(victim_proc.pid))
        (planted / "state.json").write_text(json.dumps(record))
        for cid in ("../victim", "..", "../state/victim", "victim/..", "/victim", str(planted)):
            for verb in (("state",), ("kill",), ("kill", "--all"), ("delete", "--force"), ("start",), ("pause",),
                         ("exec",)):
                args = list(verb) + [cid] + (["KILL"] if verb[0] == "kill" else []) \
                    + (["true"] if verb[0] == "exec" else [])
                res = rt.runtime(*args)
                assert res.rc != 0, str(res)
        time.sleep(0.1)
        assert victim_proc.poll() is None, "a host process was signalled through a traversal id"
        assert (planted / "state.json").exists() and rt.canary.exists()
    finally:
        victim_proc.send_signal(signal.SIGKILL)
        victim_proc.wait()
        shutil.rmtree(rt.sandbox / "victim", ignore_errors=True)
