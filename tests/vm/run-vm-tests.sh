#!/bin/bash
# run-vm-tests.sh - the VM stage: run the tests marked cgroup2, apparmor or systemd in a Debian 12
# VM that has what this machine lacks (cgroup v2 with controllers, AppArmor enforcing, systemd).
#
#   tests/vm/run-vm-tests.sh [PYTEST_ARGS...]      (as root, from anywhere in the checkout)
#
# Builds the image if it is missing or its recipe changed (build-image.sh, ~4-5 min, cached in
# $PYRUNC_VM_DIR, default /var/cache/pyrunc-vm), boots a throw-away copy under qemu with this
# checkout shared read-only, builds and installs pyrunc inside, runs
# "pytest -m '$PYRUNC_VM_MARKERS' PYTEST_ARGS" (default args: -q -rfEs) and exits with its status.
# The output is pytest's, streamed as the VM writes it; build and boot progress go to stderr.
# environment:
#   PYRUNC_VM_MARKERS  the -m expression (default: cgroup2 or apparmor or systemd)
#   PYRUNC_VM_TIMEOUT  limit for the whole stage, image build included (default 1800 s: the
#                      build ~5 min, the 60 VM tests of Nov 2026 ~11 min on a busy machine)
#   PYRUNC_VM_SKIP=1   skip the stage (exit 0, says so): for a quick local host-only run
#   PYRUNC_VM_DIR, PYRUNC_VM_MIRROR, PYRUNC_VM_HOST_PYTHON: see build-image.sh
#   PYRUNC_VM_MEM, PYRUNC_VM_CPUS, PYRUNC_VM_KEEP: see boot.sh
# exit status: pytest's; 5 (pytest collected nothing) is a failure here, since the VM's smoke
#   tests are always selected, so nothing means the selection is broken; 124 timeout;
#   125 the image or the VM failed.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
export PYRUNC_VM_MARKERS=${PYRUNC_VM_MARKERS:-cgroup2 or apparmor or systemd}
TIMEOUT=${PYRUNC_VM_TIMEOUT:-1800}
if [ "${PYRUNC_VM_SKIP:-0}" = 1 ]; then
    echo "VM tests: skipped (PYRUNC_VM_SKIP=1)" >&2
    exit 0
fi
START=$(date +%s)
say() { echo "VM tests: $*" >&2; }

# The image build runs in a session of its own so that a timeout or Ctrl-C can end all of it
# (debootstrap, pip, the first boot's qemu) by its process group; its own traps then remove
# its temporary directory. (A background job of a non-interactive shell is no group leader,
# so setsid does not fork: $! is the new session's leader and its process group id.)
BPID=
stop_build() { [ -n "$BPID" ] && kill -TERM -- "-$BPID" 2>/dev/null; }
trap 'stop_build; exit 130' INT
trap 'stop_build; exit 143' TERM
setsid "$HERE/build-image.sh" > /dev/null &
BPID=$!
while kill -0 "$BPID" 2>/dev/null; do
    if [ $(( $(date +%s) - START )) -ge "$TIMEOUT" ]; then
        say "TIMEOUT: building the image took more than ${TIMEOUT}s (PYRUNC_VM_TIMEOUT); stopped"
        stop_build
        for _ in $(seq 20); do kill -0 "$BPID" 2>/dev/null || break; sleep 0.5; done
        kill -KILL -- "-$BPID" 2>/dev/null
        exit 124
    fi
    sleep 1
done
wait "$BPID"; rc=$?; BPID=
[ $rc = 0 ] || { say "the image build failed (exit $rc)"; exit 125; }
IMG=$("$HERE/build-image.sh" --dir)

LEFT=$(( TIMEOUT - ($(date +%s) - START) ))
say "booting $(basename "$IMG") (image ready after $(( $(date +%s) - START ))s; ${LEFT}s left); pytest -m '$PYRUNC_VM_MARKERS'${*:+ $*}"
"$HERE/boot.sh" -t "$LEFT" -s "$ROOT:/run/pyrunc-vm/src:ro" -e "PYRUNC_VM_MARKERS=$PYRUNC_VM_MARKERS" \
    "$IMG" "$HERE/in-vm-tests.sh" "$@"
rc=$?
case $rc in
    0) say "passed ($(( $(date +%s) - START ))s)";;
    5) say "FAILED: pytest collected no test for -m '$PYRUNC_VM_MARKERS'${*:+ $*}: the VM stage needs at least one";;
    124) say "TIMEOUT: the stage took more than ${TIMEOUT}s (PYRUNC_VM_TIMEOUT)";;
    125) say "FAILED: the VM did not run the tests to the end (see above)";;
    *) say "FAILED (pytest exit $rc, $(( $(date +%s) - START ))s)";;
esac
exit $rc
