"""Read and write an ecosystem as two CSV files: one of actors, one of ties."""

from __future__ import annotations

import csv
import io
import math
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from ecosystem.core.ecosystem import Ecosystem
from ecosystem.core.errors import ConfigError, FormatError
from ecosystem.core.report import Collector
from ecosystem.core.schema import Schema
from ecosystem.core.validate import Where
from ecosystem.io._csvformat import check_numbers, choose_decimal, choose_sep, text_columns
from ecosystem.io._files import PathLike, atomic_paths, check_file, utf8
from ecosystem.io._text import Decoded, contents, read_text

__all__ = ["read_csv", "write_csv"]

# Text a spreadsheet program would run as a formula when it opens the CSV ("CSV injection",
# OWASP): it starts with = + - @, a tab or a carriage return. Such text is written with a
# leading apostrophe, which spreadsheets show as text; the reader removes it again. Text that
# already starts with apostrophes before such a character gets one more, so every text reads
# back exactly as written.
_FORMULA = re.compile(r"'*[=+\-@\t\r]")
_NEUTRALISED = re.compile(r"'+[=+\-@\t\r]")


def _header(text: str, sep: str, source: str) -> list[str]:
    end = text.find("\n")
    while end >= 0 and text.count('"', 0, end) % 2:  # a line break inside a quoted name
        end = text.find("\n", end + 1)
    head = text if end < 0 else text[:end + 1]  # parse the header alone, not a copy of all
    try:
        names = next(csv.reader(io.StringIO(head, newline=""), delimiter=sep))
    except (csv.Error, StopIteration) as exc:
        raise FormatError(f"cannot read the header row: {exc}", source=source, line=1) from None
    return names


@dataclass(frozen=True)
class _Opened:
    """A CSV file decoded, with its separator, decimal mark and header chosen and checked."""

    path: Path
    decoded: Decoded
    sep: str
    decimal: str
    names: list[str]

    @property
    def source(self) -> str:
        return str(self.path)

    def options(self) -> dict[str, Any]:
        """pandas.read_csv options: every column by position, only empty cells missing."""
        return {"sep": self.sep, "decimal": self.decimal, "keep_default_na": False,
                "na_values": [""], "skipinitialspace": False, "index_col": False,
                "header": 0, "names": [f"\x00{j}" for j in range(len(self.names))]}


def _open(path: PathLike, *, sep: str | None, decimal: str | None, encoding: str | None,
          notes: Collector) -> _Opened:
    p = check_file(path, "CSV")
    source = str(p)
    decoded = read_text(contents(p), p, "CSV", encoding=encoding, notes=notes)
    head = decoded.head()
    if "\n" not in head or '"' in head[:head.index("\n")]:
        head = decoded.text  # a long header line, or one whose quotes may hold line breaks
    sep = choose_sep(head, sep, source, notes)
    dec = choose_decimal(decimal, sep, source, notes)
    names = [_unneutralise(n) for n in _header(head, sep, source)]
    _check_header(names, source)
    return _Opened(p, decoded, sep, dec, names)


def _frame(
    path: PathLike, dtypes: Mapping[str, object] | None, what: str, schema: Schema, *,
    sep: str | None, decimal: str | None, encoding: str | None, notes: Collector,
) -> tuple[pd.DataFrame, Path]:
    opened = _open(path, sep=sep, decimal=decimal, encoding=encoding, notes=notes)
    dtype: dict[str, Any] = {c: "str" for c in text_columns(opened.names, what, schema)}
    dtype.update(dtypes or {})
    frame = _parse(opened, dtype)
    check_numbers(frame, set(dtype), opened.decimal, opened.source, notes)
    return frame, opened.path


