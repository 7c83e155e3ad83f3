"""The benchmark's pure statistics and formatting (tests/perf/benchstats.py):
the numbers in tests/perf/RESULTS.md are only as good as these."""
import importlib.util
import os
import statistics

import pytest

_PATH = os.path.join(os.path.dirname(__file__), os.pardir, "perf", "benchstats.py")
_spec = importlib.util.spec_from_file_location("benchstats", _PATH)
bs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bs)


def test_median_odd_even_and_empty():
    assert bs.median([3, 1, 2]) == 2
    assert bs.median([4, 1, 3, 2]) == 2.5
    assert bs.median([]) is None
    assert bs.median([None, 5]) == 5


@pytest.mark.parametrize("data", [[1.0], [5, 1], [0.031, 0.029, 0.040, 0.033, 0.2], list(range(1, 101))])
@pytest.mark.parametrize("p", [10, 25, 50, 75, 90])
def test_percentile_matches_statistics_inclusive(data, p):
    if len(data) < 2:
        assert bs.percentile(data, p) == data[0]
        return
    expected = statistics.quantiles(data, n=100, method="inclusive")[p - 1]
    assert bs.percentile(data, p) == pytest.approx(expected)


def test_percentile_bounds():
    assert bs.percentile([3, 1, 2], 0) == 1
    assert bs.percentile([3, 1, 2], 100) == 3
    with pytest.raises(ValueError):
        bs.percentile([1], 101)


def test_ratio():
    assert bs.ratio(3, 2) == 1.5
    assert bs.ratio(None, 2) is None
    assert bs.ratio(1, None) is None
    assert bs.ratio(1, 0) is None


def test_formatting():
    assert bs.fmt_ms(0.0123) == "12.3 ms"
    assert bs.fmt_ms(0.2345) == "234 ms"
    assert bs.fmt_ms(None) == "n/a"
    assert bs.fmt_mb(2048) == "2.0 MB"
    assert bs.fmt_ratio(1.234) == "1.23x"
    assert bs.fmt_ratio(None) == "n/a"
    assert bs.fmt_rate(22.06) == "22.1/s"


def test_verdict():
    assert bs.verdict(1.0, 1.0) == "yes"
    assert bs.verdict(1.01, 1.0) == "NO"
    assert bs.verdict(0.9, 1.0, higher_is_better=True) == "NO"
    assert bs.verdict(1.1, 1.0, higher_is_better=True) == "yes"
    assert bs.verdict(None, 1.0) == "?"


def test_render_table_pads_columns_and_blanks_none():
    text = bs.render_table(["a", "bb"], [["xxx", None], ["y", 2]])
    assert text == (
        "| a   | bb |\n"
        "|-----|----|\n"
        "| xxx |    |\n"
        "| y   | 2  |\n"
    )


def test_render_table_refuses_a_ragged_row():
    with pytest.raises(ValueError):
        bs.render_table(["a", "b"], [["only one"]])


IMPORTTIME = """\
import time: self [us] | cumulative | imported package
import time:       251 |        251 |   _io
import time:       640 |       1522 | _frozen_importlib_external
import time:      1200 |       1200 |     pyrunc.errors
import time:       300 |       1500 |   pyrunc.cli.args
import time:      2000 |       3500 | pyrunc.cli.main
pyrunc: some error the program printed
"""


def test_parse_importtime():
    entries = bs.parse_importtime(IMPORTTIME)
    assert entries == [
        ("_io", 251, 251, 1),
        ("_frozen_importlib_external", 640, 1522, 0),
        ("pyrunc.errors", 1200, 1200, 2),
        ("pyrunc.cli.args", 300, 1500, 1),
        ("pyrunc.cli.main", 2000, 3500, 0),
    ]


def test_importtime_summary():
    s = bs.importtime_summary(bs.parse_importtime(IMPORTTIME), top=2)
    assert s["total"] == pytest.approx((251 + 640 + 1200 + 300 + 2000) / 1e6)
    assert s["modules"] == 5
    assert s["top_self"] == [("pyrunc.cli.main", 0.002), ("pyrunc.errors", 0.0012)]
    assert s["top_cumulative"] == [("pyrunc.cli.main", 0.0035), ("_frozen_importlib_external", 0.001522)]
