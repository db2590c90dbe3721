"""Study files: validation (bad-study corpus), TOML round trip, the runner's outputs, resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecosystem.cli import main
from ecosystem.study import Study, StudyError, compare, example_study, load
from ecosystem.study.spec import _line_of

BAD = Path(__file__).parent / "data" / "bad_studies"
CASES = json.loads((BAD / "cases.json").read_text())
SRC = Path(__file__).parents[1] / "src"

SMALL = """
[study]
name = "small"
seed = 11
replicates = 3
chunk = 1
metrics = ["lost", "actors"]
baseline = "average/none"
[scenarios.average]
profile = "average"
residents = 800
[scenarios.low]
profile = "low_ses"
residents = 800
[interventions]
none = []
prescribing = [{ kind = "social_prescribing", strength = 2.0 }]
"""


def _write(tmp_path: Path, text: str, name: str = "study.toml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


# ------------------------------------------------------------------ the bad-study corpus
def test_corpus_has_every_file_and_at_least_twenty_cases():
    files = {p.name for p in BAD.glob("*.toml")}
    assert files == set(CASES)
    assert len(CASES) >= 20


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_study_exit_code_1_names_the_key_without_traceback(name, capsys, tmp_path):
    code = main(["run", str(BAD / name), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1, err
    assert "Traceback" not in err
    for fragment in CASES[name]:
        assert fragment in err, (fragment, err)
    assert not (tmp_path / "out" / "results.csv").exists()


def test_bad_study_raises_study_error_with_key():
    with pytest.raises(StudyError) as info:
        load(BAD / "unknown_profile.toml")
    assert info.value.key == "scenarios.low.profile"
    assert info.value.line == 4
    assert isinstance(info.value, StudyError)


def test_cli_subprocess_no_traceback_and_usage_exit_2(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    bad = subprocess.run([sys.executable, "-m", "ecosystem.cli", "run",
                          str(BAD / "unknown_metric.toml"), "--out", str(tmp_path)],
                         capture_output=True, text=True, env=env)
    assert bad.returncode == 1
    assert "Traceback" not in bad.stderr and "study.metrics" in bad.stderr
    usage = subprocess.run([sys.executable, "-m", "ecosystem.cli", "run"],
                           capture_output=True, text=True, env=env)
    assert usage.returncode == 2


# ------------------------------------------------------------------ parsing and writing
def test_line_of_finds_keys_and_tables():
    text = "[study]\nseed = 1\n\n[scenarios.low]\nprofile = 'x'\nactors = { gp = 1 }\n"
    assert _line_of(text, "study.seed") == 2
    assert _line_of(text, "scenarios.low") == 4
    assert _line_of(text, "scenarios.low.profile") == 5
    assert _line_of(text, "scenarios.low.actors.gp") == 6
    assert _line_of(text, "output.formats") is None


def test_example_study_loads_and_round_trips(tmp_path):
    for profile in ("low_ses", "rural"):
        study = load(_write(tmp_path, example_study(profile)))
        assert study.baseline == "average/none"
        assert {s.name for s in study.scenarios} == {"average", profile}
        assert Study.from_toml(study.to_toml()) == study
    with pytest.raises(StudyError, match="did you mean 'low_ses'"):
        example_study("low_sess")


def test_defaults_are_filled_and_written(tmp_path):
    study = load(_write(tmp_path, "[study]\nseed = 3\n[scenarios.a]\nprofile = 'average'\n",
                        "mine.toml"))
    assert study.name == "mine"  # the file name when [study] has no name
    assert study.replicates == 30 and study.executor == "serial"
    assert study.metrics == ("flows",) and study.baseline == "a/none"
    assert study.formats == ("parquet", "csv") and study.suppress_below == 0
    assert [n for n, _ in study.interventions] == ["none"]
    text = study.to_toml()
    assert "replicates = 30" in text and 'baseline = "a/none"' in text


_names = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)


@given(
    name=st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=20).filter(
        str.strip),
    seed=st.integers(0, 2**63 - 1),
    replicates=st.integers(1, 10**6),
    chunk=st.integers(1, 100),
    scenarios=st.lists(_names, min_size=1, max_size=3, unique=True),
    residents=st.integers(1, 100_000),
    strength=st.floats(0.01, 100, allow_nan=False),
    suppress=st.integers(0, 1000),
)
def test_toml_round_trip_property(name, seed, replicates, chunk, scenarios, residents,
                                  strength, suppress):
    spec = {
        "study": {"name": name, "seed": seed, "replicates": replicates, "chunk": chunk,
                  "metrics": ["lost", "gaps"]},
        "scenarios": {s: {"profile": "average", "residents": residents,
                          "actors": {"gp": 0.5}} for s in scenarios},
        "interventions": {"none": [], "sp": [{"kind": "social_prescribing",
                                               "strength": strength}]},
        "output": {"formats": ["csv"], "suppress_below": suppress},
    }
    study = Study.from_dict(spec)
    again = Study.from_toml(study.to_toml())
    assert again == study
    assert again.to_dict() == study.to_dict()


# ------------------------------------------------------------------ running
def test_run_equals_compare_and_writes_outputs(tmp_path):
    study = load(_write(tmp_path, SMALL))
    out = tmp_path / "out"
    result = study.run(out, report=False)
    direct = compare(study.scenario_objects(), interventions=study.intervention_objects(),
                     metrics=list(study.metrics), replicates=study.replicates,
                     seed=study.seed, baseline="average / none", progress=False)
    pd.testing.assert_frame_equal(result.results, direct.results)
    for f in ("results.parquet", "results.csv"):
        table = (pd.read_parquet if f.endswith("parquet") else pd.read_csv)(out / f)
        assert list(table.columns) == list(direct.results.columns)
        assert len(table) == len(direct.results)
    pd.testing.assert_frame_equal(pd.read_parquet(out / "results.parquet"), direct.results,
                                  check_dtype=False)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 11 and manifest["executor"] == "serial"
    assert manifest["chunks"] == {**manifest["chunks"], "total": 6, "reused": 0}
    assert manifest["replicate_seeds"] == sorted(set(direct.results["seed"]),
                                                 key=manifest["replicate_seeds"].index)
    assert {"numpy", "pandas", "igraph"} <= set(manifest["environment"]["packages"])
    assert manifest["resolved"] == study.to_dict()
    assert not list(out.glob("**/*.tmp")) and not list(out.glob("**/.*"))


def test_resume_reuses_chunks_and_refuses_a_changed_study(tmp_path, capsys):
    path = _write(tmp_path, SMALL)
    out = tmp_path / "out"
    first = load(path).run(out, report=False)
    chunk_files = sorted((out / "chunks").glob("c*.json"))
    assert len(chunk_files) == 6
    chunk_files[0].unlink()  # as if the run had died before this chunk
    assert main(["run", str(path), "--out", str(out), "--no-report"]) == 0
    printed = capsys.readouterr().out
    assert "1 chunks run, 5 reused" in printed
    pd.testing.assert_frame_equal(pd.read_parquet(out / "results.parquet"), first.results,
                                  check_dtype=False)
    path.write_text(SMALL.replace("strength = 2.0", "strength = 3.0"))
    assert main(["run", str(path), "--out", str(out), "--no-report"]) == 1
    assert "different study" in capsys.readouterr().err
    assert main(["run", str(path), "--out", str(out), "--fresh", "--no-report"]) == 0
    assert "6 chunks run, 0 reused" in capsys.readouterr().out


def test_half_written_chunk_is_run_again(tmp_path):
    study = load(_write(tmp_path, SMALL))
    out = tmp_path / "out"
    first = study.run(out, report=False)
    victim = sorted((out / "chunks").glob("c*.json"))[2]
    victim.write_text(victim.read_text()[:20])
    again = study.run(out, report=False)
    pd.testing.assert_frame_equal(again.results, first.results)


def test_same_results_on_processes(tmp_path):
    study = load(_write(tmp_path, SMALL))
    serial = study.run(tmp_path / "serial", report=False)
    parallel = study.run(tmp_path / "par", executor="processes:2", report=False)
    pd.testing.assert_frame_equal(serial.results, parallel.results)
    assert (tmp_path / "serial" / "results.csv").read_bytes() == (
        tmp_path / "par" / "results.csv").read_bytes()


def test_small_cell_suppression_blanks_and_lists(tmp_path):
    text = SMALL.replace('[scenarios.low]\nprofile = "low_ses"\nresidents = 800',
                         '[scenarios.low]\nprofile = "low_ses"\nresidents = 200')
    text += "[output]\nsuppress_below = 300\n"
    study = load(_write(tmp_path, text))
    result = study.run(tmp_path / "out", report=False)
    sizes = {s.name: s for s in study.scenarios}
    assert sizes
    suppressed = pd.read_csv(tmp_path / "out" / "suppressed.csv")
    assert (suppressed["size"] < 300).all() and len(suppressed) > 0
    blank = result.results["value"].isna()
    assert blank.sum() == len(suppressed)
    assert "_size" not in set(result.results["metric"])
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["suppressed"] == {"threshold": 300, "values": len(suppressed)}


def test_data_scenario_reads_files_relative_to_the_study(tmp_path, example):
    from ecosystem import write_csv

    write_csv(example, tmp_path / "actors.csv", tmp_path / "ties.csv")
    path = _write(tmp_path, """
