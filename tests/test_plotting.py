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
from ecosystem.plotting import DOMAIN_COLOURS, SIGNAL, domain_layout, plot_ecosystem
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
    ax = plot_ecosystem(example, ties="collaboration").axes[0]
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
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    for entry in ("medical", "social", "informal", "shared by neighbourhoods",
                  "collaboration", "referral (arrow: to whom)"):
        assert entry in labels
    handles = {t.get_text(): h for t, h in zip(ax.get_legend().get_texts(),
                                               ax.get_legend().legend_handles, strict=True)}
    assert handles["informal"].get_marker() == "D" and handles["medical"].get_marker() == "o"


def test_map_tie_selection_and_labels(example):
    ax = plot_ecosystem(example, ties=["verwijzing"], labels=3).axes[0]
    drawn = {c.get_gid(): len(c.get_segments()) for c in by_gid(ax, "ties:")}
    assert drawn == {"ties:referral": int((example.ties["kind"] == "referral").sum())}
    names = [t.get_text() for t in ax.texts if t.get_gid() == "label"]
    degree = pd.concat([example.ties["source"], example.ties["target"]]).value_counts()
    assert names == degree.sort_index().sort_values(ascending=False, kind="stable"
                                                    ).index[:3].tolist()
    assert plot_ecosystem(example, ties=[], labels=0).axes[0].texts  # panel titles only
    assert not by_gid(plot_ecosystem(example, ties=[]).axes[0], "ties:")


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
    bridges = es.suggest_bridges(eco, k=2, objective="reachability", seed=1)
    ax = plot_ecosystem(eco, highlight=bridges).axes[0]
    (dashed,) = by_gid(ax, "highlight:dashed")
    assert len(dashed.get_segments()) == len(bridges) == 2
    assert "suggested tie" in [t.get_text() for t in ax.get_legend().get_texts()]


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
    ({"ties": ["referal"]}, "ties=:"),
    ({"layout": "spring"}, "layout='spring' is not known"),
    ({"layout": np.zeros((3, 2))}, r"must have shape \(40, 2\)"),
    ({"highlight": pd.DataFrame({"a": [1]})}, "highlight= takes the table of gaps"),
    ({"labels": -1}, "labels must be an int"),
    ({"ax": "left"}, "ax= must be a matplotlib Axes"),
    ({"seed": -3, "layout": "fr"}, "seed=-3 is not accepted"),
])
def test_map_bad_input_is_a_clear_error(example, kwargs, match):
    with pytest.raises(es.EcosystemError, match=match):
        plot_ecosystem(example, **kwargs)


def test_map_bad_size_values(example):
    cb = es.centrality(example)["cross_domain_betweenness"].copy()
    cb.iloc[3] = np.nan
    with pytest.raises(es.EcosystemError, match="actor 'mental_health' has nan"):
        plot_ecosystem(example, size=cb)
    with pytest.raises(es.EcosystemError, match="has no actors"):
        plot_ecosystem(example.subset(ids=[]))
    with pytest.raises(es.EcosystemError, match="expected an Ecosystem"):
        plot_ecosystem(example.actors)
