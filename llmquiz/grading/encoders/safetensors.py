"""Reading `.safetensors` weight files with NumPy alone (no torch, no `safetensors` package).

The format is an 8-byte little-endian header length, a JSON header naming each tensor's dtype, shape
and byte range, then the raw little-endian data. Tensors come back as read-only views of one memory
map, so opening a 90 MB model costs a header parse and nothing more; pages are read when touched.
"""

from __future__ import annotations

import json
import mmap
import struct
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmquiz.errors import ModelError

if TYPE_CHECKING:
    import numpy as np

# Safetensors dtype names -> NumPy dtype strings (all little-endian). BF16 has no NumPy dtype and is
# widened to float32 on read.
_DTYPES = {
    "F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1",
    "U64": "<u8", "U32": "<u4", "U16": "<u2", "U8": "u1", "BOOL": "?",
}
_MAX_HEADER = 100 * 1024 * 1024  # the format's own limit; a larger value means a corrupt file


def read_header(path: Path) -> tuple[dict[str, Any], int]:
    """Return the JSON header (without `__metadata__`) and the byte offset where the data starts."""
    try:
        with open(path, "rb") as f:
            raw = f.read(8)
            if len(raw) != 8:
                raise ModelError(f"{path}: not a safetensors file (shorter than 8 bytes).")
            (n,) = struct.unpack("<Q", raw)
            if n > _MAX_HEADER:
                raise ModelError(f"{path}: not a safetensors file (header length {n} is implausible).")
            header = json.loads(f.read(n))
    except OSError as e:
        raise ModelError(f"{path}: cannot read the weights file ({e.strerror}).") from e
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ModelError(f"{path}: the safetensors header is not valid JSON; re-download the model.") from e
    if not isinstance(header, dict):
        raise ModelError(f"{path}: the safetensors header is not a JSON object; re-download the model.")
    header.pop("__metadata__", None)
    return header, 8 + n


def load_safetensors(path: str | Path) -> dict[str, np.ndarray]:
    """Map every tensor in `path` as a read-only NumPy array (zero-copy except BF16).

    Example:
        >>> weights = load_safetensors("model/model.safetensors")
        >>> weights["embeddings.word_embeddings.weight"].shape
        (30522, 384)
    """
    import numpy as np

    path = Path(path)
    header, start = read_header(path)
    size = path.stat().st_size
    if size == start:
        return {}
    with open(path, "rb") as f:
        # The map outlives the file object; the arrays below keep it alive.
        buf = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    tensors: dict[str, np.ndarray] = {}
    for name, info in header.items():
        try:
            dtype_name, shape = info["dtype"], tuple(int(d) for d in info["shape"])
            begin, end = (int(x) for x in info["data_offsets"])
        except (KeyError, TypeError, ValueError) as e:
            raise ModelError(f"{path}: tensor {name!r} has a malformed header entry.") from e
        if not 0 <= begin <= end <= size - start:
            raise ModelError(f"{path}: tensor {name!r} points past the end of the file; "
                             "the file is truncated.")
        if dtype_name == "BF16":
            # bfloat16 is the top half of a float32: shift it up and reinterpret.
            half = np.frombuffer(buf, "<u2", (end - begin) // 2, start + begin)
            arr = (half.astype(np.uint32) << 16).view(np.float32)
        elif dtype_name in _DTYPES:
            dtype = np.dtype(_DTYPES[dtype_name])
            if (end - begin) % dtype.itemsize:
                raise ModelError(f"{path}: tensor {name!r} has a byte length that is not "
                                 f"whole {dtype_name}s.")
            arr = np.frombuffer(buf, dtype, (end - begin) // dtype.itemsize, start + begin)
        else:
            raise ModelError(f"{path}: tensor {name!r} has dtype {dtype_name}, which llmquiz cannot read.")
        count = int(np.prod(shape, dtype=np.int64))
        if arr.size != count:
            raise ModelError(f"{path}: tensor {name!r} has {arr.size} values but its shape "
                             f"{shape} needs {count}.")
        tensors[name] = arr.reshape(shape)
    return tensors
