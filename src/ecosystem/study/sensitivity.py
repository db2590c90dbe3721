"""Which assumption drives a finding: global sensitivity analysis of a study's output.

:func:`sensitivity` samples named assumptions (:func:`ecosystem.assumptions`) over their ranges,
evaluates the study's output for every parameter set and attributes its variance to the
assumptions: Sobol' first-order and total indices (Saltelli sampling) or Morris elementary
effects (screening). Sampling and the estimators are SALib's (Herman and Usher 2017); the
evaluations run on the executors of :func:`~ecosystem.study.compare` with its seed rules, so the
indices are identical on any executor.

When only flow assumptions vary and the output is a flow outcome, each scenario's network is
compiled once per replicate and the parameter sets are solved in batches on it (see
:mod:`ecosystem.study._flowbatch`); otherwise a model is built per parameter set.
"""

from __future__ import annotations

import math
import pickle
import warnings
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor, as_completed
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ecosystem._repr import clip, html_card, listing, num
from ecosystem.core.ecosystem import Ecosystem
from ecosystem.core.errors import ConfigError, suggest
from ecosystem.core.random import Seed, spawn
from ecosystem.core.schema import Schema
from ecosystem.generate import Profile
from ecosystem.interventions import Intervention
from ecosystem.study._flowbatch import BLOCK_SETS, FlowBatch, apply, outputs_of
from ecosystem.study.compare import (
    _configs,
    _dumps,
    _executor,
    _interventions,
    _make,
    _progress,
)
from ecosystem.study.metrics import BUILTIN, FlowMetric, _takes_seed
from ecosystem.study.registry import Assumption, check_ranges, default_range

__all__ = ["Sensitivity", "sensitivity"]

METHODS = ("sobol", "morris")
_OUTCOMES = ("resolved_appropriate", "resolved_elsewhere", "medicalised", "stuck", "lost",
             "exceeded")


# ---------------------------------------------------------------------- flow metric names
def parse_flow_metric(name: str, schema: Schema) -> tuple[str, str | None, str | None] | None:
    """``(quantity, kind, need)`` of a flow metric name, or None if it is not one.

    Names: an outcome (``lost``, ``medicalised``, ...) or ``mean_hops`` (the total over needs),
    ``<outcome>.<need>`` (one need), ``resolved_by.<kind>`` and ``resolved_by.<kind>.<need>``
    (share of residents resolved by actors of a kind), ``lost_to.<kind>`` and
    ``lost_to.<kind>.<need>`` (share of the referral attempts to actors of a kind whose
    handover fails; see :attr:`ecosystem.flows.FlowResult.handovers`).
    """
    parts = name.split(".")
    if parts[0] in (*_OUTCOMES, "mean_hops"):
        if len(parts) == 1:
            return parts[0], None, None
        if len(parts) == 2 and parts[1] in schema.needs:
            return parts[0], None, parts[1]
        return None
    if parts[0] in BY_KIND and len(parts) in (2, 3) and parts[1] in schema.actor_kinds:
        if len(parts) == 3 and parts[2] not in schema.needs:
            return None
        return parts[0], parts[1], parts[2] if len(parts) == 3 else None
    return None


#: Flow metrics per actor kind: ``<quantity>.<kind>[.<need>]``.
BY_KIND = ("resolved_by", "lost_to")


def flow_metric_names(schema: Schema) -> list[str]:
    """Every flow metric name of the schema (for suggestions)."""
    out = [*_OUTCOMES, "mean_hops"]
    out += [f"{o}.{n}" for o in (*_OUTCOMES, "mean_hops") for n in schema.needs]
    for q in BY_KIND:
        out += [f"{q}.{k}" for k in schema.actor_kinds]
        out += [f"{q}.{k}.{n}" for k in schema.actor_kinds for n in schema.needs]
    return out


def flow_value(parsed: tuple[str, str | None, str | None], out, needs: Sequence[str],
               kinds: Sequence[str]) -> np.ndarray:
    """The metric's value for every parameter set of an :class:`Outputs`."""
    quantity, kind, need = parsed
    if quantity == "lost_to":
        return out.lost_to(list(kinds).index(str(kind)),
                           None if need is None else list(needs).index(need))
    if quantity == "mean_hops":
        values = out.mean_hops
    elif quantity == "resolved_by":
        values = out.by_kind[:, list(kinds).index(str(kind)), :]
    else:
        values = out.fractions[:, _OUTCOMES.index(quantity), :]
    if need is not None:
        return values[:, list(needs).index(need)]
    return out.total(values)


