"""The ``ecosystem`` command line: a thin layer over the library (nothing imports it).

``ecosystem demo`` is the main job: the built-in comparison study (low-SES vs average
neighbourhoods, two interventions) run, its key findings printed and its results, figures and
report written to ``./out``. ``ecosystem analyse [FILE [TIES]]`` analyses one ecosystem (the
built-in example by default). ``ecosystem validate FILE [TIES]`` checks a user's own data and
prints a summary or the first problem found (exit code 1). ``ecosystem run STUDY.toml`` runs a
study file (:mod:`ecosystem.study.spec`) and writes its results; ``ecosystem init-study`` writes
a commented example study file; ``ecosystem describe-profile NAME`` lists a profile's
parameters with their sources.

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


def demo(args: argparse.Namespace) -> int:
    """Run the built-in study and write its results, figures and report."""
    from ecosystem.study import demo_study

    study = demo_study()
    out = Path(args.out)
    print(f"{study.name}\n{len(study.scenarios)} kinds of neighbourhood x "
          f"{len(study.interventions)} interventions x {study.replicates} generated "
          f"neighbourhoods each (seed {study.seed}); default assumptions of the referral model.")
    progress = sys.stderr.isatty()
    result = study.run(out, executor=args.executor, resume=False, progress=progress)
    _key_findings(result, study.baseline_scenario())
    figures = sorted((out / "figures").glob("*.png")) if (out / "figures").exists() else []
    print(f"\nWritten to {out}/: results.parquet, results.csv, manifest.json, report.html and "
          f"{len(figures)} figures. Open report.html in a browser.")
    return 0


def _key_findings(result: object, baseline: str) -> None:
    """Differences from the baseline in percentage points with 95% CIs, one row per scenario."""
    from ecosystem.study import Comparison

    assert isinstance(result, Comparison)
    summary = result.summary(baseline=baseline)
    metrics = [m for m in ("resolved_appropriate", "medicalised", "lost")
               if m in summary.index.get_level_values("metric")]
    rows: dict[str, dict[str, str]] = {}
    for key, r in summary.iterrows():
        scenario, metric = str(key[0]), str(key[1])  # type: ignore[index]
        if metric in metrics and scenario != baseline:
            rows.setdefault(scenario, {})[metric] = (
                f"{100 * r['diff']:+.1f} [{100 * r['diff_ci_low']:+.1f}, "
                f"{100 * r['diff_ci_high']:+.1f}]")
    print(f"\nKey findings: difference from {baseline} in percentage points of residents' "
          "needs [95% CI]")
    _show(pd.DataFrame(rows).T[metrics], 20)


def analyse(args: argparse.Namespace) -> int:
    """Centrality, structural holes, brokerage and gaps of a user's files (or the example)."""
    if args.file is None:
        eco = datasets.example()
        print("No files given: analysing the built-in example (ecosystem.datasets.example()).")
    else:
        eco = _read(Path(args.file), args.ties)
    out = Path(args.out) if args.out else None
    _section(f"The ecosystem '{eco.name}'")
    print(eco.summary())
    from ecosystem.study.outputs import atomic_write, write_table

    for title, stem, run in _analyses():
        _section(title)
        table = run(eco)
        if out is not None:
            write_table(table.reset_index(), out / f"{stem}.csv")
    if out is not None:
        from ecosystem.plotting import plot_ecosystem

        fig = plot_ecosystem(eco, seed=0)
        atomic_write(out / "map.png", lambda fh: fig.savefig(fh, format="png", dpi=120,
                                                            bbox_inches="tight"))
        print(f"\nTables and map.png written to {out}/")
    return 0


Analysis = Callable[[Ecosystem], pd.DataFrame]


