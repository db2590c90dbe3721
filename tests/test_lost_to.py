"""The ``lost_to.<kind>[.<need>]`` metric: share of the referral attempts to actors of a kind
whose handover fails. A hand-worked case, a dense fundamental-matrix reference, the batch solver
and the simulation against the exact solver, hypothesis properties, calibration, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings

from ecosystem import ConfigError, Ecosystem, ReferralModel, datasets
from ecosystem.flows.assumptions import SUITABILITY_FLOOR
from ecosystem.generate import demand_of, generate_neighbourhood
from ecosystem.study import calibrate, sensitivity
from ecosystem.study._flowbatch import FlowBatch, apply, outputs_of
from ecosystem.study.registry import parse
from ecosystem.study.sensitivity import flow_value, parse_flow_metric
from tests.test_flows_reference import _dense_chain, _dense_ties, models


# ---------------------------------------------------------------------- by hand
def _three_actors() -> Ecosystem:
    """Residents with debt enter at a GP, who refers to welfare (weight 1) and a hospital
    (weight 3); the hospital refers to welfare over a tie with its own handover 0.5. Welfare
    refers nowhere."""
    actors = pd.DataFrame({"id": ["gp", "hosp", "wf"], "kind": ["gp", "hospital", "welfare"],
                           "entry_debt": [1.0, 0.0, 0.0], "resolve_debt": [0.2, 0.4, 0.7]})
    ties = pd.DataFrame({"source": ["gp", "gp", "hosp"], "target": ["wf", "hosp", "wf"],
                         "kind": ["referral"] * 3, "weight": [1.0, 3.0, 1.0],
                         "handover": [np.nan, np.nan, 0.5]})
    return Ecosystem(actors, ties)


def test_hand_worked_case():
    eco = _three_actors()
    # routing by weight, h_same = 0.9 (gp -> hospital), h_cross = 0.6 (gp -> welfare):
    # from the gp 0.8 refers on: 0.2 to welfare (0.08 lost), 0.6 to the hospital (0.06 lost);
    # 0.54 reach the hospital, 0.6 of them refer to welfare: 0.324 tries, 0.162 lost.
    model = ReferralModel(eco, routing="weight", handover_same=0.9, handover_cross=0.6,
                          max_hops=5)
    h = model.solve().handovers
    assert h.loc[("debt", "welfare"), "attempted"] == pytest.approx(0.2 + 0.324, abs=1e-15)
    assert h.loc[("debt", "welfare"), "lost"] == pytest.approx(0.08 + 0.162, abs=1e-15)
    assert h.loc[("debt", "welfare"), "share_lost"] == pytest.approx(0.242 / 0.524, abs=1e-14)
    assert h.loc[("debt", "hospital"), "share_lost"] == pytest.approx(0.1, abs=1e-14)
    assert np.isnan(h.loc[("debt", "gp"), "share_lost"])  # nobody refers to the gp
    assert h.loc[("debt", "gp"), "attempted"] == 0.0
    # failures summed over kinds are the lost outcome
    lost = model.solve().outcomes.loc[("debt", "lost"), "fraction"]
    assert h.loc["debt", "lost"].sum() == pytest.approx(lost, abs=1e-15)
    assert lost == pytest.approx(0.302, abs=1e-15)
    # the same from the batch solver, through the metric names
    names = ["lost_to.welfare.debt", "lost_to.hospital.debt"]
    batch = FlowBatch(model, [parse("handover_cross")])
    out = batch.evaluate(np.array([[0.6], [0.3]]), handovers=True)
    parsed = [parse_flow_metric(n, eco.schema) for n in names]
    got = [flow_value(p, out, batch.needs, batch.kinds) for p in parsed]
    assert got[0][0] == pytest.approx(0.242 / 0.524, abs=1e-14)
    assert got[0][1] == pytest.approx((0.2 * 0.7 + 0.162) / 0.524, abs=1e-14)
    assert got[1].tolist() == pytest.approx([0.1, 0.1], abs=1e-14)
    # one referral at most: only the gp's attempts count
    one = ReferralModel(eco, routing="weight", handover_same=0.9, handover_cross=0.6,
                        max_hops=1).solve().handovers
    assert one.loc[("debt", "welfare"), "share_lost"] == pytest.approx(0.4, abs=1e-14)
    assert one.loc[("debt", "welfare"), "attempted"] == pytest.approx(0.2, abs=1e-15)


def test_hand_worked_case_need_routing():
    # p(gp, b) = w_b s(b) / S with s = resolve + floor: welfare 1 (0.7 + f), hospital 3 (0.4 + f)
    eco = _three_actors()
    f = SUITABILITY_FLOOR
    s_total = (0.7 + f) + 3 * (0.4 + f)
    p_wf, p_h = (0.7 + f) / s_total, 3 * (0.4 + f) / s_total
    attempts = 0.8 * p_wf + 0.8 * p_h * 0.9 * 0.6  # the hospital has one tie: p = 1
    lost = 0.8 * p_wf * 0.4 + 0.8 * p_h * 0.9 * 0.6 * 0.5
    model = ReferralModel(eco, routing="need", handover_same=0.9, handover_cross=0.6,
                          max_hops=5)
    h = model.solve().handovers
    assert h.loc[("debt", "welfare"), "share_lost"] == pytest.approx(lost / attempts, abs=1e-14)
    batch = FlowBatch(model, [parse("resolve.hospital.debt")])
    out = batch.evaluate(np.array([[0.4]]), handovers=True)
    got = flow_value(("lost_to", "welfare", "debt"), out, batch.needs, batch.kinds)
    assert got[0] == pytest.approx(lost / attempts, abs=1e-14)


# ---------------------------------------------------------------------- dense reference
def _actor_values(eco: Ecosystem, table: pd.DataFrame, prefix: str, need: str) -> np.ndarray:
    """Per-actor values: the actor's own column where given, else its kind's table value."""
    kinds = eco.actors["kind"]
    base = np.array([table.loc[k, need] for k in kinds], dtype=float)
    col = f"{prefix}{need}"
    if col in eco.actors.columns:
        own = pd.to_numeric(eco.actors[col], errors="coerce").to_numpy(dtype=float)
        base = np.where(np.isnan(own), base, own)
    return base


def _dense_handovers(eco: Ecosystem, model: ReferralModel) -> tuple[dict, np.ndarray]:
    """need -> (attempted, lost) per actor kind, from N = (I - Q)^-1 of the layered chain.

    Attempts from transient state (layer k < H, actor a) to b: visits x (1 - r_a) p(a, b); lost:
    the same times (1 - h_ab) with h_ab the weight-averaged handover of the pair.
    """
    n = eco.n_actors
    kinds = list(eco.schema.actor_kinds)
    kind_of = np.array([kinds.index(k) for k in eco.actors["kind"]])
    w, wh = _dense_ties(eco, model)
    sink = w.sum(axis=1) == 0
    hbar = np.divide(wh, w, out=np.zeros_like(w), where=w > 0)
    hmax = model.max_hops
    out = {}
    for need in eco.schema.needs:
        r = _actor_values(eco, model.resolve_table, "resolve_", need)
        e = _actor_values(eco, model.entry_table, "entry_", need)
        e = e / e.sum()
        if model.routing == "weight":
            s = np.ones(n)
        elif model.suitability_table is None:
            s = r + SUITABILITY_FLOOR
        else:
            s = np.array([model.suitability_table.loc[k, need] for k in eco.actors["kind"]])
        p = np.zeros((n, n))
        for a in range(n):
            if w[a].sum() > 0:
                total = (w[a] * s).sum()
                p[a] = w[a] * s / total if total > 0 else w[a] / w[a].sum()
        q, _ = _dense_chain(r, p * hbar, sink, hmax)
        start = np.zeros(len(q))
        start[:n] = e
        visits = np.linalg.solve((np.eye(len(q)) - q).T, start)  # start @ (I - Q)^-1
        layers = visits.reshape(-1, n)
        if hmax is not None:
            layers = layers[:hmax]  # referrals are tried at layers k < H only
        u = layers.sum(axis=0) * (1 - r) * ~sink
        tried = u @ p
        failed = u @ (p * (1 - hbar))
        att = np.bincount(kind_of, tried, minlength=len(kinds))
        lst = np.bincount(kind_of, failed, minlength=len(kinds))
        out[need] = (att, lst)
    return out, np.array(kinds)


def _with_tie_handovers(eco: Ecosystem, seed: int) -> Ecosystem:
    rng = np.random.default_rng(seed)
    ties = eco.ties.copy()
    ties["handover"] = np.where(rng.random(len(ties)) < 0.4, rng.uniform(0.2, 0.95, len(ties)),
                                np.nan)
    return Ecosystem(eco.actors, ties, schema=eco.schema)


@pytest.mark.parametrize("routing", ["need", "weight"])
def test_dense_fundamental_matrix_reference(routing):
    base = generate_neighbourhood("average", residents=500, seed=3)
    demand = demand_of(base).sum(axis=0)  # residents per need: the total's weights
    eco = _with_tie_handovers(base, 4)
    model = ReferralModel(eco, routing=routing, max_hops=4, demand=demand,
                          handover_same=0.85, handover_cross=0.6)
    ref, kinds = _dense_handovers(eco, model)
    h = model.solve().handovers
    batch = FlowBatch(model, [parse("handover_cross")])
    out = batch.evaluate(np.array([[0.6]]), handovers=True)
    mix = (demand / demand.sum()).reindex(list(eco.schema.needs)).to_numpy()
    checked = 0
    for j, need in enumerate(eco.schema.needs):
        att, lst = ref[need]
        np.testing.assert_allclose(h.loc[need, "attempted"].to_numpy(), att, atol=1e-12)
        np.testing.assert_allclose(h.loc[need, "lost"].to_numpy(), lst, atol=1e-12)
        np.testing.assert_allclose(out.handovers[0, 0, :, j], att, atol=1e-12)
        np.testing.assert_allclose(out.handovers[0, 1, :, j], lst, atol=1e-12)
        for i, kind in enumerate(kinds):
            expect = lst[i] / att[i] if att[i] > 0 else np.nan
            got = flow_value(("lost_to", kind, need), out, batch.needs, batch.kinds)[0]
            np.testing.assert_allclose(got, expect, atol=1e-9, equal_nan=True)
            checked += att[i] > 0
    assert checked > 20
    # the total: failures over attempts of all residents, needs weighted by demand
    att = sum(mix[j] * ref[n][0] for j, n in enumerate(eco.schema.needs))
    lst = sum(mix[j] * ref[n][1] for j, n in enumerate(eco.schema.needs))
    differs = 0
    for i, kind in enumerate(kinds):
        expect = lst[i] / att[i] if att[i] > 0 else np.nan
        np.testing.assert_allclose(h.loc[("total", kind), "share_lost"], expect, atol=1e-9,
                                   equal_nan=True)
        got = flow_value(("lost_to", kind, None), out, batch.needs, batch.kinds)[0]
        np.testing.assert_allclose(got, expect, atol=1e-9, equal_nan=True)
        # ... which is not the mix-weighted mean of the needs' shares
        shares = np.array([ref[n][1][i] / ref[n][0][i] if ref[n][0][i] > 0 else 0.0
                           for n in eco.schema.needs])
        differs += att[i] > 0 and abs(shares @ mix - expect) > 1e-4
    assert differs


def test_batch_equals_solver_per_sample():
    # varying handovers, resolve, entry and the hop limit, several sets per block
    # with tie-level handovers on some ties (alpha of h = alpha + beta h_x not all 0)
    gen = generate_neighbourhood("low_ses", seed=11)
    eco = _with_tie_handovers(gen, 5)
    base = ReferralModel(eco, demand=demand_of(gen))
    names = ["handover_same", "handover_cross", "resolve.welfare.debt", "entry.gp.debt",
             "max_hops"]
    ass = [parse(n) for n in names]
    rng = np.random.default_rng(2)
    x = np.column_stack([rng.uniform(0, 1, 9), rng.uniform(0, 1, 9), rng.uniform(0, 1, 9),
                         rng.uniform(0, 4, 9), rng.uniform(0, 8, 9)])
    batch = FlowBatch(base, ass)
    got = batch.evaluate(x, handovers=True)
    ref = outputs_of([apply(base, dict(zip(ass, row, strict=True))) for row in x],
                     kinds=batch.kinds, handovers=True)
    np.testing.assert_allclose(got.handovers, ref.handovers, rtol=0, atol=1e-13)
    np.testing.assert_allclose(got.fractions, ref.fractions, rtol=0, atol=1e-13)
    # one set at a time (the path calibrate() takes): the same
    for i in (0, 4):
        one = batch.evaluate(x[i:i + 1], handovers=True)
        np.testing.assert_allclose(one.fractions[0], ref.fractions[i], rtol=0, atol=1e-13)
        np.testing.assert_allclose(one.handovers[0], ref.handovers[i], rtol=0, atol=1e-13)
    # failures over kinds add up to the lost outcome
    np.testing.assert_allclose(got.handovers[:, 1].sum(axis=1), got.fractions[:, 4],
                               rtol=0, atol=1e-13)


# ---------------------------------------------------------------------- simulation
@pytest.mark.parametrize(("routing", "max_hops"), [("need", 4), ("weight", None)])
def test_simulation_agrees_within_four_standard_errors(routing, max_hops):
    model = ReferralModel(datasets.example(), routing=routing, max_hops=max_hops)
    exact = model.solve().handovers
    sim = model.simulate(20_000, seed=3).handovers
    both = exact["share_lost"].notna()
    assert (sim["share_lost"].notna() == both).all()
    z = ((sim["share_lost"] - exact["share_lost"]) / sim["se"])[both & (sim["se"] > 0)]
    assert len(z) > 100
    assert z.abs().max() < 4
    # attempts per resident: the simulation's counts agree with the expectation
    assert (sim["attempted"] - exact["attempted"]).abs().max() < 0.02


# ---------------------------------------------------------------------- properties
@settings(max_examples=25)
@given(data=models(max_actors=7))
def test_properties_bounds_and_perfect_handovers(data):
    eco, model = data
    res = model.solve(tol=1e-14)
    h = res.handovers
    ref, _ = _dense_handovers(eco, model)  # every routing, suitability and hop limit
    for need, (att, lst) in ref.items():
        np.testing.assert_allclose(h.loc[need, "attempted"].to_numpy(), att, atol=1e-9)
        np.testing.assert_allclose(h.loc[need, "lost"].to_numpy(), lst, atol=1e-9)
    share = h["share_lost"].dropna()
    assert ((share >= 0) & (share <= 1)).all()
    assert (h["attempted"] >= h["lost"] - 1e-15).all()
    assert h["share_lost"].isna().equals(h["attempted"] <= 0)
    lost = res.outcomes.xs("lost", level="outcome")["fraction"]
    by_need = h.groupby(level="need", sort=False)["lost"].sum()
    np.testing.assert_allclose(by_need.reindex(lost.index).to_numpy(), lost.to_numpy(),
                               atol=1e-12)
    # every handover 1: nothing is lost to any kind
    ties = eco.ties.drop(columns=["handover"], errors="ignore")
    perfect = ReferralModel(Ecosystem(eco.actors, ties, schema=eco.schema),
                            resolve=model.resolve_table, entry=model.entry_table,
                            routing=model.routing, max_hops=model.max_hops,
                            handover_same=1.0, handover_cross=1.0)
    ph = perfect.solve().handovers
    assert (ph["lost"] == 0).all()
    assert (ph["share_lost"].dropna() == 0).all()
    if perfect.max_hops is not None:  # the batch solver gives exactly 0 as well
        batch = FlowBatch(perfect, [parse("handover_same"), parse("handover_cross")])
        out = batch.evaluate(np.array([[1.0, 1.0]]), handovers=True)
        assert (out.handovers[:, 1] == 0).all()


# ---------------------------------------------------------------------- calibration
def test_calibrate_recovers_handover_cross_from_lost_to_welfare(example):
    truth = ReferralModel(example, handover_cross=0.55).solve().handovers
    target = truth.loc[("total", "welfare"), "share_lost"]
    fit = calibrate(example, {"lost_to.welfare": target}, {"handover_cross": (0.3, 0.95)},
                    start={"handover_cross": 0.85})
    assert fit.success
    assert fit.parameters.loc["handover_cross", "value"] == pytest.approx(0.55, abs=1e-7)
    assert fit.residuals.loc["lost_to.welfare", "residual"] == pytest.approx(0, abs=1e-10)
    # two handovers from two kinds' losses (welfare: mostly across domains; hospital: within)
    truth = ReferralModel(example, handover_cross=0.55, handover_same=0.8).solve().handovers
    targets = {f"lost_to.{k}": (truth.loc[("total", k), "share_lost"], 0.01)
               for k in ("welfare", "hospital")}
    fit = calibrate(example, targets, {"handover_cross": (0.3, 0.95),
                                       "handover_same": (0.5, 1.0)},
                    start={"handover_cross": 0.85, "handover_same": 0.95})
    np.testing.assert_allclose(fit.parameters["value"], [0.55, 0.8], atol=1e-6)
    assert (fit.parameters["se"] > 0).all()


def test_sensitivity_of_lost_to_welfare(example):
    s = sensitivity({"e": example}, {"handover_cross": (0.4, 0.9), "handover_same": (0.8, 1.0)},
                    metric="lost_to.welfare.debt", n=8, seed=1, progress=False)
    row = s.samples.iloc[0]
    ref = ReferralModel(example, handover_cross=row["handover_cross"],
                        handover_same=row["handover_same"]).solve().handovers
    assert row["value"] == pytest.approx(ref.loc[("debt", "welfare"), "share_lost"], abs=1e-13)


def test_bad_input(example):
    with pytest.raises(ConfigError, match=r"lost_to\.nosuchkind.*did you mean 'lost_to\."):
        calibrate(example, {"lost_to.nosuchkind": 0.1}, ["handover_cross"])
    with pytest.raises(ConfigError, match=r"did you mean 'lost_to\.welfare\.debt'"):
        calibrate(example, {"lost_to.welfare.debts": 0.1}, ["handover_cross"])
    with pytest.raises(ConfigError, match=r"did you mean 'lost_to\.welfare'"):
        sensitivity({"e": example}, ["handover_cross"], metric="lost_to.welfar", n=4,
                    progress=False)
    # nobody refers to an insurer in the example: the share is undefined, said before fitting
    with pytest.raises(ConfigError, match="lost_to.insurer.*not defined"):
        calibrate(example, {"lost_to.insurer": 0.1}, ["handover_cross"])
    with pytest.raises(ConfigError, match="not a finite number"):
        sensitivity({"e": example}, ["handover_cross"], metric="lost_to.insurer", n=4,
                    progress=False, seed=0)


def test_compare_metric_and_flow_metric(example):
    from ecosystem.study import compare, flow_metric

    exact = ReferralModel(example, max_hops=5).solve().handovers
    f = flow_metric(["lost_to.welfare", "lost_to.hospital.debt"], max_hops=5)
    got = f(example)
    assert got["lost_to.welfare"] == pytest.approx(
        exact.loc[("total", "welfare"), "share_lost"], abs=1e-15)
    assert got["lost_to.hospital.debt"] == pytest.approx(
        exact.loc[("debt", "hospital"), "share_lost"], abs=1e-15)
    res = compare({"e": example}, metrics=["lost_to.welfare"], replicates=1, progress=False)
    default = ReferralModel(example).solve().handovers.loc[("total", "welfare"), "share_lost"]
    assert res.results["value"].tolist() == pytest.approx([default], abs=1e-15)
    # a flow_metric's options reach sensitivity(), as for the outcomes
    s = sensitivity({"e": example}, {"handover_cross": (0.5, 0.9)},
                    metric=flow_metric("lost_to.welfare", max_hops=5), n=4, seed=0,
                    progress=False)
    row = s.samples.iloc[0]
    ref = ReferralModel(example, max_hops=5, handover_cross=row["handover_cross"]).solve()
    assert row["value"] == pytest.approx(
        ref.handovers.loc[("total", "welfare"), "share_lost"], abs=1e-13)
    with pytest.raises(ConfigError, match="did you mean 'lost_to.welfare'"):
        flow_metric("lost_to.welfar")
    with pytest.raises(ConfigError, match="lost_to.<kind>"):
        compare({"e": example}, metrics=["lost_too.welfare"], progress=False)


def test_study_file_metric():
    from ecosystem.study import Study
    from ecosystem.study.spec import StudyError

    def study(metric: str) -> Study:
        return Study.from_dict({"study": {"seed": 1, "replicates": 1, "metrics": [metric]},
                                "scenarios": {"avg": {"profile": "average"}}})

    assert study("lost_to.welfare.debt").metrics == ("lost_to.welfare.debt",)
    with pytest.raises(StudyError, match=r"study\.metrics.*did you mean 'lost_to\.welfare'"):
        study("lost_to.welfares")


def test_closed_loop_without_hop_limit():
    # welfare and a social team refer to each other with handover 1 and never resolve debt:
    # residents who reach welfare circulate for ever (exceeded); their referrals are not
    # counted. From the gp (resolve 0.2) 0.4 try welfare (0.16 lost) and 0.4 the hospital.
    actors = pd.DataFrame({"id": ["gp", "wf", "st", "hosp"],
                           "kind": ["gp", "welfare", "social_team", "hospital"],
                           "entry_debt": [1.0, 0, 0, 0], "resolve_debt": [0.2, 0.0, 0.0, 0.5]})
    ties = pd.DataFrame({"source": ["gp", "gp", "wf"], "target": ["wf", "hosp", "st"],
                         "kind": ["referral", "referral", "collaboration"],
                         "weight": [1.0, 1.0, 1.0], "handover": [0.6, 0.9, 1.0]})
    model = ReferralModel(Ecosystem(actors, ties), max_hops=None, routing="weight")
    exact = model.solve()
    h = exact.handovers.loc["debt"]
    assert exact.outcomes.loc[("debt", "exceeded"), "fraction"] == pytest.approx(0.24)
    assert h.loc["welfare", ["attempted", "lost"]].tolist() == pytest.approx([0.4, 0.16])
    assert h.loc["hospital", ["attempted", "lost"]].tolist() == pytest.approx([0.4, 0.04])
    assert h.loc["social_team", "attempted"] == 0.0
    sim = model.simulate(20_000, seed=5).handovers.loc["debt"]
    assert sim.loc["social_team", "attempted"] == 0.0
    z = ((sim["share_lost"] - h["share_lost"]) / sim["se"]).dropna()
    assert len(z) == 2 and z.abs().max() < 4


def test_batch_keeps_the_models_suitability_floor():
    # a model with its own floor: the batch solver and the rebuilt models use it
    eco = generate_neighbourhood("average", residents=500, seed=3)
    base = ReferralModel(eco, demand=demand_of(eco), max_hops=6, suitability_floor=0.3)
    ass = [parse("resolve.gp.debt"), parse("handover_cross")]
    x = np.array([[0.2, 0.5], [0.6, 0.8]])
    got = FlowBatch(base, ass).evaluate(x, handovers=True)
    models = [apply(base, dict(zip(ass, row, strict=True))) for row in x]
    assert all(m.suitability_floor == 0.3 for m in models)
    ref = outputs_of(models, kinds=list(eco.schema.actor_kinds), handovers=True)
    np.testing.assert_allclose(got.fractions, ref.fractions, rtol=0, atol=1e-13)
    np.testing.assert_allclose(got.handovers, ref.handovers, rtol=0, atol=1e-13)
    # and the floor matters here: the default floor gives other numbers
    plain = ReferralModel(eco, demand=demand_of(eco), max_hops=6)
    other = FlowBatch(plain, ass).evaluate(x, handovers=True)
    assert np.abs(other.handovers - got.handovers).max() > 1e-4
