"""Read and write an ecosystem as two CSV files: one of actors, one of ties."""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ecosystem.core.ecosystem import Ecosystem
from ecosystem.core.errors import FormatError
from ecosystem.core.schema import Schema
from ecosystem.core.validate import Where
from ecosystem.io._files import PathLike, check_file, read_text

__all__ = ["read_csv", "write_csv"]

_TEXT_COLUMNS = ("id", "kind", "domain", "sector", "neighbourhood", "source", "target")


def _frame(path: PathLike, dtypes: Mapping[str, object] | None) -> tuple[pd.DataFrame, Path]:
    p = check_file(path, "CSV")
    text = read_text(p, "CSV")
    header = text.split("\n", 1)[0]
    # Dutch spreadsheet programs write ';'-separated CSV.
    sep = ";" if ";" in header and "," not in header else ","
    names = [c.strip().strip('"') for c in header.split(sep)]
    dtype: dict[str, Any] = {c: "str" for c in _TEXT_COLUMNS if c in names}
    dtype.update(dtypes or {})
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=dtype, keep_default_na=False,
                            na_values=[""], skipinitialspace=False)
    except pd.errors.ParserError as exc:
        raise FormatError(f"malformed CSV: {exc}", source=str(p)) from None
    except (ValueError, TypeError) as exc:
        raise FormatError(f"cannot read the CSV with the requested column types: {exc}",
                          source=str(p)) from None
    if frame.columns.empty or (len(frame.columns) == 1 and frame.columns[0].startswith("<")):
        raise FormatError("no columns found; is this a CSV file?", source=str(p))
    return frame, p


def read_csv(
    actors: PathLike,
    ties: PathLike | None = None,
    *,
    schema: Schema | None = None,
    name: str | None = None,
    actor_dtypes: Mapping[str, object] | None = None,
    tie_dtypes: Mapping[str, object] | None = None,
) -> Ecosystem:
    """Read an ecosystem from an actors CSV file and (optionally) a ties CSV file.

    Columns are those of :class:`~ecosystem.Ecosystem`. Files are UTF-8 (a byte-order mark is
    allowed), comma-separated, or semicolon-separated as Dutch spreadsheet programs write them.
    Only empty cells are missing values (the text ``NA`` stays text). Id, kind, domain, sector,
    neighbourhood, source and target are read as text (``"007"`` stays ``"007"``); other columns
    are typed by pandas unless ``actor_dtypes`` / ``tie_dtypes`` say otherwise. CSV cannot tell
    an empty string from a missing value; use JSON where that matters.

    Errors name the file, the data row (0-based) and its line in the file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from ecosystem import datasets, read_csv, write_csv
    >>> eco = datasets.example()
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> write_csv(eco, folder / "actors.csv", folder / "ties.csv")
    >>> read_csv(folder / "actors.csv", folder / "ties.csv") == eco
    True
    """
    actors_frame, pa = _frame(actors, actor_dtypes)
    if ties is None:
        ties_frame, pt = None, None
    else:
        ties_frame, pt = _frame(ties, tie_dtypes)
    where = (Where(str(pa), first_line=2), Where(str(pt), first_line=2))
    eco = Ecosystem(actors_frame, ties_frame, schema=schema, name=name, _source=where)
    return eco.with_provenance({"step": "read_csv", "actors": str(pa), "ties": str(pt)})


def write_csv(eco: Ecosystem, actors: PathLike, ties: PathLike) -> None:
    """Write the actors and ties tables as UTF-8 CSV files (missing values as empty cells).

    Floats are written with full precision, so a CSV round trip keeps weights exactly.
    """
    eco.actors.to_csv(actors, index=False)
    eco.ties.to_csv(ties, index=False)
