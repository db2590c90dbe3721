"""Worker processes that can be stopped: per-replicate timeouts, Ctrl-C, dead workers.

``compare(executor=n)`` runs its chunks on ``n`` processes managed here rather than on a
:class:`concurrent.futures.ProcessPoolExecutor`, because the parent must know which replicate
each worker is running:

- a worker reports the start and the end of every replicate, so a replicate that runs past
  its ``timeout`` is stopped (the worker is killed and replaced) and recorded with its seed;
- a worker that dies (killed, out of memory, a crash in C code) is replaced; the replicate it
  was running is retried once, then recorded with its seed; every other result is kept
  (a ProcessPoolExecutor turns one dead worker into ``BrokenProcessPool`` for every task);
- Ctrl-C in the parent kills the workers at once instead of waiting for their chunks;
- workers ignore SIGINT (the parent decides), and exit when the parent dies: on Linux the
  kernel kills them (``PR_SET_PDEATHSIG``), elsewhere a watchdog thread notices that the
  parent is gone within a second.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing as mp
import os
import pickle
import signal
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any

#: Seconds a worker may run past a replicate's timeout (inside the worker an alarm stops the
#: replicate first; the parent kills the worker only if that did not work, e.g. in C code).
GRACE = 2.0
#: Deaths of a worker while running one replicate before it is reported rather than retried.
MAX_DEATHS = 2
_TICK = 0.2


# ------------------------------------------------------------------ the worker process
def _die_with_parent(parent: int) -> None:
    """Exit when the parent process dies (Linux: kernel signal; elsewhere a watchdog)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before the line above ran
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, daemon=True, name="ecosystem-parent-watch").start()


