"""The semantic checks (pyrunc/spec/checks.py) and the two entry points of
pyrunc/spec/validate.py.

Each check gets a config that passes everything else and breaks one rule,
and the test names the JSON path and the words expected.  Tests of features
marked unsupported in pyrunc/features.py flip the flag with monkeypatch, so
they keep testing the content rules after the feature lands.
"""
import os

import pytest

from pyrunc import features
from pyrunc.errors import ConfigError
from pyrunc.spec import checks
from pyrunc.spec.validate import Problem, Report, check_config, format_path, validate_config


def errors(config, bundle=None):
    return [str(p) for p in checks.run(config, bundle).errors]


def warnings(config, bundle=None):
    return [str(p) for p in checks.run(config, bundle).warnings]


def has(found, path, *words):
    """True if some problem is at *path* and mentions every word."""
    return any(p.startswith(path + ": ") and all(w in p for w in words) for p in found)


# --- the baseline and the entry points -------------------------------------

def test_valid_config_has_no_problems(config, bundle):
    report = validate_config(config, bundle)
    assert report.errors == [] and report.warnings == []
    assert check_config(config, bundle) == []


def test_the_shared_base_config_passes(bundle):
    """The integration suite's base_config() (tests/support/config.py) must
    pass create's validation, or every integration test would fail."""
    try:
        from support.config import base_config
    except ImportError:
        pytest.skip("tests/support is not importable")
    assert check_config(base_config(), bundle) == []


def test_problem_and_report_shapes():
    assert str(Problem("process.user.uid", "expected integer")) == "process.user.uid: expected integer"
    assert str(Problem("", "expected object")) == "expected object"
    assert Report(errors=[], warnings=[]).ok


@pytest.mark.parametrize("parts,text", [
    ([], ""),
    (["process", "user", "uid"], "process.user.uid"),
    (["mounts", 2, "destination"], "mounts[2].destination"),
    (["linux", "sysctl", "net.ipv4.ip_forward"], 'linux.sysctl["net.ipv4.ip_forward"]'),
    (["annotations", ""], 'annotations[""]'),
    ([3], "[3]"),
])
def test_format_path(parts, text):
    assert format_path(parts) == text


def test_wrong_type_is_an_error_naming_the_json_path(config, bundle):
    config["process"]["user"]["uid"] = "0"
    report = validate_config(config, bundle)
    assert [str(p) for p in report.errors] == ["process.user.uid: expected integer"]
    with pytest.raises(ConfigError, match=r"^process\.user\.uid: expected integer$"):
        check_config(config, bundle)


def test_validate_config_reports_every_problem_at_once(config, bundle):
    config["process"]["user"]["uid"] = -1
    config["mounts"][1]["options"] = "nosuid"
    config["process"]["cwd"] = "relative"
    config["linux"]["namespaces"].append({"type": "pid"})
    found = [str(p) for p in validate_config(config, bundle).errors]
    assert "process.user.uid: must be at least 0" in found
    assert "mounts[1].options: expected array" in found
    assert has(found, "process.cwd", "absolute")
    assert has(found, "linux.namespaces[6].type", "duplicate")
    assert len(found) == 4


def test_check_config_stops_at_the_first_error_in_check_order(config, bundle):
    config["process"]["cwd"] = "relative"
    config["linux"]["namespaces"].append({"type": "pid"})
    with pytest.raises(ConfigError, match=r"^process\.cwd: 'relative' is not an absolute path$"):
        check_config(config, bundle)


def test_schema_errors_come_before_semantic_ones(config, bundle):
    config["process"]["cwd"] = "relative"
    config["hostname"] = 5
    with pytest.raises(ConfigError, match=r"^hostname: expected string$"):
        check_config(config, bundle)


def test_warnings_are_returned_not_raised(config, bundle):
    config["linux"]["resources"]["memory"] = {"kernel": -1}
    found = check_config(config, bundle)
    assert [str(w) for w in found] == [
        "linux.resources.memory.kernel: deprecated (NOT RECOMMENDED by the spec, absent in cgroup v2): "
        "written only where the kernel still has the file"]


