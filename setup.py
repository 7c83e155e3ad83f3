"""Build and install pyrunc.

The compiled part (``pyrunc._linux``) is a cffi out-of-line API-mode module
built from ``csrc/``; everything else is pure Python.  The ``pyrunc`` command
is installed from ``pyrunc/cli/pyrunc`` rather than a generated console-script
wrapper so that the launcher can refuse a polluted Python environment before
anything is imported (see pyrunc/cli/pyrunc).
"""
import os

from setuptools import find_packages, setup
from setuptools.command.build_ext import build_ext

STUB_SOURCE = "csrc/stub/pyrunc_init.c"
STUB_NAME = "pyrunc-init"


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
    scripts=["pyrunc/cli/pyrunc"],
    setup_requires=["cffi>=1.15"],
    cffi_modules=["csrc/build_linux.py:ffibuilder"],
    install_requires=["cffi>=1.15", "python-prctl>=1.8", "jsonschema>=4", "pyroute2>=0.7"],
    extras_require={"test": ["pytest>=7", "hypothesis>=6"]},
    cmdclass={"build_ext": build_ext_with_stub},
    zip_safe=False,
)
