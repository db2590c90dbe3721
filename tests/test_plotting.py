"""Figures: structural checks on the artists drawn (Agg backend), bad input, no leaks.

The references are the input tables themselves, counted independently with pandas (one point
per actor, one segment per selected tie, blocks and bands of the aggregated map), the published
Okabe-Ito colours, and the geometry of the default layout (every actor inside its
neighbourhood's panel, in its domain's sector).
"""

from __future__ import annotations

import io
import warnings

import matplotlib
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

import ecosystem as es
from ecosystem.plotting import (
    DOMAIN_COLOURS,
    SIGNAL,
    domain_layout,
    plot_comparison,
    plot_distributions,
    plot_ecosystem,
    plot_flows,
    plot_mixing,
    plot_ranking,
)
from tests.strategies import ecosystems

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _no_warnings_no_open_figures():
    """Every figure test runs with warnings as errors and leaves no pyplot figure open."""
    import matplotlib.pyplot as plt

    before = set(plt.get_fignums())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield
    assert set(plt.get_fignums()) == before


@pytest.fixture(scope="module")
def region():
    return es.generate_region(4, seed=3)


def by_gid(ax, prefix):
    return [c for c in ax.collections if (c.get_gid() or "").startswith(prefix)]


def legend_of(ax):
    """The map's legend: the figure's own in a figure the map made, else the axes' one."""
    return ax.get_legend() or ax.get_figure(root=True).legends[0]


def png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=40)
    return buf.getvalue()


# ---------------------------------------------------------------------------- the map
def test_map_one_point_per_actor_and_one_segment_per_tie(example):
    fig = plot_ecosystem(example)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    (points,) = by_gid(ax, "actors")
    assert len(points.get_offsets()) == example.n_actors
    counts = example.ties["kind"].value_counts()
    drawn = {c.get_gid().split(":")[1]: len(c.get_segments()) for c in by_gid(ax, "ties:")}
    assert drawn == counts.to_dict()
    (heads,) = by_gid(ax, "arrows:referral")
    assert len(heads.get_paths()) == counts["referral"]
    assert png(fig)[:4] == b"\x89PNG"


def test_map_segments_join_the_tie_ends(example):
    xy = domain_layout(example)
    ax = plot_ecosystem(example, tie_kinds="collaboration").axes[0]
    (lines,) = by_gid(ax, "ties:")
    seg = np.asarray(lines.get_segments())
    ties = example.ties[example.ties["kind"] == "collaboration"]
    np.testing.assert_allclose(seg[:, 0], xy.loc[ties["source"], ["x", "y"]].to_numpy())
    np.testing.assert_allclose(seg[:, 1], xy.loc[ties["target"], ["x", "y"]].to_numpy())
    np.testing.assert_allclose(by_gid(ax, "actors")[0].get_offsets(), xy[["x", "y"]])


def test_map_colours_markers_and_legend_follow_the_palette(example):
    # Okabe & Ito (2008), "Color Universal Design": blue, bluish green, orange.
    assert dict(DOMAIN_COLOURS) == {"medical": "#0072B2", "social": "#009E73",
                                    "informal": "#E69F00"}
    ax = plot_ecosystem(example).axes[0]
    points = by_gid(ax, "actors")[0]
    want = np.array([to_rgba(DOMAIN_COLOURS[d]) for d in example.actors["domain"]])
    np.testing.assert_allclose(points.get_facecolors(), want)
    informal = (example.actors["sector"] == "informal").to_numpy()
    vertices = np.array([len(p.vertices) for p in points.get_paths()])
    assert len(vertices) == example.n_actors
    assert len(set(vertices[informal])) == 1 and not set(vertices[informal]) & set(
        vertices[~informal])  # diamonds for the informal sector, discs for the formal one
    shared = example.actors["neighbourhood"].isna().to_numpy()
    np.testing.assert_allclose(np.asarray(points.get_edgecolors())[shared], [[0, 0, 0, 1]] *
                               shared.sum())
    labels = [t.get_text() for t in legend_of(ax).get_texts()]
    for entry in ("medical", "social", "informal", "shared by neighbourhoods",
                  "collaboration", "referral (arrow: to whom)"):
        assert entry in labels
    handles = {t.get_text(): h for t, h in zip(legend_of(ax).get_texts(),
                                               legend_of(ax).legend_handles, strict=True)}
    assert handles["informal"].get_marker() == "D" and handles["medical"].get_marker() == "o"


