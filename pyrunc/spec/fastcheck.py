"""The fast schema verdict: the project's JSON Schema compiled to closures.

``import jsonschema`` costs 100-180 ms, more than a whole ``runc run``, and
``create`` validates every config.  Configs are almost always valid, so the
common path needs only a yes/no answer; this module gives it with the standard
library alone, and ``jsonschema`` is imported (by pyrunc.spec.schema) only to
explain a "no".  The verdict must equal jsonschema's Draft 4 verdict on the
same schema; tests/unit/test_fastcheck.py and test_schema_agreement.py hold it
to that on the upstream fixtures and a generated corpus.

Only the keywords the project's schema uses are implemented, each with
jsonschema's Draft 4 semantics (the details that matter are noted inline).
Compiling a schema with any other validation keyword raises ``SchemaError``
instead of silently accepting: a keyword added to specs/ without support here
must fail the tests, not weaken the fast path.

A compiled validator returns None for a valid instance, or ``(path, message)``
for the first problem met, with ``path`` a list of keys and indexes built
back to front while unwinding (so nothing is allocated on success).
"""
import os

from pyrunc import fastjson
from pyrunc.spec.patterns import searcher

# Keywords that never affect validity.
_ANNOTATIONS = frozenset({"description", "title", "$schema", "id", "definitions", "default", "$comment"})
_TYPE_NAMES = ("object", "array", "string", "integer", "number", "boolean", "null")


class SchemaError(Exception):
    """The schema uses something this validator does not implement."""


def _is_type(value, name):
    """jsonschema's Draft 4 type checker: bool is not a number, and a float is
    never an "integer" (Draft 6 relaxed that to 1.0; Draft 4 did not)."""
    if name == "object":
        return isinstance(value, dict)
    if name == "array":
        return isinstance(value, list)
    if name == "string":
        return isinstance(value, str)
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if name == "boolean":
        return isinstance(value, bool)
    return value is None


def _fail(path, message):
    return ([] if path is None else [path]), message