def test_unknown_properties_and_annotation_keys_are_ignored(config, bundle):
    config["fancyRuntimeThing"] = {"x": [1, 2]}
    config["process"]["tty"] = True
    config["linux"]["seccompx"] = 5
    config["mounts"][0]["extra"] = None
    config["annotations"] = {"com.example.anything": "v", "io.kubernetes.cri.sandbox-id": "x"}
    assert check_config(config, bundle) == []


def test_checks_are_an_ordered_list_of_named_functions():
    names = [c.__name__ for c in checks.CHECKS]
    assert len(names) == len(set(names))
    assert names.index("root_present") < names.index("root_is_directory")
    assert all(c.__doc__ for c in checks.CHECKS), "every check says why in its docstring"


# --- version, root, process -------------------------------------------------

@pytest.mark.parametrize("version,outcome", [
    ("1.0.0", None), ("1.2.1", None), ("1.0.2-dev", None), ("1.3.0-rc.1+git.abc", None),
    ("1.4.0", "warning"), ("2.0.0", "error"), ("0.5.0-dev", "error"),
    ("1.0", "error"), ("01.0.0", "error"), ("1.0.0-01", "error"), ("v1.0.0", "error"), ("1.0.0\n", "error"),
])
def test_oci_version(config, version, outcome):
    config["ociVersion"] = version
    found = checks.run(config)
    assert [p.path for p in found.errors] == (["ociVersion"] if outcome == "error" else [])
    assert [p.path for p in found.warnings] == (["ociVersion"] if outcome == "warning" else [])


def test_root_is_required(config):
    del config["root"]
    assert "root: missing required property" in errors(config)


def test_root_must_be_an_existing_directory(config, bundle):
    config["root"]["path"] = "nothere"
    assert has(errors(config, bundle), "root.path", "no such directory")
    with open(os.path.join(bundle, "file"), "w"):
        pass
    config["root"]["path"] = "file"
    assert has(errors(config, bundle), "root.path", "not a directory")
    config["root"]["path"] = os.path.join(bundle, "rootfs")  # absolute works too
    assert errors(config, bundle) == []


def test_root_checks_need_a_bundle(config):
    config["root"]["path"] = "nothere"
    assert errors(config, None) == []


def test_process_is_required_for_create(config):
    del config["process"]
    assert has(errors(config), "process", "missing required property")


def test_cwd_must_be_absolute(config):
    config["process"]["cwd"] = "tmp"
    assert has(errors(config), "process.cwd", "not an absolute path")


@pytest.mark.parametrize("args,path", [(None, "process.args"), ([], "process.args"), ([""], "process.args[0]")])
def test_args_need_a_first_entry(config, args, path):
    if args is None:
        del config["process"]["args"]
    else:
        config["process"]["args"] = args
    assert has(errors(config), path)


@pytest.mark.parametrize("entry,words", [("NOEQUALS", "no '='"), ("=value", "name is empty"), ("A=b\0c", "NUL")])
def test_env_entries(config, entry, words):
    config["process"]["env"].append(entry)
    assert has(errors(config), "process.env[2]", words)


def test_missing_uid_gid_is_a_warning(config):
    config["process"]["user"] = {}
    assert errors(config) == []
    assert has(warnings(config), "process.user.uid", "taken as 0")
    assert has(warnings(config), "process.user.gid", "taken as 0")


def test_rlimits(config):
    config["process"]["rlimits"] = [
        {"type": "RLIMIT_NOFILE", "hard": 10, "soft": 10},
        {"type": "RLIMIT_NOFILE", "hard": 10, "soft": 10},
        {"type": "RLIMIT_FOO", "hard": 1, "soft": 1},
        {"type": "RLIMIT_CORE", "hard": 1, "soft": 2},
    ]
    found = errors(config)
    assert has(found, "process.rlimits[1].type", "duplicate of process.rlimits[0]")
    assert has(found, "process.rlimits[2].type", "unknown resource 'RLIMIT_FOO'")
    assert has(found, "process.rlimits[3].soft", "above the hard limit")
    assert len(found) == 3