def test_map_tie_selection_and_labels(example):
    ax = plot_ecosystem(example, tie_kinds=["verwijzing"], labels=3).axes[0]
    drawn = {c.get_gid(): len(c.get_segments()) for c in by_gid(ax, "ties:")}
    assert drawn == {"ties:referral": int((example.ties["kind"] == "referral").sum())}
    names = [t.get_text() for t in ax.texts if t.get_gid() == "label"]
    degree = pd.concat([example.ties["source"], example.ties["target"]]).value_counts()
    assert names == degree.sort_index().sort_values(ascending=False, kind="stable"
                                                    ).index[:3].tolist()
    assert plot_ecosystem(example, tie_kinds=[], labels=0).axes[0].texts  # panel titles only
    assert not by_gid(plot_ecosystem(example, tie_kinds=[]).axes[0], "ties:")


def test_map_size_by_measure(example):
    cb = es.centrality(example)["cross_domain_betweenness"]
    ax = plot_ecosystem(example, size=cb, labels=2).axes[0]
    sizes = by_gid(ax, "actors")[0].get_sizes()
    assert sizes[np.argmax(cb.to_numpy())] == pytest.approx(300.0)
    assert sizes[np.argmin(cb.to_numpy())] == pytest.approx(15.0)
    names = [t.get_text() for t in ax.texts if t.get_gid() == "label"]
    assert names == cb.sort_values(ascending=False).index[:2].tolist()
    ax = plot_ecosystem(example, size=50).axes[0]
    np.testing.assert_array_equal(by_gid(ax, "actors")[0].get_sizes(), 50.0)
    with pytest.raises(es.EcosystemError, match="actor 'hospital' has nan"):
        plot_ecosystem(example, size="capacity")  # unknown capacities: fill them first
    full = example.actors["capacity"].fillna(0)
    full.index = example.index
    ax = plot_ecosystem(example, size=full).axes[0]
    assert by_gid(ax, "actors")[0].get_sizes()[example.index.get_loc("pharmacy_oost")] == 300


def test_map_neighbourhood_panels_and_sectors(example):
    xy = domain_layout(example)
    assert set(xy["panel"]) == {"(shared)", "Oosterwijk", "Westdorp"}
    a = example.actors.set_index("id")
    assert (xy.loc[a["neighbourhood"].isna(), "panel"] == "(shared)").all()
    # every actor within radius 1 of its panel's centre, in its domain's sector
    ax = plot_ecosystem(example).axes[0]
    frames = {p.get_gid().split(":", 1)[1]: p.center for p in ax.patches
              if (p.get_gid() or "").startswith("panel:")}
    assert set(frames) == set(xy["panel"])
    centre = np.array([frames[p] for p in xy["panel"]])
    d = xy[["x", "y"]].to_numpy() - centre
    assert (np.hypot(d[:, 0], d[:, 1]) <= 1.0 + 1e-9).all()
    angle = np.degrees(np.arctan2(d[:, 1], d[:, 0]))
    middle = a.loc[xy.index, "domain"].map({"medical": 180.0, "social": 60.0,
                                            "informal": -60.0}).to_numpy()
    off = (angle - middle + 180) % 360 - 180
    assert (np.abs(off) <= 52 + 1e-9).all()
    assert len(np.unique(xy[["x", "y"]].round(9).to_numpy(), axis=0)) == len(xy)


def test_map_selected_neighbourhoods_keep_shared_actors(example):
    ax = plot_ecosystem(example, neighbourhoods="Westdorp").axes[0]
    sub = example.subset(neighbourhoods="Westdorp", include_shared=True)
    assert len(by_gid(ax, "actors")[0].get_offsets()) == sub.n_actors
    assert sum(len(c.get_segments()) for c in by_gid(ax, "ties:")) == sub.n_ties


