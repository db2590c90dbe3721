"""The command line: the demo (the quick start's main job) and validate."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ecosystem.cli import main

BAD = Path(__file__).parent / "data" / "bad"


def test_demo_runs_every_section(capsys):
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    for section in ("The example ecosystem", "Validation", "Centrality", "Structural holes",
                    "Brokerage roles", "Mixing between domains", "Bridging gaps",
                    "Referral flows"):
        assert f"== {section}" in out
    assert "OK: 40 actors and 102 ties are valid" in out
    assert "gp-welfare: no tie" in out  # Oosterwijk has no social prescribing
    assert "medicalised" in out


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
