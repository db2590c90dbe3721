"""Studies you can stop: timeouts, dead workers, Ctrl-C and a dying parent.

Every test is bounded by generous hang guards (subprocess timeouts, polling limits), never by
timing assertions: a slow machine makes them slower, not red. Scenario functions decide what
to do from the replicate's seed, so the failing replicates are known in advance.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

from ecosystem import ConfigError, datasets
from ecosystem.core.random import spawn
from ecosystem.study import StudyInterrupted, compare

ECO = datasets.example()
SEED = 11
REPLICATES = 8


def _seeds() -> list[int]:
    """The replicate seeds compare() derives from SEED (the same code path as compare)."""
    return [int(s.generate_state(1, np.uint64)[0] >> np.uint64(1))
            for s in spawn(SEED, REPLICATES)]


BAD = _seeds()[3]  # the replicate that misbehaves


def _killer(seed: int):
    if seed == BAD:
        os.kill(os.getpid(), signal.SIGKILL)  # the worker dies mid-study
    return ECO


def _sleeper(seed: int):
    if seed == BAD:
        time.sleep(60)
    return ECO


def _run(scenario, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return compare({"s": scenario}, metrics=["ties"], replicates=REPLICATES, seed=SEED,
                       progress=False, **kw)


def test_dead_worker_is_retried_then_reported_with_its_seed():
    study = _run(_killer, executor=2)
    f = study.failures
    assert f["stage"].tolist() == ["worker"] and f["seed"].tolist() == [BAD]
    assert f["replicate"].tolist() == [3] and "died (signal SIGKILL)" in f["error"].iloc[0]
    assert "2 times" in f["error"].iloc[0]  # retried once before being reported
    kept = study.results
    assert sorted(kept["replicate"]) == [r for r in range(REPLICATES) if r != 3]
    assert (kept["value"] == ECO.n_ties).all()


def test_worker_that_dies_once_is_retried(tmp_path):
    marker = tmp_path / "died-once"

    def flaky(seed: int):
        if seed == BAD and not marker.exists():
            marker.write_text("x")
            os.kill(os.getpid(), signal.SIGKILL)
        return ECO

    study = _run(flaky, executor=2)
    assert study.failures.empty and marker.exists()
    assert sorted(study.results["replicate"]) == list(range(REPLICATES))


@pytest.mark.parametrize("executor", [None, 2])
def test_timeout_records_the_sleeping_replicate(executor):
    study = _run(_sleeper, executor=executor, timeout=0.5)
    f = study.failures
    assert f["stage"].tolist() == ["timeout"] and f["seed"].tolist() == [BAD]
    assert "timeout=0.5" in f["error"].iloc[0]
    assert sorted(study.results["replicate"]) == [r for r in range(REPLICATES) if r != 3]


def test_timeout_is_checked():
    for bad in (0, -1, float("inf"), "1", True):
        with pytest.raises(ConfigError, match="timeout"):
            _run(_sleeper, timeout=bad)


def test_serial_ctrl_c_returns_what_finished():
    def interrupt(seed: int):
        if seed == BAD:
            raise KeyboardInterrupt
        return ECO

    with pytest.raises(StudyInterrupted) as info:
        _run(interrupt)
    partial = info.value.comparison
    assert sorted(partial.results["replicate"]) == [0, 1, 2]
    assert set(partial.failures["stage"]) == {"interrupted"}
    assert sorted(partial.failures["replicate"]) == list(range(3, REPLICATES))


# ------------------------------------------------------------- signals in a subprocess
_SCRIPT = """
import os, sys, time, warnings
from pathlib import Path
warnings.simplefilter("ignore")
from ecosystem import datasets
from ecosystem.study import StudyInterrupted, compare

folder = Path(sys.argv[1])
eco = datasets.example()

def slow(seed):
    (folder / f"{os.getpid()}.pid").write_text(str(os.getpid()))
    time.sleep(0.5)
    return eco

try:
    study = compare({"s": slow}, metrics=["ties"], replicates=400, seed=1, executor=2,
                    progress=False, chunksize=50)
    print("finished")
except StudyInterrupted as stop:
    print("interrupted", len(stop.comparison.results), flush=True)
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    return "\nState:\tZ" not in state  # a zombie has finished running


def _start(tmp_path) -> tuple[subprocess.Popen, list[int]]:
    script = tmp_path / "study.py"
    script.write_text(textwrap.dedent(_SCRIPT))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen([sys.executable, str(script), str(tmp_path)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for _ in range(600):  # hang guard: wait until both workers run a replicate
        pids = [int(p.stem) for p in tmp_path.glob("*.pid")]
        if len(pids) >= 2:
            return proc, pids
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    proc.kill()
    raise AssertionError(f"the workers did not start: {proc.communicate()}")


def _gone(pids: list[int]) -> bool:
    for _ in range(200):  # hang guard: 20 s
        if not any(_alive(p) for p in pids):
            return True
        time.sleep(0.1)
    return False


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigint_returns_promptly_and_leaves_no_child(tmp_path):
    proc, pids = _start(tmp_path)
    assert os.getpid() not in pids and proc.pid not in pids
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)  # hang guard only; the workers sleep 0.5 s
    assert proc.returncode == 0, err[-2000:]
    assert out.startswith("interrupted"), (out, err[-2000:])
    assert _gone(pids)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux process states")
def test_workers_die_with_their_parent(tmp_path):
    proc, pids = _start(tmp_path)
    proc.kill()  # SIGKILL: the parent cannot clean up
    proc.communicate(timeout=60)
    assert _gone(pids)
