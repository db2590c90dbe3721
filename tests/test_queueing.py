"""Exact queueing figures against hand-worked Erlang C, a tandem line and a Jackson network with
feedback solved densely from the traffic equations; properties and bad input."""

from __future__ import annotations

import inspect
import math
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecosystem import ConfigError, EcosystemError, ValidationError, datasets, from_frames
from ecosystem.flows import QueueResult, ReferralModel, default_capacity, erlang_c


# ---------------------------------------------------------------------- small networks
def network(resolve, edges=(), *, entry=None, servers=1, rate=10.0, resolve2=None):
    """Actors a0..a{n-1} of one domain, handover 1 on every tie (no loss).

    ``resolve``: per-actor resolve probability of need ``debt`` (``resolve2``: of ``loneliness``,
    default the same); ``entry``: entry weights (default: all at a0); ``edges``: (a, b, weight).
    """
    n = len(resolve)
    ids = [f"a{i}" for i in range(n)]
    entry = [1.0] + [0.0] * (n - 1) if entry is None else entry
    actors = pd.DataFrame({
        "id": ids, "kind": "welfare", "resolve_debt": resolve,
        "resolve_loneliness": resolve if resolve2 is None else resolve2,
        "entry_debt": entry, "entry_loneliness": entry,
        "servers": servers, "service_rate": rate})
    ties = None
    if edges:
        ties = pd.DataFrame({"source": [ids[a] for a, _, _ in edges],
                             "target": [ids[b] for _, b, _ in edges], "kind": "referral",
                             "weight": [float(w) for _, _, w in edges], "handover": 1.0})
    return from_frames(actors, ties)


def model_of(eco, demand, **kw):
    """A model of a hand-built network, routed by tie weight only (the rule of the references:
    the dense traffic equations and Ciw's routing matrices)."""
    kw.setdefault("max_hops", None)
    if "routing" in inspect.signature(ReferralModel).parameters:
        kw.setdefault("routing", "weight")
    return ReferralModel(eco, demand=pd.Series(demand), **kw)


def erlang_c_by_hand(c: int, lam: float, mu: float) -> float:
    """Erlang C from the textbook sum with factorials (not the recursion the library uses)."""
    a = lam / mu
    rho = a / c
    top = a**c / math.factorial(c) / (1 - rho)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


def mmc_wait(c: int, lam: float, mu: float) -> float:
    return erlang_c_by_hand(c, lam, mu) / (c * mu - lam)


# ---------------------------------------------------------------------- Erlang C by hand
def test_erlang_c_hand_values():
    # M/M/1: C = rho. M/M/2 with A = 1: C = (1/2 * 2) / (1 + 1 + 1) = 1/3.
    # M/M/3 with A = 2: sum_{k<3} = 1 + 2 + 2 = 5, A^3/3! / (1 - 2/3) = 4, C = 4/9.
    assert erlang_c(1, 0.75) == pytest.approx(0.75)
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert erlang_c(3, 2.0) == pytest.approx(4 / 9)
    assert erlang_c(np.array([1, 3]), np.array([1.5, 3.0])).tolist() == [1.0, 1.0]  # no steady
    assert erlang_c(4, 0.0) == 0.0
    # Large c: the recursion stays finite where factorials overflow floats.
    assert 0 < float(erlang_c(400, 380.0)) < 1


def test_mm1_single_actor():
    # lambda 3, mu 4: rho 0.75, Wq = rho / (mu - lambda) = 0.75, Lq = 2.25, W = 1.
    q = model_of(network([1.0], rate=4.0), {"debt": 3.0}).queueing()
    row = q.actors.loc["a0"]
    assert row["arrival_rate"] == pytest.approx(3.0)
    assert row["utilisation"] == pytest.approx(0.75)
    assert row["p_wait"] == pytest.approx(0.75)
    assert row["mean_wait"] == pytest.approx(0.75)
    assert row["mean_queue"] == pytest.approx(2.25)
    assert row["mean_time"] == pytest.approx(1.0)
    assert q.needs.loc[("all", "debt"), "mean_wait"] == pytest.approx(0.75)
    assert q.needs.loc[("all", "debt"), "mean_time"] == pytest.approx(1.0)


