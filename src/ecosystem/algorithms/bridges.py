"""Suggested bridges: the few new ties between plausible pairs that most improve an objective.

The built-in objectives are updated incrementally: a candidate tie changes Burt's constraint
only for its two ends and their contacts, and reachability only by joining what its ends
reach, so no candidate rebuilds the Ecosystem.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
from typing import Any

import igraph as ig
import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components, shortest_path

from ecosystem.algorithms._common import check_ecosystem
from ecosystem.algorithms.brokerage import _group_codes
from ecosystem.algorithms.gaps import EXPECTED_KIND_PAIRS
from ecosystem.algorithms.structural_holes import _mutual, _two_step_sums
from ecosystem.core._deprecate import renamed
from ecosystem.core.ecosystem import Ecosystem, TieSelection
from ecosystem.core.errors import ConfigError, UnknownKindError, suggest
from ecosystem.core.random import Seed, as_generator

__all__ = ["MAX_CANDIDATES", "OBJECTIVES", "REACH_DIRECTED_LIMIT", "suggest_bridges"]

OBJECTIVES = ("constraint", "reachability")
COLUMNS = ["source", "target", "kind", "gain", "objective_after"]

#: Default cap on the candidate pairs: when more plausible pairs exist, a uniform sample of
#: this many is drawn (once, with ``seed``); otherwise every pair is evaluated. A library
#: assumption, overridable with ``max_candidates``.
MAX_CANDIDATES = 2_000

#: Largest ecosystem for ``objective="reachability"`` on a directed view, which holds the
#: n x n reachability matrix (about n^2 bytes).
REACH_DIRECTED_LIMIT = 5_000

#: Strength of a suggested tie (the ``weight`` it would get).
NEW_TIE_WEIGHT = 1.0


@renamed("suggest_bridges", k="n_ties", by="groups", ties="tie_kinds")
def suggest_bridges(
    eco: Ecosystem,
    n_ties: int = 5,
    *,
    objective: str | Callable[[Ecosystem], float] = "constraint",
    candidates: pd.DataFrame | None = None,
    kind_pairs: Iterable[tuple[str, ...]] | str | None = None,
    same_neighbourhood: bool = True,
    tie_kinds: TieSelection = None,
    kind: str = "collaboration",
    groups: str = "domain",
    max_candidates: int = MAX_CANDIDATES,
    progress: bool = True,
    seed: Seed = None,
) -> pd.DataFrame:
    r"""The ``n_ties`` new ties between plausible pairs that most improve an objective.

    **Candidates.** By default a pair of actors is a candidate when

    - the actors are in different groups (``groups``, the domain by default): a bridge;
    - their kinds form one of ``kind_pairs``, by default the pairs the sources expect to work
      together (:data:`~ecosystem.algorithms.gaps.EXPECTED_KIND_PAIRS`: GP and neighbourhood
      team, GP and welfare, caring community and home care, ...), so a hospital is not paired
      with a volunteer group nor an informal carer with the insurer;
    - with ``same_neighbourhood=True``, they are in the same neighbourhood or one of them is
      shared (no neighbourhood, like a regional hospital or the municipality);
    - they are not tied yet in the view the objective reads.

    For a directed ``kind`` both directions of a kind pair are candidates. When there are at
    most ``max_candidates`` candidates all are evaluated; otherwise a uniform sample of
    ``max_candidates`` pairs is drawn once from all plausible pairs (with ``seed``) and the
    invalid ones (same group, already tied) are dropped, so the search is always bounded.
    ``kind_pairs="any"`` and ``same_neighbourhood=False`` widen the search to every pair of
    actors in different groups; ``candidates`` gives the pairs explicitly.

    **Objectives** (each a function of the ecosystem with the new ties added, new ties of
    strength 1):

    - ``"constraint"``: the mean Burt constraint
      (:func:`~ecosystem.algorithms.structural_holes.structural_holes`, tie strengths
      ``weight``) over the actors with at least one contact in another group; lower is better,
      and the gain is the decrease. An ecosystem in which no actor has such a contact counts as
      fully constrained (1.0). A new tie changes the constraint of its two ends and of their
      contacts only; these changes are computed from the current contact strengths without
      rebuilding the ecosystem.
    - ``"reachability"``: the number of ordered pairs ``(u, v)`` of actors in different groups
      such that ``v`` can be reached from ``u`` (following directions in a directed view);
      higher is better. Undirected views join connected components; directed views (at most
      :data:`REACH_DIRECTED_LIMIT` actors) update a reachability matrix.
    - a function ``Ecosystem -> float`` to maximise; each evaluation builds the ecosystem with
      the ties added, and the search is lazy (CELF, Leskovec et al. 2007), exact for
      submodular functions and a heuristic otherwise.

    The built-in objectives use the exact greedy search: ``n_ties`` times, every remaining
    candidate is evaluated given the ties chosen so far and the best is added (equal gains go
    to the earlier candidate in the candidate order, ``source`` then ``target`` position).
    After each choice only the candidates within two steps of the new tie are re-evaluated;
    the others' changes are unaffected, so the result equals re-evaluating every candidate.

    Parameters
    ----------
    eco
        The ecosystem.
    n_ties
        Number of ties to suggest (fewer when there are fewer candidates or no candidate
        improves the objective).
    objective
        ``"constraint"``, ``"reachability"`` or a callable (see above).
    candidates
        Pairs to consider: a DataFrame with ``source`` and ``target`` actor ids. Overrides the
        default candidates (``kind_pairs``, ``same_neighbourhood``, ``max_candidates``).
    kind_pairs
        Actor kind pairs that may be tied (ids or aliases, order free; a third element, the
        source, is allowed and ignored). ``None``: :data:`EXPECTED_KIND_PAIRS`. ``"any"``:
        every pair of kinds.
    same_neighbourhood
        Only pair actors of the same neighbourhood, or a shared actor with any actor.
    tie_kinds
        Tie kinds the objective looks at (``kind`` is always added); ``None`` for all.
    kind
        Tie kind of the new ties; ``"collaboration"`` (mutual) by default.
    groups
        Actor column defining the groups (``"domain"``).
    max_candidates
        Cap on the default candidate set (see :data:`MAX_CANDIDATES`).
    progress
        Show a progress bar (tqdm) of candidate evaluations when the search takes more than a
        second.
    seed
        Seed for sampling candidates above the cap.

    Returns
    -------
    pandas.DataFrame
        One row per suggested tie in the order chosen: ``source``, ``target``, ``kind``,
        ``gain`` (how much this tie improves the objective, given the earlier ones; positive
        is better: the decrease of the mean constraint, the number of newly reachable pairs,
        or the increase of the function) and ``objective_after`` (the objective's value after
        adding it). ``attrs`` holds ``objective_before`` (the value without new ties),
        ``n_candidates`` and ``candidates`` (``"all"`` or ``"sampled"``).

    Raises
    ------
    ConfigError
        A bad ``n_ties``, ``objective``, ``candidates``, ``kind_pairs`` or ``max_candidates``;
        directed reachability on more than :data:`REACH_DIRECTED_LIMIT` actors.

    References
    ----------
    Burt, R. S. (1992). *Structural Holes: The Social Structure of Competition*. Harvard
    University Press. Leskovec, J. et al. (2007). Cost-effective outbreak detection in
    networks. *KDD*, 420-429.

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
    k = n_ties
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0:
        raise ConfigError(f"suggest_bridges(): n_ties must be a non-negative int, got {k!r}")
    if isinstance(max_candidates, bool) or not isinstance(max_candidates, (int, np.integer)) \
            or max_candidates < 1:
        raise ConfigError("suggest_bridges(): max_candidates must be a positive int, got "
                          f"{max_candidates!r}")
    if not isinstance(same_neighbourhood, bool):
        raise ConfigError("suggest_bridges(): same_neighbourhood must be True or False, got "
                          f"{same_neighbourhood!r}")
    try:
        kind = eco.schema.tie_kind(kind)
    except UnknownKindError as exc:
        raise UnknownKindError(f"suggest_bridges(): kind=: {exc}") from None
    codes = _group_codes(eco, groups, "suggest_bridges")
    selection = sorted(eco.view_spec(tie_kinds).kinds | {kind})
    spec = eco.view_spec(selection)
    mutual = kind in eco.schema.mutual_tie_kinds
    if not (callable(objective) and not isinstance(objective, str)) \
            and objective not in OBJECTIVES:
        hint = suggest(str(objective), OBJECTIVES) or "."
        raise ConfigError(f"suggest_bridges(): objective={objective!r} is not known{hint} "
                          f"Known: {', '.join(OBJECTIVES)}, or a function Ecosystem -> float")
    if objective == "reachability" and spec.directed and eco.n_actors > REACH_DIRECTED_LIMIT:
        raise ConfigError(
            f"suggest_bridges(): objective='reachability' on a directed view needs an n x n "
            f"reachability matrix; {eco.n_actors:,} actors is more than "
            f"{REACH_DIRECTED_LIMIT:,}. Select mutual tie kinds only (tie_kinds=, e.g. "
            "'collaboration') for an undirected view, or use objective='constraint'")
    if candidates is None:
        pairs, how = _plausible_candidates(
            eco, codes, spec, mutual, _kind_pairs(eco, kind_pairs), same_neighbourhood,
            int(max_candidates), as_generator(seed))
    else:
        pairs, how = _given_candidates(eco, candidates), "given"
    ids = eco.index.to_numpy()
    strength = NEW_TIE_WEIGHT * (2.0 if mutual else 1.0)  # s_ij = a_ij + a_ji
    with _bar(progress) as bar:
        if objective == "constraint":
            state = _Constraint(eco.adjacency(selection, weight="weight"),
                                eco.graph(selection, directed=False, weight=None,
                                          parallel="sum"), codes, strength)
            before, chosen = _greedy(state, pairs, int(k), bar)
        elif objective == "reachability":
            reach: Any = (_DirectedReach(eco, selection, codes, mutual) if spec.directed
                          else _UndirectedReach(eco, selection, codes))
            before, chosen = _greedy(reach, pairs, int(k), bar)
        elif callable(objective):
            before, chosen = _celf(eco, objective, pairs, int(k), kind, ids, bar)
    rows = [(ids[pairs[c, 0]], ids[pairs[c, 1]], kind, gain, after)
            for c, gain, after in chosen]
    out = pd.DataFrame(rows, columns=COLUMNS)
    for col in ("source", "target", "kind"):
        out[col] = out[col].astype("str")
    out["gain"] = out["gain"].astype(np.float64)
    out["objective_after"] = out["objective_after"].astype(np.float64)
    out.attrs = {"objective_before": float(before), "n_candidates": len(pairs),
                 "candidates": how}
    return out


