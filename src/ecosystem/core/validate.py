"""Validation and normalisation of actors and ties tables (vectorised; no per-row Python loops).

Every reader ends here. Problems raise an :class:`~ecosystem.core.errors.EcosystemError` subclass
naming the table or file, the (0-based) row, the field and the value; nothing is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from ecosystem.core.errors import (
    DanglingTieError,
    DuplicateIdError,
    DuplicateTieError,
    InvalidWeightError,
    MissingColumnError,
    MissingIdError,
    SelfLoopError,
    UnknownKindError,
    ValidationError,
    WrongTypeError,
    suggest,
)
from ecosystem.core.schema import SECTORS, Schema, normalize_name

ACTOR_COLUMNS = ("id", "kind", "domain", "sector", "neighbourhood", "capacity")
TIE_COLUMNS = ("source", "target", "kind", "weight")
STR: Final = "str"


@dataclass(frozen=True)
class Where:
    """Where a table came from, for error messages: a name and the file line of data row 0."""

    source: str
    first_line: int | None = None

    def at(self, row: int | None) -> dict:
        line = None if row is None or self.first_line is None else row + self.first_line
        return {"source": self.source, "row": row, "line": line}


def _as_frame(table: object, where: Where) -> pd.DataFrame:
    if not isinstance(table, pd.DataFrame):
        raise WrongTypeError(
            f"expected a pandas DataFrame, got {type(table).__name__}", source=where.source
        )
    bad = [c for c in table.columns if not isinstance(c, str)]
    if bad:
        raise WrongTypeError(
            f"column names must be strings; got {bad[:3]!r}. Rename them, e.g. "
            "df.columns = df.columns.astype(str)", source=where.source
        )
    dup = table.columns[table.columns.duplicated()].tolist()
    if dup:
        raise ValidationError(f"column(s) {dup} appear more than once", source=where.source)
    return table.reset_index(drop=True)


def _require(table: pd.DataFrame, columns: tuple[str, ...], where: Where) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise MissingColumnError(
            f"required column(s) {missing} missing; columns present: {list(table.columns)}",
            source=where.source, field=missing[0],
        )


def _strings(col: pd.Series, name: str, where: Where, *, required: bool) -> pd.Series:
    """Check a column holds strings (missing allowed unless ``required``); return as ``str``."""
    values = col
    missing = values.isna().to_numpy()
    if not (pd.api.types.is_string_dtype(values.dtype) and values.dtype != object):
        kinds = pd.api.types.infer_dtype(values[~missing], skipna=True)
        if kinds not in ("string", "empty") and (~missing).any():
            nonstr = values[~missing].map(lambda v: not isinstance(v, str)).to_numpy()
            row = int(np.flatnonzero(~missing)[np.flatnonzero(nonstr)[0]])
            raise WrongTypeError(
                f"value {values.iloc[row]!r} ({type(values.iloc[row]).__name__}) is not a string; "
                f"'{name}' must hold text. Convert it first, e.g. df['{name}'] = "
                f"df['{name}'].astype(str)", field=name, **where.at(row),
            )
    out = values.astype(STR)
    if required:
        blank = missing | (out.str.strip().fillna("") == "").to_numpy()
        if blank.any():
            row = int(np.flatnonzero(blank)[0])
            raise MissingIdError(
                f"'{name}' is empty; every row needs a non-empty {name}", field=name,
                **where.at(row),
            )
    return out


def _resolve(col: pd.Series, what: str, schema: Schema, name: str, where: Where) -> pd.Series:
    """Map names (ids or aliases, any case) to canonical ids via the schema, per unique value."""
    codes, uniques = pd.factorize(col, use_na_sentinel=True)
    table = schema.lookup_table(what)
    canon = []
    for i, value in enumerate(uniques):
        hit = table.get(normalize_name(value))
        if hit is None:
            row = int(np.argmax(codes == i))
            raise UnknownKindError(
                f"'{value}' is not a known {what}" + suggest(normalize_name(value), table)
                + f" Known: {', '.join(sorted(set(table.values())))}. Use a known id or "
                "alias, or add it with Schema.default().extend(...)",
                field=name, **where.at(row),
            )
        canon.append(hit)
    out = np.asarray(canon, dtype=object)[codes] if len(codes) else np.asarray([], dtype=object)
    result = pd.Series(out, index=col.index, dtype=STR)
    if (codes < 0).any():
        result[codes < 0] = np.nan
    return result


def _number(col: pd.Series, name: str, where: Where) -> np.ndarray:
    if pd.api.types.is_bool_dtype(col.dtype) or not pd.api.types.is_numeric_dtype(col.dtype):
        converted = pd.to_numeric(col, errors="coerce")
        # Text such as "NaN" or "inf" is a number; the caller's range check rejects it by name.
        spelled_nan = col.astype("str").str.strip().str.lower().isin(["nan", "+nan", "-nan"])
        bad = converted.isna().to_numpy() & col.notna().to_numpy() & ~spelled_nan.to_numpy()
        if pd.api.types.is_bool_dtype(col.dtype):
            bad = np.ones(len(col), dtype=bool)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise WrongTypeError(
                f"value {col.iloc[row]!r} is not a number; '{name}' must be numeric",
                field=name, **where.at(row),
            )
        col = converted
    return col.to_numpy(dtype=np.float64, na_value=np.nan)


def normalize_actors(actors: object, schema: Schema, where: Where) -> pd.DataFrame:
    """Return the canonical actors table (columns :data:`ACTOR_COLUMNS`, then extras)."""
    table = _as_frame(actors, where)
    _require(table, ("id", "kind"), where)
    out = {"id": _strings(table["id"], "id", where, required=True)}
    dup = out["id"].duplicated(keep=False).to_numpy()
    if dup.any():
        rows = np.flatnonzero(dup)
        first = out["id"].iloc[rows[0]]
        same = rows[(out["id"].iloc[rows] == first).to_numpy()]
        raise DuplicateIdError(
            f"actor id '{first}' appears more than once (rows {', '.join(map(str, same[:5]))}); "
            "actor ids must be unique", field="id", **where.at(int(same[1])),
        )
    kind = _strings(table["kind"], "kind", where, required=True)
    out["kind"] = _resolve(kind, "actor kind", schema, "kind", where)
    kind_domain = out["kind"].map({k: a.domain for k, a in schema.actor_kinds.items()})
    if "domain" in table.columns:
        given = _strings(table["domain"], "domain", where, required=False)
        domain = _resolve(given, "domain", schema, "domain", where)
        out["domain"] = domain.where(given.notna(), kind_domain).astype(STR)
    else:
        out["domain"] = kind_domain.astype(STR)
    derived_sector = out["domain"].map(dict(SECTORS)).astype(STR)
    if "sector" in table.columns:
        given = _strings(table["sector"], "sector", where, required=False)
        lowered = given.str.strip().str.lower()
        bad = (lowered.notna() & ~lowered.isin(set(SECTORS.values()))).to_numpy()
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise UnknownKindError(
                f"'{given.iloc[row]}' is not a sector; use 'formal' or 'informal' or leave it "
                "empty to derive it from the domain", field="sector", **where.at(row),
            )
        out["sector"] = lowered.where(lowered.notna(), derived_sector).astype(STR)
    else:
        out["sector"] = derived_sector
    if "neighbourhood" in table.columns:
        out["neighbourhood"] = _strings(table["neighbourhood"], "neighbourhood", where,
                                        required=False)
    else:
        out["neighbourhood"] = pd.Series(np.nan, index=table.index, dtype=STR)
    if "capacity" in table.columns:
        cap = _number(table["capacity"], "capacity", where)
        bad = np.isinf(cap) | (cap < 0)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise ValidationError(
                f"capacity {float(cap[row])!r} is not allowed; use a non-negative finite "
                "number, or leave it empty for unknown", field="capacity", **where.at(row),
            )
        out["capacity"] = pd.Series(cap, index=table.index)
    else:
        out["capacity"] = pd.Series(np.nan, index=table.index, dtype=np.float64)
    result = pd.DataFrame(out, index=table.index)
    for c in table.columns:
        if c not in ACTOR_COLUMNS:
            result[c] = table[c]
    return result


@dataclass(frozen=True)
class TieArrays:
    """The validated ties table and the integer positions of each tie's ends."""

    ties: pd.DataFrame
    source: np.ndarray
    target: np.ndarray


