"""pyrunc.fastjson must give exactly what the json module gives for what
pyrunc reads and writes (state.json, log lines, sync messages)."""
import json
import os

import pytest
from hypothesis import given, settings, strategies as st

from pyrunc import fastjson

values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**63, 2**64) | st.text()
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=20)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(values)
def test_round_trip_and_layout_match_json(value):
    assert fastjson.dumps(value) == json.dumps(value, separators=(",", ":"))
    assert fastjson.dumps(value, compact=False) == json.dumps(value)
    assert fastjson.dumps(value, indent=2) == json.dumps(value, indent=2)
    assert fastjson.loads(json.dumps(value, indent=1)) == value


@pytest.mark.parametrize("bad", ["", " ", "{", "[1,]", "{} x", "nul", "{'a': 1}", b"\xff", "{]", '{"a"',
                                 '{"a":1,}', "{,}"])
def test_malformed_input_raises_value_error(bad):
    import subprocess
    import sys
    # in a fresh interpreter too: _json needs json.decoder for some errors
    code = f"from pyrunc import fastjson\ntry:\n    fastjson.loads({bad!r})\nexcept ValueError:\n    print('ok')"
    out = subprocess.run([sys.executable, "-I", "-c", "import sys; sys.path[:0] = " + repr(sys.path) + "\n" + code],
                         capture_output=True, text=True, timeout=30)
    assert out.stdout.strip() == "ok", out.stderr


def test_short_verbs_import_neither_json_nor_re():
    import subprocess
    import sys
    code = ("import sys; sys.argv=['pyrunc','--root','/nonexistent-pyrunc-root','state','x']\n"
            "from pyrunc.cli import main\n"
            "main.main(sys.argv[1:])\n"
            "bad = {'json', 're', 'enum', 'collections', 'dataclasses', 'signal'} & set(sys.modules)\n"
            "print(sorted(bad))\n")
    import pyrunc
    # -S: no site, so no editable-install finder either; name the package's directory
    path = [os.path.dirname(os.path.dirname(pyrunc.__file__))] + sys.path
    out = subprocess.run([sys.executable, "-I", "-S", "-c", "import sys; sys.path[:0] = " + repr(path) + "\n" + code],
                         capture_output=True, text=True, timeout=30)
    assert out.stdout.strip() == "[]", out.stderr
