"""What every algorithm shares: option checks and running per neighbourhood."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from ecosystem.core.ecosystem import Ecosystem
from ecosystem.core.errors import ConfigError, not_an_ecosystem


def check_ecosystem(eco: object, func: str) -> Ecosystem:
    """Raise ConfigError unless ``eco`` is an Ecosystem (naming the right converter)."""
    if not isinstance(eco, Ecosystem):
        raise ConfigError(not_an_ecosystem(eco, func))
    return eco


def by_neighbourhood(
    eco: Ecosystem, per: str | None, func: Callable[..., pd.DataFrame], *,
    caller: str | None = None, **kwargs: Any
) -> pd.DataFrame:
    """Run ``func(eco, **kwargs)``, or with ``per="neighbourhood"`` once per neighbourhood.

    Each neighbourhood's run sees ``eco.subset(neighbourhoods=nb, include_shared=True)``: its own
    actors plus the shared ones (no neighbourhood), with the ties among them. Results are stacked
    with an outer index level ``neighbourhood`` (a shared actor appears once per neighbourhood).
    ``caller`` is the public function's name, for messages.
    """
    if per is None:
        return func(eco, **kwargs)
    if per != "neighbourhood":
        where = f"{caller}(): " if caller else ""
        raise ConfigError(f"{where}per={per!r} is not accepted; use None or 'neighbourhood'")
    parts = {nb: func(eco.subset(neighbourhoods=nb, include_shared=True), **kwargs)
             for nb in eco.neighbourhoods.index}
    if not parts:
        empty = func(eco.subset(ids=[]), **kwargs)
        return empty.set_index(pd.MultiIndex.from_arrays(
            [pd.Index([], dtype="str"), empty.index], names=["neighbourhood", empty.index.name]))
    return pd.concat(parts, names=["neighbourhood"])


#: Within one view, every positive tie strength must be at least this fraction of the largest
#: (and so must every positive tie length of a distance column). Rescaled to a largest
#: strength of 1, smaller ones would leave the normal range of double-precision floats
#: (about 2.2e-308) and lose their digits.
WEIGHT_RANGE = 1e-300


def rescale(values: np.ndarray, func: str, what: str = "tie strengths"
            ) -> tuple[np.ndarray, float]:
    """``values / scale`` with ``scale`` the largest value (1 when there is none), and scale.

    Scale-invariant measures (eigenvector, PageRank, hubs and authorities, constraint) use the
    rescaled values, so the magnitude of the weights (euros, 1e-200 or 1e200) never changes
    their results nor overflows a product inside igraph or LAPACK. Raises ConfigError when the
    positive values span more than ``1 / WEIGHT_RANGE``.
    """
    values = np.asarray(values, dtype=np.float64)
    positive = values[values > 0]
    if positive.size == 0:
        return values, 1.0
    top, low = float(positive.max()), float(positive.min())
    if low < top * WEIGHT_RANGE or low < np.finfo(np.float64).tiny:
        raise ConfigError(
            f"{func}(): {what} range from {low:.3g} to {top:.3g}; the smallest positive one "
            f"must be at least {WEIGHT_RANGE:g} times the largest and at least "
            f"{np.finfo(np.float64).tiny:.3g} (a normal double). Drop or merge the weakest "
            "ties, or transform the weights (for instance log1p)", field="weight")
    return values / top, top
