"""A study's effects: forest plot of differences against a baseline, replicate spreads."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ecosystem.core.errors import ConfigError, suggest
from ecosystem.plotting._style import OKABE_ITO, new_axes
from ecosystem.study.compare import Comparison

__all__ = ["plot_comparison", "plot_distributions"]

_ALL = "all"


def _check(comparison: Any, metric: Any, func: str) -> pd.DataFrame:
    if not isinstance(comparison, Comparison):
        raise ConfigError(f"{func}(): expected a Comparison (from compare()), got "
                          f"{type(comparison).__name__}")
    known = sorted(comparison.results["metric"].unique().tolist())
    if not isinstance(metric, str) or metric not in known:
        raise ConfigError(f"{func}(): metric {metric!r} is not in this comparison"
                          f"{suggest(str(metric), known)} Metrics: {known}")
    rows = comparison.results[comparison.results["metric"] == metric]
    if rows["value"].notna().sum() == 0:
        raise ConfigError(f"{func}(): metric '{metric}' has no values (every replicate "
                          "failed or gave NaN); see Comparison.failures")
    return rows


def _row_labels(frame: pd.DataFrame) -> list[str]:
    if "neighbourhood" in frame.columns and (frame["neighbourhood"] != _ALL).any():
        return [f"{s} | {n}" for s, n in zip(frame["scenario"], frame["neighbourhood"],
                                              strict=True)]
    return frame["scenario"].tolist()


def plot_comparison(
    comparison: Comparison,
    metric: str,
    *,
    baseline: str | None = None,
    confidence: float = 0.95,
    ax: Axes | None = None,
) -> Figure:
    """Forest plot: each scenario's difference from the baseline, with its bootstrap interval.

    One row per scenario (configuration / intervention; per neighbourhood when the metric is
    per neighbourhood) other than the baseline: a point at the mean difference from the
    baseline paired by replicate (:meth:`Comparison.summary`'s ``diff``) and a line over its
    percentile bootstrap confidence interval, with a vertical line at zero. Rows whose
    interval excludes zero are drawn dark, the others grey, and each carries its numbers.

    Parameters
    ----------
    comparison
        From :func:`~ecosystem.compare`.
    metric
        A metric name as in ``comparison.results["metric"]`` (e.g.
        ``"flows.resolved_appropriate"``).
    baseline
        The scenario to compare against; ``comparison.baseline`` when ``None``.
    confidence
        Level of the bootstrap intervals.
    ax
        Axes to draw into; a new figure when ``None``.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    EcosystemError
        A metric or baseline that is not in the comparison.

    Examples
    --------
    >>> from ecosystem import compare, interventions
    >>> from ecosystem.plotting import plot_comparison
    >>> study = compare({"low": "low_ses"}, interventions={"none": None,
    ...                 "prescribing": interventions.social_prescribing()},
    ...                 metrics=["medicalised"], replicates=4, seed=1, progress=False)
    >>> fig = plot_comparison(study, "medicalised")
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['low / prescribing']
    """
    func = "plot_comparison"
    rows = _check(comparison, metric, func)
    base = comparison.baseline if baseline is None else baseline
    if base not in comparison.scenarios:
        raise ConfigError(f"{func}(): baseline '{base}' is not a scenario"
                          f"{suggest(str(base), comparison.scenarios)} Scenarios: "
                          f"{list(comparison.scenarios)}")
    one = dataclasses.replace(comparison, results=rows)
    table = one.summary(baseline=base, confidence=confidence).reset_index()
    table = table[table["scenario"] != base].reset_index(drop=True)
    if table.empty:
        raise ConfigError(f"{func}(): the comparison has no scenario besides the baseline "
                          f"'{base}'; nothing to compare")
    labels = _row_labels(table)
    fig, ax = new_axes(ax, func, (9.0, 1.6 + 0.45 * len(table)))
    y = np.arange(len(table), dtype=float)
    diff = table["diff"].to_numpy(dtype=float)
    lo = table["diff_ci_low"].to_numpy(dtype=float)
    hi = table["diff_ci_high"].to_numpy(dtype=float)
    clear = (lo > 0) | (hi < 0)
    for mask, colour, gid in ((clear, OKABE_ITO["black"], "effects:clear"),
                              (~clear, "#9A9A9A", "effects:unclear")):
        if mask.any():
            ax.errorbar(diff[mask], y[mask], xerr=np.vstack([diff[mask] - lo[mask],
                                                             hi[mask] - diff[mask]]),
                        fmt="o", color=colour, ecolor=colour, elinewidth=2, capsize=3,
                        markersize=6, gid=gid)
    ax.axvline(0.0, color=OKABE_ITO["vermillion"], lw=1.0, ls="--", zorder=0, gid="zero")
    ax.set_yticks(y, labels)
    for yi, d, a, b in zip(y, diff, lo, hi, strict=True):
        ax.text(1.02, yi, f"{d:+.3g}  [{a:+.3g}, {b:+.3g}]", va="center", fontsize=8,
                transform=ax.get_yaxis_transform(), gid="numbers")
    ax.margins(x=0.15)
    n = int(table["n"].min())
    ax.set_xlabel(f"difference in {metric} from '{base}' (mean of paired differences)")
    ax.set_ylim(len(table) - 0.5, -0.5)
    ax.set_title(f"Effect on {metric} against '{base}'\n{confidence:.0%} bootstrap intervals "
                 f"over {n} replicates; dark: interval excludes 0", fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def plot_distributions(
    comparison: Comparison,
    metric: str,
    *,
    ax: Axes | None = None,
) -> Figure:
    """Replicate spread per scenario: a box (quartiles, whiskers to 1.5 IQR) and every value.

    Parameters
    ----------
    comparison
        From :func:`~ecosystem.compare`.
    metric
        A metric name as in ``comparison.results["metric"]``.
    ax
        Axes to draw into; a new figure when ``None``.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from ecosystem import compare
    >>> from ecosystem.plotting import plot_distributions
    >>> study = compare({"low": "low_ses", "average": "average"}, metrics=["ei_domain"],
    ...                 replicates=3, seed=1, progress=False)
    >>> fig = plot_distributions(study, "ei_domain")
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['low', 'average']
    """
    func = "plot_distributions"
    rows = _check(comparison, metric, func)
    rows = rows[rows["value"].notna()]
    order = {s: i for i, s in enumerate(comparison.scenarios)}
    per_nb = bool((rows["neighbourhood"] != _ALL).any())
    keys = ["scenario", "neighbourhood"] if per_nb else ["scenario"]
    groups = [((tuple(map(str, k)) if isinstance(k, tuple) else (str(k),)), g)
              for k, g in rows.groupby(keys, sort=False)]
    groups.sort(key=lambda kv: (order.get(kv[0][0], len(order)), kv[0]))
    labels = [" | ".join(k) for k, _ in groups]
    data = [g["value"].to_numpy(dtype=float) for _, g in groups]
    fig, ax = new_axes(ax, func, (8.0, 1.4 + 0.45 * len(groups)))
    y = np.arange(len(groups), dtype=float)
    ax.boxplot(data, positions=y, orientation="horizontal", widths=0.55, showfliers=False,
               patch_artist=True, boxprops={"facecolor": "#E8E8E8", "edgecolor": "#555555"},
               medianprops={"color": OKABE_ITO["black"], "lw": 1.6},
               whiskerprops={"color": "#555555"}, capprops={"color": "#555555"})
    xs, ys = [], []
    for yi, values in zip(y, data, strict=True):
        # Deterministic spread: values in rank order across the box's height.
        k = len(values)
        offset = np.zeros(k) if k == 1 else np.linspace(-0.2, 0.2, k)[np.argsort(
            np.argsort(values, kind="stable"), kind="stable")]
        xs.append(values)
        ys.append(yi + offset)
    ax.scatter(np.concatenate(xs), np.concatenate(ys), s=12, color=OKABE_ITO["blue"],
               alpha=0.7, zorder=3, gid="replicates")
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlabel(metric)
    ax.set_title(f"{metric}: one point per replicate ({comparison.replicates} per scenario)",
                 fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    return fig
