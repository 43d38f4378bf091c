"""Run BLAS on one thread for the tiny model: reproducible training, and no stalls on a busy machine.

Multi-threaded OpenBLAS splits some matrix products differently for different thread counts,
which changes float32 rounding and so, after a thousand steps, the weights' last bits. And for
matrices this small, waking a second thread costs more than the product: on a machine whose other
core is busy, one 64-token forward pass took 0.24 s with two threads and 3 ms with one. NumPy has no
API for its BLAS thread count, so this finds the OpenBLAS library NumPy bundles and calls its
`set_num_threads` through ctypes; where that library cannot be found it changes nothing.
"""

from __future__ import annotations

import contextlib
import ctypes
from collections.abc import Iterator
from functools import cache
from pathlib import Path

_SETTERS = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads", "openblas_set_num_threads64_",
            "openblas_set_num_threads")
_GETTERS = ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads", "openblas_get_num_threads64_",
            "openblas_get_num_threads")


@cache
def _openblas() -> tuple[ctypes._CFuncPtr, ctypes._CFuncPtr] | None:
    import numpy

    root = Path(numpy.__file__).resolve().parent
    # wheels vendor their BLAS beside the package: numpy.libs (Linux, Windows) or numpy/.dylibs (macOS)
    candidates = [*root.parent.glob("numpy.libs/*openblas*"), *root.glob(".dylibs/*openblas*")]
    for lib_path in candidates:
        try:
            lib = ctypes.CDLL(str(lib_path))
        except OSError:
            continue
        for set_name, get_name in zip(_SETTERS, _GETTERS, strict=True):
            setter, getter = getattr(lib, set_name, None), getattr(lib, get_name, None)
            if setter is not None and getter is not None:
                setter.argtypes, setter.restype, getter.restype = [ctypes.c_int], None, ctypes.c_int
                return setter, getter
    return None


@contextlib.contextmanager
def single_threaded_blas() -> Iterator[bool]:
    """Within this block NumPy's BLAS uses one thread; yields whether that could be arranged."""
    funcs = _openblas()
    if funcs is None:
        yield False
        return
    setter, getter = funcs
    before = getter()
    setter(1)
    try:
        yield True
    finally:
        setter(before)
