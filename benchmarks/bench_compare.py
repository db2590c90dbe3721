"""Benchmark: replicates per second of compare() serially, on 2 local processes and on Dask.

Targets (issue 6), on a 100-replicate study: 2 local worker processes reach >= 1.7x the
replicates per second of the serial run, and a Dask LocalCluster of 2 worker processes >= 1.5x.
Each replicate generates an average neighbourhood, applies two interventions and solves the
referral flows exactly for each (``"flows"`` metric). Process-pool start-up is included in the
timing (``executor=2`` starts and stops its pool inside compare()); the Dask cluster is started
before timing (a user keeps a cluster running) and its start-up is printed separately.

    python benchmarks/bench_compare.py                  # 100 replicates
    python benchmarks/bench_compare.py --replicates 10  # a quick run
"""

from __future__ import annotations

import argparse
import os
import time

from ecosystem.interventions import front_door, social_prescribing
from ecosystem.study import compare


def _run(replicates: int, executor) -> tuple[float, object]:
    t0 = time.perf_counter()
    study = compare(["average"], interventions={"none": None, "prescribing":
                                                social_prescribing(), "door": front_door()},
                    metrics=["flows", "ties"], replicates=replicates, seed=1, progress=False,
                    executor=executor)
    return time.perf_counter() - t0, study


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3,
                        help="rounds of (serial, 2 processes, Dask); the best time of each "
                             "mode counts, which filters out bursts of load from other jobs")
    parser.add_argument("--no-dask", action="store_true")
    args = parser.parse_args()
    n = args.replicates
    _run(2, None)  # warm-up: imports and first calls are not part of the serial figure
    print(f"load average before: {os.getloadavg()}")
    best = {"serial": float("inf"), "2 processes": float("inf"), "Dask (2 proc)": float("inf")}
    results = {}
    client = cluster = None
    if not args.no_dask:
        from dask.distributed import Client, LocalCluster

        t0 = time.perf_counter()
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
        client.wait_for_workers(2)
        print(f"Dask cluster start-up {time.perf_counter() - t0:.1f} s (not timed)")
    try:
        for _ in range(args.repeat):
            modes = [("serial", None), ("2 processes", 2)]
            if client is not None:
                modes.append(("Dask (2 proc)", client.get_executor()))
            for name, executor in modes:
                t, study = _run(n, executor)
                best[name] = min(best[name], t)
                results[name] = study.results
                print(f"  {name}: {t:.2f} s")
    finally:
        if client is not None:
            client.close()
            cluster.close()
    serial = best["serial"]
    print(f"serial:        {serial:.2f} s  {n / serial:.1f} replicates/s (best of {args.repeat})")
    for name, target in (("2 processes", 1.7), ("Dask (2 proc)", 1.5)):
        if name not in results:
            continue
        same = results[name].equals(results["serial"])
        print(f"{name + ':':14} {best[name]:.2f} s  {n / best[name]:.1f} replicates/s  speed-up "
              f"{serial / best[name]:.2f}x (target >= {target}x)  identical: {same}")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
