"""Commands, daemons and clean-up for the engine tests.

Everything an engine test makes lives under one session directory
(``/tmp/pyrunc-eng-XXXX``) or carries the session token in its name
(cgroups ``/<token>-podman``, containerd namespace ``<token>``...).  Clean-up
is scoped by exactly that: the daemons the session started (by pid), then
any process whose command line names the session directory (conmon, shims),
the processes in the token's cgroups, mounts under the session directory,
the token's cgroups, and the few host paths the engines insist on creating
(only if they did not exist when the session started).
"""
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from support import leaks
from support.runtime import Result  # one record of a command's outcome for both suites

DEFAULT_TIMEOUT = 90.0


class CommandTimeout(AssertionError):
    pass


def run(argv, *, env=None, timeout=DEFAULT_TIMEOUT, cwd=None, scratch, stdin=None):
    """Run *argv* to completion.  stdout/stderr go to files, not pipes: an
    engine command may leave a daemonized child (conmon) holding its stdio,
    and a pipe would then block until the timeout."""
    scratch = Path(scratch)
    scratch.mkdir(parents=True, exist_ok=True)
    stamp = f"{time.monotonic_ns()}-{os.getpid()}"
    out_path, err_path = scratch / f"{stamp}.out", scratch / f"{stamp}.err"
    started = time.monotonic()
    stdin_arg = subprocess.DEVNULL
    if stdin is not None:
        in_path = scratch / f"{stamp}.in"
        in_path.write_bytes(stdin.encode() if isinstance(stdin, str) else stdin)
        stdin_arg = open(in_path, "rb")
    try:
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            proc = subprocess.Popen([str(a) for a in argv], stdin=stdin_arg, stdout=out, stderr=err, env=env,
                                    cwd=cwd, start_new_session=True)
            try:
                rc = proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                raise CommandTimeout(f"command did not finish within {timeout}s: {argv}\n"
                                     f"stdout: {out_path.read_text(errors='replace')[-2000:]!r}\n"
                                     f"stderr: {err_path.read_text(errors='replace')[-2000:]!r}") from None
    finally:
        if hasattr(stdin_arg, "close"):
            stdin_arg.close()
    res = Result([str(a) for a in argv], rc, out_path.read_text(errors="replace"),
                 err_path.read_text(errors="replace"), time.monotonic() - started)
    for p in (out_path, err_path):
        p.unlink(missing_ok=True)
    return res


class Spawned:
    """A command left running (a foreground ``ctr run`` a test signals)."""

    def __init__(self, argv, env, scratch):
        scratch = Path(scratch)
        scratch.mkdir(parents=True, exist_ok=True)
        stamp = f"{time.monotonic_ns()}-{os.getpid()}"
        self.out_path, self.err_path = scratch / f"{stamp}.out", scratch / f"{stamp}.err"
        self.argv = [str(a) for a in argv]
        self.started = time.monotonic()
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env,
                                         start_new_session=True)

    def output(self):
        return self.out_path.read_text(errors="replace") + self.err_path.read_text(errors="replace")

    def wait(self, timeout=DEFAULT_TIMEOUT):
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise CommandTimeout(f"command did not finish within {timeout}s: {self.argv}\n{self.output()[-3000:]}")
        return Result(self.argv, rc, self.out_path.read_text(errors="replace"),
                      self.err_path.read_text(errors="replace"), time.monotonic() - self.started)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def wait_for(predicate, timeout=20.0, interval=0.1, what="condition"):
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = predicate()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")
        time.sleep(interval)


def socket_ready(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(str(path))
        return True
    except OSError:
        return False
    finally:
        s.close()


class Daemon:
    """A daemon the session starts in its own session (process group), with
    its output in a log file; stopped by its pid."""

    def __init__(self, name, argv, log_path, socket_path, env=None):
        self.name, self.argv = name, [str(a) for a in argv]
        self.log_path, self.socket_path, self.env = Path(log_path), Path(socket_path), env
        self.proc = None

    def start(self, timeout=60.0):
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                         env=self.env, start_new_session=True)
        deadline = time.monotonic() + timeout
        while not socket_ready(self.socket_path):
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode} while starting:\n"
                                   f"$ {' '.join(self.argv)}\n{self.tail()}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{self.name} did not listen on {self.socket_path} within {timeout}s:\n"
                                   f"{self.tail()}")
            time.sleep(0.1)
        return self

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=30.0):
        if not self.alive():
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def tail(self, n=40):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return "(no log)"


