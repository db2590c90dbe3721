"""Comparison studies: scenarios x interventions x replicates -> tidy results, on any executor.

A study runs every configuration (a profile, an ecosystem or a function of a seed) under every
intervention for every replicate, and computes every metric on the result. Replicate ``r`` has
its own seed, derived with :func:`numpy.random.SeedSequence.spawn` from the study's seed
(:func:`ecosystem.core.random.spawn`): the same ecosystem is generated from it for every
intervention (a paired design) and metric ``k`` gets the child seed ``k`` of it. No random
state is shared between replicates, so the results are bit-identical whichever executor runs
them, in whatever order.

Work goes to the executor in chunks of replicates of one configuration; a chunk is pickled
once (with ``cloudpickle`` when installed, so lambdas work), so a fixed ecosystem travels once
per chunk and not once per replicate. An exception in a replicate is caught and reported in
:attr:`Comparison.failures` with its seed; the other replicates are kept.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import pickle
import signal
import threading
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd

from ecosystem._repr import clip, html_card, listing
from ecosystem.core.ecosystem import Ecosystem
from ecosystem.core.errors import ConfigError
from ecosystem.core.random import Seed, spawn
from ecosystem.generate import Profile, generate_neighbourhood, generate_region
from ecosystem.interventions import Intervention, compose
from ecosystem.study import _processes
from ecosystem.study.metrics import resolve_metrics
from ecosystem.study.stats import bootstrap_mean_ci, cohen_d

__all__ = ["Comparison", "StudyInterrupted", "compare"]

RESULT_COLUMNS = ("scenario", "configuration", "intervention", "neighbourhood", "replicate",
                  "seed", "metric", "value")
FAILURE_COLUMNS = ("scenario", "configuration", "intervention", "replicate", "seed", "stage",
                   "metric", "error", "traceback")
ALL = "all"
# Tasks per worker when the chunk size is left to us: several per worker balance uneven
# replicates (one slow configuration) at a small cost in task overhead.
_TASKS_PER_WORKER = 4


# ------------------------------------------------------------------ the work of one chunk
@dataclass(frozen=True)
class _Chunk:
    config: int
    scenario: Any  # Profile | DataFrame | Ecosystem | callable(seed)
    interventions: tuple[Intervention, ...]
    metrics: tuple[tuple[str, Callable[..., Any], bool], ...]
    replicates: tuple[tuple[int, int], ...]  # (replicate, seed)
    timeout: float | None = None  # seconds per replicate


def _child_seeds(seed: int, n: int) -> list[int]:
    return [int(s.generate_state(1, np.uint64)[0] >> np.uint64(1))
            for s in np.random.SeedSequence(seed).spawn(n)]


def _make(scenario: Any, seed: int) -> Ecosystem:
    if isinstance(scenario, Ecosystem):
        return scenario
    if isinstance(scenario, Profile):
        return generate_neighbourhood(scenario, seed=seed)
    if isinstance(scenario, pd.DataFrame):
        return generate_region(scenario, seed=seed)
    eco = scenario(seed)
    if not isinstance(eco, Ecosystem):
        raise ConfigError(f"the scenario function returned {type(eco).__name__}, not an "
                          "Ecosystem")
    return eco


def _rows(value: Any, name: str) -> Iterator[tuple[str, str, float]]:
    """(metric, neighbourhood, value) rows of one metric result."""
    if isinstance(value, pd.Series):
        for nb, v in value.items():
            yield name, str(nb), float(v)
    elif isinstance(value, Mapping):
        for k, v in value.items():
            yield f"{name}.{k}", ALL, float(v)
    else:
        yield name, ALL, float(value)


def _failure(chunk: _Chunk, ii: int | None, rep: int, seed: int, stage: str, metric: str | None,
             exc: BaseException) -> tuple:
    tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return (chunk.config, ii, rep, seed, stage, metric, repr(exc), tb)


class _Timeout(BaseException):
    """Raised by the alarm inside a replicate that ran past its timeout (a BaseException, so
    the per-step ``except Exception`` handlers do not swallow it)."""


def _alarm_available() -> bool:
    return hasattr(signal, "setitimer") and \
        threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def _deadline(seconds: float | None) -> Iterator[None]:
    """Raise _Timeout in this thread after ``seconds`` (POSIX main thread; else no-op)."""
    if seconds is None or not _alarm_available():
        yield
        return

    def on_alarm(signum: int, frame: Any) -> None:
        raise _Timeout

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _run_replicate(chunk: _Chunk, rep: int, seed: int) -> tuple[list[tuple], list[tuple]]:
    """One replicate: rows and failures (see :func:`_run_chunk`). A replicate that runs past
    ``chunk.timeout`` gives one ``timeout`` failure and no rows."""
    rows: list[tuple] = []
    fails: list[tuple] = []
    try:
        with _deadline(chunk.timeout):
            _replicate_steps(chunk, rep, seed, rows, fails)
    except _Timeout:
        exc = TimeoutError(f"the replicate ran longer than timeout={chunk.timeout:g} s")
        return [], [_failure(chunk, None, rep, seed, "timeout", None, exc)]
    return rows, fails


def _replicate_steps(chunk: _Chunk, rep: int, seed: int, rows: list[tuple],
                     fails: list[tuple]) -> None:
    try:
        eco = _make(chunk.scenario, seed)
    except Exception as exc:
        fails.append(_failure(chunk, None, rep, seed, "scenario", None, exc))
        return
    metric_seeds = _child_seeds(seed, len(chunk.metrics))
    for ii, intervention in enumerate(chunk.interventions):
        try:
            e = intervention(eco)
        except Exception as exc:
            fails.append(_failure(chunk, ii, rep, seed, "intervention", None, exc))
            continue
        for (name, func, takes_seed), mseed in zip(chunk.metrics, metric_seeds, strict=True):
            try:
                value = func(e, seed=mseed) if takes_seed else func(e)
                got = list(_rows(value, name))
            except Exception as exc:
                fails.append(_failure(chunk, ii, rep, seed, "metric", name, exc))
                continue
            rows.extend((chunk.config, ii, rep, seed, m, nb, v) for m, nb, v in got)


def _run_chunk(chunk: _Chunk) -> tuple[list[tuple], list[tuple]]:
    """Rows ``(config, intervention, replicate, seed, metric, neighbourhood, value)`` and
    failures ``(config, intervention, replicate, seed, stage, metric, error, traceback)``."""
    rows: list[tuple] = []
    fails: list[tuple] = []
    for rep, seed in chunk.replicates:
        r, f = _run_replicate(chunk, rep, seed)
        rows += r
        fails += f
    return rows, fails


def _run_reporting(chunk: _Chunk, send: Callable[[str, Any], None]) -> None:
    """Worker-pool entry point: run a chunk, reporting the start and end of each replicate."""
    for rep, seed in chunk.replicates:
        send("start", rep)
        send("done", (rep, _run_replicate(chunk, rep, seed)))


def _run_payload(payload: bytes) -> tuple[list[tuple], list[tuple]]:
    """Worker entry point: unpickle one chunk and run it."""
    return _run_chunk(pickle.loads(payload))


def _dumps(obj: Any) -> bytes:
    try:
        import cloudpickle
    except ImportError:  # plain pickle: metrics and scenarios must be module-level functions
        return pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    return cloudpickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)


# ------------------------------------------------------------------ the study
def compare(
    scenarios: Mapping[str, Profile | Ecosystem | Callable[[int], Ecosystem] | str]
    | Sequence[str],
    *,
    interventions: Mapping[str, Intervention | Sequence[Intervention] | None]
    | Sequence[Intervention] | None = None,
    metrics: Any = ("flows",),
    replicates: int = 30,
    seed: Seed = None,
    executor: Executor | int | None = None,
    progress: bool = True,
    baseline: str | None = None,
    chunksize: int | None = None,
    timeout: float | None = None,
) -> Comparison:
    """Run a comparison study and return its tidy results.

    Every configuration in ``scenarios`` is run under every intervention for every replicate:
    a :class:`~ecosystem.generate.Profile` (or preset name) generates a fresh neighbourhood
    per replicate with :func:`~ecosystem.generate.generate_neighbourhood` and the
    replicate's seed; a table of neighbourhoods (DataFrame) a fresh region with
    :func:`~ecosystem.generate.generate_region`; an :class:`~ecosystem.Ecosystem` is used as
    is; a function is called with the replicate's seed (an int) and returns an ecosystem.
    Each intervention is applied to the same ecosystem of the replicate, and each metric
    computed on the result (metric ``k`` with the ``k``-th child seed of the replicate's
    seed, identical across interventions: common random numbers).

    Parameters
    ----------
    scenarios
        Mapping name -> configuration, or a list of preset names.
    interventions
        Mapping name -> :class:`~ecosystem.interventions.Intervention` (or a list, composed;
        or ``None`` for no change), or a list of interventions named by their ``name``.
        ``None``: one intervention ``"none"``.
    metrics
        Built-in names (:data:`ecosystem.study.metrics.BUILTIN`), callables ``f(eco)`` or
        ``f(eco, seed=...)`` returning a number, a mapping of numbers or a Series by
        neighbourhood, or a mapping name -> either. Default: ``"flows"``.
    replicates
        Replicates per scenario.
    seed
        Seed of the study (int, SeedSequence or Generator). ``None`` draws fresh entropy,
        recorded in :attr:`Comparison.seed` so the study can be repeated.
    executor
        ``None`` runs serially; an int ``n`` runs on ``n`` local processes; any
        :class:`concurrent.futures.Executor` is used as given (a Dask cluster's
        ``Client.get_executor()``, a ``ProcessPoolExecutor``, ...) and not shut down.
    progress
        Show a progress bar (tqdm) of finished replicates.
    baseline
        Scenario that :meth:`Comparison.summary` compares against; the first one by default.
    chunksize
        Replicates per task sent to the executor. By default about four tasks per worker when
        the number of workers is known (a process count, a ``ProcessPoolExecutor`` or
        ``ThreadPoolExecutor``, a dask ``Client.get_executor()``), else one replicate per task.
    timeout
        Seconds one replicate (its ecosystem, every intervention and every metric) may take;
        ``None`` for no limit. A replicate that takes longer is stopped and recorded in
        :attr:`Comparison.failures` with stage ``"timeout"`` and its seed; the others run
        on. Serial runs and ``executor=n`` enforce it (serial runs and the workers stop the
        replicate with an alarm signal; with ``executor=n`` a worker stuck in C code is
        killed and replaced). Serial runs need the main thread of a POSIX system. With an
        executor you pass, the alarm works in process workers; thread workers cannot be
        stopped.

    Returns
    -------
    Comparison

    Raises
    ------
    StudyInterrupted
        Ctrl-C (SIGINT) during the study: pending work is cancelled and ``executor=n``
        workers are killed at once; the exception (a ``KeyboardInterrupt``) holds the
        partial :class:`Comparison` of the replicates that finished.

    Notes
    -----
    With ``executor=n`` the study runs on ``n`` worker processes that it starts and stops
    itself (not a ``ProcessPoolExecutor``): a worker that dies (killed, out of memory, a crash
    in compiled code) is replaced and the replicate it was running is retried once; if it
    dies again, the replicate is recorded with stage ``"worker"`` and its seed, and every
    other result is kept. Workers ignore Ctrl-C (the parent stops them) and exit when the
    parent process dies, so no orphan keeps running.

    Examples
    --------
    >>> from ecosystem.study import compare
    >>> from ecosystem.interventions import social_prescribing
    >>> study = compare({"low": "low_ses"}, interventions={"none": None,
    ...                 "prescribing": social_prescribing()}, metrics=["medicalised"],
    ...                 replicates=4, seed=1, progress=False)
    >>> study.results.columns.tolist()  # doctest: +NORMALIZE_WHITESPACE
    ['scenario', 'configuration', 'intervention', 'neighbourhood', 'replicate', 'seed',
     'metric', 'value']
    >>> study.summary()[["n", "mean", "diff"]].round(4)
                                   n    mean    diff
    scenario          metric
    low / none        medicalised  4  0.0420  0.0000
    low / prescribing medicalised  4  0.0382 -0.0038
    """
    plan = _plan(scenarios, interventions, metrics, replicates, seed, baseline, "compare")
    procs, exe, owned, workers = _dispatch(executor, timeout, "compare")
    if chunksize is None:
        total = len(plan.configs) * plan.replicates
        chunksize = 1 if workers is None else max(
            1, math.ceil(total / (_TASKS_PER_WORKER * workers)))
    chunks = plan.chunks(chunksize, None if timeout is None else float(timeout))
    try:
        rows, fails = _execute(chunks, exe, progress, procs=procs)
    except _Interrupted as stop:
        raise StudyInterrupted(plan.comparison(stop.rows, stop.fails)) from None
    finally:
        if owned and exe is not None:
            exe.shutdown(wait=True, cancel_futures=True)
    return plan.comparison(rows, fails)


@dataclass(frozen=True)
class _Plan:
    """A validated study: what to run (scenarios, interventions, metrics, seeds)."""

    configs: list[tuple[str, Any]]
    ints: list[tuple[str, Intervention]]
    mets: tuple[tuple[str, Callable[..., Any], bool], ...]
    rep_seeds: list[int]
    scen: list[str]
    named: bool
    baseline: str
    seed: Any
    replicates: int

    def chunks(self, chunksize: int, timeout: float | None = None) -> list[_Chunk]:
        """The work in chunks of ``chunksize`` replicates of one configuration (each
        replicate limited to ``timeout`` seconds, see :func:`compare`)."""
        if not (isinstance(chunksize, (int, np.integer)) and chunksize >= 1):
            raise ConfigError(f"compare(): chunksize={chunksize!r} must be an int >= 1")
        intervention_list = tuple(i for _, i in self.ints)
        n = self.replicates
        return [
            _Chunk(ci, value, intervention_list, self.mets,
                   tuple((r, self.rep_seeds[r]) for r in range(start, min(start + chunksize, n))),
                   timeout)
            for ci, (_, value) in enumerate(self.configs)
            for start in range(0, n, chunksize)
        ]

    def comparison(self, rows: list[tuple], fails: list[tuple]) -> Comparison:
        """The :class:`Comparison` of the rows and failures of every chunk."""
        return _comparison(rows, fails, self.configs, self.ints, self.mets, self.scen,
                           self.named, self.baseline, self.seed, self.replicates)


def _plan(scenarios: Any, interventions: Any, metrics: Any, replicates: Any, seed: Seed,
          baseline: str | None, func: str) -> _Plan:
    configs = _configs(scenarios, func)
    ints = _interventions(interventions, func)
    mets = tuple(resolve_metrics(metrics, func))
    if not (isinstance(replicates, (int, np.integer)) and replicates >= 1):
        raise ConfigError(f"{func}(): replicates={replicates!r} must be an int >= 1")
    if seed is None:
        seed = cast(int, np.random.SeedSequence().entropy)  # fresh OS entropy, recorded
    rep_seeds = [int(s.generate_state(1, np.uint64)[0] >> np.uint64(1))
                 for s in spawn(seed, int(replicates))]
    names = [(c, i) for c, _ in configs for i, _ in ints]
    scen = [f"{c} / {i}" if interventions is not None else c for c, i in names]
    if baseline is not None and baseline not in scen:
        raise ConfigError(f"{func}(): baseline '{baseline}' is not a scenario; scenarios: "
                          f"{scen}")
    return _Plan(configs, ints, mets, rep_seeds, scen, interventions is not None,
                 baseline or scen[0], seed, int(replicates))


class _Interrupted(KeyboardInterrupt):
    """Ctrl-C inside :func:`_execute`: the rows and failures so far (the unfinished
    replicates recorded as ``interrupted``)."""

    def __init__(self, rows: list[tuple], fails: list[tuple]) -> None:
        super().__init__("interrupted")
        self.rows, self.fails = rows, fails


def _execute(chunks: Sequence[_Chunk], exe: Executor | None, progress: bool,
             on_chunk: Callable[[_Chunk, list[tuple], list[tuple]], None] | None = None,
             procs: int | None = None) -> tuple[list[tuple], list[tuple]]:
    """Run chunks serially (``exe`` and ``procs`` None), on ``procs`` worker processes of our
    own (timeouts, dead workers, Ctrl-C; see :mod:`ecosystem.study._processes`) or on the
    executor; ``on_chunk(chunk, rows, failures)`` is called as each one finishes (in
    completion order). Ctrl-C raises :class:`_Interrupted` with what finished."""
    run = _Run(bar=_progress(progress, sum(len(ch.replicates) for ch in chunks)),
               on_chunk=on_chunk)
    try:
        if procs is not None:
            _run_on_pool(list(chunks), procs, run)
        elif exe is None:
            for ch in chunks:
                for rep, s in ch.replicates:
                    run.add(ch, rep, _run_replicate(ch, rep, s))
        else:
            _run_on_executor(exe, list(chunks), run)
    except KeyboardInterrupt:
        raise _Interrupted(run.rows, run.interrupted(chunks)) from None
    finally:
        run.bar.close()
    return run.rows, run.fails


def _dispatch(executor: Any, timeout: Any, func: str
          ) -> tuple[int | None, Executor | None, bool, int | None]:
    """(our worker processes or None, an executor or None, owned, workers) after checks."""
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(
            timeout, (int, float, np.integer, np.floating)) or not 0 < timeout < math.inf):
        raise ConfigError(f"{func}(): timeout={timeout!r} must be a positive number of seconds "
                          "or None")
    procs = int(executor) if isinstance(executor, (int, np.integer)) and not isinstance(
        executor, bool) else None
    if procs is not None and procs >= 1:
        return procs, None, False, procs
    exe, owned, workers = _executor(executor, func)
    if timeout is not None and exe is None and not _alarm_available():
        raise ConfigError(f"{func}(): timeout= in a serial run needs the main thread of a "
                          "POSIX system (it uses an alarm signal); pass executor=1 to run "
                          "in a worker process instead")
    return None, exe, owned, workers


@dataclass
class _Run:
    """Results gathered so far, and which replicates finished (for an interrupted study).

    ``on_chunk(chunk, rows, failures)`` is called once all replicates of a chunk finished.
    """

    bar: Any
    on_chunk: Callable[[_Chunk, list[tuple], list[tuple]], None] | None = None
    rows: list[tuple] = dataclasses.field(default_factory=list)
    fails: list[tuple] = dataclasses.field(default_factory=list)
    finished: set[tuple[int, int]] = dataclasses.field(default_factory=set)  # (config, rep)
    pending: dict[int, tuple[int, list[tuple], list[tuple]]] = dataclasses.field(
        default_factory=dict)  # id(chunk) -> (replicates left, rows, failures)

    def add(self, chunk: _Chunk, rep: int, result: tuple[list[tuple], list[tuple]]) -> None:
        if (chunk.config, rep) in self.finished:
            return
        self.finished.add((chunk.config, rep))
        self.rows += result[0]
        self.fails += result[1]
        self.bar.update(1)
        left, rows, fails = self.pending.get(id(chunk), (len(chunk.replicates), [], []))
        left, rows, fails = left - 1, rows + result[0], fails + result[1]
        if left > 0:
            self.pending[id(chunk)] = (left, rows, fails)
            return
        self.pending.pop(id(chunk), None)
        if self.on_chunk is not None:
            self.on_chunk(chunk, rows, fails)

    def interrupted(self, chunks: Sequence[_Chunk]) -> list[tuple]:
        """Failures plus one ``interrupted`` failure per replicate that did not finish."""
        exc = KeyboardInterrupt("the study was interrupted before this replicate finished")
        return self.fails + [_failure(ch, None, rep, s, "interrupted", None, exc)
                             for ch in chunks for rep, s in ch.replicates
                             if (ch.config, rep) not in self.finished]


def _run_on_pool(chunks: list[_Chunk], procs: int, run: _Run) -> None:
    """Run on ``procs`` worker processes of our own (timeouts, dead workers, Ctrl-C)."""
    by_key = {id(ch): ch for ch in chunks}

    def payload(ch: _Chunk) -> Callable[[tuple[tuple[int, int], ...]], bytes]:
        return lambda todo: _dumps(dataclasses.replace(ch, replicates=todo))

    def done(task: _processes.Task, rep: int, result: Any) -> None:
        run.add(by_key[task.key], rep, result)

    def failed(task: _processes.Task, rep: int, seed: int, stage: str, message: str) -> None:
        ch = by_key[task.key]
        error = TimeoutError(message) if stage == "timeout" else RuntimeError(message)
        run.add(ch, rep, ([], [_failure(ch, None, rep, seed, stage, None, error)]))

    tasks = [_processes.Task(id(ch), payload(ch), list(ch.replicates)) for ch in chunks]
    pool = _processes.Pool(procs, _run_reporting, chunks[0].timeout if chunks else None)
    pool.map(tasks, _processes.Outcome(done, failed))


def _run_on_executor(exe: Executor, chunks: list[_Chunk], run: _Run) -> None:
    """Run on an executor the caller gave; a chunk whose task fails is retried once."""
    futures = {exe.submit(_run_payload, _dumps(ch)): (ch, 0) for ch in chunks}
    try:
        while futures:
            fut = next(as_completed(futures))
            ch, attempt = futures.pop(fut)
            try:
                r, f = fut.result()
            except Exception as exc:  # the task died (worker lost, broken pool, ...)
                if attempt == 0:
                    try:
                        futures[exe.submit(_run_payload, _dumps(ch))] = (ch, 1)
                        continue
                    except Exception:
                        pass
                for rep, s in ch.replicates:
                    run.add(ch, rep, ([], [_failure(ch, None, rep, s, "executor", None, exc)]))
                continue
            per_rep: dict[int, tuple[list[tuple], list[tuple]]] = {
                rep: ([], []) for rep, _ in ch.replicates}
            for row in r:
                per_rep[row[2]][0].append(row)
            for fail in f:
                per_rep[fail[2]][1].append(fail)
            for rep, result in per_rep.items():
                run.add(ch, rep, result)
    finally:
        for fut in futures:
            fut.cancel()


def _configs(scenarios: Any, func: str) -> list[tuple[str, Any]]:
    if isinstance(scenarios, Mapping):
        items = list(scenarios.items())
    elif isinstance(scenarios, Sequence) and not isinstance(scenarios, str):
        items = [(s, s) for s in scenarios]
    else:
        raise ConfigError(f"{func}(): scenarios must be a mapping name -> configuration or a "
                          f"list of preset names, got {type(scenarios).__name__}")
    if not items:
        raise ConfigError(f"{func}(): no scenarios given")
    out = []
    for name, value in items:
        if isinstance(value, str):
            try:
                value = Profile.preset(value)
            except ConfigError as exc:
                raise ConfigError(f"{func}(): scenario '{name}': {exc}") from None
        if not (isinstance(value, (Profile, Ecosystem, pd.DataFrame)) or callable(value)):
            raise ConfigError(f"{func}(): scenario '{name}' must be a Profile, a preset name, "
                              f"a table of neighbourhoods, an Ecosystem or a function of a "
                              f"seed, got "
                              f"{type(value).__name__}")
        out.append((str(name), value))
    return out


def _interventions(interventions: Any, func: str) -> list[tuple[str, Intervention]]:
    if interventions is None:
        return [("none", compose())]
    if isinstance(interventions, Intervention):
        interventions = [interventions]
    try:
        if isinstance(interventions, Mapping):
            out = [(str(k), compose(v)) for k, v in interventions.items()]
        else:
            out = [(i.name, compose(i)) for i in interventions]
    except (ConfigError, AttributeError) as exc:
        raise ConfigError(f"{func}(): interventions: {exc}") from None
    names = [n for n, _ in out]
    if not out or len(set(names)) != len(names):
        raise ConfigError(f"{func}(): intervention names must be unique and not empty, got "
                          f"{names}; pass a mapping name -> intervention")
    return out


def _executor(executor: Any, func: str) -> tuple[Executor | None, bool, int | None]:
    """(executor or None for serial, whether we own it, number of workers or None if unknown).

    Serial runs report ``None`` workers: they run one replicate per chunk.
    """
    if executor is None:
        return None, False, None
    if isinstance(executor, (int, np.integer)) and not isinstance(executor, bool):
        if executor < 1:
            raise ConfigError(f"{func}(): executor={executor} must be >= 1 processes")
        return ProcessPoolExecutor(max_workers=int(executor)), True, int(executor)
    if isinstance(executor, Executor):
        return executor, False, _workers(executor)
    raise ConfigError(f"{func}(): executor must be None, an int or a concurrent.futures."
                      f"Executor (e.g. dask's Client.get_executor()), got "
                      f"{type(executor).__name__}")


def _workers(executor: Executor) -> int | None:
    """Workers of ``executor`` where it says so, else ``None`` (never a guess)."""
    n = getattr(executor, "_max_workers", None)  # concurrent.futures pools
    if isinstance(n, int) and n > 0:
        return n
    client = getattr(executor, "_client", None)  # dask.distributed ClientExecutor
    if client is None:
        return None
    try:
        threads = [w.get("nthreads") for w in client.scheduler_info()["workers"].values()]
    except Exception:  # a client that cannot answer (closed, another implementation)
        return None
    if not threads or not all(isinstance(t, int) and t > 0 for t in threads):
        return None
    return sum(threads)


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(progress: bool, total: int) -> Any:
    if not progress:
        return _NoBar()
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="replicates", unit="rep")


def _comparison(rows, fails, configs, ints, mets, scen, named, baseline, seed, replicates):
    n_int = len(ints)
    cfg_names = [c for c, _ in configs]
    int_names = [i for i, _ in ints]
    metric_order = {m: k for k, (m, _, _) in enumerate(mets)}
    res = pd.DataFrame(rows, columns=["c", "i", "replicate", "seed", "metric", "neighbourhood",
                                      "value"])
    # deterministic order whatever the executor: scenario, replicate, metric, neighbourhood
    res["_m"] = res["metric"].str.split(".").str[0].map(metric_order)
    res = res.sort_values(["c", "i", "replicate", "_m", "metric", "neighbourhood"],
                          kind="stable").reset_index(drop=True)
    code = (res["c"] * n_int + res["i"]).to_numpy(dtype=np.int64)
    results = pd.DataFrame({
        "scenario": pd.Series(np.asarray(scen, dtype=object)[code], dtype="str"),
        "configuration": pd.Series(np.asarray(cfg_names, dtype=object)[res["c"].to_numpy(
            dtype=np.int64)], dtype="str"),
        "intervention": pd.Series(np.asarray(int_names, dtype=object)[res["i"].to_numpy(
            dtype=np.int64)], dtype="str"),
        "neighbourhood": res["neighbourhood"].astype("str"),
        "replicate": res["replicate"].astype(np.int64),
        "seed": res["seed"].astype(np.int64),
        "metric": res["metric"].astype("str"),
        "value": res["value"].astype(np.float64),
    })
    f = pd.DataFrame(fails, columns=["c", "i", "replicate", "seed", "stage", "metric", "error",
                                     "traceback"])
    f["i"] = f["i"].fillna(-1).astype(np.int64)  # -1: the step failed before interventions
    f = f.sort_values(["c", "replicate", "i"], kind="stable")
    failures = pd.DataFrame({
        "scenario": [scen[c * n_int + i] if i >= 0 else cfg_names[c]
                     for c, i in zip(f["c"], f["i"], strict=True)],
        "configuration": [cfg_names[c] for c in f["c"]],
        "intervention": [int_names[i] if i >= 0 else None for i in f["i"]],
        "replicate": f["replicate"].to_numpy(dtype=np.int64),
        "seed": f["seed"].to_numpy(dtype=np.int64),
        "stage": f["stage"].to_numpy(dtype=object),
        "metric": f["metric"].to_numpy(dtype=object),
        "error": f["error"].to_numpy(dtype=object),
        "traceback": f["traceback"].to_numpy(dtype=object),
    }, columns=list(FAILURE_COLUMNS))
    if len(failures):
        import warnings

        warnings.warn(f"compare(): {len(failures)} replicate step(s) failed; see "
                      "Comparison.failures (each with its seed)", RuntimeWarning, stacklevel=3)
    return Comparison(results, failures, baseline, int(seed) if isinstance(
        seed, (int, np.integer)) else None, replicates, tuple(scen))


class StudyInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped :func:`compare`; :attr:`comparison` holds what finished.

    A ``KeyboardInterrupt``, so an uncaught one ends a script as Ctrl-C always does. The
    partial :class:`Comparison` has the results of every replicate that finished and, in its
    ``failures``, one row with stage ``"interrupted"`` (and the seed) per replicate that did
    not.

    Parameters
    ----------
    comparison
        The partial results.

    Examples
    --------
    >>> from ecosystem.study import StudyInterrupted, compare
    >>> try:  # doctest: +SKIP
    ...     study = compare(["average"], replicates=1000)
    ... except StudyInterrupted as stop:  # Ctrl-C pressed
    ...     study = stop.comparison
    """

    def __init__(self, comparison: Comparison) -> None:
        n = comparison.failures["stage"].eq("interrupted").sum()
        super().__init__(f"compare() was interrupted; {n} replicate step(s) did not finish. "
                         "The results that finished are in this exception's .comparison")
        self.comparison = comparison


