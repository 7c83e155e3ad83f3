from pyrunc.cli.args import Flag
from pyrunc.ids import one_id

SUMMARY = "kill sends the specified signal (default: SIGTERM) to the container's init process"
USAGE = "kill [command options] <container-id> [signal]"
FLAGS = [
    Flag(("all", "a"), "bool", False, "send the specified signal to all processes inside the container"),
]


def run(ctx, opts, args):
    from pyrunc.container import Container
    from pyrunc.signals import parse_signal
    cid = one_id(args, "kill", extra=1)
    sig = parse_signal(args[1]) if len(args) > 1 else 15
    with Container.load(ctx.root, cid) as c:
        c.kill(sig, all_processes=opts.all)
    return 0
