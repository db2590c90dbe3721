"""What every algorithm shares: option checks and running per neighbourhood."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from ecosystem.core.ecosystem import Ecosystem
from ecosystem.core.errors import ConfigError


def check_ecosystem(eco: object, func: str) -> Ecosystem:
    """Raise ConfigError unless ``eco`` is an Ecosystem."""
    if not isinstance(eco, Ecosystem):
        raise ConfigError(f"{func}(): expected an Ecosystem first, got {type(eco).__name__}")
    return eco


def by_neighbourhood(
    eco: Ecosystem, by: str | None, func: Callable[..., pd.DataFrame], **kwargs: Any
) -> pd.DataFrame:
    """Run ``func(eco, **kwargs)``, or with ``by="neighbourhood"`` once per neighbourhood.

    Each neighbourhood's run sees ``eco.subset(neighbourhoods=nb, include_shared=True)``: its own
    actors plus the shared ones (no neighbourhood), with the ties among them. Results are stacked
    with an outer index level ``neighbourhood`` (a shared actor appears once per neighbourhood).
    """
    if by is None:
        return func(eco, **kwargs)
    if by != "neighbourhood":
        raise ConfigError(f"by='{by}' is not accepted; use None or 'neighbourhood'")
    parts = {nb: func(eco.subset(neighbourhoods=nb, include_shared=True), **kwargs)
             for nb in eco.neighbourhoods.index}
    if not parts:
        empty = func(eco.subset(ids=[]), **kwargs)
        return empty.set_index(pd.MultiIndex.from_arrays(
            [pd.Index([], dtype="str"), empty.index], names=["neighbourhood", empty.index.name]))
    return pd.concat(parts, names=["neighbourhood"])
