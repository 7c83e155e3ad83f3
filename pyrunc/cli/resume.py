from pyrunc.ids import one_id

SUMMARY = "resumes all processes that have been previously paused"
USAGE = "resume <container-id>"
FLAGS = []


def run(ctx, opts, args):
    from pyrunc.container import Container
    from pyrunc.errors import InvalidState
    from pyrunc.state import status as st
    cid = one_id(args, "resume")
    with Container.load(ctx.root, cid) as c:
        status = c.status()
        if status != st.PAUSED:
            raise InvalidState(f"cannot resume container {cid}: it is not paused (status: {status})")
        c.cgroups.set_frozen(False)
    return 0
