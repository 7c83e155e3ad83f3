#!/bin/bash
# build-image.sh - make sure the test VM's image exists (build it if missing or stale).
#
#   build-image.sh          build if needed; progress on stderr, the image directory on stdout
#   build-image.sh --dir    print the image directory for the current recipe (no build)
#
# The image is Debian 12 with its stock kernel (cgroup v2 with controllers, AppArmor enforcing),
# systemd + dbus, the README's build dependencies and a venv /opt/pyrunc holding pyrunc's Python
# dependencies (image/requirements.txt), so a test run needs no network.
#
# Cache: $PYRUNC_VM_DIR (default /var/cache/pyrunc-vm)/image-<key>/, where <key> hashes this
# script and everything in image/: a changed recipe builds a new image, anything else reuses the
# cached one. A new image replaces older ones, except those a run is using (shared flock on
# their "ok" file). The "ok" file is written last: a directory without it is never used.
#   image-<key>/vmlinux        the kernel, uncompressed (PVH boot skips the slow-under-TCG xz)
#   image-<key>/initrd.img     a tiny busybox initramfs (image/initrd-init)
#   image-<key>/rootfs.img     ext4, raw, sparse; runs boot throw-away overlays of it
#   image-<key>/ok             what was built, and from where
#
# Needs root, the packages qemu-system-x86 qemu-utils debootstrap e2fsprogs cpio xz-utils, and a
# host Python 3.11 with pip ($PYRUNC_VM_HOST_PYTHON, default python3): the wheels are built on
# the host, with the host's pip configuration, and installed offline in the image.
# Debian packages come from $PYRUNC_VM_MIRROR, default the mirror this machine's apt uses.
# No loop device and no mount on the host: every chroot step runs in a private mount namespace
# (unshare -m), so nothing can stay mounted whatever happens, and mkfs.ext4 -d fills the image.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
VMDIR=${PYRUNC_VM_DIR:-/var/cache/pyrunc-vm}
SUITE=bookworm
IMG_SIZE=4G         # sparse: about 1 GB is used

