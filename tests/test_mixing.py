"""mixing(): tie matrix vs networkx, E-I by hand, expected E-I vs exact permutation mean,
permutation p-value vs exact enumeration, hypothesis bounds and relabelling invariance."""

from __future__ import annotations

import itertools
import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecosystem import Ecosystem
from ecosystem.algorithms.mixing import Mixing, mixing
from ecosystem.core.errors import ConfigError
from tests.strategies import ecosystems, permuted


@pytest.fixture
def hand():
    # medical m1, m2; social s1; informal c1, c2.
    actors = pd.DataFrame({"id": ["m1", "m2", "s1", "c1", "c2"],
                           "kind": ["gp", "hospital", "social_team", "informal_carer",
                                    "resident"]})
    ties = pd.DataFrame({
        "source": ["m1", "m1", "s1", "c1", "m2"],
        "target": ["m2", "s1", "c1", "c2", "m1"],
        "kind": ["referral", "referral", "referral", "referral", "funding"],
        "weight": [1.0, 2.0, 3.0, 4.0, 5.0],
    })
    return Ecosystem(actors, ties)


def test_hand_worked_case(hand):
    m = mixing(hand, weight=None)
    assert isinstance(m, Mixing)
    # Arcs: m1->m2 (I), m1->s1 (E), s1->c1 (E), c1->c2 (I), m2->m1 (I): E = 2, I = 3.
    assert m.overall["ei"] == pytest.approx((2 - 3) / 5)
    # Sizes 2, 1, 2 of N = 5: P_E = 2*3 + 1*4 + 2*3 = 16, P_I = 2 + 0 + 2 = 4.
    assert m.overall["expected_ei"] == pytest.approx(12 / 20)
    # Rescaled: EI = -0.2 < 0.6, so (-0.2 - 0.6) / (1 + 0.6).
    assert m.overall["rescaled_ei"] == pytest.approx(-0.8 / 1.6)
    assert np.isnan(m.overall["p_value"])
    assert m.counts.loc["medical", "medical"] == 2
    assert m.counts.loc["medical", "social"] == 1
    assert m.counts.loc["social", "medical"] == 0
    # Medical group: internal 2 arcs, external 1 (sent to s1): EI = -1/3; expected with n = 2:
    # P_E = 2*2*3 = 12, P_I = 2: 10/14.
    assert m.groups.loc["medical", "ei"] == pytest.approx(-1 / 3)
    assert m.groups.loc["medical", "expected_ei"] == pytest.approx(10 / 14)
    assert m.groups.loc["social", "ei"] == 1.0
    # Actors: m1 has m1->m2, m2->m1 internal and m1->s1 external.
    assert m.actors.loc["m1", ["internal", "external"]].tolist() == [2.0, 1.0]
    assert m.actors.loc["m1", "ei"] == pytest.approx(-1 / 3)
    assert m.actors.index.name == "id"
    # Weighted: E = 2 + 3 = 5, I = 1 + 4 + 5 = 10.
    mw = mixing(hand, weight="weight")
    assert mw.overall["ei"] == pytest.approx(-5 / 15)
    assert mw.weights.loc["medical", "medical"] == 6.0
    assert (mw.counts.to_numpy() == m.counts.to_numpy()).all()


def test_actor_without_ties_is_nan_only_there():
    actors = pd.DataFrame({"id": ["a", "b", "c"], "kind": ["gp", "welzijn", "gp"]})
    m = mixing(Ecosystem(actors, pd.DataFrame({"source": ["a"], "target": ["b"]})))
    assert np.isnan(m.actors.loc["c", "ei"])
    assert m.actors.loc[["a", "b"], "ei"].tolist() == [1.0, 1.0]


def _nx_graph(eco: Ecosystem, directed: bool) -> nx.Graph:
    g = nx.MultiDiGraph() if directed else nx.MultiGraph()
    for row in eco.actors.itertuples():
        g.add_node(row.id, domain=row.domain)
    mutual = eco.schema.mutual_tie_kinds
    for row in eco.ties.itertuples():
        if row.source == row.target:
            continue
        g.add_edge(row.source, row.target)
        if directed and row.kind in mutual:
            g.add_edge(row.target, row.source)
    return g