def _worker_main(conn: Connection, parent: int,
                 run: Callable[[Any, Callable[[str, Any], None]], None]) -> None:
    """Receive pickled tasks, run them, send ("start", rep), ("done", rep, result), ("end",)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's business
    _die_with_parent(parent)
    while True:
        try:
            payload = conn.recv_bytes()
        except (EOFError, OSError):
            return
        try:
            task = pickle.loads(payload)
            run(task, lambda kind, value: conn.send((kind, value)))
        except Exception:
            conn.send(("error", traceback.format_exc()))
        conn.send(("end", None))


# ------------------------------------------------------------------ the parent side
@dataclass
class Task:
    """A chunk to run: its pickled form and the replicates still to do (rep, seed)."""

    key: Any
    make_payload: Callable[[tuple[tuple[int, int], ...]], bytes]
    todo: list[tuple[int, int]]


@dataclass
class _Worker:
    process: Any
    conn: Connection
    task: Task | None = None
    rep: int | None = None
    started: float = 0.0


@dataclass
class Outcome:
    """What the pool reports to its caller, one call per event."""

    done: Callable[[Task, int, Any], None]  # (task, replicate, result)
    failed: Callable[[Task, int, int, str, str], None]  # (task, rep, seed, stage, message)
    deaths: dict[int, int] = field(default_factory=dict)


class Pool:
    """``n`` worker processes running tasks; see the module docstring."""

    def __init__(self, n: int, run: Callable[[Any, Callable[[str, Any], None]], None],
                 timeout: float | None) -> None:
        self.n = n
        self.run = run
        self.timeout = timeout
        self.ctx = mp.get_context()
        self.workers: list[_Worker] = []

    # -- processes
    def _spawn(self) -> _Worker:
        parent_end, child_end = self.ctx.Pipe()
        process = self.ctx.Process(target=_worker_main, args=(child_end, os.getpid(), self.run),
                                   daemon=True, name="ecosystem-worker")
        process.start()
        child_end.close()
        worker = _Worker(process, parent_end)
        self.workers.append(worker)
        return worker

    def _kill(self, worker: _Worker) -> None:
        with contextlib.suppress(Exception):
            worker.process.kill()
        with contextlib.suppress(Exception):
            worker.process.join(5)
        with contextlib.suppress(Exception):
            worker.conn.close()
        if worker in self.workers:
            self.workers.remove(worker)

    def close(self) -> None:
        """Kill every worker now (Ctrl-C, errors) and wait for them to be gone."""
        for worker in list(self.workers):
            self._kill(worker)

    def pids(self) -> list[int]:
        return [w.process.pid for w in self.workers]

    # -- the loop
    def map(self, tasks: list[Task], out: Outcome) -> None:
        """Run every task; report each replicate's result or failure through ``out``."""
        queue = deque(tasks)
        try:
            while queue or any(w.task is not None for w in self.workers):
                self._assign(queue)
                busy = [w for w in self.workers if w.task is not None]
                ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy],
                             timeout=_TICK)
                for worker in busy:
                    if worker.conn in ready or worker.process.sentinel in ready:
                        self._serve(worker, queue, out)
                self._enforce_timeouts(queue, out)
        finally:
            self.close()

    def _assign(self, queue: deque[Task]) -> None:
        while queue:
            idle = [w for w in self.workers if w.task is None]
            if not idle and len(self.workers) < self.n:
                idle = [self._spawn()]
            if not idle:
                return
            task = queue.popleft()
            worker = idle[0]
            worker.task, worker.rep = task, None
            worker.started = time.monotonic()
            try:
                worker.conn.send_bytes(task.make_payload(tuple(task.todo)))
            except (OSError, EOFError):  # the worker died while idle: replace it
                queue.appendleft(task)
                self._kill(worker)

    def _serve(self, worker: _Worker, queue: deque[Task], out: Outcome) -> None:
        task = worker.task
        assert task is not None
        while True:
            try:
                if not worker.conn.poll():
                    break
                kind, value = worker.conn.recv()
            except (EOFError, OSError):
                break
            if kind == "start":
                worker.rep, worker.started = value, time.monotonic()
            elif kind == "done":
                rep, result = value
                task.todo = [(r, s) for r, s in task.todo if r != rep]
                worker.rep, worker.started = None, time.monotonic()
                out.done(task, rep, result)
            elif kind == "error":  # the task itself could not run (e.g. not unpicklable)
                for rep, seed in task.todo:
                    out.failed(task, rep, seed, "executor", value)
                task.todo = []
            elif kind == "end":
                worker.task, worker.rep = None, None
                return
        if not worker.process.is_alive():
            self._died(worker, queue, out)

    def _died(self, worker: _Worker, queue: deque[Task], out: Outcome) -> None:
        task = worker.task
        assert task is not None
        code = worker.process.exitcode
        how = (f"signal {signal.Signals(-code).name}" if code is not None and code < 0
               and -code in signal.Signals._value2member_map_ else f"exit code {code}")
        rep = worker.rep if worker.rep is not None else (task.todo[0][0] if task.todo else None)
        self._kill(worker)
        if rep is None:
            return
        seed = dict(task.todo)[rep]
        out.deaths[rep] = out.deaths.get(rep, 0) + 1
        if out.deaths[rep] >= MAX_DEATHS:
            out.failed(task, rep, seed, "worker",
                       f"the worker process died ({how}) while running this replicate, "
                       f"{out.deaths[rep]} times; rerun it alone with its seed to see why")
            task.todo = [(r, s) for r, s in task.todo if r != rep]
        if task.todo:
            queue.appendleft(task)

    def _enforce_timeouts(self, queue: deque[Task], out: Outcome) -> None:
        if self.timeout is None:
            return
        now = time.monotonic()
        for worker in [w for w in self.workers if w.task is not None]:
            if now - worker.started <= self.timeout + GRACE:
                continue
            task = worker.task
            assert task is not None
            rep = worker.rep if worker.rep is not None else (
                task.todo[0][0] if task.todo else None)
            self._kill(worker)
            if rep is not None:
                seed = dict(task.todo)[rep]
                out.failed(task, rep, seed, "timeout",
                           f"the replicate ran longer than timeout={self.timeout:g} s and its "
                           "worker was stopped")
                task.todo = [(r, s) for r, s in task.todo if r != rep]
            if task.todo:
                queue.appendleft(task)
