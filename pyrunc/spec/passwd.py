"""/etc/passwd and /etc/group of the container, parsed directly.

The pwd and grp modules go through NSS, which loads ``libnss_*.so`` named
by the container's /etc/nsswitch.conf, from the container's filesystem,
into the runtime (ARCHITECTURE.md section 3).  These files are simple
enough to read ourselves.
"""

PASSWD = "/etc/passwd"


def _entries(path):
    try:
        with open(path, "rb") as f:
            data = f.read(1 << 20)  # a bounded read: the file is the image's
    except OSError:
        return
    for line in data.decode("utf-8", "replace").splitlines():
        if not line or line.startswith("#"):
            continue
        yield line.split(":")


def home_of(uid, path=PASSWD):
    """The home directory of *uid*, or None."""
    for fields in _entries(path):
        if len(fields) >= 6 and fields[2] == str(uid):
            return fields[5]
    return None
