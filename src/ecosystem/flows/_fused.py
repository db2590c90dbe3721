"""Fused vector updates of the exact solver's iterative tail (BiCGSTAB, one row at a time).

Why compiled: on a million actors an iteration of BiCGSTAB is two sparse products and about
twenty passes over the vectors when written with NumPy (temporaries for every ``a + b * c``),
and the passes cost as much as the products. Each function here does in one pass what NumPy
does in three to six, so an iteration reads each vector about once. The arithmetic of each
element is the NumPy expression's; only the sums are accumulated in another order (they are
reassociated so that the compiler can vectorise them).
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["direction", "full_step", "half_step", "residual", "residual_dots"]

Array = np.ndarray
_jit = numba.njit(cache=True, nogil=True, fastmath={"reassoc"})


@_jit
def direction(p: Array, r: Array, w: Array, beta: float, omega: float, gain: Array,
              scaled: Array) -> None:
    """``p = r + beta (p - omega w)`` in place, and ``scaled = p gain`` (the next product's
    input)."""
    for i in range(p.shape[0]):
        v = r[i] + beta * (p[i] - omega * w[i])
        p[i] = v
        scaled[i] = v * gain[i]


@_jit
def residual(x: Array, y: Array, scale: Array, out: Array, other: Array) -> float:
    """``out = x - scale y`` (the operator ``I - Q`` applied to x, given ``y``, the product
    before the target-side scaling); returns ``other . out``."""
    d = 0.0
    for i in range(x.shape[0]):
        v = x[i] - scale[i] * y[i]
        out[i] = v
        d += other[i] * v
    return d


@_jit
def residual_dots(x: Array, y: Array, scale: Array, out: Array) -> tuple[float, float]:
    """``out = x - scale y``; returns ``(out . out, out . x)``."""
    tt = 0.0
    tx = 0.0
    for i in range(x.shape[0]):
        v = x[i] - scale[i] * y[i]
        out[i] = v
        tt += v * v
        tx += v * x[i]
    return tt, tx


@_jit
def half_step(s: Array, r: Array, w: Array, alpha: float, gain: Array, scaled: Array
              ) -> float:
    """``s = r - alpha w`` and ``scaled = s gain``; returns ``s . s``."""
    d = 0.0
    for i in range(s.shape[0]):
        v = r[i] - alpha * w[i]
        s[i] = v
        scaled[i] = v * gain[i]
        d += v * v
    return d


@_jit
def full_step(x: Array, r: Array, p: Array, s: Array, t: Array, alpha: float, omega: float,
              r_hat: Array) -> tuple[float, float]:
    """``x = x + alpha p + omega s`` and ``r = s - omega t``; returns ``(r . r, r_hat . r)``."""
    rr = 0.0
    hr = 0.0
    for i in range(x.shape[0]):
        x[i] = (x[i] + alpha * p[i]) + omega * s[i]
        v = s[i] - omega * t[i]
        r[i] = v
        rr += v * v
        hr += r_hat[i] * v
    return rr, hr
