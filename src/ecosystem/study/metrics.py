"""Metrics for comparison studies: named functions of an ecosystem (and a seed) -> numbers.

A metric is any callable ``f(eco)`` or ``f(eco, seed=...)`` returning

* a number: one result row (neighbourhood ``"all"``);
* a mapping ``{name: number}``: one row per entry, metric ``"<metric>.<name>"``;
* a :class:`pandas.Series` indexed by neighbourhood: one row per neighbourhood.

Built-ins, by name (:data:`BUILTIN`): ``actors``, ``ties``, ``density`` (the ecosystem's size),
``flows`` (every referral-flow outcome share in total, one exact solve; with the demand of a
generated ecosystem, see :func:`ecosystem.generate.demand_of`), each outcome alone
(``resolved_appropriate``, ``resolved_elsewhere``, ``medicalised``, ``stuck``, ``lost``,
``exceeded``, ``mean_hops``), ``lost_to.<kind>`` and ``lost_to.<kind>.<need>`` (share of the
referral attempts to actors of a kind whose handover fails, e.g. ``lost_to.welfare``; see
:attr:`ecosystem.flows.FlowResult.handovers`), ``ei_domain`` (Krackhardt and Stern's E-I index
between domains), ``mean_constraint`` (Burt's constraint averaged over actors with contacts),
``gaps`` (number of bridging gaps found), and from the exact queueing network (capacity and
waiting, see :func:`queue_metric`) ``mean_wait`` (years per resident, over all needs),
``max_utilisation`` and ``unstable_actors``. The analysis modules are imported when the metric
runs.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from ecosystem._repr import clip, listing
from ecosystem.core._deprecate import REMOVED_IN, renamed
from ecosystem.core.ecosystem import Ecosystem
from ecosystem.core.errors import ConfigError, suggest

__all__ = ["BUILTIN", "QUEUE_MEASURES", "FlowMetric", "QueueMetric", "flow_metric",
           "queue_metric"]

_OUTCOMES = ("resolved_appropriate", "resolved_elsewhere", "medicalised", "stuck", "lost",
             "exceeded")


def _demand(eco: Ecosystem):
    from ecosystem.generate import demand_of

    try:
        return demand_of(eco)
    except ConfigError:
        return None


def _options(options: tuple[tuple[str, Any], ...]) -> str:
    """``; options a, b`` (names only: a demand table would not fit on a line)."""
    return f"; options {listing(k for k, _ in options)}" if options else ""


@dataclass(frozen=True)
class FlowMetric:
    """Referral-flow outcome shares of an ecosystem (``"total"`` over needs).

    Parameters
    ----------
    outcomes
        Outcome names (rows of :attr:`FlowResult.outcomes`), ``"mean_hops"`` and/or
        ``"lost_to.<kind>"`` / ``"lost_to.<kind>.<need>"`` (share of the referral attempts to
        actors of the kind whose handover fails, from :attr:`FlowResult.handovers`; NaN
        where nothing is referred to the kind). One gives a number; several give a mapping.
    n_residents
        ``None``: the exact solver. An int: a fresh Monte-Carlo simulation of that many
        residents (walkers) per need, seeded by the study.
    options
        Keyword arguments of :class:`~ecosystem.flows.ReferralModel` (``max_hops``, ...). The
        demand of a generated ecosystem is used unless ``demand`` is given.

    Examples
    --------
    >>> from ecosystem import datasets
    >>> from ecosystem.study import FlowMetric
    >>> shares = FlowMetric(("lost", "mean_hops"))(datasets.example())
    >>> sorted(shares)
    ['lost', 'mean_hops']
    """

    outcomes: tuple[str, ...] = _OUTCOMES
    n_residents: int | None = None
    options: tuple[tuple[str, Any], ...] = ()

    def __repr__(self) -> str:
        how = "exact" if self.n_residents is None else f"{self.n_residents} residents per need"
        return (f"FlowMetric({listing(self.outcomes, 6)}; {how}"
                f"{_options(self.options)})")

    @property
    def residents(self) -> int | None:
        """Deprecated name of :attr:`n_residents`."""
        import warnings

        warnings.warn(f"FlowMetric.residents is deprecated and will be removed in ecosystem "
                      f"{REMOVED_IN}; use n_residents instead", FutureWarning, stacklevel=2)
        return self.n_residents

    def __call__(self, eco: Ecosystem, seed: Any = None) -> float | dict[str, float]:
        from ecosystem.flows import ReferralModel

        opts = dict(self.options)
        opts.setdefault("demand", _demand(eco))
        model = ReferralModel(eco, **opts)
        res = model.solve() if self.n_residents is None else model.simulate(self.n_residents,
                                                                            seed=seed)
        out = {}
        for o in self.outcomes:
            if o == "mean_hops":
                out[o] = float(cast(float, res.mean_hops.loc["total", "mean"]))
            elif o.startswith("lost_to."):
                kind, need = _lost_to(o, eco.schema, "FlowMetric")
                assert res.handovers is not None
                out[o] = float(cast(float, res.handovers.loc[(need, kind), "share_lost"]))
            else:
                out[o] = float(cast(float, res.outcomes.loc[("total", o), "fraction"]))
        return out[self.outcomes[0]] if len(self.outcomes) == 1 else out


@renamed("flow_metric", residents="n_residents")
def flow_metric(
    outcomes: str | Iterable[str] = _OUTCOMES, *, n_residents: int | None = None,
    **options: Any
) -> FlowMetric:
    """A flow metric for :func:`~ecosystem.study.compare`.

    Parameters
    ----------
    outcomes
        Outcome names (rows of :attr:`FlowResult.outcomes`, e.g. ``"lost"``), ``"mean_hops"``
        and/or ``"lost_to.<kind>"`` / ``"lost_to.<kind>.<need>"`` (e.g. ``"lost_to.welfare"``:
        of all referral attempts to welfare organisations, the share whose handover fails;
        see :attr:`FlowResult.handovers`; kinds and needs of the default schema, or of the
        ecosystem's own schema when it has one). One gives a number; several give a mapping.
    n_residents
        ``None``: the exact solver. An int: a Monte-Carlo simulation of that many residents
        per need, seeded by the study.
    **options
        Keyword arguments of :class:`~ecosystem.flows.ReferralModel` (``max_hops``, ...).

    Returns
    -------
    FlowMetric
        A callable ``metric(eco, seed=None)`` for ``compare(metrics=...)``.

    Examples
    --------
    >>> from ecosystem import datasets
    >>> from ecosystem.study import flow_metric
    >>> round(flow_metric("lost")(datasets.example()), 4)
    0.1651
    """
    from ecosystem.core.schema import Schema

    outs = (outcomes,) if isinstance(outcomes, str) else tuple(outcomes)
    known = (*_OUTCOMES, "mean_hops")
    for o in outs:
        if isinstance(o, str) and o.startswith("lost_to."):
            _lost_to(o, Schema.default(), "flow_metric")
        elif o not in known:
            raise ConfigError(f"flow_metric(): outcome '{o}' is not known" + suggest(o, known)
                              + f" Known: {', '.join(known)}, lost_to.<kind>[.<need>]")
    if n_residents is not None and not (isinstance(n_residents, int) and n_residents > 0):
        raise ConfigError(f"flow_metric(): n_residents={n_residents!r} must be a positive int")
    return FlowMetric(outs, n_residents, tuple(sorted(options.items())))


def _lost_to(name: str, schema: Any, func: str) -> tuple[str, str]:
    """``(kind, need or "total")`` of ``lost_to.<kind>[.<need>]``, checked against ``schema``."""
    parts = name.split(".")
    kinds, needs = list(schema.actor_kinds), list(schema.needs)
    names = [f"lost_to.{k}" for k in kinds] + [f"lost_to.{k}.{n}" for k in kinds for n in needs]
    if len(parts) not in (2, 3) or parts[1] not in kinds or (
            len(parts) == 3 and parts[2] not in needs):
        raise ConfigError(f"{func}(): metric '{name}' is not known" + suggest(name, names)
                          + " Use lost_to.<kind> or lost_to.<kind>.<need> with an actor kind "
                          "and a need of the schema")
    return parts[1], parts[2] if len(parts) == 3 else "total"


#: Measures of :func:`queue_metric`.
QUEUE_MEASURES = ("mean_wait", "max_utilisation", "unstable_actors")


@dataclass(frozen=True)
class QueueMetric:
    """Capacity and waiting of an ecosystem's referral network (exact M/M/c queueing).

    Parameters
    ----------
    measures
        Names in :data:`QUEUE_MEASURES`: ``mean_wait`` (mean wait per resident over all needs,
        summed over its visits; infinite when a visited actor is overloaded),
        ``max_utilisation`` (the busiest actor's utilisation) and ``unstable_actors`` (actors
        with utilisation >= 1). One gives a number; several give a mapping.
    unit
        Time unit of ``mean_wait`` (see :data:`ecosystem.flows.queueing.TIME_UNITS`).
    options
        Keyword arguments of :class:`~ecosystem.flows.ReferralModel`; the demand of a generated
        ecosystem is used unless ``demand`` is given.

    Examples
    --------
    >>> from ecosystem.generate import generate_neighbourhood
    >>> from ecosystem.study import QueueMetric
    >>> eco = generate_neighbourhood("average", residents=1000, seed=0)
    >>> QueueMetric(("unstable_actors",))(eco)
    0.0
    """

    measures: tuple[str, ...] = QUEUE_MEASURES
    unit: str = "years"
    options: tuple[tuple[str, Any], ...] = ()

    def __repr__(self) -> str:
        return (f"QueueMetric({listing(self.measures, 3)}; times in {clip(self.unit)}"
                f"{_options(self.options)})")

    def __call__(self, eco: Ecosystem) -> float | dict[str, float]:
        from ecosystem.flows import ReferralModel

        opts = dict(self.options)
        opts.setdefault("demand", _demand(eco))
        if opts["demand"] is None:
            raise ConfigError("queue metrics need a demand: the ecosystem was not generated; "
                              "pass queue_metric(..., demand=...)")
        q = ReferralModel(eco, **opts).queueing().in_unit(self.unit)
        summary = q._summary
        out = {m: float(summary[m]) for m in self.measures}
        return out[self.measures[0]] if len(self.measures) == 1 else out


def queue_metric(measures: str | Iterable[str] = QUEUE_MEASURES, *, unit: str = "years",
                 **options: Any) -> QueueMetric:
    """A capacity-and-waiting metric for :func:`~ecosystem.study.compare`.

    Parameters
    ----------
    measures
        One or more of :data:`QUEUE_MEASURES`.
    unit
        Time unit of ``mean_wait``: ``"years"``, ``"months"``, ``"weeks"``, ``"days"`` or
        ``"hours"``.
    **options
        Keyword arguments of :class:`~ecosystem.flows.ReferralModel` (``demand``,
        ``max_hops``, ...).

    Returns
    -------
    QueueMetric
        A callable ``f(eco)``.

    Examples
    --------
    >>> from ecosystem.generate import generate_neighbourhood
    >>> from ecosystem.study import queue_metric
    >>> eco = generate_neighbourhood("average", residents=1000, seed=0)
    >>> out = queue_metric(unit="days")(eco)
    >>> sorted(out), out["unstable_actors"]
    (['max_utilisation', 'mean_wait', 'unstable_actors'], 0.0)
    """
    from ecosystem.flows.queueing import TIME_UNITS

    outs = (measures,) if isinstance(measures, str) else tuple(measures)
    for m in outs:
        if m not in QUEUE_MEASURES:
            raise ConfigError(f"queue_metric(): measure '{m}' is not known"
                              + suggest(m, QUEUE_MEASURES)
                              + f" Known: {', '.join(QUEUE_MEASURES)}")
    if not outs:
        raise ConfigError("queue_metric(): no measures given")
    if unit not in TIME_UNITS:
        raise ConfigError(f"queue_metric(): unit={unit!r} is not known; use one of "
                          f"{list(TIME_UNITS)}")
    return QueueMetric(outs, unit, tuple(sorted(options.items())))


def _actors(eco: Ecosystem) -> float:
    return float(eco.n_actors)


def _ties(eco: Ecosystem) -> float:
    return float(eco.n_ties)


def _density(eco: Ecosystem) -> float:
    return eco.summary().density


def _ei_domain(eco: Ecosystem) -> float:
    from ecosystem.algorithms.mixing import mixing

    return float(mixing(eco, "domain", weight=None).overall["ei"])


def _mean_constraint(eco: Ecosystem) -> float:
    from ecosystem.algorithms.structural_holes import structural_holes

    c = structural_holes(eco)["constraint"].to_numpy(dtype=np.float64)
    return float(np.nanmean(c)) if np.isfinite(c).any() else float("nan")


def _gaps(eco: Ecosystem) -> float:
    from ecosystem.algorithms.gaps import gaps

    return float(len(gaps(eco)))


#: Built-in metrics by name.
BUILTIN: Mapping[str, Callable[..., Any]] = {
    "actors": _actors,
    "ties": _ties,
    "density": _density,
    "flows": FlowMetric(),
    **{o: FlowMetric((o,)) for o in (*_OUTCOMES, "mean_hops")},
    "ei_domain": _ei_domain,
    "mean_constraint": _mean_constraint,
    "gaps": _gaps,
    "queueing": QueueMetric(),
    **{m: QueueMetric((m,)) for m in QUEUE_MEASURES},
}


def resolve_metrics(metrics: Any, func: str) -> list[tuple[str, Callable[..., Any], bool]]:
    """``[(name, callable, takes_seed)]`` from names, callables, a list or a mapping."""
    if (isinstance(metrics, str) or callable(metrics)) and not isinstance(metrics, Mapping):
        metrics = [metrics]
    items = list(metrics.items()) if isinstance(metrics, Mapping) else [
        (m if isinstance(m, str) else getattr(m, "__name__", type(m).__name__), m)
        for m in metrics]
    out = []
    for name, m in items:
        if isinstance(m, str):
            if m.startswith("lost_to."):
                m = flow_metric(m)
            elif m not in BUILTIN:
                raise ConfigError(f"{func}(): metric '{m}' is not known" + suggest(m, BUILTIN)
                                  + f" Known: {', '.join(BUILTIN)}, lost_to.<kind>[.<need>]; "
                                  "or pass a function")
            else:
                m = BUILTIN[m]
        if not callable(m):
            raise ConfigError(f"{func}(): metric '{name}' is not callable: {m!r}")
        out.append((str(name), m, _takes_seed(m)))
    if not out:
        raise ConfigError(f"{func}(): no metrics given")
    names = [n for n, _, _ in out]
    if len(set(names)) != len(names):
        raise ConfigError(f"{func}(): metric names must be unique, got {names}")
    return out


def _takes_seed(m: Callable[..., Any]) -> bool:
    if isinstance(m, FlowMetric):
        return True
    try:
        params = inspect.signature(m).parameters
    except (TypeError, ValueError):
        return False
    return "seed" in params or any(p.kind is inspect.Parameter.VAR_KEYWORD
                                   for p in params.values())