def flow_needs(parsed: Sequence[tuple[str, str | None, str | None]]) -> dict[str, bool]:
    """Keyword arguments of :meth:`FlowBatch.evaluate` the parsed metrics need."""
    quantities = {p[0] for p in parsed}
    return {"by_kind": "resolved_by" in quantities, "handovers": "lost_to" in quantities}


# ---------------------------------------------------------------------- the metric
@dataclass(frozen=True)
class _Metric:
    name: str
    form: str  # "flow" (flow outcome), "eco" (f(eco) or f(eco, seed)), "model" (f(eco, model))
    parsed: Any = None  # (quantity, kind, need) of a flow metric
    options: tuple[tuple[str, Any], ...] = ()
    func: Any = None  # the function of an "eco" or "model" metric
    takes_seed: bool = False


def _metric(metric: Any, schema: Schema, func: str) -> _Metric:
    if isinstance(metric, FlowMetric):
        if metric.n_residents is not None:
            raise ConfigError(f"{func}(): metric: a simulated flow metric (n_residents=...) adds "
                              "Monte-Carlo noise to the indices; use the exact solver")
        if len(metric.outcomes) != 1:
            raise ConfigError(f"{func}(): metric gives {len(metric.outcomes)} outcomes; pick "
                              "one (flow_metric('lost', ...))")
        name = metric.outcomes[0]
        parsed = parse_flow_metric(name, schema)
        if parsed is None:  # pragma: no cover - flow_metric() checked it against the default
            raise ConfigError(f"{func}(): metric '{name}' does not fit the scenario's schema"
                              + suggest(name, flow_metric_names(schema)))
        return _Metric(name, "flow", parsed, metric.options)
    if isinstance(metric, str):
        parsed = parse_flow_metric(metric, schema)
        if parsed is not None:
            return _Metric(metric, "flow", parsed)
        if metric == "flows":
            raise ConfigError(f"{func}(): metric 'flows' gives every outcome; pick one, e.g. "
                              "'lost' or 'medicalised'")
        if metric in BUILTIN:
            f = BUILTIN[metric]
            return _Metric(metric, "eco", func=f, takes_seed=_takes_seed(f))
        known = [*flow_metric_names(schema), *(k for k in BUILTIN if k != "flows")]
        raise ConfigError(f"{func}(): metric '{metric}' is not known" + suggest(metric, known)
                          + " Use an outcome (lost, medicalised, ...), '<outcome>.<need>', "
                          "'resolved_by.<kind>[.<need>]', 'lost_to.<kind>[.<need>]', "
                          "mean_hops, a built-in metric of "
                          "compare() or a function f(eco, model)")
    if callable(metric):
        return _Metric(getattr(metric, "__name__", "metric"), "model", func=metric)
    raise ConfigError(f"{func}(): metric must be a metric name or a function f(eco, model), "
                      f"got {type(metric).__name__}")


# ---------------------------------------------------------------------- the work
@dataclass(frozen=True)
class _Spec:
    configs: tuple[tuple[str, Any], ...]
    interventions: tuple[Intervention, ...]
    combos: tuple[tuple[int, int], ...]  # (configuration, intervention) per output
    assumptions: tuple[Assumption, ...]
    metric: _Metric
    seeds: tuple[int, ...]  # one per replicate


@dataclass(frozen=True)
class _Chunk:
    spec: _Spec
    start: int
    x: np.ndarray


def _base_model(spec: _Spec, eco: Ecosystem):
    from ecosystem.flows import ReferralModel
    from ecosystem.study.metrics import _demand

    opts = dict(spec.metric.options)
    opts.setdefault("demand", _demand(eco))
    return ReferralModel(eco, **opts)


def _with_profile(value: Any, values: dict[Assumption, float]) -> Any:
    """The profile with sampled parameters; a ratio the profile does not have has no effect."""
    given = {str(a.parameter): v for a, v in values.items()
             if not (str(a.parameter).startswith("ratio.")
                     and str(a.parameter)[len("ratio."):] not in value.ratios)}
    if not given:
        return value
    return value.with_parameters(given, source="sensitivity sample")


