"""Benchmark: generating a region of neighbourhoods vs building its igraph view.

Target (issue 6): generating a 1,000-neighbourhood region takes at most 3x the time of building
the igraph view of the result (``eco.graph()`` on a fresh ecosystem, every tie kind).

    python benchmarks/bench_generate.py                 # 1,000 neighbourhoods
    python benchmarks/bench_generate.py --neighbourhoods 50
"""

from __future__ import annotations

import argparse

from _synthetic import timed
from ecosystem import Ecosystem
from ecosystem.generate import generate_region


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--neighbourhoods", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    t_gen, eco = timed(generate_region, args.neighbourhoods, seed=1, repeat=args.repeat)

    def view() -> None:  # a fresh copy each time, so the cached view is really built
        fresh = Ecosystem(eco.actors, eco.ties, name="copy")
        t = timed(fresh.graph)[0]
        return t

    t_view = min(view() for _ in range(args.repeat))
    print(f"region: {args.neighbourhoods} neighbourhoods, {eco.n_actors:,} actors, "
          f"{eco.n_ties:,} ties")
    print(f"generate_region: {t_gen:.3f} s   igraph view: {t_view:.3f} s   "
          f"ratio {t_gen / t_view:.2f}x (target <= 3x)")


if __name__ == "__main__":
    main()
