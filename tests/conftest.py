"""Fixtures shared by pyrunc's test suites.

Integration tests (tests/integration/) run real containers with the runtime
binary named by ``PYRUNC_TEST_RUNTIME`` (default: ``pyrunc`` on PATH); point
it at ``runc`` to check the suite against runc::

    python3 -m pytest tests/integration -q
    PYRUNC_TEST_RUNTIME=/usr/sbin/runc python3 -m pytest tests/integration -q -rs

Every integration test gets
a ``TestEnv`` (the ``rt`` fixture, autouse) whose teardown force-deletes the
test's containers and then fails the test if anything is left on the host
(state entries, cgroups named after the test, mounts under its directory,
processes, named network namespaces): see tests/support/env.py.

Markers:
- ``cgroup2``, ``apparmor``, ``systemd`` (pyproject.toml): see tests/vm_markers.py.
- ``runc_differs(reason)``: the contract differs from runc's behaviour here
  (usually because runc deviates from the runtime spec); skipped when the
  runtime under test is runc.
"""
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from support import leaks  # noqa: E402
from support import rootfs as rootfs_mod  # noqa: E402
from support.env import TestEnv, new_token  # noqa: E402
from support.runtime import is_runc, runtime_binary  # noqa: E402


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "runc_differs(reason): contract differs from runc here; skipped when testing runc")


def pytest_report_header(config):
    return f"runtime under test: {runtime_binary() or '(none found)'}"


def pytest_runtest_setup(item):
    # cgroup2 / apparmor / systemd markers: skip (fail in the test VM) when
    # the host lacks the feature -- see tests/vm_markers.py
    try:
        from vm_markers import apply_markers
    except ImportError:
        pass
    else:
        apply_markers(item)
    mark = item.get_closest_marker("runc_differs")
    if mark and is_runc():
        reason = mark.args[0] if mark.args else mark.kwargs.get("reason", "")
        pytest.skip(f"runc differs: {reason}")


def _is_integration(request):
    return "integration" in Path(str(request.node.path)).parts


@pytest.fixture(scope="session")
def session_tmp():
    path = Path(tempfile.mkdtemp(prefix="pyrunc-it-", dir=os.environ.get("PYRUNC_TEST_TMP", "/tmp")))
    yield path
    if not leaks.mounts_under(path):
        shutil.rmtree(path, ignore_errors=True)


class _LazyRootfs:
    """Builds the busybox rootfs the first time a bundle needs it."""

    def __init__(self, base):
        self.base = base
        self.path = None

    def __call__(self):
        if self.path is None:
            if not rootfs_mod.busybox_available():
                pytest.skip(f"{rootfs_mod.BUSYBOX} not found: install Debian's busybox-static "
                            "to run the container tests")
            self.path = rootfs_mod.build(self.base / "busybox-rootfs")
        return self.path


@pytest.fixture(scope="session")
def busybox_rootfs_factory(session_tmp):
    return _LazyRootfs(session_tmp)


@pytest.fixture(scope="session")
def busybox_rootfs(busybox_rootfs_factory):
    """Path of the session's pristine busybox rootfs (never modify it)."""
    return busybox_rootfs_factory()


@pytest.fixture(scope="session")
def runtime_path():
    binary = runtime_binary()
    if not binary or not os.access(binary, os.X_OK):
        pytest.fail("no runtime binary: install pyrunc (pip install -e .) or set PYRUNC_TEST_RUNTIME")
    return binary


@pytest.fixture
def rt(runtime_path, session_tmp, busybox_rootfs_factory):
    """The test's TestEnv; its teardown fails the test on any leftover."""
    token = new_token()
    env = TestEnv(runtime_path, session_tmp / token, busybox_rootfs_factory, token=token)
    yield env
    _finish(env)


def _finish(env):
    problems = env.finalize()
    if problems:
        pytest.fail("test left things behind (now removed):\n  - " + "\n  - ".join(problems), pytrace=False)


@pytest.fixture(autouse=True)
def _integration_guard(request):
    """Every integration test gets the leak checks, even one that does not
    ask for ``rt`` itself."""
    if not _is_integration(request):
        yield
        return
    request.getfixturevalue("rt")
    yield
