"""The last exec: from the Python init (or exec child) into ``pyrunc-init``
(csrc/stub/pyrunc_init.c), which waits for ``start`` if asked, loads the
seccomp filter and execs the container's program.

The stub is copied into a sealed memfd by the parent before the fork, so
the container can neither see the host's copy nor write to the one it
runs (/proc/<pid>/exe is the memfd, sealed against writes).
"""
import fcntl
import os

import pyrunc
from pyrunc.errors import PyruncError

STUB_PATH = os.path.join(os.path.dirname(pyrunc.__file__), "pyrunc-init")
_SEALS = fcntl.F_SEAL_SEAL | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE


def sealed_stub():
    """A sealed, close-on-exec memfd holding pyrunc-init (parent side).
    Copied by sendfile: through a Python buffer the ~700 KB cost ~0.5 ms
    more in page faults, on every create and exec."""
    try:
        src = os.open(STUB_PATH, os.O_RDONLY | os.O_CLOEXEC)
    except OSError as e:
        raise PyruncError(f"{STUB_PATH}: {e.strerror}: pyrunc's init stub is missing; "
                          "reinstall pyrunc ('pip install .')") from None
    fd = -1
    try:
        size = os.fstat(src).st_size
        fd = os.memfd_create("pyrunc-init", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
        offset = 0
        while offset < size:
            sent = os.sendfile(fd, src, offset, size - offset)
            if sent == 0:
                raise PyruncError(f"{STUB_PATH}: shorter than its size while copying it")
            offset += sent
        fcntl.fcntl(fd, fcntl.F_ADD_SEALS, _SEALS)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        raise
    finally:
        os.close(src)
    return fd


def exec_stub(stub_fd, program, args, env, *, fifo_fd=None, seccomp_fd=None, seccomp_flags=0,
              no_new_privs=False, apparmor=None, selinux=None):
    """Never returns on success.  Every fd but stdio, the preserved ones and
    those named here is already close-on-exec."""
    argv = stub_argv(program, args, fifo_fd=fifo_fd, seccomp_fd=seccomp_fd, seccomp_flags=seccomp_flags,
                     no_new_privs=no_new_privs, apparmor=apparmor, selinux=selinux)
    os.execve(stub_fd, argv, env)


def stub_argv(program, args, *, fifo_fd=None, seccomp_fd=None, seccomp_flags=0, no_new_privs=False,
              apparmor=None, selinux=None):
    """pyrunc-init's argv; the fds it names are made inheritable.
    *apparmor* and *selinux* are the labels it applies to the program's
    execve (process.apparmorProfile, process.selinuxLabel)."""
    argv = ["pyrunc-init"]
    for name, fd in (("fifo", fifo_fd), ("seccomp", seccomp_fd)):
        if fd is not None:
            os.set_inheritable(fd, True)
            argv.append(f"{name}={fd}")
    if seccomp_fd is not None and seccomp_flags:
        argv.append(f"seccomp_flags={seccomp_flags}")
    if no_new_privs:
        argv.append("nnp=1")
    if apparmor:
        argv.append(f"apparmor={apparmor}")
    if selinux:
        argv.append(f"selinux={selinux}")
    argv += ["--", program, *args]
    return argv
