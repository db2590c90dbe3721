"""Benchmark: the ecosystem map vs ``networkx.draw`` of the same graph, rendered to PNG.

Target (the figures issue): ``plot_ecosystem`` on a generated region of about 1,900 actors in 20
neighbourhoods (the full map, below the aggregation threshold) renders to PNG at least 5x
faster than ``networkx.draw`` of the same graph (``to_networkx``, a MultiDiGraph) with the same
positions, figure size and resolution. Both are timed warm: each runs once before the timed
rounds, which alternate between the two; the best round of each counts.

    python benchmarks/bench_plotting.py                       # 20 neighbourhoods
    python benchmarks/bench_plotting.py --neighbourhoods 10 --rounds 5
"""

from __future__ import annotations

import argparse
import io
import time

import networkx as nx
from matplotlib.figure import Figure

from ecosystem.generate import generate_region
from ecosystem.io import to_networkx
from ecosystem.plotting import DOMAIN_COLOURS, domain_layout, plot_ecosystem

FIGSIZE = (14.0, 10.0)
DPI = 100


def render(fig: Figure) -> int:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return len(buf.getvalue())


def ours(eco) -> float:
    t = time.perf_counter()
    fig = Figure(figsize=FIGSIZE, layout="constrained")
    plot_ecosystem(eco, ax=fig.add_subplot())
    render(fig)
    return time.perf_counter() - t


def baseline(graph, pos, colours) -> float:
    t = time.perf_counter()
    fig = Figure(figsize=FIGSIZE, layout="constrained")
    nx.draw(graph, pos=pos, ax=fig.add_subplot(), node_size=20, node_color=colours, width=0.6,
            arrowsize=6)
    render(fig)
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--neighbourhoods", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    eco = generate_region(args.neighbourhoods, seed=1)
    xy = domain_layout(eco)
    pos = {i: (x, y) for i, x, y in zip(xy.index, xy["x"], xy["y"], strict=True)}
    graph = to_networkx(eco)
    colours = [DOMAIN_COLOURS[d] for d in eco.actors["domain"]]
    ours(eco)  # warm: imports, font cache, the ecosystem's cached views
    baseline(graph, pos, colours)
    t_ours, t_base = [], []
    for _ in range(args.rounds):
        t_ours.append(ours(eco))
        t_base.append(baseline(graph, pos, colours))
    a, b = min(t_ours), min(t_base)
    print(f"region: {args.neighbourhoods} neighbourhoods, {eco.n_actors:,} actors, "
          f"{eco.n_ties:,} ties; PNG {FIGSIZE[0]:g}x{FIGSIZE[1]:g} in at {DPI} dpi")
    print(f"plot_ecosystem: {a:.3f} s   networkx.draw: {b:.3f} s   ratio {b / a:.1f}x faster "
          "(target >= 5x)")


if __name__ == "__main__":
    main()