def test_map_highlight_gaps_and_suggested_bridges():
    actors = pd.DataFrame({"id": ["gp", "team", "buurt", "welzijn"],
                           "kind": ["huisarts", "wijkteam", "zorgzame gemeenschap", "welzijn"]})
    ties = pd.DataFrame({"source": ["gp", "team"], "target": ["team", "buurt"]})
    eco = es.Ecosystem(actors, ties)
    gaps = es.gaps(eco, expected=[("gp", "welfare")])
    ax = plot_ecosystem(eco, highlight=gaps).axes[0]
    (rings,) = by_gid(ax, "highlight:rings")
    # single points of failure: cut actors and one-actor minimum cuts
    cut = {a for k, acts in zip(gaps["kind_of_gap"], gaps["actors"], strict=True)
           for a in acts if k == "cut_actor" or (k == "min_actor_cut" and len(acts) == 1)}
    assert cut == {"team", "buurt"}
    np.testing.assert_allclose(rings.get_offsets(), domain_layout(eco).loc[sorted(cut),
                                                                           ["x", "y"]])
    assert np.allclose(rings.get_edgecolors(), to_rgba(SIGNAL))
    (dashed,) = by_gid(ax, "highlight:dashed")
    assert len(dashed.get_segments()) == 1  # gp - welzijn, the missing expected pair
    (critical,) = by_gid(ax, "highlight:critical")
    assert len(critical.get_segments()) == 2  # both ties are bridges between the domains
    bridges = es.suggest_bridges(eco, n_ties=2, objective="reachability", kind_pairs="any",
                                 seed=1)
    ax = plot_ecosystem(eco, highlight=bridges).axes[0]
    (dashed,) = by_gid(ax, "highlight:dashed")
    assert len(dashed.get_segments()) == len(bridges) == 2
    assert "suggested tie" in [t.get_text() for t in legend_of(ax).get_texts()]


def test_map_aggregated_above_threshold(region):
    fig = plot_ecosystem(region, max_actors=100)
    ax = fig.axes[0]
    assert "aggregated" in ax.get_title()
    assert not by_gid(ax, "actors")
    a = region.actors.assign(panel=region.actors["neighbourhood"].fillna("(shared)"))
    blocks = a.groupby(["panel", "domain"]).size()
    (points,) = by_gid(ax, "blocks")
    assert len(points.get_offsets()) == len(blocks)
    area = points.get_sizes()
    assert np.argmax(area) == np.argmax(
        blocks.reindex(pd.MultiIndex.from_product(
            [sorted(set(a["panel"]), key=lambda p: (p != "(shared)", p)), es.DOMAINS])
        ).dropna().to_numpy())
    key = a.set_index("id")["panel"] + "|" + a.set_index("id")["domain"]
    s, t = key.loc[region.ties["source"]].to_numpy(), key.loc[region.ties["target"]].to_numpy()
    pairs = {tuple(sorted(p)) for p in zip(s, t, strict=True) if p[0] != p[1]}
    shown = sorted(int(t.get_text()) for t in ax.texts if t.get_gid() == "count")
    assert shown == sorted(blocks.tolist())
    (bands,) = by_gid(ax, "bands")
    assert len(bands.get_segments()) == len(pairs)
    below = plot_ecosystem(region, max_actors=None).axes[0]
    assert len(by_gid(below, "actors")[0].get_offsets()) == region.n_actors


def test_map_draws_into_given_axes(example):
    fig = Figure()
    ax1, ax2 = fig.subplots(1, 2)
    out = plot_ecosystem(example, ax=ax2)
    assert out is fig
    assert by_gid(ax2, "actors") and not ax1.collections
    out = example.plot(ax=ax1, layout="circle")
    assert out is fig and by_gid(ax1, "actors")


def test_map_igraph_layout_same_seed_same_picture(example):
    def offsets(seed):
        ax = plot_ecosystem(example, layout="fr", seed=seed).axes[0]
        return by_gid(ax, "actors")[0].get_offsets()

    np.testing.assert_array_equal(offsets(7), offsets(7))
    assert not np.allclose(offsets(7), offsets(8))
    xy = domain_layout(example)
    given_pos = plot_ecosystem(example, layout=xy * 2).axes[0]
    np.testing.assert_allclose(by_gid(given_pos, "actors")[0].get_offsets(),
                               xy[["x", "y"]].to_numpy() * 2)