recipe_key() {
    # names and contents of the recipe; the run scripts (boot.sh, in-vm-tests.sh) are not part
    # of the image, so changing them does not rebuild it
    (cd "$HERE" && find build-image.sh image -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) \
        | sha256sum | cut -c1-16
}
KEY=$(recipe_key)
IMG=$VMDIR/image-$KEY
if [ "${1:-}" = --dir ]; then echo "$IMG"; exit 0; fi
[ $# = 0 ] || { sed -n '2,/^set -euo/p' "$0" | sed '$d' >&2; exit 2; }
[ -f "$IMG/ok" ] && { echo "$IMG"; exit 0; }

T0=$(date +%s)
step() { printf '[build-image %4ss] %s\n' $(( $(date +%s) - T0 )) "$*" >&2; }
die() { echo "build-image: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, chroot)"
for tool in debootstrap qemu-system-x86_64 qemu-img mkfs.ext4 cpio xz unshare flock; do
    command -v "$tool" >/dev/null || die "$tool not found: apt-get install -y qemu-system-x86 qemu-utils debootstrap e2fsprogs cpio xz-utils"
done

mkdir -p "$VMDIR"
# one build at a time; a run that waited here reuses the image the other one built
exec 8>"$VMDIR/.build.lock"
flock 8
[ -f "$IMG/ok" ] && { echo "$IMG"; exit 0; }
# whoever holds the lock is the only builder: a build-* left here was killed mid-way
rm -rf "$VMDIR"/build-*

WORK=$(mktemp -d "$VMDIR/build-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
R=$WORK/rootfs
LOG=$WORK/build.log

# run a command inside the image, with /proc (and /dev/pts for apt's ptys) in a mount namespace
# of its own: the mounts vanish with the command. A clean environment: the host's PIP_*, PYTHON*
# and the like are the host's business.
in_root() {
    env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
        unshare -m --propagation private sh -c '
            R=$1; shift
            mount -t proc proc "$R/proc" && mount -t devpts devpts "$R/dev/pts" -o newinstance,ptmxmode=666
            exec chroot "$R" "$@"' in_root "$R" "$@"
}
# on failure, show the end of the step's log
logged() { "$@" >> "$LOG" 2>&1 || { tail -n 40 "$LOG" >&2; die "failed: $*"; }; }

apt_mirror() {
    local m
    m=$(sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | tr ' ' '\n' \
        | grep -v -- '-security' | grep -m1 '://' || true)
    [ -n "$m" ] || m=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /:\/\//) { print $i; exit } }' \
        /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | grep -v -- '-security' | head -n1)
    echo "$m"
}
MIRROR=${PYRUNC_VM_MIRROR:-$(apt_mirror)}
[ -n "$MIRROR" ] || die "no Debian mirror found in /etc/apt; set PYRUNC_VM_MIRROR"

HOSTPY=${PYRUNC_VM_HOST_PYTHON:-python3}
pyver=$("$HOSTPY" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) \
    || die "no host Python ($HOSTPY); set PYRUNC_VM_HOST_PYTHON"
# Debian 12's python3 is 3.11: wheels with compiled code (cffi, rpds-py, python-prctl) must match
[ "$pyver" = 3.11 ] || die "$HOSTPY is Python $pyver; the image's is 3.11: set PYRUNC_VM_HOST_PYTHON to a Python 3.11"

step "building $IMG (log: $LOG)"

# ---------- Python wheels, on the host (its pip configuration reaches PyPI) ----------
# First, so that a PyPI problem fails the build before the long debootstrap.
step "building the wheels of image/requirements.txt with $HOSTPY"
mkdir -p "$WORK/wheels"
logged "$HOSTPY" -m pip wheel --disable-pip-version-check -w "$WORK/wheels" -r "$HERE/image/requirements.txt"

# ---------- base system ----------
PACKAGES=$(sed -e 's/#.*//' "$HERE/image/packages.txt" | xargs | tr ' ' ',')
step "debootstrap $SUITE from $MIRROR"
# The .debs are kept in $VMDIR/debs: a changed recipe then downloads only what is new.
# Two stages, to install with dpkg's unsafe-io (no fsync per file: the image is rebuilt, never
# repaired) and INITRD=No (Debian's kernel hook then skips its initramfs, which the VM does not
# use): 265 s -> 115 s here, measured with the .debs cached. debootstrap mounts /proc and /sys
# in the target: in a mount namespace of its own, those mounts can't outlive it.
mkdir -p "$VMDIR/debs"
logged unshare -m --propagation private debootstrap --foreign --variant=minbase \
    --cache-dir="$VMDIR/debs" --include="$PACKAGES" "$SUITE" "$R" "$MIRROR"
echo force-unsafe-io > "$R/etc/dpkg/dpkg.cfg.d/pyrunc-vm-build"
logged env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin INITRD=No \
    unshare -m --propagation private chroot "$R" /debootstrap/debootstrap --second-stage
rm -f "$R/etc/dpkg/dpkg.cfg.d/pyrunc-vm-build"

# ---------- guest configuration ----------
step "configuring the guest"
echo pyrunc-vm > "$R/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 pyrunc-vm\n' > "$R/etc/hosts"
# fsck pass 0: a fresh throw-away overlay needs no check, and the check would make boot wait
# for udev to announce dev-vda.device (~10 s under TCG)
printf '/dev/vda / ext4 rw,relatime 0 0\n' > "$R/etc/fstab"
in_root passwd -d root >/dev/null                # empty root password: boot.sh -i console
# apt inside the VM (boot.sh -n) uses the host's mirror, reachable through qemu's user network
echo "deb $MIRROR $SUITE main" > "$R/etc/apt/sources.list"
echo 'nameserver 10.0.2.3' > "$R/etc/resolv.conf"
mkdir -p "$R/etc/systemd/network"
printf '[Match]\nName=en* eth*\n[Network]\nDHCP=yes\n' > "$R/etc/systemd/network/50-dhcp.network"
# networkd starts only with boot.sh -n (systemd.wants= on the kernel command line)
in_root systemctl disable systemd-networkd.service systemd-networkd.socket >/dev/null 2>&1 || true
in_root systemctl mask systemd-networkd-wait-online.service >/dev/null 2>&1 || true
# serial console: root logged in on ttyS0 (boot.sh -i)
mkdir -p "$R/etc/systemd/system/serial-getty@ttyS0.service.d"
printf '[Service]\nExecStart=\nExecStart=-/sbin/agetty --autologin root --keep-baud 115200,57600,38400,9600 %%I $TERM\n' \
    > "$R/etc/systemd/system/serial-getty@ttyS0.service.d/autologin.conf"
# a throw-away VM: journal in /run (no flush to disk on the boot's critical path), and none of
# the timers and probes that only cost boot time under TCG. Nobody logs in (but boot.sh -i, as
# root on ttyS0): logind and the VGA console's getty would put ~10 s on the way to
# multi-user.target.
mkdir -p "$R/etc/systemd/journald.conf.d"
printf '[Journal]\nStorage=volatile\n' > "$R/etc/systemd/journald.conf.d/volatile.conf"
for unit in modprobe@drm.service modprobe@efi_pstore.service modprobe@dm_mod.service \
            e2scrub_reap.service e2scrub_all.timer apt-daily.timer apt-daily-upgrade.timer \
            fstrim.timer man-db.timer dpkg-db-backup.timer systemd-tmpfiles-clean.timer \
            systemd-logind.service getty@tty1.service systemd-binfmt.service; do
    in_root systemctl mask "$unit" >/dev/null 2>&1 || true
done
install -m 755 "$HERE/image/pyrunc-vm-run" "$R/usr/local/sbin/pyrunc-vm-run"
install -m 644 "$HERE/image/pyrunc-vm-run.service" "$R/etc/systemd/system/pyrunc-vm-run.service"
in_root systemctl enable pyrunc-vm-run.service >/dev/null 2>&1

# ---------- the venv pyrunc is installed into (README: /opt/pyrunc, pyrunc on PATH) ----------
step "installing the Python packages into /opt/pyrunc"
cp -r "$WORK/wheels" "$R/tmp/wheels"
cp "$HERE/image/requirements.txt" "$R/tmp/requirements.txt"
logged in_root python3 -m venv /opt/pyrunc
logged in_root /opt/pyrunc/bin/pip install --disable-pip-version-check --no-index \
    --find-links /tmp/wheels -r /tmp/requirements.txt
rm -rf "$R/tmp/wheels" "$R/tmp/requirements.txt"
ln -sf /opt/pyrunc/bin/pyrunc "$R/usr/local/bin/pyrunc"

# ---------- kernel and initramfs ----------
KVER=$(ls "$R/usr/lib/modules" | sort -V | tail -n1)
step "kernel $KVER: vmlinux and the tiny initramfs"
# Debian's kernel has CONFIG_PVH, so qemu -kernel boots the uncompressed ELF directly: the
# bzImage's xz decompressor alone takes seconds under TCG
"$HOSTPY" - "$R/boot/vmlinuz-$KVER" "$WORK/vmlinux.xz" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
start = data.find(b"\xfd7zXZ\x00")
assert start > 0, "no xz payload in the bzImage"
open(sys.argv[2], "wb").write(data[start:])
PY
# the payload is followed by padding: decode the first stream only, ignore what trails it
xz -dc --single-stream "$WORK/vmlinux.xz" > "$WORK/vmlinux" 2>/dev/null || true
rm -f "$WORK/vmlinux.xz"
head -c 4 "$WORK/vmlinux" | grep -q ELF || die "could not extract vmlinux from vmlinuz-$KVER"
INITRD_TREE=$WORK/initrd
mkdir -p "$INITRD_TREE"/{bin,dev,proc,sys,newroot,lib/modules}
cp "$R/bin/busybox" "$INITRD_TREE/bin/busybox"        # busybox-static, from the image
install -m 755 "$HERE/image/initrd-init" "$INITRD_TREE/init"
for m in virtio_pci virtio_blk ext4; do in_root modprobe -S "$KVER" --show-depends "$m"; done \
    | awk '/^insmod/ { print $2 }' | awk '!seen[$0]++' > "$WORK/modules"
while read -r m; do cp "$R$m" "$INITRD_TREE/lib/modules/"; done < "$WORK/modules"
sed 's#.*/##' "$WORK/modules" > "$INITRD_TREE/modules.list"
(cd "$INITRD_TREE" && find . | cpio -o -H newc --quiet) > "$WORK/initrd.img"
rm -rf "$INITRD_TREE" "$WORK/modules"

# ---------- disk image (mkfs.ext4 -d: no loop device) ----------
step "writing rootfs.img"
in_root apt-get clean
rm -rf "$R"/var/lib/apt/lists/*
truncate -s "$IMG_SIZE" "$WORK/rootfs.img"
logged mkfs.ext4 -q -F -L pyrunc-vm -d "$R" "$WORK/rootfs.img"
rm -rf "$R"

# ---------- first boot: check the guest, warm its caches ----------
# Persistent (the image itself, not an overlay): apparmor.service compiles the policy cache
# once here instead of in every run, and an image that does not boot is never cached.
step "first boot (self-check)"
"$HERE/boot.sh" -p -t 600 "$WORK" "$HERE/image/self-check.sh" >> "$LOG" 2>&1 \
    || { tail -n 40 "$LOG" >&2; die "the first boot's self-check failed"; }
grep '^self-check ok' "$LOG" >&2

{
    echo "key=$KEY"
    echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ) in $(( $(date +%s) - T0 ))s"
    echo "kernel=$KVER"
    echo "mirror=$MIRROR"
    grep '^self-check ok' "$LOG"
} > "$WORK/ok.tmp"
mv "$WORK/ok.tmp" "$WORK/ok"
mv "$WORK" "$IMG"
trap - EXIT

# older images: removed unless a run holds them (boot.sh keeps a shared lock on "ok")
for old in "$VMDIR"/image-*; do
    [ "$old" = "$IMG" ] || [ ! -d "$old" ] && continue
    if [ -f "$old/ok" ]; then flock -xn "$old/ok" rm -rf "$old" || true; else rm -rf "$old"; fi
done
step "done: $(du -sh --apparent-size "$IMG/rootfs.img" | cut -f1) image, $(du -sh "$IMG/rootfs.img" | cut -f1) used"
echo "$IMG"
