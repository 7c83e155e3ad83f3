"""Entry point: global flags, verb dispatch, and the one place errors become
output.

Each verb lives in its own module (``pyrunc.cli.<verb>``) imported only when
that verb runs, because every engine starts the runtime several times per
container and imports are most of a short verb's cost.  A verb module
defines ``FLAGS``, ``USAGE``, ``SUMMARY`` and ``run(ctx, opts, args)``.
"""
import os
import sys
from pyrunc.record import record

from pyrunc import OCI_VERSION, __version__
from pyrunc.cli.args import Flag, parse, reorder, usage_lines
from pyrunc.errors import PyruncError, UsageError
from pyrunc.log import configure

# verb -> module name (verbs whose module name differs from the verb)
VERBS = {
    "create": "create",
    "start": "start",
    "run": "run",
    "state": "state",
    "kill": "kill",
    "delete": "delete",
    "list": "list_",
    "spec": "spec",
    "exec": "exec_",
    "validate": "validate",
    "features": "features",
    "pause": "pause",
    "resume": "resume",
    "update": "update",
    "events": "events",
    "ps": "ps",
}

GLOBAL_FLAGS = [
    Flag(("root",), "str", "/run/pyrunc", "root directory for storage of container state", "DIR"),
    Flag(("log",), "str", None, "set the log file to write pyrunc logs to (default is stderr)", "FILE"),
    Flag(("log-format",), "str", "text", "set the log format ('text' (default), or 'json')", "FORMAT"),
    Flag(("debug",), "bool", False, "enable debug logging"),
    Flag(("systemd-cgroup",), "bool", False, "enable systemd cgroup support (not supported yet)"),
    Flag(("rootless",), "str", "auto", "ignore cgroup permission errors ('true', 'false', or 'auto')"),
    Flag(("criu",), "str", "criu", "path to the criu binary (checkpoint/restore is not supported)"),
    Flag(("version", "v"), "bool", False, "print the version"),
]


@record
class Context:
    """What every verb needs from the global flags."""
    root: str
    debug: bool
    systemd_cgroup: bool
    log_path: str = None
    log_format: str = "text"


def version_text():
    from pyrunc import linux
    return (
        f"pyrunc version {__version__}\n"
        f"spec: {OCI_VERSION}\n"
        f"python: {sys.version.split()[0]}\n"
        f"libseccomp: {linux.seccomp_version()}\n"
    )


def help_text():
    lines = [
        "NAME:\n   pyrunc - Open Container Initiative runtime written in Python\n",
        "USAGE:\n   pyrunc [global options] command [command options] [arguments...]\n",
        "COMMANDS:",
    ]
    for verb, mod in VERBS.items():
        lines.append(f"   {verb:<12} {_load(mod).SUMMARY}")
    lines.append("\nGLOBAL OPTIONS:")
    lines.append(usage_lines(GLOBAL_FLAGS))
    return "\n".join(lines) + "\n"


def verb_help(verb, module):
    return (
        f"NAME:\n   pyrunc {verb} - {module.SUMMARY}\n\nUSAGE:\n   pyrunc {module.USAGE}\n\n"
        f"OPTIONS:\n{usage_lines(module.FLAGS)}\n"
    )


def _load(module_name):
    """The verb's module (``__import__``, not importlib: ~0.5 ms less)."""
    __import__(f"pyrunc.cli.{module_name}")
    return sys.modules[f"pyrunc.cli.{module_name}"]


def _report(logger, message):
    """One line on stderr; with --log, the formatted line goes to the file too
    (runc's fatal(): engines read the log file, people read stderr)."""
    message = " ".join(str(message).split("\n")).strip() or "unknown error"
    if logger.to_stderr:
        if logger.fmt == "json":
            logger.error(message)
        else:
            sys.stderr.write(f"pyrunc: {message}\n")
    else:
        logger.error(message)
        sys.stderr.write(f"pyrunc: {message}\n")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    logger = configure()
    try:
        gopts, rest = parse(GLOBAL_FLAGS, argv)
        if gopts.log_format not in ("text", "json"):
            raise UsageError(f"invalid --log-format {gopts.log_format!r}: expected 'text' or 'json'")
        logger = configure(gopts.log, gopts.log_format, gopts.debug)
        if gopts.version:
            sys.stdout.write(version_text())
            return 0
        if gopts.values.get("help") or not rest or rest[0] == "help":
            if len(rest) > 1 and rest[0] == "help" and rest[1] in VERBS:
                sys.stdout.write(verb_help(rest[1], _load(VERBS[rest[1]])))
            else:
                sys.stdout.write(help_text())
            return 0
        verb, verb_args = rest[0], rest[1:]
        if verb not in VERBS:
            raise UsageError(f"no such command: {verb!r} (see 'pyrunc --help')")
        if gopts.systemd_cgroup:
            raise UsageError("--systemd-cgroup is not supported yet: use cgroupfs paths (omit --systemd-cgroup)")
        module = _load(VERBS[verb])
        if getattr(module, "REORDER_FLAGS", True):
            verb_args = reorder(module.FLAGS, verb_args)
        opts, args = parse(module.FLAGS, verb_args, where=verb)
        if opts.values.get("help"):
            sys.stdout.write(verb_help(verb, module))
            return 0
        ctx = Context(
            root=os.path.abspath(gopts.root),
            debug=gopts.debug,
            systemd_cgroup=gopts.systemd_cgroup,
            log_path=gopts.log,
            log_format=gopts.log_format,
        )
        return module.run(ctx, opts, args)
    except PyruncError as e:
        _report(logger, e)
        return 1
    except KeyboardInterrupt:
        _report(logger, "interrupted")
        return 1
    except Exception as e:  # never a traceback to the user
        if logger.min_level == 0:
            import traceback
            logger.debug(traceback.format_exc())
        _report(logger, f"{type(e).__name__}: {e}" if not isinstance(e, OSError) else str(e))
        return 1


def run_cli():
    """The ``pyrunc`` command (see csrc/launcher/): run, flush, and leave
    without the interpreter's teardown, which would cost every short verb
    a few ms for nothing (no buffered files or atexit work of ours remain)."""
    code = main(sys.argv[1:])
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            code = code or 1
    os._exit(code)
