#!/bin/bash
# Run inside the VM on its first boot (build-image.sh): the image is cached only when the
# kernel really offers what the VM is for, and the preinstalled venv imports.
fail() { echo "self-check FAILED: $*"; exit 1; }
controllers=$(cat /sys/fs/cgroup/cgroup.controllers 2>/dev/null) || fail "/sys/fs/cgroup is not cgroup v2"
for c in cpu memory pids io; do
    [[ " $controllers " == *" $c "* ]] || fail "cgroup v2 lacks the $c controller (has: $controllers)"
done
[ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ] || fail "AppArmor is not enabled"
[ "$(cat /sys/module/apparmor/parameters/mode 2>/dev/null)" = enforce ] || fail "AppArmor is not enforcing"
[ -r /sys/kernel/security/apparmor/profiles ] || fail "AppArmor's securityfs is not mounted"
[ "$(cat /proc/1/comm)" = systemd ] && [ -d /run/systemd/system ] || fail "systemd is not PID 1"
[ -S /run/dbus/system_bus_socket ] || fail "no D-Bus system bus"
/opt/pyrunc/bin/python -c 'import cffi, prctl, jsonschema, pyroute2, pytest, hypothesis, setuptools' \
    || fail "the /opt/pyrunc venv is incomplete"
# apparmor.service loads /etc/apparmor.d (and, on this first boot, fills the policy cache the
# throw-away boots then reuse)
systemctl is-active -q apparmor.service || fail "apparmor.service did not start"
echo "self-check ok: kernel $(uname -r); cgroup2: $controllers; AppArmor $(cat /sys/module/apparmor/parameters/mode)," \
     "$(wc -l < /sys/kernel/security/apparmor/profiles) profiles; $(systemctl --version | head -n1);" \
     "$(/opt/pyrunc/bin/python --version)"
