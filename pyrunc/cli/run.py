"""``run``: create + start, then (unless --detach) wait for the container's
process, forwarding signals to it, and exit with its status (128+N when it
was killed by signal N), deleting the container unless --keep."""
from pyrunc.cli.args import Flag
from pyrunc.cli.common import CREATE_FLAGS, create_kwargs
from pyrunc.errors import ContainerNotFound
from pyrunc.ids import one_id

SUMMARY = "create and run a container"
USAGE = "run [command options] <container-id>"
FLAGS = CREATE_FLAGS + [
    Flag(("detach", "d"), "bool", False, "detach from the container's process"),
    Flag(("keep",), "bool", False, "do not delete the container after it exits"),
]


def run(ctx, opts, args):
    from pyrunc import container
    from pyrunc.process.foreground import FORWARDED, Forwarder, wait_for
    cid = one_id(args, "run")
    kwargs = create_kwargs(opts)
    if opts.detach:
        c = container.create(ctx.root, cid, opts.bundle, **kwargs)
        try:
            c.start()
        finally:
            c.close()
        return 0
    forwarder = Forwarder()
    own_console = not kwargs["console_socket"]
    c = container.create(ctx.root, cid, opts.bundle, handled_signals=FORWARDED,
                         own_console=own_console, **kwargs)
    pid = c.pid
    master = None
    try:
        if c.console is not None:
            from pyrunc.process import console
            master = console.receive_master(c.console)
            c.console.close()
        c.start()
    except BaseException:
        c.delete(force=True)
        raise
    c.close()  # release the lock while the container runs: state, kill work
    forwarder.attach(pid)
    code = wait_for(pid, master)
    if not opts.keep:
        try:
            c = container.Container.load(ctx.root, cid)
        except ContainerNotFound:
            return code  # deleted meanwhile (delete --force): runc too just exits with the status
        with c:
            c.destroy()
    return code
