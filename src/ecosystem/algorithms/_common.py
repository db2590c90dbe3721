"""What every algorithm shares: option checks and running per neighbourhood."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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
             for nb in eco.neighbourhoods}
    if not parts:
        empty = func(eco.subset(ids=[]), **kwargs)
        return empty.set_index(pd.MultiIndex.from_arrays(
            [pd.Index([], dtype="str"), empty.index], names=["neighbourhood", empty.index.name]))
    return pd.concat(parts, names=["neighbourhood"])
