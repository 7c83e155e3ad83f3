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
t0=$(date +%s.%N)
[ -f "$SRC/setup.py" ] || { echo "in-vm-tests: the checkout is not shared at $SRC"; exit 125; }

# Copy, not use in place: pip builds inside the tree and the share is read-only, and the host's
# build products (build/, *.so) must not be reused: the extension is compiled here, against the
# guest's Python and libseccomp.
mkdir -p "$WORK"
tar -C "$SRC" --exclude=./.git --exclude=./build --exclude='*.egg-info' --exclude=__pycache__ \
    --exclude='*.so' --exclude=.pytest_cache --exclude=.hypothesis -cf - . | tar -C "$WORK" -xf -
cd "$WORK"
/opt/pyrunc/bin/pip install --quiet --disable-pip-version-check --no-index --no-deps \
    --no-build-isolation --no-compile .
printf 'in-vm-tests: pyrunc built and installed in %.0fs (%s; %s)\n' "$(echo "$(date +%s.%N) - $t0" | bc)" \
    "$(uname -r)" "$(/opt/pyrunc/bin/python --version)"

# In the VM a marked test whose feature is missing fails instead of skipping (tests/vm_markers.py)
export PYRUNC_TEST_VM=1
[ $# -gt 0 ] || set -- -q -rfEs
# -P: no checkout directory on sys.path, so in-process imports get the installed pyrunc (with
# its compiled module), the one the tests run as a command. -u: output streams to the host.
exec /opt/pyrunc/bin/python -P -u -m pytest -p no:cacheprovider -m "$MARKERS" "$@"