def read_text_table(path: PathLike, *, sep: str | None, decimal: str | None,
                    encoding: str | None, notes: Collector) -> tuple[pd.DataFrame, Path, str]:
    """A CSV file with every column as text, read as :func:`read_csv` reads its files.

    The same encoding, separator and decimal-mark choices (written to ``notes``) and the same
    checks of the header, the rows and the cells. A file that pyarrow's parser reads as a
    clean table (every row as wide as the header, whose names it reads the same) is parsed
    by it, several times faster; any other goes through the parser :func:`read_csv` uses, so
    it reads, or is refused, exactly as there. Returns the frame, the path and the decimal
    mark chosen (numbers in the text are the caller's to parse). The columns are pandas'
    text dtype; from pyarrow's parse they hold its arrays as parsed (no copy), for callers
    that look them up with Arrow kernels.
    """
    opened = _open(path, sep=sep, decimal=decimal, encoding=encoding, notes=notes)
    frame = _parse_arrow(opened)
    if frame is None:
        return _parse(opened, dict.fromkeys(opened.names, "str")), opened.path, opened.decimal
    return _finish(frame, opened), opened.path, opened.decimal


def _parse_arrow(opened: _Opened) -> pd.DataFrame | None:
    """Every column as text by pyarrow, or None where its reading could differ from pandas'.

    Without a quote character in the file no value can hold a line break, so pyarrow's
    faster parse that splits the file at any line break reads it the same. The bytes are
    valid UTF-8 (decoded, or ASCII, when the file was read), so values are not checked again.
    """
    if len(opened.names) < 2:  # pandas skips a line of spaces as blank; pyarrow reads a value
        return None
    data = opened.decoded.utf8
    try:
        table = pa_csv.read_csv(
            pa.py_buffer(data),
            parse_options=pa_csv.ParseOptions(delimiter=opened.sep,
                                              newlines_in_values=data.find(b'"') >= 0),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(opened.names, pa.large_string()), null_values=[""],
                strings_can_be_null=True, quoted_strings_can_be_null=True,
                check_utf8=False))  # read_text gave valid UTF-8 (checked or re-encoded)
    except (pa.ArrowException, ValueError):
        return None
    if table.column_names != opened.names:
        return None
    frame = table.to_pandas()
    frame.columns = [f"\x00{j}" for j in range(len(opened.names))]
    return frame


def _parse(opened: _Opened, dtype: Mapping[str, Any]) -> pd.DataFrame:
    """Parse with pandas' C parser (typed by ``dtype``); errors name the row and line."""
    names, source, sep = opened.names, opened.source, opened.sep
    text = opened.decoded.text
    read = opened.options()
    positional: dict[str, Any] = {f"\x00{j}": dtype[n] for j, n in enumerate(names) if n in dtype}
    try:
        with warnings.catch_warnings():
            # index_col=False: a row with more fields than the header is an error, not an index
            warnings.simplefilter("error", pd.errors.ParserWarning)
            warnings.simplefilter("ignore", RuntimeWarning)  # overflow: checked below
            frame = pd.read_csv(io.StringIO(text), dtype=positional, **read)
    except pd.errors.ParserWarning:
        raise _too_many_fields(text, sep, len(names), source) from None
    except pd.errors.ParserError as exc:
        if "Expected" in str(exc):
            raise _too_many_fields(text, sep, len(names), source) from None
        raise FormatError(f"malformed CSV: {exc}", source=source) from None
    except (ValueError, TypeError, OverflowError) as exc:
        raise _bad_value(text, read, names, dtype, source, exc) from None
    return _finish(frame, opened)


def _finish(frame: pd.DataFrame, opened: _Opened) -> pd.DataFrame:
    """Name the columns; refuse unnamed columns with values and numbers changed on reading."""
    source = opened.source
    frame.columns = opened.names
    if frame.columns.empty or (len(frame.columns) == 1 and frame.columns[0].startswith("<")):
        raise FormatError("no columns found; is this a CSV file?", source=source)
    frame = _drop_unnamed(frame, source)
    # no text can start with the apostrophe of neutralised text where the file holds none
    # (one byte search instead of a look at every value of every column)
    restore = opened.decoded.utf8.find(b"'") >= 0
    for column in frame.columns:
        frame[column] = _check_column(frame[column], column, opened, restore)
    return frame


def _check_header(names: list[str], source: str) -> None:
    seen: dict[str, int] = {}
    for j, name in enumerate(names):
        if name.strip() and name in seen:
            raise FormatError(
                f"the header names column '{name}' twice (columns {seen[name] + 1} and {j + 1});"
                " rename one, so that neither is lost", source=source, field=name, line=1)
        seen[name] = j


