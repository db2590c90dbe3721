"""Read and write an ecosystem as one JSON document (format ``"ecosystem"``, version 1).

The format is described key by key in ``docs/data-format.md``. It keeps everything: ids, kinds,
every extra column with its pandas dtype, weights (floats are written in their shortest exact
form, so they read back bit for bit), the schema, the name and the provenance.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from ecosystem.core.ecosystem import Ecosystem
from ecosystem.core.errors import FormatError
from ecosystem.core.schema import Schema
from ecosystem.core.validate import Where
from ecosystem.io import _columns
from ecosystem.io._files import PathLike, check_file, read_text, write_text_atomic
from ecosystem.io._meta import (
    choose_schema,
    load_json,
    provenance_from,
    schema_from,
    to_json,
)

__all__ = ["FORMAT", "VERSION", "read_json", "write_json"]

#: Value of the ``"format"`` key of every file this module writes.
FORMAT = "ecosystem"
#: The newest format version this library reads and the one it writes.
VERSION = 1


def write_json(eco: Ecosystem, path: PathLike) -> None:
    """Write ``eco`` to ``path`` as an ecosystem JSON document (UTF-8).

    The document holds the name, the schema (:meth:`Schema.to_dict`), the actors, ties and
    neighbourhoods tables (column names, pandas dtypes and rows; the neighbourhoods table's
    first column is ``neighbourhood``) and the provenance records. Missing values are
    ``null``; infinite floats in extra columns are the strings ``"inf"`` and ``"-inf"`` (JSON
    has no literal for them). See ``docs/data-format.md``.

    The document is built and checked completely before anything is written, then written to
    a temporary file next to ``path`` that replaces it only when complete: a failure leaves an
    existing file as it was.

    Parameters
    ----------
    eco
        The ecosystem.
    path
        Output file.

    Raises
    ------
    FormatError
        A column whose dtype the format cannot store exactly (dates, categories, mixed
        ``object`` columns), naming the column; text UTF-8 cannot encode (a lone surrogate);
        NaN or infinity in the provenance (JSON has no literal for them).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from ecosystem import datasets
    >>> from ecosystem.io import read_json, write_json
    >>> eco = datasets.example()
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "example.json"
    >>> write_json(eco, path)
    >>> back = read_json(path)
    >>> back == eco, back.name == eco.name, back.provenance[-1]["step"]
    (True, True, 'read_json')
    """
    target = Path(path)
    tables = {what: _encode(getattr(eco, what), what, str(target)) for what in ("actors", "ties")}
    tables["neighbourhoods"] = _encode(eco.neighbourhoods.reset_index(), "neighbourhoods",
                                       str(target))
    head = {"format": FORMAT, "version": VERSION, "name": eco.name}
    parts = [f' "{k}": {json.dumps(v, ensure_ascii=False)}' for k, v in head.items()]
    parts.append(' "schema": ' + to_json(eco.schema.to_dict(), source=str(target),
                                         what="schema"))
    for what, (columns, dtypes, rows) in tables.items():
        body = ",\n".join("   " + json.dumps(r, ensure_ascii=False, allow_nan=False)
                          for r in rows)
        parts.append(
            f' "{what}": {{\n  "columns": {json.dumps(columns, ensure_ascii=False)},\n'
            f'  "dtypes": {json.dumps(dtypes)},\n  "data": ['
            + (f"\n{body}\n  " if rows else "") + "]\n }")
    parts.append(' "provenance": ' + to_json(list(eco.provenance), source=str(target),
                                             what="provenance"))
    write_text_atomic(target, "{\n" + ",\n".join(parts) + "\n}\n", what="JSON document")


def _encode(table: pd.DataFrame, what: str, source: str) -> tuple[list, list, list]:
    dtypes = _columns.describe(table, what, source=source, fmt="JSON")
    columns = []
    for column, name in dtypes.items():
        vals = _columns.values(table[column])
        if name in ("float32", "float64", "Float32", "Float64"):
            vals = [v if v is None or math.isfinite(v) else ("inf" if v > 0 else "-inf")
                    for v in vals]
        columns.append(vals)
    rows = [list(r) for r in zip(*columns, strict=True)] if columns else []
    return list(dtypes), list(dtypes.values()), rows


def read_json(path: PathLike, *, schema: Schema | None = None) -> Ecosystem:
    """Read an ecosystem JSON document written by :func:`write_json` (or by hand).

    The file's schema is used; ``schema=`` overrides it and must be compatible (every actor and
    tie kind the data uses has the same domain and direction in both), else SchemaError. A file
    without ``"dtypes"`` has its column types inferred from the values (text, integers, floats,
    booleans). A provenance record ``{"step": "read_json", "file": ...}`` is appended.

    Parameters
    ----------
    path
        The JSON file.
    schema
        Vocabulary overriding the file's (it must be compatible).

    Returns
    -------
    Ecosystem

    Raises
    ------
    FormatError
        Not JSON (or a binary file such as a pickle, which is never loaded), a ``"format"``
        other than ``"ecosystem"``, a ``"version"`` newer than :data:`VERSION`, or a malformed
        structure (naming the key, and the row and column for a value that does not fit its
        dtype).
    EcosystemError
        Any validation error of the tables, naming the file, table, row and field.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "tiny.json"
    >>> _ = path.write_text('{"format": "ecosystem", "version": 1, '
    ...     '"actors": {"columns": ["id", "kind"], "data": [["a", "huisarts"], ["b", "wijkteam"]]},'
    ...     ' "ties": {"columns": ["source", "target"], "data": [["a", "b"]]}}')
    >>> read_json(path).ties
      source target      kind  weight
    0      a      b  referral     1.0
    """
    p = check_file(path, "JSON")
    source = str(p)
    text = read_text(p, "JSON")
    doc = load_json(text, source)
    if not isinstance(doc, dict):
        raise FormatError(f"the top level must be an object, got {type(doc).__name__}",
                          source=source)
    if doc.get("format") != FORMAT:
        raise FormatError(f"'format' is {doc.get('format')!r}; an ecosystem JSON file has "
                          f"\"format\": \"{FORMAT}\"", source=source, field="format")
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise FormatError(f"'version' must be a positive integer, got {version!r}",
                          source=source, field="version")
    if version > VERSION:
        raise FormatError(f"'version' {version} is newer than this library reads (up to "
                          f"{VERSION}); upgrade ecosystem", source=source, field="version")
    name = doc.get("name")
    if name is not None and not isinstance(name, str):
        raise FormatError(f"'name' must be text or null, got {name!r}", source=source,
                          field="name")
    if "actors" not in doc:
        raise FormatError("key 'actors' is missing; keys present: " + ", ".join(map(repr, doc)),
                          source=source, field="actors")
    actors = _decode(doc["actors"], "actors", source)
    ties = _decode(doc["ties"], "ties", source) if doc.get("ties") is not None else None
    nbh = (_decode(doc["neighbourhoods"], "neighbourhoods", source)
           if doc.get("neighbourhoods") is not None else None)
    stored = schema_from(doc.get("schema"), source=source)
    chosen = choose_schema(
        stored, schema,
        actor_kinds=actors["kind"].unique() if "kind" in actors else (),
        tie_kinds=ties["kind"].unique() if ties is not None and "kind" in ties else (),
        source=source)
    return Ecosystem(actors, ties, neighbourhoods=nbh, schema=chosen, name=name,
                     provenance=provenance_from(doc.get("provenance"), source=source),
                     _source=(Where(f"{source} actors.data"), Where(f"{source} ties.data"),
                              Where(f"{source} neighbourhoods.data")),
                     _step={"step": "read_json", "file": source})


def _decode(table: Any, what: str, source: str) -> pd.DataFrame:
    """A ``{"columns", "data", "dtypes"}`` table as a DataFrame, every part checked."""
    if not isinstance(table, dict):
        raise FormatError(f"'{what}' must be an object with keys 'columns' and 'data'",
                          source=source, field=what)
    columns = _column_names(table.get("columns"), what, source)
    data = table.get("data")
    if not isinstance(data, list):
        raise FormatError(f"'{what}.data' must be a list of rows", source=source,
                          field=f"{what}.data")
    dtypes = _dtypes(table.get("dtypes"), columns, what, source)
    where = f"{source} {what}.data"
    _check_rows(data, columns, where)
    out = {}
    for j, column in enumerate(columns):
        vals = [r[j] for r in data]
        dtype = dtypes[j] if dtypes is not None else _columns.infer(vals)
        if dtype == "object":
            out[column] = pd.Series(vals, dtype=object)
        else:
            out[column] = _columns.build(vals, dtype, column=column, source=where)
    return pd.DataFrame(out, index=pd.RangeIndex(len(data)))


def _column_names(columns: Any, what: str, source: str) -> list[str]:
    """The table's column names: a list of distinct strings."""
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        raise FormatError(f"'{what}.columns' must be a list of column names",
                          source=source, field=f"{what}.columns")
    if len(set(columns)) != len(columns):
        dup = sorted({c for c in columns if columns.count(c) > 1})
        raise FormatError(f"'{what}.columns' names {dup} more than once", source=source,
                          field=f"{what}.columns")
    return columns


