"""Read and write an ecosystem as two CSV files: one of actors, one of ties."""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ecosystem.core.ecosystem import Ecosystem
from ecosystem.core.errors import ConfigError, FormatError
from ecosystem.core.report import Collector
from ecosystem.core.schema import Schema
from ecosystem.core.validate import Where
from ecosystem.io._csvformat import check_numbers, choose_decimal, choose_sep, text_columns
from ecosystem.io._files import PathLike, check_file
from ecosystem.io._text import decode

__all__ = ["read_csv", "write_csv"]

def _frame(
    path: PathLike, dtypes: Mapping[str, object] | None, what: str, schema: Schema, *,
    sep: str | None, decimal: str | None, encoding: str | None, notes: Collector,
) -> tuple[pd.DataFrame, Path]:
    p = check_file(path, "CSV")
    source = str(p)
    text = decode(p.read_bytes(), p, "CSV", encoding=encoding, notes=notes)
    sep = choose_sep(text, sep, source, notes)
    dec = choose_decimal(decimal, sep, source, notes)
    header = text.split("\n", 1)[0]
    names = [c.strip().strip('"') for c in header.split(sep)]
    dtype: dict[str, Any] = {c: "str" for c in text_columns(names, what, schema)}
    dtype.update(dtypes or {})
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, decimal=dec, dtype=dtype,
                            keep_default_na=False, na_values=[""], skipinitialspace=False)
    except pd.errors.ParserError as exc:
        raise FormatError(f"malformed CSV: {exc}", source=source) from None
    except (ValueError, TypeError) as exc:
        raise FormatError(f"cannot read the CSV with the requested column types: {exc}",
                          source=source) from None
    if frame.columns.empty or (len(frame.columns) == 1 and frame.columns[0].startswith("<")):
        raise FormatError("no columns found; is this a CSV file?", source=source)
    check_numbers(frame, set(dtype), dec, source, notes)
    return frame, p