def _drop_unnamed(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """Drop columns without a name that hold no value (trailing separators); refuse others."""
    keep = []
    for j, name in enumerate(frame.columns):
        if str(name).strip():
            keep.append(j)
            continue
        values = frame.iloc[:, j]
        if values.notna().any():
            row = int(np.flatnonzero(values.notna().to_numpy())[0])
            raise FormatError(f"column {j + 1} holds values but has no name in the header; "
                              "name it", source=source, row=row, line=row + 2)
    return frame.iloc[:, keep]


def _too_many_fields(text: str, sep: str, width: int, source: str) -> FormatError:
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    data = -2  # the header is row -1; blank lines are no rows (as pandas reads them)
    while True:
        try:
            fields = next(rows)
        except StopIteration:
            break
        except csv.Error as exc:  # a quote or line break that pandas read otherwise
            return FormatError(f"malformed CSV: {exc} (near line {rows.line_num})",
                               source=source, line=rows.line_num)
        data += 1 if fields else 0
        if data >= 0 and len(fields) > width:
            return FormatError(
                f"malformed CSV: the row has {len(fields)} fields but the header names "
                f"{width} columns; remove the extra fields or name their column (a "
                "separator inside a value must be quoted)", source=source, row=data,
                line=rows.line_num)
    return FormatError(f"a row has more fields than the header names ({width})", source=source)


def _as_text(text: str, read: dict[str, Any]) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pd.read_csv(io.StringIO(text), dtype=str, **read)


def _bad_value(text: str, read: dict[str, Any], names: list[str], dtype: Mapping[str, object],
               source: str, exc: BaseException) -> FormatError:
    """Name the row and column of a value that does not fit its requested dtype."""
    try:
        raw = _as_text(text, read)
    except Exception:  # pragma: no cover - the first read failed for another reason
        raw = None
    if raw is not None:
        for j, name in enumerate(names):
            if name not in dtype:
                continue
            try:
                want = pd.api.types.pandas_dtype(dtype[name])
            except TypeError:
                return FormatError(f"column '{name}': {dtype[name]!r} is not a dtype",
                                   source=source, field=name)
            for row, value in enumerate(raw.iloc[:, j].tolist()):
                if isinstance(value, str) and not _fits(value, want):
                    return FormatError(
                        f"value {value!r:.60} does not fit the requested dtype {want} (wrong "
                        "type or out of its range)", source=source, field=name, row=row,
                        line=row + 2)
    return FormatError(f"cannot read the CSV with the requested column types: {exc}",
                       source=source)


def _fits(value: str, dtype: Any) -> bool:
    kind = getattr(dtype, "kind", "O")
    if kind in "iu":
        try:
            number = int(value.strip())
        except ValueError:
            return False
        info = np.iinfo(dtype.numpy_dtype if hasattr(dtype, "numpy_dtype") else dtype)
        return info.min <= number <= info.max
    if kind == "f":
        try:
            real = float(value)
        except ValueError:
            return False
        return math.isfinite(real) or value.strip().lower() in _NON_FINITE_TEXT
    if kind == "b":
        return value.strip().lower() in ("true", "false")
    return True


_NON_FINITE_TEXT = frozenset({"inf", "+inf", "-inf", "infinity", "+infinity", "-infinity",
                              "nan", "+nan", "-nan"})


def _check_column(values: pd.Series, column: str, opened: _Opened,
                  restore: bool) -> pd.Series:
    """Refuse numbers that changed on reading (overflow to inf, integers beyond 64 bits);
    restore text that was written neutralised (see :func:`write_csv`) unless ``restore`` is
    false (the file holds no apostrophe)."""
    source = opened.source
    dtype = values.dtype
    if dtype.kind == "f" or isinstance(dtype, pd.Float64Dtype | pd.Float32Dtype):
        arr = values.to_numpy(dtype=np.float64, na_value=np.nan)
        inf = np.flatnonzero(np.isinf(arr))
        if len(inf):
            raw = _as_text(opened.decoded.text, opened.options()).iloc[
                :, opened.names.index(column)]
            for at in inf.tolist():
                literal = str(raw.iloc[at]).strip().lower()
                if literal not in _NON_FINITE_TEXT:
                    raise FormatError(
                        f"number {raw.iloc[at]!r:.60} is too large for a {dtype} column (it "
                        "would read as infinity)", source=source, field=column, row=at,
                        line=at + 2)
        return values
    if isinstance(dtype, np.dtype) and dtype.kind == "O":
        ints = [(row, v) for row, v in enumerate(values.tolist()) if isinstance(v, int)]
        if ints:
            row, v = ints[0]
            raise FormatError(
                f"integer {str(v)[:40]} does not fit a 64-bit integer column; pass "
                f"dtypes={{'{column}': 'str'}} to read it as text", source=source,
                field=column, row=row, line=row + 2)
    return _restore_text(values) if restore else values


def _restore_text(values: pd.Series) -> pd.Series:
    """A text column with text written neutralised restored (other columns as they are)."""
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):  # the distinct texts only
        return _unneutralise_categories(values)
    if isinstance(dtype, pd.StringDtype):  # vectorised: text columns are long
        if _any_apostrophe(values):
            marked = values.str.match(_NEUTRALISED.pattern, na=False).to_numpy(dtype=bool)
            if marked.any():
                values = values.where(~marked, values.str.slice(1))
    elif pd.api.types.is_string_dtype(dtype):
        plain = values.tolist()
        if any(isinstance(v, str) and _NEUTRALISED.match(v) for v in plain):
            fixed = [v[1:] if isinstance(v, str) and _NEUTRALISED.match(v) else v
                     for v in plain]
            values = pd.Series(fixed, index=values.index, dtype=values.dtype)
    return values


