"""silos(): planted partitions with known answers, NMI/ARI vs their formulas, seeding."""

from __future__ import annotations

import itertools
from math import comb

import numpy as np
import pandas as pd
import pytest
from hypothesis import given

from ecosystem import Ecosystem
from ecosystem.algorithms.silos import Silos, silos
from ecosystem.core.errors import ConfigError
from tests.strategies import ecosystems

KIND = {"medical": "gp", "social": "welfare", "informal": "resident"}


def _planted(blocks: list[list[str]]) -> Ecosystem:
    """Complete collaboration cliques, one per block (domains given per actor), chained by
    one tie between consecutive blocks."""
    ids, kinds, src, tgt = [], [], [], []
    for b, domains in enumerate(blocks):
        members = [f"b{b}_{i}" for i in range(len(domains))]
        ids += members
        kinds += [KIND[d] for d in domains]
        for u, v in itertools.combinations(members, 2):
            src.append(u)
            tgt.append(v)
        if b:
            src.append(f"b{b - 1}_0")
            tgt.append(members[0])
    return Ecosystem(pd.DataFrame({"id": ids, "kind": kinds}),
                     pd.DataFrame({"source": src, "target": tgt,
                                   "kind": ["collaboration"] * len(src)}))


def _nmi(a: np.ndarray, b: np.ndarray) -> float:
    n = len(a)
    table = pd.crosstab(a, b).to_numpy() / n
    pa, pb = table.sum(1), table.sum(0)
    nz = table > 0
    mi = (table[nz] * np.log(table[nz] / np.outer(pa, pb)[nz])).sum()
    h = -(pa * np.log(pa)).sum() - (pb * np.log(pb)).sum()
    return 2 * mi / h


def _ari(a: np.ndarray, b: np.ndarray) -> float:
    table = pd.crosstab(a, b).to_numpy()
    index = sum(comb(int(x), 2) for x in table.ravel())
    ra = sum(comb(int(x), 2) for x in table.sum(1))
    rb = sum(comb(int(x), 2) for x in table.sum(0))
    expected = ra * rb / comb(len(a), 2)
    return (index - expected) / ((ra + rb) / 2 - expected)


@pytest.mark.parametrize("method", ["leiden", "louvain"])
def test_communities_equal_domains(method):
    eco = _planted([["medical"] * 8, ["social"] * 8, ["informal"] * 8])
    s = silos(eco, method=method, seed=1)
    assert isinstance(s, Silos)
    assert s.membership.index.name == "id"
    assert s.scores["nmi"] == pytest.approx(1.0)
    assert s.scores["ari"] == pytest.approx(1.0)
    assert s.scores["n_communities"] == 3


@pytest.mark.parametrize("method", ["leiden", "louvain"])
def test_communities_independent_of_domains(method):
    # Four cliques of six, each with two actors of every domain: the communities are the
    # cliques and the contingency table with the domains is uniform (all cells 2), so the
    # mutual information is exactly 0 and the ARI is its exact small-sample value
    # (12 - 60*84/276) / ((60 + 84)/2 - 60*84/276) = -0.1165, computed from the formula.
    block = ["medical", "social", "informal"] * 2
    eco = _planted([block] * 4)
    s = silos(eco, method=method, seed=2)
    blocks = s.membership.index.str.slice(0, 2).to_numpy()
    assert _ari(blocks, s.membership["community"].to_numpy()) == pytest.approx(1.0)
    assert s.scores["nmi"] == pytest.approx(0.0, abs=1e-12)
    assert s.scores["ari"] == pytest.approx((12 - 60 * 84 / 276) / (72 - 60 * 84 / 276))


def test_same_seed_same_result(example):
    a = silos(example, seed=5)
    b = silos(example, seed=5)
    pd.testing.assert_frame_equal(a.membership, b.membership)
    pd.testing.assert_series_equal(a.scores, b.scores)


def test_modularity_matches_igraph_and_resolution(example):
    s = silos(example, seed=3, weight=None)
    g = example.graph(directed=False, weight=None, parallel="sum")
    assert s.scores["modularity"] == pytest.approx(
        g.modularity(s.membership["community"].tolist()))
    coarse = silos(example, seed=3, resolution=0.2)
    fine = silos(example, seed=3, resolution=5.0)
    assert coarse.scores["n_communities"] < fine.scores["n_communities"]


@given(ecosystems(max_actors=12))
def test_scores_match_formulas_and_bounds(eco):
    s = silos(eco, seed=0)
    assert list(s.membership.index) == list(eco.index)
    if eco.n_actors < 2:
        return
    c = s.membership["community"].to_numpy()
    d = eco.actors["domain"].to_numpy()
    if len(set(c)) > 1 or len(set(d)) > 1:
        ref = _nmi(d, c) if (len(set(c)) > 1 and len(set(d)) > 1) else 0.0
        assert s.scores["nmi"] == pytest.approx(ref, abs=1e-9)
    assert 0.0 <= s.scores["nmi"] <= 1.0 + 1e-12
    assert -1.0 <= s.scores["ari"] <= 1.0 + 1e-12
    # Communities are numbered by decreasing size.
    sizes = np.bincount(c)
    assert (np.diff(sizes) <= 0).all()


def test_edge_cases():
    empty = silos(Ecosystem(pd.DataFrame({"id": pd.Series([], dtype="str"),
                                          "kind": pd.Series([], dtype="str")})))
    assert empty.membership.empty and np.isnan(empty.scores["nmi"])
    one = silos(Ecosystem(pd.DataFrame({"id": ["a"], "kind": ["gp"]})))
    assert one.scores[["nmi", "ari"]].tolist() == [1.0, 1.0]


def test_bad_parameters(example):
    with pytest.raises(ConfigError, match="did you mean 'leiden'"):
        silos(example, method="leidn")
    with pytest.raises(ConfigError, match="resolution"):
        silos(example, resolution=0)
