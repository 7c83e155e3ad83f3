"""The fast schema path (pyrunc/spec/fastcheck.py): Draft 4 semantics equal
to jsonschema's on the corners where they could drift, refusal of what it
does not implement, and the promise it exists for: create/run validate a
valid config without importing jsonschema, quickly."""
import json
import math
import os
import subprocess
import sys

import jsonschema
import pytest

from pyrunc.errors import ConfigError
from pyrunc.spec import fastcheck, schema
from pyrunc.spec.validate import check_config

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _verdicts(tmp_path, node, instance):
    (tmp_path / "s.json").write_text(json.dumps(node))
    fast = fastcheck.Compiler(str(tmp_path)).compile_file("s.json")(instance) is None
    slow = jsonschema.Draft4Validator(node).is_valid(instance)
    return fast, slow


CORNERS = [
    # Draft 4: a float is never an integer, even 1.0; bool is not a number.
    ({"type": "integer"}, [1, 1.0, True, False, -0, 2**70, "1", None, math.nan]),
    ({"type": "number"}, [1, 1.5, True, math.inf, "1"]),
    ({"type": ["string", "null"]}, ["a", None, 0]),
    ({"type": "object"}, [{}, [], "x"]),
    ({"type": "array"}, [[], {}, "x"]),
    ({"type": "boolean"}, [True, 0, "true"]),
    # minimum/maximum apply to numbers only; NaN compares false both ways.
    ({"minimum": 0, "maximum": 10}, [0, 10, -1, 11, 10.5, math.nan, math.inf, -math.inf, True, "5"]),
    ({"minimum": 0, "exclusiveMinimum": True}, [0, 1, 0.0001]),
    ({"maximum": 5, "exclusiveMaximum": True}, [5, 4.9]),
    ({"maximum": 18446744073709551615}, [18446744073709551615, 18446744073709551616, 1.8446744073709552e19]),
    # pattern is re.search: unanchored unless ^/$, and $ matches before a final newline.
    ({"pattern": "^[cbup]$"}, ["c", "c\n", "cc", "", 5]),
    ({"pattern": "^MB:[^\\n]*$"}, ["MB:1", "MB:1\n", "MB:1\nx", "xMB:"]),
    ({"pattern": "[0-9]"}, ["a1b", "ab"]),
    ({"enum": ["a", "b"]}, ["a", "c", 1, None, ["a"]]),
    ({"required": ["a"]}, [{"a": 1}, {}, [], "a"]),
    ({"properties": {"a": {"type": "string"}}}, [{"a": "x"}, {"a": 1}, {"b": 1}, [1]]),
    ({"patternProperties": {".": {"type": "string"}}}, [{"k": "v"}, {"k": 1}, {"": 1}, {"\n": 1}, {"\nx": 1}]),
    ({"properties": {"a": {}}, "additionalProperties": {"type": "integer"}}, [{"a": "x", "b": 1}, {"b": "x"}]),
    ({"properties": {"a": {}}, "additionalProperties": False}, [{"a": 1}, {"b": 1}]),
    ({"items": {"type": "integer"}, "minItems": 1}, [[1], [], [1, "x"], "x"]),
    # Draft 4 tuple form: only the listed positions are checked.
    ({"items": [{"type": "integer"}]}, [[1], [1, "x"], ["x"], []]),
    ({"anyOf": [{"type": "integer"}, {"type": "string", "pattern": "^a"}]}, [1, "ab", "b", None]),
    ({"allOf": [{"required": ["a"]}, {"required": ["b"]}]}, [{"a": 1, "b": 2}, {"a": 1}]),
]


@pytest.mark.parametrize("node,instances", CORNERS, ids=[json.dumps(c[0])[:40] for c in CORNERS])
def test_keyword_corners_match_jsonschema(tmp_path, node, instances):
    for instance in instances:
        fast, slow = _verdicts(tmp_path, node, instance)
        assert fast == slow, f"{node} on {instance!r}: fast={fast} jsonschema={slow}"


def test_refs_across_files_resolve(tmp_path):
    (tmp_path / "defs.json").write_text(json.dumps({"definitions": {"u8": {"type": "integer", "maximum": 255}}}))
    (tmp_path / "root.json").write_text(json.dumps({
        "properties": {"x": {"$ref": "defs.json#/definitions/u8"}, "y": {"$ref": "#/definitions/s"}},
        "definitions": {"s": {"type": "string"}},
    }))
    validate = fastcheck.Compiler(str(tmp_path)).compile_file("root.json")
    assert validate({"x": 255, "y": "a"}) is None
    assert validate({"x": 256})[1] == "must be at most 255"
    assert validate({"y": 1})[1] == "expected string"


