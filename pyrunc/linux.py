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

ABI_VERSION = 6
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


# --- seccomp ---
# <linux/seccomp.h>
SECCOMP_SET_MODE_FILTER = 1
SECCOMP_GET_ACTION_AVAIL = 2
SECCOMP_FILTER_FLAG_TSYNC = 1 << 0
SECCOMP_FILTER_FLAG_LOG = 1 << 1
SECCOMP_FILTER_FLAG_SPEC_ALLOW = 1 << 2
SECCOMP_FILTER_FLAG_NEW_LISTENER = 1 << 3
SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV = 1 << 5
_SECCOMP_STEPS = {
    _lib.PYRUNC_SECCOMP_STEP_NNP: "prctl(PR_SET_NO_NEW_PRIVS)",
    _lib.PYRUNC_SECCOMP_STEP_LOAD: "seccomp(SECCOMP_SET_MODE_FILTER)",
    _lib.PYRUNC_SECCOMP_STEP_SEND: "sendmsg(seccomp listener)",
    _lib.PYRUNC_SECCOMP_STEP_EXEC: "execve",
}


def _seccomp_rc(rc, call):
    """libseccomp returns -errno instead of setting errno."""
    if rc < 0:
        raise OSError(-rc, f"{call}: {os.strerror(-rc)}")
    return rc


def syscall_number(name):
    """The native number of syscall *name* (a negative pseudo-number for a
    syscall this architecture lacks but another has), or None when
    libseccomp does not know the name at all."""
    nr = _lib.seccomp_syscall_resolve_name(os.fsencode(name))
    return None if nr == -1 else nr  # __NR_SCMP_ERROR


def seccomp_native_arch():
    return _lib.seccomp_arch_native()


def seccomp_arch_token(name):
    """libseccomp's token for architecture *name* ("x86_64", "aarch64"...),
    or None when the linked libseccomp does not know it."""
    token = _lib.seccomp_arch_resolve_name(os.fsencode(name))
    return token or None


def seccomp_api_level():
    return _lib.seccomp_api_get()


def seccomp_filter_init(default_action):
    """A libseccomp filter context, released when garbage-collected."""
    ctx = _lib.seccomp_init(default_action)
    if ctx == _NULL:
        raise OSError(22, f"seccomp_init({default_action:#x}): invalid default action")
    return _ffi.gc(ctx, _lib.seccomp_release)


def seccomp_arch_add(ctx, token):
    """Add architecture *token*; one the filter has already is no error."""
    rc = _lib.seccomp_arch_add(ctx, token)
    if rc != -17:  # -EEXIST
        _seccomp_rc(rc, f"seccomp_arch_add({token:#x})")


def seccomp_rule_add(ctx, action, nr, conditions=()):
    """Add a rule; *conditions* are (arg, op, datum_a, datum_b) tuples."""
    n = len(conditions)
    arr = _ffi.new("struct scmp_arg_cmp[]", max(n, 1))
    for i, (arg, op, a, b) in enumerate(conditions):
        arr[i].arg, arr[i].op, arr[i].datum_a, arr[i].datum_b = arg, op, a, b
    _seccomp_rc(_lib.seccomp_rule_add_array(ctx, action, nr, n, arr if n else _NULL),
                "seccomp_rule_add")


def seccomp_export_bpf(ctx, fd):
    _seccomp_rc(_lib.seccomp_export_bpf(ctx, fd), "seccomp_export_bpf")


def seccomp(op, flags=0, args=None):
    """Raw seccomp(2); *args* is a cffi pointer or None."""
    rc = _lib.pyrunc_seccomp(op, flags, _NULL if args is None else args)
    if rc < 0:
        _fail("seccomp")
    return rc


def seccomp_action_available(action):
    """SECCOMP_GET_ACTION_AVAIL for a SECCOMP_RET_* value."""
    value = _ffi.new("uint32_t *", action & 0xFFFF0000)
    try:
        seccomp(SECCOMP_GET_ACTION_AVAIL, 0, value)
    except OSError:
        return False
    return True


def seccomp_flag_supported(flag):
    """True if the kernel knows SECCOMP_FILTER_FLAG *flag*: with a NULL
    program, a known flag fails with EFAULT and an unknown one with EINVAL
    (runc probes the same way)."""
    if flag & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV:
        flag |= SECCOMP_FILTER_FLAG_NEW_LISTENER  # EINVAL without one
    rc = _lib.pyrunc_seccomp(SECCOMP_SET_MODE_FILTER, flag, _NULL)
    return rc < 0 and _ffi.errno == 14  # EFAULT


