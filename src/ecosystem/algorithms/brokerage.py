"""Gould & Fernandez brokerage roles: who sits in the middle of open two-paths, between whom."""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ecosystem.algorithms._common import check_ecosystem
from ecosystem.core._deprecate import renamed
from ecosystem.core.ecosystem import Ecosystem, TieSelection
from ecosystem.core.errors import ConfigError, suggest

__all__ = ["ROLES", "brokerage"]

#: Column order of :func:`brokerage` (sna's w_I, w_O, b_IO, b_OI, b_O, t).
ROLES: tuple[str, ...] = (
    "coordinator", "itinerant", "representative", "gatekeeper", "liaison", "total",
)
_COORD, _ITIN, _REPR, _GATE, _LIAI = range(5)

#: Label of the group of actors whose ``groups`` column is missing.
MISSING_GROUP = "(missing)"


@renamed("brokerage", by="groups", ties="tie_kinds")
def brokerage(
    eco: Ecosystem,
    groups: str = "domain",
    *,
    tie_kinds: TieSelection = None,
    standardize: bool = False,
) -> pd.DataFrame:
    r"""Gould & Fernandez (1989) brokerage roles of every actor.

    A broker ``j`` sits in the middle of an *open two-path* ``i -> j -> k``: ``i``, ``j`` and
    ``k`` distinct, ties ``i -> j`` and ``j -> k``, and no tie ``i -> k``. Each open two-path is
    one role of its broker, by the groups ``g(.)`` of the three actors (the ``groups`` column):

    ================  ============================  ==========
    role              groups                        sna name
    ================  ============================  ==========
    coordinator       g(i) = g(j) = g(k)            w_I
    itinerant         g(i) = g(k) != g(j)           w_O
    representative    g(i) = g(j) != g(k)           b_IO
    gatekeeper        g(i) != g(j) = g(k)           b_OI
    liaison           g(i), g(j), g(k) all differ   b_O
    ================  ============================  ==========

    and ``total`` is their sum, the number of open two-paths through ``j``. The counts are those
    of R's ``sna::brokerage`` (``raw.nli``).

    Parameters
    ----------
    eco
        The ecosystem.
    groups
        Actor column that defines the groups: ``"domain"`` (default), ``"kind"``, ``"sector"``,
        ``"neighbourhood"`` or any other actor column. Actors with a missing value form one
        group of their own, labelled ``"(missing)"`` (for ``"neighbourhood"``: the shared
        actors).
    tie_kinds
        Tie kinds to use (ids or aliases); ``None`` for every kind present.
    standardize
        ``False``: raw counts (integers). ``True``: z-scores ``(count - E) / sd`` under sna's
        null model, in which every ordered pair of distinct actors is tied independently with
        probability ``d = m / (N (N - 1))`` (``m`` the number of tied ordered pairs). With
        ``p = d^2 (1 - d)``, ``q = d^3 (1 - d)^3``, ``n`` the size of the broker's group and
        ``n_h`` the sizes of the other groups ``h``:

        * coordinator: ``E = p (n-1)(n-2)``, ``V = E (1-p) + 2 (n-1)(n-2)(n-3) q``
        * itinerant: ``E = p sum_h n_h (n_h-1)``, ``V = E (1-p) + 2 q sum_h n_h (n_h-1)(n_h-2)``
        * representative and gatekeeper: ``E = p (N-n)(n-1)``,
          ``V = E (1-p) + 2 q ((n-1) C(N-n, 2) + (N-n) C(n-1, 2))``
        * liaison: ``E = p ((N-n)^2 - sum_h n_h^2)``,
          ``V = E (1-p) + 4 q sum_h n_h C(N-n_h-n, 2)``
        * total: ``E = p (N-1)(N-2)``, ``V = E (1-p) + 2 (N-1)(N-2)(N-3) q``

        (``C(x, 2) = x (x-1) / 2``), as in ``sna::brokerage`` (``z.nli``). Where the variance is
        0 the role is impossible (group too small, ``d`` 0 or 1), the count is 0 = ``E``, and
        the z-score is reported as 0, where sna gives NaN.

    Returns
    -------
    pandas.DataFrame
        Indexed by actor id (index name ``"id"``), columns :data:`ROLES`; int64 counts, or
        float64 z-scores with ``standardize=True``.

    Notes
    -----
    Ties are read as directed: a mutual tie (collaboration) is a tie each way, as sna reads a
    symmetric matrix. Weights are ignored, parallel ties of different kinds count as one tie,
    and self-loops are ignored. Vectorised over the sparse adjacency: for each broker,
    all two-paths by group pair follow from its in- and out-degree per group, minus the
    reciprocated ones (``i = k``) and the closed ones (``i -> k`` present), which are read
    from the triangles of the undirected view.

    References
    ----------
    Gould, R. V. and Fernandez, R. M. (1989). Structures of mediation: a formal approach to
    brokerage in transaction networks. *Sociological Methodology* 19: 89-126.
    Butts, C. T. sna: Tools for Social Network Analysis, function ``brokerage``.

    Examples
    --------
    >>> from ecosystem import datasets
    >>> from ecosystem.algorithms.brokerage import brokerage
    >>> b = brokerage(datasets.example())
    >>> list(b.columns)
    ['coordinator', 'itinerant', 'representative', 'gatekeeper', 'liaison', 'total']
    >>> bool((b[list(b.columns[:5])].sum(axis=1) == b["total"]).all())
    True
    """
    check_ecosystem(eco, "brokerage")
    codes = _group_codes(eco, groups, "brokerage")
    if not isinstance(standardize, bool):
        raise ConfigError(f"brokerage(): standardize must be True or False, got {standardize!r}")
    eco.view_spec(tie_kinds)  # validates tie_kinds
    adj = _binary_arcs(eco, tie_kinds)
    counts = _role_counts(eco, adj, codes, tie_kinds)
    values = _zscores(counts, adj, codes) if standardize else counts
    return pd.DataFrame(values, index=eco.index.copy(), columns=list(ROLES))


