"""The three engines, each configured to run its containers with the runtime
wrapper (wrapper.py) and to keep every file, socket and cgroup it makes in
the session's directory or under the session token.

- :class:`Podman`: ``containers.conf``/``storage.conf`` of the session
  (``CONTAINERS_CONF``/``CONTAINERS_STORAGE_CONF``), ``--runtime <wrapper>``
  on every command, ``--cgroup-parent /<token>-podman`` on every container.
- :class:`Containerd`: a ``containerd`` on its own socket/root/state, driven
  with ``ctr --runc-binary <wrapper>`` in namespace ``<token>``.
- :class:`Docker`: a ``dockerd`` on its own socket/data-root/exec-root with
  its own containerd, ``--add-runtime <name>=<wrapper>`` (and the same
  runtime declared in ``daemon.json``).

The classes are session-wide; the per-test views (``for_test``) remember the
containers a test made and remove them at its teardown, even on failure.
"""
import itertools
import json
import os
import shutil
import subprocess
from pathlib import Path

from . import harness

_seq = itertools.count(1)


def _which(name, extra=()):
    for d in extra:
        p = Path(d) / name
        if p.is_file() and os.access(p, os.X_OK):
            return str(p)
    return shutil.which(name)


def cli_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONTAINERS_", "DOCKER_", "CONTAINERD_"))}
    env.update(extra)
    return env


# --- podman ----------------------------------------------------------------------

PODMAN_CONF = """\
# containers.conf of the engine tests (tests/engines/clients.py)
[containers]
# this machine's hard RLIMIT_NOFILE is 20000 and conmon's lower still: ask
# only for limits a container can be given without CAP_SYS_RESOURCE
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
netns = "none"
log_driver = "k8s-file"

[network]
network_config_dir = "{dir}/networks"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "{dir}/events.log"
tmp_dir = "{dir}/tmp"
volume_path = "{dir}/volumes"
runtime = "{name}"
# podman passes --log-format=json only to the runtimes listed here
runtime_supports_json = ["{name}", "runc", "crun"]

[engine.runtimes]
{name} = ["{wrapper}"]
"""

STORAGE_CONF = """\
[storage]
driver = "{driver}"
graphroot = "{dir}/storage"
runroot = "{dir}/run"
"""


def overlay_works(probe_dir):
    """Whether an overlay mount works here (else podman uses vfs)."""
    probe = Path(probe_dir)
    for d in ("l", "u", "w", "m"):
        (probe / d).mkdir(parents=True, exist_ok=True)
    r = subprocess.run(["mount", "-t", "overlay", "overlay", "-o",
                        f"lowerdir={probe}/l,upperdir={probe}/u,workdir={probe}/w", str(probe / "m")],
                       capture_output=True)
    if r.returncode == 0:
        subprocess.run(["umount", str(probe / "m")], capture_output=True)
    shutil.rmtree(probe, ignore_errors=True)
    return r.returncode == 0


class Podman:
    NAME = "pyrunc"  # the runtime's name in containers.conf

    def __init__(self, session_dir, wrapper, token):
        self.binary = _which("podman")
        self.dir = Path(session_dir) / "podman"
        self.dir.mkdir(parents=True)
        self.wrapper, self.token = Path(wrapper), token
        self.cgroup_parent = f"/{token}-podman"
        driver = "overlay" if overlay_works(self.dir / "probe") else "vfs"
        self.conf = self.dir / "containers.conf"
        self.conf.write_text(PODMAN_CONF.format(dir=self.dir, name=self.NAME, wrapper=self.wrapper))
        storage = self.dir / "storage.conf"
        storage.write_text(STORAGE_CONF.format(dir=self.dir, driver=driver))
        registries = self.dir / "registries.conf"
        registries.write_text("unqualified-search-registries = []\n")
        self.env = cli_env(CONTAINERS_CONF=str(self.conf), CONTAINERS_STORAGE_CONF=str(storage),
                           CONTAINERS_REGISTRIES_CONF=str(registries))
        self.scratch = self.dir / "cmd"

    def argv(self, *args, runtime_flag=True):
        head = [self.binary]
        if runtime_flag:
            head += ["--runtime", str(self.wrapper)]
        return head + [str(a) for a in args]

    def __call__(self, *args, timeout=harness.DEFAULT_TIMEOUT, runtime_flag=True, stdin=None):
        return harness.run(self.argv(*args, runtime_flag=runtime_flag), env=self.env, timeout=timeout,
                           scratch=self.scratch, stdin=stdin)

    def load(self, archive):
        r = self("load", "-i", archive, timeout=180)
        assert r.rc == 0, f"podman load failed:\n{r}"

    def remove_all(self):
        self("rm", "--all", "--force", "--time", "0", timeout=120)

    def for_test(self):
        return PodmanTest(self)