def test_capabilities_unknown_to_the_kernel_are_warnings(config, monkeypatch):
    monkeypatch.setattr(features, "cap_last_cap", lambda proc=None: 37)  # a 5.x kernel: no CAP_PERFMON
    config["process"]["capabilities"]["ambient"] = ["CAP_PERFMON", "CAP_BOGUS", "CAP_KILL"]
    assert errors(config) == []
    found = warnings(config)
    assert has(found, "process.capabilities.ambient[0]", "not known to this kernel")
    assert has(found, "process.capabilities.ambient[1]", "unknown capability")
    assert len(found) == 2


def test_capabilities_read_cap_last_cap(tmp_path, monkeypatch):
    (tmp_path / "sys" / "kernel").mkdir(parents=True)
    (tmp_path / "sys" / "kernel" / "cap_last_cap").write_text("38\n")
    monkeypatch.setattr(features, "PROC", str(tmp_path))
    assert features.kernel_capabilities()[-1] == "CAP_PERFMON"
    (tmp_path / "sys" / "kernel" / "cap_last_cap").unlink()
    assert features.kernel_capabilities() == list(features.CAPABILITIES)


@pytest.mark.parametrize("field,value,path", [
    ("oomScoreAdj", 1001, "process.oomScoreAdj"),
    ("oomScoreAdj", -1001, "process.oomScoreAdj"),
    ("ioPriority", {"class": "IOPRIO_CLASS_BE", "priority": 8}, "process.ioPriority.priority"),
    ("scheduler", {"policy": "SCHED_OTHER", "nice": 20}, "process.scheduler.nice"),
    ("scheduler", {"policy": "SCHED_FIFO", "priority": 0}, "process.scheduler.priority"),
    ("scheduler", {"policy": "SCHED_BATCH", "priority": 5}, "process.scheduler.priority"),
    ("scheduler", {"policy": "SCHED_DEADLINE"}, "process.scheduler"),
    ("scheduler", {"policy": "SCHED_DEADLINE", "runtime": 10, "deadline": 5, "period": 20}, "process.scheduler"),
])
def test_process_ranges(config, field, value, path):
    config["process"][field] = value
    assert [p.split(": ")[0] for p in errors(config)] == [path]


@pytest.mark.parametrize("field,value", [
    ("oomScoreAdj", 1000), ("ioPriority", {"class": "IOPRIO_CLASS_IDLE", "priority": 7}),
    ("scheduler", {"policy": "SCHED_RR", "priority": 99, "nice": -20}),
    ("scheduler", {"policy": "SCHED_DEADLINE", "runtime": 10, "deadline": 20, "period": 30}),
])
def test_process_ranges_accept_the_bounds(config, field, value):
    config["process"][field] = value
    assert errors(config) == []


# --- namespaces and what needs them ----------------------------------------

def test_duplicate_namespace_types(config):
    config["linux"]["namespaces"].append({"type": "uts"})
    assert has(errors(config), "linux.namespaces[6].type", "duplicate 'uts'", "linux.namespaces[3]")


def test_namespace_types_not_implemented_yet(config, monkeypatch):
    monkeypatch.setattr(features, "NAMESPACES", tuple(n for n in features.NAMESPACES if n != "time"))
    config["linux"]["namespaces"].append({"type": "time"})
    assert has(errors(config), "linux.namespaces[6].type", "not supported by pyrunc yet")
    monkeypatch.setattr(features, "NAMESPACES", features.NAMESPACES + ("time",))
    assert errors(config) == []


def test_namespace_missing_from_the_kernel(config, tmp_path, monkeypatch):
    (tmp_path / "self" / "ns").mkdir(parents=True)
    for name in ("pid", "net", "ipc", "uts", "mnt"):  # no cgroup
        (tmp_path / "self" / "ns" / name).write_text("")
    monkeypatch.setattr(features, "PROC", str(tmp_path))
    assert has(errors(config), "linux.namespaces[5].type", "this kernel has no cgroup namespaces")


def test_namespace_paths(config, tmp_path):
    config["linux"]["namespaces"][1]["path"] = "proc/1/ns/net"
    config["linux"]["namespaces"][2]["path"] = str(tmp_path / "missing")
    found = errors(config)
    assert has(found, "linux.namespaces[1].path", "not an absolute path")
    assert has(found, "linux.namespaces[2].path", "no such file")
    config["linux"]["namespaces"][1]["path"] = "/proc/self/ns/net"
    config["linux"]["namespaces"][2]["path"] = "/proc/self/ns/ipc"
    assert errors(config) == []


