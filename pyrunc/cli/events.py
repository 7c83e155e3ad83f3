"""``events``: container statistics and OOM notifications as JSON lines,
shaped like runc's (``{"type": "stats", "id": ..., "data": {...}}`` and
``{"type": "oom", "id": ...}``).

``--stats`` prints one stats event and exits.  Otherwise stats follow every
``--interval`` (a Go duration, default 5s) and an oom event whenever the
memory cgroup reports one, until the container stops.  The container's
lock is released before streaming, so the stream never blocks kill or
delete.
"""
import sys

from pyrunc.cli.args import Flag
from pyrunc.errors import UsageError

SUMMARY = "display container events such as OOM notifications, cpu, memory, and IO usage statistics"
USAGE = "events [command options] <container-id>"
FLAGS = [
    Flag(("interval",), "str", "5s", "set the stats collection interval", "DURATION"),
    Flag(("stats",), "bool", False, "display the container's stats then exit"),
]

_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text):
    """A Go ``time.ParseDuration`` string ("5s", "100ms", "1m30s", "1.5h",
    "0") in seconds."""
    s = text.strip()
    if s in ("0", "+0", "-0"):
        return 0.0
    if not s:
        raise ValueError(text)
    sign = 1.0
    if s[0] in "+-":
        sign = -1.0 if s[0] == "-" else 1.0
        s = s[1:]
    total = 0.0
    i = 0
    if not s:
        raise ValueError(text)
    while i < len(s):
        j = i
        while j < len(s) and (s[j].isdigit() or s[j] == "."):
            j += 1
        if j == i:
            raise ValueError(text)
        number = float(s[i:j])
        k = j
        while k < len(s) and not (s[k].isdigit() or s[k] == "."):
            k += 1
        unit = s[j:k]
        if unit not in _UNITS:
            raise ValueError(text)
        total += number * _UNITS[unit]
        i = k
    return sign * total


def _emit(event):
    from pyrunc import fastjson
    sys.stdout.write(fastjson.dumps(event) + "\n")
    sys.stdout.flush()


def run(ctx, opts, args):
    from pyrunc.container import Container
    from pyrunc.errors import InvalidState
    from pyrunc.ids import one_id
    from pyrunc.state import status as st
    cid = one_id(args, "events")
    try:
        interval = parse_duration(opts.interval)
    except ValueError:
        raise UsageError(f"events: invalid --interval {opts.interval!r}: expected a duration such as 5s or "
                         "500ms") from None
    if interval <= 0 and not opts.stats:
        raise UsageError("events: --interval must be greater than 0")
    with Container.load(ctx.root, cid) as c:
        if c.status() == st.STOPPED:
            raise InvalidState(f"container with id {cid} is not running")
        manager = c.cgroups
        pid, started = c.pid, c.record.get("init_start_time")
        if opts.stats:
            _emit({"type": "stats", "id": cid, "data": manager.stats()})
            return 0
    _stream(cid, manager, pid, started, interval)
    return 0


def _stream(cid, manager, pid, started, interval):
    import os
    import select
    import time
    from pyrunc import procfs
    try:
        pidfd = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    watch = manager.oom_watch()
    try:
        if not procfs.is_running(pid, started):
            return  # the pidfd may name a recycled pid
        poller = select.poll()
        poller.register(pidfd, select.POLLIN)  # readable when the init exits
        if watch.fileno() is not None:
            poller.register(watch.fileno(), watch.poll_events)
        next_tick = time.monotonic() + interval
        while True:
            timeout = max(0.0, next_tick - time.monotonic())
            ready = {fd for fd, _ in poller.poll(timeout * 1000)}
            for _ in range(watch.take()):
                _emit({"type": "oom", "id": cid})
            if watch.gone and watch.fileno() is not None:
                poller.unregister(watch.fileno())  # the memory cgroup was removed
                watch.close()
            if pidfd in ready:
                time.sleep(0.05)  # an OOM kill is signalled as the victim dies
                for _ in range(watch.take()):
                    _emit({"type": "oom", "id": cid})
                return
            if time.monotonic() >= next_tick:
                if not manager.exists():
                    return
                _emit({"type": "stats", "id": cid, "data": manager.stats()})
                next_tick += interval
    finally:
        watch.close()
        os.close(pidfd)