def test_mmc_single_actor():
    # M/M/3, lambda 2, mu 1: C = 4/9, Wq = (4/9) / (3 - 2) = 4/9.
    q = model_of(network([1.0], servers=3, rate=1.0), {"debt": 2.0}).queueing()
    assert q.actors.loc["a0", "p_wait"] == pytest.approx(4 / 9)
    assert q.actors.loc["a0", "mean_wait"] == pytest.approx(4 / 9)
    assert q.actors.loc["a0", "mean_queue"] == pytest.approx(8 / 9)


def test_tandem_line():
    # a0 -> a1 -> a2, resolved at a2 only: every actor sees lambda; waits add up.
    eco = network([0.0, 0.0, 1.0], [(0, 1, 1), (1, 2, 1)], servers=[1, 2, 1],
                  rate=[5.0, 3.0, 8.0])
    q = model_of(eco, {"debt": 4.0}).queueing()
    assert q.actors["arrival_rate"].tolist() == pytest.approx([4.0, 4.0, 4.0])
    waits = [mmc_wait(1, 4, 5), mmc_wait(2, 4, 3), mmc_wait(1, 4, 8)]
    assert q.actors["mean_wait"].tolist() == pytest.approx(waits)
    assert q.needs.loc[("all", "debt"), "mean_wait"] == pytest.approx(sum(waits))
    service = 1 / 5 + 1 / 3 + 1 / 8
    assert q.needs.loc[("all", "debt"), "mean_time"] == pytest.approx(sum(waits) + service)


def jackson():
    """Four actors with feedback (a1 -> a2 -> a1, a3 -> a0); two needs routed differently."""
    edges = [(0, 1, 2.0), (0, 2, 1.0), (1, 2, 1.0), (2, 1, 1.0), (2, 3, 3.0), (1, 3, 1.0),
             (3, 0, 1.0)]
    eco = network([0.2, 0.3, 0.4, 0.5], edges, entry=[0.6, 0.0, 0.4, 0.0],
                  resolve2=[0.5, 0.1, 0.2, 0.6], servers=[2, 1, 3, 2],
                  rate=[20.0, 30.0, 9.0, 12.0])
    return eco, edges


def traffic(eco, edges, resolve, entry, demand):
    """Arrival rates from the traffic equations lambda = gamma + lambda P, dense solve."""
    n = len(resolve)
    w = np.zeros((n, n))
    for a, b, x in edges:
        w[a, b] += x
    p = (1 - np.asarray(resolve))[:, None] * w / w.sum(axis=1, keepdims=True)
    gamma = demand * np.asarray(entry) / np.sum(entry)
    return np.linalg.solve((np.eye(n) - p).T, gamma)


def test_jackson_network_with_feedback():
    eco, edges = jackson()
    demand = {"debt": 10.0, "loneliness": 6.0}
    q = model_of(eco, demand).queueing()
    entry = [0.6, 0.0, 0.4, 0.0]
    lam_debt = traffic(eco, edges, [0.2, 0.3, 0.4, 0.5], entry, 10.0)
    lam_lone = traffic(eco, edges, [0.5, 0.1, 0.2, 0.6], entry, 6.0)
    lam = lam_debt + lam_lone
    assert q.actors["arrival_rate"].to_numpy() == pytest.approx(lam, rel=1e-9)
    servers, rate = [2, 1, 3, 2], [20.0, 30.0, 9.0, 12.0]
    waits = np.array([mmc_wait(c, x, m) for c, x, m in zip(servers, lam, rate, strict=True)])
    assert q.actors["mean_wait"].to_numpy() == pytest.approx(waits, rel=1e-9)
    assert q.actors["utilisation"].to_numpy() == pytest.approx(
        lam / (np.array(servers) * np.array(rate)))
    # Per resident: expected visits (lambda_n / D_n) times the wait at each actor.
    assert q.needs.loc[("all", "debt"), "mean_wait"] == pytest.approx(lam_debt @ waits / 10.0)
    assert q.needs.loc[("all", "loneliness"), "mean_wait"] == pytest.approx(
        lam_lone @ waits / 6.0)
    total = (lam_debt @ waits + lam_lone @ waits) / 16.0
    assert q.needs.loc[("all", "total"), "mean_wait"] == pytest.approx(total)


