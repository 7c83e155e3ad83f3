"""``update``: change a container's cgroup limits, with runc's flags or a
``linux.resources`` JSON object from a file or stdin (``--resources -`` is
what containerd's shim sends).  As in runc, with --resources every other
flag is ignored, 0 leaves a value unchanged (except pids.limit, where the
spec makes 0 a real limit), and the device rules are never changed.

The new values are merged into the container's recorded config, so a
later update (or ``state``-driven tooling) sees them.
"""
from pyrunc.cli.args import Flag
from pyrunc.errors import UsageError

SUMMARY = "update container resource constraints"
USAGE = "update [command options] <container-id>"
FLAGS = [
    Flag(("resources", "r"), "str", "", "path to the file containing the resources to update or '-' to read "
         "from the standard input", "FILE"),
    Flag(("blkio-weight",), "str", "", "Specifies per cgroup weight, range is from 10 to 1000", "VALUE"),
    Flag(("cpu-period",), "str", "", "CPU CFS period to be used for hardcapping (in usecs). 0 to use system "
         "default", "VALUE"),
    Flag(("cpu-quota",), "str", "", "CPU CFS hardcap limit (in usecs). Allowed cpu time in a given period",
         "VALUE"),
    Flag(("cpu-burst",), "str", "", "CPU CFS hardcap burst limit (in usecs). Allowed accumulated cpu time "
         "additionally for burst a given period", "VALUE"),
    Flag(("cpu-share",), "str", "", "CPU shares (relative weight vs. other containers)", "VALUE"),
    Flag(("cpu-rt-period",), "str", "", "CPU realtime period to be used for hardcapping (in usecs). 0 to use "
         "system default", "VALUE"),
    Flag(("cpu-rt-runtime",), "str", "", "CPU realtime hardcap limit (in usecs). Allowed cpu time in a given "
         "period", "VALUE"),
    Flag(("cpuset-cpus",), "str", "", "CPU(s) to use", "VALUE"),
    Flag(("cpuset-mems",), "str", "", "Memory node(s) to use", "VALUE"),
    Flag(("cpu-idle",), "str", "", "set cgroup SCHED_IDLE or not, 0: default behavior, 1: SCHED_IDLE", "VALUE"),
    Flag(("memory",), "str", "", "Memory limit (in bytes)", "VALUE"),
    Flag(("memory-reservation",), "str", "", "Memory reservation or soft_limit (in bytes)", "VALUE"),
    Flag(("memory-swap",), "str", "", "Total memory usage (memory + swap); set '-1' to enable unlimited swap",
         "VALUE"),
    Flag(("kernel-memory",), "str", "", "(obsoleted; do not use)", "VALUE"),
    Flag(("kernel-memory-tcp",), "str", "", "(obsoleted; do not use)", "VALUE"),
    Flag(("pids-limit",), "str", "", "Maximum number of pids allowed in the container", "VALUE"),
    Flag(("l3-cache-schema",), "str", "", "The string of Intel RDT/CAT L3 cache schema", "VALUE"),
    Flag(("mem-bw-schema",), "str", "", "The string of Intel RDT/MBA memory bandwidth schema", "VALUE"),
]

_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40, "p": 1 << 50}


def ram_in_bytes(text):
    """docker/go-units ``RAMInBytes`` (what runc parses --memory with):
    "100", "100m", "1.5g", "512KiB", "2 GB"; binary multiples."""
    import re
    m = re.fullmatch(r"(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?", text)
    if not m:
        raise ValueError(text)
    number = float(m.group(1))  # "1.2.3" fails here, as in Go's ParseFloat
    return int(number * _UNITS[(m.group(2) or "").lower()])


def _int(flag, text, signed=True):
    try:
        value = int(text, 10)
    except ValueError:
        raise UsageError(f"update: invalid value for {flag}: {text!r} is not an integer") from None
    if not signed and value < 0:
        raise UsageError(f"update: invalid value for {flag}: {text!r} must not be negative")
    return value


def from_flags(opts):
    """The linux.resources object runc's update flags describe."""
    res = {}

    def put(section, key, value):
        res.setdefault(section, {})[key] = value

    v = opts.values
    for flag, section, key, signed in (
            ("blkio-weight", "blockIO", "weight", False), ("cpu-period", "cpu", "period", False),
            ("cpu-quota", "cpu", "quota", True), ("cpu-burst", "cpu", "burst", False),
            ("cpu-share", "cpu", "shares", False), ("cpu-rt-period", "cpu", "realtimePeriod", False),
            ("cpu-rt-runtime", "cpu", "realtimeRuntime", True), ("cpu-idle", "cpu", "idle", True),
            ("pids-limit", "pids", "limit", True)):
        text = v[flag.replace("-", "_")]
        if text:
            put(section, key, _int(flag, text, signed))
    for flag, key in (("cpuset-cpus", "cpus"), ("cpuset-mems", "mems")):
        text = v[flag.replace("-", "_")]
        if text:
            put("cpu", key, text)
    for flag, key in (("memory", "limit"), ("memory-reservation", "reservation"), ("memory-swap", "swap"),
                      ("kernel-memory", "kernel"), ("kernel-memory-tcp", "kernelTCP")):
        text = v[flag.replace("-", "_")]
        if text:
            if text.strip() == "-1":
                value = -1
            else:
                try:
                    value = ram_in_bytes(text)
                except ValueError:
                    raise UsageError(f"update: invalid value for {flag}: invalid size: {text!r}") from None
            put("memory", key, value)
    if v["l3_cache_schema"] or v["mem_bw_schema"]:
        raise UsageError("update: --l3-cache-schema and --mem-bw-schema need Intel RDT, which pyrunc does "
                         "not support")
    return res


def _read_resources(source):
    import json
    import sys
    from pyrunc.errors import ConfigError
    what = "standard input" if source == "-" else source
    try:
        if source == "-":
            text = sys.stdin.buffer.read()
        else:
            with open(source, "rb") as f:
                text = f.read()
    except OSError as e:
        raise UsageError(f"update: cannot read --resources {source}: {e.strerror}") from None
    try:
        data = json.loads(text or b"null")
    except ValueError as e:
        raise ConfigError(f"update: the resources in {what} are not valid JSON: {e}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"update: the resources in {what} must be a JSON object (linux.resources)")
    return data


def run(ctx, opts, args):
    from pyrunc.cgroups import resources as res_mod
    from pyrunc.container import Container
    from pyrunc.errors import InvalidState
    from pyrunc.ids import one_id
    from pyrunc.log import logger
    from pyrunc.state import status as st
    cid = one_id(args, "update")
    if opts.resources:
        new = _read_resources(opts.resources)
        ignored = [f.names[0] for f in FLAGS[1:] if opts.values[f.dest]]
        if ignored:
            logger.warning(f"update: --resources is given: ignoring --{', --'.join(ignored)}")
    else:
        new = from_flags(opts)
    res_mod.check(new)
    with Container.load(ctx.root, cid) as c:
        status = c.status()
        if status == st.STOPPED:
            raise InvalidState(f"cannot update container {cid}: it is not running (status: stopped)")
        if new.get("devices"):
            logger.debug("update: linux.resources.devices cannot be updated: ignored")
        record = c.record
        linux = record["config"].setdefault("linux", {}) or {}
        record["config"]["linux"] = linux
        merged = res_mod.merge(linux.get("resources") or {}, new)
        c.cgroups.apply_resources(res_mod.update_delta(new, merged), update=True)
        linux["resources"] = merged
        c.sd.write(record)
    return 0
