"""linux.resources.rdma on the v1 rdma controller (rdma.max; the same
format as v2's)."""
import os

from pyrunc.cgroups import fs

WHERE = "linux.resources.rdma"


def command(device, limits):
    """One rdma.max line: "mlx5_1 hca_handle=3 hca_object=10000", naming
    only the limits the config sets (runc ``createCmdString``)."""
    words = [device]
    if limits.get("hcaHandles") is not None:
        words.append(f"hca_handle={limits['hcaHandles']}")
    if limits.get("hcaObjects") is not None:
        words.append(f"hca_object={limits['hcaObjects']}")
    return " ".join(words)


def apply(cg, rdma, warn):
    if not rdma:
        return
    d = cg.require("rdma", WHERE)
    for device, limits in rdma.items():
        fs.write(os.path.join(d, "rdma.max"), command(device, limits), f"{WHERE}.{device}")
