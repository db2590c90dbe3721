r"""Capacity and waiting: the referral flows as an open queueing network, solved exactly.

Residents with need :math:`n` arrive at rate :math:`D_n` per year (the model's ``demand``; per
neighbourhood when it is a table). The arrival rate at actor :math:`a` is the demand times the
expected visits per resident that :meth:`~ecosystem.flows.ReferralModel.solve` computes,

.. math:: \lambda_a = \sum_n D_n\, L_n(a),

which solves the traffic equations :math:`\lambda = \gamma + \lambda P` of the network (external
arrivals :math:`\gamma_a = \sum_n D_n e_n(a)`, routing by need). Each actor is an M/M/c station:
:math:`c_a` servers (``servers``), each completing :math:`\mu_a` visits a year
(``service_rate``), first come first served. With offered load :math:`A = \lambda/\mu` and
utilisation :math:`\rho = \lambda / (c \mu)`, Erlang's C formula gives the probability of waiting

.. math:: C(c, A) = \frac{\frac{A^c}{c!} \frac{1}{1 - \rho}}
   {\sum_{k=0}^{c-1} \frac{A^k}{k!} + \frac{A^c}{c!} \frac{1}{1 - \rho}},

the mean wait :math:`W_q = C / (c \mu - \lambda)` and the mean number waiting
:math:`L_q = \lambda W_q` (Little's law). :math:`C` is computed by the stable Erlang B recursion
:math:`B_0 = 1`, :math:`B_k = A B_{k-1} / (k + A B_{k-1})`,
:math:`C = B_c / (1 - \rho (1 - B_c))`.

**When it is exact.** Routing depends on the resident's need (and, with a hop limit, on the
number of referrals so far): a multi-class open network with class switching, Poisson arrivals,
first-come-first-served stations and exponential service whose rate does not depend on the
class. Such a network has a product-form stationary distribution in which every station is an
M/M/c queue with its total arrival rate (Jackson, "Jobshop-like queueing systems", Management
Science, 1963; Baskett, Chandy, Muntz and Palacios, "Open, closed, and mixed networks of queues
with different classes of customers", Journal of the ACM, 1975). So the figures are exact in
steady state with ``max_hops=None`` (a Jackson network) and also with a hop limit (the class is
(need, referrals so far)); the simulation (:mod:`ecosystem.flows.des`) checks both, and handles
what theory does not (other service distributions, patience, demand that varies over the year).

A resident's expected total wait is :math:`\sum_a L_n(a) W_q(a)` and its expected time in the
system :math:`\sum_a L_n(a) (W_q(a) + 1/\mu_a)` (linearity of expectation; each visit sees the
station's stationary queue by the arrival theorem). An actor with :math:`\rho \ge 1` has no
steady state: it is reported ``stable=False`` with infinite waits, and so is every need that
visits it. An actor nobody reaches has utilisation, ``p_wait`` and ``mean_wait`` 0.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
import pandas as pd

from ecosystem._repr import html_card
from ecosystem.core.errors import ConfigError

__all__ = ["TIME_UNITS", "QueueResult", "erlang_c", "queueing"]

#: Length of a unit of time in years (a year of 365.25 days).
TIME_UNITS = {"years": 1.0, "months": 1 / 12, "weeks": 7 / 365.25, "days": 1 / 365.25,
              "hours": 1 / (365.25 * 24)}
_TIME_ACTOR = ("mean_wait", "mean_time")
_TIME_NEED = ("mean_wait", "mean_time")
_RATE_ACTOR = ("arrival_rate", "service_rate", "throughput")


def erlang_c(servers: np.ndarray | int, offered_load: np.ndarray | float) -> np.ndarray:
    r"""Erlang's C: the probability that an arrival at an M/M/c queue waits.

    Parameters
    ----------
    servers
        Number of servers :math:`c` (ints >= 1), scalar or array.
    offered_load
        :math:`A = \lambda / \mu` (>= 0), scalar or array of the same shape.

    Returns
    -------
    numpy.ndarray
        :math:`C(c, A)`; 1 where :math:`A \ge c` (no steady state: everyone waits), 0 where
        :math:`A = 0`.

    Examples
    --------
    M/M/1: the probability of waiting is the utilisation. Two servers, :math:`A = 1`:
    :math:`C = (1/2 \cdot 2) / (1 + 1 + 1) = 1/3`.

    >>> from ecosystem.flows import erlang_c
    >>> erlang_c(1, 0.75).round(6).tolist(), erlang_c(2, 1.0).round(6).tolist()
    (0.75, 0.333333)
    """
    c = np.asarray(servers, dtype=np.int64)
    a = np.asarray(offered_load, dtype=np.float64)
    c, a = np.broadcast_arrays(c, a)
    b = np.ones(a.shape)
    top = int(c.max(initial=0))
    for k in range(1, top + 1):  # Erlang B recursion, one step per server count (not per actor)
        ab = a * b
        b = np.where(k <= c, ab / np.where(k + ab > 0, k + ab, 1.0), b)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = a / c
        out = np.where(rho < 1, b / (1 - rho * (1 - b)), 1.0)
    out = np.where(a > 0, out, 0.0)
    return out


@dataclass(frozen=True, eq=False)
class QueueResult:
    """Waiting and capacity of a referral network, from :meth:`ReferralModel.queueing` or
    :meth:`ReferralModel.simulate_queue`.

    Parameters
    ----------
    actors
        Indexed by actor id. Columns ``arrival_rate`` (visits per year), ``servers``,
        ``service_rate`` (visits per server-year), ``utilisation`` (arrival rate / (servers x
        service rate)), ``p_wait`` (probability that a visit waits), ``mean_queue`` (mean
        number waiting), ``mean_wait`` (mean wait per visit before service starts),
        ``mean_time`` (mean wait plus service), ``stable`` (utilisation < 1; else waits are
        infinite). The simulation adds ``throughput`` (completed visits per year), ``visits``
        (visits observed after the warm-up) and ``<mean>_low`` / ``<mean>_high`` (batch-means
        confidence interval) for ``arrival_rate``, ``utilisation``, ``p_wait``, ``mean_queue``,
        ``mean_wait``, ``mean_time`` and ``throughput``; its ``stable`` is the analytic
        criterion.
    needs
        Index ``(neighbourhood, need)``: ``neighbourhood`` is ``"all"`` and, with a demand
        table, each neighbourhood; ``need`` is each need and ``"total"`` (weighted by demand).
        Columns ``residents`` (per year), ``mean_wait`` (per resident, summed over its visits)
        and ``mean_time`` (arrival to leaving the network). The simulation adds ``abandoned``
        (share of residents who left a queue out of patience; their wait counts with the time
        they waited) and ``_low`` / ``_high`` confidence bounds.
    method
        ``"exact"`` or ``"simulation"``.
    time_unit
        Unit of the times (``"years"`` unless converted with :meth:`in_unit`); rates are per
        this unit.
    max_hops
        The model's hop limit.
    horizon, warmup
        Simulation only: simulated time and the warm-up discarded (in ``time_unit``).
    level
        Simulation only: confidence level of the intervals.
    counts
        Simulation only: residents ``arrived``, ``departed`` (left after service: resolved,
        stuck, lost or exceeded), ``abandoned``, ``in_system`` at the horizon, over the whole
        run (arrived = departed + abandoned + in_system), plus ``events`` processed.
    record
        ``simulate_queue(record=True)`` only: one row per visit, columns ``resident``,
        ``need``, ``neighbourhood``, ``actor_id``, ``arrival``, ``start``, ``end`` and
        ``outcome`` (``referred``, ``resolved``, ``stuck``, ``lost``, ``exceeded``,
        ``abandoned`` or ``in_system``); ``start`` / ``end`` are NaN where the visit had not
        started / ended at the horizon, ``start`` is NaN for an abandoned visit and ``end`` is
        when the resident left.

    See Also
    --------
    ecosystem.flows.queueing : the exact solver and when it is exact.
    ecosystem.flows.des : the discrete-event simulator.

    Examples
    --------
    >>> from ecosystem import datasets
    >>> from ecosystem.flows import ReferralModel
    >>> import pandas as pd
    >>> model = ReferralModel(datasets.example(), demand=pd.Series({"loneliness": 400.0}))
    >>> q = model.queueing()
    >>> q.actors.columns.tolist()[:4]
    ['arrival_rate', 'servers', 'service_rate', 'utilisation']
    >>> q.needs.loc[("all", "loneliness"), "residents"]
    np.float64(400.0)
    """

    actors: pd.DataFrame
    needs: pd.DataFrame
    method: str
    time_unit: str = "years"
    max_hops: int | None = None
    horizon: float | None = None
    warmup: float | None = None
    level: float | None = None
    counts: pd.Series | None = None
    record: pd.DataFrame | None = None

    def in_unit(self, unit: str) -> QueueResult:
        """The same result with times in ``unit`` and rates per ``unit``.

        Parameters
        ----------
        unit
            One of :data:`TIME_UNITS`: ``"years"``, ``"months"``, ``"weeks"``, ``"days"``,
            ``"hours"``.

        Returns
        -------
        QueueResult
            A new result; this one is unchanged.

        Examples
        --------
        >>> from ecosystem import datasets
        >>> from ecosystem.flows import ReferralModel
        >>> import pandas as pd
        >>> model = ReferralModel(datasets.example(), demand=pd.Series({"debt": 100.0}))
        >>> q = model.queueing()
        >>> days = q.in_unit("days")
        >>> bool(abs(days.actors["mean_wait"].max() - 365.25 * q.actors["mean_wait"].max())
        ...      < 1e-9)
        True
        """
        if unit not in TIME_UNITS:
            raise ConfigError(f"QueueResult.in_unit(): unit={unit!r} is not known; use one of "
                              f"{list(TIME_UNITS)}")
        factor = TIME_UNITS[self.time_unit] / TIME_UNITS[unit]  # old units per new unit
        actors = self.actors.copy()
        needs = self.needs.copy()
        for frame, time_cols, rate_cols in ((actors, _TIME_ACTOR, _RATE_ACTOR),
                                            (needs, _TIME_NEED, ("residents",))):
            for col in list(frame.columns):
                base = col.removesuffix("_low").removesuffix("_high")
                if base in time_cols:
                    frame[col] = frame[col] * factor
                elif base in rate_cols:
                    frame[col] = frame[col] / factor
        record = None
        if self.record is not None:
            record = self.record.copy()
            for col in ("arrival", "start", "end"):
                record[col] = record[col] * factor
        return replace(self, actors=actors, needs=needs, time_unit=unit,
                       horizon=None if self.horizon is None else self.horizon * factor,
                       warmup=None if self.warmup is None else self.warmup * factor,
                       record=record)

    def bottlenecks(self, top: int = 10) -> pd.DataFrame:
        """The actors where capacity binds: ranked by utilisation, with their share of waiting.

        Parameters
        ----------
        top
            Number of actors to return (int >= 1).

        Returns
        -------
        pandas.DataFrame
            Indexed by actor id, sorted by ``utilisation`` (descending; ties by
            ``mean_queue``); columns ``utilisation``, ``mean_queue``, ``mean_wait``,
            ``wait_share`` (the actor's share of all residents waiting, :math:`L_q / \\sum L_q`
            over stable actors; NaN at unstable actors, where waiting grows without bound),
            ``wait_rank`` (1 = largest share; unstable actors first) and ``stable``.

        Examples
        --------
        >>> from ecosystem import datasets
        >>> from ecosystem.flows import ReferralModel
        >>> import pandas as pd
        >>> model = ReferralModel(datasets.example(), demand=pd.Series({"debt": 300.0}))
        >>> b = model.queueing(servers=1).bottlenecks(top=3)
        >>> list(b.columns)
        ['utilisation', 'mean_queue', 'mean_wait', 'wait_share', 'wait_rank', 'stable']
        """
        if isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 1:
            raise ConfigError(f"bottlenecks(): top={top!r} is not accepted; use an int >= 1")
        a = self.actors
        stable = a["stable"].to_numpy(dtype=bool)
        lq = a["mean_queue"].to_numpy(dtype=np.float64)
        total = lq[stable].sum()
        share = np.where(stable, lq / total if total > 0 else 0.0, np.nan)
        out = pd.DataFrame({"utilisation": a["utilisation"], "mean_queue": a["mean_queue"],
                            "mean_wait": a["mean_wait"], "wait_share": share}, index=a.index)
        key = np.where(stable, share, np.inf)
        out["wait_rank"] = pd.Series(-key, index=a.index).rank(method="min").astype(np.int64)
        out["stable"] = stable
        out = out.sort_values(["utilisation", "mean_queue"], ascending=False, kind="stable")
        return out.head(int(top))

    def to_frame(self) -> pd.DataFrame:
        """Every number as tidy long rows.

        Returns
        -------
        pandas.DataFrame
            Columns ``neighbourhood, need, actor_id, metric, value, low, high``: per-actor
            measures (``actor_id`` set) and per-need measures (``neighbourhood`` and ``need``
            set); ``low`` / ``high`` are the simulation's confidence bounds (NaN otherwise).
            Times are in :attr:`time_unit`.

        Examples
        --------
        >>> from ecosystem import datasets
        >>> from ecosystem.flows import ReferralModel
        >>> import pandas as pd
        >>> model = ReferralModel(datasets.example(), demand=pd.Series({"debt": 100.0}))
        >>> list(model.queueing().to_frame().columns)
        ['neighbourhood', 'need', 'actor_id', 'metric', 'value', 'low', 'high']
        """
        parts = []
        for frame, keys in ((self.actors, ("actor_id",)), (self.needs, ("neighbourhood",
                                                                          "need"))):
            base = [c for c in frame.columns
                    if not c.endswith(("_low", "_high"))]
            flat = frame.reset_index()
            flat.columns = [*keys, *frame.columns]
            for col in base:
                part = pd.DataFrame({k: flat[k].astype(str) for k in keys})
                part["metric"] = col
                part["value"] = flat[col].astype(np.float64)
                part["low"] = (flat[f"{col}_low"].astype(np.float64)
                               if f"{col}_low" in flat else np.nan)
                part["high"] = (flat[f"{col}_high"].astype(np.float64)
                                if f"{col}_high" in flat else np.nan)
                parts.append(part)
        out = pd.concat(parts, ignore_index=True)
        cols = ["neighbourhood", "need", "actor_id", "metric", "value", "low", "high"]
        for c in ("neighbourhood", "need", "actor_id"):
            if c not in out:
                out[c] = None
            out[c] = out[c].astype("str")
        return out[cols]

    @cached_property
    def _summary(self) -> dict[str, float]:
        a = self.actors
        wait = (float(self.needs["mean_wait"].loc[("all", "total")]) if len(self.needs)
                else float("nan"))
        return {
            "mean_wait": wait,
            "max_utilisation": float(a["utilisation"].max()) if len(a) else 0.0,
            "unstable_actors": float((~a["stable"].astype(bool)).sum()),
        }

    def __repr__(self) -> str:
        s = self._summary
        return (f"QueueResult(method={self.method!r}, actors={len(self.actors)}, "
                f"mean_wait={s['mean_wait']:.4g} {self.time_unit}, "
                f"max_utilisation={s['max_utilisation']:.3g}, "
                f"unstable_actors={int(s['unstable_actors'])})")

    def _repr_html_(self) -> str:
        wait = [c for c in ("residents", "mean_wait", "mean_time", "abandoned")
                if c in self.needs.columns]
        return html_card(repr(self), [
            (f"Waiting per resident (times in {self.time_unit})", self.needs[wait]),
            ("Busiest actors", self.bottlenecks(top=10) if len(self.actors) else
             self.actors[["utilisation", "mean_queue", "mean_wait", "stable"]]),
        ])


# ---------------------------------------------------------------------------- analytic solver
def mmc(arrival: np.ndarray, servers: np.ndarray, rate: np.ndarray) -> dict[str, np.ndarray]:
    """M/M/c figures per station (vectorised); infinite waits where utilisation >= 1."""
    with np.errstate(divide="ignore", invalid="ignore"):
        util = arrival / (servers * rate)
        stable = util < 1
        offered = np.where(np.isfinite(arrival), arrival / rate, 0.0)
        pw = erlang_c(servers, np.where(stable, offered, 0.0))
        pw = np.where(stable, pw, 1.0)
        wq = np.where(stable, pw / (servers * rate - arrival), np.inf)
        wq = np.where(arrival > 0, wq, 0.0)
        lq = np.where(arrival > 0, arrival * wq, 0.0)
    return {"utilisation": util, "p_wait": np.where(arrival > 0, pw, 0.0), "mean_queue": lq,
            "mean_wait": wq, "mean_time": wq + 1.0 / rate, "stable": stable}


def demand_parts(model) -> list[tuple[str, pd.Series, object]]:
    """``[(neighbourhood, demand per need, model)]``: ``"all"`` first, then one per row of a
    demand table (a copy of the model whose demand is that row only)."""
    demand = model.demand
    if demand is None:
        raise ConfigError(
            "queueing needs arrival rates: the model has no demand; pass "
            "ReferralModel(eco, demand=...) (residents per year with each need, a Series, or "
            "a neighbourhood x need table)")
    if isinstance(demand, pd.Series):
        return [("all", demand, model)]
    parts: list[tuple[str, pd.Series, object]] = [("all", demand.sum(axis=0), model)]
    for nb in demand.index:
        parts.append((str(nb), demand.loc[nb], _with_demand(model, demand.loc[[nb]])))
    return parts


def _with_demand(model, demand: pd.DataFrame):
    """A copy of ``model`` with another (already validated) demand; cached arrays dropped."""
    clone = copy.copy(model)
    clone._demand = demand
    for name, attr in vars(type(model)).items():
        if isinstance(attr, cached_property):
            clone.__dict__.pop(name, None)
    return clone


def visits(model) -> np.ndarray:
    """Needs x actors: expected visits per year (demand x expected visits per resident).

    Solved once per model (the model's demand and tables are fixed): :meth:`queueing` and
    every :meth:`simulate_queue` replication of the same model share the solve. Read-only.
    """
    cache = model._compiled.cache
    if "visits_per_year" not in cache:
        from ecosystem.flows.exact import visits_per_year

        v = visits_per_year(model)
        v.flags.writeable = False
        cache["visits_per_year"] = v
    return cache["visits_per_year"]


def queueing(model, *, servers=None, service_rate=None) -> QueueResult:
    """Exact M/M/c waits of every actor of a referral model (see the module docstring).

    Parameters
    ----------
    model
        A :class:`~ecosystem.flows.ReferralModel` with a demand.
    servers, service_rate
        Overrides of the actors' capacity: a scalar, a mapping ``{kind: value}`` or a Series
        by actor id (see :mod:`ecosystem.flows.capacity`).

    Returns
    -------
    QueueResult
        ``method="exact"``.

    Raises
    ------
    ConfigError
        The model has no demand, or an override has the wrong type.
    ValidationError
        A capacity value out of range (names the actor).

    Examples
    --------
    >>> from ecosystem import datasets
    >>> from ecosystem.flows import ReferralModel
    >>> import pandas as pd
    >>> model = ReferralModel(datasets.example(), demand=pd.Series({"debt": 100.0}))
    >>> q = model.queueing()
    >>> bool((q.actors["utilisation"] < 1).all())
    True
    """
    from ecosystem.flows.capacity import resolve_capacity

    eco = model.ecosystem
    c, mu = resolve_capacity(eco, servers, service_rate, func="queueing()")
    parts = demand_parts(model)
    needs = list(model.needs)
    v_all = visits(model)
    lam = v_all.sum(axis=0) if len(needs) else np.zeros(eco.n_actors)
    m = mmc(lam, c.astype(np.float64), mu)
    actors = pd.DataFrame({"arrival_rate": lam, "servers": c, "service_rate": mu,
                           "utilisation": m["utilisation"], "p_wait": m["p_wait"],
                           "mean_queue": m["mean_queue"], "mean_wait": m["mean_wait"],
                           "mean_time": m["mean_time"], "stable": m["stable"]},
                           index=eco.index.copy())
    actors.index.name = "id"
    frames = []
    for nb, demand, sub in parts:
        v = v_all if sub is model else visits(sub)
        frames.append(_need_table(nb, needs, demand.to_numpy(dtype=np.float64), v,
                                  m["mean_wait"], m["mean_time"]))
    return QueueResult(actors=actors, needs=pd.concat(frames), method="exact",
                       max_hops=model.max_hops)


def _need_table(nb: str, needs: list[str], demand: np.ndarray, v: np.ndarray, wq: np.ndarray,
                w: np.ndarray) -> pd.DataFrame:
    """Per-need mean wait and time in system of residents of one neighbourhood (or all)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        # v / demand: visits per resident; zero visits at an infinite wait contribute nothing
        per = np.divide(v, demand[:, None], out=np.zeros_like(v), where=demand[:, None] > 0)
        wait = np.where(per > 0, per * wq[None, :], 0.0).sum(axis=1)
        time = np.where(per > 0, per * w[None, :], 0.0).sum(axis=1)
        wait = np.where(demand > 0, wait, np.nan)
        time = np.where(demand > 0, time, np.nan)
        total = demand.sum()
        has = demand > 0
        t_wait = float((demand[has] * wait[has]).sum() / total) if total > 0 else np.nan
        t_time = float((demand[has] * time[has]).sum() / total) if total > 0 else np.nan
    index = pd.MultiIndex.from_arrays([[nb] * (len(needs) + 1), [*needs, "total"]],
                                      names=["neighbourhood", "need"])
    return pd.DataFrame({"residents": np.append(demand, demand.sum()),
                         "mean_wait": np.append(wait, t_wait),
                         "mean_time": np.append(time, t_time)}, index=index)
