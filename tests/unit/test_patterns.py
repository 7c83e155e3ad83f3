"""pyrunc.spec.patterns must answer exactly as ``re.search`` does for every
pattern the project's schema uses (the fast path never imports ``re``)."""
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import example, given, settings, strategies as st

from pyrunc.spec import patterns

SPECS = Path(__file__).resolve().parents[2] / "specs"


def _schema_patterns(node):
    if isinstance(node, dict):
        if isinstance(node.get("pattern"), str):
            yield node["pattern"]
        yield from node.get("patternProperties", {}) if isinstance(node.get("patternProperties"), dict) else ()
        for value in node.values():
            yield from _schema_patterns(value)
    elif isinstance(node, list):
        for value in node:
            yield from _schema_patterns(value)


SCHEMA_PATTERNS = sorted({p for f in SPECS.glob("*.json") for p in _schema_patterns(json.loads(f.read_text()))})
# strings near every pattern: their literal parts, their classes, newlines and a few strangers
ALPHABET = "cbupRLIMT_NOFEACPSYBKMG:0123456789, -\nxaé\t"
near = st.text(alphabet=ALPHABET, max_size=12)
prefixed = st.sampled_from(["RLIMIT_", "CAP_", "MB:", ""]).flatmap(lambda p: near.map(lambda s: p + s))


def test_every_schema_pattern_has_a_plain_test():
    assert SCHEMA_PATTERNS, "no patterns found in specs/"
    assert set(SCHEMA_PATTERNS) <= set(patterns.PREDICATES), set(SCHEMA_PATTERNS) - set(patterns.PREDICATES)


@pytest.mark.parametrize("pattern", sorted(patterns.PREDICATES))
@settings(max_examples=400, deadline=None, derandomize=True)
@given(value=prefixed)
@example(value="RLIMIT_NOFILE\n")
@example(value="RLIMIT_NOFILE\n\n")
@example(value="\n")
@example(value="64KB")
@example(value="064KB")
@example(value="c\n")
@example(value="MB:1\n")
@example(value="")
def test_plain_test_agrees_with_re_search(pattern, value):
    assert patterns.searcher(pattern)(value) == (re.search(pattern, value) is not None), (pattern, value)


def test_other_patterns_go_through_re():
    assert patterns.searcher("^a+b$")("aab\n") and not patterns.searcher("^a+b$")("ba")


def test_create_path_does_not_import_re():
    """The fast schema check of a whole config never imports ``re``."""
    code = ("import sys; sys.path.insert(0, %r); from pyrunc.spec import default, schema; "
            "cfg = default.default_config(); "
            "cfg['linux']['resources'] = {'hugepageLimits': [{'pageSize': '2MB', 'limit': 1}]}; "
            "cfg['annotations'] = {'a': 'b'}; assert schema.first_problem(cfg) is None, schema.first_problem(cfg); "
            "print('re' in sys.modules, 'enum' in sys.modules)") % str(Path(patterns.__file__).parents[2])
    out = subprocess.run([sys.executable, "-I", "-S", "-c", code], capture_output=True, text=True,
                         env={"PYTHONPATH": ""}, cwd="/")
    assert out.stdout.split() == ["False", "False"], out.stderr
