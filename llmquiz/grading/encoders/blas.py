"""One BLAS thread for the encoders' small matrix products.

Encoding a short answer multiplies matrices of a few dozen rows. Two OpenBLAS threads win ~20% on an
idle machine, but when the cores are busy the threads spin waiting for each other and the same call
runs 10-20x slower (measured: 1.4 s single-threaded against 26 s on a loaded 2-core machine).
`one_blas_thread()` caps OpenBLAS at one thread for the duration of a block and restores it after.

It only acts on the OpenBLAS that NumPy's wheels bundle, found by file name and called through
ctypes; anywhere else (Accelerate, MKL, a system BLAS), or when the user set OPENBLAS_NUM_THREADS or
OMP_NUM_THREADS themselves, it does nothing.
"""

from __future__ import annotations

import ctypes
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

_SETTERS = (  # (set, get) symbol pairs, newest naming first
    ("scipy_openblas_set_num_threads64_", "scipy_openblas_get_num_threads64_"),
    ("openblas_set_num_threads64_", "openblas_get_num_threads64_"),
    ("openblas_set_num_threads", "openblas_get_num_threads"),
)
_lock = threading.Lock()
_depth = 0
_saved = 0
_api: tuple[Callable[[int], None], Callable[[], int]] | bool | None = False  # False: not looked up yet


def _find_api() -> tuple[Callable[[int], None], Callable[[], int]] | None:
    if os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS"):
        return None  # the user chose; leave it alone
    import numpy

    root = Path(numpy.__file__).resolve().parent
    for lib_path in (*root.parent.glob("numpy.libs/*openblas*"), *root.glob(".dylibs/*openblas*")):
        try:
            lib = ctypes.CDLL(str(lib_path))  # already loaded by NumPy: this returns the same library
        except OSError:
            continue
        for set_name, get_name in _SETTERS:
            setter, getter = getattr(lib, set_name, None), getattr(lib, get_name, None)
            if setter is not None and getter is not None:
                setter.argtypes, setter.restype = [ctypes.c_int], None
                getter.argtypes, getter.restype = [], ctypes.c_int
                return setter, getter
    return None


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run the block with OpenBLAS on one thread (nested and multi-threaded use is safe)."""
    global _api, _depth, _saved
    with _lock:
        if _api is False:
            try:
                _api = _find_api()
            except (OSError, AttributeError, ValueError):
                _api = None
        if _api and _depth == 0:
            _saved = _api[1]()
            if _saved > 1:
                _api[0](1)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _api and _depth == 0 and _saved > 1:
                _api[0](_saved)
