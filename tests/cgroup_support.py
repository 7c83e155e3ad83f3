"""Helpers for the cgroup tests (test_cgroup_*, test_pause_resume,
test_update, test_events, test_ps).  Kept apart from tests/support/
(another engineer's).

Every value a test checks is read back from the cgroup files themselves
(``/sys/fs/cgroup/<controller>/<path>/<file>`` on v1,
``/sys/fs/cgroup/<path>/<file>`` on v2), never from the runtime's own
state.

``V2_HERE``: this machine is a cgroup v1 hybrid host, but its cgroup2
hierarchy (/sys/fs/cgroup/unified) works, without controllers.  Running
the runtime under ``unshare --mount`` with that hierarchy mounted at
/sys/fs/cgroup makes it a pure v2 host *for the runtime only*: placement,
nesting, cgroup.subtree_control, the v2 freezer, eBPF device filters,
unified cgroup.* keys and removal run for real, and the host's mounts are
untouched (the namespace is private and dies with the command).
"""
import json
import os
import subprocess
from pathlib import Path

import pytest

from support import proc

CGROUP = Path("/sys/fs/cgroup")


def is_unified():
    """/sys/fs/cgroup itself is cgroup2 (a pure v2 host)."""
    return (CGROUP / "cgroup.controllers").exists()


v1_only = pytest.mark.skipif(is_unified(), reason="needs cgroup v1 hierarchies (this host is cgroup v2 only; "
                                                  "the v2 tests are marked cgroup2)")


def v1_file(controller, path, name):
    """Path of a v1 cgroup file of cgroup *path* (hierarchy-relative)."""
    return proc.cgroup_dir(controller, path) / name


def v1_read(controller, path, name):
    return v1_file(controller, path, name).read_text().strip()


def v2_file(path, name):
    return CGROUP / path.lstrip("/") / name


def v2_read(path, name):
    return v2_file(path, name).read_text().strip()


def with_resources(cfg, resources, cgroups_path=None):
    linux = cfg.setdefault("linux", {})
    linux["resources"] = resources
    if cgroups_path:
        linux["cgroupsPath"] = cgroups_path
    return cfg


def running(rt, cfg, *flags, **kw):
    """create + start; (cid, init pid)."""
    res = rt.create(cfg, *flags, **kw)
    rt.start(res.cid)
    return res.cid, rt.state(res.cid)["pid"]


def cgroup_of(pid, controller="memory"):
    """The hierarchy-relative cgroup of *pid* (read on the host)."""
    return proc.host_cgroups(pid)[controller]


def keyed(text):
    """"key value" lines as a dict of ints (memory.stat, memory.events...)."""
    out = {}
    for line in text.splitlines():
        k, _, v = line.partition(" ")
        if v.strip().lstrip("-").isdigit():
            out[k] = int(v)
    return out


def json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


# --- a pure cgroup v2 host for the runtime, on this hybrid machine ------------

V2_SCRIPT = 'umount -R /sys/fs/cgroup && mount -t cgroup2 cgroup2 /sys/fs/cgroup && exec "$@"'
V2_WRAPPER = ["unshare", "--mount", "--propagation", "private", "sh", "-c", V2_SCRIPT, "sh"]
HYBRID_V2 = CGROUP / "unified"


def hybrid_v2_available():
    if is_unified():
        return "this host is already cgroup v2 only (the cgroup2-marked tests cover it)"
    if not (HYBRID_V2 / "cgroup.controllers").exists():
        return "this host has no cgroup2 hierarchy at /sys/fs/cgroup/unified"
    if os.geteuid() != 0:
        return "needs root"
    return None


# net_cls and net_prio are not mounted on this host: a private mount
# namespace mounts them (in place of the name=systemd hierarchy, so no
# directory is made on the host's /sys/fs/cgroup tmpfs)
NET_SCRIPT = ('umount /sys/fs/cgroup/systemd && '
              'mount -t cgroup -o net_cls,net_prio cgroup /sys/fs/cgroup/systemd && exec "$@"')
