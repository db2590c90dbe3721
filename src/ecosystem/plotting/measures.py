"""Per-actor measures as ranked bars, and the domain-by-domain tie matrix as a heatmap."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ecosystem.algorithms.mixing import Mixing
from ecosystem.core.ecosystem import Ecosystem
from ecosystem.core.errors import ConfigError, ValidationError, suggest
from ecosystem.core.schema import DOMAINS
from ecosystem.plotting._style import (
    DOMAIN_COLOURS,
    OKABE_ITO,
    as_table,
    check_int,
    domain_colour,
    new_axes,
)

__all__ = ["plot_mixing", "plot_ranking"]

#: Brokerage roles (Gould & Fernandez 1989) in the order of :func:`ecosystem.brokerage`, each
#: with a colour that is not a domain colour.
_ROLE_COLOURS = {
    "coordinator": OKABE_ITO["sky_blue"],
    "itinerant": OKABE_ITO["yellow"],
    "representative": OKABE_ITO["reddish_purple"],
    "gatekeeper": OKABE_ITO["vermillion"],
    "liaison": "#555555",
}


def plot_ranking(
    table: pd.DataFrame,
    column: str | None = None,
    *,
    eco: Ecosystem | None = None,
    top: int = 15,
    ascending: bool = False,
    ax: Axes | None = None,
) -> Figure:
    """The ``top`` actors of a per-actor table as horizontal bars, largest at the top.

    Works with any table indexed by actor id (:func:`~ecosystem.centrality`,
    :func:`~ecosystem.structural_holes`, :func:`~ecosystem.brokerage`, a flow result's
    ``per_actor``, your own). Bars are coloured by the actor's domain when ``eco`` is given.
    For the brokerage table with ``column=None`` or ``"total"`` the bars are stacked by role
    (coordinator, itinerant, representative, gatekeeper, liaison; Gould & Fernandez 1989) and
    the actor names coloured by domain. Actors without a value (NaN) cannot be ranked: they are
    left out and counted in the axis label.

    Parameters
    ----------
    table
        Per-actor DataFrame indexed by actor id.
    column
        The numeric column to rank by; may be omitted for the brokerage table.
    eco
        The ecosystem, to colour by domain.
    top
        Number of actors shown.
    ascending
        Rank the smallest first (e.g. Burt's constraint, where low means a broker).
    ax
        Axes to draw into; a new figure when ``None``.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    EcosystemError
        An unknown or non-numeric column, a table whose actors are not in ``eco``.

    Examples
    --------
    >>> from ecosystem import datasets, structural_holes
    >>> from ecosystem.plotting import plot_ranking
    >>> eco = datasets.example()
    >>> fig = plot_ranking(structural_holes(eco), "constraint", eco=eco, top=3, ascending=True)
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['gp_west', 'team_oost', 'team_west']
    """
    func = "plot_ranking"
    table = as_table(table, func, "table")
    top = check_int(top, func, "top", 1)
    roles = list(_ROLE_COLOURS)
    stacked = set(roles) <= set(table.columns) and column in (None, "total")
    if column is None and not stacked:
        raise ConfigError(f"{func}(): give the column to rank by; columns: "
                          f"{list(table.columns)}")
    if column is not None and column not in table.columns:
        cols = [str(c) for c in table.columns]
        raise ConfigError(f"{func}(): column {column!r} is not in the table"
                          f"{suggest(str(column), cols)} Columns: {cols}")
    values = (table[roles].sum(axis=1) if stacked and column is None else table[column])
    if isinstance(values, pd.DataFrame) or not pd.api.types.is_numeric_dtype(values.dtype) \
            or pd.api.types.is_bool_dtype(values.dtype):
        raise ConfigError(f"{func}(): column {column!r} is not numeric")
    domains = _domains(table, eco, func)
    missing = int(values.isna().sum())
    values = values.dropna().astype(float)
    order = np.lexsort((values.index.astype(str).to_numpy(),
                        values.to_numpy() if ascending else -values.to_numpy()))
    chosen = values.iloc[order[:top]]
    fig, ax = new_axes(ax, func, (7.5, 1.3 + 0.32 * len(chosen)))
    y = np.arange(len(chosen), dtype=float)
    names = [str(i) for i in chosen.index]
    handles: list[Any] = []
    if stacked:
        left = np.zeros(len(chosen))
        for role in roles:
            w = table.loc[chosen.index, role].to_numpy(dtype=float)
            ax.barh(y, w, left=left, color=_ROLE_COLOURS[role], edgecolor="white",
                    linewidth=0.5, label=role, gid=f"role:{role}")
            left += w
        handles = [Patch(color=_ROLE_COLOURS[r], label=r) for r in roles]
        label = "brokerage roles (count of brokered pairs)"
    else:
        colours = ([domain_colour(domains.loc[i]) for i in chosen.index]
                   if domains is not None else ["#7F7F7F"] * len(chosen))
        ax.barh(y, chosen.to_numpy(), color=colours, edgecolor="white", gid="bars")
        label = str(column)
        if domains is not None:
            present = set(domains.loc[chosen.index])
            handles = [Patch(color=DOMAIN_COLOURS[d], label=d) for d in DOMAINS
                       if d in present]
    ax.set_yticks(y, names)
    if domains is not None:
        for tick, i in zip(ax.get_yticklabels(), chosen.index, strict=True):
            tick.set_color(domain_colour(domains.loc[i]))
    ax.invert_yaxis()
    if missing:
        label += f" ({missing} actor{'s' if missing != 1 else ''} without a value left out)"
    ax.set_xlabel(label)
    which = "lowest" if ascending else "highest"
    note = ("\nnames coloured by domain: medical blue, social green, informal orange"
            if domains is not None and stacked else "")
    ax.set_title(f"{len(chosen)} actors with the {which} "
                 f"{'brokerage' if stacked and column is None else column}{note}", fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    if handles:
        ax.legend(handles=handles, loc="lower right", fontsize=8, frameon=False)
    return fig


def _domains(table: pd.DataFrame, eco: Ecosystem | None, func: str) -> pd.Series | None:
    if eco is None:
        return None
    if not isinstance(eco, Ecosystem):
        raise ConfigError(f"{func}(): eco= must be an Ecosystem, got {type(eco).__name__}")
    absent = pd.Index(table.index).difference(eco.index)
    if len(absent):
        raise ValidationError(f"{func}(): table row '{absent[0]}' is not an actor of eco= "
                              f"({len(absent)} such rows); index the table by actor id")
    dom = eco.actors["domain"].astype(str)
    dom.index = eco.index
    return dom


def plot_mixing(mixing: Mixing, *, weights: bool = False, ax: Axes | None = None) -> Figure:
    """The group-by-group tie matrix of :func:`~ecosystem.mixing` as an annotated heatmap.

    Rows are the groups ties come from, columns the groups they go to; each cell shows its
    number of ties (or summed weight). The title gives the E-I index (-1: every tie within its
    group, +1: every tie across), the value expected from the group sizes alone, and the
    permutation p-value when it was computed.

    Parameters
    ----------
    mixing
        From :func:`~ecosystem.mixing`.
    weights
        Show the summed tie weights instead of the tie counts.
    ax
        Axes to draw into; a new figure when ``None``.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from ecosystem import datasets, mixing
    >>> from ecosystem.plotting import plot_mixing
    >>> fig = plot_mixing(mixing(datasets.example(), n_permutations=99, seed=1))
    >>> fig.axes[0].get_title().splitlines()[0]
    'E-I index -0.60 (expected from group sizes 0.34), permutation p = 0.01'
    """
    func = "plot_mixing"
    if not isinstance(mixing, Mixing):
        raise ConfigError(f"{func}(): expected a Mixing (from mixing()), got "
                          f"{type(mixing).__name__}")
    matrix = mixing.weights if weights else mixing.counts
    if matrix.size == 0:
        raise ValidationError(f"{func}(): the mixing table is empty (no groups); nothing to "
                              "draw")
    order = sorted(matrix.index, key=lambda g: (DOMAINS.index(g) if g in DOMAINS
                                                 else len(DOMAINS), str(g)))
    matrix = matrix.loc[order, order]
    k = len(order)
    fig, ax = new_axes(ax, func, (2.6 + 0.9 * k, 1.9 + 0.8 * k))
    values = matrix.to_numpy(dtype=float)
    image = ax.imshow(values, cmap="Greys", vmin=0, vmax=max(values.max(), 1e-12),
                      gid="matrix")
    top = values.max()
    for i in range(k):
        for j in range(k):
            v = values[i, j]
            text = f"{v:,.0f}" if not weights else f"{v:,.3g}"
            ax.text(j, i, text, ha="center", va="center", fontsize=10,
                    color="white" if top and v > 0.55 * top else "black", gid="cell")
    ax.set_xticks(range(k), [str(g) for g in order])
    ax.set_yticks(range(k), [str(g) for g in order])
    for tick in (*ax.get_xticklabels(), *ax.get_yticklabels()):
        if tick.get_text() in DOMAIN_COLOURS:
            tick.set_color(DOMAIN_COLOURS[tick.get_text()])
            tick.set_fontweight("bold")
    ax.set_xlabel(f"to ({matrix.columns.name or 'target'})")
    ax.set_ylabel(f"from ({matrix.index.name or 'source'})")
    fig.colorbar(image, ax=ax, shrink=0.8, label="tie weight" if weights else "ties")
    o = mixing.overall
    p = o.get("p_value", np.nan)
    ptext = (f"permutation p = {p:.2g}" if p is not None and math.isfinite(p)
             else "no permutation test (n_permutations=0)")
    ax.set_title(f"E-I index {o['ei']:.2f} (expected from group sizes "
                 f"{o['expected_ei']:.2f}), {ptext}\n-1: all ties within a group, +1: all "
                 "across", fontsize=9)
    return fig
