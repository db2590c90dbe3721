"""Benchmark: overhead of running a study file over calling compare() directly.

Target: ``ecosystem run`` (Study.run with an output directory: chunks persisted as they
finish, results as Parquet and CSV, manifest, report.html with its figures) takes at most 10%
longer than compare() on the same scenarios, interventions, metrics, replicates and seed, for a
1,000-replicate study. The study is the built-in demo study (two kinds of neighbourhood, three
interventions, six metrics) with its replicates set to ``--replicates``. Both run serially in
this process; the ratio is printed from the same run, and the results are checked equal.

    python benchmarks/bench_study.py                   # 1,000 replicates (minutes)
    python benchmarks/bench_study.py --replicates 50   # a quick run
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import tempfile
import time
from pathlib import Path

import pandas as pd

from ecosystem.study import compare, demo_study


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=1000)
    parser.add_argument("--chunk", type=int, default=25, help="replicates per chunk file")
    args = parser.parse_args()
    study = dataclasses.replace(demo_study(), replicates=args.replicates, chunk=args.chunk)

    t0 = time.perf_counter()
    direct = compare(study.scenario_objects(), interventions=study.intervention_objects(),
                     metrics=list(study.metrics), replicates=study.replicates,
                     seed=study.seed, baseline=study.baseline_scenario(), progress=False,
                     chunksize=study.chunk)
    t_compare = time.perf_counter() - t0

    clock = _Clock()
    with tempfile.TemporaryDirectory() as tmp, clock.installed():
        out = Path(tmp) / "out"
        t0 = time.perf_counter()
        ran = study.run(out, resume=False)
        t_run = time.perf_counter() - t0
        written = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    pd.testing.assert_frame_equal(ran.results, direct.results)

    evaluations = len(study.scenarios) * len(study.interventions) * study.replicates
    print(f"study: {evaluations} evaluations ({study.replicates} replicates), "
          f"{len(study.metrics)} metrics, {len(direct.results)} result rows")
    print(f"compare() directly          : {t_compare:8.2f} s")
    print(f"Study.run (files + report)  : {t_run:8.2f} s   ({written / 1e6:.1f} MB written)")
    overhead = t_run / t_compare - 1
    print(f"overhead                    : {100 * overhead:+8.1f} %   (target <= +10 %: "
          f"{'met' if overhead <= 0.10 else 'NOT met'})")
    # The same split inside the one run: evaluating replicates vs the runner's own work
    # (chunk files, results, manifest, report). Unlike the difference of two long runs, it
    # does not move with other jobs' load on a shared machine.
    evaluating = clock.execute - clock.save
    own = t_run - evaluating
    print(f"inside Study.run            : evaluating {evaluating:8.2f} s, runner's own work "
          f"{own:.2f} s (chunk files {clock.save:.2f} s) = {100 * own / evaluating:+.1f} % of "
          f"the evaluation (target <= +10 %: {'met' if own <= 0.10 * evaluating else 'NOT met'})")


class _Clock:
    """Seconds spent in the runner's evaluation (``_execute``) and in saving chunk files."""

    def __init__(self) -> None:
        self.execute = 0.0
        self.save = 0.0

    @contextlib.contextmanager
    def installed(self):
        from ecosystem.study import runner

        execute, save = runner._execute, runner._ChunkStore.save

        def timed_execute(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return execute(*args, **kwargs)
            finally:
                self.execute += time.perf_counter() - t0

        def timed_save(store, *args, **kwargs):
            t0 = time.perf_counter()
            try:
                return save(store, *args, **kwargs)
            finally:
                self.save += time.perf_counter() - t0

        runner._execute, runner._ChunkStore.save = timed_execute, timed_save
        try:
            yield self
        finally:
            runner._execute, runner._ChunkStore.save = execute, save


if __name__ == "__main__":
    main()
