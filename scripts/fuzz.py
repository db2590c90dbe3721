"""Run the readers' fuzz campaign by hand and print the outcome table.

    python scripts/fuzz.py --cases 2000 --seed 1 [--formats csv json graphml excel]

Each format gets ``--cases`` mutants of files the library wrote (see ``tests/fuzzing.py``).
Outcomes: accepted (read; checked against an independent parser and, for the lossless
formats, a write-read round trip), refused (an EcosystemError, as documented), other (any
other exception: a bug), hang (a read over 20 s: a bug), mismatch and round_trip (accepted
but different from the independent parse or after a round trip: bugs). Exit status 1 when
any bug was found; the first ones are printed with their case numbers.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests import fuzzing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=500, help="mutants per format")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--formats", nargs="+", default=list(fuzzing.FORMATS),
                        choices=fuzzing.FORMATS)
    args = parser.parse_args()
    start = time.perf_counter()
    report = fuzzing.run(args.cases, seed=args.seed, formats=tuple(args.formats))
    print(report.table())
    print(f"{sum(c['cases'] for c in report.counts.values())} cases in "
          f"{time.perf_counter() - start:.0f} s (seed {args.seed})")
    for bug in report.bugs:
        print("BUG", bug)
    return 1 if report.bad() else 0


if __name__ == "__main__":
    sys.exit(main())
