"""Seccomp: compiled by libseccomp in the runtime's parent before the fork,
loaded as late as possible by C code, never under Python.

- The init needs no libseccomp: ``compile_filter`` turns the plan
  (pyrunc/plan/seccomp.py) into raw BPF with ``seccomp_export_bpf`` in P0,
  where a bad profile is still a plain create error.
- No Python runs under the user's filter: a profile may deny ``read``,
  ``mmap`` or ``rt_sigaction``, which the interpreter needs.  The filter
  is loaded either by pyrunc-init (csrc/stub/pyrunc_init.c), after the
  exec.fifo wait and right before it execs the program, or by the C call
  that execs pyrunc-init (csrc/pyrunc_seccomp.c); see ``exec_stub`` for
  which and why.  startContainer hooks get the filter in their own process
  before their execve (as runc, whose hooks run under it).
- Privileges.  Loading needs no_new_privs or CAP_SYS_ADMIN.  With
  noNewPrivileges the init has set it (the ``no_new_privileges`` step).
  Without it, runc loads the filter before dropping capabilities and then
  runs Go code under it (setuid, capset, the fifo wait).  pyrunc instead
  keeps CAP_SYS_ADMIN in the *effective and permitted* sets only, until the
  exec of pyrunc-init, which loads the filter (``caps_until_exec``):
  execve computes the new sets from the bounding, inheritable and ambient
  sets and the file, never from the old permitted set (capabilities(7):
  P'(permitted) = (P(inheritable) & F(inheritable)) | (F(permitted) &
  P(bounding)) | P'(ambient)), so the extra capability ends there and only
  pyrunc's own code ran while it was held.
- SCMP_ACT_NOTIFY: P0 connects to ``listenerPath`` (a host path) before
  the fork and hands the connected socket down.  Right after loading, the
  same C call sends the container process state and the listener fd
  (SCM_RIGHTS) with sendmsg, then shutdown(SHUT_WR) so the agent sees EOF
  at once; a notify rule on either syscall is refused (it would wait for an
  agent that has no fd yet, or is still reading up to EOF; runc refuses
  ``write`` for the same reason).  The socket and the listener are
  close-on-exec: the container's program holds neither.  For ``create`` the state says
  "created" (runc sends it a moment earlier, as "creating"); for ``exec``
  the parent sends the child the state to forward, since only the parent
  knows the child's host pid.  An agent that cannot be reached fails
  ``create`` or ``exec`` before anything runs.
"""
import fcntl
import os

from pyrunc import OCI_VERSION, fastjson, fdpass, linux as L
from pyrunc.errors import ConfigError, PyruncError
from pyrunc.process import final_exec
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
    sock = fdpass.socket(fdpass.AF_UNIX, fdpass.SOCK_STREAM | fdpass.SOCK_CLOEXEC)
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
    return fastjson.dumps(doc).encode()


def caps_until_exec(caps, no_new_privs, filt):
    """The capability sets to hold from the ``user`` step until execve:
    *caps* itself, plus CAP_SYS_ADMIN in effective and permitted when the
    filter can only be loaded with it (see the module docstring)."""
    if filt is None or no_new_privs or CAP_SYS_ADMIN in caps["effective"]:
        return caps
    return dict(caps, effective=caps["effective"] | {CAP_SYS_ADMIN},
                permitted=caps["permitted"] | {CAP_SYS_ADMIN})


def exec_stub(filt, stub_fd, program, args, env, *, fifo_fd=None, no_new_privs=False,
              listener_fd=None, message=None, lsm=None):
    """The init's last exec (into pyrunc-init, see process/final_exec.py),
    with the filter loaded where it can be loaded latest:

    - noNewPrivileges and no notify rule: by pyrunc-init itself, after the
      exec.fifo wait, right before it execs the program;
    - otherwise here, in the C call that execs pyrunc-init: without
      no_new_privs loading needs CAP_SYS_ADMIN, which this process holds
      (``caps_until_exec``) and pyrunc-init does not (execve drops it), and
      the listener fd must reach the agent from the process that made it.
      Only pyrunc-init's C code (the fifo read and the final execve) then
      runs under the filter, far less than runc runs there.

    *lsm* ({"apparmor": profile, "selinux": label}) goes to pyrunc-init,
    which applies the labels to the program's execve.  Raises OSError when
    something failed (never returns otherwise)."""
    lsm = lsm or {}
    if filt is None:
        final_exec.exec_stub(stub_fd, program, args, env, fifo_fd=fifo_fd, **lsm)
    if no_new_privs and not filt.notify:
        final_exec.exec_stub(stub_fd, program, args, env, fifo_fd=fifo_fd,
                             seccomp_fd=_program_fd(filt.program), seccomp_flags=filt.flags, **lsm)
    if filt.notify and listener_fd is None:
        raise PyruncError("seccomp: SCMP_ACT_NOTIFY is used but no listener socket was passed")
    argv = final_exec.stub_argv(program, args, fifo_fd=fifo_fd, **lsm)
    L.seccomp_exec(filt.program, filt.flags, no_new_privs, listener_fd, message, argv, env,
                   exec_fd=stub_fd)


def _program_fd(program):
    """A sealed memfd holding the BPF program, for pyrunc-init to read
    after start: sealed, so nothing that reaches it in the meantime
    (/proc/<init>/fd/N) can rewrite the filter."""
    fd = os.memfd_create("pyrunc-seccomp", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    view = memoryview(program)
    while view:
        view = view[os.write(fd, view):]
    fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SEAL | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW
                | fcntl.F_SEAL_WRITE)
    return fd


def hook_execve(filt, no_new_privs):
    """An execve for hooks.run_all: startContainer hooks run under the
    container's filter, as in runc.  A hook gets no listener of its own:
    the kernel answers its notify-matched syscalls with ENOSYS."""
    if filt is None:
        return os.execve
    flags = filt.flags & ~(L.SECCOMP_FILTER_FLAG_NEW_LISTENER | L.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)

    def run(path, args, env):
        L.seccomp_exec(filt.program, flags, no_new_privs, None, None, list(args), env, path=path)
    return run
