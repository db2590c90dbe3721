"""The ``ecosystem`` command line: a thin layer over the library (nothing imports it).

``ecosystem demo`` is the main job: the built-in example ecosystem summarised, validated and
analysed. ``ecosystem validate FILE [TIES] [NEIGHBOURHOODS]`` checks a user's own data and
prints every problem found (exit code 1), or the read report, a summary and an OK line.
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
        for nb in eco.neighbourhoods.index:
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


def _usage_problem(args: argparse.Namespace, path: Path) -> str | None:
    """A usage error of ``validate`` (unknown file type, an option for another format)."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".json", ".graphml", ".xlsx"):
        return (f"cannot read '{path.name}': use .csv (with a ties .csv), .json, .graphml or "
                ".xlsx")
    csv_only = {"--sep": args.sep, "--decimal": args.decimal, "--encoding": args.encoding,
                "TIES": args.ties, "NEIGHBOURHOODS": args.neighbourhoods}
    misplaced = [k for k, v in csv_only.items() if v is not None and suffix != ".csv"]
    if misplaced:
        return f"{', '.join(misplaced)} only apply to CSV files, not to '{path.name}'"
    if suffix != ".xlsx" and (args.actors_sheet or args.ties_sheet):
        return f"--actors-sheet and --ties-sheet only apply to .xlsx files, not to '{path.name}'"
    return None


def _read(args: argparse.Namespace, path: Path) -> Ecosystem:
    """Read the file(s) named on the command line with the reader of their format."""
    from ecosystem import io

    suffix = path.suffix.lower()
    if suffix == ".csv":
        return io.read_csv(path, args.ties, args.neighbourhoods, sep=args.sep,
                           decimal=args.decimal, encoding=args.encoding)
    if suffix == ".xlsx":
        sheets = {k: v for k, v in (("actors_sheet", args.actors_sheet),
                                    ("ties_sheet", args.ties_sheet)) if v}
        return io.read_excel(path, **sheets)
    return io.read_json(path) if suffix == ".json" else io.read_graphml(path)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def validate(args: argparse.Namespace) -> int:
    """Read a user's files; print every problem (exit 1) or the read report and a summary."""
    from ecosystem.core.report import collecting

    path = Path(args.file)
    usage = _usage_problem(args, path)
    if usage is not None:
        print(f"error: {usage}", file=sys.stderr)
        return 2
    try:
        with collecting(limit=args.max_problems):
            eco = _read(args, path)
    except EcosystemError as exc:  # ProblemsFound lists every problem found
        print(f"invalid: {exc}", file=sys.stderr)
        return 1
    except ImportError as exc:  # openpyxl missing for .xlsx: one line, no traceback
        print(f"error: {exc}", file=sys.stderr)
        return 1
    report = eco.read_report
    if len(report):
        print("Read report (what was assumed or changed while reading):")
        for note in report.notes:
            print(f"  {note}")
        print()
    print(eco.summary())
    warnings = report.warnings
    if warnings and args.strict:
        print(f"\ninvalid: {_plural(len(warnings), 'warning')} in the read report, and "
              "--strict treats warnings as errors:", file=sys.stderr)
        for note in warnings:
            print(f"  - {note}", file=sys.stderr)
        return 1
    print(f"\nOK: {eco.n_actors} actors, {eco.n_ties} ties and {len(eco.neighbourhoods)} "
          f"neighbourhoods are valid ({_plural(len(warnings), 'warning')})")
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
    v = sub.add_parser(
        "validate", help="check your own data files: every problem, or the read report and a "
        "summary", description="Read your files as the library does and report every problem "
        "found (up to --max-problems), or print the read report (which columns mapped to which "
        "field, which defaults were applied, which values changed) and a summary.")
    v.add_argument("file", help="actors .csv, or an ecosystem .json, .graphml or .xlsx file")
    v.add_argument("ties", nargs="?", default=None, help="ties .csv (with an actors .csv)")
    v.add_argument("neighbourhoods", nargs="?", default=None,
                   help="neighbourhoods .csv (one row per neighbourhood; with an actors .csv)")
    v.add_argument("--sep", default=None, help="CSV field separator (default: detected)")
    v.add_argument("--decimal", default=None, choices=[",", "."],
                   help="CSV decimal mark (default: ',' for ';'-separated files, else '.')")
    v.add_argument("--encoding", default=None,
                   help="CSV text encoding, e.g. utf-8 or cp1252 (default: UTF-8, else "
                   "Windows-1252)")
    v.add_argument("--actors-sheet", default=None,
                   help="Excel sheet of actors (default: 'actors' or 'actoren')")
    v.add_argument("--ties-sheet", default=None,
                   help="Excel sheet of ties (default: 'ties', 'relaties' or 'banden')")
    v.add_argument("--strict", action="store_true",
                   help="treat warnings of the read report as errors (exit 1)")
    v.add_argument("--max-problems", type=int, default=50,
                   help="report at most this many problems (default 50)")
    v.set_defaults(func=validate)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
