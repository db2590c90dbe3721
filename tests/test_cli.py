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


DUTCH = Path(__file__).parent / "data" / "dutch"


def test_validate_prints_the_read_report_and_an_ok_line(capsys):
    g = DUTCH / "gemeente"
    args = ["validate", str(g / "actoren.csv"), str(g / "relaties.csv"), str(g / "wijken.csv")]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "Read report" in out
    assert "column 'Wijk' read as 'neighbourhood'" in out
    assert "encoding: read as Windows-1252" in out
    assert "OK: 10 actors, 9 ties and 4 neighbourhoods are valid (1 warning)" in out
    # --strict: the neighbourhood of the CBS table without actors is a warning -> error
    assert main([*args, "--strict"]) == 1
    assert "'Wijk 03 West'" in capsys.readouterr().err


def test_validate_reports_every_problem(tmp_path, capsys):
    (tmp_path / "a.csv").write_text(
        "code;soort\ngp1;huisart\nteam;wijkteem\ngp1;apotheek\nbuurt;buurtnetwerk\n",
        encoding="utf-8")
    (tmp_path / "t.csv").write_text(
        "van;naar;gewicht\ngp1;team;1\nteam;nobody;-2\nbuurt;niemand;1\n", encoding="utf-8")
    assert main(["validate", str(tmp_path / "a.csv"), str(tmp_path / "t.csv")]) == 1
    err = capsys.readouterr().err
    assert "6 problems found" in err
    for fragment in ("'huisart' is not a known actor kind", "'wijkteem' is not a known actor "
                     "kind", "actor id 'gp1' appears more than once",
                     "'nobody' is not an actor id", "'niemand' is not an actor id",
                     "weight -2.0 is not allowed"):
        assert fragment in err, fragment
    assert main(["validate", str(tmp_path / "a.csv"), str(tmp_path / "t.csv"),
                 "--max-problems", "2"]) == 1
    assert "and 4 more" in capsys.readouterr().err


def test_validate_options_for_csv_and_excel(tmp_path, capsys):
    (tmp_path / "a.csv").write_text("id|kind\nA|huisarts\nB|wijkteam\n", encoding="utf-8")
    (tmp_path / "t.csv").write_text("source|target|weight\nA|B|1,5\n", encoding="utf-8")
    args = ["validate", str(tmp_path / "a.csv"), str(tmp_path / "t.csv")]
    assert main([*args, "--sep", "|", "--decimal", ","]) == 0
    assert main([*args, "--sep", "|", "--decimal", "."]) == 1  # '1,5' is then not a number
    capsys.readouterr()
    assert main(["validate", str(DUTCH / "zorgnetwerk.xlsx"), "--actors-sheet", "Actoren",
                 "--ties-sheet", "Relaties"]) == 0
    assert "OK: 10 actors, 9 ties" in capsys.readouterr().out
    assert main(["validate", str(DUTCH / "zorgnetwerk.xlsx"), "--sep", ";"]) == 2


def test_validate_xlsx_without_openpyxl_is_one_line(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "openpyxl", None)  # import openpyxl now fails
    assert main(["validate", str(DUTCH / "zorgnetwerk.xlsx")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "pip install" in err and "Traceback" not in err
