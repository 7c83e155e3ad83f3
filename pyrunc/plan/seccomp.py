"""``linux.seccomp`` (config-linux.md "Seccomp") -> what the filter compiler
needs: libseccomp's action and operator values, architecture names, the
seccomp(2) flag bits, and one rule per libseccomp call.

Pure: no libseccomp, no I/O.  Syscall names stay names here; the compiler
(pyrunc/security/seccomp.py) resolves them, skipping names libseccomp does
not know, as runc does (the semantic checks warn about those).  Unknown
actions, operators, architectures or flags are errors: a filter silently
weaker than the one asked for is never loaded.

runc's choices, kept for compatibility:

- ``flags`` absent means SECCOMP_FILTER_FLAG_SPEC_ALLOW (seccomp would
  otherwise force the speculative store bypass mitigation on the whole
  container); ``flags: []`` means none.  SECCOMP_FILTER_FLAG_TSYNC is
  accepted and ignored: the process loading the filter has one thread.
- ``errnoRet`` defaults to EPERM for SCMP_ACT_ERRNO and SCMP_ACT_TRACE.
- A rule whose action is the default action is dropped (libseccomp refuses
  it with EACCES).
- Conditions on different arguments of one rule are ANDed.  libseccomp
  cannot AND two conditions on the same argument, so such a rule becomes
  one rule per condition (ORed), as runc does; a warning says so.
"""
from pyrunc.errors import ConfigError
from pyrunc.record import record

EPERM = 1
MAX_ERRNO = 4095      # libseccomp refuses larger SCMP_ACT_ERRNO values
MAX_ARGS = 6          # syscall arguments 0..5

# <seccomp.h> SCMP_ACT_*; ERRNO and TRACE carry a 16-bit value in the low bits
ACTIONS = {
    "SCMP_ACT_KILL": 0x00000000,
    "SCMP_ACT_KILL_THREAD": 0x00000000,
    "SCMP_ACT_KILL_PROCESS": 0x80000000,
    "SCMP_ACT_TRAP": 0x00030000,
    "SCMP_ACT_ERRNO": 0x00050000,
    "SCMP_ACT_TRACE": 0x7FF00000,
    "SCMP_ACT_LOG": 0x7FFC0000,
    "SCMP_ACT_ALLOW": 0x7FFF0000,
    "SCMP_ACT_NOTIFY": 0x7FC00000,
}
WITH_ERRNO = ("SCMP_ACT_ERRNO", "SCMP_ACT_TRACE")

# <seccomp.h> enum scmp_compare
OPERATORS = {
    "SCMP_CMP_NE": 1, "SCMP_CMP_LT": 2, "SCMP_CMP_LE": 3, "SCMP_CMP_EQ": 4,
    "SCMP_CMP_GE": 5, "SCMP_CMP_GT": 6, "SCMP_CMP_MASKED_EQ": 7,
}

# spec name -> libseccomp's architecture name (seccomp_arch_resolve_name)
ARCHS = {
    "SCMP_ARCH_X86": "x86", "SCMP_ARCH_X86_64": "x86_64", "SCMP_ARCH_X32": "x32",
    "SCMP_ARCH_ARM": "arm", "SCMP_ARCH_AARCH64": "aarch64", "SCMP_ARCH_MIPS": "mips",
    "SCMP_ARCH_MIPS64": "mips64", "SCMP_ARCH_MIPS64N32": "mips64n32", "SCMP_ARCH_MIPSEL": "mipsel",
    "SCMP_ARCH_MIPSEL64": "mipsel64", "SCMP_ARCH_MIPSEL64N32": "mipsel64n32", "SCMP_ARCH_PPC": "ppc",
    "SCMP_ARCH_PPC64": "ppc64", "SCMP_ARCH_PPC64LE": "ppc64le", "SCMP_ARCH_S390": "s390",
    "SCMP_ARCH_S390X": "s390x", "SCMP_ARCH_PARISC": "parisc", "SCMP_ARCH_PARISC64": "parisc64",
    "SCMP_ARCH_RISCV64": "riscv64", "SCMP_ARCH_LOONGARCH64": "loongarch64", "SCMP_ARCH_M68K": "m68k",
    "SCMP_ARCH_SH": "sh", "SCMP_ARCH_SHEB": "sheb",
}

# <linux/seccomp.h> SECCOMP_FILTER_FLAG_*
FLAG_TSYNC = 1 << 0
FLAG_LOG = 1 << 1
FLAG_SPEC_ALLOW = 1 << 2
FLAG_NEW_LISTENER = 1 << 3
FLAG_WAIT_KILLABLE_RECV = 1 << 5
FLAGS = {
    "SECCOMP_FILTER_FLAG_TSYNC": 0,  # accepted, ignored (see the module docstring)
    "SECCOMP_FILTER_FLAG_LOG": FLAG_LOG,
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW": FLAG_SPEC_ALLOW,
    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV": FLAG_WAIT_KILLABLE_RECV,
}

# Syscalls the runtime makes after loading the filter to deliver the
# listener (csrc/pyrunc_seccomp.c): a notify rule on one of them would wait
# for an agent that has no fd yet, or is still reading the state up to EOF.
# runc refuses "write" for the same reason.
AFTER_LOAD = ("sendmsg", "shutdown")


@record
class Rule:
    names: tuple            # syscall names, resolved by the compiler
    action: int             # SCMP_ACT_* value (with its errno for ERRNO/TRACE)
    conditions: tuple       # ((arg, op, datum_a, datum_b), ...), ANDed
    where: str              # "linux.seccomp.syscalls[3]", for messages