# ---------------------------------------------------------------------- candidates
def _kind_pairs(eco: Ecosystem, kind_pairs: Any) -> list[tuple[str, str]] | None:
    """Canonical kind pairs, or None for any pair."""
    if isinstance(kind_pairs, str):
        if kind_pairs != "any":
            raise ConfigError(f"suggest_bridges(): kind_pairs={kind_pairs!r} is not accepted; "
                              "use None (the expected pairs), 'any' or a list of kind pairs")
        return None
    items = EXPECTED_KIND_PAIRS if kind_pairs is None else kind_pairs
    out = []
    try:
        for item in items:
            if isinstance(item, str) or len(item) not in (2, 3):
                raise ConfigError(f"suggest_bridges(): kind_pairs takes (kind_a, kind_b) pairs; "
                                  f"got {item!r}")
            out.append((eco.schema.actor_kind(item[0]), eco.schema.actor_kind(item[1])))
    except UnknownKindError as exc:
        raise UnknownKindError(f"suggest_bridges(): kind_pairs=: {exc}") from None
    except TypeError:
        raise ConfigError(f"suggest_bridges(): kind_pairs must be a list of kind pairs, got "
                          f"{kind_pairs!r}") from None
    return out


def _blocks(eco: Ecosystem, pairs: list[tuple[str, str]] | None, same_nb: bool, mutual: bool
            ) -> list[tuple[np.ndarray, np.ndarray]]:
    """Blocks of candidate pairs: every (a, b) in A x B of each block, before filtering."""
    n = eco.n_actors
    kinds = eco.actors["kind"].to_numpy()
    nb_codes, _ = pd.factorize(eco.actors["neighbourhood"])  # -1: shared (no neighbourhood)
    everyone = np.arange(n)
    sides: list[tuple[np.ndarray, np.ndarray]] = []
    if pairs is None:
        sides.append((everyone, everyone))
    else:
        seen = set()
        for ka, kb in pairs:
            for a, b in ((ka, kb), (kb, ka)) if not mutual and ka != kb else ((ka, kb),):
                if (a, b) in seen or (mutual and (b, a) in seen):
                    continue
                seen.add((a, b))
                sides.append((np.flatnonzero(kinds == a), np.flatnonzero(kinds == b)))
    if not same_nb:
        return sides
    blocks = []
    for left, right in sides:
        ln, rn = nb_codes[left], nb_codes[right]
        blocks.append((left[ln < 0], right))  # a shared actor with anyone
        blocks.append((left[ln >= 0], right[rn < 0]))  # anyone local with a shared one
        order_l, order_r = np.argsort(ln, kind="stable"), np.argsort(rn, kind="stable")
        ls, rs = ln[order_l], rn[order_r]
        for code in np.intersect1d(ls[ls >= 0], rs[rs >= 0]):
            blocks.append((left[order_l[np.searchsorted(ls, code):
                                        np.searchsorted(ls, code, "right")]],
                           right[order_r[np.searchsorted(rs, code):
                                         np.searchsorted(rs, code, "right")]]))
    return [(a, b) for a, b in blocks if len(a) and len(b)]


