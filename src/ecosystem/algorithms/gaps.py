"""Bridging gaps: where the domains of a care ecosystem fail to meet, one row per finding."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import igraph as ig
import numpy as np
import pandas as pd

from ecosystem.algorithms._common import by_neighbourhood, check_ecosystem
from ecosystem.algorithms.brokerage import MISSING_GROUP, _group_codes
from ecosystem.core._deprecate import renamed
from ecosystem.core.ecosystem import Ecosystem, TieSelection
from ecosystem.core.errors import ConfigError, UnknownKindError
from ecosystem.core.schema import DOMAINS

__all__ = ["COLUMNS", "EXPECTED_KIND_PAIRS", "KINDS_OF_GAP", "gaps"]

COLUMNS = ["neighbourhood", "kind_of_gap", "actors", "detail", "severity"]

KINDS_OF_GAP = ("no_ties", "few_ties", "separated", "cut_actor", "bridge_tie",
                "min_actor_cut", "min_tie_cut", "missing_kind_pair")

#: Actor kinds expected to be tied in a working neighbourhood, each with its source in
#: ``shared/domain.md`` (the project's summary of the Dutch source articles ``000``-``004``).
EXPECTED_KIND_PAIRS: tuple[tuple[str, str, str], ...] = (
    ("gp", "social_team", "medicalised social problems belong with the neighbourhood team "
     "(domain.md, 'The problem the library serves')"),
    ("gp", "welfare", "social prescribing, 'welzijn op recept' (domain.md; article 004)"),
    ("gp", "district_nursing", "integrated primary care, GP + district nursing (article 001)"),
    ("district_nursing", "community_network", "district-nursing alliance builds caring "
     "neighbourhoods with informal care (article 001)"),
    ("community_network", "home_care", "40% of caring communities collaborate with home care "
     "(article 000)"),
    ("community_network", "social_team", "90% of caring communities collaborate with "
     "neighbourhood teams (article 000)"),
    ("community_network", "municipality", "90% of caring communities collaborate with the "
     "municipality (article 000)"),
)


@renamed("gaps", by="groups", ties="tie_kinds")
def gaps(
    eco: Ecosystem,
    *,
    groups: str = "domain",
    expected: Iterable[tuple[str, str] | tuple[str, str, str]] | None = None,
    tie_kinds: TieSelection = None,
    separate: tuple[str, str] = ("medical", "informal"),
    few: float = 0.5,
    per: str | None = "neighbourhood",
) -> pd.DataFrame:
    r"""Bridging gaps: one row per finding of where groups (domains) fail to meet.

    Ties are read undirected (either direction joins two actors); self-loops are ignored and
    parallel ties of different kinds count separately. The findings (``kind_of_gap``):

    - ``no_ties``: two groups with no tie between them;
    - ``few_ties``: two groups with fewer than ``few`` times the ties expected when the
      ecosystem's :math:`T` ties fall on actor pairs at random,
      :math:`T n_a n_b / \binom{N}{2}` (the baseline of the expected E-I in
      :func:`~ecosystem.algorithms.mixing.mixing`);
    - ``separated``: two groups between which there is no path at all;
    - ``cut_actor``: an actor whose loss leaves no path between two groups (not counting a
      group's only actor):
      an articulation point on the path between the groups in the block-cut tree of the graph
      with a super-source joined to every actor of one group and a super-sink to every actor
      of the other;
    - ``bridge_tie``: a tie whose loss leaves no path between two groups (a bridge on the path
      between them in the bridge tree of the same graph);
    - ``min_actor_cut`` and ``min_tie_cut``: the minimum number of actors, and of ties, whose
      loss separates the two groups in ``separate``: the super-source/super-sink vertex and
      edge connectivity, by igraph's maximum flow (actors split into in/out copies joined by
      capacity 1; ties of capacity 1 in both directions, the super edges uncuttable). An actor
      of either group may be in the actor cut. The ``actors`` column lists one minimum cut;
    - ``missing_kind_pair``: a pair of actor kinds from ``expected`` that are both present
      but not tied to each other at all.

    Parameters
    ----------
    eco
        The ecosystem.
    groups
        Actor column defining the groups (``"domain"`` by default; ``"kind"``, ``"sector"``...).
    expected
        Actor kind pairs expected to be tied: ``(kind_a, kind_b)`` or
        ``(kind_a, kind_b, source)``; ids or aliases. ``None`` uses
        :data:`EXPECTED_KIND_PAIRS`; an empty list switches this check off.
    tie_kinds
        Tie kinds to use (ids or aliases); ``None`` for every kind present.
    separate
        The two groups (values of the ``groups`` column) for the minimum cuts; skipped where
        either is absent.
    few
        Named threshold for ``few_ties`` (default 0.5: fewer than half the ties random mixing
        would give; a library assumption, not from the sources).
    per
        ``"neighbourhood"`` (default): analyse each neighbourhood with the shared actors (no
        neighbourhood) included, as ``_common.by_neighbourhood``; when the ecosystem has no
        neighbourhoods, or with ``per=None``, the whole ecosystem once, with a missing
        ``neighbourhood``.

    Returns
    -------
    pandas.DataFrame
        One row per finding, columns ``neighbourhood, kind_of_gap, actors, detail, severity``,
        sorted by neighbourhood and decreasing severity. ``actors`` is a tuple of actor ids
        (empty for group-pair findings; both ends of a bridge tie; the actors of both kinds
        of a missing pair). **Severity** is in [0, 1], 1 meaning the groups do not meet at all:
        ``no_ties``, ``separated`` and ``missing_kind_pair`` 1; ``few_ties``
        ``1 - observed / expected``; a cut of size :math:`k` (``min_*_cut``) :math:`1/(1+k)`,
        so a single ``cut_actor`` or ``bridge_tie`` is 0.5.

    References
    ----------
    Hopcroft, J. and Tarjan, R. (1973). Efficient algorithms for graph manipulation
    (biconnected components, bridges). Menger's theorem for the cut sizes; igraph's
    ``maxflow``. Expected kind pairs: ``shared/domain.md`` and the articles it summarises.

    Examples
    --------
    >>> import pandas as pd
    >>> from ecosystem import Ecosystem
    >>> from ecosystem.algorithms.gaps import gaps
    >>> actors = pd.DataFrame({"id": ["gp", "team", "buurt"],
    ...                        "kind": ["huisarts", "wijkteam", "zorgzame gemeenschap"]})
    >>> ties = pd.DataFrame({"source": ["gp", "team"], "target": ["team", "buurt"]})
    >>> g = gaps(Ecosystem(actors, ties), expected=[("gp", "welzijn")])
    >>> g[g["detail"].str.startswith("medical-informal")][["kind_of_gap", "actors", "severity"]]
         kind_of_gap         actors  severity
    ...      no_ties             ()       1.0
    ...    cut_actor        (team,)       0.5
    ...   bridge_tie     (gp, team)       0.5
    ...   bridge_tie  (team, buurt)       0.5
    ...min_actor_cut       (buurt,)       0.5
    ...  min_tie_cut  (team, buurt)       0.5
    >>> g.loc[g["kind_of_gap"] == "missing_kind_pair", "detail"].tolist()
    []
    """
    check_ecosystem(eco, "gaps")
    by, ties = groups, tie_kinds
    _group_codes(eco, by, "gaps")  # validates groups
    pairs = _expected_pairs(eco, expected)
    if (not isinstance(few, (int, float)) or isinstance(few, bool) or not 0 < few <= 1):
        raise ConfigError(f"gaps(): few must be a number in (0, 1], got {few!r}")
    if not (isinstance(separate, (tuple, list)) and len(separate) == 2
            and all(isinstance(s, str) for s in separate) and separate[0] != separate[1]):
        raise ConfigError(f"gaps(): separate must be two different group names, got "
                          f"{separate!r}")
    if per not in (None, "neighbourhood"):
        raise ConfigError(f"gaps(): per={per!r} is not accepted; use 'neighbourhood' or None")
    eco.view_spec(ties)  # validates tie_kinds
    kwargs: dict[str, Any] = {"group_by": by, "pairs": pairs, "ties": ties,
                              "separate": tuple(separate), "few": float(few)}
    if per is None or not eco.neighbourhoods:
        out = _gaps_one(eco, **kwargs)
        out.insert(0, "neighbourhood", pd.Series([pd.NA] * len(out), dtype="str"))
    else:
        out = by_neighbourhood(eco, "neighbourhood", _gaps_one, **kwargs)
        nb = out.index.get_level_values("neighbourhood")
        out = out.reset_index(drop=True)
        out.insert(0, "neighbourhood", pd.Series(np.asarray(nb, dtype=object), dtype="str"))
    return out.reset_index(drop=True)[COLUMNS]


def _expected_pairs(eco: Ecosystem, expected) -> list[tuple[str, str, str]]:
    if expected is None:
        expected = EXPECTED_KIND_PAIRS
    out = []
    try:
        for item in expected:
            if isinstance(item, str) or len(item) not in (2, 3):
                raise ConfigError(f"gaps(): expected= takes (kind_a, kind_b[, source]) pairs; "
                                  f"got {item!r}")
            a, b = eco.schema.actor_kind(item[0]), eco.schema.actor_kind(item[1])
            out.append((a, b, str(item[2]) if len(item) == 3 else "given by the user"))
    except UnknownKindError as exc:
        raise UnknownKindError(f"gaps(): expected=: {exc}") from None
    except TypeError:
        raise ConfigError(f"gaps(): expected= must be a list of kind pairs, got {expected!r}"
                          ) from None
    return out


def _gaps_one(eco: Ecosystem, *, group_by, pairs, ties, separate, few) -> pd.DataFrame:
    by = group_by
    rows: list[dict] = []
    n = eco.n_actors
    codes = _group_codes(eco, by, "gaps")
    col = eco.actors[by].astype(object).where(eco.actors[by].notna(), MISSING_GROUP)
    labels = sorted(set(col.astype(str)))
    src, tgt, _, tie_row = eco.edge_arrays(ties, directed=False, weight=None)
    loop = src == tgt
    src, tgt, tie_row = src[~loop], tgt[~loop], tie_row[~loop]
    ids = eco.index.to_numpy()
    sizes = np.bincount(codes, minlength=len(labels))
    n_pairs = n * (n - 1) / 2
    lo, hi = np.minimum(codes[src], codes[tgt]), np.maximum(codes[src], codes[tgt])
    between = np.zeros((len(labels), len(labels)), dtype=np.int64)
    np.add.at(between, (lo, hi), 1)
    # Domains in their canonical order (medical, social, informal), other groups by name.
    rank = sorted(range(len(labels)), key=lambda i: (
        DOMAINS.index(labels[i]) if labels[i] in DOMAINS else len(DOMAINS), labels[i]))
    for x, a in enumerate(rank):
        for b in rank[x + 1:]:
            pair = f"{labels[a]}-{labels[b]}"
            obs = int(between[min(a, b), max(a, b)])
            exp = len(src) * sizes[a] * sizes[b] / n_pairs if n_pairs else 0.0
            if obs == 0:
                rows.append(_row("no_ties", (), f"{pair}: no tie ({exp:.1f} expected)", 1.0))
            elif obs < few * exp:
                rows.append(_row("few_ties", (), f"{pair}: {obs} ties, {exp:.1f} expected",
                                 1.0 - obs / exp))
            members_a, members_b = np.flatnonzero(codes == a), np.flatnonzero(codes == b)
            rows += _separations(n, src, tgt, tie_row, members_a, members_b, ids, pair, eco)
    if separate[0] in labels and separate[1] in labels:
        a, b = labels.index(separate[0]), labels.index(separate[1])
        pair = f"{separate[0]}-{separate[1]}"
        rows += _min_cuts(n, src, tgt, np.flatnonzero(codes == a), np.flatnonzero(codes == b),
                          ids, pair, eco, tie_row)
    kinds = eco.actors["kind"].to_numpy()
    for ka, kb, source in pairs:
        in_a, in_b = kinds == ka, kinds == kb
        if not in_a.any() or not in_b.any():
            continue
        tied = ((in_a[src] & in_b[tgt]) | (in_b[src] & in_a[tgt])).any()
        if not tied:
            who = tuple(ids[in_a | in_b].tolist())
            rows.append(_row("missing_kind_pair", who, f"{ka}-{kb}: no tie; expected: {source}",
                             1.0))
    frame = pd.DataFrame(rows, columns=COLUMNS[1:])
    frame["kind_of_gap"] = frame["kind_of_gap"].astype("str")
    frame["detail"] = frame["detail"].astype("str")
    frame["severity"] = frame["severity"].astype(np.float64)
    order = np.lexsort((np.arange(len(frame)), -frame["severity"].to_numpy()))
    return frame.iloc[order].reset_index(drop=True)


def _row(kind: str, actors: tuple, detail: str, severity: float) -> dict:
    return {"kind_of_gap": kind, "actors": tuple(actors), "detail": detail,
            "severity": float(severity)}


def _augmented(n, src, tgt, a, b) -> ig.Graph:
    """Undirected graph of the ties plus super-source ``n`` (to group a) and super-sink
    ``n + 1`` (to group b). Built here because the cached views have no such vertices; the
    first ``len(src)`` edges are the ties, in order."""
    s_edges = np.column_stack([np.full(len(a), n), a])
    t_edges = np.column_stack([np.full(len(b), n + 1), b])
    edges = np.concatenate([np.column_stack([src, tgt]), s_edges, t_edges]).astype(np.int64)
    return ig.Graph(n=n + 2, edges=edges, directed=False)


def _separations(n, src, tgt, tie_row, a, b, ids, pair, eco) -> list[dict]:
    g = _augmented(n, src, tgt, a, b)
    s, t = n, n + 1
    comp = np.asarray(g.connected_components().membership)
    if comp[s] != comp[t]:
        return [_row("separated", (), f"{pair}: no path between the groups", 1.0)]
    rows = []
    blocks, points = g.biconnected_components(return_articulation_points=True)
    points = [p for p in points]
    if points:
        node = {p: len(blocks) + i for i, p in enumerate(points)}
        tree_edges = [(bi, node[v]) for bi, block in enumerate(blocks) for v in block
                      if v in node]
        tree = ig.Graph(n=len(blocks) + len(points), edges=tree_edges)

        def where(v):
            if v in node:
                return node[v]
            return next(bi for bi, block in enumerate(blocks) if v in block)

        path = tree.get_shortest_paths(where(s), to=where(t))[0]
        cut = sorted(points[x - len(blocks)] for x in path if x >= len(blocks))
        sole = {int(a[0])} if len(a) == 1 else set()
        sole |= {int(b[0])} if len(b) == 1 else set()
        for v in cut:
            if v < n and v not in sole:  # losing a group's only actor is not a finding
                rows.append(_row("cut_actor", (ids[v],),
                                 f"{pair}: every path runs through {ids[v]}", 0.5))
    bridges = np.asarray(g.bridges(), dtype=np.int64)
    bridges = bridges[bridges < len(src)]  # super edges are not ties
    if len(bridges):
        keep = np.ones(g.ecount(), dtype=bool)
        keep[bridges] = False
        all_edges = np.asarray(g.get_edgelist(), dtype=np.int64)
        rest = ig.Graph(n=n + 2, edges=all_edges[keep], directed=False)
        memb = np.asarray(rest.connected_components().membership)
        k = int(memb.max()) + 1
        tree = ig.Graph(n=k, edges=np.column_stack([memb[src[bridges]], memb[tgt[bridges]]]))
        on_path = tree.get_shortest_paths(memb[s], to=memb[t], output="epath")[0]
        ties = eco.ties
        for e in sorted(bridges[on_path].tolist()):
            r = tie_row[e]
            u, v = ties["source"].iloc[r], ties["target"].iloc[r]
            rows.append(_row("bridge_tie", (u, v),
                             f"{pair}: the only link is the {ties['kind'].iloc[r]} tie "
                             f"{u} - {v}", 0.5))
    return rows


def _min_cuts(n, src, tgt, a, b, ids, pair, eco, tie_row) -> list[dict]:
    big = float(len(src) + n + 1)  # larger than any cut: an uncuttable edge
    s, t = 2 * n, 2 * n + 1
    # Actor cut: actor v is v_in = v, v_out = n + v, joined by capacity 1.
    v = np.arange(n)
    edges = np.concatenate([
        np.column_stack([v, n + v]),
        np.column_stack([n + src, tgt]), np.column_stack([n + tgt, src]),
        np.column_stack([np.full(len(a), s), a]), np.column_stack([n + b, np.full(len(b), t)]),
    ]).astype(np.int64)
    cap = np.concatenate([np.ones(n), np.full(len(edges) - n, big)])
    flow_graph = ig.Graph(n=2 * n + 2, edges=edges, directed=True)
    cut = flow_graph.mincut(source=s, target=t, capacity=cap.tolist())
    actors = sorted(e for e in cut.cut if e < n)
    k = round(cut.value)
    rows = [_row("min_actor_cut", tuple(ids[actors].tolist()),
                 f"{pair}: {k} actor(s) whose loss separates the groups", 1.0 / (1 + k))]
    # Tie cut: each tie both ways with capacity 1; super edges uncuttable.
    m = len(src)
    edges = np.concatenate([
        np.column_stack([src, tgt]), np.column_stack([tgt, src]),
        np.column_stack([np.full(len(a), n), a]), np.column_stack([b, np.full(len(b), n + 1)]),
    ]).astype(np.int64)
    cap = np.concatenate([np.ones(2 * m), np.full(len(a) + len(b), big)])
    flow_graph = ig.Graph(n=n + 2, edges=edges, directed=True)
    cut = flow_graph.mincut(source=n, target=n + 1, capacity=cap.tolist())
    k = round(cut.value)
    cut_ties = sorted({int(e % m) for e in cut.cut if e < 2 * m}) if m else []
    ties = eco.ties
    ends = tuple(x for e in cut_ties for x in (ties["source"].iloc[tie_row[e]],
                                               ties["target"].iloc[tie_row[e]]))
    rows.append(_row("min_tie_cut", ends,
                     f"{pair}: {k} tie(s) whose loss separates the groups", 1.0 / (1 + k)))
    return rows
