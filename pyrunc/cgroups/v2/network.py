"""linux.resources.network: net_cls and net_prio are cgroup v1 controllers
with no v2 counterpart (v2 classifies traffic by cgroup path in eBPF or
nftables instead), so the spec's "conversion not possible" error."""
from pyrunc.cgroups.resources import is_set
from pyrunc.cgroups.v2 import unsupported

WHERE = "linux.resources.network"


def apply(cg, network, warn):
    if is_set("network", "classID", network.get("classID")):
        unsupported(f"{WHERE}.classID", "net_cls is a cgroup v1 controller")
    if network.get("priorities"):
        unsupported(f"{WHERE}.priorities", "net_prio is a cgroup v1 controller")