def _dtypes(dtypes: Any, columns: list[str], what: str, source: str) -> list[str] | None:
    """The stored dtypes (one supported dtype per column), or ``None`` to infer them."""
    if dtypes is not None and (not isinstance(dtypes, list) or len(dtypes) != len(columns)):
        raise FormatError(f"'{what}.dtypes' must list one dtype per column ({len(columns)})",
                          source=source, field=f"{what}.dtypes")
    for i, name in enumerate(dtypes or ()):
        if name not in _columns.SUPPORTED:
            raise FormatError(
                f"'{what}.dtypes' gives column '{columns[i]}' the dtype {name!r}; known: "
                + ", ".join(_columns.SUPPORTED), source=source, field=f"{what}.dtypes")
    return dtypes


def _check_rows(data: list, columns: list[str], where: str) -> None:
    """Every row a list of one single value (not a list or object) per column."""
    for row, values in enumerate(data):
        if not isinstance(values, list) or len(values) != len(columns):
            raise FormatError(
                f"each row must be a list of {len(columns)} values (one per column), got "
                f"{values!r:.80}", source=where, row=row)
        for j, v in enumerate(values):
            if isinstance(v, list | dict):
                raise FormatError(f"value {v!r:.60} is not a single value (text, number, "
                                  "true/false or null)", source=where, row=row,
                                  field=columns[j])
