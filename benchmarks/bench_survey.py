"""Benchmark: importing a long-format partnership survey vs pandas.read_csv of the same file.

Target: ``read_survey`` of a long survey of 10,000 organisations and 2,000,000 answers (CSV:
respondent, partner, question, value; contact frequency on a 4-label Dutch scale and a
referral yes/no question) takes at most 3x the time of ``pandas.read_csv`` of the same file.
The survey is synthetic: 8,000 of the 10,000 organisations respond, each answering both
questions about 125 partners drawn at random. Both are timed in the same run, warm (the file
is read once before timing so both see it in the page cache). Wall and CPU time are both
reported (CPU time: of the whole process, every thread counted). The survey reader's compiled
passes (numba) are loaded by a first small read before timing; what that first use costs is
reported on its own (0.3-1 s per process by machine, and a compile of a few seconds once after
installing, or after a change to them).

    python benchmarks/bench_survey.py                  # 10,000 organisations, 2 M answers
    python benchmarks/bench_survey.py --answers 200000 # a quick run
    python benchmarks/bench_survey.py --repeat 5       # medians of 5 alternating runs
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from ecosystem import read_survey

KINDS = ["gp", "welfare", "social_team", "district_nursing", "community_network",
         "volunteer_org", "mental_health", "debt_counselling"]


def _make(n_orgs: int, n_answers: int, folder: Path, seed: int = 1) -> tuple[Path, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    ids = np.array([f"org{i:05d}" for i in range(n_orgs)], dtype=object)
    frame = pd.DataFrame({"id": ids, "kind": rng.choice(KINDS, n_orgs),
                          "neighbourhood": [f"buurt{i // 50:03d}" for i in range(n_orgs)]})
    respondents = rng.choice(n_orgs, size=int(0.8 * n_orgs), replace=False)
    per = max(1, n_answers // (2 * len(respondents)))
    r = np.repeat(respondents, per)
    p = rng.integers(0, n_orgs - 1, size=len(r))
    p = np.where(p >= r, p + 1, p)  # never oneself
    pairs = pd.DataFrame({"r": r, "p": p}).drop_duplicates()
    r, p = pairs["r"].to_numpy(), pairs["p"].to_numpy()
    contact = rng.choice(["nooit", "soms", "vaak", "altijd"], size=len(r), p=[.4, .3, .2, .1])
    refer = rng.choice(["nee", "ja"], size=len(r), p=[.8, .2])
    long = pd.DataFrame({
        "respondent": np.concatenate([ids[r], ids[r]]),
        "partner": np.concatenate([ids[p], ids[p]]),
        "question": np.repeat(["contact", "verwijzen"], len(r)),
        "value": np.concatenate([contact, refer]),
    })
    path = folder / "survey.csv"
    long.to_csv(path, index=False)
    return path, frame


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=10_000)
    parser.add_argument("--answers", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=1,
                        help="time both this many times (alternating) and report the medians")
    args = parser.parse_args()
    questions = {"contact": {"tie_kind": "collaboration",
                             "scale": ["nooit", "soms", "vaak", "altijd"]},
                 "verwijzen": {"tie_kind": "referral", "scale": ["nee", "ja"]}}
    with tempfile.TemporaryDirectory() as tmp:
        path, frame = _make(args.orgs, args.answers, Path(tmp))
        pd.read_csv(path)  # warm the page cache
        warm = Path(tmp) / "first"
        warm.mkdir()
        small, small_frame = _make(args.orgs, 2_000, warm)  # the same frame: the same types
        t0 = time.perf_counter()
        read_survey(small, actors=small_frame, layout="long", questions=questions)
        first_use = time.perf_counter() - t0
        pandas_times, our_times, pandas_cpu, our_cpu = [], [], [], []
        for _ in range(max(1, args.repeat)):
            t0, c0 = time.perf_counter(), time.process_time()
            raw = pd.read_csv(path)
            pandas_times.append(time.perf_counter() - t0)
            pandas_cpu.append(time.process_time() - c0)
            t0, c0 = time.perf_counter(), time.process_time()
            eco = read_survey(path, actors=frame, layout="long", questions=questions,
                              symmetrize="reciprocated")
            our_times.append(time.perf_counter() - t0)
            our_cpu.append(time.process_time() - c0)
    print(f"survey: {args.orgs} organisations, {len(raw):,} answers -> {eco.n_ties:,} ties "
          f"({eco.provenance[-1]['confirmed']:,} confirmed)")
    print(f"first use in this process (2,000 answers; compiled passes loaded, or compiled "
          f"once after installing): {first_use:.2f} s")
    # wall time, and CPU time of this process (all its threads): on a shared machine the CPU
    # time moves less with other jobs' load
    for clock, ours, theirs in (("wall", our_times, pandas_times), ("CPU", our_cpu, pandas_cpu)):
        t_pandas, t_ours = statistics.median(theirs), statistics.median(ours)
        print(f"{clock:4s} pandas.read_csv : {t_pandas:7.2f} s   read_survey : {t_ours:7.2f} s")
        ratio = t_ours / t_pandas
        if args.repeat > 1:
            # each run times pandas and then read_survey back to back: its ratio is paired,
            # so the machine's drift between runs cancels in it (the medians' ratio mixes runs)
            ratios = [o / p for o, p in zip(ours, theirs, strict=True)]
            print(f"{clock:4s} ratios of {args.repeat} runs, in order: "
                  + ", ".join(f"{r:.2f}" for r in ratios))
            paired = statistics.median(ratios)
            print(f"{clock:4s} median of the runs' ratios : {paired:5.2f}x  "
                  f"(target <= 3x: {'met' if paired <= 3 else 'NOT met'})")
        print(f"{clock:4s} ratio of medians : {ratio:5.2f}x  "
              f"(target <= 3x: {'met' if ratio <= 3 else 'NOT met'})")

if __name__ == "__main__":
    main()
