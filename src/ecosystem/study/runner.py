"""Run a study file: chunks persisted as they finish, resumable, with a manifest.

Under the output directory a run writes

* ``chunks/``: one JSON file per finished chunk of replicates (rows and failures exactly as the
  workers returned them) and ``study.json`` (the study's fingerprint and resolved text). A
  re-run after a crash or Ctrl-C reuses every chunk file it finds and runs only the rest, so
  its results equal an uninterrupted run's; a re-run of a *changed* study (another
  fingerprint: study text or data bytes) is refused rather than mixing results;
* ``results.parquet`` / ``results.csv``: exactly the columns of
  :attr:`Comparison.results`, with small cells blanked (see below);
* ``failures.csv`` when a replicate step failed (with its seed);
* ``suppressed.csv`` when small-cell suppression blanked values;
* ``manifest.json``: library and dependency versions, Python and platform, the study file's
  hash and resolved content, the seeds, start and end times, per-chunk timing, the executor,
  reused chunks.

Small-cell suppression (``[output] suppress_below = N``): a value that rests on fewer than
``N`` residents (where the ecosystem knows its residents) or else fewer than ``N`` actors, in
its neighbourhood (or in the whole ecosystem for whole-ecosystem metrics), is blanked (NaN)
and listed in ``suppressed.csv``, so no published table identifies a tiny neighbourhood.
Every file is written atomically (:mod:`ecosystem.study.outputs`).
"""

from __future__ import annotations

import json
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ecosystem.core.ecosystem import Ecosystem
from ecosystem.study.compare import ALL, Comparison, _Chunk, _execute, _executor, _plan
from ecosystem.study.outputs import (
    atomic_write,
    environment,
    read_json_file,
    write_json_file,
    write_table,
)
from ecosystem.study.spec import Study, StudyError

__all__ = ["SIZE_METRIC", "run_study"]

#: Internal metric that small-cell suppression rests on; never written to the results.
SIZE_METRIC = "_size"
_CHUNK_FORMAT = 1


def _size(eco: Ecosystem) -> pd.Series:
    """Residents per neighbourhood where the ecosystem's neighbourhoods table has them, else
    actors per neighbourhood; ``all`` for the whole ecosystem."""
    table = getattr(eco, "neighbourhoods", None)
    if isinstance(table, pd.DataFrame) and "residents" in table.columns and len(table):
        sizes = table["residents"].astype(float)
        total = float(sizes.sum())
    else:
        sizes = eco.actors["neighbourhood"].value_counts().astype(float)
        total = float(eco.n_actors)
    out = pd.concat([sizes, pd.Series({ALL: total})])
    out.index = out.index.astype(str)
    return out


def run_study(study: Study, out: str | Path | None, *, executor: str | None = None,
              resume: bool = True, progress: bool = False, report: bool = True) -> Comparison:
    """Run ``study``; see the module docstring for what is written under ``out``.

    Parameters
    ----------
    study
        A validated :class:`~ecosystem.study.Study`.
    out
        Output directory, or ``None`` to run in memory only.
    executor
        Overrides the study's executor.
    resume
        Reuse finished chunks of the same study; ``False`` deletes them first.
    progress
        Show a progress bar.
    report
        Also write ``report.html`` and ``figures/`` (:func:`~ecosystem.study.report.write_report`).

    Returns
    -------
    Comparison
    """
    from ecosystem.study.spec import _EXECUTOR

    exe_name = executor or study.executor
    if not _EXECUTOR.match(exe_name):
        raise StudyError(f"'{exe_name}' is not an executor; use 'serial', 'processes:N', "
                         "'dask:local' or 'dask:tcp://HOST:PORT'", key="executor")
    metrics: list[Any] = list(study.metrics)
    if study.suppress_below > 0:
        metrics.append(SIZE_METRIC)
    plan = _plan(study.scenario_objects(), study.intervention_objects(),
                 {m: _metric(m) for m in metrics}, study.replicates, study.seed,
                 study.baseline_scenario(), "Study.run")
    chunks = plan.chunks(study.chunk)
    target = None if out is None else Path(out)
    store = _ChunkStore(target, study, resume) if target is not None else None
    done = store.load(chunks) if store is not None else {}
    todo = [ch for ch in chunks if _key(ch) not in done]
    started = datetime.now(UTC)
    exe, owned, cleanup = _open_executor(exe_name)
    timings: dict[str, float] = {}  # chunk -> seconds from the start until it finished
    t0 = time.perf_counter()

    def finished(ch: _Chunk, rows: list[tuple], fails: list[tuple]) -> None:
        timings[_key(ch)] = time.perf_counter() - t0
        if store is not None:
            store.save(ch, rows, fails)

    try:
        rows, fails = _execute(todo, exe, progress, finished)
    finally:
        if owned and exe is not None:
            exe.shutdown(wait=True, cancel_futures=True)
        cleanup()
    for r, f in done.values():
        rows += r
        fails += f
    full = plan.comparison(rows, fails)
    comparison, suppressed = _suppress(full, study.suppress_below)
    if target is not None:
        manifest = _write(target, study, comparison, suppressed, exe_name, started, timings,
                          sorted(done), plan.rep_seeds)
        if report:
            from ecosystem.study.report import write_report

            write_report(study, comparison, target, manifest)
    return comparison


def _metric(name: str) -> Any:
    return _size if name == SIZE_METRIC else name


def _key(ch: _Chunk) -> str:
    return f"c{ch.config:03d}-r{ch.replicates[0][0]:06d}"


