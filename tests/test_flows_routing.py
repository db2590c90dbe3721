"""Need-aware routing: hand-worked referral probabilities, the weight rule's old numbers, the
social-prescribing property on generated neighbourhoods, bad input, per-neighbourhood outcomes,
the simulator's step cap and chunks, and extreme entry weights."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecosystem import ConfigError, Ecosystem, ValidationError, datasets
from ecosystem.flows import MAIN_OUTCOMES, ReferralModel, assumptions
from ecosystem.flows import simulate as simulate_module
from ecosystem.flows.assumptions import SUITABILITY_FLOOR


def _gp_hospital_welfare(w_hospital: float = 2.0, w_welfare: float = 1.0, **columns
                         ) -> Ecosystem:
    actors = pd.DataFrame({"id": ["gp", "hosp", "wel"], "kind": ["gp", "hospital", "welfare"],
                           **columns})
    ties = pd.DataFrame({"source": ["gp", "gp"], "target": ["hosp", "wel"],
                         "kind": "referral", "weight": [w_hospital, w_welfare]})
    return Ecosystem(actors, ties)


def _entry_at_gp(eco: Ecosystem) -> pd.DataFrame:
    return pd.DataFrame(1.0, index=["gp"], columns=list(eco.schema.needs))


# ---------------------------------------------------------------------- hand-worked
def test_gp_sends_acute_to_hospital_and_loneliness_to_welfare():
    # Default resolve table: hospital resolves medical_acute 0.9 and loneliness 0.15 (a medical
    # actor with a social need); welfare resolves medical_acute 0.05 and loneliness 0.6.
    # Suitability = resolve + 0.05. Tie weights: GP -> hospital 2, GP -> welfare 1.
    #   acute:      2 x 0.95 = 1.9 and 1 x 0.10 = 0.1  ->  p(hospital) = 0.95, p(welfare) = 0.05
    #   loneliness: 2 x 0.20 = 0.4 and 1 x 0.65 = 0.65 ->  p(hospital) = 0.4 / 1.05 = 0.381,
    #                                                      p(welfare)  = 0.65 / 1.05 = 0.619
    # (by weight alone both needs go 2/3 to the hospital). Residents enter at the GP, which
    # resolves acute 0.6 and loneliness 0.15; handover 0.95 to the hospital (same domain) and
    # 0.7 to welfare (across); hospital and welfare are sinks.
    eco = _gp_hospital_welfare()
    model = ReferralModel(eco, entry=_entry_at_gp(eco))
    res = model.solve()
    p = {"medical_acute": (0.95, 0.05), "loneliness": (0.4 / 1.05, 0.65 / 1.05)}
    r_gp = {"medical_acute": 0.6, "loneliness": 0.15}
    r_h = {"medical_acute": 0.9, "loneliness": 0.15}
    r_w = {"medical_acute": 0.05, "loneliness": 0.6}
    for need, (p_h, p_w) in p.items():
        out = res.outcomes.loc[need, "fraction"]
        referred = 1 - r_gp[need]
        at_h, at_w = referred * p_h * 0.95, referred * p_w * 0.7
        assert res.per_actor.loc["hosp", ("load", need)] == pytest.approx(at_h, abs=1e-14)
        assert res.per_actor.loc["wel", ("load", need)] == pytest.approx(at_w, abs=1e-14)
        assert out["lost"] == pytest.approx(referred * (p_h * 0.05 + p_w * 0.3), abs=1e-14)
        assert out["stuck"] == pytest.approx(at_h * (1 - r_h[need]) + at_w * (1 - r_w[need]),
                                             abs=1e-14)
        if need == "medical_acute":  # appropriate in the medical domain
            assert out["resolved_appropriate"] == pytest.approx(0.6 + at_h * 0.9, abs=1e-14)
            assert out["resolved_elsewhere"] == pytest.approx(at_w * 0.05, abs=1e-14)
        else:  # appropriate in the social and informal domains; medical is medicalised
            assert out["resolved_appropriate"] == pytest.approx(at_w * 0.6, abs=1e-14)
            assert out["medicalised"] == pytest.approx(0.15 + at_h * 0.15, abs=1e-14)
    # The acute need mostly reaches the hospital and the lonely resident mostly welfare.
    load = res.per_actor["load"]
    assert load.loc["hosp", "medical_acute"] > 10 * load.loc["wel", "medical_acute"]
    assert load.loc["wel", "loneliness"] > load.loc["hosp", "loneliness"]
    # By weight alone, both go to the hospital two times out of three.
    flat = ReferralModel(eco, entry=_entry_at_gp(eco), routing="weight").solve().per_actor
    for need in p:
        assert flat.loc["hosp", ("load", need)] == pytest.approx(
            (1 - r_gp[need]) * 2 / 3 * 0.95, abs=1e-14)


def test_suitability_floor_by_hand_and_as_an_explicit_table():
    # Floor 0.25 instead of 0.05, tie weights GP -> hospital 2, GP -> welfare 1:
    #   acute:      2 x (0.9 + 0.25) = 2.3 and 1 x (0.05 + 0.25) = 0.3 -> p(hospital) = 2.3 / 2.6
    #   loneliness: 2 x (0.15 + 0.25) = 0.8 and 1 x (0.6 + 0.25) = 0.85 -> p(hospital) = 0.8 / 1.65
    # With floor 0 an actor that cannot resolve a need gets none of it while another can.
    eco = _gp_hospital_welfare()
    model = ReferralModel(eco, entry=_entry_at_gp(eco), suitability_floor=0.25)
    assert model.suitability_floor == 0.25
    load = model.solve().per_actor["load"]
    for need, p_h in (("medical_acute", 2.3 / 2.6), ("loneliness", 0.8 / 1.65)):
        r_gp = {"medical_acute": 0.6, "loneliness": 0.15}[need]
        assert load.loc["hosp", need] == pytest.approx((1 - r_gp) * p_h * 0.95, abs=1e-14)
        assert load.loc["wel", need] == pytest.approx((1 - r_gp) * (1 - p_h) * 0.7, abs=1e-14)
    # The same rule written out as a suitability table gives the same numbers.
    table = ReferralModel(eco).resolve_table + 0.25
    explicit = ReferralModel(eco, entry=_entry_at_gp(eco), suitability=table).solve()
    pd.testing.assert_frame_equal(model.solve().outcomes, explicit.outcomes, atol=1e-14)
    zero = ReferralModel(eco, entry=_entry_at_gp(eco), suitability_floor=0.0)
    with_zero = zero.solve().per_actor["load"]
    suit = table - 0.25
    share = 2 * suit.loc["hospital"] / (2 * suit.loc["hospital"] + suit.loc["welfare"])
    assert with_zero.loc["hosp", "debt"] == pytest.approx(
        (1 - ReferralModel(eco).resolve_table.loc["gp", "debt"]) * share["debt"] * 0.95,
        abs=1e-14)
    for bad in (-0.1, float("nan"), float("inf"), "0.1", True):
        with pytest.raises(ConfigError, match="suitability_floor"):
            ReferralModel(eco, suitability_floor=bad)
    for kwargs in ({"routing": "weight"}, {"suitability": table}):
        with pytest.raises(ConfigError, match="no effect"):
            ReferralModel(eco, suitability_floor=0.2, **kwargs)



@settings(max_examples=25, deadline=None)
@given(floor=st.floats(0.0, 2.0), w_h=st.floats(0.1, 10.0), max_hops=st.integers(0, 6))
def test_floor_property_same_as_explicit_table_and_outcomes_partition(floor, w_h, max_hops):
    # Property over floors, weights and hop limits: the floor is exactly the rule "suitability
    # = resolve + floor" written as a table, and the five main outcomes still sum to 1.
    eco = _gp_hospital_welfare(w_hospital=w_h)
    kw = {"entry": _entry_at_gp(eco), "max_hops": max_hops}
    got = ReferralModel(eco, suitability_floor=floor, **kw).solve().outcomes
    table = ReferralModel(eco).resolve_table + floor
    ref = ReferralModel(eco, suitability=table, **kw).solve().outcomes
    np.testing.assert_allclose(got["fraction"].to_numpy(), ref["fraction"].to_numpy(),
                               atol=1e-13)
    main = got["fraction"].unstack("outcome")[list(MAIN_OUTCOMES)]
    np.testing.assert_allclose(main.sum(axis=1).to_numpy(), 1.0, atol=1e-12)

def test_suitability_table_actor_column_and_fallback_rows():
    # Suitability given: hospital suits acute (1) only, welfare suits loneliness (1) only and
    # nobody suits debt, so for debt the GP refers by the weights (1/4 hospital, 3/4 welfare).
    # With the GP resolving nothing, lost = sum_b p(b) (1 - h_b): it differs by need.
    needs = ["medical_acute", "loneliness", "debt"]
    eco = _gp_hospital_welfare(1.0, 3.0, **{f"resolve_{n}": [0.0, np.nan, np.nan]
                                            for n in needs})
    suit = pd.DataFrame({"medical_acute": [1.0, 0.0], "loneliness": [0.0, 1.0],
                         "debt": [0.0, 0.0]}, index=["hospital", "welfare"])
    res = ReferralModel(eco, entry=_entry_at_gp(eco), suitability=suit).solve()
    lost = res.outcomes.xs("lost", level="outcome")["fraction"]
    assert lost["medical_acute"] == pytest.approx(0.05, abs=1e-14)
    assert lost["loneliness"] == pytest.approx(0.30, abs=1e-14)
    assert lost["debt"] == pytest.approx(0.25 * 0.05 + 0.75 * 0.30, abs=1e-14)
    # Needs the table does not list get suitability 0 everywhere: weights, as for debt (the
    # GP resolves mental health with its default probability first).
    r_gp = ReferralModel(eco).resolve_table.loc["gp", "mental_health"]
    assert lost["mental_health"] == pytest.approx((1 - r_gp) * lost["debt"], abs=1e-14)
    # An actor column overrides the table: welfare now suits acute needs as much as the
    # hospital (2 / (1 + 3 x 1) = ... p(welfare) = 3 x 1 / (1 x 1 + 3 x 1) = 3/4).
    eco2 = _gp_hospital_welfare(1.0, 3.0, suitability_medical_acute=[np.nan, np.nan, 1.0],
                                **{f"resolve_{n}": [0.0, np.nan, np.nan] for n in needs})
    res2 = ReferralModel(eco2, entry=_entry_at_gp(eco2), suitability=suit).solve()
    assert res2.outcomes.loc[("medical_acute", "lost"), "fraction"] == pytest.approx(
        0.25 * 0.05 + 0.75 * 0.30, abs=1e-14)
    # Simulation draws from the same distributions (4 SE; 3 comparisons: Bonferroni bound
    # 3 x 6.3e-5 = 2e-4, fixed seed).
    sim = ReferralModel(eco, entry=_entry_at_gp(eco), suitability=suit).simulate(
        20_000, seed=5)
    for need in ("medical_acute", "loneliness", "debt"):
        p = lost[need]
        got = sim.outcomes.loc[(need, "lost"), "fraction"]
        assert abs(got - p) <= 4 * np.sqrt(p * (1 - p) / 20_000)


def test_default_suitability_is_resolve_plus_floor():
    eco = datasets.example()
    res_table = ReferralModel(eco).resolve_table
    explicit = ReferralModel(eco, suitability=res_table + SUITABILITY_FLOOR).solve()
    default = ReferralModel(eco).solve()
    pd.testing.assert_frame_equal(default.outcomes, explicit.outcomes, check_exact=False,
                                  atol=1e-13, rtol=0)
    row = assumptions().loc["SUITABILITY_FLOOR"]
    assert row["value"] == 0.05 and "assumption" in row["source"]


# Outcome fractions of the 40-actor example under the rule before need-aware routing (tie
# weight alone), computed by the landed solver before this change: routing="weight" must keep
# them (medical_acute, loneliness, debt and total, in the outcome order of OUTCOMES).
_WEIGHT_RULE = {
    10: [0.65634164008246, 0.0541427942068, 0.0, 0.08902059445966, 0.1754566514631,
         0.02503831978799, 0.27915860309781, 0.33708760928405, 0.33708760928405,
         0.19527812768714, 0.17495679909541, 0.01351886083559, 0.18879170031179,
         0.36304587268838, 0.34404116241891, 0.19892187742553, 0.22635515674385,
         0.02288539283044, 0.49790198955788, 0.16091257473696, 0.13962963348053,
         0.14610581663303, 0.18023920500701, 0.01484041406512],
    None: [0.66035324049621, 0.05873221171992, 0.0, 0.08942136617238, 0.19149318161148, 0.0,
           0.28141987664244, 0.34262905029818, 0.34262905029818, 0.19779917934695,
           0.17815189371243, 0.0, 0.19270149510425, 0.37074862637428, 0.35089143934231,
           0.20187241484505, 0.23467746367642, 0.0, 0.50144709395177, 0.16439925466982,
           0.14181115821967, 0.14717388316723, 0.18697976821117, 0.0],
}


@pytest.mark.parametrize("max_hops", [10, None])
def test_weight_routing_keeps_the_previous_numbers(example, max_hops):
    res = ReferralModel(example, max_hops=max_hops, routing="weight").solve()
    got = res.outcomes["fraction"].loc[["medical_acute", "loneliness", "debt", "total"]]
    np.testing.assert_allclose(got.to_numpy(), _WEIGHT_RULE[max_hops], rtol=0, atol=1e-13)


# ---------------------------------------------------------------------- the intervention
def test_social_prescribing_moves_psychosocial_needs_not_acute_ones():
    from ecosystem.generate import demand_of, generate_neighbourhood
    from ecosystem.interventions import social_prescribing

    acute = {"need": [], "weight": []}
    changed = 0
    for seed in range(1, 5):  # generated low-SES neighbourhoods, each with a welfare actor
        eco = generate_neighbourhood("low_ses", seed=seed)
        after = social_prescribing()(eco)
        assert after.n_ties > eco.n_ties or not (after.ties["weight"].equals(
            eco.ties["weight"]))
        changed += 1
        for routing in ("need", "weight"):
            before = ReferralModel(eco, routing=routing, demand=demand_of(eco)).solve()
            now = ReferralModel(after, routing=routing, demand=demand_of(after)).solve()
            delta = (now.outcomes["fraction"] - before.outcomes["fraction"])
            acute[routing].append(delta.loc["medical_acute"].loc[list(MAIN_OUTCOMES)].abs()
                                  .sum())
            if routing == "need":
                assert delta.loc[("loneliness", "resolved_appropriate")] > 0.01
    assert changed == 4
    # Acute shares move by less than a quarter of what the same change does by weight alone.
    assert np.mean(acute["need"]) < 0.25 * np.mean(acute["weight"])


# ---------------------------------------------------------------------- bad input
@pytest.mark.parametrize("value", [-0.1, np.inf, np.nan, "high"])
def test_bad_suitability_values_name_the_cell(value):
    eco = datasets.example()
    table = pd.DataFrame({"debt": [1.0, value]}, index=["gp", "welfare"], dtype=object)
    with pytest.raises(ValidationError, match=r"suitability table.*kind 'welfare', need 'debt'"):
        ReferralModel(eco, suitability=table)


def test_bad_suitability_tables_routing_and_columns():
    eco = datasets.example()
    with pytest.raises(ValidationError,
                       match=r"suitability table, row 0, field 'kind': actor kind 'wizard'"):
        ReferralModel(eco, suitability=pd.DataFrame({"debt": [1.0]}, index=["wizard"]))
    with pytest.raises(ValidationError, match=r"suitability table.*need 'happiness'"):
        ReferralModel(eco, suitability=pd.DataFrame({"happiness": [1.0]}, index=["gp"]))
    with pytest.raises(ConfigError, match=r"routing='needs' is not known; did you mean "
                                          r"'need'"):
        ReferralModel(eco, routing="needs")
    with pytest.raises(ConfigError, match="routing=1"):
        ReferralModel(eco, routing=1)
    with pytest.raises(ConfigError, match="suitability= has no effect with routing='weight'"):
        ReferralModel(eco, routing="weight",
                      suitability=pd.DataFrame({"debt": [1.0]}, index=["gp"]))
    with pytest.raises(ConfigError, match="suitability= must be a DataFrame"):
        ReferralModel(eco, suitability={"gp": 1.0})
    actors = eco.actors.assign(suitability_debt=-1.0)
    bad = Ecosystem(actors, eco.ties, schema=eco.schema)
    with pytest.raises(ValidationError, match=r"actors table.*suitability_debt"):
        ReferralModel(bad).solve()
    typo = Ecosystem(eco.actors.assign(suitability_lonelines=1.0), eco.ties, schema=eco.schema)
    with pytest.raises(ValidationError, match="did you mean 'loneliness'"):
        ReferralModel(typo).solve()


# ---------------------------------------------------------------------- neighbourhoods
def test_outcomes_by_neighbourhood_match_one_neighbourhood_demand(example):
    needs = list(example.schema.needs)
    demand = pd.DataFrame({n: [100.0 + i, 50.0 + 2 * i] for i, n in enumerate(needs)},
                          index=["Oosterwijk", "Westdorp"])
    res = ReferralModel(example, demand=demand).solve(by_neighbourhood=True)
    table = res.outcomes_by_neighbourhood
    assert table.index.names == ["neighbourhood", "need", "outcome"]
    for name in demand.index:
        # Reference: a model whose residents all live in that neighbourhood.
        alone = demand.copy()
        alone.loc[alone.index != name] = 0.0
        ref = ReferralModel(example, demand=alone).solve().outcomes
        got = table.loc[name]
        np.testing.assert_allclose(got["fraction"].to_numpy(), ref["fraction"].to_numpy(),
                                   atol=1e-12)
        np.testing.assert_allclose(got["count"].to_numpy(), ref["count"].to_numpy(),
                                   rtol=1e-12)
    # Counts over neighbourhoods add up to the whole model's counts.
    summed = table["count"].groupby(level=["need", "outcome"], sort=False).sum()
    np.testing.assert_allclose(summed.to_numpy(), res.outcomes["count"].to_numpy(), rtol=1e-12)
    # Without demand: the ecosystem's neighbourhoods, counts NaN; without the argument: None.
    plain = ReferralModel(example).solve(by_neighbourhood=True).outcomes_by_neighbourhood
    assert sorted(plain.index.get_level_values("neighbourhood").unique()) == sorted(
        example.neighbourhoods.index) == ["Oosterwijk", "Westdorp"]
    assert plain["count"].isna().all()
    assert ReferralModel(example).solve().outcomes_by_neighbourhood is None



def test_simulated_outcomes_by_neighbourhood_agree_with_exact(example):
    needs = list(example.schema.needs)
    demand = pd.DataFrame({n: [100.0 + i, 50.0 + 2 * i] for i, n in enumerate(needs)},
                          index=["Oosterwijk", "Westdorp"])
    model = ReferralModel(example, demand=demand)
    exact = model.solve(by_neighbourhood=True).outcomes_by_neighbourhood
    sim = model.simulate(4000, seed=3, by_neighbourhood=True)
    table = sim.outcomes_by_neighbourhood
    assert table.index.equals(exact.index)
    se = table["se"].to_numpy()
    gap = np.abs(table["fraction"].to_numpy() - exact["fraction"].to_numpy())
    usable = se > 0
    # 2 neighbourhoods x 11 needs x 6 outcomes; 4 SE: two-sided false failure rate 6e-5 per
    # comparison, < 1% over all (Bonferroni); the seed is fixed, so the test cannot flake.
    assert usable.sum() > 50
    assert (gap[usable] < 4 * se[usable]).all()
    assert (gap[~usable] < 1e-12).all()  # no spread: an outcome of every or no resident
    # count = simulated share x the neighbourhood's demand for the need.
    per_need = table.drop(index="total", level="need")
    wanted = demand.stack().rename_axis(["neighbourhood", "need"])
    scale = wanted.reindex(per_need.index.droplevel("outcome")).to_numpy()
    np.testing.assert_allclose(per_need["count"].to_numpy(),
                               per_need["fraction"].to_numpy() * scale, rtol=1e-12)
    # The main tables do not change when the neighbourhoods are simulated too.
    plain = model.simulate(4000, seed=3)
    pd.testing.assert_frame_equal(plain.outcomes, sim.outcomes)
    assert plain.outcomes_by_neighbourhood is None
    with pytest.raises(ConfigError, match="by_neighbourhood"):
        model.simulate(10, by_neighbourhood="yes")

# ---------------------------------------------------------------------- model reuse
def test_replace_equals_a_new_model(example):
    model = ReferralModel(example, max_hops=6)
    resolve = model.resolve_table * 0.8
    suit = model.resolve_table + 0.2
    a = model._replace(resolve=resolve, suitability=suit, handover_cross=0.5).solve()
    b = ReferralModel(example, max_hops=6, resolve=resolve, suitability=suit,
                      handover_cross=0.5).solve()
    pd.testing.assert_frame_equal(a.outcomes, b.outcomes)
    assert model.solve().outcomes.loc[("total", "lost"), "fraction"] != a.outcomes.loc[
        ("total", "lost"), "fraction"]


# ---------------------------------------------------------------------- robustness
def test_huge_entry_weights_give_the_same_fractions(example):
    base = ReferralModel(example).solve().outcomes["fraction"]
    table = ReferralModel(example).entry_table * 1e308 / 0.766
    big = ReferralModel(example, entry=table).solve().outcomes["fraction"]
    np.testing.assert_allclose(big.to_numpy(), base.to_numpy(), atol=1e-12)


def test_simulation_step_cap_and_chunks(example, monkeypatch):
    # A closed loop that almost never resolves: the cap stops it and says what happened.
    actors = pd.DataFrame({"id": ["gp", "poh"], "kind": ["gp", "practice_nurse"]})
    ties = pd.DataFrame({"source": ["gp"], "target": ["poh"], "kind": ["collaboration"]})
    eco = Ecosystem(actors, ties)
    tiny = pd.DataFrame(1e-9, index=["gp", "practice_nurse"], columns=list(eco.schema.needs))
    for hops, text in ((None, "max_hops=None"), (10**9, "max_hops=1000000000")):
        model = ReferralModel(eco, resolve=tiny, handover_same=1.0, max_hops=hops)
        with pytest.raises(ConfigError, match=rf"step cap max_steps=5,000 .*{text}"):
            model.simulate(10, seed=1, max_steps=5000)
    with pytest.raises(ConfigError, match="max_steps=0"):
        ReferralModel(eco).simulate(10, max_steps=0)
    # A huge but finite hop limit on an ordinary model: the hops table ends where walks end.
    res = ReferralModel(example, max_hops=10**9).simulate(200, seed=2)
    assert res.hops.index.get_level_values("hops").max() < 100
    # Chunks: the same counts and a consistent record whatever the chunk size.
    model = ReferralModel(example, max_hops=4)
    monkeypatch.setattr(simulate_module, "CHUNK", 777)
    small = model.simulate(500, seed=3, record=True)
    rec = small.record
    assert len(rec) == 500 * len(model.needs) and rec.index.is_unique
    counts = rec.groupby(["need", "outcome"], observed=False).size() / 500
    for (need, outcome), share in counts.items():
        assert small.outcomes.loc[(need, outcome), "fraction"] == pytest.approx(share)
    assert (rec["need"].cat.codes.to_numpy() == np.repeat(np.arange(len(model.needs)), 500)
            ).all()
    assert small.walker_steps == int((rec["hops"] + 1).sum())


@pytest.mark.parametrize("routing", ["weight", "table"])
def test_sensitivity_batch_solver_follows_the_routing(routing):
    # The batch solver of the sensitivity analysis against one model per sample, for the
    # weight rule and for a suitability table with zeros (fallback rows).
    from ecosystem.generate import demand_of, generate_neighbourhood
    from ecosystem.study._flowbatch import FlowBatch, apply, outputs_of
    from ecosystem.study.registry import parse

    eco = generate_neighbourhood("low_ses", seed=11)
    kw: dict = {"routing": "weight"}
    if routing == "table":
        rng = np.random.default_rng(1)
        kinds, needs = list(eco.schema.actor_kinds), list(eco.schema.needs)
        values = rng.exponential(1.0, (len(kinds), len(needs)))
        values[rng.random(values.shape) < 0.6] = 0.0
        kw = {"suitability": pd.DataFrame(values, index=kinds, columns=needs)}
    base = ReferralModel(eco, demand=demand_of(eco), **kw)
    ass = [parse(n) for n in ("handover_cross", "resolve.gp.loneliness", "max_hops")]
    x = np.column_stack([np.linspace(0.2, 0.9, 5), np.linspace(0.0, 1.0, 5),
                         np.array([0.5, 3.2, 10.0, 6.0, 1.0])])
    got = FlowBatch(base, ass).evaluate(x)
    ref = outputs_of([apply(base, dict(zip(ass, row, strict=True))) for row in x])
    np.testing.assert_allclose(got.fractions, ref.fractions, rtol=0, atol=1e-13)
    np.testing.assert_allclose(got.mean_hops, ref.mean_hops, rtol=1e-13, atol=1e-13)
