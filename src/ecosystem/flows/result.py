"""The result of a referral-flow run: the same tables from the exact solver and the simulator."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ecosystem._repr import html_card, num

__all__ = ["MAIN_OUTCOMES", "OUTCOMES", "FlowResult"]

#: The five outcomes that partition 1.
MAIN_OUTCOMES = ("resolved_appropriate", "resolved_elsewhere", "stuck", "lost", "exceeded")
#: Every outcome row of :attr:`FlowResult.outcomes`; ``medicalised`` is part of
#: ``resolved_elsewhere``.
OUTCOMES = ("resolved_appropriate", "resolved_elsewhere", "medicalised", "stuck", "lost",
            "exceeded")


@dataclass(frozen=True, eq=False)
class FlowResult:
    """Where residents' needs end up, from :meth:`ReferralModel.solve` or ``simulate``.

    Attributes
    ----------
    outcomes
        Index ``(need, outcome)`` with ``need`` in the model's needs and ``"total"`` and
        ``outcome`` in :data:`OUTCOMES`; columns ``fraction`` (share of residents with the need),
        ``se`` (standard error: 0 for the exact solver, binomial for the simulation) and
        ``count`` (fraction x demand in residents per year; NaN without demand). ``total``
        weighs needs by demand (equally without demand); its ``se`` is
        :math:`\\sqrt{\\sum_n m_n^2 se_n^2}` for need shares :math:`m_n`.
    per_actor
        Indexed by actor id; columns ``(measure, need)`` with ``measure`` in ``load`` (expected
        visits per resident with the need, counting the entry visit) and ``resolved`` (expected
        resolutions there per resident), plus, when the model has a demand, ``visits`` and
        ``resolutions`` (the same times the demand: per year), and ``need`` in the needs and
        ``"total"`` (mix-weighted for per-resident measures, summed for per-year ones).
        ``load`` is infinite at actors where residents circulate for ever (``max_hops=None``).
    hops
        Index ``(need, hops)``; columns ``probability`` (share of residents whose final outcome
        came after exactly that many successful referrals) and ``se``. Residents who circulate
        for ever (``max_hops=None``) are not in it. With ``max_hops=None`` the exact solver's
        last row ``K`` holds ``K`` or more referrals when it summed the series hop by hop only
        up to ``hop_detail`` (see :func:`ecosystem.flows.exact.solve`).
    mean_hops
        Index ``need`` (and ``"total"``); columns ``mean`` and ``se``.
    solver
        ``"exact"`` or ``"simulation"``.
    max_hops
        The hop limit the model ran with (``None``: no limit).
    n_residents
        Residents simulated per need (``None`` for the exact solver).
    record
        With ``simulate(record=True)``: one row per simulated resident, columns ``need``,
        ``entry_id``, ``hops``, ``outcome`` (one of :data:`MAIN_OUTCOMES`), ``final_id`` (where
        it was resolved or stuck, the referring actor when lost, the last actor reached when
        exceeded) and ``medicalised``; ``hops`` is -1 for a resident who circulates for ever
        (``max_hops=None``). Else ``None``.
    walker_steps
        Simulation only: walker-steps taken (one iteration of one walker, including the one in
        which it finishes).
    outcomes_by_neighbourhood
        With ``solve(by_neighbourhood=True)`` or ``simulate(..., by_neighbourhood=True)`` (then
        with binomial standard errors): the outcomes of the residents of each
        neighbourhood (they enter at its actors and the shared ones, in proportion to the entry
        weights), index ``(neighbourhood, need, outcome)``, columns as :attr:`outcomes`
        (``count`` with a neighbourhood x need demand table, else NaN; ``total`` weighs needs
        by the neighbourhood's demand, equally without one). The neighbourhoods are the demand
        table's rows, or the ecosystem's neighbourhoods without one. Else ``None``.
    handovers
        Referral attempts by the kind of actor referred to: index ``(need, kind)`` with
        ``need`` in the needs and ``"total"`` and ``kind`` in the schema's actor kinds; columns
        ``attempted`` (expected referral attempts to actors of the kind per resident with the
        need: handovers tried, successful or not), ``lost`` (expected failed handovers among
        them; summed over kinds this is the ``lost`` outcome), ``share_lost``
        (``lost / attempted``: of all referrals to the kind, the share lost; NaN where nothing
        is referred to the kind) and ``se`` (of ``share_lost``: 0 for the exact solver;
        for the simulation the binomial :math:`\\sqrt{p (1 - p) / A}` over the :math:`A`
        simulated attempts, treating attempts as independent). ``total`` sums the needs'
        attempts and failures weighted by demand (as the outcome totals), so its share is
        failures over attempts of all residents, not a mean of the needs' shares. Exactly,
        with :math:`v_k` the visits after :math:`k` referrals (see
        :mod:`ecosystem.flows.exact`), attempts to kind :math:`K` are
        :math:`\\sum_{k<H} \\sum_a v_k(a)\\, c_n(a) \\sum_{b \\in K} p_n(a, b)` and
        failures the same with :math:`p_n(a, b)(1 - h_{ab})`. With ``max_hops=None``,
        referrals from actors where residents circulate for ever are not counted.
        ``None`` only for results built by older code.

    Examples
    --------
    >>> from ecosystem import ReferralModel, datasets
    >>> result = ReferralModel(datasets.example()).solve()
    >>> result.solver, list(result.outcomes.columns)
    ('exact', ['fraction', 'se', 'count'])
    """

    outcomes: pd.DataFrame
    per_actor: pd.DataFrame
    hops: pd.DataFrame
    mean_hops: pd.DataFrame
    solver: str
    max_hops: int | None
    n_residents: int | None = None
    record: pd.DataFrame | None = None
    walker_steps: int | None = None
    outcomes_by_neighbourhood: pd.DataFrame | None = None
    handovers: pd.DataFrame | None = None

    def plot(self, **kwargs: Any) -> Any:
        """Draw where the needs end up: :func:`ecosystem.plotting.plot_flows` with ``self``.

        Parameters
        ----------
        **kwargs
            Options of :func:`~ecosystem.plotting.plot_flows` (``kind="bars"`` or
            ``"alluvial"``, ``needs``, ``eco``, ``ax``).

        Returns
        -------
        matplotlib.figure.Figure
            The figure drawn.

        Examples
        --------
        >>> from ecosystem import datasets, ReferralModel
        >>> fig = ReferralModel(datasets.example()).solve().plot(needs=["debt"])
        >>> len(fig.axes)
        1
        """
        from ecosystem.plotting import plot_flows  # imported when a figure is first drawn

        return plot_flows(self, **kwargs)

    def to_frame(self) -> pd.DataFrame:
        """Every number as tidy long rows.

        Columns ``need, metric, actor_id, hops, value, se``: outcome fractions (metric = the
        outcome) and counts (``<outcome>_count``), ``mean_hops``, the hops distribution
        (``hops_probability`` with ``hops`` set) and the per-actor measures (with
        ``actor_id`` set). Absent fields are missing values.

        Returns
        -------
        pandas.DataFrame
            One row per number, in the order outcomes, counts, mean hops, hops, per actor.

        Examples
        --------
        >>> from ecosystem import datasets
        >>> from ecosystem.flows import ReferralModel
        >>> long = ReferralModel(datasets.example(), max_hops=3).solve().to_frame()
        >>> list(long.columns)
        ['need', 'metric', 'actor_id', 'hops', 'value', 'se']
        >>> sorted(long["metric"].unique())[:3]
        ['exceeded', 'exceeded_count', 'hops_probability']
        """
        o = self.outcomes.reset_index()
        parts = [
            pd.DataFrame({"need": o["need"], "metric": o["outcome"], "value": o["fraction"],
                          "se": o["se"]}),
            pd.DataFrame({"need": o["need"], "metric": o["outcome"] + "_count",
                          "value": o["count"], "se": np.nan}),
        ]
        m = self.mean_hops.reset_index()
        parts.append(pd.DataFrame({"need": m["need"], "metric": "mean_hops",
                                   "value": m["mean"], "se": m["se"]}))
        h = self.hops.reset_index()
        parts.append(pd.DataFrame({"need": h["need"], "metric": "hops_probability",
                                   "hops": h["hops"], "value": h["probability"],
                                   "se": h["se"]}))
        pa = pd.Series(self.per_actor.stack(["measure", "need"], future_stack=True),
                       name="value").reset_index()
        parts.append(pd.DataFrame({"need": pa["need"], "metric": pa["measure"],
                                   "actor_id": pa["id"], "value": pa["value"], "se": np.nan}))
        out = pd.concat(parts, ignore_index=True)
        out["hops"] = out["hops"].astype("Int64")
        out["actor_id"] = out["actor_id"].astype("str")
        return out[["need", "metric", "actor_id", "hops", "value", "se"]]

    def _headline(self) -> dict[str, float]:
        """Total shares of the outcomes in the repr, and the mean hops (NaN without needs)."""
        total = self.outcomes.xs("total", level="need")["fraction"]
        out = {o: float(total.get(o, np.nan)) for o in _HEADLINE}
        out["mean_hops"] = float(self.mean_hops["mean"].get("total", np.nan))
        return out

    def _describe(self) -> str:
        needs = len(self.mean_hops) - 1
        how = self.solver if self.n_residents is None else (
            f"{self.solver} of {self.n_residents} residents per need")
        size = f"{how}, {needs} needs, {len(self.per_actor)} actors"
        if self.outcomes_by_neighbourhood is not None:
            nbs = self.outcomes_by_neighbourhood.index.get_level_values(0).nunique()
            size += f", {nbs} neighbourhoods"
        return size

    def __repr__(self) -> str:
        h = self._headline()
        figures = ", ".join(f"{o.replace('_', ' ')} {num(h[o])}" for o in _HEADLINE)
        return f"FlowResult({self._describe()}; {figures}, mean hops {num(h['mean_hops'])})"

    def _repr_html_(self) -> str:
        needs = ["total", *[n for n in self.mean_hops.index if n != "total"]]
        shares = self.outcomes["fraction"].unstack("need").reindex(index=list(OUTCOMES),
                                                                   columns=needs)
        return html_card(f"FlowResult: {self._describe()}",
                         [("Share of residents by outcome (columns: needs)", shares),
                          ("Mean hops", self.mean_hops.reindex(needs))])


#: Outcomes the repr shows (total over needs).
_HEADLINE = ("resolved_appropriate", "lost", "medicalised")


def _total(mix: np.ndarray, values: np.ndarray, se: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mix-weighted total over needs (last axis) and its standard error (NaN without needs)."""
    if mix.size == 0:
        return np.full(values.shape[:-1], np.nan), np.full(values.shape[:-1], np.nan)
    with np.errstate(invalid="ignore"):  # inf x zero share: the need does not count
        total = values @ mix
        total_se = np.sqrt((se**2) @ (mix**2))
        if np.isnan(total).any() or np.isnan(total_se).any():
            total = np.where(mix > 0, values, 0.0) @ mix
            total_se = np.sqrt(np.where(mix > 0, se, 0.0) ** 2 @ (mix**2))
    return total, total_se


def neighbourhood_table(names: list[str], needs: list[str], fractions: np.ndarray,
                        se: np.ndarray, demand: np.ndarray | None) -> pd.DataFrame:
    """:attr:`FlowResult.outcomes_by_neighbourhood` from outcomes x (X * K) arrays (need-minor).

    A need without entry in a neighbourhood is NaN there; the total weighs the needs by the
    neighbourhood's demand (equal weights without a demand table), as :attr:`FlowResult.outcomes`
    does; ``count`` is the fraction times the demand (NaN without a demand table).
    """
    k = len(needs)
    frames = []
    for i, name in enumerate(names):
        f = fractions[:, i * k:(i + 1) * k]
        e = se[:, i * k:(i + 1) * k]
        d = None if demand is None else demand[i]
        mix = (np.full(k, 1.0 / max(k, 1)) if d is None or d.sum() <= 0 else d / d.sum())
        total, total_se = _total(mix, f, e)
        frac = np.column_stack([f, total])
        err = np.column_stack([e, total_se])
        count = (np.full_like(frac, np.nan) if d is None
                 else np.column_stack([f * d[None, :], (f * d[None, :]).sum(axis=1)]))
        index = pd.MultiIndex.from_product([[name], [*needs, "total"], OUTCOMES],
                                           names=["neighbourhood", "need", "outcome"])
        frames.append(pd.DataFrame({"fraction": frac.T.ravel(), "se": err.T.ravel(),
                                    "count": count.T.ravel()}, index=index))
    if not frames:
        index = pd.MultiIndex.from_arrays([[], [], []],
                                          names=["neighbourhood", "need", "outcome"])
        return pd.DataFrame({"fraction": [], "se": [], "count": []}, index=index)
    return pd.concat(frames)


def per_year(per_resident: np.ndarray, demand: np.ndarray) -> np.ndarray:
    """Needs x actors: figures per resident with each need (e.g. expected visits) times the
    residents per year with it; an infinite figure of a need nobody has counts 0."""
    with np.errstate(invalid="ignore"):
        out = per_resident * demand[:, None]
    if np.isnan(out).any():  # inf x zero demand: none
        out = np.where(demand[:, None] > 0, out, 0.0)
    return out


def build(
    model,
    *,
    fractions: np.ndarray,
    fractions_se: np.ndarray,
    hops: np.ndarray,
    hops_se: np.ndarray,
    mean_hops: np.ndarray,
    mean_hops_se: np.ndarray,
    load: np.ndarray,
    resolved: np.ndarray,
    solver: str,
    n_residents: int | None = None,
    record: pd.DataFrame | None = None,
    walker_steps: int | None = None,
    by_neighbourhood: pd.DataFrame | None = None,
    handovers: tuple[np.ndarray, np.ndarray] | None = None,
) -> FlowResult:
    """Assemble a :class:`FlowResult` from arrays.

    ``fractions`` and ``fractions_se`` are outcomes x needs (rows in :data:`OUTCOMES` order),
    ``hops`` and ``hops_se`` are (hops + 1) x needs, ``mean_hops`` and its se have one value per
    need, ``load`` and ``resolved`` are needs x actors. ``handovers`` is (attempted, lost),
    each kinds x needs, per resident with the need (the standard errors are binomial over
    ``n_residents`` residents per need when it is given, else 0).
    """
    c = model._compiled
    needs = list(c.needs)
    mix = c.mix
    demand = c.demand
    labels = [*needs, "total"]

    tot, tot_se = _total(mix, fractions, fractions_se)
    frac = np.column_stack([fractions, tot])  # outcome x (needs + total)
    se = np.column_stack([fractions_se, tot_se])
    if demand is None:
        count = np.full_like(frac, np.nan)
    else:
        per_need = fractions * demand[None, :]
        count = np.column_stack([per_need, per_need.sum(axis=1)])
    index = pd.MultiIndex.from_product([labels, OUTCOMES], names=["need", "outcome"])
    outcomes = pd.DataFrame({"fraction": frac.T.ravel(), "se": se.T.ravel(),
                             "count": count.T.ravel()}, index=index)

    h_tot, h_tot_se = _total(mix, hops, hops_se)
    h = np.column_stack([hops, h_tot])
    h_se = np.column_stack([hops_se, h_tot_se])
    steps = np.arange(len(hops))
    hops_table = pd.DataFrame(
        {"probability": h.T.ravel(), "se": h_se.T.ravel()},
        index=pd.MultiIndex.from_product([labels, steps], names=["need", "hops"]))

    m_tot, m_tot_se = _total(mix, mean_hops[None, :], mean_hops_se[None, :])
    mean_table = pd.DataFrame(
        {"mean": np.append(mean_hops, m_tot), "se": np.append(mean_hops_se, m_tot_se)},
        index=pd.Index(labels, name="need"))

    # Columns-first buffer (one row per column): its transpose is the single block pandas keeps
    # without copying; each need's column is one contiguous copy of a need-major row.
    measures = ("load", "resolved") if demand is None else (
        "load", "resolved", "visits", "resolutions")
    width = len(labels)
    data = np.empty((len(measures) * width, load.shape[1]))
    for i, (values, scale) in enumerate(((load, None), (resolved, None), (load, demand),
                                         (resolved, demand))[:len(measures)]):
        rows = data[i * width:(i + 1) * width]
        rows[:-1] = values if scale is None else per_year(values, scale)
        weights = mix if scale is None else np.ones(len(needs))
        with np.errstate(invalid="ignore"):  # an infinite load only counts where it has weight
            rows[-1] = weights @ rows[:-1] if len(needs) else np.nan
            if np.isnan(rows[-1]).any():
                rows[-1] = np.where(weights[:, None] > 0, rows[:-1], 0.0).sum(axis=0)
    columns = pd.MultiIndex.from_product([list(measures), labels], names=["measure", "need"])
    per_actor = pd.DataFrame(data.T, index=model.ecosystem.index, columns=columns, copy=False)
    per_actor.index.name = "id"
    ho = None if handovers is None else _handover_table(
        list(model.ecosystem.schema.actor_kinds), labels, mix, *handovers, n_residents)
    return FlowResult(outcomes=outcomes, per_actor=per_actor, hops=hops_table,
                      mean_hops=mean_table, solver=solver, max_hops=model.max_hops,
                      n_residents=n_residents, record=record,
                      walker_steps=walker_steps, outcomes_by_neighbourhood=by_neighbourhood,
                      handovers=ho)


def share_lost(lost: np.ndarray, attempted: np.ndarray) -> np.ndarray:
    """``lost / attempted`` clipped to [0, 1]; NaN where nothing was attempted."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(attempted > 0, np.clip(lost / attempted, 0.0, 1.0), np.nan)


def _handover_table(kinds: list[str], labels: list[str], mix: np.ndarray,
                    attempted: np.ndarray, lost: np.ndarray, m: int | None) -> pd.DataFrame:
    """:attr:`FlowResult.handovers` from kinds x needs attempts and failures per resident."""
    attempted = np.nan_to_num(np.asarray(attempted, dtype=np.float64))
    lost = np.nan_to_num(np.asarray(lost, dtype=np.float64))
    if mix.size:
        att = np.column_stack([attempted, attempted @ mix])
        lst = np.column_stack([lost, lost @ mix])
    else:
        att = np.column_stack([attempted, np.full(len(kinds), np.nan)])
        lst = np.column_stack([lost, np.full(len(kinds), np.nan)])
    share = share_lost(lst, att)
    if m is None:
        se = np.where(np.isnan(share), np.nan, 0.0)
    else:  # binomial over the simulated attempts (m residents per need)
        p = share[:, :-1]
        with np.errstate(invalid="ignore", divide="ignore"):
            per_need = np.sqrt(p * (1.0 - p) / (attempted * m))
            var_total = (np.nan_to_num(p * (1.0 - p)) * attempted) @ (mix**2) / m \
                if mix.size else np.full(len(kinds), np.nan)
            total = np.sqrt(var_total) / att[:, -1]
        se = np.column_stack([per_need, np.where(np.isnan(share[:, -1]), np.nan, total)])
    index = pd.MultiIndex.from_product([labels, kinds], names=["need", "kind"])
    return pd.DataFrame({"attempted": att.T.ravel(), "lost": lst.T.ravel(),
                         "share_lost": share.T.ravel(), "se": se.T.ravel()}, index=index)
