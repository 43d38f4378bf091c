"""Position information: sinusoidal encodings (added to embeddings) and RoPE (rotating queries and keys).

Sinusoidal: PE[pos, 2i] = sin(pos · ω_i), PE[pos, 2i+1] = cos(pos · ω_i) with ω_i = base^(-2i/d):
wavelengths run from 2π to 2π · base^((d-2)/d) positions. RoPE rotates each pair (q_2i, q_2i+1) by the
angle pos · ω_i, so a query at m and a key at n score (R_m q) · (R_n k) = q · R_(n-m) k: the score
depends on the offset n - m only. Leaves out: learned absolute positions, ALiBi, and context-extension
tricks (position interpolation, YaRN).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from llmquiz.demos.numerics import r
from llmquiz.demos.result import DemoResult, Heatmap, Note, Table
from llmquiz.errors import UsageError


def frequencies(d_model: int, base: float) -> np.ndarray:
    """ω_i = base^(-2i/d) for each of the d/2 dimension pairs."""
    return base ** (-np.arange(0, d_model, 2) / d_model)


def sinusoidal(positions: int | np.ndarray, d_model: int, base: float = 10000.0) -> np.ndarray:
    """The sinusoidal encodings of "Attention Is All You Need": one row per position.

    `positions` is a count (rows for 0 … positions-1) or the positions themselves, so a far position
    costs one row, not a table up to it.

    Example:
        >>> bool(np.allclose(sinusoidal(np.array([7]), 8), sinusoidal(8, 8)[7]))
        True
    """
    pos = np.arange(positions) if np.isscalar(positions) else np.asarray(positions)
    angles = pos[:, None] * frequencies(d_model, base)[None, :]
    pe = np.empty((len(pos), d_model))
    pe[:, 0::2], pe[:, 1::2] = np.sin(angles), np.cos(angles)
    return pe


def rope(x: np.ndarray, pos: int, base: float = 10000.0) -> np.ndarray:
    """`x` (d,) rotated pairwise by pos · ω_i: RoPE as applied to one query or key.

    Example:
        >>> q, k = np.ones(4), np.arange(4.0)
        >>> bool(np.isclose(rope(q, 5) @ rope(k, 2), rope(q, 13) @ rope(k, 10)))
        True
    """
    theta = pos * frequencies(len(x), base)
    cos, sin = np.cos(theta), np.sin(theta)
    even, odd = x[0::2], x[1::2]
    out = np.empty_like(x, dtype=np.float64)
    out[0::2], out[1::2] = even * cos - odd * sin, even * sin + odd * cos
    return out


def compute(name: str, args: dict[str, Any], rng: np.random.Generator) -> DemoResult:
    d, n_pos, base, offset = args["d_model"], args["positions"], args["base"], args["offset"]
    if d % 2:
        raise UsageError(f"--d-model {d} must be even: position encodings use (sin, cos) pairs.")
    pe = sinusoidal(n_pos, d, base)
    wavelengths = 2 * np.pi / frequencies(d, base)
    cols = min(d, 8)

    q, k = rng.standard_normal(d), rng.standard_normal(d)
    starts = list(range(0, 6 * n_pos, n_pos))[:6]  # key positions spread far apart
    rope_scores = [float(rope(q, n + offset, base) @ rope(k, n, base)) for n in starts]
    # The same check for absolute encodings added to q and k: the score moves with the position.
    pe_q, pe_k = sinusoidal(np.array(starts) + offset, d, base), sinusoidal(np.array(starts), d, base)
    abs_scores = [float((q + pe_q[i]) @ (k + pe_k[i])) for i in range(len(starts))]
    rope_change = max(rope_scores) - min(rope_scores)
    abs_change = max(abs_scores) - min(abs_scores)

    sections = (
        Table(f"sinusoidal PE (first {cols} of {d} dims)", ("pos", *(f"{'sin' if j % 2 == 0 else 'cos'} "
                                                                   f"ω{j // 2}" for j in range(cols))),
              tuple((str(p), *(f"{pe[p, j]:+.3f}" for j in range(cols))) for p in range(n_pos))),
        Heatmap("PE as shades (0 = -1, 1 = +1): fast dims on the left, slow on the right",
                tuple(f"pos {p}" for p in range(n_pos)), tuple(f"d{j}" for j in range(min(d, 16))),
                tuple(tuple(float((pe[p, j] + 1) / 2) for j in range(min(d, 16))) for p in range(n_pos))),
        Note(f"With base {base:,.0f}, wavelengths run from {wavelengths[0]:.2f} positions (dims 0-1) to "
             f"{wavelengths[-1]:,.0f} (dims {d - 2}-{d - 1}): each position gets a unique pattern."),
        Table(f"RoPE: query at n + {offset}, key at n (random q, k of width {d})",
              ("key position n", "RoPE score", "absolute PE score"),
              tuple((str(n), f"{s:+.6f}", f"{a:+.4f}") for n, s, a in zip(starts, rope_scores, abs_scores,
                                                                        strict=True))),
        Note(f"RoPE scores change by {rope_change:.1e} across positions (rounding only): they depend on the "
             f"offset {offset} alone. With absolute encodings added, they change by {abs_change:.2f}."),
    )
    data = {"d_model": d, "positions": n_pos, "base": base, "offset": offset,
            "sinusoidal": [[r(v) for v in row[:cols]] for row in pe],
            "wavelength_min": r(wavelengths[0]), "wavelength_max": r(wavelengths[-1], 2),
            "rope_key_positions": starts, "rope_scores": [r(s, 8) for s in rope_scores],
            "rope_max_shift_change": rope_change, "absolute_max_shift_change": r(abs_change)}
    return DemoResult(name, (
        "Attention is order-blind, so position goes in: sinusoidal encodings add sin/cos waves of many "
        "wavelengths to each embedding.",
        "RoPE instead rotates q and k by an angle proportional to the position, so q·k depends only on "
        "the offset between the two tokens."), data, sections,
        measured=("rope_scores", "rope_max_shift_change", "absolute_max_shift_change"))
