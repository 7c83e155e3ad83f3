from pyrunc.cli.args import Flag
from pyrunc.ids import one_id

SUMMARY = "delete any resources held by the container"
USAGE = "delete [command options] <container-id>"
FLAGS = [
    Flag(("force", "f"), "bool", False, "forcibly delete the container if it is still running (uses SIGKILL)"),
]


def run(ctx, opts, args):
    from pyrunc.container import Container
    from pyrunc.errors import ContainerNotFound
    cid = one_id(args, "delete")
    try:
        c = Container.load(ctx.root, cid)
    except ContainerNotFound:
        if not opts.force:
            raise
        # runc: --force makes sure the container is gone; gone already is fine
        from pyrunc.state.store import remove_stale
        remove_stale(ctx.root, cid)
        return 0
    with c:
        c.delete(force=opts.force)
    return 0