def test_unstable_actor_reported_infinite():
    q = model_of(network([0.0, 1.0], [(0, 1, 1)], rate=[10.0, 2.0]), {"debt": 3.0}).queueing()
    a1 = q.actors.loc["a1"]
    assert not a1["stable"] and a1["utilisation"] == pytest.approx(1.5)
    assert math.isinf(a1["mean_wait"]) and math.isinf(a1["mean_queue"])
    assert bool(q.actors.loc["a0", "stable"])
    assert math.isinf(q.needs.loc[("all", "debt"), "mean_wait"])
    b = q.bottlenecks(top=2)
    assert b.index[0] == "a1" and math.isnan(b.loc["a1", "wait_share"])
    assert b.loc["a1", "wait_rank"] == 1


def test_unreached_actor_waits_zero():
    q = model_of(network([1.0, 1.0]), {"debt": 3.0}).queueing()
    row = q.actors.loc["a1"]
    assert (row[["arrival_rate", "utilisation", "p_wait", "mean_wait", "mean_queue"]] == 0).all()
    assert bool(row["stable"])


def test_hop_limit_keeps_exact_arrival_rates():
    # A two-actor loop that never resolves at a1: with max_hops=3 a resident visits
    # a0, a1, a0, a1 (4 visits, 3 referrals) unless resolved at a0 (probability 0.5 each time).
    eco = network([0.5, 0.0], [(0, 1, 1), (1, 0, 1)], rate=100.0)
    q = model_of(eco, {"debt": 10.0}, max_hops=3).queueing()
    # Visits: a0 at hop 0 (1), a1 at hop 1 (0.5), a0 at hop 2 (0.5), a1 at hop 3 (0.25).
    assert q.actors["arrival_rate"].tolist() == pytest.approx([15.0, 7.5])


def test_per_neighbourhood_rows_average_to_all():
    eco = datasets.example()
    demand = pd.DataFrame({"debt": [120.0, 60.0], "loneliness": [80.0, 200.0]},
                          index=eco.neighbourhoods.index)
    q = ReferralModel(eco, demand=demand).queueing()
    needs = q.needs
    assert set(needs.index.get_level_values("neighbourhood")) == {"all", *eco.neighbourhoods.index}
    for need in ("debt", "loneliness", "total"):
        rows = needs.xs(need, level="need").drop("all")
        weighted = (rows["residents"] * rows["mean_wait"]).sum() / rows["residents"].sum()
        assert needs.loc[("all", need), "mean_wait"] == pytest.approx(weighted, rel=1e-9)
        assert needs.loc[("all", need), "residents"] == pytest.approx(rows["residents"].sum())


def test_result_helpers():
    q = model_of(network([1.0], rate=4.0), {"debt": 3.0}).queueing()
    assert isinstance(q, QueueResult) and q.method == "exact"
    days = q.in_unit("days")
    assert days.actors.loc["a0", "mean_wait"] == pytest.approx(0.75 * 365.25)
    assert days.actors.loc["a0", "arrival_rate"] == pytest.approx(3.0 / 365.25)
    assert days.actors.loc["a0", "utilisation"] == pytest.approx(0.75)
    assert days.in_unit("years").actors.loc["a0", "mean_wait"] == pytest.approx(0.75)
    long = q.to_frame()
    assert list(long.columns) == ["neighbourhood", "need", "actor_id", "metric", "value", "low",
                                  "high"]
    hit = long[(long["actor_id"] == "a0") & (long["metric"] == "mean_wait")]
    assert hit["value"].tolist() == pytest.approx([0.75])
    assert "mean_wait=0.75 years" in repr(q)
    with pytest.raises(ConfigError, match="unit"):
        q.in_unit("fortnights")
    with pytest.raises(ConfigError, match="top"):
        q.bottlenecks(top=0)


