"""One palette and the shared plumbing of every figure (axes handling, validation)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ecosystem.core.errors import ConfigError

__all__ = [
    "DOMAIN_COLOURS",
    "DOMAIN_MARKERS",
    "OKABE_ITO",
    "OUTCOME_COLOURS",
    "OUTCOME_LABELS",
    "SIGNAL",
    "TIE_STYLES",
]

#: The Okabe-Ito palette (Okabe, M. and Ito, K. 2008, "Color Universal Design (CUD): how to make
#: figures and presentations that are friendly to colorblind people", J*FLY): eight colours that
#: stay distinct for the common forms of colour blindness.
OKABE_ITO: Mapping[str, str] = MappingProxyType({
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
})

#: One colour per domain, the same in every figure of the library.
DOMAIN_COLOURS: Mapping[str, str] = MappingProxyType({
    "medical": OKABE_ITO["blue"],
    "social": OKABE_ITO["bluish_green"],
    "informal": OKABE_ITO["orange"],
})

#: Marker per sector: formal actors are discs, informal ones diamonds, so the informal sector
#: stays distinguishable without colour (in print, for colour-blind readers).
SECTOR_MARKERS: Mapping[str, str] = MappingProxyType({"formal": "o", "informal": "D"})
DOMAIN_MARKERS: Mapping[str, str] = MappingProxyType({
    "medical": "o", "social": "o", "informal": "D"})

#: Colour of what a figure points out: missing or suggested ties, cut actors, critical ties.
SIGNAL = OKABE_ITO["vermillion"]

#: Colour of each flow outcome; none reuses a domain colour.
OUTCOME_COLOURS: Mapping[str, str] = MappingProxyType({
    "resolved_appropriate": OKABE_ITO["sky_blue"],
    "resolved_elsewhere": OKABE_ITO["yellow"],
    "medicalised": OKABE_ITO["yellow"],
    "stuck": OKABE_ITO["reddish_purple"],
    "lost": OKABE_ITO["vermillion"],
    "exceeded": "#555555",
})

#: Words a reader understands, for the outcome ids.
OUTCOME_LABELS: Mapping[str, str] = MappingProxyType({
    "resolved_appropriate": "resolved in the right domain",
    "resolved_elsewhere": "resolved in another domain",
    "medicalised": "of which medicalised",
    "stuck": "stuck (nowhere to refer)",
    "lost": "lost in a referral",
    "exceeded": "still referred after the hop limit",
})

#: How each tie kind is drawn: colour, line width, alpha, dashes, arrowheads.
TIE_STYLES: Mapping[str, Mapping[str, Any]] = MappingProxyType({
    "referral": MappingProxyType({"color": "#333333", "lw": 0.9, "alpha": 0.55,
                                  "arrows": True, "label": "referral (arrow: to whom)"}),
    "collaboration": MappingProxyType({"color": "#333333", "lw": 1.4, "alpha": 0.45,
                                       "arrows": False, "label": "collaboration"}),
})
#: Style of the tie kinds not in :data:`TIE_STYLES` (funding, information, membership, ...).
OTHER_TIE_STYLE: Mapping[str, Any] = MappingProxyType({"color": "#999999", "lw": 0.6,
                                                       "alpha": 0.35, "arrows": False})

#: Colours for categories without their own palette entry (kinds, neighbourhoods, roles).
CYCLE = (OKABE_ITO["blue"], OKABE_ITO["orange"], OKABE_ITO["bluish_green"],
         OKABE_ITO["reddish_purple"], OKABE_ITO["sky_blue"], OKABE_ITO["vermillion"],
         OKABE_ITO["yellow"], OKABE_ITO["black"])


def domain_colour(domain: object) -> str:
    """The palette colour of a domain (grey for an unknown or missing one)."""
    return DOMAIN_COLOURS.get(str(domain), "#888888")


def new_axes(ax: Axes | None, func: str, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """The given axes and its figure, or a new figure (not registered with pyplot) and axes.

    New figures are plain :class:`matplotlib.figure.Figure` objects: nothing is shown or kept
    open behind the caller's back; Jupyter displays a returned figure once, ``fig.savefig``
    writes it.
    """
    if ax is None:
        fig = Figure(figsize=figsize, layout="constrained")
        return fig, fig.add_subplot()
    if not isinstance(ax, Axes):
        raise ConfigError(f"{func}(): ax= must be a matplotlib Axes or None, got "
                          f"{type(ax).__name__}")
    return root_figure(ax), ax


def root_figure(ax: Axes) -> Figure:
    """The top-level figure of an axes (also when it sits in a sub-figure)."""
    fig = ax.get_figure(root=True)
    assert isinstance(fig, Figure)
    return fig


def as_table(obj: Any, func: str, what: str) -> pd.DataFrame:
    """Check that ``obj`` is a DataFrame (the result of an analysis function)."""
    if not isinstance(obj, pd.DataFrame):
        raise ConfigError(f"{func}(): {what} must be a pandas DataFrame, got "
                          f"{type(obj).__name__}")
    return obj


def check_int(value: Any, func: str, name: str, minimum: int = 0) -> int:
    """A non-bool int >= minimum, or a ConfigError naming the parameter."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ConfigError(f"{func}(): {name} must be an int >= {minimum}, got {value!r}")
    return int(value)