def _unneutralise_categories(values: pd.Series) -> pd.Series:
    """A categorical text column with its neutralised categories restored (two categories
    that become one text are merged)."""
    cats = pd.Series(values.cat.categories)
    if not len(cats) or not _any_apostrophe(cats):
        return values
    marked = cats.str.match(_NEUTRALISED.pattern, na=False).to_numpy(dtype=bool)
    if not marked.any():
        return values
    remap, uniques = pd.factorize(cats.where(~marked, cats.str.slice(1)))
    codes = values.cat.codes.to_numpy()
    codes = np.where(codes < 0, -1, remap[codes])
    return pd.Series(pd.Categorical.from_codes(codes, categories=pd.Index(uniques)),
                     index=values.index, name=values.name)


def _any_apostrophe(values: pd.Series) -> bool:
    """Whether a text starts with an apostrophe (the mark of neutralised text), cheaply."""
    arr = values.array
    if hasattr(arr, "__arrow_array__"):  # pyarrow-backed text: one kernel, no NumPy mask
        return bool(pc.any(pc.starts_with(pa.array(arr), "'")).as_py())
    return bool(values.str.startswith("'", na=False).any())


def _unneutralise(text: str) -> str:
    return text[1:] if _NEUTRALISED.match(text) else text


def _neutralise(values: pd.Series) -> pd.Series:
    if not (pd.api.types.is_string_dtype(values.dtype) or values.dtype == object):
        return values
    plain = values.tolist()
    if not any(isinstance(v, str) and _FORMULA.match(v) for v in plain):
        return values
    fixed = ["'" + v if isinstance(v, str) and _FORMULA.match(v) else v for v in plain]
    return pd.Series(fixed, index=values.index, dtype=object)


