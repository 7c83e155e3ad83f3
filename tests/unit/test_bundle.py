"""pyrunc._bundle: the one-file module store the ``pyrunc`` command imports
the package from (written by setup.py's build_py for regular installs)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

import pyrunc


def _load_writer():
    """pyrunc/_bundle.py under the name setup.py uses, which skips install():
    importing ``pyrunc._bundle`` here would serve this test process's later
    pyrunc imports from an installed blob (compiled -OO: no docstrings for
    the tests that read them)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("pyrunc_bundle_writer",
                                                  Path(pyrunc.__file__).with_name("_bundle.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_bundle = _load_writer()

MODULE = "bundletestpkg"


def _package(tmp_path):
    pkg = tmp_path / MODULE
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("VALUE = 'from disk'\n")
    (pkg / "sub" / "__init__.py").write_text("from bundletestpkg.sub import leaf\n")
    (pkg / "sub" / "leaf.py").write_text("WHERE = __file__\n")
    (pkg / "plain.py").write_text("VALUE = 'plain v1'\n")
    return pkg


def _run(tmp_path, code):
    """*code* in a fresh interpreter that imports the package from *tmp_path*."""
    prelude = (f"import sys; sys.path.insert(0, {str(tmp_path)!r}); "
               f"sys.path.insert(0, {os.path.dirname(os.path.dirname(pyrunc.__file__))!r}); "
               f"from pyrunc import _bundle\n")
    out = subprocess.run([sys.executable, "-I", "-S", "-c", prelude + code], capture_output=True, text=True,
                         timeout=30)
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def test_modules_come_from_the_blob_with_their_real_paths(tmp_path):
    pkg = _package(tmp_path)
    _bundle.write(str(pkg))
    # the sources change after the blob was written: the blob's code wins
    (pkg / "plain.py").write_text("VALUE = 'plain v2'\n")
    out = _run(tmp_path, f"import {MODULE}; assert _bundle.install({str(pkg)!r})\n"
                         f"from {MODULE} import plain, sub\n"
                         "print(plain.VALUE.replace(' ', '_'), type(plain.__spec__.loader).__name__, plain.__file__,"
                         " sub.leaf.WHERE, sub.__path__[0])")
    assert out == ["plain_v1", "BundleFinder", str(pkg / "plain.py"), str(pkg / "sub" / "leaf.py"), str(pkg / "sub")]


def test_no_blob_or_another_pythons_blob_changes_nothing(tmp_path):
    pkg = _package(tmp_path)
    assert _run(tmp_path, f"print(_bundle.install({str(pkg)!r}))") == ["False"]
    _bundle.write(str(pkg))
    blob = (pkg / _bundle.BLOB).read_bytes()
    import marshal
    size = int.from_bytes(blob[:8], "little")
    _version, index = marshal.loads(blob[8:8 + size])
    header = marshal.dumps((sys.hexversion - 1, index))
    (pkg / _bundle.BLOB).write_bytes(len(header).to_bytes(8, "little") + header + blob[8 + size:])
    out = _run(tmp_path, f"print(_bundle.install({str(pkg)!r})); from {MODULE} import plain;"
                         " print(type(plain.__spec__.loader).__name__)")
    assert out == ["False", "SourceFileLoader"]


def test_the_package_init_and_the_loader_itself_stay_out(tmp_path):
    pkg = _package(tmp_path)
    (pkg / "_bundle.py").write_text("")
    _bundle.write(str(pkg))
    import marshal
    blob = (pkg / _bundle.BLOB).read_bytes()
    _version, index = marshal.loads(blob[8:8 + int.from_bytes(blob[:8], "little")])
    assert sorted(index) == [f"{MODULE}.plain", f"{MODULE}.sub", f"{MODULE}.sub.leaf"]
    assert index[f"{MODULE}.sub"][0] is True and index[f"{MODULE}.plain"][0] is False


def test_an_installed_blob_matches_the_installed_sources():
    """A regular install ships a blob equal to its sources (the command's
    imports come from it); an editable install has none."""
    blob = Path(pyrunc.__file__).with_name(_bundle.BLOB)
    editable = not Path(pyrunc.__file__).resolve().is_relative_to(Path(sys.prefix).resolve())
    if editable:
        assert not blob.exists(), "an editable install must not have a blob: it would go stale"
        pytest.skip("editable install: the package is imported from the source tree")
    import marshal
    data = blob.read_bytes()
    size = int.from_bytes(data[:8], "little")
    version, index = marshal.loads(data[8:8 + size])
    assert version == sys.hexversion
    package_dir = Path(pyrunc.__file__).parent
    sources = {".".join(p.relative_to(package_dir.parent).with_suffix("").parts).removesuffix(".__init__")
               for p in package_dir.rglob("*.py")} - {"pyrunc", "pyrunc._bundle"}
    assert set(index) == sources
    for name, (is_package, start, end) in index.items():
        code = marshal.loads(data[8 + size + start:8 + size + end])
        path = package_dir.parent / (name.replace(".", "/") + ("/__init__.py" if is_package else ".py"))
        source = compile(path.read_text(), code.co_filename, "exec", dont_inherit=True, optimize=2)
        assert code.co_code == source.co_code and code.co_consts == source.co_consts, name


def test_a_closed_or_reused_store_fd_is_an_import_error(tmp_path):
    """After a child's fd sweep the blob's fd may be closed, or reused for
    another file: the finder must not read that file as code."""
    pkg = _package(tmp_path)
    _bundle.write(str(pkg))
    other = tmp_path / "other"
    other.write_bytes(b"\0" * 4096)
    out = _run(tmp_path, f"import os, {MODULE}; assert _bundle.install({str(pkg)!r})\n"
                         "finder = sys.meta_path[0]; os.close(finder.fd)\n"
                         f"fd = os.open({str(other)!r}, os.O_RDONLY); assert fd == finder.fd\n"
                         f"try:\n    import {MODULE}.plain\nexcept ImportError as e:\n    print('refused')\n"
                         "os.close(fd)\n"
                         f"try:\n    import {MODULE}.sub\nexcept ImportError as e:\n    print('refused')\n")
    assert out == ["refused", "refused"]


def test_the_package_needs_no_docstrings_or_asserts():
    """The blob is compiled with optimize=2 (no docstrings, no asserts): an
    assert or a __doc__ read in pyrunc would behave differently in the
    installed command than in the tests."""
    import ast
    found = []
    for path in Path(pyrunc.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Assert) or (isinstance(node, ast.Attribute) and node.attr == "__doc__"):
                found.append(f"{path.name}:{node.lineno}")
    assert not found, found
