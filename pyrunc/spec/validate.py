"""Validating a config: the schema first, then the semantic checks.

Two entry points for two readers:

- ``check_config`` is create/run's: it stops at the first error with a
  one-line ``ConfigError`` naming the JSON path, and returns the warnings for
  the caller to log.  A valid config is judged by the standard-library fast
  path (pyrunc/spec/fastcheck.py); ``jsonschema`` is imported only to word the
  message once the fast path has said "invalid".
- ``validate_config`` is ``pyrunc validate``'s: every problem at once, for a
  person fixing a bundle by hand.

The rest of pyrunc/spec is imported inside the functions, so that
pyrunc.spec.checks can import Problem from here without a cycle.
"""
from pyrunc.errors import ConfigError
from pyrunc.record import record


# A frozen record (pyrunc/record.py) rather than a dataclass: importing
# dataclasses would cost create more than the whole validation.
@record
class Problem:
    path: str     # JSON path like "process.user.uid" or "mounts[2].destination" ("" for the root)
    message: str  # e.g. "expected integer"

    def __str__(self):
        return f"{self.path}: {self.message}" if self.path else self.message


class Report:
    """The errors and warnings of one validation, each a list of Problems."""

    def __init__(self, errors=None, warnings=None):
        self.errors = [] if errors is None else errors
        self.warnings = [] if warnings is None else warnings

    @property
    def ok(self):
        return not self.errors

    def __eq__(self, other):
        return isinstance(other, Report) and (self.errors, self.warnings) == (other.errors, other.warnings)

    def __repr__(self):
        return f"Report(errors={self.errors!r}, warnings={self.warnings!r})"


def _plain(key):
    return key != "" and (key[0].isalpha() or key[0] == "_") and all(c.isalnum() or c == "_" for c in key)


def format_path(parts):
    """["mounts", 2, "destination"] -> 'mounts[2].destination'; keys that are
    not plain names (sysctl and annotation keys have dots) are quoted:
    linux.sysctl["net.ipv4.ip_forward"]."""
    import json
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _plain(part):
            out += f".{part}" if out else part
        else:
            out += f"[{json.dumps(part)}]"
    return out


def validate_config(config, bundle=None):
    """Every problem of *config* at once: schema errors, then the semantic
    checks' errors, and the warnings.  *bundle* (absolute path) enables the
    checks that look at the bundle's files."""
    from pyrunc.spec import checks, schema
    report = Report()
    if schema.first_problem(config) is not None:
        report.errors.extend(schema.problems(config) or [_fast_problem(config)])
    findings = checks.run(config, bundle)
    report.errors.extend(p for p in findings.errors if p not in report.errors)
    report.warnings.extend(findings.warnings)
    return report


def check_config(config, bundle=None):
    """create/run's validation: raise ConfigError naming the first problem, or
    return the list of warning Problems (the caller logs them)."""
    from pyrunc.spec import checks, schema
    if schema.first_problem(config) is not None:
        # Only now is jsonschema worth its import: it words the message.
        details = schema.problems(config)
        raise ConfigError(str(details[0] if details else _fast_problem(config)))
    findings = checks.run(config, bundle)
    if findings.errors:
        raise ConfigError(str(findings.errors[0]))
    return findings.warnings


def schema_problems(document, name):
    """Schema problems of a state or features document (name is a file in
    specs/, e.g. "features-schema.json"); empty when valid."""
    from pyrunc.spec import schema
    if schema.first_problem(document, name) is None:
        return []
    return schema.problems(document, name) or [_fast_problem(document, name)]


def _fast_problem(document, name=None):
    """The fast path's own wording, used should jsonschema ever find nothing
    where the fast path found a problem (the agreement tests say it cannot)."""
    from pyrunc.spec import schema
    path, message = schema.first_problem(document, name or schema.CONFIG)
    return Problem(format_path(path), message)
