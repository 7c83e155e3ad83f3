"""Facts about processes read from /proc (start time, state, liveness).

A pid alone names a process only until it is reused; pid + start time (field
22 of /proc/<pid>/stat, in clock ticks since boot) names it for good.  That
pair is what state.json records and what every verb re-checks (runc's
``refreshState``), so a recycled pid is never reported or signalled.
"""


def stat_fields(pid):
    """Fields of /proc/<pid>/stat after the comm, or None if it is gone.

    The comm is in parentheses and may itself contain ') ', so split on the
    last ')'.  Index 0 is the state letter (field 3 in proc(5)).
    """
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return data[data.rindex(b")") + 2:].split()


def start_time(pid):
    """The process's start time in clock ticks since boot, or None."""
    fields = stat_fields(pid)
    return int(fields[19]) if fields else None


def is_running(pid, expected_start):
    """True if *pid* is the same process as recorded and not a zombie."""
    if not pid or pid <= 0:
        return False
    fields = stat_fields(pid)
    if fields is None:
        return False
    if expected_start is not None and int(fields[19]) != expected_start:
        return False
    return fields[0] not in (b"Z", b"X", b"x")
