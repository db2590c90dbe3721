"""centrality's overhead over the bare igraph calls it makes, on the same cached view.

Usage: ``python benchmarks/bench_centrality.py [--scale 0.01] [--k 8] [--repeat 2]``.
Scale 1 is the issue's size: 1,000,000 actors and 5,000,000 ties (run by hand). Views are
built before timing. Path measures use ``k`` sampled sources (exact ones cost one search per
actor). The baseline makes the same igraph calls with the same arguments on the same graph;
the overhead is everything else (validation, conversions, normalisation, the DataFrame).
Clustering is a sparse formula, not an igraph call: it is timed on its own, with igraph's
undirected local transitivity on the same graph printed for scale (a different definition).
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

from _synthetic import frames, timed
from ecosystem import Ecosystem
from ecosystem.algorithms.centrality import MEASURES, centrality

IGRAPH_MEASURES = [m for m in MEASURES if m != "clustering"]


def bare(eco: Ecosystem, k: int, seed: int) -> float:
    """The igraph calls centrality makes for IGRAPH_MEASURES, timed together."""
    g = eco.graph(parallel="sum")
    n = g.vcount()
    dist = (1.0 / np.asarray(g.es["weight"])).tolist()
    sources = np.sort(np.random.default_rng(seed).choice(n, k, replace=False))
    dom = eco.actors["domain"].to_numpy()
    t0 = time.perf_counter()
    for mode in ("in", "out", "all"):
        g.degree(mode=mode, loops=True)
    for mode in ("in", "out", "all"):
        g.strength(mode=mode, loops=True, weights="weight")
    g.betweenness(directed=True, weights=dist, sources=sources.tolist(), targets=range(n))
    for d in np.unique(dom):
        inside = dom == d
        g.betweenness(directed=True, weights=dist, sources=sources[inside[sources]].tolist(),
                      targets=np.flatnonzero(~inside).tolist())
    for lo in range(0, k, 16):  # closeness and harmonic: distances from the sampled sources
        for _ in range(2):
            g.distances(source=sources[lo:lo + 16].tolist(), weights=dist, mode="out")
    g.eigenvector_centrality(weights="weight", return_eigenvalue=True)
    g.pagerank(directed=True, damping=0.85, weights="weight")
    g.hub_score(weights="weight")
    g.authority_score(weights="weight")
    g.coreness(mode="all")
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=0.01)
    ap.add_argument("--k", type=int, default=8)
    ap.add_argument("--repeat", type=int, default=2, help="best of this many runs")
    args = ap.parse_args()

    n, m = int(1_000_000 * args.scale), int(5_000_000 * args.scale)
    eco = Ecosystem(*frames(n, m, seed=0))
    g = eco.graph(parallel="sum")
    eco.adjacency()
    eco.edge_arrays()
    print(f"ecosystem: {eco.n_actors:,} actors, {eco.n_ties:,} ties; simple view: "
          f"{g.vcount():,} vertices, {g.ecount():,} edges; k = {args.k} sampled sources")

    warnings.simplefilter("ignore", RuntimeWarning)  # igraph: spectral non-uniqueness
    t_bare = min(bare(eco, args.k, seed=1) for _ in range(args.repeat))
    t_ours, res = timed(centrality, eco, IGRAPH_MEASURES, weight="weight", k=args.k, seed=1,
                        repeat=args.repeat)
    assert res.notna().all().all()
    print(f"bare igraph calls:       {t_bare:8.2f} s")
    print(f"centrality (15 columns): {t_ours:8.2f} s")
    print(f"overhead:                {100 * (t_ours / t_bare - 1):8.1f} %  (target <= 10 %)")

    t_clu, _ = timed(centrality, eco, "clustering", weight="weight")
    t_tr, _ = timed(g.transitivity_local_undirected, mode="zero")
    print(f"\nclustering (directed, weighted, sparse): {t_clu:8.2f} s")
    print(f"igraph transitivity_local_undirected:    {t_tr:8.2f} s  (for scale only)")


if __name__ == "__main__":
    main()