@given(ecosystems(max_actors=12))
def test_counts_match_networkx(eco):
    for directed in (True, False):
        m = mixing(eco, directed=directed)
        labels = list(m.counts.index)
        ref = nx.attribute_mixing_matrix(_nx_graph(eco, directed), "domain",
                                         mapping={d: i for i, d in enumerate(labels)},
                                         normalized=False)
        ours = m.counts.to_numpy().astype(float)
        if not directed:  # networkx counts an undirected within-group tie twice
            ours = ours + np.diag(np.diag(ours))
        np.testing.assert_array_equal(ours, ref)


@given(ecosystems(max_actors=12))
def test_ei_bounds_and_consistency(eco):
    m = mixing(eco, weight="weight")
    for values in (m.groups["ei"], m.actors["ei"], m.groups["rescaled_ei"],
                   pd.Series([m.overall["ei"], m.overall["rescaled_ei"]])):
        v = values.dropna().to_numpy()
        assert ((v >= -1 - 1e-12) & (v <= 1 + 1e-12)).all()
    # NaN exactly where there is nothing to divide.
    no_ties = (m.actors["internal"] + m.actors["external"]) == 0
    assert (m.actors["ei"].isna() == no_ties).all()
    assert m.groups["size"].sum() == eco.n_actors


@given(ecosystems(max_actors=10), st.integers(0, 2**31))
def test_relabelling_invariance(eco, seed):
    m = mixing(eco)
    m2 = mixing(permuted(eco, seed))
    pd.testing.assert_frame_equal(m.counts, m2.counts)
    pd.testing.assert_frame_equal(m.groups, m2.groups)
    back = m2.actors.rename(index=lambda i: i[2:]).loc[m.actors.index]
    pd.testing.assert_frame_equal(back, m.actors)


def _small():
    actors = pd.DataFrame({"id": list("abcdef"),
                           "kind": ["gp", "gp", "gp", "welzijn", "welzijn", "mantelzorger"]})
    ties = pd.DataFrame({"source": list("abdaec"), "target": list("bcecfd")})
    return Ecosystem(actors, ties)


def test_expected_ei_is_the_exact_permutation_mean():
    eco = _small()
    m = mixing(eco)
    src, tgt = eco.tie_positions()
    g = eco.actors["domain"].to_numpy()
    values = []
    for perm in itertools.permutations(range(6)):
        lab = g[list(perm)]
        e = (lab[src] != lab[tgt]).sum()
        values.append((2 * e - len(src)) / len(src))
    assert np.mean(values) == pytest.approx(m.overall["expected_ei"], abs=1e-12)


def test_permutation_p_value_against_exact_enumeration():
    eco = _small()
    m = mixing(eco, n_permutations=4000, seed=3)
    src, tgt = eco.tie_positions()
    g = eco.actors["domain"].to_numpy()
    exp, obs = m.overall["expected_ei"], m.overall["ei"]
    hits = 0
    for perm in itertools.permutations(range(6)):
        lab = g[list(perm)]
        ei = (2 * (lab[src] != lab[tgt]).sum() - len(src)) / len(src)
        hits += abs(ei - exp) >= abs(obs - exp) - 1e-12
    exact = hits / math.factorial(6)
    # Monte Carlo estimate from 4000 draws: sd <= 0.5 / sqrt(4000) = 0.0079; 5 sd gives a
    # false-failure rate below 1e-6 (and the seed is fixed, so the run is deterministic).
    assert m.overall["p_value"] == pytest.approx(exact, abs=5 * 0.5 / math.sqrt(4000) + 1 / 4001)
    again = mixing(eco, n_permutations=4000, seed=3)
    assert again.overall["p_value"] == m.overall["p_value"]


def test_undirected_view_counts_each_tie_once():
    actors = pd.DataFrame({"id": ["a", "b", "c"], "kind": ["gp", "gp", "welzijn"]})
    ties = pd.DataFrame({"source": ["a", "b"], "target": ["b", "c"],
                         "kind": ["collaboration"] * 2})
    m = mixing(Ecosystem(actors, ties))
    assert m.overall["ei"] == 0.0  # one internal, one external tie
    assert m.counts.loc["medical", "social"] == m.counts.loc["social", "medical"] == 1
    assert m.counts.loc["medical", "medical"] == 1


def test_bad_parameters(hand):
    with pytest.raises(ConfigError, match="n_permutations"):
        mixing(hand, n_permutations=-1)
    with pytest.raises(ConfigError, match="not an actor column"):
        mixing(hand, groups="nope")
