"""Benchmark: brokerage() against igraph's Graph.constraint on the same generated ecosystem.

Target (issue 4): brokerage within 1.5x the time of igraph's constraint call. The ecosystem's
views are built first (building them is the foundation's benchmark), so both sides read a
ready view. Full scale is 1,000,000 actors and 5,000,000 ties; run it by hand:

    python benchmarks/bench_brokerage.py            # full scale
    python benchmarks/bench_brokerage.py --scale 0.01
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _synthetic import frames, timed
from ecosystem import Ecosystem
from ecosystem.algorithms.brokerage import brokerage


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0,
                        help="fraction of 1,000,000 actors / 5,000,000 ties (default 1)")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    n_actors = max(10, int(1_000_000 * args.scale))
    n_ties = max(10, int(5_000_000 * args.scale))
    eco = Ecosystem(*frames(n_actors, n_ties, args.seed))
    # Views both sides read: the weighted igraph view for constraint; the 0/1 directed
    # adjacency and the undirected simple view for brokerage.
    graph = eco.graph()
    eco.adjacency(directed=True, weight=None)
    eco.graph(directed=False, weight=None, parallel="sum")
    t_ig, _ = timed(graph.constraint, weights="weight", repeat=args.repeat)
    t_br, roles = timed(brokerage, eco, repeat=args.repeat)
    t_z, _ = timed(brokerage, eco, standardize=True, repeat=args.repeat)
    print(f"ecosystem: {eco.n_actors:,} actors, {eco.n_ties:,} ties; "
          f"{int(roles['total'].sum()):,} open two-paths")
    print(f"igraph constraint:           {t_ig:8.2f} s")
    print(f"brokerage (counts):          {t_br:8.2f} s   ratio {t_br / t_ig:5.2f} (target <= 1.5)")
    print(f"brokerage (standardize):     {t_z:8.2f} s   ratio {t_z / t_ig:5.2f}")


if __name__ == "__main__":
    main()