@settings(max_examples=15)
@given(ecosystems(min_actors=1, max_actors=10))
def test_map_property_every_actor_and_tie_drawn(eco):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax = plot_ecosystem(eco, labels=2).axes[0]
    assert len(by_gid(ax, "actors")[0].get_offsets()) == eco.n_actors
    assert sum(len(c.get_segments()) for c in by_gid(ax, "ties:")) == eco.n_ties
    pos = by_gid(ax, "actors")[0].get_offsets()
    assert np.isfinite(pos).all()


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"size": "betweenness"}, "size='betweenness' is not an actor column"),
    ({"size": pd.Series({"hospital": 1.0})}, "size= has no value for actor"),
    ({"size": "kind"}, "size= must be numeric"),
    ({"color": "colour"}, "color='colour' is not an actor column"),
    ({"neighbourhoods": ["Oostwijk"]}, "'Oostwijk' is not a neighbourhood"),
    ({"tie_kinds": ["referal"]}, "tie_kinds=:"),
    ({"layout": "spring"}, "layout='spring' is not known"),
    ({"layout": np.zeros((3, 2))}, r"must have shape \(40, 2\)"),
    ({"highlight": pd.DataFrame({"a": [1]})}, "highlight= takes the table of gaps"),
    ({"labels": -1}, "labels must be an int"),
    ({"ax": "left"}, "ax= must be a matplotlib Axes"),
    ({"seed": -3, "layout": "fr"}, "seed=-3 is not accepted"),
    # every parameter, every kind of mistake: an EcosystemError naming the parameter
    ({"seed": "a"}, r"plot_ecosystem\(\): seed='a' is not accepted"),
    ({"color": 5}, "color= must be an actor column name or a pandas Series"),
    ({"color": ["red"] * 40}, "color= must be an actor column name"),
    ({"size": -1.0}, "size=-1.0 must be a positive marker area"),
    ({"size": float("nan")}, "size=nan must be a positive"),
    ({"size": True}, "size= must be an actor column name"),
    ({"tie_kinds": 5}, "tie_kinds= takes a tie kind"),
    ({"tie_kinds": [5]}, "tie_kinds=: tie kind must be a string"),
    ({"neighbourhoods": 5}, "neighbourhoods= takes a neighbourhood name"),
    ({"neighbourhoods": []}, "neighbourhoods= is empty"),
    ({"highlight": "gaps"}, "highlight= takes the table of gaps"),
    ({"highlight": pd.DataFrame({"kind_of_gap": ["cut_actor"], "actors": ["gp_west"]})},
     "holds tuples of actor ids"),
    ({"highlight": pd.DataFrame({"source": ["gp_west"], "target": ["nobody"]})},
     "highlight= names actor 'nobody' in its source/target column"),
    ({"highlight": pd.DataFrame({"kind_of_gap": ["cut_actor"], "actors": [("nobody",)]})},
     "highlight= names actor 'nobody' in its actors column"),
    ({"layout": None}, "layout= takes 'domains', an igraph layout name"),
    ({"layout": 5}, "layout= takes 'domains'"),
    ({"layout": np.array([["a", "b"]] * 40)}, "layout positions must be numbers"),
    ({"layout": np.full((40, 2), np.inf)}, "layout positions must be finite"),
    ({"layout": pd.DataFrame({"x": [1.0]})}, "needs columns 'x' and 'y'"),
    ({"layout": pd.DataFrame({"x": [1.0], "y": [2.0]}, index=["gp_west"])},
     "layout has no position for actor"),
    ({"labels": 1.5}, "labels must be an int"),
    ({"labels": True}, "labels must be an int"),
    ({"max_actors": 0}, "max_actors must be an int >= 1"),
    ({"ax": 5}, "ax= must be a matplotlib Axes"),
])
def test_map_bad_input_is_a_clear_error(example, kwargs, match):
    with pytest.raises(es.EcosystemError, match=match):
        plot_ecosystem(example, **kwargs)


