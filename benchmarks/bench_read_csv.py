"""Reading CSV benchmark: ``read_csv`` vs ``pandas.read_csv`` of the same files plus the build.

Target: reading 1,000,000 actors and 5,000,000 ties from CSV with :func:`ecosystem.read_csv`
(encoding detection, separator and decimal-mark choice, column aliases, whitespace stripping,
the read report) takes at most 1.2x the time of ``pandas.read_csv`` of the same two files (the
text columns read as text, as our reader does) plus ``Ecosystem(actors, ties)`` on the frames.

Two file sets are timed: an English comma-separated UTF-8 export, and the same data as a
Dutch Excel export (``;``, decimal comma, Windows-1252, Dutch headers ``code;soort;wijk`` and
``van;naar;soort;gewicht``; pandas is then told ``sep=";", decimal=","``, encoding cp1252).
Rounds alternate between the two sides and the best of each is kept.

Usage: ``python benchmarks/bench_read_csv.py [--scale 1.0] [--rounds 3]``.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))


def _write(folder: Path, n_actors: int, n_ties: int) -> dict[str, tuple[Path, Path]]:
    from _synthetic import frames

    actors, ties = frames(n_actors, n_ties, seed=1)
    english = (folder / "actors.csv", folder / "ties.csv")
    actors.to_csv(english[0], index=False)
    ties.to_csv(english[1], index=False)
    dutch = (folder / "actoren.csv", folder / "relaties.csv")
    actors.rename(columns={"id": "code", "kind": "soort", "neighbourhood": "wijk"}).to_csv(
        dutch[0], index=False, sep=";", encoding="cp1252")
    ties.rename(columns={"source": "van", "target": "naar", "kind": "soort",
                         "weight": "gewicht"}).to_csv(dutch[1], index=False, sep=";",
                                                      decimal=",", encoding="cp1252")
    return {"english": english, "dutch": dutch}


def _ours(files: tuple[Path, Path]):
    from ecosystem import read_csv

    return read_csv(*files)


def _baseline(files: tuple[Path, Path], dutch: bool):
    import pandas as pd

    from ecosystem import Ecosystem

    opts = {"sep": ";", "decimal": ",", "encoding": "cp1252"} if dutch else {}
    a_text = ["code", "soort", "wijk"] if dutch else ["id", "kind", "neighbourhood"]
    t_text = ["van", "naar", "soort"] if dutch else ["source", "target", "kind"]
    actors = pd.read_csv(files[0], dtype=dict.fromkeys(a_text, "str"), keep_default_na=False,
                         na_values=[""], **opts)
    ties = pd.read_csv(files[1], dtype=dict.fromkeys(t_text, "str"), keep_default_na=False,
                       na_values=[""], **opts)
    if dutch:  # the build takes English column names
        actors.columns = ["id", "kind", "neighbourhood"]
        ties.columns = ["source", "target", "kind", "weight"]
    return Ecosystem(actors, ties)


def _time(func) -> tuple[float, object]:
    gc.collect()
    t0 = time.perf_counter()
    out = func()
    return time.perf_counter() - t0, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    n_actors, n_ties = int(1_000_000 * args.scale), int(5_000_000 * args.scale)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        sets = _write(folder, n_actors, n_ties)
        print(f"wrote {n_actors:,} actors / ~{n_ties:,} ties as CSV in "
              f"{time.perf_counter() - t0:.1f} s")
        print(f"{'files':<9}{'ours (s)':>10}{'pandas+build (s)':>18}{'ratio':>8}"
              f"{'target':>8}  met")
        for label, files in sets.items():
            best_ours = best_base = float("inf")
            for _ in range(args.rounds):
                t, eco = _time(lambda files=files: _ours(files))
                best_ours = min(best_ours, t)
                del eco
                t, eco = _time(lambda files=files, label=label: _baseline(files,
                                                                          label == "dutch"))
                best_base = min(best_base, t)
                n = eco.n_ties
                del eco
            ratio = best_ours / best_base
            print(f"{label:<9}{best_ours:>10.2f}{best_base:>18.2f}{ratio:>8.2f}{1.2:>8.1f}  "
                  f"{'yes' if ratio <= 1.2 else 'NO'}   ({n:,} ties)")


if __name__ == "__main__":
    main()
