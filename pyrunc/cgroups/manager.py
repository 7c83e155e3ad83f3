"""One container's cgroup: a directory in every hierarchy the host mounts.

cgroupsPath semantics (config-linux.md "Cgroups path"): an absolute path is
taken under each hierarchy's mount point; a relative path is placed relative
to the root of each hierarchy (the "runtime-determined location"; runc uses
its own cgroup, which for a runtime run from a session would nest containers
inside that session's cgroup); no path means ``/<id>``.
"""
import os
import signal
import time

from pyrunc.cgroups import fs, layout as layout_mod
from pyrunc.cgroups.fs import CgroupError

_RMDIR_TRIES = 100          # x 10 ms: exiting tasks leave the cgroup asynchronously
_FREEZE_TRIES = 500


def cgroup_path(cgroups_path, cid):
    """The container's path inside every hierarchy ("/a/b")."""
    if not cgroups_path:
        return "/" + cid
    path = os.path.normpath("/" + cgroups_path.lstrip("/"))
    if path == "/":
        raise CgroupError("linux.cgroupsPath: must name a cgroup below the root, not '/'")
    return path


class Manager:
    def __init__(self, path, paths, unified, created=()):
        self.path = path               # e.g. "/pyrunc-test-1"
        self.paths = dict(paths)       # hierarchy mountpoint -> absolute directory
        self.unified = unified         # pure v2 host
        self.created = list(created)   # directories this container made (parents too)

    @classmethod
    def for_container(cls, cgroups_path, cid, layout=None):
        layout = layout or layout_mod.detect()
        path = cgroup_path(cgroups_path, cid)
        paths = {h.mountpoint: h.mountpoint + path for h in layout.hierarchies}
        return cls(path, paths, layout.unified)

    # -- state.json round trip ------------------------------------------
    def to_record(self):
        return {"path": self.path, "paths": self.paths, "unified": self.unified,
                "created": self.created}

    @classmethod
    def from_record(cls, rec):
        return cls(rec["path"], rec["paths"], rec["unified"], rec.get("created", ()))

    # -- creation and placement -------------------------------------------
    def create(self):
        """Make the directories, remembering which ones this call made so
        delete (or a failed create) removes exactly those."""
        created = self.created
        try:
            for mount, full in self.paths.items():
                for d in self._missing_levels(mount, full):
                    os.mkdir(d, 0o755)
                    created.append(d)
                    if mount.endswith("/cpuset"):
                        self._inherit_cpuset(d)
        except OSError as e:
            self.destroy()
            raise CgroupError(f"create cgroup {e.filename}: {e.strerror}") from None

    @staticmethod
    def _missing_levels(mount, full):
        levels = []
        d = full
        while d != mount and not os.path.isdir(d):
            levels.append(d)
            d = os.path.dirname(d)
        return list(reversed(levels))

    @staticmethod
    def _inherit_cpuset(d):
        # A new v1 cpuset starts with empty cpus/mems and refuses tasks
        # (ENOSPC) until they are filled; copy the parent's, as runc does.
        parent = os.path.dirname(d)
        for name in ("cpuset.cpus", "cpuset.mems"):
            if not fs.read(os.path.join(d, name)).strip():
                fs.write(os.path.join(d, name), fs.read(os.path.join(parent, name)).strip())

    def add(self, pid):
        for full in self.paths.values():
            fs.write(os.path.join(full, "cgroup.procs"), pid)

    # -- queries -------------------------------------------------------
    def _primary(self):
        """The directory whose cgroup.procs lists the container's tasks."""
        for mount in ("freezer", "pids", "memory", "cpu", "devices"):
            for m, full in self.paths.items():
                if m.endswith("/" + mount):
                    return full
        return next(iter(self.paths.values()))

    def procs(self):
        return fs.read_pids(os.path.join(self._primary(), "cgroup.procs"))

    def exists(self):
        return any(os.path.isdir(p) for p in self.paths.values())

    # -- freezer --------------------------------------------------------
    def _freezer(self):
        if self.unified:
            return next(iter(self.paths.values()))
        for m, full in self.paths.items():
            if m.endswith("/freezer"):
                return full
        return None

    def is_frozen(self):
        d = self._freezer()
        if d is None:
            return False
        try:
            if self.unified:
                return "frozen 1" in fs.read(os.path.join(d, "cgroup.events"))
            return fs.read(os.path.join(d, "freezer.state")).strip() == "FROZEN"
        except OSError:
            return False

    def set_frozen(self, frozen):
        d = self._freezer()
        if d is None:
            raise CgroupError("no freezer cgroup is available on this host")
        if self.unified:
            fs.write(os.path.join(d, "cgroup.freeze"), "1" if frozen else "0")
        else:
            fs.write(os.path.join(d, "freezer.state"), "FROZEN" if frozen else "THAWED")
        for _ in range(_FREEZE_TRIES):
            if self.is_frozen() == frozen:
                return
            if not self.unified and frozen:
                fs.write(os.path.join(d, "freezer.state"), "FROZEN")
            time.sleep(0.002)
        raise CgroupError(f"cgroup {self.path} did not {'freeze' if frozen else 'thaw'} in time")

    # -- signalling and removal -------------------------------------------
    def signal_all(self, sig):
        """Send *sig* to every process in the cgroup, frozen while we list
        them so none can fork a child we would miss; SIGCONT thaws too."""
        frozen_here = False
        if self._freezer() is not None and not self.is_frozen():
            try:
                self.set_frozen(True)
                frozen_here = True
            except CgroupError:
                pass
        try:
            for pid in self.procs():
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
        finally:
            if frozen_here or sig == signal.SIGKILL:
                try:
                    self.set_frozen(False)
                except CgroupError:
                    pass

    def kill_all_and_wait(self, timeout=10.0):
        """SIGKILL everything inside and wait until the cgroup is empty."""
        deadline = time.monotonic() + timeout
        while self.exists() and self.procs():
            self.signal_all(signal.SIGKILL)
            if time.monotonic() > deadline:
                raise CgroupError(f"processes in cgroup {self.path} did not exit: {self.procs()}")
            time.sleep(0.01)

    def destroy(self):
        """Remove the leaf directory in every hierarchy, then the parents
        this container created if no other container uses them."""
        leaves = set(self.paths.values())
        for d in sorted(leaves | set(self.created), key=len, reverse=True):  # deepest first
            try:
                _rmdir(d, _RMDIR_TRIES if d in leaves else 1)
            except CgroupError:
                if d in leaves:
                    raise
        self.created = []


def _rmdir(d, tries):
    for attempt in range(tries):
        try:
            os.rmdir(d)
            return
        except FileNotFoundError:
            return
        except OSError as e:
            # EBUSY: tasks are still leaving (or, for a parent, another
            # container lives below it)
            if e.errno != 16 or attempt == tries - 1:
                raise CgroupError(f"remove cgroup {d}: {e.strerror}") from None
            time.sleep(0.01)
