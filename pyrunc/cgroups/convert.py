"""cgroup v1 values -> cgroup v2 values, exactly as runc converts them
(opencontainers/cgroups ``utils.go``), so one config.json means the same
thing on a v1 and a v2 host and on pyrunc and runc.

Pure functions, no I/O: unit-tested against runc's own test tables.
"""
import math

from pyrunc.cgroups.fs import CgroupError

CPU_PERIOD_DEFAULT = 100000  # cgroup-v2.rst: cpu.max "$MAX $PERIOD", period defaults to 100000


def cpu_shares_to_weight(shares):
    """cpu.shares [2..262144] -> cpu.weight [1..10000]; 0 means unset.

    runc >= 1.3.2 / 1.4 (opencontainers/cgroups#20, runc#4785) maps the v1
    default 1024 to the v2 default 100 with a quadratic in log2(shares)
    fitted through (2, 1), (1024, 100), (262144, 10000); the old linear
    formula gave 1024 -> 39, starving containers that asked for the
    default.  The same formula is what crun >= 1.23 uses.
    """
    if shares == 0:
        return 0
    if shares <= 2:
        return 1
    if shares >= 262144:
        return 10000
    log2 = math.log2(shares)
    exponent = (log2 * log2 + 125 * log2) / 612.0 - 7.0 / 34.0
    return int(math.ceil(math.pow(10, exponent)))


def cpu_shares_to_weight_linear(shares):
    """The conversion of runc <= 1.3.1 (``1 + (shares-2)*9999/262142``),
    kept for comparing against older runc's cgroup files."""
    if shares == 0:
        return 0
    return 1 + ((shares - 2) * 9999) // 262142


def blkio_weight_to_io_weight(weight):
    """blkio.weight [10..1000] -> io.weight [1..10000], linearly; 0 is unset
    (runc ``ConvertBlkIOToIOWeightValue``)."""
    if weight == 0:
        return 0
    return 1 + (weight - 10) * 9999 // 990


def memory_swap_to_v2(swap, memory):
    """OCI memory.swap is memory+swap (v1 memsw); v2's memory.swap.max is
    swap alone (runc ``ConvertMemorySwapToCgroupV2Value``).  0 means unset,
    -1 unlimited."""
    if memory == -1 and swap == 0:
        # v1 compatibility: unlimited memory with swap unset means both unlimited
        return -1
    if swap in (-1, 0):
        return swap
    if memory == -1:
        return swap
    if memory == 0:
        raise CgroupError("unable to set swap limit without memory limit")
    if memory < 0:
        raise CgroupError(f"invalid memory value: {memory}")
    if swap < memory:
        raise CgroupError("memory+swap limit should be >= memory limit")
    return swap - memory


def cpu_quota_period_to_max(quota, period):
    """cpu.cfs_quota_us + cpu.cfs_period_us -> cpu.max ("" when both unset;
    runc ``ConvertCPUQuotaCPUPeriodToCgroupV2Value``)."""
    if quota <= 0 and period == 0:
        return ""
    if period == 0:
        period = CPU_PERIOD_DEFAULT
    if quota <= 0:
        return f"max {period}"
    return f"{quota} {period}"


def limit_to_v2(value):
    """A v1 byte limit as a v2 file value: -1 is "max" (runc ``numToStr``);
    0 is unset ("")."""
    if value == 0:
        return ""
    if value == -1:
        return "max"
    return str(value)
