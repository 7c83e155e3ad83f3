"""The one orchestrator of a container's lifecycle (runtime.md
"Operations"): create, start, state, kill, delete.  Verbs in cli/ parse
flags and call these; the kernel work lives in process/, rootfs/, cgroups/.
"""
import os
import _signal
import time

from pyrunc import OCI_VERSION, procfs
from pyrunc.cgroups import layout as cg_layout
from pyrunc.cgroups.manager import Manager
from pyrunc.errors import ConfigError, InvalidState, PyruncError
from pyrunc.log import logger
from pyrunc.state import status as st
from pyrunc.state.store import StateDir


START_ERR = "start.err"  # a startContainer hook's failure, for start to report


class Container:
    """A container loaded from its locked state directory."""

    console = None  # foreground run: our end of the console socket

    def __init__(self, sd, record):
        self.sd = sd
        self.record = record
        self.cgroups = Manager.from_record(record["cgroups"])

    @classmethod
    def load(cls, root, cid):
        sd = StateDir.open(root, cid)
        try:
            return cls(sd, sd.read())
        except BaseException:
            sd.close()
            raise

    def close(self):
        self.sd.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def id(self):
        return self.record["id"]

    @property
    def pid(self):
        return self.record["pid"]

    def status(self):
        return st.derive(self.record, self.sd.has_fifo(), self.cgroups.is_frozen)

    def oci_state(self):
        """The state object of runtime.md "State" (plus runc's extras)."""
        status = self.status()
        r = self.record
        out = {
            "ociVersion": OCI_VERSION,
            "id": r["id"],
            "pid": r["pid"] if status != st.STOPPED else 0,
            "status": status,
            "bundle": r["bundle"],
            "rootfs": r["rootfs"],
            "created": r["created"],
            "owner": r.get("owner", ""),
        }
        if r.get("annotations"):
            out["annotations"] = r["annotations"]
        return out

    # -- start -------------------------------------------------------------
    def start(self):
        status = self.status()
        if status == st.STOPPED:
            raise InvalidState("cannot start a container that has stopped")
        if status != st.CREATED:
            raise InvalidState(f"cannot start an already {status} container")
        try:
            fd = os.open(self.sd.fifo_path, os.O_WRONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError as e:
            # ENXIO: nobody holds the read side, so the init is gone
            raise PyruncError(f"cannot start container {self.id}: its init is not waiting ({e.strerror})") from None
        notify = None
        host_socket = os.environ.get("NOTIFY_SOCKET")
        if host_socket and self.record.get("notify_dir"):
            from pyrunc import activation
            notify = activation.bind_notify_socket(self.record["notify_dir"])
        try:
            os.write(fd, b"0")
        finally:
            os.close(fd)
        self.sd.remove_fifo()
        try:
            self._wait_for_exec()
        except PyruncError:
            if notify is not None:
                notify.close()
            raise
        if notify is not None:
            try:
                activation.relay_ready(notify, host_socket, self.pid, lambda: self.status() != st.STOPPED)
            finally:
                notify.close()
        if not self._has_hooks("poststart"):
            return
        from pyrunc import hooks  # only when needed: a short verb's time is its imports
        try:
            hooks.run_all(self.record["config"]["hooks"], ("poststart",), self.hook_state(st.RUNNING))
        except hooks.HookError as e:
            # runtime.md lifecycle step 9: generate an error and stop the container
            signal_process(self.pid, self.record.get("init_start_time"), _signal.SIGKILL)
            raise PyruncError(f"{e} (the container was stopped)") from None

    def _wait_for_exec(self):
        """Return once the init has exec'd the user's program, so poststart
        hooks really run after it (config.md): until then its executable is
        one of our sealed memfds (the interpreter running startContainer
        hooks, or pyrunc-init).  If the init dies instead, report why."""
        path = f"/proc/{self.pid}/exe"
        while procfs.is_running(self.pid, self.record.get("init_start_time")):
            try:
                if not os.readlink(path).startswith("/memfd:pyrunc-"):
                    return
            except OSError:
                break
            time.sleep(0.0005)
        # Gone: either the program ran and already exited (fine: its status
        # is its parent's to collect), or a startContainer hook failed.
        try:
            with open(os.path.join(self.sd.path, START_ERR)) as f:
                why = f.read().strip()
        except OSError:
            why = ""
        if why:
            raise PyruncError(f"container {self.id} failed to start: {why}")

    def _has_hooks(self, kind):
        return bool((self.record["config"].get("hooks") or {}).get(kind))

    def hook_state(self, status):
        r = self.record
        return {"ociVersion": OCI_VERSION, "id": r["id"], "status": status, "pid": r["pid"],
                "bundle": r["bundle"], "annotations": r.get("annotations") or {}}

    # -- exec --------------------------------------------------------------
    def exec_process(self, process, *, preserve_fds=0, console_socket=None, own_console=False,
                     ignore_paused=False, handled_signals=(), sub_cgroups=()):
        """Start *process* (a process object) inside the container; return
        (pid, our console end or None) once it has exec'd."""
        from pyrunc.plan import exec as exec_plan
        from pyrunc.process import init, spawn
        status = self.status()
        if status == st.STOPPED:
            raise InvalidState(f"cannot exec in a stopped container {self.id}")
        if status == st.PAUSED and not ignore_paused:
            raise InvalidState(f"cannot exec in a paused container {self.id} (use --ignore-paused)")
        plan = exec_plan.build(self.id, self.record["config"], process, preserve_fds)
        terminal = plan.process.terminal
        if terminal and not (console_socket or own_console):
            raise ConfigError("a terminal was asked for (-t or process.terminal): a --console-socket "
                              "is required with --detach")
        if console_socket and not terminal:
            raise ConfigError("--console-socket is given but no terminal was asked for (-t)")
        from pyrunc.process.final_exec import sealed_stub
        from pyrunc.security import seccomp
        pidfd = os.pidfd_open(self.pid)
        stub_fd = sealed_stub()
        console_sock = own_end = listener = None
        try:
            if not procfs.is_running(self.pid, self.record.get("init_start_time")):
                raise InvalidState(f"cannot exec in a stopped container {self.id}")
            pass_fds = {"pidfd": pidfd, "stub": stub_fd}
            if terminal:
                console_sock, own_end = _console_pair(console_socket)
                pass_fds["console"] = console_sock.fileno()
            listener = seccomp.connect_listener(plan.seccomp)  # the agent of SCMP_ACT_NOTIFY
            if listener is not None:
                pass_fds["seccomp_listener"] = listener.fileno()

            def main(chan, fds):
                init.run_exec(plan, chan, fds["stub"], fds.get("console"), fds.get("seccomp_listener"))

            placement = self.cgroups.sub_placement(sub_cgroups) if sub_cgroups else self.cgroups
            spawned = spawn.spawn(plan.namespaces, placement, main, preserve_fds=preserve_fds,
                                  pass_fds=pass_fds, handled_signals=handled_signals, who="exec")
        except BaseException:
            if own_end is not None:
                own_end.close()
            raise
        finally:
            os.close(pidfd)
            os.close(stub_fd)
            if console_sock is not None:
                console_sock.close()
            if listener is not None:
                listener.close()
        if listener is not None:
            from pyrunc.process import sync
            message = seccomp.listener_message(plan.seccomp, spawned.pid, self.hook_state(status))
            try:
                spawned.chan.send(sync.SECCOMP_STATE, message=message.decode())
            except OSError:
                pass  # the child is gone: wait_exec reports why
        spawned.wait_exec()
        return spawned.pid, own_end

    # -- kill --------------------------------------------------------------
    def kill(self, sig, all_processes=False):
        """runc 1.1's semantics, which containerd and podman depend on:
        ``--all`` on a stopped container still signals whatever is left in
        its cgroup and succeeds; otherwise a stopped container is the error
        "container not running" (the words containerd matches); SIGKILL to a
        paused container thaws it, or the kill would never land."""
        status = self.status()
        if not st.can_kill(status):
            if all_processes:
                if self.cgroups.exists():
                    self.cgroups.signal_all(sig)
                return
            raise InvalidState("container not running")
        if all_processes:
            self.cgroups.signal_all(sig)
        else:
            signal_process(self.pid, self.record.get("init_start_time"), sig)
        if sig == _signal.SIGKILL and status == st.PAUSED:
            self.cgroups.set_frozen(False)

    # -- delete ------------------------------------------------------------
    def delete(self, force=False):
        status = self.status()
        if not st.can_delete(status):
            if not force:
                raise InvalidState(f"cannot delete container {self.id} that is not stopped: {status}")
            if status == st.PAUSED:
                self.cgroups.set_frozen(False)
            signal_process(self.pid, self.record.get("init_start_time"), _signal.SIGKILL)
            wait_gone(self.pid, self.record.get("init_start_time"))
        self.destroy()

    def destroy(self):
        """Remove everything the container owns: processes left in its
        cgroup (possible without a pid namespace), cgroups, state dir."""
        if self.cgroups.exists():
            self.cgroups.kill_all_and_wait()
            self.cgroups.destroy()
        if self._has_hooks("poststop"):
            from pyrunc import hooks  # only when needed: a short verb's time is its imports
            hooks.run_logged(self.record["config"]["hooks"], "poststop", self.hook_state(st.STOPPED), logger)
        self.sd.remove()


def signal_process(pid, start_time, sig):
    """Signal the init through a pidfd taken while it is verifiably the
    recorded process, so a recycled pid can never be hit."""
    try:
        pidfd = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    try:
        if not procfs.is_running(pid, start_time):
            return
        _signal.pidfd_send_signal(pidfd, sig)
    except ProcessLookupError:
        pass
    finally:
        os.close(pidfd)


def wait_gone(pid, start_time, timeout=10.0):
    deadline = time.monotonic() + timeout
    while procfs.is_running(pid, start_time):
        if time.monotonic() > deadline:
            raise PyruncError(f"process {pid} did not exit after SIGKILL")
        time.sleep(0.002)


def now_rfc3339():
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t % 1 * 1e9):09d}Z"