def test_map_bad_input_is_checked_before_the_aggregated_map(example):
    """The aggregated map uses few parameters; the others are still checked, not ignored."""
    for kwargs, match in [({"highlight": pd.DataFrame({"source": ["x"], "target": ["y"]})},
                           "highlight= names actor 'x'"),
                          ({"layout": "spring"}, "layout='spring' is not known"),
                          ({"size": "kind"}, "size= must be numeric"),
                          ({"color": "colour"}, "color='colour' is not an actor column"),
                          ({"seed": -1}, "seed=-1"), ({"ax": "left"}, "ax= must be")]:
        with pytest.raises(es.EcosystemError, match=match):
            plot_ecosystem(example, max_actors=5, **kwargs)


def test_map_layout_with_duplicated_ids(example):
    xy = domain_layout(example)[["x", "y"]]
    with pytest.raises(es.EcosystemError, match="more than one position for actor"):
        plot_ecosystem(example, layout=pd.concat([xy, xy]))
    # A table with every actor once (in any order, plus other actors) is accepted.
    extra = pd.DataFrame({"x": [0.0], "y": [0.0]}, index=["not_drawn"])
    ax = plot_ecosystem(example, layout=pd.concat([xy.iloc[::-1], extra])).axes[0]
    np.testing.assert_allclose(by_gid(ax, "actors")[0].get_offsets(), xy.to_numpy())


def test_map_bad_size_values(example):
    cb = es.centrality(example)["cross_domain_betweenness"].copy()
    cb.iloc[3] = np.nan
    with pytest.raises(es.EcosystemError, match="actor 'mental_health' has nan"):
        plot_ecosystem(example, size=cb)
    with pytest.raises(es.EcosystemError, match="has no actors"):
        plot_ecosystem(example.subset(ids=[]))
    with pytest.raises(es.EcosystemError, match="expected an Ecosystem"):
        plot_ecosystem(example.actors)


# ---------------------------------------------------------------------------- flows
@pytest.fixture(scope="module")
def flows_example():
    from ecosystem import datasets

    eco = datasets.example()
    model = es.ReferralModel(eco)
    return eco, model.solve(), model.simulate(400, seed=5, record=True)


def patches(ax, gid):
    return [p for p in ax.patches if p.get_gid() == gid]


def bar_widths(ax, outcome):
    return np.array([p.get_width() for p in patches(ax, f"outcome:{outcome}")])


def test_flow_bars_are_the_outcome_shares(flows_example):
    _, exact, _ = flows_example
    fig = plot_flows(exact)
    ax = fig.axes[0]
    frac = exact.outcomes["fraction"].unstack("outcome")
    needs = [n for n in exact.outcomes.index.get_level_values("need").unique()]
    for outcome in (*es.flows.MAIN_OUTCOMES, "medicalised"):
        np.testing.assert_allclose(bar_widths(ax, outcome), frac.loc[needs, outcome])
    assert not [c for c in ax.containers if type(c).__name__ == "ErrorbarContainer"]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[:2] == ["resolved in the right domain", "resolved in another domain"]
    assert [t.get_text() for t in ax.get_yticklabels()][-1] == "all needs"
    assert "exact" in ax.get_title()


def test_flow_bars_of_a_simulation_carry_95_percent_intervals(flows_example):
    _, _, sim = flows_example
    ax = plot_flows(sim, needs=["debt", "loneliness"]).axes[0]
    errs = [c for c in ax.containers if type(c).__name__ == "ErrorbarContainer"]
    assert len(errs) == len(es.flows.MAIN_OUTCOMES) - 1  # one per boundary between outcomes
    frac = sim.outcomes["fraction"].unstack("outcome").loc[["debt", "loneliness"]]
    first = errs[0]  # after "resolved appropriately": a binomial share of 400 residents
    c = frac["resolved_appropriate"].to_numpy()
    half = 1.959963984540054 * np.sqrt(c * (1 - c) / 400)
    seg = np.asarray([s for s in first.lines[2][0].get_segments()])
    np.testing.assert_allclose(seg[:, 1, 0] - seg[:, 0, 0], 2 * half)
    np.testing.assert_allclose(seg[:, 0, 0], c - half)


