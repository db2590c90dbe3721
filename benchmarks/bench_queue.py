"""Queueing simulation: residents per second against Ciw, and events per second as networks grow.

Prints, in one run:

1. on ``_synthetic.frames(50, 150)`` (about 50 actors, every need, ``max_hops=None``, each actor
   sized to utilisation about 0.7), simulated residents per second of
   ``ReferralModel.simulate_queue`` (whole call: arrivals, event loop, warm-up, batch-means
   intervals) against Ciw 3 (``Simulation.simulate_until_max_time``) on the same network built
   with per-need routing matrices (target >= 50x);
2. events per second (visits started + visits ended) of ``simulate_queue`` on networks of 50 to
   10,000 actors with the same load per actor (target: falls by at most 2x from 50 to 10,000).

Usage: ``python benchmarks/bench_queue.py`` (about a minute).
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
import pandas as pd

from _synthetic import frames
from ecosystem import Ecosystem
from ecosystem.flows import ReferralModel

RATE = 200.0  # visits per server-year at every actor
TARGET_UTILISATION = 0.7


def build(n_actors: int, seed: int = 0) -> tuple[ReferralModel, pd.Series, pd.Series]:
    """A model with demand proportional to the size and servers sized to utilisation ~0.7."""
    actors, ties = frames(n_actors, 3 * n_actors, seed=seed)
    eco = Ecosystem(actors, ties)
    needs = list(eco.schema.needs)
    demand = pd.Series(4.0 * n_actors, index=needs)  # residents per year, per need
    model = ReferralModel(eco, demand=demand, max_hops=None)
    lam = model.queueing(servers=1, service_rate=1e12).actors["arrival_rate"]
    servers = np.maximum(1, np.ceil(lam / (TARGET_UTILISATION * RATE))).astype(int)
    return model, pd.Series(servers, index=eco.index), pd.Series(RATE, index=eco.index)


def ciw_network(model: ReferralModel, servers: pd.Series):
    import ciw

    c = model._compiled
    step = c.step.toarray()
    classes = {}
    demand = model.demand
    for k, need in enumerate(c.needs):
        routing = ((1.0 - c.resolve[k]) * ~c.sink)[:, None] * step
        arrivals = [ciw.dists.Exponential(float(demand[need] * e)) if e > 0 else None
                    for e in c.entry[k]]
        classes[need] = (arrivals, routing.tolist())
    return ciw.create_network(
        arrival_distributions={k: v[0] for k, v in classes.items()},
        service_distributions={k: [ciw.dists.Exponential(RATE)] * c.n for k in classes},
        routing={k: v[1] for k, v in classes.items()},
        number_of_servers=[int(x) for x in servers])


def run_ciw(model: ReferralModel, servers: pd.Series, horizon: float, seed: int):
    import ciw

    net = ciw_network(model, servers)
    ciw.seed(seed)
    t0 = time.perf_counter()
    q = ciw.Simulation(net)
    q.simulate_until_max_time(horizon)
    wall = time.perf_counter() - t0
    recs = q.get_all_records()
    residents = len({r.id_number for r in recs})
    return wall, residents


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ciw-horizon", type=float, default=4.0,
                        help="years simulated by Ciw on the 50-actor network")
    parser.add_argument("--horizon", type=float, default=120.0,
                        help="years simulated by ecosystem on the 50-actor network")
    parser.add_argument("--events", type=float, default=600_000,
                        help="approximate events per run in the scaling part")
    args = parser.parse_args()

    model, servers, rate = build(50)
    print(f"network: {model.ecosystem.n_actors} actors, {model.ecosystem.n_ties} ties, "
          f"{len(model.needs)} needs, demand {model.demand.sum():.0f} residents/year")
    wall_ciw, res_ciw = run_ciw(model, servers, args.ciw_horizon, seed=1)
    t0 = time.perf_counter()
    sim = model.simulate_queue(args.horizon, servers=servers, service_rate=rate, seed=1)
    wall = time.perf_counter() - t0
    ours = sim.counts["arrived"] / wall
    theirs = res_ciw / wall_ciw
    print("\n1. residents simulated per second, same network (about 50 actors)")
    print(f"{'':>12}{'residents':>12}{'seconds':>10}{'residents/s':>14}")
    print(f"{'Ciw 3':>12}{res_ciw:>12,}{wall_ciw:>10.2f}{theirs:>14,.0f}")
    print(f"{'ecosystem':>12}{sim.counts['arrived']:>12,}{wall:>10.2f}{ours:>14,.0f}")
    print(f"ratio {ours / theirs:.1f}x (target >= 50x): "
          f"{'met' if ours / theirs >= 50 else 'NOT met'}")

    print("\n2. events per second by network size (same load per actor)")
    print(f"{'actors':>8}{'events':>12}{'seconds':>10}{'events/s':>12}")
    rates = {}
    for n in (50, 500, 2000, 10_000):
        m, srv, mu = build(n)
        per_year = 2.0 * float(m.queueing(servers=srv, service_rate=mu).actors[
            "arrival_rate"].sum())  # each visit: one start, one end
        horizon = max(1.0, args.events / per_year)
        t0 = time.perf_counter()
        s = m.simulate_queue(horizon, servers=srv, service_rate=mu, seed=2)
        wall = time.perf_counter() - t0
        rates[n] = s.counts["events"] / wall
        print(f"{n:>8}{s.counts['events']:>12,}{wall:>10.2f}{rates[n]:>12,.0f}")
    fall = rates[50] / rates[10_000]
    print(f"fall from 50 to 10,000 actors: {fall:.2f}x (target <= 2x): "
          f"{'met' if fall <= 2 else 'NOT met'}")
    assert math.isfinite(fall)


if __name__ == "__main__":
    main()
