"""Apply ``mounts`` in order inside the rootfs (config.md "Mounts").

The rootfs is first bind-mounted onto itself (pivot_root needs a mount
point) under the propagation of ``linux.rootfsPropagation`` (rslave by
default, as runc), then each mount is made on an fd resolved inside it.
"""
import os
import stat
from pyrunc.record import record

from pyrunc import linux as L
from pyrunc.errors import PyruncError
from pyrunc.rootfs import copyup, paths

# statvfs f_flag bits -> the MS_* flags a bind remount must keep: the kernel
# refuses (EPERM) to clear "locked" flags of the source mount.
_ST_TO_MS = (
    (os.ST_RDONLY, L.MS_RDONLY), (os.ST_NOSUID, L.MS_NOSUID), (os.ST_NODEV, L.MS_NODEV),
    (os.ST_NOEXEC, L.MS_NOEXEC), (os.ST_NOATIME, L.MS_NOATIME), (os.ST_NODIRATIME, L.MS_NODIRATIME),
    (os.ST_RELATIME, L.MS_RELATIME),
)
_REMOUNT_FLAGS = (L.MS_RDONLY | L.MS_NOSUID | L.MS_NODEV | L.MS_NOEXEC | L.MS_NOATIME | L.MS_NODIRATIME
                  | L.MS_RELATIME | L.MS_STRICTATIME | L.MS_NOSYMFOLLOW)
_PROC_LIKE = ("/proc", "/sys")


class MountError(PyruncError):
    pass


@record
class CgroupMountInfo:
    """What the init needs to populate a ``cgroup`` mount."""
    hierarchies: tuple      # of (name, host_dir_of_container_cgroup, mount_data, version)
    new_namespace: bool     # the container has its own cgroup namespace


def mount_flags_of(path):
    flags = 0
    f_flag = os.statvfs(path).f_flag
    for st, ms in _ST_TO_MS:
        if f_flag & st:
            flags |= ms
    return flags


def remount_bind(target, flags):
    """Change the flags of an existing bind mount at *target* (a path that
    resolves to the mount's root)."""
    flags &= _REMOUNT_FLAGS
    try:
        L.mount(None, target, None, L.MS_REMOUNT | L.MS_BIND | flags)
    except PermissionError:
        # keep the locked flags of the underlying mount, then try again
        L.mount(None, target, None, L.MS_REMOUNT | L.MS_BIND | flags | mount_flags_of(target))


def prepare_root(rootfs, propagation=0):
    """Make the rootfs a mount point of its own.  The container's copy of
    the host's mounts gets linux.rootfsPropagation (rslave when unset, as
    runc): "shared" keeps them peers of the host's, which is what lets a
    mount made in the container under an rshared bind reach the host
    (Kubernetes' bidirectional propagation).  "unbindable" would make the
    rootfs bind below impossible; it is applied after pivot_root instead."""
    L.mount(None, "/", None, copy_propagation(propagation))
    _make_parent_private(rootfs)
    L.mount(rootfs, rootfs, None, L.MS_BIND | L.MS_REC)


def copy_propagation(propagation):
    """The propagation the container's copy of the host's mounts gets for
    linux.rootfsPropagation *propagation* (0 when unset): rslave unless
    asked otherwise, as runc."""
    if not propagation or propagation & L.MS_UNBINDABLE:
        return L.MS_SLAVE | L.MS_REC
    return propagation


def _make_parent_private(rootfs):
    # pivot_root(2) fails with EINVAL if the rootfs' parent mount is shared
    # (a host with "shared" propagation and rootfsPropagation=shared).
    best, shared = "", False
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split(" - ")[0].split()
            mp = fields[4]
            if (rootfs == mp or rootfs.startswith(mp.rstrip("/") + "/")) and len(mp) >= len(best):
                best, shared = mp, any(x.startswith("shared:") for x in fields[6:])
    if shared:
        L.mount(None, best, None, L.MS_PRIVATE)


def source_path(plan, bundle):
    """The host path of a mount's source (a bind's is relative to the bundle)."""
    src = plan.source
    if plan.is_bind and src and not src.startswith("/"):
        src = os.path.join(bundle, src)
    return src


def _is_file_source(plan, source, tree_fd):
    """True for a bind of a file (its target must be a file too)."""
    if tree_fd is not None:
        # the clone is the source: the init need not reach the host path
        return not stat.S_ISDIR(os.fstat(tree_fd).st_mode)
    if not plan.is_bind:
        return False
    if not os.path.exists(source):
        raise MountError(f"mount {plan.destination}: bind source {source} does not exist")
    return not os.path.isdir(source)


def _target_fd(root_fd, plan, file_source):
    """Resolve (creating if missing) the destination inside the rootfs; a
    bind of a file (*file_source*) gets a file there."""
    dest = plan.destination
    if dest in _PROC_LIKE or dest.startswith("/proc/") and plan.type == "proc":
        try:
            fd = paths.open_in_root(root_fd, dest, nofollow=True)
        except FileNotFoundError:
            return paths.mkdir_all(root_fd, dest)
        if not stat.S_ISDIR(os.fstat(fd).st_mode):
            os.close(fd)
            raise MountError(f"mount destination {dest} must be a real directory, not a symlink or file")
        return fd
    if file_source:
        return paths.make_file(root_fd, dest)
    return paths.mkdir_all(root_fd, dest)


