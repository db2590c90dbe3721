"""gaps(): each kind of finding on hand-built ecosystems, cut actors and bridge ties against
brute-force removal in networkx, minimum cuts against networkx connectivity."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings

from ecosystem import Ecosystem
from ecosystem.algorithms.gaps import COLUMNS, EXPECTED_KIND_PAIRS, gaps
from ecosystem.core.errors import ConfigError, UnknownKindError
from tests.strategies import ecosystems


def _eco(actors: dict[str, str], ties: list[tuple], neighbourhood=None) -> Ecosystem:
    a = pd.DataFrame({"id": list(actors), "kind": list(actors.values())})
    if neighbourhood is not None:
        a["neighbourhood"] = pd.Series([neighbourhood.get(i) for i in actors], dtype="str")
    t = pd.DataFrame(ties, columns=["source", "target", "kind"][: len(ties[0])] if ties
                     else ["source", "target"])
    return Ecosystem(a, t)


def _rows(g: pd.DataFrame, kind: str) -> pd.DataFrame:
    return g[g["kind_of_gap"] == kind]


def test_chain_hand_case():
    # gp1 - gp2 - team - carer: medical {gp1, gp2}, social {team}, informal {carer}.
    eco = _eco({"gp1": "gp", "gp2": "gp", "team": "wijkteam", "carer": "mantelzorger"},
               [("gp1", "gp2"), ("gp2", "team"), ("team", "carer")])
    g = gaps(eco, expected=[])
    assert list(g.columns) == COLUMNS
    assert g["neighbourhood"].isna().all()  # no neighbourhoods: the whole ecosystem
    nt = _rows(g, "no_ties")
    assert nt["detail"].str.startswith("medical-informal").tolist() == [True]
    # medical-social: gp2 is the only medical actor tied to the social domain.
    cut = _rows(g, "cut_actor")
    assert set(cut["actors"]) == {("gp2",), ("team",)}
    med_soc = cut[cut["detail"].str.startswith("medical-social")]
    assert med_soc["actors"].tolist() == [("gp2",)]  # team is social's only actor
    med_inf = cut[cut["detail"].str.startswith("medical-informal")]
    assert set(med_inf["actors"]) == {("gp2",), ("team",)}
    bridges = _rows(g, "bridge_tie")
    assert set(bridges[bridges["detail"].str.startswith("medical-informal")]["actors"]) == {
        ("gp2", "team"), ("team", "carer")}
    assert (cut["severity"] == 0.5).all() and (bridges["severity"] == 0.5).all()
    mac = _rows(g, "min_actor_cut")
    assert len(mac) == 1 and len(mac["actors"].iloc[0]) == 1
    assert mac["severity"].iloc[0] == 0.5
    mtc = _rows(g, "min_tie_cut")
    assert mtc["detail"].str.contains(": 1 tie").all()


def test_few_ties_and_separated():
    # Two cliques of 4 medical and 4 social actors with one tie between them; one carer
    # alone. 13 ties over C(9, 2) = 36 pairs: medical-social expects 13 * 16 / 36 = 5.78.
    med = [f"m{i}" for i in range(4)]
    soc = [f"s{i}" for i in range(4)]
    actors = {**{m: "gp" for m in med}, **{s: "welzijn" for s in soc}, "c": "mantelzorger"}
    ties = [(u, v) for grp in (med, soc) for u, v in itertools.combinations(grp, 2)]
    ties.append(("m0", "s0"))
    g = gaps(_eco(actors, ties), expected=[])
    few = _rows(g, "few_ties")
    assert few["detail"].tolist() == ["medical-social: 1 ties, 5.8 expected"]
    assert few["severity"].iloc[0] == pytest.approx(1 - 1 / (13 * 16 / 36))
    sep = _rows(g, "separated")
    assert sorted(sep["detail"].str.split(":").str[0]) == ["medical-informal", "social-informal"]
    assert (sep["severity"] == 1.0).all()
    assert _rows(g, "min_actor_cut")["detail"].str.contains(": 0 actor").all()


def test_missing_kind_pairs_default_and_override():
    eco = _eco({"gp": "huisarts", "team": "wijkteam", "w": "welzijn"}, [("gp", "w")])
    g = gaps(eco)
    miss = _rows(g, "missing_kind_pair")
    assert miss["detail"].str.startswith("gp-social_team").tolist() == [True]
    assert miss["actors"].tolist() == [("gp", "team")]
    assert (miss["severity"] == 1.0).all()
    # Every default pair names its source.
    assert all(len(p) == 3 and p[2] for p in EXPECTED_KIND_PAIRS)
    g2 = gaps(eco, expected=[("welzijn", "wijkteam", "my study")])
    assert _rows(g2, "missing_kind_pair")["detail"].tolist() == [
        "welfare-social_team: no tie; expected: my study"]
    assert _rows(gaps(eco, expected=[]), "missing_kind_pair").empty


def test_per_neighbourhood_equals_each_subset():
    actors = {"gp_n": "gp", "team_n": "wijkteam", "gp_z": "gp", "carer_z": "mantelzorger",
              "hosp": "ziekenhuis"}
    nb = {"gp_n": "Noord", "team_n": "Noord", "gp_z": "Zuid", "carer_z": "Zuid"}
    eco = _eco(actors, [("gp_n", "team_n"), ("hosp", "gp_z"), ("gp_z", "carer_z")], nb)
    g = gaps(eco)
    assert sorted(set(g["neighbourhood"])) == ["Noord", "Zuid"]
    for name in ("Noord", "Zuid"):
        sub = gaps(eco.subset(neighbourhoods=name, include_shared=True), per=None)
        mine = g[g["neighbourhood"] == name].drop(columns="neighbourhood")
        pd.testing.assert_frame_equal(mine.reset_index(drop=True),
                                      sub.drop(columns="neighbourhood"))


def _nx(eco: Ecosystem) -> nx.MultiGraph:
    g = nx.MultiGraph()
    g.add_nodes_from(eco.index)
    g.add_edges_from((s, t, i) for i, (s, t) in enumerate(zip(eco.ties["source"],
                                                            eco.ties["target"], strict=True))
                     if s != t)
    return g


def _connected(g: nx.MultiGraph, a: set, b: set) -> bool:
    return any(comp & a and comp & b for comp in nx.connected_components(g))


@settings(max_examples=30)
@given(ecosystems(min_actors=2, max_actors=10))
def test_cut_actors_and_bridges_match_brute_force(eco):
    g = gaps(eco, expected=[], per=None)
    if not (eco.ties["source"] != eco.ties["target"]).any():
        assert g.empty  # no tie at all: no tie is expected between any groups
        return
    ref = _nx(eco)
    dom = dict(zip(eco.index, eco.actors["domain"], strict=True))
    order = ["medical", "social", "informal"]
    present = [d for d in order if d in set(dom.values())]
    for da, db in itertools.combinations(present, 2):
        a = {v for v, d in dom.items() if d == da}
        b = {v for v, d in dom.items() if d == db}
        pair = f"{da}-{db}:"
        mine = g[g["detail"].str.startswith(pair)]
        if not _connected(ref, a, b):
            assert "separated" in set(mine["kind_of_gap"])
            continue
        expected_cut = set()
        for v in eco.index:
            if (a == {v}) or (b == {v}):
                continue
            h = ref.copy()
            h.remove_node(v)
            if not _connected(h, a - {v}, b - {v}):
                expected_cut.add((v,))
        assert set(_rows(mine, "cut_actor")["actors"]) == expected_cut
        expected_bridges = set()
        for u, v, key in ref.edges(keys=True):
            h = ref.copy()
            h.remove_edge(u, v, key)
            if not _connected(h, a, b):
                expected_bridges.add(frozenset((u, v)))
        assert {frozenset(x) for x in _rows(mine, "bridge_tie")["actors"]} == expected_bridges


@settings(max_examples=30)
@given(ecosystems(min_actors=2, max_actors=10))
def test_min_cuts_match_networkx_connectivity(eco):
    dom = dict(zip(eco.index, eco.actors["domain"], strict=True))
    a = [v for v, d in dom.items() if d == "medical"]
    b = [v for v, d in dom.items() if d == "informal"]
    g = gaps(eco, expected=[], per=None)
    if not a or not b or not (eco.ties["source"] != eco.ties["target"]).any():
        assert _rows(g, "min_actor_cut").empty
        return
    # Simple graph of the ties plus super-source "S" and super-sink "T"; parallel ties count
    # separately for the tie cut (capacity = multiplicity).
    simple = nx.Graph()
    simple.add_nodes_from(eco.index)
    for s, t in zip(eco.ties["source"], eco.ties["target"], strict=True):
        if s != t:
            w = simple.edges[s, t]["capacity"] + 1 if simple.has_edge(s, t) else 1
            simple.add_edge(s, t, capacity=w)
    big = 10_000
    simple.add_edges_from((("S", v) for v in a), capacity=big)
    simple.add_edges_from((("T", v) for v in b), capacity=big)
    n_actors = nx.node_connectivity(simple, "S", "T")
    n_ties = nx.maximum_flow_value(simple.to_directed(), "S", "T")
    mac = _rows(g, "min_actor_cut")
    mtc = _rows(g, "min_tie_cut")
    assert mac["detail"].iloc[0].split(": ")[1].startswith(f"{n_actors} actor")
    assert mtc["detail"].iloc[0].split(": ")[1].startswith(f"{n_ties} tie")
    assert len(mac["actors"].iloc[0]) == n_actors
    # The listed cut really separates: remove those actors and check.
    h = _nx(eco)
    h.remove_nodes_from(mac["actors"].iloc[0])
    assert not _connected(h, set(a) - set(mac["actors"].iloc[0]),
                          set(b) - set(mac["actors"].iloc[0]))
    assert mac["severity"].iloc[0] == pytest.approx(1 / (1 + n_actors))


@given(ecosystems(max_actors=10))
def test_severity_bounds_and_types(eco):
    g = gaps(eco)
    assert list(g.columns) == COLUMNS
    assert ((g["severity"] >= 0) & (g["severity"] <= 1)).all()
    assert g["kind_of_gap"].notna().all() and g["detail"].notna().all()
    assert all(isinstance(x, tuple) for x in g["actors"])
    assert set(x for t in g["actors"] for x in t) <= set(eco.index)


def test_bad_parameters():
    eco = _eco({"gp": "gp", "w": "welzijn"}, [("gp", "w")])
    with pytest.raises(UnknownKindError, match="expected="):
        gaps(eco, expected=[("gp", "nobody")])
    with pytest.raises(ConfigError, match="few"):
        gaps(eco, few=2)
    with pytest.raises(ConfigError, match="separate"):
        gaps(eco, separate=("medical",))
    with pytest.raises(ConfigError, match="per="):
        gaps(eco, per="buurt")
    assert np.isfinite(gaps(eco)["severity"]).all()


def test_no_group_pair_gap_without_an_expectation():
    """A neighbourhood whose actors have no ties between them expects no tie between its
    groups, so no group pair falls short (the old result: 8 gaps at severity 1.0, including
    "0.0 expected"); the kind pairs the sources expect are still reported."""
    actors = pd.DataFrame({"id": ["gp", "team", "buurt"],
                           "kind": ["huisarts", "wijkteam", "zorgzame gemeenschap"],
                           "neighbourhood": "Klein"})
    got = gaps(Ecosystem(actors))
    assert set(got["kind_of_gap"]) == {"missing_kind_pair"}
    assert not got["detail"].str.contains("0.0 expected").any()
    one = Ecosystem(pd.DataFrame({"id": ["r"], "kind": ["bewoner"], "neighbourhood": ["Klein"]}))
    assert len(gaps(one)) == 0
    # with one tie in the ecosystem the other pairs are expected to meet: findings again
    ties = pd.DataFrame({"source": ["gp"], "target": ["team"]})
    again = gaps(Ecosystem(actors, ties))
    assert {"no_ties", "separated"} <= set(again["kind_of_gap"])