def read_csv(
    actors: PathLike,
    ties: PathLike | None = None,
    neighbourhoods: PathLike | None = None,
    *,
    schema: Schema | None = None,
    name: str | None = None,
    sep: str | None = None,
    decimal: str | None = None,
    encoding: str | None = None,
    actor_dtypes: Mapping[str, object] | None = None,
    tie_dtypes: Mapping[str, object] | None = None,
) -> Ecosystem:
    """Read an ecosystem from an actors CSV file, a ties CSV file and a neighbourhoods CSV file.

    Columns are those of :class:`~ecosystem.Ecosystem`, under their English names or any alias
    (Dutch: ``code``, ``soort``, ``wijk``/``buurt``, ``bron``/``van``,
    ``doel``/``naar``, ``gewicht``, ``capaciteit``, ...; see :data:`~ecosystem.COLUMN_ALIASES`).
    Only empty cells are missing values (the text ``NA`` stays text). Id, kind, domain,
    sector, neighbourhood, source and target are read as text (``"007"`` stays ``"007"``);
    other columns are typed by pandas unless ``actor_dtypes`` / ``tie_dtypes`` say otherwise.
    CSV cannot tell an empty string from a missing value; use JSON where that matters.

    Text written by :func:`write_csv` with a protective apostrophe (see there) is read back
    without it. Nothing is dropped or renamed silently: a row with more fields than the header,
    a column named twice, a column with values but no name, a number too large for its column
    (an integer beyond 64 bits, a float that would become infinite) and a value that does not
    fit a requested dtype are errors. Columns with neither a name nor a value (trailing
    separators) are ignored.

    Everything assumed is written in the read report (``eco.read_report``): the encoding,
    separator and decimal mark chosen, each column alias, each default and each value changed.
    Errors name the file, the data row (0-based) and its line in the file.

    Parameters
    ----------
    actors, ties
        The actors file and (optionally) the ties file.
    neighbourhoods
        Optional file with one row per neighbourhood (see :attr:`Ecosystem.neighbourhoods`),
        e.g. columns of CBS Kerncijfers wijken en buurten.
    schema
        The vocabulary; :meth:`Schema.default` when omitted.
    name
        A label for the ecosystem.
    sep
        Field separator; ``None`` takes the most frequent of ``,``, ``;``, tab and ``|`` in
        the header line.
    decimal
        Decimal mark, ``","`` or ``"."``; ``None``: the comma for ``;``-separated files (as
        Dutch Excel writes them), the point otherwise. A number written with the other mark
        (``1.500`` in a decimal-comma file) is an error: thousands separators are never guessed.
    encoding
        Text encoding; ``None`` reads UTF-8 (a byte-order mark is allowed) and falls back to
        Windows-1252 (Latin-1 for bytes it leaves undefined) when the file is not UTF-8.
    actor_dtypes, tie_dtypes
        pandas dtypes of columns, overriding the inferred ones.

    Returns
    -------
    Ecosystem
        With a provenance record ``{"step": "read_csv", ..., "report": [...]}``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from ecosystem import datasets, read_csv, write_csv
    >>> eco = datasets.example()
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> write_csv(eco, folder / "actors.csv", folder / "ties.csv")
    >>> read_csv(folder / "actors.csv", folder / "ties.csv") == eco
    True
    >>> _ = (folder / "banden.csv").write_bytes(
    ...     "van;naar;soort;gewicht\\nhospital;gp_oost_1;verwijzing;1,5\\n".encode("cp1252"))
    >>> dutch = read_csv(folder / "actors.csv", folder / "banden.csv")
    >>> dutch.ties
         source     target      kind  weight
    0  hospital  gp_oost_1  referral     1.5
    >>> for note in dutch.read_report.notes:
    ...     if note.source.endswith("banden.csv") and note.topic != "format":
    ...         print(note.message)
    decimal comma read in column 'gewicht'
    column 'van' read as 'source'
    column 'naar' read as 'target'
    column 'soort' read as 'kind'
    column 'gewicht' read as 'weight'
    kind: 1 value written as canonical ids ('verwijzing' -> 'referral' 1x)
    """
    chosen = Schema.default() if schema is None else schema
    notes = Collector()

    def frame(path: PathLike | None, dtypes: Mapping[str, object] | None,
              what: str) -> tuple[pd.DataFrame | None, Path | None]:
        if path is None:
            return None, None
        return _frame(path, dtypes, what, chosen, sep=sep, decimal=decimal, encoding=encoding,
                      notes=notes)

    actors_frame, pa = _frame(actors, actor_dtypes, "actors", chosen, sep=sep, decimal=decimal,
                              encoding=encoding, notes=notes)
    ties_frame, pt = frame(ties, tie_dtypes, "ties")
    nbh_frame, pn = frame(neighbourhoods, None, "neighbourhoods")
    where = (Where(str(pa), first_line=2), Where(str(pt), first_line=2),
             Where(str(pn), first_line=2))
    step = {"step": "read_csv", "actors": str(pa), "ties": str(pt)}
    if pn is not None:
        step["neighbourhoods"] = str(pn)
    return Ecosystem(actors_frame, ties_frame, neighbourhoods=nbh_frame, schema=schema,
                     name=name, _source=where, _step=step, _notes=notes)