# ------------------------------------------------------------------ executors
def _open_executor(name: str) -> tuple[Any, bool, Any]:
    """(executor or None, whether the caller shuts it down, cleanup callable)."""
    if name == "serial":
        return None, False, lambda: None
    if name.startswith("processes:"):
        exe, owned, _ = _executor(int(name.split(":", 1)[1]), "Study.run")
        return exe, owned, lambda: None
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise StudyError("the dask executor needs dask.distributed: pip install "
                         "'ecosystem[dask]'", key="study.executor") from None
    if name == "dask:local":
        cluster = LocalCluster(processes=True, threads_per_worker=1, dashboard_address=":0")
        client = Client(cluster)

        def close() -> None:
            client.close()
            cluster.close()

        return client.get_executor(), False, close
    address = name.removeprefix("dask:")
    try:
        client = Client(address, timeout="10s")
    except (OSError, TimeoutError) as exc:
        raise StudyError(f"cannot reach the Dask scheduler at {address} within 10 s ({exc}); "
                         "start it, or use executor 'dask:local' or 'processes:N'",
                         key="study.executor") from None
    return client.get_executor(), False, client.close


# ------------------------------------------------------------------ chunks on disk
class _ChunkStore:
    """Finished chunks under ``out/chunks``, keyed by configuration and first replicate."""

    def __init__(self, out: Path, study: Study, resume: bool) -> None:
        self.dir = out / "chunks"
        self.fingerprint = study.fingerprint()
        state = self.dir / "study.json"
        if not resume and self.dir.exists():
            shutil.rmtree(self.dir)
        if state.exists():
            try:
                old = read_json_file(state)["fingerprint"]
            except (ValueError, KeyError, OSError):
                old = None
            if old != self.fingerprint:
                raise StudyError(
                    f"'{out}' holds results of a different study (the study file or its data "
                    "changed since they were written); refusing to mix them. Re-run with "
                    "--fresh (resume=False) to start over, or choose another output directory",
                    source=str(study.path) if study.path else None)
        self.dir.mkdir(parents=True, exist_ok=True)
        write_json_file(state, {"fingerprint": self.fingerprint, "study": study.to_toml()})

    def load(self, chunks: list[_Chunk]) -> dict[str, tuple[list[tuple], list[tuple]]]:
        out = {}
        for ch in chunks:
            path = self.dir / f"{_key(ch)}.json"
            if not path.exists():
                continue
            try:
                doc = json.loads(path.read_text(encoding="utf-8"))
            except (ValueError, OSError):
                continue  # never written completely: run the chunk again
            if doc.get("format") != _CHUNK_FORMAT or doc.get("replicates") != [
                    list(r) for r in ch.replicates]:
                continue
            out[_key(ch)] = ([tuple(r) for r in doc["rows"]],
                             [tuple(f) for f in doc["failures"]])
        return out

    def save(self, ch: _Chunk, rows: list[tuple], fails: list[tuple]) -> None:
        # Python's json writes floats with repr, so values come back bit for bit (NaN too).
        doc = {"format": _CHUNK_FORMAT, "replicates": [list(r) for r in ch.replicates],
               "rows": [list(r) for r in rows], "failures": [list(f) for f in fails]}
        text = json.dumps(doc)
        atomic_write(self.dir / f"{_key(ch)}.json", lambda fh: fh.write(text.encode()))


# ------------------------------------------------------------------ suppression and writing
def _suppress(full: Comparison, threshold: int) -> tuple[Comparison, pd.DataFrame]:
    res = full.results
    if threshold <= 0:
        return full, res.iloc[:0]
    is_size = res["metric"] == SIZE_METRIC
    size = res[is_size].set_index(["scenario", "replicate", "neighbourhood"])["value"]
    res = res[~is_size].reset_index(drop=True)
    keys = pd.MultiIndex.from_frame(res[["scenario", "replicate", "neighbourhood"]])
    n = size.reindex(keys).to_numpy(dtype=np.float64)
    small = n < threshold
    suppressed = res[small].assign(size=n[small])
    res = res.assign(value=res["value"].mask(small))
    from dataclasses import replace

    return replace(full, results=res), suppressed.reset_index(drop=True)


def _write(out: Path, study: Study, comparison: Comparison, suppressed: pd.DataFrame,
           executor: str, started: datetime, timings: dict[str, float], reused: list[str],
           rep_seeds: list[int]) -> dict[str, Any]:
    for fmt in study.formats:
        write_table(comparison.results, out / f"results.{fmt}")
    for name, table in (("failures", comparison.failures.drop(columns="traceback")),
                        ("suppressed", suppressed)):
        path = out / f"{name}.csv"
        if len(table):
            write_table(table, path)
        elif path.exists():
            path.unlink()
    study_bytes = study.path.read_bytes() if study.path is not None else None
    manifest = {
        "study": study.name,
        "study_file": str(study.path) if study.path is not None else None,
        "study_file_sha256": _sha256(study_bytes) if study_bytes is not None else None,
        "fingerprint": study.fingerprint(),
        "resolved": study.to_dict(),
        "data_files": {str(p): _sha256(p.read_bytes()) for p in study.data_files()},
        "seed": study.seed,
        "replicate_seeds": rep_seeds,
        "executor": executor,
        "started": started.isoformat(),
        "finished": datetime.now(UTC).isoformat(),
        "chunks": {"total": len(timings) + len(reused), "reused": len(reused),
                   "reused_keys": reused,
                   "finished_after_seconds": {k: round(v, 4) for k, v in sorted(timings.items())}},
        "rows": len(comparison.results),
        "failures": len(comparison.failures),
        "suppressed": {"threshold": study.suppress_below, "values": len(suppressed)},
        "environment": environment(),
    }
    write_json_file(out / "manifest.json", manifest)
    return manifest


def _sha256(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()

