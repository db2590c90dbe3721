"""Benchmark: sensitivity evaluations per second on a fixed 10,000-actor ecosystem.

Targets (issue 9), varying only flow assumptions (two handovers, three resolve values, one entry
weight) on a fixed region of about 10,000 actors:

1. ``sensitivity()`` (serial) evaluates at least 10x as many parameter sets per second as the
   baseline: building a ``ReferralModel`` with the sampled values and calling ``solve()`` per
   parameter set;
2. ``sensitivity(executor=2)`` at least 1.7x the evaluations per second of the serial run
   (process-pool start-up included).

The region is generated once; its actors' own ``resolve_<need>`` / ``entry_<need>`` columns are
dropped so that the baseline's tables drive the model exactly as the sampled assumptions do (the
script checks that both give the same numbers). ``sensitivity()`` is timed end to end (sampling,
compiling the network, solving, Sobol' analysis). Each mode runs ``--repeat`` interleaved rounds
and the best time counts, which filters out bursts of load from other jobs.

    python benchmarks/bench_sensitivity.py              # n = 256: 2,048 evaluations a run
    python benchmarks/bench_sensitivity.py --n 64       # a quick run
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import pandas as pd

from ecosystem import Ecosystem, ReferralModel
from ecosystem.generate import demand_of, generate_region
from ecosystem.study import sensitivity

RANGES = {
    "handover_same": (0.8, 1.0),
    "handover_cross": (0.4, 0.95),
    "resolve.gp.loneliness": (0.05, 0.45),
    "resolve.welfare.loneliness": (0.3, 0.9),
    "resolve.social_team.debt": (0.2, 0.7),
    "entry.gp.loneliness": (2.0, 8.0),
}


def region(actors: int = 10_000) -> tuple[Ecosystem, pd.DataFrame]:
    n_nb = round(actors / 88.8)  # about 89 actors per neighbourhood of 2,500 residents
    table = pd.DataFrame({"neighbourhood": [f"nb{i:03d}" for i in range(n_nb)],
                          "residents": 2500,
                          "profile": (["average", "low_ses", "high_ses"] * n_nb)[:n_nb]})
    eco = generate_region(table, seed=1)
    own = [c for c in eco.actors.columns if str(c).startswith(("resolve_", "entry_"))]
    eco = Ecosystem(eco.actors.drop(columns=own), eco.ties, schema=eco.schema, name="bench",
                    neighbourhoods=eco.neighbourhoods,  # the demand travels with it
                    provenance=eco.provenance)
    return eco, demand_of(eco)


def baseline(eco: Ecosystem, demand: pd.DataFrame, rows: pd.DataFrame) -> np.ndarray:
    """A ReferralModel built with the sampled values and solve() per parameter set."""
    base = ReferralModel(eco, demand=demand)
    out = []
    for _, row in rows.iterrows():
        resolve, entry = base.resolve_table, base.entry_table
        for name, value in row.items():
            table, _, rest = str(name).partition(".")
            if table in ("resolve", "entry"):
                kind, need = rest.split(".")
                (resolve if table == "resolve" else entry).loc[kind, need] = value
        model = ReferralModel(eco, demand=demand, resolve=resolve, entry=entry,
                              handover_same=row["handover_same"],
                              handover_cross=row["handover_cross"])
        out.append(model.solve().outcomes.loc[("total", "lost"), "fraction"])
    return np.array(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=256, help="Sobol' base sample (power of 2)")
    parser.add_argument("--baseline-samples", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--actors", type=int, default=10_000)
    args = parser.parse_args()
    eco, demand = region(args.actors)
    print(f"ecosystem: {eco.n_actors} actors, {eco.n_ties} ties, "
          f"{len(eco.neighbourhoods)} neighbourhoods; {len(RANGES)} flow assumptions")
    evaluations = args.n * (len(RANGES) + 2)
    kw = dict(metric="lost", n=args.n, seed=1, progress=False)
    scenario = {"region": eco}
    check = sensitivity(scenario, RANGES, **{**kw, "n": 8})  # warm-up and the check below
    rows = check.samples[list(RANGES)].iloc[:args.baseline_samples]
    print(f"load average before: {os.getloadavg()}")
    best = {"baseline": np.inf, "serial": np.inf, "2 processes": np.inf}
    cpu: dict[str, list[float]] = {"baseline": [], "serial": []}  # CPU seconds per evaluation
    ref = None
    for _ in range(args.repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        ref = baseline(eco, demand, rows)
        best["baseline"] = min(best["baseline"], (time.perf_counter() - t0) / len(rows))
        cpu["baseline"].append((time.process_time() - c0) / len(rows))
        t0, c0 = time.perf_counter(), time.process_time()
        serial = sensitivity(scenario, RANGES, **kw)
        best["serial"] = min(best["serial"], (time.perf_counter() - t0) / evaluations)
        cpu["serial"].append((time.process_time() - c0) / evaluations)
        t0 = time.perf_counter()
        par = sensitivity(scenario, RANGES, executor=2, **kw)
        best["2 processes"] = min(best["2 processes"], (time.perf_counter() - t0) / evaluations)
        pd.testing.assert_frame_equal(serial.indices, par.indices)
    diff = np.abs(check.samples["value"].iloc[:len(rows)].to_numpy() - ref).max()
    print(f"load average after: {os.getloadavg()}")
    print(f"same numbers as the baseline: max |difference| of lost = {diff:.2e}")
    print(f"{'mode':<34}{'evaluations/s':>14}{'ratio':>8}{'target':>8}  met")
    rate = {k: 1.0 / v for k, v in best.items()}
    print(f"{'baseline: ReferralModel + solve()':<34}{rate['baseline']:>14.1f}")
    r1 = rate["serial"] / rate["baseline"]
    print(f"{'sensitivity(), serial':<34}{rate['serial']:>14.1f}{r1:>8.1f}{10:>8}  "
          f"{'yes' if r1 >= 10 else 'no'}")
    spread = {k: f"{1 / max(v):.1f}-{1 / min(v):.1f}" for k, v in cpu.items()}
    print(f"{'  by CPU time (all rounds)':<34}{'baseline ' + spread['baseline']:>22}  serial "
          f"{spread['serial']}/s; ratio of the best "
          f"{min(cpu['baseline']) / min(cpu['serial']):.1f}")
    r2 = rate["2 processes"] / rate["serial"]
    print(f"{'sensitivity(executor=2)':<34}{rate['2 processes']:>14.1f}{r2:>8.2f}{1.7:>8}  "
          f"{'yes' if r2 >= 1.7 else 'no'}  (vs serial)")


if __name__ == "__main__":
    main()
