"""Referral flows on a large synthetic ecosystem: exact solver and simulator against baselines.

Prints, in one run, on ``_synthetic.frames(n_actors, n_ties)`` with 8 needs and need-aware
routing (the default; ``--routing weight`` for the rule by tie weight alone):

1. ``solve()`` with ``max_hops=10`` against the bare sparse matrix-vector products it needs
   (10 products per need with the same step matrix; target <= 2x);
2. ``solve()`` with ``max_hops=None`` per need against one igraph PageRank on the same weighted
   directed graph (target: no slower);
3. ``simulate()`` walker-steps per second against a straightforward pure-Python walker on the
   same model, measured on a sample of residents (target >= 50x), and in absolute terms
   (target >= 10 million walker-steps per second per core; the simulator is single-threaded).

Usage: ``python benchmarks/bench_flows.py --scale 0.01`` (seconds) or ``--scale 1`` (1,000,000
actors, 5,000,000 ties; by hand, one heavy job at a time).
"""

from __future__ import annotations

import argparse
import random
import time

import numpy as np

from _synthetic import frames, timed
from ecosystem import Ecosystem, Schema
from ecosystem.flows import ReferralModel


def _schema_8_needs() -> Schema:
    s = Schema.default()
    return Schema(list(s.actor_kinds.values()), list(s.tie_kinds.values()),
                  list(s.needs.values())[:8])


def _entries(model: ReferralModel, n_residents: int, seed: int) -> list[list[int]]:
    """Entry actors per need for the Python walker (drawn outside its timing)."""
    rng = np.random.default_rng(seed)
    c = model._compiled
    return [rng.choice(c.n, n_residents, p=c.entry[k]).tolist()
            for k in range(len(c.needs))]


