"""Signal names as runc accepts them: ``KILL``, ``SIGKILL``, ``9``, and the
real-time forms ``RTMIN+3``.  Uses ``_signal``: the ``signal`` module builds
enums at import, a cost every ``kill`` would pay."""
import _signal as signal

from pyrunc.errors import UsageError


def parse_signal(text):
    raw = text.strip()
    if raw.isdigit():
        num = int(raw)
        if 0 < num < signal.SIGRTMAX + 1:
            return num
        raise UsageError(f"invalid signal {text!r}")
    name = raw.upper()
    if not name.startswith("SIG"):
        name = "SIG" + name
    for base in ("SIGRTMIN", "SIGRTMAX"):
        if name.startswith(base + "+") or name.startswith(base + "-"):
            try:
                off = int(name[len(base):])
            except ValueError:
                break
            num = getattr(signal, base) + off
            if signal.SIGRTMIN <= num <= signal.SIGRTMAX:
                return num
            break
    sig = getattr(signal, name, None)
    if isinstance(sig, int) and not name.startswith("SIG_") and sig in signal.valid_signals():
        return sig
    raise UsageError(f"unknown signal {text!r}")
