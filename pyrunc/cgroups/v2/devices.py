"""linux.resources.devices on cgroup v2: the rules (plus runc's allowed
devices) compiled to an eBPF device program (devicefilter.py) and attached
to the container's cgroup with BPF_F_ALLOW_MULTI, replacing the program an
earlier apply attached (runc ``LoadAttachCgroupDeviceFilter``).

RLIMIT_MEMLOCK is left alone, unlike runc: pyrunc applies resources before
the init is forked, so raising it here would leak into the container, and
since Linux 5.11 BPF memory is charged to the memory cgroup, not memlock.
"""
import os

from pyrunc.cgroups.device_rules import container_rules
from pyrunc.cgroups.fs import CgroupError
from pyrunc.cgroups.v2 import devicefilter

WHERE = "linux.resources.devices"
EINVAL = 22


def attached(dirfd, path=None):
    from pyrunc import linux
    return linux.bpf_prog_query(dirfd, linux.BPF_CGROUP_DEVICE, path)


def load_and_attach(path, insns):
    """Load *insns* and make it the only device program on *path*."""
    from pyrunc import linux
    try:
        dirfd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as e:
        raise CgroupError(f"{WHERE}: open {path}: {e.strerror}", e.errno) from None
    prog = old_fds = None
    try:
        old = attached(dirfd, path)
        prog = linux.bpf_prog_load(linux.BPF_PROG_TYPE_CGROUP_DEVICE, devicefilter.encode(insns),
                                   devicefilter.LICENSE)
        old_fds = [linux.bpf_prog_get_fd_by_id(i) for i in old]
        flags = linux.BPF_F_ALLOW_MULTI
        if len(old_fds) == 1:
            # swap atomically where the kernel can (BPF_F_REPLACE, Linux 5.6):
            # no moment with no program, nor with both
            try:
                linux.bpf_prog_attach(dirfd, prog, linux.BPF_CGROUP_DEVICE, flags | linux.BPF_F_REPLACE,
                                      old_fds[0], path)
                return
            except OSError as e:
                if e.errno != EINVAL:
                    raise
        linux.bpf_prog_attach(dirfd, prog, linux.BPF_CGROUP_DEVICE, flags, 0, path)
        for fd in old_fds:
            linux.bpf_prog_detach(dirfd, fd, linux.BPF_CGROUP_DEVICE, path)
    except OSError as e:
        raise CgroupError(f"{WHERE}: {e.strerror if e.strerror else e}", e.errno) from None
    finally:
        # the cgroup holds its own reference to an attached program
        for fd in [prog] + (old_fds or []):
            if fd is not None:
                os.close(fd)
        os.close(dirfd)


def apply(cg, entries, warn):
    load_and_attach(cg.path, devicefilter.program(container_rules(entries)))
