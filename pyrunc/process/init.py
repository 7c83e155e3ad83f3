"""The container's init (P2): a declared list of short named steps (runc
``standard_init_linux.go``), run in the new namespaces, ending in execve.

Inside the init no module may be imported: after the rootfs is entered an
import would load code from the container image (a planted ``json.py``).
Everything needed is imported by the CLI before the fork, and the path
finders are removed first thing, so a missed import fails loudly instead.
"""
import os
import resource
import _signal as signal  # not signal: its enums import enum (~5 ms)
import stat
import sys

import _prctl  # python-prctl's C module (see security/capabilities.py)

from pyrunc import fdpass, hooks, linux as L
from pyrunc.errors import PyruncError
from pyrunc.process import console, fds, final_exec, sync  # noqa: F401 (final_exec: loaded before the pivot)
from pyrunc.process.errors import describe
from pyrunc.rootfs import devices, mounts, paths, pivot, special
from pyrunc.security import apparmor, capabilities, seccomp, selinux
from pyrunc.spec import passwd

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class Init:
    """Mutable state shared by the steps (fds, the resolved program)."""

    def __init__(self, plan, chan, fifo_fd, console_fd, stub_fd, listener_fd=None):
        self.stub_fd = stub_fd
        self.listener_fd = listener_fd  # connected to linux.seccomp.listenerPath
        self.start_err_fd = None  # <state>/start.err: where a startContainer hook failure goes
        self.plan = plan
        self.proc = plan.process
        self.chan = chan
        self.fifo_fd = fifo_fd
        self.console_fd = console_fd
        self.root_fd = None
        self.mount_trees = {}  # mount index -> detached id-mapped clone (rootfs/idmap.py)
        self.program = None
        self.env = None
        self.state = None  # the container's state, for our hooks

    # -- steps, in order ---------------------------------------------------
    def seal_imports(self):
        sys.meta_path[:] = [f for f in sys.meta_path if getattr(f, "__name__", "") in
                            ("BuiltinImporter", "FrozenImporter")]
        sys.path_hooks.clear()
        sys.path_importer_cache.clear()
        sys.path.clear()

    def session(self):
        os.setsid()

    def not_dumpable(self):
        # /proc/<init>/exe is the host's python; nothing in the container
        # may open it, ptrace us or read our memory (CVE-2019-5736).
        _prctl.prctl(_prctl.PR_SET_DUMPABLE, 0)

    def keyring(self):
        if not self.plan.no_new_keyring:
            selinux.set_key_label(self.proc.selinux_label)  # the keyring gets the process's label
            L.keyctl_join_session(f"_ses.{self.plan.id}")

    def oom_score_adj(self):
        if self.proc.oom_score_adj is not None:
            with open("/proc/self/oom_score_adj", "w") as f:
                f.write(str(self.proc.oom_score_adj))

    def prepare_rootfs(self):
        os.umask(0)  # device and directory modes are exactly as configured
        mounts.prepare_root(self.plan.rootfs, self.plan.root_propagation)
        self.root_fd = os.open(self.plan.rootfs, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)

    def mount_all(self):
        try:
            for index, m in enumerate(self.plan.mounts):
                try:
                    mounts.apply_mount(self.root_fd, m, self.plan.bundle, self.plan.cgroup_mount,
                                       self.mount_trees.get(index))
                except PyruncError:
                    raise
                except OSError as e:
                    raise PyruncError(f"mount {m.destination} ({m.type or 'bind'}): {describe(e)}") from None
        finally:
            self.close_mount_trees()

    def close_mount_trees(self):
        """The clones are host directories: no fd to one may outlive the
        mounts (CVE-2024-21626 was a leaked host fd)."""
        for fd in self.mount_trees.values():
            os.close(fd)
        self.mount_trees = {}

    def populate_dev(self):
        bind = self.plan.in_userns
        if self.plan.populate_dev:
            devices.create_devices(self.root_fd, self.plan.devices, bind)
            devices.create_symlinks(self.root_fd)
        elif self.plan.devices:
            devices.create_devices(self.root_fd, [d for d in self.plan.devices
                                                  if d not in devices.DEFAULT_DEVICES], bind)

    def create_hooks(self):
        """P0 runs prestart/createRuntime; then createContainer here, in the
        container's namespaces, before pivot_root (runtime.md)."""
        if not self.plan.has_create_hooks:
            return
        self.chan.send(sync.HOOKS)
        msg, _ = self.chan.expect(sync.HOOKS_DONE, who="pyrunc")
        hooks.run_all(self.plan.hooks, ("createContainer",), msg["state"])

    def enter_root(self):
        if self.plan.no_pivot:
            pivot.move_root(self.plan.rootfs)
        else:
            pivot.pivot_root(self.plan.rootfs)
        os.close(self.root_fd)
        self.root_fd = os.open("/", os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
        pivot.apply_root_propagation(self.plan.root_propagation)

    def console(self):
        if self.console_fd is not None:
            console.setup_in_container(self.console_fd, self.root_fd, self.proc.console_size,
                                       paths.make_file, paths.fd_path, L.mount)
            self.console_fd = None

    def exec_console(self):
        # exec: a new pty in the container's devpts; /dev/console stays the init's
        if self.console_fd is not None:
            os.setsid()
            console.setup_in_container(self.console_fd, None, self.proc.console_size)
            self.console_fd = None

    def hostname(self):
        if self.plan.hostname is not None:
            fdpass.sethostname(self.plan.hostname)
        if self.plan.domainname is not None:
            with open("/proc/sys/kernel/domainname", "w") as f:
                f.write(self.plan.domainname)

    def sysctl(self):
        for key, value in self.plan.sysctl.items():
            rel = key.replace(".", "/")
            fd = paths.open_in_root(self.root_fd, "/proc/sys/" + rel, os.O_WRONLY | os.O_TRUNC)
            try:
                os.write(fd, str(value).encode())
            except OSError as e:
                raise PyruncError(f"sysctl {key}={value}: {e.strerror}") from None
            finally:
                os.close(fd)

    def readonly_paths(self):
        special.readonly_paths(self.root_fd, self.plan.readonly_paths)

    def masked_paths(self):
        special.masked_paths(self.root_fd, self.plan.masked_paths)

    def readonly_root(self):
        if self.plan.readonly_root:
            pivot.remount_root_readonly()

    def rlimits(self):
        for name, number, soft, hard in self.proc.rlimits:
            try:
                resource.setrlimit(number, (soft, hard))
            except (OSError, ValueError) as e:
                raise PyruncError(f"setrlimit {name} ({soft}, {hard}): {describe(e) if isinstance(e, OSError) else e}") from None

    def environment(self):
        env = {}
        for item in self.proc.env:
            k, sep, v = item.partition("=")
            if sep and k:
                env[k] = v  # a later duplicate wins, as in runc
        if "HOME" not in env:
            env["HOME"] = passwd.home_of(self.proc.uid) or "/"
        self.env = env

    def scheduling(self):
        """scheduler, ioPriority and personality, while we still hold the
        capabilities a real-time policy or class needs."""
        p = self.proc
        if p.scheduler is not None:
            L.sched_setattr(0, *p.scheduler)
        if p.io_priority is not None:
            L.ioprio_set(1, 0, p.io_priority)  # IOPRIO_WHO_PROCESS, ourselves
        if p.personality is not None:
            L.personality(p.personality)

    def initial_cpu_affinity(self):
        if self.proc.cpus_initial is not None:
            os.sched_setaffinity(0, self.proc.cpus_initial)

    def cpu_affinity(self):
        if self.proc.cpus_final is not None:
            os.sched_setaffinity(0, self.proc.cpus_final)

    def find_program(self):
        self.program = find_executable(self.proc.args[0], self.env.get("PATH", DEFAULT_PATH))

    def user(self):
        capabilities.drop_bounding(self.proc.caps)
        capabilities.set_keepcaps(True)
        gids = list(dict.fromkeys(self.proc.additional_gids))
        os.setgroups(gids)
        os.setresgid(self.proc.gid, self.proc.gid, self.proc.gid)
        os.setresuid(self.proc.uid, self.proc.uid, self.proc.uid)
        capabilities.set_keepcaps(False)
        # + CAP_SYS_ADMIN until execve when it is needed to load seccomp
        capabilities.apply_sets(seccomp.caps_until_exec(self.proc.caps, self.proc.no_new_privileges,
                                                        self.plan.seccomp))

    def cwd(self):
        try:
            os.chdir(self.proc.cwd)
        except OSError as e:
            raise PyruncError(f"chdir to cwd {self.proc.cwd!r} set in config.json: {e.strerror}") from None
        # CVE-2024-21626: a cwd reached through a leaked fd lies outside the root
        if not os.getcwd().startswith("/"):
            raise PyruncError(f"cwd {self.proc.cwd!r} is outside the container")

    def umask(self):
        os.umask(0o022 if self.proc.umask is None else self.proc.umask)

    def no_new_privileges(self):
        if self.proc.no_new_privileges:
            _prctl.prctl(_prctl.PR_SET_NO_NEW_PRIVS, 1)

    def signals(self):
        # Python ignores SIGPIPE and SIGXFSZ; ignored dispositions survive
        # execve, and the container's programs must get the defaults.
        for sig in (signal.SIGPIPE, signal.SIGXFSZ):
            signal.signal(sig, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, [])

    def close_fds(self):
        keep = {0, 1, 2, self.chan.fileno(), self.stub_fd}
        if self.listener_fd is not None:
            keep.add(self.listener_fd)
        if self.fifo_fd is not None:
            keep.add(self.fifo_fd)
        if self.start_err_fd is not None:
            keep.add(self.start_err_fd)
        keep.update(range(3, 3 + self.plan.preserve_fds))
        fds.keep_only(keep)

    EXEC_STEPS = (
        "seal_imports", "initial_cpu_affinity", "not_dumpable", "exec_console", "rlimits",
        "scheduling", "environment", "find_program", "user", "cwd", "umask", "no_new_privileges",
        "signals", "cpu_affinity", "close_fds",
    )

    # execCPUAffinity is for exec'd processes only: config.md says it does
    # not apply to the container's init process.
    STEPS = (
        "seal_imports", "session", "not_dumpable", "keyring", "oom_score_adj",
        "prepare_rootfs", "mount_all", "populate_dev", "create_hooks", "enter_root", "console",
        "hostname", "sysctl", "readonly_paths", "masked_paths", "readonly_root", "rlimits",
        "scheduling", "environment", "find_program", "user", "cwd", "umask", "no_new_privileges",
        "signals", "close_fds",
    )

    # -- the end: wait for start, then become the container's process ------
    def wait_and_exec(self):
        self.chan.send(sync.READY)
        msg, _ = self.chan.expect(sync.STATE_SAVED, who="pyrunc")
        self.chan.close()
        fds.mark_cloexec_from(3 + self.plan.preserve_fds)
        fifo = self.fifo_fd
        if self.plan.hooks.get("startContainer"):
            # the hooks run after start, so this init waits itself
            while True:
                try:
                    if os.read(fifo, 1):
                        break
                except InterruptedError:
                    continue
            os.close(fifo)
            fifo = None
            try:
                hooks.run_all(self.plan.hooks, ("startContainer",), msg["state"], execve=self.hook_execve())
            except hooks.HookError as e:
                # ``start`` is waiting for the exec; it reads why it failed here
                if self.start_err_fd is not None:
                    os.write(self.start_err_fd, str(e).encode())
                os._exit(1)
        self.final_exec(fifo, msg["state"])

    def lsm(self):
        """The LSM labels pyrunc-init applies to the program's execve."""
        return {"apparmor": self.proc.apparmor_profile, "selinux": self.proc.selinux_label}

    def hook_execve(self):
        """startContainer hooks run in the container as confined as its
        program, as in runc: AppArmor, SELinux and seccomp are applied in
        the hook's own process, right before its execve."""
        load = seccomp.hook_execve(self.plan.seccomp, self.proc.no_new_privileges)

        def execve(path, args, env):
            apparmor.apply_on_exec(self.proc.apparmor_profile)
            selinux.set_exec_label(self.proc.selinux_label)
            load(path, args, env)
        return execve

    def final_exec(self, fifo=None, state=None):
        filt = self.plan.seccomp
        message = None
        if filt is not None and filt.notify:
            message = seccomp.listener_message(filt, state["pid"], state)
        try:
            seccomp.exec_stub(filt, self.stub_fd, self.program, list(self.proc.args), self.env, fifo_fd=fifo,
                              no_new_privs=self.proc.no_new_privileges, listener_fd=self.listener_fd,
                              message=message, lsm=self.lsm())
        except OSError as e:
            os.write(2, f"pyrunc: exec {self.proc.args[0]}: {_lower(e.strerror)}\n".encode())
            os._exit(127)


def _lower(strerror):
    """Go's spelling of an errno ("permission denied"): podman and docker
    match these words case-sensitively to pick exit codes 126/127."""
    return strerror[:1].lower() + strerror[1:]


def find_executable(name, path_env):
    """Go's exec.LookPath, as runc uses it, with its error words: a name
    with a slash is used as given; otherwise the first executable regular
    file along PATH (the container's)."""
    if "/" in name:
        try:
            st = os.stat(name)
        except OSError as e:
            raise PyruncError(f'exec: "{name}": stat {name}: {_lower(e.strerror)}') from None
        if stat.S_ISREG(st.st_mode) and st.st_mode & 0o111:
            return name
        raise PyruncError(f'exec: "{name}": permission denied')
    for d in path_env.split(":"):
        c = os.path.join(d or ".", name)
        try:
            st = os.stat(c)
        except OSError:
            continue
        if stat.S_ISREG(st.st_mode) and st.st_mode & 0o111:
            return c
    raise PyruncError(f'exec: "{name}": executable file not found in $PATH')


def run_exec(plan, chan, stub_fd, console_fd=None, listener_fd=None):
    """exec: the same process steps in the container's namespaces, then
    READY and execve.  The channel is close-on-exec, so the parent reads
    EOF when execve succeeded and an ERROR when it did not.  With a
    seccomp notify rule, the parent first sends the container process
    state for the agent (it alone knows our pid on the host)."""
    init = Init(plan, chan, None, console_fd, stub_fd, listener_fd)
    step = "start"
    try:
        for step in Init.EXEC_STEPS:
            getattr(init, step)()
        step = "exec"
        chan.send(sync.READY)
        message = None
        if plan.seccomp is not None and plan.seccomp.notify:
            msg, _ = chan.expect(sync.SECCOMP_STATE, who="pyrunc")
            message = msg["message"].encode()
        fds.mark_cloexec_from(3 + plan.preserve_fds)
        seccomp.exec_stub(plan.seccomp, stub_fd, init.program, list(plan.process.args), init.env,
                          no_new_privs=plan.process.no_new_privileges, listener_fd=listener_fd,
                          message=message, lsm=init.lsm())
    except BaseException as e:
        chan.send_error(step.replace("_", " "), describe(e))
    finally:
        os._exit(1)


def run(plan, chan, fifo_fd, stub_fd, console_fd=None, listener_fd=None, start_err_fd=None,
        mount_trees=None):
    """Never returns: execve()s the container's process or exits 1.
    *mount_trees*: {mount index: fd} of the id-mapped mounts' clones."""
    init = Init(plan, chan, fifo_fd, console_fd, stub_fd, listener_fd)
    init.start_err_fd = start_err_fd
    init.mount_trees = dict(mount_trees or {})
    step = "start"
    try:
        for step in Init.STEPS:
            getattr(init, step)()
        step = "exec"
        init.wait_and_exec()
    except BaseException as e:
        chan.send_error(step.replace("_", " "), describe(e))
    finally:
        os._exit(1)
