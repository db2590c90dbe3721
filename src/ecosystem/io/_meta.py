"""What travels with the data besides the tables: the schema, the name and the provenance."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

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


def to_json(obj: object, *, source: str | None = None, what: str = "metadata") -> str:
    """JSON text of metadata; values JSON cannot hold (paths, sets, ...) are written as text.

    NaN and infinity (JSON has no literal for them) and text UTF-8 cannot encode (a lone
    surrogate) raise FormatError naming ``what``, before any file is written.
    """
    try:
        text = json.dumps(obj, ensure_ascii=False, default=_plain, allow_nan=False)
    except ValueError as exc:
        raise FormatError(f"the {what} holds NaN or infinity ({exc}), which JSON cannot store;"
                          " replace it with null or text", source=source, field=what) from None
    except RecursionError:
        raise FormatError(f"the {what} nests too deeply (or refers to itself)", source=source,
                          field=what) from None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise FormatError(f"the {what} holds the character U+{ord(text[exc.start]):04X} (a lone "
                          "surrogate), which UTF-8 cannot encode", source=source,
                          field=what) from None
    return text


def _plain(value: object) -> object:
    if isinstance(value, set | frozenset | tuple):
        return sorted(value, key=str) if isinstance(value, set | frozenset) else list(value)
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return str(value)


#: Deepest nesting of arrays and objects a document may have (the format needs 4; provenance
#: records may nest a little more). Deeper documents are refused before parsing, so a
#: hostile file cannot exhaust the interpreter's recursion limit.
MAX_DEPTH = 64
#: Longest integer literal accepted (a 64-bit integer has at most 20 digits).
MAX_DIGITS = 40
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')


class _Refused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_DIGITS:
        raise _Refused(f"an integer of {digits} digits ({text[:20]}...) is far outside any "
                       "64-bit integer column")
    return int(text)


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(f"the number {text[:40]} is outside the range of a 64-bit float (it "
                       "would read as infinity); write \"inf\" if infinity is meant")
    return value


def _constant(text: str) -> float:
    # NaN, Infinity and -Infinity: not standard JSON, but exact; validation judges them.
    return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}[text]


def _depth(text: str) -> int:
    """Deepest nesting of [ and { outside strings, without recursion."""
    bare = _STRINGS.sub("", text).encode("utf-8", "surrogatepass")
    codes = np.frombuffer(bare, dtype=np.uint8)
    step = (np.isin(codes, (ord("["), ord("{"))).astype(np.int64)
            - np.isin(codes, (ord("]"), ord("}"))).astype(np.int64))
    return int(np.cumsum(step).max(initial=0))


def load_json(text: str, source: str) -> Any:
    """Parse JSON text with bounded nesting and number sizes; anything else raises FormatError.

    Integer literals longer than :data:`MAX_DIGITS` digits, float literals beyond the float
    range (which would read as infinity) and nesting deeper than :data:`MAX_DEPTH` are
    refused. The non-standard literals ``NaN``, ``Infinity`` and ``-Infinity`` are read as
    those floats (validation then judges them).
    """
    depth = _depth(text)
    if depth > MAX_DEPTH:
        raise FormatError(f"the document nests arrays/objects {depth} deep; an ecosystem "
                          f"document needs a few levels (at most {MAX_DEPTH} are read)",
                          source=source)
    try:
        return json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except json.JSONDecodeError as exc:
        raise FormatError(f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
                          source=source, line=exc.lineno) from None
    except _Refused as exc:
        raise FormatError(exc.message, source=source) from None
    except (RecursionError, ValueError) as exc:  # pragma: no cover - bounded above
        raise FormatError(f"not readable JSON ({type(exc).__name__}: {exc})",
                          source=source) from None
