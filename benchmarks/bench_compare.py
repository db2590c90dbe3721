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
    parser.add_argument("--no-dask", action="store_true")
    args = parser.parse_args()
    n = args.replicates
    _run(2, None)  # warm-up: imports and first calls are not part of the serial figure
    print(f"load average before: {os.getloadavg()}")
    t_serial, serial = _run(n, None)
    print(f"serial:        {t_serial:.2f} s  {n / t_serial:.1f} replicates/s")
    t_proc, proc = _run(n, 2)
    same = proc.results.equals(serial.results)
    print(f"2 processes:   {t_proc:.2f} s  {n / t_proc:.1f} replicates/s  speed-up "
          f"{t_serial / t_proc:.2f}x (target >= 1.7x)  identical: {same}")
    if not args.no_dask:
        from dask.distributed import Client, LocalCluster

        t0 = time.perf_counter()
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            client.wait_for_workers(2)
            t_start = time.perf_counter() - t0
            t_dask, dask_run = _run(n, client.get_executor())
        same = dask_run.results.equals(serial.results)
        print(f"Dask (2 proc): {t_dask:.2f} s  {n / t_dask:.1f} replicates/s  speed-up "
              f"{t_serial / t_dask:.2f}x (target >= 1.5x)  identical: {same}  "
              f"(cluster start-up {t_start:.1f} s, not timed)")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
