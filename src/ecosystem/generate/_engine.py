"""The vectorised generator shared by :func:`generate_neighbourhood` and :func:`generate_region`.

Neighbourhood ``j`` is generated from a blend of anchor profiles with weights ``W[j]`` (every
numeric parameter is the weighted mean of the anchors'), so a region of 1,000 neighbourhoods
with a continuous SES mix costs a handful of matrix products, not 1,000 profiles. Ties come from
a membership table (neighbourhood, actor): local actors are members of their own
neighbourhood, shared actors of every neighbourhood they serve; a rule draws among members of
the same neighbourhood, with NumPy over all neighbourhoods at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ecosystem.core.capacity import default_capacity, size_servers
from ecosystem.core.ecosystem import Ecosystem
from ecosystem.core.errors import ConfigError
from ecosystem.core.schema import Schema
from ecosystem.generate.profile import Profile, SharedActor, TieRule


@dataclass(frozen=True)
class _Vocabulary:
    """Ids of the default schema in a fixed order (array codes index these lists)."""

    kinds: list[str]
    needs: list[str]
    tie_kinds: list[str]
    mutual: frozenset[str]

    @classmethod
    def default(cls) -> _Vocabulary:
        schema = Schema.default()
        return cls(list(schema.actor_kinds), list(schema.needs), list(schema.tie_kinds),
                   frozenset(k for k, t in schema.tie_kinds.items() if not t.directed))


@dataclass(frozen=True)
class _Actors:
    """Actors as arrays: local ones first (by neighbourhood, then kind), then shared ones."""

    kind_of: np.ndarray  # (actors,) kind code
    n_local: int
    nb_of: np.ndarray  # (local,) neighbourhood of each local actor
    ordinal: np.ndarray  # (local,) 0-based number within its neighbourhood and kind
    sh_kind: np.ndarray  # (shared,) kind code of each shared actor
    sh_ord: np.ndarray  # (shared,) 0-based number within its kind


@dataclass(frozen=True)
class _Membership:
    """Who can be drawn in which neighbourhood, sorted by (neighbourhood, kind, actor)."""

    nb: np.ndarray  # neighbourhood of each membership row
    pos: np.ndarray  # actor of each membership row
    kind: np.ndarray  # kind code of the actor
    count: np.ndarray  # (neighbourhoods, kinds) members per kind
    offset: np.ndarray  # (neighbourhoods, kinds) first row of each block


def _table(anchors: Sequence[Profile], attr: str, voc: _Vocabulary) -> np.ndarray:
    """(anchors, kinds, needs) array of a kind x need table; missing entries are 0."""
    out = np.zeros((len(anchors), len(voc.kinds), len(voc.needs)))
    for a, prof in enumerate(anchors):
        for k, row in getattr(prof, attr).items():
            for n, v in row.items():
                out[a, voc.kinds.index(k), voc.needs.index(n)] = v
    return out


def _union_rules(anchors: Sequence[Profile]) -> list[TieRule]:
    seen: dict[Any, TieRule] = {}
    for prof in anchors:
        for r in prof.rules:
            seen.setdefault(r.key, r)
    return list(seen.values())


def generate(
    anchors: Sequence[Profile],
    weights: np.ndarray,
    residents: np.ndarray,
    names: Sequence[str],
    shared: Sequence[SharedActor],
    rng: np.random.Generator,
    *,
    name: str | None,
    record: dict[str, Any],
    extra: dict[str, Any] | None = None,
) -> Ecosystem:
    """Generate neighbourhoods ``names`` (blend ``weights`` of ``anchors``) and shared actors.

    The steps, in the order they draw from ``rng``: local actor counts, ties rule by rule
    (shared actors and memberships draw nothing), then the tables. The neighbourhoods table
    holds ``residents``, ``demand_<need>`` (residents per year) and the ``extra`` columns (one
    value per neighbourhood).
    """
    voc = _Vocabulary.default()
    n_nb = len(names)
    W = np.asarray(weights, dtype=np.float64).reshape(n_nb, len(anchors))
    residents = np.asarray(residents, dtype=np.float64)
    local = _local_kinds(anchors, shared, voc)
    counts = _local_counts(anchors, W, residents, local, rng)
    actors = _actors(counts, local, shared, n_nb, voc)
    members = _membership(actors, shared, n_nb, voc)
    src, tgt, tk, w = _ties(anchors, W, actors, members, shared, rng, voc)
    actors_table, ties_table = _tables(anchors, W, names, actors, local, src, tgt, tk, w, voc)
    _capacity(actors_table, actors, members, residents, voc)
    demand = _demand(anchors, W, residents, voc)
    table = pd.DataFrame({"residents": residents,
                          **{f"demand_{n}": demand[:, j] for j, n in enumerate(voc.needs)}},
                         index=pd.Index(list(names), dtype="str", name="neighbourhood"))
    for column, values in (extra or {}).items():
        table[column] = np.asarray(values)
    return Ecosystem(actors_table, ties_table, neighbourhoods=table, name=name, _step=record)


def _local_kinds(anchors: Sequence[Profile], shared: Sequence[SharedActor],
                 voc: _Vocabulary) -> list[str]:
    """Kinds that the profiles place in every neighbourhood; none may also be shared."""
    local = [k for k in voc.kinds if any(k in p.actors for p in anchors)]
    clash = set(local) & {s.kind for s in shared}
    if clash:
        raise ConfigError(f"kind(s) {sorted(clash)} are both local (profile actors) and shared "
                          "(shared=); remove them from one of the two")
    return local


def _local_counts(anchors: Sequence[Profile], W: np.ndarray, residents: np.ndarray,
                  local: list[str], rng: np.random.Generator) -> np.ndarray:
    """(neighbourhoods, local kinds) actor counts; stochastic rounding keeps the mean exact."""
    n_a, L = len(anchors), len(local)
    rate = np.array([[p.actors.get(k, 0.0) for k in local] for p in anchors]).reshape(n_a, L)
    mins = np.array([[p.minimum.get(k, 0) for k in local] for p in anchors]).reshape(n_a, L)
    x = (W @ rate) * residents[:, None] / 1000.0
    base = np.floor(x)
    counts = (base + (rng.random(x.shape) < x - base)).astype(np.int64)
    return np.maximum(counts, np.rint(W @ mins).astype(np.int64))


def _actors(counts: np.ndarray, local: list[str], shared: Sequence[SharedActor], n_nb: int,
            voc: _Vocabulary) -> _Actors:
    """Number the local actors (neighbourhood-major) and then the shared ones."""
    L = len(local)
    lcode = np.array([voc.kinds.index(k) for k in local], dtype=np.int64)
    flat = counts.ravel()
    n_local = int(flat.sum())
    nb_of = np.repeat(np.repeat(np.arange(n_nb), L), flat)
    lk_of = np.repeat(np.tile(np.arange(L), n_nb), flat)
    ordinal = np.arange(n_local) - np.repeat(np.cumsum(flat) - flat, flat)
    sizes = [s.n_actors(n_nb) for s in shared]
    sh_kind = np.repeat(np.array([voc.kinds.index(s.kind) for s in shared], dtype=np.int64),
                        np.array(sizes, dtype=np.int64))
    sh_ord = (np.concatenate([np.arange(m) for m in sizes]) if sizes
              else np.zeros(0, np.int64)).astype(np.int64)
    return _Actors(np.concatenate([lcode[lk_of], sh_kind]), n_local, nb_of, ordinal, sh_kind,
                   sh_ord)


def _membership(actors: _Actors, shared: Sequence[SharedActor], n_nb: int,
                voc: _Vocabulary) -> _Membership:
    """Local actors are members of their neighbourhood, shared actors of those they serve."""
    nbs, poss = [actors.nb_of], [np.arange(actors.n_local)]
    pos = actors.n_local
    for s in shared:
        m = s.n_actors(n_nb)
        if s.per_neighbourhoods is None:  # every actor serves every neighbourhood
            nbs.append(np.repeat(np.arange(n_nb), m))
            poss.append(pos + np.tile(np.arange(m), n_nb))
        else:  # contiguous catchments
            nb = np.arange(n_nb)
            nbs.append(nb)
            poss.append(pos + nb * m // n_nb)
        pos += m
    mem_nb = np.concatenate(nbs).astype(np.int64)
    mem_pos = np.concatenate(poss).astype(np.int64)
    order = np.lexsort((mem_pos, actors.kind_of[mem_pos], mem_nb))
    mem_nb, mem_pos = mem_nb[order], mem_pos[order]
    mem_kind = actors.kind_of[mem_pos]
    K = len(voc.kinds)
    count = np.bincount(mem_nb * K + mem_kind, minlength=n_nb * K).reshape(n_nb, K)
    offset = (np.cumsum(count.ravel()) - count.ravel()).reshape(n_nb, K)
    return _Membership(mem_nb, mem_pos, mem_kind, count, offset)


def _rule_parameters(anchors: Sequence[Profile], W: np.ndarray, rules: list[TieRule]
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per neighbourhood and rule: probability, mean strength, and the strength CV.

    The probability is the W-weighted mean over the anchors (0 where an anchor lacks the
    rule); the strength is the mean over the anchors that have the rule, weighted by W.
    """
    n_a = len(anchors)
    has = np.array([[r.key in {q.key for q in p.rules} for r in rules] for p in anchors],
                   dtype=np.float64).reshape(n_a, len(rules))
    by_key = [{q.key: q for q in p.rules} for p in anchors]
    P = np.array([[by_key[a][r.key].p if has[a, i] else 0.0 for i, r in enumerate(rules)]
                  for a in range(n_a)]).reshape(n_a, len(rules))
    S = np.array([[by_key[a][r.key].strength if has[a, i] else 0.0
                   for i, r in enumerate(rules)] for a in range(n_a)]).reshape(n_a, len(rules))
    wh = W @ has
    s_nb = np.divide(W @ (S * has), wh, out=np.zeros_like(wh), where=wh > 0)
    cv = W @ np.array([p.strength_cv for p in anchors])
    return W @ P, s_nb, cv


