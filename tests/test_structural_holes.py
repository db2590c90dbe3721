"""structural_holes against networkx, igraph, the Florentine values and a hand-worked case."""

from __future__ import annotations

import math

import igraph as ig
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecosystem import Ecosystem, Schema, TieKind
from ecosystem.algorithms.structural_holes import structural_holes
from ecosystem.core.errors import ConfigError, UnknownKindError
from tests.strategies import ecosystems, permuted

COLUMNS = ["constraint", "effective_size", "efficiency", "hierarchy"]


def _eco(n: int, edges, kinds=None, weights=None, schema=None) -> Ecosystem:
    ids = [f"v{i}" for i in range(n)]
    actors = pd.DataFrame({"id": pd.Series(ids, dtype="str"),
                           "kind": pd.Series(["gp"] * n, dtype="str")})
    ties = pd.DataFrame({
        "source": pd.Series([ids[a] for a, _ in edges], dtype="str"),
        "target": pd.Series([ids[b] for _, b in edges], dtype="str"),
        "kind": pd.Series(kinds if kinds is not None else ["referral"] * len(edges), dtype="str"),
        "weight": weights if weights is not None else np.ones(len(edges)),
    })
    return Ecosystem(actors, ties, schema=schema)


def _random_eco(seed: int, n: int = 40, m: int = 120, isolates: int = 3) -> Ecosystem:
    """Random typed ties among n actors, the last ``isolates`` actors left without ties."""
    rng = np.random.default_rng(seed)
    kinds = ["referral", "collaboration", "funding", "information"]
    seen, edges, ks = set(), [], []
    for _ in range(m):
        a, b = rng.integers(0, n - isolates, 2)
        k = kinds[rng.integers(len(kinds))]
        key = (min(a, b), max(a, b), k) if k == "collaboration" else (a, b, k)
        if a == b or key in seen:
            continue
        seen.add(key)
        edges.append((int(a), int(b)))
        ks.append(k)
    return _eco(n, edges, ks, rng.lognormal(0, 0.7, len(edges)))


def _nx_graph(eco: Ecosystem, directed: bool, weight: str | None) -> nx.Graph:
    """networkx graph written from the ties table: parallel ties summed, mutual kinds both ways
    in a directed graph (independent of the Ecosystem's views)."""
    g = nx.DiGraph() if directed else nx.Graph()
    g.add_nodes_from(eco.index)
    mutual = eco.schema.mutual_tie_kinds
    for row in eco.ties.itertuples():
        w = 1.0 if weight is None else getattr(row, weight)
        pairs = [(row.source, row.target)]
        if directed and row.kind in mutual:
            pairs.append((row.target, row.source))
        for s, t in pairs:
            if g.has_edge(s, t):
                g[s][t]["weight"] += w
            else:
                g.add_edge(s, t, weight=w)
    return g


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("ties", [None, "collaboration"])
@pytest.mark.parametrize("weight", ["weight", None])
def test_matches_networkx_and_igraph(seed, ties, weight):
    eco = _random_eco(seed)
    if ties is not None:
        eco = eco.without_ties(tie_kinds=[k for k in eco.ties["kind"].unique() if k != ties])
    directed = ties is None
    got = structural_holes(eco, tie_kinds=ties, weight=weight)
    g = _nx_graph(eco, directed, weight)
    nodes = list(g)  # an explicit node list selects networkx's per-node reference code path
    c = pd.Series(nx.constraint(g, nodes, weight="weight"))
    es = pd.Series(nx.effective_size(g, nodes, weight="weight"))
    # networkx's per-node path gives NaN for isolates and, in a directed graph, for actors
    # without out-ties (sinks; its matrix path does not): ours are igraph's value there.
    has = c.notna()
    assert has.sum() >= eco.n_actors // 2
    np.testing.assert_allclose(got["constraint"][has], c[has], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got["effective_size"][has], es[has], rtol=1e-12, atol=1e-12)
    # Only mutual strength s_ij = a_ij + a_ji enters: the undirected graph with weights s_ij
    # gives the networkx reference for every actor with contacts, sinks included.
    u = nx.Graph()
    u.add_nodes_from(g)
    for a, b, d in g.edges(data=True):
        w = u[a][b]["weight"] if u.has_edge(a, b) else 0.0
        u.add_edge(a, b, weight=w + d["weight"])
    cu = pd.Series(nx.constraint(u, nodes, weight="weight"))
    esu = pd.Series(nx.effective_size(u, nodes, weight="weight"))
    tied = cu.notna()
    in_a_tie = eco.index.isin(eco.ties["source"]) | eco.index.isin(eco.ties["target"])
    assert (tied.to_numpy() == in_a_tie).all() and tied.sum() > 10
    np.testing.assert_allclose(got["constraint"][tied], cu[tied], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got["effective_size"][tied], esu[tied], rtol=1e-12, atol=1e-12)
    ig_g = ig.Graph.from_networkx(g)
    ig_c = pd.Series(ig_g.constraint(weights="weight"), index=ig_g.vs["_nx_name"])
    np.testing.assert_allclose(got["constraint"][tied], ig_c[cu.index[tied]], rtol=1e-12)
    assert (got.loc[~tied] == 0).all().all()


