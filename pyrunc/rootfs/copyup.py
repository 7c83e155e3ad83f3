"""``tmpcopyup``: a tmpfs mounted over a directory of the image starts
with a copy of what it hides (runc's extension, used by podman for /etc,
/var/...).

The source is read through a directory fd opened *before* the tmpfs is
mounted: that fd still reaches the hidden directory, so no temporary mount
point is needed, and every step works on fds with O_NOFOLLOW, never
following an image symlink anywhere.
"""
import os
import stat

_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def copy_tree(src_fd, dst_fd):
    for entry in os.scandir(src_fd):
        st = entry.stat(follow_symlinks=False)
        name = entry.name
        if stat.S_ISDIR(st.st_mode):
            os.mkdir(name, 0o700, dir_fd=dst_fd)
            s = os.open(name, _DIR, dir_fd=src_fd)
            d = os.open(name, _DIR, dir_fd=dst_fd)
            try:
                copy_tree(s, d)
            finally:
                os.close(s)
                os.close(d)
        elif stat.S_ISLNK(st.st_mode):
            os.symlink(os.readlink(name, dir_fd=src_fd), name, dir_fd=dst_fd)
        elif stat.S_ISREG(st.st_mode):
            _copy_file(src_fd, dst_fd, name, st)
        else:
            continue  # devices, fifos, sockets are not copied (runc neither)
        os.chown(name, st.st_uid, st.st_gid, dir_fd=dst_fd, follow_symlinks=False)
        if not stat.S_ISLNK(st.st_mode):
            os.chmod(name, stat.S_IMODE(st.st_mode), dir_fd=dst_fd)


def _copy_file(src_fd, dst_fd, name, st):
    s = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=src_fd)
    try:
        d = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600,
                    dir_fd=dst_fd)
        try:
            left = st.st_size
            while left > 0:
                n = os.sendfile(d, s, None, left)
                if n == 0:
                    break
                left -= n
        finally:
            os.close(d)
    finally:
        os.close(s)
