"""Where residents' needs end up: stacked outcome bars and an alluvial figure of a FlowResult."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path
from matplotlib.ticker import PercentFormatter

from ecosystem.core.ecosystem import Ecosystem
from ecosystem.core.errors import ConfigError, ValidationError, suggest
from ecosystem.core.schema import DOMAINS
from ecosystem.flows.result import MAIN_OUTCOMES, FlowResult
from ecosystem.plotting._style import (
    DOMAIN_COLOURS,
    OUTCOME_COLOURS,
    OUTCOME_LABELS,
    new_axes,
)

__all__ = ["plot_flows"]

_KINDS = ("bars", "alluvial")
_DROPOUTS = ("stuck", "lost", "exceeded")
_END_LABELS = {o: OUTCOME_LABELS[o] for o in _DROPOUTS}
#: z of the two-sided 95% normal interval drawn as error bars on simulated shares.
_Z95 = 1.959963984540054


def plot_flows(
    result: FlowResult,
    *,
    kind: str = "bars",
    needs: str | Iterable[str] | None = None,
    eco: Ecosystem | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Draw where residents' needs end up.

    ``kind="bars"``: one stacked horizontal bar per need (and ``all needs``, weighted by
    demand) of the five outcomes that partition the residents: resolved in an appropriate
    domain, resolved in another domain (its medicalised part hatched), stuck (no one to refer
    to), lost in a referral, still referred when the hop limit is reached. For a simulated
    result each boundary between outcomes carries its 95% interval (1.96 standard errors of
    the cumulative share).

    ``kind="alluvial"``: bands from the need on the left (or, for a simulation recorded with
    ``record=True`` and ``eco`` given, the domain where residents enter) to where they end up
    on the right: the domain where they are resolved (with ``eco``; otherwise resolved
    appropriately or elsewhere) or the outcome where they drop out. Band widths are
    proportional to the shares; each need has the same height (its residents sum to 1).

    Parameters
    ----------
    result
        From :meth:`ReferralModel.solve` or :meth:`ReferralModel.simulate`.
    kind
        ``"bars"`` or ``"alluvial"``.
    needs
        Needs to show (ids as in ``result.outcomes``); ``None`` for every need. The bars add
        ``all needs`` when every need is shown.
    eco
        The ecosystem the result was computed on: gives the domains of the actors for the
        alluvial figure.
    ax
        Axes to draw into; a new figure when ``None``.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    EcosystemError
        An unknown ``kind`` or need, a ``result`` that is not a FlowResult, an ``eco`` whose
        actors are not those of the result.

    Examples
    --------
    >>> from ecosystem import datasets, ReferralModel
    >>> from ecosystem.plotting import plot_flows
    >>> result = ReferralModel(datasets.example()).solve()
    >>> fig = plot_flows(result, needs=["loneliness", "debt"])
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['loneliness', 'debt / money stress']
    """
    func = "plot_flows"
    if not isinstance(result, FlowResult):
        raise ConfigError(f"{func}(): expected a FlowResult (from ReferralModel.solve() or "
                          f".simulate()), got {type(result).__name__}")
    if kind not in _KINDS:
        raise ConfigError(f"{func}(): kind={kind!r} is not known{suggest(str(kind), _KINDS)} "
                          f"Use one of {list(_KINDS)}")
    all_needs = [n for n in result.outcomes.index.get_level_values("need").unique()
                 if n != "total"]
    if not all_needs:
        raise ValidationError(f"{func}(): the result has no needs; there is nothing to draw")
    chosen = _needs(needs, all_needs, func)
    if eco is not None:
        _check_eco(eco, result, func)
    if kind == "bars":
        rows = chosen + (["total"] if needs is None else [])
        return _bars(result, rows, eco, ax)
    return _alluvial(result, chosen, eco, ax)


def _needs(needs, known: list[str], func: str) -> list[str]:
    if needs is None:
        return list(known)
    wanted = [needs] if isinstance(needs, str) else list(needs)
    for n in wanted:
        if n not in known:
            raise ConfigError(f"{func}(): needs=: '{n}' is not a need of this result"
                              f"{suggest(str(n), known)} Needs: {known}")
    if not wanted:
        raise ConfigError(f"{func}(): needs= is empty; give at least one need or None")
    return wanted


