/* Thin wrappers for the syscalls Python's standard library lacks.
 *
 * Rules (ARCHITECTURE.md section 4): one syscall per function, plain
 * arguments, -1 + errno on failure, no allocation, no policy.  All policy
 * lives in Python; pyrunc/linux.py is the only importer of this module.
 */
#ifndef PYRUNC_LINUX_H
#define PYRUNC_LINUX_H

#include <stdint.h>

/* Bumped whenever a signature below changes; pyrunc/linux.py refuses to
 * run against a build whose number differs (a stale in-place build). */
#define PYRUNC_ABI_VERSION 6

int pyrunc_abi_version(void);
int pyrunc_unshare(int flags);
int pyrunc_setns(int fd, int nstype);
int pyrunc_mount(const char *source, const char *target, const char *fstype,
                 unsigned long flags, const char *data);
int pyrunc_umount2(const char *target, int flags);
int pyrunc_pivot_root(const char *new_root, const char *put_old);
int pyrunc_close_range(unsigned int first, unsigned int last, unsigned int flags);
int pyrunc_openat2(int dirfd, const char *path, uint64_t flags, uint64_t mode,
                   uint64_t resolve);
int pyrunc_mount_setattr(int dirfd, const char *path, unsigned int flags,
                         uint64_t attr_set, uint64_t attr_clr,
                         uint64_t propagation, uint64_t userns_fd);
int pyrunc_open_tree(int dirfd, const char *path, unsigned int flags);
int pyrunc_move_mount(int from_dirfd, const char *from_path, int to_dirfd,
                      const char *to_path, unsigned int flags);
int pyrunc_fsopen(const char *fsname, unsigned int flags);
int pyrunc_fsconfig(int fd, unsigned int cmd, const char *key,
                    const char *value, int aux);
int pyrunc_fsmount(int fd, unsigned int flags, unsigned int attr_flags);
long pyrunc_keyctl_join_session(const char *name);
int pyrunc_personality(unsigned long persona);
int pyrunc_ioprio_set(int which, int who, int ioprio);
int pyrunc_prctl(int option, unsigned long arg2, unsigned long arg3,
                unsigned long arg4, unsigned long arg5);

#endif
