"""The discrete-event simulator against queueing theory (M/M/1, M/M/c, tandem, Jackson with
feedback, hop limit, Pollaczek-Khinchine for M/D/1 and M/G/1) and against Ciw; conservation,
reproducibility, patience, seasonality and bad input.

Statistical checks use batch-means intervals at level ``1 - 0.01 / m`` for the ``m`` comparisons
of a test (Bonferroni): with exact coverage the chance that a test fails for a seed is <= 1%;
the seeds are fixed, so a passing test never flakes.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecosystem import EcosystemError, datasets
from ecosystem.flows import ReferralModel
from ecosystem.flows.des import mser5
from tests.test_queueing import jackson, model_of, network


def within(sim, exact, columns, m):
    """Every simulated interval of ``columns`` holds the exact value; returns the misses."""
    misses = []
    for col in columns:
        for aid in exact.index:
            lo, hi = sim.loc[aid, f"{col}_low"], sim.loc[aid, f"{col}_high"]
            x = exact.loc[aid, col]
            if not lo <= x <= hi:
                misses.append((aid, col, lo, x, hi))
    return misses


def level(m):
    return 1 - 0.01 / m


CASES = {
    # name: (ecosystem, demand per year, model options, horizon in years)
    "M/M/1": (network([1.0], rate=400.0), {"debt": 300.0}, {}, 120.0),
    "M/M/3": (network([1.0], servers=3, rate=100.0), {"debt": 240.0}, {}, 120.0),
    "tandem": (network([0.0, 0.0, 1.0], [(0, 1, 1), (1, 2, 1)], servers=[1, 2, 1],
                       rate=[500.0, 300.0, 800.0]), {"debt": 400.0}, {}, 80.0),
    "jackson": (jackson()[0], {"debt": 10.0, "loneliness": 6.0}, {}, 1500.0),
    "hop limit": (network([0.3, 0.0], [(0, 1, 1), (1, 0, 1)], rate=[300.0, 250.0]),
                  {"debt": 100.0}, {"max_hops": 2}, 200.0),
}


@pytest.mark.parametrize("name", list(CASES))
def test_simulation_matches_theory(name):
    eco, demand, opts, horizon = CASES[name]
    model = model_of(eco, demand, **opts)
    exact = model.queueing()
    needs = exact.needs.dropna().index
    m = 3 * eco.n_actors + len(needs)  # actors x (wait, utilisation, arrival rate) + needs
    sim = model.simulate_queue(horizon, seed=11, level=level(m))
    assert not within(sim.actors, exact.actors, ["mean_wait", "utilisation", "arrival_rate"], m)
    assert not within(sim.needs.loc[needs], exact.needs.loc[needs], ["mean_wait"], m)
    assert sim.counts["arrived"] > 10_000  # the run is long enough to mean something


def test_pollaczek_khinchine_deterministic_and_lognormal():
    # M/G/1: Wq = lambda E[S^2] / (2 (1 - rho)) = rho (1 + cv^2) / (2 mu (1 - rho)).
    lam, mu, rho = 300.0, 400.0, 0.75
    model = model_of(network([1.0], rate=mu), {"debt": lam})
    m = 2
    for service, cv in (("deterministic", 0.0), ("lognormal", 0.5)):
        sim = model.simulate_queue(120.0, seed=5, service=service, service_cv=max(cv, 0.5),
                                   level=level(m))
        expect = rho * (1 + cv**2) / (2 * mu * (1 - rho))
        row = sim.actors.loc["a0"]
        assert row["mean_wait_low"] <= expect <= row["mean_wait_high"], (service, row)


def test_against_ciw():
    """The Jackson network built in Ciw gives indistinguishable mean waits and throughput."""
    ciw = pytest.importorskip("ciw")
    eco, edges = jackson()
    n = eco.n_actors
    w = np.zeros((n, n))
    for a, b, x in edges:
        w[a, b] += x
    resolve = {"debt": [0.2, 0.3, 0.4, 0.5], "loneliness": [0.5, 0.1, 0.2, 0.6]}
    demand = {"debt": 10.0, "loneliness": 6.0}
    entry = np.array([0.6, 0.0, 0.4, 0.0])
    rate, servers = [20.0, 30.0, 9.0, 12.0], [2, 1, 3, 2]
    net = ciw.create_network(
        arrival_distributions={k: [ciw.dists.Exponential(demand[k] * e) if e > 0 else None
                                   for e in entry] for k in demand},
        service_distributions={k: [ciw.dists.Exponential(r) for r in rate] for k in demand},
        routing={k: ((1 - np.asarray(resolve[k]))[:, None] * w
                     / w.sum(axis=1, keepdims=True)).tolist() for k in demand},
        number_of_servers=servers)
    horizon, warm = 420.0, 20.0
    ciw.seed(7)
    q = ciw.Simulation(net)
    q.simulate_until_max_time(horizon)
    recs = pd.DataFrame(q.get_all_records())
    recs = recs[recs["arrival_date"] >= warm]
    batch = ((recs["arrival_date"] - warm) / (horizon - warm) * 20).astype(int).clip(0, 19)
    per = recs.groupby([recs["node"] - 1, batch])["waiting_time"].mean().unstack()
    ciw_wait = per.mean(axis=1).to_numpy()  # mean of batch means
    ciw_se = per.std(axis=1, ddof=1).to_numpy() / np.sqrt(per.notna().sum(axis=1).to_numpy())
    done = recs[recs["exit_date"] < horizon]
    ciw_thr = np.bincount(done["node"] - 1, minlength=n) / (horizon - warm)

    ours = model_of(eco, demand).simulate_queue(2000.0, seed=7, warmup=20.0, level=0.95)
    a = ours.actors
    se = (a["mean_wait_high"] - a["mean_wait_low"]).to_numpy() / (2 * 1.96)
    # Two-sample z per actor for waits and throughput: 8 comparisons, Bonferroni at 1%.
    z = 3.23  # two-sided normal quantile for 0.01 / 8
    assert (np.abs(a["mean_wait"].to_numpy() - ciw_wait) <= z * np.hypot(se, ciw_se)).all()
    thr_se = np.sqrt(ciw_thr / (horizon - warm))  # Poisson count standard error
    ours_se = (a["throughput_high"] - a["throughput_low"]).to_numpy() / (2 * 1.96)
    assert (np.abs(a["throughput"].to_numpy() - ciw_thr) <= z * np.hypot(thr_se, ours_se)).all()


def test_conservation_with_patience_and_hop_limit():
    eco, _ = jackson()
    model = model_of(eco, {"debt": 30.0, "loneliness": 20.0}, max_hops=3)
    sim = model.simulate_queue(40.0, seed=2, patience=0.02, record=True)
    c = sim.counts
    assert c["arrived"] == c["departed"] + c["abandoned"] + c["in_system"]
    assert c["abandoned"] > 0 and c["departed"] > 0
    rec = sim.record
    last = rec.groupby("resident").tail(1)
    assert (last["outcome"] == "in_system").sum() == c["in_system"]
    assert (last["outcome"] == "abandoned").sum() == c["abandoned"]
    assert rec["resident"].nunique() == c["arrived"]
    # An abandoned visit waited exactly its patience; nobody started after waiting longer.
    ab = rec[rec["outcome"] == "abandoned"]
    assert np.allclose(ab["end"] - ab["arrival"], 0.02)
    assert ((rec["start"] - rec["arrival"]).dropna() <= 0.02 + 1e-12).all()
    # The hop limit holds: at most max_hops + 1 visits per resident.
    assert rec.groupby("resident").size().max() <= 4
    assert set(rec["outcome"]) <= {"referred", "resolved", "stuck", "lost", "exceeded",
                                   "abandoned", "in_system"}
    assert 0 < sim.needs.loc[("all", "total"), "abandoned"] < 1


def test_same_seed_same_numbers():
    model = ReferralModel(datasets.example(), demand=pd.Series({"debt": 300.0,
                                                                "loneliness": 300.0}))
    a = model.simulate_queue(3.0, seed=42)
    b = model.simulate_queue(3.0, seed=42)
    pd.testing.assert_frame_equal(a.actors, b.actors)
    pd.testing.assert_frame_equal(a.needs, b.needs)
    c = model.simulate_queue(3.0, seed=43)
    assert not a.actors["mean_wait"].equals(c.actors["mean_wait"])


def test_resuming_the_compiled_loop_changes_nothing(monkeypatch):
    """The compiled loop stops when its visit log is full and resumes once it has grown;
    where it stops must not change a number."""
    from ecosystem.flows import des

    model = ReferralModel(datasets.example(), demand=pd.Series({"debt": 300.0,
                                                                "loneliness": 300.0}))
    a = model.simulate_queue(3.0, seed=42, patience=0.01, record=True)
    run = des._run
    monkeypatch.setattr(des, "_run", lambda **kw: run(**{**kw, "capacity": 1}))
    b = model.simulate_queue(3.0, seed=42, patience=0.01, record=True)
    # The log starts at max(1,024, residents) slots, so it had to grow at least once.
    assert len(a.record) > max(1024, int(a.counts["arrived"]))
    pd.testing.assert_frame_equal(a.record, b.record)
    pd.testing.assert_frame_equal(a.actors, b.actors)
    pd.testing.assert_frame_equal(a.needs, b.needs)


def test_per_neighbourhood_and_seasonality():
    eco = datasets.example()
    demand = pd.DataFrame({"debt": [150.0, 50.0]}, index=eco.neighbourhoods.index)
    season = pd.Series([2.0, 0.0], index=[0.0, 0.5])  # all arrivals in the first half-year
    sim = ReferralModel(eco, demand=demand).simulate_queue(4.0, seed=1, seasonality=season,
                                                           record=True, warmup=0)
    first = sim.record.groupby("resident").head(1)
    assert (np.mod(first["arrival"], 1.0) < 0.5).all()
    counts = first.groupby("neighbourhood", observed=True).size()
    # 150 and 50 a year on average: 600 and 200 expected over 4 years (Poisson, 4.5 sd).
    assert abs(counts[eco.neighbourhoods.index[0]] - 600) < 4.5 * math.sqrt(600)
    assert abs(counts[eco.neighbourhoods.index[1]] - 200) < 4.5 * math.sqrt(200)
    assert set(sim.needs.index.get_level_values("neighbourhood")) == {"all",
                                                                     *eco.neighbourhoods.index}
    # A callable: a doubling in the second half of the year.
    sim2 = ReferralModel(eco, demand=demand).simulate_queue(
        4.0, seed=1, warmup=0, record=True,
        seasonality=lambda t: np.where(np.mod(t, 1.0) < 0.5, 0.5, 1.5))
    first2 = sim2.record.groupby("resident").head(1)
    late = (np.mod(first2["arrival"], 1.0) >= 0.5).mean()
    assert 0.7 < late < 0.8  # 3/4 expected


def test_mser5_cuts_a_transient_and_keeps_a_stationary_series():
    x = np.r_[np.linspace(10, 1, 50), np.ones(450) + np.tile([0.1, -0.1], 225)]
    assert mser5(x) == 50
    rng = np.random.default_rng(0)
    assert mser5(rng.normal(size=2000)) <= 1000
    assert mser5(np.ones(10)) == 0


def test_warmup_from_run_and_fixed():
    model = model_of(network([1.0], rate=400.0), {"debt": 300.0})
    sim = model.simulate_queue(5.0, seed=1)
    assert 0 <= sim.warmup <= 2.5
    assert model.simulate_queue(5.0, seed=1, warmup=1.0).warmup == 1.0
    assert model.simulate_queue(5.0, seed=1, warmup=0).warmup == 0.0


@pytest.mark.parametrize(("kw", "match"), [
    ({"horizon": 0.0}, "horizon"),
    ({"horizon": -1.0}, "horizon"),
    ({"horizon": 2.0, "warmup": 2.0}, "warmup"),
    ({"horizon": 2.0, "warmup": 3.0}, "warmup"),
    ({"horizon": 2.0, "warmup": -1.0}, "warmup"),
    ({"horizon": 2.0, "patience": 0.0}, "patience"),
    ({"horizon": 2.0, "patience": -0.1}, "patience"),
    ({"horizon": 2.0, "service": "uniform"}, "service"),
    ({"horizon": 2.0, "service": "lognormal", "service_cv": 0.0}, "service_cv"),
    ({"horizon": 2.0, "level": 1.0}, "level"),
    ({"horizon": 2.0, "servers": 0}, "servers"),
    ({"horizon": 2.0, "service_rate": -1.0}, "service_rate"),
    ({"horizon": 2.0, "seasonality": pd.Series([1.0], index=[0.3])}, "seasonality"),
    ({"horizon": 2.0, "seasonality": pd.Series([-1.0], index=[0.0])}, "seasonality"),
    ({"horizon": 2.0, "seasonality": "winter"}, "seasonality"),
    ({"horizon": 2.0, "seasonality": lambda t: -t}, "seasonality"),
])
def test_bad_input(kw, match):
    model = model_of(network([1.0], rate=400.0), {"debt": 300.0})
    with pytest.raises(EcosystemError, match=match):
        model.simulate_queue(**kw)


def test_arrival_rates_follow_the_flow_model_on_real_routing():
    """Every actor of the example receives the visits per year that solve() predicts: the
    simulator routes exactly as the referral model does (all needs, hop limit, handovers)."""
    eco = datasets.example()
    demand = pd.Series(600.0, index=list(eco.schema.needs))
    model = ReferralModel(eco, demand=demand)
    exact = model.queueing(servers=50, service_rate=1e4)
    reached = exact.actors.index[exact.actors["arrival_rate"] > 0]
    m = len(reached)
    sim = model.simulate_queue(6.0, servers=50, service_rate=1e4, seed=4, warmup=0.5,
                               level=level(m))
    assert not within(sim.actors.loc[reached], exact.actors.loc[reached], ["arrival_rate"], m)
    assert (sim.actors.loc[exact.actors["arrival_rate"] == 0, "arrival_rate"] == 0).all()


@settings(max_examples=10)
@given(patience=st.one_of(st.none(), st.floats(0.001, 0.1)), hops=st.integers(0, 4),
       horizon=st.floats(0.2, 3.0), seed=st.integers(0, 2**16),
       service=st.sampled_from(["exponential", "deterministic", "lognormal"]))
def test_conservation_property(patience, hops, horizon, seed, service):
    eco, _ = jackson()
    model = model_of(eco, {"debt": 200.0, "loneliness": 100.0}, max_hops=hops)
    sim = model.simulate_queue(horizon, seed=seed, patience=patience, service=service,
                               servers=1, warmup=0)
    c = sim.counts
    assert c["arrived"] == c["departed"] + c["abandoned"] + c["in_system"]
    a = sim.actors
    assert ((a["utilisation"] >= 0) & (a["utilisation"] <= 1 + 1e-12)).all()
    assert (a["throughput"] <= a["arrival_rate"] + 1e-9).all()  # nobody leaves twice


@settings(max_examples=30)
@given(seed=st.integers(0, 2**16), level=st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_batch_means_half_width_against_scipy_row_by_row(seed, level):
    """The vectorised half-width (one t-quantile table per level) equals Student's t interval
    computed row by row with scipy, over rows with 0 to 20 finite batch means."""
    from scipy import stats

    from ecosystem.flows.des import BATCHES, _t_half

    rng = np.random.default_rng(seed)
    values = rng.normal(size=(40, BATCHES))
    values[rng.random(values.shape) < rng.random((40, 1))] = np.nan  # 0..20 batches per row
    values[0] = np.nan
    values[1, 1:] = np.nan
    half = _t_half(values, level)
    for row, h in zip(values, half, strict=True):
        x = row[np.isfinite(row)]
        if len(x) < 2:
            assert np.isnan(h)
            continue
        lo, hi = stats.t.interval(level, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
        assert h == pytest.approx((hi - lo) / 2, rel=1e-12)


def test_grouped_means_share_their_keys_and_match_pandas():
    """Several value arrays over the same groups and batches: each mean per group equals a
    pandas groupby mean; the batch-means bounds equal those from each array alone."""
    from ecosystem.flows.des import BATCHES, _grouped

    rng = np.random.default_rng(5)
    group = rng.integers(0, 7, 2_000)
    batch = rng.integers(0, BATCHES, 2_000)
    group[group == 3] = 4  # group 3 has no observations
    a, b = rng.exponential(size=2_000), rng.random(2_000)
    (ma, ma_lo, ma_hi), (mb, _, _) = _grouped((a, b), group, batch, 7, 0.95)[0]
    n_obs = _grouped((a,), group, batch, 7, 0.95)[1]
    frame = pd.DataFrame({"g": group, "a": a, "b": b})
    expect = frame.groupby("g")[["a", "b"]].mean().reindex(range(7))
    np.testing.assert_allclose(ma, expect["a"], rtol=1e-12)
    np.testing.assert_allclose(mb, expect["b"], rtol=1e-12)
    np.testing.assert_array_equal(n_obs, np.bincount(group, minlength=7))
    [(alone, alone_lo, alone_hi)], _ = _grouped((a,), group, batch, 7, 0.95)
    np.testing.assert_array_equal(ma, alone)
    np.testing.assert_array_equal(ma_lo, alone_lo)
    np.testing.assert_array_equal(ma_hi, alone_hi)
    assert np.isnan(ma[3]) and (ma_lo[~np.isnan(ma)] < ma[~np.isnan(ma)]).all()
