"""Readers and writers under hostile input: nothing crashes, nothing is lost.

Readers raise only EcosystemError subclasses naming the file, row and field; values round-trip
exactly or are refused before a byte is written; writers are atomic (a failed write leaves the
previous file byte-identical and no temporary file behind).
"""

from __future__ import annotations

import datetime
import io
import math
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecosystem import Ecosystem, Schema, datasets
from ecosystem.core.errors import EcosystemError, FormatError, SchemaError
from ecosystem.io import (
    _files,
    read_csv,
    read_excel,
    read_graphml,
    read_json,
    write_csv,
    write_excel,
    write_graphml,
    write_json,
)

WRITERS = {
    "json": (write_json, read_json, "e.json"),
    "graphml": (write_graphml, read_graphml, "e.graphml"),
    "excel": (write_excel, read_excel, "e.xlsx"),
}


def _tiny(**extra) -> Ecosystem:
    actors = pd.DataFrame({"id": ["a", "b", "c"], "kind": ["gp", "wijkteam", "gemeente"],
                           **extra})
    ties = pd.DataFrame({"source": ["a", "b"], "target": ["b", "c"], "weight": [1.0, 2.0]})
    return Ecosystem(actors, ties)


def _write_any(fmt: str, eco: Ecosystem, folder: Path) -> list[Path]:
    if fmt == "csv":
        paths = [folder / "a.csv", folder / "t.csv"]
        write_csv(eco, *paths)
        return paths
    write, _, name = WRITERS[fmt]
    write(eco, folder / name)
    return [folder / name]


def _read_any(fmt: str, paths: list[Path]) -> Ecosystem:
    reader = {"csv": read_csv, **{k: v[1] for k, v in WRITERS.items()}}[fmt]
    return reader(*paths)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


# ------------------------------------------------------------------------- atomic writers
def _late_bad_value(fmt: str) -> Ecosystem:
    """An ecosystem whose write fails late: the bad value is in the last row of the ties."""
    eco = datasets.example()
    ties = eco.ties.astype({"note": object})
    bad = {"csv": "nul\x00here", "graphml": "ctrl\x01here", "excel": "ctrl\x01here",
           "json": None}[fmt]
    if fmt == "json":  # NaN in the provenance: the very last part of the document
        return eco.with_provenance({"step": "x", "value": math.nan})
    ties.loc[ties.index[-1], "note"] = bad
    return Ecosystem(eco.actors, ties, name=eco.name)


@pytest.mark.parametrize("fmt", ["csv", "json", "graphml", "excel"])
def test_failed_write_leaves_old_file_byte_identical(fmt, tmp_path):
    _write_any(fmt, datasets.example(), tmp_path)
    before = _snapshot(tmp_path)
    with pytest.raises(FormatError):
        _write_any(fmt, _late_bad_value(fmt), tmp_path)
    assert _snapshot(tmp_path) == before  # same bytes, no temporary file left behind


@pytest.mark.parametrize("fmt", ["csv", "json", "graphml", "excel"])
def test_crash_during_write_leaves_old_file(fmt, tmp_path, monkeypatch):
    _write_any(fmt, datasets.example(), tmp_path)
    before = _snapshot(tmp_path)

    def broken_fsync(path):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(_files, "_fsync", broken_fsync)
    with pytest.raises(OSError, match="simulated"):
        _write_any(fmt, _tiny(), tmp_path)
    assert _snapshot(tmp_path) == before


def test_csv_pair_is_replaced_together(tmp_path, monkeypatch):
    """If the ties file cannot be replaced, the actors file is rolled back too."""
    paths = _write_any("csv", datasets.example(), tmp_path)
    before = _snapshot(tmp_path)
    real = os.replace
    calls = []

    def second_fails(src, dst):
        calls.append(Path(dst).name)
        if Path(dst).name == "t.csv" and str(src).endswith(".tmp"):
            raise OSError("rename failed (simulated)")
        return real(src, dst)

    monkeypatch.setattr(_files.os, "replace", second_fails)
    with pytest.raises(OSError, match="simulated"):
        write_csv(_tiny(), *paths)
    assert calls[:2] == ["a.csv", "t.csv"]
    assert _snapshot(tmp_path) == before


