"""Frozen records without ``dataclasses`` or ``collections``.

Every engine starts the runtime several times per container; importing
``dataclasses`` costs ~35 ms (it imports ``inspect``, ``ast``, ``dis``...)
and even ``collections.namedtuple`` a few, more than a whole ``runc state``.
``@record`` turns a class with annotated fields (and optional trailing
defaults) into an immutable class with ``__slots__``, keyword or positional
construction, equality, hashing, ``repr`` and ``_replace`` -- the part of a
frozen dataclass pyrunc uses -- keeping the class's methods and properties.
"""

_SKIP = {"__dict__", "__weakref__", "__annotations__"}


def record(cls):
    fields = tuple(cls.__dict__.get("__annotations__", {}))
    defaults = {f: cls.__dict__[f] for f in fields if f in cls.__dict__}
    namespace = {k: v for k, v in cls.__dict__.items() if k not in _SKIP and k not in fields}
    namespace.update(__slots__=fields, _fields=fields, _defaults=defaults, __init__=_init,
                     __setattr__=_frozen, __delattr__=_frozen, __eq__=_eq, __hash__=_hash,
                     __repr__=_repr, _replace=_replace, _astuple=_astuple)
    return type(cls.__name__, cls.__bases__, namespace)


def _init(self, *args, **kwargs):
    fields = self._fields
    if len(args) > len(fields):
        raise TypeError(f"{type(self).__name__}() takes {len(fields)} arguments, got {len(args)}")
    values = dict(zip(fields, args))
    for k, v in kwargs.items():
        if k not in fields or k in values:
            raise TypeError(f"{type(self).__name__}() got an unexpected or repeated argument {k!r}")
        values[k] = v
    for f in fields:
        if f in values:
            object.__setattr__(self, f, values[f])
        elif f in self._defaults:
            object.__setattr__(self, f, self._defaults[f])
        else:
            raise TypeError(f"{type(self).__name__}() missing argument {f!r}")


def _frozen(self, *_):
    raise AttributeError(f"{type(self).__name__} is immutable")


def _astuple(self):
    return tuple(getattr(self, f) for f in self._fields)


def _eq(self, other):
    if type(other) is not type(self):
        return NotImplemented
    return self._astuple() == other._astuple()


def _hash(self):
    return hash(self._astuple())


def _repr(self):
    return f"{type(self).__name__}({', '.join(f'{f}={getattr(self, f)!r}' for f in self._fields)})"


def _replace(self, **changes):
    values = {f: getattr(self, f) for f in self._fields}
    values.update(changes)
    return type(self)(**values)
