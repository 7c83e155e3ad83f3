"""Pure statistics and formatting for the benchmark (tests/perf/bench.py).

No I/O and no clock here, so tests/unit/test_bench_stats.py can check every
number and table the report prints.  Times are in seconds, sizes in KiB
(what ``ru_maxrss`` and ``VmRSS`` give); formatting converts.
"""
import math
import re

__all__ = [
    "median", "percentile", "ratio", "fmt_ms", "fmt_mb", "fmt_ratio", "fmt_rate",
    "render_table", "parse_importtime", "importtime_summary", "verdict",
]


def median(values):
    """Median of *values*; None when there are none."""
    return percentile(values, 50)


def percentile(values, p):
    """The *p*-th percentile (0..100) with linear interpolation between
    closest ranks (numpy's default, ``statistics.quantiles(method='inclusive')``);
    None when *values* is empty."""
    data = sorted(v for v in values if v is not None)
    if not data:
        return None
    if not 0 <= p <= 100:
        raise ValueError(f"percentile {p} outside 0..100")
    pos = (len(data) - 1) * p / 100
    lo = math.floor(pos)
    hi = math.ceil(pos)
    if lo == hi:
        return data[lo]
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


def ratio(numerator, denominator):
    """numerator / denominator, or None when either is missing or the
    denominator is zero (a ratio to nothing is not a number to print)."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


def fmt_ms(seconds):
    if seconds is None:
        return "n/a"
    ms = seconds * 1000
    return f"{ms:.1f} ms" if ms < 100 else f"{ms:.0f} ms"


def fmt_mb(kib):
    if kib is None:
        return "n/a"
    return f"{kib / 1024:.1f} MB"


def fmt_rate(per_second):
    if per_second is None:
        return "n/a"
    return f"{per_second:.1f}/s"


def fmt_ratio(value):
    if value is None:
        return "n/a"
    return f"{value:.2f}x"


def verdict(value, limit, higher_is_better=False):
    """'yes' / 'NO' for a ratio against its target, '?' when unmeasured."""
    if value is None or limit is None:
        return "?"
    ok = value >= limit if higher_is_better else value <= limit
    return "yes" if ok else "NO"


def render_table(headers, rows):
    """A markdown table, columns padded so it also reads as plain text.
    Cells are str()-ed; None becomes an empty cell."""
    cells = [[("" if c is None else str(c)) for c in row] for row in rows]
    for row in cells:
        if len(row) != len(headers):
            raise ValueError(f"row {row!r} has {len(row)} cells, expected {len(headers)}")
    widths = [len(h) for h in headers]
    for row in cells:
        widths = [max(w, len(c)) for w, c in zip(widths, row)]

    def line(items):
        return "| " + " | ".join(item.ljust(w) for item, w in zip(items, widths)) + " |"

    out = [line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out.extend(line(row) for row in cells)
    return "\n".join(out) + "\n"


# "import time:       123 |        456 |     pkg.mod"
_IMPORTTIME = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|( *)(\S.*?)\s*$")


def parse_importtime(text):
    """Entries of ``python -X importtime`` output as
    ``(module, self_us, cumulative_us, depth)`` in the order printed (a
    module's line comes after the modules it imported).  Other lines (the
    header, the program's own stderr) are skipped."""
    entries = []
    for raw in text.splitlines():
        m = _IMPORTTIME.match(raw)
        if not m:
            continue
        self_us, cum_us, indent, name = m.groups()
        # The column is printed as " | " + "  " * depth + name.
        depth = max(0, (len(indent) - 1) // 2)
        entries.append((name, int(self_us), int(cum_us), depth))
    return entries


def importtime_summary(entries, top=10):
    """Total import time (sum of self times, seconds), the module count, the
    *top* modules by self time and the *top* by cumulative time (each a list
    of ``(module, seconds)``)."""
    total_us = sum(e[1] for e in entries)
    by_self = sorted(entries, key=lambda e: e[1], reverse=True)[:top]
    by_cum = sorted(entries, key=lambda e: e[2], reverse=True)[:top]
    return {
        "total": total_us / 1e6,
        "modules": len(entries),
        "top_self": [(e[0], e[1] / 1e6) for e in by_self],
        "top_cumulative": [(e[0], e[2] / 1e6) for e in by_cum],
    }
