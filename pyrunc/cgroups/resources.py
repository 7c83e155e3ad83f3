"""``linux.resources`` as data: type checks, runc's "0 means unset", and the
merge ``update`` does (config-linux.md "Control groups" and the resource
sections).  Pure: no I/O.

create's config is already checked by the schema; ``update`` reads JSON
from a file or stdin (containerd sends a specs.LinuxResources object), so
``check`` gives that input the same one-line, field-naming errors.
"""
from pyrunc.errors import ConfigError

WHERE = "linux.resources"

# The order the sections are reported in (and the spec's order).
SECTIONS = ("devices", "memory", "cpu", "blockIO", "hugepageLimits", "network", "pids", "rdma", "unified")

_INT, _BOOL, _STR = "integer", "boolean", "string"

_FIELDS = {
    "memory": {"limit": _INT, "reservation": _INT, "swap": _INT, "kernel": _INT, "kernelTCP": _INT,
               "swappiness": _INT, "disableOOMKiller": _BOOL, "useHierarchy": _BOOL,
               "checkBeforeUpdate": _BOOL},
    "cpu": {"shares": _INT, "quota": _INT, "burst": _INT, "period": _INT, "realtimeRuntime": _INT,
            "realtimePeriod": _INT, "cpus": _STR, "mems": _STR, "idle": _INT},
    "pids": {"limit": _INT},
    "blockIO": {"weight": _INT, "leafWeight": _INT},
    "network": {"classID": _INT},
}
_BLOCK_LISTS = ("weightDevice", "throttleReadBpsDevice", "throttleWriteBpsDevice",
                "throttleReadIOPSDevice", "throttleWriteIOPSDevice")

# Fields where runc treats 0 as "not set" (Go zero values in
# configs.Resources): neither written on create nor changed by update.
UNSET_ZERO = {
    "memory": ("limit", "reservation", "swap", "kernel", "kernelTCP"),
    "cpu": ("shares", "quota", "period", "realtimeRuntime", "realtimePeriod"),
    "blockIO": ("weight", "leafWeight"),
    "network": ("classID",),
}


def is_set(section, key, value):
    """False for an absent/null value and for runc's unset zeros."""
    if value is None:
        return False
    return not (value == 0 and key in UNSET_ZERO.get(section, ()) and not isinstance(value, bool))


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _kind_ok(kind, v):
    return {_INT: _is_int, _BOOL: lambda x: isinstance(x, bool), _STR: lambda x: isinstance(x, str)}[kind](v)


def _bad(field, kind, value):
    raise ConfigError(f"{field}: expected {'an' if kind == _INT else 'a'} {kind}, got {value!r}")


def _check_fields(obj, fields, where):
    if not isinstance(obj, dict):
        raise ConfigError(f"{where}: expected an object, got {obj!r}")
    for key, value in obj.items():
        kind = fields.get(key)
        if kind is not None and value is not None and not _kind_ok(kind, value):
            _bad(f"{where}.{key}", kind, value)


def _check_list(value, where, fields, required=()):
    if value is None:
        return
    if not isinstance(value, list):
        raise ConfigError(f"{where}: expected an array, got {value!r}")
    for i, entry in enumerate(value):
        _check_fields(entry, fields, f"{where}[{i}]")
        for key in required:
            if entry.get(key) is None:
                raise ConfigError(f"{where}[{i}].{key}: missing required property")


