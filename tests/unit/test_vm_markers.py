"""tests/vm_markers.py: which host facts skip a marked test, and why; failure inside the VM."""
import tomllib
from pathlib import Path

import pytest

import vm_markers
from vm_markers import apply_markers


class FakeItem:
    def __init__(self, *marks):
        self._marks = {m.mark.name: m.mark for m in marks}

    def get_closest_marker(self, name):
        return self._marks.get(name)


def make_root(tmp_path, files=(), dirs=()):
    for rel, text in dict(files).items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    for rel in dirs:
        (tmp_path / rel).mkdir(parents=True, exist_ok=True)
    return tmp_path


# what this machine looks like (cgroup v1 hybrid, no AppArmor, no systemd) and what the VM does
HYBRID = {"sys/fs/cgroup/unified/cgroup.controllers": "", "proc/1/comm": "process_api\n"}
VM = {"sys/fs/cgroup/cgroup.controllers": "cpuset cpu io memory hugetlb pids rdma misc\n",
      "sys/module/apparmor/parameters/enabled": "Y\n", "proc/1/comm": "systemd\n"}
VM_DIRS = ("run/systemd/system",)


def skip_reason(item, root, environ=None):
    with pytest.raises(pytest.skip.Exception) as exc:
        apply_markers(item, root=root, environ=environ or {})
    return str(exc.value)


@pytest.mark.parametrize("mark, words", [
    (pytest.mark.cgroup2, ["cgroup2", "not a cgroup v2 unified hierarchy", "v1 hybrid"]),
    (pytest.mark.apparmor, ["apparmor", "AppArmor is not in this kernel"]),
    (pytest.mark.systemd, ["systemd", "systemd is not PID 1", "process_api"]),
])
def test_hybrid_host_skips_with_the_reason_and_the_vm_hint(tmp_path, mark, words):
    reason = skip_reason(FakeItem(mark), make_root(tmp_path, HYBRID))
    for w in words + ["tests/vm/run-vm-tests.sh"]:
        assert w in reason


@pytest.mark.parametrize("mark", [pytest.mark.cgroup2, pytest.mark.cgroup2("memory", "pids"),
                                  pytest.mark.apparmor, pytest.mark.systemd])
def test_vm_host_runs_marked_tests(tmp_path, mark):
    apply_markers(FakeItem(mark), root=make_root(tmp_path, VM, VM_DIRS), environ={})


def test_all_three_marks_together(tmp_path):
    item = FakeItem(pytest.mark.cgroup2, pytest.mark.apparmor, pytest.mark.systemd)
    apply_markers(item, root=make_root(tmp_path, VM, VM_DIRS), environ={})
    # one missing feature is enough to skip
    files = dict(VM, **{"sys/module/apparmor/parameters/enabled": "N\n"})
    assert "disabled" in skip_reason(item, make_root(tmp_path / "b", files, VM_DIRS))


def test_unmarked_test_is_untouched(tmp_path):
    apply_markers(FakeItem(), root=make_root(tmp_path, HYBRID), environ={vm_markers.IN_VM_ENV: "1"})


def test_cgroup2_names_the_missing_controllers(tmp_path):
    files = dict(VM, **{"sys/fs/cgroup/cgroup.controllers": "cpu pids\n"})
    reason = skip_reason(FakeItem(pytest.mark.cgroup2("memory", "pids", "io")), make_root(tmp_path, files))
    assert "lacks the controllers memory, io" in reason


def test_cgroup2_without_controllers_skips(tmp_path):
    files = {"sys/fs/cgroup/cgroup.controllers": "\n"}
    assert "no controllers" in skip_reason(FakeItem(pytest.mark.cgroup2), make_root(tmp_path, files))


def test_pure_v1_host_is_not_called_hybrid(tmp_path):
    reason = skip_reason(FakeItem(pytest.mark.cgroup2), make_root(tmp_path, dirs=["sys/fs/cgroup/memory"]))
    assert "cgroup v1)" in reason


def test_apparmor_disabled_by_the_kernel_command_line(tmp_path):
    files = {"sys/module/apparmor/parameters/enabled": "N\n"}
    assert "enabled: N" in skip_reason(FakeItem(pytest.mark.apparmor), make_root(tmp_path, files))


def test_a_run_systemd_without_system_is_not_systemd(tmp_path):
    # logind or a container may create /run/systemd; only PID 1 systemd creates .../system
    root = make_root(tmp_path, {"proc/1/comm": "bash\n"}, ["run/systemd/machines"])
    assert "PID 1 is bash" in skip_reason(FakeItem(pytest.mark.systemd), root)


@pytest.mark.parametrize("mark", [pytest.mark.cgroup2, pytest.mark.apparmor, pytest.mark.systemd])
def test_inside_the_vm_a_missing_feature_fails(tmp_path, mark):
    with pytest.raises(pytest.fail.Exception) as exc:
        apply_markers(FakeItem(mark), root=make_root(tmp_path, HYBRID), environ={vm_markers.IN_VM_ENV: "1"})
    assert "the test VM should provide" in str(exc.value)


def test_markers_are_declared_in_pyproject():
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    declared = tomllib.loads(pyproject.read_text())["tool"]["pytest"]["ini_options"]["markers"]
    names = {line.split(":")[0].split("(")[0].strip() for line in declared}
    assert set(vm_markers.MARKERS) <= names
