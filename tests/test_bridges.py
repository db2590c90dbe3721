"""suggest_bridges(): built-in objectives against networkx, best single tie against brute
force, CELF against plain greedy on a submodular objective, monotone reachability."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings

from ecosystem import Ecosystem
from ecosystem.algorithms.bridges import COLUMNS, _cross_reachability, suggest_bridges
from ecosystem.core.errors import ConfigError
from tests.strategies import ecosystems


def _nx_reach(eco: Ecosystem, extra=()) -> int:
    """Cross-domain ordered reachable pairs, computed by networkx on the directed view."""
    spec = eco.view_spec()
    g = nx.DiGraph() if spec.directed or extra else nx.Graph()
    g.add_nodes_from(eco.index)
    mutual = eco.schema.mutual_tie_kinds
    for s, t, k in zip(eco.ties["source"], eco.ties["target"], eco.ties["kind"], strict=True):
        g.add_edge(s, t)
        if k in mutual and g.is_directed():
            g.add_edge(t, s)
    for s, t in extra:  # new collaboration ties: both ways
        g.add_edge(s, t)
        g.add_edge(t, s)
    dom = dict(zip(eco.index, eco.actors["domain"], strict=True))
    return sum(1 for u in g for v in nx.descendants(g, u) if dom[u] != dom[v]) if g.is_directed() \
        else sum(1 for u in g for v in nx.node_connected_component(g, u) if dom[u] != dom[v])


def _groups(eco):
    return pd.factorize(eco.actors["domain"], sort=True)[0]


@given(ecosystems(max_actors=10))
def test_reachability_matches_networkx(eco):
    assert _cross_reachability(eco, _groups(eco), None) == _nx_reach(eco)


def _tiny() -> Ecosystem:
    actors = pd.DataFrame({"id": ["gp", "poh", "hosp", "team", "welz", "buurt", "carer"],
                           "kind": ["gp", "practice_nurse", "hospital", "social_team", "welfare",
                                    "community_network", "informal_carer"]})
    ties = pd.DataFrame({"source": ["gp", "poh", "team", "buurt", "hosp"],
                         "target": ["poh", "hosp", "welz", "carer", "gp"],
                         "kind": ["collaboration", "referral", "collaboration", "collaboration",
                                  "referral"]})
    return Ecosystem(actors, ties)


def _cross_pairs(eco):
    dom = dict(zip(eco.index, eco.actors["domain"], strict=True))
    tied = {frozenset(p) for p in zip(eco.ties["source"], eco.ties["target"], strict=True)}
    return [(u, v) for u, v in itertools.combinations(eco.index, 2)
            if dom[u] != dom[v] and frozenset((u, v)) not in tied]


def test_best_single_reachability_tie_is_brute_force():
    eco = _tiny()
    base = _nx_reach(eco)
    gains = {p: _nx_reach(eco, [p]) - base for p in _cross_pairs(eco)}
    best = max(gains.values())
    row = suggest_bridges(eco, n_ties=1, objective="reachability").iloc[0]
    assert list(suggest_bridges(eco, n_ties=1, objective="reachability").columns) == COLUMNS
    assert gains[(row["source"], row["target"])] == best
    assert row["gain"] == best
    assert row["objective_after"] == base + best
    assert row["kind"] == "collaboration"


def test_best_single_constraint_tie_is_brute_force():
    # Reference: networkx constraint on the undirected view (all ties collaboration).
    actors = pd.DataFrame({"id": list("abcdef"),
                           "kind": ["gp", "gp", "welfare", "welfare", "resident", "resident"]})
    ties = pd.DataFrame({"source": list("abcda"), "target": list("bcdec"),
                         "kind": "collaboration"})
    eco = Ecosystem(actors, ties)
    dom = dict(zip(eco.index, eco.actors["domain"], strict=True))

    def mean_constraint(extra=()):
        g = nx.Graph()
        g.add_nodes_from(eco.index)
        g.add_edges_from(zip(ties["source"], ties["target"], strict=True), weight=1.0)
        g.add_edges_from(extra, weight=1.0)
        c = nx.constraint(g, weight="weight")
        brokers = {x for u, v in g.edges for x in (u, v) if dom[u] != dom[v]}
        return np.mean([c[x] for x in brokers])

    base = mean_constraint()
    gains = {p: base - mean_constraint([p]) for p in _cross_pairs(eco)}
    row = suggest_bridges(eco, n_ties=1).iloc[0]
    assert row["gain"] == pytest.approx(max(gains.values()))
    assert gains[(row["source"], row["target"])] == pytest.approx(max(gains.values()))
    assert row["objective_after"] == pytest.approx(base - row["gain"])


def test_celf_equals_plain_greedy_on_submodular_objective():
    # Coverage (number of actors with a tie to another domain) is submodular: lazy greedy
    # must return exactly the plain greedy sequence, ties broken by candidate order.
    eco = _tiny()
    dom = eco.actors.set_index("id")["domain"]

    def coverage(e: Ecosystem) -> float:
        t = e.ties
        cross = dom[t["source"]].to_numpy() != dom[t["target"]].to_numpy()
        return float(len(set(t["source"][cross]) | set(t["target"][cross])))

    cands = pd.DataFrame(_cross_pairs(eco), columns=["source", "target"])
    got = suggest_bridges(eco, n_ties=4, objective=coverage, candidates=cands)
    chosen, value, expected = [], coverage(eco), []
    for _ in range(4):
        best, best_gain = None, -np.inf
        for c in cands.itertuples(index=False):
            if (c.source, c.target) in chosen:
                continue
            added = pd.DataFrame([*chosen, (c.source, c.target)], columns=["source", "target"])
            g = coverage(eco.with_ties(added.assign(kind="collaboration"))) - value
            if g > best_gain:
                best, best_gain = (c.source, c.target), g
        chosen.append(best)
        value += best_gain
        expected.append((*best, best_gain, value))
    assert list(got[["source", "target", "gain", "objective_after"]].itertuples(
        index=False, name=None)) == expected


@settings(max_examples=20)
@given(ecosystems(min_actors=2, max_actors=8, max_ties=10))
def test_adding_ties_never_lowers_reachability(eco):
    out = suggest_bridges(eco, n_ties=3, objective="reachability", seed=0)
    assert (out["gain"] >= 0).all()
    assert out["objective_after"].is_monotonic_increasing
    if len(out):
        base = _cross_reachability(eco, _groups(eco), None)
        assert out["objective_after"].iloc[-1] == base + out["gain"].sum()


def test_candidate_cap_is_seeded():
    eco = _tiny()
    a = suggest_bridges(eco, n_ties=2, objective="reachability", max_candidates=5, seed=4)
    b = suggest_bridges(eco, n_ties=2, objective="reachability", max_candidates=5, seed=4)
    pd.testing.assert_frame_equal(a, b)


def test_bad_parameters():
    eco = _tiny()
    with pytest.raises(ConfigError, match="did you mean 'reachability'"):
        suggest_bridges(eco, objective="reachabilty")
    with pytest.raises(ConfigError, match="n_ties must"):
        suggest_bridges(eco, n_ties=-1)
    with pytest.raises(ConfigError, match="candidates"):
        suggest_bridges(eco, candidates=[("gp", "team")])
    with pytest.raises(ConfigError, match="finite"):
        suggest_bridges(eco, objective=lambda e: float("nan"))
