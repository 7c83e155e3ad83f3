import sys

from pyrunc import fastjson

from pyrunc.ids import one_id

SUMMARY = "output the state of a container"
USAGE = "state <container-id>"
FLAGS = []


def run(ctx, opts, args):
    from pyrunc.container import Container
    with Container.load(ctx.root, one_id(args, "state")) as c:
        sys.stdout.write(fastjson.dumps(c.oci_state(), indent=2) + "\n")
    return 0