def _group_codes(eco: Ecosystem, by: str, func: str) -> np.ndarray:
    """Integer group code per actor (missing values share one code)."""
    actors = eco.actors
    if not isinstance(by, str) or by not in actors.columns or by == "id":
        cols = [c for c in actors.columns if c != "id"]
        hint = suggest(str(by), cols) if isinstance(by, str) else ""
        raise ConfigError(
            f"{func}(): groups={by!r} is not an actor column{hint or '.'} Known: "
            f"{', '.join(cols)}", field="groups")
    col = actors[by].astype(object).where(actors[by].notna(), MISSING_GROUP)
    codes, _ = pd.factorize(col.astype(str), sort=True)
    return codes.astype(np.int64)


def _binary_arcs(eco: Ecosystem, ties: TieSelection) -> sp.csr_array:
    """0/1 directed adjacency without self-loops, from the cached directed view."""
    a = eco.adjacency(ties, directed=True, weight=None).tocoo()
    off = a.row != a.col
    n = eco.n_actors
    b = sp.csr_array((np.ones(int(off.sum()), dtype=np.int64), (a.row[off], a.col[off])),
                     shape=(n, n))
    b.sum_duplicates()
    return b


def _role_counts(
    eco: Ecosystem, adj: sp.csr_array, g: np.ndarray, ties: TieSelection
) -> np.ndarray:
    n = adj.shape[0]
    out = np.zeros((n, 5), dtype=np.int64)
    if n == 0 or adj.nnz == 0:
        return np.concatenate([out, out[:, :1]], axis=1)
    n_groups = int(g.max()) + 1
    member = sp.csr_array((np.ones(n, dtype=np.int64), (np.arange(n), g)),
                          shape=(n, n_groups))
    into = (adj.T @ member).toarray()        # into[j, a]: in-neighbours of j in group a
    outof = (adj @ member).toarray()         # outof[j, b]: out-neighbours of j in group b
    own = np.arange(n)
    in_own, out_own = into[own, g], outof[own, g]
    in_tot, out_tot = into.sum(axis=1), outof.sum(axis=1)
    same = (into * outof).sum(axis=1)        # two-paths with g(i) = g(k)
    # Every two-path i -> j -> k with i != j != k, i possibly = k, by role of its broker j.
    out[:, _COORD] = in_own * out_own
    out[:, _ITIN] = same - in_own * out_own
    out[:, _REPR] = in_own * (out_tot - out_own)
    out[:, _GATE] = (in_tot - in_own) * out_own
    out[:, _LIAI] = (in_tot - in_own) * (out_tot - out_own) - out[:, _ITIN]
    # Remove i = k (a reciprocated pair i <-> j): coordinator or itinerant by g(i).
    recip = adj * adj.T
    back = (recip @ member).toarray()        # back[j, a]: mutual partners of j in group a
    back_own = back[own, g]
    out[:, _COORD] -= back_own
    out[:, _ITIN] -= back.sum(axis=1) - back_own
    # Remove closed two-paths (i -> k present), found in the triangles of the undirected view.
    tri = _triangles(eco, ties)
    if len(tri):
        _remove_closed(out, adj, g, tri)
    return np.concatenate([out, out.sum(axis=1, keepdims=True)], axis=1)


