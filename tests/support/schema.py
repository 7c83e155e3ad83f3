"""Validators for the upstream runtime-spec JSON schemas.

The upstream schemas are draft-04 files without ``id`` that ``$ref`` each
other by file name (``defs.json#/definitions/...``), so they are loaded into
a ``referencing`` Registry keyed by those names.
"""
import functools
import json
import os
from pathlib import Path

SCHEMA_DIR = Path(os.environ.get("PYRUNC_TEST_SPEC_SCHEMA", "/work/shared/runtime-spec/schema"))


@functools.lru_cache(maxsize=None)
def _registry():
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    pairs = []
    for p in SCHEMA_DIR.glob("*.json"):
        res = Resource.from_contents(json.loads(p.read_text()), default_specification=DRAFT4)
        pairs.append((p.name, res))
        pairs.append((p.resolve().as_uri(), res))
    return Registry().with_resources(pairs)


@functools.lru_cache(maxsize=None)
def validator(name):
    """A Draft4 validator for ``schema/<name>`` (e.g. ``state-schema.json``)."""
    import jsonschema

    path = SCHEMA_DIR / name
    if not path.exists():
        import pytest

        pytest.skip(f"runtime-spec schema {path} not available")
    return jsonschema.Draft4Validator(json.loads(path.read_text()), registry=_registry())


def errors(name, instance):
    """Readable list of schema violations (empty when valid)."""
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
            for e in validator(name).iter_errors(instance)]


def assert_valid(name, instance):
    errs = errors(name, instance)
    assert not errs, f"not valid against {name}: {errs}\ninstance: {json.dumps(instance)[:2000]}"