class Compiler:
    """Compiles the schema files of one directory; ``$ref`` may name another
    file of the directory ("defs.json#/definitions/uint32") or a pointer in
    the current one ("#/definitions/Rlimit")."""

    def __init__(self, directory):
        self.directory = directory
        self._docs = {}
        self._refs = {}

    def document(self, name):
        doc = self._docs.get(name)
        if doc is None:
            with open(os.path.join(self.directory, name), "rb") as f:
                doc = self._docs[name] = fastjson.loads(f.read())
        return doc

    def compile_file(self, name):
        return self.compile(self.document(name), name)

    # -- references -------------------------------------------------------
    def _ref(self, ref, base):
        target_file, _, pointer = ref.partition("#")
        target_file = target_file or base
        if pointer and not pointer.startswith("/"):
            raise SchemaError(f"{base}: $ref {ref!r} is not a JSON pointer")
        key = (target_file, pointer)
        cell = self._refs.get(key)
        if cell is None:
            # Compiled on first use: a config reaches a small part of the
            # schema (no windows or vm section), and neither those files nor
            # their patterns need loading.  The cell also lets a reference
            # cycle compile.  compile_all() forces every cell, for the tests.
            cell = self._refs[key] = [None]

            def resolve():
                cell[0] = self._resolve(target_file, pointer)
                return cell[0]

            cell[0] = lambda value: resolve()(value)
        return lambda value: cell[0](value)

    def compile_all(self, name):
        """Compile *name* and everything it references now (a schema mistake
        then shows at once instead of when some config first reaches it)."""
        self.compile_file(name)
        done = set()
        while len(done) < len(self._refs):
            for key in [k for k in self._refs if k not in done]:
                done.add(key)
                self._refs[key][0] = self._resolve(*key)

    def _resolve(self, target_file, pointer):
        node = self.document(target_file)
        for part in pointer.split("/")[1:]:
            part = part.replace("~1", "/").replace("~0", "~")
            node = node[int(part)] if isinstance(node, list) else node[part]
        return self.compile(node, target_file)

    # -- nodes --------------------------------------------------------------
    def compile(self, node, base):
        if not isinstance(node, dict):
            raise SchemaError(f"{base}: schema node is not an object: {node!r}")
        if "$ref" in node:
            # Draft 4: keywords beside $ref are ignored.  Refuse them here so
            # nobody writes one expecting it to apply.
            extra = set(node) - _ANNOTATIONS - {"$ref"}
            if extra:
                raise SchemaError(f"{base}: keywords beside $ref are ignored by Draft 4: {sorted(extra)}")
            return self._ref(node["$ref"], base)
        checks = []
        for key in node:
            if key in _ANNOTATIONS:
                continue
            build = getattr(self, "_kw_" + key, None)
            if build is None:
                raise SchemaError(f"{base}: keyword {key!r} is not implemented by the fast validator")
            check = build(node[key], node, base)
            if check is not None:
                checks.append((key != "type", check))
        # The type check first: it is the cheapest and the most telling.
        checks = [c for _, c in sorted(checks, key=lambda item: item[0])]
        if not checks:
            return lambda value: None
        if len(checks) == 1:
            return checks[0]
        return _first_problem(checks)

    # -- keywords (each returns a check, or None when it has nothing to do) -
    def _kw_type(self, names, node, base):
        names = [names] if isinstance(names, str) else list(names)
        for name in names:
            if name not in _TYPE_NAMES:
                raise SchemaError(f"{base}: unknown type {name!r}")
        message = "expected " + " or ".join(names)
        if len(names) == 1:
            name = names[0]
            # Direct isinstance tests for the common cases: this runs on every node.
            if name == "object":
                return lambda v: None if isinstance(v, dict) else _fail(None, message)
            if name == "string":
                return lambda v: None if isinstance(v, str) else _fail(None, message)
            if name == "array":
                return lambda v: None if isinstance(v, list) else _fail(None, message)
            if name == "integer":
                return lambda v: None if isinstance(v, int) and not isinstance(v, bool) else _fail(None, message)
            if name == "boolean":
                return lambda v: None if isinstance(v, bool) else _fail(None, message)
        return lambda v: None if any(_is_type(v, n) for n in names) else _fail(None, message)

    def _kw_properties(self, props, node, base):
        compiled = [(name, self.compile(sub, base)) for name, sub in props.items()]

        def check(value):
            if not isinstance(value, dict):
                return None
            for name, validate in compiled:
                if name in value:
                    problem = validate(value[name])
                    if problem is not None:
                        problem[0].append(name)
                        return problem
            return None
        return check

    def _kw_required(self, names, node, base):
        names = list(names)

        def check(value):
            if isinstance(value, dict):
                for name in names:
                    if name not in value:
                        return [name], "missing required property"
            return None
        return check

    def _kw_patternProperties(self, patterns, node, base):
        compiled = [(searcher(p), self.compile(sub, base)) for p, sub in patterns.items()]

        def check(value):
            if not isinstance(value, dict):
                return None
            for key, item in value.items():
                for matches, validate in compiled:
                    # jsonschema uses re.search: unanchored, Python semantics.
                    if matches(key):
                        problem = validate(item)
                        if problem is not None:
                            problem[0].append(key)
                            return problem
            return None
        return check

    def _kw_additionalProperties(self, extra, node, base):
        declared = frozenset(node.get("properties", ()))
        patterns = [searcher(p) for p in node.get("patternProperties", ())]
        if extra is True or extra == {}:
            return None
        if extra is False:
            validate = None
        else:
            validate = self.compile(extra, base)

        def check(value):
            if not isinstance(value, dict):
                return None
            for key, item in value.items():
                if key in declared or any(matches(key) for matches in patterns):
                    continue
                if validate is None:
                    return [key], "unknown property not allowed"
                problem = validate(item)
                if problem is not None:
                    problem[0].append(key)
                    return problem
            return None
        return check

    def _kw_items(self, items, node, base):
        if isinstance(items, list):
            # Draft 4 tuple form: item i against schema i, the rest unchecked
            # (no additionalItems here).
            if "additionalItems" in node:
                raise SchemaError(f"{base}: additionalItems is not implemented")
            compiled = [self.compile(sub, base) for sub in items]

            def check_tuple(value):
                if not isinstance(value, list):
                    return None
                for index, (item, validate) in enumerate(zip(value, compiled)):
                    problem = validate(item)
                    if problem is not None:
                        problem[0].append(index)
                        return problem
                return None
            return check_tuple
        validate = self.compile(items, base)

        def check(value):
            if not isinstance(value, list):
                return None
            for index, item in enumerate(value):
                problem = validate(item)
                if problem is not None:
                    problem[0].append(index)
                    return problem
            return None
        return check

    def _kw_minItems(self, count, node, base):
        message = f"expected at least {count} item" + ("s" if count != 1 else "")
        return lambda v: _fail(None, message) if isinstance(v, list) and len(v) < count else None

    def _kw_enum(self, values, node, base):
        if not all(isinstance(v, str) for v in values):
            # Non-string enums need jsonschema's bool-vs-int aware equality.
            raise SchemaError(f"{base}: only enums of strings are implemented")
        allowed = frozenset(values)
        message = "expected one of " + ", ".join(values)
        return lambda v: None if isinstance(v, str) and v in allowed else _fail(None, message)

    def _kw_pattern(self, pattern, node, base):
        matches = searcher(pattern)
        message = f"does not match {pattern}"
        return lambda v: _fail(None, message) if isinstance(v, str) and not matches(v) else None

    def _kw_minimum(self, bound, node, base):
        # Written as jsonschema writes it (``instance < minimum`` fails) so a
        # NaN, which compares false with everything, passes in both.
        if node.get("exclusiveMinimum", False):
            message = f"must be greater than {bound}"
            return lambda v: _fail(None, message) if _is_type(v, "number") and v <= bound else None
        message = f"must be at least {bound}"
        return lambda v: _fail(None, message) if _is_type(v, "number") and v < bound else None

    def _kw_maximum(self, bound, node, base):
        if node.get("exclusiveMaximum", False):
            message = f"must be less than {bound}"
            return lambda v: _fail(None, message) if _is_type(v, "number") and v >= bound else None
        message = f"must be at most {bound}"
        return lambda v: _fail(None, message) if _is_type(v, "number") and v > bound else None

    def _kw_exclusiveMinimum(self, flag, node, base):
        return None  # folded into minimum

    def _kw_exclusiveMaximum(self, flag, node, base):
        return None  # folded into maximum

    def _kw_allOf(self, subs, node, base):
        return _first_problem([self.compile(sub, base) for sub in subs])

    def _kw_anyOf(self, subs, node, base):
        compiled = [self.compile(sub, base) for sub in subs]

        def check(value):
            first = None
            for validate in compiled:
                problem = validate(value)
                if problem is None:
                    return None
                first = first or problem
            return first
        return check


_validators = {}


def validator(directory, name):
    """The compiled validator for schema file *name* in *directory* (cached
    for the life of the process)."""
    key = (directory, name)
    found = _validators.get(key)
    if found is None:
        found = _validators[key] = Compiler(directory).compile_file(name)
    return found


def first_problem(directory, name, instance):
    """None if *instance* is valid against schema *name*, else ``(path, message)``
    with *path* a list of keys/indexes from the root."""
    problem = validator(directory, name)(instance)
    if problem is None:
        return None
    path, message = problem
    path.reverse()
    return path, message


def _first_problem(checks):
    """One check running *checks* in order, returning the first problem."""
    def run(value):
        for check in checks:
            problem = check(value)
            if problem is not None:
                return problem
        return None
    return run