def _triangles(eco: Ecosystem, ties: TieSelection) -> np.ndarray:
    """Triangles (rows of three positions) of the undirected simple view."""
    view = eco.graph(ties, directed=False, weight=None, parallel="sum")
    tri = view.list_triangles()
    return np.asarray(tri, dtype=np.int64).reshape(-1, 3)


def _remove_closed(out: np.ndarray, adj: sp.csr_array, g: np.ndarray, tri: np.ndarray) -> None:
    n = adj.shape[0]
    keys = _arc_keys(adj)

    def has(u: np.ndarray, v: np.ndarray) -> np.ndarray:
        q = u * n + v
        pos = np.searchsorted(keys, q)
        pos[pos == len(keys)] = 0
        return keys[pos] == q

    # The six orderings (i, j, k) of each triangle; each closed two-path is counted once.
    for a, b, c in ((0, 1, 2), (0, 2, 1), (1, 0, 2), (1, 2, 0), (2, 0, 1), (2, 1, 0)):
        i, j, k = tri[:, a], tri[:, b], tri[:, c]
        closed = has(i, j) & has(j, k) & has(i, k)
        i, j, k = i[closed], j[closed], k[closed]
        gi, gj, gk = g[i], g[j], g[k]
        role = np.where(
            gi == gj,
            np.where(gj == gk, _COORD, _REPR),
            np.where(gj == gk, _GATE, np.where(gi == gk, _ITIN, _LIAI)),
        )
        np.subtract.at(out, (j, role), 1)


def _arc_keys(adj: sp.csr_array) -> np.ndarray:
    """Sorted ``row * n + col`` of every arc."""
    adj = adj.copy()
    adj.sort_indices()
    rows = np.repeat(np.arange(adj.shape[0], dtype=np.int64), np.diff(adj.indptr))
    return rows * adj.shape[0] + adj.indices.astype(np.int64)


def _zscores(counts: np.ndarray, adj: sp.csr_array, g: np.ndarray) -> np.ndarray:
    """sna's z-scores: (count - E) / sd with E, sd by the broker's group (see brokerage)."""
    n_act = adj.shape[0]
    z = np.zeros(counts.shape, dtype=np.float64)
    if n_act == 0:
        return z
    d = adj.nnz / (n_act * (n_act - 1.0)) if n_act > 1 else 0.0
    e, v = _null_moments(np.bincount(g), d)
    expected, var = e[g], v[g]
    ok = var > 0
    z[ok] = (counts[ok] - expected[ok]) / np.sqrt(var[ok])
    return z


def _null_moments(sizes: np.ndarray, d: float) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance of each role count of a broker in each group (rows), under a
    Bernoulli(d) digraph on groups of the given sizes (sna's null model)."""
    n = np.asarray(sizes, dtype=np.float64)
    big_n = n.sum()
    p, q = d * d * (1.0 - d), d**3 * (1.0 - d) ** 3

    def c2(x):
        return x * (x - 1.0) / 2.0

    def others(f):  # sum of f over the groups other than the broker's
        return f(n).sum() - f(n)

    e = np.empty((len(n), 6))
    v = np.empty((len(n), 6))
    e[:, 0] = p * (n - 1) * (n - 2)
    v[:, 0] = 2 * (n - 1) * (n - 2) * (n - 3) * q
    e[:, 1] = p * others(lambda x: x * (x - 1))
    v[:, 1] = 2 * q * others(lambda x: x * (x - 1) * (x - 2))
    e[:, 2] = e[:, 3] = p * (big_n - n) * (n - 1)
    v[:, 2] = v[:, 3] = 2 * q * ((n - 1) * c2(big_n - n) + (big_n - n) * c2(n - 1))
    e[:, 4] = p * ((big_n - n) ** 2 - others(lambda x: x * x))
    liaison = n[None, :] * c2(big_n - n[None, :] - n[:, None])
    np.fill_diagonal(liaison, 0.0)
    v[:, 4] = 4 * q * liaison.sum(axis=1)
    e[:, 5] = p * (big_n - 1) * (big_n - 2)
    v[:, 5] = 2 * (big_n - 1) * (big_n - 2) * (big_n - 3) * q
    v += e * (1.0 - p)
    return e, v
