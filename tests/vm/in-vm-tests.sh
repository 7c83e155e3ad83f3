#!/bin/bash
# Runs inside the test VM (run-vm-tests.sh hands it to boot.sh): copy the checkout, which the
# host shares read-only at /run/pyrunc-vm/src, onto the VM's own disk, install pyrunc from the
# copy into /opt/pyrunc as README's setup does (offline: the image holds the dependencies), and
# run the tests marked for the VM with pytest ARGS (default -q -rfEs).
#   PYRUNC_VM_MARKERS  the -m expression (run-vm-tests.sh sets it)
set -euo pipefail
SRC=/run/pyrunc-vm/src
WORK=/root/pyrunc
MARKERS=${PYRUNC_VM_MARKERS:-cgroup2 or apparmor or systemd}
[ -f "$SRC/setup.py" ] || { echo "in-vm-tests: the checkout is not shared at $SRC"; exit 125; }

# Copy, not use in place: pip builds inside the tree and the share is read-only. Without what
# git ignores (build/, *.so, *.o, the generated cffi source, the compiled init...): the host's
# build products must not be reused, everything compiled is compiled here, against the guest's
# Python and libraries. The explicit excludes hold even if .gitignore changes.
mkdir -p "$WORK"
tar -C "$SRC" --exclude-vcs --exclude-vcs-ignores --exclude=./build --exclude='*.egg-info' \
    --exclude=__pycache__ --exclude='*.so' --exclude='*.o' --exclude=.pytest_cache \
    --exclude=.hypothesis -cf - . | tar -C "$WORK" -xf -
cd "$WORK"
/opt/pyrunc/bin/pip install --quiet --disable-pip-version-check --no-index --no-deps \
    --no-build-isolation --no-compile .
echo "in-vm-tests: pyrunc built and installed in ${SECONDS}s ($(uname -r), $(/opt/pyrunc/bin/python --version))"

# In the VM a marked test whose feature is missing fails instead of skipping (tests/vm_markers.py)
export PYRUNC_TEST_VM=1
[ $# -gt 0 ] || set -- -q -rfEs

# Collecting imports every test module, 15-60x slower here than on the host (the whole tree,
# 1400 tests, took ~50 s in Nov 2026; test_vm_smoke.py alone 4 s), so unless ARGS name tests,
# only the files that mention a marker of the expression are collected: a test can't carry a
# marker its file never names (a conftest adding markers would be the exception: then name
# the files in ARGS).
named_tests=0
for a in "$@"; do
    case $a in -*) ;; *) [ -e "${a%%::*}" ] && named_tests=1;; esac
done
if [ $named_tests = 0 ]; then
    words=$(tr -cs 'A-Za-z0-9_' '\n' <<< "$MARKERS" | grep -vxE 'and|or|not|' | paste -sd'|')
    mapfile -t files < <(grep -rlwE --include='test_*.py' --include='*_test.py' "$words" tests | sort)
    set -- "${files[@]}" "$@"
fi
# -P: no checkout directory on sys.path, so in-process imports get the installed pyrunc (with
# its compiled module), the one the tests run as a command. -u: output streams to the host.
exec /opt/pyrunc/bin/python -P -u -m pytest -p no:cacheprovider -m "$MARKERS" "$@"
