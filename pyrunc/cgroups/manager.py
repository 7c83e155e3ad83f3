"""One container's cgroup: a directory in every hierarchy the host mounts.

cgroupsPath semantics (config-linux.md "Cgroups path"): an absolute path is
taken under each hierarchy's mount point; a relative path is placed relative
to the root of each hierarchy (the "runtime-determined location"; runc uses
its own cgroup, which for a runtime run from a session would nest containers
inside that session's cgroup); no path means ``/<id>``.

Which manager: a pure cgroup v2 host (/sys/fs/cgroup is cgroup2) gets the
v2 code (pyrunc/cgroups/v2/); a v1 or hybrid host the v1 code, whose
controllers live in the v1 hierarchies (a hybrid host's cgroup2 mount has
no controllers; the container joins it only for placement, as runc does).

An existing cgroup is joined, if it is empty and not frozen (the check the
spec suggests for create, and runc's since 1.2); the directories this
container made -- the leaf and any parents -- are recorded, and only those
are removed on delete (runtime.md: resources not created by the container
MUST NOT be deleted).
"""
import os
import _signal as signal  # no enums: kill and delete import this
import time

from pyrunc.cgroups import fs, layout as layout_mod
from pyrunc.cgroups.fs import CgroupError

_RMDIR_TRIES = 100          # x 10 ms: exiting tasks leave the cgroup asynchronously
_FREEZE_TRIES = 500
EBUSY = 16


def cgroup_path(cgroups_path, cid):
    """The container's path inside every hierarchy ("/a/b")."""
    if not cgroups_path:
        return "/" + cid
    path = os.path.normpath("/" + cgroups_path.lstrip("/"))
    if path == "/":
        raise CgroupError("linux.cgroupsPath: must name a cgroup below the root, not '/'")
    return path


def _warn(message):
    from pyrunc.log import logger
    logger.warning(message)


