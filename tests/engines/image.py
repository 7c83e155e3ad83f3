"""A busybox image for the engines, built locally (no registry is reachable).

The image is a ``docker save`` archive (``manifest.json`` + config + one
layer tar) written here with :mod:`tarfile` from Debian's ``busybox-static``:
``podman load``, ``docker load`` and ``ctr images import`` all read that
format, so the three engines run the very same image.  The layer is the
rootfs of the integration tests (tests/support/rootfs.py) plus ``/etc/hosts``
and ``/etc/resolv.conf`` placeholders.
"""
import hashlib
import io
import json
import tarfile
from pathlib import Path

from support import rootfs as rootfs_mod

IMAGE = "localhost/pyrunc-busybox:latest"


def _sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _add_bytes(tar, name, data, mode=0o644, mtime=0):
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), mode, mtime
    tar.addfile(info, io.BytesIO(data))


def _layer(rootfs, dest):
    """A reproducible layer tar of *rootfs* (owners numeric, mtimes 0)."""

    def clean(info):
        info.mtime = 0
        info.uname = info.gname = ""
        return info

    with tarfile.open(dest, "w", format=tarfile.PAX_FORMAT) as tar:
        for entry in sorted(Path(rootfs).iterdir()):
            tar.add(entry, arcname=entry.name, filter=clean)


def build(workdir, tag=IMAGE):
    """Write the archive under *workdir* and return its path."""
    workdir = Path(workdir)
    rootfs = rootfs_mod.build(workdir / "rootfs")
    (rootfs / "etc/hosts").write_text("127.0.0.1 localhost\n")
    (rootfs / "etc/resolv.conf").write_text("")
    layer = workdir / "layer.tar"
    _layer(rootfs, layer)
    diff_id = _sha256_file(layer)
    config = {
        "architecture": "amd64",
        "os": "linux",
        "created": "1970-01-01T00:00:00Z",
        "config": {
            "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
            "Cmd": ["sh"],
            "WorkingDir": "/",
        },
        "rootfs": {"type": "layers", "diff_ids": [f"sha256:{diff_id}"]},
        "history": [{"created": "1970-01-01T00:00:00Z", "created_by": "pyrunc tests/engines/image.py"}],
    }
    config_bytes = json.dumps(config, sort_keys=True).encode()
    config_name = hashlib.sha256(config_bytes).hexdigest() + ".json"
    manifest = [{"Config": config_name, "RepoTags": [tag], "Layers": [f"{diff_id}/layer.tar"]}]
    archive = workdir / "pyrunc-busybox.tar"
    with tarfile.open(archive, "w") as tar:
        _add_bytes(tar, config_name, config_bytes)
        tar.add(layer, arcname=f"{diff_id}/layer.tar")
        _add_bytes(tar, f"{diff_id}/VERSION", b"1.0")
        _add_bytes(tar, "manifest.json", json.dumps(manifest).encode())
    layer.unlink()
    return archive