def _check_eco(eco: Any, result: FlowResult, func: str) -> None:
    if not isinstance(eco, Ecosystem):
        raise ConfigError(f"{func}(): eco= must be an Ecosystem, got {type(eco).__name__}")
    if not eco.index.equals(result.per_actor.index):
        other = eco.index.symmetric_difference(result.per_actor.index)
        detail = f"; actor '{other[0]}' is in one but not the other" if len(other) else ""
        raise ValidationError(f"{func}(): eco= is not the ecosystem this result was computed "
                              f"on{detail}")


def _label(need: str, eco: Ecosystem | None) -> str:
    if need == "total":
        return "all needs"
    if eco is not None and need in eco.schema.needs and eco.schema.needs[need].label:
        return eco.schema.needs[need].label
    from ecosystem.core.schema import Schema

    schema = Schema.default()
    return schema.needs[need].label if need in schema.needs and schema.needs[need].label \
        else need


def _bars(result: FlowResult, rows: list[str], eco, ax) -> Figure:
    frac = result.outcomes["fraction"].unstack("outcome").loc[rows]
    se = result.outcomes["se"].unstack("outcome").loc[rows]
    fig, ax = new_axes(ax, "plot_flows", (9.0, 1.6 + 0.42 * len(rows)))
    y = np.arange(len(rows), dtype=float)
    left = np.zeros(len(rows))
    simulated = result.solver == "simulation"
    for outcome in MAIN_OUTCOMES:
        width = frac[outcome].to_numpy(dtype=float)
        ax.barh(y, width, left=left, color=OUTCOME_COLOURS[outcome], edgecolor="white",
                linewidth=0.6, height=0.72, label=OUTCOME_LABELS[outcome],
                gid=f"outcome:{outcome}")
        for yi, x0, w in zip(y, left, width, strict=True):
            if w >= 0.07:
                ax.text(x0 + w / 2, yi, f"{w:.0%}", ha="center", va="center", fontsize=7.5,
                        bbox={"boxstyle": "round,pad=0.12", "fc": "white", "ec": "none",
                              "alpha": 0.8}, zorder=4)
        if outcome == "resolved_elsewhere":
            med = frac["medicalised"].to_numpy(dtype=float)
            ax.barh(y, med, left=left, facecolor="none", edgecolor="#333333", hatch="////",
                    linewidth=0, height=0.72, label=OUTCOME_LABELS["medicalised"],
                    gid="outcome:medicalised")
        left = left + width
        if simulated and outcome != MAIN_OUTCOMES[-1]:
            # se of a cumulative share: outcomes are multinomial shares of one sample.
            cum = _cumulative_se(frac, se, result, outcome, rows)
            ax.errorbar(left, y, xerr=_Z95 * cum, fmt="none", ecolor="black", elinewidth=0.9,
                        capsize=2.5, zorder=3, gid=f"error:{outcome}")
    ax.set_yticks(y, [_label(r, eco) for r in rows])
    ax.invert_yaxis()
    if "total" in rows:
        ax.axhline(len(rows) - 1.5, color="#999999", lw=0.8)
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("share of residents with the need")
    ax.spines[["top", "right"]].set_visible(False)
    how = ("exact solution" if not simulated else
           f"simulation of {result.n_residents:,} residents per need; bars: 95% intervals")
    hops = "no hop limit" if result.max_hops is None else f"at most {result.max_hops} referrals"
    ax.set_title(f"Where residents' needs end up\n({how}; {hops})", fontsize=10)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.11 - 0.5 / max(len(rows), 3)),
              ncol=3, frameon=False, fontsize=8)
    return fig


