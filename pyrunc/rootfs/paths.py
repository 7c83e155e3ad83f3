"""Safe path resolution inside a root directory.

``openat2(root_fd, path, RESOLVE_IN_ROOT)`` resolves ``..`` and absolute
symlinks as if *root_fd* were ``/``, so nothing here can reach outside the
rootfs however the image's symlinks are laid out.  Magic links
(/proc/self/fd/...) are refused during resolution.
"""
import os
import stat

from pyrunc import linux as L
from pyrunc.errors import PyruncError

_RESOLVE = L.RESOLVE_IN_ROOT | L.RESOLVE_NO_MAGICLINKS


class PathError(PyruncError):
    pass


def _parts(path):
    return [p for p in path.split("/") if p and p != "."]


def open_in_root(root_fd, path, flags=os.O_PATH, nofollow=False):
    """Open *path* (container-absolute) inside the root; returns an fd."""
    rel = "/".join(_parts(path)) or "."
    if nofollow:
        flags |= os.O_NOFOLLOW
    return L.openat2(root_fd, rel, flags, 0, _RESOLVE)


def mkdir_all(root_fd, path, mode=0o755):
    """``mkdir -p`` inside the root; returns an O_PATH fd of the directory.

    Each missing component is created with mkdirat() relative to an fd of
    its already-resolved parent, so a symlink swapped in cannot redirect it.
    """
    parts = _parts(path)
    fd = os.dup(root_fd) if not parts else None
    for i in range(len(parts)):
        sub = "/".join(parts[: i + 1])
        try:
            nfd = L.openat2(root_fd, sub, os.O_PATH | os.O_DIRECTORY, 0, _RESOLVE)
        except FileNotFoundError:
            parent = L.openat2(root_fd, "/".join(parts[:i]) or ".", os.O_PATH | os.O_DIRECTORY, 0, _RESOLVE)
            try:
                os.mkdir(parts[i], mode, dir_fd=parent)
            except FileExistsError:
                pass  # a dangling symlink: the reopen below resolves or fails
            finally:
                os.close(parent)
            nfd = L.openat2(root_fd, sub, os.O_PATH | os.O_DIRECTORY, 0, _RESOLVE)
        except NotADirectoryError:
            raise PathError(f"{'/' + sub}: not a directory") from None
        if fd is not None:
            os.close(fd)
        fd = nfd
    return fd


def make_file(root_fd, path, mode=0o644):
    """Ensure *path* exists as a regular (or existing non-dir) file, creating
    parents; returns an O_PATH fd to it.  Used for file bind-mount targets."""
    parts = _parts(path)
    if not parts:
        raise PathError("/: cannot be a file mount target")
    try:
        fd = open_in_root(root_fd, path)
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            os.close(fd)
            raise PathError(f"{path}: is a directory, but the mount source is a file")
        return fd
    except FileNotFoundError:
        pass
    parent = mkdir_all(root_fd, "/".join(parts[:-1]))
    try:
        try:
            os.close(os.open(parts[-1], os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_CLOEXEC | os.O_NOFOLLOW,
                             mode, dir_fd=parent))
        except FileExistsError:
            pass
    finally:
        os.close(parent)
    return open_in_root(root_fd, path)


def fd_path(fd):
    """A path that refers to exactly what *fd* refers to (for mount(2))."""
    return f"/proc/self/fd/{fd}"
