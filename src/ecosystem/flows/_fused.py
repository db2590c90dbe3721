"""Compiled kernels of the exact solver's iterative tail (BiCGSTAB), for one need or a block.

The tail solves one system per need, with one matrix :math:`M^\\top` shared by all of them
(see :mod:`ecosystem.flows.exact`).

- Each vector update does in one pass what NumPy does in three to six (temporaries for every
  ``a + b * c``), so an iteration reads each vector about once. Why compiled: on a million
  actors the passes written with NumPy cost as much as the sparse products.
- On large networks the vectors of up to eight needs are held side by side, an actors x 8
  array, so that :func:`block_product` reads the matrix once for the whole block, and each
  stored pair gathers one cache line (the eight needs' values of one actor) instead of one
  per need. Every column is its own BiCGSTAB: scalars are per column (arrays of the block's
  width), and a column whose scalars are 0 stays where it is (how converged columns are
  frozen). The block kernels index two dimensions, which costs more than the 1-D loops of
  one need when the vectors fit in cache (:data:`SINGLE` gives those behind the same
  signatures).

The arithmetic of each element is the NumPy expression's; only the dot products are
accumulated in another order (reassociated so that the compiler can vectorise them).
"""

from __future__ import annotations

from types import SimpleNamespace

import numba
import numpy as np

__all__ = ["BLOCK", "SINGLE", "WIDTH", "block_product"]

Array = np.ndarray
#: Columns of a block that :func:`block_product` serves (a narrower block goes column by
#: column through SciPy's product; see :mod:`ecosystem.flows.exact`).
WIDTH = 8
_jit = numba.njit(cache=True, nogil=True, boundscheck=False)
_fast = numba.njit(cache=True, nogil=True, boundscheck=False, fastmath={"reassoc"})


@_jit
def block_product(indptr: Array, indices: Array, data: Array, x: Array, out: Array) -> None:
    """``out = A @ x`` for a CSR matrix ``A`` and an n x 8 C-ordered block ``x``.

    The eight sums of a row are kept in registers and each is accumulated in the order of the
    row's stored pairs, as SciPy's product of one vector does. Unsigned positions spare every
    access numba's check for a negative index (a branch per stored pair).
    """
    for i in range(indptr.shape[0] - 1):
        a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = 0.0
        for q in range(np.uint64(indptr[i]), np.uint64(indptr[i + 1])):
            c = np.uint64(indices[q])
            v = data[q]
            a0 += v * x[c, 0]
            a1 += v * x[c, 1]
            a2 += v * x[c, 2]
            a3 += v * x[c, 3]
            a4 += v * x[c, 4]
            a5 += v * x[c, 5]
            a6 += v * x[c, 6]
            a7 += v * x[c, 7]
        out[i, 0] = a0
        out[i, 1] = a1
        out[i, 2] = a2
        out[i, 3] = a3
        out[i, 4] = a4
        out[i, 5] = a5
        out[i, 6] = a6
        out[i, 7] = a7


# One need: 1-D vectors, scalars as floats.


@_fast
def direction(p: Array, r: Array, w: Array, beta: float, omega: float, gain: Array,
              scaled: Array) -> None:
    """``p = r + beta (p - omega w)`` in place, and ``scaled = p gain`` (the next product's
    input)."""
    for i in range(p.shape[0]):
        v = r[i] + beta * (p[i] - omega * w[i])
        p[i] = v
        scaled[i] = v * gain[i]


@_fast
def residual(x: Array, y: Array, scale: Array, out: Array, other: Array) -> float:
    """``out = x - scale y`` (the operator ``I - Q`` applied to x, given ``y``, the product
    before the target-side scaling); returns ``other . out``."""
    d = 0.0
    for i in range(x.shape[0]):
        v = x[i] - scale[i] * y[i]
        out[i] = v
        d += other[i] * v
    return d


@_fast
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


@_fast
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


@_fast
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


# A block of needs: actors x width arrays, scalars as arrays of the width.


@_fast
def block_direction(p: Array, r: Array, w: Array, beta: Array, omega: Array, gain: Array,
              scaled: Array) -> None:
    """``p = r + beta (p - omega w)`` in place, and ``scaled = p gain`` (the next product's
    input)."""
    for i in range(p.shape[0]):
        for j in range(p.shape[1]):
            v = r[i, j] + beta[j] * (p[i, j] - omega[j] * w[i, j])
            p[i, j] = v
            scaled[i, j] = v * gain[i, j]


