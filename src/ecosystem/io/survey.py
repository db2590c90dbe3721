"""Partnership surveys: from organisations' answers about each other to an :class:`Ecosystem`.

A partnership survey asks each organisation on a list (the *sampling frame*) to rate its
relationship with every other one: how often they are in contact, whether they refer residents,
how much they trust them. Answers are incomplete (some organisations do not respond) and two
partners often report the same tie differently. This module turns the answers into ties by
documented rules and reports what each rule did.

Layouts
-------
``"wide"``: one row per respondent, a ``respondent`` column and one column per question and
partner named ``"<question>: <partner id>"`` (e.g. ``"contact: huisarts Lombok"``).
``"long"``: columns ``respondent, partner, question, value``, one row per answer.

Questions
---------
``questions`` maps each question to what it measures. ``{"contact": "collaboration"}``: a
numeric answer is the weight of a tie of that kind, 0 or an empty answer means no tie. The full
form is a dict with ``tie_kind`` *or* ``attribute`` and ``scale``: a list of labels, lowest
first (rated 0, 1, 2, ...; label matching ignores case and surrounding spaces), or
``"numeric"`` (finite numbers >= 0). An ``attribute`` question (trust, value) gives a tie
column: on a directed tie the source's rating of the target, on a mutual tie the mean of the
two ratings that exist.

Rules for mutual tie kinds (``symmetrize``)
-------------------------------------------
For a pair of respondents ``i, j`` with ratings ``x_ij`` (``i`` about ``j``) and ``x_ji``
(after ``threshold``: ratings below it count as 0):

=============== =========================== =============================================
rule            tie when                    weight
=============== =========================== =============================================
reciprocated    both ratings > 0            mean of the two ratings
union           either rating > 0           mean of the ratings > 0
max             either rating > 0           larger rating
min             both ratings > 0            smaller rating
mean            either rating > 0           mean of the two ratings, zeros included
=============== =========================== =============================================

A pair with one respondent uses the respondent's report (``non_respondents="keep"``, the
default) or is left out (``"drop"``). A pair of two non-respondents is **unknown, never
absent**: it gets no tie and is counted as unknown in the report. Directed kinds (referral)
keep the reporter's direction and are not symmetrised; a mutual tie is stored once, from the
actor listed first in the sampling frame to the other. Every tie gets a column
``reported_by``: ``"both"`` (confirmed by both sides), ``"one"`` (both responded, one reported
it), ``"respondent"`` (the partner did not respond, or the kind is directed).

The read report (:meth:`Survey.report`, also the ecosystem's last provenance record) gives the
response rate overall and per domain, the ties by ``reported_by``, pairs where the two sides
disagree, unknown pairs, and every answer left out (self-ratings) or defaulted (empty answers).

Cost
----
A long survey of 2 M answers about 10,000 organisations reads in 0.35-0.7 s on 2 cores (by
machine), 2.5-3 times as long as pandas.read_csv of the same file alone. The passes over the
answers are compiled (:mod:`ecosystem.io._answers`): the first survey read in a process loads
them (0.3-1 s by machine), the first after installing compiles them (a few seconds, once). For
several rules on the same answers read once with :meth:`Survey.read`.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ecosystem._repr import clip, html_card, listing
from ecosystem.core.ecosystem import Ecosystem, actors_alone
from ecosystem.core.errors import (
    ConfigError,
    DuplicateIdError,
    EcosystemError,
    ValidationError,
    suggest,
)
from ecosystem.core.report import Collector, Note
from ecosystem.core.schema import Schema
from ecosystem.core.validate import STR, Where
from ecosystem.io._answers import (
    RULES,
    answer_counts,
    answers_given,
    by_pair,
    directed_ties,
    mutual_ties,
    rated,
)
from ecosystem.io._csvformat import ambiguous_number, note_decimal_comma, parse_numbers
from ecosystem.io.csv import _frame as csv_frame
from ecosystem.io.csv import read_text_table

__all__ = ["SYMMETRIZE", "Question", "Survey", "read_ego_survey", "read_survey"]

#: The rules that turn two reports of a mutual tie into one tie.
SYMMETRIZE = ("reciprocated", "union", "max", "min", "mean")
LAYOUTS = ("wide", "long")
LONG_COLUMNS = ("respondent", "partner", "question", "value")
#: per answer: positions of its respondent and partner in the frame, and of its question
_Codes = tuple[np.ndarray, np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Question:
    """What one survey question measures.

    Parameters
    ----------
    name
        The question as it appears in the responses.
    tie_kind
        The tie kind its answers make (``None`` for an attribute question).
    attribute
        The tie column its answers fill (``None`` for a tie question).
    scale
        Labels from lowest (rated 0) to highest, or ``None`` for numeric answers.
    """

    name: str
    tie_kind: str | None = None
    attribute: str | None = None
    scale: tuple[str, ...] | None = None

    def ratings(self, values: pd.Series, source: str, rows: np.ndarray,
                column: pd.Series | str, decimal: str = ".") -> np.ndarray:
        """Numeric ratings of raw answers (NaN for an empty answer); errors name the row.

        Works on the distinct answers (a scale has a handful), so the cost per answer is one
        array lookup. ``decimal`` is the decimal mark of numbers written as text.
        """
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        rated, bad = self._rate(uniques, decimal)
        if bad.any():
            u = int(np.flatnonzero(bad)[0])
            k = int(np.argmax(codes == u))
            self._refuse(values.iloc[k], decimal, source, int(rows[k]), _col(column, k))
        return np.append(rated, np.nan)[codes]  # code -1: missing

    def _rate(self, uniques: Any, decimal: str) -> tuple[np.ndarray, np.ndarray]:
        """(ratings, NaN for an empty answer; mask of answers refused) of distinct answers."""
        text = pd.Series(np.asarray(uniques, dtype=object)).astype("str").str.strip()
        empty = (text == "").to_numpy()
        if self.scale is not None:
            lookup = {s.strip().casefold(): float(i) for i, s in enumerate(self.scale)}
            mapped = text.str.casefold().map(lookup).to_numpy(dtype=float)
        else:
            mapped, _ = parse_numbers(text.where(~empty), decimal)
            mapped = np.where(np.isfinite(mapped) & (mapped >= 0), mapped, np.nan)
        return np.where(empty, np.nan, mapped), ~empty & np.isnan(mapped)

    def _refuse(self, value: Any, decimal: str, source: str, row: int, column: str) -> None:
        if self.scale is None and parse_numbers(pd.Series([value]), decimal)[1][0]:
            raise ambiguous_number(value, decimal, source, column, row, None)
        if self.scale is not None:
            why = f"is not on its scale {list(self.scale)}" + suggest(str(value), self.scale)
        else:
            why = "must be a number >= 0 (or give the question a scale of labels)"
        raise ValidationError(f"answer {value!r} to question '{self.name}' {why}",
                              source=source, row=row, field=column)


def _col(column: pd.Series | str, k: int) -> str:
    return column if isinstance(column, str) else str(column.iloc[k])


def _questions(questions: Any, schema: Schema) -> dict[str, Question]:
    func = "read_survey"
    if not isinstance(questions, Mapping) or not questions:
        raise ConfigError(f"{func}(): questions must map each question to a tie kind or to "
                          "{'tie_kind'|'attribute': ..., 'scale': ...}, e.g. "
                          "{'contact': 'collaboration'}")
    out = {str(name): _question(str(name), spec, schema) for name, spec in questions.items()}
    kinds = [q.tie_kind for q in out.values() if q.tie_kind]
    dup = {k for k in kinds if kinds.count(k) > 1}
    if dup:
        raise ConfigError(f"{func}(): several questions map to tie kind {sorted(dup)}; map one of "
                          "them to an attribute instead")
    if not kinds:
        raise ConfigError(f"{func}(): no question maps to a tie kind, so there would be no ties")
    return out


def _question(name: str, spec: Any, schema: Schema) -> Question:
    where = f"read_survey(): questions['{name}']"
    if isinstance(spec, str):
        spec = {"tie_kind": spec}
    if not isinstance(spec, Mapping):
        raise ConfigError(f"{where} must be a tie kind or a dict")
    unknown = set(spec) - {"tie_kind", "attribute", "scale"}
    if unknown:
        bad = sorted(unknown)[0]
        raise ConfigError(f"{where}: unknown key '{bad}'"
                          + suggest(bad, ["tie_kind", "attribute", "scale"]))
    if ("tie_kind" in spec) == ("attribute" in spec):
        raise ConfigError(f"{where} needs exactly one of 'tie_kind' and 'attribute'")
    kind = None
    if "tie_kind" in spec:
        try:
            kind = schema.tie_kind(spec["tie_kind"])
        except EcosystemError as exc:
            raise ConfigError(f"{where}: {exc}") from None
    attribute = spec.get("attribute")
    if attribute is not None and (not isinstance(attribute, str) or attribute in (
            "source", "target", "kind", "weight", "reported_by")):
        raise ConfigError(f"{where}: attribute {attribute!r} must be a new column name")
    return Question(name, kind, attribute, _scale(spec.get("scale", "numeric"), where))


def _scale(scale: Any, where: str) -> tuple[str, ...] | None:
    if isinstance(scale, str):
        if scale != "numeric":
            raise ConfigError(f"{where}: scale must be a list of labels (lowest first) or "
                              f"'numeric', got {scale!r}")
        return None
    labels = tuple(str(s) for s in scale)
    norm = [s.strip().casefold() for s in labels]
    if len(labels) < 2 or len(set(norm)) != len(norm):
        raise ConfigError(f"{where}: a scale needs at least two distinct labels, got "
                          f"{list(labels)}")
    return labels


def _table(obj: Any, what: str, schema: Schema, notes: Collector, *, sep: str | None,
           decimal: str | None, encoding: str | None) -> tuple[pd.DataFrame, str, str]:
    """(table, source name, decimal mark of its text numbers) of a DataFrame or file.

    A text file is read as :func:`~ecosystem.read_csv` reads its files (encoding, separator and
    decimal mark detected and written to ``notes``): the actors (sampling frame) exactly as
    there, the responses with every column as text.
    """
    if isinstance(obj, pd.DataFrame):
        return obj.reset_index(drop=True), f"{what} table", "."
    path = Path(obj)
    if not path.is_file():
        raise ConfigError(f"read_survey(): {what} file '{path}' does not exist")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            return pd.read_excel(path, dtype=str), str(path), "."
        except ImportError:
            raise ConfigError("reading .xlsx needs openpyxl: pip install 'ecosystem[excel]'"
                              ) from None
    if what == "actors":
        frame, _ = csv_frame(path, None, "actors", schema, sep=sep, decimal=decimal,
                             encoding=encoding, notes=notes)
        return frame, str(path), "."
    frame, _, dec = read_text_table(path, sep=sep, decimal=decimal, encoding=encoding,
                                    notes=notes)
    return frame, str(path), dec


def _frame_of(actors: Any, schema: Schema, notes: Collector, **read: Any) -> pd.DataFrame:
    """The sampling frame, validated as an actors table (kinds canonical), noted in ``notes``."""
    frame, source, _ = _table(actors, "actors", schema, notes, **read)
    where = Where(source, first_line=None if source == "actors table" else 2)
    return actors_alone(frame, schema, where, notes)


def _frame_and_table(actors: Any, responses: Any, schema: Schema, read: Mapping[str, Any]
                     ) -> tuple[pd.DataFrame, tuple[pd.DataFrame, str, str], Collector]:
    """The sampling frame (:func:`_frame_of`) and the responses (:func:`_table`), and their
    read notes: the frame's first.

    A responses file is read while the frame is validated on a second thread (pyarrow's
    parse leaves the interpreter free); the frame's error, if any, is raised first, as when
    one after the other. The thread runs in a copy of this context, so problems collected
    by :func:`~ecosystem.core.report.collecting` are collected there too.
    """
    frame_notes, table_notes = Collector(), Collector()
    if isinstance(responses, pd.DataFrame):
        frame = _frame_of(actors, schema, frame_notes, **read)
        table = _table(responses, "responses", schema, table_notes, **read)
    else:
        with ThreadPoolExecutor(max_workers=1) as pool:
            context = contextvars.copy_context()
            framed = pool.submit(lambda: context.run(_frame_of, actors, schema, frame_notes,
                                                     **read))
            try:
                table = _table(responses, "responses", schema, table_notes, **read)
            except Exception:
                framed.result()  # the frame's error, if any, is the one raised
                raise
            frame = framed.result()
    notes = Collector(frame_notes.notes + table_notes.notes,
                      frame_notes.changed or table_notes.changed)
    return frame, table, notes


# ------------------------------------------------------------------ the parsed survey
@dataclass(frozen=True)
class Survey:
    """Parsed survey answers and the sampling frame: make ecosystems and scores from them.

    Use :meth:`read` (or :func:`read_survey`, which reads and builds the ecosystem at once).

    Parameters
    ----------
    frame
        The sampling frame: the organisations asked about (``id``, ``kind``, optional
        ``neighbourhood`` and any attributes), one row each.
    answers
        Tidy answers: ``respondent, partner, question, rating`` (NaN for an empty answer).
    respondents
        Ids of the organisations that responded.
    questions
        The questions by name.
    notes
        What reading changed or left out, for the report.
    schema
        The vocabulary.
    source
        Name of the responses file or table.
    read_notes
        The read report of the files or tables (encoding, separator, decimal mark, column
        aliases, kinds made canonical), continued by each :meth:`ecosystem`.

    Examples
    --------
    >>> import pandas as pd
    >>> from ecosystem import Survey
    >>> frame = pd.DataFrame({"id": ["gp", "team"], "kind": ["gp", "social_team"]})
    >>> answers = pd.DataFrame({"respondent": ["gp"], "contact: team": ["2"]})
    >>> survey = Survey.read(answers, actors=frame, questions={"contact": "collaboration"})
    >>> survey.ecosystem().ties[["source", "target", "weight", "reported_by"]]
      source target  weight reported_by
    0     gp   team     2.0  respondent
    """

    frame: pd.DataFrame
    answers: pd.DataFrame
    respondents: frozenset[str]
    questions: Mapping[str, Question]
    notes: Mapping[str, Any] = field(default_factory=dict)
    schema: Schema | None = None
    source: str = "responses"
    read_notes: tuple[Note, ...] = ()
    #: reading's sort of the answers by question and pair (see
    #: :func:`ecosystem.io._answers.by_pair`), indices
    #: into ``answers``; None where not read from the long layout (or answers changed)
    _by_pair: tuple[np.ndarray, np.ndarray] | None = field(
        default=None, init=False, repr=False, compare=False)
    #: reading's positions of each answer's respondent and partner in the frame and of its
    #: question (the answers' categorical codes, writable for the compiled passes); None where
    #: not read (or answers changed)
    _codes: _Codes | None = field(
        default=None, init=False, repr=False, compare=False)
    #: reading's :meth:`_responded`; None where not read (or respondents changed)
    _responded_mask: np.ndarray | None = field(
        default=None, init=False, repr=False, compare=False)

    @classmethod
    def read(cls, responses: Any, *, actors: Any, layout: str = "wide",
             respondent: str = "respondent", questions: Mapping[str, Any] | None = None,
             schema: Schema | None = None, sep: str | None = None,
             decimal: str | None = None, encoding: str | None = None) -> Survey:
        """Read survey responses (DataFrame, CSV or Excel path) against a sampling frame.

        Parameters
        ----------
        responses
            The answers in the ``layout``: a DataFrame or a path.
        actors
            The sampling frame: a DataFrame or path with ``id`` and ``kind`` (and optionally
            ``neighbourhood`` and other attributes).
        layout
            ``"wide"`` or ``"long"``.
        respondent
            Name of the column holding the respondent's id.
        questions
            Question -> tie kind, or -> ``{"tie_kind"|"attribute": ..., "scale": ...}``.
        schema
            Vocabulary; :meth:`Schema.default` when omitted.
        sep, decimal, encoding
            For text files, as :func:`~ecosystem.read_csv` takes them: the separator (the
            most frequent of ``,``, ``;``, tab and ``|`` in the header when omitted), the
            decimal mark of numeric answers (the comma for ``;``-separated files when
            omitted) and the encoding (UTF-8, else Windows-1252, when omitted). What was
            chosen is in the read report.

        Returns
        -------
        Survey

        Examples
        --------
        >>> import pandas as pd
        >>> from ecosystem import Survey
        >>> frame = pd.DataFrame({"id": ["gp", "team", "net"],
        ...                       "kind": ["gp", "social_team", "community_network"]})
        >>> answers = pd.DataFrame({"respondent": ["gp", "team"], "contact: gp": [0, 1],
        ...                         "contact: team": [2, 0], "contact: net": [0, 3]})
        >>> survey = Survey.read(answers, actors=frame, questions={"contact": "collaboration"})
        >>> sorted(survey.respondents), len(survey.answers)
        (['gp', 'team'], 4)
        """
        schema = schema or Schema.default()
        if layout not in LAYOUTS:
            raise ConfigError(f"read_survey(): layout={layout!r} must be one of {LAYOUTS}")
        qs = _questions(questions, schema)
        if actors is None:
            raise ConfigError("read_survey(): actors= is needed: the sampling frame (the "
                              "organisations asked about, with id and kind)")
        read: dict[str, Any] = {"sep": sep, "decimal": decimal, "encoding": encoding}
        frame, (table, source, dec), notes = _frame_and_table(actors, responses, schema, read)
        ids = pd.Index(frame["id"])
        if layout == "wide":
            answers, info = _wide(table, respondent, qs, ids, source, dec)
        else:
            answers, info = _long(table, respondent, qs, ids, source, dec)
        if info.pop("decimal_comma", None):
            note_decimal_comma(info.pop("numeric_columns"), source, notes)
        info.pop("numeric_columns", None)
        codes, ratings = info.pop("_codes"), answers["rating"].to_numpy(dtype=float)
        answered, selves, self_rated, empty = answer_counts(codes[0], codes[1], ratings,
                                                            len(ids))
        responded = answered  # by position in the frame
        responded[info.pop("_silent", [])] = True
        who = frozenset(ids[responded].tolist())
        info["self_answers_ignored"] = self_rated
        sort = info.pop("_by_pair", None)
        if selves:
            self_rows = codes[0] == codes[1]
            codes = (codes[0][~self_rows], codes[1][~self_rows], codes[2][~self_rows])
            answers = _answers(ids, qs, codes, ratings[~self_rows])
            sort = None if sort is None else _without_rows(sort, self_rows)
        info["empty_answers"] = empty
        survey = cls(frame, answers, who, qs, info, schema, source, tuple(notes.notes))
        object.__setattr__(survey, "_by_pair", sort)
        object.__setattr__(survey, "_codes", codes)
        object.__setattr__(survey, "_responded_mask", responded)
        return survey

    def _describe(self) -> str:
        empty = int(self.answers["rating"].isna().sum())
        return (f"{clip(self.source)}: {len(self.frame)} organisations in the frame, "
                f"{len(self.respondents)} respondents, {len(self.questions)} questions "
                f"({listing(self.questions)}), {len(self.answers)} answers ({empty} empty)")

    def __repr__(self) -> str:
        return f"Survey({self._describe()})"

    def _repr_html_(self) -> str:
        qs = pd.DataFrame(
            [{"question": q.name, "tie_kind": q.tie_kind, "attribute": q.attribute,
              "scale": None if q.scale is None else " < ".join(q.scale)}
             for q in self.questions.values()],
            columns=["question", "tie_kind", "attribute", "scale"]).set_index("question")
        notes = [f"{k.replace('_', ' ')}: {v}" for k, v in self.notes.items()]
        return html_card(f"Survey {self._describe()}", [("Questions", qs)], notes=notes)

    # -------------------------------------------------------------- ecosystem
    def ecosystem(self, *, symmetrize: str = "reciprocated", threshold: float | str | None = None,
                  non_respondents: str = "keep", name: str | None = None) -> Ecosystem:
        """The ecosystem these answers give under a rule (see the module docstring).

        Parameters
        ----------
        symmetrize
            One of :data:`SYMMETRIZE`, for mutual tie kinds.
        threshold
            Ratings below it count as no tie: a number, or a label of every tie question's
            scale.
        non_respondents
            ``"keep"``: a tie between a respondent and a non-respondent uses the respondent's
            report; ``"drop"``: such ties are left out.
        name
            Name of the ecosystem.

        Returns
        -------
        Ecosystem
            The frame as actors (plus a boolean ``responded`` column) and the ties, each with
            ``reported_by`` and any attribute columns; the read report as the last provenance
            record.

        Examples
        --------
        >>> import pandas as pd
        >>> from ecosystem import Survey
        >>> frame = pd.DataFrame({"id": ["gp", "team", "net"],
        ...                       "kind": ["gp", "social_team", "community_network"]})
        >>> answers = pd.DataFrame({"respondent": ["gp", "team"], "contact: gp": [0, 1],
        ...                         "contact: team": [2, 0], "contact: net": [0, 3]})
        >>> survey = Survey.read(answers, actors=frame, questions={"contact": "collaboration"})
        >>> survey.ecosystem(symmetrize="union").ties[["source", "target", "weight",
        ...                                            "reported_by"]]
          source target  weight reported_by
        0     gp   team     1.5        both
        1   team    net     3.0  respondent
        """
        func = "read_survey"
        if symmetrize not in SYMMETRIZE:
            raise ConfigError(f"{func}(): symmetrize={symmetrize!r} is not a rule"
                              + suggest(str(symmetrize), SYMMETRIZE)
                              + f" Known: {', '.join(SYMMETRIZE)}")
        if non_respondents not in ("keep", "drop"):
            raise ConfigError(f"{func}(): non_respondents={non_respondents!r} must be 'keep' or "
                              "'drop'")
        schema = self.schema or Schema.default()
        responded = self._responded()
        parts: list[tuple[np.ndarray, ...]] = []
        stats = {"disagreements": 0, "rating_disagreements": 0}
        for ordinal, part, st in self._tie_parts(threshold, symmetrize, non_respondents,
                                                 responded, schema):
            for k in stats:
                stats[k] += st.get(k, 0)
            parts.append((*part, np.full(len(part[0]), ordinal, dtype=np.int64)))
        src, tgt, weight, reported, kind = (np.concatenate([p[k] for p in parts])
                                            for k in range(5))
        kinds = [q.tie_kind for q in self.questions.values() if q.tie_kind is not None]
        mutual = np.isin(np.asarray(kinds, dtype=object), list(schema.mutual_tie_kinds))[kind]
        # categorical: the ties' checks look at the few kinds, not at every tie's
        columns = {"kind": pd.Categorical.from_codes(kind, categories=pd.Index(kinds),
                                                   validate=False),
                   "weight": weight, "reported_by": _REPORTED.take(reported),
                   **self._attributes(src, tgt, mutual)}
        report = self._report(responded, reported, symmetrize, threshold, non_respondents,
                              stats)
        return Ecosystem._from_positions(
            self.frame.assign(responded=responded), src, tgt, columns, schema=schema,
            name=name or "survey", _step={"step": "read_survey", "source": self.source,
                                          **report}, _notes=Collector(list(self.read_notes)),
            _actors_checked=True)

    def _tie_parts(self, threshold: float | str | None, symmetrize: str,
                   non_respondents: str, responded: np.ndarray, schema: Schema
                   ) -> list[tuple[int, _Part, dict[str, int]]]:
        """Each tie question's ties and disagreement counts, in question order, with the
        question's place among the tie questions (see :mod:`ecosystem.io._answers`); the
        thresholds are checked in question order first. Many answers are worked out on two
        threads (the passes are compiled without the interpreter lock), a mutual question's
        in two parts (pairs in order: the parts' ties in turn are the question's)."""
        a = self.answers
        if self._codes is None:
            i, j = a["respondent"].cat.codes.to_numpy(), a["partner"].cat.codes.to_numpy()
            qcode = pd.Categorical(a["question"], categories=list(self.questions)).codes
        else:
            i, j, qcode = self._codes
        x = a["rating"].to_numpy(dtype=float)
        n, keep = len(self.frame), non_respondents == "keep"
        sort, threaded = self._by_pair, len(x) >= _THREADED
        jobs: list[tuple[int, Callable[[], tuple[_Part, dict[str, int]]]]] = []
        tie_questions = [(k, q) for k, q in enumerate(self.questions.values())
                         if q.tie_kind is not None]
        for ordinal, (k, q) in enumerate(tie_questions):
            t = -np.inf if threshold is None else _threshold(threshold, q)
            if q.tie_kind not in schema.mutual_tie_kinds:
                jobs.append((ordinal, partial(_directed_part, i, j, qcode, k, x, t, keep,
                                              responded)))
                continue
            if sort is None:
                sort = by_pair(i, j, n, qcode)[:2]
            for span in _spans(sort[1], k, n, 2 if threaded else 1):
                jobs.append((ordinal, partial(_mutual_part, sort, span, k, n, x, t,
                                              RULES.index(symmetrize), keep, responded)))
        if len(jobs) < 2 or not threaded:
            return [(ordinal, *job()) for ordinal, job in jobs]
        with ThreadPoolExecutor(max_workers=2) as pool:
            done = list(pool.map(lambda job: job[1](), jobs))
        return [(ordinal, *d) for (ordinal, _), d in zip(jobs, done, strict=True)]

    def _responded(self) -> np.ndarray:
        """Boolean per frame row: did the organisation respond."""
        if self._responded_mask is not None:
            return self._responded_mask.copy()
        who = self.respondents
        return np.fromiter((i in who for i in self.frame["id"].tolist()), dtype=bool,
                           count=len(self.frame))

    def _attributes(self, src: np.ndarray, tgt: np.ndarray, mutual: np.ndarray
                    ) -> dict[str, np.ndarray]:
        """The attribute questions' columns for ties ``src -> tgt`` (frame positions)."""
        n = len(self.frame)
        out = {}
        for q in self.questions.values():
            if q.attribute is None:
                continue
            a = self.answers[(self.answers["question"] == q.name)
                             & self.answers["rating"].notna()]
            i = a["respondent"].cat.codes.to_numpy().astype(np.int64)
            j = a["partner"].cat.codes.to_numpy().astype(np.int64)
            x = a["rating"].to_numpy(dtype=float)
            directed = pd.Series(x, index=i * n + j)
            pair = pd.Series(x).groupby(np.minimum(i, j) * n + np.maximum(i, j)).mean()
            val_dir = directed.reindex(src * n + tgt).to_numpy(dtype=float)
            val_mut = pair.reindex(np.minimum(src, tgt) * n + np.maximum(src, tgt)).to_numpy(
                dtype=float)
            out[q.attribute] = np.where(mutual, val_mut, val_dir)
        return out

    def _report(self, responded_by_row: np.ndarray, reported_by: np.ndarray, symmetrize: str,
                threshold: Any, non_respondents: str, stats: Mapping[str, int]
                ) -> dict[str, Any]:
        frame = self.frame
        responded = pd.Series(responded_by_row, index=frame.index)
        by_domain = responded.groupby(frame["domain"]).mean()
        n_non = int((~responded).sum())
        reported = _counts(reported_by, _REPORTED)
        return {
            "respondents": int(responded.sum()),
            "frame": len(frame),
            "response_rate": float(responded.mean()) if len(frame) else float("nan"),
            "response_rate_by_domain": {str(k): float(v) for k, v in by_domain.items()},
            "symmetrize": symmetrize,
            "threshold": threshold,
            "non_respondents": non_respondents,
            "ties_by_reported_by": {str(k): int(v) for k, v in reported.items()},
            "confirmed": int(reported.get("both", 0)),
            "disagreements": int(stats.get("disagreements", 0)),
            "rating_disagreements": int(stats.get("rating_disagreements", 0)),
            "unknown_pairs": n_non * (n_non - 1) // 2,
            **{k: v for k, v in self.notes.items()},
        }

    def report(self, *, symmetrize: str = "reciprocated", threshold: float | str | None = None,
               non_respondents: str = "keep") -> dict[str, Any]:
        """The read report of :meth:`ecosystem` under the same rules.

        Parameters
        ----------
        symmetrize, threshold, non_respondents
            As in :meth:`ecosystem`.

        Returns
        -------
        dict
            Response rates (overall and by domain), ties by ``reported_by``, disagreements,
            unknown pairs, and the answers left out or defaulted.

        Examples
        --------
        >>> import pandas as pd
        >>> from ecosystem import Survey
        >>> frame = pd.DataFrame({"id": ["gp", "team", "net"],
        ...                       "kind": ["gp", "social_team", "community_network"]})
        >>> answers = pd.DataFrame({"respondent": ["gp", "team"], "contact: gp": [0, 1],
        ...                         "contact: team": [2, 0], "contact: net": [0, 3]})
        >>> survey = Survey.read(answers, actors=frame, questions={"contact": "collaboration"})
        >>> report = survey.report(symmetrize="reciprocated")
        >>> report["response_rate"], report["confirmed"], report["unknown_pairs"]
        (0.6666666666666666, 1, 0)
        """
        rec = dict(self.ecosystem(symmetrize=symmetrize, threshold=threshold,
                                  non_respondents=non_respondents).provenance[-1])
        rec.pop("step")
        rec.pop("source")
        return rec

    def without(self, respondents: Iterable[str]) -> Survey:
        """The survey as if ``respondents`` had not responded (their answers removed).

        Parameters
        ----------
        respondents
            Ids of respondents to remove.

        Returns
        -------
        Survey

        Examples
        --------
        >>> import pandas as pd
        >>> from ecosystem import Survey
        >>> frame = pd.DataFrame({"id": ["gp", "team", "net"],
        ...                       "kind": ["gp", "social_team", "community_network"]})
        >>> answers = pd.DataFrame({"respondent": ["gp", "team"], "contact: gp": [0, 1],
        ...                         "contact: team": [2, 0], "contact: net": [0, 3]})
        >>> survey = Survey.read(answers, actors=frame, questions={"contact": "collaboration"})
        >>> survey.without(["team"]).ecosystem().ties[["source", "target", "reported_by"]]
          source target reported_by
        0     gp   team  respondent
        """
        drop = {str(r) for r in respondents}
        keep = ~self.answers["respondent"].isin(list(drop)).to_numpy()
        from dataclasses import replace

        return replace(self, answers=self.answers[keep].reset_index(drop=True),
                       respondents=self.respondents - drop)

    # -------------------------------------------------------------- scores
    def scores(self, *, symmetrize: str = "reciprocated", threshold: Any = None
               ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Partnership-survey scores: per actor and per neighbourhood.

        Per actor (indexed by id): for every question ``<q>_mean``, the mean rating the actor
        received from respondents (empty answers left out; NaN when nobody rated it), and
        ``<q>_raters``, the number of respondents who rated it. Per neighbourhood (indexed by
        name; shared actors, without a neighbourhood, are not a row): ``actors``,
        ``response_rate``; ``confirmed_density``, ties confirmed by both sides among its
        actors over the pairs of its respondents (the pairs that could confirm one; NaN with
        fewer than two respondents); and ``cross_domain_share``, the share of the ties touching
        it (under ``symmetrize``) whose ends are in different domains.

        Parameters
        ----------
        symmetrize, threshold
            As in :meth:`ecosystem`, for the tie-based columns.

        Returns
        -------
        actors, neighbourhoods : pandas.DataFrame

        Examples
        --------
        >>> import pandas as pd
        >>> from ecosystem import Survey
        >>> frame = pd.DataFrame({"id": ["gp", "team", "net"],
        ...                       "kind": ["gp", "social_team", "community_network"]})
        >>> answers = pd.DataFrame({"respondent": ["gp", "team"], "contact: gp": [0, 1],
        ...                         "contact: team": [2, 0], "contact: net": [0, 3]})
        >>> survey = Survey.read(answers, actors=frame, questions={"contact": "collaboration"})
        >>> per_actor, per_nb = survey.scores()
        >>> per_actor[["contact_mean", "contact_raters"]]
              contact_mean  contact_raters
        id
        gp             1.0               1
        team           2.0               1
        net            1.5               2
        """
        a = self.answers[self.answers["rating"].notna()]
        g = a.groupby(["partner", "question"])["rating"]
        wide = pd.concat({"mean": g.mean(), "raters": g.size()}, axis=1).unstack("question")
        cols = {}
        for q in self.questions:
            for stat in ("mean", "raters"):
                col = (stat, q)
                values = wide[col] if col in wide.columns else pd.Series(dtype=float)
                cols[f"{q}_{stat}"] = values.reindex(self.frame["id"])
        per_actor = pd.DataFrame(cols, index=pd.Index(self.frame["id"], name="id"))
        for q in self.questions:
            per_actor[f"{q}_raters"] = per_actor[f"{q}_raters"].fillna(0).astype("int64")
        eco = self.ecosystem(symmetrize=symmetrize, threshold=threshold)
        return per_actor, _neighbourhood_scores(eco, self.respondents)


def _neighbourhood_scores(eco: Ecosystem, respondents: frozenset[str]) -> pd.DataFrame:
    actors = eco.actors
    nb = actors.set_index("id")["neighbourhood"]
    dom = actors.set_index("id")["domain"]
    t = eco.ties
    s_nb, t_nb = nb.reindex(t["source"]).to_numpy(), nb.reindex(t["target"]).to_numpy()
    cross = dom.reindex(t["source"]).to_numpy() != dom.reindex(t["target"]).to_numpy()
    rows = {}
    for name in sorted(actors["neighbourhood"].dropna().unique()):
        members = actors["id"][actors["neighbourhood"] == name]
        resp = int(members.isin(respondents).sum())
        inside = (s_nb == name) & (t_nb == name)
        touching = (s_nb == name) | (t_nb == name)
        confirmed = int((inside & (t["reported_by"] == "both").to_numpy()).sum())
        pairs = resp * (resp - 1) / 2
        rows[name] = {
            "actors": len(members),
            "response_rate": resp / len(members),
            "confirmed_density": confirmed / pairs if pairs else float("nan"),
            "cross_domain_share": (float(cross[touching].mean()) if touching.any()
                                   else float("nan")),
        }
    out = pd.DataFrame.from_dict(rows, orient="index",
                                 columns=["actors", "response_rate", "confirmed_density",
                                          "cross_domain_share"])
    out.index.name = "neighbourhood"
    return out


def _threshold(threshold: float | str, q: Question) -> float:
    if isinstance(threshold, str):
        if q.scale is None:
            raise ConfigError(f"read_survey(): threshold {threshold!r} is a label but question "
                              f"'{q.name}' is numeric; give a number")
        norm = [s.strip().casefold() for s in q.scale]
        if threshold.strip().casefold() not in norm:
            raise ConfigError(f"read_survey(): threshold {threshold!r} is not on the scale of "
                              f"'{q.name}' {list(q.scale)}" + suggest(threshold, q.scale))
        return float(norm.index(threshold.strip().casefold()))
    t = float(threshold)
    if not (np.isfinite(t) and t >= 0):
        raise ConfigError(f"read_survey(): threshold={threshold!r} must be a number >= 0")
    return t


#: ``reported_by`` by code: 0 both sides, 1 one side (both responded), 2 the respondent only.
_REPORTED = pd.Index(["both", "one", "respondent"], dtype=STR)


def _counts(codes: np.ndarray, names: pd.Index) -> pd.Series:
    """``Series.value_counts()`` of ``names[codes]``: most frequent first, ties in order of
    first appearance."""
    counts = np.bincount(codes, minlength=len(names))
    present = np.flatnonzero(counts)
    first = [int(np.argmax(codes == c)) for c in present]
    order = sorted(range(len(present)), key=lambda k: (-counts[present[k]], first[k]))
    return pd.Series(counts[present[order]], index=names[present[order]])
_Part = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
#: answers from which the tie questions are worked out on two threads
_THREADED = 100_000


def _directed_part(i: np.ndarray, j: np.ndarray, qcode: np.ndarray, k: int, x: np.ndarray,
                   t: float, keep: bool, responded: np.ndarray
                   ) -> tuple[_Part, dict[str, int]]:
    """Question ``k``'s directed ties (:func:`~ecosystem.io._answers.directed_ties`)."""
    return directed_ties(i, j, qcode, k, x, t, keep, responded), {}


def _spans(key: np.ndarray, k: int, n: int, parts: int) -> list[tuple[int, int]]:
    """Question ``k``'s part of the sorted keys of :func:`~ecosystem.io._answers.by_pair`
    as (start, stop), in ``parts`` spans of about equal length that split no pair."""
    base = k * n * n * 2
    lo, hi = (int(v) for v in np.searchsorted(key, [base, base + n * n * 2]))
    cuts = [lo]
    for p in range(1, parts):
        at = lo + (hi - lo) * p // parts
        if cuts[-1] < at < hi:  # back to the first answer of that pair (even key)
            cuts.append(int(np.searchsorted(key, (key[at] >> 1) << 1)))
    return list(zip(cuts, [*cuts[1:], hi], strict=True))


def _mutual_part(sort: tuple[np.ndarray, np.ndarray], span: tuple[int, int], k: int, n: int,
                 x: np.ndarray, t: float, rule: int, keep: bool, responded: np.ndarray
                 ) -> tuple[_Part, dict[str, int]]:
    """Mutual ties and disagreement counts of question ``k`` from a span of the answers'
    sort by pair (:func:`_spans`, :func:`~ecosystem.io._answers.mutual_ties`)."""
    order, key = sort
    lo, hi = span
    *ties, disagree, rating_disagree = mutual_ties(order[lo:hi], key[lo:hi], k * n * n * 2, n,
                                                   x, t, rule, keep, responded)
    return (ties[0], ties[1], ties[2], ties[3]), {
        "disagreements": disagree, "rating_disagreements": rating_disagree}


def _without_rows(sort: tuple[np.ndarray, np.ndarray], drop: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`~ecosystem.io._answers.by_pair`'s sort with the rows ``drop`` (a mask)
    removed and the rest numbered again."""
    order, key = sort
    keep = ~drop[order]
    return (np.cumsum(~drop) - 1)[order[keep]], key[keep]


# ------------------------------------------------------------------ layouts
def _positions(values: pd.Series, ids: pd.Index, what: str, source: str,
               field: str, among: str = "the sampling frame (actors)",
               found: np.ndarray | None = None) -> np.ndarray:
    """Positions in ``ids`` (the frame's, or ``among`` others) of values (stripped); an
    unknown value names its first row. ``found``: :func:`_lookup`'s of the values in ``ids``
    where already made."""
    if found is None:
        found = _lookup(values, _value_set(ids))
    if found is not None and (not len(found) or found.min() >= 0):  # every value as it stands
        return found
    codes, uniques = _codes(values)
    names = pd.Series(np.asarray(uniques, dtype=object)).astype("str").str.strip()
    pos = ids.get_indexer(pd.Index(names))
    if (pos < 0).any() or (len(codes) and codes.min() < 0):
        bad = np.append(pos < 0, True)[codes]  # a missing value (code -1) is never an id
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            raise ValidationError(f"{what} {values.iloc[k]!r} is not in {among}"
                                  + suggest(str(values.iloc[k]), [str(i) for i in ids]),
                                  source=source, row=k, field=field)
    return pos[codes].astype(_code_type(len(ids)), copy=False)


def _code_type(n: int) -> type[np.signedinteger]:
    """The integer type pandas gives the codes of a categorical of ``n`` categories (so a
    categorical made of codes of this type takes them as they are)."""
    for t in (np.int8, np.int16, np.int32):
        if n < np.iinfo(t).max:
            return t
    return np.int64


def _value_set(names: pd.Index | list[str]) -> pa.Array:
    """``names`` as the Arrow strings :func:`_lookup` finds values among."""
    return pa.array(np.asarray(names, dtype=object), type=pa.large_string())


def _lookup(values: pd.Series, names: pa.Array | None) -> np.ndarray | None:
    """Positions in ``names`` of a column of text as files are read (code -1: missing), by
    one Arrow lookup, in the integer type of a categorical's codes (:func:`_code_type`);
    None where the column is not such text, or a value given is not among ``names`` as
    written (the caller's slower path then strips it or names its row)."""
    if names is None or not isinstance(values.dtype, pd.StringDtype) or not len(values):
        return None
    text = pa.array(values.array).cast(pa.large_string())
    starts = _run_starts(text)
    if starts is not None:  # a value repeated in runs: looked up once per run
        text = text.take(pa.array(starts))
    pos = pc.index_in(text, value_set=names)
    if pos.null_count != text.null_count:
        return None
    if pos.null_count:
        pos = pos.fill_null(-1)
    chunks = pos.chunks if isinstance(pos, pa.ChunkedArray) else [pos]
    found = np.concatenate([c.to_numpy() for c in chunks] or [np.array([], np.int32)],
                           dtype=_code_type(len(names)))
    if starts is None:
        return found
    return np.repeat(found, np.diff(starts, append=len(values)))


#: values of which :func:`_run_starts` looks at the first, and the mean run among them
#: from which the runs are found in all
_RUN_SAMPLE, _RUN_LENGTH = 4096, 8


def _run_starts(text: pa.Array | pa.ChunkedArray) -> np.ndarray | None:
    """Where each run of equal values begins (a missing value is a run of its own), when
    the first values come in runs of :data:`_RUN_LENGTH` or more on average (the
    respondent column of a long survey, usually: each respondent's answers together);
    else None. One comparison of neighbours costs a third of a lookup of every value."""
    def changes(part: pa.Array | pa.ChunkedArray) -> np.ndarray:
        same = pc.equal(part.slice(1), part.slice(0, len(part) - 1)).fill_null(False)
        return np.flatnonzero(~same.to_numpy(zero_copy_only=False)) + 1

    sample = text.slice(0, _RUN_SAMPLE)
    if len(text) < 2 * _RUN_SAMPLE or len(changes(sample)) * _RUN_LENGTH >= len(sample):
        return None
    return np.concatenate([[0], changes(text)])


def _codes(values: pd.Series, labels: list[str] | None = None,
           found: np.ndarray | None = None) -> tuple[np.ndarray, Any]:
    """(codes, distinct values) of a column, code -1 for a missing value: a categorical's
    own codes and categories (the texts are not hashed again); for text as files are read
    whose every value is one of ``labels`` as written, positions among them (one Arrow
    lookup against a few texts, or ``found``, :func:`_lookup`'s already made); else
    ``pd.factorize``'s."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy(), values.cat.categories
    if labels:
        if found is None:
            found = _lookup(values, _value_set(labels))
        if found is not None:  # every value given is a label as it stands
            return found, labels
    return pd.factorize(values, use_na_sentinel=True)


def _labels(qs: Mapping[str, Question]) -> list[str] | None:
    """The distinct labels of the questions' scales as written (None where one is numeric)."""
    if any(q.scale is None for q in qs.values()):
        return None
    return list(dict.fromkeys(label for q in qs.values() for label in q.scale or ()))


def _answers(ids: pd.Index, qs: Mapping[str, Question], codes: _Codes, rating: np.ndarray
             ) -> pd.DataFrame:
    r, p, q = codes
    # the codes are positions the readers resolved (never outside), so not checked again;
    # the ratings are the readers' own new array, taken as they are (not copied)
    return pd.DataFrame(copy=False, data={
        "respondent": pd.Categorical.from_codes(r, categories=ids, validate=False),
        "partner": pd.Categorical.from_codes(p, categories=ids, validate=False),
        "question": pd.Categorical.from_codes(q, categories=pd.Index(list(qs)),
                                              validate=False),
        "rating": rating})


def _wide(table: pd.DataFrame, respondent: str, qs: Mapping[str, Question], ids: pd.Index,
          source: str, decimal: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    if respondent not in table.columns:
        raise ValidationError(f"no '{respondent}' column; columns: {list(table.columns)[:8]}"
                              " (name the respondent column with respondent=)", source=source,
                              field=respondent)
    rows = np.arange(len(table))
    who = _positions(table[respondent], ids, "respondent", source, respondent)
    dup = pd.Series(who).duplicated(keep=False).to_numpy()
    if dup.any():
        first, second = np.flatnonzero(dup)[:2]
        raise DuplicateIdError(f"respondent {ids[who[first]]!r} answered twice (rows {first} "
                               f"and {second}); keep one response per organisation",
                               source=source, row=int(second), field=respondent)
    qnames = list(qs)
    parts, unused, numeric = [], [], []
    seen: dict[tuple[str, str], str] = {}
    for col in table.columns:
        if col == respondent:
            continue
        q, sep, partner = str(col).partition(":")
        q, partner = q.strip(), partner.strip()
        if not sep or q not in qs:
            unused.append(str(col))
            continue
        if partner not in ids:
            raise ValidationError(f"column '{col}': partner {partner!r} is not in the sampling "
                                  "frame (actors)" + suggest(partner, [str(i) for i in ids]),
                                  source=source, field=str(col))
        if (q, partner) in seen:
            raise DuplicateIdError(f"columns '{seen[q, partner]}' and '{col}' both hold the "
                                   f"answers to '{q}' about {partner!r}; keep one",
                                   source=source, field=str(col))
        seen[q, partner] = str(col)
        ratings = qs[q].ratings(table[col], source, rows, str(col), decimal)
        if qs[q].scale is None and np.isfinite(ratings).any():
            numeric.append(str(col))
        parts.append((who, np.full(len(who), ids.get_loc(partner)),
                      np.full(len(who), qnames.index(q)), ratings))
    if unused:
        raise ValidationError(
            f"columns {unused[:5]} are not '<question>: <partner>' for a known question "
            f"({', '.join(qs)}); add them to questions= or remove them", source=source,
            field=unused[0])
    cols = [np.concatenate([pt[k] for pt in parts]) if parts else np.array([], dtype=np.int64)
            for k in range(4)]
    codes = (cols[0].astype(np.int64), cols[1].astype(np.int64), cols[2].astype(np.int64))
    answers = _answers(ids, qs, codes, cols[3].astype(float))
    # a respondent whose every answer is empty still responded
    return answers, {"layout": "wide", "_codes": codes, "_silent": who,
                     "decimal_comma": decimal == "," and bool(numeric),
                     "numeric_columns": numeric}


def _long(table: pd.DataFrame, respondent: str, qs: Mapping[str, Question], ids: pd.Index,
          source: str, decimal: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    names = [respondent, "partner", "question", "value"]
    missing = [c for c in names if c not in table.columns]
    if missing:
        raise ValidationError(f"long layout needs columns {names}; missing {missing}",
                              source=source, field=missing[0])
    extra = [c for c in table.columns if c not in names]
    if extra:
        raise ValidationError(f"unexpected columns {extra[:5]} in the long layout (respondent, "
                              "partner, question, value)", source=source, field=extra[0])
    frame_ids, labels = _value_set(ids), _labels(qs)
    with ThreadPoolExecutor(max_workers=2) as pool:  # Arrow lookups release the GIL
        found = [pool.submit(_lookup, table[c], names) for c, names in (
            (respondent, frame_ids), ("partner", frame_ids), ("question", _value_set(list(qs))),
            ("value", None if labels is None else _value_set(labels)))]
        who = _positions(table[respondent], ids, "respondent", source, respondent,
                         found=found[0].result())
        partner = _positions(table["partner"], ids, "partner", source, "partner",
                             found=found[1].result())
        qcode = _positions(table["question"], pd.Index(list(qs)), "question", source,
                           "question", among="the questions mapped (questions=)",
                           found=found[2].result())
        # the ratings alongside the sort; a refused answer is raised after the answers given
        # twice (.result() raises it there), as when one after the other
        values, coded = table["value"], found[3]
        rated = pool.submit(lambda: _long_ratings(values, qcode, qs, source, decimal,
                                                  coded.result()))
        order, key, repeats = by_pair(who, partner, len(ids), qcode)
        if repeats:
            _answered_once(who, partner, qcode, ids, list(qs), source)
        ratings, numeric = rated.result()
    return _answers(ids, qs, (who, partner, qcode), ratings), {
        "layout": "long", "decimal_comma": decimal == "," and numeric,
        "numeric_columns": ["value"], "_by_pair": (order, key), "_codes": (who, partner, qcode)}


def _answered_once(who: np.ndarray, partner: np.ndarray, qcode: np.ndarray, ids: pd.Index,
                   qnames: list[str], source: str) -> None:
    """Refuse an answer given twice (same respondent, partner and question), naming both rows."""
    key = (who.astype(np.int64) * len(ids) + partner) * len(qnames) + qcode
    ordered = np.sort(key)
    if not (ordered[1:] == ordered[:-1]).any():
        return
    order = np.argsort(key, kind="stable")
    same = np.flatnonzero(key[order[1:]] == key[order[:-1]])
    first, second = order[same[0]], order[same[0] + 1]
    raise DuplicateIdError(f"respondent {ids[who[first]]!r} answered question "
                           f"{qnames[qcode[first]]!r} about {ids[partner[first]]!r} twice "
                           f"(rows {first} and {second})", source=source, row=int(second),
                           field="value")


def _long_ratings(values: pd.Series, qcode: np.ndarray, qs: Mapping[str, Question],
                  source: str, decimal: str, found: np.ndarray | None = None
                  ) -> tuple[np.ndarray, bool]:
    """Ratings of the answers in the long layout: each question's scale applied to the
    distinct answers it was given, one table lookup per answer. ``found``: the answers'
    :func:`_lookup` among the scales' labels where made."""
    codes, uniques = _codes(values, _labels(qs), found)
    width = len(uniques) + 1  # the last column: missing (code -1)
    given = answers_given(qcode, codes, len(qs), width)
    table = np.full((len(qs), width), np.nan)
    numeric = False
    for k, q in enumerate(qs.values()):
        ratings, bad = q._rate(uniques, decimal)
        bad &= given[k, :-1]
        if bad.any():  # the first row of this question holding a refused answer
            row = int(np.flatnonzero((qcode == k) & np.append(bad, False)[codes])[0])
            q._refuse(values.iloc[row], decimal, source, row, "value")
        table[k, :-1] = ratings
        numeric |= q.scale is None and bool(np.isfinite(ratings[given[k, :-1]]).any())
    return rated(qcode, codes, table), numeric


# ------------------------------------------------------------------ entry points
def read_survey(
    responses: Any,
    *,
    actors: Any = None,
    layout: str = "wide",
    respondent: str = "respondent",
    questions: Mapping[str, Any] | None = None,
    symmetrize: str = "reciprocated",
    threshold: float | str | None = None,
    non_respondents: str = "keep",
    schema: Schema | None = None,
    sep: str | None = None,
    decimal: str | None = None,
    encoding: str | None = None,
) -> Ecosystem:
    """Read a partnership survey into an :class:`Ecosystem` by documented missing-data rules.

    See :mod:`ecosystem.io.survey` for the layouts, question forms and the ``symmetrize``
    rules. For several rules on the same answers, or scores, read once with
    :meth:`Survey.read` and call :meth:`Survey.ecosystem` per rule.

    Parameters
    ----------
    responses
        The answers: a DataFrame, or a CSV or Excel path.
    actors
        The sampling frame (organisations asked about): DataFrame or path with ``id``,
        ``kind`` and optionally ``neighbourhood``.
    layout
        ``"wide"`` (``"<question>: <partner>"`` columns) or ``"long"``.
    respondent
        The respondent column.
    questions
        Question -> tie kind, or -> ``{"tie_kind"|"attribute": ..., "scale": ...}``.
    symmetrize
        Rule for mutual tie kinds: one of :data:`SYMMETRIZE`.
    threshold
        Ratings below it count as no tie (a number or a scale label).
    non_respondents
        ``"keep"`` the respondent's report of a tie with a non-respondent, or ``"drop"`` it.
    schema
        Vocabulary; the default schema when omitted.
    sep, decimal, encoding
        For text files, as :func:`~ecosystem.read_csv` takes them (detected when omitted:
        the separator from the header, the decimal comma for ``;``-separated files, UTF-8
        else Windows-1252); the choices are in the read report (``eco.read_report``).

    Returns
    -------
    Ecosystem
        Actors from the frame with a ``responded`` column; ties with ``reported_by`` and
        attribute columns; the read report as the last provenance record.

    Examples
    --------
    >>> import pandas as pd
    >>> import ecosystem as es
    >>> frame = pd.DataFrame({"id": ["gp", "team", "net"],
    ...                       "kind": ["huisarts", "wijkteam", "zorgzame gemeenschap"]})
    >>> answers = pd.DataFrame({"respondent": ["gp", "team"],
    ...                         "contact: team": ["vaak", None], "contact: gp": [None, "soms"],
    ...                         "contact: net": ["nooit", "altijd"]})
    >>> q = {"contact": {"tie_kind": "collaboration",
    ...                  "scale": ["nooit", "soms", "vaak", "altijd"]}}
    >>> eco = es.read_survey(answers, actors=frame, questions=q, symmetrize="reciprocated")
    >>> eco.ties[["source", "target", "weight", "reported_by"]]
      source target  weight reported_by
    0     gp   team     1.5        both
    1   team    net     3.0  respondent
    >>> eco.provenance[-1]["response_rate"], eco.provenance[-1]["unknown_pairs"]
    (0.6666666666666666, 0)
    """
    survey = Survey.read(responses, actors=actors, layout=layout, respondent=respondent,
                         questions=questions, schema=schema, sep=sep, decimal=decimal,
                         encoding=encoding)
    return survey.ecosystem(symmetrize=symmetrize, threshold=threshold,
                            non_respondents=non_respondents)


def read_ego_survey(
    responses: Any,
    *,
    actors: Any,
    respondent: str = "respondent",
    tie_kind: str = "collaboration",
    schema: Schema | None = None,
    sep: str | None = None,
    decimal: str | None = None,
    encoding: str | None = None,
) -> Ecosystem:
    """Read an ego-network survey (contacts named by kind, not by name) as kind-level ties.

    Each respondent reports how many contacts of each kind it has (``"3 GPs, 1 welfare
    worker"``): one row per respondent, one column per actor kind (ids or Dutch aliases) with
    a count >= 0. Contacts cannot be identified, so the result is an **aggregated** ecosystem:
    one actor per (neighbourhood, kind) that occurs, id ``"<neighbourhood>/<kind>"``
    (``"shared/<kind>"`` without a neighbourhood), with a column ``n_actors`` (the frame's
    organisations of that kind there; 0 for kinds only named as contacts) and
    ``n_respondents``. A tie joins the respondent's (neighbourhood, kind) to the contact
    kind in the same neighbourhood, its ``weight`` the total count of contacts named and
    ``n_reports`` the number of respondents naming them; a mutual ``tie_kind`` sums both
    directions. Counts between actors of one kind become a self-loop only where the schema
    allows it, otherwise they are reported and left out. Usable by :func:`ecosystem.mixing`
    and the flow model, not by actor-level measures.

    Parameters
    ----------
    responses
        DataFrame or path: ``respondent`` plus one count column per kind.
    actors
        The sampling frame with ``id``, ``kind`` and ``neighbourhood``.
    respondent
        The respondent column.
    tie_kind
        Kind of the ties made.
    schema
        Vocabulary.
    sep, decimal, encoding
        For text files, as :func:`~ecosystem.read_csv` takes them (detected when omitted).

    Returns
    -------
    Ecosystem

    Examples
    --------
    >>> import pandas as pd
    >>> import ecosystem as es
    >>> frame = pd.DataFrame({"id": ["gp1", "gp2"], "kind": ["gp", "gp"],
    ...                       "neighbourhood": ["Oost", "Oost"]})
    >>> ego = pd.DataFrame({"respondent": ["gp1", "gp2"], "welzijn": [1, 2],
    ...                     "wijkteam": [0, 1]})
    >>> eco = es.read_ego_survey(ego, actors=frame)
    >>> eco.ties[["source", "target", "weight", "n_reports"]]
        source           target  weight  n_reports
    0  Oost/gp  Oost/social_team     1.0          1
    1  Oost/gp      Oost/welfare     3.0          2
    """
    schema = schema or Schema.default()
    read: dict[str, Any] = {"sep": sep, "decimal": decimal, "encoding": encoding}
    frame, (table, source, dec), notes = _frame_and_table(actors, responses, schema, read)
    kind = schema.tie_kind(tie_kind)
    if respondent not in table.columns:
        raise ValidationError(f"no '{respondent}' column", source=source, field=respondent)
    ids = pd.Index(frame["id"])
    who = pd.Series(ids[_positions(table[respondent], ids, "respondent", source, respondent)])
    dup = who.duplicated().to_numpy()
    if dup.any():
        k = int(np.flatnonzero(dup)[0])
        raise DuplicateIdError(f"respondent {who.iloc[k]!r} answered twice", source=source,
                               row=k, field=respondent)
    by_id = frame.set_index("id")
    nb = by_id["neighbourhood"].reindex(who).fillna("shared").to_numpy(dtype=object)
    own = by_id["kind"].reindex(who).to_numpy(dtype=object)
    counts = []
    for col in table.columns:
        if col == respondent:
            continue
        try:
            contact = schema.actor_kind(str(col))
        except EcosystemError:
            raise ValidationError(f"column '{col}' is not an actor kind"
                                  + suggest(str(col), schema.actor_kinds), source=source,
                                  field=str(col)) from None
        c = parse_numbers(table[col], dec)[0]
        empty = table[col].isna().to_numpy()
        bad = ~empty & ~(np.isfinite(c) & (c >= 0) & (c == np.round(c)))
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            raise ValidationError(f"count {table[col].iloc[k]!r} must be a whole number >= 0",
                                  source=source, row=k, field=str(col))
        counts.append(pd.DataFrame({"nb": nb, "own": own, "contact": contact,
                                    "n": np.nan_to_num(c)}))
    long = pd.concat(counts, ignore_index=True)
    long = long[long["n"] > 0]
    src = (long["nb"] + "/" + long["own"]).to_numpy(dtype=object)
    tgt = (long["nb"] + "/" + long["contact"]).to_numpy(dtype=object)
    if kind in schema.mutual_tie_kinds:
        src, tgt = np.where(src <= tgt, src, tgt), np.where(src <= tgt, tgt, src)
    edges = pd.DataFrame({"source": src, "target": tgt, "n": long["n"]})
    loops = edges["source"] == edges["target"]
    if not schema.tie_kinds[kind].self_loops and loops.any():
        edges = edges[~loops]
    ties = edges.groupby(["source", "target"], sort=True).agg(
        weight=("n", "sum"), n_reports=("n", "size")).reset_index()
    ties["kind"] = kind
    agg = _aggregate_actors(frame, who, nb, own, ties)
    return Ecosystem(agg, ties[["source", "target", "kind", "weight", "n_reports"]],
                     schema=schema, name="ego survey (aggregated by neighbourhood and kind)",
                     _step={"step": "read_ego_survey", "source": source,
                            "respondents": len(who), "frame": len(frame),
                            "self_kind_counts_left_out": int(loops.sum()),
                            "aggregated": True}, _notes=notes)


def _aggregate_actors(frame: pd.DataFrame, who: pd.Series, nb: np.ndarray, own: np.ndarray,
                      ties: pd.DataFrame) -> pd.DataFrame:
    fnb = frame["neighbourhood"].fillna("shared")
    have = pd.DataFrame({"id": fnb + "/" + frame["kind"]}).value_counts("id").rename("n_actors")
    resp = pd.Series(pd.Series(nb).astype(str) + "/" + pd.Series(own).astype(str)).value_counts()
    ids = sorted(set(have.index) | set(ties["source"]) | set(ties["target"]))
    out = pd.DataFrame({"id": ids})
    parts = out["id"].str.split("/", n=1, expand=True)
    out["kind"] = parts[1]
    out["neighbourhood"] = parts[0].where(parts[0] != "shared")
    out["n_actors"] = have.reindex(ids).fillna(0).astype("int64").to_numpy()
    out["n_respondents"] = resp.reindex(ids).fillna(0).astype("int64").to_numpy()
    return out
