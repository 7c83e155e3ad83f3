#!/bin/bash
# boot.sh - boot the test VM once, run a script inside, stream its output, exit with its status.
#
#   boot.sh [options] IMAGE_DIR SCRIPT [ARG...]   run SCRIPT (a host file) with bash in the VM
#   boot.sh -i [options] IMAGE_DIR                a root shell on the serial console (debugging;
#                                                 Ctrl-A X quits qemu)
# options:
#   -s HOST:GUEST[:ro|rw]  share a host directory over 9p (default ro); may be repeated
#   -e NAME=VALUE          set an environment variable for SCRIPT; may be repeated
#   -t SECONDS             the whole boot's limit (default 900): the VM is killed, exit 124
#   -n                     networking (qemu user net; apt and pip work inside)
#   -p                     persistent: boot IMAGE_DIR/rootfs.img itself and shut down cleanly
#                          (build-image.sh's first boot); default: a throw-away overlay
# environment: PYRUNC_VM_MEM (2G), PYRUNC_VM_CPUS (2), PYRUNC_VM_KEEP=1 (keep the run directory:
#   console.log, overlay), PYRUNC_VM_ACCEL (tcg; kvm boots but is far slower on these machines)
# IMAGE_DIR is what build-image.sh prints. SCRIPT runs as root in /root, after multi-user.target,
# in the cgroup /system.slice/pyrunc-vm-run.service, stdin /dev/null, stdout+stderr merged.
# exit status: SCRIPT's; 124 timeout; 125 the VM failed (no status came back: console tail shown)
set -u
usage() { sed -n '2,/^# exit status/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
TIMEOUT=900; NET=0; PERSIST=0; INTERACTIVE=0; SHARES=(); ENVS=()
while getopts "s:e:t:npih" opt; do
    case $opt in
        s) SHARES+=("$OPTARG");; e) ENVS+=("$OPTARG");; t) TIMEOUT=$OPTARG;;
        n) NET=1;; p) PERSIST=1;; i) INTERACTIVE=1;; *) usage;;
    esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || usage
IMG=$(cd "$1" 2>/dev/null && pwd) || { echo "boot.sh: no image directory $1" >&2; exit 125; }
shift
[ $INTERACTIVE = 1 ] || [ $# -ge 1 ] || usage
for f in vmlinux initrd.img rootfs.img; do
    [ -f "$IMG/$f" ] || { echo "boot.sh: $IMG/$f missing (run build-image.sh)" >&2; exit 125; }
done
command -v qemu-system-x86_64 >/dev/null || { echo "boot.sh: qemu-system-x86_64 not found (apt-get install qemu-system-x86 qemu-utils)" >&2; exit 125; }

# a run holds the image with a shared lock, so build-image.sh never removes it under us
if [ -f "$IMG/ok" ]; then exec 7<"$IMG/ok"; flock -s 7; fi

RUNS=$(cd "$IMG/.." && pwd)/runs
mkdir -p "$RUNS"
# Each run holds a lock on its directory (qemu inherits it); one nobody holds was left by a
# run killed with -9. Pruning and making a new run directory are serialized by runs/.lock, so a
# directory is never pruned between its creation and its lock.
exec 5>"$RUNS/.lock"
flock -x 5
for stale in "$RUNS"/run.*; do
    [ -d "$stale" ] && flock -xn "$stale/lock" rm -rf "$stale"
done
RUN=$(mktemp -d "$RUNS/run.XXXXXX")
exec 6>"$RUN/lock"
flock -x 6
exec 5>&-
IO=$RUN/io
mkdir "$IO"
QPID=
cleanup() {
    if [ -n "$QPID" ]; then kill "$QPID" 2>/dev/null; wait "$QPID" 2>/dev/null; fi
    if [ "${PYRUNC_VM_KEEP:-0}" = 1 ]; then echo "boot.sh: run directory kept: $RUN" >&2; else rm -rf "$RUN"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

case ${PYRUNC_VM_ACCEL:-tcg} in
    # TCG: software emulation. /dev/kvm exists on these machines but runs a stock kernel at a
    # crawl; multi-threaded TCG with the "max" CPU model boots to the script in about 30 s
    tcg) ACCEL=(-accel tcg,thread=multi -cpu max);;
    kvm) ACCEL=(-accel kvm -cpu host,-arch-capabilities);;   # plain "host": MSR 0x10a aborts
    *) echo "boot.sh: PYRUNC_VM_ACCEL must be tcg or kvm" >&2; exit 2;;
esac
if [ $PERSIST = 1 ]; then
    DRIVE="file=$IMG/rootfs.img,if=virtio,format=raw,cache=unsafe"
else
    qemu-img create -q -f qcow2 -F raw -b "$IMG/rootfs.img" "$RUN/overlay.qcow2" || exit 125
    DRIVE="file=$RUN/overlay.qcow2,if=virtio,format=qcow2,cache=unsafe,discard=unmap"
fi

