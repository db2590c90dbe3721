"""Separator, decimal mark and text columns of a CSV file, chosen and written down.

Dutch spreadsheet programs write ``;`` between fields and a decimal comma (``1,5``). A
thousands separator is never guessed: in a file read with the decimal comma, a number written
with a point (``1.500``: one and a half, or fifteen hundred?) is an error naming the cell and
the option, and the other way round.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ecosystem.core.errors import ConfigError, FormatError
from ecosystem.core.report import Collector
from ecosystem.core.schema import Schema

#: Fields read as text whatever their cells look like (``"007"`` stays ``"007"``).
TEXT_FIELDS = {
    "actors": ("id", "kind", "domain", "sector", "neighbourhood"),
    "ties": ("source", "target", "kind"),
    "neighbourhoods": ("neighbourhood",),
}
_SEPARATORS = (",", ";", "\t", "|")
_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
# A number with the decimal comma / point (and no other mark), and one with the other mark.
_PLAIN = {",": r"[+-]?(\d+(,\d*)?|,\d+)([eE][+-]?\d+)?",
          ".": r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?"}
_OTHER = {",": r"[+-]?\d*(\.\d+)+(,\d*)?", ".": r"[+-]?\d*(,\d+)+(\.\d*)?"}


def choose_sep(text: str, sep: str | None, source: str, notes: Collector | None) -> str:
    """The field separator: ``sep`` if given, else the most frequent of , ; tab | in the header."""
    if sep is not None:
        if not isinstance(sep, str) or len(sep) != 1 or sep in "\"\r\n":
            raise ConfigError(f"sep={sep!r} is not accepted; use one character such as ',' or "
                              "';', or None to detect it", source=source, field="sep")
        return sep
    header = text.split("\n", 1)[0]
    counts = {s: header.count(s) for s in _SEPARATORS}
    best = max(_SEPARATORS, key=lambda s: (counts[s], s == ","))
    chosen = best if counts[best] else ","
    if chosen != "," and notes is not None:
        notes.info("format", source, f"separator: {_NAMES[chosen]} ('{chosen}') found in the "
                   "header; pass sep= to choose another", change=False)
    return chosen


def choose_decimal(decimal: str | None, sep: str, source: str,
                   notes: Collector | None) -> str:
    """The decimal mark: ``decimal`` if given, else ``","`` for ``;``-separated files."""
    if decimal is not None:
        if decimal not in (",", "."):
            raise ConfigError(f"decimal={decimal!r} is not accepted; use ',' or '.', or None "
                              "(',' for ';'-separated files, '.' otherwise)", source=source,
                              field="decimal")
        return decimal
    if sep == ";":
        if notes is not None:
            notes.info("format", source, "decimal mark: comma (1,5 is one and a half), the "
                       "default for ';'-separated files; pass decimal='.' for a point")
        return ","
    return "."


def text_columns(names: list[str], what: str, schema: Schema) -> list[str]:
    """The columns of ``names`` that stand for a text field of table ``what`` (aliases too)."""
    fields = TEXT_FIELDS[what]
    return [n for n in names if schema.column_field(what, n) in fields]


def check_numbers(frame: pd.DataFrame, skip: set[str], decimal: str, source: str,
                  notes: Collector | None, first_line: int = 2) -> None:
    """Refuse numbers written with the other decimal mark; note the decimal comma's columns.

    A text column whose every value is a number under either mark, with at least one using
    the mark this file does not use (``1.500`` when ``decimal=","``), is ambiguous: FormatError
    naming the row, the column and the option.
    """
    plain, other = re.compile(_PLAIN[decimal]), re.compile(_OTHER[decimal])
    converted = []
    for column in frame.columns:
        values = frame[column]
        if column in skip:
            continue
        if pd.api.types.is_float_dtype(values.dtype) and decimal == ",":
            converted.append(str(column))
            continue
        if not pd.api.types.is_string_dtype(values.dtype):
            continue
        cells = values.dropna().astype("str").str.strip()
        if cells.empty:
            continue
        is_plain = cells.str.fullmatch(plain.pattern)
        is_other = cells.str.fullmatch(other.pattern)
        if bool((is_plain | is_other).all()) and bool(is_other.any()):
            row = int(cells.index[is_other.to_numpy()][0])
            raise ambiguous_number(values.loc[row], decimal, source, str(column), row,
                                   row + first_line)
    if converted and notes is not None:
        note_decimal_comma(converted, source, notes)


def note_decimal_comma(columns: list[str], source: str, notes: Collector) -> None:
    """Note the columns whose numbers were read with the decimal comma."""
    notes.info("values", source, "decimal comma read in column" + ("s " if len(columns)
               > 1 else " ") + ", ".join(f"'{c}'" for c in columns))


def ambiguous_number(value: object, decimal: str, source: str, column: str, row: int,
                     line: int | None) -> FormatError:
    """The error for a number written with the decimal mark this file does not use."""
    mark, name = (("point", "decimal='.'") if decimal == "," else ("comma", "decimal=','"))
    return FormatError(
        f"value {value!r} is ambiguous: this file is read with the decimal "
        f"{'comma' if decimal == ',' else 'point'}, so the {mark} in it is not a "
        "decimal mark, and a thousands separator is never guessed. Write the number "
        f"without it (1500) or with the decimal {'comma' if decimal == ',' else 'point'}"
        f", or pass {name} (--decimal on the command line) if the file uses the "
        f"decimal {mark}", source=source, field=column, row=row, line=line)


def parse_numbers(cells: pd.Series, decimal: str) -> tuple[np.ndarray, np.ndarray]:
    """Numbers of text ``cells`` under the decimal mark: (values, NaN where not a number;
    mask of cells written with the other mark, which are ambiguous)."""
    text = cells.astype("str").str.strip()
    other = text.str.fullmatch(_OTHER[decimal]).to_numpy(dtype=bool, na_value=False)
    if decimal == ",":
        plain = text.str.fullmatch(_PLAIN[","]).to_numpy(dtype=bool, na_value=False)
        text = text.where(plain).str.replace(",", ".", regex=False)
    values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return values, other
