"""The loop both cgroup versions share: one module per linux.resources
section (cgroups/v1/<section>.py, cgroups/v2/<section>.py), applied in a
version-specific order, and their stats gathered into one document."""


def apply_sections(sections, cg, resources, warn, update=False):
    """Apply each present section.  On create the device rules are always
    written (runc's deny-all default plus its allowed devices, even with no
    ``devices`` in the config); ``update`` never touches them."""
    for section, module in sections:
        value = resources.get(section)
        if section == "devices":
            if not update:
                module.apply(cg, value or [], warn)
        elif value is not None:
            module.apply(cg, value, warn)


def collect_stats(modules, cg):
    out = {}
    for module in modules:
        module.stats(cg, out)
    return out
