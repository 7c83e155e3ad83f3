"""The cgroup v2 device filter: device rules compiled to an eBPF program of
type BPF_PROG_TYPE_CGROUP_DEVICE (cgroup v2 has no devices.allow; the
kernel runs this program on every open/mknod of a device node).

Pure: rules in, instruction bytes out, so the program is unit-tested
without the kernel.  The layout is runc's (``devices/devicefilter.go``) so a
config behaves the same on both runtimes:

    r2 = ctx->access_type & 0xffff      device type (BPF_DEVCG_DEV_*)
    r3 = ctx->access_type >> 16         access (BPF_DEVCG_ACC_*)
    r4 = ctx->major
    r5 = ctx->minor
    per exception:  if type != T goto next
                    [if (r3 & A) != r3 goto next]   (skipped for "rwm")
                    [if major != M goto next]       (skipped for "*")
                    [if minor != N goto next]
                    return allow
    default:        return default_allow

The rules come from the devices emulator (device_rules.Emulator), which
leaves only exceptions to the default, so their order cannot matter.
"""
import struct

from pyrunc.cgroups.device_rules import WILDCARD, Emulator

# <linux/bpf.h>
BPF_DEVCG_ACC_MKNOD = 1
BPF_DEVCG_ACC_READ = 2
BPF_DEVCG_ACC_WRITE = 4
BPF_DEVCG_DEV_BLOCK = 1
BPF_DEVCG_DEV_CHAR = 2

# opcodes (<linux/bpf_common.h>, <linux/bpf.h>)
_LDX_MEM_W = 0x61      # BPF_LDX | BPF_MEM | BPF_W
_ALU_AND_K = 0x54      # BPF_ALU | BPF_AND | BPF_K  (32-bit)
_ALU_RSH_K = 0x74      # BPF_ALU | BPF_RSH | BPF_K
_ALU_MOV_K = 0xb4      # BPF_ALU | BPF_MOV | BPF_K
_ALU_MOV_X = 0xbc      # BPF_ALU | BPF_MOV | BPF_X
_JMP_JNE_K = 0x55      # BPF_JMP | BPF_JNE | BPF_K
_JMP_JNE_X = 0x5d      # BPF_JMP | BPF_JNE | BPF_X
_JMP_EXIT = 0x95       # BPF_JMP | BPF_EXIT

R0, R1, R2, R3, R4, R5 = range(6)
LICENSE = "GPL"

_TYPES = {"c": BPF_DEVCG_DEV_CHAR, "b": BPF_DEVCG_DEV_BLOCK}
_ACCESS = {"r": BPF_DEVCG_ACC_READ, "w": BPF_DEVCG_ACC_WRITE, "m": BPF_DEVCG_ACC_MKNOD}
_ALL_ACCESS = BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD


def _insn(code, dst=0, src=0, off=0, imm=0):
    """One struct bpf_insn: u8 code, u8 dst:4 src:4, s16 off, s32 imm."""
    return (code, dst, src, off, imm)


def _s32(value):
    """An unsigned 32-bit immediate as the s32 the instruction holds.  JNE
    compares the zero-extended register with the sign-extended immediate,
    as runc's program does; real device numbers (12-bit majors, 20-bit
    minors) never reach the sign bit."""
    return value - (1 << 32) if value >= 1 << 31 else value


def _rule_block(rule):
    """The instructions of one exception; jumps use the placeholder offset
    None for "the next block", resolved by ``assemble``."""
    access = 0
    for p in rule.access:
        access |= _ACCESS[p]
    block = [_insn(_JMP_JNE_K, R2, off=None, imm=_TYPES[rule.type])]
    if access != _ALL_ACCESS:
        block += [
            _insn(_ALU_MOV_X, R1, R3),
            _insn(_ALU_AND_K, R1, imm=access),
            _insn(_JMP_JNE_X, R1, R3, off=None),
        ]
    if rule.major != WILDCARD:
        block.append(_insn(_JMP_JNE_K, R4, off=None, imm=_s32(rule.major)))
    if rule.minor != WILDCARD:
        block.append(_insn(_JMP_JNE_K, R5, off=None, imm=_s32(rule.minor)))
    block += [_insn(_ALU_MOV_K, R0, imm=1 if rule.allow else 0), _insn(_JMP_EXIT)]
    return block


def program(rules):
    """The instruction tuples for *rules* (device_rules.Rule, in config
    order): (code, dst, src, off, imm)."""
    emu = Emulator.from_rules(rules)
    insns = [
        _insn(_LDX_MEM_W, R2, R1, 0),
        _insn(_ALU_AND_K, R2, imm=0xFFFF),
        _insn(_LDX_MEM_W, R3, R1, 0),
        _insn(_ALU_RSH_K, R3, imm=16),
        _insn(_LDX_MEM_W, R4, R1, 4),
        _insn(_LDX_MEM_W, R5, R1, 8),
    ]
    # exceptions in runc's sorted order (all have the same action, so the
    # order cannot change a verdict; keeping runc's keeps the programs equal)
    for rule in emu.exceptions():
        block = _rule_block(rule)
        start = len(insns)
        nxt = start + len(block)
        for i, (code, dst, src, off, imm) in enumerate(block):
            if off is None:
                off = nxt - (start + i + 1)
            insns.append((code, dst, src, off, imm))
    insns += [_insn(_ALU_MOV_K, R0, imm=1 if emu.default_allow else 0), _insn(_JMP_EXIT)]
    return insns


def encode(insns):
    """Instruction tuples -> the bytes BPF_PROG_LOAD takes (host order:
    the kernel reads struct bpf_insn natively)."""
    return b"".join(struct.pack("=BBhi", code, (src << 4) | dst, off, imm)
                    for code, dst, src, off, imm in insns)


def run(insns, dev_type, major, minor, access):
    """Interpret *insns* for one access: 1 allowed, 0 denied.  Only the
    instructions ``program`` emits are known; used by the unit tests to
    check verdicts without loading anything into the kernel."""
    ctx = {0: (access << 16) | dev_type, 4: major, 8: minor}
    reg = [0] * 11
    pc = 0
    mask = 0xFFFFFFFF
    while True:
        code, dst, src, off, imm = insns[pc]
        pc += 1
        if code == _LDX_MEM_W:
            reg[dst] = ctx[off]
        elif code == _ALU_AND_K:
            reg[dst] = (reg[dst] & imm) & mask
        elif code == _ALU_RSH_K:
            reg[dst] = (reg[dst] & mask) >> imm
        elif code == _ALU_MOV_K:
            reg[dst] = imm & mask
        elif code == _ALU_MOV_X:
            reg[dst] = reg[src] & mask
        elif code == _JMP_JNE_K:
            if reg[dst] != imm & 0xFFFFFFFFFFFFFFFF:  # imm sign-extended to 64 bits
                pc += off
        elif code == _JMP_JNE_X:
            if reg[dst] != reg[src]:
                pc += off
        elif code == _JMP_EXIT:
            return reg[R0]
        else:
            raise ValueError(f"unknown opcode {code:#x}")
