"""Mount option strings -> mount(2) flags (config.md "Mounts", and the
mount-options table of config-linux.md).

Options fall in six groups, as in runc's ``parseMountOptions``:
flags set or cleared on the mount, propagation changes applied after it,
recursive attributes applied with ``mount_setattr(AT_RECURSIVE)``,
``idmap``/``ridmap`` (an id-mapped bind mount, see IdMapping), pyrunc
extensions (``tmpcopyup``), and everything else, passed to the filesystem
as its data string (``size=65536k``, ``mode=755``, ...).
"""
from pyrunc.record import record

from pyrunc import kconst as L
from pyrunc.errors import ConfigError
from pyrunc.plan.namespaces import id_map_text

# option -> (clear?, flag)
FLAGS = {
    "async": (True, L.MS_SYNCHRONOUS),
    "atime": (True, L.MS_NOATIME),
    "bind": (False, L.MS_BIND),
    "defaults": (False, 0),
    "dev": (True, L.MS_NODEV),
    "diratime": (True, L.MS_NODIRATIME),
    "dirsync": (False, L.MS_DIRSYNC),
    "exec": (True, L.MS_NOEXEC),
    "iversion": (False, L.MS_I_VERSION),
    "lazytime": (False, L.MS_LAZYTIME),
    "loud": (True, L.MS_SILENT),
    "mand": (False, L.MS_MANDLOCK),
    "noatime": (False, L.MS_NOATIME),
    "nodev": (False, L.MS_NODEV),
    "nodiratime": (False, L.MS_NODIRATIME),
    "noexec": (False, L.MS_NOEXEC),
    "noiversion": (True, L.MS_I_VERSION),
    "nolazytime": (True, L.MS_LAZYTIME),
    "nomand": (True, L.MS_MANDLOCK),
    "norelatime": (True, L.MS_RELATIME),
    "nostrictatime": (True, L.MS_STRICTATIME),
    "nosuid": (False, L.MS_NOSUID),
    "nosymfollow": (False, L.MS_NOSYMFOLLOW),
    "rbind": (False, L.MS_BIND | L.MS_REC),
    "relatime": (False, L.MS_RELATIME),
    "remount": (False, L.MS_REMOUNT),
    "ro": (False, L.MS_RDONLY),
    "rw": (True, L.MS_RDONLY),
    "silent": (False, L.MS_SILENT),
    "strictatime": (False, L.MS_STRICTATIME),
    "suid": (True, L.MS_NOSUID),
    "symfollow": (True, L.MS_NOSYMFOLLOW),
    "sync": (False, L.MS_SYNCHRONOUS),
}

PROPAGATION = {
    "private": L.MS_PRIVATE,
    "rprivate": L.MS_PRIVATE | L.MS_REC,
    "shared": L.MS_SHARED,
    "rshared": L.MS_SHARED | L.MS_REC,
    "slave": L.MS_SLAVE,
    "rslave": L.MS_SLAVE | L.MS_REC,
    "unbindable": L.MS_UNBINDABLE,
    "runbindable": L.MS_UNBINDABLE | L.MS_REC,
}

# option -> (clear?, MOUNT_ATTR_*) applied to the whole tree (mount_setattr)
RECURSIVE = {
    "rro": (False, L.MOUNT_ATTR_RDONLY),
    "rrw": (True, L.MOUNT_ATTR_RDONLY),
    "rnosuid": (False, L.MOUNT_ATTR_NOSUID),
    "rsuid": (True, L.MOUNT_ATTR_NOSUID),
    "rnodev": (False, L.MOUNT_ATTR_NODEV),
    "rdev": (True, L.MOUNT_ATTR_NODEV),
    "rnoexec": (False, L.MOUNT_ATTR_NOEXEC),
    "rexec": (True, L.MOUNT_ATTR_NOEXEC),
    "rnodiratime": (False, L.MOUNT_ATTR_NODIRATIME),
    "rdiratime": (True, L.MOUNT_ATTR_NODIRATIME),
    "rrelatime": (False, L.MOUNT_ATTR_RELATIME),
    "rnorelatime": (True, L.MOUNT_ATTR_RELATIME),
    "rnoatime": (False, L.MOUNT_ATTR_NOATIME),
    "ratime": (True, L.MOUNT_ATTR_NOATIME),
    "rstrictatime": (False, L.MOUNT_ATTR_STRICTATIME),
    "rnostrictatime": (True, L.MOUNT_ATTR_STRICTATIME),
    "rnosymfollow": (False, L.MOUNT_ATTR_NOSYMFOLLOW),
    "rsymfollow": (True, L.MOUNT_ATTR_NOSYMFOLLOW),
}