def check(resources, where=WHERE):
    """Raise ConfigError naming the first field of the wrong type."""
    if resources is None:
        return
    if not isinstance(resources, dict):
        raise ConfigError(f"{where}: expected an object, got {resources!r}")
    for section, fields in _FIELDS.items():
        if resources.get(section) is not None:
            _check_fields(resources[section], fields, f"{where}.{section}")
    block = resources.get("blockIO") or {}
    _check_list(block.get("weightDevice"), f"{where}.blockIO.weightDevice",
                {"major": _INT, "minor": _INT, "weight": _INT, "leafWeight": _INT}, ("major", "minor"))
    for name in _BLOCK_LISTS[1:]:
        _check_list(block.get(name), f"{where}.blockIO.{name}",
                    {"major": _INT, "minor": _INT, "rate": _INT}, ("major", "minor", "rate"))
    _check_list(resources.get("hugepageLimits"), f"{where}.hugepageLimits",
                {"pageSize": _STR, "limit": _INT}, ("pageSize", "limit"))
    _check_list((resources.get("network") or {}).get("priorities"), f"{where}.network.priorities",
                {"name": _STR, "priority": _INT}, ("name", "priority"))
    _check_list(resources.get("devices"), f"{where}.devices",
                {"allow": _BOOL, "type": _STR, "major": _INT, "minor": _INT, "access": _STR}, ("allow",))
    rdma = resources.get("rdma")
    if rdma is not None:
        if not isinstance(rdma, dict):
            raise ConfigError(f"{where}.rdma: expected an object, got {rdma!r}")
        for name, entry in rdma.items():
            _check_fields(entry, {"hcaHandles": _INT, "hcaObjects": _INT}, f"{where}.rdma.{name}")
    unified = resources.get("unified")
    if unified is not None:
        if not isinstance(unified, dict):
            raise ConfigError(f"{where}.unified: expected an object, got {unified!r}")
        for key, value in unified.items():
            if not isinstance(value, str):
                _bad(f"{where}.unified.{key}", _STR, value)
            if "/" in key or key in ("", ".", "..") or "\0" in key:
                raise ConfigError(f"{where}.unified.{key}: is not a cgroup file name")


# -- update --------------------------------------------------------------

def _merge_by(old, new, key):
    """Lists of objects keyed by *key* (hugepageLimits by pageSize): new
    entries replace old ones with the same key, others are kept."""
    out = {e.get(key): e for e in (old or [])}
    for e in new or []:
        out[e.get(key)] = e
    return list(out.values())


def _set_fields(section, obj):
    return {k: v for k, v in obj.items() if is_set(section, k, v)}


def merge(old, new):
    """The resources a container has after ``update`` with *new*: fields
    *new* sets replace *old*'s, runc's unset zeros leave the old value,
    keyed collections merge by key.  ``devices`` are kept as they were:
    update never changes them (as runc: an update must not open a window
    in which a running container loses its devices)."""
    out = {k: v for k, v in (old or {}).items()}
    for section, value in (new or {}).items():
        if value is None or section == "devices":
            continue
        if section in ("memory", "cpu", "pids", "network"):
            out[section] = {**(out.get(section) or {}), **_set_fields(section, value)}
        elif section == "blockIO":
            merged = {**(out.get(section) or {}), **_set_fields(section, value)}
            for name in _BLOCK_LISTS:
                if name in value:
                    merged[name] = _merge_devices((out.get(section) or {}).get(name), value[name])
            out[section] = merged
        elif section == "hugepageLimits":
            out[section] = _merge_by(out.get(section), value, "pageSize")
        elif section in ("rdma", "unified"):
            out[section] = {**(out.get(section) or {}), **value}
        else:
            out[section] = value
    return out


def _merge_devices(old, new):
    out = {(e.get("major"), e.get("minor")): e for e in (old or [])}
    for e in new or []:
        out[(e.get("major"), e.get("minor"))] = e
    return list(out.values())


def update_delta(new, merged):
    """What ``update`` writes: the sections *new* sets (devices never),
    completed where one kernel value depends on two fields -- cpu quota
    and period (cpu.max is "quota period"; runc keeps the other at its old
    value) and memory limit and swap (memory.swap.max is swap minus limit
    on v2, and memsw must stay >= the limit on v1)."""
    delta = {}
    for section, value in (new or {}).items():
        if value is None or section == "devices":
            continue
        if isinstance(value, dict) and section in _FIELDS:
            value = _set_fields(section, value) if section in UNSET_ZERO else dict(value)
            full = merged.get(section) or {}
            pairs = {"cpu": ("quota", "period"), "memory": ("limit", "swap")}.get(section)
            if pairs and any(k in value for k in pairs):
                for k in pairs:
                    if k not in value and is_set(section, k, full.get(k)):
                        value[k] = full[k]
            if not value:
                continue
        delta[section] = value
    return delta
