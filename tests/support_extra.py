"""Helpers for the exec, hooks, terminal and process-environment tests
(test_exec*, test_hooks, test_fds, test_terminal, test_process_env,
test_mount_options, test_userns, test_timens, test_sysctl,
test_linux_devices).

Kept apart from tests/support/ (another engineer's): only small parsers of
/proc files, a console-socket receiver with a pty driver, a hook that
records what it saw, and a couple of compiled static helpers.
"""
import errno
import fcntl
import os
import select
import shutil
import socket
import struct
import subprocess
import time
from pathlib import Path

import pytest

from support import asserts

# --- /proc parsers ---------------------------------------------------------


def create_refused(rt, cfg, *fragments):
    """``create`` of *cfg* must fail cleanly: one clear error naming
    *fragments* (runc: exit 1 and no traceback), and no container left."""
    cid = rt.new_id()
    res = rt.runtime("create", "--bundle", rt.bundle(cfg), cid)
    if rt.is_runc:
        assert res.rc == 1 and not asserts.TRACEBACK.search(res.err), str(res)
    else:
        asserts.error(res, *fragments)
    asserts.not_exist(rt.runtime("state", cid))
    return res


def status(text):
    """``/proc/self/status`` text -> {field: value}."""
    out = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            out[key.strip()] = value.strip()
    return out


