"""Finding what a test left on the host, and removing it by force.

Everything here is scoped to things the test provably made: cgroup
directories whose name carries the test's token, mounts under the test's own
temporary directory, pids the test learned itself.  Nothing else is ever
killed, removed or unmounted: the session's own cgroup (the sandbox's
memory:/process_api/...) and the host's mounts are never touched.
"""
import os
import signal
import subprocess
import time
from pathlib import Path

from . import proc

MAX_CGROUP_DEPTH = 4


def _walk_dirs(top, depth):
    if depth <= 0:
        return
    try:
        entries = list(os.scandir(top))
    except OSError:
        return
    for e in entries:
        try:
            if e.is_dir(follow_symlinks=False):
                yield Path(e.path)
                yield from _walk_dirs(e.path, depth - 1)
        except OSError:
            continue


def find_cgroups(token, root=proc.CGROUP_ROOT, max_depth=MAX_CGROUP_DEPTH):
    """Cgroup directories (any hierarchy, v1 or unified, depth <= 4 below
    the hierarchy root) whose name contains *token*."""
    found = []
    try:
        hierarchies = [Path(e.path) for e in os.scandir(root) if e.is_dir(follow_symlinks=False)]
    except OSError:
        return found
    for h in hierarchies:
        # on a unified (v2) host the top-level entries are cgroups themselves
        if token in h.name:
            found.append(h)
        for d in _walk_dirs(h, max_depth):
            if token in d.name:
                found.append(d)
    return found


def _unescape(s):
    return s.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\")


def mounts_under(prefix):
    """Mount points (from /proc/self/mountinfo) that are, or whose source
    root is, inside *prefix*."""
    prefix = str(prefix).rstrip("/")
    points = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        f = line.split()
        root, point = _unescape(f[3]), _unescape(f[4])
        if point == prefix or point.startswith(prefix + "/") or root.startswith(prefix + "/"):
            points.append(point)
    return points


def processes_referencing(prefix):
    """Live processes whose command line, cwd, root or open files name a
    path under *prefix* (the test's own temporary directory): a container
    init orphaned before the test learned its pid still holds the test's
    stdio files and bundle.  The calling process is never listed."""
    prefix = str(prefix).rstrip("/") + "/"
    me = os.getpid()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        pid = int(entry)
        try:
            hit = prefix in Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if not hit:
                links = [f"/proc/{pid}/cwd", f"/proc/{pid}/root"]
                links += [f"/proc/{pid}/fd/{fd}" for fd in os.listdir(f"/proc/{pid}/fd")]
                for link in links:
                    try:
                        if (os.readlink(link) + "/").startswith(prefix):
                            hit = True
                            break
                    except OSError:
                        continue
        except OSError:
            continue
        if hit and proc.is_alive(pid):
            found.append((pid, proc.start_time(pid)))
    return found


def pids_in_cgroup(path):
    try:
        return [int(p) for p in (Path(path) / "cgroup.procs").read_text().split()]
    except OSError:
        return []


def kill_pid(pid, started=None):
    """SIGKILL *pid* only if it is still the process we recorded."""
    if proc.is_alive(pid, started):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def thaw(dirs):
    """Thaw the test's own frozen cgroups (a paused container): a SIGKILL
    is not delivered to a frozen task until its cgroup thaws."""
    for d in dirs:
        for name, value in (("freezer.state", "THAWED"), ("cgroup.freeze", "0")):
            f = Path(d) / name
            if f.exists():
                try:
                    f.write_text(value)
                except OSError:
                    pass


def force_remove_cgroups(dirs, timeout=5.0):
    """Kill what runs in the test's own cgroups (thawing them first), then
    rmdir them deepest first.  Returns the directories that could not be
    removed."""
    for d in dirs:
        for pid in pids_in_cgroup(d):
            kill_pid(pid)
    thaw(dirs)
    left = sorted(set(dirs), key=lambda p: len(p.parts), reverse=True)
    deadline = time.monotonic() + timeout
    while left and time.monotonic() < deadline:
        still = []
        for d in left:
            try:
                d.rmdir()
            except FileNotFoundError:
                pass
            except OSError:
                # a v1 child we did not list (deeper than MAX_CGROUP_DEPTH)
                # or processes still exiting: retry
                for sub in sorted((p for p in d.rglob("*") if p.is_dir()), key=lambda p: len(p.parts),
                                  reverse=True):
                    try:
                        sub.rmdir()
                    except OSError:
                        pass
                still.append(d)
        left = still
        if left:
            time.sleep(0.05)
    return left


def force_umount(points, prefix):
    """Lazily unmount *points*, deepest first, refusing anything outside
    *prefix* (never a host mount)."""
    prefix = str(prefix).rstrip("/")
    for p in sorted(set(points), key=len, reverse=True):
        if p.startswith(prefix + "/") or p == prefix:
            subprocess.run(["umount", "-l", p], capture_output=True)


def netns_path(name):
    return Path("/var/run/netns") / name


def netns_with(token):
    """Named network namespaces carrying *token* (found even if the test
    forgot to register them)."""
    try:
        return [n for n in os.listdir("/var/run/netns") if token in n]
    except OSError:
        return []


def delete_netns(name):
    if netns_path(name).exists():
        subprocess.run(["ip", "netns", "del", name], capture_output=True)


def link_exists(name):
    return Path("/sys/class/net", name).exists()


def delete_link(name):
    if link_exists(name):
        subprocess.run(["ip", "link", "del", name], capture_output=True)
