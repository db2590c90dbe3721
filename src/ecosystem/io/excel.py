"""Read and write an ecosystem as an Excel workbook (.xlsx): a sheet of actors, one of ties.

Needs the optional dependency openpyxl (``pip install "ecosystem[excel]"``). Workbooks are read
with openpyxl's read-only loader, which never evaluates formulas or runs macros: a formula cell
gives the value Excel last saved for it.
"""

from __future__ import annotations

import datetime
import math
import re
import zipfile
import zlib
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

import pandas as pd

from ecosystem.core.ecosystem import Ecosystem
from ecosystem.core.errors import EcosystemError, FormatError
from ecosystem.core.report import Collector
from ecosystem.core.schema import Schema
from ecosystem.core.validate import Where
from ecosystem.io import _columns
from ecosystem.io._csvformat import text_columns
from ecosystem.io._files import PathLike, atomic_paths, check_file, sniff_binary
from ecosystem.io._meta import (
    choose_schema,
    load_json,
    provenance_from,
    schema_from,
    to_json,
)

__all__ = ["read_excel", "write_excel"]

_META_SHEET = "_ecosystem"
_CHUNK = 30_000  # an Excel cell holds at most 32,767 characters
#: Sheet names found without options (case ignored), per table, in order of preference.
SHEET_NAMES = {"actors": ("actors", "actoren", "actor", "organisaties"),
               "ties": ("ties", "relaties", "banden", "relations", "verwijzingen"),
               "neighbourhoods": ("neighbourhoods", "wijken", "buurten", "neighborhoods")}


def _openpyxl():
    try:
        import openpyxl
    except ImportError:
        raise ImportError(
            'reading and writing Excel files needs openpyxl: pip install "ecosystem[excel]" '
            "(or pip install openpyxl)") from None
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
    if isinstance(value, datetime.datetime):  # Excel keeps milliseconds
        ts = pd.Timestamp(value)
        return ts.round("ms").to_pydatetime(warn=False)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    text = f"{value:.16g}"
    return float(text) if any(c in text for c in ".eE") else int(text)


