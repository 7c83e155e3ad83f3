"""``spec [--bundle DIR] [--rootless]``: writes a starter config.json."""
import json
import os

import pytest

from support import asserts, schema


def _spec(rt, *flags, bundle=None):
    bundle = bundle or rt.hostdir()
    res = rt.runtime("spec", "--bundle", bundle, *flags)
    return res, bundle


def test_spec_writes_a_valid_config(rt):
    res, bundle = _spec(rt)
    asserts.ok(res, "spec")
    cfg = json.loads((bundle / "config.json").read_text())
    schema.assert_valid("config-schema.json", cfg)
    assert cfg["root"]["path"] == "rootfs"
    assert cfg["process"]["args"]
    types = {n["type"] for n in cfg["linux"]["namespaces"]}
    assert {"pid", "mount", "ipc", "uts", "network"} <= types
    if not rt.is_runc:
        assert cfg["ociVersion"] == "1.3.0"


def test_spec_without_bundle_uses_the_current_directory(rt):
    d = rt.hostdir()
    asserts.ok(rt.runtime("spec", cwd=d), "spec")
    schema.assert_valid("config-schema.json", json.loads((d / "config.json").read_text()))


@pytest.mark.parametrize("flag", ["-b", "--bundle="])
def test_spec_bundle_spellings(rt, flag):
    d = rt.hostdir()
    args = [flag + str(d)] if flag.endswith("=") else [flag, d]
    asserts.ok(rt.runtime("spec", *args), f"spec {args}")
    assert (d / "config.json").is_file()


def test_spec_refuses_to_overwrite(rt):
    d = rt.hostdir()
    (d / "config.json").write_text('{"mine": true}')
    asserts.error(rt.runtime("spec", "--bundle", d))
    assert (d / "config.json").read_text() == '{"mine": true}'


def test_spec_into_a_missing_directory_fails(rt):
    d = rt.tmp / "no-such-dir"
    asserts.error(rt.runtime("spec", "--bundle", d))
    assert not d.exists()


def test_rootless_spec(rt):
    res, bundle = _spec(rt, "--rootless")
    asserts.ok(res, "spec --rootless")
    cfg = json.loads((bundle / "config.json").read_text())
    schema.assert_valid("config-schema.json", cfg)
    types = {n["type"] for n in cfg["linux"]["namespaces"]}
    assert "user" in types
    assert "network" not in types
    uid_maps = cfg["linux"]["uidMappings"]
    gid_maps = cfg["linux"]["gidMappings"]
    assert uid_maps[0]["hostID"] == os.geteuid() and uid_maps[0]["containerID"] == 0
    assert gid_maps[0]["hostID"] == os.getegid() and gid_maps[0]["containerID"] == 0


def test_spec_output_runs(rt):
    """The generated config, with a rootfs and a non-terminal process, is a
    working container."""
    bundle = rt.bundle(config=False)
    asserts.ok(rt.runtime("spec", "--bundle", bundle), "spec")
    cfg = json.loads((bundle / "config.json").read_text())
    cfg["process"]["terminal"] = False
    cfg["process"]["args"] = ["sh", "-c", "echo spec-ok"]
    rt.write_config(bundle, cfg)
    res = rt.run(bundle=bundle)
    assert res.rc == 0, str(res)
    assert res.out == "spec-ok\n"
