"""The ``ecosystem`` command line: a thin layer over the library (nothing imports it).

``ecosystem demo`` is the main job: the built-in example ecosystem summarised, validated and
analysed. ``ecosystem validate FILE [TIES]`` checks a user's own data and prints a summary or
the first problem found (exit code 1).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from ecosystem import Ecosystem, EcosystemError, __version__, datasets


def _section(title: str) -> None:
    print(f"\n== {title} " + "=" * max(0, 72 - len(title)))


def _show(frame: pd.DataFrame | pd.Series, rows: int = 10) -> None:
    with pd.option_context("display.width", 120, "display.max_columns", 12,
                           "display.precision", 3):
        print(frame.head(rows).to_string())


def demo(_: argparse.Namespace) -> int:
    """Summarise, validate and analyse the built-in example ecosystem."""
    eco = datasets.example()
    _section("The example ecosystem (ecosystem.datasets.example())")
    print(eco.summary())
    _section("Validation")
    # Re-validate from the public tables: what a user's data goes through.
    again = Ecosystem(eco.actors, eco.ties, schema=eco.schema)
    print(f"OK: {again.n_actors} actors and {again.n_ties} ties are valid "
          f"({len(eco.schema.actor_kinds)} actor kinds, {len(eco.schema.tie_kinds)} tie kinds, "
          f"{len(eco.schema.needs)} needs in the schema)")
    for title, run in _analyses():
        _section(title)
        run(eco)
    return 0


def _analyses() -> list[tuple[str, Callable[[Ecosystem], None]]]:
    """The analyses the demo shows, in order (each prints its own table)."""
    import ecosystem as es

    def brokers(eco: Ecosystem) -> None:
        cent = es.centrality(eco, ["degree", "betweenness", "cross_domain_betweenness"])
        print("Who holds the network together (top 8 by cross-domain betweenness):")
        _show(cent.sort_values("cross_domain_betweenness", ascending=False), 8)

    def holes(eco: Ecosystem) -> None:
        sh = es.structural_holes(eco, tie_kinds=["referral", "collaboration"])
        print("Burt's structural holes on referral and collaboration ties "
              "(low constraint = broker across holes; actors without such ties left out):")
        _show(sh[sh["effective_size"] > 0].sort_values("constraint"), 8)

    def roles(eco: Ecosystem) -> None:
        br = es.brokerage(eco, "domain", tie_kinds=["referral", "collaboration"])
        print("Gould-Fernandez brokerage roles between domains (top 8 by total):")
        _show(br.sort_values("total", ascending=False), 8)

    def meet(eco: Ecosystem) -> None:
        mx = es.mixing(eco, "domain", tie_kinds=["referral", "collaboration"], n_permutations=999,
                       seed=2026)
        print("Referral and collaboration ties by domain (rows: from, columns: to):")
        _show(mx.counts)
        print("\nKrackhardt's E-I index (-1: all ties within the domain, +1: all across):")
        _show(mx.overall)

    def find_gaps(eco: Ecosystem) -> None:
        g = es.gaps(eco)
        print(f"{len(g)} bridging gaps found, most severe first:")
        _show(g.sort_values("severity", ascending=False)[
            ["neighbourhood", "kind_of_gap", "detail", "severity"]], 12)

    def flows(eco: Ecosystem) -> None:
        cols = list(es.flows.OUTCOMES)
        parts = {}
        for nb in eco.neighbourhoods:
            local = eco.subset(neighbourhoods=nb, include_shared=True)
            result = es.ReferralModel(local).solve()
            parts[nb] = result.outcomes["fraction"].unstack("outcome")[cols].loc[
                ["loneliness", "debt", "chronic_disease", "total"]]
        print("Where residents' needs end up, per neighbourhood (exact solution of the referral "
              "model\nwith its documented default assumptions; fractions of residents):")
        _show(pd.concat(parts, names=["neighbourhood"]), 20)

    return [
        ("Centrality: the brokers between domains", brokers),
        ("Structural holes", holes),
        ("Brokerage roles", roles),
        ("Mixing between domains", meet),
        ("Bridging gaps", find_gaps),
        ("Referral flows", flows),
    ]


def validate(args: argparse.Namespace) -> int:
    """Read a user's files, report the first problem or print a summary."""
    from ecosystem import io

    path = Path(args.file)
    try:
        suffix = path.suffix.lower()
        if suffix == ".csv":
            eco = io.read_csv(path, args.ties)
        else:
            reader = {".json": "read_json", ".graphml": "read_graphml", ".xlsx": "read_excel"}
            name = reader.get(suffix)
            if name is None or not hasattr(io, name):
                print(f"error: cannot read '{path.name}': use .csv (with a ties .csv), .json, "
                      ".graphml or .xlsx", file=sys.stderr)
                return 2
            eco = getattr(io, name)(path)
    except EcosystemError as exc:
        print(f"invalid: {exc}", file=sys.stderr)
        return 1
    print(eco.summary())
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``ecosystem`` command."""
    parser = argparse.ArgumentParser(
        prog="ecosystem", description="Graph analysis of care ecosystems."
    )
    parser.add_argument("--version", action="version", version=f"ecosystem {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="summarise and analyse the built-in example ecosystem"
                   ).set_defaults(func=demo)
    v = sub.add_parser("validate", help="check your own data files and summarise them")
    v.add_argument("file", help="actors .csv, or an ecosystem .json, .graphml or .xlsx file")
    v.add_argument("ties", nargs="?", default=None, help="ties .csv (with an actors .csv)")
    v.set_defaults(func=validate)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