def _cgroup_mount_info(manager, layout, namespaces):
    from pyrunc.rootfs.mounts import CgroupMountInfo
    hier = []
    for h in layout.hierarchies:
        if h.version == 1:
            data = ",".join(h.controllers)
            if data.startswith("name="):
                data = "none," + data
            hier.append((h.name, manager.paths[h.mountpoint], data, 1))
        elif layout.unified:
            hier.append((h.name, manager.paths[h.mountpoint], None, 2))
    return CgroupMountInfo(tuple(hier), namespaces.creates("cgroup"))


def _console_pair(console_socket):
    """(the fd the container's process sends its pty master over, our
    receiving end or None): the engine's --console-socket, or a socketpair
    when we proxy the terminal ourselves (foreground run/exec)."""
    from pyrunc.process import console
    if console_socket:
        return console.connect(console_socket), None
    from pyrunc import fdpass
    own_end, theirs = fdpass.socketpair(fdpass.AF_UNIX, fdpass.SOCK_STREAM)
    return theirs, own_end


def _init_main(plan, tree_names=None):
    """The init's entry point; *tree_names* ({mount index: pass_fds name})
    name the id-mapped clones of rootfs/idmap.py."""
    from pyrunc.process import init

    def main(chan, fds):
        trees = {index: fds[name] for index, name in (tree_names or {}).items()}
        init.run(plan, chan, fds["fifo"], fds["stub"], fds.get("console"), fds.get("seccomp_listener"),
                 fds.get("start_err"), trees)
    return main


