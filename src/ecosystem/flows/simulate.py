"""Monte-Carlo referral flows: every resident walks the referral graph, vectorised with NumPy.

All walkers advance one hop per iteration. A walker at actor :math:`a` with need :math:`n`
draws :math:`u \\sim U(0, 1)` and is resolved when :math:`u < r(a, n)`; else it is stuck when
:math:`a` has no outgoing tie, exceeded when it has made ``max_hops`` referrals, and otherwise
picks the referral target by cumulative-weight sampling on :math:`a`'s CSR row: the first
stored pair :math:`j` of the row whose normalised cumulative weight exceeds a fresh uniform,
found from a per-row guide table with a short forward search (see ``_Rows``); where the uniform
falls inside :math:`j`'s interval decides the handover (success with probability
:math:`h_{ab}`). A walker is a position in a few NumPy arrays, never a Python
object, and finished walkers are dropped each iteration.
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


class _Walk:
    """The finished state of every walker, filled in as walkers stop."""

    def __init__(self, size: int) -> None:
        self.outcome = np.full(size, -1, dtype=np.int8)
        self.final = np.zeros(size, dtype=np.int64)
        self.hops = np.zeros(size, dtype=np.int64)
        self.steps = 0

    def stop(self, walker: np.ndarray, outcome: np.ndarray | int, final: np.ndarray, hops: int
             ) -> None:
        self.outcome[walker] = outcome
        self.final[walker] = final
        self.hops[walker] = hops


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
        self.guide = np.repeat(np.arange(len(cn), dtype=np.int64), cells)
        self.cn = cn
        self.success = previous + c.handover * (cn - previous)
        self.start = c.indptr[:-1].astype(np.int64)
        self.degree = degree.astype(np.int64)

    def pick(self, pos: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Entry j of each walker's row with cn[j-1] <= u < cn[j] (rows must be non-empty)."""
        d = self.degree[pos]
        j = self.guide[self.start[pos] + np.minimum((u * d).astype(np.int64), d - 1)]
        ahead = np.flatnonzero(self.cn[j] <= u)
        while len(ahead):  # short forward search from the guide cell
            j[ahead] += 1
            ahead = ahead[self.cn[j[ahead]] <= u[ahead]]
        return j


