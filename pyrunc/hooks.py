"""Hooks (config.md "POSIX-platform Hooks", runtime.md "Lifecycle").

    createRuntime, prestart  the runtime's namespaces, during create, after
                             the mounts and before pivot_root (run by P0)
    createContainer          the container's namespaces, same moment (run
                             by the init, so paths are still the host's)
    startContainer           the container's namespaces, after start and
                             before execve (run by the init, after pivot_root)
    poststart                the runtime's namespaces, after start
    poststop                 the runtime's namespaces, after delete

Each hook gets the container's state JSON on stdin, exactly its ``args``
and ``env`` (nothing of the runtime's environment), and is killed when its
``timeout`` runs out.  A failing create-time or startContainer hook fails
the operation; poststart and poststop failures are only logged, as the spec
says.  This module is imported before the init seals its imports: it must
not import anything lazily.
"""
import os
import select
import _signal as signal  # not signal: its enums import enum (~5 ms)
import time

from pyrunc import fastjson
from pyrunc.errors import PyruncError

CREATE_RUNTIME = ("prestart", "createRuntime")
_OUTPUT_LIMIT = 16384


class HookError(PyruncError):
    pass


def hooks_of(hooks, kind):
    """The hooks of *kind* in a config's ``hooks`` object (None allowed)."""
    return list((hooks or {}).get(kind) or ())


def state_json(state):
    return fastjson.dumps(state).encode()


def run_all(hooks, kinds, state, execve=os.execve):
    """Run every hook of *kinds* in order; raise HookError on the first
    failure.  *execve* replaces os.execve in the hook's process (the init
    passes one that loads the container's seccomp filter first)."""
    data = None
    for kind in kinds:
        for i, hook in enumerate(hooks_of(hooks, kind)):
            if data is None:
                data = state_json(state)
            run_hook(f"{kind}[{i}]", hook, data, execve)


def run_logged(hooks, kind, state, logger):
    """poststart/poststop: failures are warnings, never errors."""
    for i, hook in enumerate(hooks_of(hooks, kind)):
        try:
            run_hook(f"{kind}[{i}]", hook, state_json(state))
        except HookError as e:
            logger.warning(str(e))


def _child(path, args, env, stdin_fd, out_fd, err_fd, execve=os.execve):
    try:
        os.dup2(stdin_fd, 0)
        os.dup2(out_fd, 1)
        os.dup2(err_fd, 2)
        os.closerange(3, 65536)
        for sig in (signal.SIGPIPE, signal.SIGXFSZ):
            signal.signal(sig, signal.SIG_DFL)
        execve(path, args, env)
    except OSError as e:
        os.write(2, f"exec {path}: {e.strerror}".encode())
    finally:
        os._exit(127)


def run_hook(name, hook, data, execve=os.execve):
    path = hook["path"]
    args = list(hook.get("args") or [path])
    env = dict(item.partition("=")[::2] for item in hook.get("env") or () if "=" in item)
    timeout = hook.get("timeout")
    in_r, in_w = os.pipe2(os.O_CLOEXEC)
    out_r, out_w = os.pipe2(os.O_CLOEXEC)
    err_r, err_w = os.pipe2(os.O_CLOEXEC)
    pid = os.fork()
    if pid == 0:
        _child(path, args, env, in_r, out_w, err_w, execve)
    for fd in (in_r, out_w, err_w):
        os.close(fd)
    try:
        status, out, err = _supervise(pid, in_w, out_r, err_r, data, timeout)
    finally:
        os.close(out_r)
        os.close(err_r)
    if status is None:
        raise HookError(f"hook {name} {path}: timed out after {timeout}s{_tail(out, err)}")
    if status != 0:
        raise HookError(f"hook {name} {path}: exit status {status}{_tail(out, err)}")


def _tail(out, err):
    text = (err or out).decode(errors="replace").strip().replace("\n", " ")
    return f": {text[-500:]}" if text else ""


def _supervise(pid, in_w, out_r, err_r, data, timeout):
    """Feed stdin, collect output, wait with a deadline.  Returns (exit
    status or None on timeout, stdout, stderr).  Closes *in_w*."""
    deadline = time.monotonic() + timeout if timeout else None
    pidfd = os.pidfd_open(pid)
    os.set_blocking(in_w, False)
    bufs = {out_r: b"", err_r: b""}
    readers = [out_r, err_r, pidfd]
    writers = [in_w]
    exited = False
    try:
        while not exited:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return None, bufs[out_r], bufs[err_r]
            r, w, _ = select.select(readers, writers, [], left)
            if w:
                try:
                    n = os.write(in_w, data)
                    data = data[n:]
                except BrokenPipeError:
                    data = b""
                if not data:
                    writers = []
                    os.close(in_w)  # EOF: the hook may now read to the end
            for fd in r:
                if fd == pidfd:
                    exited = True
                    continue
                chunk = os.read(fd, 65536)
                if chunk:
                    bufs[fd] = (bufs[fd] + chunk)[-_OUTPUT_LIMIT:]
                else:
                    readers.remove(fd)
        _, status = os.waitpid(pid, 0)
    finally:
        os.close(pidfd)
        if writers:
            os.close(in_w)
    for fd in (out_r, err_r):
        os.set_blocking(fd, False)
        try:
            bufs[fd] = (bufs[fd] + os.read(fd, 65536))[-_OUTPUT_LIMIT:]
        except (BlockingIOError, OSError):
            pass
    return os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status), \
        bufs[out_r], bufs[err_r]