NET_WRAPPER = ["unshare", "--mount", "--propagation", "private", "sh", "-c", NET_SCRIPT, "sh"]


class Wrapped:
    """The runtime run through *wrapper* (a private mount namespace that
    changes which cgroup hierarchies it sees); teardown (``cleanup``)
    deletes the test's containers the same way, as a plain ``delete``
    would not find their cgroups."""

    def __init__(self, rt, wrapper):
        self.rt = rt
        self.wrapper = list(wrapper)
        self.ids = []

    def __call__(self, *args, **kw):
        return self.rt.runtime(*args, wrapper=self.wrapper, **kw)

    def sh(self, script):
        """Run a shell command on the host, in the wrapper's namespace."""
        return subprocess.run(self.wrapper + ["sh", "-c", script], capture_output=True, text=True, timeout=30)

    def create(self, cfg, *flags, check=True, cid=None):
        cid = cid or self.rt.new_id()
        self.ids.append(cid)
        bundle = self.rt.bundle(cfg)
        res = self("create", "--bundle", bundle, *flags, cid)
        res.cid = cid
        if check:
            assert res.rc == 0, f"create failed:\n{res}"
            self.rt.record_pid(self.state(cid)["pid"])
        return res

    def state(self, cid):
        res = self("state", cid)
        assert res.rc == 0, f"state failed:\n{res}"
        return res.json()

    def running(self, cfg):
        res = self.create(cfg)
        start = self("start", res.cid)
        assert start.rc == 0, f"start failed:\n{start}"
        return res.cid, self.state(res.cid)["pid"]

    def cleanup(self):
        for cid in self.ids:
            self("delete", "--force", cid)


def V2Here(rt):
    return Wrapped(rt, V2_WRAPPER)


def host_path(path):
    """Where the v2-here cgroup *path* is on the host."""
    return HYBRID_V2 / path.lstrip("/")


def run_in_cgroup(cgroup_dir, argv):
    """Run *argv* on the host inside *cgroup_dir* (the child moves itself
    there before exec), returning the CompletedProcess."""
    procs = os.path.join(str(cgroup_dir), "cgroup.procs")

    def enter():
        with open(procs, "w") as f:
            f.write("0")

    return subprocess.run(argv, preexec_fn=enter, capture_output=True, text=True, timeout=30)


# --- a block device of the test's own ----------------------------------------

class LoopDevice:
    """A loop device over a small file: a block device the test may read
    and write (the host's disks may be off limits to the session) and whose
    I/O scheduler it may change.  Detached by ``close``."""

    def __init__(self, directory, size=4 << 20):
        backing = Path(directory) / "loop.img"
        with open(backing, "wb") as f:
            f.truncate(size)
        res = subprocess.run(["losetup", "-f", "--show", str(backing)], capture_output=True, text=True)
        if res.returncode != 0:
            pytest.skip(f"cannot set up a loop device: {res.stderr.strip()}")
        self.path = res.stdout.strip()
        self.name = os.path.basename(self.path)
        major, minor = Path(f"/sys/block/{self.name}/dev").read_text().split(":")
        self.major, self.minor = int(major), int(minor)

    def use_bfq(self):
        try:
            Path(f"/sys/block/{self.name}/queue/scheduler").write_text("bfq")
        except OSError as e:
            pytest.skip(f"BFQ is not available for {self.path}: {e.strerror}")

    def close(self):
        try:  # the scheduler outlives the binding: leave the next user "none"
            Path(f"/sys/block/{self.name}/queue/scheduler").write_text("none")
        except OSError:
            pass
        subprocess.run(["losetup", "-d", self.path], capture_output=True)


@pytest.fixture
def loop_device(tmp_path):
    dev = LoopDevice(tmp_path)
    yield dev
    dev.close()
