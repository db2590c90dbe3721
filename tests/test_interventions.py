"""Interventions change exactly what they say, tie by tie, compose, and record themselves."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecosystem import ConfigError, DuplicateTieError, datasets
from ecosystem.flows import ReferralModel, default_entry
from ecosystem.generate import demand_of, generate_neighbourhood
from ecosystem.interventions import (
    Intervention,
    add_ties,
    compose,
    front_door,
    fund_community,
    integrate_primary_care,
    remove_actor,
    social_prescribing,
)
from tests.strategies import ecosystems, permuted


@pytest.fixture(scope="module")
def eco():
    return datasets.example()


def _ties_by_key(eco):
    t = eco.ties
    return {(s, g, k): row for (s, g, k), row in zip(
        zip(t["source"], t["target"], t["kind"], strict=True), t.to_dict("records"),
        strict=True)}


def _same_nb(a_nb, b_nb) -> bool:
    return pd.isna(a_nb) or pd.isna(b_nb) or a_nb == b_nb


def _records(eco):
    return [r for r in eco.provenance if r.get("step") == "intervention"]


def test_add_ties_tie_by_tie(eco):
    new = pd.DataFrame({"source": ["gp_west", "welfare_oost"], "target": ["debt_help", "gp_oost_1"],
                        "weight": [2.5, None]})
    out = add_ties(new, kind="referral", weight=1.5, handover=0.9)(eco)
    before, after = _ties_by_key(eco), _ties_by_key(out)
    assert set(after) - set(before) == {("gp_west", "debt_help", "referral"),
                                        ("welfare_oost", "gp_oost_1", "referral")}
    assert after[("gp_west", "debt_help", "referral")]["weight"] == 2.5
    assert after[("welfare_oost", "gp_oost_1", "referral")]["weight"] == 1.5
    assert after[("welfare_oost", "gp_oost_1", "referral")]["handover"] == 0.9
    for k, row in before.items():  # nothing else changed
        assert after[k]["weight"] == row["weight"] and pd.isna(after[k]["handover"])
    assert _records(out) == [{"step": "intervention", "intervention": "add_ties",
                              "ties": new.assign(kind="referral", weight=[2.5, 1.5],
                                                 handover=0.9).to_dict("records")}]
    with pytest.raises(DuplicateTieError):
        add_ties([("gp_west", "welfare_west")])(eco)


def test_remove_actor(eco):
    out = remove_actor(["gp_oost_2", "welfare_west"])(eco)
    assert set(eco.index) - set(out.index) == {"gp_oost_2", "welfare_west"}
    gone = {"gp_oost_2", "welfare_west"}
    want = {k for k in _ties_by_key(eco) if not ({k[0], k[1]} & gone)}
    assert set(_ties_by_key(out)) == want
    assert _records(out)[0]["ids"] == ["gp_oost_2", "welfare_west"]


def test_social_prescribing_tie_by_tie(eco):
    out = social_prescribing(strength=3.5)(eco)
    a = eco.actors.set_index("id")
    gps = a.index[a["kind"] == "gp"]
    welfare = a.index[a["kind"] == "welfare"]
    expected = {(g, w) for g in gps for w in welfare
                if _same_nb(a.loc[g, "neighbourhood"], a.loc[w, "neighbourhood"])}
    assert expected == {("gp_oost_1", "welfare_oost"), ("gp_oost_2", "welfare_oost"),
                        ("gp_west", "welfare_west"), ("gp_west", "youth_work_west")}
    before, after = _ties_by_key(eco), _ties_by_key(out)
    for g, w in expected:
        old = before.get((g, w, "referral"), {"weight": 0.0})["weight"]
        assert after[(g, w, "referral")]["weight"] == max(old, 3.5)
    assert set(after) - set(before) == {(g, w, "referral") for g, w in expected} - set(before)
    for k, row in before.items():
        if (k[0], k[1]) not in expected or k[2] != "referral":
            assert after[k]["weight"] == row["weight"]


def test_integrate_primary_care_tie_by_tie(eco):
    out = integrate_primary_care(strength=4.5, handover=0.98)(eco)
    a = eco.actors.set_index("id")
    gps, dn = a.index[a["kind"] == "gp"], a.index[a["kind"] == "district_nursing"]
    team = {frozenset((g, d)) for g in gps for d in dn
            if _same_nb(a.loc[g, "neighbourhood"], a.loc[d, "neighbourhood"])}
    assert len(team) == 3
    before, after = _ties_by_key(eco), _ties_by_key(out)
    collab = {frozenset((s, t)): row for (s, t, k), row in after.items() if k == "collaboration"}
    for pair in team:
        old = [r["weight"] for (s, t, k), r in before.items()
               if k == "collaboration" and frozenset((s, t)) == pair]
        assert collab[pair]["weight"] == max([*old, 4.5])
        assert collab[pair]["handover"] == 0.98
    for (s, t, k), row in after.items():
        in_team = frozenset((s, t)) in team and k in ("referral", "collaboration")
        assert (row["handover"] == 0.98) if in_team else pd.isna(row["handover"]), (s, t, k)
        if (s, t, k) in before and not in_team:
            assert row["weight"] == before[(s, t, k)]["weight"]


def test_front_door_moves_entry_to_appropriate_domain(eco):
    share = 0.6
    out = front_door(share=share)(eco)
    table = default_entry(eco.schema)
    a0, a1 = eco.actors, out.actors
    group = a0["neighbourhood"].fillna("(shared)")
    for need, spec in eco.schema.needs.items():
        w0 = a0["kind"].map(table[need]).to_numpy()
        w1 = a1[f"entry_{need}"].to_numpy()
        ok = a0["domain"].isin(spec.appropriate).to_numpy()
        # inappropriate first contacts keep (1 - share) of their weight
        np.testing.assert_allclose(w1[~ok], (1 - share) * w0[~ok])
        for g in group.unique():
            m = (group == g).to_numpy()
            assert w1[m].sum() == pytest.approx(w0[m].sum())  # conserved per neighbourhood
            if (m & ok).any() and w0[m & ok].sum() > 0:  # appropriate ones gain pro rata
                np.testing.assert_allclose(w1[m & ok] / w1[m & ok].sum(),
                                           w0[m & ok] / w0[m & ok].sum())
    # hand-worked: debt in Westdorp (appropriate: social). GP 0.766, social team and community
    # network 0.1170 each, 12 other actors 0.01: total 1.1200; social: team_west 0.117 +
    # welfare_west 0.01 + youth_work_west 0.01 = 0.137. share=1 gives team_west
    # 0.117 / 0.137 * 1.12 = 0.95650.
    full = front_door(needs=["schulden"])(eco).actors.set_index("id")
    assert full.loc["team_west", "entry_debt"] == pytest.approx(0.117 / 0.137 * 1.12, abs=1e-4)
    assert full.loc["gp_west", "entry_debt"] == 0.0
    assert "entry_loneliness" not in full.columns


def test_front_door_lowers_medicalised_and_respects_existing_columns():
    gen = generate_neighbourhood("low_ses", seed=1)
    out = front_door(share=1.0)(gen)
    for need in gen.schema.needs:  # generated columns are the starting point
        assert out.actors[f"entry_{need}"].sum() == pytest.approx(
            gen.actors[f"entry_{need}"].sum())
    assert _medicalised(out) < _medicalised(gen)


def _medicalised(eco) -> float:
    res = ReferralModel(eco, demand=demand_of(eco)).solve()
    return float(res.outcomes.loc[("total", "medicalised"), "fraction"])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_social_prescribing_lowers_medicalised_share_on_preset(seed):
    eco = generate_neighbourhood("low_ses", seed=seed)
    assert (eco.actors["kind"] == "welfare").any()
    assert _medicalised(social_prescribing()(eco)) < _medicalised(eco)


def test_social_prescribing_without_welfare_changes_nothing():
    eco = generate_neighbourhood("low_ses", seed=0)
    assert not (eco.actors["kind"] == "welfare").any()
    assert social_prescribing()(eco) == eco


def test_fund_community_adds_or_strengthens():
    eco = generate_neighbourhood("average", seed=2)
    assert not (eco.actors["kind"] == "community_network").any()
    out = fund_community(strength=2.5)(eco)
    new = out.actors.set_index("id").loc["average/community_network/funded"]
    assert new["neighbourhood"] == "average" and new["kind"] == "community_network"
    # no community yet: the new one takes the average profile's tables
    assert new["resolve_loneliness"] == 0.6 and new["entry_loneliness"] == 3.0
    links = out.actors[out.actors["kind"].isin(["social_team", "home_care"])]["id"]
    after = _ties_by_key(out)
    got = {t for (s, t, k) in after if s == "average/community_network/funded"}
    assert got == set(links)
    assert all(after[("average/community_network/funded", t, "collaboration")]["weight"] == 2.5
               for t in links)
    assert set(after) - set(_ties_by_key(eco)) == {
        ("average/community_network/funded", t, "collaboration") for t in links}
    # where a community exists, no actor is added; its ties are strengthened
    ex = datasets.example()
    out2 = fund_community(neighbourhoods="Westdorp", strength=10.0)(ex)
    assert out2.n_actors == ex.n_actors
    t2 = _ties_by_key(out2)
    for target in ("team_west", "homecare_west"):
        ks = [k for k in t2 if k[2] == "collaboration" and {k[0], k[1]} ==
              {"network_west", target}]
        assert len(ks) == 1 and t2[ks[0]]["weight"] == 10.0
    with pytest.raises(ConfigError, match="not in this ecosystem"):
        fund_community(neighbourhoods="Nergens")(ex)


def test_composition_and_provenance(eco):
    a, b, c = social_prescribing(), front_door(share=0.5), remove_actor("gp_oost_2")
    plan = a + b + c
    assert plan.name == "social_prescribing + front_door + remove_actor"
    assert plan(eco) == c(b(a(eco)))
    assert compose([a, [b, c]])(eco) == plan(eco)
    assert ([a, b] + c).name == plan.name  # noqa: RUF005 (tests __radd__)
    assert compose()(eco) == eco and compose().name == "none"
    assert [r["intervention"] for r in _records(plan(eco))] == [
        "social_prescribing", "front_door", "remove_actor"]
    assert _records(plan(eco))[1]["share"] == 0.5
    assert pickle.loads(pickle.dumps(plan))(eco) == plan(eco)
    with pytest.raises(ConfigError, match="not an Intervention"):
        compose(lambda e: e)
    custom = Intervention("noop", _identity, {"x": 1}, "does nothing")
    assert _records(custom(eco)) == [{"step": "intervention", "intervention": "noop", "x": 1}]


def _identity(eco, *, x):
    return eco


def test_bad_parameters():
    with pytest.raises(ConfigError, match=r"share=1.5 must be a probability"):
        front_door(share=1.5)
    with pytest.raises(ConfigError, match="strength=-1"):
        social_prescribing(strength=-1)
    with pytest.raises(ConfigError, match="did you mean 'welfare'"):
        social_prescribing(targets="welfair")(datasets.example())


@given(data=st.data())
def test_interventions_commute_with_relabelling(data):
    eco = data.draw(ecosystems(min_actors=1))
    seed = data.draw(st.integers(0, 1000))
    other = permuted(eco, seed)
    mapping = {i: f"p_{i}" for i in eco.index}  # as tests.strategies.permuted renames
    plan = social_prescribing(sources=("gp", "practice_nurse"), targets=("welfare",
                              "social_team")) + integrate_primary_care() + front_door(share=0.7)
    x, y = plan(eco), plan(other)

    def ties(e, m):
        t = e.ties
        return sorted(zip(t["source"].map(m), t["target"].map(m), t["kind"],
                          t["weight"].round(12), t["handover"].fillna(-1), strict=True))

    assert ties(x, mapping) == ties(y, lambda i: i)
    ex = x.actors.set_index("id")[["entry_debt", "entry_loneliness"]].rename(index=mapping)
    ey = y.actors.set_index("id")[["entry_debt", "entry_loneliness"]]
    np.testing.assert_allclose(ex.sort_index().to_numpy(), ey.sort_index().to_numpy())