def _plausible_candidates(eco: Ecosystem, codes: np.ndarray, spec: Any, mutual: bool,
                          pairs: list[tuple[str, str]] | None, same_nb: bool, cap: int,
                          rng: np.random.Generator) -> tuple[np.ndarray, str]:
    blocks = _blocks(eco, pairs, same_nb, mutual)
    sizes = np.array([len(a) * len(b) for a, b in blocks], dtype=np.int64)
    total = int(sizes.sum())
    if total <= cap:
        u = np.concatenate([np.repeat(a, len(b)) for a, b in blocks] or [np.zeros(0, int)])
        v = np.concatenate([np.tile(b, len(a)) for a, b in blocks] or [np.zeros(0, int)])
        how = "all"
    else:  # one bounded draw from all plausible pairs, decoded block by block
        flat = np.sort(rng.choice(total, size=cap, replace=False))
        ends = np.cumsum(sizes)
        which = np.searchsorted(ends, flat, side="right")
        offset = flat - (ends - sizes)[which]
        u, v = np.empty(cap, dtype=np.int64), np.empty(cap, dtype=np.int64)
        for bi in np.unique(which):
            a, b = blocks[bi]
            sel = which == bi
            u[sel], v[sel] = a[offset[sel] // len(b)], b[offset[sel] % len(b)]
        how = "sampled"
    u, v = u.astype(np.int64), v.astype(np.int64)
    if mutual:
        u, v = np.minimum(u, v), np.maximum(u, v)
    ok = (u != v) & (codes[u] != codes[v])
    u, v = u[ok], v[ok]
    tied = eco.adjacency(sorted(spec.kinds), directed=True, weight=None)
    if mutual:
        tied = tied + tied.T
    ok = np.asarray(sp.csr_array(tied)[u, v]).ravel() == 0 if len(u) else np.zeros(0, bool)
    pairs_out = np.unique(np.column_stack([u[ok], v[ok]]), axis=0) if ok.any() \
        else np.zeros((0, 2), dtype=np.int64)
    return pairs_out.astype(np.int64).reshape(-1, 2), how


def _given_candidates(eco: Ecosystem, candidates: Any) -> np.ndarray:
    if not isinstance(candidates, pd.DataFrame) or not {"source", "target"} <= set(
            candidates.columns):
        raise ConfigError("suggest_bridges(): candidates must be a DataFrame with columns "
                          "source and target (actor ids)")
    s = eco.positions(candidates["source"], what="candidates source")
    t = eco.positions(candidates["target"], what="candidates target")
    if (s == t).any():
        raise ConfigError("suggest_bridges(): candidates include a tie from an actor to itself")
    return np.column_stack([s, t]).astype(np.int64).reshape(-1, 2)


# ---------------------------------------------------------------------- search
class _Bar:
    def __init__(self, progress: bool) -> None:
        self._bar: Any = None
        if progress:
            from tqdm.auto import tqdm

            self._bar = tqdm(desc="suggest_bridges", unit="eval", delay=1.0)

    def __enter__(self) -> _Bar:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.close()

    def update(self, n: int) -> None:
        if self._bar is not None:
            self._bar.update(n)


def _bar(progress: bool) -> _Bar:
    if not isinstance(progress, bool):
        raise ConfigError(f"suggest_bridges(): progress must be True or False, got {progress!r}")
    return _Bar(progress)


def _greedy(state: Any, pairs: np.ndarray, k: int, bar: _Bar
            ) -> tuple[float, list[tuple[int, float, float]]]:
    """Exact greedy: each round the best remaining candidate given the ties chosen so far.

    ``state`` keeps each candidate's change of the objective; after a tie is added only the
    candidates the state marks as touched are re-evaluated (the others' changes are the same).
    """
    before = state.value()
    chosen: list[tuple[int, float, float]] = []
    alive = np.ones(len(pairs), dtype=bool)
    state.evaluate(pairs, np.arange(len(pairs)))
    bar.update(len(pairs))
    for _ in range(min(k, len(pairs))):
        score = np.where(alive, state.gains(), -np.inf)
        c = int(np.argmax(score))
        if not score[c] > 0:
            break  # nothing left improves the objective
        current = state.value()
        u, v = int(pairs[c, 0]), int(pairs[c, 1])
        touched = state.add(u, v)
        after = state.value()
        chosen.append((c, after - current, state.report(after)))
        # one tie per pair of actors: the chosen pair and its reverse are done
        alive &= ~(((pairs[:, 0] == u) & (pairs[:, 1] == v))
                   | ((pairs[:, 0] == v) & (pairs[:, 1] == u)))
        redo = np.flatnonzero(alive & (touched[pairs[:, 0]] | touched[pairs[:, 1]]))
        state.evaluate(pairs, redo)
        bar.update(len(redo))
    return state.report(before), chosen


class _Constraint:
    """Mean Burt constraint over actors with a contact in another group, kept incrementally.

    Notation as in :func:`~ecosystem.algorithms.structural_holes.structural_holes`: ``s`` the
    mutual strengths, ``p`` the proportional strengths, and per stored pair (i, j) the term
    ``x_ij = p_ij + sum_q p_iq p_qj``, so ``c_i = sum_j x_ij^2``. A new tie u - v of mutual
    strength d (u and v not yet in contact) rescales row u of ``p`` by
    ``alpha_u = S_u / (S_u + d)`` and gives ``p'_uv = d / (S_u + d)`` (same for v). Then

    - ``x'_uj = alpha_u x_uj + p'_uv alpha_v p_vj`` for the contacts j of u, and
      ``x'_uv = p'_uv + alpha_u sum_q p_uq p_qv`` over the common contacts q;
    - for a contact i of u (not v), ``x_ij`` changes by ``p_iu (alpha_u - 1) p_uj`` for every
      triangle (i, u, j), and a common contact c gains ``p_cu p'_uv`` in ``x_cv`` (and
      ``p_cv p'_vu`` in ``x_cu``); nothing else changes.
    """

    def __init__(self, adj: sp.csr_array, contacts: ig.Graph, codes: np.ndarray,
                 strength: float) -> None:
        self.codes = codes
        self.d = float(strength)
        self.g = contacts  # undirected simple graph of the ties (shared view: never changed)
        self._build(_mutual(adj))

    def _build(self, s: sp.csr_array) -> None:
        n = s.shape[0]
        self.n, self.s = n, s
        ip = s.indptr.astype(np.int64)
        ix = s.indices.astype(np.int64)
        rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(ip))
        self.ip, self.ix, self.rows = ip, ix, rows
        self.S = np.bincount(rows, weights=s.data, minlength=n).astype(np.float64)
        p = s.data / self.S[rows]
        keys = rows * n + ix
        tri = np.asarray(self.g.list_triangles(), dtype=np.int64).reshape(-1, 3)
        # Triangles over zero-strength ties are not triangles of contacts.
        sides = np.concatenate([tri[:, a] * n + tri[:, b] for a, b in ((0, 1), (1, 2), (0, 2))])
        found = np.searchsorted(keys, sides)
        ok = found < len(keys)
        ok[ok] = keys[found[ok]] == sides[ok]
        tri = tri[ok.reshape(3, -1).all(axis=0)]
        pp, _ = _two_step_sums(s, p, p, tri)
        x = p + pp
        self.p, self.x = p, x
        self.c = np.bincount(rows, weights=x * x, minlength=n).astype(np.float64)
        self.tpos = np.searchsorted(keys, ix * n + rows)
        cross = self.codes[rows] != self.codes[ix]
        broker = np.zeros(n, dtype=bool)
        broker[rows[cross]] = True
        self.broker = broker
        self._broker_e = broker[rows].astype(np.float64)
        self._broker_x = x * self._broker_e
        self._acc = np.zeros(len(x))
        self._mark = np.zeros(n, dtype=np.int64)
        self.total = float(self.c[broker].sum())
        self.count = int(broker.sum())
        # Wedges by apex: each triangle (a, i, j) gives the entry (i, j) the term p_ia p_aj.
        orders = [(0, 1, 2), (0, 2, 1), (1, 0, 2), (1, 2, 0), (2, 0, 1), (2, 1, 0)]
        apex = np.concatenate([tri[:, o[0]] for o in orders])
        i = np.concatenate([tri[:, o[1]] for o in orders])
        j = np.concatenate([tri[:, o[2]] for o in orders])
        coef = p[np.searchsorted(keys, i * n + apex)] * p[np.searchsorted(keys, apex * n + j)]
        order = np.argsort(apex, kind="stable")
        self.w_pos = np.searchsorted(keys, i * n + j)[order]
        self.w_coef = coef[order]
        self.w_ptr = np.searchsorted(apex[order], np.arange(n + 1))

    def value(self) -> float:
        return -(self.total / self.count) if self.count else -1.0

    def report(self, value: float) -> float:
        return -value

    def _delta(self, u: int, v: int) -> tuple[float, int]:
        """Change of the brokers' constraint total and of their count when u - v is added.

        Every step is O(contacts of u and v + triangles at u and v): no sorting, the common
        contacts and the overlapping entries are found with scratch arrays.
        """
        ip, p, x, d, broker = self.ip, self.p, self.x, self.d, self.broker
        su, sv = self.S[u], self.S[v]
        au, av = su / (su + d), sv / (sv + d)
        puv, pvu = d / (su + d), d / (sv + d)
        lu, hu, lv, hv = ip[u], ip[u + 1], ip[v], ip[v + 1]
        mark = self._mark  # position + 1 of each contact of u in u's row, else 0
        mark[self.ix[lu:hu]] = np.arange(1, hu - lu + 1)
        at_u = mark[self.ix[lv:hv]]
        mark[self.ix[lu:hu]] = 0
        iv = np.flatnonzero(at_u)  # common contacts c, as positions in v's row ...
        iu = at_u[iv] - 1  # ... and in u's row
        pu, pv = p[lu:hu], p[lv:hv]
        t_cv, t_cu = self.tpos[lv + iv], self.tpos[lu + iu]  # entries (c, v) and (c, u)
        p_cv, p_cu = p[t_cv], p[t_cu]
        xu = au * x[lu:hu]
        xu[iu] += puv * av * pv[iv]
        xv = av * x[lv:hv]
        xv[iv] += pvu * au * pu[iu]
        xuv = puv + au * float(pu[iu] @ p_cv)
        xvu = pvu + av * float(pv[iv] @ p_cu)
        cu, cv = float(xu @ xu) + xuv * xuv, float(xv @ xv) + xvu * xvu
        # Contacts' terms: sum over changed entries of 2 x dx + dx^2 (brokers' rows only).
        wu = slice(self.w_ptr[u], self.w_ptr[u + 1])
        wv = slice(self.w_ptr[v], self.w_ptr[v + 1])
        pos_u, pos_v = self.w_pos[wu], self.w_pos[wv]
        du, dv = (au - 1.0) * self.w_coef[wu], (av - 1.0) * self.w_coef[wv]
        acc = self._acc  # du at u's wedge entries, to find the entries both wedges change
        acc[pos_u] = du
        both = acc[pos_v]
        acc[pos_u] = 0.0
        bx = self._broker_x  # x at each entry of a broker's row, else 0; b the broker mask
        bm = self._broker_e
        dtotal = float((bm[pos_u] * du * (2.0 * bx[pos_u] + du)).sum()
                       + (bm[pos_v] * dv * (2.0 * bx[pos_v] + dv + 2.0 * both)).sum())
        dcv, dcu = p_cu * puv, p_cv * pvu
        dtotal += float((bm[t_cv] * dcv * (2.0 * bx[t_cv] + dcv)).sum()
                        + (bm[t_cu] * dcu * (2.0 * bx[t_cu] + dcu)).sum())
        cross = bool(self.codes[u] != self.codes[v])
        bu, bv = bool(broker[u]) or cross, bool(broker[v]) or cross
        dtotal += (cu if bu else 0.0) - (self.c[u] if broker[u] else 0.0)
        dtotal += (cv if bv else 0.0) - (self.c[v] if broker[v] else 0.0)
        return dtotal, int(bu and not broker[u]) + int(bv and not broker[v])

    def evaluate(self, pairs: np.ndarray, which: np.ndarray) -> None:
        if not hasattr(self, "_dt"):
            self._dt = np.zeros(len(pairs))
            self._dc = np.zeros(len(pairs), dtype=np.int64)
        for c in which.tolist():
            self._dt[c], self._dc[c] = self._delta(int(pairs[c, 0]), int(pairs[c, 1]))

    def gains(self) -> np.ndarray:
        count = self.count + self._dc
        after = np.where(count > 0, -(self.total + self._dt) / np.maximum(count, 1), -1.0)
        return after - self.value()

    def add(self, u: int, v: int) -> np.ndarray:
        n = self.n
        extra = sp.csr_array((np.full(2, self.d), (np.array([u, v]), np.array([v, u]))),
                             shape=(n, n))
        s = sp.csr_array(self.s + extra)
        s.sum_duplicates()
        s.sort_indices()
        if self.g.get_eid(u, v, error=False) < 0:
            self.g = self.g.copy()
            self.g.add_edge(u, v)
        self._build(s)
        hit = np.zeros(n)
        hit[[u, v]] = 1.0
        for _ in range(2):  # the actors within two steps of the new tie
            hit = hit + s @ hit
        return hit > 0


