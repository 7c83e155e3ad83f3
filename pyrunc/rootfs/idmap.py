"""Id-mapped bind mounts, made on the host side (config.md "Mounts":
``idmap``, ``ridmap``, ``uidMappings``/``gidMappings``).

Setting an idmap (mount_setattr(MOUNT_ATTR_IDMAP)) needs a mount that is
not attached yet and CAP_SYS_ADMIN over the user namespace owning the
source's filesystem, which only the host side has once the container has a
user namespace of its own.  So, as runc 1.2 does, P0 clones each source
with open_tree(OPEN_TREE_CLONE), sets the idmap on the detached clone, and
hands the fd down to the init (stage 1 and the init inherit it), which
attaches it at the destination with move_mount() where it would otherwise
call mount(MS_BIND) (rootfs/mounts.py apply_mount).  Closing the fds drops
the clones, so a failed create leaves no mount behind.

A clone of a shared host mount is a peer of it (clone_mnt), so a mount the
container made below it would appear on the host.  The clone first gets
the propagation a bind made inside the container would have inherited from
the container's copy of the host's mounts: rslave, unless
linux.rootfsPropagation says otherwise.

An idmap is the uid_map/gid_map of a user namespace, given as the fd of
one: a throw-away namespace made by a forked child for the mount's own
mappings (or the container's), or the namespace the container joins.

Imported by create only when a mount asks for an idmap.
"""
import errno
import os

from pyrunc import linux as L
from pyrunc.errors import PyruncError
from pyrunc.process.spawn import write_id_maps
from pyrunc.rootfs.mounts import copy_propagation, source_path


class IdmapError(PyruncError):
    pass


def open_trees(mounts, bundle, root_propagation=0):
    """{mount index: fd of its detached, id-mapped clone} for every mount
    of *mounts* (MountPlans) that has an idmap.  On failure nothing stays
    open."""
    trees = {}
    namespaces = {}  # one user namespace per distinct mapping
    propagation = copy_propagation(root_propagation)
    try:
        for index, plan in enumerate(mounts):
            if plan.idmap is not None:
                trees[index] = _open_tree(plan, source_path(plan, bundle), propagation, namespaces)
    except BaseException:
        close_all(trees)
        raise
    finally:
        close_all(namespaces)
    return trees


def close_all(fds_by_key):
    for fd in fds_by_key.values():
        os.close(fd)
    fds_by_key.clear()


def _open_tree(plan, source, propagation, namespaces):
    """Clone *source* (with its submounts for rbind), give the clone
    *propagation* (see the module's docstring) and set the idmap on it (on
    every mount of it for ridmap)."""
    where = f"mount {plan.destination}"
    clone = L.OPEN_TREE_CLONE | L.OPEN_TREE_CLOEXEC | (L.AT_RECURSIVE if plan.flags & L.MS_REC else 0)
    try:
        fd = L.open_tree(L.AT_FDCWD, source, clone)
    except OSError as e:
        raise IdmapError(f"{where}: {e.strerror}") from None
    try:
        L.mount_setattr(fd, "", L.AT_EMPTY_PATH | (L.AT_RECURSIVE if propagation & L.MS_REC else 0),
                        0, 0, propagation & ~L.MS_REC)
        _set_idmap(fd, plan.idmap.recursive, _userns_fd(plan.idmap, namespaces, where),
                   f"{where}: cannot id-map {source}")
    except OSError as e:
        os.close(fd)
        raise IdmapError(f"{where}: {e.strerror}") from None
    except BaseException:
        os.close(fd)
        raise
    return fd


def _set_idmap(fd, recursive, userns_fd, what):
    flags = L.AT_EMPTY_PATH | (L.AT_RECURSIVE if recursive else 0)
    try:
        L.mount_setattr(fd, "", flags, L.MOUNT_ATTR_IDMAP, 0, 0, userns_fd)
    except OSError as e:
        hint = " (does its filesystem support id-mapped mounts?)" if e.errno == errno.EINVAL else ""
        raise IdmapError(f"{what}: {e.strerror}{hint}") from None


def _userns_fd(idmap, namespaces, where):
    """An fd of a user namespace with *idmap*'s mappings, made once per
    distinct mapping and kept in *namespaces* for the caller to close."""
    key = idmap.userns_path or (idmap.uid_map, idmap.gid_map)
    if key not in namespaces:
        if idmap.userns_path:
            try:
                namespaces[key] = os.open(idmap.userns_path, os.O_RDONLY | os.O_CLOEXEC)
            except OSError as e:
                raise IdmapError(f"{where}: open user namespace {idmap.userns_path}: {e.strerror}") from None
        else:
            namespaces[key] = _mapped_userns(idmap, where)
    return namespaces[key]


def _mapped_userns(idmap, where):
    """A new user namespace holding *idmap*'s uid_map and gid_map, as an fd.

    A forked child unshares it and waits while we write its maps (we are
    privileged in the parent namespace, so any host ids may be mapped) and
    open /proc/<child>/ns/user; the fd keeps the namespace alive after the
    child, told to go by EOF on its pipe, has exited and been reaped."""
    ready_r, ready_w = os.pipe()
    hold_r, hold_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        _hold_userns(ready_r, ready_w, hold_r, hold_w)
    os.close(ready_w)
    os.close(hold_r)
    try:
        if os.read(ready_r, 1) != b"1":
            raise IdmapError(f"{where}: cannot create a user namespace for its idmap")
        try:
            write_id_maps(pid, idmap)
        except PyruncError as e:
            raise IdmapError(f"{where}: idmap: {e}") from None
        return os.open(f"/proc/{pid}/ns/user", os.O_RDONLY | os.O_CLOEXEC)
    finally:
        os.close(ready_r)
        os.close(hold_w)
        os.waitpid(pid, 0)


def _hold_userns(ready_r, ready_w, hold_r, hold_w):
    """The child of _mapped_userns: never returns."""
    code = 1
    try:
        os.close(ready_r)
        os.close(hold_w)
        L.unshare(L.CLONE_NEWUSER)
        os.write(ready_w, b"1")
        os.read(hold_r, 1)  # EOF: the parent is done with us
        code = 0
    finally:
        os._exit(code)
