"""Real Dutch exports read to the intended ecosystem, field by field (tests/data/dutch/).

The expected tables below are written by hand from the files' text (see make_dutch.py), not
produced by the library: each reader must give exactly these ids, kinds, neighbourhoods,
numbers and attributes, and its read report must say what it assumed.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ecosystem import Ecosystem, read_csv
from ecosystem.core import errors
from ecosystem.io import read_excel

DUTCH = Path(__file__).parent / "data" / "dutch"
GEMEENTE = [DUTCH / "gemeente" / f for f in ("actoren.csv", "relaties.csv", "wijken.csv")]

# ---------------------------------------------------------------- the intended ecosystem
NAN = math.nan
ACTORS = [  # id, kind, domain, neighbourhood, capacity, Organisatie
    ("HA-LOM", "gp", "medical", "Lombok", 3.5, "Huisartsenpraktijk Lombok"),
    ("POH-LOM", "practice_nurse", "medical", "Lombok", NAN, "POH Lombok"),
    ("WT-LOM", "social_team", "social", "Lombok", 12.0, "Buurtteam Lombok"),
    ("WZ-KAN", "welfare", "social", "Kanaleneiland", 8.25, "Welzijn Café Kanaleneiland"),
    ("HA-KAN", "gp", "medical", "Kanaleneiland", 4.0, "Gezondheidscentrum Kanaleneiland"),
    ("SHV", "debt_counselling", "social", None, 20.0, "Schuldhulpverlening Utrecht"),
    ("GEM", "municipality", "social", None, NAN, "Gemeente Utrecht"),
    ("MZ-ZUI", "informal_carer", "informal", "Zuilen", NAN,
     "Mantelzorgsteunpunt Zuilen \u2013 Noord"),
    ("ZG-ZUI", "community_network", "informal", "Zuilen", NAN, "Zorgzame buurt Zuilen"),
    ("GGZ", "mental_health", "medical", None, NAN, "GGZ-instelling"),
]
TIES = [  # source, target, kind, weight, Opmerking
    ("HA-LOM", "POH-LOM", "collaboration", 4.0, None),
    ("HA-LOM", "WT-LOM", "referral", 2.5, None),
    ("POH-LOM", "WZ-KAN", "referral", 1.5, "welzijn op recept"),
    ("WT-LOM", "SHV", "referral", 3.0, None),
    ("GEM", "WT-LOM", "funding", 5.0, None),
    ("GEM", "WZ-KAN", "funding", 4.75, "subsidie 2024"),
    ("HA-KAN", "GGZ", "referral", 2.0, None),
    ("ZG-ZUI", "MZ-ZUI", "collaboration", 3.5, None),
    ("WT-LOM", "ZG-ZUI", "information", 1.0, None),
]
CBS = {  # neighbourhood: residents, ses, Gemeentenaam, Soort regio, Codering, income
    "Lombok": (6125.0, -0.12, "Utrecht", "Buurt", "BU03440301", 27.5),
    "Kanaleneiland": (9870.0, -0.41, "Utrecht", "Buurt", "BU03440702", 19.8),
    "Zuilen": (7340.0, -0.05, "Utrecht", "Buurt", "BU03440401", 24.1),
    "Wijk 03 West": (42385.0, 0.08, "Utrecht", "Wijk", "WK034403", 30.2),
}
INCOME = "Gemiddeld inkomen per inwoner (x 1 000 euro)"


def _same(values: pd.Series, expected: list) -> None:
    got = values.tolist()
    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=True):
        if e is None or (isinstance(e, float) and math.isnan(e)):
            assert g is None or (isinstance(g, float) and math.isnan(g)), (g, e)
        else:
            assert g == e, (g, e)


def _check_network(eco: Ecosystem) -> None:
    a, t = eco.actors, eco.ties
    for j, column in enumerate(["id", "kind", "domain", "neighbourhood", "capacity",
                                "Organisatie"]):
        _same(a[column], [row[j] for row in ACTORS])
    _same(a["sector"], ["informal" if r[2] == "informal" else "formal" for r in ACTORS])
    for j, column in enumerate(["source", "target", "kind", "weight", "Opmerking"]):
        _same(t[column], [row[j] for row in TIES])
    assert a["capacity"].dtype == np.float64 and t["weight"].dtype == np.float64
    assert list(a.columns) == ["id", "kind", "domain", "sector", "neighbourhood", "capacity",
                               "Organisatie"]


def _messages(eco: Ecosystem, suffix: str) -> list[str]:
    return [n.message for n in eco.read_report.notes if n.source.endswith(suffix)]


# ---------------------------------------------------------------- Dutch Excel CSV + CBS
def test_municipality_csv_export_reads_field_by_field():
    eco = read_csv(*GEMEENTE)
    _check_network(eco)
    nbh = eco.neighbourhoods
    assert nbh.index.tolist() == list(CBS)  # the table's order, 'Lombok ' stripped in actors
    for j, column in enumerate(["residents", "ses", "Gemeentenaam", "Soort regio", "Codering",
                                INCOME]):
        _same(nbh[column], [row[j] for row in CBS.values()])
    assert list(nbh.columns) == ["residents", "ses", "Gemeentenaam", "Soort regio", "Codering",
                                 INCOME]


def test_municipality_csv_report_names_every_assumption():
    eco = read_csv(*GEMEENTE)
    actors = _messages(eco, "actoren.csv")
    assert any(m.startswith("encoding: read as Windows-1252") for m in actors)
    assert "decimal comma read in column 'Capaciteit'" in actors
    for alias, field in (("Code", "id"), ("Soort", "kind"), ("Wijk", "neighbourhood"),
                         ("Capaciteit", "capacity")):
        assert f"column '{alias}' read as '{field}'" in actors
    assert "neighbourhood: surrounding spaces removed from 1 value" in actors
    assert "kind: surrounding spaces removed from 1 value" in actors
    assert any("kept as attribute" in m and "'Organisatie'" in m for m in actors)
    ties = _messages(eco, "relaties.csv")
    assert any("'samenwerking' -> 'collaboration' 2x" in m for m in ties)
    assert "decimal comma read in column 'Gewicht'" in ties
    wijken = _messages(eco, "wijken.csv")
    assert "encoding: UTF-8 with a byte-order mark (removed)" in wijken
    assert "column 'Aantal inwoners (aantal)' read as 'residents'" in wijken
    warnings = eco.read_report.warnings
    assert len(warnings) == 1 and "'Wijk 03 West'" in warnings[0].message
    # the report travels in the provenance record of the read
    assert eco.provenance[-1]["step"] == "read_csv"
    assert eco.provenance[-1]["report"] == eco.read_report.to_records()


def test_forced_options_agree_with_detection():
    auto = read_csv(*GEMEENTE)
    forced = read_csv(*GEMEENTE[:2], sep=";", decimal=",", encoding="cp1252")
    assert forced == auto.with_neighbourhoods(None)


def test_gp_cooperative_export_defaults_are_reported():
    folder = DUTCH / "huisartsen"
    eco = read_csv(folder / "actors.csv", folder / "ties.csv")
    a = eco.actors
    _same(a["id"], ["HA-LOM", "POH-LOM", "HA-KAN", "APO-KAN"])
    _same(a["kind"], ["gp", "practice_nurse", "gp", "pharmacy"])
    _same(a["neighbourhood"], ["Lombok", "Lombok", "Kanaleneiland", "Kanaleneiland"])
    _same(a["capacity"], [3.5, NAN, 4.0, NAN])
    _same(eco.ties["kind"], ["referral"] * 3)
    _same(eco.ties["weight"], [1.0] * 3)
    ties = _messages(eco, "ties.csv")
    assert "no kind column: all 3 ties taken as 'referral'" in ties
    assert "no weight column: all 3 ties weigh 1.0" in ties
    assert "column 'Capacity (FTE)' read as 'capacity'" in _messages(eco, "actors.csv")
    assert eco.neighbourhoods.index.tolist() == ["Kanaleneiland", "Lombok"]


# ---------------------------------------------------------------- Excel, Dutch sheet names
def test_excel_with_dutch_sheet_names_reads_field_by_field():
    eco = read_excel(DUTCH / "zorgnetwerk.xlsx")
    _check_network(eco)
    nbh = eco.neighbourhoods
    assert nbh.index.tolist() == ["Lombok", "Kanaleneiland", "Zuilen"]
    _same(nbh["residents"], [6125.0, 9870.0, 7340.0])
    _same(nbh["demand_loneliness"], [320.5, 610.0, 402.0])
    _same(nbh["demand_debt"], [41.0, 95.25, 38.0])
    sheets = _messages(eco, "zorgnetwerk.xlsx")
    assert "sheet 'Actoren' read as the actors" in sheets
    assert "sheet 'Relaties' read as the ties" in sheets
    assert "sheet 'Wijken' read as the neighbourhoods" in sheets
    assert "column 'demand_eenzaamheid' read as 'demand_loneliness'" in _messages(
        eco, "sheet 'Wijken'")
    # the same network as the CSV export of the municipality
    csv = read_csv(*GEMEENTE[:2])
    assert eco.with_neighbourhoods(None) == csv


def test_excel_demand_is_the_referral_models_default():
    from ecosystem.flows import ReferralModel

    eco = read_excel(DUTCH / "zorgnetwerk.xlsx")
    model = ReferralModel(eco)
    assert model.demand.loc["Lombok", "loneliness"] == 320.5
    assert model.demand.loc["Kanaleneiland", "debt"] == 95.25
    assert model.demand.loc["Zuilen", "unemployment"] == 0.0  # no column for it


# ---------------------------------------------------------------- bad Dutch input
@pytest.mark.parametrize("content, error, fragments", [
    ("Code;Soort;Capaciteit\nA;huisarts;1.500\nB;wijkteam;2\n", errors.FormatError,
     ["row 0 (line 2)", "field 'Capaciteit'", "'1.500' is ambiguous", "decimal='.'"]),
    ("Code;Soort;Capaciteit\nA;huisarts;1,5\nB;wijkteam;1.5\n", errors.FormatError,
     ["row 1 (line 3)", "'1.5' is ambiguous"]),
    ("id;code;soort\nA;A1;huisarts\n", errors.DuplicateColumnError,
     ["'id' and 'code'", "field 'id'"]),
    ("code;soort\nA ;huisarts\nA;wijkteam\n", errors.DuplicateIdError,
     ["row 1 (line 3)", "'A'", "rows 0, 1", "spaces"]),
])
def test_bad_dutch_files(tmp_path, content, error, fragments):
    path = tmp_path / "actoren.csv"
    path.write_bytes(content.encode("cp1252"))
    with pytest.raises(error) as info:
        read_csv(path)
    for fragment in fragments:
        assert fragment in str(info.value), (fragment, str(info.value))


def test_forced_encoding_that_does_not_fit_names_byte_and_option():
    with pytest.raises(errors.FormatError) as info:
        read_csv(GEMEENTE[0], encoding="utf-8")
    message = str(info.value)
    assert "actoren.csv" in message and "line 5" in message and "0xe9" in message
    assert "encoding='cp1252'" in message


def test_neighbourhood_table_that_disagrees_with_the_actors(tmp_path):
    (tmp_path / "wijken.csv").write_text("wijk;inwoners\nLombok;6125\nZuilen;7340\n",
                                         encoding="utf-8")
    with pytest.raises(errors.ValidationError) as info:
        read_csv(GEMEENTE[0], GEMEENTE[1], tmp_path / "wijken.csv")
    message = str(info.value)
    assert "actoren.csv, row 3 (line 5), field 'neighbourhood'" in message
    assert "'Kanaleneiland' is not in the neighbourhoods table" in message
