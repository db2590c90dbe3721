"""Burt's structural holes: constraint, effective size, efficiency and hierarchy per actor.

Computed for every actor at once from the Ecosystem's sparse adjacency view: the two-step sums
of Burt's formulas are sums over the triangles of the contact graph (listed by igraph in C),
gathered with vectorised NumPy. There is no per-actor Python loop.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ecosystem.algorithms._common import by_neighbourhood, check_ecosystem
from ecosystem.algorithms._sparse import _row_sum
from ecosystem.core._deprecate import renamed
from ecosystem.core.ecosystem import Ecosystem, TieSelection
from ecosystem.core.errors import ConfigError, EcosystemError

__all__ = ["structural_holes"]

COLUMNS = ["constraint", "effective_size", "efficiency", "hierarchy"]

@renamed("structural_holes", ties="tie_kinds", by="per")
def structural_holes(
    eco: Ecosystem,
    *,
    tie_kinds: TieSelection = None,
    weight: str | None = "weight",
    directed: bool | None = None,
    per: str | None = None,
) -> pd.DataFrame:
    r"""Burt's constraint, effective size, efficiency and hierarchy of every actor.

    Let :math:`a_{ij}` be the summed strength of the ties from actor *i* to actor *j* in the
    selected view and :math:`s_{ij} = a_{ij} + a_{ji}` the *mutual* strength (:math:`i \ne j`).
    The contacts of *i* are :math:`N(i) = \{j \ne i : s_{ij} > 0\}`, in- and out-contacts alike,
    and :math:`n_i = |N(i)|`. The proportional tie strength and the marginal strength are

    .. math::

       p_{ij} = \frac{s_{ij}}{\sum_k s_{ik}}, \qquad
       m_{ij} = \frac{s_{ij}}{\max_k s_{ik}}.

    Then, for every actor with at least one contact,

    - **constraint** (Burt 1992, eq. 2.4):
      :math:`c_i = \sum_{j \in N(i)} c_{ij}`, with the local (dyadic) constraint
      :math:`c_{ij} = \bigl(p_{ij} + \sum_{q} p_{iq} p_{qj}\bigr)^2`;
    - **effective size** (Burt 1992; Borgatti 1997's weighted form, as networkx):
      :math:`e_i = \sum_{j \in N(i)} \bigl(1 - \sum_{q} p_{iq} m_{jq}\bigr)`, which for an
      unweighted undirected view is :math:`n_i - 2t_i / n_i` with :math:`t_i` the ties among
      *i*'s contacts;
    - **efficiency**: :math:`e_i / n_i`;
    - **hierarchy** (Burt 1992, p. 71): with :math:`r_{ij} = c_{ij} / (c_i / n_i)`,
      :math:`h_i = \sum_{j \in N(i)} r_{ij} \ln r_{ij} / (n_i \ln n_i)`: 0 when the constraint
      is spread evenly over the contacts, approaching 1 when one contact holds all of it.

    Parameters
    ----------
    eco
        The ecosystem.
    tie_kinds
        Tie kinds to use (ids or aliases); ``None`` for every kind present.
    weight
        Tie column holding the strength :math:`a_{ij}` (default ``"weight"``), or ``None`` for
        every tie counting 1.
    directed
        ``None``: undirected when every selected tie kind is mutual, else directed (a mutual
        tie then counts in both directions, so it weighs twice a one-way tie in
        :math:`s_{ij}`). Only the mutual strength enters the formulas, so direction changes
        the results only through that weighting.
    per
        ``"neighbourhood"`` to compute within each neighbourhood (its actors plus the shared
        ones) and stack the results under an outer index level ``neighbourhood``.

    Returns
    -------
    pandas.DataFrame
        Indexed by actor id (``"id"``), columns ``constraint, effective_size, efficiency,
        hierarchy`` (float). Never NaN.

    Notes
    -----
    Choices where the reference tools differ (each is tested):

    - **Actors without contacts** (isolates, or only self-loops and zero-strength ties): every
      column is 0. The constraint and the effective size are then empty sums; efficiency and
      hierarchy are set to 0 by convention. networkx and igraph return NaN there.
    - **One contact**: hierarchy is 0 (the formula is 0/0; one contact cannot be unequal).
    - **Self-loops** are ignored (they are not contacts; :math:`j \ne i`). networkx's sparse
      code path lets a self-loop enter the normalising sums.
    - **Parallel ties** of different kinds between the same actors are summed into one
      strength (the adjacency view); with ``weight=None`` two parallel ties count 2.
    - **Directed ties** count for both ends: an actor with only incoming ties (a sink) has
      contacts and a finite constraint, as in igraph and networkx's matrix code path.
    - **Zero-strength ties** are not contacts.

    The results equal igraph's ``Graph.constraint`` and networkx's ``constraint`` and
    ``effective_size`` on the same (simple, summed) graph wherever those are defined.

    References
    ----------
    Burt, R. S. (1992). *Structural Holes: The Social Structure of Competition*. Harvard
    University Press. Borgatti, S. P. (1997). Structural holes: unpacking Burt's redundancy
    measures. *Connections* 20(1), 35-38.

    Examples
    --------
    >>> from ecosystem import datasets
    >>> from ecosystem.algorithms.structural_holes import structural_holes

    The least constrained actors of the example ecosystem (all tie kinds, strengths summed):

    >>> sh = structural_holes(datasets.example())
    >>> sh.sort_values("constraint").head(3).round(3)
               constraint  effective_size  efficiency  hierarchy
    id
    gp_west         0.185          10.867       0.906      0.202
    team_oost       0.245           8.108       0.901      0.242
    team_west       0.249           6.000       0.857      0.106
    """
    check_ecosystem(eco, "structural_holes")
    if directed is not None and not isinstance(directed, bool):
        raise ConfigError(
            f"structural_holes(): directed={directed!r} is not accepted; use None, True or False")
    return by_neighbourhood(eco, per, _structural_holes, ties=tie_kinds, weight=weight,
                            directed=directed, caller="structural_holes")


def _structural_holes(eco: Ecosystem, *, ties: TieSelection, weight: str | None,
                      directed: bool | None) -> pd.DataFrame:
    try:
        adj = eco.adjacency(ties, directed=directed, weight=weight)
    except EcosystemError as exc:
        raise type(exc)(f"structural_holes(): {exc}") from None
    # The two-step sums of Burt's formulas run over q in N(i) and N(j) for contacts i, j: the
    # triangles of the contact graph. igraph lists them in C from the cached undirected view,
    # far fewer than the wedges a sparse matrix product would store.
    und = eco.graph(ties, directed=False, weight=None, parallel="sum")
    triangles = np.asarray(und.list_triangles(), dtype=np.int64).reshape(-1, 3)
    cols = _burt(adj, triangles)
    return pd.DataFrame(dict(zip(COLUMNS, cols, strict=True)), index=eco.index)


def _burt(adj: sp.csr_array, triangles: np.ndarray
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Constraint, effective size, efficiency and hierarchy from an adjacency matrix.

    ``triangles`` (t x 3 actor positions) are the triangles of the undirected graph with the
    pattern of ``adj + adj.T`` (they may include triangles over zero-strength ties, which are
    dropped here).
    """
    n = adj.shape[0]
    s = _mutual(adj)
    deg = np.diff(s.indptr)
    rows = np.repeat(np.arange(n), deg)
    p = _scale_rows(s, _row_reduce(np.add, s, n))
    # m^T: column j holds m_{jq} for q, so (p @ m^T)_{ij} = sum_q p_iq m_jq. p and m^T share
    # s's (symmetric) pattern, so one complex product p @ (p + i m^T) gives both two-step sums
    # in a single pass over the wedges: real part p @ p, imaginary part p @ m^T.
    m = _scale_rows(s, _row_reduce(np.maximum, s, n))
    pp, pm = _two_step_sums(s, p.data, m.data, triangles)
    local = (p.data + pp) ** 2
    constraint = _row_sum(rows, local, n)
    effective = deg - _row_sum(rows, pm, n)
    has = deg > 0
    efficiency = np.divide(effective, deg, out=np.zeros(n), where=has)
    # hierarchy: r_ij = c_ij n_i / c_i; rows with one contact have r = 1 and ln r = 0.
    r = local * (deg / np.where(has, constraint, 1.0))[rows]
    spread = _row_sum(rows, r * np.log(r), n)
    norm = deg * np.log(np.maximum(deg, 1))
    hierarchy = np.divide(spread, norm, out=np.zeros(n), where=deg > 1)
    return constraint, effective, efficiency, hierarchy


def _mutual(adj: sp.csr_array) -> sp.csr_array:
    """s = a + a^T without the diagonal, canonical CSR with positive entries only."""
    a = sp.csr_array(adj, dtype=np.float64)
    s = (a + a.T).tocoo()
    keep = (s.row != s.col) & (s.data > 0)
    s = sp.csr_array((s.data[keep], (s.row[keep], s.col[keep])), shape=adj.shape)
    s.sum_duplicates()
    s.sort_indices()
    return s


def _row_reduce(ufunc: np.ufunc, s: sp.csr_array, n: int) -> np.ndarray:
    """Row-wise sum or max of the stored entries (1 for empty rows, never used)."""
    out = np.ones(n)
    nonempty = np.flatnonzero(np.diff(s.indptr))
    if len(nonempty):
        out[nonempty] = ufunc.reduceat(s.data, s.indptr[nonempty])
    return out


def _scale_rows(s: sp.csr_array, by: np.ndarray) -> sp.csr_array:
    rows = np.repeat(np.arange(s.shape[0]), np.diff(s.indptr))
    return sp.csr_array((s.data / by[rows], s.indices, s.indptr), shape=s.shape)


def _two_step_sums(s: sp.csr_array, p: np.ndarray, m: np.ndarray, triangles: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
    """sum_q p_iq p_qj and sum_q p_iq m_jq at every stored (i, j) of ``s``, in s's order.

    A term is non-zero only when q is a contact of both i and j, i.e. when (i, q, j) is a
    triangle; each triangle gives its six orderings.
    """
    n = s.shape[0]
    keys = np.repeat(np.arange(n, dtype=np.int64), np.diff(s.indptr)) * n + s.indices
    # Position in s of the six directed pairs (x, y) of every triangle, found with one search
    # over sorted needles (cache-friendly: NumPy narrows each search from the previous one).
    pairs = [(x, y) for x in range(3) for y in range(3) if x != y]
    needle = np.concatenate([triangles[:, x] * n + triangles[:, y] for x, y in pairs])
    order = np.argsort(needle, kind="stable")
    found = np.searchsorted(keys, needle[order])
    pos = np.empty_like(found)
    pos[order] = found
    ok = pos < len(keys)
    ok[ok] = keys[pos[ok]] == needle[ok]
    t = len(triangles)
    at = {xy: pos[c * t:(c + 1) * t] for c, xy in enumerate(pairs)}
    # A triangle over a zero-strength tie is not a triangle of contacts.
    valid = ok.reshape(6, t).all(axis=0)
    orders = [(0, 1, 2), (0, 2, 1), (1, 0, 2), (1, 2, 0), (2, 0, 1), (2, 1, 0)]

    def gather(a: int, b: int) -> np.ndarray:  # position of (x_a, x_b) over all orderings
        return np.concatenate([at[(o[a], o[b])][valid] for o in orders])

    iq, qj, jq, ij = gather(0, 1), gather(1, 2), gather(2, 1), gather(0, 2)
    pp = np.bincount(ij, weights=p[iq] * p[qj], minlength=s.nnz)
    pm = np.bincount(ij, weights=p[iq] * m[jq], minlength=s.nnz)
    return pp.astype(np.float64, copy=False), pm.astype(np.float64, copy=False)
