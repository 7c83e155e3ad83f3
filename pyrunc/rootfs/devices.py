"""/dev inside the container (config-linux.md "Devices", "Default Devices").

Device nodes are created with mknodat() relative to an fd of the
container's /dev resolved inside the rootfs, and chowned without following
symlinks, so an image that ships /dev as a symlink to the host's /dev
cannot make us create or chown anything outside (CVE-2025-52565).
"""
import os
import stat
from pyrunc.record import record

from pyrunc.errors import PyruncError
from pyrunc.rootfs import paths


@record
class Device:
    path: str
    type: str      # c, b, u, p
    major: int
    minor: int
    mode: int      # permission bits
    uid: int
    gid: int


DEFAULT_DEVICES = (
    Device("/dev/null", "c", 1, 3, 0o666, 0, 0),
    Device("/dev/zero", "c", 1, 5, 0o666, 0, 0),
    Device("/dev/full", "c", 1, 7, 0o666, 0, 0),
    Device("/dev/random", "c", 1, 8, 0o666, 0, 0),
    Device("/dev/urandom", "c", 1, 9, 0o666, 0, 0),
    Device("/dev/tty", "c", 5, 0, 0o666, 0, 0),
)

DEFAULT_SYMLINKS = (
    ("/proc/self/fd", "/dev/fd"),
    ("/proc/self/fd/0", "/dev/stdin"),
    ("/proc/self/fd/1", "/dev/stdout"),
    ("/proc/self/fd/2", "/dev/stderr"),
    ("pts/ptmx", "/dev/ptmx"),
)

_TYPES = {"c": stat.S_IFCHR, "u": stat.S_IFCHR, "b": stat.S_IFBLK, "p": stat.S_IFIFO}


class DeviceError(PyruncError):
    pass


def plan_devices(config):
    """Default devices plus linux.devices (a configured path wins)."""
    configured = []
    for i, d in enumerate((config.get("linux") or {}).get("devices") or ()):
        mode = d.get("fileMode")
        configured.append(Device(
            path=d["path"], type=d["type"], major=d.get("major", 0), minor=d.get("minor", 0),
            mode=0o666 if mode is None else mode & 0o7777,
            uid=d.get("uid", 0), gid=d.get("gid", 0),
        ))
    paths_given = {d.path for d in configured}
    return tuple(d for d in DEFAULT_DEVICES if d.path not in paths_given) + tuple(configured)


def create_devices(root_fd, devices, bind=False):
    """mknod each device; with *bind* (inside a user namespace, where mknod
    is not allowed) bind-mount the host's node at the same path instead."""
    if bind:
        return bind_devices(root_fd, devices)
    for dev in devices:
        parent, name = os.path.split(os.path.normpath("/" + dev.path))
        if not name:
            raise DeviceError(f"linux.devices: invalid device path {dev.path!r}")
        dfd = paths.mkdir_all(root_fd, parent)
        try:
            try:
                st = os.stat(name, dir_fd=dfd, follow_symlinks=False)
            except FileNotFoundError:
                st = None
            devnum = os.makedev(dev.major, dev.minor) if dev.type != "p" else 0
            if st is not None and (stat.S_IFMT(st.st_mode) != _TYPES[dev.type]
                                   or (dev.type != "p" and st.st_rdev != devnum)):
                if dev in DEFAULT_DEVICES and not (stat.S_ISLNK(st.st_mode) or stat.S_ISDIR(st.st_mode)):
                    # the image's own stand-in for a default device: ours wins
                    os.unlink(name, dir_fd=dfd)
                    st = None
                else:
                    # config-linux.md: an existing file that does not match
                    # a requested device MUST be an error (never replaced)
                    raise DeviceError(f"linux.devices: {dev.path} already exists in the rootfs and is not "
                                      f"the device {dev.type} {dev.major}:{dev.minor}")
            if st is not None:
                os.chmod(name, dev.mode, dir_fd=dfd)  # the same device node (checked above), not a link
            else:
                try:
                    os.mknod(name, _TYPES[dev.type] | dev.mode, devnum, dir_fd=dfd)
                except OSError as e:
                    raise DeviceError(f"mknod {dev.path}: {e.strerror}") from None
            os.chown(name, dev.uid, dev.gid, dir_fd=dfd, follow_symlinks=False)
        finally:
            os.close(dfd)


def create_symlinks(root_fd, links=DEFAULT_SYMLINKS):
    dfd = paths.mkdir_all(root_fd, "/dev")
    try:
        for target, link in links:
            name = os.path.basename(link)
            try:
                os.symlink(target, name, dir_fd=dfd)
            except FileExistsError:
                pass
        if os.path.exists("/proc/kcore"):
            try:
                os.symlink("/proc/kcore", "core", dir_fd=dfd)
            except FileExistsError:
                pass
    finally:
        os.close(dfd)


def bind_devices(root_fd, devices):
    from pyrunc import linux as L
    for dev in devices:
        if not os.path.exists(dev.path):
            raise DeviceError(f"{dev.path}: no such device on the host to bind into the user namespace")
        fd = paths.make_file(root_fd, dev.path, 0o600)
        try:
            L.mount(dev.path, paths.fd_path(fd), None, L.MS_BIND)
        except OSError as e:
            raise DeviceError(f"bind {dev.path}: {e.strerror}") from None
        finally:
            os.close(fd)