class Manager:
    def __init__(self, path, paths, unified, created=(), controllers=None):
        self.path = path               # e.g. "/pyrunc-test-1"
        self.paths = dict(paths)       # hierarchy mountpoint -> absolute directory
        self.unified = unified         # pure v2 host
        self.created = list(created)   # directories this container made (parents too)
        # hierarchy mountpoint -> its v1 controllers (() for cgroup2)
        self.controllers = {m: tuple(c) for m, c in (controllers or {}).items()}

    def sub_placement(self, specs):
        """``exec --cgroup``: runc's ``PATH`` or ``CTRL[,CTRL]:PATH``, a
        sub-cgroup (which must exist) of the container's, for the exec'd
        process; hierarchies not named, or (for a bare PATH) without that
        sub-cgroup, keep the container's cgroup.
        Returns a Manager whose ``add`` places there."""
        paths = dict(self.paths)
        for spec in specs:
            ctrls, sep, sub = spec.rpartition(":")
            parts = [p for p in sub.split("/") if p and p != "."]
            if not parts or sub.startswith("/") or ".." in parts:
                raise CgroupError(f"--cgroup {spec!r}: must name a sub-cgroup relative to the container's")
            wanted = set(ctrls.split(",")) if sep else None
            found = False
            for mount in self.paths:
                if wanted is None or wanted & set(self.controllers.get(mount, ())) or self.unified:
                    d = os.path.join(self.paths[mount], *parts)
                    if os.path.isdir(d):
                        paths[mount] = d
                        found = True
                        if "cpuset" in self.controllers.get(mount, ()):
                            self._inherit_cpuset(mount, d)  # an empty cpuset takes no task
                    elif wanted is not None:
                        raise CgroupError(f"--cgroup {spec!r}: sub-cgroup {d} does not exist")
            if not found:
                raise CgroupError(f"--cgroup {spec!r}: no such sub-cgroup of the container's cgroup")
        return Manager(self.path, paths, self.unified, (), self.controllers)

    @classmethod
    def for_container(cls, cgroups_path, cid, layout=None):
        layout = layout or layout_mod.detect()
        path = cgroup_path(cgroups_path, cid)
        paths = {h.mountpoint: h.mountpoint + path for h in layout.hierarchies}
        controllers = {h.mountpoint: h.controllers for h in layout.hierarchies}
        return cls(path, paths, layout.unified, controllers=controllers)

    # -- state.json round trip ------------------------------------------
    def to_record(self):
        return {"path": self.path, "paths": self.paths, "unified": self.unified,
                "created": self.created, "controllers": {m: list(c) for m, c in self.controllers.items()}}

    @classmethod
    def from_record(cls, rec):
        controllers = rec.get("controllers")
        if controllers is None:  # a record from before controllers were kept
            hier = {h.mountpoint: h.controllers for h in layout_mod.detect().hierarchies}
            controllers = {m: hier.get(m, ()) for m in rec["paths"]}
        created = rec.get("created")
        if created is None:
            created = list(rec["paths"].values())
        return cls(rec["path"], rec["paths"], rec["unified"], created, controllers)

    # -- the version-specific views ----------------------------------------
    def v1(self):
        """{controller: directory} for the v1 code."""
        from pyrunc.cgroups.v1 import Cgroup
        dirs = {}
        for mount, full in self.paths.items():
            for ctrl in self.controllers.get(mount, ()):
                dirs[ctrl[5:] if ctrl.startswith("name=") else ctrl] = full
        return Cgroup(dirs)

    def v2(self):
        from pyrunc.cgroups.v2 import Cgroup
        return Cgroup(self.unified_dir())

    def unified_dir(self):
        """The container's cgroup2 directory: the only one on a v2 host, the
        hybrid hierarchy's (no controllers) on a hybrid one, else None."""
        for mount, full in self.paths.items():
            if not self.controllers.get(mount):
                if self.unified or _is_cgroup2(mount):
                    return full
        return None

    # -- creation and placement -------------------------------------------
    def create(self):
        """Make the directories, remembering which ones this call made so
        delete (or a failed create) removes exactly those.  On a v2 host
        every ancestor gets the controllers enabled in its
        cgroup.subtree_control, as runc does."""
        created = self.created
        try:
            for mount, full in self.paths.items():
                for d in self._missing_levels(mount, full):
                    os.mkdir(d, 0o755)
                    created.append(d)
                if "cpuset" in self.controllers.get(mount, ()):
                    self._inherit_cpuset(mount, full)
                if self.unified:
                    self._enable_controllers(mount, full)
            try:
                self._check_joinable()
            except CgroupError:
                # the cgroup is someone else's: the cleanup of the failed
                # create must neither kill its processes nor remove it
                self.destroy()
                self.paths = {}
                raise
        except OSError as e:
            self.destroy()
            raise CgroupError(f"create cgroup {e.filename}: {e.strerror}", e.errno) from None
        except BaseException:
            self.destroy()
            raise

    @staticmethod
    def _missing_levels(mount, full):
        levels = []
        d = full
        while d != mount and not os.path.isdir(d):
            levels.append(d)
            d = os.path.dirname(d)
        return list(reversed(levels))

    @staticmethod
    def _enable_controllers(mount, full):
        """Write "+ctrl ..." to cgroup.subtree_control of every existing
        ancestor of *full* (not *full* itself: a leaf with processes must
        not enable controllers, "no internal processes").  Failures are
        ignored, as in runc: an ancestor with processes of its own cannot
        enable domain controllers, and a resource that needs one then fails
        with a message naming the controller."""
        available = (fs.read_or_none(os.path.join(mount, "cgroup.controllers")) or "").split()
        if not available:
            return
        d = mount
        rel = os.path.relpath(full, mount).split("/")
        for part in [None] + rel[:-1]:
            if part is not None:
                d = os.path.join(d, part)
            if not os.path.isdir(d):
                return
            ctl = os.path.join(d, "cgroup.subtree_control")
            enabled = set((fs.read_or_none(ctl) or "").split())
            missing = [c for c in available if c not in enabled]
            if not missing:
                continue
            try:
                fs.write(ctl, " ".join("+" + c for c in missing))
            except CgroupError:
                for c in missing:  # one by one: enable what can be
                    try:
                        fs.write(ctl, "+" + c)
                    except CgroupError:
                        pass

    @staticmethod
    def _inherit_cpuset(mount, full):
        # A v1 cpuset starts with empty cpus/mems and refuses tasks (ENOSPC)
        # until they are filled; fill every empty level on the way down from
        # its parent, pre-existing parents included, as runc does.
        rel = os.path.relpath(full, mount).split("/")
        d = mount
        for part in rel:
            parent, d = d, os.path.join(d, part)
            for name in ("cpuset.cpus", "cpuset.mems"):
                if not fs.read(os.path.join(d, name)).strip():
                    fs.write(os.path.join(d, name), fs.read(os.path.join(parent, name)).strip())

    def _check_joinable(self):
        """A joined (pre-existing) cgroup must be empty and thawed: sharing
        another workload's cgroup would make its limits, freezing and
        killing the container's (config-linux.md "Control groups")."""
        if all(d in self.created for d in self.paths.values()):
            return
        pids = self.all_pids()
        if pids:
            raise CgroupError(f"cgroup {self.path} is not empty: {len(pids)} process(es) found; "
                              "a container needs a cgroup of its own")
        if self.is_frozen():
            raise CgroupError(f"cgroup {self.path} is frozen; thaw it before creating a container in it")

    def add(self, pid):
        for full in self.paths.values():
            fs.write(os.path.join(full, "cgroup.procs"), pid)

    # -- resources -----------------------------------------------------------
    def apply_resources(self, resources, warn=None, update=False):
        """Write *resources* (a linux.resources object) to the cgroup files.
        On create the device rules are always applied (deny-all plus the
        default devices, as runc); with *update* they never are."""
        warn = warn or _warn
        resources = resources or {}
        if self.unified:
            from pyrunc.cgroups import v2
            v2.apply(self.v2(), resources, warn, update)
        else:
            from pyrunc.cgroups import v1
            v1.apply(self.v1(), resources, warn, update)

    def stats(self):
        """Statistics shaped like runc's ``events --stats`` data."""
        if self.unified:
            from pyrunc.cgroups import v2
            data = v2.stats(self.v2())
        else:
            from pyrunc.cgroups import v1
            data = v1.stats(self.v1())
        ordered = {k: data.get(k, {}) for k in ("cpu", "cpuset", "memory", "pids", "blkio", "hugetlb")}
        ordered["intel_rdt"] = {}
        ordered["network_interfaces"] = None
        return ordered

    def oom_watch(self):
        from pyrunc.cgroups.oom import OOMWatch
        return OOMWatch(self)

    # -- queries -------------------------------------------------------
    def _primary(self):
        """The directory whose cgroup.procs lists the container's tasks."""
        if not self.paths:
            return None
        if self.unified:
            return next(iter(self.paths.values()))
        for ctrl in ("freezer", "pids", "memory", "cpu", "devices"):
            for m, full in self.paths.items():
                if ctrl in self.controllers.get(m, ()) or m.endswith("/" + ctrl):
                    return full
        return next(iter(self.paths.values()))

    def procs(self):
        top = self._primary()
        return fs.read_pids(os.path.join(top, "cgroup.procs")) if top else []

    def all_pids(self):
        """Every process in the cgroup and its sub-cgroups (a container with
        a writable cgroupfs may make its own), as runc ``GetAllPids``."""
        top = self._primary()
        pids = []
        if top is None:
            return pids
        for dirpath, _dirs, _files in os.walk(top):
            pids.extend(fs.read_pids(os.path.join(dirpath, "cgroup.procs")))
        return pids

    def exists(self):
        return any(os.path.isdir(p) for p in self.paths.values())

    # -- freezer --------------------------------------------------------
    def _freezer(self):
        if self.unified:
            return next(iter(self.paths.values()), None)
        for m, full in self.paths.items():
            if "freezer" in self.controllers.get(m, ()) or m.endswith("/freezer"):
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
                # v1 can stay FREEZING while a task is in an uninterruptible
                # sleep; writing FROZEN again retries the tasks left
                fs.write(os.path.join(d, "freezer.state"), "FROZEN")
            time.sleep(0.002)
        if frozen:
            # do not leave a half-frozen container behind
            try:
                self.set_frozen(False)
            except CgroupError:
                pass
        raise CgroupError(f"cgroup {self.path} did not {'freeze' if frozen else 'thaw'} in time")

    # -- signalling and removal -------------------------------------------
    def signal_all(self, sig):
        """Send *sig* to every process in the cgroup, frozen while we list
        them so none can fork a child we would miss.  A container that was
        paused stays paused (the signal is delivered when it resumes),
        except for SIGKILL, which must take effect."""
        frozen_here = False
        if self._freezer() is not None and not self.is_frozen():
            try:
                self.set_frozen(True)
                frozen_here = True
            except CgroupError:
                pass
        try:
            for pid in self.all_pids():
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
        while self.exists() and self.all_pids():
            self.signal_all(signal.SIGKILL)
            if time.monotonic() > deadline:
                raise CgroupError(f"processes in cgroup {self.path} did not exit: {self.all_pids()}")
            time.sleep(0.01)

    def destroy(self):
        """Remove the directories this container created, deepest first,
        with any sub-cgroups the container made inside its own; a parent
        stays if something else lives below it."""
        leaves = set(self.paths.values())
        for d in sorted(set(self.created), key=len, reverse=True):  # deepest first
            try:
                if d in leaves:
                    _remove_tree(d)
                else:
                    _rmdir(d, 1)
            except CgroupError:
                if d in leaves:
                    raise
        self.created = []


def _is_cgroup2(mount):
    return os.path.exists(os.path.join(mount, "cgroup.controllers"))


def _remove_tree(top):
    """rmdir *top* and the cgroups below it, children first (runc
    ``RemovePath``): a cgroup directory holds only kernel files, which
    rmdir takes with it."""
    if not os.path.isdir(top):
        return
    for dirpath, dirs, _files in os.walk(top, topdown=False):
        for name in dirs:
            _rmdir(os.path.join(dirpath, name), _RMDIR_TRIES)
    _rmdir(top, _RMDIR_TRIES)


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
            if e.errno != EBUSY or attempt == tries - 1:
                raise CgroupError(f"remove cgroup {d}: {e.strerror}", e.errno) from None
            time.sleep(0.01)
