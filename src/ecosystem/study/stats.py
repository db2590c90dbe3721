"""Statistics of comparison studies: bootstrap confidence intervals and effect sizes."""

from __future__ import annotations

import numpy as np
from scipy import stats

from ecosystem.core.errors import ConfigError
from ecosystem.core.random import Seed, as_generator

__all__ = ["bootstrap_mean_ci", "cohen_d"]

# Bound on the floats held at once by one batch of resamples (groups x resamples x n).
_BLOCK = 20_000_000


def bootstrap_mean_ci(
    values: np.ndarray,
    *,
    confidence: float = 0.95,
    n_resamples: int = 4000,
    seed: Seed = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile bootstrap confidence intervals of the mean, for many samples at once.

    Each row of ``values`` (groups x n) is one sample. This is :func:`scipy.stats.bootstrap`
    with ``method="percentile"``, vectorised over the rows: ``n_resamples`` resamples of the
    ``n`` values are drawn with replacement and the interval is the ``(1 - confidence) / 2``
    and ``(1 + confidence) / 2`` quantiles of the resampled means (Efron & Tibshirani 1993,
    *An Introduction to the Bootstrap*, ch. 13). Its coverage for a mean of n = 30 is slightly
    below nominal (about 0.936 at 0.95 for normal data, less for skewed data). The percentile
    interval is used rather than SciPy's default BCa because it is defined for every sample
    (BCa is undefined for constant samples, common among replicate metrics) and is
    equivariant under shifts of the data.

    Parameters
    ----------
    values : array_like
        2-D array, groups x n (a 1-D array is one group). No NaN.
    confidence : float
        Confidence level, in (0, 1).
    n_resamples : int
        Bootstrap resamples.
    seed : int, numpy.random.Generator or None
        Seed of the resampling; the default 0 makes summaries reproducible.

    Returns
    -------
    low, high : numpy.ndarray
        One bound per group. For n = 1 both equal the value; for n = 0 both are NaN.

    Examples
    --------
    >>> import numpy as np
    >>> from ecosystem.study import bootstrap_mean_ci
    >>> lo, hi = bootstrap_mean_ci(np.arange(30.0), seed=1)
    >>> bool(lo[0] < 14.5 < hi[0])
    True
    """
    x = np.atleast_2d(np.asarray(values, dtype=np.float64))
    if not 0 < confidence < 1:
        raise ConfigError(f"bootstrap_mean_ci(): confidence={confidence!r} must be in (0, 1)")
    if not (isinstance(n_resamples, (int, np.integer)) and n_resamples >= 1):
        raise ConfigError(f"bootstrap_mean_ci(): n_resamples={n_resamples!r} must be an int >= 1")
    g, n = x.shape
    if n == 0 or g == 0:
        return np.full(g, np.nan), np.full(g, np.nan)
    if n == 1:  # every resample is the value itself (SciPy requires two observations)
        return x[:, 0].copy(), x[:, 0].copy()
    res = stats.bootstrap(
        (x,), np.mean, axis=-1, vectorized=True, paired=False, method="percentile",
        confidence_level=confidence, n_resamples=int(n_resamples),
        batch=max(1, _BLOCK // (g * n)), rng=as_generator(seed),
    ).confidence_interval
    return np.asarray(res.low, dtype=np.float64), np.asarray(res.high, dtype=np.float64)


def cohen_d(a: np.ndarray, b: np.ndarray) -> float:
    """Cohen's d: ``(mean(a) - mean(b)) / s`` with the pooled standard deviation
    ``s = sqrt(((n_a - 1) s_a^2 + (n_b - 1) s_b^2) / (n_a + n_b - 2))`` (Cohen 1988).

    NaN when ``s`` is 0 or undefined (fewer than 3 values in all).

    Parameters
    ----------
    a, b : array_like
        The two samples (no NaN).

    Returns
    -------
    float
        The effect size of ``a`` against ``b``.

    Examples
    --------
    >>> from ecosystem.study import cohen_d
    >>> round(cohen_d([2.0, 4.0, 6.0], [1.0, 2.0, 3.0]), 4)
    1.2649
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    na, nb = len(a), len(b)
    if na + nb < 3 or na == 0 or nb == 0:
        return float("nan")
    va = a.var(ddof=1) if na > 1 else 0.0
    vb = b.var(ddof=1) if nb > 1 else 0.0
    s = np.sqrt(((na - 1) * va + (nb - 1) * vb) / (na + nb - 2))
    return float((a.mean() - b.mean()) / s) if s > 0 else float("nan")
