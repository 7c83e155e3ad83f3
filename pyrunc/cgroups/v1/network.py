"""linux.resources.network on the v1 net_cls (classID) and net_prio
(priorities) controllers, which have no cgroup v2 counterpart."""
import os

from pyrunc.cgroups import fs
from pyrunc.cgroups.resources import is_set

WHERE = "linux.resources.network"


def apply(cg, network, warn):
    if is_set("network", "classID", network.get("classID")):
        d = cg.require("net_cls", f"{WHERE}.classID")
        fs.write(os.path.join(d, "net_cls.classid"), network["classID"], f"{WHERE}.classID")
    priorities = network.get("priorities") or ()
    if priorities:
        d = cg.require("net_prio", f"{WHERE}.priorities")
        for i, p in enumerate(priorities):
            # one "ifname prio" per write: the kernel parses a single pair
            fs.write(os.path.join(d, "net_prio.ifpriomap"), f"{p['name']} {p['priority']}",
                     f"{WHERE}.priorities[{i}]")
