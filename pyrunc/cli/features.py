"""``pyrunc features``: the Features structure of runtime-spec features.md,
as JSON on stdout.  What it claims comes from pyrunc/features.py, the same
table the config checks read."""
import json
import sys

from pyrunc.errors import UsageError

SUMMARY = "show the enabled features"
USAGE = "features"
FLAGS = []


def run(ctx, opts, args):
    from pyrunc.features import build
    if args:
        raise UsageError(f"features: unexpected arguments: {' '.join(args)}")
    sys.stdout.write(json.dumps(build(), indent=4) + "\n")
    return 0
