"""Device cgroup rules (config-linux.md "Allowed Device list"), shared by the
v1 devices controller and the v2 eBPF filter.

The rule list a container gets is the config's ``linux.resources.devices``
in order, on top of a deny-all default, followed by runc's always-allowed
devices (specconv ``AllowedDevices``: mknod of any node, the default devices
of config-linux.md, /dev/pts and /dev/ptmx, /dev/net/tun) -- so a config
means the same on runc and pyrunc.

``Emulator`` is a port of runc's devices emulator (opencontainers/cgroups
``devices/devices_emulator.go``), itself a model of the kernel's
``security/device_cgroup.c``: it turns the ordered list into the state the
kernel ends in (a default plus exceptions).  v1 uses it to write only the
transition from the cgroup's current ``devices.list`` (no window in which a
running container loses /dev/null); v2 compiles the state into the eBPF
program, so both versions enforce the same rules.
"""
from pyrunc.record import record
from pyrunc.cgroups.fs import CgroupError

WILDCARD = -1
PERMS = "rwm"


@record
class Rule:
    type: str        # "a", "b" or "c"
    major: int       # WILDCARD for "*"
    minor: int
    access: str      # subset of "rwm", in "rwm" order
    allow: bool

    def cgroup_string(self):
        """The devices.allow / devices.deny form: ``c 1:3 rwm``."""
        major = "*" if self.major == WILDCARD else str(self.major)
        minor = "*" if self.minor == WILDCARD else str(self.minor)
        return f"{self.type} {major}:{minor} {self.access}"


def _perms(text):
    return "".join(p for p in PERMS if p in text)


# runc specconv.AllowedDevices, in runc's order (appended after the config's rules).
DEFAULT_ALLOWED = (
    Rule("c", WILDCARD, WILDCARD, "m", True),   # mknod of any char device
    Rule("b", WILDCARD, WILDCARD, "m", True),   # mknod of any block device
    Rule("c", 1, 3, "rwm", True),               # /dev/null
    Rule("c", 1, 8, "rwm", True),               # /dev/random
    Rule("c", 1, 7, "rwm", True),               # /dev/full
    Rule("c", 5, 0, "rwm", True),               # /dev/tty
    Rule("c", 1, 5, "rwm", True),               # /dev/zero
    Rule("c", 1, 9, "rwm", True),               # /dev/urandom
    Rule("c", 136, WILDCARD, "rwm", True),      # /dev/pts/*
    Rule("c", 5, 2, "rwm", True),               # /dev/ptmx
    Rule("c", 10, 200, "rwm", True),            # /dev/net/tun
)


def from_config(entries, where="linux.resources.devices"):
    """The config's device rules as Rules (unset type = "a", unset
    major/minor = wildcard; an empty access is refused as runc does)."""
    rules = []
    for index, entry in enumerate(entries or ()):
        field = f"{where}[{index}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("allow"), bool):
            raise CgroupError(f"{field}: needs a boolean 'allow'")
        kind = entry.get("type") or "a"
        if kind not in ("a", "b", "c"):
            raise CgroupError(f"{field}.type: {kind!r} is not one of a, b, c")
        access = entry.get("access") or ""
        if not access or not set(access) <= set(PERMS):
            raise CgroupError(f"{field}.access: {access!r} is not a non-empty combination of r, w, m")
        numbers = []
        for name in ("major", "minor"):
            value = entry.get(name)
            if value is None:
                value = WILDCARD
            elif not isinstance(value, int) or isinstance(value, bool) or value < 0 or value > 0xFFFFFFFF:
                raise CgroupError(f"{field}.{name}: {value!r} is not a device number")
            numbers.append(value)
        rules.append(Rule(kind, numbers[0], numbers[1], _perms(access), entry["allow"]))
    return rules


def container_rules(entries):
    """What a container's devices cgroup is built from: the config's rules,
    then runc's default allowed devices."""
    return from_config(entries) + list(DEFAULT_ALLOWED)