def _on_fixed(spec: _Spec, eco: Ecosystem, x: np.ndarray, start: int, seed: int) -> np.ndarray:
    """The metric for parameter sets ``x`` (flow columns only) on one ecosystem."""
    m = spec.metric
    flows = [a for a in spec.assumptions if a.flow]
    if m.form == "eco":
        value = m.func(eco, seed=seed) if m.takes_seed else m.func(eco)
        return np.full(len(x), float(value))
    base = _base_model(spec, eco)
    hops_given = any(a.group == "max_hops" for a in flows)
    if m.form == "flow" and (base.max_hops is not None or hops_given):
        batch = FlowBatch(base, flows)
        kinds = batch.kinds
        out = batch.evaluate(x, **flow_needs([m.parsed]), offset=start)
        return flow_value(m.parsed, out, batch.needs, kinds)
    result = np.empty(len(x))
    for i, row in enumerate(x):
        model = apply(base, dict(zip(flows, row, strict=True)))
        if m.form == "flow":
            names = list(eco.schema.actor_kinds)
            out = outputs_of([model], names if m.parsed[0] in BY_KIND else None,
                             handovers=m.parsed[0] == "lost_to")
            result[i] = flow_value(m.parsed, out, model.needs, names)[0]
        else:
            result[i] = float(m.func(model.ecosystem, model))
    return result


def _run_chunk(chunk: _Chunk) -> np.ndarray:
    """rows x outputs x replicates."""
    spec, x = chunk.spec, chunk.x
    flow_cols = [j for j, a in enumerate(spec.assumptions) if a.flow]
    prof_cols = [j for j, a in enumerate(spec.assumptions) if not a.flow]
    xf = x[:, flow_cols]
    out = np.full((len(x), len(spec.combos), len(spec.seeds)), np.nan)
    needed = sorted({ci for ci, _ in spec.combos})
    for r, seed in enumerate(spec.seeds):
        if not prof_cols:
            ecos = {ci: _make(spec.configs[ci][1], seed) for ci in needed}
            for o, (ci, ii) in enumerate(spec.combos):
                eco = spec.interventions[ii](ecos[ci])
                out[:, o, r] = _on_fixed(spec, eco, xf, chunk.start, seed)
            continue
        for i in range(len(x)):
            values = {spec.assumptions[j]: x[i, j] for j in prof_cols}
            ecos = {ci: _make(_with_profile(spec.configs[ci][1], values), seed)
                    for ci in needed}
            for o, (ci, ii) in enumerate(spec.combos):
                eco = spec.interventions[ii](ecos[ci])
                out[i, o, r] = _on_fixed(spec, eco, xf[i:i + 1], chunk.start + i, seed)[0]
    return out


def _run_payload(payload: bytes) -> np.ndarray:
    """Worker entry point: unpickle one chunk and run it."""
    return _run_chunk(pickle.loads(payload))


