"""Monte-Carlo referral flows: every resident walks the referral graph, vectorised with NumPy.

All walkers advance one hop per iteration. A walker at actor :math:`a` with need :math:`n`
draws :math:`u \\sim U(0, 1)` and is resolved when :math:`u < r(a, n)`; else it is stuck when
:math:`a` has no outgoing tie, exceeded when it has made ``max_hops`` referrals, and otherwise
picks the referral target by cumulative-weight sampling on :math:`a`'s CSR row: the first
stored pair :math:`j` of the row whose normalised cumulative value exceeds a fresh uniform,
found from a per-row guide table with a short forward search (see ``_Rows``); where the uniform
falls inside :math:`j`'s interval decides the handover (success with probability
:math:`h_{ab}`). The values are the tie weights times the target's suitability for the
walker's need (``routing="need"``: one table per need, built once per model) or the tie weights
alone (``routing="weight"``: one table).

A walker is one int64 key, ``(actor x needs + need) << 32 | resident``, never a Python
object. Walkers run in chunks of at most ``CHUNK`` (about two million), one chunk after the
other, so memory stays bounded whatever ``n_residents`` is. The keys are sorted every hop, so
walkers at the same actor sit together and every table lookup (resolve probabilities, ties,
guide tables) runs forward through memory; on large graphs this is what makes the walk fast
(random lookups into tables of tens of megabytes miss the cache). Finished walkers are counted
as they stop and dropped. The sampling tables depend on the model only and are built once per
model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ecosystem.core.errors import ConfigError
from ecosystem.core.random import Seed, as_generator
from ecosystem.flows.exact import HOP_ROWS, _doomed, _kind_indicator
from ecosystem.flows.result import (
    MAIN_OUTCOMES,
    OUTCOMES,
    FlowResult,
    build,
    neighbourhood_table,
)

__all__ = ["CHUNK", "STEPS_PER_RESIDENT", "simulate"]

# Outcome codes of a finished walker.
_APPROPRIATE, _ELSEWHERE, _STUCK, _LOST, _EXCEEDED = range(5)
_FLUSH = 1 << 23  # visit codes buffered before counting them (bounds memory)
_LOW = (1 << 32) - 1
#: Walkers simulated together; larger runs go chunk after chunk (bounded memory).
CHUNK = 1 << 21
#: Default cap on walker-steps per simulated resident (``max_steps``): a run whose residents
#: almost never finish (``max_hops=None`` or very large, resolve and loss near 0) stops with an
#: error instead of running without bound.
STEPS_PER_RESIDENT = 1000


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
             outcome: np.ndarray | int, hops: int, offset: int = 0) -> None:
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
            self.log.append(((key & _LOW) + offset, out, pos, hops))

    def flush(self) -> None:
        if self.resolved_codes:
            self.resolved += np.bincount(np.concatenate(self.resolved_codes),
                                         minlength=self.n * self.k)
        self.resolved_codes, self.buffered = [], 0


class _Rows:
    r"""Per-row sampling tables of the referral view (built once per model).

    ``cn`` is the normalised cumulative value within each CSR row (from the row's last entry
    with a positive value on, exactly 1). ``guide`` is a guide table (Chen and Asau 1974): a row
    of degree :math:`d` owns :math:`d` cells, and cell :math:`i` holds the first entry :math:`j`
    of the row with ``cn[j] > i / d``, so a draw :math:`u` starts at cell
    :math:`\lfloor u d \rfloor` and moves forward while ``cn[j] <= u`` (fewer than one move on
    average). The handover splits each entry's interval ``[cn[j-1], cn[j])`` at
    ``cn[j-1] + h_j (cn[j] - cn[j-1])``: the same uniform below it means the handover succeeds,
    which is independent of the choice of ``j`` and has probability :math:`h_j`.

    The values are the tie weights (one block) or, under need-aware routing, the tie weights
    times the target's suitability (the weights alone on fallback rows), one block per need
    stored one after the other: need ``k``'s tables start at ``k x nnz``.
    """

    def __init__(self, c) -> None:
        n = c.n
        degree = np.diff(c.indptr)
        rows = np.repeat(np.arange(n), degree)
        nnz = len(c.indices)
        if c.suit is None:
            values = c.weight[None, :]
        else:
            values = np.where(c.fallback[:, rows], c.weight[None, :],
                              c.weight[None, :] * c.suit[:, c.indices])
        blocks = values.shape[0]
        self.nnz = nnz
        self.itype = np.int32 if blocks * nnz < 2**31 - 1 and n < 2**31 - 1 else np.int64
        cn = np.empty(blocks * nnz)
        guide = np.empty(blocks * nnz, dtype=self.itype)
        for k in range(blocks):
            cn[k * nnz:(k + 1) * nnz], g = _row_tables(values[k], c.indptr, rows, degree)
            guide[k * nnz:(k + 1) * nnz] = g + k * nnz
        self.cn = cn
        self.guide = guide
        self.handover = c.handover
        self.start = c.indptr[:-1].astype(self.itype)
        self.degree = degree.astype(self.itype)
        self.target = c.indices.astype(self.itype)

    def pick(self, pos: np.ndarray, d: np.ndarray, u: np.ndarray, offset: np.ndarray | int
             ) -> tuple[np.ndarray, np.ndarray]:
        """(stored pair, handover succeeded) for each walker.

        The pair ``j`` of the walker's row with cn[j-1] <= u < cn[j] in its need's block
        (``offset`` = need x nnz, or 0); ``d`` = row degree > 0.
        """
        cell = (u * d).astype(self.itype)
        np.minimum(cell, d - 1, out=cell)
        first = self.start[pos]
        cell += first
        cell += offset
        j = self.guide[cell]
        cn = self.cn
        ahead = np.flatnonzero(cn[j] <= u)
        while len(ahead):  # short forward search from the guide cell
            j[ahead] += 1
            ahead = ahead[cn[j[ahead]] <= u[ahead]]
        edge = j - offset
        hi = cn[j]
        lo = np.where(edge == first, 0.0, cn[j - 1])
        h = self.handover[edge]
        ok = u < np.where(h >= 1.0, hi, lo + h * (hi - lo))
        return edge, ok


def _row_tables(values: np.ndarray, indptr: np.ndarray, rows: np.ndarray, degree: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
    """Normalised cumulative values per CSR row and the rows' guide table (see ``_Rows``)."""
    n = len(degree)
    full = degree > 0
    cum = np.cumsum(values)
    base = np.concatenate([[0.0], cum])[indptr[:-1]]
    total = np.bincount(rows, values, minlength=n)
    cn = (cum - base[rows]) / total[rows] if len(rows) else np.zeros(0)
    index = np.arange(len(values))
    if len(values) and (values <= 0).any():  # 1 from the row's last positive entry on
        last = np.maximum.reduceat(np.where(values > 0, index, -1), indptr[:-1][full])
        top = np.full(n, np.iinfo(np.int64).max)
        top[full] = last
        cn[index >= top[rows]] = 1.0
    else:
        cn[indptr[1:][full] - 1] = 1.0
    first = np.zeros(len(cn), dtype=bool)
    first[indptr[:-1][full]] = True
    previous = np.where(first, 0.0, np.concatenate([[0.0], cn[:-1]]))
    d = degree[rows].astype(np.float64)
    # Entry j starts cells ceil(cn[j-1] d) .. ceil(cn[j] d) - 1 of its row: d cells a row.
    cells = np.ceil(cn * d).astype(np.int64) - np.ceil(previous * d).astype(np.int64)
    return cn, np.repeat(index, cells)


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