def _analyses() -> list[tuple[str, str, Analysis]]:
    """``(title, file stem, analysis)`` in the order shown; each prints and returns its table."""
    import ecosystem as es

    def brokers(eco: Ecosystem) -> pd.DataFrame:
        cent = es.centrality(eco, ["degree", "betweenness", "cross_domain_betweenness"])
        print("Who holds the network together (top 8 by cross-domain betweenness):")
        _show(cent.sort_values("cross_domain_betweenness", ascending=False), 8)
        return cent

    def holes(eco: Ecosystem) -> pd.DataFrame:
        sh = es.structural_holes(eco, tie_kinds=["referral", "collaboration"])
        print("Burt's structural holes on referral and collaboration ties "
              "(low constraint = broker across holes; actors without such ties left out):")
        _show(sh[sh["effective_size"] > 0].sort_values("constraint"), 8)
        return sh

    def roles(eco: Ecosystem) -> pd.DataFrame:
        br = es.brokerage(eco, "domain", tie_kinds=["referral", "collaboration"])
        print("Gould-Fernandez brokerage roles between domains (top 8 by total):")
        _show(br.sort_values("total", ascending=False), 8)
        return br

    def meet(eco: Ecosystem) -> pd.DataFrame:
        mx = es.mixing(eco, "domain", tie_kinds=["referral", "collaboration"],
                       n_permutations=999, seed=2026)
        print("Referral and collaboration ties by domain (rows: from, columns: to):")
        _show(mx.counts)
        print("\nKrackhardt's E-I index (-1: all ties within the domain, +1: all across):")
        _show(mx.overall)
        return mx.counts

    def find_gaps(eco: Ecosystem) -> pd.DataFrame:
        g = es.gaps(eco)
        print(f"{len(g)} bridging gaps found, most severe first:")
        _show(g.sort_values("severity", ascending=False)[
            ["neighbourhood", "kind_of_gap", "detail", "severity"]], 12)
        return g

    def flows(eco: Ecosystem) -> pd.DataFrame:
        cols = list(es.flows.OUTCOMES)
        parts = {}
        for nb in sorted(eco.actors["neighbourhood"].dropna().unique()):
            local = eco.subset(neighbourhoods=nb, include_shared=True)
            result = es.ReferralModel(local).solve()
            parts[nb] = result.outcomes["fraction"].unstack("outcome")[cols]
        if not parts:
            parts["all"] = es.ReferralModel(eco).solve().outcomes["fraction"].unstack(
                "outcome")[cols]
        table = pd.concat(parts, names=["neighbourhood"])
        print("Where residents' needs end up, per neighbourhood (exact solution of the referral "
              "model\nwith its documented default assumptions; fractions of residents):")
        shown = table.loc[table.index.get_level_values("need").isin(
            ["loneliness", "debt", "chronic_disease", "total"])]
        _show(shown, 20)
        return table

    return [
        ("Centrality: the brokers between domains", "centrality", brokers),
        ("Structural holes", "structural_holes", holes),
        ("Brokerage roles", "brokerage", roles),
        ("Mixing between domains", "mixing", meet),
        ("Bridging gaps", "gaps", find_gaps),
        ("Referral flows", "flows", flows),
    ]


def _read(path: Path, ties: str | None) -> Ecosystem:
    from ecosystem import io

    suffix = path.suffix.lower()
    if suffix == ".csv":
        return io.read_csv(path, ties)
    readers = {".json": io.read_json, ".graphml": io.read_graphml, ".xlsx": io.read_excel}
    if suffix not in readers:
        raise EcosystemError(f"cannot read '{path.name}': use .csv (with a ties .csv), .json, "
                             ".graphml or .xlsx")
    return readers[suffix](path)


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
    dm = sub.add_parser("demo", help="run the built-in study (low-SES vs average "
                        "neighbourhoods) and write results, figures and a report")
    dm.add_argument("--out", default="out", help="output directory (default: out)")
    dm.add_argument("--executor", default=None, help="serial (default), processes:N, "
                    "dask:local or dask:tcp://HOST:PORT")
    dm.set_defaults(func=demo)
    an = sub.add_parser("analyse", help="centrality, structural holes, brokerage, mixing, gaps "
                        "and flows of your files (or of the built-in example)")
    an.add_argument("file", nargs="?", default=None, help="actors .csv, or an ecosystem .json, "
                    ".graphml or .xlsx file (default: the built-in example)")
    an.add_argument("ties", nargs="?", default=None, help="ties .csv (with an actors .csv)")
    an.add_argument("--out", default=None, help="write the tables (CSV) and map.png here")
    an.set_defaults(func=analyse)
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
