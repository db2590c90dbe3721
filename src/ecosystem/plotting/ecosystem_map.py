"""The ecosystem map: actors coloured by domain, ties by kind, one panel per neighbourhood."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.markers import MarkerStyle
from matplotlib.patches import Circle

from ecosystem.core.ecosystem import Ecosystem, TieSelection
from ecosystem.core.errors import ConfigError, UnknownKindError, ValidationError, suggest
from ecosystem.core.random import Seed, as_generator, igraph_seed
from ecosystem.core.schema import DOMAINS
from ecosystem.plotting._style import (
    CYCLE,
    DOMAIN_COLOURS,
    OTHER_TIE_STYLE,
    SECTOR_MARKERS,
    SIGNAL,
    TIE_STYLES,
    check_int,
    domain_colour,
    new_axes,
    root_figure,
)

__all__ = ["MAX_ACTORS", "domain_layout", "plot_ecosystem"]

#: Above this many actors points become noise: :func:`plot_ecosystem` draws the aggregated map
#: (a library choice, overridable with ``max_actors=``).
MAX_ACTORS = 2_000

#: Angle (degrees) at the middle of each domain's sector in a neighbourhood panel: medical on
#: the left, social top right, informal bottom right, in every panel of every figure.
_SECTOR_CENTRE = {"medical": 180.0, "social": 60.0, "informal": -60.0}
_SECTOR_SPAN = 104.0  # of the 120 degrees per domain; the rest separates the sectors
_CELL = 2.7  # distance between panel centres (panel radius 1)
_SHARED = "(shared)"
#: Above this many panels the panels are too small for their names and block counts.
_MAX_LABELLED_PANELS = 48

_IGRAPH_LAYOUTS = ("auto", "circle", "drl", "fr", "graphopt", "grid", "kk", "lgl", "mds",
                   "random", "star")


def plot_ecosystem(
    eco: Ecosystem,
    *,
    color: str | pd.Series = "domain",
    size: float | str | pd.Series | None = None,
    tie_kinds: TieSelection = None,
    neighbourhoods: str | Iterable[str] | None = None,
    highlight: pd.DataFrame | None = None,
    layout: str | np.ndarray | pd.DataFrame = "domains",
    labels: int = 8,
    max_actors: int | None = MAX_ACTORS,
    seed: Seed = None,
    ax: Axes | None = None,
) -> Figure:
    """Draw the ecosystem: who is there, in which domain, and who is tied to whom.

    Actors are points coloured by domain (the library's palette: medical blue, social green,
    informal orange), informal-sector actors drawn as diamonds and formal ones as discs. Ties
    are lines by kind: referrals dark with an arrowhead towards the actor referred to,
    collaborations dark without, the other kinds (funding, information, membership) light.
    With the default layout every neighbourhood is one round panel in which each domain has the
    same sector (medical left, social top right, informal bottom right), so a missing link
    between domains shows as an empty stretch between sectors; actors without a neighbourhood
    (a hospital, the municipality, serving several neighbourhoods) sit once in a central panel
    and are marked with a black ring. The ``labels`` largest actors are named.

    Above ``max_actors`` actors the aggregated map is drawn instead (and the title says so):
    one block per domain and neighbourhood, its area proportional to its actors, joined by
    bands whose width is proportional to the ties between the blocks.

    Parameters
    ----------
    eco
        The ecosystem.
    color
        ``"domain"`` (default, the palette), another actor column (categories get the
        Okabe-Ito colours; numbers a colour scale with a colour bar) or a Series indexed by
        actor id.
    size
        Point size: ``None`` (one size, smaller for larger maps), a number (area in points^2),
        a numeric actor column or a Series indexed by actor id (for instance
        ``centrality(eco)["cross_domain_betweenness"]``), scaled linearly to areas 15-300.
    tie_kinds
        Tie kinds to draw (ids or aliases); ``None`` for every kind present, ``[]`` for none.
    neighbourhoods
        Neighbourhoods to draw (with the shared actors); ``None`` for all.
    highlight
        The table of :func:`~ecosystem.gaps` (cut actors ringed in the signal colour, critical
        ties thick in it, missing kind pairs dashed between the actors of the two kinds) or of
        :func:`~ecosystem.suggest_bridges` (suggested ties dashed in the signal colour). Rows
        about actors not drawn (another neighbourhood) are left out.
    layout
        ``"domains"`` (default, see above), the name of an igraph layout (``"fr"``, ``"kk"``,
        ``"drl"``, ``"circle"``, ...; computed on the undirected view of the drawn ties under
        ``seed``), or positions: an ``(n_actors, 2)`` array in actor order or a DataFrame
        indexed by actor id with columns ``x`` and ``y``.
    labels
        Number of actors named on the map: the largest by ``size`` when it is a measure, else
        the most tied. 0 for none.
    max_actors
        Draw the aggregated map above this many actors (after selecting neighbourhoods);
        ``None`` never aggregates.
    seed
        Seed of randomised igraph layouts (``"fr"``, ``"drl"``, ...): same seed, same picture.
        The default layout is deterministic.
    ax
        Axes to draw into; a new figure when ``None``.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn into (a new one is not registered with pyplot: return it in
        Jupyter or call ``fig.savefig``).

    Raises
    ------
    EcosystemError
        For any parameter of the wrong type or value, checked before drawing (also those the
        aggregated map does not use): an empty ecosystem, an unknown column, neighbourhood,
        tie kind or layout, an empty ``neighbourhoods`` list, a size that is not a finite
        non-negative number for every actor, positions that are not numbers, of the wrong
        shape or with an actor twice, a ``highlight`` table that is neither of the two accepted
        kinds or names actors not in ``eco``, a bad ``seed``, ``labels``, ``max_actors`` or
        ``ax``.

    Examples
    --------
    >>> from ecosystem import datasets, centrality
    >>> from ecosystem.plotting import plot_ecosystem
    >>> eco = datasets.example()
    >>> fig = plot_ecosystem(eco, size=centrality(eco)["cross_domain_betweenness"])
    >>> fig.axes[0].get_title()
    'example: 40 actors, 102 ties, 2 neighbourhoods'
    """
    func = "plot_ecosystem"
    eco = _check_eco(eco, func)
    # Every parameter is checked here, also those the aggregated map does not use.
    _check_options(eco, highlight, layout, seed, ax, func)
    if neighbourhoods is not None:
        eco = _select(eco, neighbourhoods, func)
    if max_actors is not None:
        max_actors = check_int(max_actors, func, "max_actors", 1)
    labels = check_int(labels, func, "labels")
    kinds = _tie_kinds(eco, tie_kinds, func)
    values, size_name = _size_values(eco, size, func)
    colours, colour_legend, scale = _colours(eco, color, func)
    if max_actors is not None and eco.n_actors > max_actors:
        return _aggregated(eco, kinds, max_actors, ax)

    a = eco.actors
    n = eco.n_actors
    panel_of, panel_names = _panels(a)
    pos = _positions(eco, layout, kinds, panel_of, len(panel_names), seed, func)
    sizes = _areas(values, size, n)

    owned = ax is None
    fig, ax = new_axes(ax, func, _figsize(layout, len(panel_names)))
    if isinstance(layout, str) and layout == "domains":
        _panel_frames(ax, panel_names)
    src, tgt = eco.tie_positions()
    tie_kind = eco.ties["kind"].to_numpy()
    handles: list[Any] = []
    # Many ties per panel: fainter lines, so the dense parts stay readable.
    drawn = int(np.isin(tie_kind, kinds).sum())
    fade = min(1.0, math.sqrt(30 * len(panel_names) / max(drawn, 1)))
    for kind in _draw_order(kinds):
        rows = np.flatnonzero(tie_kind == kind)
        style = TIE_STYLES.get(kind, OTHER_TIE_STYLE)
        seg = np.stack([pos[src[rows]], pos[tgt[rows]]], axis=1)
        lines = LineCollection(_segments(seg), colors=style["color"], linewidths=style["lw"],
                               alpha=style["alpha"] * max(fade, 0.3), zorder=1,
                               gid=f"ties:{kind}")
        ax.add_collection(lines, autolim=False)
        if style["arrows"] and eco.schema.tie_kinds[kind].directed:
            heads = _arrowheads(seg, _arrow_size(layout, pos) * max(fade, 0.6))
            ax.add_collection(PolyCollection(_segments(heads), facecolors=style["color"],
                                             edgecolors="none",
                                             alpha=min(1.0, style["alpha"] * fade + 0.2),
                                             zorder=1, gid=f"arrows:{kind}"), autolim=False)
        if kind in TIE_STYLES:
            handles.append(Line2D([], [], color=style["color"], lw=max(style["lw"], 1.0),
                                  alpha=min(1.0, style["alpha"] + 0.3), label=style["label"]))
    others = [eco.schema.tie_kinds[k].label.split(" / ")[0] or k for k in kinds
              if k not in TIE_STYLES]
    if others:
        handles.insert(0, Line2D([], [], color=OTHER_TIE_STYLE["color"], lw=1.0,
                                 label=f"other ties ({', '.join(others)})"))

    shared = a["neighbourhood"].isna().to_numpy() if eco.actors["neighbourhood"].notna().any() \
        else np.zeros(n, dtype=bool)
    informal = (a["sector"].astype(str) == "informal").to_numpy()
    points = ax.scatter(pos[:, 0], pos[:, 1], s=sizes, c=colours, edgecolors="white",
                        linewidths=0.6, zorder=3, gid="actors", **scale)
    formal_path, informal_path = (_marker_path(SECTOR_MARKERS[s]) for s in ("formal",
                                                                          "informal"))
    marker_paths = np.empty(2, dtype=object)
    marker_paths[:] = [formal_path, informal_path]
    points.set_paths(marker_paths[informal.astype(np.intp)].tolist())
    edge = np.where(shared, "black", "white")
    points.set_edgecolor(list(edge))
    points.set_linewidth(np.where(shared, 1.8, 0.6).tolist())
    if scale:
        fig.colorbar(points, ax=ax, shrink=0.5, label=str(getattr(color, "name", color)))

    handles = _actor_handles(colour_legend, informal, shared) + handles
    if highlight is not None:
        handles += _highlight(ax, eco, highlight, pos, sizes, func)
    if values is not None:
        handles += _size_handles(values, size_name)
    _labels(ax, eco, pos, values, labels)
    _legend(ax, handles, owned)
    ax.set_aspect("equal")
    ax.autoscale_view()
    _pad(ax, pos)
    ax.set_axis_off()
    ax.set_title(_title(eco))
    return fig


# ---------------------------------------------------------------------------- validation
def _check_eco(eco: Any, func: str) -> Ecosystem:
    if not isinstance(eco, Ecosystem):
        raise ConfigError(f"{func}(): expected an Ecosystem, got {type(eco).__name__}")
    if eco.n_actors == 0:
        raise ValidationError(f"{func}(): the ecosystem has no actors; there is nothing to "
                              "draw (check the actors table or the subset taken)")
    return eco


def _names(a: pd.DataFrame) -> list[str]:
    return sorted(a["neighbourhood"].dropna().astype(str).unique().tolist())


def _select(eco: Ecosystem, neighbourhoods: str | Iterable[str], func: str) -> Ecosystem:
    known = _names(eco.actors)
    if isinstance(neighbourhoods, str):
        wanted = [neighbourhoods]
    elif isinstance(neighbourhoods, Iterable) and not isinstance(neighbourhoods, pd.DataFrame):
        wanted = list(neighbourhoods)
    else:
        raise ConfigError(f"{func}(): neighbourhoods= takes a neighbourhood name or a list of "
                          f"names (or None for all), got {type(neighbourhoods).__name__}. "
                          f"Known: {known}")
    if not wanted:
        raise ConfigError(f"{func}(): neighbourhoods= is empty, so there is nothing to draw; "
                          f"pass None for all or some of {known}")
    unknown = [x for x in wanted if x not in known]
    if unknown:
        raise ValidationError(
            f"{func}(): neighbourhoods=: '{unknown[0]}' is not a neighbourhood of this "
            f"ecosystem{suggest(str(unknown[0]), known)} Known: {known}")
    return eco.subset(neighbourhoods=wanted, include_shared=True)


def _tie_kinds(eco: Ecosystem, ties: TieSelection, func: str) -> list[str]:
    present = eco.ties["kind"].unique().tolist()
    if ties is None:
        return [k for k in eco.schema.tie_kinds if k in present]
    if isinstance(ties, str):
        given = [ties]
    elif isinstance(ties, Iterable):
        given = list(ties)
    else:
        raise ConfigError(f"{func}(): tie_kinds= takes a tie kind, a list of tie kinds, [] for "
                          f"none or None for all, got {type(ties).__name__}")
    try:
        wanted = {eco.schema.tie_kind(t) for t in given}
    except UnknownKindError as exc:
        raise UnknownKindError(f"{func}(): tie_kinds=: {exc}") from None
    return [k for k in eco.schema.tie_kinds if k in wanted and k in present]


def _draw_order(kinds: list[str]) -> list[str]:
    """Light kinds first, so referrals and collaborations are drawn on top."""
    return sorted(kinds, key=lambda k: (k in TIE_STYLES, k == "referral"))


def _check_options(eco: Ecosystem, highlight: Any, layout: Any, seed: Any, ax: Any,
                   func: str) -> None:
    if highlight is not None:
        _check_highlight(eco, highlight, func)
    _check_layout(layout, func)
    _check_seed(seed, func)
    if ax is not None:
        new_axes(ax, func, (1.0, 1.0))  # raises for anything but an Axes


def _check_seed(seed: Any, func: str) -> None:
    try:
        as_generator(seed)
    except ConfigError as exc:
        raise ConfigError(f"{func}(): {exc}") from None


def _check_layout(layout: Any, func: str) -> None:
    if isinstance(layout, str):
        if layout != "domains" and layout not in _IGRAPH_LAYOUTS:
            raise ConfigError(f"{func}(): layout='{layout}' is not known"
                              f"{suggest(layout, ('domains', *_IGRAPH_LAYOUTS))} Use 'domains', "
                              f"an igraph layout ({', '.join(_IGRAPH_LAYOUTS)}) or positions")
    elif not isinstance(layout, (pd.DataFrame, np.ndarray, list, tuple)):
        raise ConfigError(f"{func}(): layout= takes 'domains', an igraph layout name, an "
                          "(n_actors, 2) array of positions or a DataFrame with columns x and "
                          f"y indexed by actor id; got {type(layout).__name__}")


def _check_highlight(eco: Ecosystem, table: Any, func: str) -> None:
    """A gaps() or suggest_bridges() table whose actors are all actors of ``eco``."""
    if not isinstance(table, pd.DataFrame):
        raise ConfigError(f"{func}(): highlight= takes the table of gaps() or "
                          f"suggest_bridges(), got {type(table).__name__}")
    if {"kind_of_gap", "actors"} <= set(table.columns):
        bad = [a for a in table["actors"]
               if not isinstance(a, Iterable) or isinstance(a, (str, bytes))]
        if bad:
            raise ConfigError(f"{func}(): highlight=: the 'actors' column of a gaps() table "
                              f"holds tuples of actor ids; got {bad[0]!r}")
        named = [x for a in table["actors"] for x in a]
        column = "actors"
    elif {"source", "target"} <= set(table.columns):
        named = [*table["source"], *table["target"]]
        column = "source/target"
    else:
        raise ConfigError(f"{func}(): highlight= takes the table of gaps() (columns "
                          "kind_of_gap, actors) or suggest_bridges() (source, target); got "
                          f"columns {list(table.columns)}")
    unknown = pd.Index(named, dtype=object).difference(eco.index)
    if len(unknown):
        raise ValidationError(
            f"{func}(): highlight= names actor '{unknown[0]}' in its {column} column, which is "
            f"not an actor of this ecosystem ({len(unknown)} such ids); pass the table that "
            "gaps() or suggest_bridges() made for the same ecosystem (select with "
            "neighbourhoods= to draw part of it)")


# ---------------------------------------------------------------------------- layout
def _panels(a: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """Panel of each actor: the shared panel (if any) first, then neighbourhoods by name."""
    names = _names(a)
    nb = a["neighbourhood"]
    if not names:
        return np.zeros(len(a), dtype=np.int64), ["(all)"]
    has_shared = bool(nb.isna().any())
    panel_names = ([_SHARED] if has_shared else []) + names
    code = pd.Index(panel_names).get_indexer(pd.Index(nb.astype(object).where(nb.notna(),
                                                                              _SHARED)))
    return code.astype(np.int64), panel_names


def _grid(n_panels: int, has_shared: bool) -> np.ndarray:
    """Centre of each panel; the shared panel (index 0 when present) nearest the middle."""
    cols = max(1, math.ceil(math.sqrt(n_panels * 1.6)))
    rows = math.ceil(n_panels / cols)
    cells = np.array([(c * _CELL, -r * _CELL) for r in range(rows) for c in range(cols)])
    middle = cells[:n_panels].mean(axis=0) if n_panels else np.zeros(2)
    if n_panels == 1:
        return cells[:1]
    order = list(range(len(cells)))
    if has_shared:
        centre = int(np.argmin(((cells[:n_panels] - middle) ** 2).sum(axis=1)))
        order.remove(centre)
        order.insert(0, centre)
    return cells[order[:n_panels]]


def domain_layout(eco: Ecosystem) -> pd.DataFrame:
    """Positions of the default map layout: one round panel per neighbourhood, domain sectors.

    Panels sit on a grid ``2.7`` apart with radius 1, the panel of actors without a
    neighbourhood nearest the middle. In a panel each domain has a fixed sector (medical
    centred at 180 degrees, social at 60, informal at -60; 104 degrees wide); its actors
    fill up to four arcs from the rim inwards, grouped by kind (in the schema's order), the
    most tied first. Deterministic: the same ecosystem always gives the same picture.

    Parameters
    ----------
    eco
        The ecosystem.

    Returns
    -------
    pandas.DataFrame
        Indexed by actor id; columns ``x``, ``y`` and ``panel`` (neighbourhood name,
        ``"(shared)"`` for actors without one, ``"(all)"`` when there are no neighbourhoods).

    Examples
    --------
    >>> from ecosystem import datasets
    >>> from ecosystem.plotting import domain_layout
    >>> xy = domain_layout(datasets.example())
    >>> xy["panel"].value_counts().to_dict()
    {'Oosterwijk': 18, 'Westdorp': 15, '(shared)': 7}
    """
    a = eco.actors
    panel_of, names = _panels(a)
    pos = _domain_positions(eco, panel_of, len(names))
    return pd.DataFrame({"x": pos[:, 0], "y": pos[:, 1],
                         "panel": pd.array(np.asarray(names, dtype=object)[panel_of],
                                           dtype="str")}, index=eco.index.copy())


def _domain_positions(eco: Ecosystem, panel_of: np.ndarray, n_panels: int) -> np.ndarray:
    a = eco.actors
    n = len(a)
    has_shared = bool(a["neighbourhood"].isna().any()) and bool(a["neighbourhood"].notna().any())
    centres = _grid(n_panels, has_shared)
    dom = pd.Index(DOMAINS).get_indexer(pd.Index(a["domain"].astype(str)))
    kind_rank = pd.Index(list(eco.schema.actor_kinds)).get_indexer(pd.Index(
        a["kind"].astype(str)))
    src, tgt = eco.tie_positions()
    degree = np.bincount(src, minlength=n) + np.bincount(tgt, minlength=n)
    # Sort by panel, domain, kind, most tied first, then id: ranks within each (panel, domain).
    order = np.lexsort((eco.index.to_numpy().astype(str), -degree, kind_rank, dom, panel_of))
    group = panel_of * len(DOMAINS) + dom
    g_sorted = group[order]
    starts = np.flatnonzero(np.r_[True, g_sorted[1:] != g_sorted[:-1]])
    counts = np.diff(np.r_[starts, n])
    rank = np.arange(n) - np.repeat(starts, counts)
    m = np.repeat(counts, counts)
    n_rings = np.clip(np.ceil(m / 16), 1, 4)
    ring = rank % n_rings
    slot = rank // n_rings
    per_ring = np.ceil(m / n_rings)
    frac = (slot + 0.5 + 0.5 * (ring % 2) * (per_ring > 1)) / (per_ring + 0.5 * (n_rings > 1))
    centre = np.array([_SECTOR_CENTRE[d] for d in DOMAINS])[dom[order]]
    angle = np.deg2rad(centre - _SECTOR_SPAN / 2 + frac * _SECTOR_SPAN)
    radius = np.where(m == 1, 0.6, 0.95 - 0.2 * ring)
    pos = np.empty((n, 2))
    pos[order, 0] = centres[panel_of[order], 0] + radius * np.cos(angle)
    pos[order, 1] = centres[panel_of[order], 1] + radius * np.sin(angle)
    return pos


def _positions(eco, layout, kinds, panel_of, n_panels, seed, func) -> np.ndarray:
    n = eco.n_actors
    if isinstance(layout, str):
        if layout == "domains":
            return _domain_positions(eco, panel_of, n_panels)
        g = (eco.graph(kinds, directed=False, weight=None, parallel="sum") if kinds
             else _empty_graph(eco))
        with igraph_seed(seed):
            coords = np.asarray(g.layout(layout).coords, dtype=np.float64).reshape(n, 2)
        span = np.ptp(coords, axis=0).max() if n > 1 else 1.0
        return (coords - coords.mean(axis=0)) / (span or 1.0) * 2 * math.sqrt(max(n, 1)) / 3
    if isinstance(layout, pd.DataFrame):
        missing = [c for c in ("x", "y") if c not in layout.columns]
        if missing:
            raise ConfigError(f"{func}(): layout DataFrame needs columns 'x' and 'y' indexed "
                              f"by actor id; missing {missing}")
        absent = eco.index.difference(layout.index)
        if len(absent):
            raise ConfigError(f"{func}(): layout has no position for actor '{absent[0]}' "
                              f"({len(absent)} actors missing)")
        if not layout.index.is_unique:
            raise ConfigError(f"{func}(): layout has more than one position for actor "
                              f"'{layout.index[layout.index.duplicated()][0]}'; give one row "
                              "per actor id")
        xy = _numbers(layout.loc[eco.index, ["x", "y"]], func)
    else:
        xy = _numbers(layout, func)
        if xy.shape != (n, 2):
            raise ConfigError(f"{func}(): layout positions must have shape ({n}, 2), one row "
                              f"per actor in actor order; got {xy.shape}")
    if not np.isfinite(xy).all():
        raise ConfigError(f"{func}(): layout positions must be finite numbers")
    return xy


def _numbers(positions: Any, func: str) -> np.ndarray:
    try:
        return np.asarray(positions, dtype=np.float64)
    except (TypeError, ValueError):
        raise ConfigError(f"{func}(): layout positions must be numbers (x and y per "
                          "actor)") from None


def _segments(array: np.ndarray) -> Any:
    """An ``(n, k, 2)`` array as the sequence of vertex lists a collection takes (no copy)."""
    return array


def _marker_path(marker: str):
    style = MarkerStyle(marker)
    return style.get_path().transformed(style.get_transform())


def _empty_graph(eco: Ecosystem):
    import igraph as ig

    return ig.Graph(n=eco.n_actors)


def _figsize(layout, n_panels: int) -> tuple[float, float]:
    if isinstance(layout, str) and layout == "domains" and n_panels > 1:
        cols = max(1, math.ceil(math.sqrt(n_panels * 1.6)))
        rows = math.ceil(n_panels / cols)
        scale = min(3.4, 14.0 / cols)
        return (cols * scale + 2.8, rows * scale + 0.8)
    return (9.5, 6.5)


def _panel_frames(ax: Axes, names: list[str]) -> None:
    has_shared = names[0] == _SHARED
    centres = _grid(len(names), has_shared)
    for (x, y), name in zip(centres, names, strict=True):
        shared = name == _SHARED
        ax.add_patch(Circle((x, y), 1.12, facecolor="#F2F2F2" if not shared else "#E6E6E6",
                            edgecolor="#BBBBBB", lw=0.8, zorder=0,
                            gid=f"panel:{name}"))
        if len(names) > _MAX_LABELLED_PANELS and not shared:
            continue  # too small to read: the shared panel still says what it is
        title = "shared actors\n(no neighbourhood)" if shared else name
        ax.text(x, y + 1.2, title, ha="center", va="bottom", fontsize=9,
                fontweight="bold" if not shared else "normal", zorder=4)


def _pad(ax: Axes, pos: np.ndarray) -> None:
    lo, hi = pos.min(axis=0), pos.max(axis=0)
    pad = max(0.25, 0.08 * float((hi - lo).max()))
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    ax.set_xlim(min(x0, lo[0] - pad), max(x1, hi[0] + pad))
    ax.set_ylim(min(y0, lo[1] - pad), max(y1, hi[1] + pad + 0.3))


# ---------------------------------------------------------------------------- ties
def _arrow_size(layout, pos: np.ndarray) -> float:
    if isinstance(layout, str) and layout == "domains":
        return 0.07
    span = float(np.ptp(pos, axis=0).max()) if len(pos) > 1 else 1.0
    return 0.015 * (span or 1.0)


def _arrowheads(seg: np.ndarray, length: float) -> np.ndarray:
    """One triangle per segment, its tip 80% of the way to the target (vectorised)."""
    start, end = seg[:, 0], seg[:, 1]
    d = end - start
    norm = np.hypot(d[:, 0], d[:, 1])
    ok = norm > 0
    u = np.zeros_like(d)
    u[ok] = d[ok] / norm[ok, None]
    tip = start + d * 0.8
    perp = np.column_stack([-u[:, 1], u[:, 0]])
    base = tip - u * length
    return np.stack([tip, base + perp * length * 0.45, base - perp * length * 0.45], axis=1)[ok]


# ---------------------------------------------------------------------------- size, colour
def _size_values(eco: Ecosystem, size, func: str) -> tuple[np.ndarray | None, str | None]:
    if size is None or (isinstance(size, (int, float, np.number)) and not isinstance(size, bool)):
        if size is not None and not (np.isfinite(size) and size > 0):
            raise ConfigError(f"{func}(): size={size!r} must be a positive marker area")
        return None, None
    values = _actor_values(eco, size, func, "size")
    if not pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(
            values.dtype):
        raise ConfigError(f"{func}(): size= must be numeric; '{values.name}' has dtype "
                          f"{values.dtype}")
    arr = values.to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(arr) | (arr < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ConfigError(
            f"{func}(): size= must be a finite number >= 0 for every actor; actor "
            f"'{eco.index[i]}' has {float(arr[i])} ({int(bad.sum())} such actors). Fill or clip "
            "the values first, e.g. values.fillna(0)")
    return arr, str(values.name) if values.name is not None else "size"


def _actor_values(eco: Ecosystem, spec, func: str, param: str) -> pd.Series:
    """An actor column (by name) or a Series indexed by actor id, aligned to actor order."""
    if isinstance(spec, str):
        cols = [c for c in eco.actors.columns if c != "id"]
        if spec not in cols:
            raise ConfigError(f"{func}(): {param}='{spec}' is not an actor column"
                              f"{suggest(spec, cols)} Actor columns: {cols}; or pass a Series "
                              "indexed by actor id")
        s = eco.actors[spec]
        s.index = eco.index
        return s.rename(spec)
    if isinstance(spec, pd.DataFrame) and spec.shape[1] == 1:
        spec = spec.iloc[:, 0]
    if not isinstance(spec, pd.Series):
        raise ConfigError(f"{func}(): {param}= must be an actor column name or a pandas Series "
                          f"indexed by actor id, got {type(spec).__name__}")
    missing = eco.index.difference(spec.index)
    if len(missing):
        raise ConfigError(f"{func}(): {param}= has no value for actor '{missing[0]}' "
                          f"({len(missing)} actors missing); index the Series by actor id")
    if not spec.index.is_unique:
        raise ConfigError(f"{func}(): {param}= has a duplicated actor id in its index")
    return spec.loc[eco.index]


def _areas(values: np.ndarray | None, size, n: int) -> np.ndarray:
    if values is None:
        area = float(size) if size is not None else float(np.clip(2400 / max(n, 1), 6, 60))
        return np.full(n, area)
    lo, hi = float(values.min()), float(values.max())
    if hi == lo:
        return np.full(n, 60.0)
    return 15.0 + 285.0 * (values - lo) / (hi - lo)


def _colours(eco: Ecosystem, color, func: str):
    """Per-actor colours, legend entries ``[(label, colour)]`` and scatter colour-scale kwargs."""
    if isinstance(color, str) and color == "domain":
        dom = eco.actors["domain"].astype(str)
        colours = dom.map(dict(DOMAIN_COLOURS)).fillna(domain_colour(None)).tolist()
        return colours, [(d, DOMAIN_COLOURS[d]) for d in DOMAINS if d in set(dom)], {}
    values = _actor_values(eco, color, func, "color")
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(
            values.dtype):
        arr = values.to_numpy(dtype=np.float64, na_value=np.nan)
        if not np.isfinite(arr).all():
            i = int(np.flatnonzero(~np.isfinite(arr))[0])
            raise ConfigError(f"{func}(): color= has no finite value for actor "
                              f"'{eco.index[i]}'; fill the missing values first")
        return arr, [], {"cmap": "cividis"}
    cats = values.astype(object).where(values.notna(), "(missing)").astype(str)
    levels = sorted(set(cats))
    if len(levels) > len(CYCLE):
        import matplotlib as mpl

        cmap = mpl.colormaps["tab20"]
        table = {c: mpl.colors.to_hex(cmap(i % 20)) for i, c in enumerate(levels)}
    else:
        table = {c: CYCLE[i] for i, c in enumerate(levels)}
    return [table[c] for c in cats], [(c, table[c]) for c in levels], {}


def _actor_handles(entries, informal: np.ndarray, shared: np.ndarray) -> list[Any]:
    handles: list[Any] = []
    for label, colour in entries:
        marker = SECTOR_MARKERS["informal" if label == "informal" else "formal"]
        handles.append(Line2D([], [], ls="none", marker=marker, markersize=8,
                              markerfacecolor=colour, markeredgecolor="white", label=label))
    if not entries:  # a colour scale: the markers still tell the sectors apart
        for sector in ("formal", "informal"):
            if (sector == "formal" and informal.all()) or (sector == "informal" and \
                    not informal.any()):
                continue
            handles.append(Line2D([], [], ls="none", marker=SECTOR_MARKERS[sector],
                                  markersize=8, markerfacecolor="#BBBBBB",
                                  markeredgecolor="white", label=f"{sector} sector"))
    elif informal.any() and any(label != "informal" for label, _ in entries) and \
            entries[0][0] not in DOMAINS:
        handles.append(Line2D([], [], ls="none", marker=SECTOR_MARKERS["informal"],
                              markersize=8, markerfacecolor="#BBBBBB", markeredgecolor="white",
                              label="informal sector"))
    if shared.any():
        handles.append(Line2D([], [], ls="none", marker="o", markersize=8,
                              markerfacecolor="#BBBBBB", markeredgecolor="black",
                              markeredgewidth=1.8, label="shared by neighbourhoods"))
    return handles


def _size_handles(values: np.ndarray, name: str | None) -> list[Any]:
    lo, hi = float(values.min()), float(values.max())
    out = []
    for v, area in ((lo, 15.0), (hi, 300.0)) if hi > lo else ((lo, 60.0),):
        out.append(Line2D([], [], ls="none", marker="o", markersize=math.sqrt(area),
                          markerfacecolor="none", markeredgecolor="#555555",
                          label=f"{name} = {v:.3g}"))
    return out


def _labels(ax: Axes, eco: Ecosystem, pos: np.ndarray, values, k: int) -> None:
    if k == 0:
        return
    if values is None:
        src, tgt = eco.tie_positions()
        values = (np.bincount(src, minlength=eco.n_actors)
                  + np.bincount(tgt, minlength=eco.n_actors)).astype(float)
    top = np.lexsort((eco.index.to_numpy().astype(str), -values))[:k]
    for i in top:
        ax.annotate(str(eco.index[i]), pos[i], xytext=(4, 4), textcoords="offset points",
                    fontsize=7.5, zorder=5, gid="label",
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none",
                          "alpha": 0.75})


def _legend(ax: Axes, handles: list[Any], owned: bool) -> None:
    """The legend right of the map: a figure legend in a figure of our own (its constrained
    layout makes room whatever the map's aspect), else right of the caller's axes."""
    if owned:
        root_figure(ax).legend(handles=handles, loc="outside right upper", frameon=False,
                               fontsize=8)
    else:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                  frameon=False, fontsize=8, borderaxespad=0.0)


def _title(eco: Ecosystem) -> str:
    a = eco.actors
    n_nb = len(_names(a))
    name = f"{eco.name}: " if eco.name else ""
    nb = f", {n_nb} neighbourhood{'s' if n_nb != 1 else ''}" if n_nb else ""
    return f"{name}{eco.n_actors:,} actors, {eco.n_ties:,} ties{nb}"


# ---------------------------------------------------------------------------- highlight
def _highlight(ax: Axes, eco: Ecosystem, table, pos, sizes, func: str) -> list[Any]:
    if not isinstance(table, pd.DataFrame):
        raise ConfigError(f"{func}(): highlight= takes the table of gaps() or "
                          f"suggest_bridges(), got {type(table).__name__}")
    ids = eco.index
    rings: list[str] = []
    critical: list[tuple[str, str]] = []
    dashed: list[tuple[str, str]] = []
    if {"kind_of_gap", "actors"} <= set(table.columns):
        kinds = eco.actors.set_index(ids)["kind"].astype(str)
        for kind, actors in zip(table["kind_of_gap"], table["actors"], strict=True):
            actors = [x for x in tuple(actors) if x in ids]  # drawn actors (checked before)
            # Single points of failure only: a minimum cut of several actors or ties is a
            # set, not one weak spot, and is left to the table.
            if kind == "cut_actor" or (kind == "min_actor_cut" and len(actors) == 1):
                rings += actors
            elif kind == "bridge_tie" or (kind == "min_tie_cut" and len(actors) == 2):
                critical += list(zip(actors[0::2], actors[1::2], strict=False))
            elif kind == "missing_kind_pair":
                groups = pd.Series(actors).groupby(kinds.loc[actors].to_numpy())
                parts = [g.tolist() for _, g in groups]
                if len(parts) == 2:
                    dashed += [(x, y) for x in parts[0] for y in parts[1]]
        dash_label = "missing expected tie"
    elif {"source", "target"} <= set(table.columns):
        dashed = [(s, t) for s, t in zip(table["source"], table["target"], strict=True)
                  if s in ids and t in ids]
        dash_label = "suggested tie"
    else:
        raise ConfigError(f"{func}(): highlight= takes the table of gaps() (columns "
                          "kind_of_gap, actors) or suggest_bridges() (source, target); got "
                          f"columns {list(table.columns)}")
    handles: list[Any] = []
    if dashed:
        seg = _pair_segments(eco, pos, dashed)
        ax.add_collection(LineCollection(_segments(seg), colors=SIGNAL, linewidths=1.8,
                                         linestyles=(0, (4, 2.5)), zorder=2,
                                         gid="highlight:dashed"), autolim=False)
        handles.append(Line2D([], [], color=SIGNAL, lw=1.8, ls=(0, (4, 2.5)),
                              label=dash_label))
    if critical:
        seg = _pair_segments(eco, pos, sorted(set(critical)))
        ax.add_collection(LineCollection(_segments(seg), colors=SIGNAL, linewidths=2.6, alpha=0.9,
                                         zorder=2, gid="highlight:critical"), autolim=False)
        handles.append(Line2D([], [], color=SIGNAL, lw=2.6, label="tie whose loss cuts "
                              "domains apart"))
    if rings:
        at = eco.positions(sorted(set(rings)))
        ax.scatter(pos[at, 0], pos[at, 1], s=sizes[at] * 2.6 + 60, facecolors="none",
                   edgecolors=SIGNAL, linewidths=2.0, zorder=4, gid="highlight:rings")
        handles.append(Line2D([], [], ls="none", marker="o", markersize=11,
                              markerfacecolor="none", markeredgecolor=SIGNAL,
                              markeredgewidth=2.0, label="actor whose loss cuts domains apart"))
    return handles


def _pair_segments(eco: Ecosystem, pos: np.ndarray, pairs) -> np.ndarray:
    s = eco.positions([p[0] for p in pairs])
    t = eco.positions([p[1] for p in pairs])
    return np.stack([pos[s], pos[t]], axis=1)


# ---------------------------------------------------------------------------- aggregated map
def _aggregated(eco: Ecosystem, kinds: list[str], max_actors: int, ax: Axes | None) -> Figure:
    a = eco.actors
    panel_of, names = _panels(a)
    has_shared = names[0] == _SHARED and len(names) > 1
    centres = _grid(len(names), has_shared)
    dom = pd.Index(DOMAINS).get_indexer(pd.Index(a["domain"].astype(str)))
    block = panel_of * len(DOMAINS) + dom
    n_blocks = len(names) * len(DOMAINS)
    counts = np.bincount(block, minlength=n_blocks)
    angle = np.deg2rad(np.array([_SECTOR_CENTRE[d] for d in DOMAINS]))
    bxy = (centres[:, None, :] + 0.55 * np.stack([np.cos(angle), np.sin(angle)], axis=1)
           [None, :, :]).reshape(-1, 2)
    src, tgt = eco.tie_positions()
    keep = np.isin(eco.ties["kind"].to_numpy(), kinds)
    bs, bt = block[src[keep]], block[tgt[keep]]
    lo, hi = np.minimum(bs, bt), np.maximum(bs, bt)
    pair, n_ties = np.unique(lo * n_blocks + hi, return_counts=True)
    pl, ph = pair // n_blocks, pair % n_blocks
    between = pl != ph
    owned = ax is None
    fig, ax = new_axes(ax, "plot_ecosystem", _figsize("domains", len(names)))
    _panel_frames(ax, names)
    # Largest block about 0.7 panel radii wide, whatever the number of panels.
    width_pt = ax.get_position().width * fig.get_figwidth() * 72
    span = float(np.ptp(centres[:, 0])) + 2.5
    side = 0.7 * width_pt / span
    if between.any():
        w = n_ties[between]
        seg = np.stack([bxy[pl[between]], bxy[ph[between]]], axis=1)
        ax.add_collection(LineCollection(_segments(seg),
                                         linewidths=(0.3 + 0.25 * side * w / w.max()),
                                         colors="#555555", alpha=0.35, zorder=1, gid="bands"),
                          autolim=False)
    present = np.flatnonzero(counts > 0)
    colours = [DOMAIN_COLOURS[DOMAINS[b % len(DOMAINS)]] for b in present]
    area = side**2 * counts[present] / counts.max()  # proportional to the actors
    ax.scatter(bxy[present, 0], bxy[present, 1], s=area, c=colours, marker="s",
               edgecolors="white", zorder=3, gid="blocks")
    sides = np.sqrt(area)
    for b, block_side in zip(present if len(names) <= _MAX_LABELLED_PANELS else (), sides,
                             strict=False):
        # Inside a large block; beside a small one (outwards, so its colour stays visible).
        out = 0.0 if block_side >= 16 else block_side / 2 + 6
        ax.annotate(f"{counts[b]}", bxy[b], xytext=(out * np.cos(angle[b % len(DOMAINS)]),
                                                    out * np.sin(angle[b % len(DOMAINS)])),
                    textcoords="offset points", ha="center", va="center", fontsize=7,
                    zorder=4, color="black", gid="count",
                    bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none",
                          "alpha": 0.7})
    handles = [Line2D([], [], ls="none", marker="s", markersize=9,
                      markerfacecolor=DOMAIN_COLOURS[d], markeredgecolor="white",
                      label=f"{d} (number: actors)") for d in DOMAINS
               if (dom == DOMAINS.index(d)).any()]
    if between.any():
        w = n_ties[between]
        handles.append(Line2D([], [], color="#555555", alpha=0.5, lw=10,
                              label=f"ties between blocks (widest {int(w.max()):,})"))
    _legend(ax, handles, owned)
    ax.set_aspect("equal")
    ax.autoscale_view()
    _pad(ax, np.vstack([centres - 1.2, centres + 1.2]))
    ax.set_axis_off()
    ax.set_title(f"{_title(eco)}\naggregated map (more than {max_actors:,} actors): one block "
                 "per domain and neighbourhood, bands by ties")
    return fig
