"""Read and write an ecosystem as an Excel workbook (.xlsx): a sheet of actors, one of ties.

Needs the optional dependency openpyxl (``pip install "ecosystem[excel]"``). Workbooks are read
with openpyxl's read-only loader, which never evaluates formulas or runs macros: a formula cell
gives the value Excel last saved for it.
"""

from __future__ import annotations

import json
import math
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd

from ecosystem.core.ecosystem import Ecosystem
from ecosystem.core.errors import FormatError
from ecosystem.core.schema import Schema
from ecosystem.core.validate import Where
from ecosystem.io import _columns
from ecosystem.io._files import PathLike, check_file, sniff_binary
from ecosystem.io._meta import choose_schema, provenance_from, schema_from, to_json

__all__ = ["read_excel", "write_excel"]

_META_SHEET = "_ecosystem"
_CHUNK = 30_000  # an Excel cell holds at most 32,767 characters
_TEXT_COLUMNS = ("id", "kind", "domain", "sector", "neighbourhood", "source", "target")


def _openpyxl():
    try:
        import openpyxl
    except ImportError:
        raise ImportError(
            'reading and writing Excel files needs openpyxl: pip install "ecosystem[excel]"'
        ) from None
    return openpyxl


def _visible(value: Any) -> Any:
    """The value openpyxl gives back for a cell written with ``value``.

    openpyxl writes numbers with 16 significant digits ("%.16g"), an empty string as an empty
    cell, and XML turns a carriage return into a newline; the exact value is then kept in the
    hidden metadata sheet.
    """
    if isinstance(value, str):
        return None if value == "" else value.replace("\r\n", "\n").replace("\r", "\n")
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float) and not math.isfinite(value):
        return None
    text = f"{value:.16g}"
    return float(text) if any(c in text for c in ".eE") else int(text)