def _cumulative_se(frac, se, result, outcome, rows) -> np.ndarray:
    """Standard error of the share of the outcomes up to and including ``outcome``.

    A need simulated with ``n`` residents gives the cumulative share ``c`` as a binomial
    share, ``sqrt(c (1 - c) / n)``; ``all needs`` combines the needs with their shares
    ``m`` as :attr:`FlowResult.outcomes` does, ``sqrt(sum m^2 c (1 - c) / n)``.
    """
    upto = list(MAIN_OUTCOMES[: MAIN_OUTCOMES.index(outcome) + 1])
    n = result.n_residents
    if not n:
        return se[outcome].to_numpy(dtype=float)
    full = result.outcomes["fraction"].unstack("outcome")
    c = full[upto].sum(axis=1)
    per = np.sqrt(np.clip(c * (1 - c), 0, None) / n)
    out = per.reindex(rows).to_numpy(dtype=float, copy=True)
    if "total" in rows:
        m = _need_shares(result)
        out[rows.index("total")] = float(np.sqrt(((m * per.loc[m.index]) ** 2).sum()))
    return out


def _need_shares(result: FlowResult) -> pd.Series:
    """Each need's weight in ``total``: its share of the demand (equal without demand).

    A need's demand is the sum of its counts over the five outcomes that partition 1.
    """
    counts = result.outcomes["count"].unstack("outcome")
    counts = counts.loc[[n for n in counts.index if n != "total"], list(MAIN_OUTCOMES)]
    demand = counts.sum(axis=1, min_count=1)
    if demand.isna().any() or demand.sum() <= 0:
        return pd.Series(1.0 / len(demand), index=demand.index)
    return demand / demand.sum()


# ---------------------------------------------------------------------------- alluvial
def _alluvial(result: FlowResult, needs: list[str], eco: Ecosystem | None, ax) -> Figure:
    if eco is not None and result.record is not None:
        flows, left_name = _flows_from_record(result, needs, eco), "domain where residents enter"
        left_labels = {d: f"enters: {d}" for d in DOMAINS}
        left_colours = {d: DOMAIN_COLOURS[d] for d in DOMAINS}
    else:
        flows, left_name = _flows_by_need(result, needs, eco), "need"
        left_labels = {n: _label(n, eco) for n in needs}
        left_colours = dict.fromkeys(needs, "#8C8C8C")
    right_colours = {**{f"resolved: {d}": DOMAIN_COLOURS[d] for d in DOMAINS},
                     "resolved appropriately": OUTCOME_COLOURS["resolved_appropriate"],
                     "resolved elsewhere": OUTCOME_COLOURS["resolved_elsewhere"],
                     **{o: OUTCOME_COLOURS[o] for o in _DROPOUTS}}
    flows = flows.loc[[i for i in flows.index if flows.loc[i].sum() > 0],
                      [c for c in flows.columns if flows[c].sum() > 0]]
    fig, ax = new_axes(ax, "plot_flows", (9.0, max(4.0, 0.5 * len(flows) + 1.5)))
    gap = 0.04 * flows.to_numpy().sum()
    lsize, rsize = flows.sum(axis=1), flows.sum(axis=0)
    ltop = _tops(lsize.to_numpy(), gap)
    rtop = _tops(rsize.to_numpy(), gap)
    rtop = rtop - (rtop[-1] - rsize.iloc[-1] - (ltop[-1] - lsize.iloc[-1])) / 2  # centre
    x0, x1, w = 0.0, 1.0, 0.035
    lcur = dict(zip(flows.index, ltop, strict=True))
    rcur = dict(zip(flows.columns, rtop, strict=True))
    for i, r in enumerate(flows.index):
        ax.add_patch(Rectangle((x0 - w, ltop[i] - lsize[r]), w, lsize[r],
                               facecolor=left_colours.get(r, "#8C8C8C"), gid=f"node:{r}"))
        ax.text(x0 - w - 0.01, ltop[i] - lsize[r] / 2, left_labels.get(r, r), ha="right",
                va="center", fontsize=8.5)
    for j, c in enumerate(flows.columns):
        ax.add_patch(Rectangle((x1, rtop[j] - rsize[c]), w, rsize[c],
                               facecolor=right_colours[c], gid=f"node:{c}"))
        ax.text(x1 + w + 0.01, rtop[j] - rsize[c] / 2,
                f"{_END_LABELS.get(c, c)} ({rsize[c] / flows.to_numpy().sum():.0%})",
                ha="left", va="center", fontsize=8.5)
    for c in flows.columns:  # bands grouped by destination, so each keeps one colour
        for r in flows.index:
            v = float(flows.loc[r, c])
            if v <= 0:
                continue
            ax.add_patch(_band(x0, lcur[r], x1, rcur[c], v, right_colours[c], f"band:{r}>{c}"))
            lcur[r] -= v
            rcur[c] -= v
    ax.set_xlim(-0.45, 1.75)
    low = min(ltop[-1] - lsize.iloc[-1], rtop[-1] - rsize.iloc[-1])
    ax.set_ylim(low - gap, max(ltop[0], rtop[0]) + gap)
    ax.set_axis_off()
    how = "exact" if result.solver == "exact" else f"simulated, {result.n_residents:,} per need"
    right = ("domain where resolved, or where residents drop out" if eco is not None
             else "outcome")
    ax.set_title(f"From {left_name} to {right}\n({how}; shares of all residents, each need "
                 "counted equally)", fontsize=10)
    if eco is None:
        ax.text(0.5, low - gap, "pass eco= to split the resolved residents by domain",
                ha="center", va="top", fontsize=7.5, color="#555555")
    return fig