class PodmanTest:
    """A test's podman: names its containers and removes them at teardown."""

    def __init__(self, podman):
        self.podman, self.names = podman, []
        self.env = podman.env

    def name(self):
        n = f"{self.podman.token}-p{next(_seq)}"
        self.names.append(n)
        return n

    def __call__(self, *args, **kw):
        return self.podman(*args, **kw)

    def argv(self, *args, **kw):
        return self.podman.argv(*args, **kw)

    def run(self, *args, **kw):
        """``podman run --cgroup-parent <session parent> ARGS``."""
        return self.podman("run", "--cgroup-parent", self.podman.cgroup_parent, *args, **kw)

    def run_argv(self, *args):
        return self.podman.argv("run", "--cgroup-parent", self.podman.cgroup_parent, *args)

    def cleanup(self):
        if self.names:
            self.podman("rm", "--force", "--time", "0", "--ignore", *self.names, timeout=120)


# --- containerd ----------------------------------------------------------------

CONTAINERD_CONF = """\
version = 2
root = "{dir}/root"
state = "{dir}/state"
# the CRI plugin would want CNI and a sandbox image; ctr does not need it
disabled_plugins = ["io.containerd.grpc.v1.cri"]

[grpc]
  address = "{dir}/containerd.sock"

[ttrpc]
  address = "{dir}/containerd.sock.ttrpc"

[debug]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = "{dir}/opt"
"""

# What README tells Kubernetes users (the CRI plugin's runtime options): the
# engine tests check that containerd reads it as a runc runtime whose
# BinaryName is the wrapper.
CRI_RUNTIME_CONF = """\
version = 2
root = "{dir}/root"
state = "{dir}/state"

[plugins."io.containerd.grpc.v1.cri".containerd]
  default_runtime_name = "pyrunc"

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.pyrunc]
  runtime_type = "io.containerd.runc.v2"

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.pyrunc.options]
  BinaryName = "{wrapper}"
"""


class Containerd:
    """A containerd daemon of the session (also the one dockerd uses)."""

    def __init__(self, session_dir, subdir="containerd"):
        self.binary = _which("containerd")
        self.dir = Path(session_dir) / subdir
        (self.dir / "opt").mkdir(parents=True)
        self.config = self.dir / "config.toml"
        self.config.write_text(CONTAINERD_CONF.format(dir=self.dir))
        self.socket = self.dir / "containerd.sock"
        self.daemon = harness.Daemon("containerd", [self.binary, "--config", self.config, "--log-level", "info"],
                                     self.dir / "containerd.log", self.socket, env=cli_env())

    def start(self):
        self.daemon.start()
        return self


class Ctr:
    """``ctr`` against the session's containerd, in namespace ``<token>``,
    with ``--runc-binary <wrapper>`` (the runc shim's BinaryName option)."""

    def __init__(self, containerd, wrapper, token):
        self.containerd, self.wrapper, self.ns = containerd, Path(wrapper), token
        self.binary = _which("ctr")
        self.runc_root = containerd.dir / "runc-root"
        self.fifo_dir = containerd.dir / "fifo"
        self.scratch = containerd.dir / "cmd"
        self.env = containerd.daemon.env

    def argv(self, *args):
        return [self.binary, "--address", self.containerd.socket, "--namespace", self.ns] + [str(a) for a in args]

    def __call__(self, *args, timeout=harness.DEFAULT_TIMEOUT, stdin=None):
        return harness.run(self.argv(*args), env=self.env, timeout=timeout, scratch=self.scratch, stdin=stdin)

    def run_flags(self):
        return ["--runc-binary", self.wrapper, "--runc-root", self.runc_root, "--fifo-dir", self.fifo_dir]

    def load(self, archive):
        r = self("images", "import", archive, timeout=180)
        assert r.rc == 0, f"ctr images import failed:\n{r}"

    def tasks(self):
        """{id: (pid, status)} from ``ctr task ls``."""
        r = self("task", "ls")
        assert r.rc == 0, str(r)
        out = {}
        for line in r.out.splitlines()[1:]:
            f = line.split()
            if len(f) >= 3:
                out[f[0]] = (int(f[1]), f[2])
        return out

    def for_test(self):
        return CtrTest(self)

    def remove(self, ids):
        for cid in ids:
            self("task", "kill", "--signal", "SIGKILL", cid, timeout=30)
            self("task", "delete", "--force", cid, timeout=60)
            self("container", "delete", cid, timeout=30)

    def remove_all(self):
        r = self("container", "ls", "--quiet")
        if r.rc == 0:
            self.remove(r.out.split())


