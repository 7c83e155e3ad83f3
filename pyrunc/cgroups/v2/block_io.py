"""linux.resources.blockIO on the v2 io controller, as runc's fs2/io.go:
with BFQ (io.bfq.weight) weights keep their v1 range [1..1000]; without it
they go to io.weight converted from [10..1000] to [1..10000] (runc's
``ConvertBlkIOToIOWeightValue``) -- per-device weights too, which runc
drops without BFQ.  Throttles become io.max "maj:min rbps=N" lines.
leafWeight (CFQ only) has no v2 counterpart: ignored with a warning."""
import os

from pyrunc.cgroups import convert, fs
from pyrunc.cgroups.resources import is_set
from pyrunc.cgroups.v2 import psi

WHERE = "linux.resources.blockIO"
THROTTLES = (
    ("throttleReadBpsDevice", "rbps"),
    ("throttleWriteBpsDevice", "wbps"),
    ("throttleReadIOPSDevice", "riops"),
    ("throttleWriteIOPSDevice", "wiops"),
)


def apply(cg, block, warn):
    weight = block.get("weight") if is_set("blockIO", "weight", block.get("weight")) else None
    devices = [wd for wd in block.get("weightDevice") or () if wd.get("weight")]
    throttles = [(key, kind) for key, kind in THROTTLES if block.get(key)]
    if is_set("blockIO", "leafWeight", block.get("leafWeight")) or any(
            wd.get("leafWeight") for wd in block.get("weightDevice") or ()):
        warn(f"{WHERE}.leafWeight: ignored: cgroup v2 has no leaf weights (they were CFQ's)")
    if weight is None and not devices and not throttles:
        return
    cg.require("io", WHERE)
    bfq = os.path.exists(cg.file("io.bfq.weight"))
    if weight is not None:
        if bfq:
            cg.write("io.bfq.weight", weight, f"{WHERE}.weight")
        else:
            cg.write("io.weight", convert.blkio_weight_to_io_weight(weight), f"{WHERE}.weight")
    for i, wd in enumerate(block.get("weightDevice") or ()):
        if not wd.get("weight"):
            continue
        dev = f"{wd['major']}:{wd['minor']}"
        field = f"{WHERE}.weightDevice[{i}].weight"
        if bfq:
            cg.write("io.bfq.weight", f"{dev} {wd['weight']}", field)
        else:
            cg.write("io.weight", f"{dev} {convert.blkio_weight_to_io_weight(wd['weight'])}", field)
    for key, kind in throttles:
        for i, td in enumerate(block[key]):
            cg.write("io.max", f"{td['major']}:{td['minor']} {kind}={td['rate']}", f"{WHERE}.{key}[{i}]")


def stats(cg, out):
    """io.stat ("maj:min rbytes=N wbytes=N rios=N wios=N ...") as runc's
    v1-shaped entries (runc fs2/io.go ``statIo``)."""
    keys = {"rbytes": ("ioServiceBytesRecursive", "Read"), "wbytes": ("ioServiceBytesRecursive", "Write"),
            "rios": ("ioServicedRecursive", "Read"), "wios": ("ioServicedRecursive", "Write")}
    result = {}
    for line in (fs.read_or_none(cg.file("io.stat")) or "").splitlines():
        fields = line.split()
        if not fields or ":" not in fields[0]:
            continue
        major, minor = (int(x) for x in fields[0].split(":"))
        for pair in fields[1:]:
            name, _, value = pair.partition("=")
            if name not in keys:
                continue
            key, op = keys[name]
            entry = {}
            if major:
                entry["major"] = major
            if minor:
                entry["minor"] = minor
            entry["op"] = op
            if int(value):
                entry["value"] = int(value)
            result.setdefault(key, []).append(entry)
    pressure = psi(cg.file("io.pressure"))
    if pressure:
        result["psi"] = pressure
    out["blkio"] = result
