"""The read report: every column mapping, default and normalised value, written down.

Building an :class:`~ecosystem.Ecosystem` (from a file or from DataFrames) maps column aliases
(``gewicht`` -> ``weight``), fills documented defaults (no tie kind -> ``referral``), strips
surrounding spaces and turns kind aliases into canonical ids. None of this is silent: each step
adds a line to a :class:`ReadReport`, which is stored in the provenance record of the read
(``eco.read_report`` gives it back) and printed by ``ecosystem validate``.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ecosystem._repr import html_card, listing
from ecosystem.core.errors import EcosystemError, ProblemsFound

__all__ = ["Note", "ReadReport"]

LEVELS = ("info", "warning")
TOPICS = ("format", "columns", "attributes", "defaults", "values", "neighbourhoods")


@dataclass(frozen=True)
class Note:
    """One line of a :class:`ReadReport`.

    Parameters
    ----------
    level
        ``"info"`` (what was assumed or changed, as documented) or ``"warning"`` (probably
        not what was meant; ``ecosystem validate --strict`` fails on it).
    topic
        One of ``"format"`` (encoding, separator, decimal mark), ``"columns"`` (which column
        mapped to which field), ``"attributes"`` (columns kept as they are), ``"defaults"``
        (values filled in, with the number of rows), ``"values"`` (values changed, with the
        number of values) and ``"neighbourhoods"`` (the neighbourhood table against the actors).
    source
        The file or table the note is about.
    message
        What happened, in one sentence.
    """

    level: str
    topic: str
    source: str
    message: str

    def to_dict(self) -> dict[str, str]:
        """The note as a JSON-ready dict."""
        return {"level": self.level, "topic": self.topic, "source": self.source,
                "message": self.message}

    def __str__(self) -> str:
        flag = "warning: " if self.level == "warning" else ""
        return f"{self.source}: {flag}{self.message}"


@dataclass(frozen=True)
class ReadReport:
    """What reading a table or file assumed and changed, line by line.

    Parameters
    ----------
    notes
        The lines, in the order they were written.

    Examples
    --------
    >>> import pandas as pd
    >>> from ecosystem import Ecosystem
    >>> actors = pd.DataFrame({"code": ["gp1", "gp2 "], "soort": ["huisarts", "huisarts"]})
    >>> ties = pd.DataFrame({"van": ["gp1"], "naar": ["gp2"]})
    >>> print(Ecosystem(actors, ties).read_report)
    actors table: column 'code' read as 'id'
    actors table: column 'soort' read as 'kind'
    actors table: id: surrounding spaces removed from 1 value
    actors table: kind: 2 values written as canonical ids ('huisarts' -> 'gp' 2x)
    actors table: no domain column: domain derived from the kind for all 2 actors
    actors table: no sector column: sector derived from the domain for all 2 actors
    actors table: no neighbourhood column: all 2 actors shared (no neighbourhood)
    actors table: no capacity column: capacity unknown for all 2 actors
    ties table: column 'van' read as 'source'
    ties table: column 'naar' read as 'target'
    ties table: no kind column: all 1 ties taken as 'referral'
    ties table: no weight column: all 1 ties weigh 1.0
    """

    notes: tuple[Note, ...] = ()

    @property
    def warnings(self) -> tuple[Note, ...]:
        """The notes of level ``"warning"``."""
        return tuple(n for n in self.notes if n.level == "warning")

    def to_records(self) -> list[dict[str, str]]:
        """The notes as JSON-ready dicts (how the provenance stores them).

        Returns
        -------
        list of dict
            One dict per note with keys ``level``, ``topic``, ``source``, ``message``.

        Examples
        --------
        >>> ReadReport((Note("info", "columns", "a.csv", "column 'naam' read as 'id'"),)
        ...            ).to_records()[0]["message"]
        "column 'naam' read as 'id'"
        """
        return [n.to_dict() for n in self.notes]

    @classmethod
    def from_records(cls, records: Iterable[Mapping[str, Any]]) -> ReadReport:
        """Rebuild a report from :meth:`to_records` output.

        Parameters
        ----------
        records
            Dicts with keys ``level``, ``topic``, ``source``, ``message``.

        Returns
        -------
        ReadReport

        Examples
        --------
        >>> r = ReadReport((Note("warning", "columns", "t.csv", "column 'gewciht' ..."),))
        >>> ReadReport.from_records(r.to_records()) == r
        True
        """
        return cls(tuple(Note(str(r.get("level", "info")), str(r.get("topic", "")),
                              str(r.get("source", "")), str(r.get("message", "")))
                         for r in records))

    def to_frame(self) -> pd.DataFrame:
        """The notes as a DataFrame with columns ``level, topic, source, message``.

        Returns
        -------
        pandas.DataFrame
            One row per note.

        Examples
        --------
        >>> ReadReport((Note("info", "defaults", "t.csv", "no weight column: ..."),)
        ...            ).to_frame()["topic"].tolist()
        ['defaults']
        """
        return pd.DataFrame(self.to_records(), columns=["level", "topic", "source", "message"])

    def __str__(self) -> str:
        return "\n".join(str(n) for n in self.notes)

    def __repr__(self) -> str:
        if not self.notes:
            return "ReadReport(no notes)"
        topics: dict[str, int] = {}
        for n in self.notes:
            topics[n.topic] = topics.get(n.topic, 0) + 1
        return (f"ReadReport({len(self.notes)} notes, {len(self.warnings)} warnings; "
                f"{listing((f'{t} {c}' for t, c in topics.items()), len(TOPICS))})")

    def _repr_html_(self) -> str:
        tables = [("Warnings", self.to_frame()[[n.level == "warning" for n in self.notes]])
                  ] if self.warnings else []
        tables.append(("Notes, in the order written", self.to_frame()))
        return html_card(repr(self), tables)

    def __len__(self) -> int:
        return len(self.notes)


@dataclass
class Collector:
    """Notes gathered while a table is normalised (mutable; one per read)."""

    notes: list[Note] = field(default_factory=list)
    #: Lines that make the report worth keeping on a directly built ecosystem.
    changed: bool = False

    def info(self, topic: str, source: str, message: str, *, change: bool = True) -> None:
        self.notes.append(Note("info", topic, source, message))
        self.changed = self.changed or change

    def warn(self, topic: str, source: str, message: str) -> None:
        self.notes.append(Note("warning", topic, source, message))
        self.changed = True

    def report(self) -> ReadReport:
        return ReadReport(tuple(self.notes))


# ---------------------------------------------------------------------- problem collection
@dataclass
class Problems:
    """Errors gathered instead of raised, up to ``limit`` (see :func:`collecting`)."""

    limit: int = 50
    errors: list[EcosystemError] = field(default_factory=list)
    more: int = 0

    def add(self, error: EcosystemError) -> None:
        if len(self.errors) < self.limit:
            self.errors.append(error)
        else:
            self.more += 1


_PROBLEMS: contextvars.ContextVar[Problems | None] = contextvars.ContextVar(
    "ecosystem_problems", default=None)


@contextlib.contextmanager
def collecting(limit: int = 50) -> Iterator[Problems]:
    """Within this block, validation gathers every problem instead of stopping at the first.

    At the end of building an ecosystem, gathered problems are raised together as one
    :class:`~ecosystem.core.errors.ProblemsFound` holding them all. Used by
    ``ecosystem validate``; ordinary reads stop at the first problem.
    """
    problems = Problems(limit=limit)
    token = _PROBLEMS.set(problems)
    try:
        yield problems
    finally:
        _PROBLEMS.reset(token)


def fail(error: EcosystemError) -> None:
    """Raise ``error``, or record it when problems are being collected."""
    problems = _PROBLEMS.get()
    if problems is None:
        raise error
    problems.add(error)


def raise_collected() -> None:
    """Raise :class:`ProblemsFound` if problems were collected in this block."""
    problems = _PROBLEMS.get()
    if problems is not None and problems.errors:
        errors, more = list(problems.errors), problems.more
        problems.errors.clear()
        problems.more = 0
        raise ProblemsFound(errors, more=more)
