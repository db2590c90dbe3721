"""Suggested bridges: the few new cross-domain ties that most improve an objective."""

from __future__ import annotations

import heapq
from collections.abc import Callable

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components, shortest_path

from ecosystem.algorithms._common import check_ecosystem
from ecosystem.algorithms.brokerage import _group_codes
from ecosystem.algorithms.structural_holes import structural_holes
from ecosystem.core._deprecate import renamed
from ecosystem.core.ecosystem import Ecosystem, TieSelection
from ecosystem.core.errors import ConfigError, UnknownKindError, suggest
from ecosystem.core.random import Seed, as_generator

__all__ = ["OBJECTIVES", "suggest_bridges"]

OBJECTIVES = ("constraint", "reachability")
COLUMNS = ["source", "target", "kind", "gain", "objective_after"]

#: Default cap on the candidate pairs evaluated in the first greedy round: every evaluation
#: builds a derived Ecosystem, so the first round costs about ``max_candidates`` objective
#: calls. A library assumption, overridable.
MAX_CANDIDATES = 2_000


@renamed("suggest_bridges", k="n_ties", by="groups", ties="tie_kinds")
def suggest_bridges(
    eco: Ecosystem,
    n_ties: int = 5,
    *,
    objective: str | Callable[[Ecosystem], float] = "constraint",
    candidates: pd.DataFrame | None = None,
    tie_kinds: TieSelection = None,
    kind: str = "collaboration",
    groups: str = "domain",
    max_candidates: int = MAX_CANDIDATES,
    seed: Seed = None,
) -> pd.DataFrame:
    r"""The ``n_ties`` new ties that most improve an objective, by lazy greedy search (CELF).

    Objectives (each a function of the ecosystem with the new ties added):

    - ``"constraint"``: the mean Burt constraint
      (:func:`~ecosystem.algorithms.structural_holes.structural_holes`, tie strengths
      ``weight``, new ties of strength 1) over the actors that have at least one tie to another
      group (``groups``); lower is better, and the gain is the decrease. An ecosystem in which no
      actor has such a tie counts as fully constrained (1.0).
    - ``"reachability"``: the number of ordered pairs ``(u, v)`` of actors in different groups
      such that ``v`` can be reached from ``u`` (following directions in a directed view);
      higher is better. Adding a tie never lowers it.
    - a function ``Ecosystem -> float`` to maximise.

    Greedy search adds, ``n_ties`` times, the candidate with the largest gain given the ties chosen
    so far; CELF (Leskovec et al. 2007) skips re-evaluating candidates whose last gain is
    already below the best fresh gain. For a submodular objective this returns exactly the
    greedy choice; neither built-in objective is submodular in general (two new ties can
    together open a path that neither opens alone), so there the lazy search is a heuristic
    and the first choice alone is guaranteed best. Equal gains go to the earlier candidate.

    Parameters
    ----------
    eco
        The ecosystem.
    n_ties
        Number of ties to suggest (fewer when there are fewer candidates).
    objective
        ``"constraint"``, ``"reachability"`` or a callable (see above).
    candidates
        Pairs to consider: a DataFrame with ``source`` and ``target`` actor ids. Default: every
        pair of actors in different groups not yet tied (in the undirected view for a mutual
        ``kind``, the directed view otherwise), capped at ``max_candidates`` by uniform
        sampling with ``seed``.
    tie_kinds
        Tie kinds the objective looks at (``kind`` is always added); ``None`` for all.
    kind
        Tie kind of the new ties; ``"collaboration"`` (mutual) by default.
    groups
        Actor column defining the groups (``"domain"``).
    max_candidates
        Cap on the default candidate set (see :data:`MAX_CANDIDATES`).
    seed
        Seed for sampling candidates above the cap.

    Returns
    -------
    pandas.DataFrame
        One row per suggested tie in the order chosen: ``source``, ``target``, ``kind``,
        ``gain`` (improvement of the objective by this tie, given the earlier ones; positive is
        better) and ``objective_after`` (the objective's value after adding it: the mean
        constraint, the number of reachable pairs, or the function's value).

    References
    ----------
    Leskovec, J. et al. (2007). Cost-effective outbreak detection in networks. *KDD*, 420-429.

    Examples
    --------
    >>> import pandas as pd
    >>> from ecosystem import Ecosystem
    >>> from ecosystem.algorithms.bridges import suggest_bridges
    >>> actors = pd.DataFrame({"id": ["gp", "poh", "team", "buurt"],
    ...                        "kind": ["huisarts", "poh", "wijkteam", "zorgzame gemeenschap"]})
    >>> ties = pd.DataFrame({"source": ["gp", "team"], "target": ["poh", "buurt"],
    ...                      "kind": "collaboration"})
    >>> suggest_bridges(Ecosystem(actors, ties), n_ties=1, objective="reachability")
      source target           kind  gain  objective_after
    0     gp   team  collaboration   8.0             10.0
    """
    check_ecosystem(eco, "suggest_bridges")
    k, ties, by = n_ties, tie_kinds, groups
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0:
        raise ConfigError(f"suggest_bridges(): n_ties must be a non-negative int, got {k!r}")
    if isinstance(max_candidates, bool) or not isinstance(max_candidates, (int, np.integer)) \
            or max_candidates < 1:
        raise ConfigError("suggest_bridges(): max_candidates must be a positive int, got "
                          f"{max_candidates!r}")
    try:
        kind = eco.schema.tie_kind(kind)
    except UnknownKindError as exc:
        raise UnknownKindError(f"suggest_bridges(): kind=: {exc}") from None
    codes = _group_codes(eco, by, "suggest_bridges")
    selection = None if ties is None else sorted(eco.view_spec(ties).kinds | {kind})
    evaluate = _objective(objective, codes, selection)
    mutual = kind in eco.schema.mutual_tie_kinds
    if candidates is None:
        pairs = _default_candidates(eco, codes, ties, mutual, int(max_candidates),
                                    as_generator(seed))
    else:
        pairs = _given_candidates(eco, candidates)
    ids = eco.index.to_numpy()

    def added(chosen: list[int]) -> Ecosystem:
        if not chosen:
            return eco
        frame = pd.DataFrame({"source": ids[pairs[chosen, 0]], "target": ids[pairs[chosen, 1]],
                              "kind": kind, "weight": 1.0})
        return eco.with_ties(frame)

    chosen: list[int] = []
    rows = []
    current = evaluate(eco)
    # First round: every candidate's gain; then lazily re-evaluated (stamp = round number).
    heap = [(-(evaluate(added([c])) - current), c, 0) for c in range(len(pairs))]
    heapq.heapify(heap)
    for r in range(min(int(k), len(pairs))):
        while True:
            neg, c, stamp = heapq.heappop(heap)
            if stamp == r:
                break
            value = evaluate(added([*chosen, c]))
            heapq.heappush(heap, (-(value - current), c, r))
        chosen.append(c)
        current = current - neg
        rows.append((ids[pairs[c, 0]], ids[pairs[c, 1]], kind, -neg,
                     _report(objective, current)))
        # Every remaining gain now dates from an earlier round (stamp <= r): stale bounds.
    out = pd.DataFrame(rows, columns=COLUMNS)
    for col in ("source", "target", "kind"):
        out[col] = out[col].astype("str")
    out["gain"] = out["gain"].astype(np.float64)
    out["objective_after"] = out["objective_after"].astype(np.float64)
    return out