def simulate(model, n_residents: int, *, seed: Seed = None, record: bool = False
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
    rows = _Rows(c)
    resolve = c.resolve.ravel()
    doomed = _doomed(c, (1.0 - c.resolve) * (~c.sink)[:, None]) if hops_max is None else None
    doomed_flat = None if doomed is None else doomed.ravel()

    # Entry: residents of need k start at actors drawn from e_k by cumulative-weight sampling
    # with sorted uniforms (normalised sums of exponentials are the order statistics of m
    # uniforms), which makes the search cache-friendly; residents are exchangeable.
    need = np.repeat(np.arange(k_needs, dtype=np.int64), m)
    pos = np.empty(k_needs * m, dtype=np.int64)
    for k in range(k_needs):  # one vectorised draw per need
        cum = np.cumsum(c.entry[:, k])
        spacings = np.cumsum(rng.exponential(size=m + 1))
        u = spacings[:-1] / spacings[-1] * cum[-1]
        pos[k * m:(k + 1) * m] = np.minimum(np.searchsorted(cum, u, side="right"), n - 1)
    entry_pos = pos.copy()
    walker = np.arange(k_needs * m)
    walk = _Walk(k_needs * m)
    visits = np.zeros(n * k_needs, dtype=np.int64)
    buffered: list[np.ndarray] = []
    size = 0
    if doomed_flat is not None:  # entering where nobody can finish: circulates for ever
        code = pos * k_needs + need
        trapped = doomed_flat[code]
        walk.stop(walker[trapped], _EXCEEDED, pos[trapped], -1)
        keep = ~trapped
        walker, pos, need = walker[keep], pos[keep], need[keep]

    k = 0
    while len(walker):
        walk.steps += len(walker)
        code = pos * k_needs + need
        buffered.append(code)
        size += len(code)
        if size >= _FLUSH:
            visits += np.bincount(np.concatenate(buffered), minlength=n * k_needs)
            buffered, size = [], 0
        resolved = rng.random(len(walker)) < resolve[code]
        degree = rows.degree[pos]
        moving = ~resolved & (degree > 0)
        if hops_max is not None and k == hops_max:
            outcome = np.where(moving, _EXCEEDED, _STUCK)
        else:
            outcome = np.full(len(walker), _STUCK, dtype=np.int8)
        outcome[resolved] = np.where(c.appropriate.ravel()[code[resolved]], _APPROPRIATE,
                                     _ELSEWHERE)
        if hops_max is not None and k == hops_max:
            walk.stop(walker, outcome, pos, k)
            break
        done = np.flatnonzero(~moving)
        walk.stop(walker[done], outcome[done], pos[done], k)
        w = np.flatnonzero(moving)
        u = rng.random(len(w))
        j = rows.pick(pos[w], u)
        ok = u < rows.success[j]
        lost = w[~ok]
        walk.stop(walker[lost], _LOST, pos[lost], k)
        w, j = w[ok], j[ok]
        walker, pos, need = walker[w], c.indices[j].astype(np.int64), need[w]
        k += 1
        if doomed_flat is not None and len(walker):
            trapped = doomed_flat[pos * k_needs + need]
            if trapped.any():
                walk.stop(walker[trapped], _EXCEEDED, pos[trapped], -1)
                keep = ~trapped
                walker, pos, need = walker[keep], pos[keep], need[keep]
    if buffered:
        visits += np.bincount(np.concatenate(buffered), minlength=n * k_needs)
    return _tables(model, walk, visits.reshape(n, k_needs), entry_pos, m, record)


def _tables(model, walk: _Walk, visits: np.ndarray, entry_pos: np.ndarray, m: int,
            record: bool) -> FlowResult:
    c = model._compiled
    n, k_needs = c.n, len(c.needs)
    need = np.repeat(np.arange(k_needs), m)
    outcome = walk.outcome.astype(np.int64)
    counts = np.zeros((5, k_needs))
    np.add.at(counts, (outcome, need), 1.0)
    medical = c.medicalised.ravel()[walk.final * k_needs + need] & (outcome == _ELSEWHERE)
    medicalised = np.bincount(need[medical], minlength=k_needs).astype(np.float64)
    shares = np.vstack([counts[0], counts[1], medicalised, counts[2], counts[3], counts[4]]) / m
    se = np.sqrt(shares * (1.0 - shares) / m)

    finite = walk.hops >= 0  # -1: circulates for ever (max_hops=None)
    top = int(walk.hops.max(initial=0))
    hop_counts = np.zeros((top + 1, k_needs))
    np.add.at(hop_counts, (walk.hops[finite], need[finite]), 1.0)
    hops = hop_counts / m
    hops_se = np.sqrt(hops * (1.0 - hops) / m)
    mean = np.full(k_needs, np.inf)
    mean_se = np.zeros(k_needs)
    for k in range(k_needs):  # per need (few), over residents vectorised
        h = walk.hops[k * m:(k + 1) * m]
        if (h >= 0).all():
            mean[k] = h.mean()
            mean_se[k] = h.std(ddof=1) / np.sqrt(m) if m > 1 else np.nan
        else:
            mean_se[k] = np.nan

    load = visits / m
    resolved = np.zeros(n * k_needs)
    done = outcome <= _ELSEWHERE
    np.add.at(resolved, walk.final[done] * k_needs + need[done], 1.0)
    rec = None
    if record:
        ids = model.ecosystem.index.to_numpy()
        rec = pd.DataFrame({
            "need": pd.Categorical.from_codes(need, categories=list(c.needs)),
            "entry_id": pd.Series(ids[entry_pos], dtype="str"),
            "hops": walk.hops,
            "outcome": pd.Categorical.from_codes(outcome, categories=list(MAIN_OUTCOMES)),
            "final_id": pd.Series(ids[walk.final], dtype="str"),
            "medicalised": medical,
        })
        rec.index.name = "resident"
    result = build(model, fractions=shares, fractions_se=se, hops=hops, hops_se=hops_se,
                   mean_hops=mean, mean_hops_se=mean_se, load=load,
                   resolved=resolved.reshape(n, k_needs) / m, solver="simulation",
                   n_residents=m, record=rec, walker_steps=walk.steps)
    return result


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
                 mean_hops_se=np.full(k_needs, np.nan), load=np.zeros((0, k_needs)),
                 resolved=np.zeros((0, k_needs)), solver="simulation", n_residents=m,
                 record=rec, walker_steps=0)