def _python_walker(model: ReferralModel, entries: list[list[int]], seed: int) -> int:
    """The straightforward walker: one resident at a time, Python lists and ``random``.

    Under need-aware routing the choice weights are the tie weights times the targets'
    suitability for the resident's need (the tie weights where those are all 0).
    """
    c = model._compiled
    rnd = random.Random(seed)
    indptr = c.indptr.tolist()
    indices = c.indices.tolist()
    weight = c.weight.tolist()
    handover = c.handover.tolist()
    resolve = c.resolve.tolist()
    suit = None if c.suit is None else c.suit.tolist()
    steps = 0
    for k, starts in enumerate(entries):
        for a in starts:
            hops = 0
            while True:
                steps += 1
                if rnd.random() < resolve[k][a]:
                    break
                lo, hi = indptr[a], indptr[a + 1]
                if lo == hi or hops == model.max_hops:
                    break
                choice = weight[lo:hi]
                if suit is not None:
                    by_need = [weight[j] * suit[k][indices[j]] for j in range(lo, hi)]
                    if sum(by_need) > 0:
                        choice = by_need
                j = rnd.choices(range(lo, hi), weights=choice)[0]
                if rnd.random() >= handover[j]:
                    break
                a = indices[j]
                hops += 1
    return steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.01,
                        help="fraction of 1,000,000 actors and 5,000,000 ties (default 0.01)")
    parser.add_argument("--residents", type=int, default=None,
                        help="simulated residents per need (default 1.25 x actors)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--routing", choices=["need", "weight"], default="need")
    args = parser.parse_args()
    n_actors = max(100, int(1_000_000 * args.scale))
    n_ties = max(500, int(5_000_000 * args.scale))

    t0 = time.perf_counter()
    actors, ties = frames(n_actors, n_ties, seed=0)
    eco = Ecosystem(actors, ties, schema=_schema_8_needs())
    print(f"ecosystem: {eco.n_actors:,} actors, {eco.n_ties:,} ties, 8 needs "
          f"(built in {time.perf_counter() - t0:.1f} s); routing={args.routing!r}")

    # 1. finite max_hops against the bare products --------------------------------------
    t_build, model = timed(lambda: ReferralModel(eco, max_hops=10, routing=args.routing))
    t_compile, _ = timed(lambda: model._compiled.step_t)
    step = model._compiled.step
    print(f"step matrix: {step.nnz:,} stored pairs; model {t_build:.2f} s, "
          f"compile {t_compile:.2f} s (once per model)")
    t_solve, res = timed(model.solve, repeat=args.repeat)
    entry = model._compiled.entry

    def bare(matrix) -> None:
        # The products solve() needs: max_hops chained products per need, one vector each.
        for j in range(entry.shape[0]):
            x = entry[j]
            for _ in range(10):
                x = matrix @ x

    t_bare_csc, _ = timed(bare, step.T, repeat=args.repeat)
    t_bare_csr, _ = timed(bare, model._compiled.step_t, repeat=args.repeat)
    t_bare = min(t_bare_csc, t_bare_csr)
    print(f"[1] solve(max_hops=10): {t_solve:.3f} s; 80 bare products: {t_bare:.3f} s "
          f"({t_bare / 80 * 1e3:.1f} ms each; csc {t_bare_csc:.3f}, csr {t_bare_csr:.3f}); "
          f"ratio {t_solve / t_bare:.2f}x (target <= 2x)")
    total = res.outcomes.loc["total"]["fraction"]
    print("    total outcomes: " + ", ".join(f"{k} {v:.4f}" for k, v in total.items()))

    # 2. max_hops=None against PageRank -----------------------------------------------
    unlimited = ReferralModel(eco, max_hops=None, routing=args.routing)
    unlimited._compiled.step_t  # noqa: B018 (compile outside the timing, as for model 1)
    t_none, res_none = timed(unlimited.solve, repeat=args.repeat)
    rows = res_none.hops.index.get_level_values("hops").max()
    graph = eco.graph(["referral", "collaboration"], directed=True, parallel="sum")
    t_pr, _ = timed(lambda: graph.pagerank(weights="weight"), repeat=args.repeat)
    print(f"[2] solve(max_hops=None): {t_none:.3f} s for 8 needs ({rows} referrals hop by hop, "
          f"the rest by BiCGSTAB, tol 1e-12) = {t_none / 8:.3f} s per need; igraph PageRank "
          f"{t_pr:.3f} s; ratio {t_none / 8 / t_pr:.2f}x (target <= 1x)")
    gap = (res_none.outcomes["fraction"] - res.outcomes["fraction"]).abs().max()
    print(f"    unlimited vs max_hops=10: largest outcome difference {gap:.4f}")

    # 3. simulation throughput ----------------------------------------------------------
    residents = args.residents or max(1000, int(1.25 * eco.n_actors))
    t_cold, _ = timed(lambda: model.simulate(residents, seed=1))  # builds sampling tables
    t_sim, sim = timed(lambda: model.simulate(residents, seed=1), repeat=args.repeat)
    rate = sim.walker_steps / t_sim
    sample = max(200, min(5000, residents // 50))
    entries = _entries(model, sample, seed=1)
    t_py, py_steps = timed(lambda: _python_walker(model, entries, seed=1))
    py_rate = py_steps / t_py
    print(f"[3] simulate({residents:,} per need): {sim.walker_steps:,} walker-steps in "
          f"{t_sim:.3f} s = {rate / 1e6:.2f} M steps/s (target >= 10 M/s/core); pure-Python "
          f"walker ({sample:,} per need): {py_rate / 1e6:.3f} M steps/s; ratio "
          f"{rate / py_rate:.0f}x (target >= 50x)")
    print(f"    first call (builds the model's sampling tables, cold memory): {t_cold:.3f} s = "
          f"{sim.walker_steps / t_cold / 1e6:.2f} M steps/s")
    z = ((sim.outcomes["fraction"] - res.outcomes["fraction"]).abs()
         / sim.outcomes["se"].where(sim.outcomes["se"] > 0)).max()
    print(f"    simulation vs exact: max |z| over outcomes {z:.2f}")


if __name__ == "__main__":
    main()
