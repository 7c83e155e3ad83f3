#!/usr/bin/env python3
"""Benchmark pyrunc against runc and crun on the same bundles, in one run.

    sudo python3 tests/perf/bench.py [--quick] [--output FILE] [--pyrunc BIN]

What it measures (issue 10), each runtime in rotating order inside every
iteration so machine noise hits all of them alike:

- ``run`` of ``/bin/true`` in the foreground (create + start + wait + delete);
- each verb alone on a container whose process is ``sleep``: ``create``,
  ``state`` (while created), ``start``, ``list``, ``exec /bin/true``,
  ``kill KILL``, ``delete``; and ``create + start`` summed per iteration;
- 100 ``run``s back to back, and 20 containers created and started at once
  (one thread per container doing create then start);
- peak RSS of each CLI call (``ru_maxrss`` from ``wait4``) and the RSS of a
  created-but-not-started container's waiting init (``VmRSS`` of the pid
  ``state`` reports);
- the floor: ``python3 -I -S -c pass`` with the interpreter pyrunc's launcher
  names in its shebang (and ``-I`` without ``-S``, which is what the launcher
  really pays: ``site`` and the ``.pth`` files);
- pyrunc's import time per verb (``python -X importtime`` on the launcher).

Every CLI call gets the environment an engine gives (``PATH`` only), stdin
``/dev/null`` and stdout/stderr in regular files (a detached container keeps
its runtime's stdio: a pipe would never see EOF).  The benchmark is the
children's subreaper, as conmon and containerd-shim are, so it reaps the
container processes.

Everything it makes is named after a per-run token and removed in a
``finally``: each container is force-deleted through its own runtime, pids it
learned are killed only while they are still its children, cgroup
directories carrying the token are rmdir-ed, the temporary directory goes.
The one thing left on the host is the hugetlb v1 hierarchy mounted at
``/sys/fs/cgroup/hugetlb`` when crun needs it (crun 1.8 refuses a v1 layout
without it); the report says when the benchmark mounted it.

Not part of the pass/fail test run (tests/perf/conftest.py hides this
directory from pytest).  Needs root.
"""
import argparse
import ctypes
import datetime
import json
import os
import platform
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchstats import (  # noqa: E402
    fmt_mb, fmt_ms, fmt_rate, fmt_ratio, importtime_summary, median, parse_importtime,
    percentile, ratio, render_table, verdict,
)

ENGINE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
CHILD_ENV = {"PATH": ENGINE_PATH}
BUSYBOX = "/bin/busybox"
CALL_TIMEOUT = 60.0
PR_SET_CHILD_SUBREAPER = 36
CGROUP_ROOT = "/sys/fs/cgroup"
HUGETLB = "/sys/fs/cgroup/hugetlb"

# ociVersion per runtime: crun 1.8 refuses 1.3.0 and runc 1.1.5 knows 1.0.2.
OCI_VERSIONS = {"pyrunc": "1.3.0", "runc": "1.0.2", "crun": "1.0.2"}

CAPS = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]