def _report(objective, value: float) -> float:
    """Objective in its own units: the constraint is maximised as its negative."""
    return -value if objective == "constraint" else value


def _objective(objective, groups: np.ndarray, selection) -> Callable[[Ecosystem], float]:
    if callable(objective) and not isinstance(objective, str):
        def user(e: Ecosystem) -> float:
            value = float(objective(e))
            if not np.isfinite(value):
                raise ConfigError(f"suggest_bridges(): the objective returned {value}; it must "
                                  "return a finite number")
            return value
        return user
    if objective == "reachability":
        return lambda e: float(_cross_reachability(e, groups, selection))
    if objective == "constraint":
        return lambda e: -_mean_cross_constraint(e, groups, selection)
    hint = suggest(str(objective), OBJECTIVES) or "."
    raise ConfigError(f"suggest_bridges(): objective={objective!r} is not known{hint} Known: "
                      f"{', '.join(OBJECTIVES)}, or a function Ecosystem -> float")


def _cross_reachability(eco: Ecosystem, groups: np.ndarray, selection) -> int:
    """Ordered pairs of actors in different groups with a path from the first to the second."""
    n = eco.n_actors
    if n == 0:
        return 0
    spec = eco.view_spec(selection)
    adj = eco.adjacency(selection, weight=None)
    onehot = sp.csr_array((np.ones(n), (np.arange(n), groups)), shape=(n, groups.max() + 1))
    if not spec.directed:
        _, comp = connected_components(adj, directed=False)
        per = sp.csr_array((np.ones(n), (comp, groups))).toarray()  # component x group
        size = per.sum(axis=1)
        return int((size**2 - (per**2).sum(axis=1)).sum())
    reach = np.isfinite(shortest_path(adj, directed=True, unweighted=True))
    by_group = reach.astype(np.float64) @ onehot  # reach[u] counted per group of v
    same = by_group[np.arange(n), groups]
    return round(by_group.sum() - same.sum())


