"""``linux.readonlyPaths`` and ``linux.maskedPaths`` (config-linux.md).

Paths that do not exist are skipped, as the spec allows.  Files are masked
by bind-mounting /dev/null over them, but only after checking that the
container's /dev/null really is the char device 1:3 (an image could make it
a symlink or a regular file, CVE-2025-31133); directories get an empty
read-only tmpfs.
"""
import os
import stat

from pyrunc import linux as L
from pyrunc.errors import PyruncError
from pyrunc.rootfs import paths
from pyrunc.rootfs.mounts import remount_bind


def _open(root_fd, path):
    try:
        return paths.open_in_root(root_fd, path)
    except (FileNotFoundError, NotADirectoryError):
        return None


def readonly_paths(root_fd, items):
    for p in items:
        fd = _open(root_fd, p)
        if fd is None:
            continue
        try:
            L.mount(paths.fd_path(fd), paths.fd_path(fd), None, L.MS_BIND | L.MS_REC)
        finally:
            os.close(fd)
        fd = paths.open_in_root(root_fd, p)
        try:
            remount_bind(paths.fd_path(fd), L.MS_RDONLY | L.MS_NOSUID | L.MS_NODEV | L.MS_NOEXEC)
        finally:
            os.close(fd)


def _verified_dev_null(root_fd):
    fd = paths.open_in_root(root_fd, "/dev/null", nofollow=True)
    st = os.fstat(fd)
    if not stat.S_ISCHR(st.st_mode) or (os.major(st.st_rdev), os.minor(st.st_rdev)) != (1, 3):
        os.close(fd)
        raise PyruncError("/dev/null in the container is not the null device (1:3); refusing to mask with it")
    return fd


def masked_paths(root_fd, items):
    null_fd = None
    try:
        for p in items:
            fd = _open(root_fd, p)
            if fd is None:
                continue
            try:
                if stat.S_ISDIR(os.fstat(fd).st_mode):
                    L.mount("tmpfs", paths.fd_path(fd), "tmpfs", L.MS_RDONLY, None)
                else:
                    if null_fd is None:
                        null_fd = _verified_dev_null(root_fd)
                    L.mount(paths.fd_path(null_fd), paths.fd_path(fd), None, L.MS_BIND)
            finally:
                os.close(fd)
    finally:
        if null_fd is not None:
            os.close(null_fd)