# ---------------------------------------------------------------------- the study
def sensitivity(
    scenarios: Mapping[str, Any] | Sequence[str],
    assumptions: Mapping[str, tuple[float, float] | None] | Sequence[str],
    *,
    metric: Any,
    contrast: tuple[str, str] | None = None,
    interventions: Mapping[str, Any] | Sequence[Intervention] | None = None,
    method: str = "sobol",
    n: int | None = None,
    replicates: int = 1,
    seed: Seed = None,
    executor: Executor | int | None = None,
    progress: bool = True,
    confidence: float = 0.95,
    n_resamples: int = 1000,
    chunksize: int | None = None,
) -> Sensitivity:
    """Which assumptions a study's output depends on, and how much (Sobol' or Morris).

    Every parameter set drawn over the assumptions' ranges is evaluated on every replicate: the
    scenario's ecosystem of the replicate (generated from the replicate's seed, exactly as
    :func:`~ecosystem.study.compare` generates it; the same ecosystems for every parameter set,
    so only the assumptions vary), with the intervention applied, then the flow assumptions.
    The output of a parameter set is the metric's mean over replicates, or with ``contrast``
    the difference of two scenarios' outputs.

    Parameters
    ----------
    scenarios
        As in :func:`~ecosystem.study.compare`: mapping name -> Profile, preset name, table of
        neighbourhoods, Ecosystem or function of a seed; or a list of preset names.
    assumptions
        Mapping assumption name -> ``(low, high)`` or ``None`` for the default range around
        the value in use in the (first) scenario (rules: :func:`ecosystem.study.registry.
        default_range`); or a list of names. Names: :func:`ecosystem.assumptions`.
        ``profile.<parameter>`` assumptions need every scenario involved to be a profile.
    metric
        An outcome name (``"lost"``, ``"medicalised"``, ...; the total over needs),
        ``"<outcome>.<need>"``, ``"resolved_by.<kind>[.<need>]"``,
        ``"lost_to.<kind>[.<need>]"`` (share of the referral attempts to actors of the kind
        whose handover fails, see :attr:`~ecosystem.flows.FlowResult.handovers`),
        ``"mean_hops"``, another built-in metric of :func:`~ecosystem.study.compare`
        (``"ties"``, ...), a :func:`~ecosystem.study.flow_metric` of one outcome (its model
        options are used), or a function ``f(eco, model)`` of the ecosystem and the
        :class:`~ecosystem.flows.ReferralModel` built with the sampled assumptions.
    contrast
        ``(a, b)``: the output is metric(a) - metric(b). ``a`` and ``b`` name scenarios, or
        interventions when there is one scenario, or ``"scenario / intervention"`` pairs.
        ``None``: there must be a single scenario and intervention.
    interventions
        As in :func:`~ecosystem.study.compare`.
    method
        ``"sobol"``: first-order (``S1``) and total (``ST``) indices with bootstrap confidence
        intervals, from Saltelli's design of ``n (d + 2)`` evaluations for ``d`` assumptions
        (``n`` a power of 2). ``"morris"``: elementary effects ``mu_star`` (mean absolute
        effect, with a bootstrap interval), ``mu`` and ``sigma`` from ``n`` trajectories of
        ``d + 1`` evaluations on a 4-level grid, for screening many assumptions.
    n
        Base sample size; default 256 (Sobol') or 32 trajectories (Morris).
    replicates
        Ecosystems per scenario (generated ones differ by replicate); the output is their mean.
    seed
        Seed of the study: replicate seeds are derived as in :func:`compare`, the sample and
        bootstrap from one more child seed. ``None`` draws fresh entropy (recorded).
    executor
        ``None`` (serial), an int (local processes) or a :class:`concurrent.futures.Executor`
        (e.g. a Dask ``Client.get_executor()``), as in :func:`compare`.
    progress
        Show a progress bar of evaluated parameter sets.
    confidence
        Level of the confidence intervals.
    n_resamples
        Bootstrap resamples of the intervals.
    chunksize
        Parameter sets per task sent to the executor; by default about four tasks per worker.
        Rounded up to a multiple of 256 (whole solver batches, so that the numbers do not
        depend on the chunking).

    Returns
    -------
    Sensitivity

    Raises
    ------
    ConfigError
        Before any evaluation: an unknown assumption (with the closest names), a range outside
        [0, 1] for a probability or with low >= high, an unknown metric, a contrast naming a
        scenario that does not exist, profile assumptions with a scenario that is not a
        profile, a Sobol' ``n`` that is not a power of 2.

    References
    ----------
    Saltelli, A. et al. (2010). Variance based sensitivity analysis of model output. *Computer
    Physics Communications* 181(2), 259-270. Morris, M. D. (1991). Factorial sampling plans for
    preliminary computational experiments. *Technometrics* 33(2), 161-174. Herman, J. and
    Usher, W. (2017). SALib: an open-source Python library for sensitivity analysis. *Journal of
    Open Source Software* 2(9), 97.

    Examples
    --------
    >>> from ecosystem import datasets
    >>> from ecosystem.study import sensitivity
    >>> s = sensitivity({"example": datasets.example()},
    ...                 {"handover_cross": (0.4, 0.95), "handover_same": (0.8, 1.0),
    ...                  "resolve.gp.loneliness": None},
    ...                 metric="lost", n=64, seed=1, progress=False)
    >>> s.indices.columns.tolist()
    ['assumption', 'index', 'value', 'conf_low', 'conf_high']
    >>> s.ranking().index.tolist()  # most handovers in the example stay within a domain
    ['handover_same', 'handover_cross', 'resolve.gp.loneliness']
    """
    func = "sensitivity"
    configs = _configs(scenarios, func)
    ints = _interventions(interventions, func)
    schema = next((v.schema for _, v in configs if isinstance(v, Ecosystem)),
                  Schema.default())
    met = _metric(metric, schema, func)
    combos, labels, output = _outputs(configs, ints, interventions is not None, contrast, func)
    ranges = check_ranges(assumptions, schema, func)
    _check_profiles(ranges, combos, configs, func)
    n = _check_options(method, n, replicates, confidence, n_resamples, chunksize, executor,
                       func)
    if seed is None:
        seed = int(np.random.SeedSequence().entropy)  # type: ignore[arg-type]
    rep_seeds, sample_seed, analysis_seed = _seeds(seed, int(replicates))

    spec = _Spec(tuple(configs), tuple(i for _, i in ints), tuple(combos),
                 tuple(a for a, _ in ranges.values()), met, rep_seeds)
    table = _ranges(spec, ranges, configs)
    names = [str(x) for x in table.index]
    bounds = [[lo, hi + 1.0 if a.integer else hi] for a, lo, hi in zip(
        spec.assumptions, table["low"].tolist(), table["high"].tolist(), strict=True)]
    problem = {"num_vars": len(names), "names": names, "bounds": bounds}
    x = _sample(problem, method, int(n), sample_seed)
    y3 = _evaluate(spec, x, executor, progress, chunksize, func)
    per_output = y3.mean(axis=2)
    y = per_output[:, 0] - per_output[:, 1] if contrast is not None else per_output[:, 0]
    bad = np.flatnonzero(~np.isfinite(y))
    if len(bad):
        row = dict(zip(names, x[bad[0]].tolist(), strict=True))
        raise ConfigError(f"{func}(): the metric is not a finite number for {len(bad)} "
                          f"parameter set(s), e.g. {row}; narrow the ranges")
    indices = _analyze(problem, method, x, y, confidence, int(n_resamples), analysis_seed,
                       func)
    samples = pd.DataFrame(x, columns=pd.Index(names))
    for j, a in enumerate(spec.assumptions):
        if a.integer:
            samples[a.name] = np.floor(x[:, j])
    for o, label in enumerate(labels):
        samples[f"value[{label}]"] = per_output[:, o]
    samples["value"] = y
    pair = (str(contrast[0]), str(contrast[1])) if contrast is not None else None
    return Sensitivity(indices=indices, samples=samples, ranges=table, method=method,
                       metric=met.name, output=output, contrast=pair, n=int(n),
                       replicates=int(replicates),
                       seed=int(seed) if isinstance(seed, (int, np.integer)) else None,
                       confidence=confidence)


