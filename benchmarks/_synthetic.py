"""A large random typed ecosystem for benchmarks (vectorised; not a realistic generator).

Actors get kinds drawn in proportion to a rough Dutch neighbourhood mix and ~1,000 residents'
worth of actors per neighbourhood; ties join random pairs (preferring the same neighbourhood),
with kinds drawn from all five tie kinds and lognormal strengths. Self-loops and duplicates are
removed, so the tie count is a little under ``n_ties``.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from ecosystem import Schema

SCHEMA = Schema.default()


def frames(n_actors: int, n_ties: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Actors and ties DataFrames (string ids ``a0``, ``a1``, ...)."""
    rng = np.random.default_rng(seed)
    kinds = np.array(list(SCHEMA.actor_kinds))
    p = rng.dirichlet(np.ones(len(kinds)) * 2)
    ids = pd.Series(np.char.add("a", np.arange(n_actors).astype(str)), dtype="str")
    n_nb = max(1, n_actors // 40)
    nb = rng.integers(0, n_nb, n_actors)
    actors = pd.DataFrame({
        "id": ids,
        "kind": pd.Series(kinds[rng.choice(len(kinds), n_actors, p=p)], dtype="str"),
        "neighbourhood": pd.Series(np.char.add("nb", nb.astype(str)), dtype="str"),
    })
    # Two thirds of ties stay within the neighbourhood block (actors sorted by neighbourhood).
    order = np.argsort(nb, kind="stable")
    src = rng.integers(0, n_actors, n_ties)
    local = rng.random(n_ties) < 2 / 3
    jump = rng.integers(-40, 41, n_ties)
    rank = np.empty(n_actors, dtype=np.int64)
    rank[order] = np.arange(n_actors)
    tgt = np.where(local, order[np.clip(rank[src] + jump, 0, n_actors - 1)],
                   rng.integers(0, n_actors, n_ties))
    tie_kinds = np.array(list(SCHEMA.tie_kinds))
    kind = rng.choice(len(tie_kinds), n_ties, p=[0.5, 0.25, 0.1, 0.1, 0.05])
    mutual = np.array([not SCHEMA.tie_kinds[k].directed for k in tie_kinds])[kind]
    a = np.where(mutual, np.minimum(src, tgt), src)
    b = np.where(mutual, np.maximum(src, tgt), tgt)
    key = (kind.astype(np.int64) * n_actors + a) * n_actors + b
    keep = (src != tgt) & ~pd.Series(key).duplicated().to_numpy()
    ties = pd.DataFrame({
        "source": ids.to_numpy()[src[keep]],
        "target": ids.to_numpy()[tgt[keep]],
        "kind": pd.Series(tie_kinds[kind[keep]], dtype="str"),
        "weight": rng.lognormal(0, 0.5, int(keep.sum())),
    })
    ties["source"] = ties["source"].astype("str")
    ties["target"] = ties["target"].astype("str")
    return actors, ties


def timed(func, *args, repeat: int = 1, **kwargs):
    """(best wall-clock seconds over ``repeat`` runs, last result)."""
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = func(*args, **kwargs)
        best = min(best, time.perf_counter() - t0)
    return best, out