@dataclass(frozen=True)
class Comparison:
    """What :func:`compare` returns.

    Attributes
    ----------
    results
        Tidy long table, one row per scenario, neighbourhood, replicate and metric: columns
        ``scenario, configuration, intervention, neighbourhood, replicate, seed, metric,
        value``. ``seed`` is the replicate's seed (what a scenario function received).
    failures
        One row per failed step: ``scenario, configuration, intervention, replicate, seed,
        stage`` (``scenario``, ``intervention``, ``metric`` or ``executor``), ``metric``,
        ``error`` and ``traceback``. Empty when everything ran.
    baseline
        Default baseline scenario of :meth:`summary`.
    seed
        The study's seed when it was an int (or the entropy drawn for ``seed=None``).
    replicates
        Replicates per scenario.
    scenarios
        Scenario names in order.

    Examples
    --------
    >>> from ecosystem.study import compare
    >>> comparison = compare(["average", "low_ses"], metrics=["actors"], replicates=5, seed=1,
    ...                      progress=False)
    >>> comparison
    <Comparison: 2 scenarios x 5 replicates, 1 metrics, 10 rows, 0 failures>
    """

    results: pd.DataFrame
    failures: pd.DataFrame
    baseline: str
    seed: int | None
    replicates: int
    scenarios: tuple[str, ...]

    def summary(
        self,
        *,
        baseline: str | None = None,
        confidence: float = 0.95,
        n_resamples: int = 4000,
        seed: Seed = 0,
    ) -> pd.DataFrame:
        """Mean, bootstrap CI and effect size against a baseline, per scenario and metric.

        Columns: ``n`` (replicates with a value), ``mean``, ``sd`` (ddof 1), ``ci_low``,
        ``ci_high`` (percentile bootstrap of the mean, :func:`bootstrap_mean_ci`), and
        against the ``baseline`` scenario: ``diff`` (mean of the differences paired by
        replicate, over replicates both have), ``diff_ci_low``, ``diff_ci_high`` (bootstrap of
        the paired differences) and ``cohen_d`` (difference of the means over the pooled
        standard deviation, :func:`cohen_d`). Rows are indexed by ``scenario, metric`` and,
        when any metric is per neighbourhood, ``neighbourhood``.

        Parameters
        ----------
        baseline
            Scenario to compare against; :attr:`baseline` by default.
        confidence
            Confidence level of the intervals, in (0, 1).
        n_resamples
            Bootstrap resamples per interval.
        seed
            Seed of the bootstrap; the default 0 makes the summary reproducible.

        Returns
        -------
        pandas.DataFrame
            The columns above, one row per scenario and metric (and neighbourhood).

        Examples
        --------
        >>> from ecosystem.study import compare
        >>> c = compare(["average", "low_ses"], metrics=["actors"], replicates=5, seed=1,
        ...             progress=False)
        >>> c.summary()[["n", "mean", "diff"]].round(1)
                         n   mean  diff
        scenario metric
        average  actors  5  100.8   0.0
        low_ses  actors  5   75.8 -25.0
        """
        base = self.baseline if baseline is None else baseline
        if base not in self.scenarios:
            raise ConfigError(f"Comparison.summary(): baseline '{base}' is not a scenario; "
                              f"scenarios: {list(self.scenarios)}")
        r = self.results
        per_nb = bool((r["neighbourhood"] != ALL).any())
        keys = ["scenario", "metric", *(["neighbourhood"] if per_nb else [])]
        wide = r.pivot_table(index=[*keys[1:], "replicate"], columns="scenario",
                             values="value", aggfunc="first", sort=False)
        out = []
        rng_seed = seed
        for scenario in self.scenarios:
            if scenario not in wide.columns:
                continue
            for key, block in wide.groupby(level=list(range(len(keys) - 1)), sort=False):
                key = key if isinstance(key, tuple) else (key,)
                x = block[scenario].dropna().to_numpy()
                row = {"scenario": scenario, **dict(zip(keys[1:], key, strict=True)),
                       "n": len(x), "mean": x.mean() if len(x) else np.nan,
                       "sd": x.std(ddof=1) if len(x) > 1 else np.nan}
                lo, hi = bootstrap_mean_ci(x, confidence=confidence, n_resamples=n_resamples,
                                           seed=rng_seed)
                row["ci_low"], row["ci_high"] = lo[0], hi[0]
                if base in block.columns:
                    both = block[[scenario, base]].dropna()
                    d = (both[scenario] - both[base]).to_numpy()
                    dlo, dhi = bootstrap_mean_ci(d, confidence=confidence,
                                                 n_resamples=n_resamples, seed=rng_seed)
                    row.update(diff=d.mean() if len(d) else np.nan, diff_ci_low=dlo[0],
                               diff_ci_high=dhi[0],
                               cohen_d=cohen_d(x, block[base].dropna().to_numpy()))
                out.append(row)
        table = pd.DataFrame(out)
        return table.set_index(keys)

    def plot(self, metric: str, **kwargs: Any) -> Any:
        """Forest plot of ``metric`` against the baseline (see ``plotting.plot_comparison``).

        Parameters
        ----------
        metric
            A metric name as in ``results["metric"]``.
        **kwargs
            Options of :func:`~ecosystem.plotting.plot_comparison` (``baseline``,
            ``confidence``, ``ax``).

        Returns
        -------
        matplotlib.figure.Figure
            The figure drawn.

        Examples
        --------
        >>> from ecosystem import compare
        >>> study = compare({"low": "low_ses", "average": "average"}, metrics=["ei_domain"],
        ...                 replicates=3, seed=1, progress=False)
        >>> fig = study.plot("ei_domain")
        >>> len(fig.axes)
        1
        """
        from ecosystem.plotting import plot_comparison  # imported when a figure is first drawn

        return plot_comparison(self, metric, **kwargs)

    def __repr__(self) -> str:
        return (f"<Comparison: {len(self.scenarios)} scenarios x {self.replicates} replicates, "
                f"{self.results['metric'].nunique()} metrics, {len(self.results)} rows, "
                f"{len(self.failures)} failures>")

    def _repr_html_(self) -> str:
        r = self.results
        whole = r[r["neighbourhood"] == ALL]
        means = whole.pivot_table(index="metric", columns="scenario", values="value",
                                  aggfunc="mean", sort=False)
        means = means.reindex(columns=[s for s in self.scenarios if s in means.columns])
        tables: list[tuple[str, pd.DataFrame]] = [
            ("Mean over replicates (whole ecosystem; summary() adds intervals and effects)",
             means)]
        if len(self.failures):
            failures = self.failures[["scenario", "replicate", "stage", "metric", "error"]]
            tables.append(("Failures", failures.assign(
                error=failures["error"].map(lambda e: clip(e, 120)))))
        return html_card(f"Comparison: {len(self.scenarios)} scenarios "
                         f"({listing(self.scenarios)}) x {self.replicates} replicates, "
                         f"baseline {clip(self.baseline)}", tables)
