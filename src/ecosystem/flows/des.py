r"""Discrete-event simulation of the referral network with limited capacity.

The same network as :mod:`ecosystem.flows.queueing`: residents with need :math:`n` arrive as a
Poisson process at rate :math:`D_n` per year (per neighbourhood with a demand table, entering at
that neighbourhood's actors and the shared ones); an actor has ``servers`` parallel servers and
a first-come-first-served queue; after service the resident is resolved, stuck, lost, exceeds
the hop limit or is referred on, with the probabilities of
:class:`~ecosystem.flows.ReferralModel` (one uniform draw per visit). Beyond theory it handles

- ``service``: ``"exponential"`` (the M/M/c of theory), ``"deterministic"`` or
  ``"lognormal"`` (mean :math:`1/\mu`, coefficient of variation ``service_cv``);
- ``patience``: a resident who has waited that long in one queue leaves (outcome
  ``abandoned``); with a fixed patience and FIFO queues, residents abandon in queue order, so the
  simulator removes them when a server frees or at the horizon, at the exact abandonment time;
- ``seasonality``: demand that varies over the year, by thinning (Lewis and Shedler, "Simulation
  of nonhomogeneous Poisson processes by thinning", Naval Research Logistics Quarterly, 1979).

The event loop (compiled with numba, :mod:`ecosystem.flows._desloop`) is a binary heap of
service completions merged with the pre-drawn, time-sorted external arrivals; random numbers are
drawn in blocks from the seeded generator; everything else (warm-up, confidence intervals,
per-need sums) is computed afterwards with NumPy from the per-visit log.

**Cost.** A call costs a fixed amount per event (the loop, then NumPy passes over the visit
log) plus work per network: the first call on a model also solves the exact arrival rates
(for ``stable``, and to number the actors busiest first in the loop's tables) and builds the
routing tables. Both are cached on the model, so replications of one model with other seeds
skip them: build the model once and vary the seed. ``benchmarks/bench_queue.py`` reports the
three readings (events alone, a replication, a first call) on networks of 50 to 10,000 actors.

**Warm-up.** By default the MSER-5 rule (White, "An effective truncation heuristic for bias
reduction in simulation output", Simulation, 1997; White, Cobb and Spratt, Winter Simulation
Conference, 2000) on the series of per-visit waits in order of arrival: batches of 5, truncation
point :math:`d` minimising :math:`\sum_{j > d} (\bar z_j - \bar z_{(d)})^2 / (m - d)^2` over the
first half of the run. Observations that start before the warm-up time are discarded.

**Confidence intervals.** Batch means (Schmeiser, "Batch size effects in the analysis of
simulation output", Operations Research, 1982): the period after the warm-up is cut into
:data:`BATCHES` equal batches of time; each mean is computed per batch, and the interval is
:math:`\bar x \pm t_{B-1} s_B / \sqrt B` over the :math:`B` batches with observations. Waits per
visit are batched by arrival time; per-need waits per resident, summed over its visits, are
batched by the resident's arrival and count residents who left by the horizon (an abandoned
resident counts with the time it waited); time averages (utilisation, queue length) and rates
are integrated per batch.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ecosystem.core.errors import ConfigError
from ecosystem.core.random import Seed, as_generator
from ecosystem.flows.capacity import resolve_capacity
from ecosystem.flows.queueing import QueueResult, demand_parts, mmc, visits

__all__ = ["BATCHES", "OUTCOMES", "mser5", "simulate_queue"]

#: Number of batches of the batch-means confidence intervals.
BATCHES = 20
#: Residents' outcomes, by code 0..5.
OUTCOMES = ("in_system", "resolved", "stuck", "lost", "exceeded", "abandoned")
_SERVICES = ("exponential", "deterministic", "lognormal")
_BLOCK = 1 << 15  # random numbers drawn per block


def mser5(series: np.ndarray) -> int:
    """MSER-5 truncation: the number of leading observations to discard.

    Parameters
    ----------
    series
        Output observations in time order.

    Returns
    -------
    int
        A multiple of 5, at most half the series.

    Examples
    --------
    A series that starts high and settles: the transient is cut.

    >>> import numpy as np
    >>> from ecosystem.flows.des import mser5
    >>> x = np.r_[np.linspace(10, 1, 50), np.ones(450) + np.tile([0.1, -0.1], 225)]
    >>> mser5(x)
    50
    """
    x = np.asarray(series, dtype=np.float64)
    m = len(x) // 5
    if m < 4:
        return 0
    z = x[: m * 5].reshape(m, 5).mean(axis=1)
    # Sums over the tail z[d:], for every d, from the end.
    s1 = np.cumsum(z[::-1])[::-1]
    s2 = np.cumsum((z * z)[::-1])[::-1]
    k = np.arange(m, 0, -1, dtype=np.float64)  # m - d
    sse = s2 - s1 * s1 / k
    stat = sse / (k * k)
    half = m // 2
    d = int(np.argmin(stat[: half + 1]))
    return 5 * d


def simulate_queue(
    model,
    horizon: float,
    *,
    servers: object = None,
    service_rate: object = None,
    warmup: float | None = None,
    seed: Seed = None,
    service: str = "exponential",
    service_cv: float = 1.0,
    patience: float | None = None,
    seasonality: object = None,
    level: float = 0.95,
    record: bool = False,
) -> QueueResult:
    """Simulate the referral network with limited capacity (see the module docstring).

    Parameters
    ----------
    model
        A :class:`~ecosystem.flows.ReferralModel` with a demand.
    horizon
        Simulated time in years (> 0, and > ``warmup``).
    servers, service_rate
        Overrides of the actors' capacity (see :mod:`ecosystem.flows.capacity`).
    warmup
        Years discarded at the start; ``None`` picks it by MSER-5 from the run; ``0`` keeps
        everything.
    seed
        Random seed (int, Generator, SeedSequence or None). Same seed, same numbers.
    service
        Service-time distribution: ``"exponential"``, ``"deterministic"`` or ``"lognormal"``,
        each with mean :math:`1/\\mu`.
    service_cv
        Coefficient of variation of lognormal service times (> 0).
    patience
        Longest wait in one queue, in years, before a resident leaves (``abandoned``);
        ``None``: residents wait as long as it takes.
    seasonality
        Demand that varies over the year, as a multiplier of the demand: a callable
        ``f(t) -> multipliers`` (vectorised over an array of times in years, values >= 0), a
        Series indexed by the start of each period as a fraction of the year (first 0,
        increasing, below 1; piecewise constant, repeating every year), or a DataFrame with that
        index and one column per need (needs it does not list keep multiplier 1). ``None``: a
        constant rate.
    level
        Confidence level of the batch-means intervals, in (0, 1).
    record
        Keep the per-visit log (``QueueResult.record``).

    Returns
    -------
    QueueResult
        ``method="simulation"``.

    Raises
    ------
    ConfigError
        A parameter out of range (named in the message), or a model without demand.
    ValidationError
        A capacity value out of range (names the actor).

    Examples
    --------
    >>> from ecosystem import datasets
    >>> from ecosystem.flows import ReferralModel
    >>> import pandas as pd
    >>> model = ReferralModel(datasets.example(), demand=pd.Series({"debt": 200.0}))
    >>> q = model.simulate_queue(20.0, seed=3)
    >>> q.counts.index.tolist()
    ['arrived', 'departed', 'abandoned', 'in_system', 'events']
    >>> bool(q.actors.loc["debt_help", "mean_wait_low"] <= q.actors.loc["debt_help",
    ...                                                                   "mean_wait_high"])
    True
    """
    func = "simulate_queue()"
    horizon = _positive(horizon, "horizon", func)
    if warmup is not None:
        warmup = _nonnegative(warmup, "warmup", func)
        if warmup >= horizon:
            raise ConfigError(f"{func}: warmup={warmup!r} must be shorter than "
                              f"horizon={horizon!r} (years); or None to pick it from the run")
    if service not in _SERVICES:
        raise ConfigError(f"{func}: service={service!r} is not known; use one of "
                          f"{list(_SERVICES)}")
    service_cv = _positive(service_cv, "service_cv", func)
    if patience is not None:
        patience = _positive(patience, "patience", func)
    if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0 < level < 1:
        raise ConfigError(f"{func}: level={level!r} is not accepted; use a number in (0, 1)")
    if not isinstance(record, bool):
        raise ConfigError(f"{func}: record={record!r} must be True or False")
    rng = as_generator(seed)
    eco = model.ecosystem
    c_srv, mu = resolve_capacity(eco, servers, service_rate, func=func)
    parts = demand_parts(model)
    needs = list(model.needs)
    season = _Seasonality(seasonality, needs, horizon, func)
    comp = model._compiled
    n = comp.n

    # ---- external arrivals, per (neighbourhood, need) stream, merged in time order
    streams: list[tuple[str, pd.Series, Any]] = parts[1:] if len(parts) > 1 else parts
    nb_names = [nb for nb, _, _ in streams]
    times, entries, need_of, nb_of = [], [], [], []
    for s, (_, demand, sub) in enumerate(streams):
        entry = sub._compiled.entry  # needs x actors
        rates = demand.to_numpy(dtype=np.float64)
        for k in range(len(needs)):
            if rates[k] <= 0 or n == 0:
                continue
            t = season.draw(rng, k, rates[k])
            cum = np.cumsum(entry[k])
            a = np.minimum(np.searchsorted(cum, rng.random(len(t)) * cum[-1], side="right"),
                           n - 1)
            times.append(t)
            entries.append(a)
            need_of.append(np.full(len(t), k, dtype=np.int64))
            nb_of.append(np.full(len(t), s, dtype=np.int64))
    if times:
        t_all = np.concatenate(times)
        order = np.argsort(t_all, kind="stable")
        t_all = t_all[order]
        a_all = np.concatenate(entries)[order]
        k_all = np.concatenate(need_of)[order]
        s_all = np.concatenate(nb_of)[order]
    else:
        t_all = np.zeros(0)
        a_all = k_all = s_all = np.zeros(0, dtype=np.int64)

    # ---- analytic arrival rates: the stability flag, and the size of the visit log
    mean_factor = season.mean_factor()
    v = visits(model) if len(needs) else np.zeros((0, n))
    lam = (v * mean_factor[:, None]).sum(axis=0) if len(needs) else np.zeros(n)
    stable = mmc(lam, c_srv.astype(np.float64), mu)["stable"]
    expected = float(lam.sum()) * horizon
    capacity = int(1.1 * expected + 4 * math.sqrt(expected)) if math.isfinite(expected) else 0

    if "des_tables" not in comp.cache:  # per model, shared by replications
        comp.cache["des_tables"] = _referral_tables(comp, len(needs), _busiest_first(v, n))
    start, length, tab, order, rank = comp.cache["des_tables"]
    hops = model.max_hops
    sim = _run(arr_t=t_all, arr_a=rank[a_all], arr_k=k_all, horizon=horizon,
               servers=c_srv.astype(np.int64)[order],
               mean=np.broadcast_to(1.0 / mu, n)[order], start=start, length=length, tab=tab,
               max_hops=(1 << 62) if hops is None else int(hops), patience=patience,
               units=_units(rng, service, service_cv), rng=rng, n=n, capacity=capacity)
    sim["v_act"] = order[sim["v_act"]]

    return _summarise(model, sim, horizon=horizon, warmup=warmup, level=float(level),
                      servers=c_srv, mu=mu, stable=stable, patience=patience,
                      res_need=k_all, res_nb=s_all, res_t0=t_all, nb_names=nb_names,
                      record=record, needs=needs)


def _busiest_first(v: np.ndarray, n: int) -> np.ndarray:
    """Actors by expected visits per year, most first (ties by position)."""
    return np.argsort(-v.sum(axis=0), kind="stable") if len(v) else np.arange(n)


def _referral_tables(comp: Any, k_needs: int, order: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """What happens after a visit, per actor and need: ``(start, length, tab, order, rank)``,
    with the actors renumbered: actor ``order[j]`` of the model is actor ``j`` of the tables
    (``rank`` is the inverse). Numbered busiest first, the actors that most events visit have
    their rows side by side at the start of every per-actor table, where they stay in cache on
    large networks (a tenth of the actors can take half the visits).

    The segment of actor a (of the tables) and need k is the ``length[a]`` rows of ``tab``
    from ``start[a] + k * length[a]`` (an actor's segments lie side by side): its first row
    holds the resolve probability r, the next rows the cumulative probabilities of being
    resolved or referred to each stored pair's target (column 0) and that target (column 1).
    One uniform draw u resolves when u < r, is referred to the first pair whose cumulative
    probability exceeds u, and is lost beyond the last one. The segments are actor-major and
    each holds its targets beside its probabilities, so a routing step reads two or three
    cache lines wherever the actor lies in a large network.

    The probability that a resident with need k is referred from a to b is (1 - r) times the
    model's ``step`` entry M[a, b] (share of the tie weight times handover success), or, when
    the model routes by need, times ``ratio[k, a] M[a, b] suit[k, b]`` (``M[a, b]`` on
    fallback rows). A row whose handovers never fail ends at 2, so that no rounding can lose a
    resident there.
    """
    n, indptr, indices = comp.n, comp.indptr, comp.indices
    deg = np.diff(indptr)
    rows = np.repeat(np.arange(n), deg)
    base = comp.step.data if len(rows) else np.zeros(0)
    suit = getattr(comp, "suit", None)
    ratio = getattr(comp, "ratio", None)
    fallback = getattr(comp, "fallback", None)
    loss = np.asarray(comp.loss)
    resolve = np.asarray(comp.resolve)
    last = indptr[1:][deg > 0] - 1
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    length = deg[order] + 1
    start = k_needs * (np.cumsum(length) - length)
    tab = np.zeros((k_needs * int(length.sum()), 2))
    within = np.arange(len(indices)) - indptr[rows]
    for k in range(k_needs):
        if suit is None or ratio is None or fallback is None:
            p = base
        else:
            p = np.where(fallback[k, rows], base, ratio[k, rows] * base * suit[k, indices])
        cs = np.cumsum(p)
        cum_k = cs - np.repeat(np.concatenate([[0.0], cs])[indptr[:-1]], deg)
        r = resolve[k]
        cum_k = r[rows] + (1.0 - r[rows]) * cum_k
        loss_k = loss[k] if loss.ndim == 2 else loss
        cum_k[last[loss_k[deg > 0] <= 0]] = 2.0
        first = (start + k * length)[rank]  # by the model's actor
        tab[first, 0] = r
        tab[first, 1] = -1.0
        pos = first[rows] + 1 + within
        tab[pos, 0] = cum_k
        tab[pos, 1] = rank[indices]
    return start, length, tab, order, rank


def _positive(value: object, name: str, func: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not (math.isfinite(float(value)) and float(value) > 0):
        raise ConfigError(f"{func}: {name}={value!r} is not accepted; use a finite number > 0")
    return float(value)


def _nonnegative(value: object, name: str, func: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not (math.isfinite(float(value)) and float(value) >= 0):
        raise ConfigError(f"{func}: {name}={value!r} is not accepted; use a finite number >= 0 "
                          "(years) or None")
    return float(value)


def _units(rng: np.random.Generator, service: str, cv: float) -> Callable[[], np.ndarray]:
    """A function drawing a block of unit-mean service times."""
    if service == "exponential":
        return lambda: rng.standard_exponential(_BLOCK)
    if service == "deterministic":
        return lambda: np.ones(_BLOCK)
    sigma = math.sqrt(math.log1p(cv * cv))
    return lambda: np.exp(sigma * rng.standard_normal(_BLOCK) - sigma * sigma / 2)


class _Piecewise:
    """A multiplier that is constant on each period of the year (``starts`` in [0, 1))."""

    def __init__(self, starts: np.ndarray, values: np.ndarray) -> None:
        self.starts = starts
        self.values = values

    def __call__(self, t: np.ndarray) -> np.ndarray:
        return self.values[np.searchsorted(self.starts, np.mod(t, 1.0), side="right") - 1]


class _Seasonality:
    """Multipliers of the demand over time, per need; thinning bounds and yearly means."""

    def __init__(self, spec: object, needs: list[str], horizon: float, func: str) -> None:
        self.k = len(needs)
        self.horizon = horizon
        self.fn: list[Callable[[np.ndarray], np.ndarray]] | None = None
        self.bound = np.ones(self.k)
        self.mean = np.ones(self.k)
        if spec is None:
            return
        if callable(spec) and not isinstance(spec, (pd.Series, pd.DataFrame)):
            f = spec
            grid = np.linspace(0.0, horizon, max(1000, int(1000 * horizon)) + 1)
            vals = self._call(f, grid, func)
            top = float(vals.max()) if len(vals) else 0.0
            self.fn = [f] * self.k
            self.bound[:] = top
            self.mean[:] = float(vals.mean())
            return
        if isinstance(spec, pd.Series):
            table = spec.to_frame("all")
        elif isinstance(spec, pd.DataFrame):
            table = spec
        else:
            raise ConfigError(f"{func}: seasonality= must be a callable, a Series or a "
                              f"DataFrame (see the docstring), got {type(spec).__name__}")
        starts = pd.to_numeric(pd.Series(table.index), errors="coerce").to_numpy(np.float64)
        if (len(starts) == 0 or starts[0] != 0 or np.isnan(starts).any()
                or (np.diff(starts) <= 0).any() or starts[-1] >= 1):
            raise ConfigError(f"{func}: seasonality= index must be the periods' starts as "
                              "fractions of the year: first 0, increasing, below 1; got "
                              f"{list(table.index)}")
        length = np.diff(np.append(starts, 1.0))
        cols: dict[int, np.ndarray] = {}
        for col in table.columns:
            vals = pd.to_numeric(table[col], errors="coerce").to_numpy(np.float64)
            if not (np.isfinite(vals) & (vals >= 0)).all():
                raise ConfigError(f"{func}: seasonality= column {col!r} must hold finite "
                                  "multipliers >= 0")
            if col == "all" and isinstance(spec, pd.Series):
                for k in range(self.k):
                    cols[k] = vals
                continue
            if col not in needs:
                raise ConfigError(f"{func}: seasonality= column {col!r} is not a need; known: "
                                  f"{needs}")
            cols[needs.index(col)] = vals
        fns: list[Callable[[np.ndarray], np.ndarray]] = []
        for k in range(self.k):
            vals = cols.get(k, np.ones(len(starts)))
            self.bound[k] = float(vals.max())
            self.mean[k] = float((vals * length).sum())
            fns.append(_Piecewise(starts, vals))
        self.fn = fns

    @staticmethod
    def _call(f: Callable, t: np.ndarray, func: str) -> np.ndarray:
        try:
            vals = np.asarray(f(t), dtype=np.float64)
        except Exception as exc:  # a user function: report what it raised
            raise ConfigError(f"{func}: seasonality(t) raised {type(exc).__name__}: {exc}; it "
                              "must accept an array of times in years") from exc
        if vals.shape != t.shape or not (np.isfinite(vals) & (vals >= 0)).all():
            raise ConfigError(f"{func}: seasonality(t) must return one finite multiplier >= 0 "
                              "per time of the array it is given")
        return vals

    def draw(self, rng: np.random.Generator, k: int, rate: float) -> np.ndarray:
        """Sorted arrival times of need ``k`` on [0, horizon) at ``rate`` x multiplier."""
        horizon = self.horizon
        top = rate * self.bound[k]
        t = np.sort(rng.uniform(0.0, horizon, rng.poisson(top * horizon)))
        if self.fn is None or self.bound[k] <= 0:
            return t if self.bound[k] > 0 else t[:0]
        f = self._call(self.fn[k], t, "simulate_queue()")
        if (f > self.bound[k] * (1 + 1e-9)).any():
            raise ConfigError("simulate_queue(): seasonality(t) exceeds its maximum on a grid "
                              "of 1,000 points a year; pass a piecewise table instead")
        return t[rng.random(len(t)) * self.bound[k] < f]

    def mean_factor(self) -> np.ndarray:
        """Time-average multiplier per need (1 without seasonality)."""
        return self.mean


def _run(*, arr_t: np.ndarray, arr_a: np.ndarray, arr_k: np.ndarray, horizon: float,
         servers: np.ndarray, mean: np.ndarray, start: np.ndarray, length: np.ndarray,
         tab: np.ndarray, max_hops: int, patience: float | None,
         units: Callable[[], np.ndarray], rng: np.random.Generator, n: int,
         capacity: int) -> dict[str, Any]:
    """Drive the compiled event loop: refill random numbers and grow the per-visit log (first
    ``capacity`` visits, the expected number and some) until the horizon. Returns the
    per-visit log (trimmed arrays) and the residents' outcomes."""
    from ecosystem.flows import _desloop

    n_res = len(arr_t)
    st = np.zeros(_desloop.STATE_SIZE, dtype=np.int64)
    cap = max(1024, n_res, capacity)
    visit = {"v_act": np.zeros(cap, np.int64), "v_res": np.zeros(cap, np.int64),
             "v_arr": np.zeros(cap), "v_start": np.zeros(cap), "v_end": np.zeros(cap),
             "q_next": np.zeros(cap, np.int64)}
    n_heap = int(servers.sum()) + 1
    heap_t, heap_v = np.zeros(n_heap), np.zeros(n_heap, np.int64)
    # busy, servers, first and last in queue, mean service time (as float), where its routing
    # segments start in tab and their length: one cache line
    station = np.zeros((n, 8), np.int64)
    station[:, 1] = servers
    station[:, 2:4] = -1
    station_f = station.view(np.float64)
    station_f[:, 4] = mean
    station[:, 5] = start
    station[:, 6] = length
    hop = np.zeros(n_res, np.int64)
    outcome = np.zeros(n_res, np.int64)
    r_end = np.full(n_res, np.nan)
    unit = units()
    uni = rng.random(_BLOCK)
    while True:
        status = _desloop.event_loop(
            st, arr_t, arr_a, arr_k, horizon, station, station_f, tab,
            max_hops, patience is not None, math.inf if patience is None else patience,
            unit, uni, heap_t, heap_v, visit["q_next"], visit["v_act"],
            visit["v_res"], visit["v_arr"], visit["v_start"], visit["v_end"], hop, outcome,
            r_end)
        if status == _desloop.DONE:
            break
        if status == _desloop.NEED_VISITS:
            visit = {k: np.concatenate([x, np.zeros_like(x)]) for k, x in visit.items()}
            continue
        # Random numbers ran short: the rest of a block moves to the front of a new one.
        if st[2] + 2 > len(unit):
            unit = np.concatenate([unit[st[2]:], units()])
            st[2] = 0
        if st[3] + 1 > len(uni):
            uni = np.concatenate([uni[st[3]:], rng.random(_BLOCK)])
            st[3] = 0
    nv = int(st[0])
    out = {k: x[:nv] for k, x in visit.items() if k != "q_next"}
    queued = int((np.isnan(out["v_start"]) & np.isnan(out["v_end"])).sum())
    return {**out, "outcome": outcome, "r_end": r_end, "arrived": int(st[1]),
            "in_service": int(station[:, 0].sum()), "queued": queued,
            "abandoned_in_loop": int(st[5])}


def _t_half(values: np.ndarray, level: float) -> np.ndarray:
    """Half-width of the batch-means interval per row (NaN with fewer than 2 batches)."""
    ok = np.isfinite(values)
    b = ok.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(ok, values, 0.0).sum(axis=1) / b
        dev = np.where(ok, values - mean[:, None], 0.0)
        sd = np.sqrt((dev * dev).sum(axis=1) / (b - 1))
        q = _t_quantiles(level)[np.clip(b - 1, 1, BATCHES - 1)]
        half = np.where(b >= 2, q * sd / np.sqrt(b), np.nan)
    return half


@functools.lru_cache(maxsize=8)
def _t_quantiles(level: float) -> np.ndarray:
    """Student-t quantile of a two-sided ``level`` interval for 0..BATCHES - 1 degrees of
    freedom (entry 0 unused): one small table, not one quantile per row."""
    q = np.full(BATCHES, np.nan)
    q[1:] = stats.t.ppf(0.5 + level / 2, np.arange(1, BATCHES))
    q.flags.writeable = False
    return q


class _Batched:
    """Observations keyed once by (batch, group), for several sums over the same keys.

    Keyed batch-major: observations come in time order, so the bins being filled at any
    moment are one batch's, a small part of the table on a large network.
    """

    def __init__(self, group: np.ndarray, batch: np.ndarray, n_groups: int) -> None:
        self.key = batch * n_groups + group
        self.n_groups = n_groups

    def sums(self, weights: np.ndarray | None = None) -> np.ndarray:
        """Groups x batches: the count (or the sum of ``weights``) per group and batch."""
        flat = np.bincount(self.key, weights=weights, minlength=self.n_groups * BATCHES)
        return flat.reshape(BATCHES, self.n_groups).T.astype(np.float64)


def _grouped(values: Sequence[np.ndarray], group: np.ndarray, batch: np.ndarray,
             n_groups: int, level: float
             ) -> tuple[list[tuple[np.ndarray, np.ndarray, np.ndarray]], np.ndarray]:
    """For each array of ``values`` (observations in the same groups and batches): the mean
    per group and its batch-means bounds; and the number of observations per group."""
    keys = _Batched(group, batch, n_groups)
    cnt = keys.sums()
    n_obs = cnt.sum(axis=1)
    out = []
    for vals in values:
        tot = keys.sums(vals)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = tot.sum(axis=1) / n_obs
            per = np.where(cnt > 0, tot / np.where(cnt > 0, cnt, 1.0), np.nan)
        half = _t_half(per, level)
        out.append((mean, mean - half, mean + half))
    return out, n_obs


def _batch_of(times: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Batch of each time (equal batches between ``edges[0]`` and ``edges[-1]``): -1 before,
    :data:`BATCHES` at or after the end."""
    span = edges[-1] - edges[0]
    out = np.floor((times - edges[0]) / span * BATCHES)
    return np.clip(out, -1, BATCHES).astype(np.int64)


def _integrated(start: np.ndarray, end: np.ndarray, group: np.ndarray, n_groups: int,
                edges: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Time average per group of the number of intervals [start, end) open, per batch."""
    first = _batch_of(start, edges)
    last = _batch_of(end, edges)
    inside = (first == last) & (first >= 0) & (first < BATCHES)
    # Most intervals lie inside one batch: one bincount; the few that cross a batch edge (or
    # the warm-up) are clipped batch by batch.
    per = _Batched(group[inside], first[inside], n_groups).sums((end - start)[inside])
    cross = ~inside & (last >= 0) & (first < BATCHES)
    s, e, g = start[cross], end[cross], group[cross]
    for k in range(BATCHES):
        overlap = np.clip(np.minimum(e, edges[k + 1]) - np.maximum(s, edges[k]), 0.0, None)
        per[:, k] += np.bincount(g, weights=overlap, minlength=n_groups)
    per /= np.diff(edges)[None, :]
    mean = per.mean(axis=1)
    half = _t_half(per, level)
    return mean, mean - half, mean + half


def _counted(times: np.ndarray, group: np.ndarray, n_groups: int, edges: np.ndarray,
             level: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rate per group (events per year) of the given event times, with batch-means bounds."""
    batch = _batch_of(times, edges)
    keep = (batch >= 0) & (batch < BATCHES)
    cnt = _Batched(group[keep], batch[keep], n_groups).sums()
    per = cnt / np.diff(edges)[None, :]
    mean = per.mean(axis=1)
    half = _t_half(per, level)
    return mean, mean - half, mean + half


def _summarise(model, sim, *, horizon, warmup, level, servers, mu, stable, patience,
               res_need, res_nb, res_t0, nb_names, record, needs) -> QueueResult:
    eco = model.ecosystem
    n = eco.n_actors
    act, res, arr = sim["v_act"], sim["v_res"], sim["v_arr"]
    start, end = sim["v_start"], sim["v_end"]
    outcome, r_end = sim["outcome"], sim["r_end"]
    n_res = len(outcome)
    arrived = int(sim["arrived"])
    # Residents still queued at the horizon whose patience ran out before it: abandoned then.
    abandoned_visit = np.isnan(start) & ~np.isnan(end)
    if patience is not None:
        late = np.isnan(start) & np.isnan(end) & (arr + patience <= horizon)
        end[late] = arr[late] + patience
        outcome[res[late]] = 5
        r_end[res[late]] = end[late]
        abandoned_visit |= late
    served = ~np.isnan(start)
    wait = np.where(served, start - arr, np.where(abandoned_visit, end - arr, np.nan))

    # ---- warm-up
    if warmup is None:
        series = np.where(np.isnan(wait), horizon - arr, wait)  # censored: waited so far
        d = mser5(series)
        warmup = float(arr[d]) if 0 < d < len(arr) else 0.0
    span = horizon - warmup
    edges = warmup + span * np.arange(BATCHES + 1) / BATCHES
    edges[-1] = horizon

    # ---- per actor
    inwin = arr >= warmup
    known = inwin & ~np.isnan(wait)
    batch_v = np.minimum(((arr - warmup) / span * BATCHES).astype(np.int64), BATCHES - 1)
    w = wait[known]
    ((mw, mw_lo, mw_hi), (pw, pw_lo, pw_hi)), n_obs = _grouped(
        (w, (w > 0).astype(np.float64)), act[known], batch_v[known], n, level)
    done = inwin & served & ~np.isnan(end)
    [(mt, mt_lo, mt_hi)], _ = _grouped(((end - arr)[done],), act[done], batch_v[done], n,
                                       level)
    busy_end = np.where(np.isnan(end), horizon, end)
    util, util_lo, util_hi = _integrated(start[served], busy_end[served], act[served], n,
                                         edges, level)
    cap = servers.astype(np.float64)
    util, util_lo, util_hi = util / cap, util_lo / cap, util_hi / cap
    q_end = np.where(served, start, np.where(np.isnan(end), horizon, end))
    lq, lq_lo, lq_hi = _integrated(arr, q_end, act, n, edges, level)
    lam, lam_lo, lam_hi = _counted(arr, act, n, edges, level)
    completed = served & ~np.isnan(end)
    thr, thr_lo, thr_hi = _counted(end[completed], act[completed], n, edges, level)
    actors = pd.DataFrame({
        "arrival_rate": lam, "servers": servers, "service_rate": mu, "utilisation": util,
        "p_wait": pw, "mean_queue": lq, "mean_wait": mw, "mean_time": mt, "stable": stable,
        "throughput": thr, "visits": n_obs.astype(np.int64),
        "arrival_rate_low": lam_lo, "arrival_rate_high": lam_hi,
        "utilisation_low": util_lo, "utilisation_high": util_hi,
        "p_wait_low": pw_lo, "p_wait_high": pw_hi, "mean_queue_low": lq_lo,
        "mean_queue_high": lq_hi, "mean_wait_low": mw_lo, "mean_wait_high": mw_hi,
        "mean_time_low": mt_lo, "mean_time_high": mt_hi, "throughput_low": thr_lo,
        "throughput_high": thr_hi}, index=eco.index.copy())
    actors.index.name = "id"
    # An actor nobody reached: no wait, no queue (not unknown).
    none = n_obs == 0
    for col in ("p_wait", "mean_wait", "p_wait_low", "p_wait_high", "mean_wait_low",
                "mean_wait_high"):
        actors.loc[none, col] = 0.0

    # ---- per resident, per need (and neighbourhood)
    res_wait = np.bincount(res[~np.isnan(wait)], weights=wait[~np.isnan(wait)],
                           minlength=n_res)
    left = outcome > 0
    sel = left & (res_t0 >= warmup)
    batch_r = np.minimum(((res_t0 - warmup) / span * BATCHES).astype(np.int64), BATCHES - 1)
    k_needs = len(needs)
    frames = []
    groups = [("all", np.ones(n_res, dtype=bool))]
    if len(nb_names) > 1 or nb_names[0] != "all":
        groups += [(nb, res_nb == s) for s, nb in enumerate(nb_names)]
    for nb, mask in groups:
        m = sel & mask
        g = np.where(m, res_need, k_needs)  # need index, or the dump group
        rows = {}
        measures = ("mean_wait", "mean_time", "abandoned")
        vals = [x[m] for x in (res_wait, r_end - res_t0, (outcome == 5).astype(np.float64))]
        by_need, _ = _grouped(vals, g[m], batch_r[m], k_needs + 1, level)
        total, _ = _grouped(vals, np.zeros(int(m.sum()), np.int64), batch_r[m], 1, level)
        for name, (mean_k, lo_k, hi_k), (mean_t, lo_t, hi_t) in zip(measures, by_need, total,
                                                                      strict=True):
            rows[name] = np.append(mean_k[:k_needs], mean_t)
            rows[f"{name}_low"] = np.append(lo_k[:k_needs], lo_t)
            rows[f"{name}_high"] = np.append(hi_k[:k_needs], hi_t)
        arrivals = (mask & (res_t0 >= warmup))
        per_need = np.bincount(res_need[arrivals], minlength=k_needs) / span
        index = pd.MultiIndex.from_arrays([[nb] * (k_needs + 1), [*needs, "total"]],
                                          names=["neighbourhood", "need"])
        frame = pd.DataFrame({"residents": np.append(per_need, per_need.sum())}, index=index)
        for col in ("mean_wait", "mean_time", "abandoned"):
            frame[col] = rows[col]
        for col in ("mean_wait", "mean_time", "abandoned"):
            frame[f"{col}_low"] = rows[f"{col}_low"]
            frame[f"{col}_high"] = rows[f"{col}_high"]
        frames.append(frame)

    n_aband = int((outcome == 5).sum())
    late_aband = n_aband - int(sim["abandoned_in_loop"])
    in_system = int(sim["in_service"]) + int(sim["queued"]) - late_aband
    departed = int(((outcome >= 1) & (outcome <= 4)).sum())
    events = int(len(act) + np.count_nonzero(~np.isnan(end)))
    counts = pd.Series({"arrived": arrived, "departed": departed, "abandoned": n_aband,
                        "in_system": in_system, "events": events}, dtype=np.int64)
    log = None
    if record:
        last = np.zeros(n_res, dtype=np.int64) - 1
        np.maximum.at(last, res, np.arange(len(res)))
        is_last = np.zeros(len(res), dtype=bool)
        is_last[last[last >= 0]] = True
        names = np.asarray(OUTCOMES, dtype=object)
        vout = np.where(is_last, names[outcome[res]], "referred")
        log = pd.DataFrame({
            "resident": res, "need": pd.Categorical.from_codes(res_need[res], needs),
            "neighbourhood": pd.Categorical.from_codes(res_nb[res], nb_names),
            "actor_id": eco.index.to_numpy()[act], "arrival": arr,
            "start": start, "end": end, "outcome": vout})
        log["actor_id"] = log["actor_id"].astype("str")
        log["outcome"] = log["outcome"].astype("str")
    return QueueResult(actors=actors, needs=pd.concat(frames), method="simulation",
                       max_hops=model.max_hops, horizon=horizon, warmup=warmup, level=level,
                       counts=counts, record=log)