def _mean_cross_constraint(eco: Ecosystem, groups: np.ndarray, selection) -> float:
    src, tgt, _, _ = eco.edge_arrays(selection, weight=None)
    cross = groups[src] != groups[tgt]
    brokers = np.zeros(eco.n_actors, dtype=bool)
    brokers[src[cross]] = True
    brokers[tgt[cross]] = True
    if not brokers.any():
        return 1.0
    c = structural_holes(eco, tie_kinds=selection)["constraint"].to_numpy()
    return float(c[brokers].mean())


def _default_candidates(eco, groups, ties, mutual, cap, rng) -> np.ndarray:
    n = eco.n_actors
    if len(np.unique(groups)) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    adj = eco.adjacency(ties, directed=True, weight=None)
    if mutual:
        adj = adj + adj.T
    tied = adj.tocsr()
    if n * (n - 1) <= 4 * cap + 1_000_000:
        u, v = np.nonzero(np.ones((n, n), dtype=bool))
        ok = (u < v) if mutual else (u != v)
        ok &= groups[u] != groups[v]
        u, v = u[ok], v[ok]
        ok = np.asarray(tied[u, v]).ravel() == 0 if len(u) else np.zeros(0, dtype=bool)
        pairs = np.column_stack([u[ok], v[ok]])
        if len(pairs) > cap:
            pairs = pairs[np.sort(rng.choice(len(pairs), cap, replace=False))]
        return pairs.astype(np.int64)
    # Large ecosystems: draw random pairs and keep the valid, distinct ones.
    found: dict[tuple[int, int], None] = {}
    while len(found) < cap:
        u, v = rng.integers(0, n, 4 * cap), rng.integers(0, n, 4 * cap)
        if mutual:
            u, v = np.minimum(u, v), np.maximum(u, v)
        ok = (u != v) & (groups[u] != groups[v])
        u, v = u[ok], v[ok]
        ok = np.asarray(tied[u, v]).ravel() == 0
        for pair in zip(u[ok].tolist(), v[ok].tolist(), strict=True):
            found.setdefault(pair)
            if len(found) == cap:
                break
    return np.array(sorted(found), dtype=np.int64).reshape(-1, 2)


def _given_candidates(eco: Ecosystem, candidates) -> np.ndarray:
    if not isinstance(candidates, pd.DataFrame) or not {"source", "target"} <= set(
            candidates.columns):
        raise ConfigError("suggest_bridges(): candidates must be a DataFrame with columns "
                          "source and target (actor ids)")
    s = eco.positions(candidates["source"], what="candidates source")
    t = eco.positions(candidates["target"], what="candidates target")
    if (s == t).any():
        raise ConfigError("suggest_bridges(): candidates include a tie from an actor to itself")
    return np.column_stack([s, t]).astype(np.int64)
