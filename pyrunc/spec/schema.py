"""The project's own JSON Schemas (specs/) and the detailed, jsonschema-backed
explanation of why a document does not match them.

The schemas ship inside the package as ``pyrunc/specs/*.json``; in a source or
editable checkout they are ``<repo>/specs/*.json`` (setup.py maps the package
``pyrunc.specs`` onto that directory).  ``jsonschema`` and ``referencing`` are
imported here and only here, inside the functions that need them: importing
them costs more than the rest of ``create`` (see pyrunc/spec/fastcheck.py).
"""
import os

import pyrunc

CONFIG = "config-schema.json"
STATE = "state-schema.json"
FEATURES = "features-schema.json"

# Every file a $ref may name, for the jsonschema registry.
FILES = (
    CONFIG, STATE, FEATURES,
    "config-linux.json", "config-platforms.json", "defs.json", "defs-linux.json",
)

_dir = None


def specs_dir():
    """The directory holding the schema files, installed or in a checkout."""
    global _dir
    if _dir is None:
        here = os.path.dirname(os.path.abspath(pyrunc.__file__))
        for candidate in (os.path.join(here, "specs"), os.path.join(os.path.dirname(here), "specs")):
            if os.path.isfile(os.path.join(candidate, CONFIG)):
                _dir = candidate
                break
        else:
            raise FileNotFoundError(
                f"pyrunc's schema files are missing (looked in {here}/specs and {os.path.dirname(here)}/specs);"
                " reinstall pyrunc"
            )
    return _dir


def load(name):
    """One schema file, parsed (a fresh object each call; callers may keep it)."""
    import json
    with open(os.path.join(specs_dir(), name), "rb") as f:
        return json.loads(f.read())


def first_problem(instance, name=CONFIG):
    """The fast verdict: None when valid, else (path list, message)."""
    from pyrunc.spec import fastcheck
    return fastcheck.first_problem(specs_dir(), name, instance)


_validators = {}


def jsonschema_validator(name=CONFIG):
    """A jsonschema Draft 4 validator for one of the project's schemas, with
    every specs/ file registered under its file name so relative $refs resolve."""
    found = _validators.get(name)
    if found is None:
        import jsonschema
        from referencing import Registry
        from referencing.jsonschema import DRAFT4

        registry = Registry().with_resources((f, DRAFT4.create_resource(load(f))) for f in FILES)
        schema = load(name)
        found = _validators[name] = jsonschema.Draft4Validator(schema, registry=registry)
    return found


def problems(instance, name=CONFIG):
    """Every schema problem of *instance*, as Problems sorted by path."""
    from pyrunc.spec.validate import Problem, format_path
    found = []
    for error in jsonschema_validator(name).iter_errors(instance):
        for leaf in _leaves(error):
            found.extend(_describe(leaf))
    found.sort(key=lambda item: [(0, p, "") if isinstance(p, int) else (1, 0, p) for p in item[0]])
    unique = []
    for path, message in found:
        problem = Problem(format_path(path), message)
        if problem not in unique:
            unique.append(problem)
    return unique


def _leaves(error):
    """An anyOf/allOf error stands for the errors of its branches: report
    those, which name the real path."""
    if error.validator in ("anyOf", "oneOf") and error.context:
        # The branch that got furthest says the most; all of them would be noise.
        best = max(error.context, key=lambda e: len(e.absolute_path))
        deepest = [e for e in error.context if len(e.absolute_path) == len(best.absolute_path)]
        for sub in deepest[:1]:
            yield from _leaves(sub)
        return
    yield error


def _describe(error):
    """[(path list, message)] in pyrunc's words for one jsonschema error."""
    path = list(error.absolute_path)
    kind, value = error.validator, error.validator_value
    if kind == "type":
        names = [value] if isinstance(value, str) else list(value)
        return [(path, "expected " + " or ".join(names))]
    if kind == "required":
        # Name each missing property itself: "root.path: missing required
        # property".  jsonschema yields one error per missing name, all with
        # the same list; the duplicates are dropped by problems().
        return [(path + [name], "missing required property") for name in value if name not in error.instance]
    if kind == "enum":
        return [(path, "expected one of " + ", ".join(str(v) for v in value))]
    if kind == "pattern":
        return [(path, f"does not match {value}")]
    if kind == "minimum":
        exclusive = error.schema.get("exclusiveMinimum", False)
        return [(path, f"must be greater than {value}" if exclusive else f"must be at least {value}")]
    if kind == "maximum":
        exclusive = error.schema.get("exclusiveMaximum", False)
        return [(path, f"must be less than {value}" if exclusive else f"must be at most {value}")]
    if kind == "minItems":
        return [(path, f"expected at least {value} item" + ("s" if value != 1 else ""))]
    return [(path, error.message)]
