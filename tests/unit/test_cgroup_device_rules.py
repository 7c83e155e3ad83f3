"""Device cgroup rules: the emulator (a port of runc's, itself a model of the
kernel's device_cgroup.c), the v1 transitions it writes, and the v2 eBPF
program it compiles to -- checked instruction by instruction against runc's
devicefilter_test.go and, by interpreting the program, verdict by verdict."""
import pytest

from pyrunc.cgroups import device_rules as dr
from pyrunc.cgroups.device_rules import WILDCARD as W, Emulator, Rule
from pyrunc.cgroups.fs import CgroupError
from pyrunc.cgroups.v2 import devicefilter as df

CHAR, BLOCK = df.BPF_DEVCG_DEV_CHAR, df.BPF_DEVCG_DEV_BLOCK
R, WR, M = df.BPF_DEVCG_ACC_READ, df.BPF_DEVCG_ACC_WRITE, df.BPF_DEVCG_ACC_MKNOD


# --- config -> rules ------------------------------------------------------

def test_config_rule_defaults_are_all_and_wildcards():
    assert dr.from_config([{"allow": False, "access": "rwm"}]) == [Rule("a", W, W, "rwm", False)]
    assert dr.from_config([{"allow": True, "type": "c", "major": 10, "access": "wr"}]) == \
        [Rule("c", 10, W, "rw", True)]


@pytest.mark.parametrize("entry, field", [
    ({"allow": True, "type": "x", "access": "r"}, "type"),
    ({"allow": True, "access": ""}, "access"),
    ({"allow": True, "access": "rx"}, "access"),
    ({"allow": True, "major": -2, "access": "r"}, "major"),
    ({"access": "r"}, "allow"),
])
def test_bad_config_rules_name_the_field(entry, field):
    with pytest.raises(CgroupError, match=r"linux\.resources\.devices\[0\]"):
        dr.from_config([entry])


def test_container_rules_append_runcs_allowed_devices():
    rules = dr.container_rules([{"allow": False, "access": "rwm"}])
    assert rules[0] == Rule("a", W, W, "rwm", False)
    assert rules[1:] == list(dr.DEFAULT_ALLOWED)
    assert Rule("c", 1, 3, "rwm", True) in rules and Rule("c", 136, W, "rwm", True) in rules


# --- the emulator -----------------------------------------------------------

def test_fresh_emulator_is_deny_all():
    emu = Emulator()
    assert not emu.is_blacklist and emu.rules == {}


def test_allow_all_resets_to_blacklist_and_deny_all_to_whitelist():
    emu = Emulator.from_rules([Rule("c", 1, 3, "r", True), Rule("a", W, W, "rwm", True)])
    assert emu.is_blacklist and emu.rules == {}
    emu.apply(Rule("a", W, W, "rwm", False))
    assert not emu.is_blacklist and emu.rules == {}


def test_permissions_merge_and_subtract():
    emu = Emulator.from_rules([Rule("c", 1, 3, "r", True), Rule("c", 1, 3, "w", True)])
    assert emu.rules == {("c", 1, 3): "rw"}
    emu.apply(Rule("c", 1, 3, "r", False))
    assert emu.rules == {("c", 1, 3): "w"}
    emu.apply(Rule("c", 1, 3, "w", False))
    assert emu.rules == {}


def test_punching_a_hole_in_a_wildcard_rule_is_refused():
    """cgroup v1 silently ignores it; runc (and pyrunc) refuse."""
    emu = Emulator.from_rules([Rule("c", 1, W, "rwm", True)])
    with pytest.raises(CgroupError, match="punch a hole"):
        emu.apply(Rule("c", 1, 3, "r", False))


def test_devices_list_parsing():
    text = "c 1:3 rwm\nc 136:* rwm\nb *:* m\n"
    emu = Emulator.from_list(text)
    assert not emu.is_blacklist
    assert emu.rules == {("c", 1, 3): "rwm", ("c", 136, W): "rwm", ("b", W, W): "m"}
    assert Emulator.from_list("a *:* rwm\n").is_blacklist


def test_transition_from_a_fresh_cgroup_is_deny_all_then_the_allow_list():
    """What pyrunc writes into a new v1 cgroup; the resulting devices.list is
    runc's (read back from runc 1.1.5's cgroup on this machine)."""
    target = Emulator.from_rules(dr.container_rules([{"allow": False, "access": "rwm"}]))
    rules = Emulator.from_list("a *:* rwm\n").transition(target)
    assert rules[0] == Rule("a", W, W, "rwm", False)
    assert all(r.allow for r in rules[1:])
    assert [r.cgroup_string() for r in rules[1:]] == [
        "b *:* m", "c *:* m", "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm",
        "c 5:0 rwm", "c 5:2 rwm", "c 10:200 rwm", "c 136:* rwm"]


def test_transition_to_the_same_state_writes_nothing():
    target = Emulator.from_rules(dr.container_rules([]))
    current = Emulator.from_list("\n".join(r.cgroup_string() for r in target.exceptions()))
    assert current.transition(target) == []


def test_transition_only_removes_what_is_dropped():
    current = Emulator.from_list("c 1:3 rwm\nc 1:5 rwm\n")
    target = Emulator.from_rules([Rule("c", 1, 3, "rwm", True), Rule("c", 1, 5, "r", True)])
    assert current.transition(target) == [Rule("c", 1, 5, "wm", False)]


def test_blacklist_target_starts_with_allow_all():
    target = Emulator.from_rules([Rule("a", W, W, "rwm", True), Rule("b", 8, 0, "rwm", False)])
    rules = Emulator().transition(target)
    assert rules == [Rule("a", W, W, "rwm", True), Rule("b", 8, 0, "rwm", False)]


