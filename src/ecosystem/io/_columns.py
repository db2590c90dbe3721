"""Column types for lossless formats: name a column's dtype, list its values, rebuild it.

JSON, GraphML, Excel, networkx and igraph hold plain values (text, integers, floats, booleans,
missing). To give back exactly the table that was written, writers also store each column's
pandas dtype by name (``"str"``, ``"int64"``, ``"Int64"``, ``"boolean"``, ...), and readers
rebuild each column from its values and that name. Values that do not fit the stored dtype raise
:class:`~ecosystem.core.errors.FormatError` naming the file, row and column.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ecosystem.core.errors import FormatError

# Every dtype the file formats store exactly. "str" is pandas' default text dtype (missing =
# NaN); "string" is the older one with pd.NA. Capitalised names are pandas' nullable dtypes.
_INTS = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")
_NULLABLE_INTS = tuple(n[0].upper() + n[1:] if n[0] == "i" else "UInt" + n[4:] for n in _INTS)
_FLOATS = ("float32", "float64")
_NULLABLE_FLOATS = ("Float32", "Float64")
SUPPORTED: tuple[str, ...] = ("str", "string", "bool", "boolean", *_INTS, *_NULLABLE_INTS,
                              *_FLOATS, *_NULLABLE_FLOATS)
#: Naive date-times: stored by Excel only (JSON and GraphML have no date type).
DATES: tuple[str, ...] = ("datetime64[s]", "datetime64[ms]", "datetime64[us]", "datetime64[ns]")
_TEXT = frozenset({"str", "string"})
_BOOL = frozenset({"bool", "boolean"})
_INT = frozenset(_INTS + _NULLABLE_INTS)
_FLOAT = frozenset(_FLOATS + _NULLABLE_FLOATS)
_NULLABLE = frozenset({"str", "string", "boolean", *_NULLABLE_INTS, *_NULLABLE_FLOATS, *_FLOATS})
# Text spellings of non-finite floats accepted in float columns (JSON has no literal for them).
NON_FINITE = {"inf": math.inf, "+inf": math.inf, "-inf": -math.inf, "infinity": math.inf,
              "+infinity": math.inf, "-infinity": -math.inf, "nan": math.nan}


def dtype_name(series: pd.Series, *, dates: bool = False) -> str | None:
    """The stored name of ``series``' dtype, or ``None`` when no format stores it exactly.

    ``dates``: the format stores naive date-times (``datetime64[...]`` without a time zone).
    """
    dtype = series.dtype
    if dates and str(dtype) in DATES:
        return str(dtype)
    if isinstance(dtype, pd.StringDtype):
        return "string" if dtype.na_value is pd.NA else "str"
    name = str(dtype)
    if (isinstance(dtype, np.dtype) and dtype.kind in "biuf") or \
            isinstance(dtype, pd.api.extensions.ExtensionDtype):
        return name if name in SUPPORTED else None
    return None


def describe(table: pd.DataFrame, what: str, *, source: str, fmt: str,
             dates: bool = False) -> dict[str, str]:
    """Column -> dtype name for every column of ``table``; an unsupported dtype raises.

    ``what`` names the table (``"actors"``), ``fmt`` the format, both for the message;
    ``dates``: the format stores naive date-times.
    """
    out = {}
    for column in table.columns:
        name = dtype_name(table[column], dates=dates)
        if name is None:
            also = ", naive date-times" if dates else ""
            raise FormatError(
                f"{what} column '{column}' has dtype {table[column].dtype}, which {fmt} cannot "
                f"store exactly. Supported: text ('str'), integers, floats{also} and booleans "
                f"(nullable ones too). Convert it first, e.g. "
                f"df['{column}'] = df['{column}'].astype('str')", source=source, field=column,
            )
        out[column] = name
    return out


def values(series: pd.Series) -> list[Any]:
    """The column as plain Python values (str, int, float, bool), ``None`` where missing."""
    # pandas accepts na_value=None here; the pandas-stubs overloads do not say so.
    plain = series.to_numpy(dtype=object, na_value=None).tolist()  # type: ignore[call-overload]
    if any(isinstance(v, np.generic) for v in plain[:1]):
        plain = [v.item() if isinstance(v, np.generic) else v for v in plain]
    return plain


def _fits(value: Any, name: str) -> bool:
    if name in _TEXT:
        return isinstance(value, str)
    if name in _BOOL:
        return isinstance(value, bool | np.bool_)
    if name in _INT:
        return isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)
    if name in _FLOAT:
        return (isinstance(value, float | int | np.floating | np.integer)
                and not isinstance(value, bool | np.bool_)) or (
            isinstance(value, str) and value.strip().lower() in NON_FINITE)
    return True  # a dtype of an in-memory graph library: pandas converts below


def build(
    data: Sequence[Any], name: str, *, column: str, source: str,
    first_line: int | None = None,
) -> pd.Series:
    """Rebuild a column of dtype ``name`` from plain values (``None`` = missing).

    Raises FormatError naming the row and column when a value does not fit: text in a number
    column, a fraction in an integer column, a missing value in a non-nullable column.
    """
    data = list(data)
    if name in DATES:
        return _dates(data, name, column=column, source=source, first_line=first_line)
    types = {type(v) for v in data}
    checked = name in SUPPORTED
    plain_types: dict[str, set[type]] = {
        "str": {str}, "string": {str}, "bool": {bool}, "boolean": {bool},
        "float64": {float, int}, "Float64": {float, int}}
    plain_ok = plain_types.get(name)
    simple = plain_ok is not None and types <= (plain_ok | {type(None)})
    if (checked and not simple) or (None in data and name not in _NULLABLE):
        _check_values(data, name, checked, column=column, source=source, first_line=first_line)
    if checked and (name in _INT or name in _FLOAT):
        _check_range(data, name, column=column, source=source, first_line=first_line)
    if name in _FLOAT and str in types:
        data = [NON_FINITE[v.strip().lower()] if isinstance(v, str) else v for v in data]
    if name == "str":
        return pd.Series(data, dtype=object).astype("str")
    if name in _INT:  # range checked above; built by NumPy (pandas wraps uint64 > 2**63)
        base = name.lower()
        mask = np.array([v is None for v in data], dtype=bool)
        ints = np.array([0 if v is None else int(v) for v in data], dtype=base)
        if name in _INTS:
            return pd.Series(ints, dtype=name)
        return pd.Series(pd.arrays.IntegerArray(ints, mask), dtype=name)
    if name in _FLOAT and name in _FLOATS:
        return pd.Series([math.nan if v is None else v for v in data], dtype=name)
    dtype: Any = name  # a dtype name from SUPPORTED or of a graph library, checked above
    try:
        return pd.Series(pd.array(data, dtype=dtype) if checked else data,
                         dtype=dtype if checked else None).astype(dtype)
    except (TypeError, ValueError, OverflowError) as exc:
        raise FormatError(f"cannot rebuild column '{column}' as {name}: {exc}", source=source,
                          field=column) from None


def _check_values(data: list[Any], name: str, checked: bool, *, column: str, source: str,
                  first_line: int | None) -> None:
    """Raise FormatError at the first value that does not fit dtype ``name``."""
    for row, value in enumerate(data):
        if value is None:
            if name not in _NULLABLE and checked:
                raise FormatError(
                    f"missing value in column '{column}' of dtype {name}, which cannot hold "
                    "one", source=source, field=column, row=row,
                    line=None if first_line is None else row + first_line)
        elif checked and not _fits(value, name):
            raise FormatError(
                f"value {value!r} does not fit column '{column}' of dtype {name}",
                source=source, field=column, row=row,
                line=None if first_line is None else row + first_line)


def _limits(name: str) -> tuple[float, float]:
    base = name.lower()
    if base in _INTS:
        info = np.iinfo(base)
        return int(info.min), int(info.max)
    finfo = np.finfo(base)
    return -float(finfo.max), float(finfo.max)


def _check_range(data: list[Any], name: str, *, column: str, source: str,
                 first_line: int | None) -> None:
    """Refuse a number outside the range of ``name`` (no wraparound, no overflow to inf)."""
    lo, hi = _limits(name)
    for row, value in enumerate(data):
        if value is None or isinstance(value, str | bool | np.bool_):
            continue
        if isinstance(value, float | np.floating) and not math.isfinite(value):
            continue  # infinity written as such is kept
        if lo <= value <= hi:  # exact for Python ints of any size
            continue
        what = "integers" if name in _INT else "floats"
        raise FormatError(
            f"value {str(value)[:40]} is outside the range of column '{column}' of dtype "
            f"{name} ({what} from {lo:g} to {hi:g}); it is refused rather than wrapped or "
            "rounded to infinity", source=source, field=column, row=row,
            line=None if first_line is None else row + first_line)


def _dates(data: list[Any], name: str, *, column: str, source: str,
           first_line: int | None) -> pd.Series:
    for row, value in enumerate(data):
        if value is not None and not isinstance(value, datetime.datetime | np.datetime64):
            raise FormatError(f"value {value!r:.60} does not fit column '{column}' of dtype "
                              f"{name} (a date-time)", source=source, field=column, row=row,
                              line=None if first_line is None else row + first_line)
    try:
        out: Any = pd.Series(pd.to_datetime(pd.Series(data, dtype=object)))
        return out.astype(name)
    except (ValueError, TypeError, OverflowError) as exc:
        raise FormatError(f"cannot rebuild column '{column}' as {name}: {exc}", source=source,
                          field=column) from None


def infer(data: Sequence[Any]) -> str:
    """A dtype name for values without a stored dtype (files written by other programs).

    Text -> ``"str"``; integers -> ``"int64"`` (``"Int64"`` with missing values; ``"uint64"``
    when they only fit that); date-times -> ``"datetime64[us]"``; numbers with a
    fraction -> ``"float64"``; booleans -> ``"bool"`` (``"boolean"`` with missing values);
    all missing -> ``"str"``. Mixed types give ``"object"`` and are left to validation.
    """
    types = {type(v) for v in data} - {type(None)}
    has_missing = any(v is None for v in data)
    if not types or types <= {str}:
        return "str"
    if types <= {bool, np.bool_}:
        return "boolean" if has_missing else "bool"
    if all(issubclass(t, datetime.datetime) for t in types):
        return "datetime64[us]"  # a spreadsheet's dates (Excel keeps milliseconds)
    if not types & {bool, np.bool_, str}:
        if all(issubclass(t, int | np.integer) for t in types):
            big = max((v for v in data if v is not None), default=0)
            if big > np.iinfo(np.int64).max and min(v for v in data if v is not None) >= 0:
                return "UInt64" if has_missing else "uint64"
            return "Int64" if has_missing else "int64"
        return "float64"
    return "object"