def _pair_candidates(rule: TieRule, sc: int, tcs: list[int], rows: np.ndarray,
                     actors: _Actors, members: _Membership, is_shared: np.ndarray,
                     voc: _Vocabulary) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(source, target, neighbourhood) of every pair a ``per="pair"`` rule may tie."""
    s_nb_i, s_pos = members.nb[rows], members.pos[rows]
    src_l, tgt_l, pnb_l = [], [], []
    for tc in tcs:
        n_t = members.count[s_nb_i, tc]
        total = int(n_t.sum())
        rep = np.repeat(np.arange(len(rows)), n_t)
        within = np.arange(total) - np.repeat(np.cumsum(n_t) - n_t, n_t)
        src_l.append(s_pos[rep])
        tgt_l.append(members.pos[np.repeat(members.offset[s_nb_i, tc], n_t) + within])
        pnb_l.append(s_nb_i[rep])
    src, tgt, pnb = np.concatenate(src_l), np.concatenate(tgt_l), np.concatenate(pnb_l)
    keep = src != tgt
    if rule.kind in voc.mutual and sc in tcs:  # one draw per unordered pair
        keep &= ~((actors.kind_of[tgt] == sc) & (tgt < src))
    src, tgt, pnb = src[keep], tgt[keep], pnb[keep]
    if is_shared[sc] and all(is_shared[tc] for tc in tcs):
        # shared-shared pairs meet in many neighbourhoods: draw each pair once
        _, first = np.unique(src * len(actors.kind_of) + tgt, return_index=True)
        first.sort()
        src, tgt, pnb = src[first], tgt[first], pnb[first]
    return src, tgt, pnb


def _draw_per_source(p: np.ndarray, tcs: list[int], rows: np.ndarray, members: _Membership,
                     rng: np.random.Generator
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A ``per="source"`` rule: each source ties, with probability ``p`` of its neighbourhood,
    to one member of the target kinds drawn uniformly. Returns (hit, source, target, nb)."""
    s_nb_i, s_pos = members.nb[rows], members.pos[rows]
    n_i = members.count[s_nb_i][:, tcs].sum(axis=1)
    hit = (rng.random(len(rows)) < p[s_nb_i]) & (n_i > 0)
    u = np.floor(rng.random(len(rows)) * n_i).astype(np.int64)
    tgt = np.full(len(rows), -1, dtype=np.int64)
    for tc in tcs:
        c = members.count[s_nb_i, tc]
        here = (tgt < 0) & (u < c)
        tgt[here] = members.pos[members.offset[s_nb_i[here], tc] + u[here]]
        u = u - c
    return hit, s_pos, tgt, s_nb_i