def simulate(model, n_residents: int, *, seed: Seed = None, record: bool = False,
             max_steps: int | None = None, by_neighbourhood: bool = False) -> FlowResult:
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
        Also return one row per resident (:attr:`FlowResult.record`; its memory grows with
        ``n_residents``, the rest of the run's does not).
    max_steps
        Cap on the walker-steps of the whole call (``None``: :data:`STEPS_PER_RESIDENT` per
        simulated resident). Reached only when residents almost never finish (``max_hops=None``
        or very large with resolve and handover failure near 0); the run then stops with a
        :class:`~ecosystem.ConfigError` saying how many residents were still walking.
    by_neighbourhood
        Also simulate ``n_residents`` residents per need of each neighbourhood (entering at
        its actors and the shared ones, as in :meth:`ReferralModel.solve`) for
        :attr:`FlowResult.outcomes_by_neighbourhood`, with binomial standard errors. They are
        drawn after the residents of the main tables, so those do not change.

    Returns
    -------
    FlowResult
        ``solver="simulation"``. Fractions are shares of the simulated residents of each need,
        with binomial standard errors :math:`\\sqrt{p (1 - p) / m}` (:math:`m` =
        ``n_residents``); the hops distribution likewise; ``mean_hops`` has the standard error
        of a sample mean. ``per_actor`` holds the observed visits and resolutions per resident
        (no standard errors).

    Raises
    ------
    ConfigError
        A bad option, or the step cap reached.

    Notes
    -----
    With ``max_hops=None`` a walker that reaches an actor from which it can never finish (see
    :mod:`ecosystem.flows.exact`) is counted as exceeded there, as in the exact solver; every
    other walker finishes with probability 1. Throughput is reported as walker-steps: one
    iteration of one walker, including the one in which it finishes. Walkers run in chunks of
    :data:`CHUNK`, so the result for a seed does not depend on the machine.

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
    if max_steps is not None and (isinstance(max_steps, bool) or not isinstance(
            max_steps, int | np.integer) or max_steps < 1):
        raise ConfigError(f"simulate(): max_steps={max_steps!r} is not accepted; use an int "
                          ">= 1 or None")
    if not isinstance(by_neighbourhood, bool):
        raise ConfigError(f"simulate(): by_neighbourhood={by_neighbourhood!r} is not accepted; "
                          "use True or False")
    rng = as_generator(seed)
    c = model._compiled
    n, k_needs = c.n, len(c.needs)
    if n == 0:
        return _empty(model, n_residents, record)
    m = int(n_residents)
    if n * k_needs >= 2**31:
        raise ConfigError(
            f"simulate(): {n} actors x {k_needs} needs is too large (limit: 2**31 actor-need "
            "pairs)")
    if "rows" not in c.cache:
        c.cache["rows"] = _Rows(c)
    if "entry" not in c.cache:  # sampling tables depend on the model only: build them once
        c.cache["entry"] = [_guide(c.entry[k]) for k in range(k_needs)]
    size = k_needs * m
    run = _Run(model, record=record, cap=STEPS_PER_RESIDENT * size if max_steps is None
               else int(max_steps), size=size)
    entry_pos = np.empty(size if record else 0, dtype=np.int64)
    _walk_all(run, c.cache["entry"], m, rng, entry_pos if record else None)
    per_nb = _by_neighbourhood(model, m, rng, max_steps) if by_neighbourhood else None
    return _tables(model, run.walk, run.visits(), entry_pos, m, record, run.handovers(), per_nb)


def _walk_all(run: _Run, tables: list, m: int, rng: np.random.Generator,
              entry_pos: np.ndarray | None) -> None:
    """Walk ``m`` residents of every need whose entry table is not None, chunk by chunk."""
    k_needs = len(tables)
    size = k_needs * m
    for g0 in range(0, size, CHUNK):
        g1 = min(size, g0 + CHUNK)
        starts = np.full(g1 - g0, -1, dtype=np.int64)
        for k in range(g0 // m, (g1 - 1) // m + 1):  # one vectorised draw per need
            lo, hi = max(g0, k * m), min(g1, (k + 1) * m)
            if tables[k] is not None:
                starts[lo - g0:hi - g0] = _draw(tables[k], hi - lo, rng)
        if entry_pos is not None:
            entry_pos[g0:g1] = starts
        need = np.arange(g0, g1, dtype=np.int64) // m
        walking = starts >= 0
        run.chunk(starts[walking] * k_needs + need[walking], g0, rng)


def _by_neighbourhood(model, m: int, rng: np.random.Generator, max_steps: int | None
                      ) -> pd.DataFrame:
    """Simulated outcomes of ``m`` residents per need of each neighbourhood."""
    from ecosystem.flows.exact import _neighbourhood_entry

    c = model._compiled
    k_needs = len(c.needs)
    names, start, demand = _neighbourhood_entry(model)
    shares = np.full((len(OUTCOMES), len(names) * k_needs), np.nan)
    for i in range(len(names)):
        rows = start[i * k_needs:(i + 1) * k_needs]
        tables = [_guide(r) if np.isfinite(r.sum()) and r.sum() > 0 else None for r in rows]
        run = _Run(model, record=False, size=k_needs * m,
                   cap=STEPS_PER_RESIDENT * k_needs * m if max_steps is None else max_steps)
        _walk_all(run, tables, m, rng, None)
        walked = np.array([t is not None for t in tables])
        got = _outcome_counts(run.walk) / m
        shares[:, i * k_needs:(i + 1) * k_needs] = np.where(walked[None, :], got, np.nan)
    se = np.sqrt(shares * (1.0 - shares) / m)
    return neighbourhood_table(names, list(c.needs), shares, se, demand)


def _outcome_counts(walk: _Tally) -> np.ndarray:
    """Outcomes x needs counts, in :data:`OUTCOMES` order."""
    walk.flush()
    counts = walk.counts
    return np.vstack([counts[0], counts[1], walk.medicalised, counts[2], counts[3],
                      counts[4]]).astype(np.float64)


class _Run:
    """The walk of every chunk of walkers, with the counts they share."""

    def __init__(self, model, *, record: bool, cap: int, size: int) -> None:
        c = model._compiled
        self.model, self.c = model, c
        self.n, self.k_needs = c.n, len(c.needs)
        self.rows: _Rows = c.cache["rows"]
        self.hops_max = model.max_hops
        self.cap, self.size = cap, size
        # Actor-major copies (index actor x needs + need): walkers are sorted by actor, so the
        # needs of one actor sit together with the actor's ties in every sweep.
        self.resolve = np.ascontiguousarray(c.resolve.T).ravel()
        self.appropriate = np.ascontiguousarray(c.appropriate.T).ravel()
        doomed = _doomed(c) if self.hops_max is None else None
        self.doomed = None if doomed is None else np.ascontiguousarray(doomed.T).ravel()
        self.walk = _Tally(self.n, self.k_needs, np.ascontiguousarray(c.medicalised.T).ravel(),
                           record)
        self.counted = np.zeros(self.n * self.k_needs, dtype=np.int64)
        self.buffered: list[np.ndarray] = []
        self.pending = 0
        # Handovers by target (code = target x needs + need): walkers that entered, that
        # arrived where they circulate for ever (not in the visits) and failed handovers.
        self.entered = np.zeros(self.n * self.k_needs, dtype=np.int64)
        self.trapped = np.zeros(self.n * self.k_needs, dtype=np.int64)
        self.failed = np.zeros(self.n * self.k_needs, dtype=np.int64)
        self.failed_buffer: list[np.ndarray] = []
        self.failed_pending = 0

    def visits(self) -> np.ndarray:
        """Needs x actors visit counts."""
        self.flush()
        return self.counted.reshape(self.n, self.k_needs).T

    def handovers(self) -> tuple[np.ndarray, np.ndarray]:
        """Needs x actors counts of referral attempts to each actor and failed ones.

        A referral that arrives is a visit that is not an entry (plus arrivals where residents
        circulate for ever, which are not visits); attempts are arrivals and failures.
        """
        self.flush()
        arrived = self.counted + self.trapped - self.entered
        shape = (self.n, self.k_needs)
        return ((arrived + self.failed).reshape(shape).T, self.failed.reshape(shape).T)

    def flush(self) -> None:
        if self.buffered:
            self.counted += np.bincount(np.concatenate(self.buffered),
                                        minlength=self.n * self.k_needs)
        self.buffered, self.pending = [], 0
        if self.failed_buffer:
            self.failed += np.bincount(np.concatenate(self.failed_buffer),
                                       minlength=self.n * self.k_needs)
        self.failed_buffer, self.failed_pending = [], 0

    def chunk(self, code: np.ndarray, offset: int, rng: np.random.Generator) -> None:
        """Walk one chunk of walkers (``code`` = entry actor x needs + need) to the end."""
        k_needs, rows, walk, hops_max = self.k_needs, self.rows, self.walk, self.hops_max
        nnz = rows.nnz if self.c.suit is not None else 0
        # A walker's whole state is one int64 key: (actor x needs + need) << 32 | walker id.
        # Sorting the keys every hop orders walkers by actor, so every gather from the per-
        # actor and per-tie tables below runs forward through memory instead of at random.
        self.entered += np.bincount(code, minlength=self.n * k_needs)
        key = np.sort((code << 32) | np.arange(len(code), dtype=np.int64))
        k = 0
        while len(key):
            code = key >> 32
            pos = code // k_needs
            if self.doomed is not None:  # where nobody can finish: circulates for ever
                trapped = self.doomed[code]
                if trapped.any():
                    self.trapped += np.bincount(code[trapped], minlength=self.n * k_needs)
                    walk.stop(code[trapped], pos[trapped], key[trapped], _EXCEEDED, -1, offset)
                    keep = ~trapped
                    code, key, pos = code[keep], key[keep], pos[keep]
                    if not len(code):
                        break
            if walk.steps + len(code) > self.cap:
                raise self._capped(len(code), k, offset)
            walk.steps += len(code)
            self.buffered.append(code)
            self.pending += len(code)
            if self.pending >= _FLUSH:
                self.flush()
            resolved = rng.random(len(code)) < self.resolve[code]
            degree = rows.degree[pos]
            has_ties = degree > 0
            if hops_max is not None and k == hops_max:  # last hop: everyone finishes here
                outcome = np.where(resolved, np.where(self.appropriate[code], _APPROPRIATE,
                                                      _ELSEWHERE),
                                   np.where(has_ties, _EXCEEDED, _STUCK))
                walk.stop(code, pos, key, outcome, k, offset)
                break
            moving = has_ties & ~resolved
            done = np.flatnonzero(~moving)
            if len(done):
                outcome = np.where(resolved[done],
                                   np.where(self.appropriate[code[done]], _APPROPRIATE,
                                            _ELSEWHERE), _STUCK)
                walk.stop(code[done], pos[done], key[done], outcome, k, offset)
            w = np.flatnonzero(moving)
            u = rng.random(len(w))
            block = (code[w] - pos[w] * k_needs) * nnz if nnz else 0
            j, ok = rows.pick(pos[w], degree[w], u, block)
            if not ok.all():
                lost = w[~ok]
                walk.stop(code[lost], pos[lost], key[lost], _LOST, k, offset)
                # the target of each failed handover: code + (target - pos) x needs
                self.failed_buffer.append(code[lost] + (rows.target[j[~ok]] - pos[lost])
                                          * k_needs)
                self.failed_pending += len(lost)
                if self.failed_pending >= _FLUSH:
                    self.flush()
                w, j = w[ok], j[ok]
            # next code = target x needs + need = code + (target - pos) x needs, high half
            nxt = rows.target[j].astype(np.int64)
            nxt -= pos[w]
            nxt *= k_needs << 32
            nxt += key[w]
            key = np.sort(nxt)
            k += 1

    def _capped(self, walking: int, k: int, offset: int) -> ConfigError:
        limit = "None" if self.hops_max is None else f"{self.hops_max}"
        return ConfigError(
            f"simulate(): stopped at the step cap max_steps={self.cap:,} walker-steps: after "
            f"{k:,} referrals {walking:,} residents of a chunk of walkers (residents "
            f"{offset:,} onwards of {self.size:,}) were still walking with max_hops={limit}; "
            "residents here almost never finish (resolve and handover failure near 0 on a "
            "loop). Pass a finite or smaller max_hops, or a larger max_steps")


def _tables(model, walk: _Tally, visits: np.ndarray, entry_pos: np.ndarray, m: int,
            record: bool, handovers: tuple[np.ndarray, np.ndarray],
            per_nb: pd.DataFrame | None = None) -> FlowResult:
    c = model._compiled
    n, k_needs = c.n, len(c.needs)
    shares = _outcome_counts(walk) / m
    se = np.sqrt(shares * (1.0 - shares) / m)

    forever = walk.by_hops.pop(-1, np.zeros(k_needs, dtype=np.int64)) > 0
    top = (model.max_hops if model.max_hops is not None and model.max_hops <= HOP_ROWS
           else max(walk.by_hops, default=0))
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
                 n_residents=m, record=rec, walker_steps=walk.steps, by_neighbourhood=per_nb,
                 handovers=tuple((_kind_indicator(model) @ h.T) / m for h in handovers))


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
                 record=rec, walker_steps=0,
                 handovers=(np.zeros((len(model.ecosystem.schema.actor_kinds), k_needs)),) * 2)