def _idmapped_trees(plan):
    """{mount index: fd} of the id-mapped mounts' clones, made here on the
    host side (rootfs/idmap.py); {} (and nothing imported) when no mount
    asks for an idmap."""
    if not any(m.idmap is not None for m in plan.mounts):
        return {}
    from pyrunc.rootfs import idmap
    return idmap.open_trees(plan.mounts, plan.bundle, plan.root_propagation)


def write_pid_file(path, pid):
    """Atomically, as runc: engines poll for this file to appear."""
    path = os.path.abspath(path)
    tmp = os.path.join(os.path.dirname(path), f".{os.path.basename(path)}.tmp")
    with open(tmp, "w") as f:
        f.write(str(pid))
    os.rename(tmp, path)


def create(root, cid, bundle, *, pid_file=None, console_socket=None, no_pivot=False,
           no_new_keyring=False, preserve_fds=0, handled_signals=(), own_console=False):
    """Create the container and leave its init waiting on exec.fifo.
    Returns the locked Container (with ``.console`` set to the receiving
    end of our own console socket when *own_console*); on any failure
    leaves nothing behind."""
    from pyrunc import hooks
    from pyrunc.plan import container as plan_mod
    from pyrunc.process import spawn
    from pyrunc.spec.bundle import load_config
    from pyrunc.spec.validate import check_config

    bundle, config = load_config(bundle)
    for w in check_config(config, bundle):
        logger.warning(str(w))
    from pyrunc import activation
    state_dir = os.path.join(root, cid)
    listen, notify_dir = activation.apply_to_config(config, state_dir)
    preserve_fds += listen
    terminal = bool((config.get("process") or {}).get("terminal"))
    if terminal and not (console_socket or own_console):
        raise ConfigError("process.terminal is true: a --console-socket is required to receive the "
                          "terminal when the runtime does not stay attached (run without -d, or set terminal false)")
    if console_socket and not terminal:
        raise ConfigError("--console-socket is given but process.terminal is false: no terminal to send")
    layout = cg_layout.detect()
    resources = (config.get("linux") or {}).get("resources") or {}
    cgroups_path = (config.get("linux") or {}).get("cgroupsPath")
    manager = Manager.for_container(cgroups_path, cid, layout)
    # Plan everything before touching the kernel: bad config fails here.
    from pyrunc.plan.namespaces import plan_namespaces
    plan = plan_mod.build(
        config, bundle, cid,
        cgroup_mount=_cgroup_mount_info(manager, layout, plan_namespaces(config)),
        no_pivot=no_pivot, no_new_keyring=no_new_keyring, preserve_fds=preserve_fds,
    )
    console_sock = own_end = None
    if terminal:
        console_sock, own_end = _console_pair(console_socket)
    bundle_state = {"ociVersion": OCI_VERSION, "id": cid, "bundle": bundle,
                    "annotations": config.get("annotations") or {}}
    sd = StateDir.create(root, cid)
    spawned = None
    try:
        sd.make_fifo()
        if notify_dir:
            os.mkdir(notify_dir, 0o755)
        manager.create()
        from pyrunc.process.final_exec import sealed_stub
        from pyrunc.security.seccomp import connect_listener
        listener = connect_listener(plan.seccomp)  # the agent of SCMP_ACT_NOTIFY, or None
        fifo_fd = os.open(sd.fifo_path, os.O_RDWR | os.O_CLOEXEC)  # the init's until start
        stub_fd = sealed_stub()
        pass_fds = {"fifo": fifo_fd, "stub": stub_fd}
        if plan.hooks.get("startContainer"):
            pass_fds["start_err"] = os.open(os.path.join(sd.path, START_ERR), os.O_WRONLY | os.O_CREAT
                                            | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        if listener is not None:
            pass_fds["seccomp_listener"] = listener.fileno()
        if console_sock:
            pass_fds["console"] = console_sock.fileno()

        def on_hooks(pid):
            state = dict(bundle_state, status=st.CREATING, pid=pid)
            hooks.run_all(config.get("hooks"), hooks.CREATE_RUNTIME, state)
            return state

        trees = {}
        try:
            trees = _idmapped_trees(plan)
            tree_names = {index: f"idmap-mount-{index}" for index in trees}
            pass_fds.update((tree_names[index], fd) for index, fd in trees.items())
            # Resources are written while stage 1 creates the namespaces,
            # before it is placed in the cgroups and forks the init.
            spawned = spawn.spawn(plan.namespaces, manager, _init_main(plan, tree_names),
                                  preserve_fds=preserve_fds, pass_fds=pass_fds, handled_signals=handled_signals,
                                  on_hooks=on_hooks, while_forked=lambda: manager.apply_resources(resources))
        finally:
            for fd in trees.values():
                os.close(fd)
            os.close(fifo_fd)
            os.close(stub_fd)
            if "start_err" in pass_fds:
                os.close(pass_fds["start_err"])
            if listener is not None:
                listener.close()
        record = {
            "ociVersion": config.get("ociVersion", OCI_VERSION),
            "id": cid,
            "pid": spawned.pid,
            "init_start_time": procfs.start_time(spawned.pid),
            "bundle": bundle,
            "rootfs": plan.rootfs,
            "created": now_rfc3339(),
            "owner": "",
            "annotations": config.get("annotations") or {},
            "cgroups": manager.to_record(),
            "notify_dir": notify_dir,
            "config": config,
        }
        sd.write(record)
        if pid_file:
            write_pid_file(pid_file, spawned.pid)
        spawned.release(dict(bundle_state, status=st.CREATED, pid=spawned.pid))
    except BaseException:
        if own_end is not None:
            own_end.close()
        if spawned is not None:
            spawn._kill_and_reap(spawned.pid)
        try:
            manager.kill_all_and_wait()
            manager.destroy()
        except PyruncError as e:
            logger.error(f"cleanup after failed create: {e}")
        # runtime.md lifecycle: a failed create still ends with poststop
        hooks.run_logged(config.get("hooks"), "poststop",
                         dict(bundle_state, status=st.STOPPED, pid=0), logger)
        sd.remove()
        raise
    finally:
        if console_sock is not None:
            console_sock.close()
    c = Container(sd, record)
    c.console = own_end
    return c
