import sys

from pyrunc import fastjson

from pyrunc.cli.args import Flag
from pyrunc.errors import UsageError

SUMMARY = "lists containers started by pyrunc with the given root"
USAGE = "list [command options]"
FLAGS = [
    Flag(("format", "f"), "str", "table", "select one of: table or json", "FORMAT"),
    Flag(("quiet", "q"), "bool", False, "display only container IDs"),
]


def _states(root):
    from pyrunc.container import Container
    from pyrunc.errors import ContainerNotFound
    from pyrunc.state.store import list_ids
    out = []
    for cid in list_ids(root):
        try:
            with Container.load(root, cid) as c:
                out.append(c.oci_state())
        except ContainerNotFound:
            continue  # deleted meanwhile, or still being created
    return out


def _owner_name(uid=0):
    import pwd  # host-side only: never used inside a container
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"#{uid}"


def run(ctx, opts, args):
    if args:
        raise UsageError(f"list: unexpected arguments: {' '.join(args)}")
    if opts.format not in ("table", "json"):
        raise UsageError(f"list: invalid --format {opts.format!r}: expected 'table' or 'json'")
    states = _states(ctx.root)
    if opts.quiet:
        for s in states:
            sys.stdout.write(s["id"] + "\n")
        return 0
    if opts.format == "json":
        for s in states:
            s["owner"] = s["owner"] or _owner_name()
        # runc encodes an empty (nil) list as null; tools parsing runc's output expect it
        sys.stdout.write((fastjson.dumps(states, compact=False) if states else "null") + "\n")
        return 0
    rows = [("ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER")]
    for s in states:
        rows.append((s["id"], str(s["pid"]), s["status"], s["bundle"], s["created"], s["owner"] or _owner_name()))
    widths = [max(12, max(len(r[i]) for r in rows) + 1) for i in range(5)]
    for r in rows:
        sys.stdout.write("".join(f"{c:<{w}}" for c, w in zip(r, widths)) + r[5] + "\n")
    return 0
