"""``pyrunc validate``: check a bundle's config.json and list every problem.

For people writing bundles by hand: where ``create`` stops at the first
problem, this prints all of them, one per line on stdout as ``PATH: MESSAGE``
(errors first, then warnings prefixed ``warning: ``), and exits 1 if there is
any error.  It runs exactly the checks ``create`` and ``run`` run, including
those that look at the bundle (the root filesystem directory, bind sources).
A valid bundle prints nothing and exits 0.
"""
import sys

from pyrunc.cli.args import Flag
from pyrunc.errors import UsageError

SUMMARY = "list every problem of a bundle's config.json (on stdout, one per line; exit 1 on errors)"
USAGE = "validate [--bundle DIR]"
FLAGS = [
    Flag(("bundle", "b"), "str", None, "path to the root of the bundle directory (default: current directory)",
         "DIR"),
]


def run(ctx, opts, args):
    from pyrunc.spec.bundle import load_config
    from pyrunc.spec.validate import validate_config
    if args:
        raise UsageError(f"validate: unexpected arguments: {' '.join(args)}")
    bundle, config = load_config(opts.bundle)
    report = validate_config(config, bundle)
    lines = [str(p) for p in report.errors] + [f"warning: {p}" for p in report.warnings]
    if lines:
        sys.stdout.write("\n".join(lines) + "\n")
    return 1 if report.errors else 0
