"""Load ``config.json`` from a bundle directory (bundle.md).

Errors name the bundle and the problem in one line: a missing directory, a
missing or unreadable config.json, malformed JSON (with line and column), or
a top level that is not an object.
"""
import os

from pyrunc import fastjson

from pyrunc.errors import ConfigError

CONFIG_NAME = "config.json"


def resolve_bundle(bundle):
    """Absolute bundle path; the current directory when none is given (runc)."""
    path = os.path.abspath(bundle or os.getcwd())
    if not os.path.exists(path):
        raise ConfigError(f"bundle {path}: no such directory")
    if not os.path.isdir(path):
        raise ConfigError(f"bundle {path}: not a directory")
    return path


def load_config(bundle):
    """Return (absolute bundle path, parsed config dict)."""
    path = resolve_bundle(bundle)
    cfg_path = os.path.join(path, CONFIG_NAME)
    try:
        with open(cfg_path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise ConfigError(f"bundle {path}: {CONFIG_NAME} not found") from None
    except OSError as e:
        raise ConfigError(f"bundle {path}: cannot read {CONFIG_NAME}: {e.strerror}") from None
    try:
        config = fastjson.loads(raw)
    except UnicodeDecodeError as e:
        raise ConfigError(f"{cfg_path}: not UTF-8 text: {e.reason}") from None
    except ValueError:
        raise ConfigError(f"{cfg_path}: malformed JSON{_json_error_position(raw)}") from None
    if not isinstance(config, dict):
        raise ConfigError(f"{cfg_path}: the top level must be a JSON object")
    return path, config


def _json_error_position(raw):
    """Where the json module says the document breaks (only imported once
    the fast parser has failed)."""
    import json
    try:
        json.loads(raw)
    except json.JSONDecodeError as e:
        return f" at line {e.lineno} column {e.colno}: {e.msg}"
    except ValueError as e:
        return f": {e}"
    return ""
