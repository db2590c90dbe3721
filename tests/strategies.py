"""hypothesis strategies for generated ecosystems, shared by every test module.

``raw_frames()`` draws the actors and ties tables a user might write (Dutch aliases in any case,
unicode ids, extra attributes, isolated actors, parallel ties of different kinds);
``ecosystems()`` draws validated :class:`~ecosystem.Ecosystem` objects from them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import strategies as st

from ecosystem import Ecosystem, Schema

SCHEMA = Schema.default()
ACTOR_KIND_NAMES = sorted(
    {name for k in SCHEMA.actor_kinds.values() for name in (k.id, *k.aliases)}
)
TIE_KINDS = list(SCHEMA.tie_kinds)

# Ids: printable unicode (letters from several scripts, digits, some punctuation), no
# leading/trailing whitespace so they survive every file format unchanged.
_ID_ALPHABET = st.characters(
    codec="utf-8",
    categories=("L", "N"),
    include_characters="_-. éëïöüçñßøåæœ中文ΩЖ",
)
ids = st.text(_ID_ALPHABET, min_size=1, max_size=8).filter(lambda s: s.strip() == s and s)


def _case(draw, name: str) -> str:
    style = draw(st.sampled_from(["same", "upper", "title"]))
    return {"same": name, "upper": name.upper(), "title": name.title()}[style]


@st.composite
def raw_frames(
    draw,
    min_actors: int = 0,
    max_actors: int = 12,
    *,
    extras: bool = True,
    max_ties: int = 30,
    weighted: bool = True,
    tie_kinds: list[str] | None = None,
    neighbourhoods: tuple[str, ...] = ("Noord", "Zuid", "Oost"),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Draw (actors, ties) DataFrames as a user would write them."""
    actor_ids = draw(st.lists(ids, min_size=min_actors, max_size=max_actors, unique=True))
    n = len(actor_ids)
    kinds = [_case(draw, draw(st.sampled_from(ACTOR_KIND_NAMES))) for _ in range(n)]
    actors = pd.DataFrame({"id": pd.Series(actor_ids, dtype="str"),
                           "kind": pd.Series(kinds, dtype="str")})
    nb = draw(st.lists(st.sampled_from([*neighbourhoods, None]), min_size=n, max_size=n))
    actors["neighbourhood"] = pd.Series(nb, dtype="str")
    if extras:
        actors["size"] = draw(st.lists(st.integers(0, 10_000), min_size=n, max_size=n))
        actors["label"] = pd.Series(
            draw(st.lists(st.text(_ID_ALPHABET, min_size=1, max_size=6).map(lambda s: "x" + s),
                          min_size=n, max_size=n)), dtype="str")
        actors["active"] = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    kinds_allowed = tie_kinds or TIE_KINDS
    pairs: set[tuple[int, int, str]] = set()
    if n >= 2:
        candidates = st.tuples(st.integers(0, n - 1), st.integers(0, n - 1),
                               st.sampled_from(kinds_allowed))
        for a, b, k in draw(st.lists(candidates, max_size=max_ties)):
            if a == b:
                continue
            key = (min(a, b), max(a, b), k) if not SCHEMA.tie_kinds[k].directed else (a, b, k)
            if key in pairs:
                continue
            pairs.add(key)
    rows = sorted(pairs)
    ties = pd.DataFrame({
        "source": pd.Series([actor_ids[a] for a, _, _ in rows], dtype="str"),
        "target": pd.Series([actor_ids[b] for _, b, _ in rows], dtype="str"),
        "kind": pd.Series([k for _, _, k in rows], dtype="str"),
    })
    if weighted:
        ties["weight"] = draw(st.lists(
            st.floats(0.01, 100, allow_nan=False, allow_infinity=False),
            min_size=len(rows), max_size=len(rows)))
    else:
        ties["weight"] = np.ones(len(rows))
    if extras:
        ties["since"] = draw(st.lists(st.integers(1990, 2030), min_size=len(rows),
                                      max_size=len(rows)))
    return actors, ties


@st.composite
def ecosystems(draw, min_actors: int = 0, max_actors: int = 12, **kwargs) -> Ecosystem:
    """Draw a validated Ecosystem."""
    actors, ties = draw(raw_frames(min_actors, max_actors, **kwargs))
    return Ecosystem(actors, ties)


def permuted(eco: Ecosystem, seed: int) -> Ecosystem:
    """The same ecosystem with actor rows and tie rows shuffled and ids renamed ``p<i>_<id>``.

    Used for relabelling-invariance properties: results mapped back through
    ``"p<i>_" + id`` must equal the original results.
    """
    rng = np.random.default_rng(seed)
    actors = eco.actors.iloc[rng.permutation(eco.n_actors)]
    ties = eco.ties.iloc[rng.permutation(eco.n_ties)]
    renamed = {i: f"p_{i}" for i in eco.index}
    actors = actors.assign(id=actors["id"].map(renamed))
    ties = ties.assign(source=ties["source"].map(renamed), target=ties["target"].map(renamed))
    return Ecosystem(actors, ties, schema=eco.schema)
