"""Helpers shared by the graph formats (GraphML, networkx, igraph): tables from attributes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ecosystem.core.errors import ConfigError, FormatError, ValidationError
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
    kinds: list[Any], undirected: np.ndarray, schema: Schema, where: Where
) -> list[Any]:
    """Edge kinds with defaults filled in, refusing a directed kind on an undirected edge.

    A missing kind is the schema's default tie kind (``referral``) on a directed edge and
    :func:`undirected_kind` on an undirected one. An undirected edge whose kind is directed has
    lost its direction, so it raises ValidationError rather than guessing one.
    """
    lookup = schema.lookup_table("tie kind")
    mutual_default = None
    out = list(kinds)
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
