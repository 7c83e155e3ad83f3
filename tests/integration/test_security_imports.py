"""Code planted in the image must never run in the runtime (ARCHITECTURE.md
section 3): Python modules at the paths of the runtime's own sys.path (the
init runs Python inside the container's mount namespace), and NSS modules
with an /etc/nsswitch.conf that names them (user and group lookups).

The planted code only leaves a marker file in the rootfs; each test drives
the runtime through its normal and its error paths (errors format messages,
the most likely place for a late import) and then looks for the markers.
The container's own programs here are static busybox applets that never
look up users, so a marker can only come from the runtime.
"""
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from support import asserts
from support.config import base_config, sh

MODULES = ["json", "os", "re", "enum", "codecs", "locale", "traceback", "linecache", "signal", "socket",
           "select", "struct", "fcntl", "io", "abc", "functools", "types", "warnings", "_json", "subprocess",
           "tempfile", "shutil", "glob", "fnmatch", "posixpath", "genericpath", "stat", "errno", "string",
           "sitecustomize", "usercustomize", "prctl", "_cffi_backend", "copy", "weakref", "keyword", "operator",
           "reprlib", "heapq", "bisect", "datetime", "time", "random", "hashlib", "base64", "binascii",
           "textwrap", "contextlib", "dataclasses", "inspect", "ast", "dis", "tokenize", "token", "platform",
           "sysconfig", "site", "pathlib", "threading", "queue", "logging", "argparse", "gettext", "typing"]
PACKAGES = ["encodings", "collections", "importlib", "email", "pyrunc", "cffi", "jsonschema", "pyroute2",
            "concurrent", "asyncio", "ctypes", "unittest", "xml", "urllib", "http"]
PLANTED = "import os\nopen('/import-ran', 'a').write(__name__ + '\\n')\n"


