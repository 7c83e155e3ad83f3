"""linux.resources.unified: cgroup v2 files written as given, after every
converted value so that they win (config-linux.md "Unified"): unknown keys
are still written, and a key whose controller is not available is an
error that says so."""
from pyrunc.cgroups.fs import CgroupError
from pyrunc.cgroups import fs

WHERE = "linux.resources.unified"
ENOENT, EPERM, EACCES = 2, 1, 13


def apply(cg, unified, warn):
    for key, value in unified.items():
        field = f"{WHERE}.{key}"
        if "/" in key or key in ("", ".", ".."):
            raise CgroupError(f"{field}: is not a cgroup file name")
        controller = key.partition(".")[0]
        try:
            fs.write_lines(cg.file(key), value, field)
        except CgroupError as e:
            if e.errno in (ENOENT, EPERM, EACCES):
                if "." not in key:
                    raise CgroupError(f"{field}: a unified key is CONTROLLER.PARAMETER", e.errno) from None
                if controller != "cgroup" and controller not in cg.controllers:
                    have = " ".join(sorted(cg.controllers)) or "none"
                    raise CgroupError(f"{field}: the {controller} controller is not available in {cg.path} "
                                      f"(cgroup.controllers: {have})", e.errno) from None
            raise
