"""cffi build script for ``pyrunc._linux`` (out-of-line API mode).

setup.py names ``csrc/build_linux.py:ffibuilder`` in ``cffi_modules``, the way
cryptography declares its bindings.  The module links libseccomp so seccomp
filters are compiled and loaded by the library the kernel people maintain,
not by hand-rolled BPF.
"""
import os

from cffi import FFI

HERE = os.path.dirname(os.path.abspath(__file__))

CDEF = """
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

/* libseccomp, called directly: the library is the wrapper. */
typedef void *scmp_filter_ctx;
struct scmp_version { unsigned int major; unsigned int minor; unsigned int micro; };
const struct scmp_version *seccomp_version(void);
"""

ffibuilder = FFI()
ffibuilder.cdef(CDEF)
ffibuilder.set_source(
    "pyrunc._linux",
    '#include "pyrunc_linux.h"\n#include <seccomp.h>\n',
    sources=[os.path.relpath(os.path.join(HERE, "pyrunc_linux.c"))],
    include_dirs=[HERE],
    libraries=["seccomp"],
)

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
