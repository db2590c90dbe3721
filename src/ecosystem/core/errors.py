"""The library's errors: one base class, one subclass per kind of mistake.

Every error raised on bad user input is an :class:`EcosystemError`. Messages name where the
problem is (file, table, row, field or parameter), the offending value, and what would be
accepted, so a researcher can fix the data without reading the library's code.

The subclasses also derive from :class:`ValueError` (or :class:`TypeError` for wrong types), so
code that already catches those keeps working.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "ConfigError",
    "DanglingTieError",
    "DuplicateIdError",
    "DuplicateTieError",
    "EcosystemError",
    "FormatError",
    "InvalidWeightError",
    "MissingColumnError",
    "MissingIdError",
    "SchemaError",
    "SelfLoopError",
    "UnknownKindError",
    "ValidationError",
    "WrongTypeError",
]


class EcosystemError(Exception):
    """Base class of every error the library raises on bad input.

    Parameters
    ----------
    message
        What is wrong and what to do about it.
    source
        Where the data came from: a file name or a table name such as ``"actors table"``.
    row
        Zero-based row number of the offending record in that source, when there is one.
    field
        Column, attribute or parameter name.
    line
        Line number in a text file (1-based, header included), when the source is a file.
    """

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        row: int | None = None,
        field: str | None = None,
        line: int | None = None,
    ) -> None:
        self.source = source
        self.row = row
        self.field = field
        self.line = line
        self.reason = message
        super().__init__(_locate(message, source=source, row=row, field=field, line=line))


def _locate(
    message: str, *, source: str | None, row: int | None, field: str | None, line: int | None
) -> str:
    where = []
    if source is not None:
        where.append(str(source))
    if row is not None:
        where.append(f"row {row}" + (f" (line {line})" if line is not None else ""))
    if field is not None:
        where.append(f"field '{field}'")
    return f"{', '.join(where)}: {message}" if where else message


class SchemaError(EcosystemError, ValueError):
    """A vocabulary problem: an unknown or conflicting kind, domain, tie kind or need."""


class UnknownKindError(SchemaError):
    """A value that is not a known actor kind, tie kind, domain or need (nor an alias of one)."""


class ValidationError(EcosystemError, ValueError):
    """Data that does not describe a valid ecosystem."""


class MissingColumnError(ValidationError):
    """A required column is absent from a table or file."""


class MissingIdError(ValidationError):
    """An actor id, or a tie's source or target, is empty or missing."""


class DuplicateIdError(ValidationError):
    """Two actors share one id."""


class DuplicateTieError(ValidationError):
    """Two ties of one kind join the same actors (in the same direction, for directed kinds)."""


class DanglingTieError(ValidationError):
    """A tie names an actor that is not in the actors table."""


class InvalidWeightError(ValidationError):
    """A tie weight that is NaN, infinite, negative or not a number."""


class SelfLoopError(ValidationError):
    """A tie from an actor to itself, for a tie kind that does not allow self-loops."""


class WrongTypeError(ValidationError, TypeError):
    """A column or value of the wrong type (for instance numeric ids where strings are needed)."""


class FormatError(EcosystemError, ValueError):
    """A file that cannot be read as what it claims to be: empty, malformed, or unsafe."""


class ConfigError(EcosystemError, ValueError):
    """A function parameter with a value that is not accepted."""


def suggest(value: str, known: Iterable[str], n: int = 3) -> str:
    """Return ``"; did you mean 'x' or 'y'?"`` for the closest known names, or ``""``."""
    close = difflib.get_close_matches(str(value).casefold(), list(known), n=n, cutoff=0.6)
    if not close:
        return ""
    return "; did you mean " + " or ".join(f"'{c}'" for c in close) + "?"


def not_an_ecosystem(obj: object, func: str) -> str:
    """The message for a first argument that is not an Ecosystem, naming the function that fits.

    Parameters
    ----------
    obj
        What was passed instead of an Ecosystem.
    func
        The public function or class that received it.

    Returns
    -------
    str
        ``"<func>(): expected an Ecosystem first, got <type>"`` and, for a networkx or igraph
        graph, a table or a file name, which function converts it.

    Examples
    --------
    >>> import networkx as nx
    >>> print(not_an_ecosystem(nx.Graph(), "centrality"))
    centrality(): expected an Ecosystem first, got Graph; convert a networkx graph with
    es.from_networkx(graph) first
    """
    module = type(obj).__module__.split(".")[0]
    name = type(obj).__name__
    hint = ""
    if module == "networkx":
        hint = "; convert a networkx graph with es.from_networkx(graph) first"
    elif module == "igraph":
        hint = "; convert an igraph Graph with es.from_igraph(graph) first"
    elif module == "pandas" and name == "DataFrame":
        hint = ("; build one from an actors and a ties table with es.Ecosystem(actors, ties), "
                "or read files with es.read_csv")
    elif isinstance(obj, str) or module == "pathlib":
        hint = "; read a file with es.read_csv, es.read_excel, es.read_json or es.read_graphml"
    return f"{func}(): expected an Ecosystem first, got {name}{hint}"
