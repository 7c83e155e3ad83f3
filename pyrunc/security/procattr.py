"""Writes to /proc/thread-self/attr/*, the kernel's interface for the LSM
label a task gets at its next execve ("exec") or gives the keys it creates
("keycreate").

The file is checked to be on a real procfs before anything is written
(runc's CVE-2019-16884 fix): a config without a /proc mount, or an image
that ships /proc/self/attr/... as plain files, would otherwise take the
write and the process would run unconfined without a word.
"""
import os

from pyrunc import linux as L
from pyrunc.errors import PyruncError


def write(candidates, value, what):
    """Write *value* to the first of *candidates* (paths) that exists."""
    for path in candidates:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
        except FileNotFoundError:
            continue
        except OSError as e:
            raise PyruncError(f"{what}: open {path}: {e.strerror}") from None
        try:
            if L.fstatfs_type(fd) != L.PROC_SUPER_MAGIC:
                raise PyruncError(f"{what}: {path} is not on procfs; refusing to write the label there")
            os.write(fd, value.encode())
        except OSError as e:
            raise PyruncError(f"{what}: write {value!r} to {path}: {e.strerror}") from None
        finally:
            os.close(fd)
        return
    raise PyruncError(f"{what}: none of {', '.join(candidates)} exists (is /proc mounted?)")
