"""Foundation benchmark: build an Ecosystem and its igraph view from frames, vs bare igraph.

Target (issue 3): at 1,000,000 actors and 5,000,000 ties, ``Ecosystem(actors, ties)`` plus its
igraph view takes at most 2x the time of building the bare ``igraph.Graph`` from the same integer
edge arrays (with the weight attribute), and its peak memory is at most 1.5x that of the bare
graph plus the two DataFrames.

Each side runs in its own child process so memory is measured cleanly: resident set size (RSS)
after the frames exist, then the peak RSS (``VmHWM``, reset through ``/proc/self/clear_refs``)
while building. Linux only.

Usage: ``python benchmarks/bench_foundation.py [--scale 1.0]`` (scale 0.1 = 100k actors).
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(field)


def _reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")


def child(side: str, n_actors: int, n_ties: int) -> dict:
    import igraph as ig
    import numpy as np

    import ecosystem
    from _synthetic import frames

    gc.collect()
    rss0 = _status("VmRSS")
    actors, ties = frames(n_actors, n_ties, seed=1)
    if side == "bare":
        # The arrays a bare igraph user would have for the same directed graph: integer ends
        # (a mutual collaboration tie both ways, as in the Ecosystem's directed view) and weights.
        pos = {k: v for v, k in enumerate(actors["id"])}
        s = np.fromiter((pos[x] for x in ties["source"]), np.int32, len(ties))
        t = np.fromiter((pos[x] for x in ties["target"]), np.int32, len(ties))
        mutual = (ties["kind"] == "collaboration").to_numpy()
        src, tgt = np.concatenate([s, t[mutual]]), np.concatenate([t, s[mutual]])
        w = np.concatenate([ties["weight"].to_numpy(), ties["weight"].to_numpy()[mutual]])
        del pos, s, t
    gc.collect()
    rss_frames = _status("VmRSS")
    _reset_peak()
    t0 = time.perf_counter()
    if side == "bare":
        g = ig.Graph(n=n_actors, edges=np.column_stack([src, tgt]), directed=True)
        g.es["weight"] = w
    else:
        eco = ecosystem.Ecosystem(actors, ties)
        g = eco.graph(directed=True, parallel="keep")
    seconds = time.perf_counter() - t0
    peak = _status("VmHWM")
    gc.collect()
    return {"seconds": seconds, "frames_bytes": rss_frames - rss0, "peak_bytes": peak - rss0,
            "retained_bytes": _status("VmRSS") - rss0, "edges": g.ecount(), "ties": len(ties)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--child", choices=["bare", "ecosystem"])
    args = parser.parse_args()
    n, m = int(1_000_000 * args.scale), int(5_000_000 * args.scale)
    if args.child:
        print(json.dumps(child(args.child, n, m)))
        return
    out = {}
    for side in ("bare", "ecosystem"):
        res = subprocess.run([sys.executable, __file__, "--scale", str(args.scale), "--child",
                              side], capture_output=True, text=True, check=True)
        out[side] = json.loads(res.stdout.strip().splitlines()[-1])
    bare, eco = out["bare"], out["ecosystem"]
    gb = 1024**3
    graph_bytes = bare["peak_bytes"] - bare["frames_bytes"]
    print(f"{n:,} actors, {eco['ties']:,} ties ({eco['edges']:,} directed edges in the view)")
    print(f"bare igraph.Graph from int arrays + weights ({bare['edges']:,} edges): "
          f"{bare['seconds']:.2f} s, "
          f"graph {graph_bytes / gb:.2f} GiB")
    print(f"Ecosystem(actors, ties) + eco.graph():      {eco['seconds']:.2f} s, "
          f"peak {eco['peak_bytes'] / gb:.2f} GiB incl. frames {eco['frames_bytes'] / gb:.2f} GiB")
    time_ratio = eco["seconds"] / bare["seconds"]
    mem_ratio = eco["peak_bytes"] / (eco["frames_bytes"] + graph_bytes)
    print(f"time ratio   {time_ratio:.2f}x (target <= 2.0x) "
          f"{'MET' if time_ratio <= 2 else 'NOT MET'}")
    print(f"memory ratio {mem_ratio:.2f}x (target <= 1.5x; peak vs frames + bare graph) "
          f"{'MET' if mem_ratio <= 1.5 else 'NOT MET'}")


if __name__ == "__main__":
    main()
