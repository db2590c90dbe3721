"""Mixing between groups: the group-by-group tie matrix and Krackhardt & Stern's E-I index."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ecosystem._repr import clip, html_card, num
from ecosystem.algorithms._common import check_ecosystem
from ecosystem.algorithms.brokerage import MISSING_GROUP, _group_codes
from ecosystem.core._deprecate import renamed
from ecosystem.core.ecosystem import Ecosystem, TieSelection
from ecosystem.core.errors import ConfigError
from ecosystem.core.random import Seed, as_generator

__all__ = ["Mixing", "mixing"]

# Bound on the booleans held at once by the permutation test (label draws x ties).
_PERMUTATION_BLOCK = 10_000_000


@dataclass(frozen=True)
class Mixing:
    """What :func:`mixing` returns.

    Attributes
    ----------
    counts
        Ties from each group (rows, ``source group``) to each group (columns, ``target
        group``). In an undirected view the matrix is symmetric and a tie within a group counts
        once on the diagonal.
    weights
        The same with the summed tie weight (equal to ``counts`` when ``weight=None``).
    groups
        Indexed by group: ``size`` (actors), ``internal`` and ``external`` (tie weight within
        the group and between the group and the others, sent and received), ``ei``,
        ``expected_ei`` and ``rescaled_ei``.
    actors
        Indexed by actor id: ``group``, ``internal``, ``external`` and ``ei`` over the ties
        incident to the actor.
    overall
        ``ei``, ``expected_ei``, ``rescaled_ei``, ``p_value`` and ``n_permutations`` of the
        whole ecosystem.

    Examples
    --------
    >>> from ecosystem import datasets, mixing
    >>> m = mixing(datasets.example())
    >>> sorted(m.groups.index), m.counts.shape
    (['informal', 'medical', 'social'], (3, 3))
    """

    counts: pd.DataFrame
    weights: pd.DataFrame
    groups: pd.DataFrame
    actors: pd.DataFrame
    overall: pd.Series

    def plot(self, **kwargs: Any) -> Any:
        """The tie matrix as an annotated heatmap (:func:`ecosystem.plotting.plot_mixing`).

        Parameters
        ----------
        **kwargs
            Options of :func:`~ecosystem.plotting.plot_mixing` (``weights``, ``ax``).

        Returns
        -------
        matplotlib.figure.Figure
            The figure drawn.

        Examples
        --------
        >>> from ecosystem import datasets, mixing
        >>> fig = mixing(datasets.example()).plot()
        >>> fig.axes[0].get_xlabel()
        'to (target domain)'
        """
        from ecosystem.plotting import plot_mixing  # imported when a figure is first drawn

        return plot_mixing(self, **kwargs)

    def _describe(self) -> str:
        o = self.overall
        p = (f", p {num(o['p_value'])} ({int(o['n_permutations'])} permutations)"
             if o.get("n_permutations", 0) > 0 else "")
        return (f"{len(self.groups)} groups of {clip(self.groups.index.name, 24)} over "
                f"{len(self.actors)} actors; E-I {num(o['ei'])} (expected "
                f"{num(o['expected_ei'])}, rescaled {num(o['rescaled_ei'])}{p})")

    def __repr__(self) -> str:
        return f"Mixing({self._describe()})"

    def _repr_html_(self) -> str:
        return html_card(f"Mixing: {self._describe()}",
                         [("Ties from group (rows) to group (columns)", self.counts),
                          ("Groups", self.groups)])


@renamed("mixing", by="groups", ties="tie_kinds")
def mixing(
    eco: Ecosystem,
    groups: str = "domain",
    *,
    tie_kinds: TieSelection = None,
    weight: str | None = "weight",
    directed: bool | None = None,
    n_permutations: int = 0,
    seed: Seed = None,
) -> Mixing:
    r"""How ties mix between groups: tie matrix and Krackhardt & Stern's E-I index.

    With :math:`E` the external tie weight (ties between different groups) and :math:`I` the
    internal tie weight (within a group), the **E-I index** is

    .. math:: EI = \frac{E - I}{E + I} \in [-1, 1],

    -1 when every tie stays within its group (silos), +1 when every tie crosses groups. It is
    given for the whole ecosystem, per group (the ties within the group and those between it
    and any other group) and per actor (the ties incident to the actor).

    Group sizes alone move the index: with few large groups most possible ties are internal.
    The **expected E-I** is the value when ties fall on ordered pairs of distinct actors
    uniformly at random (Krackhardt & Stern 1988), from the numbers of possible external and
    internal pairs:

    .. math::

       EI_{exp} = \frac{P_E - P_I}{P_E + P_I}, \quad
       P_E = \sum_g n_g (N - n_g), \quad P_I = \sum_g n_g (n_g - 1),

    and for one group :math:`g`, :math:`P_E = 2 n_g (N - n_g)` (ties sent and received),
    :math:`P_I = n_g (n_g - 1)`. It equals the mean E-I over all permutations of the group
    labels. The **rescaled E-I** measures the observed index against that baseline, on the
    same [-1, 1] scale with 0 = as expected:
    :math:`(EI - EI_{exp}) / (1 - EI_{exp})` when :math:`EI \ge EI_{exp}`, else
    :math:`(EI - EI_{exp}) / (1 + EI_{exp})` (0 where :math:`EI = EI_{exp}`).

    Parameters
    ----------
    eco
        The ecosystem.
    groups
        Actor column defining the groups (``"domain"``, ``"kind"``, ``"sector"``,
        ``"neighbourhood"``, ...). Missing values form one group ``"(missing)"``.
    tie_kinds
        Tie kinds to use (ids or aliases); ``None`` for every kind present.
    weight
        Tie column summed in ``weights`` and used for the E-I indices (default ``"weight"``,
        the tie strength); ``None`` counts ties, as Krackhardt & Stern's original index.
    directed
        ``None``: undirected when every selected tie kind is mutual, otherwise directed with a
        mutual tie counted once in each direction. Self-loops are left out.
    n_permutations
        When > 0, the two-sided permutation p-value of the overall E-I: group labels are
        shuffled over the actors ``n_permutations`` times and
        :math:`p = (1 + \#\{|EI_\pi - EI_{exp}| \ge |EI - EI_{exp}|\}) / (1 + n_{perm})`.
    seed
        Seed of the permutations (int, Generator or None).

    Returns
    -------
    Mixing
        See :class:`Mixing`. The E-I index of an actor, group or ecosystem without ties is
        NaN (0/0: undefined), as is the expected E-I of fewer than two actors and the
        p-value when ``n_permutations=0`` or there are no ties; nothing else is ever NaN.

    References
    ----------
    Krackhardt, D. and Stern, R. N. (1988). Informal networks and organizational crises: an
    experimental simulation. *Social Psychology Quarterly* 51(2): 123-140.

    Examples
    --------
    >>> from ecosystem import datasets
    >>> from ecosystem.algorithms.mixing import mixing
    >>> m = mixing(datasets.example(), n_permutations=199, seed=1)
    >>> list(m.counts.index)
    ['informal', 'medical', 'social']
    >>> m.overall[["ei", "expected_ei", "rescaled_ei", "p_value"]].round(3).tolist()
    [-0.596, 0.336, -0.698, 0.005]
    """
    check_ecosystem(eco, "mixing")
    by, ties = groups, tie_kinds
    codes = _group_codes(eco, by, "mixing")
    if isinstance(n_permutations, bool) or not isinstance(n_permutations, (int, np.integer)) \
            or n_permutations < 0:
        raise ConfigError(
            f"mixing(): n_permutations must be a non-negative int, got {n_permutations!r}")
    rng = as_generator(seed)
    spec = eco.view_spec(ties, directed=directed, weight=weight)
    src, tgt, w, _ = eco.edge_arrays(ties, directed=spec.directed, weight=weight)
    keep = src != tgt
    src, tgt, w = src[keep], tgt[keep], w[keep]
    labels = _labels(eco, by)
    k = len(labels)
    n = eco.n_actors
    gs, gt = codes[src], codes[tgt]
    counts = np.zeros((k, k))
    weights = np.zeros((k, k))
    np.add.at(counts, (gs, gt), 1.0)
    np.add.at(weights, (gs, gt), w)
    if not spec.directed:  # symmetric: a tie between two groups counts in both cells
        cross = gs != gt
        np.add.at(counts, (gt[cross], gs[cross]), 1.0)
        np.add.at(weights, (gt[cross], gs[cross]), w[cross])
    use = weights if weight is not None else counts
    internal = np.diag(use).copy()
    sent, received = use.sum(axis=1) - internal, use.sum(axis=0) - internal
    external = sent if not spec.directed else sent + received
    sizes = np.bincount(codes, minlength=k).astype(np.float64)
    total_i = internal.sum()
    total_e = (use.sum() - total_i) / (1 if spec.directed else 2)
    ei = _ei(np.array([total_e]), np.array([total_i]))[0]
    expected = _expected(sizes, n)
    group_table = pd.DataFrame({
        "size": sizes.astype(np.int64), "internal": internal, "external": external,
        "ei": _ei(external, internal),
        "expected_ei": _group_expected(sizes, n),
    }, index=pd.Index(labels, name=by))
    group_table["rescaled_ei"] = _rescale(group_table["ei"].to_numpy(),
                                          group_table["expected_ei"].to_numpy())
    same = gs == gt
    a_int = np.bincount(src[same], w[same], n) + np.bincount(tgt[same], w[same], n)
    a_ext = np.bincount(src[~same], w[~same], n) + np.bincount(tgt[~same], w[~same], n)
    actors = pd.DataFrame({
        "group": pd.Series(np.asarray(labels, dtype=object)[codes], dtype="str"),
        "internal": a_int.astype(np.float64), "external": a_ext.astype(np.float64),
        "ei": _ei(a_ext.astype(np.float64), a_int.astype(np.float64)),
    })
    actors.index = eco.index.copy()
    p_value = np.nan
    if n_permutations and len(src):
        p_value = _permutation_p(codes, src, tgt, w if weight is not None else None,
                                 ei, expected, int(n_permutations), rng)
    overall = pd.Series({"ei": ei, "expected_ei": expected,
                         "rescaled_ei": _rescale(np.array([ei]), np.array([expected]))[0],
                         "p_value": p_value, "n_permutations": float(n_permutations)},
                        name="overall")
    index = pd.Index(labels, name=f"source {by}")
    columns = pd.Index(labels, name=f"target {by}")
    return Mixing(
        counts=pd.DataFrame(counts.astype(np.int64), index=index, columns=columns),
        weights=pd.DataFrame(weights, index=index.copy(), columns=columns.copy()),
        groups=group_table, actors=actors, overall=overall,
    )


def _labels(eco: Ecosystem, by: str) -> list[str]:
    col = eco.actors[by].astype(object).where(eco.actors[by].notna(), MISSING_GROUP)
    return sorted(set(col.astype(str)))


def _ei(external: np.ndarray, internal: np.ndarray) -> np.ndarray:
    total = external + internal
    out = np.full(total.shape, np.nan)
    ok = total > 0
    out[ok] = (external[ok] - internal[ok]) / total[ok]
    return out


def _expected(sizes: np.ndarray, n: int) -> float:
    if n < 2:
        return np.nan
    p_e = (sizes * (n - sizes)).sum()
    p_i = (sizes * (sizes - 1)).sum()
    return float((p_e - p_i) / (p_e + p_i))


def _group_expected(sizes: np.ndarray, n: int) -> np.ndarray:
    p_e = 2 * sizes * (n - sizes)
    p_i = sizes * (sizes - 1)
    return _ei(p_e, p_i)


def _rescale(ei: np.ndarray, expected: np.ndarray) -> np.ndarray:
    out = np.full(ei.shape, np.nan)
    ok = ~np.isnan(ei) & ~np.isnan(expected)
    diff = ei - expected
    up = ok & (diff > 0)
    down = ok & (diff < 0)
    out[ok] = 0.0
    out[up] = diff[up] / (1 - expected[up])
    out[down] = diff[down] / (1 + expected[down])
    return out


def _permutation_p(codes, src, tgt, w, ei, expected, n_perm, rng) -> float:
    """Two-sided permutation p-value of the overall E-I (group labels shuffled)."""
    total = float(len(src)) if w is None else float(w.sum())
    block = max(1, _PERMUTATION_BLOCK // max(len(src), len(codes), 1))
    extreme = 0
    observed = abs(ei - expected) - 1e-12  # tolerance for ties in floating point
    done = 0
    while done < n_perm:
        b = min(block, n_perm - done)
        perm = rng.permuted(np.broadcast_to(codes, (b, len(codes))), axis=1)
        same = perm[:, src] == perm[:, tgt]
        internal = same.sum(axis=1) if w is None else same @ w
        ei_perm = (total - 2 * internal) / total
        extreme += int((np.abs(ei_perm - expected) >= observed).sum())
        done += b
    return (1 + extreme) / (1 + n_perm)
