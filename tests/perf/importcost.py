#!/usr/bin/env python3
"""What one import (or any snippet) adds to a fresh interpreter's start-up.

    python3 tests/perf/importcost.py [--python PY] [-n 40] [SNIPPET ...]

Each snippet runs as ``PY -I -S -c SNIPPET`` (PY defaults to the interpreter
in the shebang of ``pyrunc`` on PATH, with that venv's site-packages put on
sys.path by the snippet's prologue, not by ``site``), interleaved with the
others and with ``pass`` n times; the report is the median wall time, and
the medians of wall time, CPU time (user+sys, steadier on a busy machine) and
peak RSS minus those of ``pass``.  Wall times come from the same spawn helper as
bench.py, so they are fork-to-reap of the interpreter alone.

Without snippets it measures the modules pyrunc's short verbs import today.
Use it to price a change before making it ("what does dropping dataclasses
from the hot path buy?") and to record what it bought afterwards.
"""
import argparse
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402
from benchstats import fmt_ms, median, percentile, render_table  # noqa: E402

DEFAULT_SNIPPETS = [
    "import os, sys",
    "import json",
    "import re",
    "import enum",
    "import dataclasses",
    "import inspect",
    "import pathlib",
    "import string",
    "import signal",
    "import socket",
    "import subprocess",
    "import fcntl, time",
    "import prctl",
    "import _cffi_backend",
    "import pyrunc._linux",
    "import pyrunc.cli.main",
    "import pyrunc.container",
    "import pyrunc.cli.state",
    "import pyrunc.cli.run",
    "import jsonschema",
    "import site",
]


def site_packages(interp):
    """The venv's (or install's) site-packages as the interpreter sees it."""
    out = bench.invoke([interp, "-I", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                       tempfile.gettempdir())
    return out.stdout.strip()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--python", help="interpreter (default: the shebang of pyrunc on PATH)")
    ap.add_argument("-n", type=int, default=40, help="runs per snippet (interleaved)")
    ap.add_argument("snippets", nargs="*")
    args = ap.parse_args(argv)
    interp = args.python
    if not interp:
        launcher = os.path.realpath(shutil.which("pyrunc") or sys.exit("importcost.py: no pyrunc on PATH"))
        interp, _ = bench.launcher_interpreter(launcher)
    snippets = args.snippets or DEFAULT_SNIPPETS
    scratch = tempfile.mkdtemp(prefix="pyrunc-importcost-")
    try:
        note = bench.build_spawn_helper(scratch)
        if note:
            print(f"note: {note}", file=sys.stderr)
        prologue = f"import sys; sys.path.append({site_packages(interp)!r}); "
        cases = ["pass"] + snippets
        times = {c: [] for c in cases}
        cpu = {c: [] for c in cases}
        rss = {c: [] for c in cases}
        for i in range(args.n):
            for c in bench.rotated(cases, i):
                call = bench.invoke([interp, "-I", "-S", "-c", prologue + c], scratch)
                if call.ok:
                    times[c].append(call.seconds)
                    cpu[c].append(call.cpu)
                    rss[c].append(call.maxrss_kb)
                elif i == 0:
                    print(f"{c!r} failed: {call.error()}", file=sys.stderr)
        floor = median(times["pass"])
        cpu_floor = median(cpu["pass"]) if cpu["pass"] and cpu["pass"][0] is not None else None
        rows = []
        for c in cases:
            if not times[c]:
                rows.append([f"`{c}`", "failed", "", "", "", ""])
                continue
            m = median(times[c])
            extra_rss = median(rss[c]) - median(rss["pass"]) if rss[c][0] is not None else None
            extra_cpu = "" if cpu_floor is None else f"+{(median(cpu[c]) - cpu_floor) * 1000:.1f} ms"
            rows.append([f"`{c}`", fmt_ms(m), fmt_ms(percentile(times[c], 90)), f"+{(m - floor) * 1000:.1f} ms",
                         extra_cpu, "" if extra_rss is None else f"+{extra_rss / 1024:.1f} MB"])
        print(f"interpreter: {interp} -I -S, n={args.n} interleaved, load average {os.getloadavg()[0]:.2f}\n")
        print(render_table(["snippet", "median", "p90", "wall over `pass`", "CPU over `pass`",
                            "RSS over `pass`"], rows))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