@pytest.mark.parametrize("node,fragment", [
    ({"type": "string", "format": "uri"}, "'format'"),
    ({"$ref": "#/definitions/x", "type": "string"}, "beside $ref"),
    ({"enum": [1, 2]}, "enums of strings"),
    ({"type": "integr"}, "unknown type"),
    ({"$ref": "#definitions/x"}, "not a JSON pointer"),
])
def test_unimplemented_keywords_are_refused(tmp_path, node, fragment):
    (tmp_path / "s.json").write_text(json.dumps(node))
    with pytest.raises(fastcheck.SchemaError, match=None) as info:
        fastcheck.Compiler(str(tmp_path)).compile_file("s.json")
    assert fragment in str(info.value)


@pytest.mark.parametrize("name", [schema.CONFIG, schema.STATE, schema.FEATURES])
def test_every_project_schema_compiles_completely(name):
    """Every $ref target compiled now, so a keyword the fast path lacks
    fails here rather than when some rare config first reaches it."""
    fastcheck.Compiler(schema.specs_dir()).compile_all(name)


def test_project_schemas_are_valid_draft4():
    for name in schema.FILES:
        doc = schema.load(name)
        jsonschema.Draft4Validator.check_schema(doc)


def test_first_problem_names_the_path(config):
    config["process"]["user"]["uid"] = "0"
    assert schema.first_problem(config) == (["process", "user", "uid"], "expected integer")
    config["process"]["user"]["uid"] = 0
    del config["root"]["path"]
    assert schema.first_problem(config) == (["root", "path"], "missing required property")
    config["root"]["path"] = "rootfs"
    config["mounts"][2]["destination"] = 5
    assert schema.first_problem(config) == (["mounts", 2, "destination"], "expected string")


def test_specs_dir_prefers_the_installed_layout(tmp_path, monkeypatch):
    """Installed: <site-packages>/pyrunc/specs; in a checkout: <repo>/specs."""
    import pyrunc
    package = tmp_path / "site" / "pyrunc"
    (package / "specs").mkdir(parents=True)
    (package / "specs" / schema.CONFIG).write_text("{}")
    monkeypatch.setattr(pyrunc, "__file__", str(package / "__init__.py"))
    monkeypatch.setattr(schema, "_dir", None)
    assert schema.specs_dir() == str(package / "specs")


def test_specs_dir_in_a_checkout(monkeypatch):
    monkeypatch.setattr(schema, "_dir", None)
    found = schema.specs_dir()
    assert all(os.path.isfile(os.path.join(found, f)) for f in schema.FILES)


def test_specs_dir_missing_is_a_clear_error(tmp_path, monkeypatch):
    import pyrunc
    (tmp_path / "pyrunc").mkdir()
    monkeypatch.setattr(pyrunc, "__file__", str(tmp_path / "pyrunc" / "__init__.py"))
    monkeypatch.setattr(schema, "_dir", None)
    with pytest.raises(FileNotFoundError, match="schema files are missing"):
        schema.specs_dir()


_PROBE = r"""
import json, sys, time
config = json.loads(sys.argv[1])
bundle = sys.argv[2]
t0 = time.perf_counter()
from pyrunc.spec.validate import check_config
warnings = check_config(config, bundle)
elapsed = (time.perf_counter() - t0) * 1000
print(json.dumps({"jsonschema": "jsonschema" in sys.modules, "referencing": "referencing" in sys.modules,
                  "ms": elapsed, "warnings": [str(w) for w in warnings]}))
"""


def _probe(config, bundle):
    # -I: no user site, no PYTHON* variables, no cwd on sys.path, as the
    # pyrunc launcher runs; the checkout is put on sys.path explicitly.
    code = f"import sys; sys.path.insert(0, {REPO!r})\n" + _PROBE
    out = subprocess.run([sys.executable, "-I", "-c", code, json.dumps(config), bundle],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_valid_config_does_not_import_jsonschema(config, bundle):
    result = _probe(config, bundle)
    assert result["warnings"] == []
    assert not result["jsonschema"], "check_config imported jsonschema for a valid config"
    assert not result["referencing"]


def test_validation_is_fast(config, bundle):
    """Import of the validation modules plus one check_config, measured in a
    fresh interpreter: a few ms here (jsonschema's import alone is ~100 ms).
    The bound is loose so a busy CI machine does not fail it."""
    best = min(_probe(config, bundle)["ms"] for _ in range(3))
    assert best < 40, f"check_config took {best:.1f} ms"


def test_invalid_config_gets_jsonschema_wording(config, bundle):
    config["process"]["user"]["uid"] = "0"
    with pytest.raises(ConfigError) as info:
        check_config(config, bundle)
    assert str(info.value) == "process.user.uid: expected integer"
