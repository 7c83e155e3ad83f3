"""linux.resources.rdma on the v2 rdma controller (rdma.max, the same
format as v1's)."""
from pyrunc.cgroups.v1.rdma import command

WHERE = "linux.resources.rdma"


def apply(cg, rdma, warn):
    if not rdma:
        return
    cg.require("rdma", WHERE)
    for device, limits in rdma.items():
        cg.write("rdma.max", command(device, limits), f"{WHERE}.{device}")