class _UndirectedReach:
    """Cross-group reachable ordered pairs in an undirected view: components joined."""

    def __init__(self, eco: Ecosystem, selection: list[str], codes: np.ndarray) -> None:
        n = eco.n_actors
        groups = int(codes.max()) + 1 if n else 1
        comp = connected_components(eco.adjacency(selection, weight=None), directed=False)[1]
        self.comp = np.asarray(comp, dtype=np.int64)
        self.m = np.zeros((max(n, 1), groups))
        np.add.at(self.m, (self.comp, codes), 1.0)
        self.size = self.m.sum(axis=1)

    def value(self) -> float:
        return float((self.size**2 - (self.m**2).sum(axis=1)).sum())

    def report(self, value: float) -> float:
        return value

    def evaluate(self, pairs: np.ndarray, which: np.ndarray) -> None:
        cu, cv = self.comp[pairs[:, 0]], self.comp[pairs[:, 1]]
        joined = 2.0 * (self.size[cu] * self.size[cv] - (self.m[cu] * self.m[cv]).sum(axis=1))
        self._gain = np.where(cu != cv, joined, 0.0)

    def gains(self) -> np.ndarray:
        return self._gain

    def add(self, u: int, v: int) -> np.ndarray:
        cu, cv = self.comp[u], self.comp[v]
        if cu != cv:
            self.m[cu] += self.m[cv]
            self.m[cv] = 0.0
            self.size[cu] += self.size[cv]
            self.size[cv] = 0.0
            self.comp[self.comp == cv] = cu
        return np.ones(len(self.comp), dtype=bool)