def apply_mount(root_fd, plan, bundle, cgroup_info=None, tree_fd=None):
    """Make mount *plan* inside the root.  *tree_fd*, for an id-mapped
    mount, is its detached clone made on the host side (rootfs/idmap.py):
    attached in place of the bind, then given the flags like any bind."""
    source = source_path(plan, bundle)
    fd = _target_fd(root_fd, plan, _is_file_source(plan, source, tree_fd))
    hidden = None
    try:
        target = paths.fd_path(fd)
        if "tmpcopyup" in plan.extensions and plan.type == "tmpfs":
            hidden = os.open(target, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        if plan.type == "cgroup" or (plan.type == "cgroup2" and not cgroup_info.new_namespace):
            _mount_cgroup(root_fd, plan, cgroup_info)
            return
        if tree_fd is not None:
            L.move_mount(tree_fd, "", fd, "", L.MOVE_MOUNT_F_EMPTY_PATH | L.MOVE_MOUNT_T_EMPTY_PATH)
        elif plan.is_bind:
            L.mount(source, target, None, plan.flags & (L.MS_BIND | L.MS_REC))
        else:
            try:
                L.mount(plan.source or plan.type, target, plan.type, plan.flags & ~L.MS_REMOUNT, plan.data or None)
            except PermissionError:
                if plan.type != "sysfs":
                    raise
                # A user namespace without its own network namespace may not
                # mount sysfs; runc binds the host's /sys instead.
                L.mount("/sys", target, None, L.MS_BIND | L.MS_REC)
                plan = plan._replace(flags=plan.flags | L.MS_BIND)
    finally:
        os.close(fd)
    # Reopen: the old fd names the directory *under* the new mount.
    fd = paths.open_in_root(root_fd, plan.destination)
    try:
        target = paths.fd_path(fd)
        if hidden is not None:
            _copy_up(hidden, target)
            hidden = None
        if plan.is_bind and plan.flags & _REMOUNT_FLAGS:
            remount_bind(target, plan.flags)
        for prop in plan.propagation:
            L.mount(None, target, None, prop)
        if plan.rec_set or plan.rec_clr:
            L.mount_setattr(fd, "", L.AT_EMPTY_PATH | L.AT_RECURSIVE, plan.rec_set, plan.rec_clr)
    finally:
        os.close(fd)
        if hidden is not None:
            os.close(hidden)


def _copy_up(hidden_fd, target):
    dst = os.open(target, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        copyup.copy_tree(hidden_fd, dst)
    finally:
        os.close(dst)
        os.close(hidden_fd)


def _mount_cgroup(root_fd, plan, info):
    """A ``cgroup`` mount: cgroup2 on a unified host; on v1, a tmpfs with
    one directory per hierarchy, each the container's own cgroup (a fresh
    cgroup mount inside a cgroup namespace, else a bind of the host dir)."""
    ro = plan.flags & L.MS_RDONLY
    base_flags = (plan.flags | L.MS_NOSUID | L.MS_NODEV | L.MS_NOEXEC) & ~(L.MS_BIND | L.MS_REC | L.MS_REMOUNT)
    if len(info.hierarchies) == 1 and info.hierarchies[0][3] == 2:
        name, host_dir, data, _ = info.hierarchies[0]
        fd = paths.mkdir_all(root_fd, plan.destination)
        try:
            if info.new_namespace:
                L.mount("cgroup2", paths.fd_path(fd), "cgroup2", base_flags)
            else:
                L.mount(host_dir, paths.fd_path(fd), None, L.MS_BIND | L.MS_REC)
                fd2 = paths.open_in_root(root_fd, plan.destination)
                try:
                    remount_bind(paths.fd_path(fd2), base_flags)
                finally:
                    os.close(fd2)
        finally:
            os.close(fd)
        return
    fd = paths.mkdir_all(root_fd, plan.destination)
    try:
        L.mount("tmpfs", paths.fd_path(fd), "tmpfs", base_flags & ~L.MS_RDONLY, "mode=755")
    finally:
        os.close(fd)
    for name, host_dir, data, version in info.hierarchies:
        if version != 1:
            continue  # the hybrid cgroup2 mount is not shown, as in runc
        sub = plan.destination.rstrip("/") + "/" + name
        fd = paths.mkdir_all(root_fd, sub)
        try:
            if info.new_namespace:
                L.mount("cgroup", paths.fd_path(fd), "cgroup", base_flags, data)
            else:
                L.mount(host_dir, paths.fd_path(fd), None, L.MS_BIND | L.MS_REC)
                fd2 = paths.open_in_root(root_fd, sub)
                try:
                    remount_bind(paths.fd_path(fd2), base_flags)
                finally:
                    os.close(fd2)
        finally:
            os.close(fd)
        if "," in name:  # co-mounted controllers: cpu -> cpu,cpuacct
            dfd = paths.open_in_root(root_fd, plan.destination, os.O_PATH | os.O_DIRECTORY)
            try:
                for ctrl in name.split(","):
                    try:
                        os.symlink(name, ctrl, dir_fd=dfd)
                    except FileExistsError:
                        pass
            finally:
                os.close(dfd)
    if ro:
        fd = paths.open_in_root(root_fd, plan.destination)
        try:
            L.mount(None, paths.fd_path(fd), None, L.MS_REMOUNT | L.MS_RDONLY | base_flags)
        finally:
            os.close(fd)
