from pyrunc.cli.args import Flag
from pyrunc.ids import one_id

SUMMARY = "delete any resources held by the container"
USAGE = "delete [command options] <container-id>"
FLAGS = [
    Flag(("force", "f"), "bool", False, "forcibly delete the container if it is still running (uses SIGKILL)"),
]


def run(ctx, opts, args):
    from pyrunc.container import Container
    with Container.load(ctx.root, one_id(args, "delete")) as c:
        c.delete(force=opts.force)
    return 0
