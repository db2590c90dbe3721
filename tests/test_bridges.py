"""suggest_bridges(): built-in objectives against networkx, the whole greedy sequence against a
brute force that rebuilds the ecosystem for every candidate, CELF against plain greedy on a
submodular objective, plausible and bounded candidates, the hang with 1,099 GPs."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings

from ecosystem import Ecosystem
from ecosystem.algorithms.bridges import (
    COLUMNS,
    EXPECTED_KIND_PAIRS,
    _DirectedReach,
    _UndirectedReach,
    suggest_bridges,
)
from ecosystem.algorithms.structural_holes import structural_holes
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


def _cross_reachability(eco: Ecosystem) -> float:
    kinds = sorted(eco.view_spec().kinds | {"collaboration"})
    if eco.view_spec(kinds).directed:
        return _DirectedReach(eco, kinds, _groups(eco), True).value()
    return _UndirectedReach(eco, kinds, _groups(eco)).value()


@given(ecosystems(max_actors=10))
def test_reachability_matches_networkx(eco):
    assert _cross_reachability(eco) == _nx_reach(eco)


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
    out = suggest_bridges(eco, n_ties=1, objective="reachability", kind_pairs="any")
    row = out.iloc[0]
    assert list(out.columns) == COLUMNS
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
    row = suggest_bridges(eco, n_ties=1, kind_pairs="any").iloc[0]
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
    out = suggest_bridges(eco, n_ties=3, objective="reachability", kind_pairs="any",
                          same_neighbourhood=False, seed=0)
    assert (out["gain"] >= 0).all()
    assert out["objective_after"].is_monotonic_increasing
    if len(out):
        base = _cross_reachability(eco)
        assert out["objective_after"].iloc[-1] == base + out["gain"].sum()


def test_candidate_cap_is_seeded():
    eco = _tiny()
    kw = {"objective": "reachability", "kind_pairs": "any", "max_candidates": 5}
    a = suggest_bridges(eco, n_ties=2, seed=4, **kw)
    b = suggest_bridges(eco, n_ties=2, seed=4, **kw)
    pd.testing.assert_frame_equal(a, b)
    assert a.attrs["candidates"] == "sampled" and a.attrs["n_candidates"] <= 5


def test_bad_parameters():
    eco = _tiny()
    with pytest.raises(ConfigError, match="did you mean 'reachability'"):
        suggest_bridges(eco, objective="reachabilty")
    with pytest.raises(ConfigError, match="n_ties must"):
        suggest_bridges(eco, n_ties=-1)
    with pytest.raises(ConfigError, match="candidates"):
        suggest_bridges(eco, candidates=[("gp", "team")])
    with pytest.raises(ConfigError, match="finite"):
        suggest_bridges(eco, objective=lambda e: float("nan"), kind_pairs="any")
    with pytest.raises(ConfigError, match="kind_pairs"):
        suggest_bridges(eco, kind_pairs="all")
    with pytest.raises(ConfigError, match="progress"):
        suggest_bridges(eco, progress="yes")
    with pytest.raises(ConfigError, match="same_neighbourhood"):
        suggest_bridges(eco, same_neighbourhood=None)


# ---------------------------------------------------------------------- brute force
def _brute_mean_constraint(eco: Ecosystem) -> float:
    """Mean structural_holes constraint over actors with a contact in another domain."""
    c = structural_holes(eco)["constraint"].to_numpy()
    src, tgt, w, _ = eco.edge_arrays()
    g = _groups(eco)
    on = (np.asarray(w) > 0) & (g[src] != g[tgt])
    brokers = np.zeros(eco.n_actors, dtype=bool)
    brokers[src[on]] = brokers[tgt[on]] = True
    return float(c[brokers].mean()) if brokers.any() else 1.0


def _brute_greedy(eco: Ecosystem, pairs: list[tuple[str, str]], n_ties: int, objective: str):
    """Plain greedy that rebuilds the ecosystem for every candidate (the old approach)."""
    def value(extra):
        e = eco if not extra else eco.with_ties(pd.DataFrame(
            extra, columns=["source", "target"]).assign(kind="collaboration", weight=1.0))
        return -_brute_mean_constraint(e) if objective == "constraint" else _nx_reach(eco, extra)

    chosen, out, current = [], [], value([])
    for _ in range(n_ties):
        best, best_gain = None, 0.0
        for p in pairs:
            if p in chosen:
                continue
            gain = value([*chosen, p]) - current
            if gain > best_gain + 1e-12:
                best, best_gain = p, gain
        if best is None:
            break
        chosen.append(best)
        current += best_gain
        out.append((*best, best_gain, -current if objective == "constraint" else current))
    return out


def _plausible_by_hand(eco: Ecosystem, kind_pairs, same_nb: bool) -> list[tuple[str, str]]:
    a = eco.actors.set_index("id")
    tied = {frozenset(p) for p in zip(eco.ties["source"], eco.ties["target"], strict=True)}
    allowed = None if kind_pairs == "any" else {frozenset(p[:2]) for p in kind_pairs}
    out = []
    for u, v in itertools.combinations(eco.index, 2):  # positions in order, as the library
        if a.loc[u, "domain"] == a.loc[v, "domain"] or frozenset((u, v)) in tied:
            continue
        if allowed is not None and frozenset((a.loc[u, "kind"], a.loc[v, "kind"])) not in allowed:
            continue
        nu, nv = a.loc[u, "neighbourhood"], a.loc[v, "neighbourhood"]
        if same_nb and not (pd.isna(nu) or pd.isna(nv) or nu == nv):
            continue
        out.append((u, v))
    return out


def _region() -> Ecosystem:
    from ecosystem.generate import generate_region

    table = pd.DataFrame({"neighbourhood": ["Noord", "Zuid"], "residents": [900, 700]})
    return generate_region(table, seed=3)


@pytest.mark.parametrize("objective", ["constraint", "reachability"])
@pytest.mark.parametrize(("kind_pairs", "same_nb"), [(None, True), ("any", False)])
def test_greedy_sequence_equals_brute_force(objective, kind_pairs, same_nb):
    eco = _region() if kind_pairs is None else _tiny()
    pairs = _plausible_by_hand(eco, EXPECTED_KIND_PAIRS if kind_pairs is None else "any",
                               same_nb)
    assert 3 <= len(pairs) <= 300
    expected = _brute_greedy(eco, pairs, 3, objective)
    got = suggest_bridges(eco, 3, objective=objective, kind_pairs=kind_pairs,
                          same_neighbourhood=same_nb, progress=False)
    assert got.attrs["n_candidates"] == len(pairs) and got.attrs["candidates"] == "all"
    assert list(zip(got["source"], got["target"], strict=True)) == [e[:2] for e in expected]
    np.testing.assert_allclose(got["gain"], [e[2] for e in expected], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(got["objective_after"], [e[3] for e in expected], rtol=1e-9)


@settings(max_examples=25)
@given(ecosystems(min_actors=2, max_actors=8, max_ties=12))
def test_constraint_change_equals_rebuilding(eco):
    """The incremental constraint equals structural_holes on the rebuilt ecosystem for the
    chosen ties, whatever the ecosystem (weights, directions, parallel ties, isolates)."""
    out = suggest_bridges(eco, 2, kind_pairs="any", same_neighbourhood=False, progress=False)
    added = []
    before = _brute_mean_constraint(eco)
    assert out.attrs["objective_before"] == pytest.approx(before, rel=1e-9)
    for row in out.itertuples():
        added.append((row.source, row.target))
        e = eco.with_ties(pd.DataFrame(added, columns=["source", "target"]).assign(
            kind="collaboration", weight=1.0))
        after = _brute_mean_constraint(e)
        assert row.objective_after == pytest.approx(after, rel=1e-9, abs=1e-12)
        assert row.gain == pytest.approx(before - after, rel=1e-7, abs=1e-12)
        before = after


# ---------------------------------------------------------------------- plausible, bounded
def test_defaults_suggest_plausible_ties_only():
    eco = _region()
    out = suggest_bridges(eco, 10, progress=False)
    assert len(out)
    a = eco.actors.set_index("id")
    expected = {frozenset(p[:2]) for p in EXPECTED_KIND_PAIRS}
    for row in out.itertuples():
        u, v = a.loc[row.source], a.loc[row.target]
        assert frozenset((u["kind"], v["kind"])) in expected
        assert u["domain"] != v["domain"]
        assert pd.isna(u["neighbourhood"]) or pd.isna(v["neighbourhood"]) \
            or u["neighbourhood"] == v["neighbourhood"]
    assert (out["gain"] > 0).all()
    after = out["objective_after"].to_numpy()
    before = np.concatenate([[out.attrs["objective_before"]], after[:-1]])
    np.testing.assert_allclose(before - after, out["gain"], rtol=1e-9)


def test_many_gps_one_welfare_actor_does_not_hang():
    """Regression: 1,099 GPs and one welfare actor (fewer valid cross-group pairs than the
    candidate cap) made the old random draw loop for ever."""
    actors = pd.DataFrame({"id": [f"gp{i}" for i in range(1099)] + ["welzijn"],
                           "kind": ["gp"] * 1099 + ["welfare"]})
    eco = Ecosystem(actors)
    out = suggest_bridges(eco, 3, progress=False)  # every broker has one contact: c = 1
    assert out.attrs["n_candidates"] == 1099 and out.attrs["candidates"] == "all"
    assert out.empty and out.attrs["objective_before"] == 1.0  # no tie lowers it
    out = suggest_bridges(eco, 3, objective="reachability", progress=False)
    assert set(out["target"]) == {"welzijn"} and out["gain"].tolist() == [2.0, 2.0, 2.0]
    wide = suggest_bridges(eco, 3, kind_pairs="any", same_neighbourhood=False,
                           objective="reachability", progress=False, seed=1)
    assert wide.attrs["n_candidates"] <= 2000 and len(wide) == 3
    capped = suggest_bridges(eco, 2, kind_pairs="any", max_candidates=50,
                             objective="reachability", progress=False, seed=1)
    assert capped.attrs["candidates"] == "sampled" and capped.attrs["n_candidates"] <= 50


def test_progress_bar_runs():
    out = suggest_bridges(_tiny(), 1, kind_pairs="any", progress=True)
    assert len(out) == 1