def read_csv(
    actors: PathLike,
    ties: PathLike | None = None,
    neighbourhoods: PathLike | None = None,
    *,
    schema: Schema | None = None,
    name: str | None = None,
    sep: str | None = None,
    decimal: str | None = None,
    encoding: str | None = None,
    actor_dtypes: Mapping[str, object] | None = None,
    tie_dtypes: Mapping[str, object] | None = None,
) -> Ecosystem:
    """Read an ecosystem from an actors CSV file, a ties CSV file and a neighbourhoods CSV file.

    Columns are those of :class:`~ecosystem.Ecosystem`, under their English names or any alias
    (Dutch: ``code``, ``soort``, ``wijk``/``buurt``, ``bron``/``van``,
    ``doel``/``naar``, ``gewicht``, ``capaciteit``, ...; see :data:`~ecosystem.COLUMN_ALIASES`).
    Only empty cells are missing values (the text ``NA`` stays text). Id, kind, domain,
    sector, neighbourhood, source and target are read as text (``"007"`` stays ``"007"``);
    other columns are typed by pandas unless ``actor_dtypes`` / ``tie_dtypes`` say otherwise.
    CSV cannot tell an empty string from a missing value; use JSON where that matters.

    Everything assumed is written in the read report (``eco.read_report``): the encoding,
    separator and decimal mark chosen, each column alias, each default and each value changed.
    Errors name the file, the data row (0-based) and its line in the file.

    Parameters
    ----------
    actors, ties
        The actors file and (optionally) the ties file.
    neighbourhoods
        Optional file with one row per neighbourhood (see :attr:`Ecosystem.neighbourhoods`),
        e.g. columns of CBS Kerncijfers wijken en buurten.
    schema
        The vocabulary; :meth:`Schema.default` when omitted.
    name
        A label for the ecosystem.
    sep
        Field separator; ``None`` takes the most frequent of ``,``, ``;``, tab and ``|`` in
        the header line.
    decimal
        Decimal mark, ``","`` or ``"."``; ``None``: the comma for ``;``-separated files (as
        Dutch Excel writes them), the point otherwise. A number written with the other mark
        (``1.500`` in a decimal-comma file) is an error: thousands separators are never guessed.
    encoding
        Text encoding; ``None`` reads UTF-8 (a byte-order mark is allowed) and falls back to
        Windows-1252 (Latin-1 for bytes it leaves undefined) when the file is not UTF-8.
    actor_dtypes, tie_dtypes
        pandas dtypes of columns, overriding the inferred ones.

    Returns
    -------
    Ecosystem
        With a provenance record ``{"step": "read_csv", ..., "report": [...]}``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from ecosystem import datasets, read_csv, write_csv
    >>> eco = datasets.example()
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> write_csv(eco, folder / "actors.csv", folder / "ties.csv")
    >>> read_csv(folder / "actors.csv", folder / "ties.csv") == eco
    True
    >>> _ = (folder / "banden.csv").write_bytes(
    ...     "van;naar;soort;gewicht\\nhospital;gp_oost_1;verwijzing;1,5\\n".encode("cp1252"))
    >>> dutch = read_csv(folder / "actors.csv", folder / "banden.csv")
    >>> dutch.ties
         source     target      kind  weight
    0  hospital  gp_oost_1  referral     1.5
    >>> for note in dutch.read_report.notes:
    ...     if note.source.endswith("banden.csv") and note.topic != "format":
    ...         print(note.message)
    decimal comma read in column 'gewicht'
    column 'van' read as 'source'
    column 'naar' read as 'target'
    column 'soort' read as 'kind'
    column 'gewicht' read as 'weight'
    kind: 1 value written as canonical ids ('verwijzing' -> 'referral' 1x)
    """
    chosen = Schema.default() if schema is None else schema
    notes = Collector()

    def frame(path: PathLike | None, dtypes: Mapping[str, object] | None,
              what: str) -> tuple[pd.DataFrame | None, Path | None]:
        if path is None:
            return None, None
        return _frame(path, dtypes, what, chosen, sep=sep, decimal=decimal, encoding=encoding,
                      notes=notes)

    actors_frame, pa = _frame(actors, actor_dtypes, "actors", chosen, sep=sep, decimal=decimal,
                              encoding=encoding, notes=notes)
    ties_frame, pt = frame(ties, tie_dtypes, "ties")
    nbh_frame, pn = frame(neighbourhoods, None, "neighbourhoods")
    where = (Where(str(pa), first_line=2), Where(str(pt), first_line=2),
             Where(str(pn), first_line=2))
    step = {"step": "read_csv", "actors": str(pa), "ties": str(pt)}
    if pn is not None:
        step["neighbourhoods"] = str(pn)
    return Ecosystem(actors_frame, ties_frame, neighbourhoods=nbh_frame, schema=schema,
                     name=name, _source=where, _step=step, _notes=notes)


def write_csv(eco: Ecosystem, actors: PathLike, ties: PathLike,
              neighbourhoods: PathLike | None = None) -> None:
    """Write the actors and ties tables as UTF-8 CSV files (missing values as empty cells).

    Floats are written with full precision, so a CSV round trip keeps weights exactly. The
    neighbourhoods table (first column ``neighbourhood``) goes to ``neighbourhoods``; an
    ecosystem whose table has columns (residents, demand, ...) needs that path, so that
    nothing is left out silently.

    Raises
    ------
    ConfigError
        The neighbourhoods table has columns and no ``neighbourhoods`` path is given.

    Parameters
    ----------
    eco
        The ecosystem.
    actors, ties
        Output paths of the two files.
    neighbourhoods
        Output path of the neighbourhoods table; needed when the table has columns.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from ecosystem import datasets, write_csv
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> write_csv(datasets.example(), folder / "actors.csv", folder / "ties.csv")
    >>> (folder / "ties.csv").read_text().splitlines()[0]
    'source,target,kind,weight,note'
    """
    nbh = eco.neighbourhoods
    if neighbourhoods is None and len(nbh.columns):
        raise ConfigError(
            "write_csv(): this ecosystem has a neighbourhoods table with columns "
            f"{list(nbh.columns)[:6]}; pass neighbourhoods='neighbourhoods.csv' to write it, "
            "or write eco.with_neighbourhoods(None) to leave it out", field="neighbourhoods")
    eco.actors.to_csv(actors, index=False)
    eco.ties.to_csv(ties, index=False)
    if neighbourhoods is not None:
        nbh.reset_index().to_csv(neighbourhoods, index=False)