def write_excel(eco: Ecosystem, path: PathLike) -> None:
    """Write ``eco`` as an .xlsx workbook with sheets ``actors`` and ``ties``.

    Row 1 of each sheet holds the column names; missing values are empty cells; text is
    always stored as text (a value such as ``"=1+1"`` or ``"007"`` stays text). A hidden sheet
    ``_ecosystem`` holds the name, schema, provenance, the pandas dtype of each column and the
    exact value of every number that Excel's cells show rounded (openpyxl writes 16
    significant digits), so :func:`read_excel` gives back an equal ecosystem.

    Raises
    ------
    ImportError
        openpyxl is not installed.
    FormatError
        A column whose dtype the workbook cannot store, or text with characters Excel refuses.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from ecosystem import datasets
    >>> from ecosystem.io import read_excel, write_excel
    >>> eco = datasets.example()
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "example.xlsx"
    >>> write_excel(eco, path)
    >>> read_excel(path) == eco
    True
    """
    openpyxl = _openpyxl()
    from openpyxl.utils.exceptions import IllegalCharacterError

    target = Path(path)
    source = str(target)
    book = openpyxl.Workbook()
    book.remove(book.active)
    meta: dict[str, Any] = {"format": "ecosystem", "version": 1, "name": eco.name,
                            "schema": eco.schema.to_dict(), "dtypes": {}, "exact": {},
                            "provenance": list(eco.provenance)}
    for what in ("actors", "ties"):
        table = getattr(eco, what)
        dtypes = _columns.describe(table, what, source=source, fmt="Excel")
        meta["dtypes"][what] = dtypes
        sheet = book.create_sheet(what)
        sheet.append(list(table.columns))
        exact: dict[str, list] = {}
        for j, column in enumerate(table.columns, start=1):
            vals = _columns.values(table[column])
            fixes = [[row, v] for row, v in enumerate(vals)
                     if (v is not None and _visible(v) != v) or v == ""]
            if dtypes[column].lower().startswith("float"):
                fixes = [[r, v if math.isfinite(v) else repr(v)] for r, v in fixes]
            if fixes:
                exact[column] = fixes
            for row, v in enumerate(vals, start=2):
                if v is None or v == "":
                    continue
                try:
                    cell = sheet.cell(row=row, column=j, value=v)
                except IllegalCharacterError:
                    raise FormatError(f"text {v!r:.60} holds characters Excel cannot store",
                                      source=source, row=row - 2, field=column,
                                      line=row) from None
                if isinstance(v, str):
                    cell.data_type = "s"  # never a formula, whatever the text starts with
        meta["exact"][what] = exact
    info = book.create_sheet(_META_SHEET)
    info.sheet_state = "hidden"
    text = to_json(meta)
    for i in range(0, len(text), _CHUNK):
        cell = info.cell(row=i // _CHUNK + 1, column=1, value=text[i:i + _CHUNK])
        cell.data_type = "s"
    book.save(target)


def read_excel(
    path: PathLike,
    *,
    schema: Schema | None = None,
    actors_sheet: str = "actors",
    ties_sheet: str | None = "ties",
) -> Ecosystem:
    """Read an ecosystem from an .xlsx workbook: a sheet of actors and a sheet of ties.

    Row 1 of each sheet holds the column names (see :class:`~ecosystem.Ecosystem`); empty
    cells are missing values. Sheet names match exactly, else case-insensitively;
    ``ties_sheet=None`` reads actors only. Id, kind, domain, sector, neighbourhood, source and
    target columns are read as text: a number typed into them becomes its text (``7`` ->
    ``"7"``, ``7.0`` -> ``"7"``; Excel itself drops leading zeros unless the cell is text).
    Other columns are typed from their cells (integers, floats, booleans, text, dates), or
    from the dtypes stored by :func:`write_excel`. Errors give the sheet, the data row
    (0-based) and the spreadsheet row number ("line").

    Raises
    ------
    ImportError
        openpyxl is not installed.
    FormatError
        Not an .xlsx workbook (an old .xls, a CSV or any other file renamed), a missing sheet
        (naming the sheets present), or a column with values but no name.
    EcosystemError
        Any validation error, naming the file, sheet, row and field.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import openpyxl
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "survey.xlsx"
    >>> book = openpyxl.Workbook()
    >>> sheet = book.active
    >>> sheet.title = "actors"
    >>> for row in [("id", "kind", "size"), (1, "huisarts", 4), (2, "Wijkteam", 12)]:
    ...     sheet.append(row)
    >>> book.create_sheet("ties").append(("source", "target"))
    >>> book.save(path)
    >>> read_excel(path).actors[["id", "kind", "size"]]
      id         kind  size
    0  1           gp     4
    1  2  social_team    12
    """
    openpyxl = _openpyxl()
    p = check_file(path, "Excel .xlsx")
    source = str(p)
    with p.open("rb") as fh:
        head = fh.read(512)
    if not head.startswith(b"PK\x03\x04"):
        what = sniff_binary(head) or "a text file"
        hint = " Save it as .xlsx (Excel Workbook)." if "xls" in what else ""
        raise FormatError(f"this is {what}, not an Excel .xlsx workbook.{hint}", source=source)
    try:
        book = openpyxl.load_workbook(p, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise FormatError(f"not a readable .xlsx workbook ({type(exc).__name__}: {exc})",
                          source=source) from None
    except Exception as exc:  # openpyxl's own errors (InvalidFileException, ...)
        if type(exc).__module__.startswith("openpyxl"):
            raise FormatError(f"not a readable .xlsx workbook ({exc})", source=source) from None
        raise
    try:
        meta = _meta(book, source)
        sheet_a = _sheet(book, actors_sheet, "actors", source)
        where_a = f"{source} sheet '{sheet_a}'"
        actors = _frame(book[sheet_a], "actors", meta, where_a)
        ties: pd.DataFrame | None = None
        where_t: str | None = None
        if ties_sheet is not None:
            sheet_t = _sheet(book, ties_sheet, "ties", source)
            where_t = f"{source} sheet '{sheet_t}'"
            ties = _frame(book[sheet_t], "ties", meta, where_t)
    finally:
        book.close()
    stored = schema_from(meta.get("schema"), source=source, key=f"{_META_SHEET} schema")
    chosen = choose_schema(
        stored, schema, actor_kinds=actors["kind"].unique() if "kind" in actors else (),
        tie_kinds=ties["kind"].dropna().unique() if ties is not None and "kind" in ties else (),
        source=source)
    eco = Ecosystem(actors, ties, schema=chosen, name=meta.get("name"),
                    provenance=provenance_from(meta.get("provenance"), source=source),
                    _source=(Where(where_a, first_line=2), Where(where_t or source, 2)))
    return eco.with_provenance({"step": "read_excel", "file": source,
                                "actors_sheet": actors_sheet, "ties_sheet": ties_sheet})


def _sheet(book, wanted: str, what: str, source: str) -> str:
    names = [n for n in book.sheetnames if n != _META_SHEET]
    if wanted in names:
        return wanted
    folded = [n for n in names if n.strip().casefold() == str(wanted).strip().casefold()]
    if len(folded) == 1:
        return folded[0]
    raise FormatError(
        f"no sheet named '{wanted}' (the {what}); sheets present: "
        + ", ".join(f"'{n}'" for n in names)
        + f". Rename the sheet or pass {what}_sheet='...'", source=source, field=what + "_sheet")


def _meta(book, source: str) -> dict[str, Any]:
    if _META_SHEET not in book.sheetnames:
        return {}
    text = "".join(str(r[0]) for r in book[_META_SHEET].iter_rows(values_only=True)
                   if r and r[0] is not None)
    try:
        meta = json.loads(text)
    except json.JSONDecodeError:
        raise FormatError(f"the hidden sheet '{_META_SHEET}' does not hold valid JSON; delete "
                          "the sheet to read the workbook without it", source=source) from None
    if not isinstance(meta, dict) or meta.get("format") != "ecosystem":
        raise FormatError(f"the hidden sheet '{_META_SHEET}' is not ecosystem metadata",
                          source=source)
    if not isinstance(meta.get("version"), int) or meta["version"] > 1:
        raise FormatError(f"the hidden sheet '{_META_SHEET}' has version "
                          f"{meta.get('version')!r}; this library reads version 1",
                          source=source, field="version")
    return meta


def _frame(sheet, what: str, meta: dict[str, Any], where: str) -> pd.DataFrame:
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    while rows and all(v is None for v in rows[-1]):
        rows.pop()  # formatting often leaves empty rows at the end of a sheet
    if not rows:
        raise FormatError("the sheet is empty; row 1 must hold the column names", source=where)
    header = rows[0]
    width = max(len(r) for r in rows)
    header = header + [None] * (width - len(header))
    data = [r + [None] * (width - len(r)) for r in rows[1:]]
    keep = []
    for j, name in enumerate(header):
        if name is None or (isinstance(name, str) and not name.strip()):
            if any(r[j] is not None for r in data):
                raise FormatError(f"column {j + 1} holds values but has no name in row 1",
                                  source=where)
            continue
        keep.append(j)
    stored = (meta.get("dtypes") or {}).get(what) or {}
    exact = (meta.get("exact") or {}).get(what) or {}
    out = {}
    for j in keep:
        column = str(header[j]).strip() if not isinstance(header[j], str) else header[j]
        vals = [r[j] for r in data]
        for row, value in exact.get(column, []):
            if isinstance(row, int) and 0 <= row < len(vals):
                restored = _columns.NON_FINITE.get(value, value) if isinstance(value, str) \
                    and stored.get(column, "").lower().startswith("float") else value
                if _visible(restored) == vals[row]:
                    vals[row] = restored
        if column in _TEXT_COLUMNS:
            vals = [_as_text(v) for v in vals]
        dtype = stored.get(column) or _columns.infer(vals)
        if dtype == "object":
            out[column] = pd.Series(vals)
        else:
            out[column] = _columns.build(vals, dtype, column=column, source=where,
                                         first_line=2)
    return pd.DataFrame(out, index=pd.RangeIndex(len(data)))


def _as_text(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return repr(value)
    return value
