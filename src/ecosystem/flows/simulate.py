"""Monte-Carlo referral flows: every resident walks the referral graph, vectorised with NumPy.

All walkers advance one hop per iteration. A walker at actor :math:`a` with need :math:`n`
draws :math:`u \\sim U(0, 1)` and is resolved when :math:`u < r(a, n)`; else it is stuck when
:math:`a` has no outgoing tie, exceeded when it has made ``max_hops`` referrals, and otherwise
picks the referral target by cumulative-weight sampling on :math:`a`'s CSR row: the first
stored pair :math:`j` of the row whose normalised cumulative weight exceeds a fresh uniform,
found from a per-row guide table with a short forward search (see ``_Rows``); where the uniform
falls inside :math:`j`'s interval decides the handover (success with probability
:math:`h_{ab}`).

A walker is one int64 key, ``(actor x needs + need) << 32 | resident``, never a Python
object. The keys are sorted every hop, so walkers at the same actor sit together and every
table lookup (resolve probabilities, ties, guide tables) runs forward through memory; on large
graphs this is what makes the walk fast (random lookups into tables of tens of megabytes miss
the cache). Finished walkers are counted as they stop and dropped. The sampling tables depend
on the model only and are built once per model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ecosystem.core.errors import ConfigError
from ecosystem.core.random import Seed, as_generator
from ecosystem.flows.exact import _doomed
from ecosystem.flows.result import MAIN_OUTCOMES, FlowResult, build

__all__ = ["simulate"]

# Outcome codes of a finished walker.
_APPROPRIATE, _ELSEWHERE, _STUCK, _LOST, _EXCEEDED = range(5)
_FLUSH = 1 << 24  # visit codes buffered before counting them (bounds memory)
_LOW = (1 << 32) - 1


class _Tally:
    """Counts of finished walkers, gathered as they stop (and a per-walker log for a record).

    Walkers stop in chunks sorted by (actor, need); ``code = actor x needs + need``, so the
    per-(actor, need) tables they touch are read and written in order.
    """

    def __init__(self, n: int, k_needs: int, medicalised: np.ndarray, record: bool) -> None:
        self.n, self.k = n, k_needs
        self.medicalised_flat = medicalised  # actor-major, indexed by code
        self.counts = np.zeros((5, k_needs), dtype=np.int64)
        self.medicalised = np.zeros(k_needs, dtype=np.int64)
        self.by_hops: dict[int, np.ndarray] = {}  # hops -> finished per need (-1: for ever)
        self.resolved = np.zeros(n * k_needs, dtype=np.int64)
        self.resolved_codes: list[np.ndarray] = []
        self.buffered = 0
        self.steps = 0
        self.log: list[tuple[np.ndarray, np.ndarray, np.ndarray, int]] | None = (
            [] if record else None)

    def stop(self, code: np.ndarray, pos: np.ndarray, key: np.ndarray,
             outcome: np.ndarray | int, hops: int) -> None:
        if not len(code):
            return
        k = self.k
        need = code - pos * k
        if np.ndim(outcome) == 0:
            self.counts[outcome] += np.bincount(need, minlength=k)
        else:
            self.counts += np.bincount(outcome * k + need, minlength=5 * k).reshape(5, k)
            done = outcome <= _ELSEWHERE
            resolved = code[done]
            self.resolved_codes.append(resolved)
            self.buffered += len(resolved)
            if self.buffered >= _FLUSH:
                self.flush()
            elsewhere = outcome == _ELSEWHERE
            medical = self.medicalised_flat[code[elsewhere]]
            self.medicalised += np.bincount(need[elsewhere][medical], minlength=k)
        per_need = np.bincount(need, minlength=k)
        self.by_hops[hops] = self.by_hops.get(hops, 0) + per_need
        if self.log is not None:
            out = np.broadcast_to(np.int8(outcome), code.shape) if np.ndim(outcome) == 0 \
                else np.asarray(outcome).astype(np.int8)
            self.log.append((key & _LOW, out, pos, hops))

    def flush(self) -> None:
        if self.resolved_codes:
            self.resolved += np.bincount(np.concatenate(self.resolved_codes),
                                         minlength=self.n * self.k)
        self.resolved_codes, self.buffered = [], 0


class _Rows:
    r"""Per-row sampling tables of the referral view (built once per simulation).

    ``cn`` is the normalised cumulative weight within each CSR row (the row's last entry is
    exactly 1). ``guide`` is a guide table (Chen and Asau 1974): a row of degree :math:`d` owns
    :math:`d` cells, and cell :math:`i` holds the first entry :math:`j` of the row with
    ``cn[j] > i / d``, so a draw :math:`u` starts at cell :math:`\lfloor u d \rfloor` and
    moves forward while ``cn[j] <= u`` (fewer than one move on average). ``success`` splits
    each entry's interval ``[cn[j-1], cn[j])`` at ``cn[j-1] + h_j (cn[j] - cn[j-1])``: the same
    uniform below it means the handover succeeds, which is independent of the choice of ``j``
    and has probability :math:`h_j`.
    """

    def __init__(self, c) -> None:
        n = c.n
        degree = np.diff(c.indptr)
        rows = np.repeat(np.arange(n), degree)
        cum = np.cumsum(c.weight)
        base = np.concatenate([[0.0], cum])[c.indptr[:-1]]
        total = np.bincount(rows, c.weight, minlength=n)
        cn = (cum - base[rows]) / total[rows] if len(rows) else np.zeros(0)
        cn[c.indptr[1:][degree > 0] - 1] = 1.0
        first = np.zeros(len(cn), dtype=bool)
        first[c.indptr[:-1][degree > 0]] = True
        previous = np.where(first, 0.0, np.concatenate([[0.0], cn[:-1]]))
        d = degree[rows].astype(np.float64)
        # Entry j starts cells ceil(cn[j-1] d) .. ceil(cn[j] d) - 1 of its row: d cells a row.
        cells = np.ceil(cn * d).astype(np.int64) - np.ceil(previous * d).astype(np.int64)
        # 32-bit positions where they fit: half the memory traffic of the random gathers.
        self.itype = np.int32 if len(cn) < 2**31 - 1 and n < 2**31 - 1 else np.int64
        self.guide = np.repeat(np.arange(len(cn), dtype=self.itype), cells)
        self.cn = cn
        self.success = np.where(c.handover >= 1.0, cn, previous + c.handover * (cn - previous))
        self.start = c.indptr[:-1].astype(self.itype)
        self.degree = degree.astype(self.itype)
        self.target = c.indices.astype(self.itype)

    def pick(self, pos: np.ndarray, d: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Entry j of each walker's row with cn[j-1] <= u < cn[j]; ``d`` = row degree > 0."""
        cell = (u * d).astype(self.itype)
        np.minimum(cell, d - 1, out=cell)
        cell += self.start[pos]
        j = self.guide[cell]
        ahead = np.flatnonzero(self.cn[j] <= u)
        while len(ahead):  # short forward search from the guide cell
            j[ahead] += 1
            ahead = ahead[self.cn[j[ahead]] <= u[ahead]]
        return j


