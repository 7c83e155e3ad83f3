"""pyrunc/plan/seccomp.py: linux.seccomp -> SeccompPlan (pure), and the
agreement of its tables with the linked libseccomp and the features
document."""
import errno

import pytest

from pyrunc import features
from pyrunc.errors import ConfigError
from pyrunc.plan import seccomp as P

ALLOW, ERRNO, TRACE, NOTIFY = (P.ACTIONS[a] for a in ("SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO",
                                                     "SCMP_ACT_TRACE", "SCMP_ACT_NOTIFY"))


def plan(profile):
    return P.plan_seccomp({"linux": {"seccomp": profile}})


def profile(*rules, default="SCMP_ACT_ALLOW", **extra):
    return {"defaultAction": default, "syscalls": list(rules), **extra}


def rule(names, action="SCMP_ACT_ERRNO", **extra):
    return {"names": list(names), "action": action, **extra}


def test_no_profile_no_plan():
    assert P.plan_seccomp({}) is None
    assert P.plan_seccomp({"linux": {}}) is None


def test_defaults_follow_runc():
    p = plan(profile(rule(["mkdir"])))
    assert p.default_action == ALLOW
    assert p.flags == P.FLAG_SPEC_ALLOW          # flags absent: SPEC_ALLOW, as runc
    assert p.archs == ()                         # the native architecture only
    assert p.rules == (P.Rule(("mkdir",), ERRNO | errno.EPERM, (), "linux.seccomp.syscalls[0]"),)
    assert not p.notify and p.listener_path is None and p.warnings == ()


def test_explicit_empty_flags_mean_none():
    assert plan(profile(flags=[])).flags == 0


@pytest.mark.parametrize("name,bit", [("SECCOMP_FILTER_FLAG_LOG", P.FLAG_LOG),
                                      ("SECCOMP_FILTER_FLAG_SPEC_ALLOW", P.FLAG_SPEC_ALLOW),
                                      ("SECCOMP_FILTER_FLAG_TSYNC", 0)])
def test_flags(name, bit):
    assert plan(profile(flags=[name])).flags == bit


def test_wait_killable_recv_needs_a_listener():
    p = plan(profile(flags=["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"]))
    assert p.flags == 0 and "no effect without SCMP_ACT_NOTIFY" in p.warnings[0][1]
    p = plan(profile(rule(["mkdir"], "SCMP_ACT_NOTIFY"), listenerPath="/run/a.sock",
                     flags=["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"]))
    assert p.flags == P.FLAG_WAIT_KILLABLE_RECV | P.FLAG_NEW_LISTENER and p.warnings == ()


@pytest.mark.parametrize("action", sorted(P.ACTIONS))
def test_every_action(action):
    extra = {"listenerPath": "/run/a.sock"} if action == "SCMP_ACT_NOTIFY" else {}
    p = plan(profile(rule(["mkdir"], action), default="SCMP_ACT_LOG" if action == "SCMP_ACT_ALLOW"
                     else "SCMP_ACT_ALLOW", **extra))
    expected = P.ACTIONS[action] | (errno.EPERM if action in P.WITH_ERRNO else 0)
    assert p.rules[0].action == expected
    assert p.notify == (action == "SCMP_ACT_NOTIFY")


def test_errno_values():
    p = plan(profile(rule(["mkdir"], errnoRet=100), rule(["chmod"], "SCMP_ACT_TRACE", errnoRet=7),
                     default="SCMP_ACT_ERRNO", defaultErrnoRet=38))
    assert p.default_action == ERRNO | 38
    assert [r.action for r in p.rules] == [ERRNO | 100, TRACE | 7]


@pytest.mark.parametrize("bad", [-1, 4096, "1", True])
def test_errno_out_of_range_is_an_error(bad):
    with pytest.raises(ConfigError, match=r"syscalls\[0\]\.errnoRet"):
        plan(profile(rule(["mkdir"], errnoRet=bad)))


def test_errno_with_an_action_that_has_none_is_an_error():
    with pytest.raises(ConfigError, match=r"syscalls\[0\]\.errnoRet: SCMP_ACT_KILL does not return an errno"):
        plan(profile(rule(["mkdir"], "SCMP_ACT_KILL", errnoRet=1)))
    with pytest.raises(ConfigError, match=r"defaultErrnoRet: SCMP_ACT_ALLOW does not return an errno"):
        plan(profile(defaultErrnoRet=1))


