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
    "DuplicateColumnError",
    "DuplicateIdError",
    "DuplicateTieError",
    "EcosystemError",
    "FormatError",
    "InvalidWeightError",
    "MissingColumnError",
    "MissingIdError",
    "ProblemsFound",
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

    Examples
    --------
    >>> import ecosystem as es
    >>> try:
    ...     es.Profile.preset("urban")
    ... except es.EcosystemError as err:
    ...     print(type(err).__name__, isinstance(err, ValueError))
    ConfigError True
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
    """A vocabulary problem: an unknown or conflicting kind, domain, tie kind or need.

    Examples
    --------
    >>> import ecosystem as es
    >>> try:
    ...     es.Schema.default().extend(actor_kinds=[es.ActorKind("gp", "medical")])
    ... except es.SchemaError as err:
    ...     print(type(err).__name__)
    SchemaError
    """


class UnknownKindError(SchemaError):
    """A value that is not a known actor kind, tie kind, domain or need (nor an alias of one).

    Examples
    --------
    >>> import pandas as pd
    >>> import ecosystem as es
    >>> actors = pd.DataFrame({"id": ["a"], "kind": ["dokter"]})
    >>> try:
    ...     es.from_frames(actors)
    ... except es.UnknownKindError as err:
    ...     print(err.row, err.field)
    0 kind
    """


class ValidationError(EcosystemError, ValueError):
    """Data that does not describe a valid ecosystem.

    Examples
    --------
    >>> import pandas as pd
    >>> import ecosystem as es
    >>> actors = pd.DataFrame({"id": ["a", "a"], "kind": ["gp", "gp"]})
    >>> try:
    ...     es.from_frames(actors)
    ... except es.ValidationError as err:
    ...     print(type(err).__name__)
    DuplicateIdError
    """


class MissingColumnError(ValidationError):
    """A required column is absent from a table or file.

    Examples
    --------
    >>> import pandas as pd
    >>> import ecosystem as es
    >>> actors = pd.DataFrame({"id": ["a"]})
    >>> try:
    ...     es.from_frames(actors)
    ... except es.MissingColumnError as err:
    ...     print(err.field)
    kind
    """


class DuplicateColumnError(ValidationError):
    """Two columns of one table stand for the same field (``weight`` and ``gewicht``).

    Parameters
    ----------
    message
        What is wrong and what to do about it.
    source
        The file or table.
    row
        Not used (the problem is in the header); ``None``.
    field
        The field both columns stand for.
    line
        Not used; ``None``.

    Examples
    --------
    >>> import pandas as pd
    >>> from ecosystem import DuplicateColumnError, Ecosystem
    >>> try:
    ...     Ecosystem(pd.DataFrame({"id": ["a"], "code": ["b"], "kind": ["gp"]}))
    ... except DuplicateColumnError as exc:
    ...     print(exc.field)
    id
    """


class ProblemsFound(ValidationError):
    """Several problems at once (``ecosystem validate`` gathers them all).

    Parameters
    ----------
    errors
        The problems, in the order found.
    more
        How many more were found beyond the limit and left out.

    Examples
    --------
    >>> from ecosystem import ProblemsFound, ValidationError
    >>> print(ProblemsFound([ValidationError("a", row=1), ValidationError("b", row=4)]))
    2 problems found:
      - row 1: a
      - row 4: b
    """

    def __init__(self, errors: list[EcosystemError], *, more: int = 0) -> None:
        self.errors = list(errors)
        self.more = more
        n = len(self.errors) + more
        lines = [f"{n} problem{'s' if n != 1 else ''} found:"]
        lines += [f"  - {e}" for e in self.errors]
        if more:
            lines.append(f"  ... and {more} more (only the first {len(self.errors)} are shown)")
        super().__init__("\n".join(lines))


class MissingIdError(ValidationError):
    """An actor id, or a tie's source or target, is empty or missing.

    Examples
    --------
    >>> import pandas as pd
    >>> import ecosystem as es
    >>> actors = pd.DataFrame({"id": ["a", None], "kind": ["gp", "gp"]})
    >>> try:
    ...     es.from_frames(actors)
    ... except es.MissingIdError as err:
    ...     print(err.row, err.field)
    1 id
    """