def _check_profiles(ranges, combos, configs, func: str) -> None:
    """Profile assumptions need every scenario of the output to be a profile."""
    for a, _ in ranges.values():
        if a.group != "profile":
            continue
        for ci, _ in combos:
            if not isinstance(configs[ci][1], Profile):
                raise ConfigError(
                    f"{func}(): assumption '{a.name}' is a profile parameter, but scenario "
                    f"'{configs[ci][0]}' is not a profile (a preset name or Profile); vary "
                    "profile parameters on profile scenarios only")


def _check_options(method, n, replicates, confidence, n_resamples, chunksize, executor,
                   func: str) -> int:
    """Validate the scalar options; returns ``n`` (with its default)."""
    if method not in METHODS:
        raise ConfigError(f"{func}(): method '{method}' is not known" + suggest(
            str(method), METHODS) + f" Known: {', '.join(METHODS)}")
    if n is None:
        n = 256 if method == "sobol" else 32
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ConfigError(f"{func}(): n={n!r} must be an int >= 2")
    if method == "sobol" and n & (n - 1):
        raise ConfigError(f"{func}(): n={n} must be a power of 2 for Sobol' sampling (e.g. "
                          f"{2 ** round(math.log2(n))})")
    if isinstance(replicates, bool) or not isinstance(replicates, (int, np.integer)) \
            or replicates < 1:
        raise ConfigError(f"{func}(): replicates={replicates!r} must be an int >= 1")
    if not (isinstance(confidence, float) and 0 < confidence < 1):
        raise ConfigError(f"{func}(): confidence={confidence!r} must be a float in (0, 1)")
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, (int, np.integer)) \
            or n_resamples < 10:
        raise ConfigError(f"{func}(): n_resamples={n_resamples!r} must be an int >= 10")
    if chunksize is not None and not (isinstance(chunksize, (int, np.integer))
                                      and chunksize >= 1):
        raise ConfigError(f"{func}(): chunksize={chunksize!r} must be an int >= 1")
    if executor is not None and not isinstance(executor, (int, np.integer, Executor)):
        _executor(executor, func)  # raises the message of compare()
    return int(n)


def _seeds(seed: Seed, replicates: int) -> tuple[tuple[int, ...], int, int]:
    """Replicate seeds (as in compare()), and the sampling and bootstrap seeds."""
    children = spawn(seed, replicates + 1)
    rep_seeds = tuple(int(s.generate_state(1, np.uint64)[0] >> np.uint64(1))
                      for s in children[:-1])
    own = children[-1].generate_state(2, np.uint32)
    return rep_seeds, int(own[0]) + 1, int(own[1]) + 1  # SALib ignores a seed of 0


def _outputs(configs, ints, named, contrast, func):
    """(combos, labels, description) of the output(s) the study needs."""
    labels = {f"{c} / {i}" if named else c: (ci, ii) for ci, (c, _) in enumerate(configs)
              for ii, (i, _) in enumerate(ints)}
    if contrast is None:
        if len(labels) != 1:
            raise ConfigError(f"{func}(): {len(labels)} scenarios {list(labels)}: pass "
                              "contrast=(a, b) to analyse their difference, or one scenario "
                              "and intervention")
        (label, combo), = labels.items()
        return [combo], [label], label
    if isinstance(contrast, str) or not isinstance(contrast, Sequence) or len(contrast) != 2:
        raise ConfigError(f"{func}(): contrast must be a pair (a, b) of scenario names, got "
                          f"{contrast!r}")
    combos, names = [], []
    for name in contrast:
        hit = _find(str(name), labels, configs, ints, func)
        combos.append(labels[hit])
        names.append(hit)
    if combos[0] == combos[1]:
        raise ConfigError(f"{func}(): contrast {tuple(contrast)} names the same scenario twice")
    return combos, names, f"{names[0]} - {names[1]}"


