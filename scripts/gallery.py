"""Draw the figures of docs/gallery.md from the example data (run from the repository root).

    python scripts/gallery.py            # writes docs/gallery/*.png
"""

from __future__ import annotations

from pathlib import Path

import ecosystem as es
from ecosystem.plotting import (
    plot_comparison,
    plot_distributions,
    plot_ecosystem,
    plot_flows,
    plot_mixing,
    plot_ranking,
)

OUT = Path(__file__).resolve().parent.parent / "docs" / "gallery"
DPI = 80


def save(fig, name: str) -> None:
    fig.savefig(OUT / f"{name}.png", dpi=DPI)
    print(f"docs/gallery/{name}.png")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    eco = es.datasets.example()
    cb = es.centrality(eco)["cross_domain_betweenness"]
    save(plot_ecosystem(eco, size=cb, highlight=es.gaps(eco)), "map_gaps")
    save(plot_ecosystem(eco, highlight=es.suggest_bridges(eco, n_ties=4, seed=1), labels=4),
         "map_bridges")
    save(plot_ecosystem(es.generate_region(30, seed=1, name="30 neighbourhoods")),
         "map_aggregated")
    model = es.ReferralModel(eco)
    save(plot_flows(model.simulate(2000, seed=1)), "flows_bars")
    save(plot_flows(model.solve(), kind="alluvial", eco=eco), "flows_alluvial")
    save(plot_ranking(es.brokerage(eco), eco=eco, top=12), "ranking_brokerage")
    save(plot_ranking(es.centrality(eco), "cross_domain_betweenness", eco=eco, top=12),
         "ranking_betweenness")
    save(plot_mixing(es.mixing(eco, n_permutations=999, seed=1)), "mixing")
    study = es.compare({"low SES": "low_ses", "average": "average"},
                       interventions={"none": None,
                                      "prescribing": es.interventions.social_prescribing()},
                       metrics=["flows"], replicates=20, seed=1, progress=False)
    save(plot_comparison(study, "flows.resolved_appropriate"), "comparison_forest")
    save(plot_distributions(study, "flows.resolved_appropriate"), "comparison_spread")


if __name__ == "__main__":
    main()