class _DirectedReach:
    """Cross-group reachable ordered pairs in a directed view, from the reachability matrix."""

    def __init__(self, eco: Ecosystem, selection: list[str], codes: np.ndarray,
                 mutual: bool) -> None:
        n = eco.n_actors
        adj = eco.adjacency(selection, directed=True, weight=None)
        reach = np.zeros((n, n), dtype=bool)
        for lo in range(0, n, 256):  # BFS distances in row blocks of 256 sources
            hi = min(n, lo + 256)
            reach[lo:hi] = np.isfinite(shortest_path(adj, directed=True, unweighted=True,
                                                     indices=np.arange(lo, hi)))
        np.fill_diagonal(reach, False)
        self.reach, self.codes, self.mutual = reach, codes, mutual
        self.cross = codes[:, None] != codes[None, :]

    def value(self) -> float:
        return float((self.reach & self.cross).sum())

    def report(self, value: float) -> float:
        return value

    def _sets(self, u: int, v: int) -> tuple[np.ndarray, np.ndarray]:
        """Who reaches the new tie's tail (or is it), and what its head reaches (or is)."""
        r = self.reach
        a, d = r[:, u].copy(), r[v].copy()
        a[u] = d[v] = True
        if self.mutual:  # u <-> v: whoever reaches either reaches what either reaches
            a |= r[:, v]
            d |= r[u]
            a[v] = d[u] = True
        return np.flatnonzero(a), np.flatnonzero(d)

    def evaluate(self, pairs: np.ndarray, which: np.ndarray) -> None:
        if not hasattr(self, "_gain"):
            self._gain = np.zeros(len(pairs))
        for c in which.tolist():
            a, d = self._sets(int(pairs[c, 0]), int(pairs[c, 1]))
            block = np.ix_(a, d)
            self._gain[c] = float((~self.reach[block] & self.cross[block]).sum())

    def gains(self) -> np.ndarray:
        return self._gain

    def add(self, u: int, v: int) -> np.ndarray:
        a, d = self._sets(u, v)
        self.reach[np.ix_(a, d)] = True
        np.fill_diagonal(self.reach, False)
        return np.ones(len(self.codes), dtype=bool)