def _find(name, labels, configs, ints, func) -> str:
    if name in labels:
        return name
    cfg = [c for c, _ in configs]
    itv = [i for i, _ in ints]
    matches = [lab for lab, (ci, ii) in labels.items()
               if (len(itv) == 1 and cfg[ci] == name) or (len(cfg) == 1 and itv[ii] == name)]
    if len(matches) == 1:
        return matches[0]
    known = list(labels) + (cfg if len(itv) == 1 else []) + (itv if len(cfg) == 1 else [])
    raise ConfigError(f"{func}(): contrast names '{name}', which is not a scenario"
                      + suggest(name, known) + f" Scenarios: {list(labels)}")


def _ranges(spec: _Spec, ranges, configs) -> pd.DataFrame:
    """Ranges table: given ones, and defaults around the value in use in the first output."""
    rows = []
    base = None
    if any(a.flow for a, _ in ranges.values()):
        ci, ii = spec.combos[0]
        eco = spec.interventions[ii](_make(configs[ci][1], spec.seeds[0]))
        base = _base_model(spec, eco)
    first_profile = next((configs[ci][1] for ci, _ in spec.combos
                          if isinstance(configs[ci][1], Profile)), None)
    for a, given in ranges.values():
        in_use, sourced = _in_use(a, base, first_profile)
        if given is None:
            if in_use is None or not np.isfinite(in_use):
                raise ConfigError(f"sensitivity(): no value of '{a.name}' is in use in the "
                                  f"scenarios, so it has no default range; give (low, high)")
            lo, hi = default_range(a, in_use, sourced=sourced)
            origin = "default"
        else:
            (lo, hi), origin = given, "given"
        rows.append((a.name, lo, hi, origin, in_use))
    return pd.DataFrame(rows, columns=["assumption", "low", "high", "range", "in_use"]
                        ).set_index("assumption")


def _in_use(a: Assumption, base, profile) -> tuple[float | None, bool]:
    """Value of an assumption in the base model (or profile), and whether it is sourced."""
    if a.group == "profile":
        if profile is None:
            return None, False
        params = profile.parameters()
        if a.parameter not in params:
            return None, False
        source = profile.source_of(a.parameter)
        return params[a.parameter], bool(source) and not source.startswith("assumption")
    if a.group == "handover":
        return getattr(base, a.name), False
    if a.group == "max_hops":
        return (np.nan if base.max_hops is None else float(base.max_hops)), False
    if a.group == "suitability_floor":
        if base.routing == "weight" or base.suitability_table is not None:
            raise ConfigError(
                "the assumption suitability_floor has no effect on a model with "
                + ("routing='weight'" if base.routing == "weight" else "a suitability table")
                + "; it only enters the default suitability (resolve + floor) of routing='need'")
        return base.suitability_floor, False
    eco = base.ecosystem
    kinds = eco.actors["kind"].to_numpy()
    at = kinds == a.kind
    if not at.any():  # the kind is absent: the model's table value
        table = base.resolve_table if a.group == "resolve" else base.entry_table
        return float(table.loc[a.kind, a.need]), False
    if a.group == "resolve":
        values = base._compiled.resolve[base.needs.index(a.need), at]
    else:
        batch = FlowBatch(base, [a])
        values = batch.weights0[at, base.needs.index(a.need)]
    return float(np.mean(values)), False


def _sample(problem: dict, method: str, n: int, seed: int) -> np.ndarray:
    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample

    if method == "sobol":
        return sobol_sample.sample(problem, n, calc_second_order=False, scramble=True,
                                   seed=seed)
    return morris_sample.sample(problem, n, num_levels=4, seed=seed)


