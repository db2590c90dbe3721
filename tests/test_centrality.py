"""centrality against networkx on the same graphs, and a brute-force cross-domain count."""

from __future__ import annotations

import importlib
import itertools
import random
import warnings

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecosystem import Ecosystem
from ecosystem.algorithms.centrality import MEASURES, centrality
from ecosystem.core.errors import ConfigError
from tests.strategies import ecosystems, permuted

# The module (the package attribute of the same name is the function).
mod = importlib.import_module("ecosystem.algorithms.centrality")

KINDS = ["gp", "social_team", "community_network"]  # one actor kind per domain


def _eco(n, edges, kinds, weights, lengths=None, seed=0) -> Ecosystem:
    rng = np.random.default_rng(seed)
    ids = [f"v{i}" for i in range(n)]
    actors = pd.DataFrame({"id": pd.Series(ids, dtype="str"),
                           "kind": pd.Series(rng.choice(KINDS, n), dtype="str")})
    ties = pd.DataFrame({
        "source": pd.Series([ids[a] for a, _ in edges], dtype="str"),
        "target": pd.Series([ids[b] for _, b in edges], dtype="str"),
        "kind": pd.Series(kinds, dtype="str"), "weight": np.asarray(weights, dtype=float),
        "length": np.asarray(lengths if lengths is not None else np.ones(len(edges))),
    })
    return Ecosystem(actors, ties)


def _random_eco(seed, n=30, m=80, isolates=2, connected=False, kinds=None) -> Ecosystem:
    """Random typed ties; ``connected`` adds a ring (both ways for directed kinds)."""
    rng = np.random.default_rng(seed)
    kinds = kinds or ["referral", "collaboration", "funding", "information"]
    seen, edges, ks = set(), [], []

    def add(a, b, k):
        key = (min(a, b), max(a, b), k) if k == "collaboration" else (a, b, k)
        if a != b and key not in seen:
            seen.add(key)
            edges.append((int(a), int(b)))
            ks.append(k)

    live = n - isolates
    if connected:
        for i in range(live):
            add(i, (i + 1) % live, kinds[0])
            if kinds[0] != "collaboration":
                add((i + 1) % live, i, kinds[0])
    for _ in range(m):
        a, b = rng.integers(0, live, 2)
        add(a, b, kinds[rng.integers(len(kinds))])
    return _eco(n, edges, ks, rng.lognormal(0, 0.7, len(edges)),
                rng.integers(1, 4, len(edges)), seed)


def _nx_graph(eco: Ecosystem, directed: bool, weight: str | None) -> nx.Graph:
    """The simple graph written from the ties table: parallel ties' strengths summed,
    lengths the shortest, mutual kinds both ways when directed."""
    g = nx.DiGraph() if directed else nx.Graph()
    g.add_nodes_from(eco.index)
    mutual = eco.schema.mutual_tie_kinds
    for row in eco.ties.itertuples():
        w = 1.0 if weight is None else row.weight
        pairs = [(row.source, row.target)]
        if directed and row.kind in mutual:
            pairs.append((row.target, row.source))
        for s, t in pairs:
            if g.has_edge(s, t):
                g[s][t]["weight"] += w
                g[s][t]["length"] = min(g[s][t]["length"], row.length)
            else:
                g.add_edge(s, t, weight=w, length=row.length)
    for _, _, d in g.edges(data=True):
        d["inverse"] = 1 / d["weight"]
    return g


