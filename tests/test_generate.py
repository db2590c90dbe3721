"""Generators: profiles, presets, neighbourhoods and regions against their parameters.

Statistical checks use fixed seeds (so they cannot flake) and a tolerance of 4.5 standard
errors: for one normal statistic that is a false-failure rate of 7e-6 per check, and below 1e-3
summed (Bonferroni) over all checks in this file (fewer than 150), had the seeds been random.
"""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecosystem import ConfigError
from ecosystem.generate import (
    DEFAULT_SHARED,
    Profile,
    SharedActor,
    TieRule,
    demand_of,
    generate_neighbourhood,
    generate_region,
    ses_score,
)

Z = 4.5
AVG = Profile.preset("average")


def _expected_count(x: float, minimum: int) -> float:
    """E[max(m, floor(x) + Bernoulli(x - floor(x)))], by hand."""
    f = np.floor(x)
    return (1 - (x - f)) * max(minimum, f) + (x - f) * max(minimum, f + 1)


@pytest.fixture(scope="module")
def region():
    # 600 average neighbourhoods of 2,500 residents: 600 independent draws of each parameter
    return generate_region(600, seed=11)


def _frames(eco):
    a = eco.actors
    t = eco.ties
    kind = dict(zip(a["id"], a["kind"], strict=True))
    nb = dict(zip(a["id"], a["neighbourhood"], strict=True))
    t = t.assign(sk=t["source"].map(kind), tk=t["target"].map(kind),
                 snb=t["source"].map(nb), tnb=t["target"].map(nb))
    return a, t


# ---------------------------------------------------------------- reproducibility
def test_same_seed_same_ecosystem_different_seed_differs():
    a = generate_neighbourhood("average", seed=3)
    assert a == generate_neighbourhood("average", seed=3)
    assert a != generate_neighbourhood("average", seed=4)
    r = generate_region(["low_ses", "rural"], seed=np.random.default_rng(5))
    assert r == generate_region(["low_ses", "rural"], seed=np.random.default_rng(5))


# ---------------------------------------------------------------- counts
def test_counts_match_profile_in_mean(region):
    a, _ = _frames(region)
    local = a[a["neighbourhood"].notna()]
    counts = pd.crosstab(local["neighbourhood"], local["kind"]).reindex(
        columns=list(AVG.actors), fill_value=0)
    assert len(counts) == 600
    for kind, rate in AVG.actors.items():
        x = rate * AVG.residents / 1000
        m = AVG.minimum.get(kind, 0)
        # stochastic rounding: every count is floor(x) or floor(x) + 1 (or the minimum)
        c = counts[kind].to_numpy()
        assert set(np.unique(c)) <= {max(m, np.floor(x)), max(m, np.floor(x) + 1)}, kind
        f = x - np.floor(x)
        se = np.sqrt(f * (1 - f) / len(c)) if np.floor(x) + 1 > m else 0.0
        assert abs(c.mean() - _expected_count(x, m)) <= Z * se + 1e-12, kind


