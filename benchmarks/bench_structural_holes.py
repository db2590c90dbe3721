"""structural_holes (all four columns) against igraph's constraint and networkx's constraint.

Usage: ``python benchmarks/bench_structural_holes.py [--scale 1.0] [--nx-sample 200]``.
Scale 1 is the issue's size: 1,000,000 actors and 5,000,000 ties (several GB; run by hand).
The Ecosystem's views (the CSR adjacency and the undirected simple graph whose triangles
structural_holes lists) are built before timing: building them is the foundation's benchmark.

networkx is timed at 100,000 actors x scale (scaled down with the rest) on a random sample of
``--nx-sample`` actors with its per-node code path, and extrapolated linearly to all actors
(the per-node cost does not depend on the other nodes); its whole-graph matrix path forms a
dense n x n product and cannot run at that size.
"""

from __future__ import annotations

import argparse

import igraph as ig
import networkx as nx
import numpy as np

from _synthetic import frames, timed
from ecosystem import Ecosystem
from ecosystem.algorithms.structural_holes import structural_holes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=0.01)
    ap.add_argument("--nx-sample", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()

    n, m = int(1_000_000 * args.scale), int(5_000_000 * args.scale)
    eco = Ecosystem(*frames(n, m, seed=0))
    g = eco.graph(parallel="sum")  # the simple summed view: the same graph for both tools
    eco.adjacency()
    eco.graph(directed=False, weight=None, parallel="sum")  # the contact graph's triangles
    w = g.es["weight"]
    print(f"ecosystem: {eco.n_actors:,} actors, {eco.n_ties:,} ties; "
          f"view: {g.vcount():,} vertices, {g.ecount():,} edges")

    t_ours, ours = timed(structural_holes, eco, repeat=args.repeat)
    t_ig, ig_c = timed(ig.Graph.constraint, g, weights=w, repeat=args.repeat)
    ig_c = np.asarray(ig_c)
    ok = np.isfinite(ig_c)
    assert np.allclose(ours["constraint"].to_numpy()[ok], ig_c[ok], rtol=1e-9)
    print(f"structural_holes (4 columns): {t_ours:8.2f} s")
    print(f"igraph constraint (1 column): {t_ig:8.2f} s")
    print(f"ratio ours / igraph:          {t_ours / t_ig:8.2f}  (target <= 1)")

    n_nx = int(100_000 * args.scale)
    small = Ecosystem(*frames(n_nx, 5 * n_nx, seed=1))
    small.adjacency()
    small.graph(directed=False, weight=None, parallel="sum")
    t_small, _ = timed(structural_holes, small, repeat=args.repeat)
    sg = small.graph(parallel="sum")
    gx = nx.DiGraph()
    gx.add_nodes_from(range(sg.vcount()))
    gx.add_weighted_edges_from(
        (e.source, e.target, wt) for e, wt in zip(sg.es, sg.es["weight"], strict=True))
    rng = np.random.default_rng(0)
    sample = rng.choice(sg.vcount(), min(args.nx_sample, sg.vcount()), replace=False).tolist()
    t_nx_sample, _ = timed(nx.constraint, gx, sample, weight="weight")
    t_nx = t_nx_sample * sg.vcount() / len(sample)
    print(f"\nat {small.n_actors:,} actors, {small.n_ties:,} ties:")
    print(f"structural_holes (4 columns): {t_small:8.2f} s")
    print(f"networkx constraint:          {t_nx:8.2f} s  (extrapolated from {len(sample)} "
          f"actors: {t_nx_sample:.2f} s)")
    print(f"speed-up over networkx:       {t_nx / t_small:8.1f}x (target >= 5)")


if __name__ == "__main__":
    main()