def _evaluate(spec: _Spec, x: np.ndarray, executor, progress: bool, chunksize, func: str
              ) -> np.ndarray:
    exe, owned, workers = _executor(executor, func)
    total = len(x)
    if chunksize is None:  # about four tasks per worker; one solver batch when unknown
        chunksize = total if exe is None else BLOCK_SETS if workers is None else max(
            1, math.ceil(total / (4 * workers)))
    # whole solver batches per chunk: the numbers do not depend on the chunking
    chunksize = max(1, math.ceil(chunksize / BLOCK_SETS)) * BLOCK_SETS
    chunks = [_Chunk(spec, s, x[s:s + chunksize]) for s in range(0, total, chunksize)]
    out = np.full((total, len(spec.combos), len(spec.seeds)), np.nan)
    bar = _progress(progress, total)
    try:
        if exe is None:
            for ch in chunks:
                out[ch.start:ch.start + len(ch.x)] = _run_chunk(ch)
                bar.update(len(ch.x))
        else:
            futures = {exe.submit(_run_payload, _dumps(ch)): ch for ch in chunks}
            for fut in as_completed(futures):
                ch = futures[fut]
                out[ch.start:ch.start + len(ch.x)] = fut.result()
                bar.update(len(ch.x))
    finally:
        bar.close()
        if owned and exe is not None:
            exe.shutdown(wait=True, cancel_futures=True)
    return out


def _analyze(problem, method, x, y, confidence, n_resamples, seed, func) -> pd.DataFrame:
    from SALib.analyze import morris as morris_analyze
    from SALib.analyze import sobol as sobol_analyze

    names = problem["names"]
    constant = np.ptp(y) <= 1e-15 * max(1.0, float(np.abs(y).max()))
    if constant:
        warnings.warn(f"{func}(): the output is the same for every parameter set; no "
                      "assumption in these ranges changes it (all indices 0)", RuntimeWarning,
                      stacklevel=3)
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SALib's constant-output and level warnings
        if method == "sobol":
            if constant:
                res = {k: np.zeros(len(names)) for k in ("S1", "S1_conf", "ST", "ST_conf")}
            else:
                res = sobol_analyze.analyze(problem, y, calc_second_order=False,
                                            num_resamples=n_resamples, conf_level=confidence,
                                            seed=seed)
            for j, name in enumerate(names):
                for index in ("S1", "ST"):
                    v, c = float(res[index][j]), float(res[f"{index}_conf"][j])
                    rows.append((name, index, v, v - c, v + c))
        else:
            if constant:
                res = {k: np.zeros(len(names)) for k in ("mu_star", "mu_star_conf", "mu",
                                                         "sigma")}
            else:
                res = morris_analyze.analyze(problem, x, y, num_resamples=n_resamples,
                                             conf_level=confidence, num_levels=4, seed=seed)
            for j, name in enumerate(names):
                v, c = float(res["mu_star"][j]), float(res["mu_star_conf"][j])
                rows.append((name, "mu_star", v, v - c, v + c))
                rows.append((name, "mu", float(res["mu"][j]), np.nan, np.nan))
                rows.append((name, "sigma", float(res["sigma"][j]), np.nan, np.nan))
    return pd.DataFrame(rows, columns=["assumption", "index", "value", "conf_low",
                                       "conf_high"])


