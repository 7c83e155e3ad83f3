from pyrunc.cli.common import CREATE_FLAGS, create_kwargs
from pyrunc.ids import one_id

SUMMARY = "create a container"
USAGE = "create [command options] <container-id>"
FLAGS = CREATE_FLAGS


def run(ctx, opts, args):
    from pyrunc import container
    cid = one_id(args, "create")
    c = container.create(ctx.root, cid, opts.bundle, **create_kwargs(opts))
    c.close()
    return 0