def _guide(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Normalised cumulative weights and their guide table (as in ``_Rows``, for one row)."""
    n = len(weights)
    cn = np.cumsum(weights)
    cn /= cn[-1]
    last = int(np.flatnonzero(weights > 0)[-1])
    cn[last:] = 1.0
    previous = np.concatenate([[0.0], cn[:-1]])
    cells = np.ceil(cn * n).astype(np.int64) - np.ceil(previous * n).astype(np.int64)
    return cn, np.repeat(np.arange(n, dtype=np.int64), cells)


def _draw(table: tuple[np.ndarray, np.ndarray], m: int, rng: np.random.Generator
          ) -> np.ndarray:
    """``m`` actors drawn with probability proportional to the weights behind ``table``.

    Cumulative-weight sampling with a guide table over the n actors: the first j with
    ``cn[j] > u``, found from cell ``floor(u n)`` by a short forward search. Actors of weight
    0 are never drawn.
    """
    cn, guide = table
    n = len(cn)
    u = rng.random(m)
    j = guide[np.minimum((u * n).astype(np.int64), n - 1)]
    ahead = np.flatnonzero(cn[j] <= u)
    while len(ahead):
        j[ahead] += 1
        ahead = ahead[cn[j[ahead]] <= u[ahead]]
    return j


def simulate(  # noqa: C901
    model, n_residents: int, *, seed: Seed = None, record: bool = False
) -> FlowResult:
    """Simulate ``n_residents`` residents per need through a :class:`ReferralModel`.

    Parameters
    ----------
    model
        The referral model.
    n_residents
        Residents per need (int >= 1); walkers start at actors drawn from :math:`e_n`.
    seed
        Seed for :func:`ecosystem.core.random.as_generator`; the same seed gives the same result.
    record
        Also return one row per resident (:attr:`FlowResult.record`).

    Returns
    -------
    FlowResult
        ``solver="simulation"``. Fractions are shares of the simulated residents of each need,
        with binomial standard errors :math:`\\sqrt{p (1 - p) / m}` (:math:`m` =
        ``n_residents``); the hops distribution likewise; ``mean_hops`` has the standard error
        of a sample mean. ``per_actor`` holds the observed visits and resolutions per resident
        (no standard errors).

    Notes
    -----
    With ``max_hops=None`` a walker that reaches an actor from which it can never finish (see
    :mod:`ecosystem.flows.exact`) is counted as exceeded there, as in the exact solver; every
    other walker finishes with probability 1. Throughput is reported as walker-steps: one
    iteration of one walker, including the one in which it finishes.

    Examples
    --------
    >>> from ecosystem import datasets
    >>> from ecosystem.flows import ReferralModel
    >>> model = ReferralModel(datasets.example())
    >>> sim = model.simulate(20_000, seed=7)
    >>> exact = model.solve()
    >>> z = ((sim.outcomes["fraction"] - exact.outcomes["fraction"]).abs()
    ...      / sim.outcomes["se"].where(sim.outcomes["se"] > 0))
    >>> bool(z.max() < 5)
    True
    """
    if isinstance(n_residents, bool) or not isinstance(n_residents, int | np.integer) \
            or n_residents < 1:
        raise ConfigError(
            f"simulate(): n_residents={n_residents!r} is not accepted; use an int >= 1 "
            "(residents per need)")
    rng = as_generator(seed)
    c = model._compiled
    n, k_needs = c.n, len(c.needs)
    if n == 0:
        return _empty(model, n_residents, record)
    m = int(n_residents)
    hops_max = model.max_hops
    if "rows" not in c.cache:
        c.cache["rows"] = _Rows(c)
    rows = c.cache["rows"]
    # Actor-major copies (index actor x needs + need): walkers are sorted by actor, so the
    # needs of one actor sit together with the actor's ties in every sweep.
    resolve = np.ascontiguousarray(c.resolve.T).ravel()
    appropriate = np.ascontiguousarray(c.appropriate.T).ravel()
    doomed = _doomed(c, (1.0 - c.resolve) * (~c.sink)[None, :]) if hops_max is None else None
    doomed_flat = None if doomed is None else np.ascontiguousarray(doomed.T).ravel()

    # Entry: residents of need k start at actors drawn from e_k (guide-table sampling).
    size = k_needs * m
    if size >= 2**32 or n * k_needs >= 2**31:
        raise ConfigError(
            f"simulate(): {size} walkers on {n} actors x {k_needs} needs is too large for one "
            "call (limits: 2**32 walkers, 2**31 actor-need pairs); simulate in batches")
    entry_pos = np.empty(size, dtype=np.int64)
    if "entry" not in c.cache:  # sampling tables depend on the model only: build them once
        c.cache["entry"] = [_guide(c.entry[k]) for k in range(k_needs)]
    for k in range(k_needs):  # one vectorised draw per need
        entry_pos[k * m:(k + 1) * m] = _draw(c.cache["entry"][k], m, rng)
    # A walker's whole state is one int64 key: (actor x needs + need) << 32 | walker id.
    # Sorting the keys every hop orders walkers by actor, so every gather from the per-actor
    # and per-tie tables below runs forward through memory instead of jumping at random.
    walker = np.arange(size, dtype=np.int64)
    code = entry_pos * k_needs + walker // m
    key = np.sort((code << 32) | walker)
    walk = _Tally(n, k_needs, np.ascontiguousarray(c.medicalised.T).ravel(), record)
    visits = np.zeros(n * k_needs, dtype=np.int64)
    buffered: list[np.ndarray] = []
    size = 0
    k = 0
    while len(key):
        code = key >> 32
        pos = code // k_needs
        if doomed_flat is not None:  # where nobody can finish: circulates for ever
            trapped = doomed_flat[code]
            if trapped.any():
                walk.stop(code[trapped], pos[trapped], key[trapped], _EXCEEDED, -1)
                keep = ~trapped
                code, key, pos = code[keep], key[keep], pos[keep]
                if not len(code):
                    break
        walk.steps += len(code)
        buffered.append(code)
        size += len(code)
        if size >= _FLUSH:
            visits += np.bincount(np.concatenate(buffered), minlength=n * k_needs)
            buffered, size = [], 0
        resolved = rng.random(len(code)) < resolve[code]
        degree = rows.degree[pos]
        has_ties = degree > 0
        if hops_max is not None and k == hops_max:  # last hop: everyone finishes here
            outcome = np.where(resolved, np.where(appropriate[code], _APPROPRIATE, _ELSEWHERE),
                               np.where(has_ties, _EXCEEDED, _STUCK))
            walk.stop(code, pos, key, outcome, k)
            break
        moving = has_ties & ~resolved
        done = np.flatnonzero(~moving)
        if len(done):
            outcome = np.where(resolved[done],
                               np.where(appropriate[code[done]], _APPROPRIATE, _ELSEWHERE),
                               _STUCK)
            walk.stop(code[done], pos[done], key[done], outcome, k)
        w = np.flatnonzero(moving)
        u = rng.random(len(w))
        j = rows.pick(pos[w], degree[w], u)
        ok = u < rows.success[j]
        if not ok.all():
            lost = w[~ok]
            walk.stop(code[lost], pos[lost], key[lost], _LOST, k)
            w, j = w[ok], j[ok]
        # next code = target x needs + need = code + (target - pos) x needs, in the high half
        nxt = rows.target[j].astype(np.int64)
        nxt -= pos[w]
        nxt *= k_needs << 32
        nxt += key[w]
        key = np.sort(nxt)
        k += 1
    if buffered:
        visits += np.bincount(np.concatenate(buffered), minlength=n * k_needs)
    return _tables(model, walk, visits.reshape(n, k_needs).T, entry_pos, m, record)


def _tables(model, walk: _Tally, visits: np.ndarray, entry_pos: np.ndarray, m: int,
            record: bool) -> FlowResult:
    c = model._compiled
    n, k_needs = c.n, len(c.needs)
    walk.flush()
    counts = walk.counts
    shares = np.vstack([counts[0], counts[1], walk.medicalised, counts[2], counts[3],
                        counts[4]]) / m
    se = np.sqrt(shares * (1.0 - shares) / m)

    forever = walk.by_hops.pop(-1, np.zeros(k_needs, dtype=np.int64)) > 0
    top = max(walk.by_hops, default=0) if model.max_hops is None else model.max_hops
    hop_counts = np.zeros((top + 1, k_needs))
    for h, per_need in walk.by_hops.items():
        hop_counts[h] = per_need
    hops = hop_counts / m
    hops_se = np.sqrt(hops * (1.0 - hops) / m)
    steps = np.arange(top + 1, dtype=np.float64)
    total = steps @ hop_counts
    squares = (steps * steps) @ hop_counts
    mean = np.where(forever, np.inf, total / m)
    with np.errstate(invalid="ignore", divide="ignore"):
        variance = np.maximum(squares - total * total / m, 0.0) / (m - 1)
        mean_se = np.where(forever | (m < 2), np.nan, np.sqrt(variance / m))

    load = visits / m
    rec = None
    if record:  # back into resident order: one scatter per column
        empty = np.zeros(0, dtype=np.int64)
        log = walk.log or [(empty, empty.astype(np.int8), empty, 0)]
        walker = np.concatenate([x[0] for x in log])
        outcome = np.concatenate([x[1] for x in log])
        final = np.concatenate([x[2] for x in log])
        hops_of = np.concatenate([np.full(len(x[0]), x[3], dtype=np.int64) for x in log])
        order = np.empty(len(walker), dtype=np.int64)
        order[walker] = np.arange(len(walker))
        need = np.repeat(np.arange(k_needs), m)
        final = final[order]
        outcome = outcome[order].astype(np.int64)
        medical = c.medicalised.ravel()[need * n + final] & (outcome == _ELSEWHERE)
        ids = model.ecosystem.index.to_numpy()
        rec = pd.DataFrame({
            "need": pd.Categorical.from_codes(need, categories=pd.Index(list(c.needs))),
            "entry_id": pd.Series(ids[entry_pos], dtype="str"),
            "hops": hops_of[order],
            "outcome": pd.Categorical.from_codes(outcome,
                                              categories=pd.Index(list(MAIN_OUTCOMES))),
            "final_id": pd.Series(ids[final], dtype="str"),
            "medicalised": medical,
        })
        rec.index.name = "resident"
    return build(model, fractions=shares, fractions_se=se, hops=hops, hops_se=hops_se,
                 mean_hops=mean, mean_hops_se=mean_se, load=load,
                 resolved=walk.resolved.reshape(n, k_needs).T / m, solver="simulation",
                 n_residents=m, record=rec, walker_steps=walk.steps)


def _empty(model, m: int, record: bool) -> FlowResult:
    k_needs = len(model.needs)
    nan = np.full((6, k_needs), np.nan)
    rec = None
    if record:
        rec = pd.DataFrame({"need": pd.Categorical([], categories=list(model.needs)),
                            "entry_id": pd.Series([], dtype="str"),
                            "hops": np.zeros(0, dtype=np.int64),
                            "outcome": pd.Categorical([], categories=list(MAIN_OUTCOMES)),
                            "final_id": pd.Series([], dtype="str"),
                            "medicalised": np.zeros(0, dtype=bool)})
        rec.index.name = "resident"
    return build(model, fractions=nan, fractions_se=nan, hops=np.full((1, k_needs), np.nan),
                 hops_se=np.full((1, k_needs), np.nan), mean_hops=np.full(k_needs, np.nan),
                 mean_hops_se=np.full(k_needs, np.nan), load=np.zeros((k_needs, 0)),
                 resolved=np.zeros((k_needs, 0)), solver="simulation", n_residents=m,
                 record=rec, walker_steps=0)
