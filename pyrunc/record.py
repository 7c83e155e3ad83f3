"""Frozen records without ``dataclasses``.

Every engine starts the runtime several times per container, and importing
``dataclasses`` costs ~35 ms (it imports ``inspect``, ``ast``, ``dis``...),
more than a whole ``runc state``.  ``@record`` turns a class with annotated
fields (and optional trailing defaults) into an immutable namedtuple subclass
with the same methods and properties: the readability of a dataclass at the
import cost of ``collections``, which the interpreter has loaded anyway.
"""
from collections import namedtuple

_SKIP = {"__dict__", "__weakref__", "__annotations__", "__module__", "__qualname__"}


def record(cls):
    fields = list(cls.__dict__.get("__annotations__", {}))
    defaults = [cls.__dict__[f] for f in fields if f in cls.__dict__]
    base = namedtuple(cls.__name__, fields, defaults=defaults or None)
    namespace = {k: v for k, v in cls.__dict__.items() if k not in _SKIP and k not in fields}
    namespace["__slots__"] = ()
    namespace["__module__"] = cls.__module__
    namespace["__qualname__"] = cls.__qualname__
    return type(cls.__name__, (base,), namespace)
