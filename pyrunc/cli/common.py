"""Flags shared by create and run."""
from pyrunc.cli.args import Flag

CREATE_FLAGS = [
    Flag(("bundle", "b"), "str", "", "path to the root of the bundle directory, defaults to the current directory", "DIR"),
    Flag(("console-socket",), "str", "", "path to an AF_UNIX socket which will receive the pty master", "PATH"),
    Flag(("pid-file",), "str", "", "specify the file to write the process id to", "FILE"),
    Flag(("no-pivot",), "bool", False, "do not use pivot root to jail process inside rootfs"),
    Flag(("no-new-keyring",), "bool", False, "do not create a new session keyring for the container"),
    Flag(("preserve-fds",), "int", 0, "pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N)", "N"),
]


def create_kwargs(opts):
    from pyrunc.errors import UsageError
    if opts.preserve_fds < 0:
        raise UsageError("--preserve-fds: must not be negative")
    return dict(
        pid_file=opts.pid_file or None,
        console_socket=opts.console_socket or None,
        no_pivot=opts.no_pivot,
        no_new_keyring=opts.no_new_keyring,
        preserve_fds=opts.preserve_fds,
    )