def test_shared_actors_and_catchments(region):
    a, t = _frames(region)
    shared = a[a["neighbourhood"].isna()]
    want = {s.kind: s.n_actors(600) for s in DEFAULT_SHARED}
    assert shared["kind"].value_counts().to_dict() == want  # hospital: ceil(600 / 200) = 3
    # no tie joins local actors of two different neighbourhoods: only shared actors link them
    both_local = t["snb"].notna() & t["tnb"].notna()
    assert (t.loc[both_local, "snb"] == t.loc[both_local, "tnb"]).all()
    # each GP refers to exactly the hospital whose catchment block holds its neighbourhood
    gp_h = t[(t["sk"] == "gp") & (t["tk"] == "hospital")]
    nb_index = gp_h["snb"].str.slice(2).astype(int) - 1
    assert (gp_h["target"] == "hospital/" + (nb_index * 3 // 600 + 1).astype(str)).all()
    assert len(gp_h) == (a["kind"] == "gp").sum()  # p = 1.0


def test_counts_and_shares_over_many_seeds():
    # 100 seeds of one neighbourhood: informal carers (x = 83.75 per neighbourhood, so 83 or
    # 84) and the per-source rule "a carer refers to a GP with p = 0.5" over ~8,400 carers.
    carers, referring = [], []
    for seed in range(100):
        a, t = _frames(generate_neighbourhood("average", seed=seed))
        ids = a.loc[a["kind"] == "informal_carer", "id"]
        carers.append(len(ids))
        referring.append(t[(t["sk"] == "informal_carer") & (t["tk"] == "gp")]["source"].nunique())
    x = AVG.actors["informal_carer"] * AVG.residents / 1000
    assert set(carers) <= {np.floor(x), np.ceil(x)}
    assert abs(np.mean(carers) - x) <= Z * np.sqrt((x % 1) * (1 - x % 1) / 100)
    share = sum(referring) / sum(carers)
    assert abs(share - 0.5) <= Z * np.sqrt(0.25 / sum(carers))


# ---------------------------------------------------------------- tie densities
PAIR_RULES = [r for r in AVG.rules if r.per == "pair" and len(r.target) == 1]


def _candidates(a: pd.DataFrame, rule: TieRule) -> int:
    """Candidate pairs of a pair rule, counted independently of the generator."""
    local = a[a["neighbourhood"].notna()]
    per_nb = pd.crosstab(local["neighbourhood"], local["kind"])
    n_nb = len(per_nb)
    shared = {s.kind: s for s in DEFAULT_SHARED}

    def served(kind: str) -> np.ndarray:  # actors of `kind` each neighbourhood sees
        if kind in shared:
            s = shared[kind]
            return np.full(n_nb, s.count if s.per_neighbourhoods is None else 1)
        return per_nb[kind].to_numpy() if kind in per_nb else np.zeros(n_nb)

    s, t = rule.source, rule.target[0]
    if s in shared and t in shared:  # pairs that serve at least one neighbourhood together
        def serving(kind):
            sp = shared[kind]
            m = sp.n_actors(n_nb)
            if sp.per_neighbourhoods is None:
                return [set(range(m))] * n_nb
            return [{j * m // n_nb} for j in range(n_nb)]
        return len({(x, y) for xs, ys in zip(serving(s), serving(t), strict=True)
                    for x in xs for y in ys})
    if s == t:
        n = served(s)
        return int((n * (n - 1) // (2 if rule.kind == "collaboration" else 1)).sum())
    return int((served(s) * served(t)).sum())


@pytest.mark.parametrize("rule", PAIR_RULES, ids=lambda r: r.label)
def test_pair_rule_density_and_strength(region, rule):
    a, t = _frames(region)
    ties = t[(t["kind"] == rule.kind) & (t["sk"] == rule.source) & (t["tk"] == rule.target[0])]
    n = _candidates(a, rule)
    x = len(ties)
    if rule.p in (0.0, 1.0):
        assert x == n * rule.p
    else:
        assert abs(x - n * rule.p) <= Z * np.sqrt(n * rule.p * (1 - rule.p)), (x, n)
    if x:
        # Gamma weights: mean = strength, sd = cv * strength
        se = AVG.strength_cv * rule.strength / np.sqrt(x)
        assert abs(ties["weight"].mean() - rule.strength) <= Z * se


def test_calibration_facts_caring_communities():
    # seeds/000: 40% of caring communities collaborate with home care, 90% with neighbourhood
    # teams or municipalities, "in expectation". More communities per neighbourhood (the rate
    # is the only change) give ~1,500 of them, so the share is measured to +-0.013 (1 se).
    prof = AVG.replace(actors={"community_network": 2.0})
    a, t = _frames(generate_region({f"n{i}": prof for i in range(300)}, seed=2))
    cc = a.loc[a["kind"] == "community_network", "id"]
    collab = t[(t["kind"] == "collaboration") & (t["sk"] == "community_network")]
    n = len(cc)
    assert n > 1000
    for targets, share in (({"home_care"}, 0.40), ({"social_team", "municipality"}, 0.90)):
        tied = collab.loc[collab["tk"].isin(targets), "source"].nunique()
        assert abs(tied / n - share) <= Z * np.sqrt(share * (1 - share) / n), targets
    # at most one tie per rule: a per-source rule ties each community to one chosen target
    assert collab[collab["tk"] == "home_care"]["source"].duplicated().sum() == 0
    # and on the preset itself (fewer communities, so a looser but still 4.5 se bound)
    a, t = _frames(generate_region(1500, seed=3))
    cc = a.loc[a["kind"] == "community_network", "id"]
    tied = t[(t["sk"] == "community_network") & (t["tk"] == "home_care")]["source"].nunique()
    assert abs(tied / len(cc) - 0.4) <= Z * np.sqrt(0.24 / len(cc))


def test_flow_tables_written_per_actor():
    eco = generate_neighbourhood("rural", seed=1)
    a = eco.actors
    prof = Profile.preset("rural")
    for kind in ("gp", "welfare", "informal_carer", "hospital"):
        row = a[a["kind"] == kind].iloc[0]
        for need in eco.schema.needs:
            assert row[f"resolve_{need}"] == prof.resolve.get(kind, {}).get(need, 0.0)
            assert row[f"entry_{need}"] == prof.entry.get(kind, {}).get(need, 0.0)
    d = demand_of(eco)
    assert d.loc["rural"].to_dict() == pytest.approx(
        {n: prof.demand.get(n, 0.0) * 1200 / 1000 for n in eco.schema.needs})


# ---------------------------------------------------------------- table form
def test_table_form_blends_presets_exactly():
    table = pd.DataFrame({"buurt": ["a", "b", "c", "d"], "inwoners": [4000, 4000, 4000, 1000],
                          "ses": [-1.0, -0.5, 1.0, 0.0], "rural": [0, 0, 0, 1.0]})
    eco = generate_region(table, columns={"buurt": "neighbourhood", "inwoners": "residents"},
                          seed=0)
    low, high, rural = (Profile.preset(k) for k in ("low_ses", "high_ses", "rural"))
    carers = eco.actors[eco.actors["kind"] == "informal_carer"].groupby("neighbourhood").size()
    expect = {
        "a": low.actors["informal_carer"] * 4,
        "b": (low.actors["informal_carer"] + AVG.actors["informal_carer"]) / 2 * 4,
        "c": high.actors["informal_carer"] * 4,
        "d": rural.actors["informal_carer"] * 1,
    }
    for nb, x in expect.items():  # stochastic rounding: floor or ceil of the blended mean
        assert np.floor(x) <= carers[nb] <= np.ceil(x), nb
    d = demand_of(eco)
    assert d.loc["b", "debt"] == pytest.approx((low.demand["debt"] + AVG.demand["debt"]) / 2 * 4)
    assert d.loc["d", "dementia_support"] == pytest.approx(rural.demand["dementia_support"])
    a = eco.actors
    gp_b = a[(a["kind"] == "gp") & (a["neighbourhood"] == "b")].iloc[0]
    assert gp_b["resolve_loneliness"] == pytest.approx(
        (low.resolve["gp"]["loneliness"] + AVG.resolve["gp"]["loneliness"]) / 2)


def test_table_form_per_row_profile_and_errors():
    t = pd.DataFrame({"neighbourhood": ["x", "y"], "residents": [1000, 1000],
                      "profile": ["rural", "average"]})
    eco = generate_region(t, seed=1)
    assert eco.provenance[-1]["profiles"] == ["rural", "average"]
    with pytest.raises(ConfigError, match="row 1, column 'ses'"):
        generate_region(t.assign(ses=[0.0, 1.5]))
    with pytest.raises(ConfigError, match="no 'residents' column"):
        generate_region(t.drop(columns="residents"))
    with pytest.raises(ConfigError, match="row 0, column 'residents'"):
        generate_region(t.assign(residents=[0, 10]))
    with pytest.raises(ConfigError, match="did you mean 'low_ses'"):
        generate_region(t.assign(profile=["low_sess", "average"]))


def test_ses_score_by_hand():
    t = pd.DataFrame({"residents": [1000, 2000, 1000], "income": [20.0, 25.0, 36.0],
                      "bijstand": [100, 60, 10]})
    z_inc = (t["income"] - 27.0) / np.std([20.0, 25.0, 36.0])
    share = t["bijstand"] / t["residents"]
    z_as = (share - share.mean()) / np.std(share)
    want = np.clip((z_inc - z_as) / 4, -1, 1)
    got = ses_score(t, income="income", assistance="bijstand")
    np.testing.assert_allclose(got, want)
    assert got.iloc[0] < 0 < got.iloc[2]


# ---------------------------------------------------------------- profiles
def test_describe_lists_every_parameter_with_a_source():
    for name in Profile.presets():
        d = Profile.preset(name).describe()
        assert (d["source"].str.len() > 0).all(), d[d["source"] == ""].index.tolist()
        assert len(d) == len(Profile.preset(name).parameters())
    d = AVG.describe()
    cc = d.loc["tie.community_network->home_care.collaboration[per source].p", "source"]
    assert "Zorginstituut Nederland" in cc and "Passende zorg-dialoog" in cc and "2023" in cc
    assert "5,028" in d.loc["actors.gp", "source"]


def test_replace_and_presets_differ_as_documented():
    low = Profile.preset("low_ses")
    assert low.demand["debt"] == 2 * AVG.demand["debt"]
    assert low.actors["informal_carer"] == pytest.approx(0.7 * AVG.actors["informal_carer"])
    assert "Schuldenproblematiek in beeld" in low.source_of("demand.debt")  # published
    assert "a guess; low SES" in low.source_of("demand.unemployment")
    q = AVG.replace(rules={"gp->welfare.referral": 0.9}, source="local survey")
    rule = next(r for r in q.rules if r.label == "gp->welfare.referral")
    assert rule.p == 0.9 and rule.note == "local survey"
    assert q.resolve == AVG.resolve
    with pytest.raises(ConfigError, match="did you mean 'actors'"):
        AVG.replace(actor={"gp": 1})
    with pytest.raises(ConfigError, match="not in \\[0, 1\\]"):
        TieRule("gp", "welfare", "referral", 1.5)
    with pytest.raises(ConfigError, match="did you mean 'welfare'"):
        AVG.replace(actors={"welfair": 1.0})
    with pytest.raises(ConfigError, match="Known: average, low_ses"):
        Profile.preset("urban")
    assert pickle.loads(pickle.dumps(q)) == q


def test_bad_arguments():
    with pytest.raises(ConfigError, match="residents"):
        generate_neighbourhood("average", residents=0)
    with pytest.raises(ConfigError, match="both local"):
        generate_neighbourhood(AVG, shared=[SharedActor("gp", 10)])
    with pytest.raises(ConfigError, match="must be unique"):
        generate_region(pd.DataFrame({"neighbourhood": ["a", "a"], "residents": [1, 1]}))


# ---------------------------------------------------------------- properties
@given(residents=st.integers(1, 8000), seed=st.integers(0, 2**32 - 1),
       preset=st.sampled_from(["average", "low_ses", "high_ses", "rural"]))
def test_generated_neighbourhood_is_consistent(residents, seed, preset):
    prof = Profile.preset(preset)
    eco = generate_neighbourhood(prof, residents=residents, seed=seed)
    a, t = _frames(eco)
    local = a[a["neighbourhood"].notna()]
    counts = local["kind"].value_counts()
    for kind, rate in prof.actors.items():
        x = rate * residents / 1000
        m = prof.minimum.get(kind, 0)
        assert max(m, np.floor(x)) <= counts.get(kind, 0) <= max(m, np.ceil(x))
    assert (t["weight"] > 0).all()
    resolve = a.filter(like="resolve_").to_numpy()
    assert ((resolve >= 0) & (resolve <= 1)).all()
    # every tie comes from a rule of the profile (source kind, target kind, tie kind)
    allowed = {(r.source, tk, r.kind) for r in prof.rules for tk in r.target}
    assert set(zip(t["sk"], t["tk"], t["kind"], strict=True)) <= allowed
