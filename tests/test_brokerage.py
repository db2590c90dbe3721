"""brokerage(): hand-worked case, brute-force enumeration, sna's null model by exact
enumeration, hypothesis properties."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecosystem import Ecosystem
from ecosystem.algorithms.brokerage import ROLES, _null_moments, brokerage
from ecosystem.core.errors import ConfigError
from tests.strategies import ecosystems, permuted


def _role(gi, gj, gk) -> int:
    if gi == gj:
        return 0 if gj == gk else 2
    if gj == gk:
        return 3
    return 1 if gi == gk else 4


def brute_force(eco: Ecosystem, by: str = "domain") -> np.ndarray:
    """Enumerate every ordered triple (i, j, k) of distinct actors."""
    n = eco.n_actors
    arcs = np.zeros((n, n), dtype=bool)
    s, t = eco.tie_positions()
    mutual = eco.ties["kind"].isin(eco.schema.mutual_tie_kinds).to_numpy()
    arcs[s, t] = True
    arcs[t[mutual], s[mutual]] = True
    np.fill_diagonal(arcs, False)
    g = eco.actors[by].fillna("(missing)").astype(str).to_numpy()
    out = np.zeros((n, 6), dtype=np.int64)
    for i, j, k in itertools.permutations(range(n), 3):
        if arcs[i, j] and arcs[j, k] and not arcs[i, k]:
            out[j, _role(g[i], g[j], g[k])] += 1
            out[j, 5] += 1
    return out


@pytest.fixture
def hand():
    # m1, m2, m3 medical; s1, s2 social; c1 informal. s1 <-> s2 is one collaboration (mutual).
    actors = pd.DataFrame({"id": ["m1", "m2", "m3", "s1", "s2", "c1"],
                           "kind": ["gp", "gp", "hospital", "social_team", "welfare",
                                    "informal_carer"]})
    ties = pd.DataFrame(
        [("m1", "m2", "referral"), ("m2", "m3", "referral"), ("m2", "s1", "referral"),
         ("m1", "s1", "referral"), ("s1", "m3", "referral"), ("s1", "c1", "referral"),
         ("s1", "s2", "collaboration")], columns=["source", "target", "kind"])
    return Ecosystem(actors, ties)


def test_hand_worked_case(hand):
    # Through m2: m1->m2->m3 open (all medical): coordinator; m1->m2->s1 closed (m1->s1).
    # Through s1 (in: m1, m2, s2; out: m3, c1, s2):
    #   m1->s1->m3 itinerant;  m1->s1->c1 liaison;  m1->s1->s2 gatekeeper
    #   m2->s1->m3 closed;     m2->s1->c1 liaison;  m2->s1->s2 gatekeeper
    #   s2->s1->m3 representative; s2->s1->c1 representative; s2->s1->s2 not a two-path.
    # Through s2 (in: s1, out: s1): only s1->s2->s1, not a two-path.
    b = brokerage(hand)
    assert list(b.columns) == list(ROLES)
    assert b.index.name == "id"
    assert b.loc["m2"].tolist() == [1, 0, 0, 0, 0, 1]
    assert b.loc["s1"].tolist() == [0, 1, 2, 2, 2, 7]
    assert b.drop(index=["m2", "s1"]).to_numpy().sum() == 0
    assert (b.dtypes == np.int64).all()


def test_hand_worked_z_score(hand):
    # N = 6, m = 8 arcs (7 ties, the collaboration both ways): d = 8/30.
    # s1's total: E = d^2 (1-d) * 5 * 4, V = E (1 - d^2 (1-d)) + 2 * 5*4*3 * d^3 (1-d)^3.
    d = 8 / 30
    p = d * d * (1 - d)
    e = p * 20
    v = e * (1 - p) + 2 * 60 * d**3 * (1 - d) ** 3
    z = brokerage(hand, standardize=True)
    assert z.loc["s1", "total"] == pytest.approx((7 - e) / np.sqrt(v), rel=1e-12)
    # s1 is the only social broker of a gatekeeper role; its group has 2 actors (n = 2, N = 6):
    # E = p (N - n)(n - 1) = 4p, V = E (1-p) + 2 q ((n-1) C(4,2) + 4 C(1,2)) = E(1-p) + 12 q.
    q = d**3 * (1 - d) ** 3
    e_g = 4 * p
    assert z.loc["s1", "gatekeeper"] == pytest.approx((2 - e_g) / np.sqrt(e_g * (1 - p) + 12 * q))


def test_by_other_columns(hand):
    b = brokerage(hand, groups="kind")
    assert np.array_equal(b.to_numpy(), brute_force(hand, by="kind"))
    b = brokerage(hand, groups="sector")
    assert np.array_equal(b.to_numpy(), brute_force(hand, by="sector"))


def test_missing_values_are_one_group():
    actors = pd.DataFrame({"id": list("abc"), "kind": ["gp"] * 3,
                           "neighbourhood": ["Noord", None, None]})
    ties = pd.DataFrame({"source": ["a", "b"], "target": ["b", "c"]})
    b = brokerage(Ecosystem(actors, ties), groups="neighbourhood")
    # a (Noord) -> b (missing) -> c (missing): representative? No: g(i) != g(j) = g(k).
    assert b.loc["b"].tolist() == [0, 0, 0, 1, 0, 1]


def test_ties_selection(hand):
    b = brokerage(hand, tie_kinds=["verwijzing"])  # referral only: s1 -> s2 and s2 -> s1 gone
    assert b.loc["s1"].tolist() == [0, 1, 0, 0, 2, 3]


@pytest.mark.parametrize("sizes", [[4], [3, 1], [2, 2], [2, 1, 1], [1, 1, 1, 1]])
def test_null_moments_match_exact_enumeration(sizes):
    # Every digraph on 4 vertices (2^12), weighted by d^m (1-d)^(12-m): exact mean and variance
    # of each role count of broker 0 (a member of the first group).
    n, d = 4, 0.3
    g = np.repeat(np.arange(len(sizes)), sizes)
    pairs = [(i, j) for i in range(n) for j in range(n) if i != j]
    bits = (np.arange(2 ** len(pairs))[:, None] >> np.arange(len(pairs))) & 1
    arcs = np.zeros((len(bits), n, n), dtype=bool)
    for c, (i, j) in enumerate(pairs):
        arcs[:, i, j] = bits[:, c].astype(bool)
    prob = d ** bits.sum(1) * (1 - d) ** (len(pairs) - bits.sum(1))
    counts = np.zeros((len(bits), 6))
    for i, k in itertools.permutations([1, 2, 3], 2):
        open_ = arcs[:, i, 0] & arcs[:, 0, k] & ~arcs[:, i, k]
        counts[:, _role(g[i], g[0], g[k])] += open_
        counts[:, 5] += open_
    mean = prob @ counts
    var = prob @ (counts - mean) ** 2
    e, v = _null_moments(np.array(sizes), d)
    assert e[0] == pytest.approx(mean, abs=1e-12)
    assert v[0] == pytest.approx(var, abs=1e-12)


def test_generated_graphs_match_brute_force():
    rng = np.random.default_rng(7)
    kinds = ["gp", "hospital", "social_team", "welfare", "informal_carer", "resident"]
    for n in (5, 9, 14):
        actors = pd.DataFrame({"id": [f"a{i}" for i in range(n)],
                               "kind": rng.choice(kinds, n)})
        pairs = [(a, b) for a in range(n) for b in range(n) if a != b and rng.random() < 0.3]
        kind = rng.choice(["referral", "funding", "information"], len(pairs))
        ties = pd.DataFrame({"source": [f"a{a}" for a, _ in pairs],
                             "target": [f"a{b}" for _, b in pairs], "kind": kind})
        eco = Ecosystem(actors, ties)
        for by in ("domain", "kind"):
            assert np.array_equal(brokerage(eco, groups=by).to_numpy(), brute_force(eco, by))


@given(ecosystems(max_actors=10))
def test_properties(eco):
    b = brokerage(eco)
    raw = b.to_numpy()
    assert (raw >= 0).all()
    assert np.array_equal(raw[:, :5].sum(axis=1), raw[:, 5])
    assert np.array_equal(raw, brute_force(eco))
    z = brokerage(eco, standardize=True)
    assert np.isfinite(z.to_numpy()).all()


@given(ecosystems(max_actors=10), st.integers(0, 2**31))
def test_relabelling_invariance(eco, seed):
    other = permuted(eco, seed)
    b = brokerage(eco)
    b2 = brokerage(other)
    back = b2.rename(index=lambda i: i[2:]).loc[b.index]
    assert np.array_equal(back.to_numpy(), b.to_numpy())
    z = brokerage(eco, standardize=True)
    z2 = brokerage(other, standardize=True).rename(index=lambda i: i[2:]).loc[z.index]
    np.testing.assert_allclose(z2.to_numpy(), z.to_numpy(), rtol=1e-12, atol=1e-12)


def test_bad_parameters(hand):
    with pytest.raises(ConfigError, match="did you mean 'domain'"):
        brokerage(hand, groups="domian")
    with pytest.raises(ConfigError, match="standardize"):
        brokerage(hand, standardize="yes")