# ---------------------------------------------------------------------- capacity sources
def test_capacity_precedence_and_defaults():
    eco = datasets.example()
    model = ReferralModel(eco, demand=pd.Series({"debt": 50.0}))
    base = model.queueing().actors
    gp = eco.actors.loc[eco.actors["kind"] == "gp", "id"].tolist()
    assert (base.loc[gp, "servers"] == default_capacity().loc["gp", "servers"]).all()
    assert (base.loc[gp, "service_rate"] == 2960.0).all()
    by_kind = model.queueing(servers={"huisarts": 5}).actors  # Dutch alias of the kind
    assert (by_kind.loc[gp, "servers"] == 5).all()
    one = pd.Series({gp[0]: 7})
    by_id = model.queueing(servers=one, service_rate=2.0).actors
    assert by_id.loc[gp[0], "servers"] == 7 and by_id.loc[gp[1], "servers"] == 2
    assert (by_id["service_rate"] == 2.0).all()
    # A column in the actors table is used; the call wins over it.
    actors = eco.actors.assign(servers=np.where(eco.actors["kind"] == "gp", 4, np.nan))
    eco2 = from_frames(actors, eco.ties)
    col = ReferralModel(eco2, demand=pd.Series({"debt": 50.0})).queueing().actors
    assert (col.loc[gp, "servers"] == 4).all()
    assert (ReferralModel(eco2, demand=pd.Series({"debt": 50.0})).queueing(servers=1).actors[
        "servers"] == 1).all()


@pytest.mark.parametrize(("kw", "match"), [
    ({"servers": 0}, "servers"),
    ({"servers": 1.5}, "servers"),
    ({"servers": {"gp": -1}}, "servers"),
    ({"service_rate": 0.0}, "service_rate"),
    ({"service_rate": -3.0}, "service_rate"),
    ({"service_rate": float("nan")}, "service_rate"),
    ({"servers": {"astronaut": 2}}, "astronaut"),
    ({"servers": pd.Series({"nobody": 2})}, "nobody"),
    ({"servers": "two"}, "servers"),
])
def test_bad_capacity(kw, match):
    model = ReferralModel(datasets.example(), demand=pd.Series({"debt": 50.0}))
    with pytest.raises(EcosystemError, match=match):
        model.queueing(**kw)


def test_bad_capacity_column_names_actor():
    eco = datasets.example()
    actors = eco.actors.assign(servers=np.where(eco.actors["id"] == "debt_help", 0.5, np.nan))
    model = ReferralModel(from_frames(actors, eco.ties), demand=pd.Series({"debt": 5.0}))
    with pytest.raises(ValidationError, match="debt_help.*servers"):
        model.queueing()


def test_queueing_needs_demand():
    with pytest.raises(ConfigError, match="demand"):
        ReferralModel(datasets.example()).queueing()


# ---------------------------------------------------------------------- properties
rates = st.floats(1.0, 50.0)


@settings(max_examples=20)
@given(lam=st.floats(0.1, 40.0), c=st.integers(1, 6), mu=rates)
def test_utilisation_identity_and_extra_server(lam, c, mu):
    eco = network([1.0], servers=c, rate=mu)
    q = model_of(eco, {"debt": lam}).queueing().actors.loc["a0"]
    assert q["utilisation"] == pytest.approx(lam / (c * mu))
    more = model_of(eco, {"debt": lam}).queueing(servers=c + 1).actors.loc["a0"]
    assert more["mean_wait"] <= q["mean_wait"]
    if q["stable"]:
        assert q["mean_wait"] == pytest.approx(mmc_wait(c, lam, mu), rel=1e-9)
        assert q["mean_queue"] == pytest.approx(lam * q["mean_wait"])  # Little


@settings(max_examples=15)
@given(extra=st.integers(0, 3), who=st.integers(0, 3), scale=st.floats(0.5, 3.0))
def test_adding_a_server_never_increases_any_wait(extra, who, scale):
    eco, _ = jackson()
    model = model_of(eco, {"debt": 10.0 * scale, "loneliness": 6.0})
    base = pd.Series([2, 1, 3, 2], index=eco.index)
    q0 = model.queueing(servers=base)
    more = base.copy()
    more.iloc[who] += 1 + extra
    q1 = model.queueing(servers=more)
    assert (q1.actors["mean_wait"] <= q0.actors["mean_wait"]).all()
    assert (q1.needs["mean_wait"].fillna(0) <= q0.needs["mean_wait"].fillna(0)).all()


