"""Parsing in the cgroup verbs: runc's update flags (memory sizes as
docker/go-units ``RAMInBytes``), Go durations for ``events --interval``."""
import pytest

from pyrunc.cli import events, update
from pyrunc.cli.args import parse
from pyrunc.errors import UsageError


@pytest.mark.parametrize("text, value", [
    ("100", 100), ("100b", 100), ("1k", 1024), ("1K", 1024), ("100m", 100 << 20), ("100M", 100 << 20),
    ("100MB", 100 << 20), ("100MiB", 100 << 20), ("1g", 1 << 30), ("1.5g", 3 << 29), ("2 GB", 2 << 30),
    ("1t", 1 << 40),
])
def test_ram_in_bytes_as_go_units(text, value):
    assert update.ram_in_bytes(text) == value


@pytest.mark.parametrize("text", ["abc", "", "1x", "m", "1.2.3g", "-5m", "10bi"])
def test_ram_in_bytes_refuses(text):
    with pytest.raises(ValueError):
        update.ram_in_bytes(text)


@pytest.mark.parametrize("text, seconds", [
    ("5s", 5.0), ("100ms", 0.1), ("1m30s", 90.0), ("1.5h", 5400.0), ("250us", 0.00025), ("0", 0.0),
    ("2m", 120.0), ("1h2m3s", 3723.0),
])
def test_go_durations(text, seconds):
    assert events.parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["5", "", "s", "5x", "1.2.3s", "--5s"])
def test_bad_go_durations(text):
    with pytest.raises(ValueError):
        events.parse_duration(text)


def _flags(*argv):
    opts, args = parse(update.FLAGS, list(argv), where="update")
    return update.from_flags(opts)


def test_update_flags_make_a_resources_object():
    assert _flags("--memory", "200m", "--memory-swap=-1", "--memory-reservation", "100M", "--cpu-share", "512",
                  "--cpu-quota", "20000", "--cpu-period", "100000", "--cpu-burst", "1000", "--cpuset-cpus", "0",
                  "--cpuset-mems", "0", "--cpu-idle", "1", "--pids-limit", "42", "--blkio-weight", "300",
                  "--cpu-rt-period", "1000000", "--cpu-rt-runtime", "-1") == {
        "memory": {"limit": 200 << 20, "swap": -1, "reservation": 100 << 20},
        "cpu": {"shares": 512, "quota": 20000, "period": 100000, "burst": 1000, "cpus": "0", "mems": "0",
                "idle": 1, "realtimePeriod": 1000000, "realtimeRuntime": -1},
        "pids": {"limit": 42},
        "blockIO": {"weight": 300},
    }


def test_update_without_flags_changes_nothing():
    assert _flags() == {}


@pytest.mark.parametrize("argv, message", [
    (("--memory", "lots"), "invalid value for memory"),
    (("--cpu-share", "x"), "invalid value for cpu-share"),
    (("--cpu-period", "-5"), "must not be negative"),
    (("--l3-cache-schema", "L3:0=f"), "Intel RDT"),
])
def test_update_flag_errors(argv, message):
    with pytest.raises(UsageError, match=message):
        _flags(*argv)
