"""Sensitivity analysis: analytic Sobol' indices, the batch solver against the model, executors,
bad input."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ecosystem
from ecosystem import ConfigError, Ecosystem, ReferralModel, datasets
from ecosystem.generate import Profile, demand_of, generate_neighbourhood
from ecosystem.interventions import social_prescribing
from ecosystem.study import flow_metric, sensitivity
from ecosystem.study._flowbatch import FlowBatch, apply, outputs_of
from ecosystem.study.registry import default_range, parse


# ---------------------------------------------------------------------- analytic case
def _two_actors() -> Ecosystem:
    """Residents with loneliness enter at a social team that refers to welfare (a sink).

    resolved = r_a + (1 - r_a) h r_b with h = handover_same (both actors are social).
    """
    actors = pd.DataFrame({"id": ["team", "welfare"], "kind": ["social_team", "welfare"],
                           "entry_loneliness": [1.0, 0.0]})
    ties = pd.DataFrame({"source": ["team"], "target": ["welfare"], "kind": ["referral"],
                         "weight": [1.0]})
    return Ecosystem(actors, ties)


RANGES = {"resolve.social_team.loneliness": (0.2, 0.6), "handover_same": (0.5, 1.0),
          "resolve.welfare.loneliness": (0.3, 0.9), "handover_cross": (0.3, 0.9)}


def _analytic_indices() -> dict[str, tuple[float, float]]:
    """First-order and total Sobol' indices of Y = r_a + (1 - r_a) h r_b by integration.

    Gauss-Legendre quadrature with 6 nodes per uniform input is exact for this polynomial
    (degree 2 per input in Y^2): V_i = Var(E[Y | X_i]), VT_i = E(Var(Y | X_~i)).
    """
    nodes, weights = np.polynomial.legendre.leggauss(6)
    bounds = [RANGES["resolve.social_team.loneliness"], RANGES["handover_same"],
              RANGES["resolve.welfare.loneliness"]]
    xs = [lo + (hi - lo) * (nodes + 1) / 2 for lo, hi in bounds]
    w = weights / 2  # weights of the uniform density on each interval
    ra, h, rb = np.meshgrid(*xs, indexing="ij")
    y = ra + (1 - ra) * h * rb
    p = w[:, None, None] * w[None, :, None] * w[None, None, :]
    mean = (p * y).sum()
    var = (p * (y - mean) ** 2).sum()
    out = {}
    names = ["resolve.social_team.loneliness", "handover_same", "resolve.welfare.loneliness"]
    for i, name in enumerate(names):
        others = tuple(j for j in range(3) if j != i)
        pi = p.sum(axis=others)  # weights of X_i alone
        cond = (p * y).sum(axis=others) / pi  # E[Y | X_i]
        v1 = (pi * (cond - mean) ** 2).sum()
        p_rest = p.sum(axis=i, keepdims=True)
        cmean = (p * y).sum(axis=i, keepdims=True) / p_rest  # E[Y | X_~i]
        vt = (p * (y - cmean) ** 2).sum()  # E[Var(Y | X_~i)]
        out[name] = (v1 / var, vt / var)
    out["handover_cross"] = (0.0, 0.0)
    return out


def test_analytic_indices_by_hand():
    # Independent check of the integration for the unit cube, where the indices are known in
    # closed form: Var Y = 109/1728, V_ra = 3/64, V_h = V_rb = 1/192, VT_ra = 1 - 21/109.
    nodes, weights = np.polynomial.legendre.leggauss(6)
    x, w = (nodes + 1) / 2, weights / 2
    ra, h, rb = np.meshgrid(x, x, x, indexing="ij")
    y = ra + (1 - ra) * h * rb
    p = w[:, None, None] * w[None, :, None] * w[None, None, :]
    var = (p * (y - (p * y).sum()) ** 2).sum()
    assert var == pytest.approx(109 / 1728, rel=1e-12)
    saved = dict(RANGES)
    try:
        RANGES.update({k: (0.0, 1.0) for k in RANGES})
        got = _analytic_indices()
    finally:
        RANGES.update(saved)
    assert got["resolve.social_team.loneliness"][0] == pytest.approx(3 / 64 / (109 / 1728))
    assert got["handover_same"][0] == pytest.approx(9 / 109)
    assert got["resolve.social_team.loneliness"][1] == pytest.approx(88 / 109)


def test_sobol_contains_the_analytic_indices():
    eco = _two_actors()
    s = sensitivity({"two": eco}, RANGES, metric="resolved_appropriate.loneliness", n=1024,
                    seed=3, progress=False, confidence=0.999)
    truth = _analytic_indices()
    t = s.indices.set_index(["assumption", "index"])
    # 8 intervals at 99.9% each: Bonferroni false-failure rate <= 0.8% for a random seed; the
    # seed is fixed, so the test is deterministic.
    for name, (s1, st_) in truth.items():
        for index, value in (("S1", s1), ("ST", st_)):
            row = t.loc[(name, index)]
            assert row["conf_low"] - 1e-12 <= value <= row["conf_high"] + 1e-12, (name, index)
    # the cross-domain handover cannot act in a one-domain ecosystem: exactly no effect
    assert abs(t.loc[("handover_cross", "ST"), "value"]) < 1e-12
    # and the model is the closed form on every sample
    x = s.samples
    y = (x["resolve.social_team.loneliness"] + (1 - x["resolve.social_team.loneliness"])
         * x["handover_same"] * x["resolve.welfare.loneliness"])
    np.testing.assert_allclose(x["value"], y, rtol=0, atol=1e-14)


# ---------------------------------------------------------------------- batch solver
@pytest.fixture(scope="module")
def low_eco():
    return generate_neighbourhood("low_ses", seed=11)


NAMES = ["handover_same", "handover_cross", "resolve.gp.loneliness", "resolve.welfare.debt",
         "entry.gp.loneliness", "entry.social_team.debt", "max_hops", "suitability_floor"]


@pytest.mark.parametrize("names", [NAMES[2:4], NAMES[2:6], NAMES],
                         ids=["resolve", "resolve+entry", "all"])
def test_batch_equals_model_per_sample(low_eco, names, monkeypatch):
    import ecosystem.study._flowbatch as fb

    monkeypatch.setattr(fb, "BLOCK_ELEMENTS", 8 * low_eco.n_actors * 10)  # 8 sets a block
    base = ReferralModel(low_eco, demand=demand_of(low_eco))
    ass = [parse(n) for n in names]
    rng = np.random.default_rng(5)
    m = 20
    x = np.column_stack([rng.uniform(0, 12, m) if a.group == "max_hops" else
                         rng.uniform(0, 4, m) if a.group == "entry" else rng.uniform(0, 1, m)
                         for a in ass])
    batch = FlowBatch(base, ass)
    got = batch.evaluate(x, by_kind=True)
    assert 1 < batch.batch_size() < m  # several blocks of several sets
    ref = outputs_of([apply(base, dict(zip(ass, row, strict=True))) for row in x],
                     kinds=batch.kinds)
    np.testing.assert_allclose(got.fractions, ref.fractions, rtol=0, atol=1e-13)
    np.testing.assert_allclose(got.mean_hops, ref.mean_hops, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(got.by_kind, ref.by_kind, rtol=0, atol=1e-13)
    # split at multiples of the batch size, the same numbers (batches align to global rows)
    b = batch.batch_size()
    cuts = [0, *range(b, len(x), b), len(x)]
    parts = [batch.evaluate(x[i:j], offset=i).fractions for i, j in itertools.pairwise(cuts)]
    np.testing.assert_array_equal(np.concatenate(parts), got.fractions)


def test_resolve_replaces_actor_columns_and_handover_keeps_tie_values():
    # Built by hand, without the library's apply(): the gp carries its own resolve_loneliness
    # (0.9) and the gp -> welfare tie its own handover (0.6).
    eco = datasets.example()
    actors = eco.actors.copy()
    actors["resolve_loneliness"] = np.where(actors["kind"] == "gp", 0.9, np.nan)
    ties = eco.ties.copy()
    ties["handover"] = np.where((ties["target"] == "welfare_west"), 0.6, np.nan)
    eco = Ecosystem(actors, ties)
    s = sensitivity({"e": eco}, {"resolve.gp.loneliness": (0.1, 0.3),
                                 "handover_cross": (0.5, 0.9)},
                    metric="medicalised", n=4, seed=2, progress=False)
    for _, row in s.samples.iterrows():
        a2 = actors.copy()
        a2["resolve_loneliness"] = np.where(a2["kind"] == "gp", row["resolve.gp.loneliness"],
                                            np.nan)
        table = ecosystem.flows.default_resolve()
        table.loc["gp", "loneliness"] = row["resolve.gp.loneliness"]
        m = ReferralModel(Ecosystem(a2, ties), resolve=table,
                          handover_cross=row["handover_cross"])
        ref = m.solve().outcomes.loc[("total", "medicalised"), "fraction"]
        assert row["value"] == pytest.approx(ref, abs=1e-14)


def _hand_built(eco: Ecosystem, demand: pd.DataFrame, opts: dict, values: dict
                ) -> ReferralModel:
    """One parameter set's model built by hand (not by apply()): a sampled resolve or entry
    value replaces the kind's table value and the actor column at every actor of the kind."""
    actors = eco.actors.copy()
    tables = {"resolve": ecosystem.flows.default_resolve(eco.schema),
              "entry": ecosystem.flows.default_entry(eco.schema)}
    kw = dict(opts)
    for name, v in values.items():
        group, _, rest = name.partition(".")
        if group in tables:
            kind, need = rest.split(".")
            tables[group].loc[kind, need] = v
            col = f"{group}_{need}"
            if col in actors.columns:
                actors.loc[actors["kind"] == kind, col] = v
        else:
            kw[name] = v
    own = Ecosystem(actors, eco.ties, schema=eco.schema, neighbourhoods=eco.neighbourhoods)
    return ReferralModel(own, resolve=tables["resolve"], entry=tables["entry"], demand=demand,
                         **kw)