def _reference(g: nx.Graph, weight: str | None, dist: str | None, connected: bool) -> dict:
    directed = g.is_directed()
    n = len(g)
    ref = {
        "degree": nx.degree_centrality(g),
        "strength": dict(g.degree(weight=weight)),
        "betweenness": nx.betweenness_centrality(g, weight=dist),
        "closeness": nx.closeness_centrality(g, distance=dist),
        "harmonic": {u: h / (n - 1) for u, h in nx.harmonic_centrality(g, distance=dist).items()},
        "pagerank": nx.pagerank(g, weight=weight, tol=1e-13, max_iter=10_000),
        "coreness": nx.core_number(g),
        "clustering": nx.clustering(g, weight=weight),
    }
    if directed:
        ref |= {"in_degree": nx.in_degree_centrality(g),
                "out_degree": nx.out_degree_centrality(g),
                "in_strength": dict(g.in_degree(weight=weight)),
                "out_strength": dict(g.out_degree(weight=weight))}
    else:
        ref |= {"in_degree": ref["degree"], "out_degree": ref["degree"],
                "in_strength": ref["strength"], "out_strength": ref["strength"]}
    if connected:  # spectral measures are unique only on a (strongly) connected graph
        ref["eigenvector"] = nx.eigenvector_centrality(g, weight=weight, max_iter=10_000,
                                                       tol=1e-13)
        h = g.copy()
        if weight is None:  # nx.hits always reads the "weight" attribute
            for _, _, d in h.edges(data=True):
                d["weight"] = 1.0
        hubs, auths = nx.hits(h, tol=1e-13, max_iter=10_000)
        ref |= {"hub": hubs, "authority": auths}
    return ref


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("undirected", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("connected", [False, True])
def test_matches_networkx(seed, undirected, weighted, connected):
    kinds = ["collaboration"] if undirected else None
    eco = _random_eco(seed, connected=connected, kinds=kinds, isolates=0 if connected else 2)
    weight = "weight" if weighted else None
    got = centrality(eco, weight=weight)
    g = _nx_graph(eco, directed=not undirected, weight=weight)
    ref = _reference(g, "weight" if weighted else None, "inverse" if weighted else None,
                     connected)
    assert len(ref) == (15 if connected else 12)
    for m, r in ref.items():
        np.testing.assert_allclose(got[m], pd.Series(r)[got.index], rtol=1e-6, atol=1e-9,
                                   err_msg=m)


@pytest.mark.parametrize("undirected", [False, True])
def test_distance_column_and_unnormalized(undirected):
    eco = _random_eco(3, kinds=["collaboration"] if undirected else None)
    got = centrality(eco, ["betweenness", "closeness", "harmonic", "degree"],
                     weight="weight", distance="length", normalized=False)
    g = _nx_graph(eco, directed=not undirected, weight="weight")
    deg = dict(g.degree())
    for m, r in {"betweenness": nx.betweenness_centrality(g, weight="length", normalized=False),
                 "closeness": nx.closeness_centrality(g, distance="length"),
                 "harmonic": nx.harmonic_centrality(g, distance="length"),
                 "degree": deg}.items():
        np.testing.assert_allclose(got[m], pd.Series(r)[got.index], rtol=1e-9, err_msg=m)


def _brute_cross_domain(g: nx.Graph, domain: dict, weight: str | None) -> dict:
    """Count shortest paths through each node over cross-domain pairs, by enumeration."""
    score = dict.fromkeys(g, 0.0)
    pairs = itertools.permutations(g, 2) if g.is_directed() else itertools.combinations(g, 2)
    for s, t in pairs:
        if domain[s] == domain[t] or not nx.has_path(g, s, t):
            continue
        paths = list(nx.all_shortest_paths(g, s, t, weight=weight))
        for p in paths:
            for v in p[1:-1]:
                score[v] += 1 / len(paths)
    return score


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("undirected", [False, True])
@pytest.mark.parametrize("lengths", [None, "length"])
def test_cross_domain_betweenness_brute_force(seed, undirected, lengths):
    eco = _random_eco(seed, n=14, m=30, kinds=["collaboration"] if undirected else None)
    g = _nx_graph(eco, directed=not undirected, weight=None)
    domain = dict(zip(eco.actors["id"], eco.actors["domain"], strict=True))
    assert len(set(domain.values())) == 3
    # Integer lengths, so ties between equal-length paths are exact in both codes.
    brute = _brute_cross_domain(g, domain, lengths)
    raw = centrality(eco, "cross_domain_betweenness", normalized=False, weight=None,
                     distance=lengths or "inverse")
    np.testing.assert_allclose(raw.iloc[:, 0], pd.Series(brute)[raw.index], atol=1e-9)
    n = eco.n_actors
    norm = centrality(eco, "cross_domain_betweenness", weight=None,
                      distance=lengths or "inverse")
    pairs = (n - 1) * (n - 2) / (1 if not undirected else 2)
    np.testing.assert_allclose(norm.iloc[:, 0], raw.iloc[:, 0] / pairs, atol=1e-12)


@pytest.mark.parametrize("undirected", [False, True])
@pytest.mark.parametrize("normalized", [True, False])
def test_sampled_betweenness_matches_networkx(undirected, normalized):
    eco = _random_eco(4, kinds=["collaboration"] if undirected else None)
    g = _nx_graph(eco, directed=not undirected, weight=None)
    k = 7
    sample = random.Random(11).sample(list(g), k)
    ref = nx.betweenness_centrality(g, k=k, normalized=normalized, seed=random.Random(11))
    view = eco.graph(directed=not undirected, weight=None, parallel="sum")
    spec = eco.view_spec(directed=not undirected, weight=None)
    got = mod._betweenness(eco, view, None, None, spec.directed, normalized,
                           np.sort(eco.positions(sample)), spec)
    np.testing.assert_allclose(got, pd.Series(ref)[eco.index], rtol=1e-9, atol=1e-12)


def test_sampling_all_sources_is_exact_and_seeded():
    eco = _random_eco(5)
    path = ["betweenness", "closeness", "harmonic", "cross_domain_betweenness"]
    exact = centrality(eco, path, weight="weight")
    pd.testing.assert_frame_equal(centrality(eco, path, weight="weight", n_sources=eco.n_actors,
                                             seed=1), exact, rtol=1e-9, atol=1e-12)
    a = centrality(eco, path, n_sources=10, seed=3)
    pd.testing.assert_frame_equal(a, centrality(eco, path, n_sources=10, seed=3))
    assert not a.equals(centrality(eco, path, n_sources=10, seed=4))
    assert a.notna().all().all() and (a >= 0).all().all()


def test_large_exact_run_warns_naming_n_sources(monkeypatch):
    monkeypatch.setattr(mod, "EXACT_LIMIT", 5)
    eco = _random_eco(0, n=8, m=10)
    with pytest.warns(RuntimeWarning, match="n_sources=") as caught:
        centrality(eco, "betweenness")
    assert caught[0].filename == __file__  # points at the caller's line
    with pytest.warns(RuntimeWarning, match="n_sources="):
        centrality(eco, "closeness")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        centrality(eco, "betweenness", n_sources=3, seed=0)  # sampled: no warning
        centrality(eco, "pagerank")  # not a path measure


def test_edge_cases_and_errors():
    empty = _eco(0, [], [], [])
    out = centrality(empty)
    assert list(out.columns) == list(MEASURES) and len(out) == 0 and out.index.name == "id"
    one = centrality(_eco(1, [], [], []))
    assert one.loc["v0", "degree"] == 1.0 and one.loc["v0", "betweenness"] == 0.0
    isolated = centrality(_eco(3, [(0, 1)], ["referral"], [2.0]))
    assert isolated.notna().all().all()
    assert isolated.loc["v2"].drop("pagerank").eq(0).all()
    assert isolated["eigenvector"].eq(0).all()  # acyclic: no eigenvector centrality
    eco = _eco(3, [(0, 1), (0, 1)], ["referral", "information"], [2.0, 1.0])
    par = centrality(eco, ["out_degree", "out_strength"], weight="weight", normalized=False)
    assert par.loc["v0"].tolist() == [1.0, 3.0]  # one neighbour, summed strength
    with pytest.raises(ConfigError, match=r"measure 'betweeness' is not known; did you mean "
                                          r"'betweenness'"):
        centrality(eco, "betweeness")
    with pytest.raises(ConfigError, match="n_sources="):
        centrality(eco, "betweenness", n_sources=0)
    with pytest.raises(ConfigError, match="larger than"):
        centrality(eco, "betweenness", n_sources=10)
    with pytest.raises(ConfigError, match="distance='nope'"):
        centrality(eco, "closeness", distance="nope")
    zero = _eco(3, [(0, 1), (1, 2)], ["referral"] * 2, [1.0, 0.0])
    with pytest.raises(ConfigError, match="zero strength"):
        centrality(zero, "betweenness", weight="weight")
    with pytest.raises(ConfigError, match="directed"):
        centrality(eco, directed=1)
    with pytest.raises(ConfigError, match=r"centrality\(\).*weight"):
        centrality(eco, weight="nope")


_STABLE = ["in_degree", "out_degree", "degree", "strength", "betweenness", "closeness",
           "harmonic", "pagerank", "coreness", "clustering", "cross_domain_betweenness"]


@given(ecosystems(max_actors=10), st.integers(0, 2**16), st.sampled_from([None, "weight"]))
def test_relabelling_invariance(eco, seed, weight):
    got = centrality(eco, _STABLE, weight=weight)
    other = centrality(permuted(eco, seed), _STABLE, weight=weight)
    other.index = other.index.str.removeprefix("p_")
    pd.testing.assert_frame_equal(other.loc[got.index], got, rtol=1e-9, atol=1e-12)


@given(ecosystems(max_actors=10), st.sampled_from([None, "weight"]))
def test_bounds(eco, weight):
    got = centrality(eco, weight=weight)
    assert got.notna().all().all()
    bounded = ["in_degree", "out_degree", "betweenness", "eigenvector", "hub", "authority",
               "clustering", "cross_domain_betweenness"]
    if weight is None:  # lengths of 1/strength < 1 can push these above 1, as in networkx
        bounded += ["closeness", "harmonic"]
    for m in bounded:
        assert ((got[m] >= -1e-12) & (got[m] <= 1 + 1e-9)).all(), m
    assert (got["cross_domain_betweenness"] <= got["betweenness"] + 1e-12).all()
    assert (got["degree"] <= 2 + 1e-12).all()
    if eco.n_actors:
        assert got["pagerank"].sum() == pytest.approx(1.0)
    if eco.n_ties and eco.n_actors > 1:
        assert got["hub"].sum() == pytest.approx(1.0)


@given(ecosystems(max_actors=10))
def test_by_neighbourhood_equals_each_subset(eco):
    got = centrality(eco, _STABLE, per="neighbourhood")
    for nb in eco.neighbourhoods:
        sub = eco.subset(neighbourhoods=nb, include_shared=True)
        pd.testing.assert_frame_equal(got.loc[nb], centrality(sub, _STABLE))


def test_clustering_row_blocks_give_the_same_result(monkeypatch):
    import ecosystem.algorithms._sparse as sparse
    from ecosystem import datasets

    eco = datasets.example()
    whole = centrality(eco, ["clustering"], weight="weight")
    monkeypatch.setattr(sparse, "BLOCK_ENTRIES", 7)  # many small row blocks
    pd.testing.assert_frame_equal(centrality(eco, ["clustering"], weight="weight"), whole,
                                  rtol=1e-13, atol=1e-13)
