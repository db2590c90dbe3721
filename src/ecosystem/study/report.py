"""The study report: one self-contained HTML file, readable offline, figures embedded.

Sections: the study as run (its file), the findings per metric with bootstrap confidence
intervals (a forest plot and a table per metric), where needs end up in each scenario (flow
figures of the first replicate), the ecosystem map and bridging gaps of the first replicate of
each configuration, the model's assumptions with their sources, and the manifest. Figures are
PNGs embedded as base64 ``data:`` URIs, so the file can be mailed or archived as it is.
"""

from __future__ import annotations

import base64
import html
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from ecosystem.study.compare import Comparison, _make
from ecosystem.study.outputs import atomic_write
from ecosystem.study.spec import Study

__all__ = ["write_report"]

_CSS = """
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; max-width: 72rem;
       margin: 2rem auto; padding: 0 1rem; color: #1b1b1b; line-height: 1.45; }
h1 { font-size: 1.7rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; font-size: 0.85rem; margin: 0.6rem 0; }
th, td { border: 1px solid #ddd; padding: 0.2rem 0.5rem; text-align: right; }
th { background: #f4f4f4; } td:first-child, th:first-child { text-align: left; }
pre { background: #f7f7f7; padding: 0.8rem; overflow-x: auto; font-size: 0.8rem; }
img { max-width: 100%; height: auto; } .note { color: #555; font-size: 0.9rem; }
figure { margin: 1rem 0; } figcaption { color: #555; font-size: 0.85rem; }
"""


def _png(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _figure(fig: Any, caption: str) -> str:
    return (f'<figure><img alt="{html.escape(caption)}" src="data:image/png;base64,'
            f'{_png(fig)}"><figcaption>{html.escape(caption)}</figcaption></figure>')


def _table(frame: pd.DataFrame, digits: int = 4) -> str:
    return frame.to_html(float_format=lambda v: f"{v:.{digits}g}", na_rep="—", border=0)


def write_report(study: Study, comparison: Comparison, out: str | Path,
                 manifest: dict[str, Any] | None = None, *, figures: bool = True) -> Path:
    """Write ``report.html`` for a finished study run, and its figures as PNG files.

    Parameters
    ----------
    study
        The study that was run.
    comparison
        Its results, as :meth:`Study.run` returns them.
    out
        Output directory; ``report.html`` and ``figures/*.png`` are written there atomically.
    manifest
        The run's manifest (``manifest.json``), shown at the end of the report.
    figures
        Draw the figures (the report without them is tables only).

    Returns
    -------
    pathlib.Path
        The report's path.
    """
    out = Path(out)
    parts = [f"<h1>{html.escape(study.name)}</h1>",
             f'<p class="note">{len(comparison.scenarios)} scenarios × {comparison.replicates} '
             f"replicates, seed {study.seed}; baseline "
             f"<b>{html.escape(study.baseline_scenario())}</b>. Differences are paired by "
             "replicate (common random numbers) with 95% percentile-bootstrap intervals.</p>"]
    configs = study.scenario_objects()
    parts += list(_findings(study, comparison, out, figures))
    if figures:
        parts += list(_replicate_views(study, comparison, out, configs))
    parts += list(_assumptions(study, configs))
    parts.append("<h2>The study file</h2><pre>" + html.escape(study.to_toml()) + "</pre>")
    if manifest is not None:
        parts.append("<h2>Manifest</h2><pre>" + html.escape(json.dumps(manifest, indent=2))
                     + "</pre>")
    doc = ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>"
           f"{html.escape(study.name)}</title><style>{_CSS}</style></head><body>"
           + "\n".join(parts) + "</body></html>")
    path = out / "report.html"
    atomic_write(path, lambda fh: fh.write(doc.encode("utf-8")))
    return path


def _save(fig: Any, out: Path, name: str) -> None:
    atomic_write(out / "figures" / f"{name}.png",
                 lambda fh: fig.savefig(fh, format="png", dpi=110, bbox_inches="tight"))


def _findings(study: Study, comparison: Comparison, out: Path, figures: bool) -> Iterator[str]:
    summary = comparison.summary(baseline=study.baseline_scenario())
    yield "<h2>Findings</h2>"
    cols = ["n", "mean", "ci_low", "ci_high", "diff", "diff_ci_low", "diff_ci_high", "cohen_d"]
    for metric in summary.index.get_level_values("metric").unique():
        yield f"<h3>{html.escape(str(metric))}</h3>"
        if figures:
            from ecosystem.plotting import plot_comparison

            fig = plot_comparison(comparison, metric, baseline=study.baseline_scenario())
            _save(fig, out, f"effects_{metric}")
            yield _figure(fig, f"{metric}: difference from {study.baseline_scenario()} "
                               "(mean and 95% CI)")
        block = pd.DataFrame(summary.xs(metric, level="metric"))
        yield _table(block[[c for c in cols if c in block.columns]])


def _replicate_views(study: Study, comparison: Comparison, out: Path,
                     configs: dict[str, Any]) -> Iterator[str]:
    """Map, gaps and flows of the first replicate of every scenario."""
    import ecosystem as es
    from ecosystem.plotting import plot_ecosystem, plot_flows

    seed = int(comparison.results["seed"].iloc[0]) if len(comparison.results) else study.seed
    interventions = study.intervention_objects()
    yield ("<h2>One replicate of each scenario</h2><p class='note'>The first replicate "
           f"(seed {seed}): where residents' needs end up under the exact referral model, "
           "the map of actors and ties, and the bridging gaps found.</p>")
    for cname, config in configs.items():
        base_eco = _make(config, seed)
        for iname, intervention in interventions.items():
            eco = intervention(base_eco)
            label = f"{cname} / {iname}"
            slug = f"{cname}_{iname}"
            yield f"<h3>{html.escape(label)}</h3>"
            result = es.ReferralModel(eco).solve()
            fig = plot_flows(result)
            _save(fig, out, f"flows_{slug}")
            yield _figure(fig, f"{label}: outcome of each need (fractions of residents)")
            if iname == next(iter(interventions)):
                fig = plot_ecosystem(eco, seed=0)
                _save(fig, out, f"map_{cname}")
                yield _figure(fig, f"{cname}: actors by domain and their ties")
                g = es.gaps(eco)
                yield f"<p>{len(g)} bridging gaps (most severe first):</p>"
                if len(g):
                    keep = [c for c in ("neighbourhood", "kind_of_gap", "detail", "severity")
                            if c in g.columns]
                    yield _table(g.sort_values("severity", ascending=False)[keep].head(15))


def _assumptions(study: Study, configs: dict[str, Any]) -> Iterator[str]:
    from ecosystem.flows.assumptions import assumptions
    from ecosystem.generate import Profile

    yield ("<h2>Assumptions and their sources</h2><p class='note'>Every default of the "
           "referral model, and every parameter of the profiles this study generates from. "
           "Values marked as assumptions have no published figure behind them.</p>")
    yield _table(assumptions())
    for s in study.scenarios:
        if s.source == "profile":
            prof = configs[s.name]
            assert isinstance(prof, Profile)
            yield f"<h3>Profile of {html.escape(s.name)} ({html.escape(prof.name)})</h3>"
            yield _table(prof.describe())
