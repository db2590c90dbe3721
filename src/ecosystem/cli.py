"""The ``ecosystem`` command line: a thin layer over the library (nothing imports it).

``ecosystem demo`` is the main job: the built-in example ecosystem summarised, validated and
analysed. ``ecosystem validate FILE [TIES]`` checks a user's own data and prints a summary or
the first problem found (exit code 1). ``ecosystem run STUDY.toml`` runs a study file
(:mod:`ecosystem.study.spec`) and writes its results; ``ecosystem init-study`` writes a commented
example study file; ``ecosystem describe-profile NAME`` lists a profile's parameters with their
sources.

Exit codes: 0 on success, 1 on a data or study error (one paragraph on standard error, no
traceback), 2 on a usage error (argparse).
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
        sh = es.structural_holes(eco, ties=["referral", "collaboration"])
        print("Burt's structural holes on referral and collaboration ties "
              "(low constraint = broker across holes; actors without such ties left out):")
        _show(sh[sh["effective_size"] > 0].sort_values("constraint"), 8)

    def roles(eco: Ecosystem) -> None:
        br = es.brokerage(eco, "domain", ties=["referral", "collaboration"])
        print("Gould-Fernandez brokerage roles between domains (top 8 by total):")
        _show(br.sort_values("total", ascending=False), 8)

    def meet(eco: Ecosystem) -> None:
        mx = es.mixing(eco, "domain", ties=["referral", "collaboration"], n_permutations=999,
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


def run(args: argparse.Namespace) -> int:
    """Run a study file and write its results."""
    from ecosystem.study import load

    study = load(args.study)
    out = Path(args.out) if args.out else Path(args.study).with_suffix("").name + "-out"
    progress = sys.stderr.isatty() if args.progress is None else args.progress
    result = study.run(out, executor=args.executor, resume=not args.fresh, progress=progress,
                       report=args.report)
    _print_findings(result, Path(out))
    return 0


def _print_findings(result: object, out: Path) -> None:
    from ecosystem.study import Comparison
    from ecosystem.study.outputs import read_json_file

    assert isinstance(result, Comparison)
    manifest = read_json_file(out / "manifest.json")
    chunks = manifest["chunks"]
    print(f"{manifest['study']}: {len(result.scenarios)} scenarios x {result.replicates} "
          f"replicates; {chunks['total'] - chunks['reused']} chunks run, {chunks['reused']} "
          f"reused from an earlier run; {manifest['failures']} failures")
    summary = result.summary()
    cols = ["n", "mean", "ci_low", "ci_high", "diff", "diff_ci_low", "diff_ci_high"]
    _show(summary[cols], 40)
    print(f"Results, manifest and figures in {out}/")


def describe_profile(args: argparse.Namespace) -> int:
    """Print every parameter of a profile with its value and source."""
    from ecosystem.generate import Profile

    prof = Profile.preset(args.name)
    print(f"{prof.name}: {prof.description}")
    with pd.option_context("display.max_rows", None, "display.max_colwidth", 90,
                           "display.width", 160):
        print(prof.describe().to_string())
    return 0


def init_study(args: argparse.Namespace) -> int:
    """Write a commented example study file."""
    from ecosystem.study.spec import example_study

    path = Path(args.path)
    if path.exists() and not args.force:
        print(f"error: {path} exists; choose another name or pass --force", file=sys.stderr)
        return 1
    path.write_text(example_study(args.profile), encoding="utf-8")
    print(f"wrote {path}; run it with: ecosystem run {path}")
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
    r = sub.add_parser("run", help="run a study file (TOML) and write its results")
    r.add_argument("study", help="the study file, e.g. study.toml")
    r.add_argument("--out", help="output directory (default: STUDY-out next to where you are)")
    r.add_argument("--executor", help="override the study's executor: serial, processes:N, "
                   "dask:local or dask:tcp://HOST:PORT")
    g = r.add_mutually_exclusive_group()
    g.add_argument("--resume", dest="fresh", action="store_false", default=False,
                   help="reuse finished chunks of an interrupted run (default)")
    g.add_argument("--fresh", dest="fresh", action="store_true",
                   help="delete finished chunks and start over")
    r.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar (default: on when standard error is a terminal)")
    r.add_argument("--report", action=argparse.BooleanOptionalAction, default=True,
                   help="write report.html and figures (default: yes)")
    r.set_defaults(func=run)
    d = sub.add_parser("describe-profile", help="every parameter of a profile with its source")
    d.add_argument("name", help="a preset: average, low_ses, high_ses, rural")
    d.set_defaults(func=describe_profile)
    i = sub.add_parser("init-study", help="write a commented example study file")
    i.add_argument("path", nargs="?", default="study.toml", help="where (default study.toml)")
    i.add_argument("--profile", default="low_ses", help="profile compared with 'average'")
    i.add_argument("--force", action="store_true", help="overwrite an existing file")
    i.set_defaults(func=init_study)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except EcosystemError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: finished chunks are kept; run the same command again to resume",
              file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
