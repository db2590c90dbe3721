"""Referral flows: hand-worked cases against closed forms, defaults, contract and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ecosystem import ActorKind, ConfigError, Ecosystem, EcosystemError, Schema, ValidationError
from ecosystem.flows import (
    MAIN_OUTCOMES,
    OUTCOMES,
    FlowResult,
    ReferralModel,
    assumptions,
    default_entry,
    default_resolve,
)

NEED = "loneliness"  # appropriate: social, informal (not medical)


def _eco(actors: list[tuple[str, str]], ties: list[tuple], **columns) -> Ecosystem:
    a = pd.DataFrame({"id": [i for i, _ in actors], "kind": [k for _, k in actors], **columns})
    t = pd.DataFrame(ties, columns=["source", "target", "kind", "weight", "handover"][
        : len(ties[0])] if ties else ["source", "target"])
    return Ecosystem(a, t)


def _model(eco: Ecosystem, resolve: dict[str, float], entry: dict[str, float], **kw
           ) -> ReferralModel:
    """Per-actor resolve and entry for every need through actor columns; tables all 0."""
    actors = eco.actors
    needs = list(eco.schema.needs)
    for n in needs:
        actors[f"resolve_{n}"] = actors["id"].map(resolve).astype(float)
        actors[f"entry_{n}"] = actors["id"].map(entry).fillna(0.0).astype(float)
    eco2 = Ecosystem(actors, eco.ties, schema=eco.schema)
    zeros = pd.DataFrame(0.0, index=list(eco.schema.actor_kinds), columns=needs)
    return ReferralModel(eco2, resolve=zeros, entry=zeros, **kw)


def _frac(res: FlowResult, outcome: str, need: str = NEED) -> float:
    return float(res.outcomes.loc[(need, outcome), "fraction"])


# ---------------------------------------------------------------------- hand-worked cases
@pytest.mark.parametrize("max_hops", [10, 1, None])
def test_chain_closed_form(max_hops):
    # gp (medical) -> social team (social) -> welfare (social, a sink); residents enter at gp.
    r1, r2, r3, hs, hc = 0.2, 0.5, 0.6, 0.9, 0.6
    eco = _eco([("gp", "gp"), ("team", "social_team"), ("wel", "welfare")],
               [("gp", "team", "referral", 2.0), ("team", "wel", "referral", 1.0)])
    model = _model(eco, {"gp": r1, "team": r2, "wel": r3}, {"gp": 1.0},
                   handover_same=hs, handover_cross=hc, max_hops=max_hops)
    res = model.solve()
    at_team = (1 - r1) * hc
    at_wel = at_team * (1 - r2) * hs
    if max_hops == 1:
        expected = {"resolved_appropriate": at_team * r2, "resolved_elsewhere": r1,
                    "medicalised": r1, "stuck": 0.0, "lost": (1 - r1) * (1 - hc),
                    "exceeded": at_team * (1 - r2)}
        hops = [r1 + (1 - r1) * (1 - hc), at_team]
        load = [1.0, at_team, 0.0]
    else:
        expected = {"resolved_appropriate": at_team * r2 + at_wel * r3,
                    "resolved_elsewhere": r1, "medicalised": r1, "stuck": at_wel * (1 - r3),
                    "lost": (1 - r1) * (1 - hc) + at_team * (1 - r2) * (1 - hs),
                    "exceeded": 0.0}
        hops = [r1 + (1 - r1) * (1 - hc), at_team * (r2 + (1 - r2) * (1 - hs)), at_wel]
        load = [1.0, at_team, at_wel]
    for outcome, value in expected.items():
        assert _frac(res, outcome) == pytest.approx(value, abs=1e-14), outcome
    got_hops = res.hops.loc[NEED, "probability"].to_numpy()
    np.testing.assert_allclose(got_hops[: len(hops)], hops, atol=1e-14)
    assert np.all(got_hops[len(hops):] == 0)
    mean = sum(k * p for k, p in enumerate(hops))
    assert res.mean_hops.loc[NEED, "mean"] == pytest.approx(mean, abs=1e-14)
    np.testing.assert_allclose(res.per_actor[("load", NEED)].to_numpy(), load, atol=1e-14)
    np.testing.assert_allclose(res.per_actor[("resolved", NEED)].to_numpy(),
                               np.array(load) * [r1, r2, r3], atol=1e-14)
    assert res.per_actor.index.tolist() == ["gp", "team", "wel"]
    assert res.per_actor.index.name == "id"


def test_star_around_gp_closed_form():
    # GP refers to four leaves (sinks) with weights w and domains giving handovers h.
    w = {"nurse": 1.0, "team": 2.0, "buurt": 3.0, "hosp": 4.0}
    kinds = {"nurse": "practice_nurse", "team": "social_team", "buurt": "community_network",
             "hosp": "hospital"}
    r = {"gp": 0.3, "nurse": 0.1, "team": 0.4, "buurt": 0.7, "hosp": 0.9}
    hs, hc = 0.95, 0.5
    h = {"nurse": hs, "team": hc, "buurt": hc, "hosp": hs}
    eco = _eco([("gp", "gp"), *kinds.items()],
               [("gp", leaf, "referral", wt) for leaf, wt in w.items()])
    res = _model(eco, r, {"gp": 1.0}, handover_same=hs, handover_cross=hc).solve()
    total = sum(w.values())
    arrive = {leaf: (1 - r["gp"]) * w[leaf] / total * h[leaf] for leaf in w}
    # Loneliness is appropriate in the social and informal domains.
    appropriate = arrive["team"] * r["team"] + arrive["buurt"] * r["buurt"]
    medicalised = r["gp"] + arrive["nurse"] * r["nurse"] + arrive["hosp"] * r["hosp"]
    stuck = sum(arrive[leaf] * (1 - r[leaf]) for leaf in w)
    lost = (1 - r["gp"]) * sum(w[leaf] / total * (1 - h[leaf]) for leaf in w)
    assert _frac(res, "resolved_appropriate") == pytest.approx(appropriate, abs=1e-14)
    assert _frac(res, "resolved_elsewhere") == pytest.approx(medicalised, abs=1e-14)
    assert _frac(res, "medicalised") == pytest.approx(medicalised, abs=1e-14)
    assert _frac(res, "stuck") == pytest.approx(stuck, abs=1e-14)
    assert _frac(res, "lost") == pytest.approx(lost, abs=1e-14)
    # Chronic disease is appropriate in the medical domain only: nothing medicalised.
    assert _frac(res, "resolved_appropriate", "chronic_disease") == pytest.approx(
        r["gp"] + arrive["nurse"] * r["nurse"] + arrive["hosp"] * r["hosp"], abs=1e-14)
    assert _frac(res, "medicalised", "chronic_disease") == 0.0


def test_cycle_unlimited_is_a_geometric_series():
    # gp <-> practice nurse (a mutual collaboration, same domain), both resolve with r.
    r, h = 0.25, 0.8
    eco = _eco([("gp", "gp"), ("poh", "practice_nurse")],
               [("gp", "poh", "collaboration", 1.0)])
    res = _model(eco, {"gp": r, "poh": r}, {"gp": 1.0}, handover_same=h,
                 max_hops=None).solve()
    q = (1 - r) * h  # probability of arriving at the other actor
    assert _frac(res, "resolved_elsewhere") == pytest.approx(r / (1 - q), abs=1e-12)
    assert _frac(res, "lost") == pytest.approx((1 - r) * (1 - h) / (1 - q), abs=1e-12)
    assert _frac(res, "exceeded") == 0.0
    load = res.per_actor[("load", NEED)]
    assert load["gp"] == pytest.approx(1 / (1 - q**2), abs=1e-11)
    assert load["poh"] == pytest.approx(q / (1 - q**2), abs=1e-11)
    # The series is summed hop by hop for hop_detail=10 referrals, the rest by BiCGSTAB: the
    # last row holds P(hops >= 10) = q^10.
    hops = res.hops.loc[NEED, "probability"].to_numpy()
    k = np.arange(10)
    assert len(hops) == 11
    np.testing.assert_allclose(hops[:10], q**k * (1 - q), atol=1e-13)  # geometric
    assert hops[10] == pytest.approx(q**10, abs=1e-13)
    assert res.mean_hops.loc[NEED, "mean"] == pytest.approx(q / (1 - q), abs=1e-10)
    # Summed to the end hop by hop, the whole distribution is geometric.
    full = _model(eco, {"gp": r, "poh": r}, {"gp": 1.0}, handover_same=h,
                  max_hops=None).solve(hop_detail=10_000)
    hops = full.hops.loc[NEED, "probability"].to_numpy()
    k = np.arange(len(hops))
    np.testing.assert_allclose(hops, q**k * (1 - q), atol=1e-13)
    assert q ** len(hops) < 1e-12  # stopped once the walking mass was below tol
    pd.testing.assert_frame_equal(full.outcomes, res.outcomes, check_exact=False, atol=1e-11,
                                  rtol=0)
    np.testing.assert_allclose(full.per_actor, res.per_actor, atol=1e-11)
    # With a limit H the resident still walking after H referrals is exceeded.
    limited = _model(eco, {"gp": r, "poh": r}, {"gp": 1.0}, handover_same=h,
                     max_hops=4).solve()
    assert _frac(limited, "exceeded") == pytest.approx(q**4 * (1 - r), abs=1e-14)


def test_closed_loop_without_endings_circulates_for_ever():
    # Nobody resolves and handovers never fail: with no limit, residents never finish.
    # Weights 0.1 and 0.7 out of gp: the row sums to 1 only up to rounding.
    eco = _eco([("gp", "gp"), ("poh", "practice_nurse"), ("wel", "welfare"),
                ("hosp", "hospital")],
               [("gp", "poh", "collaboration", 0.1), ("wel", "gp", "referral", 1.0),
                ("gp", "hosp", "collaboration", 0.7)])
    model = _model(eco, {"gp": 0.0, "poh": 0.0, "wel": 0.5, "hosp": 0.0},
                   {"gp": 1.0, "wel": 1.0}, handover_same=1.0, handover_cross=1.0,
                   max_hops=None)
    res = model.solve()
    assert _frac(res, "exceeded") == pytest.approx(0.75, abs=1e-14)  # all but wel's half
    assert _frac(res, "resolved_appropriate") == pytest.approx(0.25, abs=1e-14)
    load = res.per_actor[("load", NEED)]
    assert np.isinf(load["gp"]) and np.isinf(load["poh"]) and load["wel"] == 0.5
    assert np.isinf(load["hosp"])
    assert np.isinf(res.mean_hops.loc[NEED, "mean"])
    # Demand for loneliness only: infinite visits there, none for the needs without demand.
    with_demand = ReferralModel(model.ecosystem, resolve=model.resolve_table,
                                entry=model.entry_table, handover_same=1.0, handover_cross=1.0,
                                max_hops=None, demand=pd.Series({NEED: 10.0})).solve()
    visits = with_demand.per_actor["visits"]
    assert np.isinf(visits.loc["gp", NEED]) and np.isinf(visits.loc["gp", "total"])
    assert visits.loc["gp", "debt"] == 0.0 and visits.loc["wel", "total"] == 5.0
    assert np.isinf(with_demand.per_actor.loc["poh", ("load", "total")])
    assert with_demand.outcomes.loc[("total", "exceeded"), "count"] == pytest.approx(7.5)
    assert np.isinf(with_demand.mean_hops.loc["total", "mean"])
    sim = model.simulate(2000, seed=3, record=True)
    rec = sim.record[sim.record["need"] == NEED]
    assert set(rec.loc[rec["outcome"] == "exceeded", "hops"]) == {-1}
    # Binomial(2000, 0.75): 4 standard errors is 0.039.
    assert abs(_frac(sim, "exceeded") - 0.75) < 4 * np.sqrt(0.75 * 0.25 / 2000)


def test_iterative_tail_with_a_closed_loop_agrees_with_the_series():
    # A slow social cycle (r = 0.05, handover 0.99) that leaks into a closed medical loop
    # (r = 0, handover 1): the default solve cuts the series at 10 hops and solves the rest
    # by BiCGSTAB; summing the series to the end must give the same numbers.
    eco = _eco([("a", "welfare"), ("b", "social_team"), ("gp", "gp"),
                ("poh", "practice_nurse")],
               [("a", "b", "collaboration", 5.0, 0.99), ("a", "gp", "referral", 1.0, 1.0),
                ("gp", "poh", "collaboration", 1.0, 1.0)])
    model = _model(eco, {"a": 0.05, "b": 0.05, "gp": 0.0, "poh": 0.0}, {"a": 1.0},
                   max_hops=None)
    cut, full = model.solve(), model.solve(hop_detail=100_000)
    assert len(cut.hops.loc[NEED]) == 11 and len(full.hops.loc[NEED]) > 100
    pd.testing.assert_frame_equal(cut.outcomes, full.outcomes, check_exact=False, atol=1e-10,
                                  rtol=0)
    assert 0.1 < _frac(cut, "exceeded") < 0.9  # some residents do circulate for ever
    np.testing.assert_allclose(cut.per_actor, full.per_actor, atol=1e-10)
    assert np.isinf(cut.per_actor.loc["gp", ("load", NEED)])
    tail = full.hops.loc[NEED, "probability"].to_numpy()[10:].sum()
    assert cut.hops.loc[(NEED, 10), "probability"] == pytest.approx(tail, abs=1e-10)


def test_sink_and_zero_weight_ties_are_stuck():
    eco = _eco([("gp", "gp"), ("wel", "welfare")], [("gp", "wel", "referral", 0.0)])
    res = _model(eco, {"gp": 0.2, "wel": 0.0}, {"gp": 1.0}).solve()
    assert _frac(res, "stuck") == pytest.approx(0.8, abs=1e-15)
    assert _frac(res, "lost") == 0.0
    assert res.per_actor.loc["wel", ("load", NEED)] == 0.0


def test_cross_domain_handover_is_lost_and_tie_column_overrides():
    eco = _eco([("gp", "gp"), ("wel", "welfare")], [("gp", "wel", "referral", 1.0)])
    res = _model(eco, {"gp": 0.0, "wel": 1.0}, {"gp": 1.0}, handover_cross=0.3).solve()
    assert _frac(res, "lost") == pytest.approx(0.7, abs=1e-15)
    assert _frac(res, "resolved_appropriate") == pytest.approx(0.3, abs=1e-15)
    # A per-tie handover column overrides the domain default; missing values fall back.
    eco2 = _eco([("gp", "gp"), ("wel", "welfare"), ("team", "social_team")],
                [("gp", "wel", "referral", 1.0, 0.9), ("gp", "team", "referral", 3.0, None)])
    res2 = _model(eco2, {"gp": 0.0, "wel": 1.0, "team": 1.0}, {"gp": 1.0},
                  handover_cross=0.3).solve()
    assert _frac(res2, "lost") == pytest.approx(0.25 * 0.1 + 0.75 * 0.7, abs=1e-15)


def test_parallel_ties_act_as_one_route_with_weighted_handover():
    # referral (w 1, h 0.2) and collaboration (w 3, h 0.6) between the same pair.
    eco = _eco([("gp", "gp"), ("wel", "welfare")],
               [("gp", "wel", "referral", 1.0, 0.2), ("gp", "wel", "collaboration", 3.0, 0.6)])
    model = _model(eco, {"gp": 0.0, "wel": 1.0}, {"gp": 1.0})
    res = model.solve()
    assert _frac(res, "lost") == pytest.approx(1 - (1 * 0.2 + 3 * 0.6) / 4, abs=1e-15)
    # The collaboration is mutual: wel refers back to gp (wel resolves everything, though).
    assert _frac(res, "stuck") == 0.0
    sim = model.simulate(4000, seed=5)
    p = 1 - (1 * 0.2 + 3 * 0.6) / 4
    assert abs(_frac(sim, "lost") - p) < 4 * np.sqrt(p * (1 - p) / 4000)


def test_only_chosen_tie_kinds_carry_referrals():
    eco = _eco([("gp", "gp"), ("wel", "welfare")], [("gp", "wel", "funding", 1.0)])
    res = _model(eco, {"gp": 0.0, "wel": 1.0}, {"gp": 1.0}).solve()
    assert _frac(res, "stuck") == 1.0
    res2 = _model(eco, {"gp": 0.0, "wel": 1.0}, {"gp": 1.0}, tie_kinds="funding",
                  handover_cross=1.0).solve()
    assert _frac(res2, "resolved_appropriate") == 1.0


# ---------------------------------------------------------------------- demand
def _two_neighbourhoods() -> Ecosystem:
    actors = pd.DataFrame({"id": ["gp_x", "gp_y", "hosp"], "kind": ["gp", "gp", "hospital"],
                           "neighbourhood": ["X", "Y", None]})
    return Ecosystem(actors, pd.DataFrame({"source": ["gp_x"], "target": ["hosp"]}))


def test_demand_series_scales_counts():
    eco = _two_neighbourhoods()
    demand = pd.Series({"eenzaamheid": 300.0, "debt": 100.0})  # Dutch alias accepted
    res = ReferralModel(eco, demand=demand).solve()
    f = res.outcomes.loc[(NEED, "lost"), "fraction"]
    assert res.outcomes.loc[(NEED, "lost"), "count"] == pytest.approx(300 * f)
    assert res.outcomes.loc[("unemployment", "lost"), "count"] == 0.0
    total = res.outcomes.xs("lost", level="outcome")
    assert total.loc["total", "count"] == pytest.approx(total["count"].drop("total").sum())
    # The total fraction weighs needs by demand (3:1).
    assert total.loc["total", "fraction"] == pytest.approx(
        0.75 * total.loc[NEED, "fraction"] + 0.25 * total.loc["debt", "fraction"])
    visits = res.per_actor[("visits", NEED)]
    np.testing.assert_allclose(visits, 300 * res.per_actor[("load", NEED)])
    assert ReferralModel(eco).solve().outcomes["count"].isna().all()


def test_demand_by_neighbourhood_enters_own_and_shared_actors():
    eco = _two_neighbourhoods()
    ones = pd.DataFrame(1.0, index=list(eco.schema.actor_kinds), columns=list(eco.schema.needs))
    entry = default_entry()
    gp, hosp = entry.loc["gp", NEED], entry.loc["hospital", NEED]
    # Resolve everything at entry: the load is the entry distribution itself.
    only_x = pd.DataFrame({NEED: [50.0]}, index=["X"])
    load = ReferralModel(eco, resolve=ones, demand=only_x).solve().per_actor[("load", NEED)]
    np.testing.assert_allclose(load, [gp / (gp + hosp), 0.0, hosp / (gp + hosp)], atol=1e-15)
    both = pd.DataFrame({NEED: [50.0, 150.0]}, index=["X", "Y"])
    load = ReferralModel(eco, resolve=ones, demand=both).solve().per_actor[("load", NEED)]
    x = np.array([gp, 0, hosp]) / (gp + hosp)
    y = np.array([0, gp, hosp]) / (gp + hosp)
    np.testing.assert_allclose(load, 0.25 * x + 0.75 * y, atol=1e-15)


# ---------------------------------------------------------------------- defaults
def test_default_tables_cover_every_kind_and_need_with_named_sources():
    schema = Schema.default()
    for table in (default_resolve(), default_entry()):
        assert list(table.index) == list(schema.actor_kinds)
        assert list(table.columns) == list(schema.needs)
    r = default_resolve()
    assert ((r >= 0) & (r <= 1)).all().all()
    assert (r.loc[["insurer", "municipality", "resident"]] == 0).all().all()
    assert (default_entry() > 0).all().all()
    a = assumptions()
    assert a.loc["ENTRY_GP", "value"] == 0.766 and "NIVEL" in a.loc["ENTRY_GP", "source"]
    assert a["source"].str.len().gt(0).all()
    model = ReferralModel(Ecosystem(pd.DataFrame({"id": ["x"], "kind": ["gp"]})))
    assert model.handover_same == a.loc["HANDOVER_SAME", "value"]
    assert model.max_hops == a.loc["MAX_HOPS", "value"]


def test_custom_schema_with_extra_kind_works():
    schema = Schema.default().extend(actor_kinds=[ActorKind("food_bank", "social")])
    eco = Ecosystem(pd.DataFrame({"id": ["f", "g"], "kind": ["food_bank", "gp"]}),
                    pd.DataFrame({"source": ["g"], "target": ["f"]}), schema=schema)
    res = ReferralModel(eco).solve()
    assert default_resolve(schema).loc["food_bank", "debt"] == 0.3  # appropriate domain
    main = res.outcomes.loc["total"].loc[list(MAIN_OUTCOMES), "fraction"].sum()
    assert main == pytest.approx(1.0, abs=1e-12)
    # A user table may list only the kinds present; unlisted kinds get 0.
    table = pd.DataFrame({"debt": [0.5]}, index=["food_bank"])
    m = ReferralModel(eco, resolve=table)
    assert m.resolve_table.loc["gp", "debt"] == 0.0
    assert m.resolve_table.loc["food_bank", "debt"] == 0.5


# ---------------------------------------------------------------------- contract
@pytest.mark.parametrize("case", ["empty", "one", "isolated", "unicode", "no needs"])
def test_contract_on_edge_case_ecosystems(case):
    if case == "no needs":
        s = Schema.default()
        eco = Ecosystem(pd.DataFrame({"id": ["a", "b"], "kind": ["gp", "welzijn"]}),
                        pd.DataFrame({"source": ["a"], "target": ["b"]}),
                        schema=Schema(list(s.actor_kinds.values()), list(s.tie_kinds.values()),
                                      []))
    elif case == "empty":
        eco = Ecosystem(pd.DataFrame({"id": pd.Series([], dtype="str"),
                                      "kind": pd.Series([], dtype="str")}))
    elif case == "one":
        eco = Ecosystem(pd.DataFrame({"id": ["a"], "kind": ["resident"]}))
    elif case == "isolated":
        eco = Ecosystem(pd.DataFrame({"id": ["a", "b", "c"], "kind": ["gp", "welzijn", "ggd"]}),
                        pd.DataFrame({"source": ["a"], "target": ["b"]}))
    else:
        eco = Ecosystem(pd.DataFrame({"id": ["中文", "Ωé"], "kind": ["huisarts", "wijkteam"]}),
                        pd.DataFrame({"source": ["中文"], "target": ["Ωé"],
                                      "kind": ["samenwerking"]}))
    model = ReferralModel(eco)
    for res in (model.solve(), model.simulate(50, seed=0, record=True),
                ReferralModel(eco, max_hops=None).solve()):
        assert isinstance(res, FlowResult)
        assert res.per_actor.index.equals(eco.index) and res.per_actor.index.name == "id"
        needs = [*model.needs, "total"]
        assert res.outcomes.index.equals(pd.MultiIndex.from_product(
            [needs, OUTCOMES], names=["need", "outcome"]))
        assert list(res.outcomes.columns) == ["fraction", "se", "count"]
        assert list(res.mean_hops.index) == needs
        assert set(res.to_frame().columns) == {"need", "metric", "actor_id", "hops", "value",
                                               "se"}
        if eco.n_actors and model.needs:
            total = res.outcomes.loc["total"].loc[list(MAIN_OUTCOMES), "fraction"].sum()
            assert total == pytest.approx(1.0, abs=1e-12)
        else:  # nobody to count: undefined shares
            assert res.outcomes["fraction"].isna().all()


def test_to_frame_is_tidy_and_complete():
    res = ReferralModel(_two_neighbourhoods(), max_hops=2).solve()
    long = res.to_frame()
    n_rows = (2 * len(res.outcomes) + len(res.mean_hops) + len(res.hops)
              + res.per_actor.size)
    assert len(long) == n_rows
    row = long[(long["metric"] == "load") & (long["actor_id"] == "hosp")
               & (long["need"] == NEED)]
    assert row["value"].item() == res.per_actor.loc["hosp", ("load", NEED)]
    hop = long[(long["metric"] == "hops_probability") & (long["hops"] == 1)
               & (long["need"] == "total")]
    assert hop["value"].item() == res.hops.loc[("total", 1), "probability"]


# ---------------------------------------------------------------------- bad input
def _bad(eco: Ecosystem, exc: type[EcosystemError], *parts: str, **kw) -> EcosystemError:
    with pytest.raises(exc) as info:
        ReferralModel(eco, **kw).solve()
    for part in parts:
        assert part in str(info.value), (part, str(info.value))
    return info.value


def test_bad_tables_name_table_row_and_column():
    eco = _two_neighbourhoods()
    err = _bad(eco, ValidationError, "resolve table", "row 1", "'debt'", "1.5",
               resolve=pd.DataFrame({"debt": [0.2, 1.5]}, index=["gp", "hospital"]))
    assert (err.source, err.row, err.field) == ("resolve table", 1, "debt")
    _bad(eco, ValidationError, "resolve table", "'debt'", "-0.1",
         resolve=pd.DataFrame({"debt": [-0.1]}, index=["gp"]))
    _bad(eco, ValidationError, "resolve table", "row 0", "nan",
         resolve=pd.DataFrame({"debt": [np.nan]}, index=["gp"]))
    _bad(eco, ValidationError, "entry table", "'lonelyness'", "did you mean 'loneliness'",
         entry=pd.DataFrame({"lonelyness": [1.0]}, index=["gp"]))
    _bad(eco, ValidationError, "resolve table", "row 1", "field 'kind'", "'dokter'",
         resolve=pd.DataFrame({"debt": [0.1, 0.2]}, index=["gp", "dokter"]))
    _bad(eco, ValidationError, "entry table", "inf",
         entry=pd.DataFrame({"debt": [np.inf]}, index=["gp"]))
    zero_debt = default_entry().assign(debt=0.0)
    _bad(eco, ValidationError, "entry table", "'debt'", "sum to 0", "kinds present",
         entry=zero_debt)
    _bad(eco, ValidationError, "entry table", "'medical_acute'", "sum to 0",
         entry=pd.DataFrame({"debt": [1.0]}, index=["gp"]))
    _bad(eco, ValidationError, "twice", resolve=pd.DataFrame({"debt": [0.1, 0.2]},
                                                             index=["gp", "huisarts"]))
    _bad(eco, ConfigError, "resolve=", resolve={"gp": 0.5})


def test_bad_actor_and_tie_columns():
    eco = _two_neighbourhoods()
    actors = eco.actors.assign(resolve_debt=[0.5, 2.0, np.nan])
    err = _bad(Ecosystem(actors, eco.ties), ValidationError, "actors table", "row 1",
               "'resolve_debt'", "gp_y")
    assert err.row == 1
    actors = eco.actors.assign(entry_debt=[-1.0, 1.0, 1.0])
    _bad(Ecosystem(actors, eco.ties), ValidationError, "actors table", "'entry_debt'")
    actors = eco.actors.assign(resolve_det=[0.5, 0.5, 0.5])
    _bad(Ecosystem(actors, eco.ties), ValidationError, "'resolve_det'", "did you mean 'debt'")
    ties = eco.ties.assign(handover=[1.2])
    _bad(Ecosystem(eco.actors, ties), ValidationError, "ties table", "row 0", "'handover'")
    # An unrelated column that happens to start with "entry_" is left alone.
    ReferralModel(Ecosystem(eco.actors.assign(entry_date=["2024"] * 3), eco.ties)).solve()


def test_bad_parameters_and_demand():
    eco = _two_neighbourhoods()
    for kw, part in [({"handover_same": 1.2}, "handover_same=1.2"),
                     ({"handover_cross": -0.1}, "handover_cross=-0.1"),
                     ({"handover_cross": "high"}, "handover_cross='high'"),
                     ({"max_hops": -1}, "max_hops=-1"), ({"max_hops": 2.5}, "max_hops=2.5"),
                     ({"weight": "strength"}, "weight='strength'"),
                     ({"demand": [1, 2]}, "demand=")]:
        with pytest.raises(ConfigError, match=part.replace("(", r"\(")):
            ReferralModel(eco, **kw)
    with pytest.raises(ValidationError,
                       match="demand, row 1, field 'demand': demand -5.0 for 'debt'"):
        ReferralModel(eco, demand=pd.Series({"loneliness": 3.0, "debt": -5.0}))
    with pytest.raises(ValidationError, match="demand, row 0.*'Z' is not in this"):
        ReferralModel(eco, demand=pd.DataFrame({"debt": [1.0]}, index=["Z"]))
    with pytest.raises(ValidationError, match="demand.*'schuld'"):
        ReferralModel(eco, demand=pd.Series({"schuld": 3.0}))
    with pytest.raises(ValidationError, match="demand, row 0, field 'debt'"):
        ReferralModel(eco, demand=pd.DataFrame({"debt": [-1.0]}, index=["X"]))
    # X's only actor (a GP) takes no debt entries and no actor is shared.
    split = Ecosystem(pd.DataFrame({"id": ["gp_x", "wel_y"], "kind": ["gp", "welfare"],
                                    "neighbourhood": ["X", "Y"]}))
    with pytest.raises(ValidationError, match="demand, row 0, field 'debt': neighbourhood 'X' "
                       "has demand for need 'debt'"):
        ReferralModel(split, entry=default_entry().assign(debt=lambda t: t["debt"].where(
            t.index != "gp", 0.0)), demand=pd.DataFrame({"debt": [1.0]}, index=["X"])).solve()
    model = ReferralModel(eco)
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ConfigError, match="n_residents"):
            model.simulate(bad)
    with pytest.raises(ConfigError, match="seed"):
        model.simulate(10, seed=-1)
    with pytest.raises(ConfigError, match="tol"):
        model.solve(tol=0)
    with pytest.raises(ConfigError, match="ReferralModel"):
        ReferralModel(eco.actors)


def test_unlimited_solver_reports_non_convergence():
    eco = _eco([("gp", "gp"), ("poh", "practice_nurse")],
               [("gp", "poh", "collaboration", 1.0)])
    model = _model(eco, {"gp": 1e-6, "poh": 1e-6}, {"gp": 1.0}, handover_same=1.0,
                   max_hops=None)
    with pytest.raises(ConfigError, match="did not converge in max_iter=50"):
        model.solve(max_iter=50, hop_detail=10_000)
    # The iterative solve of the tail copes: everyone is resolved after ~10^6 referrals.
    res = model.solve()
    assert _frac(res, "resolved_elsewhere") == pytest.approx(1.0, abs=1e-9)
    assert res.mean_hops.loc[NEED, "mean"] == pytest.approx(1e6 - 1, rel=1e-6)
    with pytest.raises(ConfigError, match="hop_detail=-1"):
        model.solve(hop_detail=-1)