# --- clean-up ------------------------------------------------------------------

def pids_naming(path):
    """Pids whose command line contains *path* (conmon, shims, daemons the
    session started): the session directory is unique, so these are ours."""
    needle = str(path).encode()
    me = os.getpid()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                if needle in f.read():
                    found.append(int(entry))
        except OSError:
            continue
    return found


def kill_pids(pids):
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def sweep(session_dir, token, daemons=()):
    """Remove by force whatever the session left: returns a list of what had
    to be removed (empty when the engines cleaned up after themselves)."""
    found = []
    for d in daemons:
        if d.alive():
            found.append(f"daemon {d.name} (pid {d.pid}) still running")
            d.stop(timeout=20)
    for attempt in range(3):
        pids = pids_naming(session_dir)
        if not pids:
            break
        if attempt == 0:
            found.append(f"processes naming {session_dir}: {pids}")
        kill_pids(pids)
        time.sleep(0.3)
    points = leaks.mounts_under(session_dir)
    if points:
        found.append(f"mounts under {session_dir}: {points}")
        leaks.force_umount(points, session_dir)
    cgroups = leaks.find_cgroups(token)
    live = [d for d in cgroups if leaks.pids_in_cgroup(d)]
    if live:
        found.append(f"processes in cgroups {[str(d) for d in live]}")
    if cgroups:
        left = leaks.force_remove_cgroups(cgroups)
        if left:
            found.append(f"cgroups that could not be removed: {[str(d) for d in left]}")
    return found


class HostPaths:
    """Host paths an engine creates whatever it is told (containerd's shim
    socket directory, dockerd's plugin directory, podman's blob-info cache):
    removed at the end only if they did not exist when the session began."""

    # (path, how): "tree" paths hold only what the engines put there;
    # "empty" ones (parents) are removed only once empty
    PATHS = (
        ("/run/containerd/s", "tree"), ("/run/containerd/fifo", "tree"), ("/run/containerd/runc", "tree"),
        ("/run/containerd", "empty"),
        ("/run/docker/plugins", "tree"), ("/run/docker", "empty"),
        ("/var/lib/containers/cache", "tree"), ("/var/lib/containers", "empty"),
        ("/run/containers/networks", "tree"), ("/run/containers", "empty"),
        ("/etc/containers/networks", "tree"),
        ("/etc/docker/key.json", "file"),
    )

    def __init__(self):
        self.absent = [(p, how) for p, how in self.PATHS if not os.path.lexists(p)]

    def restore(self, session_dir, prefix):
        """Remove what was absent at the start -- unless another engine-test
        session (another ``<prefix>*`` directory next to ours) is still
        running: its shims may be using /run/containerd/s.  The last session
        to finish cleans up."""
        session_dir = Path(session_dir)
        others = [p for p in session_dir.parent.glob(prefix + "*") if p != session_dir and p.is_dir()]
        if others:
            return
        for p, how in self.absent:
            if not os.path.lexists(p):
                continue
            try:
                if how == "tree":
                    shutil.rmtree(p)
                elif how == "empty":
                    os.rmdir(p)
                else:
                    os.unlink(p)
            except OSError:
                pass


def proc_alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def cgroup_file(hierarchy, rel, name):
    """Read a v1 cgroup file from the host side (``/sys/fs/cgroup/<h>/<rel>/<name>``)."""
    return (Path("/sys/fs/cgroup") / hierarchy / rel.lstrip("/") / name).read_text().strip()


def find_cgroup_dir(hierarchy, token, contains):
    """The cgroup directory under the session token whose name contains
    *contains* (a container id)."""
    base = Path("/sys/fs/cgroup") / hierarchy
    for d in leaks.find_cgroups(token, root="/sys/fs/cgroup"):
        if d.is_relative_to(base) and contains in d.name:
            return d
    return None
