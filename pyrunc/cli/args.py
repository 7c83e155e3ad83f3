"""A small flag parser with runc's (Go ``flag`` / urfave/cli) conventions.

Engines call runtimes in every spelling Go's flag package accepts: ``-x``,
``--x``, ``--x=v``, ``--x v``, ``--bool=false``.  Flags stop at the first
positional argument or ``--`` (so ``exec ID sh -c ...`` keeps its args).
argparse has other rules and costs several ms to import on every call.
"""
from pyrunc.errors import UsageError
from pyrunc.record import record

_TRUE = {"1", "t", "T", "true", "TRUE", "True"}
_FALSE = {"0", "f", "F", "false", "FALSE", "False"}


@record
class Flag:
    names: tuple          # e.g. ("bundle", "b"); the first is the destination
    kind: str = "bool"    # bool | str | int | list (repeatable str)
    default: object = None
    help: str = ""
    metavar: str = "VALUE"

    @property
    def dest(self):
        return self.names[0].replace("-", "_")


class Options:
    """Parsed flags, read as attributes by their destination name."""

    def __init__(self, values):
        self.values = values

    def __getattr__(self, name):
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None


def _default(flag):
    if flag.kind == "list":
        return list(flag.default or ())
    if flag.kind == "bool":
        return bool(flag.default)
    return flag.default


def reorder(flags, argv):
    """Move flags given after positional arguments in front of them, as
    runc's CLI library (urfave/cli v1 ``reorderArgs``) does for every verb
    but exec: ``delete ID --force`` works like ``delete --force ID``.
    Everything after ``--`` stays positional."""
    by_name = {n: f for f in flags for n in f.names}
    opts, positional = [], []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            positional.extend(argv[i:])
            break
        if arg.startswith("-") and arg != "-":
            opts.append(arg)
            name, eq, _ = arg.lstrip("-").partition("=")
            flag = by_name.get(name)
            if flag is not None and flag.kind != "bool" and not eq and i + 1 < len(argv):
                opts.append(argv[i + 1])
                i += 1
        else:
            positional.append(arg)
        i += 1
    return opts + positional


def parse(flags, argv, where="pyrunc"):
    """Parse *argv* against *flags*; return (Options, positional args)."""
    by_name = {n: f for f in flags for n in f.names}
    values = {f.dest: _default(f) for f in flags}
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            i += 1
            break
        if not arg.startswith("-") or arg == "-":
            break
        name, eq, inline = arg.lstrip("-").partition("=")
        if name in ("h", "help") and name not in by_name:
            values["help"] = True
            i += 1
            continue
        flag = by_name.get(name)
        if flag is None:
            raise UsageError(f"{where}: flag provided but not defined: -{name}")
        if flag.kind == "bool":
            if eq:
                if inline in _TRUE:
                    values[flag.dest] = True
                elif inline in _FALSE:
                    values[flag.dest] = False
                else:
                    raise UsageError(f"{where}: invalid boolean value {inline!r} for -{name}")
            else:
                values[flag.dest] = True
            i += 1
            continue
        if eq:
            raw = inline
            i += 1
        else:
            if i + 1 >= len(argv):
                raise UsageError(f"{where}: flag needs an argument: -{name}")
            raw = argv[i + 1]
            i += 2
        if flag.kind == "int":
            try:
                value = int(raw, 0)
            except ValueError:
                raise UsageError(f"{where}: invalid value {raw!r} for flag -{name}: expected an integer") from None
        else:
            value = raw
        if flag.kind == "list":
            values[flag.dest].append(value)
        else:
            values[flag.dest] = value
    return Options(values), list(argv[i:])


def usage_lines(flags):
    """Help text for *flags*, one line each, in runc's style."""
    lines = []
    for f in flags:
        names = ", ".join(("-" if len(n) == 1 else "--") + n for n in f.names)
        if f.kind != "bool":
            names += f" {f.metavar}"
        lines.append(f"   {names:<28} {f.help}")
    return "\n".join(lines)