def test_flow_alluvial_by_domain_conserves_residents(flows_example):
    eco, exact, sim = flows_example
    ax = plot_flows(exact, kind="alluvial", eco=eco).axes[0]
    nodes = {p.get_gid()[5:]: p.get_height() for p in ax.patches
             if (p.get_gid() or "").startswith("node:")}
    needs = [n for n in exact.outcomes.index.get_level_values("need").unique() if n != "total"]
    for n in needs:
        assert nodes[n] == pytest.approx(1.0)  # each need's residents sum to 1
    resolved = exact.per_actor["resolved"][needs].groupby(
        eco.actors["domain"].to_numpy()).sum().sum(axis=1)
    for d in es.DOMAINS:
        assert nodes[f"resolved: {d}"] == pytest.approx(resolved[d])
    frac = exact.outcomes["fraction"].unstack("outcome").loc[needs]
    assert nodes["lost"] == pytest.approx(frac["lost"].sum())
    bands = [p for p in ax.patches if (p.get_gid() or "").startswith("band:")]
    assert bands and all(b.get_gid().split(":")[1].split(">")[0] in needs for b in bands)
    ax = plot_flows(sim, kind="alluvial", eco=eco).axes[0]
    nodes = {p.get_gid()[5:]: p.get_height() for p in ax.patches
             if (p.get_gid() or "").startswith("node:")}
    dom = eco.actors.set_index("id")["domain"]
    entered = dom.loc[sim.record["entry_id"]].value_counts() / 400  # in need units
    for d, v in entered.items():
        assert nodes[d] == pytest.approx(v)
    assert plot_flows(exact, kind="alluvial").axes[0].get_title().startswith("From need")


def test_flows_bad_input(flows_example):
    _, exact, _ = flows_example
    with pytest.raises(es.EcosystemError, match="kind='sankey' is not known"):
        plot_flows(exact, kind="sankey")
    with pytest.raises(es.EcosystemError, match="'lonelyness' is not a need"):
        plot_flows(exact, needs=["lonelyness"])
    with pytest.raises(es.EcosystemError, match="expected a FlowResult"):
        plot_flows(exact.outcomes)
    with pytest.raises(es.EcosystemError, match="not the ecosystem this result"):
        plot_flows(exact, kind="alluvial", eco=es.generate_neighbourhood("average", seed=1))


def test_flow_result_plot_delegates(flows_example):
    _, exact, _ = flows_example
    fig = Figure()
    ax = fig.subplots()
    assert exact.plot(ax=ax, needs="debt") is fig
    assert bar_widths(ax, "lost") == pytest.approx(
        [exact.outcomes.loc[("debt", "lost"), "fraction"]])


# ---------------------------------------------------------------------------- comparison
@pytest.fixture(scope="module")
def study():
    return es.compare({"low": "low_ses", "average": "average"},
                      interventions={"none": None,
                                     "prescribing": es.interventions.social_prescribing()},
                      metrics=["ei_domain", "medicalised"], replicates=4, seed=2,
                      progress=False)


def test_forest_plot_is_the_summary(study):
    ax = plot_comparison(study, "ei_domain").axes[0]
    summary = study.summary(baseline=study.baseline).xs("ei_domain", level="metric")
    summary = summary.drop(index=study.baseline)
    assert [t.get_text() for t in ax.get_yticklabels()] == summary.index.tolist()
    errs = [c for c in ax.containers if type(c).__name__ == "ErrorbarContainer"]
    points = np.concatenate([c.lines[0].get_xdata() for c in errs])
    assert sorted(points) == pytest.approx(sorted(summary["diff"]))
    lows = np.concatenate([np.asarray(c.lines[2][0].get_segments())[:, 0, 0]
                           for c in errs])
    assert sorted(lows) == pytest.approx(sorted(summary["diff_ci_low"]))
    assert any(line.get_gid() == "zero" and line.get_xdata()[0] == 0 for line in ax.lines)
    ax = study.plot("ei_domain", baseline="average / none").axes[0]
    assert "average / none" not in [t.get_text() for t in ax.get_yticklabels()]


