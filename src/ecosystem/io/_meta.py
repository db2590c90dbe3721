"""What travels with the data besides the tables: the schema, the name and the provenance."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from ecosystem.core.errors import ConfigError, FormatError, SchemaError
from ecosystem.core.schema import Schema, normalize_name


def schema_from(data: object, *, source: str, key: str = "schema") -> Schema | None:
    """Rebuild a stored schema (``None`` when absent); a malformed one raises."""
    if data is None:
        return None
    if not isinstance(data, Mapping):
        raise FormatError(f"'{key}' must be an object as written by Schema.to_dict(), got "
                          f"{type(data).__name__}", source=source, field=key)
    try:
        return Schema.from_dict(data, source=source)
    except SchemaError as exc:
        raise SchemaError(f"'{key}': {exc.reason}", source=source, field=key) from None


def choose_schema(
    stored: Schema | None,
    given: Schema | None,
    *,
    actor_kinds: Iterable[Any],
    tie_kinds: Iterable[Any],
    source: str,
) -> Schema:
    """The schema to read with: ``given`` if passed (checked against ``stored``), else ``stored``.

    ``given`` is compatible when every actor kind and tie kind the data uses means the same in
    both: the same domain for actor kinds, the same direction for tie kinds.
    """
    if given is not None and not isinstance(given, Schema):
        raise ConfigError(f"schema= must be a Schema, got {type(given).__name__}")
    if given is None or stored is None:
        return given or stored or Schema.default()
    for what, names, table_of, same in (
        ("actor kind", actor_kinds, "actor_kinds", lambda a, b: a.domain == b.domain),
        ("tie kind", tie_kinds, "tie_kinds", lambda a, b: a.directed == b.directed),
    ):
        lookup_stored = stored.lookup_table(what)
        lookup_given = given.lookup_table(what)
        for name in {n for n in names if isinstance(n, str)}:
            key = normalize_name(name)
            if key not in lookup_stored:
                continue  # unknown to the file's own schema: validation reports it
            mine = getattr(stored, table_of)[lookup_stored[key]]
            theirs_id = lookup_given.get(key)
            theirs = None if theirs_id is None else getattr(given, table_of)[theirs_id]
            if theirs is None or not same(mine, theirs) or theirs.id != mine.id:
                raise SchemaError(
                    f"schema= is not compatible with the schema stored in the file: {what} "
                    f"'{name}' is {_say(mine)} in the file but {_say(theirs)} in schema=. Pass "
                    "a schema that extends the file's (Schema.extend) or omit schema=",
                    source=source, field="schema")
    return given


def _say(item: Any) -> str:
    if item is None:
        return "unknown"
    if hasattr(item, "domain"):
        return f"'{item.id}' (domain {item.domain})"
    return f"'{item.id}' ({'directed' if item.directed else 'mutual'})"


def provenance_from(data: object, *, source: str, key: str = "provenance") -> list[dict]:
    """A stored provenance list (records are objects); anything else raises."""
    if data is None:
        return []
    if not isinstance(data, list) or not all(isinstance(r, Mapping) for r in data):
        raise FormatError(f"'{key}' must be a list of objects", source=source, field=key)
    return [dict(r) for r in data]


def to_json(obj: object) -> str:
    """JSON text of metadata; values JSON cannot hold (paths, sets, ...) are written as text."""
    return json.dumps(obj, ensure_ascii=False, default=_plain, allow_nan=False)


def _plain(value: object) -> object:
    if isinstance(value, set | frozenset | tuple):
        return sorted(value, key=str) if isinstance(value, set | frozenset) else list(value)
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return str(value)
