"""``pyrunc features``: the features document (features.md,
features-linux.md), valid against the upstream and the project's schemas and
truthful about this build (pyrunc/features.py) and this machine."""
import json

import pytest

from support import asserts, schema as upstream


@pytest.fixture
def doc(rt):
    res = asserts.ok(rt.runtime("features", root=False), "features")
    return res.json()


def test_valid_against_the_upstream_features_schema(doc):
    upstream.assert_valid("features-schema.json", doc)


def test_valid_against_the_project_schema(rt, doc):
    if rt.is_runc:
        pytest.skip("runc's document is checked against the upstream schema only")
    from pyrunc.spec.validate import schema_problems
    assert schema_problems(doc, "features-schema.json") == []


def test_versions(doc):
    assert doc["ociVersionMin"] <= doc["ociVersionMax"]
    assert doc["ociVersionMax"].startswith("1.")


def test_claims_only_what_is_implemented(rt, doc):
    if rt.is_runc:
        pytest.skip("pyrunc's declared facts")
    from pyrunc import features
    linux = doc["linux"]
    assert doc["ociVersionMax"] == "1.3.0"
    assert doc["hooks"] == list(features.HOOKS)
    assert sorted(doc["mountOptions"]) == sorted(features.MOUNT_OPTIONS)
    assert set(linux["namespaces"]) == set(features.NAMESPACES)
    assert linux["cgroup"] == features.CGROUP
    for key, flag in (("apparmor", features.APPARMOR), ("selinux", features.SELINUX),
                      ("intelRdt", features.INTEL_RDT), ("netDevices", features.NET_DEVICES)):
        assert linux[key] == {"enabled": flag}
    assert linux["mountExtensions"] == {"idmap": {"enabled": features.IDMAP_MOUNTS}}
    if not features.SECCOMP:
        assert linux["seccomp"] == {"enabled": False}
    if not features.MEMORY_POLICY:
        assert "memoryPolicy" not in linux
    assert doc["potentiallyUnsafeConfigAnnotations"] == []


def test_capabilities_are_the_kernels(rt, doc):
    with open("/proc/sys/kernel/cap_last_cap") as f:
        last = int(f.read())
    caps = doc["linux"]["capabilities"]
    assert "CAP_CHOWN" in caps and "CAP_SYS_ADMIN" in caps
    if not rt.is_runc:
        assert len(caps) == min(last + 1, 41)


def test_libseccomp_version_is_the_linked_one(rt, doc):
    if rt.is_runc:
        pytest.skip("pyrunc's build")
    from pyrunc import linux
    assert doc["annotations"]["io.github.seccomp.libseccomp.version"] == linux.seccomp_version()


def test_features_takes_no_arguments(rt):
    if rt.is_runc:
        pytest.skip("pyrunc's message")
    asserts.error(rt.runtime("features", "x", root=False), "unexpected arguments")


def test_json_is_stable_and_parseable(rt):
    a = asserts.ok(rt.runtime("features", root=False), "features")
    b = asserts.ok(rt.runtime("features", root=False), "features")
    assert json.loads(a.out) == json.loads(b.out)
