"""cffi build script for ``pyrunc._linux`` (out-of-line API mode).

setup.py names ``csrc/build_linux.py:ffibuilder`` in ``cffi_modules``, the way
cryptography declares its bindings.  The module links libseccomp so seccomp
filters are compiled and loaded by the library the kernel people maintain,
not by hand-rolled BPF.
"""
import glob
import os

from cffi import FFI

HERE = os.path.dirname(os.path.abspath(__file__))

# Each C source has a .cdef beside it with the declarations cffi exposes;
# all of them are built into the one module.  A feature's C code (seccomp,
# BPF, ...) lives in its own pair of files.
CDEF = "\n".join(open(p).read() for p in sorted(glob.glob(os.path.join(HERE, "*.cdef"))))
SOURCES = sorted(os.path.relpath(p) for p in glob.glob(os.path.join(HERE, "*.c")))

ffibuilder = FFI()
ffibuilder.cdef(CDEF)
ffibuilder.set_source(
    "pyrunc._linux",
    "".join(f'#include "{os.path.basename(p)}"\n' for p in sorted(glob.glob(os.path.join(HERE, "*.h"))))
    + "#include <seccomp.h>\n",
    sources=SOURCES,
    include_dirs=[HERE],
    libraries=["seccomp"],
)

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