# ---------------------------------------------------------------------- generated capacity
@pytest.mark.parametrize("profile", ["average", "low_ses", "high_ses", "rural"])
def test_generated_neighbourhoods_carry_believable_capacity(profile):
    from ecosystem.generate import demand_of, generate_neighbourhood

    eco = generate_neighbourhood(profile, residents=2500, seed=1)
    actors = eco.actors
    assert (actors["servers"] >= 1).all() and (actors["servers"] % 1 == 0).all()
    assert (actors["service_rate"] > 0).all()
    q = ReferralModel(eco, demand=demand_of(eco)).queueing()
    assert q.actors["stable"].all()  # no default neighbourhood has an unbounded queue
    # The GP is sized from the NIVEL density: 0.44 FTE per 1,000 residents it serves.
    gp = actors[actors["kind"] == "gp"]
    served = 2500 / len(gp)
    assert (gp["servers"] == max(1, math.ceil(0.44 * served / 1000 - 1e-9))).all()
    # More residents, more capacity for the same kind.
    big = generate_neighbourhood(profile, residents=10_000, seed=1).actors
    assert big.loc[big["kind"] == "social_team", "servers"].sum() > actors.loc[
        actors["kind"] == "social_team", "servers"].sum()


# ---------------------------------------------------------------------- compare metrics
def test_queue_metrics_in_compare():
    from ecosystem.generate import demand_of, generate_neighbourhood
    from ecosystem.study import compare, queue_metric

    eco = generate_neighbourhood("low_ses", residents=2000, seed=3)
    study = compare({"e": eco}, metrics=["mean_wait", "max_utilisation", "unstable_actors"],
                    replicates=1, seed=0, progress=False)
    got = study.results.set_index("metric")["value"]
    q = ReferralModel(eco, demand=demand_of(eco)).queueing()
    assert got["mean_wait"] == pytest.approx(q.needs.loc[("all", "total"), "mean_wait"])
    assert got["max_utilisation"] == pytest.approx(q.actors["utilisation"].max())
    assert got["unstable_actors"] == (~q.actors["stable"]).sum()
    # Doubling the demand doubles every arrival rate, so the busiest utilisation doubles.
    half = queue_metric("max_utilisation", demand=demand_of(eco) * 2)(eco)
    assert half == pytest.approx(2 * got["max_utilisation"])
    days = queue_metric("mean_wait", unit="days")(eco)
    assert days == pytest.approx(got["mean_wait"] * 365.25)
    with pytest.raises(ConfigError, match="mean_wiat"):
        queue_metric("mean_wiat")
    with pytest.raises(ConfigError, match="demand"):
        queue_metric()(datasets.example())


def test_readme_capacity_example_runs():
    from pathlib import Path

    readme = (Path(__file__).parents[1] / "README.md").read_text()
    block = re.search(r"^Where does capacity bind.*?```python\n(.*?)```", readme, re.S | re.M)
    assert block is not None
    namespace: dict = {"es": __import__("ecosystem")}
    exec(compile(block.group(1), "README.md", "exec"), namespace)
    assert namespace["waits"].actors["stable"].all()
    sim = namespace["sim"]
    c = sim.counts
    assert c["arrived"] == c["departed"] + c["abandoned"] + c["in_system"]


@pytest.mark.parametrize("max_hops", [None, 0, 3, 10])
@pytest.mark.parametrize("by_neighbourhood", [False, True])
def test_visits_per_year_are_the_visits_columns_of_solve(max_hops, by_neighbourhood):
    """The queueing runs' arrival rates come from a solve without the outcome tables; it must
    give exactly the ``visits`` columns of solve().per_actor (same defaults, same numbers)."""
    from ecosystem.flows.exact import visits_per_year

    eco = datasets.example()
    needs = list(eco.schema.needs)
    if by_neighbourhood:
        rng = np.random.default_rng(3)
        demand = pd.DataFrame(rng.uniform(0, 300, (len(eco.neighbourhoods), len(needs))),
                              index=eco.neighbourhoods.index, columns=needs)
        demand.iloc[:, 0] = 0.0  # a need nobody has
    else:
        demand = pd.Series({"debt": 120.0, "loneliness": 40.0})
    model = ReferralModel(eco, demand=demand, max_hops=max_hops)
    expect = model.solve().per_actor["visits"][list(model.needs)].to_numpy().T
    np.testing.assert_array_equal(visits_per_year(model), expect)
    with pytest.raises(ConfigError, match="demand"):
        visits_per_year(ReferralModel(eco))
