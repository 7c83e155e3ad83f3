"""cgroup v1 -> v2 value conversions, checked against runc's own tables
(opencontainers/cgroups utils_test.go and fs2 tests), so one config means
the same thing on runc and pyrunc, on v1 and v2 hosts."""
import pytest

from pyrunc.cgroups import convert
from pyrunc.cgroups.fs import CgroupError


@pytest.mark.parametrize("shares, weight", [
    (0, 0),             # unset
    (1, 1),             # below the minimum
    (2, 1),             # minimum
    (3, 2),             # just above the minimum
    (512, 59),
    (1024, 100),        # v1 default -> v2 default (the point of runc#4785)
    (2000, 170),        # runc#4896's example: 77 before runc 1.3.2/1.4, 170 after
    (262143, 10000),
    (262144, 10000),    # maximum
    (262145, 10000),    # above the maximum
])
def test_cpu_shares_to_weight_as_runc(shares, weight):
    assert convert.cpu_shares_to_weight(shares) == weight


def test_cpu_weight_is_monotonic_and_in_range():
    prev = 0
    for shares in range(2, 262145, 97):
        w = convert.cpu_shares_to_weight(shares)
        assert 1 <= w <= 10000
        assert w >= prev
        prev = w


@pytest.mark.parametrize("shares, weight", [(0, 0), (2, 1), (1024, 39), (2000, 77), (262144, 10000)])
def test_old_linear_conversion_of_runc_before_1_3_2(shares, weight):
    assert convert.cpu_shares_to_weight_linear(shares) == weight


@pytest.mark.parametrize("blkio, io", [(0, 0), (10, 1), (100, 910), (500, 4950), (1000, 10000)])
def test_blkio_weight_to_io_weight_as_runc(blkio, io):
    assert convert.blkio_weight_to_io_weight(blkio) == io


@pytest.mark.parametrize("swap, memory, expected", [
    (0, 0, 0),
    (-1, 0, -1),
    (-1, -1, -1),
    (0, -1, -1),        # unlimited memory, swap unset: both unlimited
    (-1, 1000, -1),
    (1000, 1000, 0),    # memory+swap == memory: no swap
    (500, 200, 300),
    (1000, -1, 1000),   # unlimited memory: swap taken as is
])
def test_memory_swap_to_v2_as_runc(swap, memory, expected):
    assert convert.memory_swap_to_v2(swap, memory) == expected


@pytest.mark.parametrize("swap, memory, message", [
    (-2, 0, "without memory limit"),
    (300, 400, "should be >= memory limit"),
    (300, 0, "without memory limit"),
    (300, -2, "invalid memory value"),
])
def test_memory_swap_to_v2_errors_as_runc(swap, memory, message):
    with pytest.raises(CgroupError, match=message):
        convert.memory_swap_to_v2(swap, memory)


@pytest.mark.parametrize("quota, period, expected", [
    (0, 0, ""),
    (-1, 0, ""),
    (0, 50000, "max 50000"),
    (-1, 50000, "max 50000"),
    (20000, 0, "20000 100000"),
    (20000, 50000, "20000 50000"),
])
def test_cpu_quota_period_to_cpu_max_as_runc(quota, period, expected):
    assert convert.cpu_quota_period_to_max(quota, period) == expected


@pytest.mark.parametrize("value, text", [(0, ""), (-1, "max"), (10, "10")])
def test_limit_to_v2_as_runc_num_to_str(value, text):
    assert convert.limit_to_v2(value) == text
