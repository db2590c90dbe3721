"""Sparse building blocks shared by the analysis functions (vectorised, no per-node loops)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

# Upper bound on the stored entries of one block's two-step product (about 16 bytes each), so a
# block needs a few hundred MB at most whatever the size of the ecosystem.
BLOCK_ENTRIES = 20_000_000


def _row_sum(rows: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Sum of ``values`` per row id (float even when empty, which bincount is not)."""
    return np.bincount(rows, weights=values, minlength=n).astype(np.float64, copy=False)


def _at_pattern(prod: sp.csr_array, pattern: sp.csr_array) -> np.ndarray:
    """Values of ``prod`` at the stored entries of ``pattern`` (0 where prod has none)."""
    hit = pattern.multiply(prod).tocsr()
    hit.sum_duplicates()
    hit.sort_indices()
    # hit's entries are a subset of pattern's, both sorted row-major: align by position keys.
    ncol = pattern.shape[1]
    key_p = np.repeat(np.arange(pattern.shape[0], dtype=np.int64), np.diff(pattern.indptr)) \
        * ncol + pattern.indices
    key_h = np.repeat(np.arange(hit.shape[0], dtype=np.int64), np.diff(hit.indptr)) \
        * ncol + hit.indices
    out = np.zeros(pattern.nnz, dtype=hit.dtype)
    out[np.searchsorted(key_p, key_h)] = hit.data
    return out


def _blocks(cost: np.ndarray, budget: int | None = None) -> list[tuple[int, int]]:
    """Consecutive row ranges whose summed ``cost`` stays near ``budget`` (at least one row).

    ``budget`` defaults to :data:`BLOCK_ENTRIES`, read at call time.
    """
    budget = BLOCK_ENTRIES if budget is None else budget
    n = len(cost)
    if n == 0:
        return []
    ends = np.searchsorted(np.cumsum(cost), np.arange(1, int(cost.sum() // budget) + 1) * budget)
    cuts = np.unique(np.concatenate([[0], np.clip(ends, 1, n), [n]]))
    return list(zip(cuts[:-1].tolist(), cuts[1:].tolist(), strict=True))