# option -> recursive?  Never passed to mount(2) (config.md): the idmap is
# set with mount_setattr(MOUNT_ATTR_IDMAP), on the whole rbind tree for ridmap.
IDMAP = {"idmap": False, "ridmap": True}

EXTENSIONS = {"tmpcopyup"}


@record
class IdMapping:
    """Where an id-mapped mount's idmap comes from: the mount's own
    uidMappings/gidMappings (the text of a throw-away user namespace's
    uid_map and gid_map), or else the container's user namespace (its
    mappings, or the path of the one it joins)."""
    recursive: bool          # ridmap: every mount of an rbind tree, not only the top one
    uid_map: str = None
    gid_map: str = None
    userns_path: str = None


@record
class MountPlan:
    destination: str
    source: str
    type: str
    flags: int
    propagation: tuple
    data: str
    rec_set: int
    rec_clr: int
    extensions: frozenset
    idmap: object = None     # IdMapping of an id-mapped bind mount, else None

    @property
    def is_bind(self):
        return bool(self.flags & L.MS_BIND)


def parse_options(options):
    """Return (flags, propagation list, data string, rec_set, rec_clr,
    extensions, idmap) where idmap is None, or True for a recursive one
    (the last of idmap/ridmap wins, as in runc)."""
    flags = 0
    propagation = []
    data = []
    rec_set = rec_clr = 0
    extensions = set()
    idmap = None
    for opt in options or ():
        if opt in FLAGS:
            clear, flag = FLAGS[opt]
            flags = flags & ~flag if clear else flags | flag
        elif opt in PROPAGATION:
            propagation.append(PROPAGATION[opt])
        elif opt in RECURSIVE:
            clear, attr = RECURSIVE[opt]
            if attr & L.MOUNT_ATTR__ATIME or attr == L.MOUNT_ATTR_RELATIME:
                # atime modes are one field: setting one clears the others
                rec_clr |= L.MOUNT_ATTR__ATIME
            if clear:
                rec_clr |= attr
                rec_set &= ~attr
            else:
                rec_set |= attr
        elif opt in IDMAP:
            idmap = IDMAP[opt]
        elif opt in EXTENSIONS:
            extensions.add(opt)
        else:
            data.append(opt)
    return flags, tuple(propagation), ",".join(data), rec_set, rec_clr, frozenset(extensions), idmap


def plan_mount(m, index=0, config=None):
    flags, propagation, data, rec_set, rec_clr, ext, idmap = parse_options(m.get("options"))
    mtype = m.get("type") or ""
    if mtype == "bind" and not flags & L.MS_BIND:
        # type "bind" without the option: a bind all the same (runc does this)
        flags |= L.MS_BIND
    return MountPlan(
        destination=m["destination"],
        source=m.get("source") or "",
        type=mtype,
        flags=flags,
        propagation=propagation,
        data=data,
        rec_set=rec_set,
        rec_clr=rec_clr,
        extensions=ext,
        idmap=plan_idmapping(m, idmap, index, config),
    )


def plan_idmapping(m, recursive, index, config):
    """The IdMapping of mounts[*index*], or None when it is not id-mapped.
    Mappings without idmap or ridmap still map the mount (not recursively),
    as runc does; without mappings the container's user namespace lends
    its own (config.md allows it, runc does it)."""
    has_maps = "uidMappings" in m or "gidMappings" in m
    if recursive is None and not has_maps:
        return None
    if has_maps:
        where = f"mounts[{index}]"
        return IdMapping(bool(recursive), id_map_text(m.get("uidMappings"), f"{where}.uidMappings"),
                         id_map_text(m.get("gidMappings"), f"{where}.gidMappings"))
    borrowed = container_idmapping(config or {})
    if borrowed is None:
        raise ConfigError(f"mounts[{index}].options: an idmap mount needs uidMappings and gidMappings, "
                          "or a user namespace in linux.namespaces")
    return borrowed._replace(recursive=recursive)


def container_idmapping(config):
    """The container's user namespace as an IdMapping, or None without one."""
    linux = config.get("linux") or {}
    for ns in linux.get("namespaces") or ():
        if ns.get("type") != "user":
            continue
        if ns.get("path"):
            return IdMapping(False, userns_path=ns["path"])
        return IdMapping(False, id_map_text(linux.get("uidMappings"), "linux.uidMappings"),
                         id_map_text(linux.get("gidMappings"), "linux.gidMappings"))
    return None


def plan_mounts(config):
    return tuple(plan_mount(m, i, config) for i, m in enumerate(config.get("mounts") or ()))


def root_propagation(config):
    """The flag for linux.rootfsPropagation, or 0 when unset (the host's
    propagation is then cut to rslave while the rootfs is prepared)."""
    name = (config.get("linux") or {}).get("rootfsPropagation")
    return PROPAGATION[name] if name else 0