[study]
seed = 2
replicates = 2
metrics = ["actors", "ties"]
[scenarios.example]
data = { actors = "actors.csv", ties = "ties.csv" }
""")
    res = load(path).run(tmp_path / "out", report=False).results
    assert set(res.loc[res["metric"] == "actors", "value"]) == {float(example.n_actors)}
    assert set(res.loc[res["metric"] == "ties", "value"]) == {float(example.n_ties)}


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_killed_run_resumes_to_identical_results(tmp_path):
    """SIGKILL mid-run: every file on disk still parses, and the re-run reuses the finished
    chunks and ends with the uninterrupted run's results."""
    text = SMALL.replace("replicates = 3", "replicates = 8")
    path = _write(tmp_path, text)
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    proc = subprocess.Popen([sys.executable, "-m", "ecosystem.cli", "run", str(path), "--out",
                             str(out), "--no-progress", "--no-report"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if len(list((out / "chunks").glob("c*.json"))) >= 3:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    finished = sorted((out / "chunks").glob("c*.json"))
    assert finished, "no chunk finished before the kill"
    for f in finished:
        json.loads(f.read_text())  # never half-written
    reference = load(path).run(tmp_path / "reference", report=False)
    resumed = load(path).run(out, report=False)
    pd.testing.assert_frame_equal(resumed.results, reference.results)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["chunks"]["reused"] >= len(finished) - 0
    assert manifest["chunks"]["total"] == 16


def test_same_result_tables_on_dask_local(tmp_path):
    """``executor = "dask:local"`` (a LocalCluster the runner starts and stops) writes the
    serial run's result tables: same rows, same values to the last bit, same bytes on disk."""
    study = load(_write(tmp_path, SMALL))
    serial = study.run(tmp_path / "serial", report=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # port / resource warnings of a local test cluster
        on_dask = study.run(tmp_path / "dask", executor="dask:local", report=False)
    pd.testing.assert_frame_equal(on_dask.results, serial.results, check_exact=True)
    for name in ("results.csv", "results.parquet"):
        assert (tmp_path / "dask" / name).read_bytes() == (tmp_path / "serial" / name).read_bytes()
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "dask" / "results.parquet"),
                                  pd.read_parquet(tmp_path / "serial" / "results.parquet"),
                                  check_exact=True)
    manifest = json.loads((tmp_path / "dask" / "manifest.json").read_text())
    assert manifest["executor"] == "dask:local"
    assert manifest["replicate_seeds"] == json.loads(
        (tmp_path / "serial" / "manifest.json").read_text())["replicate_seeds"]