def test_surrogate_in_metadata_is_refused_before_writing(tmp_path):
    path = tmp_path / "e.json"
    write_json(datasets.example(), path)
    before = path.read_bytes()
    eco = Ecosystem(datasets.example().actors, datasets.example().ties, name="bad\ud800")
    for fmt in ("json", "graphml", "excel"):
        with pytest.raises(FormatError, match="surrogate|U\\+D800"):
            WRITERS[fmt][0](eco, tmp_path / WRITERS[fmt][2])
    assert path.read_bytes() == before


def test_writing_keeps_permissions_of_the_replaced_file(tmp_path):
    path = tmp_path / "e.json"
    write_json(_tiny(), path)
    os.chmod(path, 0o640)
    write_json(_tiny(), path)
    assert (path.stat().st_mode & 0o777) == 0o640


def test_same_file_twice_is_refused(tmp_path):
    with pytest.raises(FormatError, match="twice"):
        write_csv(_tiny(), tmp_path / "x.csv", tmp_path / "x.csv")


# ------------------------------------------------------------------------------- CSV
def test_csv_quotes_carriage_returns_separators_and_quotes(tmp_path):
    texts = ["x\ry", "p\nq", 'r"s', "t,u", "v;w", "\r", " lead", "trail "]
    eco = _tiny(note=pd.Series(texts[:3], dtype="str"))
    a, t = _write_any("csv", eco, tmp_path)
    assert read_csv(a, t) == eco
    for chunk in (texts[3:6], texts[5:8]):
        eco = _tiny(note=pd.Series(chunk, dtype="str"))
        write_csv(eco, a, t)
        back = read_csv(a, t)
        assert back.n_actors == 3 and back.actors["note"].tolist() == chunk


def test_csv_neutralises_formulas_and_reads_them_back(tmp_path):
    texts = ["=1+1", "+31 20 123", "-x", "@SUM(A1)"]
    eco = Ecosystem(pd.DataFrame({"id": ["a", "b", "c", "d"], "kind": ["gp"] * 4,
                                  "note": texts, "quoted": ["'=x", "''+y", "'plain", "ok"]}))
    a, t = _write_any("csv", eco, tmp_path)
    raw = a.read_text(encoding="utf-8")
    assert "'=1+1" in raw and "'@SUM(A1)" in raw and ",''=x" in raw and ",'''+y" in raw
    assert ",'plain" in raw
    for line in raw.splitlines()[1:]:
        for cell in line.split(","):
            assert not cell.startswith(("=", "+", "-", "@")), line
    back = read_csv(a, t)
    assert back.actors["note"].tolist() == texts
    assert back.actors["quoted"].tolist() == ["'=x", "''+y", "'plain", "ok"]


@pytest.mark.parametrize("text, fragment", [
    ("id,kind\na,gp,extra\nb,gp\n", "row 0 (line 2)"),
    ("id,kind\na,gp\nb,gp,extra\n", "row 1 (line 3)"),
    ("id,kind,kind\na,gp,gp\n", "column 'kind' twice"),
    ("id,kind,\na,gp,1\n", "no name"),
    ("id,kind,big\na,gp,99999999999999999999\n", "64-bit"),
    ("id,kind,x\na,gp,1e400\n", "infinity"),
])
def test_csv_never_drops_or_renames_silently(tmp_path, text, fragment):
    path = tmp_path / "a.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FormatError, match=None) as info:
        read_csv(path)
    assert fragment in str(info.value) and str(path) in str(info.value)