# --- the eBPF program -------------------------------------------------------

LDX, AND, RSH, MOVK, MOVX, JNEK, JNEX, EXIT = 0x61, 0x54, 0x74, 0xb4, 0xbc, 0x55, 0x5d, 0x95
PROLOGUE = [(LDX, 2, 1, 0, 0), (AND, 2, 0, 0, 0xFFFF), (LDX, 3, 1, 0, 0), (RSH, 3, 0, 0, 16),
            (LDX, 4, 1, 4, 0), (LDX, 5, 1, 8, 0)]


def test_program_for_no_rules_is_runcs_reject_all():
    assert df.program([]) == PROLOGUE + [(MOVK, 0, 0, 0, 0), (EXIT, 0, 0, 0, 0)]


def test_program_for_allow_all_is_runcs_accept_all():
    assert df.program([Rule("a", W, W, "rwm", True)]) == PROLOGUE + [(MOVK, 0, 0, 0, 1), (EXIT, 0, 0, 0, 0)]


def test_program_for_runcs_builtin_allow_list_matches_runc():
    """runc devicefilter_test.go TestDeviceFilter_BuiltInAllowList, with the
    symbolic jumps resolved to offsets."""
    def mknod_any(t):
        return [(JNEK, 2, 0, 5, t), (MOVX, 1, 3, 0, 0), (AND, 1, 0, 0, 1), (JNEX, 1, 3, 2, 0),
                (MOVK, 0, 0, 0, 1), (EXIT, 0, 0, 0, 0)]

    def exact(major, minor):
        return [(JNEK, 2, 0, 4, 2), (JNEK, 4, 0, 3, major), (JNEK, 5, 0, 2, minor),
                (MOVK, 0, 0, 0, 1), (EXIT, 0, 0, 0, 0)]
    expected = PROLOGUE + mknod_any(1) + mknod_any(2)
    for major, minor in ((1, 3), (1, 5), (1, 7), (1, 8), (1, 9), (5, 0), (5, 2), (10, 200)):
        expected += exact(major, minor)
    expected += [(JNEK, 2, 0, 3, 2), (JNEK, 4, 0, 2, 136), (MOVK, 0, 0, 0, 1), (EXIT, 0, 0, 0, 0)]
    expected += [(MOVK, 0, 0, 0, 0), (EXIT, 0, 0, 0, 0)]
    assert df.program(list(dr.DEFAULT_ALLOWED)) == expected
    assert len(expected) == 64  # runc's listing ends at instruction 63


def test_program_for_privileged_except_one_device_matches_runc():
    rules = [Rule("a", W, W, "rwm", True), Rule("b", 8, 0, "rwm", False)]
    assert df.program(rules) == PROLOGUE + [
        (JNEK, 2, 0, 4, 1), (JNEK, 4, 0, 3, 8), (JNEK, 5, 0, 2, 0), (MOVK, 0, 0, 0, 0), (EXIT, 0, 0, 0, 0),
        (MOVK, 0, 0, 0, 1), (EXIT, 0, 0, 0, 0)]


def test_program_weird_order_follows_cgroup_v1_semantics():
    """runc TestDeviceFilter_Weird: a deny before "allow all" is wiped."""
    rules = [Rule("b", 8, 1, "rwm", False), Rule("a", W, W, "rwm", True), Rule("b", 8, 2, "rwm", False)]
    insns = df.program(rules)
    assert df.run(insns, BLOCK, 8, 1, R) == 1
    assert df.run(insns, BLOCK, 8, 2, R) == 0


def verdict(rules, dev_type, major, minor, access):
    return df.run(df.program(rules), dev_type, major, minor, access)


@pytest.mark.parametrize("dev, access, allowed", [
    ((CHAR, 1, 3), R | WR, 1),           # /dev/null
    ((CHAR, 1, 5), R, 1),                # /dev/zero
    ((CHAR, 136, 7), R | WR, 1),         # /dev/pts/7
    ((CHAR, 5, 2), R | WR, 1),           # /dev/ptmx
    ((BLOCK, 254, 0), R, 0),             # the host disk
    ((BLOCK, 254, 0), M, 1),             # mknod of any node is allowed...
    ((BLOCK, 254, 0), M | R, 0),         # ...but not opening it
    ((CHAR, 1, 1), R, 0),                # /dev/mem
    ((CHAR, 10, 229), R | WR, 0),        # /dev/fuse: not unless asked for
])
def test_default_container_verdicts(dev, access, allowed):
    rules = dr.container_rules([{"allow": False, "access": "rwm"}])
    assert verdict(rules, *dev, access) == allowed


def test_config_rules_grant_and_restrict_access():
    rules = dr.container_rules([
        {"allow": False, "access": "rwm"},
        {"allow": True, "type": "c", "major": 10, "minor": 229, "access": "rw"},
        {"allow": True, "type": "b", "major": 7, "access": "r"},
    ])
    assert verdict(rules, CHAR, 10, 229, R | WR) == 1
    assert verdict(rules, BLOCK, 7, 3, R) == 1
    assert verdict(rules, BLOCK, 7, 3, WR) == 0
    assert verdict(rules, BLOCK, 8, 0, R) == 0


def test_encoding_is_struct_bpf_insn():
    raw = df.encode([(JNEK, 2, 1, -3, 136)])
    assert len(raw) == 8
    assert raw[0] == JNEK and raw[1] == (1 << 4) | 2
    assert int.from_bytes(raw[2:4], "little", signed=True) == -3
    assert int.from_bytes(raw[4:8], "little", signed=True) == 136
