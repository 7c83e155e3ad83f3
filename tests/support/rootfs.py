"""A tiny root filesystem made from the host's static busybox.

Tests build it themselves instead of shipping an image: Debian's
``busybox-static`` gives one self-contained binary, and a symlink per applet
turns it into a usable userland (sh, ls, stat, id, mount, ...).  The session
builds it once; every bundle gets its own ``cp -a`` copy (~2 MB) so a test
that writes into its rootfs cannot affect another one.
"""
import os
import shutil
import subprocess
from pathlib import Path

BUSYBOX = os.environ.get("PYRUNC_TEST_BUSYBOX", "/bin/busybox")

PASSWD = """\
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
tester:x:1000:1000::/home/tester:/bin/sh
"""

# No user is listed as a member of any group: a runtime that derives extra
# groups from /etc/group would then show them in additionalGids tests.
GROUP = """\
root:x:0:
tty:x:5:
wheel:x:10:
audio:x:29:
tester:x:1000:
nogroup:x:65534:
"""

DIRS = ("bin", "proc", "sys", "dev", "tmp", "etc", "root", "home/tester", "mnt", "run", "var")


def busybox_available():
    return os.path.isfile(BUSYBOX) and os.access(BUSYBOX, os.X_OK)


def applets():
    out = subprocess.run([BUSYBOX, "--list"], check=True, capture_output=True, text=True).stdout
    return [a for a in out.split() if a and "/" not in a and a != "busybox"]


def build(dest):
    """Create the busybox rootfs at *dest* (which must not exist)."""
    dest = Path(dest)
    for d in DIRS:
        (dest / d).mkdir(parents=True, exist_ok=True)
    os.chmod(dest / "tmp", 0o1777)
    os.chown(dest / "home/tester", 1000, 1000)
    shutil.copy2(BUSYBOX, dest / "bin/busybox")
    os.chmod(dest / "bin/busybox", 0o755)
    for name in applets():
        link = dest / "bin" / name
        if not link.exists():
            link.symlink_to("busybox")
    (dest / "etc/passwd").write_text(PASSWD)
    (dest / "etc/group").write_text(GROUP)
    (dest / "etc/hostname").write_text("image-hostname\n")
    return dest


def copy(src, dest):
    """Copy a rootfs keeping links, modes and owners (``cp -a``)."""
    subprocess.run(["cp", "-a", str(src), str(dest)], check=True)
    return Path(dest)