def _tops(sizes: np.ndarray, gap: float) -> np.ndarray:
    total = sizes.sum() + gap * (len(sizes) - 1)
    return total - np.r_[0.0, np.cumsum(sizes + gap)[:-1]]


def _band(x0, y0, x1, y1, v, colour, gid) -> PathPatch:
    """A band of height ``v`` from (x0, y0 top) to (x1, y1 top), cubic Bezier edges."""
    xm = (x0 + x1) / 2
    verts = [(x0, y0), (xm, y0), (xm, y1), (x1, y1), (x1, y1 - v), (xm, y1 - v),
             (xm, y0 - v), (x0, y0 - v), (x0, y0)]
    codes = [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4, Path.LINETO, Path.CURVE4,
             Path.CURVE4, Path.CURVE4, Path.CLOSEPOLY]
    return PathPatch(Path(verts, codes), facecolor=colour, edgecolor="none", alpha=0.55,
                     gid=gid)


def _flows_by_need(result: FlowResult, needs: list[str], eco: Ecosystem | None) -> pd.DataFrame:
    frac = result.outcomes["fraction"].unstack("outcome").loc[needs]
    out = pd.DataFrame(index=pd.Index(needs, name="need"))
    if eco is None:
        out["resolved appropriately"] = frac["resolved_appropriate"]
        out["resolved elsewhere"] = frac["resolved_elsewhere"]
    else:
        resolved = result.per_actor["resolved"][needs]
        dom = eco.actors["domain"].astype(str).to_numpy()
        by_domain = resolved.groupby(dom).sum().T  # need x domain
        for d in DOMAINS:
            out[f"resolved: {d}"] = by_domain[d] if d in by_domain.columns else 0.0
    for o in _DROPOUTS:
        out[o] = frac[o]
    return out.astype(float)


def _flows_from_record(result: FlowResult, needs: list[str], eco: Ecosystem) -> pd.DataFrame:
    rec = result.record
    assert rec is not None
    rec = rec[rec["need"].isin(needs)]
    domain = eco.actors.set_index(eco.index)["domain"].astype(str)
    entry = domain.loc[rec["entry_id"].to_numpy()].to_numpy()
    resolved = rec["outcome"].isin(["resolved_appropriate", "resolved_elsewhere"]).to_numpy()
    final = domain.reindex(rec["final_id"].to_numpy()).to_numpy()
    right = np.where(resolved, "resolved: " + final.astype(str), rec["outcome"].to_numpy())
    table = pd.crosstab(pd.Series(entry, name="entry"), pd.Series(right, name="end"))
    table = table / len(rec) * len(needs)  # in need-heights: each need's residents sum to 1
    cols = [c for c in (*[f"resolved: {d}" for d in DOMAINS], *_DROPOUTS) if c in table]
    return table.reindex(index=[d for d in DOMAINS if d in table.index], columns=cols,
                         fill_value=0.0).astype(float)
