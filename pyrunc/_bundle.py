"""Serve pyrunc's own modules from one pre-compiled file.

An import through the path finders costs ~100 us before the module's code
runs (directory caches, stat calls, the .pyc header check, all in frozen
Python), and ``run`` imports some 70 pyrunc modules: ~7 ms of a call whose
interpreter start-up is ~11 ms.  A regular (non-editable) install also
ships ``_modules.bin`` (written by setup.py's build_py): every module's
code object in one file, opened once; each module is read (pread) and
unmarshalled when imported.  The fd is close-on-exec, and the children's
fd sweep (process/fds.py) closes it before anything runs in a container.
Importing this module (the ``pyrunc`` command does, first thing) puts a
finder for that blob in front of ``sys.meta_path``.

Without the blob (an editable install, a source checkout) or with a blob
written by another Python, nothing is installed and the normal finders do
the work.  Only names in the blob are served; the C extension, ``specs``
and everything outside the package come from disk as usual.
"""
import marshal
import os
import sys

BLOB = "_modules.bin"
_ModuleSpec = type(sys.__spec__)


class BundleFinder:
    """A meta path finder and loader over the blob: *index* maps a module
    name to (is_package, start, end) of its marshalled code, read and
    unmarshalled only when that module is imported."""

    def __init__(self, index, fd, base, package_dir):
        self.index = index
        self.fd = fd  # the blob, read with pread: *base* is where the code starts
        self.base = base
        self.package_dir = package_dir
        st = os.fstat(fd)
        self.identity = (st.st_dev, st.st_ino)

    def find_spec(self, name, path=None, target=None):
        entry = self.index.get(name)
        if entry is None:
            return None
        is_package = entry[0]
        relative = name.partition(".")[2].replace(".", "/")
        base = f"{self.package_dir}/{relative}"
        spec = _ModuleSpec(name, self, origin=f"{base}/__init__.py" if is_package else f"{base}.py",
                           is_package=is_package)
        if is_package:
            spec.submodule_search_locations = [base]
        return spec

    def create_module(self, spec):
        return None  # the default module object

    def exec_module(self, module):
        _is_package, start, end = self.index[module.__name__]
        # __file__ by hand: with spec.has_location importlib would also
        # work out a __cached__ path for every module, unused here
        module.__file__ = module.__spec__.origin
        exec(marshal.loads(self._read(module.__name__, start, end)), module.__dict__)

    def _read(self, name, start, end):
        """The module's marshalled code.  In a forked child the fd may have
        been closed by the fd sweep, and its number reused for another file
        (one in the container, even): check it is still the blob."""
        try:
            st = os.fstat(self.fd)
            if (st.st_dev, st.st_ino) == self.identity:
                return os.pread(self.fd, end - start, self.base + start)
        except OSError:
            pass
        raise ImportError(f"cannot import {name}: the module store is closed in this process", name=name)


def install(package_dir=None):
    """Put the finder in front if this install has a blob for this Python."""
    package_dir = package_dir or __file__.rpartition("/")[0]
    try:
        fd = os.open(f"{package_dir}/{BLOB}", os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        # only the index is read now: reading the whole ~700 KB blob costs
        # ~0.5 ms in page faults, most of it for modules this verb never imports
        size = int.from_bytes(os.pread(fd, 8, 0), "little")
        version, index = marshal.loads(os.pread(fd, size, 8))
    except (OSError, ValueError, EOFError, TypeError):
        version = None
    if version != sys.hexversion:
        os.close(fd)
        return False
    sys.meta_path.insert(0, BundleFinder(index, fd, 8 + size, package_dir))
    return True


def write(package_dir):
    """Write the blob of the package in *package_dir* (setup.py's build_py,
    on the build copy): layout: 8-byte index length, the marshalled index
    (name -> is_package, start, end), then each module's marshalled code.
    The package's own ``__init__`` and this module are left out: they are
    imported before the finder exists.  Compiled as ``-OO`` would: pyrunc
    reads no docstring at run time and has no assert, and the smaller code
    objects unmarshal faster."""
    root = os.path.dirname(package_dir)
    package = os.path.basename(package_dir)
    codes = {}
    for dirpath, _dirs, files in os.walk(package_dir):
        for name in files:
            if not name.endswith(".py"):
                continue
            path = os.path.join(dirpath, name)
            parts = os.path.relpath(path, root)[:-3].split(os.sep)
            is_package = parts[-1] == "__init__"
            module = ".".join(parts[:-1] if is_package else parts)
            if module in (package, f"{package}._bundle"):
                continue
            with open(path, encoding="utf-8") as f:
                code = compile(f.read(), "/".join(parts) + ".py", "exec", dont_inherit=True, optimize=2)
            codes[module] = (is_package, marshal.dumps(code))
    index, payload, offset = {}, [], 0
    for module, (is_package, data) in sorted(codes.items()):
        index[module] = (is_package, offset, offset + len(data))
        payload.append(data)
        offset += len(data)
    header = marshal.dumps((sys.hexversion, index))
    with open(os.path.join(package_dir, BLOB), "wb") as f:
        f.write(len(header).to_bytes(8, "little") + header + b"".join(payload))


if __name__ != "pyrunc_bundle_writer":  # setup.py loads this file to call write() only
    install()