class CtrTest:
    def __init__(self, ctr):
        self.ctr, self.ids = ctr, []

    def name(self):
        n = f"c{next(_seq)}"
        self.ids.append(n)
        return n

    def __call__(self, *args, **kw):
        return self.ctr(*args, **kw)

    def run(self, *args, **kw):
        """``ctr run --runc-binary <wrapper> ... ARGS`` (ARGS: flags, image, id, command)."""
        return self.ctr("run", *self.ctr.run_flags(), *args, **kw)

    def run_argv(self, *args):
        return self.ctr.argv("run", *self.ctr.run_flags(), *args)

    def cleanup(self):
        self.ctr.remove(self.ids)


# --- docker --------------------------------------------------------------------

class Docker:
    RUNTIME = "pyrunc"            # --add-runtime pyrunc=<wrapper>
    JSON_RUNTIME = "pyrunc-json"  # the same wrapper declared in daemon.json

    def __init__(self, session_dir, wrapper, token, containerd):
        self.dockerd = _which("dockerd")
        # the client packaged with dockerd first (a newer one elsewhere on
        # PATH would do, but the pair is what Debian ships)
        self.binary = _which("docker", extra=[os.path.dirname(self.dockerd or "/usr/sbin"), "/usr/bin"])
        self.dir = Path(session_dir) / "docker"
        self.dir.mkdir(parents=True)
        self.wrapper, self.token, self.containerd = Path(wrapper), token, containerd
        self.cgroup_parent = f"/{token}-docker"
        self.socket = self.dir / "docker.sock"
        config = {
            "runtimes": {self.JSON_RUNTIME: {"path": str(self.wrapper)}},
            # dockerd 20.10 writes a trust key to /etc/docker unless told
            "deprecated-key-path": str(self.dir / "key.json"),
        }
        self.daemon_json = self.dir / "daemon.json"
        self.daemon_json.write_text(json.dumps(config, indent=2))
        argv = [self.dockerd, "--config-file", self.daemon_json, "-H", f"unix://{self.socket}",
                "--data-root", self.dir / "data", "--exec-root", self.dir / "exec",
                "--pidfile", self.dir / "docker.pid", "--containerd", containerd.socket,
                "--iptables=false", "--ip6tables=false", "--bridge=none",
                "--exec-opt", "native.cgroupdriver=cgroupfs", "--cgroup-parent", self.cgroup_parent,
                "--default-ulimit", "nofile=1024:1024",
                "--add-runtime", f"{self.RUNTIME}={self.wrapper}"]
        self.env = cli_env(DOCKER_CONFIG=str(self.dir / "cli-config"))
        self.daemon = harness.Daemon("dockerd", argv, self.dir / "dockerd.log", self.socket, env=self.env)
        self.scratch = self.dir / "cmd"

    def start(self):
        self.daemon.start(timeout=90)
        return self

    def argv(self, *args):
        return [self.binary, "-H", f"unix://{self.socket}"] + [str(a) for a in args]

    def __call__(self, *args, timeout=harness.DEFAULT_TIMEOUT, stdin=None):
        return harness.run(self.argv(*args), env=self.env, timeout=timeout, scratch=self.scratch, stdin=stdin)

    def load(self, archive):
        r = self("load", "-i", archive, timeout=180)
        assert r.rc == 0, f"docker load failed:\n{r}"

    def remove_all(self):
        r = self("ps", "--all", "--quiet")
        if r.rc == 0 and r.out.split():
            self("rm", "--force", *r.out.split(), timeout=120)

    def for_test(self):
        return DockerTest(self)


class DockerTest:
    def __init__(self, docker):
        self.docker, self.names = docker, []
        self.env = docker.env

    def name(self):
        n = f"{self.docker.token}-d{next(_seq)}"
        self.names.append(n)
        return n

    def __call__(self, *args, **kw):
        return self.docker(*args, **kw)

    def argv(self, *args):
        return self.docker.argv(*args)

    def run(self, *args, runtime=None, **kw):
        """``docker run --runtime pyrunc --network none ARGS``."""
        return self.docker(*self.run_args(*args, runtime=runtime), **kw)

    def run_args(self, *args, runtime=None):
        return ["run", "--runtime", runtime or self.docker.RUNTIME, "--network", "none", *args]

    def cleanup(self):
        if self.names:
            self.docker("rm", "--force", *self.names, timeout=120)
