"""Small built-in example ecosystems, shipped as package data.

``example()``: two Dutch neighbourhoods sharing regional actors; see :func:`example`.
``survey_files()``: a partnership-survey export of one neighbourhood; see :func:`survey_files`.
"""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path

from ecosystem.core.ecosystem import Ecosystem
from ecosystem.io.csv import read_csv

__all__ = ["example", "survey_files"]


def example() -> Ecosystem:
    """A small, hand-built care ecosystem of two neighbourhoods (40 actors, 102 ties).

    *Oosterwijk* is a lower-SES neighbourhood: two small GP practices that refer social problems
    mostly to mental health care and the hospital, a social team that is funded but reached by
    leaflet, and a small residents' network tied only to the social team. *Westdorp* has a group
    GP practice working as one team with district nursing (integrated primary care), social
    prescribing (*welzijn op recept*) from the GP and practice nurse to welfare, and a caring
    community tied to home care and the social team (as 40% and 90% of caring communities are,
    ``shared/seeds/000_77f4eedea8d209ec.txt``). A hospital, municipality, insurer, mental health
    service, public health service, hospice and debt counselling are shared (no neighbourhood).

    Actors carry ``name``, ``description`` and ``capacity`` (people per week a provider can take
    on; empty for informal actors and payers). Every tie kind occurs; ``weight`` is a strength
    on a 1-5 scale (1: occasional or by leaflet; 5: weekly, warm handover); ``note`` explains
    notable ties. The files are ``ecosystem/datasets/data/example/{actors,ties}.csv``; every
    actor is documented there, one row each, written with Dutch kind names as a user would.
    All of it is illustrative, not data from a real neighbourhood.

    Examples
    --------
    >>> from ecosystem import datasets
    >>> eco = datasets.example()
    >>> eco  # doctest: +NORMALIZE_WHITESPACE
    <Ecosystem 'example': 40 actors (medical 17, social 10, informal 13), 102 ties,
     2 neighbourhoods>
    >>> eco.neighbourhoods
    ['Oosterwijk', 'Westdorp']
    >>> sorted(eco.ties["kind"].unique())
    ['collaboration', 'funding', 'information', 'membership', 'referral']
    """
    folder = files("ecosystem.datasets") / "data" / "example"
    with as_file(folder / "actors.csv") as actors, as_file(folder / "ties.csv") as ties:
        eco = read_csv(actors, ties, name="example")
    return eco.with_provenance({"step": "datasets.example"})


def survey_files() -> dict[str, Path]:
    """Paths of a small partnership-survey export: the sampling frame and the answers.

    ``frame``: 14 organisations of the Utrecht-like neighbourhood *Lombok* and three shared
    ones (``organisaties.csv``: ``id;kind;neighbourhood;naam`` with Dutch kind names).
    ``responses``: the wide answers of the 10 that responded (``enquete.csv``, semicolons,
    Windows-1252 as Dutch Excel writes it) to three questions about every other organisation:
    ``contact`` (nooit/soms/vaak/altijd), ``verwijzen`` (we refer residents to them: nee/ja)
    and ``vertrouwen`` (trust, 1-5; empty without contact). The answers are synthetic, drawn
    with more contact within domains than across them, as partnership surveys report.

    Returns
    -------
    dict
        ``{"frame": Path, "responses": Path}``.

    Examples
    --------
    >>> from ecosystem import datasets
    >>> paths = datasets.survey_files()
    >>> sorted(p.name for p in paths.values())
    ['enquete.csv', 'organisaties.csv']
    """
    folder = files("ecosystem.datasets") / "data" / "survey"
    return {"frame": Path(str(folder / "organisaties.csv")),
            "responses": Path(str(folder / "enquete.csv"))}
