"""Helpers shared by the graph formats (GraphML, networkx, igraph): tables from attributes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ecosystem.core.errors import ConfigError, DuplicateColumnError, FormatError, ValidationError
from ecosystem.core.report import Collector
from ecosystem.core.schema import Schema, normalize_name
from ecosystem.core.validate import Where
from ecosystem.io import _columns


def table(
    columns: Mapping[str, Sequence[Any]],
    n: int,
    dtypes: Mapping[str, str] | None,
    *,
    source: str,
    fixed: Mapping[str, str] = {},
) -> pd.DataFrame:
    """A DataFrame of ``n`` rows from per-column value lists (``None`` = missing).

    A column's dtype is the stored one (``dtypes``), else ``fixed`` (id columns are text), else
    inferred from its values. Stored columns with no values at all (an attribute no node has)
    are rebuilt as all-missing columns of their dtype, so empty columns survive.
    """
    out: dict[str, pd.Series] = {}
    names = list(columns)
    for c in dtypes or {}:
        if c not in columns and c not in fixed:
            names.append(c)
    for c in names:
        vals = list(columns.get(c, [None] * n))
        dtype = (dtypes or {}).get(c) or fixed.get(c) or _columns.infer(vals)
        if dtype == "object":
            out[c] = pd.Series(vals, dtype=object)
        else:
            out[c] = _columns.build(vals, dtype, column=c, source=source)
    return pd.DataFrame(out, index=pd.RangeIndex(n))


def undirected_kind(schema: Schema) -> str:
    """The tie kind of an undirected edge that names none: ``collaboration``, the mutual kind."""
    mutual = [k for k, t in schema.tie_kinds.items() if not t.directed]
    if "collaboration" in mutual:
        return "collaboration"
    if not mutual:
        raise ConfigError("the schema has no mutual tie kind, so undirected edges without a "
                          "'kind' cannot be read; give every edge a kind")
    return mutual[0]


def fill_kinds(
    kinds: list[Any], undirected: np.ndarray, schema: Schema, where: Where,
    notes: Collector | None = None,
) -> list[Any]:
    """Edge kinds with defaults filled in, refusing a directed kind on an undirected edge.

    A missing kind is the schema's default tie kind (``referral``) on a directed edge and
    :func:`undirected_kind` on an undirected one. An undirected edge whose kind is directed has
    lost its direction, so it raises ValidationError rather than guessing one.
    """
    lookup = schema.lookup_table("tie kind")
    mutual_default = None
    out = list(kinds)
    filled = int(sum(1 for row in np.flatnonzero(undirected) if out[row] is None))
    if filled and notes is not None:
        notes.info("defaults", where.source, f"{filled} undirected edges without a kind: taken "
                   f"as '{undirected_kind(schema)}' (mutual)")
    for row in np.flatnonzero(undirected):
        value = out[row]
        if value is None:
            mutual_default = mutual_default or undirected_kind(schema)
            out[row] = mutual_default
            continue
        canon = lookup.get(normalize_name(value)) if isinstance(value, str) else None
        if canon is not None and schema.tie_kinds[canon].directed:
            raise ValidationError(
                f"an undirected edge has the directed tie kind '{value}'; its direction is "
                "lost. Store it in a directed graph (source -> target), or give it a mutual "
                f"kind ({', '.join(sorted(schema.mutual_tie_kinds))})", field="kind",
                **where.at(int(row)))
    return out


def check_names(names: Sequence[str], reserved: Sequence[str], what: str, source: str) -> None:
    """Refuse attribute names that clash with the id columns (``id``, ``source``, ``target``)."""
    for name in names:
        if name in reserved:
            raise FormatError(f"{what} attribute '{name}' clashes with the {name} of the "
                              f"{what}; rename it", source=source, field=name)


def encode_neighbourhoods(table: pd.DataFrame, *, source: str, fmt: str) -> dict[str, Any]:
    """The neighbourhoods table as ``{"columns", "dtypes", "data"}`` (plain values, rows).

    The first column is ``neighbourhood`` (the index). Graph formats store it as a graph
    attribute (GraphML: JSON text).
    """
    flat = table.reset_index()
    dtypes = _columns.describe(flat, "neighbourhoods", source=source, fmt=fmt)
    cols = []
    for column, name in dtypes.items():
        vals = _columns.values(flat[column])
        if name.lower().startswith("float"):
            vals = [v if v is None or np.isfinite(v) else ("inf" if v > 0 else "-inf")
                    for v in vals]
        cols.append(vals)
    rows = [list(r) for r in zip(*cols, strict=True)] if cols else []
    return {"columns": list(dtypes), "dtypes": list(dtypes.values()), "data": rows}


def decode_neighbourhoods(data: object, *, source: str) -> pd.DataFrame | None:
    """Rebuild the table written by :func:`encode_neighbourhoods` (``None`` when absent)."""
    if data is None:
        return None
    if not isinstance(data, Mapping):
        raise FormatError("the neighbourhoods table must be {'columns': [...], 'dtypes': [...], "
                          "'data': [[...], ...]}", source=source, field="neighbourhoods")
    ok = (isinstance(data.get("columns"), list) and isinstance(data.get("data"), list)
          and all(isinstance(c, str) for c in data["columns"]))
    dtypes = data.get("dtypes")
    if ok and dtypes is not None:
        ok = isinstance(dtypes, list) and len(dtypes) == len(data["columns"]) and all(
            d in _columns.SUPPORTED for d in dtypes)
    if not ok:
        raise FormatError("the neighbourhoods table must be {'columns': [...], 'dtypes': [...], "
                          "'data': [[...], ...]}", source=source, field="neighbourhoods")
    columns = data["columns"]
    rows = data["data"]
    for row, values in enumerate(rows):
        if not isinstance(values, list) or len(values) != len(columns):
            raise FormatError(f"each row must list {len(columns)} values", source=source,
                              row=row, field="neighbourhoods")
    out = {}
    for j, column in enumerate(columns):
        vals = [r[j] for r in rows]
        dtype = dtypes[j] if dtypes is not None else _columns.infer(vals)
        out[column] = (pd.Series(vals, dtype=object) if dtype == "object" else
                       _columns.build(vals, dtype, column=column, source=source))
    return pd.DataFrame(out, index=pd.RangeIndex(len(rows)))


def canonical_ties(cols: dict[str, list], n: int, schema: Schema, source: str,
                   notes: Collector) -> dict[str, list]:
    """Edge attributes with aliases of ``kind`` and ``weight`` renamed (``soort``, ``gewicht``).

    Graph readers fill missing kinds and weights per edge before the core sees the table, so
    these two fields are found here (each renaming a note); both present under two names is a
    DuplicateColumnError naming both. ``kind`` and ``weight`` are always present afterwards.
    """
    out = dict(cols)
    for fld in ("kind", "weight"):
        names = [c for c in cols if schema.column_field("ties", c) == fld]
        names.sort(key=lambda c: c != fld)
        if len(names) > 1:
            raise DuplicateColumnError(
                f"attributes {' and '.join(repr(c) for c in names)} both stand for the field "
                f"'{fld}'; keep one and rename or remove the other", source=source, field=fld)
        if names and names[0] != fld:
            out[fld] = out.pop(names[0])
            notes.info("columns", source, f"column '{names[0]}' read as '{fld}'")
        out.setdefault(fld, [None] * n)
    return out