def normalize_ties(
    ties: object, ids: pd.Index, schema: Schema, where: Where
) -> TieArrays:
    """Return the canonical ties table (columns :data:`TIE_COLUMNS`, then extras) and positions."""
    table = _as_frame(ties, where)
    _require(table, ("source", "target"), where)
    n = len(ids)
    # Blank or missing ends cannot match an (always non-blank) actor id, so they are found on
    # the error path of the id lookup instead of by a costly scan of every row.
    src_s = _strings(table["source"], "source", where, required=False)
    tgt_s = _strings(table["target"], "target", where, required=False)
    positions = []
    for name, col in (("source", src_s), ("target", tgt_s)):
        pos = ids.get_indexer(pd.Index(col, copy=False))
        if (pos < 0).any():
            row = int(np.flatnonzero(pos < 0)[0])
            value = col.iloc[row]
            if pd.isna(value) or not str(value).strip():
                raise MissingIdError(
                    f"'{name}' is empty; every tie needs a {name} actor id", field=name,
                    **where.at(row),
                )
            hint = suggest(value, ids) if n <= 20_000 else ""
            raise DanglingTieError(
                f"tie {name} '{value}' is not an actor id{hint} Add the actor to the actors "
                "table or correct the id", field=name, **where.at(row),
            )
        positions.append(pos.astype(np.int64 if n > np.iinfo(np.int32).max else np.int32))
    src, tgt = positions
    if "kind" in table.columns:
        given = _strings(table["kind"], "kind", where, required=False)
        kind = _resolve(given.fillna(schema.default_tie_kind), "tie kind", schema, "kind", where)
    else:
        kind = pd.Series(schema.default_tie_kind, index=table.index, dtype=STR)
    if "weight" in table.columns:
        weight = _number(table["weight"], "weight", where)
        bad = ~np.isfinite(weight) | (weight < 0)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise InvalidWeightError(
                f"weight {float(weight[row])!r} is not allowed; tie weights are strengths and "
                "must be finite and >= 0", field="weight", **where.at(row),
            )
    else:
        weight = np.ones(len(table), dtype=np.float64)
    kind_ids = list(schema.tie_kinds)
    codes = pd.Categorical(kind, categories=kind_ids).codes.astype(np.int64)
    loops_ok = np.array([schema.tie_kinds[k].self_loops for k in kind_ids], dtype=bool)
    loop = (src == tgt) & ~loops_ok[codes]
    if loop.any():
        row = int(np.flatnonzero(loop)[0])
        k = kind.iloc[row]
        raise SelfLoopError(
            f"{k} tie from '{src_s.iloc[row]}' to itself; tie kind '{k}' does not allow "
            "self-loops. Remove the tie, or allow them with Schema.default().extend(tie_kinds="
            f"[TieKind('{k}', ..., self_loops=True)], replace=True)", field="target",
            **where.at(row),
        )
    mutual = np.array([not schema.tie_kinds[k].directed for k in kind_ids], dtype=bool)[codes]
    a = np.where(mutual, np.minimum(src, tgt), src).astype(np.int64)
    b = np.where(mutual, np.maximum(src, tgt), tgt).astype(np.int64)
    key = (codes * max(n, 1) + a) * max(n, 1) + b
    dup = pd.Series(key).duplicated(keep=False).to_numpy()
    if dup.any():
        rows = np.flatnonzero(dup)
        same = rows[key[rows] == key[rows[0]]]
        raise DuplicateTieError(
            f"{kind.iloc[same[0]]} tie between '{src_s.iloc[same[0]]}' and "
            f"'{tgt_s.iloc[same[0]]}' appears more than once (rows "
            f"{', '.join(map(str, same[:5]))}); combine them into one tie (e.g. sum the weights)",
            field="source", **where.at(int(same[1])),
        )
    result = pd.DataFrame(
        {"source": src_s, "target": tgt_s, "kind": kind, "weight": weight}, index=table.index
    )
    for c in table.columns:
        if c not in TIE_COLUMNS:
            result[c] = table[c]
    return TieArrays(result, src, tgt)

