"""The schema's regular expressions as plain string tests.

``import re`` costs 2-6 ms (it imports ``enum``, ``functools`` and
``collections``), as much as the rest of the schema check, and ``create``
checks every config.  The project's schema (specs/) uses a handful of
anchored character-class patterns, each written out below with the exact
semantics jsonschema gives them: ``re.search`` with Python's ``$``, which
also matches just before one final newline.  A pattern not in the table
still works, through ``re`` (imported then); tests/unit/test_patterns.py
checks every pattern in specs/ is in the table and that each test agrees
with ``re`` on generated strings.
"""
_DIGITS = frozenset("0123456789")
_UPPER = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_UPPER_ = _UPPER | {"_"}
_CPU_LIST = _DIGITS | set(", -")


def _body(s):
    """What ``^...$`` must match in full: *s* without one final newline."""
    return s[:-1] if s.endswith("\n") else s


def _prefixed(s, prefix, allowed):
    body = _body(s)
    rest = body[len(prefix):]
    return body.startswith(prefix) and rest != "" and all(c in allowed for c in rest)


def _page_size(s):
    body = _body(s)
    return (len(body) >= 3 and body[0] in _DIGITS and body[0] != "0"
            and all(c in _DIGITS for c in body[1:-2]) and body[-2] in "KMG" and body[-1] == "B")


PREDICATES = {
    ".": lambda s: s.replace("\n", "") != "",
    "^[cbup]$": lambda s: _body(s) in ("c", "b", "u", "p"),
    "^RLIMIT_[A-Z]+$": lambda s: _prefixed(s, "RLIMIT_", _UPPER),
    "^CAP_[A-Z_]+$": lambda s: _prefixed(s, "CAP_", _UPPER_),
    "^MB:[^\\n]*$": lambda s: _body(s).startswith("MB:") and "\n" not in _body(s),
    "^[0-9, -]*$": lambda s: all(c in _CPU_LIST for c in _body(s)),
    "^[1-9][0-9]*[KMG]B$": _page_size,
}


def searcher(pattern):
    """A function telling whether ``re.search(pattern, s)`` finds a match."""
    test = PREDICATES.get(pattern)
    if test is not None:
        return test
    import re
    regex = re.compile(pattern)
    return lambda s: regex.search(s) is not None