def test_sinks_and_sources_have_igraph_values():
    # 0 -> 1 -> 2, 0 -> 2, 3 -> 2: 2 is a sink, 0 and 3 are sources.
    eco = _eco(4, [(0, 1), (1, 2), (0, 2), (3, 2)], weights=[1.0, 2.0, 3.0, 0.5])
    got = structural_holes(eco)
    g = ig.Graph(n=4, edges=[(0, 1), (1, 2), (0, 2), (3, 2)], directed=True)
    np.testing.assert_allclose(got["constraint"], g.constraint(weights=[1.0, 2.0, 3.0, 0.5]),
                               rtol=1e-12)
    # The sink's constraint by hand: s_2 = (3, 2, 0.5) to (0, 1, 3), sum 5.5.
    p20, p21, p23 = 3 / 5.5, 2 / 5.5, 0.5 / 5.5
    p01, p10 = 1 / 4, 1 / 3  # s_0 = (1, 3) to (1, 2); s_1 = (1, 2) to (0, 2)
    c2 = (p20 + p21 * p10) ** 2 + (p21 + p20 * p01) ** 2 + p23**2
    assert got.loc["v2", "constraint"] == pytest.approx(c2, rel=1e-12)


def test_florentine_marriage_network_published_values():
    """Padgett's Florentine marriage network; constraint and effective size as published
    (Burt 1992 measures on Padgett & Ansell 1993; the values quoted by networkx's docs)."""
    f = nx.florentine_families_graph()
    names = list(f)
    eco = Ecosystem(
        pd.DataFrame({"id": names, "kind": ["community_network"] * len(names)}),
        pd.DataFrame({"source": [u for u, _ in f.edges], "target": [v for _, v in f.edges],
                      "kind": "collaboration"}),
    )
    got = structural_holes(eco, weight=None)
    assert got.loc["Medici", "constraint"] == pytest.approx(0.2099, abs=5e-5)
    assert got.loc["Strozzi", "constraint"] == pytest.approx(0.4583, abs=5e-5)
    assert got.loc["Peruzzi", "constraint"] == pytest.approx(0.6559, abs=5e-5)
    assert got.loc["Medici", "effective_size"] == pytest.approx(5.667, abs=5e-4)
    # Medici: 6 contacts, effective size 17/3 -> efficiency 17/18.
    assert got.loc["Medici", "efficiency"] == pytest.approx(17 / 18, rel=1e-12)


def test_hierarchy_hand_worked():
    # Ego 0 with contacts 1, 2, 3; contacts 1 and 2 are tied. Undirected, unweighted.
    # p_0j = 1/3 each; p_10 = p_12 = 1/2; p_20 = p_21 = 1/2; p_30 = 1.
    # c_01 = (p_01 + p_02 p_21)^2 = (1/3 + 1/6)^2 = 1/4, c_02 = 1/4, c_03 = (1/3)^2 = 1/9
    # (no indirect path to 3). C = 11/18, N = 3, C/N = 11/54.
    # r_01 = r_02 = (1/4)/(11/54) = 27/22, r_03 = (1/9)/(11/54) = 6/11 (sum 3, as it must).
    # H = (2 (27/22) ln(27/22) + (6/11) ln(6/11)) / (3 ln 3) = 0.05220...
    # Effective size: 3 - 2 t / n = 3 - 2/3 = 7/3 (one tie among three contacts).
    eco = _eco(4, [(0, 1), (0, 2), (0, 3), (1, 2)], kinds=["collaboration"] * 4)
    got = structural_holes(eco, weight=None).loc["v0"]
    h = (2 * (27 / 22) * math.log(27 / 22) + (6 / 11) * math.log(6 / 11)) / (3 * math.log(3))
    assert got["constraint"] == pytest.approx(11 / 18, rel=1e-12)
    assert got["hierarchy"] == pytest.approx(h, rel=1e-12)
    assert got["hierarchy"] == pytest.approx(0.0522053, abs=1e-6)
    assert got["effective_size"] == pytest.approx(7 / 3, rel=1e-12)
    assert got["efficiency"] == pytest.approx(7 / 9, rel=1e-12)
    # Actor 3 has one contact: constraint 1 (p_30 = 1, no indirect path), hierarchy 0.
    v3 = structural_holes(eco, weight=None).loc["v3"]
    assert v3["constraint"] == pytest.approx(1.0) and v3["hierarchy"] == 0.0
    # Equal contacts, none tied among themselves: hierarchy exactly 0.
    star = structural_holes(_eco(4, [(0, 1), (0, 2), (0, 3)]), weight=None).loc["v0"]
    assert star["hierarchy"] == pytest.approx(0.0, abs=1e-15)
    assert star["constraint"] == pytest.approx(1 / 3)