# apparmor=1 and the unified hierarchy are Debian 12's defaults; said here because they are
# what the VM is for (the first boot's self-check verifies both)
APPEND="console=ttyS0 root=/dev/vda rw panic=-1 quiet mitigations=off systemd.show_status=0"
APPEND+=" apparmor=1 systemd.unified_cgroup_hierarchy=1"
# --pdeathsig: qemu dies with this script, even if the script is killed with -9
QEMU=(setpriv --pdeathsig KILL -- qemu-system-x86_64 -machine q35 "${ACCEL[@]}" -m "${PYRUNC_VM_MEM:-2G}" -smp "${PYRUNC_VM_CPUS:-2}"
      -no-reboot -kernel "$IMG/vmlinux" -initrd "$IMG/initrd.img" -drive "$DRIVE"
      -device virtio-rng-pci
      -virtfs "local,path=$IO,mount_tag=io,security_model=passthrough,id=io")
if [ $NET = 1 ]; then
    QEMU+=(-nic user,model=virtio-net-pci)
    APPEND+=" systemd.wants=systemd-networkd.service"
else
    QEMU+=(-nic none)
fi
n=0
for s in "${SHARES[@]}"; do
    IFS=: read -r host guest mode <<< "$s"
    host=$(cd "$host" 2>/dev/null && pwd) || { echo "boot.sh: no directory ${s%%:*}" >&2; exit 2; }
    [ -n "$guest" ] || { echo "boot.sh: -s needs HOST:GUEST" >&2; exit 2; }
    mode=${mode:-ro}
    # read-only on both sides: qemu refuses writes whatever the guest does
    ro=; [ "$mode" = ro ] && ro=,readonly=on
    QEMU+=(-virtfs "local,path=$host,mount_tag=share$n,security_model=none,id=share$n$ro")
    echo "share$n $guest $mode" >> "$IO/mounts"
    n=$((n + 1))
done

if [ $INTERACTIVE = 1 ]; then
    [ -f "$IO/mounts" ] && echo "boot.sh: shares mounted in the guest: $(cut -d' ' -f2 "$IO/mounts" | xargs)" >&2
    "${QEMU[@]}" -nographic -append "$APPEND pyrunc.vm=shell"
    exit $?
fi

SCRIPT=$1; shift
cp "$SCRIPT" "$IO/script" || exit 2
{
    for e in "${ENVS[@]}"; do printf 'export %s=%q\n' "${e%%=*}" "${e#*=}"; done
    printf 'exec bash /run/pyrunc-vm/io/script'; [ $# = 0 ] || printf ' %q' "$@"; echo
} > "$IO/cmd"
: > "$IO/output"
[ $PERSIST = 1 ] && APPEND+=" pyrunc.vm.clean=1"
# no login prompt on the console nobody reads: the root autologin (for -i) costs boot time
APPEND+=" systemd.mask=serial-getty@ttyS0.service"

ms() { echo $(( $(date +%s%N) / 1000000 )); }
secs() { printf '%d.%ds' $(( $1 / 1000 )) $(( $1 % 1000 / 100 )); }
T0=$(ms)
"${QEMU[@]}" -display none -monitor none -serial "file:$RUN/console.log" \
    -append "$APPEND pyrunc.vm=run" 2> "$RUN/qemu.err" &
QPID=$!

# stream the guest's output as it arrives (9p writes reach the host file at once)
SHOWN=0
show_new_output() {
    local size
    size=$(stat -c %s "$IO/output" 2>/dev/null) || return 0
    if [ "$size" -gt "$SHOWN" ]; then
        tail -c "+$((SHOWN + 1))" "$IO/output" | head -c "$((size - SHOWN))"
        SHOWN=$size
    fi
}
console_has() { grep -q "$1" "$RUN/console.log" 2>/dev/null; }
console_tail() {
    echo "--- qemu stderr:" >&2; cat "$RUN/qemu.err" >&2
    echo "--- console (last 30 lines):" >&2; tail -n 30 "$RUN/console.log" >&2 2>/dev/null
}
TCMD=
deadline=$(( $(date +%s) + TIMEOUT ))
while kill -0 "$QPID" 2>/dev/null; do
    show_new_output
    if [ -z "$TCMD" ] && console_has 'pyrunc-vm: command starting'; then TCMD=$(ms); fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
        show_new_output
        echo "boot.sh: TIMEOUT: the VM ran longer than ${TIMEOUT}s and was killed" \
             "($([ -n "$TCMD" ] && echo "the script was running" || echo "it had not finished booting"))" >&2
        console_tail
        exit 124
    fi
    sleep 0.5
done
wait "$QPID"; QRC=$?; QPID=
show_new_output
T1=$(ms)
[ -z "$TCMD" ] || echo "boot.sh: boot $(secs $((TCMD - T0))), script and power-off $(secs $((T1 - TCMD))), total $(secs $((T1 - T0)))" >&2
if [ -f "$IO/rc" ]; then
    exit "$(cat "$IO/rc")"
fi
echo "boot.sh: the VM stopped without the script's exit status (qemu exit $QRC)" >&2
console_tail
exit 125
