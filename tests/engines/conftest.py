"""Engine tests: podman, containerd (ctr) and docker run their containers
with the runtime under test.

The runtime is ``$PYRUNC_ENGINE_RUNTIME`` (default: ``pyrunc`` on PATH); run
the same suites with ``PYRUNC_ENGINE_RUNTIME=/usr/sbin/runc`` to see that
they test the engine path rather than pyrunc's own assumptions.  Each engine
is given a logging wrapper (wrapper.py) in place of the runtime; a failing
test prints every runtime invocation the engine made during the test.

A suite is skipped, with the reason, only when its engine's binaries are not
installed (README's setup command installs them).  Everything runs under one
session directory and one session token, and is removed at the end even
after failures (harness.sweep).

Marker: ``engines`` (every test here); ``-m 'not engines'`` leaves them out.
``PYRUNC_ENGINE_CALLS_DUMP=FILE`` writes every runtime invocation of the
session to FILE (to compare what the engines send to pyrunc and to runc).
"""
import os
import secrets
import shutil
import tempfile
from pathlib import Path

import pytest

from support import rootfs as rootfs_mod

from . import clients, harness, image, wrapper

ENGINE_DIR = Path(__file__).parent

REQUIRED = {
    "podman": ("podman", "conmon"),
    "containerd": ("containerd", "ctr", "containerd-shim-runc-v2"),
    "docker": ("dockerd", "docker", "containerd", "containerd-shim-runc-v2"),
}


def pytest_configure(config):
    config.addinivalue_line("markers", "engines: runs podman/containerd/docker with the runtime under test "
                                       "(tests/engines)")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if ENGINE_DIR in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.engines)


def engine_runtime():
    override = os.environ.get("PYRUNC_ENGINE_RUNTIME")
    if override:
        return shutil.which(override) or override
    return shutil.which("pyrunc")


def pytest_report_header(config):
    return f"engine tests' runtime: {engine_runtime() or '(none found)'}"


def missing(engine):
    return [b for b in REQUIRED[engine] if not shutil.which(b) and not os.path.exists(f"/usr/sbin/{b}")]


def require(engine):
    gone = missing(engine)
    if gone:
        pytest.skip(f"{engine} is not installed (missing {', '.join(gone)}): README's setup command installs it")


# --- the session ---------------------------------------------------------------

class Session:
    def __init__(self):
        self.token = "pyrunc-eng-" + secrets.token_hex(3)
        base = os.environ.get("PYRUNC_TEST_TMP", "/tmp")
        self.dir = Path(tempfile.mkdtemp(prefix=self.token + "-", dir=base))
        self.dir.chmod(0o755)
        self.host_paths = harness.HostPaths()
        self.daemons = []
        self.cleanups = []   # callables, run last-in first-out before the sweep
        self._image = None
        self.runtime = engine_runtime()
        if not self.runtime or not os.access(self.runtime, os.X_OK):
            pytest.fail("no runtime for the engine tests: install pyrunc or set PYRUNC_ENGINE_RUNTIME")
        self.wrapper = wrapper.install(self.runtime, self.dir / "bin", self.dir / "calls")
        self.calls = wrapper.CallLog(self.dir / "calls")

    def image(self):
        if self._image is None:
            if not rootfs_mod.busybox_available():
                pytest.fail(f"{rootfs_mod.BUSYBOX} not found: install Debian's busybox-static")
            self._image = image.build(self.dir / "image")
        return self._image

    def finish(self):
        problems = []
        dump = os.environ.get("PYRUNC_ENGINE_CALLS_DUMP")
        if dump:
            Path(dump).write_text(self.calls.format(limit=100000) + "\n")
        for fn in reversed(self.cleanups):
            try:
                fn()
            except Exception as e:  # keep cleaning up
                problems.append(f"clean-up step failed: {e!r}")
        for d in reversed(self.daemons):
            d.stop()
        problems += harness.sweep(self.dir, self.token, self.daemons)
        if not harness.leaks.mounts_under(self.dir):
            shutil.rmtree(self.dir, ignore_errors=True)
        self.host_paths.restore(self.dir, "pyrunc-eng-")
        return problems


@pytest.fixture(scope="session")
def engine_session():
    s = Session()
    yield s
    problems = s.finish()
    if problems:
        # reported, not raised: each test's own teardown already checked
        # what it made; this is the last-resort sweep
        print("\nengine tests: the final sweep removed:\n  - " + "\n  - ".join(problems))


@pytest.fixture(autouse=True)
def _runtime_calls(request):
    """Remember which runtime calls happened during the test, for the
    report of a failing test."""
    if "engine_session" not in request.fixturenames:
        yield
        return
    sess = request.getfixturevalue("engine_session")
    request.node._engine_calls = (sess.calls, sess.calls.mark())
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    info = getattr(item, "_engine_calls", None)
    if info and rep.failed and rep.when in ("call", "setup"):
        log, since = info
        rep.sections.append(("runtime calls made by the engine (wrapper log)", log.format(since)))


# --- podman ----------------------------------------------------------------------

@pytest.fixture(scope="session")
def podman_engine(engine_session):
    require("podman")
    p = clients.Podman(engine_session.dir, engine_session.wrapper, engine_session.token)
    engine_session.cleanups.append(p.remove_all)
    p.load(engine_session.image())
    return p


@pytest.fixture
def podman(podman_engine):
    t = podman_engine.for_test()
    yield t
    t.cleanup()


# --- containerd ----------------------------------------------------------------

@pytest.fixture(scope="session")
def ctr_engine(engine_session):
    require("containerd")
    cd = clients.Containerd(engine_session.dir)
    engine_session.daemons.append(cd.daemon)
    cd.start()
    c = clients.Ctr(cd, engine_session.wrapper, engine_session.token)
    engine_session.cleanups.append(c.remove_all)
    c.load(engine_session.image())
    return c


@pytest.fixture
def ctr(ctr_engine):
    t = ctr_engine.for_test()
    yield t
    t.cleanup()


# --- docker --------------------------------------------------------------------

@pytest.fixture(scope="session")
def docker_engine(engine_session):
    require("docker")
    cd = clients.Containerd(engine_session.dir, subdir="docker-containerd")
    engine_session.daemons.append(cd.daemon)
    cd.start()
    d = clients.Docker(engine_session.dir, engine_session.wrapper, engine_session.token, cd)
    engine_session.daemons.append(d.daemon)
    d.start()
    engine_session.cleanups.append(d.remove_all)
    d.load(engine_session.image())
    return d


@pytest.fixture
def docker(docker_engine):
    t = docker_engine.for_test()
    yield t
    t.cleanup()
