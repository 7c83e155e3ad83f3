"""``TestEnv``: one per integration test.

It owns the test's temporary directory (state root, bundles, host dirs),
hands out container ids carrying a per-test token (``pyrunc-test-<hex>-N``),
records every id and every container pid the test learns, and at teardown
force-deletes the containers and then checks, independently of the runtime,
that nothing is left: state entries, cgroups, mounts, processes, network
namespaces, links.  Whatever is left is removed by force and reported.
"""
import itertools
import re
import json
import os
import secrets
import shutil
import subprocess
import time
from pathlib import Path

from . import leaks, proc
from . import rootfs as rootfs_mod
from .config import base_config
from .runtime import Runtime, stop_spawned

ID_PREFIX = "pyrunc-test-"

# runc's id rule; only such ids are tracked for cleanup, so teardown never
# hands a runtime an id like ".." (a buggy one could act on a parent dir)
VALID_ID = re.compile(r"(?!\.\.?\Z)[A-Za-z0-9_+,.-]{1,1024}\Z")


def new_token():
    return ID_PREFIX + secrets.token_hex(3)


class TestEnv:
    __test__ = False  # not a pytest test class
    def __init__(self, binary, tmp, rootfs_getter, token=None):
        self.token = token or new_token()
        self.tmp = Path(tmp)
        self.tmp.mkdir(parents=True, exist_ok=True)
        # root lives two levels down so that an id like ".." resolves to a
        # directory holding a canary file, not to the test's tmp dir itself
        self.sandbox = self.tmp / "state"
        self.root = self.sandbox / "root"
        self.sandbox.mkdir()
        self.canary = self.sandbox / "canary"
        self.canary.write_text("canary\n")
        self._rootfs_getter = rootfs_getter
        self.runtime = Runtime(binary, self.root, self.tmp / "cmd", on_result=self._learn)
        self._n = itertools.count(1)
        self.ids = []
        self.pids = {}              # pid -> start time
        self.spawned = []
        self.cgroup_parents = []    # hierarchy-relative dirs the test asked for
        self.netns_names = []
        self.link_names = []
        self.extra_cgroup_tokens = []

    # --- names and files -------------------------------------------------
    @property
    def is_runc(self):
        return self.runtime.is_runc

    def new_id(self, tag=""):
        cid = f"{self.token}-{next(self._n)}{tag}"
        self.track(cid)
        return cid

    def track(self, cid):
        assert VALID_ID.match(cid), f"refusing to track invalid id {cid!r}"
        if cid not in self.ids:
            self.ids.append(cid)
        return cid

    def rootfs_copy(self, dest):
        return rootfs_mod.copy(self._rootfs_getter(), dest)

    def bundle(self, config=None, name=None, rootfs=True):
        """A bundle dir with a rootfs copy and *config* (base_config() when
        None; a str is written verbatim, for malformed-JSON tests)."""
        path = self.tmp / "bundles" / (name or f"b{next(self._n)}")
        path.mkdir(parents=True)
        if rootfs:
            self.rootfs_copy(path / "rootfs")
        if config is None:
            config = base_config()
        if config is not False:
            self.write_config(path, config)
        return path

    @staticmethod
    def write_config(bundle, config):
        text = config if isinstance(config, str) else json.dumps(config, indent=1)
        Path(bundle, "config.json").write_text(text)

    def hostdir(self, name=None):
        path = self.tmp / "host" / (name or f"d{next(self._n)}")
        path.mkdir(parents=True)
        return path

    def cgroups_path(self, nested=False, relative=False):
        """A cgroupsPath carrying the test token; nested parents are
        registered so teardown removes them (the runtime removes the leaf)."""
        n = next(self._n)
        leaf = f"{self.token}-cg{n}"
        if nested:
            parent = f"{self.token}-parent{n}"
            self.cgroup_parents.append(parent)
            path = f"{parent}/{leaf}"
        else:
            path = leaf
        return path if relative else "/" + path

    def netns(self):
        """A named network namespace (``ip netns add``), deleted at teardown."""
        name = f"{self.token}-ns{next(self._n)}"
        self.netns_names.append(name)
        subprocess.run(["ip", "netns", "add", name], check=True, capture_output=True)
        return leaks.netns_path(name)

    # --- the CLI -----------------------------------------------------------
    def __call__(self, *args, **kw):
        return self.runtime(*args, **kw)

    def spawn(self, *args, **kw):
        sp = self.runtime.spawn(*args, **kw)
        self.spawned.append(sp)
        return sp

    def _learn(self, res, args):
        """Record ids and pids from every command's result."""
        verb = next((a for a in args if not str(a).startswith("-")), None)
        if verb in ("create", "run") and args and VALID_ID.match(str(args[-1])):
            self.track(str(args[-1]))
        if res.rc != 0:
            return
        try:
            if verb == "state":
                self.record_pid(json.loads(res.out).get("pid"))
            elif verb == "list" and "json" in map(str, args):
                for st in json.loads(res.out) or []:
                    self.record_pid(st.get("pid"))
        except (ValueError, AttributeError, TypeError):
            pass

    def record_pid(self, pid):
        if isinstance(pid, int) and pid > 0 and pid not in self.pids:
            started = proc.start_time(pid)
            if started is not None:
                self.pids[pid] = started

    def create(self, config=None, *flags, bundle=None, cid=None, check=True, **kw):
        """``create --bundle B ID``; returns the Result (``.cid`` set)."""
        cid = cid or self.new_id()
        self.track(cid)
        bundle = bundle or self.bundle(config)
        res = self.runtime("create", "--bundle", bundle, *flags, cid, **kw)
        res.cid = cid
        res.extra["bundle"] = bundle
        if check:
            assert res.rc == 0, f"create failed:\n{res}"
            self.state(cid)
        return res

    def start(self, cid, check=True):
        res = self.runtime("start", cid)
        if check:
            assert res.rc == 0, f"start failed:\n{res}"
        return res

    def state(self, cid, check=True):
        res = self.runtime("state", cid)
        if not check:
            return res
        assert res.rc == 0, f"state failed:\n{res}"
        return res.json()

    def status(self, cid):
        return self.state(cid)["status"]

    def try_status(self, cid):
        """The status, or None while/if the container does not exist."""
        res = self.runtime("state", cid)
        return res.json()["status"] if res.rc == 0 else None

    def wait_status(self, cid, status, timeout=10):
        """Poll ``state`` until *status* (a container still being created by
        a background ``run`` counts as not there yet)."""
        return proc.wait_for(lambda: self.try_status(cid) == status, timeout, what=f"{cid} to be {status}")

    def kill(self, cid, signal=None, all=False, check=True):
        res = self.runtime("kill", *(["--all"] if all else []), cid, *([str(signal)] if signal else []))
        if check:
            assert res.rc == 0, f"kill failed:\n{res}"
        return res

    def delete(self, cid, force=False, check=True):
        res = self.runtime("delete", *(["--force"] if force else []), cid)
        if check:
            assert res.rc == 0, f"delete failed:\n{res}"
        return res

    def run(self, config=None, *flags, cid=None, bundle=None, **kw):
        """``run --bundle B ID`` in the foreground; returns the Result."""
        cid = cid or self.new_id()
        bundle = bundle or self.bundle(config)
        res = self.runtime("run", "--bundle", bundle, *flags, cid, **kw)
        res.cid = cid
        res.extra["bundle"] = bundle
        return res

    def output(self, config=None, *flags, **kw):
        """stdout of a container run in the foreground; fails unless exit 0."""
        res = self.run(config, *flags, **kw)
        assert res.rc == 0, f"container run failed:\n{res}"
        return res.out

    def spawn_run(self, config=None, *flags, cid=None, bundle=None, **kw):
        cid = cid or self.new_id()
        bundle = bundle or self.bundle(config)
        sp = self.spawn("run", "--bundle", bundle, *flags, cid, cid=cid, **kw)
        return sp

    def started_container(self, config, *flags):
        """create + start; returns (cid, pid) once the state is running."""
        res = self.create(config, *flags)
        self.start(res.cid)
        st = self.state(res.cid)
        return res.cid, st["pid"]

    # --- teardown ---------------------------------------------------------
    def finalize(self, grace=5.0):
        """Force-delete, then look for leftovers; remove them and return a
        description of each (empty list when clean)."""
        problems = []
        for sp in self.spawned:
            if stop_spawned(sp):
                problems.append(f"runtime command still running at teardown (killed): {sp.argv}")
        for cid in self.ids:
            try:
                st = self.runtime("state", cid, timeout=15)
                if st.rc == 0 or "does not exist" not in st.err:
                    self.runtime("delete", "--force", cid, timeout=30)
            except AssertionError as e:  # a hung runtime: keep cleaning
                problems.append(f"cleanup command hung: {e}")
        # delete --force may return before a killed process is fully gone
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and any(proc.is_alive(p, s) for p, s in self.pids.items()):
            time.sleep(0.02)
        for parent in sorted(self.cgroup_parents, key=len, reverse=True):
            for mnt in set(proc.cgroup_mounts().values()):
                try:
                    Path(mnt, parent).rmdir()
                except OSError:
                    pass
        for name in self.netns_names:
            leaks.delete_netns(name)
        for name in self.link_names:
            leaks.delete_link(name)

        problems += self._collect_and_clean()
        if not leaks.mounts_under(self.tmp):
            shutil.rmtree(self.tmp, ignore_errors=True)
        return problems

    def _collect_and_clean(self):
        problems = []
        if self.root.exists():
            entries = sorted(os.listdir(self.root))
            if entries:
                problems.append(f"state root {self.root} not empty: {entries}")
                for e in entries:
                    p = self.root / e
                    shutil.rmtree(p, ignore_errors=True) if p.is_dir() and not p.is_symlink() else p.unlink()
        sandbox = sorted(os.listdir(self.sandbox))
        if set(sandbox) - {"root", "canary"} or "canary" not in sandbox:
            problems.append(f"files appeared/vanished next to the state root: {sandbox}")
        # a paused container's tasks only die once thawed
        leaks.thaw(leaks.find_cgroups(self.token))
        alive = {p: s for p, s in self.pids.items() if proc.is_alive(p, s)}
        if alive:
            problems.append("container processes still alive: "
                            + ", ".join(f"{p} {proc.cmdline(p)}" for p in alive))
            for p, s in alive.items():
                leaks.kill_pid(p, s)
        strays = [(p, s) for p, s in leaks.processes_referencing(self.tmp) if p not in alive]
        if strays:
            problems.append("processes still using the test's files: "
                            + ", ".join(f"{p} {proc.cmdline(p)}" for p, _ in strays))
            for p, s in strays:
                leaks.kill_pid(p, s)
        cgroups = leaks.find_cgroups(self.token)
        if cgroups:
            problems.append(f"cgroups left: {[str(c) for c in cgroups]}")
            stuck = leaks.force_remove_cgroups(cgroups)
            if stuck:
                problems.append(f"cgroups that could not be removed: {[str(c) for c in stuck]}")
        mounts = leaks.mounts_under(self.tmp)
        if mounts:
            problems.append(f"mounts left under {self.tmp}: {mounts}")
            leaks.force_umount(mounts, self.tmp)
        for name in sorted(set(self.netns_names) | set(leaks.netns_with(self.token))):
            if leaks.netns_path(name).exists():
                problems.append(f"network namespace left: {name}")
                leaks.delete_netns(name)
        for name in self.link_names:
            if leaks.link_exists(name):
                problems.append(f"network link left: {name}")
        return problems