def write_excel(eco: Ecosystem, path: PathLike) -> None:
    """Write ``eco`` as an .xlsx workbook with sheets ``actors``, ``ties`` and ``neighbourhoods``.

    The ``neighbourhoods`` sheet (first column ``neighbourhood``) is written when the
    neighbourhoods table has columns (residents, demand, ...).

    Row 1 of each sheet holds the column names; missing values are empty cells; text is
    always stored as text (a value such as ``"=1+1"`` or ``"007"`` stays text). A hidden sheet
    ``_ecosystem`` holds the name, schema, provenance, the pandas dtype of each column and the
    exact value of every number that Excel's cells show rounded (openpyxl writes 16
    significant digits; Excel keeps date-times to the millisecond), so :func:`read_excel`
    gives back an equal ecosystem. Naive date-time columns (``datetime64``) are written as
    Excel dates (from 1900-03-01, Excel's first reliable date). The workbook is written to a
    temporary file next to ``path`` that replaces it only when complete: a failure leaves an
    existing file as it was.

    Parameters
    ----------
    eco
        The ecosystem.
    path
        Output .xlsx file.

    Raises
    ------
    ImportError
        openpyxl is not installed.
    FormatError
        A column whose dtype the workbook cannot store, text (values or column names) with
        characters Excel refuses, a date before 1900-03-01, NaN in the provenance.

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
    target = Path(path)
    source = str(target)
    book = openpyxl.Workbook()
    book.remove(book.active)
    meta: dict[str, Any] = {"format": "ecosystem", "version": 1, "name": eco.name,
                            "schema": eco.schema.to_dict(), "dtypes": {}, "exact": {},
                            "provenance": list(eco.provenance)}
    for what in ("actors", "ties", "neighbourhoods"):
        table = getattr(eco, what)
        if what == "neighbourhoods":
            if not len(table.columns):
                continue  # names only: the actors' neighbourhoods, read back from the actors
            table = table.reset_index()
        meta["dtypes"][what], meta["exact"][what] = _write_sheet(book, table, what, source)
    info = book.create_sheet(_META_SHEET)
    info.sheet_state = "hidden"
    text = to_json(meta, source=source)
    for i in range(0, len(text), _CHUNK):
        cell = info.cell(row=i // _CHUNK + 1, column=1, value=text[i:i + _CHUNK])
        cell.data_type = "s"
    with atomic_paths(target) as (tmp,):
        book.save(tmp)


def _write_sheet(book, table: pd.DataFrame, what: str, source: str
                 ) -> tuple[dict[str, str], dict[str, list]]:
    """One sheet of ``table``; returns its dtypes and the exact values its cells round."""
    dtypes = _columns.describe(table, what, source=source, fmt="Excel", dates=True)
    sheet = book.create_sheet(what)
    for j, column in enumerate(table.columns, start=1):
        _put(sheet, 1, j, str(column), source=source, what=what, name=str(column))
    exact: dict[str, list] = {}
    for j, column in enumerate(table.columns, start=1):
        vals = _columns.values(table[column])
        if dtypes[column] in _columns.DATES:
            vals = [None if v is None else _date(v, source, what, column, row)
                    for row, v in enumerate(vals)]
        fixes = [[row, v] for row, v in enumerate(vals)
                 if (v is not None and (_visible(v) != v or (
                     isinstance(v, int) and not isinstance(_visible(v), int)))) or v == ""]
        if dtypes[column].lower().startswith("float"):
            fixes = [[r, v if math.isfinite(v) else repr(v)] for r, v in fixes]
        elif dtypes[column] in _columns.DATES:
            fixes = [[r, pd.Timestamp(v).isoformat()] for r, v in fixes]
        if fixes:
            exact[column] = fixes
        for row, v in enumerate(vals, start=2):
            if v is None or v == "":
                continue
            _put(sheet, row, j, v, source=source, what=what, name=str(column))
    return dtypes, exact


#: Excel's first date (its calendar wrongly counts 1900 as a leap year before March 1900).
_FIRST_DATE = datetime.datetime(1900, 3, 1)


def _date(value: Any, source: str, what: str, column: Any, row: int) -> datetime.datetime:
    ts = pd.Timestamp(value)
    if ts < _FIRST_DATE or ts.year > 9999:
        raise FormatError(f"date {ts} is outside the dates Excel stores (1900-03-01 to "
                          "9999-12-31)", source=source, row=row, field=str(column))
    return ts.to_pydatetime(warn=False) if ts.nanosecond == 0 else ts


def _put(sheet, row: int, column: int, value: Any, *, source: str, what: str,
         name: str) -> None:
    """Write one cell; text is always text (never a formula); refused characters raise."""
    from openpyxl.utils.exceptions import IllegalCharacterError

    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise FormatError(f"text {value!r:.60} holds a lone surrogate, which an .xlsx "
                              "file cannot store (UTF-8)", source=source,
                              row=None if row == 1 else row - 2, field=name,
                              line=row) from None
    try:
        cell = sheet.cell(row=row, column=column, value=value)
    except IllegalCharacterError:
        where = "the column name" if row == 1 else "text"
        raise FormatError(f"{what} {where} {value!r:.60} holds control characters Excel "
                          "cannot store", source=source, row=None if row == 1 else row - 2,
                          field=name, line=row) from None
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text starts with


def read_excel(
    path: PathLike,
    *,
    schema: Schema | None = None,
    actors_sheet: str = "actors",
    ties_sheet: str | None = "ties",
    neighbourhoods_sheet: str | None = "neighbourhoods",
) -> Ecosystem:
    """Read an ecosystem from an .xlsx workbook: a sheet of actors and a sheet of ties.

    Row 1 of each sheet holds the column names (see :class:`~ecosystem.Ecosystem`); empty
    cells are missing values. Column names may be aliases, Dutch or English (see
    :data:`~ecosystem.COLUMN_ALIASES`). Sheet names match exactly, else case-insensitively;
    the default names also find their Dutch names (:data:`SHEET_NAMES`: ``actoren``,
    ``relaties`` or ``banden``, ``wijken`` or ``buurten``). ``ties_sheet=None`` reads actors
    only. The neighbourhoods sheet is optional (see :attr:`Ecosystem.neighbourhoods`); a sheet
    named explicitly must exist. What was found and assumed is in ``eco.read_report``. Id,
    kind, domain, sector, neighbourhood, source and target columns (under any alias) are read
    as text: a number typed into them becomes its text (``7`` ->
    ``"7"``, ``7.0`` -> ``"7"``; Excel itself drops leading zeros unless the cell is text).
    Other columns are typed from their cells (integers, floats, booleans, text, dates: a
    column of date cells becomes ``datetime64[us]``), or from the dtypes stored by
    :func:`write_excel`. Errors give the sheet, the data row
    (0-based) and the spreadsheet row number ("line").

    Parameters
    ----------
    path
        The .xlsx workbook.
    schema
        Vocabulary overriding the stored one; :meth:`Schema.default` for a workbook without one.
    actors_sheet
        Name of the actors sheet.
    ties_sheet
        Name of the ties sheet; ``None`` reads actors only.
    neighbourhoods_sheet
        Name of the neighbourhoods sheet, read when the workbook has it; ``None`` skips it.

    Returns
    -------
    Ecosystem

    Raises
    ------
    ImportError
        openpyxl is not installed.
    FormatError
        Not an .xlsx workbook (an old .xls, a CSV or any other file renamed), a damaged one
        (broken zip, compression or XML), a missing sheet (naming the sheets present), a
        column with values but no name, a column named twice, or merged cells (only the first
        cell of a merged range holds a value; naming the range).
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
    notes = Collector()
    chosen_for_text = Schema.default() if schema is None else schema
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
    except Exception as exc:  # zip, XML and openpyxl's own errors (InvalidFileException, ...)
        raise _damaged(exc, source) from None
    try:
        meta = _meta(book, source)
        frames: list[tuple[pd.DataFrame | None, str | None]] = []
        for what, wanted in (("actors", actors_sheet), ("ties", ties_sheet),
                             ("neighbourhoods", neighbourhoods_sheet)):
            if wanted is None:
                frames.append((None, None))
                continue
            optional = what == "neighbourhoods" and wanted == "neighbourhoods"
            sheet_name = _sheet(book, wanted, what, source, optional=optional)
            if sheet_name is None:
                frames.append((None, None))
                continue
            if sheet_name != wanted:
                notes.info("format", source, f"sheet '{sheet_name}' read as the {what}",
                           change=False)
            where = f"{source} sheet '{sheet_name}'"
            _check_merged(p, book[sheet_name], where)
            frames.append((_frame(book[sheet_name], what, meta, where, chosen_for_text),
                           where))
    except EcosystemError:
        raise
    except Exception as exc:  # the sheets are read lazily: damage shows up here
        raise _damaged(exc, source) from None
    finally:
        book.close()
    (actors, where_a), (ties, where_t), (nbh, where_n) = frames
    assert actors is not None and where_a is not None  # the actors sheet is required
    stored = schema_from(meta.get("schema"), source=source, key=f"{_META_SHEET} schema")
    chosen = choose_schema(
        stored, schema, actor_kinds=actors["kind"].unique() if "kind" in actors else (),
        tie_kinds=ties["kind"].dropna().unique() if ties is not None and "kind" in ties else (),
        source=source)
    return Ecosystem(actors, ties, neighbourhoods=nbh, schema=chosen, name=meta.get("name"),
                     provenance=provenance_from(meta.get("provenance"), source=source),
                     _source=(Where(where_a, first_line=2), Where(where_t or source, 2),
                              Where(where_n or source, 2)),
                     _step={"step": "read_excel", "file": source, "actors_sheet": actors_sheet,
                            "ties_sheet": ties_sheet}, _notes=notes)


