"""Build and install pyrunc.

The compiled part (``pyrunc._linux``) is a cffi out-of-line API-mode module
built from ``csrc/``; everything else is pure Python.  Two small executables
are built beside it: ``pyrunc-init`` (csrc/stub/, the container's last
exec) and the ``pyrunc`` command itself (csrc/launcher/), which starts the
interpreter isolated (-I) and without site (-S) -- a generated console-script
wrapper can do neither.
"""
import os

from setuptools import find_packages, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py

import sys

STUB_SOURCE = "csrc/stub/pyrunc_init.c"
STUB_NAME = "pyrunc-init"
LAUNCHER_SOURCE = "csrc/launcher/pyrunc_launcher.c"
LAUNCHER_DIR = os.path.join("build", "launcher")  # installed as the `pyrunc` command


class build_ext_with_stub(build_ext):
    """Also build ``pyrunc/pyrunc-init``: the small static executable the
    container's init execs last (see csrc/stub/pyrunc_init.c).  Static,
    because it runs inside the container where only the image's ld.so is."""

    def run(self):
        super().run()
        out_dir = "pyrunc" if self.inplace else os.path.join(self.build_lib, "pyrunc")
        objects = self.compiler.compile([STUB_SOURCE], output_dir=self.build_temp,
                                        extra_postargs=["-Os", "-Wall"])
        self.compiler.link_executable(objects, STUB_NAME, output_dir=out_dir,
                                      extra_postargs=["-static", "-s"])
        # the command itself: a C launcher, so Python runs with -I -S
        # (a "#!python" script gets its flags dropped by pip)
        python = sys.executable.replace("\\", "\\\\").replace('"', '\\"')
        objects = self.compiler.compile([LAUNCHER_SOURCE], output_dir=self.build_temp,
                                        macros=[("PYRUNC_PYTHON", f'"{python}"')],
                                        extra_postargs=["-Os", "-Wall"])
        # static: no dynamic loading before the interpreter's own (~0.2 ms a call)
        self.compiler.link_executable(objects, "pyrunc", output_dir=LAUNCHER_DIR, extra_postargs=["-static", "-s"])
        if self.inplace:
            # An editable install (pip install -e) does not install
            # data_files: put the command where the regular install would.
            import shutil
            import sysconfig
            shutil.copy2(os.path.join(LAUNCHER_DIR, "pyrunc"), sysconfig.get_path("scripts"))


class build_py_with_bundle(build_py):
    """Also write ``pyrunc/_modules.bin``: every module of the package
    compiled into one marshal blob, which ``pyrunc._bundle`` serves to the
    ``pyrunc`` command instead of ~70 separate finds and reads (see its
    docstring).  Not for an editable install: the blob would go stale as
    the sources change."""

    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        import importlib.util
        spec = importlib.util.spec_from_file_location("pyrunc_bundle_writer", os.path.join("pyrunc", "_bundle.py"))
        writer = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(writer)
        writer.write(os.path.join(self.build_lib, "pyrunc"))


setup(
    name="pyrunc",
    version="0.1.0",
    description="An OCI runtime-spec v1.3.0 container runtime in Python, compatible with runc",
    python_requires=">=3.11",
    # specs/ is the project's own schema, kept at the top level of the tree
    # and shipped inside the package as pyrunc.specs.
    packages=find_packages(include=["pyrunc", "pyrunc.*"]) + ["pyrunc.specs"],
    package_dir={"pyrunc.specs": "specs"},
    package_data={"pyrunc.specs": ["*.json"]},
    # a binary, so data_files rather than scripts (which would be read and
    # byte-compiled as Python); lands in <prefix>/bin with its mode
    data_files=[("bin", [os.path.join(LAUNCHER_DIR, "pyrunc")])],
    setup_requires=["cffi>=1.15"],
    cffi_modules=["csrc/build_linux.py:ffibuilder"],
    install_requires=["cffi>=1.15", "python-prctl>=1.8", "jsonschema>=4", "pyroute2>=0.7"],
    extras_require={"test": ["pytest>=7", "hypothesis>=6"]},
    cmdclass={"build_ext": build_ext_with_stub, "build_py": build_py_with_bundle},
    zip_safe=False,
)
