"""JSON through the C accelerator ``_json`` alone.

``import json`` costs the short verbs (state, kill, delete, list) more than
their own work: json.decoder compiles regular expressions, which imports
``re`` and ``enum``.  The C scanner and encoder underneath need none of it.
Output is identical to ``json.dumps`` for what pyrunc writes (dicts, lists,
strings, numbers, booleans, None), checked by tests/unit/test_fastjson.py.
"""
import _json


class _ScanContext:
    """The attributes _json.make_scanner reads from a JSONDecoder."""
    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    memo = None

    @staticmethod
    def parse_constant(name):
        return {"-Infinity": float("-inf"), "Infinity": float("inf"), "NaN": float("nan")}[name]


_scan = _json.make_scanner(_ScanContext())
_WS = " \t\n\r"


class JSONDecodeError(ValueError):
    pass


def loads(data):
    if isinstance(data, (bytes, bytearray)):
        data = data.decode("utf-8")
    start = len(data) - len(data.lstrip(_WS))
    try:
        obj, end = _scan(data, start)
    except StopIteration as e:
        raise JSONDecodeError(f"expecting a value at character {e.value}") from None
    except SystemError:
        # _json reports most syntax errors through json.decoder's exception
        # class, looked up in sys.modules only; on the happy path we never
        # import it, so let json itself raise the precise error (a ValueError)
        import json
        json.loads(data)
        raise JSONDecodeError("malformed JSON") from None
    if data[end:].strip(_WS):
        raise JSONDecodeError(f"extra data at character {end}")
    return obj


def _default(obj):
    if isinstance(obj, (tuple, frozenset, set)):
        return list(obj)
    raise TypeError(f"{type(obj).__name__} is not JSON serializable")


_compact = _json.make_encoder(None, _default, _json.encode_basestring_ascii, None, ":", ",",
                              False, False, True)
_spaced = _json.make_encoder(None, _default, _json.encode_basestring_ascii, None, ": ", ", ",
                             False, False, True)


def dumps(obj, indent=None, compact=True):
    """``json.dumps(obj)`` (compact: ``separators=(",", ":")``); with *indent*
    the same layout as ``json.dumps(obj, indent=indent)``."""
    if indent is None:
        return "".join((_compact if compact else _spaced)(obj, 0))
    return _indented(obj, " " * indent if isinstance(indent, int) else indent, 0)


def _indented(obj, unit, level):
    if isinstance(obj, dict) and obj:
        inner = unit * (level + 1)
        items = (f"{inner}{_json.encode_basestring_ascii(str(k))}: {_indented(v, unit, level + 1)}"
                 for k, v in obj.items())
        return "{\n" + ",\n".join(items) + "\n" + unit * level + "}"
    if isinstance(obj, (list, tuple)) and obj:
        inner = unit * (level + 1)
        return "[\n" + ",\n".join(inner + _indented(v, unit, level + 1) for v in obj) + "\n" + unit * level + "]"
    return "".join(_compact(obj, 0))