def test_distributions_show_every_replicate(study):
    ax = plot_distributions(study, "medicalised").axes[0]
    (points,) = by_gid(ax, "replicates")
    values = study.results.loc[study.results["metric"] == "medicalised", "value"].dropna()
    assert sorted(points.get_offsets()[:, 0]) == pytest.approx(sorted(values))
    assert [t.get_text() for t in ax.get_yticklabels()] == list(study.scenarios)


def test_comparison_bad_input(study):
    with pytest.raises(es.EcosystemError, match="metric 'ei' is not in this comparison"):
        plot_comparison(study, "ei")
    with pytest.raises(es.EcosystemError, match="baseline 'high' is not a scenario"):
        plot_comparison(study, "ei_domain", baseline="high")
    with pytest.raises(es.EcosystemError, match="metric 'x' is not in this comparison"):
        plot_distributions(study, "x")
    with pytest.raises(es.EcosystemError, match="expected a Comparison"):
        plot_comparison(study.results, "ei_domain")


# ---------------------------------------------------------------------------- measures
def test_ranking_bars_coloured_by_domain(example):
    table = es.centrality(example)
    ax = plot_ranking(table, "cross_domain_betweenness", eco=example, top=5).axes[0]
    want = table["cross_domain_betweenness"].sort_values(ascending=False, kind="stable")[:5]
    assert [t.get_text() for t in ax.get_yticklabels()] == want.index.tolist()
    bars = patches(ax, "bars")
    np.testing.assert_allclose([p.get_width() for p in bars], want.to_numpy())
    dom = example.actors.set_index("id")["domain"]
    np.testing.assert_allclose([p.get_facecolor() for p in bars],
                               [to_rgba(DOMAIN_COLOURS[dom[i]]) for i in want.index])


def test_ranking_brokerage_roles_stacked(example):
    table = es.brokerage(example)
    ax = plot_ranking(table, eco=example, top=6).axes[0]
    names = [t.get_text() for t in ax.get_yticklabels()]
    roles = [patches(ax, f"role:{r}") for r in
             ("coordinator", "itinerant", "representative", "gatekeeper", "liaison")]
    assert all(len(r) == 6 for r in roles)
    ends = np.sum([[p.get_width() for p in r] for r in roles], axis=0)
    np.testing.assert_allclose(ends, table.loc[names, "total"])
    assert list(table.loc[names, "total"]) == sorted(table["total"], reverse=True)[:6]


def test_ranking_nan_left_out_and_counted(example):
    table = es.structural_holes(example)[["constraint"]].copy()
    table.iloc[:2] = np.nan
    ax = plot_ranking(table, "constraint", top=50, ascending=True).axes[0]
    assert len(ax.get_yticklabels()) == example.n_actors - 2
    assert "2 actors without a value left out" in ax.get_xlabel()
    with pytest.raises(es.EcosystemError, match="column 'constrain' is not in the table"):
        plot_ranking(table, "constrain")
    with pytest.raises(es.EcosystemError, match="give the column"):
        plot_ranking(table)
    with pytest.raises(es.EcosystemError, match="is not an actor of eco="):
        plot_ranking(table.rename(index={"hospital": "ziekenhuis"}), "constraint",
                     eco=example)


def test_mixing_heatmap(example):
    m = es.mixing(example, n_permutations=99, seed=1)
    ax = m.plot().axes[0]
    order = ["medical", "social", "informal"]
    np.testing.assert_array_equal(ax.images[0].get_array(), m.counts.loc[order, order])
    cells = [t.get_text() for t in ax.texts if t.get_gid() == "cell"]
    assert cells == [f"{v:,}" for v in m.counts.loc[order, order].to_numpy().ravel()]
    assert f"E-I index {m.overall['ei']:.2f}" in ax.get_title()
    assert f"p = {m.overall['p_value']:.2g}" in ax.get_title()
    assert "no permutation test" in plot_mixing(es.mixing(example)).axes[0].get_title()
    with pytest.raises(es.EcosystemError, match="expected a Mixing"):
        plot_mixing(m.counts)
