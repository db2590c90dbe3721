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
from typing import Any

import numpy as np
import pandas as pd

from ecosystem.core.capacity import default_capacity, size_servers
from ecosystem.core.ecosystem import Ecosystem
from ecosystem.core.errors import ConfigError
from ecosystem.core.schema import Schema
from ecosystem.generate.profile import Profile, SharedActor, TieRule

SCHEMA = Schema.default()
KINDS = list(SCHEMA.actor_kinds)
NEEDS = list(SCHEMA.needs)
TIE_KINDS = list(SCHEMA.tie_kinds)
_MUTUAL = {k for k in TIE_KINDS if not SCHEMA.tie_kinds[k].directed}


def _table(anchors: Sequence[Profile], attr: str) -> np.ndarray:
    """(anchors, kinds, needs) array of a kind x need table; missing entries are 0."""
    out = np.zeros((len(anchors), len(KINDS), len(NEEDS)))
    for a, prof in enumerate(anchors):
        for k, row in getattr(prof, attr).items():
            for n, v in row.items():
                out[a, KINDS.index(k), NEEDS.index(n)] = v
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
) -> Ecosystem:
    """Generate neighbourhoods ``names`` (blend ``weights`` of ``anchors``) and shared actors."""
    n_nb, n_a = len(names), len(anchors)
    W = np.asarray(weights, dtype=np.float64).reshape(n_nb, n_a)
    residents = np.asarray(residents, dtype=np.float64)
    shared_kinds = [s.kind for s in shared]
    local = [k for k in KINDS if any(k in p.actors for p in anchors)]
    clash = set(local) & set(shared_kinds)
    if clash:
        raise ConfigError(f"kind(s) {sorted(clash)} are both local (profile actors) and shared "
                          "(shared=); remove them from one of the two")
    K = len(KINDS)
    L = len(local)
    lcode = np.array([KINDS.index(k) for k in local], dtype=np.int64)

    # ---- local actor counts: stochastic rounding keeps the mean exact
    rate = np.array([[p.actors.get(k, 0.0) for k in local] for p in anchors]).reshape(n_a, L)
    mins = np.array([[p.minimum.get(k, 0) for k in local] for p in anchors]).reshape(n_a, L)
    x = (W @ rate) * residents[:, None] / 1000.0
    base = np.floor(x)
    counts = (base + (rng.random(x.shape) < x - base)).astype(np.int64)
    counts = np.maximum(counts, np.rint(W @ mins).astype(np.int64))
    flat = counts.ravel()
    n_local = int(flat.sum())
    nb_of = np.repeat(np.repeat(np.arange(n_nb), L), flat)
    lk_of = np.repeat(np.tile(np.arange(L), n_nb), flat)
    ordinal = np.arange(n_local) - np.repeat(np.cumsum(flat) - flat, flat)

    # ---- shared actors and whom they serve
    sh_kind, sh_ord, mem = [], [], []
    pos = n_local
    for s in shared:
        m = s.n_actors(n_nb)
        sh_kind += [KINDS.index(s.kind)] * m
        sh_ord.append(np.arange(m))
        if s.per_neighbourhoods is None:  # every actor serves every neighbourhood
            nb = np.repeat(np.arange(n_nb), m)
            who = np.tile(np.arange(m), n_nb)
        else:  # contiguous catchments
            nb = np.arange(n_nb)
            who = nb * m // n_nb
        mem.append((nb, pos + who))
        pos += m
    n_actors = pos
    kind_of = np.concatenate([lcode[lk_of], np.asarray(sh_kind, dtype=np.int64)])
    mem_nb = np.concatenate([nb_of, *(m[0] for m in mem)]).astype(np.int64)
    mem_pos = np.concatenate([np.arange(n_local), *(m[1] for m in mem)]).astype(np.int64)
    order = np.lexsort((mem_pos, kind_of[mem_pos], mem_nb))
    mem_nb, mem_pos = mem_nb[order], mem_pos[order]
    mem_kind = kind_of[mem_pos]
    C = np.bincount(mem_nb * K + mem_kind, minlength=n_nb * K).reshape(n_nb, K)
    offset = (np.cumsum(C.ravel()) - C.ravel()).reshape(n_nb, K)
    is_shared = np.zeros(K, dtype=bool)
    is_shared[[KINDS.index(k) for k in shared_kinds]] = True

    # ---- ties, rule by rule
    rules = _union_rules(anchors)
    has = np.array([[r.key in {q.key for q in p.rules} for r in rules] for p in anchors],
                   dtype=np.float64).reshape(n_a, len(rules))
    by_key = [{q.key: q for q in p.rules} for p in anchors]
    P = np.array([[by_key[a][r.key].p if has[a, i] else 0.0 for i, r in enumerate(rules)]
                  for a in range(n_a)]).reshape(n_a, len(rules))
    S = np.array([[by_key[a][r.key].strength if has[a, i] else 0.0
                   for i, r in enumerate(rules)] for a in range(n_a)]).reshape(n_a, len(rules))
    p_nb = W @ P
    # strength: mean over the anchors that have the rule, weighted by W
    wh = W @ has
    s_nb = np.divide(W @ (S * has), wh, out=np.zeros_like(wh), where=wh > 0)
    cv = W @ np.array([p.strength_cv for p in anchors])

    parts_s, parts_t, parts_k, parts_w = [], [], [], []
    kind_mem_start = {}
    for i, r in enumerate(rules):
        sc = KINDS.index(r.source)
        tcs = [KINDS.index(t) for t in r.target]
        if sc not in kind_mem_start:
            kind_mem_start[sc] = np.flatnonzero(mem_kind == sc)
        rows = kind_mem_start[sc]
        s_nb_i, s_pos = mem_nb[rows], mem_pos[rows]
        if r.per == "pair":
            src, tgt, pnb = [], [], []
            for tc in tcs:
                n_t = C[s_nb_i, tc]
                total = int(n_t.sum())
                rep = np.repeat(np.arange(len(rows)), n_t)
                within = np.arange(total) - np.repeat(np.cumsum(n_t) - n_t, n_t)
                src.append(s_pos[rep])
                tgt.append(mem_pos[np.repeat(offset[s_nb_i, tc], n_t) + within])
                pnb.append(s_nb_i[rep])
            src, tgt, pnb = (np.concatenate(src), np.concatenate(tgt), np.concatenate(pnb))
            keep = src != tgt
            if r.kind in _MUTUAL and sc in tcs:  # one draw per unordered pair
                keep &= ~((kind_of[tgt] == sc) & (tgt < src))
            src, tgt, pnb = src[keep], tgt[keep], pnb[keep]
            if is_shared[sc] and all(is_shared[tc] for tc in tcs):
                # shared-shared pairs meet in many neighbourhoods: draw each pair once
                _, first = np.unique(src * n_actors + tgt, return_index=True)
                first.sort()
                src, tgt, pnb = src[first], tgt[first], pnb[first]
            hit = rng.random(len(src)) < p_nb[pnb, i]
        else:
            n_i = C[s_nb_i][:, tcs].sum(axis=1)
            hit = (rng.random(len(rows)) < p_nb[s_nb_i, i]) & (n_i > 0)
            u = np.floor(rng.random(len(rows)) * n_i).astype(np.int64)
            tgt = np.full(len(rows), -1, dtype=np.int64)
            for tc in tcs:
                c = C[s_nb_i, tc]
                here = (tgt < 0) & (u < c)
                tgt[here] = mem_pos[offset[s_nb_i[here], tc] + u[here]]
                u = u - c
            src, pnb = s_pos, s_nb_i
        src, tgt, pnb = src[hit], tgt[hit], pnb[hit]
        k = 1.0 / cv[pnb] ** 2
        parts_w.append(rng.gamma(k, s_nb[pnb, i] / k))
        parts_s.append(src)
        parts_t.append(tgt)
        parts_k.append(np.full(len(src), TIE_KINDS.index(r.kind), dtype=np.int64))
    src = np.concatenate(parts_s) if parts_s else np.zeros(0, np.int64)
    tgt = np.concatenate(parts_t) if parts_t else np.zeros(0, np.int64)
    tk = np.concatenate(parts_k) if parts_k else np.zeros(0, np.int64)
    w = np.concatenate(parts_w) if parts_w else np.zeros(0)
    # two rules may produce the same tie (e.g. a per-source rule and a pair rule): keep the first
    mutual = np.isin(tk, [TIE_KINDS.index(k) for k in _MUTUAL])
    a, b = np.where(mutual, np.minimum(src, tgt), src), np.where(mutual, np.maximum(src, tgt), tgt)
    _, first = np.unique((tk * n_actors + a) * n_actors + b, return_index=True)
    first.sort()
    src, tgt, tk, w = src[first], tgt[first], tk[first], w[first]

    # ---- tables
    nb_names = np.asarray(names, dtype=object)
    kind_names = np.asarray(KINDS, dtype=object)
    sh_ord_all = np.concatenate(sh_ord) if sh_ord else np.zeros(0, np.int64)
    local_ids = (pd.Series(nb_names[nb_of], dtype="str") + "/"
                 + pd.Series(kind_names[lcode[lk_of]], dtype="str") + "/"
                 + pd.Series(ordinal + 1).astype("str"))
    shared_ids = (pd.Series(kind_names[np.asarray(sh_kind, dtype=np.int64)], dtype="str") + "/"
                  + pd.Series(sh_ord_all + 1).astype("str"))
    ids = pd.concat([local_ids, shared_ids], ignore_index=True).astype("str")
    nbh = pd.Series(np.concatenate([nb_names[nb_of], np.full(n_actors - n_local, None)]),
                    dtype="str")
    cols: dict[str, Any] = {"id": ids, "kind": pd.Series(kind_names[kind_of], dtype="str"),
                            "neighbourhood": nbh}
    wbar = W.mean(axis=0)
    for attr in ("resolve", "entry"):
        T = _table(anchors, attr)
        per_nb = np.einsum("ja,akn->jkn", W, T)
        shared_t = np.einsum("a,akn->kn", wbar, T)
        vals = np.concatenate([per_nb[nb_of, kind_of[:n_local]], shared_t[kind_of[n_local:]]])
        for j, need in enumerate(NEEDS):
            cols[f"{attr}_{need}"] = vals[:, j]
    # ---- capacity (named defaults): every actor is sized from the residents it serves
    share = residents[mem_nb] / C[mem_nb, kind_of[mem_pos]]
    served = np.bincount(mem_pos, weights=share, minlength=n_actors)
    kind_str = kind_names[kind_of].astype(str)
    cols["servers"] = size_servers(kind_str, served)
    cols["service_rate"] = default_capacity(KINDS).loc[kind_str, "service_rate"].to_numpy()
    actors = pd.DataFrame(cols)
    ties = pd.DataFrame({
        "source": ids.to_numpy()[src], "target": ids.to_numpy()[tgt],
        "kind": pd.Series(np.asarray(TIE_KINDS, dtype=object)[tk], dtype="str"), "weight": w,
    })
    ties["source"] = ties["source"].astype("str")
    ties["target"] = ties["target"].astype("str")
    D = np.array([[p.demand.get(n, 0.0) for n in NEEDS] for p in anchors]).reshape(n_a, -1)
    demand = (W @ D) * residents[:, None] / 1000.0
    record = {**record, "demand": {str(nb): dict(zip(NEEDS, map(float, row), strict=True))
                                   for nb, row in zip(names, demand, strict=True)}}
    return Ecosystem(actors, ties, name=name, provenance=[record])
