"""Column types for lossless formats: name a column's dtype, list its values, rebuild it.

JSON, GraphML, Excel, networkx and igraph hold plain values (text, integers, floats, booleans,
missing). To give back exactly the table that was written, writers also store each column's
pandas dtype by name (``"str"``, ``"int64"``, ``"Int64"``, ``"boolean"``, ...), and readers
rebuild each column from its values and that name. Values that do not fit the stored dtype raise
:class:`~ecosystem.core.errors.FormatError` naming the file, row and column.
"""

from __future__ import annotations

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
_TEXT = frozenset({"str", "string"})
_BOOL = frozenset({"bool", "boolean"})
_INT = frozenset(_INTS + _NULLABLE_INTS)
_FLOAT = frozenset(_FLOATS + _NULLABLE_FLOATS)
_NULLABLE = frozenset({"str", "string", "boolean", *_NULLABLE_INTS, *_NULLABLE_FLOATS, *_FLOATS})
# Text spellings of non-finite floats accepted in float columns (JSON has no literal for them).
NON_FINITE = {"inf": math.inf, "+inf": math.inf, "-inf": -math.inf, "infinity": math.inf,
              "+infinity": math.inf, "-infinity": -math.inf, "nan": math.nan}


def dtype_name(series: pd.Series) -> str | None:
    """The stored name of ``series``' dtype, or ``None`` when no format stores it exactly."""
    dtype = series.dtype
    if isinstance(dtype, pd.StringDtype):
        return "string" if dtype.na_value is pd.NA else "str"
    name = str(dtype)
    if (isinstance(dtype, np.dtype) and dtype.kind in "biuf") or \
            isinstance(dtype, pd.api.extensions.ExtensionDtype):
        return name if name in SUPPORTED else None
    return None


def describe(table: pd.DataFrame, what: str, *, source: str, fmt: str) -> dict[str, str]:
    """Column -> dtype name for every column of ``table``; an unsupported dtype raises.

    ``what`` names the table (``"actors"``), ``fmt`` the format, both for the message.
    """
    out = {}
    for column in table.columns:
        name = dtype_name(table[column])
        if name is None:
            raise FormatError(
                f"{what} column '{column}' has dtype {table[column].dtype}, which {fmt} cannot "
                f"store exactly. Supported: text ('str'), integers, floats and booleans "
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
    types = {type(v) for v in data}
    checked = name in SUPPORTED
    plain_types: dict[str, set[type]] = {
        "str": {str}, "string": {str}, "bool": {bool}, "boolean": {bool},
        "float64": {float, int}, "Float64": {float, int}}
    plain_ok = plain_types.get(name)
    simple = plain_ok is not None and types <= (plain_ok | {type(None)})
    if (checked and not simple) or (None in data and name not in _NULLABLE):
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
    if name in _FLOAT and str in types:
        data = [NON_FINITE[v.strip().lower()] if isinstance(v, str) else v for v in data]
    if name == "str":
        return pd.Series(data, dtype=object).astype("str")
    if name in _FLOAT and name in _FLOATS:
        return pd.Series([math.nan if v is None else v for v in data], dtype=name)
    dtype: Any = name  # a dtype name from SUPPORTED or of a graph library, checked above
    try:
        return pd.Series(pd.array(data, dtype=dtype) if checked else data,
                         dtype=dtype if checked else None).astype(dtype)
    except (TypeError, ValueError, OverflowError) as exc:
        raise FormatError(f"cannot rebuild column '{column}' as {name}: {exc}", source=source,
                          field=column) from None


def infer(data: Sequence[Any]) -> str:
    """A dtype name for values without a stored dtype (files written by other programs).

    Text -> ``"str"``; integers -> ``"int64"`` (``"Int64"`` with missing values); numbers with a
    fraction -> ``"float64"``; booleans -> ``"bool"`` (``"boolean"`` with missing values);
    all missing -> ``"str"``. Mixed types give ``"object"`` and are left to validation.
    """
    types = {type(v) for v in data} - {type(None)}
    has_missing = any(v is None for v in data)
    if not types or types <= {str}:
        return "str"
    if types <= {bool, np.bool_}:
        return "boolean" if has_missing else "bool"
    if not types & {bool, np.bool_, str}:
        if all(issubclass(t, int | np.integer) for t in types):
            return "Int64" if has_missing else "int64"
        return "float64"
    return "object"
