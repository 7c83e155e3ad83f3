"""linux.maskedPaths and linux.readonlyPaths (config-linux.md)."""
import os

import pytest

from support.config import MASKED_PATHS, sh


def _masked_file():
    """A masked /proc file that exists on this kernel and is not empty."""
    for path in ("/proc/timer_list", "/proc/kcore", "/proc/sched_debug", "/proc/keys"):
        if path in MASKED_PATHS and os.path.isfile(path):
            with open(path, "rb") as f:
                if f.read(1):
                    return path
    pytest.skip("no non-empty masked /proc file on this kernel")


def test_masked_file_is_dev_null(rt):
    path = _masked_file()
    out = rt.output(sh(f"wc -c < {path}; stat -c '%F %t:%T' {path}"))
    size, kind = out.splitlines()
    assert size.strip() == "0"
    assert kind == "character special file 1:3"  # /dev/null bound over it


def test_masked_directory_is_empty(rt):
    out = rt.output(sh("ls -A /sys/firmware | wc -l"))
    assert out.strip() == "0"


def test_readonly_path_refuses_writes(rt):
    out = rt.output(sh("{ echo 1 > /proc/sys/kernel/ns_last_pid; } 2>&1; echo rc=$?; "
                       "awk '$5 == \"/proc/sys\"' /proc/self/mountinfo"))
    assert "rc=1" in out, out
    line = [ln for ln in out.splitlines() if " /proc/sys " in ln][-1]
    assert "ro" in line.split()[5].split(","), line


def test_paths_not_listed_are_untouched(rt):
    path = _masked_file()
    cfg = sh(f"head -c 1 {path} | wc -c; ls -A /sys/firmware | wc -l")
    cfg["linux"]["maskedPaths"] = []
    cfg["linux"]["readonlyPaths"] = []
    out = rt.output(cfg).split()
    assert out[0] == "1", f"{path} empty although not masked"
    assert out[1] != "0" or not os.listdir("/sys/firmware")


def test_missing_masked_path_is_ignored(rt):
    cfg = sh("echo fine")
    cfg["linux"]["maskedPaths"] = ["/proc/no-such-entry", "/no/such/dir"]
    cfg["linux"]["readonlyPaths"] = ["/proc/no-such-entry2"]
    assert rt.output(cfg) == "fine\n"
