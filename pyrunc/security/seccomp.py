"""Seccomp: compiled by libseccomp in the runtime's parent before the fork,
loaded by one C call that then execve()s (csrc/pyrunc_seccomp.c).

Why this shape (ARCHITECTURE.md section 2):

- The init needs no libseccomp: ``compile_filter`` turns the plan
  (pyrunc/plan/seccomp.py) into raw BPF with ``seccomp_export_bpf`` in P0,
  where a bad profile is still a plain create error.
- No Python runs under the user's filter.  A profile may deny ``read``,
  ``mmap`` or ``rt_sigaction``, which the interpreter needs, so the filter
  is loaded in the same C call as execve, after every init step,
  including the exec.fifo wait and the startContainer hooks (which get the
  filter in their own process, as runc's hooks do).
- Load order and privileges.  Loading a filter needs no_new_privs or
  CAP_SYS_ADMIN.  With noNewPrivileges the C call sets it first.  Without
  it, runc loads the filter before dropping capabilities and then runs Go
  code under it (setuid, capset, the fifo wait).  pyrunc instead keeps
  CAP_SYS_ADMIN in the *effective and permitted* sets only, until execve
  (``caps_until_exec``): execve computes the new sets from the bounding,
  inheritable and ambient sets and the file, never from the old permitted
  set (capabilities(7): P'(permitted) = (P(inheritable) & F(inheritable)) |
  (F(permitted) & P(bounding)) | P'(ambient)), so the extra capability
  does not survive into the container's program, and nothing but our own
  code runs while it is held.
- SCMP_ACT_NOTIFY: P0 connects to ``listenerPath`` (on the host) before
  the fork and hands the connected socket down; after loading the filter
  the C call sends the container process state and the listener fd over
  it (SCM_RIGHTS) with sendmsg, its only syscall before execve.  The
  socket and the listener are close-on-exec, so the container's program
  holds neither and the connection closes at execve.  For ``create`` the
  state is sent when the filter is loaded, i.e. after ``start`` (status
  "created": start has not run the program yet); a listener that cannot
  be reached fails ``create`` (or ``exec``) before anything runs.
"""
import json
import os
import socket

from pyrunc import OCI_VERSION, linux as L
from pyrunc.errors import ConfigError, PyruncError
from pyrunc.record import record

CAP_SYS_ADMIN = 21
SECCOMP_FD_NAME = "seccompFd"


@record
class Filter:
    program: bytes          # struct sock_filter[] as the kernel takes it
    flags: int              # seccomp(2) SECCOMP_FILTER_FLAG_* bits
    listener_path: object   # str when the filter has notify rules
    listener_metadata: str

    @property
    def notify(self):
        return self.listener_path is not None


def compile_filter(plan, logger=None):
    """The BPF program for a SeccompPlan (None passes through).  Syscall
    names libseccomp does not know are skipped (the checks have warned)."""
    if plan is None:
        return None
    if logger is not None:
        for path, message in plan.warnings:
            logger.warning(f"{path}: {message}")
    unsupported = [f for f in _flag_bits(plan.flags) if not L.seccomp_flag_supported(f)]
    if unsupported:
        raise ConfigError(f"linux.seccomp.flags: this kernel does not support the seccomp flags "
                          f"{', '.join(hex(f) for f in unsupported)}")
    try:
        ctx = L.seccomp_filter_init(plan.default_action)
    except OSError as e:
        raise ConfigError(f"linux.seccomp.defaultAction: libseccomp refused it ({e.strerror})") from None
    for name in plan.archs:
        token = L.seccomp_arch_token(name)
        if token is None:
            raise ConfigError(f"linux.seccomp.architectures: the linked libseccomp {L.seccomp_version()} "
                              f"does not know the architecture {name!r}")
        L.seccomp_arch_add(ctx, token)
    for rule in plan.rules:
        for name in rule.names:
            nr = L.syscall_number(name)
            if nr is None:
                continue
            try:
                L.seccomp_rule_add(ctx, rule.action, nr, rule.conditions)
            except OSError as e:
                raise ConfigError(f"{rule.where}: libseccomp refused the rule for {name!r} ({e.strerror})") from None
    return Filter(_export(ctx), plan.flags, plan.listener_path, plan.listener_metadata)


def _flag_bits(flags):
    return [1 << i for i in range(32) if flags >> i & 1]


def _export(ctx):
    fd = os.memfd_create("pyrunc-seccomp", os.MFD_CLOEXEC)
    try:
        L.seccomp_export_bpf(ctx, fd)
        size = os.lseek(fd, 0, os.SEEK_END)
        os.lseek(fd, 0, os.SEEK_SET)
        chunks = []
        while size > 0:
            chunk = os.read(fd, size)
            if not chunk:
                break
            chunks.append(chunk)
            size -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def connect_listener(filt):
    """The connected socket to the seccomp agent, or None when the filter
    has no notify rule.  Connected in P0, on the host, before the fork."""
    if filt is None or not filt.notify:
        return None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
    try:
        sock.connect(filt.listener_path)
    except OSError as e:
        sock.close()
        raise PyruncError(f"failed to connect with seccomp agent at {filt.listener_path} "
                          f"(linux.seccomp.listenerPath): {e.strerror}") from None
    return sock


def listener_message(filt, pid, state):
    """The container process state (config-linux.md): *pid* is the
    process the filter is loaded in, *state* the container's state."""
    doc = {"ociVersion": OCI_VERSION, "fds": [SECCOMP_FD_NAME], "pid": pid, "state": state}
    if filt.listener_metadata:
        doc["metadata"] = filt.listener_metadata
    return json.dumps(doc, separators=(",", ":")).encode()


def caps_until_exec(caps, no_new_privs, filt):
    """The capability sets to hold from the ``user`` step until execve:
    *caps* itself, plus CAP_SYS_ADMIN in effective and permitted when the
    filter can only be loaded with it (see the module docstring)."""
    if filt is None or no_new_privs or CAP_SYS_ADMIN in caps["effective"]:
        return caps
    return dict(caps, effective=caps["effective"] | {CAP_SYS_ADMIN},
                permitted=caps["permitted"] | {CAP_SYS_ADMIN})


def execve(filt, path, args, env, *, no_new_privs=False, listener_fd=None, message=None):
    """Become *path*: plain execve without a filter, else load it and
    execve in one C call.  Raises OSError when something failed."""
    if filt is None:
        os.execve(path, list(args), env)
    if filt.notify and listener_fd is None:
        raise PyruncError("seccomp: SCMP_ACT_NOTIFY is used but no listener socket was passed")
    L.seccomp_exec(filt.program, filt.flags, no_new_privs, listener_fd, message, path, list(args), env)


def hook_execve(filt, no_new_privs):
    """An execve for hooks.run_all: startContainer hooks run under the
    container's filter, as in runc.  A hook gets no listener of its own:
    the kernel answers its notify-matched syscalls with ENOSYS."""
    if filt is None:
        return os.execve
    flags = filt.flags & ~(L.SECCOMP_FILTER_FLAG_NEW_LISTENER | L.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
    hook_filter = Filter(filt.program, flags, None, "")

    def run(path, args, env):
        execve(hook_filter, path, args, env, no_new_privs=no_new_privs)
    return run