def write_csv(eco: Ecosystem, actors: PathLike, ties: PathLike,
              neighbourhoods: PathLike | None = None) -> None:
    """Write the actors and ties tables as UTF-8 CSV files (missing values as empty cells).

    Floats are written with full precision, so a CSV round trip keeps weights exactly. Lines
    end in CRLF as RFC 4180 says; a value holding a separator, a quote, a line feed or a
    carriage return is quoted, so every row reads back as one row. The neighbourhoods table
    (first column ``neighbourhood``) goes to ``neighbourhoods``; an ecosystem whose table has
    columns (residents, demand, ...) needs that path, so that nothing is left out silently.

    Text that a spreadsheet program would run as a formula when it opens the file (text
    starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is written with a
    leading apostrophe (``'=1+1``), the usual defence against spreadsheet formula injection:
    spreadsheets then show it as text. :func:`read_csv` removes the apostrophe, so the text
    reads back unchanged.

    All files are written to temporary files in their folders first and replace the targets
    together only when all are complete (see ``docs/data-format.md``): a failure leaves the
    old files as they were.

    Parameters
    ----------
    eco
        The ecosystem.
    actors, ties
        Output paths of the two files.
    neighbourhoods
        Output path of the neighbourhoods table; needed when the table has columns.

    Raises
    ------
    ConfigError
        The neighbourhoods table has columns and no ``neighbourhoods`` path is given.
    FormatError
        Text holding a NUL character or a lone surrogate (neither can be stored in a UTF-8
        CSV file), naming the table, row and column; nothing is written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from ecosystem import datasets, write_csv
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> write_csv(datasets.example(), folder / "actors.csv", folder / "ties.csv")
    >>> (folder / "ties.csv").read_text().splitlines()[0]
    'source,target,kind,weight,note'
    """
    nbh = eco.neighbourhoods
    if neighbourhoods is None and len(nbh.columns):
        raise ConfigError(
            "write_csv(): this ecosystem has a neighbourhoods table with columns "
            f"{list(nbh.columns)[:6]}; pass neighbourhoods='neighbourhoods.csv' to write it, "
            "or write eco.with_neighbourhoods(None) to leave it out", field="neighbourhoods")
    targets: list[PathLike] = [actors, ties]
    data = [_encode(eco.actors, "actors", str(actors)), _encode(eco.ties, "ties", str(ties))]
    if neighbourhoods is not None:
        targets.append(neighbourhoods)
        data.append(_encode(nbh.reset_index(), "neighbourhoods", str(neighbourhoods)))
    with atomic_paths(*targets) as temps:
        for tmp, blob in zip(temps, data, strict=True):
            tmp.write_bytes(blob)


def _encode(table: pd.DataFrame, what: str, source: str) -> bytes:
    for column in table.columns:
        _check_text(str(column), what, str(column), None, source)
        col = table[column]
        if pd.api.types.is_string_dtype(col.dtype) or col.dtype == object:
            for row, v in enumerate(col.tolist()):
                if isinstance(v, str) and "\x00" in v:
                    _check_text(v, what, str(column), row, source)
    out = table.copy()
    out.columns = [_neutralise(pd.Series([str(c)])).iloc[0] for c in table.columns]
    for j in range(out.shape[1]):
        values = out.iloc[:, j]
        neutral = _neutralise(values)
        if neutral is not values:
            out.isetitem(j, neutral.to_numpy(dtype=object))
    text = out.to_csv(index=False, lineterminator="\r\n")
    return utf8(text, source=source, what=f"{what} CSV file")


def _check_text(value: str, what: str, column: str, row: int | None, source: str) -> None:
    if "\x00" in value:
        raise FormatError(f"{what} text {value!r:.60} holds a NUL character, which a CSV file "
                          "cannot hold (it would read as a binary file)", source=source,
                          field=column, row=row)