class DuplicateIdError(ValidationError):
    """Two actors share one id.

    Examples
    --------
    >>> import pandas as pd
    >>> import ecosystem as es
    >>> actors = pd.DataFrame({"id": ["a", "a"], "kind": ["gp", "gp"]})
    >>> try:
    ...     es.from_frames(actors)
    ... except es.DuplicateIdError as err:
    ...     print(err.row, err.field)
    1 id
    """


class DuplicateTieError(ValidationError):
    """Two ties of one kind join the same actors (in the same direction, for directed kinds).

    Examples
    --------
    >>> import pandas as pd
    >>> import ecosystem as es
    >>> actors = pd.DataFrame({"id": ["a", "b"], "kind": ["gp", "wijkteam"]})
    >>> ties = pd.DataFrame({"source": ["a", "a"], "target": ["b", "b"]})
    >>> try:
    ...     es.from_frames(actors, ties)
    ... except es.DuplicateTieError as err:
    ...     print(err.source, err.row)
    ties table 1
    """


class DanglingTieError(ValidationError):
    """A tie names an actor that is not in the actors table.

    Examples
    --------
    >>> import pandas as pd
    >>> import ecosystem as es
    >>> actors = pd.DataFrame({"id": ["a"], "kind": ["gp"]})
    >>> ties = pd.DataFrame({"source": ["a"], "target": ["b"]})
    >>> try:
    ...     es.from_frames(actors, ties)
    ... except es.DanglingTieError as err:
    ...     print(err.row, err.field)
    0 target
    """


class InvalidWeightError(ValidationError):
    """A tie weight that is NaN, infinite, negative or not a number.

    Examples
    --------
    >>> import pandas as pd
    >>> import ecosystem as es
    >>> actors = pd.DataFrame({"id": ["a", "b"], "kind": ["gp", "wijkteam"]})
    >>> ties = pd.DataFrame({"source": ["a"], "target": ["b"], "weight": [-1.0]})
    >>> try:
    ...     es.from_frames(actors, ties)
    ... except es.InvalidWeightError as err:
    ...     print(err.row, err.field)
    0 weight
    """


class SelfLoopError(ValidationError):
    """A tie from an actor to itself, for a tie kind that does not allow self-loops.

    Examples
    --------
    >>> import pandas as pd
    >>> import ecosystem as es
    >>> actors = pd.DataFrame({"id": ["a"], "kind": ["gp"]})
    >>> ties = pd.DataFrame({"source": ["a"], "target": ["a"]})
    >>> try:
    ...     es.from_frames(actors, ties)
    ... except es.SelfLoopError as err:
    ...     print(err.row)
    0
    """


class WrongTypeError(ValidationError, TypeError):
    """A column or value of the wrong type (for instance numeric ids where strings are needed).

    Examples
    --------
    >>> import pandas as pd
    >>> import ecosystem as es
    >>> actors = pd.DataFrame({"id": [1, 2], "kind": ["gp", "gp"]})
    >>> try:
    ...     es.from_frames(actors)
    ... except es.WrongTypeError as err:
    ...     print(err.field, isinstance(err, TypeError))
    id True
    """


class FormatError(EcosystemError, ValueError):
    """A file that cannot be read as what it claims to be: empty, malformed, or unsafe.

    Examples
    --------
    >>> import ecosystem as es
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "actors.json"
    >>> _ = path.write_text("id,kind")
    >>> try:
    ...     es.read_json(path)
    ... except es.FormatError as err:
    ...     print(err.source == str(path))
    True
    """


class ConfigError(EcosystemError, ValueError):
    """A function parameter with a value that is not accepted.

    Examples
    --------
    >>> import ecosystem as es
    >>> try:
    ...     es.Profile.preset("urban")
    ... except es.ConfigError as err:
    ...     print(type(err).__name__)
    ConfigError
    """


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
