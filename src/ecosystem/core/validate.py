"""Validation and normalisation of actors, ties and neighbourhoods tables (vectorised).

Every reader ends here, so column aliases (:data:`~ecosystem.core.schema.COLUMN_ALIASES`),
defaults, whitespace stripping and kind aliases are handled once, for every format, and each
is written down in the read report (:mod:`ecosystem.core.report`). Problems raise an
:class:`~ecosystem.core.errors.EcosystemError` subclass naming the table or file, the (0-based)
row, the field and the value; nothing is dropped. Under
:func:`~ecosystem.core.report.collecting` every problem is gathered instead of the first raised.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from ecosystem.core.errors import (
    DanglingTieError,
    DuplicateColumnError,
    DuplicateIdError,
    DuplicateTieError,
    EcosystemError,
    InvalidWeightError,
    MissingColumnError,
    MissingIdError,
    SelfLoopError,
    UnknownKindError,
    ValidationError,
    WrongTypeError,
    suggest,
)
from ecosystem.core.report import _PROBLEMS, Collector, fail
from ecosystem.core.schema import SECTORS, Schema, column_key, normalize_name

ACTOR_COLUMNS = ("id", "kind", "domain", "sector", "neighbourhood", "capacity")
TIE_COLUMNS = ("source", "target", "kind", "weight")
NEIGHBOURHOOD_COLUMNS = ("residents", "ses")
#: Prefix of the neighbourhood table's demand columns: ``demand_<need>``.
DEMAND: Final = "demand_"
#: Actor column prefixes of per-actor flow parameters (kept as they are, never "misspelt").
_ACTOR_PREFIXES = ("resolve_", "entry_")
STR: Final = "str"


@dataclass(frozen=True)
class Where:
    """Where a table came from, for error messages: a name and the file line of data row 0."""

    source: str
    first_line: int | None = None

    def at(self, row: int | None) -> dict:
        line = None if row is None or self.first_line is None else row + self.first_line
        return {"source": self.source, "row": row, "line": line}


def _rows(mask: np.ndarray) -> np.ndarray:
    """Offending rows to name: the first only when raising, up to the limit when collecting."""
    rows = np.flatnonzero(mask)
    problems = _PROBLEMS.get()
    return rows[:1] if problems is None else rows[:max(problems.limit, 1)]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


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


def map_columns(
    table: pd.DataFrame, what: str, schema: Schema, where: Where, notes: Collector
) -> pd.DataFrame:
    """Rename columns given by an alias (``gewicht``, ``wijk``, ``Soort``) to their field.

    Two columns for one field raise :class:`DuplicateColumnError` naming both. Every renaming
    is a note; columns that are no field are kept as attributes (a note lists them), and one
    whose name is close to a field or alias (``gewciht``) is a warning with the suggestion.
    """
    names = schema.column_names(what)
    by_field: dict[str, list[str]] = {}
    for c in table.columns:
        fld = names.get(column_key(c))
        if fld is not None:
            by_field.setdefault(fld, []).append(c)
    rename, drop = {}, []
    for fld, cols in by_field.items():
        cols = sorted(cols, key=lambda c: c != fld)  # the exact field name first
        if len(cols) > 1:
            fail(DuplicateColumnError(
                f"columns {' and '.join(repr(c) for c in cols)} both stand for the field "
                f"'{fld}'; keep one and rename or remove the other (the aliases of each field "
                "are listed in ecosystem.COLUMN_ALIASES)", source=where.source, field=fld))
            drop += cols[1:]
        if cols[0] != fld:
            rename[cols[0]] = fld
            notes.info("columns", where.source, f"column '{cols[0]}' read as '{fld}'")
    mapped = set(rename) | set(drop) | set(by_field)
    extras = [c for c in table.columns if c not in mapped]
    known = {column_key(n): n for fld, aliases in schema.columns[what].items()
             for n in (fld, *aliases)}
    fields = dict(names)
    plain = []
    for c in extras:
        key = column_key(c)
        if what == "actors" and c.startswith(_ACTOR_PREFIXES):
            plain.append(c)
            continue
        if what == "neighbourhoods" and key.startswith(column_key(DEMAND)):
            continue
        close = [k for k in difflib.get_close_matches(key, list(known), n=3, cutoff=0.8)
                 if abs(len(k) - len(key)) <= 2] if len(key) >= 4 else []
        if close:
            hint = known[close[0]]
            notes.warn("columns", where.source,
                       f"column '{c}' is not a known column and is kept as an attribute; did "
                       f"you mean '{hint}' (the field '{fields[close[0]]}')? Rename it if so")
        else:
            plain.append(c)
    if plain:
        notes.info("attributes", where.source, "column" + ("s " if len(plain) > 1 else " ")
                   + ", ".join(f"'{c}'" for c in plain) + " kept as attribute"
                   + ("s" if len(plain) > 1 else "") + " (not a field of the "
                   + what + " table)", change=False)
    out = table.drop(columns=drop) if drop else table
    return out.rename(columns=rename) if rename else out


def _require(table: pd.DataFrame, columns: tuple[str, ...], what: str, schema: Schema,
             where: Where) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        aliases = schema.columns[what][missing[0]]
        accepted = f" (or {', '.join(repr(a) for a in aliases)})" if aliases else ""
        raise MissingColumnError(
            f"required column(s) {missing} missing; columns present: {list(table.columns)}. "
            f"Name the column '{missing[0]}'{accepted}",
            source=where.source, field=missing[0],
        )


def _strings(col: pd.Series, name: str, where: Where, notes: Collector | None, *,
             required: bool, what: str = "row") -> pd.Series:
    """Check a column holds text (missing allowed unless ``required``); return it stripped.

    Surrounding spaces are removed (a note counts the values changed); a value that is
    blank after stripping is missing (a note counts them) or, when ``required``, an error.
    """
    values = col
    missing = values.isna().to_numpy()
    if not (pd.api.types.is_string_dtype(values.dtype) and values.dtype != object):
        kinds = pd.api.types.infer_dtype(values[~missing], skipna=True)
        if kinds not in ("string", "empty") and (~missing).any():
            nonstr = values.map(lambda v: not isinstance(v, str)).to_numpy() & ~missing
            for row in _rows(nonstr):
                row = int(row)
                fail(WrongTypeError(
                    f"value {values.iloc[row]!r} ({type(values.iloc[row]).__name__}) is not a "
                    f"string; '{name}' must hold text. Convert it first, e.g. df['{name}'] = "
                    f"df['{name}'].astype(str)", field=name, **where.at(row)))
            values = values.where(~nonstr, np.nan)
    out = values.astype(STR)
    stripped = out.str.strip()
    present = out.notna().to_numpy()
    changed = present & (out.str.len() != stripped.str.len()).fillna(False).to_numpy(
        dtype=bool)
    n_changed = int(changed.sum())
    if n_changed:
        out = stripped
    blank = present & (out.str.len() == 0).fillna(False).to_numpy(dtype=bool)
    if required:
        blank_or_missing = blank | ~present
        for row in _rows(blank_or_missing):
            fail(MissingIdError(f"'{name}' is empty; every {what} needs a non-empty {name}",
                                field=name, **where.at(int(row))))
    if n_changed and notes is not None:
        notes.info("values", where.source, f"{name}: surrounding spaces removed from "
                   f"{_plural(n_changed, 'value')}")
    if blank.any():
        out = out.mask(pd.Series(blank, index=out.index))
        if notes is not None and not required:
            notes.info("values", where.source, f"{name}: {_plural(int(blank.sum()), 'value')} "
                       "holding only spaces read as missing")
    return out


def _resolve(col: pd.Series, what: str, schema: Schema, name: str, where: Where,
             notes: Collector | None) -> pd.Series:
    """Map names (ids or aliases, any case) to canonical ids via the schema, per unique value."""
    codes, uniques = pd.factorize(col, use_na_sentinel=True)
    table = schema.lookup_table(what)
    canon = []
    for i, value in enumerate(uniques):
        hit = table.get(normalize_name(value))
        if hit is None:
            row = int(np.argmax(codes == i))
            fail(UnknownKindError(
                f"'{value}' is not a known {what}"
                + (suggest(normalize_name(value), table) or ".")
                + f" Known: {', '.join(sorted(set(table.values())))}. Use a known id or "
                "alias, or add it with Schema.default().extend(...)",
                field=name, **where.at(row),
            ))
        canon.append(hit)
    if notes is not None:
        counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
        renamed = [(str(v), c, int(n)) for v, c, n in zip(uniques, canon, counts, strict=True)
                   if c is not None and c != v]
        if renamed:
            total = sum(n for *_, n in renamed)
            shown = ", ".join(f"'{v}' -> '{c}' {n}x" for v, c, n in renamed[:6])
            more = f", and {len(renamed) - 6} more names" if len(renamed) > 6 else ""
            notes.info("values", where.source, f"{name}: {_plural(total, 'value')} written as "
                       f"canonical ids ({shown}{more})")
    # the canonical names taken by code (-1, missing, stays missing): no string per row
    lookup = pd.array([np.nan if c is None else c for c in canon], dtype=STR)
    return pd.Series(lookup.take(codes, allow_fill=True), index=col.index, dtype=STR)


def _number(col: pd.Series, name: str, where: Where) -> np.ndarray:
    if pd.api.types.is_bool_dtype(col.dtype) or not pd.api.types.is_numeric_dtype(col.dtype):
        converted = pd.to_numeric(col, errors="coerce")
        # Text such as "NaN" or "inf" is a number; the caller's range check rejects it by name.
        spelled_nan = col.astype("str").str.strip().str.lower().isin(["nan", "+nan", "-nan"])
        bad = converted.isna().to_numpy() & col.notna().to_numpy() & ~spelled_nan.to_numpy()
        if pd.api.types.is_bool_dtype(col.dtype):
            bad = np.ones(len(col), dtype=bool)
        for row in _rows(bad):
            row = int(row)
            fail(WrongTypeError(
                f"value {col.iloc[row]!r} is not a number; '{name}' must be numeric",
                field=name, **where.at(row),
            ))
        col = converted.where(~bad, np.nan) if bad.any() else converted
    return col.to_numpy(dtype=np.float64, na_value=np.nan)


def _actor_ids(table: pd.DataFrame, where: Where, sink: Collector) -> pd.Series:
    """The stripped ids; duplicates (also once spaces are removed) are errors naming both."""
    ids = _strings(table["id"], "id", where, sink, required=True, what="actor")
    dup = ids.duplicated(keep=False).to_numpy() & ids.notna().to_numpy()
    if not dup.any():
        return ids
    first_rows = np.flatnonzero(dup & ~ids.duplicated(keep="first").to_numpy())
    raw = table["id"]
    for r0 in _rows(np.isin(np.arange(len(ids)), first_rows)):
        same = np.flatnonzero(dup & (ids == ids.iloc[int(r0)]).to_numpy())
        spaces = len({str(raw.iloc[i]) for i in same}) > 1
        fail(DuplicateIdError(
            f"actor id '{ids.iloc[int(r0)]}' appears more than once (rows "
            f"{', '.join(map(str, same[:5]))}"
            + (", once spaces around the ids are removed: "
               + " and ".join(repr(str(raw.iloc[i])) for i in same[:3]) if spaces else "")
            + "); actor ids must be unique", field="id", **where.at(int(same[1]))))
    return ids


def _actor_domain(table: pd.DataFrame, kind: pd.Series, schema: Schema, where: Where,
                  sink: Collector) -> pd.Series:
    """The domain column: as given (any alias), else derived from the kind (noted)."""
    kind_domain = kind.map({k: a.domain for k, a in schema.actor_kinds.items()})
    n = len(table)
    if "domain" not in table.columns:
        if n:
            sink.info("defaults", where.source, "no domain column: domain derived from the "
                      f"kind for all {n} actors")
        return kind_domain.astype(STR)
    given = _strings(table["domain"], "domain", where, sink, required=False)
    domain = _resolve(given, "domain", schema, "domain", where, sink)
    filled = int(given.isna().sum())
    if filled:
        sink.info("defaults", where.source, f"domain empty for {_plural(filled, 'actor')}: "
                  "derived from the kind")
    return domain.where(given.notna(), kind_domain).astype(STR)


def _actor_sector(table: pd.DataFrame, domain: pd.Series, where: Where,
                  sink: Collector) -> pd.Series:
    """The sector column: as given (lower case), else derived from the domain (noted)."""
    derived = domain.map(dict(SECTORS)).astype(STR)
    n = len(table)
    if "sector" not in table.columns:
        if n:
            sink.info("defaults", where.source, "no sector column: sector derived from the "
                      f"domain for all {n} actors")
        return derived
    given = _strings(table["sector"], "sector", where, sink, required=False)
    lowered = given.str.lower()
    bad = (lowered.notna() & ~lowered.isin(set(SECTORS.values()))).to_numpy()
    for row in _rows(bad):
        fail(UnknownKindError(
            f"'{given.iloc[int(row)]}' is not a sector; use 'formal' or 'informal' or leave it "
            "empty to derive it from the domain", field="sector", **where.at(int(row))))
    case = int((lowered.notna() & (lowered != given)).sum())
    if case:
        sink.info("values", where.source, f"sector: {_plural(case, 'value')} written in lower "
                  "case")
    filled = int(given.isna().sum())
    if filled:
        sink.info("defaults", where.source, f"sector empty for {_plural(filled, 'actor')}: "
                  "derived from the domain")
    return lowered.where(lowered.notna(), derived).astype(STR)


def _actor_neighbourhood(table: pd.DataFrame, where: Where, sink: Collector) -> pd.Series:
    """The neighbourhood column (stripped); missing means shared (noted)."""
    n = len(table)
    if "neighbourhood" not in table.columns:
        if n:
            sink.info("defaults", where.source, f"no neighbourhood column: all {n} actors "
                      "shared (no neighbourhood)")
        return pd.Series(np.nan, index=table.index, dtype=STR)
    out = _strings(table["neighbourhood"], "neighbourhood", where, sink, required=False)
    shared = int(out.isna().sum())
    if shared:
        sink.info("defaults", where.source, f"neighbourhood empty for "
                  f"{_plural(shared, 'actor')}: shared (no neighbourhood)", change=False)
    return out


def _actor_capacity(table: pd.DataFrame, where: Where, sink: Collector) -> pd.Series:
    """The capacity column: non-negative finite numbers, missing = unknown."""
    n = len(table)
    if "capacity" not in table.columns:
        if n:
            sink.info("defaults", where.source, f"no capacity column: capacity unknown for "
                      f"all {n} actors", change=False)
        return pd.Series(np.nan, index=table.index, dtype=np.float64)
    cap = _number(table["capacity"], "capacity", where)
    for row in _rows(np.isinf(cap) | (cap < 0)):
        fail(ValidationError(
            f"capacity {float(cap[int(row)])!r} is not allowed; use a non-negative finite "
            "number, or leave it empty for unknown", field="capacity", **where.at(int(row))))
    return pd.Series(cap, index=table.index)


def normalize_actors(actors: object, schema: Schema, where: Where,
                     notes: Collector | None = None) -> pd.DataFrame:
    """Return the canonical actors table (columns :data:`ACTOR_COLUMNS`, then extras)."""
    table = _as_frame(actors, where)
    sink = notes if notes is not None else Collector()
    table = map_columns(table, "actors", schema, where, sink)
    _require(table, ("id", "kind"), "actors", schema, where)
    out = {"id": _actor_ids(table, where, sink)}
    kind = _strings(table["kind"], "kind", where, sink, required=True, what="actor")
    out["kind"] = _resolve(kind, "actor kind", schema, "kind", where, sink)
    out["domain"] = _actor_domain(table, out["kind"], schema, where, sink)
    out["sector"] = _actor_sector(table, out["domain"], where, sink)
    out["neighbourhood"] = _actor_neighbourhood(table, where, sink)
    out["capacity"] = _actor_capacity(table, where, sink)
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


def _tie_positions(col: pd.Series, name: str, ids: pd.Index, where: Where) -> np.ndarray:
    """Positions of the tie ends ``col`` among ``ids``; an unknown or empty end is an error."""
    n = len(ids)
    lookup = ids if ids.is_unique else ids[~ids.duplicated()]  # duplicates are reported already
    # Blank or missing ends cannot match an (always non-blank) actor id, so they are found on
    # the error path of the id lookup instead of by a costly scan of every row.
    pos = lookup.get_indexer(pd.Index(col, copy=False))
    for row in _rows(pos < 0):
        row = int(row)
        value = col.iloc[row]
        if pd.isna(value):
            fail(MissingIdError(f"'{name}' is empty; every tie needs a {name} actor id",
                                field=name, **where.at(row)))
            continue
        hint = suggest(value, lookup) if n <= 20_000 else ""
        fail(DanglingTieError(
            f"tie {name} '{value}' is not an actor id{hint} Add the actor to the actors "
            "table or correct the id", field=name, **where.at(row)))
    pos = np.where(pos < 0, 0, pos)  # only reached when problems are being collected
    return pos.astype(np.int64 if n > np.iinfo(np.int32).max else np.int32)


def _tie_kinds(table: pd.DataFrame, schema: Schema, where: Where, sink: Collector
               ) -> tuple[pd.Series, np.ndarray | None]:
    """Canonical tie kinds; a missing kind is the schema's default tie kind (noted). Also
    their positions among the schema's tie kinds where known without a look at every tie
    (see :func:`_canonical_categories`), else None."""
    default = schema.default_tie_kind
    if "kind" not in table.columns:
        if len(table):
            sink.info("defaults", where.source, f"no kind column: all {len(table)} ties taken "
                      f"as '{default}'")
        return pd.Series(default, index=table.index, dtype=STR), None
    canonical = _canonical_categories(table["kind"], schema)
    if canonical is not None:
        return canonical
    given = _strings(table["kind"], "kind", where, sink, required=False)
    empty = int(given.isna().sum())
    if empty:
        sink.info("defaults", where.source, f"kind empty for {_plural(empty, 'tie')}: taken as "
                  f"'{default}'")
    return _resolve(given.fillna(default), "tie kind", schema, "kind", where, sink), None


def _canonical_categories(col: pd.Series, schema: Schema
                          ) -> tuple[pd.Series, np.ndarray] | None:
    """A categorical kind column whose every value is a canonical tie kind as text (nothing
    to strip, default or rename, so nothing to note) as that text, with each tie's position
    among the schema's tie kinds; None for any other column.

    The categories are checked instead of every row (a reader's kinds: a few categories).
    """
    if not isinstance(col.dtype, pd.CategoricalDtype):
        return None
    cats = col.cat.categories
    table = schema.lookup_table("tie kind")
    if not all(isinstance(c, str) and table.get(normalize_name(c)) == c == c.strip()
               for c in cats):
        return None
    codes = col.array.codes  # a view: the categorical's own codes
    if len(codes) and codes.min() < 0:  # a missing kind: defaulted and noted by the table path
        return None
    in_schema = pd.Index(list(schema.tie_kinds)).get_indexer(pd.Index(list(cats)))
    return (pd.Series(pd.array(list(cats), dtype=STR).take(codes), index=col.index, dtype=STR),
            in_schema.astype(np.int64)[codes])


def _tie_weights(table: pd.DataFrame, where: Where, sink: Collector) -> np.ndarray:
    """Weights: finite and >= 0; without a weight column every tie weighs 1.0 (noted)."""
    m = len(table)
    if "weight" not in table.columns:
        if m:
            sink.info("defaults", where.source, f"no weight column: all {m} ties weigh 1.0")
        return np.ones(m, dtype=np.float64)
    weight = _number(table["weight"], "weight", where)
    given = table["weight"].notna().to_numpy()
    for row in _rows((~np.isfinite(weight) | (weight < 0)) & given):
        fail(InvalidWeightError(
            f"weight {float(weight[int(row)])!r} is not allowed; tie weights are strengths "
            "and must be finite and >= 0", field="weight", **where.at(int(row))))
    for row in _rows(~given):
        fail(InvalidWeightError(
            "weight is empty; give every tie a weight (a strength, finite and >= 0), or "
            "leave out the weight column so every tie weighs 1.0", field="weight",
            **where.at(int(row))))
    return weight


def _check_tie_pairs(src: np.ndarray, tgt: np.ndarray, kinds: tuple[pd.Series, np.ndarray | None],
                     n: int, schema: Schema, names: tuple[pd.Series, pd.Series], where: Where
                     ) -> None:
    """Self-loops where the kind forbids them, and two ties of one kind between one pair.

    ``kinds``: the tie kinds and, where known, their positions among the schema's."""
    src_s, tgt_s = names
    kind, codes = kinds
    kind_ids = list(schema.tie_kinds)
    if codes is None:
        # codes of the kinds among the schema's (-1: unknown or missing), hashing each row once
        by_row, seen = pd.factorize(kind, use_na_sentinel=True)
        codes = np.append(pd.Index(kind_ids).get_indexer(pd.Index(seen)), -1)[by_row].astype(
            np.int64)
    valid = codes >= 0
    every_valid = bool(valid.all())
    codes_ok = codes if every_valid else np.where(valid, codes, 0)
    loops_ok = np.array([schema.tie_kinds[k].self_loops for k in kind_ids], dtype=bool)
    loops = src == tgt
    if loops.any():
        loops &= ~loops_ok[codes_ok] & valid
    for row in _rows(loops):
        row = int(row)
        k = kind.iloc[row]
        fail(SelfLoopError(
            f"{k} tie from '{src_s.iloc[row]}' to itself; tie kind '{k}' does not allow "
            "self-loops. Remove the tie, or allow them with Schema.default().extend(tie_kinds="
            f"[TieKind('{k}', ..., self_loops=True)], replace=True)", field="target",
            **where.at(row)))
    mutual = np.array([not schema.tie_kinds[k].directed for k in kind_ids], dtype=bool)[codes_ok]
    a = np.where(mutual, np.minimum(src, tgt), src)
    b = np.where(mutual, np.maximum(src, tgt), tgt)
    key = (codes.astype(np.int64) * max(n, 1) + a) * max(n, 1) + b  # in int64 throughout
    ordered = np.sort(key if every_valid else key[valid])  # a sort: no hashing on success
    if not (ordered[1:] == ordered[:-1]).any():
        return
    dup = pd.Series(key).duplicated(keep=False).to_numpy() & valid
    firsts = dup & ~pd.Series(key).duplicated(keep="first").to_numpy()
    for r0 in _rows(firsts):
        same = np.flatnonzero(dup & (key == key[int(r0)]))
        fail(DuplicateTieError(
            f"{kind.iloc[same[0]]} tie between '{src_s.iloc[same[0]]}' and "
            f"'{tgt_s.iloc[same[0]]}' appears more than once (rows "
            f"{', '.join(map(str, same[:5]))}); combine them into one tie (e.g. sum the "
            "weights)", field="source", **where.at(int(same[1]))))


def normalize_ties(
    ties: object, ids: pd.Index, schema: Schema, where: Where, notes: Collector | None = None
) -> TieArrays:
    """Return the canonical ties table (columns :data:`TIE_COLUMNS`, then extras) and positions."""
    table = _as_frame(ties, where)
    sink = notes if notes is not None else Collector()
    table = map_columns(table, "ties", schema, where, sink)
    _require(table, ("source", "target"), "ties", schema, where)
    src_s = _strings(table["source"], "source", where, sink, required=False)
    tgt_s = _strings(table["target"], "target", where, sink, required=False)
    src = _tie_positions(src_s, "source", ids, where)
    tgt = _tie_positions(tgt_s, "target", ids, where)
    kind, kind_codes = _tie_kinds(table, schema, where, sink)
    weight = _tie_weights(table, where, sink)
    _check_tie_pairs(src, tgt, (kind, kind_codes), len(ids), schema, (src_s, tgt_s), where)
    result = pd.DataFrame(
        {"source": src_s, "target": tgt_s, "kind": kind, "weight": weight}, index=table.index
    )
    for c in table.columns:
        if c not in TIE_COLUMNS:
            result[c] = table[c]
    return TieArrays(result, src, tgt)


def ties_from_positions(
    source: np.ndarray, target: np.ndarray, columns: Mapping[str, object], ids: pd.Index,
    schema: Schema, where: Where, notes: Collector | None = None,
) -> TieArrays:
    """:func:`normalize_ties` for ties whose ends are given as actor positions, not ids.

    For readers that have resolved the ids themselves: the ends' ids are taken from ``ids``
    instead of looked up, everything else goes through the same steps as a ties table with
    columns ``source, target`` and ``columns`` (``kind``, ``weight``, extras), so nothing is
    accepted that the table would be refused for. A position outside ``ids`` is a
    :class:`DanglingTieError` naming the row, as an unknown id is.
    """
    sink = notes if notes is not None else Collector()
    n = len(ids)
    m = len(source)
    short = [k for k, v in {"target": target, **columns}.items()
             if hasattr(v, "__len__") and not isinstance(v, str) and len(v) != m]
    if short:
        raise ValidationError(f"tie columns {short} have different lengths than the {m} "
                              "sources", source=where.source)
    ends = {}
    for name, pos in (("source", source), ("target", target)):
        arr = np.asarray(pos)
        if arr.dtype.kind not in "iu":
            raise WrongTypeError(f"tie {name} positions must be integers, got {arr.dtype}",
                                 field=name, source=where.source)
        for row in _rows((arr < 0) | (arr >= n)):
            fail(DanglingTieError(f"tie {name} position {int(arr[int(row)])} is not an actor "
                                  f"position (0 to {n - 1})", field=name,
                                  **where.at(int(row))))
        ends[name] = np.clip(arr, 0, max(n - 1, 0)).astype(
            np.int64 if n > np.iinfo(np.int32).max else np.int32)
    # the column names go through the table's checks and aliases; a row of positions tells
    # which given column each resulting one comes from
    given = ["source", "target", *columns]
    header = map_columns(_as_frame(pd.DataFrame([range(len(given))], columns=given), where),
                         "ties", schema, where, sink)
    origin = {str(c): int(header[c].iloc[0]) for c in header.columns}
    _require(header, ("source", "target"), "ties", schema, where)
    values = list(columns.values())
    m = len(ends["source"])
    table = pd.DataFrame({c: values[j - 2] for c, j in origin.items() if j >= 2},
                         index=pd.RangeIndex(m))
    src, tgt = ends["source"], ends["target"]  # map_columns keeps the exact field names
    src_s = pd.Series(ids.take(src), dtype=STR)
    tgt_s = pd.Series(ids.take(tgt), dtype=STR)
    kind, kind_codes = _tie_kinds(table, schema, where, sink)
    weight = _tie_weights(table, where, sink)
    _check_tie_pairs(src, tgt, (kind, kind_codes), n, schema, (src_s, tgt_s), where)
    result = pd.DataFrame({"source": src_s, "target": tgt_s, "kind": kind, "weight": weight})
    for c in table.columns:
        if c not in TIE_COLUMNS:
            result[c] = table[c]
    return TieArrays(result, src, tgt)


def _neighbourhood_names(frame: pd.DataFrame, where: Where, sink: Collector) -> pd.Series:
    """The stripped, unique neighbourhood names (a duplicate is an error naming both rows)."""
    name = _strings(frame["neighbourhood"], "neighbourhood", where, sink, required=True,
                    what="neighbourhood")
    dup = name.duplicated(keep=False).to_numpy() & name.notna().to_numpy()
    for r0 in _rows(dup & ~name.duplicated(keep="first").to_numpy()):
        same = np.flatnonzero(dup & (name == name.iloc[int(r0)]).to_numpy())
        fail(DuplicateIdError(
            f"neighbourhood '{name.iloc[int(r0)]}' appears more than once (rows "
            f"{', '.join(map(str, same[:5]))}); give each neighbourhood one row",
            field="neighbourhood", **where.at(int(same[1]))))
    return name


def _neighbourhood_numbers(frame: pd.DataFrame, where: Where) -> dict[str, np.ndarray]:
    """``residents`` (finite, >= 0) and ``ses`` (finite), when present; missing = unknown."""
    out = {}
    for col in NEIGHBOURHOOD_COLUMNS:
        if col not in frame.columns:
            continue
        values = _number(frame[col], col, where)
        bad = ~np.isfinite(values) & frame[col].notna().to_numpy()
        if col == "residents":
            bad |= values < 0
        for row in _rows(bad):
            fail(ValidationError(
                f"{col} {frame[col].iloc[int(row)]} is not allowed; use a finite number"
                + (" >= 0" if col == "residents" else "") + ", or leave it empty for "
                "unknown", field=col, **where.at(int(row))))
        out[col] = values
    return out


def _demand_need(col: str, schema: Schema, where: Where) -> str | None:
    """The need of a ``demand_<need>`` column (the need may be an alias), else an error."""
    need_name = col[len(DEMAND):] if col.lower().startswith(DEMAND) else \
        col[len("demand"):].lstrip(" -_")
    lookup = schema.lookup_table("need")
    need = lookup.get(normalize_name(need_name))
    if need is None:
        fail(UnknownKindError(
            f"column '{col}': '{need_name}' is not a known need"
            + suggest(normalize_name(need_name), lookup)
            + f" Known: {', '.join(schema.needs)}. Demand columns are named demand_<need>",
            field=col, source=where.source))
    return need


def _neighbourhood_demand(frame: pd.DataFrame, schema: Schema, where: Where,
                          sink: Collector) -> dict[str, np.ndarray]:
    """The ``demand_<need>`` columns (residents per year, >= 0), canonical, in need order."""
    demand: dict[str, np.ndarray] = {}
    prefix = column_key(DEMAND)
    for col in frame.columns:
        if not column_key(col).startswith(prefix) or col in NEIGHBOURHOOD_COLUMNS:
            continue
        need = _demand_need(str(col), schema, where)
        if need is None:
            continue
        if DEMAND + need in demand:
            fail(DuplicateColumnError(f"two columns give the demand for need '{need}'",
                                      field=str(col), source=where.source))
            continue
        values = _number(frame[col], str(col), where)
        bad = (~np.isfinite(values) | (values < 0)) & frame[col].notna().to_numpy()
        for row in _rows(bad):
            fail(ValidationError(
                f"demand {frame[col].iloc[int(row)]} is not allowed; use a finite number of "
                "residents >= 0, or leave it empty for unknown", field=str(col),
                **where.at(int(row))))
        if col != DEMAND + need:
            sink.info("columns", where.source, f"column '{col}' read as '{DEMAND + need}'")
        demand[DEMAND + need] = values
    return {DEMAND + n: demand[DEMAND + n] for n in schema.needs if DEMAND + n in demand}


def normalize_neighbourhoods(
    table: object, schema: Schema, where: Where, notes: Collector | None = None
) -> pd.DataFrame:
    """Return the canonical neighbourhoods table, indexed by neighbourhood name.

    Columns: ``residents`` and ``ses`` (numbers, when given), ``demand_<need>`` (residents per
    year with the need; the need may be an alias, ``demand_eenzaamheid`` ->
    ``demand_loneliness``), then every other column as given (e.g. CBS Kerncijfers columns).
    The names come from a ``neighbourhood`` column (or an alias: ``wijk``, ``buurt``,
    ``buurtnaam``, ``naam``, ...) or, without one, from the index.
    """
    sink = notes if notes is not None else Collector()
    if not isinstance(table, pd.DataFrame):
        raise WrongTypeError(f"expected a pandas DataFrame, got {type(table).__name__}",
                             source=where.source)
    names = schema.column_names("neighbourhoods")
    if not any(names.get(column_key(c)) == "neighbourhood" for c in table.columns
               if isinstance(c, str)) and not isinstance(table.index, pd.RangeIndex):
        table = table.reset_index(names="neighbourhood")
    frame = map_columns(_as_frame(table, where), "neighbourhoods", schema, where, sink)
    _require(frame, ("neighbourhood",), "neighbourhoods", schema, where)
    name = _neighbourhood_names(frame, where, sink)
    out: dict[str, np.ndarray] = {**_neighbourhood_numbers(frame, where),
                                  **_neighbourhood_demand(frame, schema, where, sink)}
    prefix = column_key(DEMAND)
    result = pd.DataFrame(out, index=pd.Index(name.to_numpy(), dtype=STR, name="neighbourhood"))
    for c in frame.columns:
        if c != "neighbourhood" and c not in NEIGHBOURHOOD_COLUMNS and \
                not column_key(c).startswith(prefix):
            result[c] = frame[c].to_numpy()
    return result


def neighbourhood_names(actor_nb: pd.Series) -> pd.DataFrame:
    """The names-only neighbourhoods table of the actors' neighbourhoods (sorted)."""
    names = sorted(actor_nb.dropna().unique().tolist())
    return pd.DataFrame(index=pd.Index(names, dtype=STR, name="neighbourhood"))


def reconcile_neighbourhoods(
    actor_nb: pd.Series, table: pd.DataFrame | None, where_actors: Where, where_table: Where,
    notes: Collector | None = None,
) -> pd.DataFrame:
    """Check the neighbourhoods table against the actors and return the table to keep.

    A table without columns (names only) is the actors' neighbourhoods (names without actors
    are left out, with a warning). A table
    with columns must name every neighbourhood an actor is in (else ValidationError naming the
    actor's row); a neighbourhood without actors is a warning in the read report. Names that
    differ only in case are a warning.
    """
    sink = notes if notes is not None else Collector()
    used = neighbourhood_names(actor_nb)
    if table is None:
        result = used
    elif len(table.columns) == 0:
        result = used
        extra = [n for n in table.index if n not in set(used.index)]
        if extra:
            sink.warn("neighbourhoods", where_table.source,
                      f"{_plural(len(extra), 'neighbourhood')} of the table "
                      f"{'has' if len(extra) == 1 else 'have'} no actors and no other column, "
                      "so nothing is known of "
                      f"{'it' if len(extra) == 1 else 'them'}; left out: "
                      + ", ".join(f"'{n}'" for n in extra[:8]) + (", ..." if len(extra) > 8
                                                                  else ""))
    else:
        known = set(table.index)
        missing = actor_nb.notna().to_numpy() & ~actor_nb.isin(known).to_numpy()
        if missing.any():
            firsts = missing & ~actor_nb.duplicated(keep="first").to_numpy()
            for row in _rows(firsts):
                value = actor_nb.iloc[int(row)]
                fail(ValidationError(
                    f"neighbourhood '{value}' is not in the neighbourhoods table "
                    f"({where_table.source})" + suggest(value, sorted(known))
                    + " Add a row for it to the table or correct the actor's neighbourhood",
                    field="neighbourhood", **where_actors.at(int(row))))
        result = table
        lonely = [n for n in table.index if n not in set(used.index)]
        if lonely:
            shown = ", ".join(f"'{n}'" for n in lonely[:8])
            sink.warn("neighbourhoods", where_table.source,
                      f"{_plural(len(lonely), 'neighbourhood')} of the table "
                      f"{'has' if len(lonely) == 1 else 'have'} no actors: {shown}"
                      + (", ..." if len(lonely) > 8 else ""))
    folded: dict[str, list[str]] = {}
    for n in result.index:
        folded.setdefault(str(n).casefold(), []).append(str(n))
    for group in folded.values():
        if len(group) > 1:
            sink.warn("neighbourhoods", where_table.source,
                      "neighbourhoods " + " and ".join(f"'{g}'" for g in group)
                      + " differ only in upper and lower case; they are kept apart. Write them "
                      "alike if they are one neighbourhood")
    return result


__all__ = [
    "ACTOR_COLUMNS",
    "DEMAND",
    "TIE_COLUMNS",
    "EcosystemError",
    "TieArrays",
    "Where",
    "map_columns",
    "neighbourhood_names",
    "normalize_actors",
    "normalize_neighbourhoods",
    "normalize_ties",
    "reconcile_neighbourhoods",
]
