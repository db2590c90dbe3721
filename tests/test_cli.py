"""The command line: the demo (the quick start's main job) and validate."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from ecosystem.cli import main

BAD = Path(__file__).parent / "data" / "bad"


def test_analyse_example_runs_every_section_and_writes_tables(capsys, tmp_path):
    assert main(["analyse", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    for section in ("The ecosystem 'example'", "Centrality", "Structural holes",
                    "Brokerage roles", "Mixing between domains", "Bridging gaps",
                    "Referral flows"):
        assert f"== {section}" in out
    assert "gp-welfare: no tie" in out  # Oosterwijk has no social prescribing
    assert "medicalised" in out
    for stem in ("centrality", "structural_holes", "brokerage", "mixing", "gaps", "flows"):
        assert len(pd.read_csv(tmp_path / f"{stem}.csv")) > 0
    assert (tmp_path / "map.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_demo_writes_results_figures_report_and_manifest(capsys, tmp_path):
    out = tmp_path / "out"
    assert main(["demo", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Key findings" in printed and "low_ses / social_prescribing" in printed
    results = pd.read_parquet(out / "results.parquet")
    assert set(results["scenario"]) == {f"{c} / {i}" for c in ("average", "low_ses") for i in
                                        ("none", "social_prescribing",
                                         "integrated_primary_care")}
    assert results["value"].notna().all()
    pd.testing.assert_frame_equal(pd.read_csv(out / "results.csv"), results, check_dtype=False)
    assert len(list((out / "figures").glob("*.png"))) >= 3
    report = (out / "report.html").read_text()
    assert report.count("data:image/png;base64,") >= 3
    assert "Assumptions and their sources" in report and "Manifest" in report
    assert json.loads((out / "manifest.json").read_text())["seed"] == 2026


def test_validate_good_and_bad_files(tmp_path, example, capsys):
    from ecosystem import write_csv, write_json

    write_csv(example, tmp_path / "a.csv", tmp_path / "t.csv")
    assert main(["validate", str(tmp_path / "a.csv"), str(tmp_path / "t.csv")]) == 0
    write_json(example, tmp_path / "e.json")
    assert main(["validate", str(tmp_path / "e.json")]) == 0
    assert "40 actors" in capsys.readouterr().out
    (tmp_path / "t.csv").write_text("source,target\ngp_west,nobody\n")
    assert main(["validate", str(tmp_path / "a.csv"), str(tmp_path / "t.csv")]) == 1
    err = capsys.readouterr().err
    assert "t.csv" in err and "row 0 (line 2)" in err and "'nobody' is not an actor id" in err
    assert main(["validate", str(tmp_path / "x.txt")]) == 2


def test_console_script_is_installed():
    res = subprocess.run([sys.executable, "-m", "ecosystem.cli", "--version"],
                         capture_output=True, text=True, check=False)
    assert res.returncode == 0 and res.stdout.startswith("ecosystem ")


@pytest.mark.parametrize(
    "name", ["graphml_billion_laughs.graphml", "graphml_external_entity.graphml"])
def test_validate_refuses_unsafe_files(name, capsys):
    path = BAD / name
    assert main(["validate", str(path)]) == 1
    assert "safety" in capsys.readouterr().err