class Emulator:
    """A devices cgroup's state: ``default_allow`` plus exceptions
    {(type, major, minor): perms}.  A fresh emulator is a deny-all
    white-list, which is where runc starts a container's rules."""

    def __init__(self, default_allow=False, rules=None):
        self.default_allow = default_allow
        self.rules = dict(rules or {})

    def __eq__(self, other):
        return (isinstance(other, Emulator) and self.default_allow == other.default_allow
                and self.rules == other.rules)

    def __repr__(self):
        return f"Emulator(default_allow={self.default_allow}, rules={self.rules})"

    @property
    def is_blacklist(self):
        return self.default_allow

    # -- building ----------------------------------------------------------
    @classmethod
    def from_rules(cls, rules):
        emu = cls()
        for rule in rules:
            emu.apply(rule)
        return emu

    @classmethod
    def from_list(cls, text):
        """The state a v1 ``devices.list`` describes.  A black-list cgroup
        lists just ``a *:* rwm`` (its deny exceptions are invisible), so
        it reads as allow-all, as in runc."""
        emu = cls()
        for line in text.splitlines():
            line = line.strip()
            if not line:
                continue
            fields = line.replace(":", " ").split()
            if len(fields) != 4:
                raise CgroupError(f"malformed devices.list line {line!r}")
            kind, major, minor, perms = fields
            if kind == "a":
                emu._allow(None)
                continue
            if kind not in ("b", "c"):
                raise CgroupError(f"devices.list: unknown device type {kind!r}")
            meta = (kind, WILDCARD if major == "*" else int(major), WILDCARD if minor == "*" else int(minor))
            emu._allow((meta, _perms(perms)))
        return emu

    def apply(self, rule):
        inner = None if rule.type == "a" else ((rule.type, rule.major, rule.minor), _perms(rule.access))
        if rule.allow:
            self._allow(inner)
        else:
            self._deny(inner)

    def _add(self, meta, perms):
        self.rules[meta] = _perms(self.rules.get(meta, "") + perms)

    def _remove(self, meta, perms):
        kind, major, minor = meta
        # cgroup v1 silently ignores removing part of a wildcard exception;
        # refuse instead of leaving the user believing a hole was punched
        # (runc does the same).
        for partial in ((kind, WILDCARD, minor), (kind, major, WILDCARD), (kind, WILDCARD, WILDCARD)):
            if partial == meta:
                continue
            overlap = set(self.rules.get(partial, "")) & set(perms)
            if overlap:
                raise CgroupError(
                    f"device rule {_meta_string(meta)} {perms} cannot be applied: it would punch a hole in "
                    f"the wildcard rule {_meta_string(partial)} {self.rules[partial]}, which the devices "
                    "cgroup does not support")
        left = "".join(p for p in self.rules.get(meta, "") if p not in perms)
        if left:
            self.rules[meta] = left
        else:
            self.rules.pop(meta, None)

    def _allow(self, inner):
        if inner is None:
            self.default_allow, self.rules = True, {}
        elif self.default_allow:
            self._remove(*inner)
        else:
            self._add(*inner)

    def _deny(self, inner):
        if inner is None:
            self.default_allow, self.rules = False, {}
        elif self.default_allow:
            self._add(*inner)
        else:
            self._remove(*inner)

    # -- output ------------------------------------------------------------
    def _ordered(self):
        # runc sorts by (major, minor, type); wildcards (-1) first
        return sorted(self.rules.items(), key=lambda kv: (kv[0][1], kv[0][2], kv[0][0]))

    def transition(self, target):
        """The fewest rules that take a cgroup in this state to *target*
        (runc ``Transition``): a disruptive ``a`` rule only when the default
        changes or this state is a black-list (whose deny exceptions
        devices.list does not show)."""
        out = []
        old = self.rules
        if self.is_blacklist or self.default_allow != target.default_allow:
            out.append(Rule("a", WILDCARD, WILDCARD, "rwm", target.default_allow))
            old = {}
        for meta, perms in sorted(old.items(), key=lambda kv: (kv[0][1], kv[0][2], kv[0][0])):
            dropped = "".join(p for p in perms if p not in target.rules.get(meta, ""))
            if dropped:
                out.append(Rule(*meta, dropped, target.default_allow))
        for meta, perms in target._ordered():
            gained = "".join(p for p in perms if p not in old.get(meta, ""))
            if gained:
                out.append(Rule(*meta, gained, not target.default_allow))
        return out

    def exceptions(self):
        """The exceptions as Rules (each with the action opposite to the
        default), sorted as runc sorts them."""
        return [Rule(*meta, perms, not self.default_allow) for meta, perms in self._ordered()]


def _meta_string(meta):
    kind, major, minor = meta
    return f"{kind} {'*' if major == WILDCARD else major}:{'*' if minor == WILDCARD else minor}"