def _ties(anchors: Sequence[Profile], W: np.ndarray, actors: _Actors, members: _Membership,
          shared: Sequence[SharedActor], rng: np.random.Generator, voc: _Vocabulary
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Draw the ties rule by rule: (source, target, tie-kind code, weight) arrays."""
    rules = _union_rules(anchors)
    p_nb, s_nb, cv = _rule_parameters(anchors, W, rules)
    is_shared = np.zeros(len(voc.kinds), dtype=bool)
    is_shared[[voc.kinds.index(s.kind) for s in shared]] = True
    parts_s, parts_t, parts_k, parts_w = [], [], [], []
    kind_rows: dict[int, np.ndarray] = {}
    for i, r in enumerate(rules):
        sc = voc.kinds.index(r.source)
        tcs = [voc.kinds.index(t) for t in r.target]
        if sc not in kind_rows:
            kind_rows[sc] = np.flatnonzero(members.kind == sc)
        rows = kind_rows[sc]
        if r.per == "pair":
            src, tgt, pnb = _pair_candidates(r, sc, tcs, rows, actors, members, is_shared, voc)
            hit = rng.random(len(src)) < p_nb[pnb, i]
        else:
            hit, src, tgt, pnb = _draw_per_source(p_nb[:, i], tcs, rows, members, rng)
        src, tgt, pnb = src[hit], tgt[hit], pnb[hit]
        k = 1.0 / cv[pnb] ** 2
        parts_w.append(rng.gamma(k, s_nb[pnb, i] / k))
        parts_s.append(src)
        parts_t.append(tgt)
        parts_k.append(np.full(len(src), voc.tie_kinds.index(r.kind), dtype=np.int64))
    src = np.concatenate(parts_s) if parts_s else np.zeros(0, np.int64)
    tgt = np.concatenate(parts_t) if parts_t else np.zeros(0, np.int64)
    tk = np.concatenate(parts_k) if parts_k else np.zeros(0, np.int64)
    w = np.concatenate(parts_w) if parts_w else np.zeros(0)
    return _first_of_duplicates(src, tgt, tk, w, len(actors.kind_of), voc)


def _first_of_duplicates(src: np.ndarray, tgt: np.ndarray, tk: np.ndarray, w: np.ndarray,
                         n_actors: int, voc: _Vocabulary
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Two rules may produce the same tie (e.g. a per-source and a pair rule): keep the first."""
    mutual = np.isin(tk, [voc.tie_kinds.index(k) for k in voc.mutual])
    a, b = np.where(mutual, np.minimum(src, tgt), src), np.where(mutual, np.maximum(src, tgt), tgt)
    _, first = np.unique((tk * n_actors + a) * n_actors + b, return_index=True)
    first.sort()
    return src[first], tgt[first], tk[first], w[first]


def _tables(anchors: Sequence[Profile], W: np.ndarray, names: Sequence[str], actors: _Actors,
            local: list[str], src: np.ndarray, tgt: np.ndarray, tk: np.ndarray, w: np.ndarray,
            voc: _Vocabulary) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The actors table (ids, kinds, neighbourhoods, resolve/entry columns) and ties table."""
    n_local, kind_of = actors.n_local, actors.kind_of
    nb_names = np.asarray(names, dtype=object)
    kind_names = np.asarray(voc.kinds, dtype=object)
    local_ids = (pd.Series(nb_names[actors.nb_of], dtype="str") + "/"
                 + pd.Series(kind_names[kind_of[:n_local]], dtype="str") + "/"
                 + pd.Series(actors.ordinal + 1).astype("str"))
    shared_ids = (pd.Series(kind_names[actors.sh_kind], dtype="str") + "/"
                  + pd.Series(actors.sh_ord + 1).astype("str"))
    ids = pd.concat([local_ids, shared_ids], ignore_index=True).astype("str")
    nbh = pd.Series(np.concatenate([nb_names[actors.nb_of],
                                    np.full(len(kind_of) - n_local, None)]), dtype="str")
    cols: dict[str, Any] = {"id": ids, "kind": pd.Series(kind_names[kind_of], dtype="str"),
                            "neighbourhood": nbh}
    wbar = W.mean(axis=0)
    for attr in ("resolve", "entry"):
        T = _table(anchors, attr, voc)
        per_nb = np.einsum("ja,akn->jkn", W, T)
        shared_t = np.einsum("a,akn->kn", wbar, T)
        vals = np.concatenate([per_nb[actors.nb_of, kind_of[:n_local]],
                               shared_t[kind_of[n_local:]]])
        for j, need in enumerate(voc.needs):
            cols[f"{attr}_{need}"] = vals[:, j]
    ties = pd.DataFrame({
        "source": ids.to_numpy()[src], "target": ids.to_numpy()[tgt],
        "kind": pd.Series(np.asarray(voc.tie_kinds, dtype=object)[tk], dtype="str"), "weight": w,
    })
    ties["source"] = ties["source"].astype("str")
    ties["target"] = ties["target"].astype("str")
    return pd.DataFrame(cols), ties


def _capacity(table: pd.DataFrame, actors: _Actors, members: _Membership,
              residents: np.ndarray, voc: _Vocabulary) -> None:
    """Add ``servers`` and ``service_rate`` (named defaults, see :mod:`ecosystem.core.capacity`)
    to the actors table: every actor is sized from the residents it serves (its neighbourhood's,
    or the served neighbourhoods' for a shared actor, shared among the actors of its kind)."""
    kind_of = actors.kind_of
    share = residents[members.nb] / members.count[members.nb, kind_of[members.pos]]
    served = np.bincount(members.pos, weights=share, minlength=len(kind_of))
    kinds = np.asarray(voc.kinds, dtype=object)[kind_of].astype(str)
    table["servers"] = size_servers(kinds, served)
    table["service_rate"] = default_capacity(list(voc.kinds)).loc[kinds, "service_rate"].to_numpy()


def _demand(anchors: Sequence[Profile], W: np.ndarray, residents: np.ndarray,
            voc: _Vocabulary) -> np.ndarray:
    """(neighbourhoods, needs) expected new needs per year: blended rates per 1,000 residents."""
    D = np.array([[p.demand.get(n, 0.0) for n in voc.needs] for p in anchors]).reshape(
        len(anchors), -1)
    return (W @ D) * residents[:, None] / 1000.0