def _celf(eco: Ecosystem, objective: Callable[[Ecosystem], float], pairs: np.ndarray, k: int,
          kind: str, ids: np.ndarray, bar: _Bar
          ) -> tuple[float, list[tuple[int, float, float]]]:
    def evaluate(chosen: list[int]) -> float:
        e = eco
        if chosen:
            frame = pd.DataFrame({"source": ids[pairs[chosen, 0]],
                                  "target": ids[pairs[chosen, 1]],
                                  "kind": kind, "weight": NEW_TIE_WEIGHT})
            e = eco.with_ties(frame)
        value = float(objective(e))
        bar.update(1)
        if not np.isfinite(value):
            raise ConfigError(f"suggest_bridges(): the objective returned {value}; it must "
                              "return a finite number")
        return value

    current = before = evaluate([])
    heap = [(-(evaluate([c]) - current), c, 0) for c in range(len(pairs))]
    heapq.heapify(heap)
    chosen: list[int] = []
    out = []
    for r in range(min(k, len(pairs))):
        while True:
            neg, c, stamp = heapq.heappop(heap)
            if stamp == r:
                break
            heapq.heappush(heap, (-(evaluate([*chosen, c]) - current), c, r))
        chosen.append(c)
        current = current - neg
        out.append((c, -neg, current))
    return before, out
