"""``pyrunc validate [--bundle DIR]``: every problem of a bundle at once, one
per line on stdout as ``PATH: MESSAGE``, warnings prefixed ``warning: ``,
exit 1 on any error.  pyrunc's own verb: skipped when testing runc."""
import glob
import json
import os
import shutil

import pytest

from support import asserts
from support.config import base_config

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
UPSTREAM = os.path.normpath(os.path.join(REPO, "..", "shared", "runtime-spec", "schema"))

# The path each upstream bad fixture gets wrong.
BAD_FIXTURES = {
    "freebsd-vnet-disable.json": "freebsd.jail.vnet: ",
    "linux-hugepage.json": "linux.resources.hugepageLimits[0].pageSize: ",
    "linux-netdevice.json": "linux.netDevices.eth0.name: ",
    "linux-rdma.json": "linux.resources.rdma.mlx5_1.hcaHandles: ",
}


@pytest.fixture(autouse=True)
def _pyrunc_only(rt):
    if rt.is_runc:
        pytest.skip("validate is a pyrunc verb")


def validate(rt, bundle=None, cwd=None):
    args = ["validate"] + (["--bundle", str(bundle)] if bundle is not None else [])
    return rt.runtime(*args, root=False, cwd=cwd)


def bundle_of(rt, config=None):
    """A bundle whose rootfs is an empty directory: validation looks no further."""
    path = rt.bundle(config, rootfs=False)
    (path / "rootfs").mkdir()
    return path


def _bad_fixtures():
    return sorted(glob.glob(os.path.join(UPSTREAM, "test", "config", "bad", "*.json")))


def test_a_valid_bundle_prints_nothing(rt):
    res = asserts.ok(validate(rt, bundle_of(rt)), "validate")
    assert res.out == ""


def test_bundle_defaults_to_the_current_directory(rt):
    bundle = bundle_of(rt)
    asserts.ok(validate(rt, cwd=bundle), "validate")
    (bundle / "rootfs").rename(bundle / "elsewhere")
    res = validate(rt, cwd=bundle)
    assert res.rc == 1 and "root.path: " in res.out, res


@pytest.mark.skipif(not os.path.isdir(UPSTREAM), reason=f"upstream schema not found at {UPSTREAM}")
@pytest.mark.parametrize("fixture", [os.path.basename(p) for p in _bad_fixtures()] or ["none"])
def test_each_upstream_bad_fixture_names_the_offending_path(rt, fixture):
    bundle = rt.bundle(config=False, rootfs=False)
    shutil.copy(os.path.join(UPSTREAM, "test", "config", "bad", fixture), bundle / "config.json")
    res = validate(rt, bundle)
    if fixture == "invalid-json.json":
        # Not JSON, so no JSON path: the one-line error names the file and position.
        asserts.error(res, "config.json", "malformed JSON", "line 1")
        return
    assert res.rc == 1, res
    assert fixture in BAD_FIXTURES, f"new upstream bad fixture {fixture}: add its offending path"
    assert any(line.startswith(BAD_FIXTURES[fixture]) for line in res.lines), res
    assert not asserts.TRACEBACK.search(res.out + res.err)


def test_every_problem_one_per_line(rt):
    config = base_config()
    config["process"]["user"]["uid"] = "0"
    config["process"]["cwd"] = "relative"
    config["mounts"][2]["destination"] = 7
    config["linux"]["namespaces"].append({"type": "pid"})
    config["linux"]["resources"] = {"memory": {"kernel": 1}}
    bundle = bundle_of(rt, config)
    res = validate(rt, bundle)
    assert res.rc == 1, res
    assert res.err == ""
    assert res.lines[:2] == ["mounts[2].destination: expected string", "process.user.uid: expected integer"]
    assert res.lines[2].startswith("process.cwd: ")
    assert res.lines[3].startswith("linux.namespaces[6].type: ")
    assert res.lines[4].startswith("warning: linux.resources.memory.kernel: ")
    assert len(res.lines) == 5, res


def test_warnings_alone_exit_zero(rt):
    config = base_config()
    config["linux"]["resources"] = {"memory": {"kernel": 1}}
    res = asserts.ok(validate(rt, bundle_of(rt, config)), "validate")
    assert res.lines == ["warning: linux.resources.memory.kernel: deprecated (NOT RECOMMENDED by the spec, "
                         "absent in cgroup v2): written only where the kernel still has the file"]


def test_missing_bundle_and_config(rt):
    asserts.error(validate(rt, rt.tmp / "nope"), "no such directory")
    asserts.error(validate(rt, rt.bundle(config=False, rootfs=False)), "config.json not found")


def test_unexpected_argument(rt):
    asserts.error(rt.runtime("validate", "extra", root=False), "unexpected arguments")


def test_create_refuses_what_validate_reports(rt):
    """create runs the same checks and stops at the first one, naming it."""
    config = base_config()
    config["process"]["user"]["uid"] = "0"
    res = rt.create(config, bundle=bundle_of(rt, config), check=False)
    asserts.error(res, "process.user.uid: expected integer")
