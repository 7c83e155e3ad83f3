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
    os.chdir(rootfs)
    L.pivot_root(".", ".")
    L.mount(None, ".", None, L.MS_SLAVE | L.MS_REC)
    L.umount2(".", L.MNT_DETACH)
    os.chdir("/")


def move_root(rootfs):
    os.chdir(rootfs)
    L.mount(rootfs, "/", None, L.MS_MOVE)
    os.chroot(".")
    os.chdir("/")


def remount_root_readonly():
    from pyrunc.rootfs.mounts import remount_bind
    remount_bind("/", L.MS_RDONLY)