@pytest.mark.parametrize("field", ["hostname", "domainname"])
def test_hostname_needs_a_uts_namespace(config, field):
    del config["hostname"]
    config[field] = "box"
    config["linux"]["namespaces"] = [ns for ns in config["linux"]["namespaces"] if ns["type"] != "uts"]
    assert errors(config) == [f"{field}: needs a uts namespace in linux.namespaces"]
    config[field] = ""
    assert errors(config) == []


def test_id_mappings_need_a_user_namespace(config):
    config["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 1000, "size": 1}]
    assert has(errors(config), "linux.uidMappings", "needs a user namespace")


def test_user_namespace_needs_both_mappings(config, monkeypatch):
    monkeypatch.setattr(features, "NAMESPACES", features.NAMESPACES + ("user",))
    config["linux"]["namespaces"].append({"type": "user"})
    assert has(errors(config), "linux.namespaces", "needs linux.uidMappings and linux.gidMappings")
    config["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 1000, "size": 1}]
    assert has(errors(config), "linux.gidMappings", "missing")
    config["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 1000, "size": 1}]
    assert errors(config) == []


def test_time_offsets_need_a_new_time_namespace(config, monkeypatch):
    monkeypatch.setattr(features, "NAMESPACES", features.NAMESPACES + ("time",))
    config["linux"]["timeOffsets"] = {"monotonic": {"secs": 1}}
    assert has(errors(config), "linux.timeOffsets", "needs a time namespace")
    config["linux"]["namespaces"].append({"type": "time", "path": "/proc/self/ns/time"})
    assert has(errors(config), "linux.timeOffsets", "joining an existing time namespace")
    del config["linux"]["namespaces"][-1]["path"]
    assert errors(config) == []


@pytest.mark.parametrize("name,drop,words", [
    ("kernel.shmmax", "ipc", "needs an ipc namespace"),
    ("fs.mqueue.msg_max", "ipc", "needs an ipc namespace"),
    ("net.ipv4.ip_forward", "network", "needs a network namespace"),
    ("net/ipv4/ip_forward", "network", "needs a network namespace"),
    ("kernel.domainname", "uts", "needs a uts namespace"),
    ("kernel.hostname", None, "use the hostname field"),
    ("vm.swappiness", None, "not namespaced"),
    ("net.ipv4..x", None, "not a valid sysctl name"),
    ("net/../../etc/x", None, "not a valid sysctl name"),
])
def test_sysctls_need_the_namespace_that_owns_them(config, name, drop, words):
    config["linux"]["sysctl"] = {name: "1"}
    if drop:
        config["linux"]["namespaces"] = [ns for ns in config["linux"]["namespaces"] if ns["type"] != drop]
    path = format_path(["linux", "sysctl", name])
    assert has(errors(config), path, words), errors(config)


def test_namespaced_sysctls_pass(config):
    config["linux"]["sysctl"] = {"kernel.shmmax": "1", "net.ipv4.ip_forward": "1", "kernel.domainname": "x"}
    assert errors(config) == []


def test_net_sysctls_refused_in_the_host_network_namespace(config):
    config["linux"]["namespaces"][1]["path"] = "/proc/self/ns/net"
    config["linux"]["sysctl"] = {"net.ipv4.ip_forward": "1"}
    assert has(errors(config), 'linux.sysctl["net.ipv4.ip_forward"]', "host's network namespace")


def test_masked_and_readonly_paths(config):
    config["linux"]["maskedPaths"].append("proc/kcore")
    assert has(errors(config), "linux.maskedPaths[2]", "not an absolute path")
    config["linux"]["maskedPaths"].pop()
    config["linux"]["namespaces"] = [ns for ns in config["linux"]["namespaces"] if ns["type"] != "mount"]
    found = errors(config)
    assert has(found, "linux.maskedPaths", "needs a mount namespace")
    assert has(found, "linux.readonlyPaths", "needs a mount namespace")


# --- mounts, devices, cgroups -----------------------------------------------

def test_mount_destinations(config):
    config["mounts"][0]["destination"] = "proc"
    assert errors(config) == []
    assert has(warnings(config), "mounts[0].destination", "relative (deprecated)", "/proc")
    config["mounts"][0]["destination"] = ""
    assert has(errors(config), "mounts[0].destination", "must not be empty")


def test_mount_options_not_implemented_yet(config, monkeypatch):
    monkeypatch.setattr(features, "MOUNT_OPTIONS",
                        tuple(o for o in features.MOUNT_OPTIONS if o not in ("rro", "defaults")))
    config["mounts"][1]["options"] += ["rro", "defaults", "mode=700", "nosuid"]
    found = errors(config)
    assert has(found, "mounts[1].options[4]", "'rro' is not supported by pyrunc yet")
    assert has(found, "mounts[1].options[5]", "'defaults'")
    assert len(found) == 2, found  # mode=700 is filesystem data; nosuid is implemented
    monkeypatch.setattr(features, "MOUNT_OPTIONS", features.MOUNT_OPTIONS + ("rro", "defaults"))
    assert errors(config) == []


MAPPING = [{"containerID": 0, "hostID": 1000, "size": 1}]


def _idmap_mount(config, options, **fields):
    config["mounts"].append({"destination": "/data", "source": "/tmp", "options": options, **fields})
    return config


def _with_userns(config, path=None):
    config["linux"]["namespaces"].append({"type": "user", "path": path} if path else {"type": "user"})
    if not path:
        config["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
        config["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    return config


def test_idmapped_mounts_refused_while_the_feature_is_off(config, monkeypatch):
    monkeypatch.setattr(features, "IDMAP_MOUNTS", False)
    _idmap_mount(config, ["rbind", "idmap"], uidMappings=MAPPING, gidMappings=MAPPING)
    assert has(errors(config), "mounts[4]", "id-mapped mounts are not supported by pyrunc yet")


@pytest.mark.parametrize("option", ["idmap", "ridmap"])
def test_idmap_with_mount_mappings_needs_no_userns(config, option):
    _idmap_mount(config, ["rbind", option], uidMappings=MAPPING, gidMappings=MAPPING)
    assert errors(config) == [] and warnings(config) == []


def test_uid_and_gid_mappings_come_together(config):
    _idmap_mount(config, ["rbind", "idmap"], uidMappings=MAPPING)
    assert errors(config) == ["mounts[4].gidMappings: missing: uidMappings and gidMappings must be given together"]
    del config["mounts"][4]["uidMappings"]
    config["mounts"][4]["gidMappings"] = MAPPING
    assert has(errors(config), "mounts[4].uidMappings", "missing")


def test_mappings_must_not_be_empty(config):
    _idmap_mount(config, ["bind", "idmap"], uidMappings=[], gidMappings=MAPPING)
    assert has(errors(config), "mounts[4].uidMappings", "must not be empty")


@pytest.mark.parametrize("option", ["idmap", "ridmap"])
def test_idmap_without_mappings_or_userns_is_an_error(config, option):
    """config.md: no uidMappings/gidMappings and no user namespace: an error MUST be returned."""
    _idmap_mount(config, ["rbind", "nosuid", option])
    assert errors(config) == [f"mounts[4].options[2]: {option!r} needs mounts[4].uidMappings and gidMappings, "
                              "or a user namespace in linux.namespaces"]


def test_idmap_without_mappings_borrows_the_containers_userns(config):
    _idmap_mount(_with_userns(config), ["rbind", "idmap"])
    assert errors(config) == []


def test_idmap_without_mappings_in_a_joined_userns(config):
    _idmap_mount(_with_userns(config, "/proc/self/ns/user"), ["rbind", "ridmap"])
    assert errors(config) == []


@pytest.mark.parametrize("fields", [{"options": ["idmap"]},
                                    {"options": ["nosuid"], "uidMappings": MAPPING, "gidMappings": MAPPING}])
def test_only_bind_mounts_can_be_idmapped(config, fields):
    """runc: "id-mapped mounts are only supported for bind-mounts"."""
    config["mounts"].append({"destination": "/data", "type": "tmpfs", "source": "tmpfs",
                             "uidMappings": MAPPING, "gidMappings": MAPPING, **fields})
    assert has(errors(config), "mounts[4]", "only supported for bind mounts")


def test_type_bind_is_a_bind_for_idmap(config):
    config["mounts"].append({"destination": "/data", "type": "bind", "source": "/tmp", "options": ["idmap"],
                             "uidMappings": MAPPING, "gidMappings": MAPPING})
    assert errors(config) == []


def test_mappings_without_idmap_or_ridmap_are_idmap_with_a_warning(config):
    """config.md: mappings SHOULD come with idmap or ridmap; runc maps the mount as idmap."""
    _idmap_mount(config, ["rbind"], uidMappings=MAPPING, gidMappings=MAPPING)
    assert errors(config) == []
    assert has(warnings(config), "mounts[4]", "without the idmap or ridmap option", "not recursive")


def test_idmap_options_are_not_unsupported_options(config):
    _idmap_mount(config, ["rbind", "idmap", "ridmap"], uidMappings=MAPPING, gidMappings=MAPPING)
    assert not any("is not supported" in p for p in errors(config))


def test_bind_mount_source_must_exist(config, bundle):
    config["mounts"].append({"destination": "/data", "source": "data", "options": ["rbind"]})
    assert has(errors(config, bundle), "mounts[4].source", "no such file or directory")
    os.mkdir(os.path.join(bundle, "data"))  # relative to the bundle
    assert errors(config, bundle) == []


def test_devices(config):
    config["linux"]["devices"] = [
        {"type": "c", "path": "/dev/fuse", "major": 10, "minor": 229},
        {"type": "p", "path": "/dev/fifo"},
        {"type": "c", "path": "dev/x"},
        {"type": "b\n", "path": "/dev/y", "major": 8, "minor": 0},
    ]
    found = errors(config)
    assert has(found, "linux.devices[2].path", "not an absolute path")
    assert has(found, "linux.devices[2].major", "required for type 'c'")
    assert has(found, "linux.devices[2].minor")
    assert has(found, "linux.devices[3].type", "not one of c, b, u, p")
    assert len(found) == 4


@pytest.mark.parametrize("path,outcome", [
    ("/pyrunc/box", None), ("pyrunc/box", None), ("", None),
    ("/a/../../etc", "error"), ("..", "error"), ("/", "error"), ("//", "error"), ("/a\0b", "error"),
    ("system.slice:pyrunc:box", "warning"),
])
def test_cgroups_path_shape(config, path, outcome):
    config["linux"]["cgroupsPath"] = path
    found = checks.run(config)
    assert [p.path for p in found.errors] == (["linux.cgroupsPath"] if outcome == "error" else [])
    assert [p.path for p in found.warnings] == (["linux.cgroupsPath"] if outcome == "warning" else [])


def test_resources(config):
    config["linux"]["resources"].update({
        "memory": {"limit": 200, "swap": 100, "swappiness": 101, "kernelTCP": 5},
        "cpu": {"quota": 100, "burst": 200, "idle": 2},
        "blockIO": {"weightDevice": [{"major": 8, "minor": 0}],
                    "throttleReadBpsDevice": [{"major": 8, "minor": 0}]},
        "devices": [{"allow": True, "type": "x", "access": "rwx"}],
        "unified": {"../cgroup.procs": "1", "memory.max": "max"},
    })
    found = errors(config)
    for path in ("linux.resources.memory.swap", "linux.resources.memory.swappiness", "linux.resources.cpu.burst",
                 "linux.resources.cpu.idle", "linux.resources.blockIO.weightDevice[0]",
                 "linux.resources.blockIO.throttleReadBpsDevice[0].rate", "linux.resources.devices[0].type",
                 "linux.resources.devices[0].access", 'linux.resources.unified["../cgroup.procs"]'):
        assert has(found, path), (path, found)
    assert len(found) == 9, found
    assert has(warnings(config), "linux.resources.memory.kernelTCP", "deprecated")


def test_memory_swap_unlimited_or_unset_is_fine(config):
    config["linux"]["resources"]["memory"] = {"limit": 200, "swap": -1}
    assert errors(config) == []


def test_rdma(config, monkeypatch):
    config["linux"]["resources"]["rdma"] = {"mlx5_1": {}, "mlx4_0": {"hcaObjects": 1}}
    monkeypatch.setitem(features.CGROUP, "rdma", False)
    found = errors(config)
    assert has(found, "linux.resources.rdma", "not supported by pyrunc yet")
    assert has(found, "linux.resources.rdma.mlx5_1", "hcaHandles or hcaObjects")
    monkeypatch.setitem(features.CGROUP, "rdma", True)
    assert len(errors(config)) == 1


# --- hooks, seccomp, LSMs and the other optional features -------------------

def test_hooks(config, monkeypatch):
    monkeypatch.setattr(features, "HOOKS", ("prestart",))
    config["hooks"] = {"createRuntime": [{"path": "hook"}], "poststop": []}
    found = errors(config)
    assert has(found, "hooks.createRuntime", "not supported by pyrunc yet")
    assert has(found, "hooks.createRuntime[0].path", "not an absolute path")
    monkeypatch.setattr(features, "HOOKS", ("prestart", "createRuntime"))
    config["hooks"] = {"prestart": [{"path": "/bin/true"}]}
    assert errors(config) == []
    assert has(warnings(config), "hooks.prestart", "deprecated")


def _profile():
    return {
        "defaultAction": "SCMP_ACT_ERRNO",
        "defaultErrnoRet": 1,
        "architectures": ["SCMP_ARCH_X86_64"],
        "syscalls": [{"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"}],
    }


def test_seccomp_is_refused_while_unsupported(config, monkeypatch):
    monkeypatch.setattr(features, "SECCOMP", False)
    config["linux"]["seccomp"] = _profile()
    assert errors(config) == ["linux.seccomp: seccomp is not supported by pyrunc yet"]


def test_seccomp_rules(config, monkeypatch):
    monkeypatch.setattr(features, "SECCOMP", True)
    monkeypatch.setattr(features, "libseccomp_version", lambda: (2, 5, 4))
    profile = _profile()
    profile["listenerMetadata"] = "x"
    profile["flags"] = ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"]
    profile["syscalls"] += [{"names": ["kill"], "action": "SCMP_ACT_ALLOW", "errnoRet": 1},
                            {"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]
    found = errors(config | {"linux": {**config["linux"], "seccomp": profile}})
    assert has(found, "linux.seccomp.listenerMetadata", "without listenerPath")
    assert has(found, "linux.seccomp.flags[0]", "newer libseccomp than the linked 2.5.4")
    assert has(found, "linux.seccomp.syscalls[1].errnoRet", "SCMP_ACT_ALLOW does not return an errno")
    assert has(found, "linux.seccomp.listenerPath", "SCMP_ACT_NOTIFY")
    assert len(found) == 4, found
    config["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_NOTIFY", "listenerPath": "/run/agent.sock"}
    assert errors(config) == ["linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action"]
    config["linux"]["seccomp"] = _profile()
    assert errors(config) == []


def test_unknown_syscalls_are_warnings(config, monkeypatch):
    monkeypatch.setattr(features, "SECCOMP", True)
    monkeypatch.setattr(checks, "syscall_known", lambda name: name != "nosuchcall")
    config["linux"]["seccomp"] = _profile()
    config["linux"]["seccomp"]["syscalls"][0]["names"].append("nosuchcall")
    assert errors(config) == []
    assert warnings(config) == ["linux.seccomp.syscalls[0].names[2]: unknown syscall 'nosuchcall': skipped"]


def test_syscall_check_skips_without_the_resolver(monkeypatch):
    from pyrunc import linux
    if hasattr(linux, "syscall_number"):
        assert checks.syscall_known("read") is True
        assert checks.syscall_known("nosuchcall") is False
    else:
        assert checks.syscall_known("read") is None


@pytest.mark.parametrize("where,field,flag", [
    ("process", "apparmorProfile", "APPARMOR"),
    ("process", "selinuxLabel", "SELINUX"),
    ("linux", "mountLabel", "SELINUX"),
])
def test_security_labels(config, monkeypatch, where, field, flag):
    config[where][field] = "label"
    monkeypatch.setattr(features, flag, False)
    assert has(errors(config), f"{where}.{field}", "not supported by pyrunc yet")
    monkeypatch.setattr(features, flag, True)
    assert errors(config) == []


def test_intel_rdt(config, monkeypatch):
    config["linux"]["intelRdt"] = {"closID": "guaranteed"}
    assert has(errors(config), "linux.intelRdt", "not supported")
    monkeypatch.setattr(features, "INTEL_RDT", True)
    assert errors(config) == []


@pytest.mark.parametrize("policy,words", [
    ({"nodes": "0"}, "missing required property"),
    ({"mode": "MPOL_LOCAL", "nodes": "0"}, "must be empty"),
    ({"mode": "MPOL_BIND"}, "at least one node"),
])
def test_memory_policy(config, monkeypatch, policy, words):
    monkeypatch.setattr(features, "MEMORY_POLICY", True)
    config["linux"]["memoryPolicy"] = policy
    assert len(errors(config)) == 1 and words in errors(config)[0]


def test_memory_policy_unsupported(config):
    config["linux"]["memoryPolicy"] = {"mode": "MPOL_DEFAULT"}
    assert errors(config) == ["linux.memoryPolicy: memory policies are not supported by pyrunc yet"]


def test_net_devices(config, monkeypatch):
    config["linux"]["netDevices"] = {"eth0": {"name": "ctr0"}}
    assert has(errors(config), "linux.netDevices", "not supported")
    monkeypatch.setattr(features, "NET_DEVICES", True)
    assert errors(config) == []
    config["linux"]["namespaces"] = [ns for ns in config["linux"]["namespaces"] if ns["type"] != "network"]
    assert has(errors(config), "linux.netDevices", "needs a network namespace")


def test_personality(config):
    config["linux"]["personality"] = {"flags": ["X"]}
    found = errors(config)
    assert has(found, "linux.personality.domain", "missing")
    assert has(found, "linux.personality.flags", "no personality flags")
    config["linux"]["personality"] = {"domain": "LINUX32"}
    assert errors(config) == []


# --- annotations ------------------------------------------------------------

def test_annotation_keys_and_values(config):
    config["annotations"] = {"": "x", "\n": 5, "org.opencontainers.image.stopSignal": "SIGNOPE",
                             "org.opencontainers.future": "x"}
    found = errors(config)
    assert "annotations: a key is empty" in found
    assert 'annotations["\\n"]: expected string' in found
    assert has(found, 'annotations["org.opencontainers.image.stopSignal"]', "not a signal")
    assert has(warnings(config), 'annotations["org.opencontainers.future"]', "reserved key")


@pytest.mark.parametrize("signal", ["SIGTERM", "TERM", "15", "SIGRTMIN+3", "SIGRTMAX-2"])
def test_stop_signal_forms(config, signal):
    config["annotations"] = {"org.opencontainers.image.stopSignal": signal}
    assert errors(config) == []


# --- robustness: checks run after a failed schema check ---------------------

@pytest.mark.parametrize("mangle", [
    lambda c: c.update(process="x"),
    lambda c: c.update(linux=[1]),
    lambda c: c["linux"].update(namespaces={"type": "pid"}),
    lambda c: c["linux"].update(namespaces=[None, 5, {"type": 7}]),
    lambda c: c.update(mounts=[None, {"options": [1, {}, None]}]),
    lambda c: c["process"].update(rlimits=[{"type": ["RLIMIT_CORE"]}], env=[1, None], capabilities=[]),
    lambda c: c["linux"].update(sysctl=[], resources={"memory": [], "unified": None}, seccomp={"syscalls": [1]}),
    lambda c: c.update(hooks={"prestart": {}}, annotations=[]),
])
def test_checks_tolerate_wrong_types(config, bundle, mangle):
    mangle(config)
    report = validate_config(config, bundle)
    assert report.errors  # the schema says what is wrong; nothing raised


def test_every_missing_required_property_is_named(config, bundle):
    config["process"]["rlimits"] = [{}]
    found = [str(p) for p in validate_config(config, bundle).errors]
    assert [p for p in found if p.startswith("process.rlimits")] == [
        "process.rlimits[0].hard: missing required property",
        "process.rlimits[0].soft: missing required property",
        "process.rlimits[0].type: missing required property",
    ]
