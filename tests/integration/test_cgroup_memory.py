"""linux.resources.memory (config-linux.md "Memory"), read back from the
cgroup files: the v1 memory controller here, the v2 one in the test VM
(marked cgroup2)."""
import pytest

from cgroup_support import keyed, running, v1_only, v1_read, v2_read, with_resources
from support import asserts
from support.config import base_config, sh

MiB = 1 << 20
UNLIMITED_V1 = "9223372036854771712"  # LONG_MAX rounded down to the page size


def _cfg(memory, args=("sleep", "100")):
    return with_resources(base_config(list(args)), {"memory": memory})


# --- cgroup v1 ----------------------------------------------------------------

@v1_only
def test_v1_limit_reservation_swap_swappiness(rt):
    cid, pid = running(rt, _cfg({"limit": 96 * MiB, "reservation": 48 * MiB, "swap": 128 * MiB,
                                 "swappiness": 17}))
    path = f"/{cid}"
    assert v1_read("memory", path, "memory.limit_in_bytes") == str(96 * MiB)
    assert v1_read("memory", path, "memory.soft_limit_in_bytes") == str(48 * MiB)
    assert v1_read("memory", path, "memory.memsw.limit_in_bytes") == str(128 * MiB)
    assert v1_read("memory", path, "memory.swappiness") == "17"


@v1_only
def test_v1_limit_is_what_the_container_sees(rt):
    """The container's own view (its cgroup namespace and read-only cgroupfs)."""
    out = rt.output(with_resources(sh("cat /sys/fs/cgroup/memory/memory.limit_in_bytes"),
                                   {"memory": {"limit": 80 * MiB}}))
    assert out.strip() == str(80 * MiB)


@v1_only
def test_v1_limits_are_in_place_before_start(rt):
    """Applied at create, before the container's process runs."""
    res = rt.create(_cfg({"limit": 72 * MiB}))
    assert rt.status(res.cid) == "created"
    assert v1_read("memory", f"/{res.cid}", "memory.limit_in_bytes") == str(72 * MiB)


@v1_only
def test_v1_unlimited_memory_makes_swap_unlimited(rt):
    cid, _ = running(rt, _cfg({"limit": -1}))
    assert v1_read("memory", f"/{cid}", "memory.limit_in_bytes") == UNLIMITED_V1
    assert v1_read("memory", f"/{cid}", "memory.memsw.limit_in_bytes") == UNLIMITED_V1


@v1_only
def test_v1_disable_oom_killer(rt):
    cid, _ = running(rt, _cfg({"limit": 64 * MiB, "disableOOMKiller": True}))
    assert keyed(v1_read("memory", f"/{cid}", "memory.oom_control"))["oom_kill_disable"] == 1


@v1_only
def test_v1_oom_killer_enabled_by_default(rt):
    cid, _ = running(rt, _cfg({"limit": 64 * MiB}))
    assert keyed(v1_read("memory", f"/{cid}", "memory.oom_control"))["oom_kill_disable"] == 0


@v1_only
def test_v1_kernel_tcp_is_written_and_kernel_is_ignored_with_a_warning(rt):
    """kernel / kernelTCP are NOT RECOMMENDED: written where the kernel
    still honours the file (kmem.tcp on v1), ignored with a warning where
    it does not (kmem.limit_in_bytes is a no-op since Linux 6.x)."""
    res = rt.create(_cfg({"limit": 64 * MiB, "kernel": 8 * MiB, "kernelTCP": 4 * MiB}))
    path = f"/{res.cid}"
    assert v1_read("memory", path, "memory.kmem.tcp.limit_in_bytes") == str(4 * MiB)
    if v1_read("memory", path, "memory.kmem.limit_in_bytes") != str(8 * MiB):
        assert "memory.kernel" in res.err and "ignored" in res.err, res.err


