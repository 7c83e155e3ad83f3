"""The logging runtime wrapper the engines are pointed at.

Every engine is configured with a small bash script instead of the runtime
itself.  The script records each invocation -- argv, cwd, the environment
variables an OCI runtime reads, the exit code and stderr -- in a directory
of the test session, then runs the real runtime (``PYRUNC_ENGINE_RUNTIME``,
default ``pyrunc``) with the same argv, stdio and fds.  The record is what a
failing test prints (see conftest.py) and what an incompatibility report
quotes; pointing the same suite at runc shows the invocation runc gets.

The wrapper runs the runtime as a child rather than exec'ing it, to learn its
exit code.  That changes nothing an engine can see: ``create``/``exec`` hand
the container the runtime's own stdio (never a pipe of the wrapper's), the
container's init is reparented to the engine's subreaper (conmon, the shim)
as it would be, and every engine finds the container's pid in ``--pid-file``.
stderr is captured only for verbs that never give their stdio to a container
process; for ``create``/``run``/``exec`` the error is read back from the
engine's ``--log`` file when the call fails.
"""
import os
import shlex
import stat
from dataclasses import dataclass, field
from pathlib import Path

SCRIPT = r"""#!/bin/bash
# pyrunc engine-test runtime wrapper (tests/engines/wrapper.py): logs the
# call, runs the real runtime with the same argv/stdio/fds, logs the outcome.
REAL=@REAL@
CALLS=@CALLS@
id="${EPOCHREALTIME/./}-$$"
rec="$CALLS/$id"
# fds above 2 the engine passed (listed before this script opens any)
# (probed one by one: reading the fd directory would itself open one)
fds=; for n in {3..40}; do [ -e "/proc/$$/fd/$n" ] && fds+="$n "; done
printf '%s\0' "$@" > "$rec.argv"
{
  printf 'cwd=%s\n' "$PWD"
  printf 'ppid=%s\n' "$PPID"
  for v in NOTIFY_SOCKET LISTEN_FDS LISTEN_PID LISTEN_FDNAMES XDG_RUNTIME_DIR _LIBCONTAINER_INITPIPE GOMAXPROCS; do
    [ -n "${!v+x}" ] && printf 'env.%s=%s\n' "$v" "${!v}"
  done
  printf 'fds=%s\n' "$fds"
} > "$rec.meta"
verb= log= skip=
for a in "$@"; do
  if [ -n "$skip" ]; then [ "$skip" = log ] && log=$a; skip=; continue; fi
  case "$a" in
    --log) skip=log ;;
    --log=*) log=${a#--log=} ;;
    --root|--log-format|--criu|--rootless) skip=1 ;;
    -*) ;;
    *) verb=$a; break ;;
  esac
done
case "$verb" in
  create|run|exec|"")
    "$REAL" "$@"
    rc=$?
    if [ $rc -ne 0 ] && [ -n "$log" ] && [ -f "$log" ]; then tail -n 20 "$log" > "$rec.err"; fi
    ;;
  *)
    "$REAL" "$@" 2> "$rec.err"
    rc=$?
    cat "$rec.err" >&2
    ;;
esac
echo "$rc" > "$rec.rc"
exit $rc
"""


def install(real_runtime, bin_dir, calls_dir):
    """Write the wrapper as ``bin_dir/<basename of the real runtime>`` (an
    engine may treat a runtime by its name: podman's runtime_supports_json)
    and return its path."""
    bin_dir, calls_dir = Path(bin_dir), Path(calls_dir)
    bin_dir.mkdir(parents=True, exist_ok=True)
    calls_dir.mkdir(parents=True, exist_ok=True)
    path = bin_dir / os.path.basename(real_runtime)
    path.write_text(SCRIPT.replace("@REAL@", shlex.quote(str(real_runtime)))
                    .replace("@CALLS@", shlex.quote(str(calls_dir))))
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


GLOBAL_WITH_VALUE = {"--root", "--log", "--log-format", "--criu", "--rootless"}


@dataclass
class Call:
    key: str
    argv: list
    meta: dict = field(default_factory=dict)
    rc: int = None
    err: str = ""

    @property
    def verb(self):
        skip = False
        for a in self.argv:
            if skip:
                skip = False
                continue
            if a in GLOBAL_WITH_VALUE:
                skip = True
            elif not a.startswith("-"):
                return a
        return ""

    @property
    def verb_args(self):
        """The arguments after the verb."""
        v = self.verb
        return self.argv[self.argv.index(v) + 1:] if v else []

    def __str__(self):
        rc = "still running / killed" if self.rc is None else f"exit {self.rc}"
        lines = [f"$ {shlex.join(['<runtime>'] + self.argv)}", f"    cwd={self.meta.get('cwd', '?')}  {rc}"]
        env = {k: v for k, v in self.meta.items() if k.startswith("env.")}
        if env:
            lines.append("    " + " ".join(f"{k[4:]}={v}" for k, v in env.items()))
        if self.meta.get("fds"):
            lines.append(f"    extra fds: {self.meta['fds']}")
        if self.err.strip():
            lines += ["    stderr/log: " + ln for ln in self.err.strip().splitlines()[-10:]]
        return "\n".join(lines)


class CallLog:
    """Reads the wrapper's records, oldest first."""

    def __init__(self, calls_dir):
        self.dir = Path(calls_dir)

    def keys(self):
        try:
            names = os.listdir(self.dir)
        except FileNotFoundError:
            return []
        keys = {n.rsplit(".", 1)[0] for n in names if n.endswith(".argv")}
        return sorted(keys, key=lambda k: tuple(int(p) for p in k.split("-")))

    def _read(self, key):
        base = self.dir / key
        argv = [a.decode(errors="replace") for a in (base.with_suffix(".argv").read_bytes().split(b"\0")[:-1])]
        meta = {}
        try:
            for line in (self.dir / f"{key}.meta").read_text(errors="replace").splitlines():
                k, _, v = line.partition("=")
                meta[k] = v.strip()
        except OSError:
            pass
        rc = None
        try:
            rc = int((self.dir / f"{key}.rc").read_text().strip())
        except (OSError, ValueError):
            pass
        try:
            err = (self.dir / f"{key}.err").read_text(errors="replace")
        except OSError:
            err = ""
        return Call(key, argv, meta, rc, err)

    def calls(self, since=None):
        keys = self.keys()
        if since is not None:
            keys = [k for k in keys if k not in since]
        return [self._read(k) for k in keys]

    def mark(self):
        """A marker for :meth:`calls` (``since=``): the calls made so far."""
        return set(self.keys())

    def matching(self, since=None, verb=None, contains=None):
        out = []
        for c in self.calls(since):
            if verb and c.verb != verb:
                continue
            if contains and not any(contains in a for a in c.argv):
                continue
            out.append(c)
        return out

    def format(self, since=None, limit=60):
        calls = self.calls(since)
        if not calls:
            return "(the engine made no runtime call)"
        head = [] if len(calls) <= limit else [f"... {len(calls) - limit} earlier calls left out"]
        return "\n".join(head + [str(c) for c in calls[-limit:]])