_DAMAGE = (zipfile.BadZipFile, zlib.error, ParseError, KeyError, ValueError, OSError,
           TypeError, EOFError, IndexError, AttributeError, UnicodeDecodeError, OverflowError)


def _damaged(exc: Exception, source: str) -> Exception:
    """FormatError for a damaged workbook (zip, compression or XML damage); other errors
    (a bug, not the file) are returned unchanged to be raised as they are."""
    if isinstance(exc, _DAMAGE) or type(exc).__module__.startswith(("openpyxl", "et_xmlfile")):
        return FormatError(f"not a readable .xlsx workbook, or a damaged one "
                           f"({type(exc).__name__}: {str(exc)[:200]})", source=source)
    return exc


_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*?\bref=\"([^\"]+)\"")


def _check_merged(path: Path, sheet, where: str) -> None:
    """Refuse a sheet with merged cells: only the first cell of a merged range holds a value,
    so the others would read as missing."""
    member = getattr(sheet, "_worksheet_path", None)
    if not member:
        return
    tail = b""
    with zipfile.ZipFile(path) as archive, archive.open(member.lstrip("/")) as fh:
        while True:
            block = fh.read(1 << 20)
            if not block:
                break
            text = tail + block
            hit = _MERGE.search(text)
            if hit:
                ref = hit.group(1).decode("ascii", "replace")
                raise FormatError(
                    f"cells {ref} are merged; only the first of them holds a value, so the "
                    "others would read as empty. Unmerge them (Excel: Merge & Center > "
                    "Unmerge Cells) and fill in every cell", source=where, field=ref)
            tail = text[-200:]