def test_csv_trailing_unnamed_empty_columns_are_no_data(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("id,kind,,\na,gp,,\nb,gp,,\n", encoding="utf-8")
    assert read_csv(path).actors.columns[:2].tolist() == ["id", "kind"]


@pytest.mark.parametrize("dtype, value", [("int8", "200"), ("uint8", "-1"), ("UInt8", "300"),
                                          ("Int64", "9223372036854775808"),
                                          ("uint64", "18446744073709551616"),
                                          ("float32", "1e40")])
def test_csv_requested_dtype_out_of_range_names_row(tmp_path, dtype, value):
    path = tmp_path / "a.csv"
    path.write_text(f"id,kind,x\na,gp,1\nb,gp,{value}\n", encoding="utf-8")
    with pytest.raises(FormatError) as info:
        read_csv(path, actor_dtypes={"x": dtype})
    assert "row 1 (line 3)" in str(info.value) and "'x'" in str(info.value)


def test_csv_uint64_and_int64_extremes(tmp_path):
    eco = _tiny(u=np.array([0, 2**64 - 1, 5], dtype="uint64"),
                i=np.array([-(2**63), 2**63 - 1, 0], dtype="int64"))
    a, t = _write_any("csv", eco, tmp_path)
    back = read_csv(a, t)
    assert back.actors["u"].tolist() == [0, 2**64 - 1, 5]
    assert back.actors["i"].tolist() == [-(2**63), 2**63 - 1, 0]


# ------------------------------------------------------------------------------ JSON
def _json_doc(value: str, dtype: str | None = None) -> str:
    dtypes = f', "dtypes": ["str", "str", "{dtype}"]' if dtype else ""
    return ('{"format": "ecosystem", "version": 1, "actors": {"columns": ["id", "kind", "x"]'
            + dtypes + ', "data": [["a", "gp", ' + value + ']]}}')


@pytest.mark.parametrize("value, dtype, fragment", [
    ("9223372036854775808", "int64", "outside the range"),
    ("2147483648", "int32", "outside the range"),
    ("-1", "uint64", "outside the range"),
    ("256", "uint8", "outside the range"),
    ("18446744073709551616", None, "outside the range"),
    ("1" + "0" * 400, "float64", "digits"),
    ("1e300", "float32", "outside the range"),
    ("1e400", "float64", "infinity"),
    ("9" * 5000, None, "digits"),
])
def test_json_numbers_never_wrap_or_overflow(tmp_path, value, dtype, fragment):
    path = tmp_path / "e.json"
    path.write_text(_json_doc(value, dtype), encoding="utf-8")
    with pytest.raises(FormatError, match=fragment):
        read_json(path)


def test_json_deep_nesting_is_refused_without_recursion(tmp_path):
    path = tmp_path / "e.json"
    path.write_text('{"format": "ecosystem", "version": 1, "provenance": ' + "[" * 100_000
                    + "]" * 100_000 + "}", encoding="utf-8")
    with pytest.raises(FormatError, match="nests"):
        read_json(path)


def test_json_uint64_max_and_int64_min_round_trip(tmp_path):
    eco = _tiny(u=np.array([2**64 - 1, 0, 1], dtype="uint64"),
                i=np.array([-(2**63), 2**63 - 1, 0], dtype="int64"))
    for fmt in WRITERS:
        back = _read_any(fmt, _write_any(fmt, eco, tmp_path))
        assert back == eco, fmt


# -------------------------------------------------------------------------- GraphML
_G = """<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
 <key id="k" for="node" attr.name="kind" attr.type="string"/>
 <key id="w" for="edge" attr.name="weight" attr.type="double"/>
 {keys}
 <graph edgedefault="{default}">
  <node id="a"><data key="k">huisarts</data>{a}</node>
  <node id="b"><data key="k">wijkteam</data></node>
  <edge source="a" target="b" {edge_attrs}>{edge}</edge>
 </graph></graphml>"""


def _graphml(tmp_path, keys="", a="", edge="", edge_attrs="", default="directed") -> Path:
    path = tmp_path / "g.graphml"
    path.write_text(_G.format(keys=keys, a=a, edge=edge, edge_attrs=edge_attrs,
                              default=default), encoding="utf-8")
    return path


@pytest.mark.parametrize("kw, fragment", [
    ({"a": '<data key="w">2.0</data>'}, "declared for='edge'"),
    ({"a": '<data key="k">gp</data>'}, "two <data>"),
    ({"keys": '<key id="n" for="node" attr.name="note" attr.type="string"/>',
      "a": '<data key="n">second<b>x</b>tail</data>'}, "markup"),
    ({"edge_attrs": 'directed="maybe"'}, "not a boolean"),
    ({"a": '<port name="p1"/>'}, "ports are not supported"),
    ({"edge_attrs": 'sourceport="p1"'}, "ports are not supported"),
    ({"default": "sideways"}, "edgedefault"),
    ({"keys": '<key id="k" for="node" attr.name="other" attr.type="string"/>'}, "two <key>"),
    ({"keys": '<key id="n" for="node" attr.name="n" attr.type="long"/>',
      "a": '<data key="n">9223372036854775808</data>'}, "outside the range"),
    ({"edge": '<data key="w">1e999</data>'}, "infinity"),
])
def test_graphml_follows_the_spec(tmp_path, kw, fragment):
    with pytest.raises(FormatError) as info:
        read_graphml(_graphml(tmp_path, **kw))
    assert fragment in str(info.value), str(info.value)


@pytest.mark.parametrize("flag, mutual", [("0", True), ("false", True), ("1", False),
                                          ("true", False), (" false ", True)])
def test_graphml_directed_is_an_xs_boolean(tmp_path, flag, mutual):
    eco = read_graphml(_graphml(tmp_path, edge_attrs=f'directed="{flag}"'))
    assert eco.ties["kind"].iloc[0] == ("collaboration" if mutual else "referral")


def test_graphml_yfiles_graphics_are_ignored(tmp_path):
    keys = '<key id="y" for="node" yfiles.type="nodegraphics"/>'
    a = '<data key="y"><ShapeNode xmlns="http://www.yworks.com/xml/graphml"/></data>'
    assert read_graphml(_graphml(tmp_path, keys=keys, a=a)).n_actors == 2


def test_graphml_control_character_in_column_name_is_refused(tmp_path):
    with pytest.raises(FormatError, match="U\\+0001"):
        write_graphml(_tiny(**{"x\x01y": [1, 2, 3]}), tmp_path / "e.graphml")
    assert not list(tmp_path.iterdir())


# ---------------------------------------------------------------------------- Excel
def _book(rows, merge=None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "actors"
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    book.create_sheet("ties").append(("source", "target"))
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def test_excel_merged_cells_are_an_error(tmp_path):
    path = tmp_path / "m.xlsx"
    path.write_bytes(_book([("id", "kind"), ("a", "gp"), ("b", None)], merge="B2:B3"))
    with pytest.raises(FormatError, match="B2:B3 are merged"):
        read_excel(path)


def test_excel_duplicate_header_is_an_error(tmp_path):
    path = tmp_path / "d.xlsx"
    path.write_bytes(_book([("id", "kind", "kind"), ("a", "gp", "gp")]))
    with pytest.raises(FormatError, match="'kind' twice"):
        read_excel(path)


def test_excel_dates_are_read_and_round_trip(tmp_path):
    path = tmp_path / "d.xlsx"
    path.write_bytes(_book([("id", "kind", "since"), ("a", "gp", datetime.date(2024, 1, 2)),
                            ("b", "gp", datetime.datetime(2023, 5, 6, 7, 8, 9)), ("c", "gp")]))
    eco = read_excel(path)
    assert str(eco.actors["since"].dtype).startswith("datetime64")
    assert eco.actors["since"].tolist()[:2] == [pd.Timestamp("2024-01-02"),
                                                pd.Timestamp("2023-05-06 07:08:09")]
    assert pd.isna(eco.actors["since"].iloc[2])
    exact = _tiny(when=pd.to_datetime(["2024-01-02 03:04:05.123456", None, "1900-03-01"],
                                      format="ISO8601"))
    back = _read_any("excel", _write_any("excel", exact, tmp_path))
    assert back == exact
    with pytest.raises(FormatError, match="1900"):
        write_excel(_tiny(when=pd.to_datetime(["1850-01-01", None, None])), tmp_path / "x.xlsx")
    with pytest.raises(FormatError, match="cannot store exactly"):
        write_json(exact, tmp_path / "x.json")  # JSON has no date type: refused, not mangled


def test_excel_damaged_workbooks_raise_format_errors(tmp_path):
    good = tmp_path / "g.xlsx"
    write_excel(datasets.example(), good)
    data = good.read_bytes()
    rng = np.random.default_rng(0)
    outcomes = set()
    for i in range(40):
        blob = bytearray(data)
        for pos in rng.integers(30, len(blob), 8):
            blob[pos] = int(rng.integers(0, 256))
        path = tmp_path / f"bad{i}.xlsx"
        path.write_bytes(bytes(blob))
        try:
            read_excel(path)
            outcomes.add("read")
        except EcosystemError as exc:
            outcomes.add(type(exc).__name__)
    assert outcomes <= {"read", "FormatError", "ValidationError", "SchemaError",
                        "UnknownKindError", "WrongTypeError", "InvalidWeightError",
                        "DanglingTieError", "MissingIdError", "DuplicateIdError",
                        "MissingColumnError", "DuplicateTieError", "SelfLoopError"}
    with zipfile.ZipFile(good) as z:
        names = z.namelist()
    assert names  # the fixture is a real workbook


def test_excel_control_character_in_column_name(tmp_path):
    with pytest.raises(FormatError, match="control characters"):
        write_excel(_tiny(**{"x\x01y": [1, 2, 3]}), tmp_path / "e.xlsx")


# ----------------------------------------------------------------------------- schema
@pytest.mark.parametrize("path, value, fragment", [
    (("tie_kinds", 0, "directed"), "false", "tie_kinds[0].directed"),
    (("actor_kinds", 0, "aliases"), "doc", "actor_kinds[0].aliases"),
    (("actor_kinds", 0, "id"), ["gp"], "actor_kinds[0].id"),
    (("actor_kinds", 0, "payer"), 1, "actor_kinds[0].payer"),
    (("needs", 0, "appropriate"), [1], "needs[0].appropriate"),
])
def test_schema_from_dict_is_strict(path, value, fragment):
    d = Schema.default().to_dict()
    d[path[0]][path[1]][path[2]] = value
    with pytest.raises(SchemaError) as info:
        Schema.from_dict(d)
    assert fragment in str(info.value)
    with pytest.raises(SchemaError):
        Schema.from_dict({**Schema.default().to_dict(), "default_tie_kind": 3})


# -------------------------------------------------------------- hypothesis round trips
_EXTREME_INTS = st.sampled_from([0, 1, -1, 2**63 - 1, -(2**63), 2**31, 2**53 + 1])
_EXTREME_FLOATS = st.sampled_from([0.0, -0.0, 5e-324, 2.2250738585072014e-308,
                                   1.7976931348623157e308, -1.7976931348623157e308, 0.1 + 0.2,
                                   math.inf, -math.inf])
_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)


@given(ints=st.lists(_EXTREME_INTS, min_size=3, max_size=3),
       uints=st.lists(st.sampled_from([0, 2**64 - 1, 2**63]), min_size=3, max_size=3),
       floats=st.lists(_EXTREME_FLOATS, min_size=3, max_size=3),
       texts=st.lists(_TEXT, min_size=3, max_size=3),
       fmt=st.sampled_from(["csv", "json", "graphml", "excel"]))
def test_extreme_values_round_trip_or_are_refused(ints, uints, floats, texts, fmt):
    eco = _tiny(i=np.array(ints, dtype="int64"), u=np.array(uints, dtype="uint64"),
                f=np.array(floats, dtype="float64"), t=pd.Series(texts, dtype=object))
    with tempfile.TemporaryDirectory() as folder:
        try:
            paths = _write_any(fmt, eco, Path(folder))
        except FormatError:
            # refused before writing: nothing may be left in the folder
            assert not list(Path(folder).iterdir())
            return
        back = _read_any(fmt, paths)
    for column in ("i", "u"):
        assert back.actors[column].tolist() == eco.actors[column].tolist(), (fmt, column)
    got = back.actors["f"].to_numpy(dtype=float)
    assert np.array_equal(np.signbit(got), np.signbit(floats)) or fmt == "csv"
    assert got.tolist() == floats
    want = ["" if t is None else t for t in texts]
    if fmt == "csv":  # CSV cannot tell an empty string from a missing value
        assert [("" if pd.isna(v) else v) for v in back.actors["t"].tolist()] == want
    else:
        assert back.actors["t"].tolist() == want


@given(dates=st.lists(st.datetimes(min_value=datetime.datetime(1900, 3, 1),
                                   max_value=datetime.datetime(9999, 12, 31)),
                      min_size=3, max_size=3))
def test_excel_dates_round_trip(dates):
    eco = _tiny(when=pd.Series(pd.to_datetime(dates)).astype("datetime64[us]"))
    with tempfile.TemporaryDirectory() as folder:
        back = _read_any("excel", _write_any("excel", eco, Path(folder)))
    assert back == eco
