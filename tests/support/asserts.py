"""Assertions on runtime results shared by every test file.

The error contract: exit status 1, exactly one line on stderr, never a
Python traceback; pyrunc's line reads ``pyrunc: <message>`` (runc's is a
logrus line, ``time=... level=error msg="<message>"``, so the prefix is only
required of pyrunc).
"""
import re

TRACEBACK = re.compile(r"Traceback \(most recent call last\)|^\s+File \".*\", line \d+", re.M)


def ok(res, what="command"):
    assert res.rc == 0, f"{what} failed:\n{res}"
    assert not TRACEBACK.search(res.err), f"{what} printed a traceback:\n{res}"
    return res


def error(res, *fragments, rc=1):
    """Assert *res* is a clean single-line error mentioning *fragments*
    (case-insensitive); returns the message line."""
    assert res.rc == rc, f"expected exit {rc}:\n{res}"
    assert not TRACEBACK.search(res.err + res.out), f"traceback printed:\n{res}"
    lines = res.err_lines
    assert len(lines) == 1, f"expected exactly one line on stderr, got {len(lines)}:\n{res}"
    line = lines[0]
    if res.extra.get("runtime", "pyrunc").startswith("pyrunc"):
        assert line.startswith("pyrunc: "), f"error line must read 'pyrunc: <message>':\n{res}"
    low = line.lower()
    for frag in fragments:
        assert frag.lower() in low, f"error line does not mention {frag!r}:\n{res}"
    return line


def not_exist(res):
    return error(res, "container does not exist")
