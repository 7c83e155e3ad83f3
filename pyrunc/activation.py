"""What crosses from the runtime's own environment into the container, as
runc does it (and nothing else):

- socket activation: when our caller passed ``LISTEN_FDS`` for *us*
  (``LISTEN_PID`` is our pid), those fds (3 .. 3+N-1) go to the container
  in front of the --preserve-fds ones, and its process gets
  ``LISTEN_FDS=N LISTEN_PID=1``;
- sd_notify: with ``NOTIFY_SOCKET`` set, the container gets a socket of
  ours bound into it at /run/notify/notify.sock; ``start`` listens there and
  relays READY=1 (with MAINPID) to the caller's socket, which is how
  ``podman --sdnotify=container`` works.
"""
import os

from pyrunc import fdpass
from pyrunc.errors import PyruncError

NOTIFY_DIR_IN_CONTAINER = "/run/notify"
NOTIFY_NAME = "notify.sock"


def listen_fds(environ=os.environ):
    """The number of socket-activation fds passed to this process."""
    try:
        if int(environ.get("LISTEN_PID", "0")) != os.getpid():
            return 0
        return max(0, int(environ.get("LISTEN_FDS", "0")))
    except ValueError:
        return 0


def apply_to_config(config, state_dir, environ=os.environ):
    """Add the socket-activation env and the notify-socket mount to the
    config the container is planned from.  Returns (extra preserved fds,
    host notify dir or None)."""
    proc = config.setdefault("process", {})
    env = list(proc.get("env") or ())
    n = listen_fds(environ)
    if n:
        env += [f"LISTEN_FDS={n}", "LISTEN_PID=1"]
    notify_dir = None
    if environ.get("NOTIFY_SOCKET"):
        notify_dir = os.path.join(state_dir, "notify")
        config.setdefault("mounts", []).append({
            "destination": NOTIFY_DIR_IN_CONTAINER, "type": "bind", "source": notify_dir,
            "options": ["bind", "nosuid", "noexec", "nodev", "ro"]})
        env = [e for e in env if not e.startswith("NOTIFY_SOCKET=")]
        env.append(f"NOTIFY_SOCKET={NOTIFY_DIR_IN_CONTAINER}/{NOTIFY_NAME}")
    proc["env"] = env
    return n, notify_dir


def bind_notify_socket(notify_dir):
    """``start``: listen where the container sends its notifications."""
    path = os.path.join(notify_dir, NOTIFY_NAME)
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    sock = fdpass.socket(fdpass.AF_UNIX, fdpass.SOCK_DGRAM | fdpass.SOCK_CLOEXEC)
    sock.bind(path)
    os.chmod(path, 0o777)  # the container's user may be anyone
    return sock


def relay_ready(sock, host_socket, pid, alive):
    """Wait for READY=1 from the container and tell *host_socket*; give up
    (with an error) if the container's process dies first."""
    sock.settimeout(0.2)
    while True:
        try:
            data = sock.recv(4096)
        except fdpass.timeout:
            if not alive():
                raise PyruncError("the container exited before it notified READY=1")
            continue
        if b"READY=1" in data.split(b"\n"):
            break
    out = fdpass.socket(fdpass.AF_UNIX, fdpass.SOCK_DGRAM | fdpass.SOCK_CLOEXEC)
    try:
        target = host_socket
        if target.startswith("@"):
            target = "\0" + target[1:]
        out.sendto(f"READY=1\nMAINPID={pid}\n".encode(), target)
    except OSError as e:
        raise PyruncError(f"NOTIFY_SOCKET {host_socket}: {e.strerror}") from None
    finally:
        out.close()
