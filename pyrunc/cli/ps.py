"""``ps``: the container's processes, as runc: ``--format json`` is the JSON
list of host pids (containerd's shim reads it to find the processes of a
task), ``table`` runs the host's ps(1) with the given options (default
``-ef``) and keeps the header and the lines of the container's pids."""
import sys

from pyrunc.cli.args import Flag
from pyrunc.errors import UsageError
from pyrunc.ids import check_id

SUMMARY = "ps displays the processes running inside a container"
USAGE = "ps [command options] <container-id> [ps options]"
FLAGS = [
    Flag(("format", "f"), "str", "table", "select one of: table or json", "FORMAT"),
]
# what follows the id is ps(1)'s options ("ps ID -o pid,comm"): runc's ps
# command sets SkipArgReorder for the same reason
REORDER_FLAGS = False


def _pid_column(header):
    for i, name in enumerate(header.split()):
        if name == "PID":
            return i
    raise UsageError("ps: the ps output has no PID column (give ps options that include the pid)")


def run(ctx, opts, args):
    import json
    from pyrunc.container import Container
    if not args:
        raise UsageError("ps: a container id is required")
    cid = check_id(args[0])
    if opts.format not in ("table", "json"):
        raise UsageError(f"ps: invalid --format {opts.format!r}: expected 'table' or 'json'")
    with Container.load(ctx.root, cid) as c:
        pids = sorted(c.cgroups.all_pids()) if c.cgroups.exists() else []
    if opts.format == "json":
        # Go's encoding: no spaces; runc encodes the empty (nil) list as null
        sys.stdout.write((json.dumps(pids, separators=(",", ":")) if pids else "null") + "\n")
        return 0
    import subprocess
    from pyrunc.errors import PyruncError
    ps_args = args[1:]
    if ps_args[:1] == ["--"]:  # "ps ID -- -o pid": the separator is ours, not ps(1)'s
        ps_args = ps_args[1:]
    ps_args = ps_args or ["-ef"]
    try:
        out = subprocess.run(["ps", *ps_args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, check=False)
    except OSError as e:
        raise PyruncError(f"ps: cannot run ps: {e.strerror}") from None
    text = out.stdout.decode(errors="replace")
    if out.returncode != 0:
        raise PyruncError(f"ps {' '.join(ps_args)}: exit status {out.returncode}: {' '.join(text.split())}")
    lines = text.split("\n")
    column = _pid_column(lines[0])
    wanted = set(pids)
    sys.stdout.write(lines[0] + "\n")
    for line in lines[1:]:
        fields = line.split()
        if not fields:
            continue
        try:
            pid = int(fields[column])
        except (IndexError, ValueError):
            raise PyruncError(f"ps: unable to parse pid from {line!r}") from None
        if pid in wanted:
            sys.stdout.write(line + "\n")
    return 0
