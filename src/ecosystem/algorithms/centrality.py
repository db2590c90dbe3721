"""Centrality of every actor: degree, strength, path-based, spectral, cores and clustering.

igraph (C) computes every graph measure on the Ecosystem's cached simple view; clustering is
a vectorised sparse formula (igraph has no directed or networkx-weighted local clustering).
Results follow networkx's definitions and normalisations (converted where igraph's differ).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable

import igraph as ig
import numpy as np
import pandas as pd
import scipy.sparse as sp

from ecosystem.algorithms._common import by_neighbourhood, check_ecosystem
from ecosystem.algorithms._sparse import _at_pattern, _blocks, _row_sum
from ecosystem.core._deprecate import renamed
from ecosystem.core.ecosystem import Ecosystem, TieSelection
from ecosystem.core.errors import ConfigError, EcosystemError, suggest
from ecosystem.core.random import Seed, as_generator

__all__ = ["MEASURES", "centrality"]

MEASURES: tuple[str, ...] = (
    "in_degree", "out_degree", "degree", "in_strength", "out_strength", "strength",
    "betweenness", "closeness", "harmonic", "eigenvector", "pagerank", "hub", "authority",
    "coreness", "clustering", "cross_domain_betweenness",
)
_PATH = frozenset({"betweenness", "closeness", "harmonic", "cross_domain_betweenness"})

#: Exact path measures (betweenness, closeness, harmonic, cross-domain betweenness) cost one
#: shortest-path search per actor; above this many actors they warn and suggest ``n_sources=``.
EXACT_LIMIT = 20_000

# Distance blocks for sampled closeness/harmonic: sources per igraph ``distances`` call.
_DIST_BLOCK = 16

# networkx's PageRank damping factor (``alpha=0.85``).
_DAMPING = 0.85


@renamed("centrality", ties="tie_kinds", k="n_sources", by="per")
def centrality(
    eco: Ecosystem,
    measures: str | Iterable[str] | None = None,
    *,
    tie_kinds: TieSelection = None,
    weight: str | None = "weight",
    distance: str = "inverse",
    directed: bool | None = None,
    normalized: bool = True,
    n_sources: int | None = None,
    seed: Seed = None,
    per: str | None = None,
) -> pd.DataFrame:
    r"""Centrality measures of every actor, one column per measure.

    Every measure is computed on the *simple* view of the selected ties: parallel ties of
    different kinds between the same actors are merged into one edge whose strength is their
    summed ``weight`` (``weight=None``: unweighted, each pair of tied actors counts once). Each
    column equals networkx's function on that simple graph (a ``DiGraph`` when the view is
    directed, a ``Graph`` otherwise), except where stated. *n* is the number of actors.

    ``in_degree``, ``out_degree``, ``degree``
        Number of distinct in-, out- and all neighbours (``degree`` = in + out in a directed
        view; in an undirected view all three are equal). ``normalized``: divided by
        :math:`n - 1` as networkx's ``in_degree_centrality``, ``out_degree_centrality`` and
        ``degree_centrality`` (1 for a single actor).
    ``in_strength``, ``out_strength``, ``strength``
        Summed strength of the ties in, out and both (networkx ``degree(weight=...)``; with
        ``weight=None`` the degree). Never normalised.
    ``betweenness``
        :math:`\sum_{s \ne v \ne t} \sigma_{st}(v) / \sigma_{st}` over ordered pairs in a
        directed view, unordered pairs in an undirected one. ``normalized``: divided by
        :math:`(n-1)(n-2)` (directed) or :math:`(n-1)(n-2)/2` (undirected), as networkx's
        ``betweenness_centrality``.
    ``cross_domain_betweenness``
        The same sum restricted to pairs whose source and target lie in *different* domains
        (medical, social, informal): the brokers between domains. Normalised exactly as
        ``betweenness`` (same denominator), so it never exceeds ``betweenness``.
    ``closeness``
        networkx's ``closeness_centrality`` with the Wasserman-Faust correction for
        disconnected graphs: :math:`C(u) = \frac{r-1}{n-1} \frac{r-1}{\sum_v d(v, u)}` over
        the *r* - 1 actors that can reach *u* (incoming distance in a directed view); 0 when
        none can. Not affected by ``normalized``.
    ``harmonic``
        :math:`\sum_{v \ne u} 1 / d(v, u)` (incoming distance), networkx's
        ``harmonic_centrality``; ``normalized`` divides it by :math:`n - 1` (igraph's
        convention; networkx does not normalise).
    ``eigenvector``
        Leading eigenvector of the adjacency matrix (in-edges in a directed view, networkx's
        "left" eigenvector), Euclidean norm 1 as networkx's ``eigenvector_centrality``.
        Unique only for a (strongly) connected view; otherwise igraph's solution is returned.
        0 for every actor when the view has no cycle (leading eigenvalue 0; networkx fails to
        converge there).
    ``pagerank``
        networkx's ``pagerank`` with damping 0.85; dangling actors jump uniformly. Sums to 1.
    ``hub``, ``authority``
        Kleinberg's HITS scores, each summing to 1 as networkx's ``hits``; 0 when there are
        no ties. Unique only when the leading eigenvalue of :math:`A A^T` is simple (for
        instance a strongly connected view); otherwise igraph's solution is returned.
    ``coreness``
        k-core number (networkx ``core_number``; in + out degree in a directed view).
    ``clustering``
        networkx's ``clustering``: the local clustering coefficient, Fagiolo's directed
        version in a directed view, and with ``weight`` the geometric mean of the tie
        strengths scaled by the largest strength (Onnela et al.). Self-loops are ignored.

    Self-loops (only where the schema allows them) count as in networkx for degree and
    strength (twice in an undirected view); coreness counts them as igraph does (networkx's
    ``core_number`` refuses them); path measures and clustering ignore them.

    Path measures and distance: a tie's ``weight`` is a *strength*. With ``weight`` set and
    ``distance="inverse"``, a tie's length is :math:`1 / \text{strength}` (summed over
    parallel ties first); ``distance="<tie column>"`` uses that column as the length (the
    shortest of parallel ties), whatever ``weight`` is. With ``weight=None`` and
    ``distance="inverse"`` paths are counted in steps.

    Parameters
    ----------
    eco
        The ecosystem.
    measures
        A measure name or a list of them (columns in that order); ``None`` for all of
        :data:`MEASURES`.
    tie_kinds
        Tie kinds to use (ids or aliases); ``None`` for every kind present.
    weight
        Tie column holding the strength (default ``"weight"``, 1.0 for every tie when the
        data give none), or ``None`` for unweighted measures.
    distance
        ``"inverse"`` or a numeric tie column of lengths, for the path measures.
    directed
        ``None``: undirected when every selected tie kind is mutual, else directed (a mutual
        tie counts in both directions); ``True``/``False`` to force.
    normalized
        Normalise degree, betweenness, cross-domain betweenness and harmonic as described.
    n_sources
        Number of sampled source actors for the path measures (betweenness and cross-domain
        betweenness rescaled as networkx's ``betweenness_centrality(k=...)``; closeness and
        harmonic estimated from the sampled sources' distances, each sampled actor standing
        for :math:`n / k`, *k* = ``n_sources``). ``None``: exact, with a warning above
        :data:`EXACT_LIMIT` actors. With ``n_sources=1`` the sampled actor's betweenness is 0
        (networkx: NaN). With ``per="neighbourhood"``, ``n_sources`` applies to each
        neighbourhood and must not exceed its
        number of actors.
    seed
        Seed for the sample of sources (only used with ``n_sources``).
    per
        ``"neighbourhood"`` to compute within each neighbourhood (its actors plus the shared
        ones) and stack the results under an outer index level ``neighbourhood``.

    Returns
    -------
    pandas.DataFrame
        Indexed by actor id (``"id"``), one float column per measure. Never NaN.

    Raises
    ------
    ConfigError
        An unknown measure, a bad ``distance``, ``n_sources`` or ``directed``; zero-strength
        ties with ``distance="inverse"`` (their length would be infinite) or negative lengths.

    References
    ----------
    Freeman (1977, 1979); Brandes (2001, 2008) for betweenness and its sampling; Wasserman &
    Faust (1994) for closeness; Marchiori & Latora (2000) for harmonic centrality; Page et al.
    (1999); Kleinberg (1999); Batagelj & Zaversnik (2003) for cores; Fagiolo (2007) and
    Onnela et al. (2005) for clustering. Conventions: networkx 3.6, algorithms/centrality.

    Examples
    --------
    >>> from ecosystem import datasets
    >>> from ecosystem.algorithms.centrality import centrality
    >>> c = centrality(datasets.example(), ["degree", "betweenness", "cross_domain_betweenness"])
    >>> c.sort_values("cross_domain_betweenness", ascending=False).head(3).round(3)
               degree  betweenness  cross_domain_betweenness
    id
    gp_west     0.410        0.330                     0.256
    team_west   0.308        0.278                     0.237
    team_oost   0.308        0.249                     0.196
    """
    check_ecosystem(eco, "centrality")
    chosen = _check_measures(measures)
    if directed is not None and not isinstance(directed, bool):
        raise ConfigError(
            f"centrality(): directed={directed!r} is not accepted; use None, True or False")
    if not isinstance(distance, str):
        raise ConfigError(f"centrality(): distance={distance!r} is not accepted; use "
                          "'inverse' or the name of a numeric tie column")
    k = n_sources
    if k is not None and (isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1):
        raise ConfigError(f"centrality(): n_sources={k!r} is not accepted; use a positive int "
                          "or None")
    as_generator(seed)  # validate early (a Generator is returned as is)
    return by_neighbourhood(eco, per, _centrality, measures=chosen, ties=tie_kinds,
                            weight=weight, distance=distance, directed=directed,
                            normalized=bool(normalized), k=k, seed=seed, caller="centrality")


def _check_measures(measures: str | Iterable[str] | None) -> list[str]:
    if measures is None:
        return list(MEASURES)
    chosen = [measures] if isinstance(measures, str) else list(measures)
    for m in chosen:
        if m not in MEASURES:
            raise ConfigError(f"centrality(): measure '{m}' is not known{suggest(m, MEASURES)}"
                              f" Known: {', '.join(MEASURES)}", field="measures")
    if len(set(chosen)) != len(chosen):
        raise ConfigError(f"centrality(): measures {chosen} repeat a measure")
    return chosen


def _centrality(eco: Ecosystem, *, measures: list[str], ties: TieSelection,
                weight: str | None, distance: str, directed: bool | None, normalized: bool,
                k: int | None, seed: Seed) -> pd.DataFrame:
    try:
        spec = eco.view_spec(ties, directed=directed, weight=weight)
        g = eco.graph(ties, directed=directed, weight=weight, parallel="sum")
    except EcosystemError as exc:
        raise type(exc)(f"centrality(): {exc}") from None
    n = eco.n_actors
    w = None if weight is None else np.asarray(g.es["weight"], dtype=np.float64)
    out: dict[str, np.ndarray] = {}
    dist = None
    if _PATH.intersection(measures):
        dist = _lengths(eco, g, ties, spec.directed, w, distance)
        if k is not None and k > n:
            raise ConfigError(f"centrality(): n_sources={k} is larger than the number of actors "
                              f"({n})")
        if k is None and n > EXACT_LIMIT:
            warnings.warn(
                f"centrality(): exact path measures on {n:,} actors cost one shortest-path "
                f"search per actor; pass n_sources= (e.g. n_sources=1000) to sample sources",
                RuntimeWarning, stacklevel=5)
    sources = None
    if k is not None and _PATH.intersection(measures):
        sources = np.sort(as_generator(seed).choice(n, int(k), replace=False))
    for m in measures:
        out[m] = _MEASURE[m](eco, g, w, dist, spec.directed, normalized, sources, spec)
    return pd.DataFrame({m: np.asarray(out[m], dtype=np.float64) for m in measures},
                        index=eco.index)


# ---------------------------------------------------------------------- distances
def _lengths(eco: Ecosystem, g: ig.Graph, ties: TieSelection, directed: bool,
             w: np.ndarray | None, distance: str) -> np.ndarray | None:
    """Edge lengths aligned with the simple view's edges, or None for hop counts."""
    if distance == "inverse":
        if w is None:
            return None
        if (w <= 0).any():
            raise ConfigError("centrality(): some ties have zero strength, so "
                              "distance='inverse' would make them infinitely long; remove "
                              "them, use weight=None or give a distance column",
                              field="distance")
        return 1.0 / w
    try:
        src, tgt, length, _ = eco.edge_arrays(ties, directed=directed, weight=distance)
    except EcosystemError as exc:
        raise ConfigError(f"centrality(): distance='{distance}' is not 'inverse' or a numeric "
                          f"tie column ({exc})") from None
    if (length < 0).any():
        raise ConfigError(f"centrality(): distance='{distance}' has negative lengths")
    # The shortest of parallel ties, in the simple view's edge order (sorted pairs; an
    # undirected view keeps each pair once with the smaller position first).
    if not directed:
        src, tgt = np.minimum(src, tgt), np.maximum(src, tgt)
    key = src.astype(np.int64) * max(eco.n_actors, 1) + tgt
    order = np.lexsort((length, key))
    first = np.ones(len(order), dtype=bool)
    first[1:] = key[order][1:] != key[order][:-1]
    shortest = length[order][first]
    ends = np.asarray(g.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    view_key = ends[:, 0] * max(eco.n_actors, 1) + ends[:, 1]
    pos = np.searchsorted(key[order][first], view_key)
    return shortest[pos]


# ---------------------------------------------------------------------- the measures
def _deg(mode: str):
    def f(eco, g, w, dist, directed, normalized, sources, spec):
        d = np.asarray(g.degree(mode=mode if directed else "all", loops=True), dtype=float)
        n = g.vcount()
        if normalized:
            d = np.ones(n) if n == 1 else d / max(n - 1, 1)
        return d
    return f


def _strength(mode: str):
    def f(eco, g, w, dist, directed, normalized, sources, spec):
        return np.asarray(g.strength(mode=mode if directed else "all", loops=True,
                                     weights=None if w is None else "weight"), dtype=float)
    return f


def _pair_scale(n: int, directed: bool, normalized: bool, sources: np.ndarray | None):
    """Rescaling of raw ordered-source pair counts, per actor, as networkx 3.6's _rescale
    (endpoints excluded): raw counts sum over sources s and all targets t."""
    if n <= 2:
        return np.ones(n)
    corr = 1.0 if directed else 2.0
    if sources is None:
        base = 1 / ((n - 1) * (n - 2)) if normalized else 1 / corr
        return np.full(n, base)
    k = len(sources)
    if normalized:
        src, non = (1 / ((k - 1) * (n - 2)) if k > 1 else 0.0), 1 / (k * (n - 2))
    else:
        src, non = ((n - 1) / ((k - 1) * corr) if k > 1 else 0.0), (n - 1) / (k * corr)
    scale = np.full(n, non)
    scale[sources] = src
    return scale


def _subset_betweenness(g, dist, directed, srcs, tgts) -> np.ndarray:
    """Sum over s in srcs, t in tgts (s != t) of sigma_st(v)/sigma_st, each ordered (s, t)
    once, also in an undirected graph."""
    if len(srcs) == 0 or len(tgts) == 0:
        return np.zeros(g.vcount())
    raw = np.asarray(g.betweenness(directed=directed, weights=dist, sources=srcs.tolist(),
                                   targets=tgts.tolist()), dtype=float)
    # igraph halves every pair count in an undirected graph (unordered pairs): undo that.
    return raw if directed else 2.0 * raw


def _betweenness(eco, g, w, dist, directed, normalized, sources, spec):
    n = g.vcount()
    if sources is None:
        raw = np.asarray(g.betweenness(directed=directed, weights=dist), dtype=float)
        raw = raw * (1.0 if directed else 2.0)  # ordered-pair counts, as networkx sums
    else:
        raw = _subset_betweenness(g, dist, directed, sources, np.arange(n))
    return raw * _pair_scale(n, directed, normalized, sources)


def _cross_domain_betweenness(eco, g, w, dist, directed, normalized, sources, spec):
    n = g.vcount()
    domain = eco.actors["domain"].to_numpy()
    srcs = np.arange(n) if sources is None else sources
    raw = np.zeros(n)
    for d in pd.unique(domain):  # one subset betweenness per domain (three at most)
        inside = domain == d
        raw += _subset_betweenness(g, dist, directed, srcs[inside[srcs]],
                                   np.flatnonzero(~inside))
    return raw * _pair_scale(n, directed, normalized, sources)


def _reach_sums(g, dist, directed, sources) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per target u: number of sources reaching it, sum of d and of 1/d (s != u)."""
    n = g.vcount()
    count, total, inv = np.zeros(n), np.zeros(n), np.zeros(n)
    mode = "out" if directed else "all"
    for lo in range(0, len(sources), _DIST_BLOCK):
        blk = sources[lo:lo + _DIST_BLOCK]
        d = np.asarray(g.distances(source=blk.tolist(), weights=dist, mode=mode), dtype=float)
        d[np.arange(len(blk)), blk] = np.inf  # a source does not count for itself
        ok = np.isfinite(d) & (d > 0)
        count += ok.sum(axis=0)
        total += np.where(ok, d, 0.0).sum(axis=0)
        inv += np.divide(1.0, d, out=np.zeros_like(d), where=ok).sum(axis=0)
    return count, total, inv


def _closeness(eco, g, w, dist, directed, normalized, sources, spec):
    n = g.vcount()
    if n <= 1:
        return np.zeros(n)
    if sources is None:
        mode = "in" if directed else "all"
        inv_sum = np.nan_to_num(np.asarray(
            g.closeness(mode=mode, weights=dist, normalized=False), dtype=float))
        if directed:
            reach = np.asarray(g.neighborhood_size(order=n, mode="in"), dtype=float) - 1
        else:
            comp = np.asarray(g.connected_components().membership)
            reach = np.bincount(comp)[comp] - 1.0
        return reach * reach / (n - 1) * inv_sum
    count, total, _ = _reach_sums(g, dist, directed, sources)
    est = n / len(sources)  # each sampled source stands for n / k actors
    return np.divide((count * est) ** 2, (n - 1) * total * est, out=np.zeros(n),
                     where=total > 0)


def _harmonic(eco, g, w, dist, directed, normalized, sources, spec):
    n = g.vcount()
    if n <= 1:
        return np.zeros(n)
    if sources is None:
        h = np.asarray(g.harmonic_centrality(mode="in" if directed else "all", weights=dist,
                                             normalized=False), dtype=float)
    else:
        h = _reach_sums(g, dist, directed, sources)[2] * n / len(sources)
    return h / (n - 1) if normalized else h


def _eigenvector(eco, g, w, dist, directed, normalized, sources, spec):
    if g.ecount() == 0:
        return np.zeros(g.vcount())
    with warnings.catch_warnings():  # non-uniqueness on disconnected views is documented
        warnings.simplefilter("ignore", RuntimeWarning)
        # (directed=False is rejected by igraph 1.0; the view's own direction applies)
        x, value = g.eigenvector_centrality(weights=None if w is None else "weight",
                                            return_eigenvalue=True)
    if value <= 1e-12:  # acyclic directed view: the leading eigenvalue is 0, no centrality
        return np.zeros(g.vcount())
    x = np.abs(np.asarray(x, dtype=float))
    return x / np.linalg.norm(x)


def _pagerank(eco, g, w, dist, directed, normalized, sources, spec):
    return np.asarray(g.pagerank(directed=directed, damping=_DAMPING,
                                 weights=None if w is None else "weight"), dtype=float)


def _hits(kind: str):
    def f(eco, g, w, dist, directed, normalized, sources, spec):
        if g.ecount() == 0:
            return np.zeros(g.vcount())
        score = g.hub_score if kind == "hub" else g.authority_score
        with warnings.catch_warnings():  # non-uniqueness is documented
            warnings.simplefilter("ignore", RuntimeWarning)
            x = np.abs(np.asarray(score(weights=None if w is None else "weight"), dtype=float))
        total = x.sum()
        return x / total if total > 0 else x
    return f


def _coreness(eco, g, w, dist, directed, normalized, sources, spec):
    return np.asarray(g.coreness(mode="all"), dtype=float)


def _clustering(eco, g, w, dist, directed, normalized, sources, spec):
    """networkx's clustering from the summed adjacency: diag(X^3) as a masked product."""
    a = sp.csr_array(eco.adjacency(sorted(spec.kinds), directed=spec.directed,
                                   weight=spec.weight), dtype=np.float64)
    n = a.shape[0]
    if n == 0:
        return np.zeros(0)
    wmax = a.data.max() if a.nnz else 1.0
    coo = a.tocoo()
    off = coo.row != coo.col
    vals = np.cbrt(coo.data[off] / wmax) if spec.weight is not None else np.ones(off.sum())
    x = sp.csr_array((vals, (coo.row[off], coo.col[off])), shape=(n, n))
    pattern_only = sp.csr_array((np.ones(x.nnz), x.indices, x.indptr), shape=(n, n))
    if directed:
        x = (x + x.T).tocsr()  # Fagiolo: triangles of A + A^T
        out_d = np.diff(pattern_only.indptr)
        in_d = np.diff(pattern_only.T.tocsr().indptr)
        recip = np.asarray(pattern_only.multiply(pattern_only.T).sum(axis=1)).ravel()
        dtot = out_d + in_d
        denom = 2.0 * (dtot * (dtot - 1) - 2 * recip)
        scale = 1.0  # c = diag((A + A^T)^3) / (2 (dtot (dtot - 1) - 2 drecip))
    else:
        deg = np.diff(pattern_only.indptr)
        denom = deg * (deg - 1.0)
        scale = 1.0  # c = diag(A^3) / (deg (deg - 1))
    x.sum_duplicates()
    x.sort_indices()
    rows = np.repeat(np.arange(n), np.diff(x.indptr))
    cost = _row_sum(rows, np.diff(x.indptr)[x.indices].astype(float), n)
    cube = np.zeros(n)
    for lo, hi in _blocks(cost):
        a0, b0 = x.indptr[lo], x.indptr[hi]
        blk = sp.csr_array((x.data[a0:b0], x.indices[a0:b0], x.indptr[lo:hi + 1] - a0),
                           shape=(hi - lo, n))
        ones = sp.csr_array((np.ones(b0 - a0), blk.indices, blk.indptr), shape=blk.shape)
        two = _at_pattern(blk @ x, ones)  # (X X)_ij at X's entries in these rows
        cube[lo:hi] = _row_sum(rows[a0:b0] - lo, x.data[a0:b0] * two, hi - lo)
    return np.divide(cube * scale, denom, out=np.zeros(n), where=denom > 0)


_MEASURE = {
    "in_degree": _deg("in"), "out_degree": _deg("out"), "degree": _deg("all"),
    "in_strength": _strength("in"), "out_strength": _strength("out"),
    "strength": _strength("all"), "betweenness": _betweenness, "closeness": _closeness,
    "harmonic": _harmonic, "eigenvector": _eigenvector, "pagerank": _pagerank,
    "hub": _hits("hub"), "authority": _hits("authority"), "coreness": _coreness,
    "clustering": _clustering, "cross_domain_betweenness": _cross_domain_betweenness,
}