@pytest.mark.parametrize("sets", [1, 4], ids=["one set a block", "four sets a block"])
@pytest.mark.parametrize("routing", ["need", "need+floor", "need+columns", "table", "weight"])
def test_batch_paths_equal_hand_built_models(low_eco, routing, sets, monkeypatch):
    # Every evaluation path of the batch solver (the arrays kept between blocks, the routing
    # row sums as a linear form, the entry columns, one product per hop) against a model
    # built by hand per sample and solve(): actor resolve columns that an assumption
    # overrides at its kind, tie handover values, two assumptions on one need, resolve 0
    # with floor 0 (rows that fall back to the weights), hop limits 0 .. 9.
    import ecosystem.study._flowbatch as fb

    monkeypatch.setattr(fb, "BLOCK_ELEMENTS", sets * low_eco.n_actors * 10)
    rng = np.random.default_rng(3)
    actors, ties = low_eco.actors.copy(), low_eco.ties.copy()
    actors["resolve_loneliness"] = np.where(rng.random(len(actors)) < 0.5,
                                            rng.uniform(0, 1, len(actors)), np.nan)
    ties["handover"] = np.where(rng.random(len(ties)) < 0.4,
                                rng.uniform(0.2, 0.95, len(ties)), np.nan)
    opts: dict = {}
    if routing in ("need+columns", "need+floor"):
        actors["suitability_debt"] = np.where(rng.random(len(actors)) < 0.3,
                                              rng.choice([0.0, 0.5, 2.0], len(actors)),
                                              np.nan)
        # given at actors whose resolve value is sampled: the column wins over resolve + floor
        actors.loc[actors["kind"] == "social_team", "suitability_debt"] = 2.0
        actors["suitability_loneliness"] = np.where(actors["kind"] == "welfare", 0.0, np.nan)
    if routing == "table":
        kinds, needs = list(low_eco.schema.actor_kinds), list(low_eco.schema.needs)
        values = rng.exponential(1.0, (len(kinds), len(needs)))
        values[rng.random(values.shape) < 0.6] = 0.0
        opts["suitability"] = pd.DataFrame(values, index=kinds, columns=needs)
    if routing == "weight":
        opts["routing"] = "weight"
    eco = Ecosystem(actors, ties, schema=low_eco.schema, neighbourhoods=low_eco.neighbourhoods)
    demand = demand_of(eco)
    names = ["handover_same", "handover_cross", "resolve.gp.loneliness",
             "resolve.welfare.loneliness", "resolve.social_team.debt", "entry.gp.loneliness",
             "max_hops"]
    if routing.startswith("need"):
        names.append("suitability_floor")
    ass = [parse(n) for n in names]
    m = 8
    x = np.column_stack([rng.uniform(0, 4, m) if a.group == "entry" else
                         rng.integers(0, 10, m).astype(float) if a.group == "max_hops" else
                         rng.uniform(0, 1, m) for a in ass])
    x[::3, 2:5] = 0.0  # resolve 0 ...
    if routing.startswith("need"):
        x[::3, -1] = 0.0  # ... with floor 0: referrers with no suitable neighbour
    fixed = {"need": ("suitability_floor", "max_hops"),
             "need+columns": ("suitability_floor", "max_hops"),
             "table": ("max_hops",)}.get(routing, ())  # these at their base values
    keep = [j for j, a in enumerate(ass) if a.group not in fixed]
    ass, x = [ass[j] for j in keep], x[:, keep]
    base = ReferralModel(eco, demand=demand, **opts)
    batch = fb.FlowBatch(base, ass)
    assert batch.batch_size() == sets
    got = batch.evaluate(x, by_kind=True, handovers=True)
    models = [_hand_built(eco, demand, opts, {a.name: (int(v) if a.group == "max_hops" else v)
                                              for a, v in zip(ass, row, strict=True)})
              for row in x]
    ref = outputs_of(models, kinds=batch.kinds, handovers=True)
    np.testing.assert_allclose(got.fractions, ref.fractions, rtol=0, atol=1e-13)
    np.testing.assert_allclose(got.mean_hops, ref.mean_hops, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(got.by_kind, ref.by_kind, rtol=0, atol=1e-13)
    np.testing.assert_allclose(got.handovers, ref.handovers, rtol=1e-12, atol=1e-13)
    if routing in ("need+floor", "table"):  # some rows fell back
        assert any(mod._compiled.fallback.any() for mod in models)
    # the arrays kept between blocks hold no state of earlier sets: each row alone, the same
    alone = np.concatenate([batch.evaluate(x[i:i + 1], offset=i).fractions
                            for i in range(len(x))])
    np.testing.assert_allclose(alone, got.fractions, rtol=0, atol=1e-15)


@settings(max_examples=15)
@given(hs=st.floats(0, 1), hc=st.floats(0, 1), r=st.floats(0, 1), w=st.floats(0, 5),
       hops=st.integers(0, 12))
def test_batch_property_matches_solver_and_partitions(hs, hc, r, w, hops):
    eco = datasets.example()
    base = ReferralModel(eco)
    ass = [parse(n) for n in ("handover_same", "handover_cross", "resolve.welfare.loneliness",
                              "entry.social_team.loneliness", "max_hops")]
    x = np.array([[hs, hc, r, w, hops]])
    got = FlowBatch(base, ass).evaluate(x)
    ref = outputs_of([apply(base, dict(zip(ass, x[0], strict=True)))])
    np.testing.assert_allclose(got.fractions, ref.fractions, rtol=0, atol=1e-13)
    main = got.fractions[0, [0, 1, 3, 4, 5], :].sum(axis=0)  # five outcomes partition 1
    np.testing.assert_allclose(main, 1.0, atol=1e-12)
    assert (got.fractions >= -1e-15).all() and (got.fractions <= 1 + 1e-12).all()


def test_relabelling_does_not_change_the_indices():
    eco = datasets.example()
    renamed = eco.relabel(lambda i: f"x_{i[::-1]}")
    kw = dict(metric="lost", n=8, seed=4, progress=False)
    ranges = {"handover_cross": (0.5, 0.9), "resolve.welfare.loneliness": (0.3, 0.8)}
    a = sensitivity({"e": eco}, ranges, **kw)
    b = sensitivity({"e": renamed}, ranges, **kw)
    np.testing.assert_allclose(a.samples["value"], b.samples["value"], rtol=0, atol=1e-14)


# ---------------------------------------------------------------------- study forms
def test_contrast_of_interventions_and_reference_path(example):
    ranges = {"handover_cross": (0.4, 0.95), "resolve.welfare.loneliness": None}
    ints = {"none": None, "prescribing": social_prescribing()}
    fast = sensitivity({"e": example}, ranges, metric="lost", interventions=ints,
                       contrast=("prescribing", "none"), n=4, seed=1, progress=False)
    slow = sensitivity(
        {"e": example}, ranges, interventions=ints, contrast=("e / prescribing", "e / none"),
        metric=lambda eco, model: model.solve().outcomes.loc[("total", "lost"), "fraction"],
        n=4, seed=1, progress=False)
    v = fast.samples
    np.testing.assert_allclose(v["value"], v["value[e / prescribing]"] - v["value[e / none]"])
    np.testing.assert_allclose(v["value"], slow.samples["value"], rtol=0, atol=1e-13)
    assert fast.output == "e / prescribing - e / none"
    assert fast.ranges.loc["resolve.welfare.loneliness", "range"] == "default"
    # default range: +/- 0.2 around the value in use (the model's default 0.6 for welfare)
    assert tuple(fast.ranges.loc["resolve.welfare.loneliness", ["low", "high"]]) == \
        pytest.approx((0.4, 0.8))


def test_profile_assumption_regenerates_the_neighbourhood():
    s = sensitivity({"low": "low_ses"}, {"profile.demand.loneliness": (50.0, 200.0),
                                         "handover_cross": (0.5, 0.9)},
                    metric="medicalised", n=2, seed=9, progress=False)
    from ecosystem.core.random import spawn

    rep_seed = int(spawn(9, 2)[0].generate_state(1, np.uint64)[0] >> np.uint64(1))
    row = s.samples.iloc[3]
    prof = Profile.preset("low_ses").with_parameters(
        {"demand.loneliness": row["profile.demand.loneliness"]})
    eco = generate_neighbourhood(prof, seed=rep_seed)
    ref = ReferralModel(eco, demand=demand_of(eco), handover_cross=row["handover_cross"]
                        ).solve().outcomes.loc[("total", "medicalised"), "fraction"]
    assert row["value"] == pytest.approx(ref, abs=1e-14)


def test_morris_screening(example):
    s = sensitivity({"e": example}, {"handover_cross": (0.4, 0.95),
                                     "resolve.hospital.debt": (0.0, 0.5),
                                     "resolve.gp.loneliness": (0.05, 0.35)},
                    metric="lost", method="morris", n=10, seed=2, progress=False)
    t = s.indices.set_index(["assumption", "index"])["value"]
    assert set(s.indices["index"]) == {"mu_star", "mu", "sigma"}
    assert t[("handover_cross", "mu_star")] > t[("resolve.gp.loneliness", "mu_star")]
    assert len(s.samples) == 10 * 4
    assert s.ranking().index[0] == "handover_cross"


def test_flow_metric_options_are_used(example):
    s = sensitivity({"e": example}, {"handover_cross": (0.4, 0.95)},
                    metric=flow_metric("exceeded", max_hops=1), n=4, seed=1, progress=False)
    row = s.samples.iloc[0]
    ref = ReferralModel(example, max_hops=1, handover_cross=row["handover_cross"]).solve()
    assert row["value"] == pytest.approx(ref.outcomes.loc[("total", "exceeded"), "fraction"],
                                         abs=1e-14)


def test_plot_and_repr(example):
    import matplotlib

    matplotlib.use("Agg")
    s = sensitivity({"e": example}, {"handover_cross": (0.4, 0.95),
                                     "handover_same": (0.8, 1.0)},
                    metric="lost", n=8, seed=1, progress=False)
    ax = s.plot()
    assert [t.get_text() for t in ax.get_yticklabels()] == s.ranking().index[::-1].tolist()
    assert "Sensitivity (sobol) of lost" in repr(s)


# ---------------------------------------------------------------------- executors
def _study(**kw):
    return sensitivity({"avg": "average"}, {"handover_cross": (0.4, 0.95),
                                            "resolve.gp.debt": None},
                       metric="lost", n=16, replicates=2, seed=21, progress=False,
                       **kw)


@pytest.fixture(scope="module")
def serial():
    return _study()


def test_identical_on_two_processes_and_any_chunking(serial):
    par = _study(executor=2, chunksize=7)
    pd.testing.assert_frame_equal(serial.indices, par.indices)
    pd.testing.assert_frame_equal(serial.samples, par.samples)


def test_identical_on_dask_local_cluster(serial, dask_executor):
    dask_run = _study(executor=dask_executor)
    pd.testing.assert_frame_equal(serial.indices, dask_run.indices)
    pd.testing.assert_frame_equal(serial.samples, dask_run.samples)


# ---------------------------------------------------------------------- bad input
def test_bad_input_fails_before_any_work():
    calls = []

    def scenario(seed):
        calls.append(seed)
        return datasets.example()

    good = {"handover_cross": (0.4, 0.9)}
    cases = [
        (dict(assumptions={"handover_cros": (0.4, 0.9)}), "did you mean 'handover_cross'"),
        (dict(assumptions={"resolve.gp.lonelines": None}), "resolve.gp.loneliness"),
        (dict(assumptions={"handover_cross": (0.4, 1.2)}), r"probability.*\[0, 1\]"),
        (dict(assumptions={"handover_cross": (0.9, 0.4)}), "low >= high"),
        (dict(assumptions={"handover_cross": "wide"}), r"\(low, high\)"),
        (dict(contrast=("s", "nope")), "contrast names 'nope'"),
        (dict(metric="lostt"), "did you mean 'lost'"),
        (dict(metric="flows"), "pick one"),
        (dict(assumptions={"profile.demand.debt": None}), "not a profile"),
        (dict(method="sobel"), "did you mean 'sobol'"),
        (dict(n=100), "power of 2"),
        (dict(replicates=0), "replicates=0"),
        (dict(executor="dask"), "executor must be"),
    ]
    for change, message in cases:
        kw = dict(assumptions=good, metric="lost", n=8, seed=1, progress=False)
        kw.update(change)
        scenarios = {"s": scenario, "t": scenario} if "contrast" in change else {"s": scenario}
        with pytest.raises(ConfigError, match=message):
            sensitivity(scenarios, **kw)
    assert calls == []  # no scenario was generated
    with pytest.raises(ConfigError, match="pass contrast"):
        sensitivity({"a": scenario, "b": scenario}, good, metric="lost", progress=False)
    assert isinstance(ConfigError("x"), ecosystem.EcosystemError)


def test_suitability_floor_is_an_assumption_of_need_routing(low_eco):
    table = ecosystem.assumptions()
    assert table.loc["suitability_floor", ["default", "low", "high"]].tolist() == [0.05, 0.0,
                                                                                0.2]
    a = parse("suitability_floor")
    assert a.flow and a.upper() == np.inf
    base = ReferralModel(low_eco, demand=demand_of(low_eco))
    ref = outputs_of([apply(base, {a: v}) for v in (0.0, 0.05, 0.5)])
    # floor 0.05 is the model's own default; other values move the outcomes
    np.testing.assert_allclose(ref.fractions[1], outputs_of([base]).fractions[0], atol=1e-15)
    assert np.abs(ref.fractions[0] - ref.fractions[2]).max() > 0.01
    res = sensitivity({"low": low_eco}, {"suitability_floor": None, "handover_cross": None},
                      metric="resolved_appropriate.loneliness", n=16, seed=2, progress=False)
    st = res.indices.set_index(["assumption", "index"])["value"]
    assert st[("suitability_floor", "ST")] > 0.01
    for options in ({"routing": "weight"}, {"suitability": base.resolve_table + 0.1}):
        with pytest.raises(ConfigError, match="suitability_floor has no effect"):
            sensitivity({"low": low_eco}, {"suitability_floor": None}, n=8, seed=1,
                        progress=False, metric=ecosystem.study.flow_metric("lost", **options))


def test_registry_and_default_ranges():
    table = ecosystem.assumptions()
    assert {"handover_same", "handover_cross", "max_hops", "resolve.gp.loneliness",
            "entry.gp.debt", "profile.demand.debt"} <= set(table.index)
    assert list(table.columns) == ["group", "default", "unit", "low", "high", "source"]
    prob = table[table["unit"] == "probability"]
    assert ((prob["low"] >= 0) & (prob["high"] <= 1) & (prob["low"] < prob["high"])).all()
    assert (table["low"] < table["high"]).all()
    assert (table["low"] <= table["default"]).all() and (table["default"] <= table["high"]).all()
    flow = table[table["group"] != "profile"]
    assert not flow["source"].str.contains(r"\.md|seeds/|issue", regex=True).any()
    # a guess gets a wider range than a sourced value
    a = parse("profile.demand.unemployment")
    assert np.diff(default_range(a, 60, sourced=False)) > np.diff(default_range(a, 60,
                                                                                sourced=True))


def test_a_ratio_only_changes_the_profile_that_has_it():
    # low_ses has a published loneliness ratio to the average profile; average has none, so the
    # assumption moves the low-SES neighbourhood only (the same seed generates both)
    s = sensitivity({"low": "low_ses", "average": "average"},
                    {"profile.ratio.demand.loneliness": None}, metric="medicalised",
                    contrast=("low", "average"), n=2, seed=5, progress=False)
    assert s.samples["value[average]"].nunique() == 1
    assert s.samples["value[low]"].nunique() > 1
    assert tuple(s.ranges.loc["profile.ratio.demand.loneliness", ["low", "high"]]) == (1.5, 2.5)
    prof = Profile.preset("low_ses").with_parameters({"ratio.demand.loneliness": 1.5})
    assert prof.demand["loneliness"] == pytest.approx(1.5 * Profile.preset("average").demand[
        "loneliness"])
