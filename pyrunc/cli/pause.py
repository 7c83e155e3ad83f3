from pyrunc.ids import one_id

SUMMARY = "pause suspends all processes inside the container"
USAGE = "pause <container-id>"
FLAGS = []


def run(ctx, opts, args):
    """Freeze the container's cgroup (v1 freezer.state, v2 cgroup.freeze).
    Only a running container: a created one has not exec'd its process
    yet, and a paused init could never be started."""
    from pyrunc.container import Container
    from pyrunc.errors import InvalidState
    from pyrunc.state import status as st
    cid = one_id(args, "pause")
    with Container.load(ctx.root, cid) as c:
        status = c.status()
        if status != st.RUNNING:
            raise InvalidState(f"cannot pause container {cid}: it is not running (status: {status})")
        c.cgroups.set_frozen(True)
    return 0
