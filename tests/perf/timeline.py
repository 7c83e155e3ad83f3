"""Where one ``pyrunc run`` spends its wall time, phase by phase.

    python3 tests/perf/timeline.py --venv /tmp/pyrunc-bench-venv [--runs 5] [--root DIR] BUNDLE

Runs the CLI of a non-editable install (bench.py --build-pyrunc makes one)
the way its launcher does, with the package's own functions wrapped to
print timestamps to stderr: when the CLI's code starts, when stage 1 and
the init start (forked children: the wrappers are inherited), each init
step's duration, and when the CLI exits.  The interpreter's own start-up
is not in it (see bench.py's floor).  A container named timeline-N is run
from BUNDLE (its process should exit at once, e.g. /bin/true) and deleted
by ``run`` itself.  Not a test: a tool for issue 10's profile.
"""
import argparse
import os
import subprocess
import sys

PROGRAM = r'''
import sys, time
sys.path.append(sys.argv.pop(1) + "/lib/python%d.%d/site-packages" % sys.version_info[:2])
import pyrunc._bundle
import os
T0 = time.perf_counter()
def say(text):
    os.write(2, f"{text}\n".encode())
from pyrunc.cli import main
from pyrunc.process import init as I, stage1 as S1
from pyrunc.cgroups import manager as M
from pyrunc.spec import validate as V
P0 = os.getpid()
def at():
    return f"+{1000 * (time.perf_counter() - T0):6.1f} ms"
def timed(owner, name, label):
    f = getattr(owner, name)
    def wrapper(*args, **kw):
        t = time.perf_counter()
        try:
            return f(*args, **kw)
        finally:
            say(f"{at()}  {label} took {1000 * (time.perf_counter() - t):.2f} ms (pid {os.getpid()})")
    setattr(owner, name, wrapper)
for step in I.Init.STEPS:
    timed(I.Init, step, f"init step {step}")
timed(V, "check_config", "P0 check_config")
for name in ("create", "add", "apply_resources", "destroy"):
    timed(M.Manager, name, f"P0 cgroups.{name}")
def marked(owner, name, label):
    f = getattr(owner, name)
    def wrapper(*args, **kw):
        say(f"{at()}  {label} starts (pid {os.getpid()})")
        return f(*args, **kw)
    setattr(owner, name, wrapper)
marked(S1, "run", "stage 1")
marked(I, "run", "init")
_exit = os._exit
def exit_(code):
    if os.getpid() == P0:
        say(f"{at()}  CLI exits")
    _exit(code)
os._exit = exit_
say(f"{at()}  CLI code starts (the create path's modules imported)")
main.run_cli()
'''


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--venv", required=True, help="a venv with a non-editable pyrunc")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--root", default="/run/pyrunc-timeline")
    ap.add_argument("bundle")
    args = ap.parse_args()
    python = os.path.join(args.venv, "bin", "python3")
    for n in range(args.runs):
        print(f"--- run {n + 1}", flush=True)
        subprocess.run([python, "-I", "-S", "-c", PROGRAM, args.venv, "--root", args.root, "run", "--bundle",
                        os.path.abspath(args.bundle), f"timeline-{os.getpid()}-{n}"],
                       stdin=subprocess.DEVNULL, check=False)


if __name__ == "__main__":
    sys.exit(main())
