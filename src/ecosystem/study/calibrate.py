"""Fit named flow assumptions to observed figures: least squares on the exact solver.

A researcher has figures such as "38% of loneliness needs are resolved at the GP" or "12% of
residents are lost between services". :func:`calibrate` finds the values of chosen flow
assumptions (within bounds) for which the exact referral-flow model reproduces them, with
approximate standard errors, and says which parameters the figures cannot pin down.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from ecosystem._repr import clip, html_card, listing
from ecosystem.core.ecosystem import Ecosystem
from ecosystem.core.errors import ConfigError, suggest
from ecosystem.core.random import Seed, spawn
from ecosystem.core.schema import Schema
from ecosystem.flows import ReferralModel
from ecosystem.study._flowbatch import FlowBatch, apply
from ecosystem.study.compare import _configs, _make
from ecosystem.study.registry import Assumption, check_ranges
from ecosystem.study.sensitivity import (
    _in_use,
    flow_metric_names,
    flow_needs,
    flow_value,
    parse_flow_metric,
)

__all__ = ["Calibration", "IdentifiabilityWarning", "calibrate"]

#: Relative singular value below which a direction of the parameters counts as flat.
FLAT = 1e-6


class IdentifiabilityWarning(UserWarning):
    """The targets do not determine some parameters (a flat direction of the fit).

    Examples
    --------
    >>> import warnings
    >>> from ecosystem import datasets
    >>> from ecosystem.study import IdentifiabilityWarning, calibrate
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     fit = calibrate(datasets.example(), {"lost": (0.16, 0.01)},
    ...                     ["handover_cross", "handover_same"])
    >>> any(issubclass(w.category, IdentifiabilityWarning) for w in caught)
    True
    """


def calibrate(
    scenario: Any,
    targets: Mapping[str, float | tuple[float, float]],
    parameters: Mapping[str, tuple[float, float] | None] | Sequence[str],
    *,
    weights: Mapping[str, float] | None = None,
    seed: Seed = None,
    start: Mapping[str, float] | None = None,
    options: Mapping[str, Any] | None = None,
) -> Calibration:
    r"""Fit flow assumptions so that the exact model reproduces observed figures.

    Minimises :math:`\sum_i \left( w_i (f_i(\theta) - y_i) / s_i \right)^2` over the parameters
    :math:`\theta` within their bounds (:func:`scipy.optimize.least_squares`, trust-region
    reflective, three-point finite-difference Jacobian), where :math:`f_i` is the model's value
    of target :math:`i`, :math:`y_i` the observed value, :math:`s_i` its standard error (1 when
    none is given) and :math:`w_i` the square root of its weight. The model is the scenario's
    :class:`~ecosystem.flows.ReferralModel` (the demand of a generated ecosystem, as in
    :func:`compare`) with the parameters replaced as :func:`sensitivity` replaces them.

    Standard errors come from the Jacobian :math:`J` of the scaled residuals at the solution:
    :math:`\mathrm{cov} = \sigma^2 (J^\top J)^{-1}` with :math:`\sigma^2 = 1` when every
    target has a standard error, else the residual variance
    :math:`\mathrm{RSS} / (m - p)` for :math:`m` targets and :math:`p` parameters (NaN, with a
    note, when :math:`m \le p`). Directions of the parameters along which the targets do not
    change (singular values of :math:`J` below ``1e-6`` of the largest) are reported by an
    :class:`IdentifiabilityWarning` naming them, in :attr:`Calibration.notes`, and the standard
    errors of the parameters involved are NaN: the fit found *a* solution there, not *the*
    solution.

    Parameters
    ----------
    scenario
        A Profile, preset name, table of neighbourhoods, Ecosystem or function of a seed (as a
        scenario of :func:`compare`), or a mapping with one such entry.
    targets
        Mapping metric -> observed value, or -> ``(value, standard error)``. Metrics: an
        outcome (``"lost"``, ``"medicalised"``, ...: shares of all residents),
        ``"<outcome>.<need>"``, ``"resolved_by.<kind>"``, ``"resolved_by.<kind>.<need>"``
        (e.g. ``"resolved_by.gp.loneliness"``: share of residents with loneliness resolved
        at a general practice), ``"lost_to.<kind>"``, ``"lost_to.<kind>.<need>"`` (e.g.
        ``"lost_to.welfare"``: share of the referral attempts to welfare organisations whose
        handover fails, see :attr:`~ecosystem.flows.FlowResult.handovers`) or
        ``"mean_hops"``.
    parameters
        Flow assumptions to fit (``handover_same``, ``handover_cross``,
        ``resolve.<kind>.<need>``, ``entry.<kind>.<need>``): a list of names (bounds: the
        default range around the value in use, see :func:`ecosystem.assumptions`) or a mapping
        name -> ``(low, high)`` or ``None``.
    weights
        Mapping target -> weight > 0 (default 1 each), multiplying the squared residual.
    seed
        Seed of a generated scenario (the ecosystem of replicate 0 of :func:`compare` with
        the same seed).
    start
        Mapping parameter -> starting value; default the value in use (moved inside the
        bounds).
    options
        Keyword arguments of :class:`~ecosystem.flows.ReferralModel` (``max_hops``, ``tie_kinds``,
        ``demand``, ...).

    Returns
    -------
    Calibration

    Raises
    ------
    ConfigError
        Before fitting: an unknown target metric or parameter (with the closest names), a
        target value or weight out of range, ``max_hops`` or a profile parameter among the
        parameters, bounds outside [0, 1] for a probability or with low >= high.

    Examples
    --------
    >>> from ecosystem import datasets
    >>> from ecosystem.study import calibrate
    >>> fit = calibrate(datasets.example(),
    ...                 {"lost": (0.16, 0.01), "medicalised.loneliness": (0.30, 0.02)},
    ...                 ["handover_cross", "resolve.gp.loneliness"])
    >>> fit.residuals["fitted"].round(4).tolist()
    [0.16, 0.3]
    >>> fit.parameters[["value", "se"]].round(3)
                           value     se
    assumption
    handover_cross         0.719  0.039
    resolve.gp.loneliness  0.162  0.031

    "12% of referrals to welfare are lost" (standard error 0.8 percentage points): the
    cross-domain handover that gives it

    >>> fit = calibrate(datasets.example(), {"lost_to.welfare": (0.12, 0.008)},
    ...                 ["handover_cross"])
    >>> fit.parameters[["value", "se"]].round(3)
                    value     se
    assumption
    handover_cross  0.797  0.017
    """
    func = "calibrate"
    configs = _configs(scenario if isinstance(scenario, Mapping) else {"scenario": scenario},
                       func)
    if len(configs) != 1:
        raise ConfigError(f"{func}(): calibrate one scenario at a time, got {len(configs)}")
    name, config = configs[0]
    schema = config.schema if isinstance(config, Ecosystem) else Schema.default()
    tgt = _targets(targets, weights, schema, func)
    ranges = check_ranges(parameters, schema, func)
    for a, _ in ranges.values():
        if a.group not in ("handover", "resolve", "entry"):
            raise ConfigError(f"{func}(): '{a.name}' cannot be fitted; fit handover_same, "
                              "handover_cross, resolve.<kind>.<need> or entry.<kind>.<need>")
    rep_seed = 0 if seed is None else int(
        spawn(seed, 1)[0].generate_state(1, np.uint64)[0] >> np.uint64(1))
    eco = _make(config, rep_seed)
    base = _model(eco, options, func)
    assumptions = [a for a, _ in ranges.values()]
    lo, hi, x0 = _bounds(ranges, base, start, func)
    batch = FlowBatch(base, assumptions)
    wanted = flow_needs([t[0] for t in tgt.values()])
    observed = np.array([t[1] for t in tgt.values()])
    scale = np.array([np.sqrt(t[3]) / t[2] for t in tgt.values()])

    def fitted(theta: np.ndarray) -> np.ndarray:
        out = batch.evaluate(theta[None, :], **wanted)
        return np.array([flow_value(t[0], out, batch.needs, batch.kinds)[0]
                         for t in tgt.values()])

    def residuals(theta: np.ndarray) -> np.ndarray:
        return (fitted(theta) - observed) * scale

    undefined = [t for t, v in zip(tgt, fitted(x0), strict=True) if not np.isfinite(v)]
    if undefined:
        raise ConfigError(f"{func}(): target(s) {', '.join(undefined)} are not defined in "
                          f"scenario '{name}' at the start values (a lost_to.<kind> target "
                          "needs referral attempts to that kind: ties to actors of the kind "
                          "from actors residents reach); drop them or use another scenario")
    sol = least_squares(residuals, x0, bounds=(lo, hi), method="trf", jac="3-point",
                        x_scale="jac", xtol=1e-12, ftol=1e-12, gtol=1e-12, max_nfev=2000)
    names = [a.name for a in assumptions]
    se, notes, flat = _uncertainty(sol.jac, sol.fun, tgt, names)
    if flat:
        warnings.warn(f"{func}(): {notes[0]}", IdentifiabilityWarning, stacklevel=2)
    at_bound = [nm for nm, v, a, b in zip(names, sol.x, lo, hi, strict=True)
                if np.isclose(v, a, atol=1e-9) or np.isclose(v, b, atol=1e-9)]
    if at_bound:
        notes.append(f"at a bound of its range (the standard error ignores the bound): "
                     f"{', '.join(at_bound)}")
    params = pd.DataFrame({"value": sol.x, "se": se, "low": lo, "high": hi, "start": x0},
                          index=pd.Index(names, name="assumption"))
    fit = fitted(sol.x)
    res = pd.DataFrame({"observed": observed, "se": [t[2] if t[4] else np.nan
                                                     for t in tgt.values()],
                        "fitted": fit, "residual": fit - observed},
                       index=pd.Index(list(tgt), name="target"))
    return Calibration(parameters=params, residuals=res, scenario=name, ecosystem=eco,
                       model=base, assumptions=tuple(assumptions), success=bool(sol.success),
                       message=str(sol.message), cost=float(sol.cost), flat=tuple(flat),
                       notes=tuple(notes))


def _model(eco: Ecosystem, options: Mapping[str, Any] | None, func: str) -> ReferralModel:
    from ecosystem.study.metrics import _demand

    opts = dict(options or {})
    opts.setdefault("demand", _demand(eco))
    model = ReferralModel(eco, **opts)
    if model.max_hops is None:
        raise ConfigError(f"{func}(): options max_hops=None is not supported; give a finite "
                          "max_hops")
    return model


def _targets(targets: Any, weights: Any, schema: Schema, func: str) -> dict[str, tuple]:
    """name -> (parsed metric, observed, se, weight, se given)."""
    if not isinstance(targets, Mapping) or not targets:
        raise ConfigError(f"{func}(): targets must be a non-empty mapping metric -> observed "
                          "value or (value, standard error)")
    weights = dict(weights or {})
    for w in weights:
        if w not in targets:
            raise ConfigError(f"{func}(): weights names '{w}', which is not a target"
                              + suggest(str(w), list(targets)))
    out = {}
    for name, value in targets.items():
        parsed = parse_flow_metric(str(name), schema)
        if parsed is None:
            raise ConfigError(f"{func}(): target '{name}' is not a known metric" + suggest(
                str(name), flow_metric_names(schema)) + " Use an outcome (lost, medicalised, "
                "...), '<outcome>.<need>', 'resolved_by.<kind>[.<need>]', "
                "'lost_to.<kind>[.<need>]' or mean_hops")
        given = isinstance(value, (tuple, list))
        try:
            y, se = (float(value[0]), float(value[1])) if given else (float(value), 1.0)
        except (TypeError, ValueError, IndexError):
            raise ConfigError(f"{func}(): target '{name}' must be a number or (value, "
                              f"standard error), got {value!r}") from None
        upper = np.inf if parsed[0] == "mean_hops" else 1.0
        if not (np.isfinite(y) and 0 <= y <= upper):
            raise ConfigError(f"{func}(): target '{name}' = {y!r} is not a share in [0, 1]"
                              if upper == 1.0 else f"{func}(): target '{name}' = {y!r} must "
                              "be a finite number >= 0")
        if not (np.isfinite(se) and se > 0):
            raise ConfigError(f"{func}(): the standard error of target '{name}' must be > 0, "
                              f"got {se!r}")
        w = float(weights.get(name, 1.0))
        if not (np.isfinite(w) and w > 0):
            raise ConfigError(f"{func}(): weight of target '{name}' must be > 0, got {w!r}")
        out[str(name)] = (parsed, y, se, w, given)
    return out


def _bounds(ranges, base: ReferralModel, start, func: str):
    from ecosystem.study.registry import default_range

    lo, hi, x0 = [], [], []
    start = dict(start or {})
    for s in start:
        if s not in ranges:
            raise ConfigError(f"{func}(): start names '{s}', which is not a parameter"
                              + suggest(str(s), list(ranges)))
    for a, given in ranges.values():
        in_use = float(_in_use(a, base, None)[0])  # type: ignore[arg-type]
        low, high = given if given is not None else default_range(a, in_use)
        value = float(start.get(a.name, in_use))
        if a.name in start and not low <= value <= high:
            raise ConfigError(f"{func}(): start of '{a.name}' = {value} is outside its bounds "
                              f"({low}, {high})")
        # strictly inside: the trust-region method needs an interior start
        margin = 1e-6 * (high - low)
        lo.append(low)
        hi.append(high)
        x0.append(min(max(value, low + margin), high - margin))
    return np.array(lo), np.array(hi), np.array(x0)


def _uncertainty(jac: np.ndarray, fun: np.ndarray, tgt: dict, names: list[str]
                 ) -> tuple[np.ndarray, list[str], list[str]]:
    """Standard errors, notes and flat directions from the Jacobian of scaled residuals."""
    m, p = jac.shape
    notes: list[str] = []
    flat: list[str] = []
    se = np.full(p, np.nan)
    _, sv, vt = np.linalg.svd(jac, full_matrices=True)
    sv_full = np.zeros(p)
    sv_full[:len(sv)] = sv
    top = sv_full.max(initial=0.0)
    small = sv_full <= FLAT * top if top > 0 else np.ones(p, dtype=bool)
    involved = np.zeros(p, dtype=bool)
    for j in np.flatnonzero(small):
        v = vt[j]
        v = v / np.abs(v).max()
        involved |= np.abs(v) > 1e-3
        terms = " ".join(f"{'+' if c > 0 else '-'} {abs(c):.3g} {nm}"
                         for c, nm in sorted(zip(v, names, strict=True), key=lambda t: -abs(t[0]))
                         if abs(c) > 1e-3)
        flat.append(terms.lstrip("+ "))
    if flat:
        notes.append(f"the targets do not determine {int(small.sum())} direction(s) of the "
                     f"parameters (a flat direction: moving along it leaves every target "
                     f"unchanged): {'; '.join(flat)}. Add targets that depend on them or fix "
                     "some parameters")
    all_se = all(t[4] for t in tgt.values())
    if all_se:
        sigma2 = 1.0
    elif m > p:
        sigma2 = float(fun @ fun) / (m - p)
    else:
        notes.append(f"no standard errors: {m} target(s) without standard errors leave no "
                     f"degrees of freedom for {p} parameter(s); give the targets' standard "
                     "errors")
        return se, notes, flat
    inv = np.zeros(p)
    ok = ~small
    inv[ok] = 1.0 / sv_full[ok] ** 2
    cov = (vt.T * inv) @ vt * sigma2
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    se[involved] = np.nan
    return se, notes, flat


@dataclass(frozen=True)
class Calibration:
    """What :func:`calibrate` returns (made by it, not by hand).

    Parameters
    ----------
    parameters
        Indexed by assumption: ``value`` (fitted), ``se`` (approximate standard error; NaN
        where the targets do not determine it or leave no degrees of freedom, see ``notes``),
        ``low``, ``high`` (bounds) and ``start``.
    residuals
        One row per target: ``observed``, ``se`` (given, else NaN), ``fitted`` and
        ``residual`` (fitted - observed).
    scenario
        The scenario's name.
    ecosystem
        The ecosystem fitted on.
    model
        The model before fitting (its other settings are kept by :meth:`apply`).
    assumptions
        The fitted assumptions.
    success
        Whether the optimiser reports convergence.
    message
        The optimiser's message.
    cost
        Half the sum of squared scaled residuals at the solution.
    flat
        Flat directions (combinations of parameters the targets do not determine).
    notes
        Everything a reader of the fit should know (flat directions, missing standard errors,
        parameters at a bound).

    Examples
    --------
    >>> from ecosystem import datasets
    >>> from ecosystem.study import calibrate
    >>> fit = calibrate(datasets.example(), {"lost": 0.15}, ["handover_cross"])
    >>> fit.success, fit.parameters.index.tolist()
    (True, ['handover_cross'])
    """

    parameters: pd.DataFrame
    residuals: pd.DataFrame
    scenario: str
    ecosystem: Ecosystem
    model: ReferralModel
    assumptions: tuple[Assumption, ...]
    success: bool
    message: str
    cost: float
    flat: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def apply(self, eco: Ecosystem | None = None) -> ReferralModel:
        """The fitted model: the scenario's model with the fitted values.

        Parameters
        ----------
        eco
            Another ecosystem to run the fitted values on (the model's other settings are
            kept); default the ecosystem fitted on.

        Returns
        -------
        ReferralModel

        Examples
        --------
        >>> from ecosystem import datasets
        >>> from ecosystem.study import calibrate
        >>> fit = calibrate(datasets.example(), {"lost": 0.15}, ["handover_cross"])
        >>> res = fit.apply().solve()
        >>> round(float(res.outcomes.loc[("total", "lost"), "fraction"]), 6)
        0.15
        """
        base = self.model
        if eco is not None:
            if not isinstance(eco, Ecosystem):
                raise ConfigError(f"Calibration.apply(): expected an Ecosystem, got "
                                  f"{type(eco).__name__}")
            from ecosystem.study._flowbatch import model_options

            base = ReferralModel(eco, **model_options(self.model))
        values = dict(zip(self.assumptions, self.parameters["value"].to_numpy(), strict=True))
        return apply(base, values)

    def __repr__(self) -> str:
        fitted = listing((f"{k}={v:.4g}" for k, v in self.parameters["value"].items()), 3,
                         width=48)
        return (f"<Calibration of {clip(self.scenario)}: {fitted}; {len(self.residuals)} "
                f"targets, cost {self.cost:.3g}{'; see notes' if self.notes else ''}>")

    def _repr_html_(self) -> str:
        state = "converged" if self.success else f"did not converge ({self.message})"
        return html_card(
            f"Calibration of {self.scenario}: {len(self.parameters)} parameters, "
            f"{len(self.residuals)} targets, cost {self.cost:.3g}, {state}",
            [("Fitted parameters", self.parameters), ("Targets", self.residuals)],
            notes=self.notes)
