"""linux.resources.blockIO on the v1 blkio controller, as runc's
fs/blkio.go: weights go to the CFQ files (blkio.weight, removed with CFQ
in Linux 5.0) or, without them, to BFQ's (blkio.bfq.weight); throttles to
blkio.throttle.*.  leafWeight existed only for CFQ: ignored with a warning
where the kernel has no such file."""
import os

from pyrunc.cgroups import fs
from pyrunc.cgroups.resources import is_set

WHERE = "linux.resources.blockIO"
THROTTLES = (
    ("throttleReadBpsDevice", "blkio.throttle.read_bps_device"),
    ("throttleWriteBpsDevice", "blkio.throttle.write_bps_device"),
    ("throttleReadIOPSDevice", "blkio.throttle.read_iops_device"),
    ("throttleWriteIOPSDevice", "blkio.throttle.write_iops_device"),
)


def weight_files(d):
    """(weight file, per-device weight file): CFQ's if present, else BFQ's."""
    if os.path.exists(os.path.join(d, "blkio.weight")):
        return "blkio.weight", "blkio.weight_device"
    return "blkio.bfq.weight", "blkio.bfq.weight_device"


def _leaf(d, name, value, field, warn):
    path = os.path.join(d, name)
    if not os.path.exists(path):
        warn(f"{field}: ignored: this kernel has no {name} (leaf weights were CFQ's, removed in Linux 5.0)")
        return
    fs.write(path, value, field)


def apply(cg, block, warn):
    d = cg.require("blkio", WHERE)
    weight_file, device_file = weight_files(d)
    if is_set("blockIO", "weight", block.get("weight")):
        fs.write(os.path.join(d, weight_file), block["weight"], f"{WHERE}.weight")
    if is_set("blockIO", "leafWeight", block.get("leafWeight")):
        _leaf(d, "blkio.leaf_weight", block["leafWeight"], f"{WHERE}.leafWeight", warn)
    for i, wd in enumerate(block.get("weightDevice") or ()):
        field = f"{WHERE}.weightDevice[{i}]"
        dev = f"{wd['major']}:{wd['minor']}"
        if wd.get("weight"):
            fs.write(os.path.join(d, device_file), f"{dev} {wd['weight']}", f"{field}.weight")
        if wd.get("leafWeight"):
            _leaf(d, "blkio.leaf_weight_device", f"{dev} {wd['leafWeight']}", f"{field}.leafWeight", warn)
    for key, name in THROTTLES:
        for i, td in enumerate(block.get(key) or ()):
            fs.write(os.path.join(d, name), f"{td['major']}:{td['minor']} {td['rate']}", f"{WHERE}.{key}[{i}]")


# -- statistics (runc fs/blkio.go) ----------------------------------------

_STAT_FILES = (  # (runc's json key, CFQ file, BFQ file, throttle file)
    ("ioServiceBytesRecursive", "blkio.io_service_bytes_recursive", "blkio.bfq.io_service_bytes_recursive",
     "blkio.throttle.io_service_bytes_recursive"),
    ("ioServicedRecursive", "blkio.io_serviced_recursive", "blkio.bfq.io_serviced_recursive",
     "blkio.throttle.io_serviced_recursive"),
    ("ioQueueRecursive", "blkio.io_queued_recursive", None, None),
    ("ioServiceTimeRecursive", "blkio.io_service_time_recursive", None, None),
    ("ioWaitTimeRecursive", "blkio.io_wait_time_recursive", None, None),
    ("ioMergedRecursive", "blkio.io_merged_recursive", None, None),
    ("ioTimeRecursive", "blkio.time_recursive", None, None),
    ("sectorsRecursive", "blkio.sectors_recursive", None, None),
)


def parse_entries(text):
    """Lines "major:minor Op value" (and "Total N", skipped) as runc's
    BlkioEntry objects; zero fields are omitted like Go's omitempty."""
    entries = []
    for line in (text or "").splitlines():
        fields = line.split()
        if len(fields) < 2 or ":" not in fields[0]:
            continue
        major, minor = (int(x) for x in fields[0].split(":"))
        if len(fields) == 3:
            op, value = fields[1], int(fields[2])
        else:
            op, value = "", int(fields[1])
        entry = {}
        if major:
            entry["major"] = major
        if minor:
            entry["minor"] = minor
        if op:
            entry["op"] = op
        if value:
            entry["value"] = value
        entries.append(entry)
    return entries


def stats(cg, out):
    d = cg.dir("blkio")
    result = {}
    if d and os.path.isdir(d):
        # CFQ statistics if present, else BFQ's, else the throttle layer's
        scheme = 1 if os.path.exists(os.path.join(d, "blkio.io_serviced_recursive")) else (
            2 if os.path.exists(os.path.join(d, "blkio.bfq.io_serviced_recursive")) else 3)
        for key, *files in _STAT_FILES:
            name = files[scheme - 1]
            if name:
                entries = parse_entries(fs.read_or_none(os.path.join(d, name)))
                if entries:
                    result[key] = entries
    out["blkio"] = result
