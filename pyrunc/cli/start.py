from pyrunc.ids import one_id

SUMMARY = "executes the user defined process in a created container"
USAGE = "start <container-id>"
FLAGS = []


def run(ctx, opts, args):
    from pyrunc.container import Container
    with Container.load(ctx.root, one_id(args, "start")) as c:
        c.start()
    return 0