def _cstrings(items):
    """(keep-alive list, NULL-terminated char *[]) for execve."""
    keep = [_ffi.new("char[]", os.fsencode(s)) for s in items]
    return keep, _ffi.new("char *[]", keep + [_NULL])


def seccomp_exec(program, flags, no_new_privs, listener_sock, state, args, env, *, path=None, exec_fd=None):
    """Load BPF *program* (bytes) and execve *path* (or the file open at
    *exec_fd*, with execveat): never returns unless something failed, then
    raises OSError naming the failed syscall.  With
    SECCOMP_FILTER_FLAG_NEW_LISTENER in *flags*, the listener fd goes to the
    connected socket *listener_sock*, after the bytes *state*."""
    path_b = _NULL if path is None else os.fsencode(path)
    argv_keep, argv = _cstrings(args)
    envp_keep, envp = _cstrings(f"{k}={v}" for k, v in env.items())
    state = state or b""
    step = _ffi.new("int *")
    _lib.pyrunc_seccomp_exec(program, len(program), flags, 1 if no_new_privs else 0,
                             -1 if listener_sock is None else listener_sock, state, len(state),
                             -1 if exec_fd is None else exec_fd, path_b, argv, envp, step)
    del argv_keep, envp_keep
    _fail(_SECCOMP_STEPS.get(step[0], "seccomp_exec"), path if step[0] == _lib.PYRUNC_SECCOMP_STEP_EXEC else None)


# --- statfs ---
PROC_SUPER_MAGIC = 0x9FA0


def fstatfs_type(fd):
    """f_type of the filesystem *fd* is on (statfs(2) magic numbers)."""
    out = _ffi.new("int64_t *")
    if _lib.pyrunc_fstatfs_type(fd, out) < 0:
        _fail("fstatfs")
    return out[0]


# --- bpf (cgroup v2 devices) ---
# <linux/bpf.h>
BPF_PROG_TYPE_CGROUP_DEVICE = 15
BPF_CGROUP_DEVICE = 6           # enum bpf_attach_type
BPF_F_ALLOW_MULTI = 1 << 1
BPF_F_REPLACE = 1 << 2


def bpf_prog_load(prog_type, insns, license="GPL"):
    """Load the program *insns* (bytes of struct bpf_insn) and return its
    fd.  No verifier log is asked for: the programs pyrunc loads are its
    own, and their correctness is a unit test's job."""
    code = _ffi.from_buffer("char[]", insns)
    lic = _ffi.new("char[]", license.encode())
    fd = _lib.pyrunc_bpf_prog_load(prog_type, code, len(insns) // 8, lic, _NULL, 0, 0)
    if fd < 0:
        _fail("bpf(BPF_PROG_LOAD)")
    return fd


def bpf_prog_attach(target_fd, prog_fd, attach_type, flags=0, replace_fd=0, path=None):
    if _lib.pyrunc_bpf_prog_attach(target_fd, prog_fd, attach_type, flags, replace_fd) < 0:
        _fail("bpf(BPF_PROG_ATTACH)", path)


def bpf_prog_detach(target_fd, prog_fd, attach_type, path=None):
    if _lib.pyrunc_bpf_prog_detach(target_fd, prog_fd, attach_type) < 0:
        _fail("bpf(BPF_PROG_DETACH)", path)


def bpf_prog_query(target_fd, attach_type, path=None):
    """Ids of the programs attached to the cgroup *target_fd* for
    *attach_type* (the array grows when the kernel says ENOSPC)."""
    size = 64
    for _ in range(10):
        ids = _ffi.new("uint32_t[]", size)
        count = _ffi.new("uint32_t *", size)
        flags = _ffi.new("uint32_t *")
        if _lib.pyrunc_bpf_prog_query(target_fd, attach_type, 0, flags, ids, count) == 0:
            return [ids[i] for i in range(count[0])]
        if _ffi.errno != 28:  # ENOSPC: more programs than room; count[0] says how many
            _fail("bpf(BPF_PROG_QUERY)", path)
        size = max(count[0], size * 2)
    raise OSError(28, f"bpf(BPF_PROG_QUERY) {path!r}: the program list keeps growing")


def bpf_prog_get_fd_by_id(prog_id):
    fd = _lib.pyrunc_bpf_prog_get_fd_by_id(prog_id)
    if fd < 0:
        _fail(f"bpf(BPF_PROG_GET_FD_BY_ID {prog_id})")
    return fd
