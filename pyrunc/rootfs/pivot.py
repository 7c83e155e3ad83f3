"""Making the rootfs the container's ``/``.

pivot_root(".", ".") then a lazy unmount of the old root is runc's trick:
no put_old directory is needed inside the image.  The old root is made
rslave first so the unmount cannot propagate to the host.  ``--no-pivot``
(for ramfs roots, where pivot_root is impossible) moves the mount over /
and chroots instead.
"""
import os

from pyrunc import linux as L


def pivot_root(rootfs):
    old_root = os.open("/", os.O_DIRECTORY | os.O_RDONLY | os.O_CLOEXEC)
    try:
        os.chdir(rootfs)
        L.pivot_root(".", ".")
        # "." is now the new root, with the old one stacked on it; only the
        # old root's fd reaches the old root itself (runc's pivotRoot).
        os.fchdir(old_root)
        L.mount(None, ".", None, L.MS_SLAVE | L.MS_REC)
        L.umount2(".", L.MNT_DETACH)
    finally:
        os.close(old_root)
    os.chdir("/")


def apply_root_propagation(flags):
    """linux.rootfsPropagation on the container's "/": only possible after
    pivot_root (the rootfs bind is made under rslave; an "unbindable" parent
    would refuse it), as runc does since #3510."""
    if flags:
        L.mount(None, "/", None, flags)


def move_root(rootfs):
    os.chdir(rootfs)
    L.mount(rootfs, "/", None, L.MS_MOVE)
    os.chroot(".")
    os.chdir("/")


def remount_root_readonly():
    from pyrunc.rootfs.mounts import remount_bind
    remount_bind("/", L.MS_RDONLY)
