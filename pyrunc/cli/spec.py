import json
import os

from pyrunc.cli.args import Flag
from pyrunc.errors import PyruncError, UsageError

SUMMARY = "create a new specification file"
USAGE = "spec [command options]"
FLAGS = [
    Flag(("bundle", "b"), "str", "", "path to the root of the bundle directory", "DIR"),
    Flag(("rootless",), "bool", False, "generate a configuration for a rootless container"),
]


def run(ctx, opts, args):
    from pyrunc.spec.default import default_config
    if args:
        raise UsageError(f"spec: unexpected arguments: {' '.join(args)}")
    bundle = opts.bundle or "."
    if not os.path.isdir(bundle):
        raise PyruncError(f"bundle {bundle}: not a directory")
    path = os.path.join(bundle, "config.json")
    if os.path.exists(path):
        raise PyruncError(f"{path} exists: remove it first")
    config = default_config(rootless=opts.rootless)
    with open(path, "x") as f:
        f.write(json.dumps(config, indent="\t") + "\n")
    return 0