@_fast
def block_residual(x: Array, y: Array, scale: Array, out: Array, other: Array) -> Array:
    """``out = x - scale y`` (the operator ``I - Q`` applied to x, given ``y``, the product
    before the target-side scaling); returns ``other . out`` per column."""
    d = np.zeros(x.shape[1])
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            v = x[i, j] - scale[i, j] * y[i, j]
            out[i, j] = v
            d[j] += other[i, j] * v
    return d


@_fast
def block_residual_dots(x: Array, y: Array, scale: Array, out: Array) -> tuple[Array, Array]:
    """``out = x - scale y``; returns ``(out . out, out . x)`` per column."""
    tt = np.zeros(x.shape[1])
    tx = np.zeros(x.shape[1])
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            v = x[i, j] - scale[i, j] * y[i, j]
            out[i, j] = v
            tt[j] += v * v
            tx[j] += v * x[i, j]
    return tt, tx


@_fast
def block_half_step(s: Array, r: Array, w: Array, alpha: Array, gain: Array, scaled: Array
              ) -> Array:
    """``s = r - alpha w`` and ``scaled = s gain``; returns ``s . s`` per column."""
    d = np.zeros(s.shape[1])
    for i in range(s.shape[0]):
        for j in range(s.shape[1]):
            v = r[i, j] - alpha[j] * w[i, j]
            s[i, j] = v
            scaled[i, j] = v * gain[i, j]
            d[j] += v * v
    return d


@_fast
def block_full_step(x: Array, r: Array, p: Array, s: Array, t: Array, alpha: Array, omega: Array,
              r_hat: Array) -> tuple[Array, Array]:
    """``x = x + alpha p + omega s`` and ``r = s - omega t``; returns ``(r . r, r_hat . r)``
    per column."""
    rr = np.zeros(x.shape[1])
    hr = np.zeros(x.shape[1])
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            x[i, j] = (x[i, j] + alpha[j] * p[i, j]) + omega[j] * s[i, j]
            v = s[i, j] - omega[j] * t[i, j]
            r[i, j] = v
            rr[j] += v * v
            hr[j] += r_hat[i, j] * v
    return rr, hr


#: The block kernels, by the names :data:`SINGLE` shares.
BLOCK = SimpleNamespace(direction=block_direction, residual=block_residual,
                        residual_dots=block_residual_dots, half_step=block_half_step,
                        full_step=block_full_step)


def _single_direction(p: Array, r: Array, w: Array, beta: Array, omega: Array, gain: Array,
                      scaled: Array) -> None:
    direction(p.reshape(-1), r.reshape(-1), w.reshape(-1), beta[0], omega[0],
              gain.reshape(-1), scaled.reshape(-1))


def _single_residual(x: Array, y: Array, scale: Array, out: Array, other: Array) -> Array:
    return np.array([residual(x.reshape(-1), y.reshape(-1), scale.reshape(-1),
                              out.reshape(-1), other.reshape(-1))])


def _single_residual_dots(x: Array, y: Array, scale: Array, out: Array
                          ) -> tuple[Array, Array]:
    tt, tx = residual_dots(x.reshape(-1), y.reshape(-1), scale.reshape(-1), out.reshape(-1))
    return np.array([tt]), np.array([tx])


def _single_half_step(s: Array, r: Array, w: Array, alpha: Array, gain: Array, scaled: Array
                      ) -> Array:
    return np.array([half_step(s.reshape(-1), r.reshape(-1), w.reshape(-1), alpha[0],
                               gain.reshape(-1), scaled.reshape(-1))])


def _single_full_step(x: Array, r: Array, p: Array, s: Array, t: Array, alpha: Array,
                      omega: Array, r_hat: Array) -> tuple[Array, Array]:
    rr, hr = full_step(x.reshape(-1), r.reshape(-1), p.reshape(-1), s.reshape(-1),
                       t.reshape(-1), alpha[0], omega[0], r_hat.reshape(-1))
    return np.array([rr]), np.array([hr])


#: The 1-D kernels of one need behind the block kernels' signatures (actors x 1 arrays, whose
#: ``reshape(-1)`` is a contiguous view; scalars as arrays of length 1).
SINGLE = SimpleNamespace(direction=_single_direction, residual=_single_residual,
                         residual_dots=_single_residual_dots, half_step=_single_half_step,
                         full_step=_single_full_step)
