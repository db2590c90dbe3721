"""Silos: communities of the tie structure, and how closely they follow the domains."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ecosystem._repr import clip, html_card, num
from ecosystem.algorithms._common import check_ecosystem
from ecosystem.algorithms.brokerage import _group_codes
from ecosystem.core._deprecate import renamed
from ecosystem.core.ecosystem import Ecosystem, TieSelection
from ecosystem.core.errors import ConfigError, suggest
from ecosystem.core.random import Seed, igraph_seed

__all__ = ["METHODS", "Silos", "silos"]

#: Community methods: igraph's Leiden (modularity objective) and multilevel (Louvain).
METHODS = ("leiden", "louvain")


@dataclass(frozen=True)
class Silos:
    """What :func:`silos` returns.

    Attributes
    ----------
    membership
        Indexed by actor id: ``community`` (int, 0 = the largest) and the actor's group
        (column named after ``groups``).
    scores
        ``nmi`` and ``ari`` (agreement of communities with groups), ``modularity`` of the
        communities, ``n_communities``.

    Examples
    --------
    >>> from ecosystem import datasets, silos
    >>> result = silos(datasets.example(), seed=0)
    >>> sorted(result.scores.index)
    ['ari', 'modularity', 'n_communities', 'nmi']
    >>> result.membership.loc["gp_west", "community"] >= 0
    np.True_
    """

    membership: pd.DataFrame
    scores: pd.Series

    def _describe(self) -> str:
        sc = self.scores
        group = clip(self.membership.columns[-1], 24)
        return (f"{int(sc['n_communities'])} communities over {len(self.membership)} actors, "
                f"compared with {group}; NMI {num(sc['nmi'])}, ARI {num(sc['ari'])}, "
                f"modularity {num(sc['modularity'])}")

    def __repr__(self) -> str:
        return f"Silos({self._describe()})"

    def _repr_html_(self) -> str:
        m = self.membership
        cross = pd.crosstab(m["community"], m[m.columns[-1]].astype(object).fillna("(none)"))
        return html_card(f"Silos: {self._describe()}",
                         [("Actors per community (rows) and group (columns)", cross)])


@renamed("silos", by="groups", ties="tie_kinds")
def silos(
    eco: Ecosystem,
    *,
    method: str = "leiden",
    resolution: float = 1.0,
    tie_kinds: TieSelection = None,
    weight: str | None = "weight",
    groups: str = "domain",
    seed: Seed = None,
) -> Silos:
    r"""Communities of the ecosystem and how closely they follow the domains.

    Communities maximise modularity on the undirected view (a directed tie joins its two
    actors; parallel ties are summed): igraph's Leiden algorithm with the modularity objective
    (run until stable) or its multilevel (Louvain) algorithm, with the given ``resolution``
    :math:`\gamma` in :math:`Q = \frac{1}{2m}\sum_{ij}(A_{ij} - \gamma k_i k_j / 2m)
    \delta(c_i, c_j)`. Agreement between communities and groups (``groups``, the domain by
    default) is measured with igraph's ``compare_communities``:

    - ``nmi``: normalised mutual information :math:`2 I(C; G) / (H(C) + H(G))` (Danon et al.
      2005), in [0, 1];
    - ``ari``: adjusted Rand index (Hubert & Arabie 1985), 1 for identical partitions, about 0
      for independent ones, and possibly negative.

    Scores near 1 mean that the ecosystem works in silos: its dense clusters are its domains.

    Parameters
    ----------
    eco
        The ecosystem.
    method
        ``"leiden"`` (default) or ``"louvain"``.
    resolution
        Modularity resolution :math:`\gamma > 0`; higher gives more, smaller communities.
    tie_kinds
        Tie kinds to use (ids or aliases); ``None`` for every kind present.
    weight
        Tie column used as edge weight (default ``"weight"``), or ``None`` to count ties.
    groups
        Actor column to compare communities with (missing values form one group).
    seed
        Seed for igraph's random number generator (both methods are randomised).

    Returns
    -------
    Silos
        ``membership`` indexed by actor id and ``scores``. An isolated actor is a community of
        its own. With no actors both scores are NaN (nothing to compare). Where the adjusted
        Rand index is 0/0 (one actor, or both partitions identical and trivial: all actors
        together or all apart) ``ari`` is 1, as scikit-learn reports it; igraph gives NaN.

    References
    ----------
    Traag, V. A., Waltman, L. and van Eck, N. J. (2019). From Louvain to Leiden: guaranteeing
    well-connected communities. *Scientific Reports* 9: 5233.
    Blondel, V. D. et al. (2008). Fast unfolding of communities in large networks. *J. Stat.
    Mech.* P10008.

    Examples
    --------
    >>> from ecosystem import datasets
    >>> from ecosystem.algorithms.silos import silos
    >>> s = silos(datasets.example(), seed=1)
    >>> list(s.membership.columns), list(s.scores.index)
    (['community', 'domain'], ['nmi', 'ari', 'modularity', 'n_communities'])
    >>> bool(0 <= s.scores["nmi"] <= 1)
    True
    """
    check_ecosystem(eco, "silos")
    if method not in METHODS:
        hint = suggest(str(method), METHODS) or "."
        raise ConfigError(f"silos(): method={method!r} is not known{hint}"
                          f" Known: {', '.join(METHODS)}")
    if isinstance(resolution, bool) or not isinstance(resolution, (int, float)) or \
            not np.isfinite(resolution) or resolution <= 0:
        raise ConfigError(f"silos(): resolution must be a positive number, got {resolution!r}")
    by, ties = groups, tie_kinds
    codes = _group_codes(eco, by, "silos")
    view = eco.graph(ties, directed=False, weight=weight, parallel="sum")
    weights = "weight" if weight is not None else None
    n = eco.n_actors
    if n == 0:
        membership = np.zeros(0, dtype=np.int64)
        modularity = np.nan
    else:
        with igraph_seed(seed):
            if method == "leiden":
                parts = view.community_leiden(objective_function="modularity", weights=weights,
                                              resolution=float(resolution), n_iterations=-1)
            else:
                parts = view.community_multilevel(weights=weights,
                                                  resolution=float(resolution))
        membership = _by_size(np.asarray(parts.membership, dtype=np.int64))
        modularity = float(view.modularity(membership.tolist(), weights=weights,
                                           resolution=float(resolution))) \
            if view.ecount() else 0.0
    if n == 0:
        nmi = ari = np.nan
    elif n == 1:
        nmi = ari = 1.0
    else:
        from igraph import compare_communities

        nmi = float(compare_communities(codes.tolist(), membership.tolist(), method="nmi"))
        ari = float(compare_communities(codes.tolist(), membership.tolist(),
                                        method="adjusted_rand"))
        if np.isnan(ari):  # 0/0: both partitions trivial and identical (sklearn's convention)
            ari = 1.0
    frame = pd.DataFrame({"community": membership, by: eco.actors[by].to_numpy()},
                         index=eco.index.copy())
    scores = pd.Series({"nmi": nmi, "ari": ari, "modularity": modularity,
                        "n_communities": float(len(np.unique(membership)))}, name="scores")
    return Silos(membership=frame, scores=scores)


def _by_size(membership: np.ndarray) -> np.ndarray:
    """Renumber communities by decreasing size (ties by first member), for stable output."""
    if len(membership) == 0:
        return membership
    sizes = np.bincount(membership)
    first = np.full(len(sizes), len(membership))
    np.minimum.at(first, membership, np.arange(len(membership)))
    order = np.lexsort((first, -sizes))
    rank = np.empty(len(sizes), dtype=np.int64)
    rank[order] = np.arange(len(sizes))
    return rank[membership]
