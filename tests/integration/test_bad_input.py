"""Bad input fails cleanly: exit 1, one line on stderr, and nothing left
behind (runtime.md "Errors": as if the operation were never attempted).

The teardown guard checks the host for leftovers (state dir, cgroups,
mounts, processes); each test also checks that the id is unknown after the
failure and that the id can then be used for a good container.
"""
import os

import pytest

from support import asserts
from support.config import base_config, bind, remove_namespace, sh


def _assert_failed_cleanly(rt, res, *fragments):
    asserts.error(res, *fragments)
    asserts.not_exist(rt.runtime("state", res.cid))
    assert not rt.root.exists() or os.listdir(rt.root) == [], f"state left: {os.listdir(rt.root)}"


def _create_bundle(rt, bundle, *flags, verb="create"):
    cid = rt.new_id()
    res = rt.runtime(verb, "--bundle", bundle, *flags, cid)
    res.cid = cid
    return res


def _create_cfg(rt, cfg, verb="create"):
    return _create_bundle(rt, rt.bundle(cfg), verb=verb)


def _id_still_usable(rt, cid):
    good = rt.create(base_config(["true"]), cid=cid)
    assert rt.status(good.cid) == "created"


def test_missing_bundle_directory(rt):
    res = _create_bundle(rt, rt.tmp / "no-such-bundle")
    _assert_failed_cleanly(rt, res)
    _id_still_usable(rt, res.cid)


def test_missing_config_json(rt):
    res = _create_bundle(rt, rt.bundle(config=False))
    _assert_failed_cleanly(rt, res, "config.json")


@pytest.mark.parametrize("text", ["{", "", "[]", "null", '{"ociVersion": "1.3.0",}'],
                         ids=["truncated", "empty", "array", "null", "trailing-comma"])
def test_malformed_json(rt, text):
    res = _create_bundle(rt, rt.bundle(config=text))
    _assert_failed_cleanly(rt, res)
    _id_still_usable(rt, res.cid)


def _without(path):
    cfg = base_config(["true"])
    *parents, last = path
    node = cfg
    for p in parents:
        node = node[p]
    del node[last]
    return cfg


@pytest.mark.parametrize("path", [
    pytest.param(("ociVersion",), marks=pytest.mark.runc_differs("runc 1.1.5 does not require ociVersion")),
    ("root",), ("root", "path"), ("process", "args"), ("process", "cwd"),
], ids=lambda p: ".".join(p))
def test_missing_required_field(rt, path):
    res = _create_cfg(rt, _without(path))
    _assert_failed_cleanly(rt, res)


def test_empty_args(rt):
    res = _create_cfg(rt, base_config([]))
    _assert_failed_cleanly(rt, res)


def test_root_path_does_not_exist(rt):
    cfg = base_config(["true"])
    cfg["root"]["path"] = "no-such-rootfs"
    res = _create_cfg(rt, cfg)
    _assert_failed_cleanly(rt, res)


def test_bind_mount_source_does_not_exist(rt):
    """Fails inside the init after earlier mounts were made: everything must
    still be undone."""
    cfg = base_config(["true"])
    bind(cfg, rt.tmp / "no-such-source", "/mnt/x")
    res = _create_cfg(rt, cfg)
    _assert_failed_cleanly(rt, res)
    _id_still_usable(rt, res.cid)


def test_unknown_mount_type(rt):
    cfg = base_config(["true"])
    cfg["mounts"].append({"destination": "/mnt/x", "type": "no-such-fs", "source": "none"})
    res = _create_cfg(rt, cfg)
    _assert_failed_cleanly(rt, res)


@pytest.mark.parametrize("exe", ["/bin/no-such-program", "no-such-program"])
def test_executable_not_found_fails_at_create(rt, exe):
    res = _create_cfg(rt, base_config([exe]))
    _assert_failed_cleanly(rt, res, "no-such-program")


def test_executable_not_found_with_run(rt):
    res = _create_cfg(rt, base_config(["no-such-program"]), verb="run")
    _assert_failed_cleanly(rt, res, "no-such-program")


def test_executable_is_a_directory(rt):
    res = _create_cfg(rt, base_config(["/tmp"]))
    _assert_failed_cleanly(rt, res)


def test_relative_cwd(rt):
    res = _create_cfg(rt, base_config(["true"], cwd="tmp"))
    _assert_failed_cleanly(rt, res)


def test_unknown_namespace_type(rt):
    cfg = base_config(["true"])
    cfg["linux"]["namespaces"].append({"type": "no-such-ns"})
    res = _create_cfg(rt, cfg)
    _assert_failed_cleanly(rt, res)


def test_namespace_path_does_not_exist(rt):
    cfg = base_config(["true"])
    remove_namespace(cfg, "network")
    cfg["linux"]["namespaces"].append({"type": "network", "path": str(rt.tmp / "no-such-ns")})
    res = _create_cfg(rt, cfg)
    _assert_failed_cleanly(rt, res)


def test_namespace_path_of_the_wrong_type(rt):
    """An ipc namespace file given as the network namespace."""
    cfg = base_config(["true"])
    remove_namespace(cfg, "network")
    cfg["linux"]["namespaces"].append({"type": "network", "path": "/proc/self/ns/ipc"})
    res = _create_cfg(rt, cfg)
    _assert_failed_cleanly(rt, res)


def test_hostname_without_uts_namespace(rt):
    """runc: 'unable to set hostname without a private UTS namespace'."""
    res = _create_cfg(rt, remove_namespace(base_config(["true"]), "uts"))
    _assert_failed_cleanly(rt, res)


def test_create_without_an_id(rt):
    res = rt.runtime("create", "--bundle", rt.bundle(base_config(["true"])))
    assert res.rc == 1, str(res)
    assert not asserts.TRACEBACK.search(res.err)
    assert not rt.root.exists() or os.listdir(rt.root) == []


def test_unknown_flag(rt):
    cid = rt.new_id()
    res = rt.runtime("create", "--no-such-flag", "--bundle", rt.bundle(base_config(["true"])), cid)
    assert res.rc != 0, str(res)
    assert not asserts.TRACEBACK.search(res.err)
    asserts.not_exist(rt.runtime("state", cid))


def test_failed_run_leaves_nothing(rt):
    """A failure at the last step (exec) of ``run``."""
    cfg = sh("true")
    cfg["process"]["args"] = ["/etc/passwd"]  # exists but not executable
    res = _create_cfg(rt, cfg, verb="run")
    _assert_failed_cleanly(rt, res)