def test_isolates_are_zero_not_nan():
    eco = _eco(3, [(0, 1)])
    got = structural_holes(eco)
    assert got.loc["v2"].tolist() == [0.0, 0.0, 0.0, 0.0]
    assert got.loc["v0", "constraint"] == 1.0


def test_self_loops_are_ignored():
    schema = Schema.default().extend(
        tie_kinds=[TieKind("referral", True, True, "referral")], replace=True)
    edges = [(0, 1), (1, 2), (0, 2), (2, 3)]
    base = _eco(5, edges, weights=[1.0, 2.0, 0.5, 1.5], schema=schema)
    looped = _eco(5, [*edges, (2, 2), (4, 4)], weights=[1.0, 2.0, 0.5, 1.5, 9.0, 3.0],
                  schema=schema)
    pd.testing.assert_frame_equal(structural_holes(looped), structural_holes(base))
    assert structural_holes(looped).loc["v4"].tolist() == [0.0, 0.0, 0.0, 0.0]


def test_parallel_ties_are_summed():
    two = _eco(3, [(0, 1), (0, 1), (1, 2)], kinds=["referral", "information", "referral"],
               weights=[1.0, 2.5, 1.0])
    one = _eco(3, [(0, 1), (1, 2)], weights=[3.5, 1.0])
    pd.testing.assert_frame_equal(structural_holes(two), structural_holes(one))
    # Unweighted: each tie counts 1, so the parallel pair has strength 2.
    one2 = _eco(3, [(0, 1), (1, 2)], weights=[2.0, 1.0])
    pd.testing.assert_frame_equal(structural_holes(two, weight=None), structural_holes(one2))


def test_zero_strength_ties_are_not_contacts():
    eco = _eco(3, [(0, 1), (1, 2)], weights=[1.0, 0.0])
    assert structural_holes(eco).loc["v2"].tolist() == [0.0, 0.0, 0.0, 0.0]


def test_zero_strength_ties_close_no_triangle():
    # v0-v1-v2 is a triangle in the graph, but the v0-v2 tie has zero strength: v2 is no
    # contact of v0, so the triangle adds nothing and the result equals the open path's.
    with_zero = _eco(3, [(0, 1), (1, 2), (0, 2)], weights=[1.0, 1.0, 0.0])
    path = _eco(3, [(0, 1), (1, 2)])
    pd.testing.assert_frame_equal(structural_holes(with_zero), structural_holes(path))


def test_empty_and_errors():
    empty = structural_holes(_eco(0, []))
    assert list(empty.columns) == COLUMNS and len(empty) == 0 and empty.index.name == "id"
    eco = _eco(3, [(0, 1)])
    with pytest.raises(UnknownKindError, match=r"structural_holes\(\).*tie_kinds"):
        structural_holes(eco, tie_kinds="refferal")
    with pytest.raises(ConfigError, match=r"structural_holes\(\): weight='w'"):
        structural_holes(eco, weight="w")
    with pytest.raises(ConfigError, match="directed"):
        structural_holes(eco, directed="yes")
    with pytest.raises(ConfigError, match="Ecosystem"):
        structural_holes(eco.ties)


@given(ecosystems(max_actors=12), st.integers(0, 2**16))
def test_relabelling_invariance(eco, seed):
    got = structural_holes(eco)
    other = structural_holes(permuted(eco, seed))
    other.index = other.index.str.removeprefix("p_")
    pd.testing.assert_frame_equal(other.loc[got.index], got, rtol=1e-12, atol=1e-12)


@given(ecosystems(max_actors=12), st.sampled_from([None, "weight"]))
def test_bounds(eco, weight):
    got = structural_holes(eco, weight=weight)
    assert got.notna().all().all()
    n = np.diff(eco.adjacency(weight=weight).maximum(eco.adjacency(weight=weight).T)
                .tocsr().indptr)  # contacts, self-loops aside (none in the default schema)
    has = n > 0
    c, es = got["constraint"].to_numpy(), got["effective_size"].to_numpy()
    # Cauchy-Schwarz: c >= sum p_ij^2 >= 1/n; each sqrt(c_ij) <= p_ij + sum_q p_iq p_qj and
    # these sum to at most 2 over j, so c <= 4.
    assert np.all(c[has] >= 1 / n[has] - 1e-12) and np.all(c <= 4)
    # 1 <= effective size <= n (redundancy per contact at most n - 1 in total).
    assert np.all(es[has] >= 1 - 1e-9) and np.all(es <= n + 1e-9)
    assert np.all((got["efficiency"] >= 0) & (got["efficiency"] <= 1 + 1e-12))
    assert np.all((got["hierarchy"] >= -1e-12) & (got["hierarchy"] <= 1 + 1e-12))
    assert np.all(got.to_numpy()[~has] == 0)


@given(ecosystems(max_actors=12))
def test_by_neighbourhood_equals_each_subset(eco):
    got = structural_holes(eco, per="neighbourhood")
    for nb in eco.neighbourhoods:
        sub = eco.subset(neighbourhoods=nb, include_shared=True)
        pd.testing.assert_frame_equal(got.loc[nb], structural_holes(sub))
