"""The only importer of the compiled module ``pyrunc._linux``.

Each wrapper makes one syscall and turns ``-1`` + errno into an ``OSError``
whose message names the syscall and its path, so an error reaching the user
says what the kernel refused (psutil's ``oserror_wsyscall`` idea).  Constants
the standard library lacks live here too, so no other module needs <linux/*.h>.
"""
import os

try:
    from pyrunc import _linux
except ImportError as e:  # pragma: no cover - exercised by hand on a broken install
    raise ImportError(
        "pyrunc's compiled module pyrunc._linux is missing or cannot load "
        f"({e}); rebuild it with 'pip install .' from the source tree"
    ) from None

ABI_VERSION = 3
if _linux.lib.pyrunc_abi_version() != ABI_VERSION:  # pragma: no cover
    raise ImportError(
        f"pyrunc._linux is a stale build (ABI {_linux.lib.pyrunc_abi_version()}, "
        f"this code needs {ABI_VERSION}); rebuild it with 'pip install .'"
    )

_ffi = _linux.ffi
_lib = _linux.lib
_NULL = _ffi.NULL

from pyrunc.kconst import *  # noqa: F401,F403  (the constants travel with the calls)


def _fail(syscall, *paths):
    err = _ffi.errno
    where = f" {' '.join(repr(p) for p in paths if p)}" if any(paths) else ""
    raise OSError(err, f"{syscall}{where}: {os.strerror(err)}")


def _b(s):
    return _NULL if s is None else os.fsencode(s)


def unshare(flags):
    if _lib.pyrunc_unshare(flags) < 0:
        _fail("unshare")


def setns(fd, nstype=0):
    if _lib.pyrunc_setns(fd, nstype) < 0:
        _fail("setns")


def mount(source, target, fstype, flags=0, data=None):
    if _lib.pyrunc_mount(_b(source), _b(target), _b(fstype), flags, _b(data)) < 0:
        _fail("mount", source, target)


def umount2(target, flags=0):
    if _lib.pyrunc_umount2(_b(target), flags) < 0:
        _fail("umount2", target)


def pivot_root(new_root, put_old):
    if _lib.pyrunc_pivot_root(_b(new_root), _b(put_old)) < 0:
        _fail("pivot_root", new_root)


def close_range(first, last=0xFFFFFFFF, flags=0):
    if _lib.pyrunc_close_range(first, last, flags) < 0:
        _fail("close_range")


def openat2(dirfd, path, flags, mode=0, resolve=0):
    fd = _lib.pyrunc_openat2(dirfd, _b(path), flags | os.O_CLOEXEC, mode, resolve)
    if fd < 0:
        _fail("openat2", path)
    return fd


def mount_setattr(dirfd, path, flags, attr_set=0, attr_clr=0, propagation=0, userns_fd=0):
    if _lib.pyrunc_mount_setattr(dirfd, _b(path), flags, attr_set, attr_clr, propagation, userns_fd) < 0:
        _fail("mount_setattr", path)


def open_tree(dirfd, path, flags):
    fd = _lib.pyrunc_open_tree(dirfd, _b(path), flags)
    if fd < 0:
        _fail("open_tree", path)
    return fd


def move_mount(from_dirfd, from_path, to_dirfd, to_path, flags):
    if _lib.pyrunc_move_mount(from_dirfd, _b(from_path), to_dirfd, _b(to_path), flags) < 0:
        _fail("move_mount", to_path)


def keyctl_join_session(name):
    """Join a new session keyring named *name*, so the container does not
    share the caller's keyring (runc does the same unless --no-new-keyring)."""
    if _lib.pyrunc_keyctl_join_session(_b(name)) < 0:
        _fail("keyctl(JOIN_SESSION_KEYRING)", name)


def personality(persona):
    if _lib.pyrunc_personality(persona) < 0:
        _fail("personality")


def ioprio_set(which, who, ioprio):
    if _lib.pyrunc_ioprio_set(which, who, ioprio) < 0:
        _fail("ioprio_set")


PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_RAISE = 2
PR_CAP_AMBIENT_CLEAR_ALL = 4


def prctl(option, arg2=0, arg3=0, arg4=0, arg5=0):
    """Raw prctl(2), for the options python-prctl lacks (ambient caps)."""
    ret = _lib.pyrunc_prctl(option, arg2, arg3, arg4, arg5)
    if ret < 0:
        _fail(f"prctl({option})")
    return ret


def sched_setattr(pid, policy, flags=0, nice=0, priority=0, runtime=0, deadline=0, period=0):
    if _lib.pyrunc_sched_setattr(pid, policy, flags, nice, priority, runtime, deadline, period) < 0:
        _fail("sched_setattr")


def seccomp_version():
    v = _lib.seccomp_version()
    return f"{v.major}.{v.minor}.{v.micro}"
