"""linux.resources.devices on the v1 devices controller.

The target state is the emulator's reading of the config's rules plus
runc's allowed devices; what is written is only the transition from the
cgroup's current devices.list (runc fs/devices.go), so a joined cgroup
that already has the right rules never goes through a deny-all moment.
Afterwards devices.list is read back and compared, as runc does."""
import os

from pyrunc.cgroups import fs
from pyrunc.cgroups.device_rules import Emulator, container_rules
from pyrunc.cgroups.fs import CgroupError

WHERE = "linux.resources.devices"


def apply(cg, entries, warn):
    d = cg.require("devices", WHERE)
    target = Emulator.from_rules(container_rules(entries))
    current = Emulator.from_list(fs.read(os.path.join(d, "devices.list")))
    for rule in current.transition(target):
        name = "devices.allow" if rule.allow else "devices.deny"
        fs.write(os.path.join(d, name), rule.cgroup_string(), WHERE)
    after = Emulator.from_list(fs.read(os.path.join(d, "devices.list")))
    if target.is_blacklist != after.is_blacklist or (not target.is_blacklist and after != target):
        raise CgroupError(f"{WHERE}: the devices cgroup {d} does not match the rules after writing "
                          f"them (devices.list: {fs.read(os.path.join(d, 'devices.list')).split(chr(10))})")