def caps(text):
    """The five capability masks of a ``/proc/self/status`` text."""
    st = status(text)
    return {k: int(st[k], 16) for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")}


def cap_mask(*numbers):
    mask = 0
    for n in numbers:
        mask |= 1 << n
    return mask


def limits(text):
    """``/proc/self/limits`` text -> {"Max open files": (soft, hard)}
    with "unlimited" kept as the string."""
    out = {}
    for line in text.splitlines()[1:]:
        name = line[:26].strip()
        fields = line[26:].split()
        if name and len(fields) >= 2:
            out[name] = (fields[0], fields[1])
    return out


def mountinfo(text):
    """``/proc/self/mountinfo`` text -> list of dicts (lines without the
    `` - `` separator, e.g. other output, are skipped)."""
    mounts = []
    for line in text.splitlines():
        left, sep, right = line.partition(" - ")
        if not sep:
            continue
        f, r = left.split(), right.split()
        if len(f) < 6 or len(r) < 2:
            continue
        mounts.append({
            "id": f[0], "parent": f[1], "root": f[3], "point": f[4],
            "opts": set(f[5].split(",")), "optional": f[6:],
            "fstype": r[0], "source": r[1], "super": set(r[2].split(",")) if len(r) > 2 else set(),
        })
    return mounts


def mount_at(mounts, point):
    """The top mount at *point* (the last one listed)."""
    found = [m for m in mounts if m["point"] == point]
    assert found, f"nothing mounted at {point}: {[m['point'] for m in mounts]}"
    return found[-1]


def propagation(m):
    """The propagation tags of a mountinfo entry: {"shared", "master",
    "unbindable"} subset (empty set = private)."""
    return {tag.split(":")[0] for tag in m["optional"]}


def host_caps_bounding():
    return caps(Path("/proc/self/status").read_text())["CapBnd"]


def host_limits():
    """{RLIMIT name: (soft, hard)} of this process as ints (RLIM_INFINITY
    for unlimited), i.e. what the runtime inherits."""
    import resource
    out = {}
    for name in dir(resource):
        if name.startswith("RLIMIT_"):
            out[name] = resource.getrlimit(getattr(resource, name))
    return out


# --- console socket and pty --------------------------------------------------

TIOCGWINSZ = 0x5413
TIOCSWINSZ = 0x5414


class ConsoleSocket:
    """The engine's end of ``--console-socket``: a listening AF_UNIX socket
    that accepts one connection and receives the pty master with
    SCM_RIGHTS (conmon's and containerd's shim's behaviour)."""

    def __init__(self, path, timeout=20):
        self.path = str(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(self.path)
        self.sock.listen(1)
        self.sock.settimeout(timeout)
        self.message = None

    def receive_master(self):
        conn, _ = self.sock.accept()
        with conn:
            conn.settimeout(20)
            msg, fds, _flags, _addr = socket.recv_fds(conn, 4096, 4)
        assert len(fds) == 1, f"expected exactly one fd over the console socket, got {fds} (message {msg!r})"
        self.message = msg
        return Pty(fds[0])

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Pty:
    """Driver of a pty master: write input, read until a pattern shows up."""

    def __init__(self, fd):
        self.fd = fd
        self.data = b""
        self.closed = False

    def fileno(self):
        return self.fd

    def write(self, data):
        if isinstance(data, str):
            data = data.encode()
        while data:
            n = os.write(self.fd, data)
            data = data[n:]

    def _read_some(self, timeout):
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return None
        try:
            chunk = os.read(self.fd, 65536)
        except OSError as e:
            if e.errno == errno.EIO:  # every slave fd closed
                self.closed = True
                return b""
            raise
        if not chunk:
            self.closed = True
        self.data += chunk
        return chunk

    def read_until(self, pattern, timeout=15):
        """Read until *pattern* (str or bytes) appears after the current
        position; return the text read up to and including it."""
        if isinstance(pattern, str):
            pattern = pattern.encode()
        start = len(self.data)
        deadline = time.monotonic() + timeout
        while pattern not in self.data[start:]:
            left = deadline - time.monotonic()
            if left <= 0 or self.closed:
                raise AssertionError(f"pty: {pattern!r} not seen within {timeout}s "
                                     f"(closed={self.closed}); read: {self.data[start:][-2000:]!r}")
            self._read_some(min(left, 0.5))
        end = self.data.index(pattern, start) + len(pattern)
        return self.data[start:end].decode(errors="replace")

    def read_to_eof(self, timeout=15):
        """Everything until every slave fd is closed."""
        start = len(self.data)
        deadline = time.monotonic() + timeout
        while not self.closed and time.monotonic() < deadline:
            self._read_some(0.2)
        return self.data[start:].decode(errors="replace").replace("\r\n", "\n")

    def set_size(self, rows, cols):
        fcntl.ioctl(self.fd, TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def close(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


# --- hooks -------------------------------------------------------------------

# A hook that records what it saw in <dir>/<name>.{state,ns,env,argv,fds,cwd}
# and appends its name to <dir>/log.  It reads /proc/self, never /proc/$$:
# a createContainer hook runs in the container's pid namespace with the
# host's /proc still mounted, where $$ would name another process.
HOOK_SCRIPT = r"""
d=$1; n=$2
cat > "$d/$n.state"
for ns in mnt pid net uts ipc cgroup user time; do
  echo "$ns $(readlink /proc/self/ns/$ns)"
done > "$d/$n.ns"
tr '\0' '\n' < /proc/self/environ > "$d/$n.env"
ls /proc/self/fd > "$d/$n.fds"
echo "$n" >> "$d/log"
"""


def hook(dir_, name, *, env=None, timeout=None, extra="", sh="/bin/sh"):
    """A hook object running HOOK_SCRIPT (+ *extra* shell code run after it)
    with *dir_* as the log directory."""
    h = {"path": sh, "args": ["sh", "-c", HOOK_SCRIPT + extra, "hook", str(dir_), name]}
    if env is not None:
        h["env"] = list(env)
    if timeout is not None:
        h["timeout"] = timeout
    return h


def shell_hook(script, *args, env=None, timeout=None, sh="/bin/sh"):
    h = {"path": sh, "args": ["sh", "-c", script, "hook", *map(str, args)]}
    if env is not None:
        h["env"] = list(env)
    if timeout is not None:
        h["timeout"] = timeout
    return h


def hook_log(dir_):
    p = Path(dir_) / "log"
    return p.read_text().split() if p.exists() else []


def hook_ns(dir_, name):
    return dict(line.split(" ", 1) for line in (Path(dir_) / f"{name}.ns").read_text().splitlines())


def hook_env(dir_, name):
    return (Path(dir_) / f"{name}.env").read_text().splitlines()


def hook_state(dir_, name):
    import json
    return json.loads((Path(dir_) / f"{name}.state").read_text())


def host_ns(pid="self"):
    out = {}
    for ns in ("mnt", "pid", "net", "uts", "ipc", "cgroup", "user", "time"):
        try:
            out[ns] = os.readlink(f"/proc/{pid}/ns/{ns}")
        except OSError:
            out[ns] = ""
    return out


# --- compiled static helpers ---------------------------------------------------

SDNOTIFY_C = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
/* sdnotify MESSAGE: send MESSAGE to $NOTIFY_SOCKET (sd_notify(3)). */
int main(int argc, char **argv) {
    const char *path = getenv("NOTIFY_SOCKET");
    if (!path || argc < 2) { fprintf(stderr, "sdnotify: no NOTIFY_SOCKET\n"); return 2; }
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    strncpy(sa.sun_path, path, sizeof(sa.sun_path) - 1);
    if (sa.sun_path[0] == '@') sa.sun_path[0] = 0;
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) { perror("socket"); return 1; }
    if (sendto(fd, argv[1], strlen(argv[1]), 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        perror("sendto"); return 1;
    }
    return 0;
}
"""

NSS_C = r"""
#include <fcntl.h>
#include <unistd.h>
/* A planted NSS module: if a runtime ever loads it, a marker appears. */
__attribute__((constructor)) static void planted(void) {
    int fd = open("/nss-marker/loaded", O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) { write(fd, "loaded\n", 7); close(fd); }
}
int _nss_evil_getpwuid_r(void) { planted(); return 0; }
int _nss_evil_getpwnam_r(void) { planted(); return 0; }
"""


def _compile(out_dir, name, source, flags):
    cc = shutil.which("cc") or shutil.which("gcc")
    if not cc:
        pytest.skip("no C compiler to build a test helper")
    out = Path(out_dir) / name
    if out.exists():
        return out
    src = Path(out_dir) / f"{name}.c"
    src.write_text(source)
    res = subprocess.run([cc, *flags, "-o", str(out) + ".tmp", str(src)], capture_output=True, text=True)
    if res.returncode != 0:
        pytest.skip(f"cannot build test helper {name}: {res.stderr[-500:]}")
    os.rename(str(out) + ".tmp", out)
    return out


def sdnotify_binary(cache_dir):
    """A static ``sdnotify MESSAGE`` for busybox rootfses."""
    return _compile(cache_dir, "sdnotify", SDNOTIFY_C, ["-static", "-O2"])


def nss_module(cache_dir):
    return _compile(cache_dir, "libnss_evil.so.2", NSS_C, ["-shared", "-fPIC", "-O2"])


def with_wrapper_fds(script):
    """A ``wrapper=`` for Runtime.spawn: a shell that runs *script* then
    execs the runtime (so fds and env it sets reach the runtime itself)."""
    return ["sh", "-c", script + '\nexec "$@"', "wrapper"]


# --- an engine that reaps the container's init ----------------------------------

ENGINE = r"""
import ctypes, os, signal, subprocess, sys
# What conmon / containerd-shim do: become a child subreaper, run
# "create" (the init is re-parented to us when create exits), "start",
# then wait for the init and exit with its status.
ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
pidfile, cid, argv = sys.argv[1], sys.argv[2], sys.argv[3:]
root = argv[:argv.index("--root") + 2]
rc = subprocess.call(argv + ["--pid-file", pidfile, cid] if "--pid-file" not in argv else argv + [cid])
if rc != 0:
    sys.exit(200)
pid = int(open(pidfile).read())
if subprocess.call(root + ["start", cid]) != 0:
    sys.exit(201)
while True:
    got, status = os.waitpid(-1, 0)
    if got == pid:
        sys.exit(128 + os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status))
"""


def spawn_engine(rt, bundle, cid, *create_flags):
    """create (with *create_flags*) + start *cid* under a subreaper that
    exits with the init's exit status; returns the Spawned engine."""
    import sys
    script = rt.tmp / "engine.py"
    if not script.exists():
        script.write_text(ENGINE)
    rt.track(cid)
    pidfile = rt.tmp / f"{cid}.engine.pid"
    return rt.spawn("create", "--bundle", bundle, *create_flags,
                    wrapper=[sys.executable, "-I", script, pidfile, cid], cid=cid)


def traversable_for_userns(rt):
    """The session's temporary directory is mkdtemp's 0700: a container
    root mapped to an unprivileged host uid could not reach its bundle
    through it (EACCES on the rootfs bind mount, runc and pyrunc alike).
    Let others traverse (not read) it."""
    for d in (rt.tmp.parent, rt.tmp):
        os.chmod(d, os.stat(d).st_mode | 0o111)