@dataclass(frozen=True)
class Sensitivity:
    """What :func:`sensitivity` returns (made by it, not by hand).

    Parameters
    ----------
    indices
        Tidy table, one row per assumption and index: columns ``assumption``, ``index``
        (``S1``, ``ST`` for Sobol'; ``mu_star``, ``mu``, ``sigma`` for Morris), ``value``,
        ``conf_low``, ``conf_high`` (bootstrap interval at ``confidence``; NaN where the method
        gives none).
    samples
        One row per evaluated parameter set: the assumptions' values (integers floored as used),
        ``value[<scenario>]`` per scenario of the output and ``value`` (the analysed output).
    ranges
        Indexed by assumption: ``low``, ``high``, ``range`` (``"given"`` or ``"default"``)
        and ``in_use`` (the value in the first scenario, from which a default range is made).
    method
        ``"sobol"`` or ``"morris"``.
    metric
        The metric's name.
    output
        The analysed output: a scenario, or ``"a - b"`` for a contrast.
    contrast
        The contrast pair, or ``None``.
    n
        Base sample size.
    replicates
        Ecosystems per scenario.
    seed
        The study's seed (when an int).
    confidence
        Level of the confidence intervals.

    Examples
    --------
    >>> from ecosystem import datasets
    >>> from ecosystem.study import sensitivity
    >>> s = sensitivity({"e": datasets.example()}, {"handover_cross": (0.4, 0.95)},
    ...                 metric="lost", n=8, seed=1, progress=False)
    >>> s.method, s.output, len(s.samples)
    ('sobol', 'e', 24)
    """

    indices: pd.DataFrame
    samples: pd.DataFrame
    ranges: pd.DataFrame
    method: str
    metric: str
    output: str
    contrast: tuple[str, str] | None
    n: int
    replicates: int
    seed: int | None
    confidence: float

    def ranking(self, index: str | None = None) -> pd.DataFrame:
        """Assumptions ordered by an index, largest first.

        Parameters
        ----------
        index
            ``"ST"``, ``"S1"``, ``"mu_star"``, ``"mu"`` or ``"sigma"``; default ``ST`` for
            Sobol', ``mu_star`` for Morris.

        Returns
        -------
        pandas.DataFrame
            Indexed by assumption, one column per index (values), sorted descending.

        Examples
        --------
        >>> from ecosystem import datasets
        >>> from ecosystem.study import sensitivity
        >>> s = sensitivity({"e": datasets.example()}, {"handover_cross": (0.4, 0.95),
        ...                 "resolve.hospital.debt": (0.0, 0.1)}, metric="lost", n=8, seed=1,
        ...                 progress=False)
        >>> s.ranking().index.tolist()
        ['handover_cross', 'resolve.hospital.debt']
        """
        index = index or ("ST" if self.method == "sobol" else "mu_star")
        wide = self.indices.pivot(index="assumption", columns="index", values="value")
        if index not in wide.columns:
            raise ConfigError(f"Sensitivity.ranking(): index '{index}' is not one of "
                              f"{list(wide.columns)}")
        return wide.sort_values(index, ascending=False, kind="stable")

    def plot(self, *, ax: Any = None, index: str | None = None, top: int | None = 15) -> Any:
        """Tornado chart: assumptions as horizontal bars of an index, largest on top.

        Sobol': total index bars with the first-order index overlaid, both with their
        confidence intervals; Morris: ``mu_star`` with its interval.

        Parameters
        ----------
        ax
            Matplotlib axes to draw into; a new figure when omitted.
        index
            The index of the bars (see :meth:`ranking`).
        top
            Show only the ``top`` assumptions (``None``: all).

        Returns
        -------
        matplotlib.axes.Axes

        Examples
        --------
        >>> from ecosystem import datasets
        >>> from ecosystem.study import sensitivity
        >>> s = sensitivity({"e": datasets.example()}, {"handover_cross": (0.4, 0.95)},
        ...                 metric="lost", n=8, seed=1, progress=False)
        >>> s.plot().get_title()
        'lost: e'
        """
        import matplotlib.pyplot as plt

        from ecosystem.plotting._style import OKABE_ITO

        index = index or ("ST" if self.method == "sobol" else "mu_star")
        rank = self.ranking(index)
        if top is not None:
            rank = rank.iloc[:top]
        names = list(rank.index)[::-1]
        if ax is None:
            _, ax = plt.subplots(figsize=(7, 0.35 * len(names) + 1.2))
        t = self.indices.set_index(["assumption", "index"])
        ypos = np.arange(len(names))
        shown = [index] + (["S1"] if self.method == "sobol" and index == "ST" else [])
        colours = {"ST": OKABE_ITO["blue"], "S1": OKABE_ITO["orange"],
                   "mu_star": OKABE_ITO["blue"]}
        for k, idx in enumerate(shown):
            v = np.array([t.loc[(nm, idx), "value"] for nm in names])
            lo = np.array([t.loc[(nm, idx), "conf_low"] for nm in names])
            hi = np.array([t.loc[(nm, idx), "conf_high"] for nm in names])
            err = np.vstack([np.clip(v - lo, 0, None), np.clip(hi - v, 0, None)])
            err = np.nan_to_num(err)
            h = 0.7 if k == 0 else 0.35
            ax.barh(ypos, v, height=h, color=colours.get(idx, OKABE_ITO["blue"]), xerr=err,
                    capsize=2, label=idx, alpha=0.9)
        ax.set_yticks(ypos, names)
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_xlabel("Sobol' index" if self.method == "sobol" else "Morris mu*")
        ax.set_title(f"{self.metric}: {self.output}")
        ax.legend(loc="lower right", frameon=False)
        return ax

    def __repr__(self) -> str:
        index = "ST" if self.method == "sobol" else "mu_star"
        rank = self.ranking()[index]
        top = listing((f"{name} ({index} {num(v)})" for name, v in rank.items()), 3, width=48)
        return (f"<Sensitivity ({self.method}) of {clip(self.metric)} [{clip(self.output)}]: "
                f"{len(self.ranges)} assumptions, {len(self.samples)} evaluations; "
                f"top: {top}>")

    def _repr_html_(self) -> str:
        return html_card(
            f"Sensitivity ({self.method}) of {self.metric} [{self.output}]: "
            f"{len(self.ranges)} assumptions, {len(self.samples)} evaluations, n={self.n}, "
            f"{self.replicates} replicates",
            [("Assumptions ranked, largest first", self.ranking()),
             ("Ranges", self.ranges)])
