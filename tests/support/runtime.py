"""The runtime CLI as a subprocess, the way an engine calls it.

stdout and stderr go to files, never pipes: ``create`` and ``run -d`` hand
their stdio to the container, so a pipe would stay open (and
``communicate()`` block) for as long as the container lives.  Every call has
a timeout so that a hang fails the test instead of blocking the suite.
"""
import itertools
import json
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_TIMEOUT = 30.0


def runtime_binary():
    """The runtime under test: $PYRUNC_TEST_RUNTIME, else ``pyrunc`` on PATH."""
    override = os.environ.get("PYRUNC_TEST_RUNTIME")
    if override:
        return shutil.which(override) or override
    return shutil.which("pyrunc")


def runtime_name(binary):
    return os.path.basename(binary or "pyrunc")


def is_runc(binary=None):
    return runtime_name(binary or runtime_binary()).startswith("runc")


@dataclass
class Result:
    argv: list
    rc: int
    out: str
    err: str
    elapsed: float
    cid: str = None
    extra: dict = field(default_factory=dict)

    def __str__(self):
        return (f"$ {' '.join(map(str, self.argv))}\n  exit {self.rc} after {self.elapsed:.2f}s\n"
                f"  stdout: {self.out[-3000:]!r}\n  stderr: {self.err[-3000:]!r}")

    @property
    def text(self):
        return self.out + self.err

    @property
    def out_bytes(self):
        """stdout exactly as written (``out`` is decoded text)."""
        return Path(self.extra["out_path"]).read_bytes()

    @property
    def lines(self):
        return self.out.splitlines()

    @property
    def err_lines(self):
        return [ln for ln in self.err.splitlines() if ln.strip()]

    def json(self):
        try:
            return json.loads(self.out)
        except ValueError as e:
            raise AssertionError(f"stdout is not JSON ({e}):\n{self}") from None


class Spawned:
    """A runtime command left running in the background (``run`` in the
    foreground of a test that signals it, concurrent ``create``...)."""

    def __init__(self, proc, argv, out_path, err_path, started, cid=None, runtime="pyrunc"):
        self.proc, self.argv, self.cid, self.runtime = proc, argv, cid, runtime
        self.out_path, self.err_path, self.started = out_path, err_path, started

    @property
    def pid(self):
        return self.proc.pid

    def read_out(self):
        return Path(self.out_path).read_text(errors="replace")

    def read_err(self):
        return Path(self.err_path).read_text(errors="replace")

    def signal(self, sig):
        self.proc.send_signal(sig)

    def wait(self, timeout=DEFAULT_TIMEOUT):
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"runtime command did not finish within {timeout}s: {self.argv}\n"
                                 f"stdout: {self.read_out()[-2000:]!r}\nstderr: {self.read_err()[-2000:]!r}") from None
        return Result(self.argv, rc, self.read_out(), self.read_err(), time.monotonic() - self.started, self.cid,
                      {"runtime": self.runtime, "out_path": self.out_path, "err_path": self.err_path})


class Runtime:
    """Runs ``<binary> --root <root> ARGS``; knows nothing about tests except
    the *on_result* callback its owner uses to learn ids and pids."""

    _seq = itertools.count()

    def __init__(self, binary, root, scratch, on_result=None):
        self.binary = str(binary)
        self.name = runtime_name(binary)
        self.root = str(root)
        self.scratch = Path(scratch)
        self.scratch.mkdir(parents=True, exist_ok=True)
        self.on_result = on_result

    @property
    def is_runc(self):
        return self.name.startswith("runc")

    def argv(self, args, global_args=(), root=True):
        head = [self.binary]
        if root:
            head += ["--root", self.root]
        return head + [str(a) for a in global_args] + [str(a) for a in args]

    def _files(self):
        n = next(self._seq)
        return self.scratch / f"cmd{n}.out", self.scratch / f"cmd{n}.err"

    def _env(self, env, extra_env):
        base = dict(os.environ if env is None else env)
        base.update(extra_env or {})
        return base

    def spawn(self, *args, global_args=(), root=True, env=None, extra_env=None, stdin=None,
              pass_fds=(), cwd=None, cid=None, wrapper=(), start_new_session=False):
        """Start a runtime command without waiting for it."""
        argv = [str(w) for w in wrapper] + self.argv(args, global_args, root)
        out_path, err_path = self._files()
        stdin_arg = subprocess.DEVNULL
        if isinstance(stdin, (bytes, str)):
            stdin_path = out_path.with_suffix(".in")
            stdin_path.write_bytes(stdin.encode() if isinstance(stdin, str) else stdin)
            stdin_arg = open(stdin_path, "rb")
        elif stdin is not None:
            stdin_arg = stdin
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            proc = subprocess.Popen(argv, stdin=stdin_arg, stdout=out, stderr=err,
                                    env=self._env(env, extra_env), pass_fds=tuple(pass_fds),
                                    cwd=cwd, close_fds=True, start_new_session=start_new_session)
        if hasattr(stdin_arg, "close"):
            stdin_arg.close()
        return Spawned(proc, argv, out_path, err_path, time.monotonic(), cid, self.name)

    def __call__(self, *args, timeout=DEFAULT_TIMEOUT, **kw):
        """Run a runtime command to completion and return its Result."""
        sp = self.spawn(*args, **kw)
        res = sp.wait(timeout)
        if self.on_result:
            self.on_result(res, list(args))
        return res


def stop_spawned(sp):
    """Kill a background runtime command the test did not wait for."""
    if sp.proc.poll() is None:
        try:
            sp.proc.send_signal(signal.SIGKILL)
        except ProcessLookupError:
            pass
        sp.proc.wait()
        return True
    return False
