/* See pyrunc_linux.h.  _GNU_SOURCE is defined here rather than in the cffi
 * preamble because Python.h (included first by cffi) already defines it. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sched.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/openat2.h>
#include <linux/keyctl.h>

#include "pyrunc_linux.h"

/* struct mount_attr is declared by <linux/mount.h>, which clashes with
 * <sys/mount.h> on older glibc; declare the layout the kernel expects. */
struct pyrunc_mount_attr {
    uint64_t attr_set;
    uint64_t attr_clr;
    uint64_t propagation;
    uint64_t userns_fd;
};

int pyrunc_abi_version(void) { return PYRUNC_ABI_VERSION; }

int pyrunc_unshare(int flags) { return unshare(flags); }

int pyrunc_setns(int fd, int nstype) { return setns(fd, nstype); }

int pyrunc_mount(const char *source, const char *target, const char *fstype,
                 unsigned long flags, const char *data)
{
    return mount(source, target, fstype, flags, data);
}

int pyrunc_umount2(const char *target, int flags) { return umount2(target, flags); }

int pyrunc_pivot_root(const char *new_root, const char *put_old)
{
    return (int)syscall(SYS_pivot_root, new_root, put_old);
}

int pyrunc_close_range(unsigned int first, unsigned int last, unsigned int flags)
{
    return (int)syscall(SYS_close_range, first, last, flags);
}

int pyrunc_openat2(int dirfd, const char *path, uint64_t flags, uint64_t mode,
                   uint64_t resolve)
{
    struct open_how how = { .flags = flags, .mode = mode, .resolve = resolve };
    return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

int pyrunc_mount_setattr(int dirfd, const char *path, unsigned int flags,
                         uint64_t attr_set, uint64_t attr_clr,
                         uint64_t propagation, uint64_t userns_fd)
{
    struct pyrunc_mount_attr attr = {
        .attr_set = attr_set, .attr_clr = attr_clr,
        .propagation = propagation, .userns_fd = userns_fd,
    };
    return (int)syscall(SYS_mount_setattr, dirfd, path, flags, &attr, sizeof(attr));
}

int pyrunc_open_tree(int dirfd, const char *path, unsigned int flags)
{
    return (int)syscall(SYS_open_tree, dirfd, path, flags);
}

int pyrunc_move_mount(int from_dirfd, const char *from_path, int to_dirfd,
                      const char *to_path, unsigned int flags)
{
    return (int)syscall(SYS_move_mount, from_dirfd, from_path, to_dirfd, to_path, flags);
}

int pyrunc_fsopen(const char *fsname, unsigned int flags)
{
    return (int)syscall(SYS_fsopen, fsname, flags);
}

int pyrunc_fsconfig(int fd, unsigned int cmd, const char *key, const char *value, int aux)
{
    return (int)syscall(SYS_fsconfig, fd, cmd, key, value, aux);
}

int pyrunc_fsmount(int fd, unsigned int flags, unsigned int attr_flags)
{
    return (int)syscall(SYS_fsmount, fd, flags, attr_flags);
}

long pyrunc_keyctl_join_session(const char *name)
{
    return syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name, 0, 0, 0);
}

int pyrunc_personality(unsigned long persona) { return personality(persona); }

int pyrunc_ioprio_set(int which, int who, int ioprio)
{
    return (int)syscall(SYS_ioprio_set, which, who, ioprio);
}

int pyrunc_prctl(int option, unsigned long arg2, unsigned long arg3,
                 unsigned long arg4, unsigned long arg5)
{
    return prctl(option, arg2, arg3, arg4, arg5);
}
