"""``exec``: run another process inside a running container, as
``runc exec``: from --process FILE (what containerd and conmon send) or
from the command line, attached (exit status returned) or --detach."""
from pyrunc import fastjson

from pyrunc.cli.args import Flag
from pyrunc.errors import ConfigError, UsageError
from pyrunc.ids import check_id

SUMMARY = "execute new process inside the container"
USAGE = "exec [command options] <container-id> <command> [command options]  || -p process.json <container-id>"
# exec's arguments after the id are the command's own (runc: SkipArgReorder)
REORDER_FLAGS = False
FLAGS = [
    Flag(("console-socket",), "str", "", "path to an AF_UNIX socket which will receive the pty master", "PATH"),
    Flag(("cwd",), "str", "", "current working directory in the container", "DIR"),
    Flag(("env", "e"), "list", (), "set environment variables (repeatable)", "KEY=VALUE"),
    Flag(("tty", "t"), "bool", False, "allocate a pseudo-TTY"),
    Flag(("user", "u"), "str", "", "UID (format: <uid>[:<gid>])", "UID[:GID]"),
    Flag(("additional-gids", "g"), "list", (), "additional gids (repeatable)", "GID"),
    Flag(("process", "p"), "str", "", "path to the process.json", "FILE"),
    Flag(("detach", "d"), "bool", False, "detach from the container's process"),
    Flag(("pid-file",), "str", "", "specify the file to write the process id to", "FILE"),
    Flag(("process-label",), "str", "", "set the asm process label for the process commonly used with selinux", "LABEL"),
    Flag(("apparmor",), "str", "", "set the apparmor profile for the process", "PROFILE"),
    Flag(("no-new-privs",), "bool", False, "set the no new privileges value for the process"),
    Flag(("cap", "c"), "list", (), "add a capability to the bounding set for the process (repeatable)", "CAP"),
    Flag(("preserve-fds",), "int", 0, "pass N additional file descriptors to the container", "N"),
    Flag(("cgroup",), "list", (), "run the process in a sub-cgroup of the container's: PATH or CTRL[,CTRL]:PATH "
         "(repeatable)", "PATH"),
    Flag(("ignore-paused",), "bool", False, "allow exec in a paused container"),
]


def _load_process(path):
    try:
        with open(path, "rb") as f:
            proc = fastjson.loads(f.read())
    except OSError as e:
        raise ConfigError(f"--process {path}: {e.strerror}") from None
    except ValueError as e:
        raise ConfigError(f"--process {path}: malformed JSON: {e}") from None
    if not isinstance(proc, dict):
        raise ConfigError(f"--process {path}: must be a JSON object")
    return proc


def run(ctx, opts, args):
    from pyrunc.container import Container, write_pid_file
    from pyrunc.plan.exec import process_from_flags
    from pyrunc.process.foreground import FORWARDED, Forwarder, wait_for

    if not args:
        raise UsageError("exec: a container id is required")
    cid = check_id(args[0])
    if opts.preserve_fds < 0:
        raise UsageError("--preserve-fds: must not be negative")
    forwarder = None if opts.detach else Forwarder()
    with Container.load(ctx.root, cid) as c:
        if opts.process:
            if len(args) > 1:
                raise UsageError("exec: give either --process or a command, not both")
            process = _load_process(opts.process)
        else:
            process = process_from_flags(
                c.record["config"].get("process"), args[1:], env=opts.env, cwd=opts.cwd, user=opts.user,
                additional_gids=opts.additional_gids, caps=opts.cap, no_new_privs=opts.no_new_privs,
                tty=opts.tty, apparmor=opts.apparmor, process_label=opts.process_label)
        pid, own_console = c.exec_process(
            process, preserve_fds=opts.preserve_fds, console_socket=opts.console_socket or None,
            own_console=not opts.detach and not opts.console_socket, ignore_paused=opts.ignore_paused,
            sub_cgroups=opts.cgroup,
            handled_signals=FORWARDED if forwarder else ())
    if opts.pid_file:
        write_pid_file(opts.pid_file, pid)
    if opts.detach:
        return 0
    master = None
    if own_console is not None:
        from pyrunc.process import console
        master = console.receive_master(own_console)
        own_console.close()
    forwarder.attach(pid)
    return wait_for(pid, master)