@record
class SeccompPlan:
    default_action: int
    archs: tuple            # libseccomp architecture names
    flags: int              # SECCOMP_FILTER_FLAG_* (NEW_LISTENER added when notify)
    rules: tuple            # Rule
    notify: bool            # some rule is SCMP_ACT_NOTIFY
    listener_path: object   # str or None
    listener_metadata: str
    warnings: tuple         # (path, message) for the caller to log


def _action(name, errno_ret, action_path, errno_path):
    if name not in ACTIONS:
        raise ConfigError(f"{action_path}: unknown seccomp action {name!r}")
    value = ACTIONS[name]
    if errno_ret is not None and name not in WITH_ERRNO:
        raise ConfigError(f"{errno_path}: {name} does not return an errno")
    if name in WITH_ERRNO:
        ret = EPERM if errno_ret is None else errno_ret
        limit = MAX_ERRNO if name == "SCMP_ACT_ERRNO" else 0xFFFF
        if not isinstance(ret, int) or isinstance(ret, bool) or not 0 <= ret <= limit:
            raise ConfigError(f"{errno_path}: {ret!r} is not an errno value (0..{limit})")
        value |= ret
    return value


def _u64(value, where):
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 1 << 64:
        raise ConfigError(f"{where}: {value!r} is not a uint64")
    return value


def _condition(arg, where):
    if not isinstance(arg, dict):
        raise ConfigError(f"{where}: must be an object")
    index = arg.get("index")
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < MAX_ARGS:
        raise ConfigError(f"{where}.index: {index!r} is not a syscall argument index (0..{MAX_ARGS - 1})")
    op = arg.get("op")
    if op not in OPERATORS:
        raise ConfigError(f"{where}.op: unknown seccomp operator {op!r}")
    return (index, OPERATORS[op], _u64(arg.get("value"), f"{where}.value"),
            _u64(arg.get("valueTwo", 0), f"{where}.valueTwo"))


def _flags(profile, where):
    if "flags" not in profile or profile["flags"] is None:
        return FLAG_SPEC_ALLOW
    bits = 0
    for i, name in enumerate(profile["flags"]):
        if name not in FLAGS:
            raise ConfigError(f"{where}.flags[{i}]: unknown seccomp flag {name!r}")
        bits |= FLAGS[name]
    return bits


def plan_seccomp(config):
    """SeccompPlan of *config*'s linux.seccomp, or None without one."""
    profile = (config.get("linux") or {}).get("seccomp")
    if profile is None:
        return None
    where = "linux.seccomp"
    if not isinstance(profile, dict):
        raise ConfigError(f"{where}: must be an object")
    default = profile.get("defaultAction")
    if default == "SCMP_ACT_NOTIFY":
        raise ConfigError(f"{where}.defaultAction: SCMP_ACT_NOTIFY cannot be the default action")
    default_action = _action(default, profile.get("defaultErrnoRet"), f"{where}.defaultAction",
                             f"{where}.defaultErrnoRet")
    archs = []
    for i, name in enumerate(profile.get("architectures") or ()):
        if name not in ARCHS:
            raise ConfigError(f"{where}.architectures[{i}]: unknown seccomp architecture {name!r}")
        archs.append(ARCHS[name])
    flags = _flags(profile, where)
    rules, warnings, notify = [], [], False
    for i, entry in enumerate(profile.get("syscalls") or ()):
        rwhere = f"{where}.syscalls[{i}]"
        if not isinstance(entry, dict):
            raise ConfigError(f"{rwhere}: must be an object")
        names = entry.get("names") or ()
        if isinstance(names, str) or not all(isinstance(n, str) for n in names):
            raise ConfigError(f"{rwhere}.names: must be an array of syscall names")
        action = _action(entry.get("action"), entry.get("errnoRet"), f"{rwhere}.action", f"{rwhere}.errnoRet")
        conds = [_condition(a, f"{rwhere}.args[{j}]") for j, a in enumerate(entry.get("args") or ())]
        if action == default_action or not names:
            continue  # the default already does it (libseccomp: EACCES)
        if entry.get("action") == "SCMP_ACT_NOTIFY":
            notify = True
            for name in names:
                if name in AFTER_LOAD:
                    raise ConfigError(f"{rwhere}: SCMP_ACT_NOTIFY cannot be used for the {name} syscall "
                                      "(pyrunc delivers the listener fd with it after loading the filter)")
        indexes = [c[0] for c in conds]
        if len(set(indexes)) < len(indexes):
            warnings.append((f"{rwhere}.args", "several conditions on one argument: libseccomp cannot "
                                               "AND them, so each becomes a rule of its own (as runc)"))
            rules.extend(Rule(tuple(names), action, (c,), rwhere) for c in conds)
        else:
            rules.append(Rule(tuple(names), action, tuple(conds), rwhere))
    listener_path = profile.get("listenerPath") or None
    if notify:
        if not listener_path:
            raise ConfigError(f"{where}.listenerPath: required when SCMP_ACT_NOTIFY is used")
        flags |= FLAG_NEW_LISTENER
    elif flags & FLAG_WAIT_KILLABLE_RECV:
        # the kernel refuses the flag without a listener (EINVAL)
        warnings.append((f"{where}.flags", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV has no effect "
                                           "without SCMP_ACT_NOTIFY: ignored"))
        flags &= ~FLAG_WAIT_KILLABLE_RECV
    return SeccompPlan(
        default_action=default_action,
        archs=tuple(dict.fromkeys(archs)),
        flags=flags,
        rules=tuple(rules),
        notify=notify,
        listener_path=listener_path if notify else None,
        listener_metadata=profile.get("listenerMetadata") or "",
        warnings=tuple(warnings),
    )