@pytest.mark.parametrize("where,bad", [
    ("defaultAction", {"defaultAction": "SCMP_ACT_NOPE"}),
    ("syscalls[0].action", {"syscalls": [rule(["mkdir"], "SCMP_ACT_NOPE")]}),
    ("syscalls[0].args[0].op", {"syscalls": [rule(["mkdir"], args=[{"index": 0, "value": 1, "op": "SCMP_CMP_NOPE"}])]}),
    ("architectures[0]", {"architectures": ["SCMP_ARCH_Z80"]}),
    ("flags[0]", {"flags": ["SECCOMP_FILTER_FLAG_NOPE"]}),
    ("syscalls[0].args[0].index", {"syscalls": [rule(["mkdir"], args=[{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}])]}),
    ("syscalls[0].args[0].value", {"syscalls": [rule(["mkdir"], args=[{"index": 0, "value": -1, "op": "SCMP_CMP_EQ"}])]}),
    ("syscalls[0].args[0].valueTwo", {"syscalls": [rule(["mkdir"], args=[{"index": 0, "value": 1, "valueTwo": 1 << 64, "op": "SCMP_CMP_EQ"}])]}),
])
def test_unknown_names_and_bad_values_are_errors(where, bad):
    with pytest.raises(ConfigError, match=rf"linux\.seccomp\.{where.replace('[', chr(92) + '[').replace(']', chr(92) + ']')}"):
        plan(dict(profile(), **bad))


def test_unknown_syscall_names_stay_for_the_compiler_to_skip():
    assert plan(profile(rule(["mkdir", "no_such_call"]))).rules[0].names == ("mkdir", "no_such_call")


@pytest.mark.parametrize("op", sorted(P.OPERATORS))
def test_every_operator(op):
    p = plan(profile(rule(["mkdir"], args=[{"index": 1, "value": 0o700, "valueTwo": 0o500, "op": op}])))
    assert p.rules[0].conditions == ((1, P.OPERATORS[op], 0o700, 0o500),)


def test_conditions_on_different_arguments_are_one_rule():
    args = [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}, {"index": 2, "value": 3, "op": "SCMP_CMP_GT"}]
    p = plan(profile(rule(["personality"], args=args)))
    assert p.rules[0].conditions == ((0, 4, 1, 0), (2, 6, 3, 0))
    assert p.warnings == ()


def test_conditions_on_one_argument_become_rules_of_their_own():
    args = [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}, {"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]
    p = plan(profile(rule(["personality"], args=args)))
    assert [r.conditions for r in p.rules] == [((0, 4, 1, 0),), ((0, 4, 8, 0),)]
    assert "each becomes a rule of its own" in p.warnings[0][1]


def test_a_rule_doing_what_the_default_does_is_dropped():
    p = plan(profile(rule(["read"], "SCMP_ACT_ALLOW"), rule(["mkdir"], errnoRet=1), default="SCMP_ACT_ERRNO"))
    assert [r.names for r in p.rules] == [("read",)]   # mkdir: EPERM is the default already
    p = plan(profile(rule(["mkdir"], errnoRet=2), default="SCMP_ACT_ERRNO"))
    assert len(p.rules) == 1                            # another errno: kept


def test_notify_needs_a_listener_and_is_never_the_default():
    with pytest.raises(ConfigError, match="listenerPath: required"):
        plan(profile(rule(["mkdir"], "SCMP_ACT_NOTIFY")))
    with pytest.raises(ConfigError, match="cannot be the default action"):
        plan(profile(default="SCMP_ACT_NOTIFY", listenerPath="/run/a.sock"))
    p = plan(profile(rule(["mkdir"], "SCMP_ACT_NOTIFY"), listenerPath="/run/a.sock", listenerMetadata="m"))
    assert p.notify and p.flags & P.FLAG_NEW_LISTENER
    assert (p.listener_path, p.listener_metadata) == ("/run/a.sock", "m")


def test_listener_path_without_notify_is_ignored():
    p = plan(profile(rule(["mkdir"]), listenerPath="/run/a.sock"))
    assert p.listener_path is None and not p.flags & P.FLAG_NEW_LISTENER


def test_notify_on_the_syscall_that_delivers_the_listener_is_refused():
    with pytest.raises(ConfigError, match="cannot be used for the sendmsg syscall"):
        plan(profile(rule(["sendmsg"], "SCMP_ACT_NOTIFY"), listenerPath="/run/a.sock"))


def test_architectures_are_libseccomp_names():
    p = plan(profile(architectures=["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_X86"]))
    assert p.archs == ("x86_64", "x86", "x32")


# --- the tables against the spec's lists, libseccomp and the features document

def test_tables_cover_the_spec_lists():
    assert set(P.ACTIONS) == set(features.SECCOMP_ACTIONS)
    assert set(P.OPERATORS) == set(features.SECCOMP_OPERATORS)
    assert set(P.ARCHS) == set(features.SECCOMP_ARCHS)
    assert set(P.FLAGS) == set(features.SECCOMP_FLAGS)


def test_architecture_names_resolve_in_the_linked_libseccomp():
    from pyrunc import linux
    version = features.libseccomp_version()
    for spec_name, name in P.ARCHS.items():
        if features.seccomp_knows(spec_name, version):
            assert linux.seccomp_arch_token(name), spec_name
    assert linux.seccomp_arch_token("x86_64") == 0xC000003E  # AUDIT_ARCH_X86_64