def _runtime_sys_path(binary):
    python = Path(binary).resolve().parent / "python3"
    if Path(binary).name.startswith("runc") or not python.exists():
        return []
    code = ("import sys, os, json; import pyrunc\n"
            "extra = [os.path.dirname(os.path.dirname(pyrunc.__file__)),\n"
            "         '%s/lib/python%d.%d/site-packages' % (sys.prefix, *sys.version_info[:2])]\n"
            "print(json.dumps([p for p in sys.path + extra if p.startswith('/')]))")
    out = subprocess.run([str(python), "-I", "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def plant_modules(rootfs, paths):
    for p in paths:
        d = Path(rootfs) / p.lstrip("/")
        if d.suffix == ".zip":
            continue
        d.mkdir(parents=True, exist_ok=True)
        for m in MODULES:
            (d / f"{m}.py").write_text(PLANTED)
        for pkg in PACKAGES:
            (d / pkg).mkdir(exist_ok=True)
            for name in ("__init__.py", "__main__.py", "decoder.py", "utf_8.py", "aliases.py", "abc.py"):
                (d / pkg / name).write_text(PLANTED)


@pytest.fixture
def planted(rt):
    """A bundle factory: the busybox rootfs with modules planted at every
    entry of the runtime's sys.path."""
    paths = _runtime_sys_path(rt.runtime.binary) + ["/usr/lib/python3", "/usr/lib/python3/dist-packages"]

    def make(cfg):
        bundle = rt.bundle(cfg)
        plant_modules(bundle / "rootfs", paths)
        return bundle
    return make


def _no_marker(bundle, name="import-ran"):
    marker = Path(bundle) / "rootfs" / name
    assert not marker.exists(), f"planted code ran in the runtime: {marker.read_text()!r}"


@pytest.mark.parametrize("case", ["ok", "bad-cwd", "missing-program", "bad-rlimit", "failing-hook"])
def test_planted_modules_never_run_in_the_init(rt, planted, case):
    cfg = base_config(["true"])
    if case == "bad-cwd":
        cfg["process"]["cwd"] = "/does/not/exist"
    elif case == "missing-program":
        cfg["process"]["args"] = ["/no/such/program"]
    elif case == "bad-rlimit":
        cfg["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 10 ** 9, "hard": 10 ** 9}]
    elif case == "failing-hook":
        cfg["hooks"] = {"startContainer": [{"path": "/bin/false"}]}
    bundle = planted(cfg)
    res = rt.run(bundle=bundle)
    if not rt.is_runc:  # runc creates a missing cwd
        assert (res.rc == 0) == (case == "ok"), str(res)
    _no_marker(bundle)


def test_planted_modules_never_run_in_exec(rt, planted):
    bundle = planted(base_config(["sleep", "1000"]))
    cid = rt.create(bundle=bundle).cid
    rt.start(cid)
    asserts.ok(rt.runtime("exec", cid, "true"), "exec")
    assert rt.runtime("exec", "--cwd", "/does/not/exist", cid, "true").rc != 0
    assert rt.runtime("exec", cid, "/no/such/program").rc != 0
    assert rt.runtime("exec", "--user", "1000:1000", "--cap", "CAP_NO_SUCH_CAP", cid, "true").rc in (0, 1, 255)
    _no_marker(bundle)


def test_planted_modules_with_seccomp_and_a_terminal_error(rt, planted):
    cfg = base_config(["true"])
    cfg["process"]["noNewPrivileges"] = False
    cfg["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW",
                               "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}]}
    bundle = planted(cfg)
    assert rt.run(bundle=bundle).rc == 0
    _no_marker(bundle)


# --- NSS ------------------------------------------------------------------------------------------

NSS_C = r"""
#include <fcntl.h>
#include <unistd.h>
/* a planted NSS module: loading it at all leaves the marker */
__attribute__((constructor)) static void planted(void) {
    int fd = open("/nss-ran", O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) { write(fd, "loaded\n", 7); close(fd); }
}
int _nss_evil_getpwuid_r(void) { return 0; }
int _nss_evil_getpwnam_r(void) { return 0; }
int _nss_evil_getgrgid_r(void) { return 0; }
int _nss_evil_getgrnam_r(void) { return 0; }
int _nss_evil_initgroups_dyn(void) { return 0; }
"""
LIB_DIRS = ["lib", "lib64", "usr/lib", "lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu"]


@pytest.fixture(scope="module")
def nss_lib(tmp_path_factory):
    cc = shutil.which("cc") or shutil.which("gcc")
    if not cc:
        pytest.skip("no C compiler for the planted NSS module")
    d = tmp_path_factory.mktemp("nss")
    out = d / "libnss_evil.so.2"
    res = subprocess.run([cc, "-shared", "-fPIC", "-O2", "-o", str(out), "-x", "c", "-"], input=NSS_C,
                         capture_output=True, text=True)
    if res.returncode != 0:
        pytest.skip(f"cannot build the NSS module: {res.stderr[-300:]}")
    return out


def _nss_bundle(rt, cfg, lib):
    bundle = rt.bundle(cfg)
    root = bundle / "rootfs"
    (root / "etc/nsswitch.conf").write_text("passwd: evil files\ngroup: evil files\nshadow: evil files\n"
                                            "initgroups: evil\n")
    for d in LIB_DIRS:
        (root / d).mkdir(parents=True, exist_ok=True)
        shutil.copy(lib, root / d / lib.name)
    return bundle


@pytest.mark.parametrize("user", [{"uid": 1000, "gid": 1000, "additionalGids": [5, 10]},
                                  {"uid": 0, "gid": 0}, {"uid": 4242, "gid": 4242}],
                         ids=["tester", "root", "unknown-uid"])
def test_nss_modules_in_the_image_are_never_loaded(rt, nss_lib, user):
    cfg = base_config(["sleep", "1000"])
    cfg["process"]["user"] = user
    cfg["process"]["env"] = [e for e in cfg["process"]["env"] if not e.startswith("HOME=")]
    bundle = _nss_bundle(rt, cfg, nss_lib)
    cid = rt.create(bundle=bundle).cid
    rt.start(cid)
    for flags in ((), ("--user", "1000"), ("--user", "4242:4242", "--additional-gids", "7")):
        asserts.ok(rt.runtime("exec", *flags, cid, "true"), "exec")
    _no_marker(bundle, "nss-ran")


def test_the_home_lookup_reads_the_images_passwd_without_nss(rt, nss_lib):
    cfg = sh("echo $HOME")
    cfg["process"]["user"] = {"uid": 1000, "gid": 1000}
    bundle = _nss_bundle(rt, cfg, nss_lib)
    res = rt.run(bundle=bundle)
    assert res.rc == 0 and res.out.strip() == "/home/tester", str(res)
    _no_marker(bundle, "nss-ran")