def base_config(oci_version, args, rootfs, cgroups_path):
    """What ``runc spec`` (1.1) writes, without a terminal and without ambient
    capabilities (the kernel refuses to raise an ambient capability that is not
    inheritable; runc only warns, pyrunc refuses: an honest config keeps the
    three runtimes on the same path).  The root is an absolute path so every
    bundle shares one read-only rootfs."""
    return {
        "ociVersion": oci_version,
        "process": {
            "terminal": False,
            "user": {"uid": 0, "gid": 0},
            "args": list(args),
            "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
            "cwd": "/",
            "capabilities": {"bounding": CAPS, "effective": CAPS, "permitted": CAPS},
            "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
            "noNewPrivileges": True,
        },
        "root": {"path": rootfs, "readonly": True},
        "hostname": "bench",
        "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc"},
            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
             "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
            {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
             "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
            {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
             "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
            {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
             "options": ["nosuid", "noexec", "nodev"]},
            {"destination": "/sys", "type": "sysfs", "source": "sysfs",
             "options": ["nosuid", "noexec", "nodev", "ro"]},
            {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
             "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]},
        ],
        "linux": {
            "cgroupsPath": cgroups_path,
            "resources": {"devices": [{"allow": False, "access": "rwm"}]},
            "namespaces": [{"type": t} for t in ("pid", "network", "ipc", "uts", "mount")],
            "maskedPaths": [
                "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
                "/proc/scsi",
            ],
            "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
        },
    }


# --------------------------------------------------------------------------
# Spawning and timing one CLI call


class Call:
    __slots__ = ("argv", "rc", "seconds", "maxrss_kb", "stdout", "stderr", "cpu")

    def __init__(self, argv, rc, seconds, maxrss_kb, stdout, stderr, cpu=None):
        self.argv, self.rc, self.seconds = argv, rc, seconds
        self.maxrss_kb, self.stdout, self.stderr = maxrss_kb, stdout, stderr
        self.cpu = cpu  # user + system seconds of the process and the children it reaped

    @property
    def ok(self):
        return self.rc == 0

    def error(self):
        text = (self.stderr or self.stdout or "").strip().splitlines()
        return f"exit {self.rc}: {text[-1] if text else '(no output)'}"


# A fresh child of a small process.  ru_maxrss is a maximum over every mm a
# process has had, and exec records the old one: a child posix_spawn()ed by
# this Python shares (vfork) or copies (fork) the benchmark's ~18 MB, so its
# ru_maxrss could never read lower.  This helper forks the runtime from a
# ~1 MB process and times it from fork to reap, so its own start-up is outside
# the measurement, the same for every runtime.
SPAWN_HELPER_C = r"""
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* spawnrss PROG ARGS...: fork, exec PROG, wait4; report on fd 3
   "<child pid>\n" then
   "<wait status> <wall ns> <ru_maxrss KiB> <user+system CPU us>\n". */
int main(int argc, char **argv)
{
    struct timespec t0, t1;
    struct rusage ru;
    char buf[128];
    int status, n;
    pid_t pid;

    if (argc < 2 || fcntl(3, F_SETFD, FD_CLOEXEC) < 0)
        return 126;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid = fork();
    if (pid == 0) {
        execv(argv[1], argv + 1);
        _exit(127);
    }
    if (pid < 0)
        return 126;
    n = snprintf(buf, sizeof buf, "%d\n", (int)pid);
    if (write(3, buf, n) != n)
        return 126;
    if (wait4(pid, &status, 0, &ru) < 0)
        return 125;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    n = snprintf(buf, sizeof buf, "%d %lld %ld %lld\n", status,
                 (long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec),
                 ru.ru_maxrss,
                 (long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000LL
                     + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
    return write(3, buf, n) == n ? 0 : 126;
}
"""

SPAWN_HELPER = None  # path of the compiled helper; None: spawn directly, no CLI RSS


def build_spawn_helper(workdir):
    """Compile the helper (static when libc.a is there); return a note when
    that fails and CLI RSS cannot be measured."""
    global SPAWN_HELPER
    cc = shutil.which("cc") or shutil.which("gcc")
    if not cc:
        return "no C compiler: CLI peak RSS not measured, wall times include the benchmark's vfork"
    src = os.path.join(workdir, "spawnrss.c")
    exe = os.path.join(workdir, "spawnrss")
    with open(src, "w") as f:
        f.write(SPAWN_HELPER_C)
    for flags in (["-O2", "-static"], ["-O2"]):
        if subprocess.run([cc, *flags, "-o", exe, src], capture_output=True).returncode == 0:
            SPAWN_HELPER = exe
            return None
    return "the spawn helper did not compile: CLI peak RSS not measured"


def invoke(argv, scratch, timeout=CALL_TIMEOUT):
    """Run *argv* (an absolute program path first); return a Call with its
    wall time (fork to reap, measured by the helper), exit status, peak RSS
    and output."""
    out = tempfile.TemporaryFile(dir=scratch)
    err = tempfile.TemporaryFile(dir=scratch)
    res = tempfile.TemporaryFile(dir=scratch)
    try:
        actions = [
            (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
            (os.POSIX_SPAWN_DUP2, out.fileno(), 1),
            (os.POSIX_SPAWN_DUP2, err.fileno(), 2),
            (os.POSIX_SPAWN_DUP2, res.fileno(), 3),
        ]
        spawn_argv = [SPAWN_HELPER, *argv] if SPAWN_HELPER else list(argv)
        t0 = time.perf_counter()
        pid = os.posix_spawn(spawn_argv[0], spawn_argv, CHILD_ENV, file_actions=actions)
        pidfd = os.pidfd_open(pid)
        try:
            ready, _, _ = select.select([pidfd], [], [], timeout)
            t1 = time.perf_counter()
            if not ready:
                _kill_stuck(pid, res)
                signal.pidfd_send_signal(pidfd, signal.SIGKILL)
        finally:
            os.close(pidfd)
        _, status, usage = os.wait4(pid, 0)
        out.seek(0)
        err.seek(0)
        res.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")
        if not ready:
            return Call(argv, "timeout", t1 - t0, None, stdout, stderr)
        if not SPAWN_HELPER:
            return Call(argv, os.waitstatus_to_exitcode(status), t1 - t0, None, stdout, stderr)
        lines = res.read().decode().split()
        if os.waitstatus_to_exitcode(status) != 0 or len(lines) != 5:
            return Call(argv, f"helper failed ({status})", t1 - t0, None, stdout, stderr)
        _, wstatus, ns, maxrss, cpu_us = (int(x) for x in lines)
        return Call(argv, os.waitstatus_to_exitcode(wstatus), ns / 1e9, maxrss, stdout, stderr, cpu_us / 1e6)
    finally:
        out.close()
        err.close()
        res.close()


def _kill_stuck(helper_pid, res):
    """A call that overran its timeout: kill the runtime process the helper
    started (it reported the pid; still the helper's child, so not reused)."""
    res.seek(0)
    first = res.read().decode().split()
    if first and ppid_of(int(first[0])) == helper_pid:
        try:
            os.kill(int(first[0]), signal.SIGKILL)
        except ProcessLookupError:
            pass


def wait_gone(pid, timeout=10.0):
    """Wait until *pid* has exited (pidfd), then reap it if it is our child
    (we are the subreaper, so container inits end up here): a zombie left
    unreaped could still look alive to a runtime's status check."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        ready, _, _ = select.select([fd], [], [], timeout)
    finally:
        os.close(fd)
    if ready and ppid_of(pid) == os.getpid():
        try:
            os.waitpid(pid, 0)  # it has exited: this does not block
        except ChildProcessError:
            pass
    return bool(ready)


def reap_orphans():
    """Reap exited container processes reparented to us.  Only called when
    no CLI call is in flight, so it never steals a status invoke() waits for."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def vm_rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def ppid_of(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            data = f.read()
    except OSError:
        return None
    return int(data[data.rindex(")") + 2:].split()[1])


# --------------------------------------------------------------------------
# Runtimes


class Runtime:
    def __init__(self, name, binary, workdir, token):
        self.name = name
        self.binary = binary
        self.root = os.path.join(workdir, "state", name)
        os.makedirs(self.root)
        self.oci_version = OCI_VERSIONS[name]
        self.workdir = workdir
        self.token = token
        self.counter = 0
        self.created = []       # container ids, for the final cleanup
        self.pids = set()       # container pids learned from state
        self.unsupported = {}   # verb -> reason
        self.failures = {}      # measure -> first error message
        self.failure_counts = {}

    def cmd(self, *args):
        return [self.binary, "--root", self.root, *args]

    def new_container(self, args, rootfs):
        """A fresh id and bundle; the cgroup path carries the run's token."""
        self.counter += 1
        cid = f"{self.name}-{self.counter}"
        bundle = os.path.join(self.workdir, "bundles", cid)
        os.makedirs(bundle)
        cfg = base_config(self.oci_version, args, rootfs, f"/pyrunc-bench-{self.token}-{cid}")
        with open(os.path.join(bundle, "config.json"), "w") as f:
            json.dump(cfg, f)
        self.created.append(cid)
        return cid, bundle

    def supports(self, verb, scratch):
        call = invoke(self.cmd(verb, "--help"), scratch)
        if not call.ok:
            self.unsupported[verb] = call.error()
        return call.ok

    def fail(self, measure, call):
        self.failure_counts[measure] = self.failure_counts.get(measure, 0) + 1
        self.failures.setdefault(measure, call.error())

    def force_delete(self, cid, scratch):
        return invoke(self.cmd("delete", "--force", cid), scratch)


def resolve_binary(name):
    path = shutil.which(name, path=ENGINE_PATH) if os.sep not in name else name
    if not path or not os.access(path, os.X_OK):
        return None
    return os.path.abspath(path)


def launcher_interpreter(launcher):
    """The interpreter pyrunc runs with: the one the launcher's shebang
    names, or for the C launcher (csrc/launcher/), the ``python3`` beside it,
    started with ``-I -S``."""
    with open(launcher, "rb") as f:
        first = f.readline().decode(errors="replace").strip()
    if not first.startswith("#!"):
        beside = os.path.join(os.path.dirname(launcher), "python3")
        return (beside, ["-I", "-S"]) if os.access(beside, os.X_OK) else (None, [])
    parts = first[2:].split()
    if parts and os.path.basename(parts[0]) == "env" and len(parts) > 1:
        return shutil.which(parts[1]), parts[2:]
    return (parts[0], parts[1:]) if parts else (None, [])


def python_command(launcher, interp, flags=(), profile_to=None, scratch=None):
    """The argv that runs pyrunc's CLI the way *launcher* does, with extra
    interpreter *flags* (``-X importtime``), optionally under cProfile
    writing *profile_to*.  A ``#!`` launcher is a Python script: run it.  The
    C launcher (csrc/launcher/) runs a small program with ``-I -S`` that
    imports the package from <prefix>/lib/pythonX.Y/site-packages, <prefix>
    being the directory above the launcher's; reproduce that program here.
    The CLI ends in ``os._exit``, so the profile is written from a wrapper
    of it (the parent process only)."""
    with open(launcher, "rb") as f:
        script = f.read(2) == b"#!"
    prefix = os.path.dirname(os.path.dirname(launcher))
    lines = ["import sys, os"]
    if script:
        lines.append(f"sys.argv[0] = {launcher!r}")
    else:
        lines += [f"sys.path.append({prefix!r} + '/lib/python%d.%d/site-packages' % sys.version_info[:2])",
                  "try:\n    import pyrunc._bundle\nexcept ImportError:\n    import site; site.main()"]
    if profile_to:
        lines += ["import cProfile", "_profile, _exit, _me = cProfile.Profile(), os._exit, os.getpid()",
                  "def _dump_and_exit(code):",
                  f"    if os.getpid() == _me: _profile.disable(); _profile.dump_stats({profile_to!r})",
                  "    _exit(code)",
                  "os._exit = _dump_and_exit", "_profile.enable()"]
    if script:
        lines.append(f"import runpy; runpy.run_path({launcher!r}, run_name='__main__')")
    else:
        lines.append("from pyrunc.cli.main import run_cli\nrun_cli()")
    isolation = [] if script else ["-I", "-S"]
    return [interp, *isolation, *flags, "-c", "\n".join(lines)]


def pyrunc_install_facts(interpreter):
    """Where the interpreter imports pyrunc from and whether the install is
    editable (PEP 610 direct_url.json)."""
    code = (
        "import json, importlib.metadata as m, importlib.util as u\n"
        "d = m.distribution('pyrunc'); t = d.read_text('direct_url.json')\n"
        "s = u.find_spec('pyrunc')\n"
        "editable = bool(t and json.loads(t).get('dir_info', {}).get('editable'))\n"
        "print(json.dumps({'version': d.version, 'editable': editable, 'location': s.origin if s else None}))\n"
    )
    try:
        out = subprocess.run([interpreter, "-I", "-c", code], capture_output=True, text=True,
                             env=CHILD_ENV, timeout=30)
        return json.loads(out.stdout)
    except Exception as e:  # the report says what it could not learn
        return {"version": "?", "editable": None, "location": f"unknown ({e})"}


def checkout_state(repo):
    """'<commit> (+N uncommitted changes)' of the checkout, or None."""
    try:
        head = subprocess.run(["git", "-C", repo, "log", "-1", "--format=%h %s"], capture_output=True,
                              text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", repo, "status", "--porcelain", "--", "pyrunc", "csrc", "specs"],
                               capture_output=True, text=True, timeout=10).stdout.splitlines()
    except OSError:
        return None
    if not head:
        return None
    return f"{head}" + (f" (+{len(dirty)} uncommitted changes under pyrunc/ csrc/ specs/)" if dirty else "")


def runtime_version(binary):
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, env=CHILD_ENV, timeout=30)
    except OSError as e:
        return f"? ({e})"
    lines = out.stdout.strip().splitlines()
    return lines[0] if lines else f"? (exit {out.returncode})"


def build_pyrunc_venv(dest, source):
    """Install *source* (this checkout, as it is on disk) non-editably into
    the venv *dest*, creating the venv when missing.  pip builds from a copy
    so the checkout's build/ and *.egg-info are left alone."""
    print(f"[bench] installing pyrunc from {source} into {dest} (non-editable) ...", file=sys.stderr)
    if not os.path.exists(os.path.join(dest, "bin", "pip")):
        subprocess.run([sys.executable, "-m", "venv", dest], check=True)
    with tempfile.TemporaryDirectory(prefix="pyrunc-bench-src-") as tmp:
        copy = os.path.join(tmp, "src")
        shutil.copytree(source, copy, symlinks=True, ignore=shutil.ignore_patterns(
            ".git", "build", "dist", "*.egg-info", "__pycache__", ".hypothesis", ".pytest_cache",
            ".benchmarks", "*.so", "*.o"))
        subprocess.run([os.path.join(dest, "bin", "pip"), "install", "--quiet", "--force-reinstall",
                        "--no-deps", copy], check=True)
        subprocess.run([os.path.join(dest, "bin", "pip"), "install", "--quiet", copy], check=True)
    return os.path.join(dest, "bin", "pyrunc")


# --------------------------------------------------------------------------
# Host setup and cleanup


def cgroup_v1_hybrid():
    try:
        with open("/proc/self/mountinfo") as f:
            for line in f:
                fields = line.split()
                if fields[4] == CGROUP_ROOT:
                    return fields[fields.index("-") + 1] == "tmpfs"
    except OSError:
        pass
    return False


def is_mountpoint(path):
    with open("/proc/self/mountinfo") as f:
        return any(line.split()[4] == path for line in f)


def ensure_hugetlb():
    """crun 1.8 refuses a cgroup v1 layout without a hugetlb hierarchy.
    Returns a note for the report (None when nothing was needed)."""
    if not cgroup_v1_hybrid() or is_mountpoint(HUGETLB):
        return None
    os.makedirs(HUGETLB, exist_ok=True)
    subprocess.run(["mount", "-t", "cgroup", "-o", "hugetlb", "cgroup", HUGETLB], check=True)
    return f"mounted the hugetlb cgroup v1 hierarchy at {HUGETLB} for crun (left mounted)"


def token_cgroups(token, max_depth=4):
    """Cgroup directories, any hierarchy, whose name carries *token*."""
    found = []

    def walk(top, depth):
        if depth <= 0:
            return
        try:
            entries = list(os.scandir(top))
        except OSError:
            return
        for e in entries:
            if e.is_dir(follow_symlinks=False):
                if token in e.name:
                    found.append(e.path)
                walk(e.path, depth - 1)

    try:
        hierarchies = [e.path for e in os.scandir(CGROUP_ROOT) if e.is_dir(follow_symlinks=False)]
    except OSError:
        return found
    for h in hierarchies:
        walk(h, max_depth)
    return found


def cleanup(runtimes, scratch, token):
    """Remove everything this run made; return notes on what needed force."""
    notes = []
    reap_orphans()
    for rt in runtimes:
        for cid in rt.created:
            if os.path.isdir(os.path.join(rt.root, cid)):
                call = rt.force_delete(cid, scratch)
                if not call.ok:
                    notes.append(f"{rt.name}: delete --force {cid}: {call.error()}")
        for pid in rt.pids:
            # Kill a pid only while it is still our child: then it is the
            # container process we learned, not a recycled pid.
            if ppid_of(pid) == os.getpid():
                try:
                    os.kill(pid, signal.SIGKILL)
                    notes.append(f"{rt.name}: killed leftover container pid {pid}")
                except ProcessLookupError:
                    pass
                wait_gone(pid, 5)
    reap_orphans()
    for path in sorted(token_cgroups(token), key=len, reverse=True):
        try:
            os.rmdir(path)
            notes.append(f"removed leftover cgroup {path}")
        except OSError as e:
            notes.append(f"could not remove leftover cgroup {path}: {e}")
    return notes


# --------------------------------------------------------------------------
# Measurements


class Samples:
    """measure -> runtime -> list of values."""

    def __init__(self):
        self.data = {}

    def add(self, measure, runtime, value):
        self.data.setdefault(measure, {}).setdefault(runtime, []).append(value)

    def get(self, measure, runtime):
        return self.data.get(measure, {}).get(runtime, [])


def rotated(items, i):
    k = i % len(items)
    return items[k:] + items[:k]


def measure_floor(interp, samples, scratch):
    for label, flags in (("floor", ["-I", "-S"]), ("floor_site", ["-I"])):
        call = invoke([interp, *flags, "-c", "pass"], scratch)
        if call.ok:
            samples.add(label, "python", call.seconds)
            samples.add("rss:" + label, "python", call.maxrss_kb)
            samples.add("cpu:" + label, "python", call.cpu)


def measure_run(rt, ctx, samples):
    cid, bundle = rt.new_container(["/bin/true"], ctx.rootfs)
    call = invoke(rt.cmd("run", "--bundle", bundle, cid), ctx.scratch)
    if call.ok:
        samples.add("run", rt.name, call.seconds)
        samples.add("rss:run", rt.name, call.maxrss_kb)
        samples.add("cpu:run", rt.name, call.cpu)
    else:
        rt.fail("run", call)
        rt.force_delete(cid, ctx.scratch)
    reap_orphans()


def timed(rt, ctx, samples, measure, argv):
    call = invoke(argv, ctx.scratch)
    if call.ok:
        samples.add(measure, rt.name, call.seconds)
        samples.add("rss:" + measure, rt.name, call.maxrss_kb)
        samples.add("cpu:" + measure, rt.name, call.cpu)
    else:
        rt.fail(measure, call)
    return call


def measure_lifecycle(rt, ctx, samples):
    """create, state, start, list, exec, kill, delete on one container."""
    cid, bundle = rt.new_container(["/bin/sleep", "1000"], ctx.rootfs)
    try:
        create = timed(rt, ctx, samples, "create", rt.cmd("create", "--bundle", bundle, cid))
        if not create.ok:
            return
        state = timed(rt, ctx, samples, "state", rt.cmd("state", cid))
        pid = None
        if state.ok:
            try:
                pid = json.loads(state.stdout)["pid"]
            except (ValueError, KeyError, TypeError):
                rt.failures.setdefault("state", f"unparsable state output: {state.stdout[:200]!r}")
        if pid:
            rt.pids.add(pid)
            rss = vm_rss_kb(pid)
            if rss is not None:
                samples.add("init_rss", rt.name, rss)
        start = timed(rt, ctx, samples, "start", rt.cmd("start", cid))
        if start.ok and create.ok:
            samples.add("create+start", rt.name, create.seconds + start.seconds)
        if "list" not in rt.unsupported:
            timed(rt, ctx, samples, "list", rt.cmd("list"))
        if "exec" not in rt.unsupported and start.ok:
            timed(rt, ctx, samples, "exec", rt.cmd("exec", cid, "/bin/true"))
        kill = timed(rt, ctx, samples, "kill", rt.cmd("kill", cid, "KILL"))
        if kill.ok and pid and not wait_gone(pid):
            rt.fail("kill", Call([], "timeout", 10.0, None, "", f"pid {pid} still alive 10 s after kill KILL"))
        delete = timed(rt, ctx, samples, "delete", rt.cmd("delete", cid))
        if not delete.ok:
            rt.force_delete(cid, ctx.scratch)
    finally:
        reap_orphans()


def measure_sequential(rt, ctx, samples, count):
    """*count* foreground runs back to back; one sample = the total."""
    bundles = [rt.new_container(["/bin/true"], ctx.rootfs) for _ in range(count)]
    failed = 0
    t0 = time.perf_counter()
    for cid, bundle in bundles:
        call = invoke(rt.cmd("run", "--bundle", bundle, cid), ctx.scratch)
        if not call.ok:
            failed += 1
            rt.fail("sequential", call)
    total = time.perf_counter() - t0
    reap_orphans()
    # A failed run still took its time: keep the total, report the failures
    # in the header and count only the runs that succeeded in the rate.
    samples.add("sequential", rt.name, total)
    samples.add("sequential_rate", rt.name, (count - failed) / total)
    if failed:
        for cid, _ in bundles:
            if os.path.isdir(os.path.join(rt.root, cid)):
                rt.force_delete(cid, ctx.scratch)


def measure_concurrent(rt, ctx, samples, count):
    """*count* containers, one thread each doing create then start, all
    released at once; one sample = wall time until the last start returned."""
    bundles = [rt.new_container(["/bin/true"], ctx.rootfs) for _ in range(count)]
    results = [None] * count
    gate = threading.Event()

    def worker(i, cid, bundle):
        gate.wait()
        create = invoke(rt.cmd("create", "--bundle", bundle, cid), ctx.scratch)
        if not create.ok:
            results[i] = create
            return
        results[i] = invoke(rt.cmd("start", cid), ctx.scratch)

    threads = [threading.Thread(target=worker, args=(i, cid, b)) for i, (cid, b) in enumerate(bundles)]
    for t in threads:
        t.start()
    t0 = time.perf_counter()
    gate.set()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    bad = [r for r in results if r is None or not r.ok]
    for r in bad:
        rt.fail("concurrent", r)
    # The wall time counts even when some failed: the failures are reported
    # in the header, and the rate is of the containers that did start.
    samples.add("concurrent", rt.name, wall)
    samples.add("concurrent_rate", rt.name, (count - len(bad)) / wall)
    # The processes were /bin/true: they are gone or going; delete untimed.
    for cid, _ in bundles:
        rt.force_delete(cid, ctx.scratch)
    reap_orphans()


def measure_importtime(rt, ctx, interp, launcher, reps):
    """pyrunc's verbs under ``-X importtime``: {verb: summary of the
    repetition with the median total}."""
    by_verb = {}

    def traced(verb, *args):
        call = invoke([*python_command(launcher, interp, ["-X", "importtime"]), "--root", rt.root, verb, *args],
                      ctx.scratch)
        if call.ok:
            entries = parse_importtime(call.stderr)
            summary = importtime_summary(entries)
            summary["entries"] = entries
            by_verb.setdefault(verb, []).append(summary)
        else:
            by_verb.setdefault(verb + " (failed)", []).append({"error": call.error()})
        return call

    for _ in range(reps):
        cid, bundle = rt.new_container(["/bin/sleep", "1000"], ctx.rootfs)
        try:
            if not traced("create", "--bundle", bundle, cid).ok:
                continue
            state = traced("state", cid)
            pid = None
            if state.ok:
                try:
                    pid = json.loads(state.stdout)["pid"]
                except (ValueError, KeyError, TypeError):
                    pass
            if pid:
                rt.pids.add(pid)
            traced("start", cid)
            if "list" not in rt.unsupported:
                traced("list")
            if "exec" not in rt.unsupported:
                traced("exec", cid, "/bin/true")
            traced("kill", cid, "KILL")
            if pid:
                wait_gone(pid)
            traced("delete", cid)
        finally:
            if os.path.isdir(os.path.join(rt.root, cid)):
                rt.force_delete(cid, ctx.scratch)
            reap_orphans()
        cid, bundle = rt.new_container(["/bin/true"], ctx.rootfs)
        if not traced("run", "--bundle", bundle, cid).ok:
            rt.force_delete(cid, ctx.scratch)
        reap_orphans()
    chosen = {}
    for verb, runs in by_verb.items():
        good = [r for r in runs if "total" in r]
        if good:
            good.sort(key=lambda r: r["total"])
            chosen[verb] = good[len(good) // 2]
        else:
            chosen[verb] = runs[0]
    return chosen


def profile_pyrunc(rt, ctx, interp, launcher, top=15):
    """cProfile of ``state`` and ``run`` (the parent process only: forked
    children leave with os._exit and write no profile)."""
    import io
    import pstats
    out = []
    cid, bundle = rt.new_container(["/bin/sleep", "1000"], ctx.rootfs)
    runs = []
    create = invoke(rt.cmd("create", "--bundle", bundle, cid), ctx.scratch)
    if create.ok:
        runs.append(("state", ["state", cid]))
    cid2, bundle2 = rt.new_container(["/bin/true"], ctx.rootfs)
    runs.append(("run", ["run", "--bundle", bundle2, cid2]))
    for verb, args in runs:
        prof = os.path.join(ctx.scratch, f"{verb}.prof")
        call = invoke([*python_command(launcher, interp, profile_to=prof), "--root", rt.root, *args], ctx.scratch)
        if not call.ok:
            out.append(f"### cProfile of `pyrunc {verb}`: failed ({call.error()})\n")
            continue
        for key in ("cumulative", "tottime"):
            buf = io.StringIO()
            pstats.Stats(prof, stream=buf).strip_dirs().sort_stats(key).print_stats(top)
            text = buf.getvalue()
            text = text[text.find("   ncalls"):] if "   ncalls" in text else text
            out.append(f"### cProfile of `pyrunc {verb}`, top {top} by {key}\n\n```\n{text.rstrip()}\n```\n")
    rt.force_delete(cid, ctx.scratch)
    rt.force_delete(cid2, ctx.scratch)
    reap_orphans()
    return "\n".join(out)


# --------------------------------------------------------------------------
# Report

# (key, label, kind, target): kind is what the target ratio is taken against.
TIME_ROWS = [
    ("run", "run /bin/true", "runc", 1.0),
    ("create", "create", None, None),
    ("start", "start", None, None),
    ("create+start", "create + start", "runc", 1.2),
    ("exec", "exec /bin/true", "runc", 1.2),
    ("state", "state", "floor", 1.3),
    ("kill", "kill", "floor", 1.3),
    ("delete", "delete", "floor", 1.3),
    ("list", "list", "floor", 1.3),
]
RSS_ROWS = ["run", "create", "start", "state", "list", "exec", "kill", "delete"]


def _cell(values, fmt):
    if not values:
        return "n/a"
    return f"{fmt(median(values))} ({fmt(percentile(values, 90))})"


class Report:
    def __init__(self, ctx, runtimes, samples, args):
        self.ctx, self.runtimes, self.samples, self.args = ctx, runtimes, samples, args
        self.names = [rt.name for rt in runtimes]

    def med(self, measure, name):
        return median(self.samples.get(measure, name))

    def missing(self, measure, name):
        rt = next((r for r in self.runtimes if r.name == name), None)
        base = measure.split(":")[-1]
        if rt is None:
            return "n/a"
        if base.split("+")[0] in rt.unsupported:
            return "n/a (unsupported)"
        if base in rt.failures or any(part in rt.failures for part in base.split("+")):
            return "n/a (failed)"
        return "n/a"

    def cell(self, measure, name, fmt):
        values = self.samples.get(measure, name)
        return _cell(values, fmt) if values else self.missing(measure, name)

    def time_table(self):
        floor = self.med("floor", "python")
        headers = ["measure (median (p90))"] + self.names
        headers += ["pyrunc/runc", "pyrunc/crun", "pyrunc/floor", "target", "met"]
        rows = []
        for key, label, kind, target in TIME_ROWS:
            row = [label] + [self.cell(key, n, fmt_ms) for n in self.names]
            p = self.med(key, "pyrunc")
            vs_runc = ratio(p, self.med(key, "runc"))
            vs_crun = ratio(p, self.med(key, "crun"))
            vs_floor = ratio(p, floor)
            row += [fmt_ratio(vs_runc), fmt_ratio(vs_crun), fmt_ratio(vs_floor)]
            if kind == "runc":
                row += [f"pyrunc/runc <= {target}", verdict(vs_runc, target)]
            elif kind == "floor":
                row += [f"pyrunc/floor <= {target}", verdict(vs_floor, target)]
            else:
                row += ["", ""]
            rows.append(row)
        # Throughputs: higher is better, so the ratio is pyrunc's rate / runc's.
        throughputs = (
            ("sequential", f"{self.args.sequential} sequential runs", "rate pyrunc/runc (no target)", None),
            ("concurrent", f"{self.args.concurrent} concurrent create+start", "rate pyrunc/runc >= 1.0", 1.0),
        )
        for key, label, target_text, target in throughputs:
            cells, rates = [], {}
            for n in self.names:
                walls = self.samples.get(key, n)
                if not walls:
                    cells.append(self.missing(key, n))
                    continue
                rates[n] = median(self.samples.get(key + "_rate", n))
                cell = f"{fmt_ms(median(walls))} = {fmt_rate(rates[n])}"
                rt = next(r for r in self.runtimes if r.name == n)
                if rt.failure_counts.get(key):
                    cell += f" ({rt.failure_counts[key]} failed)"
                cells.append(cell)
            r_runc = ratio(rates.get("pyrunc"), rates.get("runc"))
            r_crun = ratio(rates.get("pyrunc"), rates.get("crun"))
            row = [label + " (wall = rate)"] + cells + [fmt_ratio(r_runc), fmt_ratio(r_crun), ""]
            row += [target_text, verdict(r_runc, target, higher_is_better=True) if target else ""]
            rows.append(row)
        for key, label in (("floor", "python3 -I -S -c pass (the floor)"),
                           ("floor_site", "python3 -I -c pass (site + .pth)")):
            rows.append([label] + [_cell(self.samples.get(key, "python"), fmt_ms)] * 1
                        + [""] * (len(self.names) - 1) + ["", "", fmt_ratio(ratio(self.med(key, "python"), floor)),
                                                           "", ""])
        return render_table(headers, rows)

    def rss_table(self):
        headers = ["peak RSS, median (p90)"] + self.names + ["pyrunc/runc", "target", "met"]
        rows = []
        p, r = self.med("init_rss", "pyrunc"), self.med("init_rss", "runc")
        rows.append(["waiting init (created, VmRSS)"] + [self.cell("init_rss", n, fmt_mb) for n in self.names]
                    + [fmt_ratio(ratio(p, r)), "<= runc", verdict(ratio(p, r), 1.0)])
        for verb in RSS_ROWS:
            key = "rss:" + verb
            p, r = self.med(key, "pyrunc"), self.med(key, "runc")
            rows.append([f"CLI `{verb}` (ru_maxrss)"] + [self.cell(key, n, fmt_mb) for n in self.names]
                        + [fmt_ratio(ratio(p, r)), "", ""])
        rows.append(["python3 -I -S -c pass"] + [_cell(self.samples.get("rss:floor", "python"), fmt_mb)]
                    + [""] * (len(self.names) - 1) + ["", "", ""])
        return render_table(headers, rows)

    def cpu_table(self):
        """CPU time is what a busy machine disturbs least: wall time waits
        for the scheduler, CPU time mostly does not."""
        floor = self.med("cpu:floor", "python")
        headers = ["CPU user+sys, median (p90)"] + self.names + ["pyrunc/runc", "pyrunc/crun", "pyrunc/floor"]
        rows = []
        for verb in RSS_ROWS:
            key = "cpu:" + verb
            p = self.med(key, "pyrunc")
            rows.append([f"`{verb}`"] + [self.cell(key, n, fmt_ms) for n in self.names]
                        + [fmt_ratio(ratio(p, self.med(key, "runc"))), fmt_ratio(ratio(p, self.med(key, "crun"))),
                           fmt_ratio(ratio(p, floor))])
        rows.append(["python3 -I -S -c pass"] + [_cell(self.samples.get("cpu:floor", "python"), fmt_ms)]
                    + [""] * (len(self.names) - 1) + ["", "", "1.00x"])
        return ("CPU time of each call (the process and the children it reaped: for `run` that includes the "
                "container's init, for `create` the intermediate child but not the init):\n\n"
                + render_table(headers, rows))

    def importtime_section(self, imports, top=15):
        if not imports:
            return ""
        verbs = [v for v, summary in imports.items() if "entries" in summary]
        failed = [(v, summary["error"]) for v, summary in imports.items() if "error" in summary]
        headers = ["verb", "import total", "modules", "of which pyrunc.* (self)"]
        rows = []
        for verb in verbs:
            s = imports[verb]
            own = sum(e[1] for e in s["entries"] if e[0] == "pyrunc" or e[0].startswith("pyrunc.")) / 1e6
            rows.append([verb, fmt_ms(s["total"]), s["modules"], fmt_ms(own)])
        for verb, error in failed:
            rows.append([verb, "failed", "", error])
        text = ("pyrunc import time per verb (`python -X importtime` on the launcher, the repetition "
                "with the median total; the sum of every module's own time):\n\n" + render_table(headers, rows))
        # The modules that cost most anywhere, cumulative (a package includes
        # what it imports), one column per verb.
        cum = {}
        for verb in verbs:
            for name, _self, cumulative, _depth in imports[verb]["entries"]:
                cum.setdefault(name, {})[verb] = max(cum.get(name, {}).get(verb, 0), cumulative)
        worst = sorted(cum, key=lambda m: max(cum[m].values()), reverse=True)[:top]
        rows = [[f"`{m}`"] + [f"{cum[m][v] / 1000:.1f}" if v in cum[m] else "" for v in verbs] for m in worst]
        text += (f"\nTop {top} modules by cumulative import time (ms; a module includes what it imports, "
                 "so rows nest):\n\n" + render_table(["module"] + verbs, rows))
        return text

    def header(self):
        c = self.ctx
        lines = [
            f"- date: {c.started.isoformat(timespec='seconds')} (took {c.elapsed:.0f} s)",
            f"- command: `{c.command}`",
            f"- host: Linux {platform.release()}, {os.cpu_count()} cpus, "
            f"cgroup {'v1 hybrid' if cgroup_v1_hybrid() else 'v2 or other'}",
            f"- load average (1 min) at start {c.load_start:.2f}, at end {c.load_end:.2f}",
            f"- iterations: {self.args.iterations} (interleaved, rotating order), "
            f"{self.args.sequential} sequential runs x {self.args.sequential_rounds} round(s), "
            f"{self.args.concurrent} concurrent x {self.args.concurrent_rounds} round(s)",
        ]
        for rt in self.runtimes:
            if rt.name == "pyrunc":
                f = c.pyrunc_facts
                kind = {True: "EDITABLE install", False: "non-editable install"}.get(
                    f.get("editable"), "install kind unknown")
                lines.append(f"- pyrunc: `{rt.binary}` -> launcher `{c.launcher}`, interpreter `{c.interp}` "
                             f"(pyrunc {f.get('version')}, {kind}, package at `{f.get('location')}`)")
            else:
                lines.append(f"- {rt.name}: `{rt.binary}` ({c.versions.get(rt.name)})")
        if c.checkout:
            lines.append(f"- checkout: {c.checkout}")
        lines.append(f"- floor: `{c.interp} -I -S -c pass`")
        for note in c.notes:
            lines.append(f"- note: {note}")
        for rt in self.runtimes:
            for verb, why in rt.unsupported.items():
                lines.append(f"- {rt.name} `{verb}`: unsupported ({why})")
            for measure, why in rt.failures.items():
                n = rt.failure_counts.get(measure, 1)
                lines.append(f"- {rt.name} `{measure}` failed {n}x, first: {why}")
        return "\n".join(lines) + "\n"

    def render(self, imports, profile):
        parts = [
            "## pyrunc benchmark\n",
            self.header(),
            "Wall time per CLI call (spawn to exit), median and (p90); ratios are of medians. "
            "The floor is the interpreter's own start-up, measured in the same iterations.\n",
            self.time_table(),
            self.cpu_table(),
            self.rss_table(),
        ]
        if imports:
            parts.append(self.importtime_section(imports))
        if profile:
            parts.append(profile)
        return "\n".join(parts)


# --------------------------------------------------------------------------
# Main


class Context:
    pass


def build_rootfs(dest):
    for d in ("bin", "proc", "sys", "dev", "tmp", "etc", "root"):
        os.makedirs(os.path.join(dest, d), exist_ok=True)
    os.chmod(os.path.join(dest, "tmp"), 0o1777)
    shutil.copy2(BUSYBOX, os.path.join(dest, "bin", "busybox"))
    applets = subprocess.run([BUSYBOX, "--list"], capture_output=True, text=True, check=True).stdout.split()
    for a in applets:
        link = os.path.join(dest, "bin", a)
        if a != "busybox" and "/" not in a and not os.path.lexists(link):
            os.symlink("busybox", link)
    with open(os.path.join(dest, "etc", "passwd"), "w") as f:
        f.write("root:x:0:0:root:/root:/bin/sh\n")
    with open(os.path.join(dest, "etc", "group"), "w") as f:
        f.write("root:x:0:\n")


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="few iterations (a smoke run, ~30 s)")
    ap.add_argument("--pyrunc", default="pyrunc", help="pyrunc binary (default: pyrunc on PATH)")
    ap.add_argument("--build-pyrunc", metavar="VENV",
                    help="build a non-editable pyrunc from this checkout in VENV (reused if present) and bench it")
    ap.add_argument("--runc", default="runc")
    ap.add_argument("--crun", default="crun")
    ap.add_argument("--runtimes", default="pyrunc,runc,crun", help="comma-separated subset")
    ap.add_argument("--iterations", type=int, help="interleaved iterations (default 30, quick 5)")
    ap.add_argument("--sequential", type=int, help="runs in the sequential block (default 100, quick 10)")
    ap.add_argument("--concurrent", type=int, default=20, help="containers created+started at once")
    ap.add_argument("--sequential-rounds", type=int, default=1, help="rounds of the sequential block")
    ap.add_argument("--concurrent-rounds", type=int, help="rounds of the concurrent block (default 3, quick 1)")
    ap.add_argument("--importtime-reps", type=int, help="repetitions per verb under -X importtime (default 5, quick 1)")
    ap.add_argument("--profile", action="store_true", help="append cProfile of pyrunc state and run")
    ap.add_argument("--output", metavar="FILE", help="also write the markdown report to FILE")
    args = ap.parse_args(argv)
    quick = args.quick
    args.iterations = args.iterations or (5 if quick else 30)
    args.sequential = args.sequential or (10 if quick else 100)
    args.concurrent_rounds = args.concurrent_rounds or (1 if quick else 3)
    args.importtime_reps = args.importtime_reps or (1 if quick else 5)
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if os.geteuid() != 0:
        sys.exit("bench.py: needs root (it runs containers)")
    ctx = Context()
    ctx.started = datetime.datetime.now(datetime.timezone.utc)
    ctx.command = " ".join(["python3", os.path.relpath(os.path.abspath(__file__), os.getcwd()),
                            *(sys.argv[1:] if argv is None else argv)])
    ctx.notes = []
    ctx.versions = {}
    wanted = [n.strip() for n in args.runtimes.split(",") if n.strip()]
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    if args.build_pyrunc:
        args.pyrunc = build_pyrunc_venv(os.path.abspath(args.build_pyrunc), repo)

    binaries = {}
    for name in wanted:
        if name not in OCI_VERSIONS:
            sys.exit(f"bench.py: unknown runtime {name!r}")
        path = resolve_binary(getattr(args, name))
        if path is None:
            ctx.notes.append(f"{name}: binary {getattr(args, name)!r} not found, skipped")
        else:
            binaries[name] = path
    if "pyrunc" not in binaries:
        sys.exit("bench.py: no pyrunc binary (see --pyrunc)")

    ctx.launcher = os.path.realpath(binaries["pyrunc"])
    ctx.interp, _ = launcher_interpreter(ctx.launcher)
    if not ctx.interp:
        sys.exit(f"bench.py: {ctx.launcher} has no #! line naming an interpreter")
    ctx.pyrunc_facts = pyrunc_install_facts(ctx.interp)
    # Which source the numbers are of: only known when pyrunc was built here
    # or is an editable install of this checkout.
    location = ctx.pyrunc_facts.get("location") or ""
    from_here = args.build_pyrunc or location.startswith(os.path.join(repo, ""))
    ctx.checkout = checkout_state(repo) if from_here else None
    for name, path in binaries.items():
        if name != "pyrunc":
            ctx.versions[name] = runtime_version(path)
    if "crun" in binaries:
        note = ensure_hugetlb()
        if note:
            ctx.notes.append(note)

    # Container processes are reparented to us, as to an engine's shim.
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.exit(f"bench.py: prctl(PR_SET_CHILD_SUBREAPER): {os.strerror(ctypes.get_errno())}")

    token = f"{os.getpid():x}{int(time.time()) & 0xffff:x}"
    workdir = tempfile.mkdtemp(prefix=f"pyrunc-bench-{token}-")
    ctx.scratch = os.path.join(workdir, "scratch")
    os.makedirs(ctx.scratch)
    ctx.rootfs = os.path.join(workdir, "rootfs")
    note = build_spawn_helper(workdir)
    if note:
        ctx.notes.append(note)
    runtimes = []
    samples = Samples()
    imports, profile = {}, ""
    t_start = time.perf_counter()
    ctx.load_start = os.getloadavg()[0]
    try:
        build_rootfs(ctx.rootfs)
        for name, path in binaries.items():
            runtimes.append(Runtime(name, path, workdir, token))
        for rt in runtimes:
            for verb in ("exec", "list"):
                rt.supports(verb, ctx.scratch)
        # One untimed run per runtime: warms caches, and a runtime that cannot
        # run here at all is reported and dropped instead of failing every row.
        for rt in list(runtimes):
            cid, bundle = rt.new_container(["/bin/true"], ctx.rootfs)
            call = invoke(rt.cmd("run", "--bundle", bundle, cid), ctx.scratch)
            reap_orphans()
            if not call.ok:
                ctx.notes.append(f"{rt.name}: cannot run a container here ({call.error()}): left out")
                rt.force_delete(cid, ctx.scratch)
                runtimes.remove(rt)
                if rt.name == "pyrunc":
                    raise SystemExit(f"bench.py: pyrunc cannot run a container: {call.error()}")
        progress(f"{len(runtimes)} runtimes, {args.iterations} iterations")
        for i in range(args.iterations):
            measure_floor(ctx.interp, samples, ctx.scratch)
            for rt in rotated(runtimes, i):
                measure_run(rt, ctx, samples)
            for rt in rotated(runtimes, i + 1):
                measure_lifecycle(rt, ctx, samples)
            progress(f"iteration {i + 1}/{args.iterations}")
        for r in range(args.sequential_rounds):
            for rt in rotated(runtimes, r):
                measure_sequential(rt, ctx, samples, args.sequential)
                progress(f"sequential round {r + 1}: {rt.name}")
        for r in range(args.concurrent_rounds):
            for rt in rotated(runtimes, r):
                measure_concurrent(rt, ctx, samples, args.concurrent)
                progress(f"concurrent round {r + 1}: {rt.name}")
        pyrunc_rt = next(rt for rt in runtimes if rt.name == "pyrunc")
        imports = measure_importtime(pyrunc_rt, ctx, ctx.interp, ctx.launcher, args.importtime_reps)
        progress("import times")
        if args.profile:
            profile = profile_pyrunc(pyrunc_rt, ctx, ctx.interp, ctx.launcher)
    finally:
        ctx.notes.extend(cleanup(runtimes, ctx.scratch, token))
        leftovers = token_cgroups(token)
        shutil.rmtree(workdir, ignore_errors=True)
        if leftovers:
            print(f"bench.py: WARNING: cgroups left behind: {leftovers}", file=sys.stderr)
    ctx.elapsed = time.perf_counter() - t_start
    ctx.load_end = os.getloadavg()[0]
    text = Report(ctx, runtimes, samples, args).render(imports, profile)
    sys.stdout.write(text)
    if args.output:
        with open(args.output, "w") as f:
            f.write(text)
    return 0


def progress(msg):
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
