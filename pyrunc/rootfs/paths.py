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


_MAX_HOPS = 40  # symlinks followed in one path, as the kernel's ELOOP limit


def mkdir_all(root_fd, path, mode=0o755):
    """``mkdir -p`` inside the root; returns an O_PATH fd of the directory.

    The path is walked one component at a time: a symlink in the image is
    read and its target walked instead, clamped to the root (``..`` never
    climbs above it, an absolute target restarts at it), so a missing
    directory behind a symlink is created inside the rootfs, never outside
    (what runc does with securejoin's MkdirAllInRoot).  Each step opens its
    parent with RESOLVE_NO_SYMLINKS, so a symlink swapped in meanwhile makes
    it fail rather than escape.
    """
    todo = _parts(path)
    done = []
    hops = 0
    while todo:
        comp = todo.pop(0)
        if comp == "..":
            done = done[:-1]
            continue
        parent = L.openat2(root_fd, "/".join(done) or ".", os.O_PATH | os.O_DIRECTORY, 0,
                           _RESOLVE | L.RESOLVE_NO_SYMLINKS)
        try:
            try:
                st = os.stat(comp, dir_fd=parent, follow_symlinks=False)
            except FileNotFoundError:
                os.mkdir(comp, mode, dir_fd=parent)
                done.append(comp)
                continue
            if stat.S_ISLNK(st.st_mode):
                hops += 1
                if hops > _MAX_HOPS:
                    raise PathError(f"{path}: too many levels of symbolic links")
                target = os.readlink(comp, dir_fd=parent)
                if target.startswith("/"):
                    done = []
                todo = _parts(target) + todo
            elif stat.S_ISDIR(st.st_mode):
                done.append(comp)
            else:
                raise PathError(f"{'/' + '/'.join(done + [comp])}: not a directory")
        finally:
            os.close(parent)
    return L.openat2(root_fd, "/".join(done) or ".", os.O_PATH | os.O_DIRECTORY, 0,
                     _RESOLVE | L.RESOLVE_NO_SYMLINKS)


def make_file(root_fd, path, mode=0o644, _hops=0):
    """Ensure *path* exists as a regular (or existing non-dir) file, creating
    parents; returns an O_PATH fd to it.  Used for file bind-mount targets.
    A dangling image symlink at *path* gets its target created, inside the
    root."""
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
            st = os.stat(parts[-1], dir_fd=parent, follow_symlinks=False)
            if stat.S_ISLNK(st.st_mode):
                if _hops >= _MAX_HOPS:
                    raise PathError(f"{path}: too many levels of symbolic links") from None
                target = os.readlink(parts[-1], dir_fd=parent)
                base = "" if target.startswith("/") else "/".join(parts[:-1])
                return make_file(root_fd, base + "/" + target, mode, _hops + 1)
    finally:
        os.close(parent)
    return open_in_root(root_fd, path)


def fd_path(fd):
    """A path that refers to exactly what *fd* refers to (for mount(2))."""
    return f"/proc/self/fd/{fd}"