@v1_only
def test_v1_container_over_its_limit_is_oom_killed(rt):
    """memory+swap equal to memory: no swap to escape to, the OOM killer
    ends the process that allocates (exit 137 = SIGKILL)."""
    # busybox tail keeps the whole newline-less stream in memory
    cfg = with_resources(base_config(["tail", "/dev/zero"]), {"memory": {"limit": 32 * MiB, "swap": 32 * MiB}})
    res = rt.run(cfg, timeout=60)
    assert res.rc == 137, str(res)


@v1_only
def test_v1_limit_below_usage_is_a_clear_error(rt):
    """The kernel refuses (EBUSY) a limit below what the cgroup uses: the
    error names the field, the file and the value."""
    # any usage at all is above 4096 bytes: the init's pages are charged
    cid, _ = running(rt, _cfg({"limit": 64 * MiB}))
    res = rt.runtime("update", "--memory", "4096", cid)
    line = asserts.error(res, "linux.resources.memory.limit", "memory.limit_in_bytes", "4096")
    assert "busy" in line.lower() or "usage" in line.lower()
    assert v1_read("memory", f"/{cid}", "memory.limit_in_bytes") == str(64 * MiB)


# --- cgroup v2 (test VM) -------------------------------------------------------

@pytest.mark.cgroup2("memory")
def test_v2_limit_reservation_swap(rt):
    cid, _ = running(rt, _cfg({"limit": 96 * MiB, "reservation": 48 * MiB, "swap": 128 * MiB}))
    assert v2_read(f"/{cid}", "memory.max") == str(96 * MiB)
    assert v2_read(f"/{cid}", "memory.low") == str(48 * MiB)
    # the spec's swap is memory+swap; v2's memory.swap.max is the swap alone
    assert v2_read(f"/{cid}", "memory.swap.max") == str(32 * MiB)


@pytest.mark.cgroup2("memory")
def test_v2_unlimited(rt):
    cid, _ = running(rt, _cfg({"limit": -1}))
    assert v2_read(f"/{cid}", "memory.max") == "max"
    assert v2_read(f"/{cid}", "memory.swap.max") == "max"


@pytest.mark.cgroup2("memory")
def test_v2_swap_equal_to_limit_means_no_swap(rt):
    cid, _ = running(rt, _cfg({"limit": 64 * MiB, "swap": 64 * MiB}))
    assert v2_read(f"/{cid}", "memory.swap.max") == "0"


@pytest.mark.cgroup2("memory")
def test_v2_limit_is_what_the_container_sees(rt):
    out = rt.output(with_resources(sh("cat /sys/fs/cgroup/memory.max"), {"memory": {"limit": 80 * MiB}}))
    assert out.strip() == str(80 * MiB)


@pytest.mark.cgroup2("memory")
def test_v2_container_over_its_limit_is_oom_killed(rt):
    # busybox tail keeps the whole newline-less stream in memory
    cfg = with_resources(base_config(["tail", "/dev/zero"]), {"memory": {"limit": 32 * MiB, "swap": 32 * MiB}})
    res = rt.run(cfg, timeout=60)
    assert res.rc == 137, str(res)


@pytest.mark.cgroup2("memory")
@pytest.mark.parametrize("memory, field", [
    ({"swappiness": 10}, "swappiness"),
    ({"disableOOMKiller": True}, "disableOOMKiller"),
])
def test_v2_v1_only_settings_are_errors(rt, memory, field):
    """config-linux.md "Unified": a v1 setting that cannot be converted
    MUST be an error."""
    res = rt.create(_cfg(memory), check=False)
    asserts.error(res, f"linux.resources.memory.{field}", "cgroup v2")


@pytest.mark.cgroup2("memory")
def test_v2_kernel_memory_is_ignored_with_a_warning(rt):
    res = rt.create(_cfg({"limit": 64 * MiB, "kernel": 8 * MiB}))
    assert "memory.kernel" in res.err and "ignored" in res.err
    assert v2_read(f"/{res.cid}", "memory.max") == str(64 * MiB)