def _sheet(book, wanted: str, what: str, source: str, *, optional: bool = False) -> str | None:
    names = [n for n in book.sheetnames if n != _META_SHEET]
    if wanted in names:
        return wanted
    folded = {n.strip().casefold(): n for n in names}
    candidates = [wanted]
    if wanted in SHEET_NAMES[what]:
        candidates += [a for a in SHEET_NAMES[what] if a != wanted]
    for name in candidates:
        hit = folded.get(str(name).strip().casefold())
        if hit is not None:
            return hit
    if optional:
        return None
    also = [a for a in candidates[1:]]
    raise FormatError(
        f"no sheet named '{wanted}' (the {what})"
        + (f" nor {', '.join(repr(a) for a in also)}" if also else "")
        + "; sheets present: " + ", ".join(f"'{n}'" for n in names)
        + f". Rename the sheet or pass {what}_sheet='...'", source=source, field=what + "_sheet")


def _meta(book, source: str) -> dict[str, Any]:
    if _META_SHEET not in book.sheetnames:
        return {}
    text = "".join(str(r[0]) for r in book[_META_SHEET].iter_rows(values_only=True)
                   if r and r[0] is not None)
    try:
        meta = load_json(text, source)
    except FormatError as exc:
        raise FormatError(f"the hidden sheet '{_META_SHEET}' does not hold valid JSON "
                          f"({exc.reason}); delete the sheet to read the workbook without it",
                          source=source) from None
    if not isinstance(meta, dict) or meta.get("format") != "ecosystem":
        raise FormatError(f"the hidden sheet '{_META_SHEET}' is not ecosystem metadata",
                          source=source)
    if not isinstance(meta.get("version"), int) or meta["version"] > 1:
        raise FormatError(f"the hidden sheet '{_META_SHEET}' has version "
                          f"{meta.get('version')!r}; this library reads version 1",
                          source=source, field="version")
    return meta


def _frame(sheet, what: str, meta: dict[str, Any], where: str, schema: Schema) -> pd.DataFrame:
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
    names = [str(header[j]).strip() if not isinstance(header[j], str) else header[j]
             for j in keep]
    text = set(text_columns(names, what, schema))
    stored = (meta.get("dtypes") or {}).get(what) or {}
    exact = (meta.get("exact") or {}).get(what) or {}
    if not isinstance(stored, dict) or not isinstance(exact, dict):
        raise FormatError(f"the hidden sheet '{_META_SHEET}' is damaged (dtypes or exact values "
                          "are not tables); delete the sheet to read the workbook without it",
                          source=where)
    out = {}
    seen: dict[str, int] = {}
    for j in keep:
        column = str(header[j]).strip() if not isinstance(header[j], str) else header[j]
        if column in seen:
            raise FormatError(f"row 1 names column '{column}' twice (columns {seen[column] + 1} "
                              f"and {j + 1}); rename one, so that neither is lost",
                              source=where, field=column, line=1)
        seen[column] = j
        vals = _apply_exact([r[j] for r in data], exact.get(column, []), stored.get(column))
        if column in text:
            vals = [_as_text(v) for v in vals]
        dtype = stored.get(column) or _columns.infer(vals)
        if dtype == "object":
            out[column] = pd.Series(vals)
        else:
            out[column] = _columns.build(vals, dtype, column=column, source=where,
                                         first_line=2)
    return pd.DataFrame(out, index=pd.RangeIndex(len(data)))


def _apply_exact(vals: list[Any], fixes: Any, dtype: Any) -> list[Any]:
    """Put back the exact values kept in the hidden sheet where the cells still show them."""
    for fix in fixes if isinstance(fixes, list) else []:
        if not (isinstance(fix, list) and len(fix) == 2):
            continue
        row, value = fix
        if isinstance(row, int) and 0 <= row < len(vals):
            restored = _restore(value, dtype)
            if _same(_visible(restored), vals[row]):
                vals[row] = restored
    return vals


def _restore(value: Any, dtype: Any) -> Any:
    """An exact value from the hidden sheet, as the Python value it stands for."""
    if isinstance(value, str) and isinstance(dtype, str):
        if dtype.lower().startswith("float"):
            return _columns.NON_FINITE.get(value, value)
        if dtype in _columns.DATES:
            try:
                return pd.Timestamp(value)
            except ValueError:
                return value
    return value


def _same(visible: Any, cell: Any) -> bool:
    """Whether a cell still shows ``visible`` (dates: within Excel's millisecond)."""
    if isinstance(visible, datetime.datetime) and isinstance(cell, datetime.datetime):
        return abs(pd.Timestamp(visible) - pd.Timestamp(cell)) <= pd.Timedelta(1, "ms")
    return bool(visible == cell)


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
