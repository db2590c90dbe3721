"""Generate a region of neighbourhoods joined by shared actors, from profiles or a table.

The table form is how a real municipality's mix drives a synthetic region: one row per
neighbourhood, e.g. from CBS "Kerncijfers wijken en buurten" (see ``shared/domain.md``), with
these columns (rename yours with ``columns=``):

============== ======================================================================
column         maps to
============== ======================================================================
neighbourhood  the neighbourhood's name (required; prefix of its actors' ids)
residents      number of residents (required; CBS "Aantal inwoners"): scales actor counts
               (``actors`` per 1,000) and demand (per 1,000)
profile        base profile: a preset name or a Profile (optional; ``profile=`` otherwise)
ses            socio-economic status in [-1, 1] (optional; 0 when absent): every parameter
               is blended linearly from the base profile (0) towards the ``low_ses``
               preset (-1) or the ``high_ses`` preset (+1). :func:`ses_score` derives it
               from CBS income and social-assistance columns.
rural          share in [0, 1] (optional; 0 when absent): after the SES blend, parameters
               are blended towards the ``rural`` preset by this share.
============== ======================================================================

With base profile ``b``, ``s = ses`` and ``r = rural``, a row's parameters are
``(1 - r) * ((1 - |s|) * b + |s| * e) + r * rural`` where ``e`` is ``low_ses`` for ``s < 0`` and
``high_ses`` otherwise: every count, probability, strength, table entry and demand is this
weighted mean (tie rules absent from a profile count with p = 0).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ecosystem.core.ecosystem import Ecosystem
from ecosystem.core.errors import ConfigError
from ecosystem.core.random import Seed, as_generator
from ecosystem.generate import _engine
from ecosystem.generate.neighbourhood import _profile, _seed_record, _shared
from ecosystem.generate.profile import Profile, SharedActor

__all__ = ["TABLE_COLUMNS", "generate_region", "ses_score"]

#: The columns of the table form, see the module docstring.
TABLE_COLUMNS = ("neighbourhood", "residents", "profile", "ses", "rural")

Neighbourhoods = pd.DataFrame | Mapping[str, Profile | str] | Sequence[Profile | str] | int


def generate_region(
    neighbourhoods: Neighbourhoods,
    *,
    profile: Profile | str = "average",
    columns: Mapping[str, str] | None = None,
    shared: Sequence[SharedActor] | None = None,
    name: str | None = None,
    seed: Seed = None,
) -> Ecosystem:
    """Generate a region: many neighbourhoods, joined through the shared actors serving them.

    Each neighbourhood is generated as by
    :func:`~ecosystem.generate.generate_neighbourhood` (same rules, vectorised over all of
    them at once). Shared actors (hospital, municipality, GGZ, GGD: one per block of
    neighbourhoods, see :class:`~ecosystem.generate.SharedActor`; insurers serving all) have no
    neighbourhood; a neighbourhood's actors tie to the shared actors serving it, which ties the
    neighbourhoods to each other.

    Parameters
    ----------
    neighbourhoods
        A table (DataFrame, one row per neighbourhood; columns in the module docstring), a
        mapping name -> Profile or preset name, a sequence of Profiles or preset names (named
        ``nb0001``, ``nb0002``, ...), or an int ``n`` (``n`` neighbourhoods of ``profile``).
    profile
        Base profile for the table form and the int form.
    columns
        Renames of table columns, e.g. ``{"buurtnaam": "neighbourhood", "aantal_inwoners":
        "residents"}``.
    shared
        Shared actor specs; ``DEFAULT_SHARED`` when omitted.
    name
        Name of the ecosystem.
    seed
        Seed; the same seed gives the same region.

    Returns
    -------
    Ecosystem
        With a ``neighbourhood`` column (empty for shared actors), the flow tables as
        ``resolve_<need>`` / ``entry_<need>`` columns, and the demand per neighbourhood in the
        provenance (:func:`~ecosystem.generate.demand_of`).

    Examples
    --------
    >>> import pandas as pd
    >>> from ecosystem.generate import generate_region
    >>> table = pd.DataFrame({"neighbourhood": ["Oost", "West", "Dorp"],
    ...                       "residents": [3000, 2000, 900], "ses": [-0.8, 0.5, 0.0],
    ...                       "rural": [0.0, 0.0, 1.0]})
    >>> region = generate_region(table, seed=7)
    >>> region.neighbourhoods
    ['Dorp', 'Oost', 'West']
    >>> region.actors["neighbourhood"].isna().sum()  # hospital, GGZ, municipality, GGD, 4 insurers
    np.int64(8)
    """
    func = "generate_region"
    anchors, weights, residents, names = _plan(neighbourhoods, profile, columns, func)
    if len(set(names)) != len(names):
        raise ConfigError(f"{func}(): neighbourhood names must be unique")
    sh = _shared(shared, func)
    rng = as_generator(seed)
    record = {"step": func, "profiles": [p.name for p in anchors],
              "neighbourhoods": len(names), "residents": int(np.sum(residents)),
              "seed": _seed_record(seed)}
    return _engine.generate(anchors, weights, residents, names, sh, rng, name=name,
                            record=record)


def _plan(neighbourhoods, profile, columns, func):
    """(anchor profiles, weights per neighbourhood, residents, names)."""
    if isinstance(neighbourhoods, pd.DataFrame):
        return _plan_table(neighbourhoods, profile, columns, func)
    if isinstance(neighbourhoods, (int, np.integer)) and not isinstance(neighbourhoods, bool):
        if neighbourhoods < 1:
            raise ConfigError(f"{func}(): neighbourhoods={neighbourhoods} must be >= 1")
        n = int(neighbourhoods)
        prof = _profile(profile, func)
        names = [f"nb{i + 1:0{len(str(n))}d}" for i in range(n)]
        return [prof], np.ones((n, 1)), np.full(n, prof.residents), names
    if isinstance(neighbourhoods, Mapping):
        names = [str(k) for k in neighbourhoods]
        profs = [_profile(v, func) for v in neighbourhoods.values()]
    elif isinstance(neighbourhoods, Sequence) and not isinstance(neighbourhoods, str):
        profs = [_profile(v, func) for v in neighbourhoods]
        names = [f"nb{i + 1:0{len(str(len(profs)))}d}" for i in range(len(profs))]
    else:
        raise ConfigError(f"{func}(): neighbourhoods must be a DataFrame, a mapping, a sequence "
                          f"of profiles or an int, got {type(neighbourhoods).__name__}")
    if not profs:
        raise ConfigError(f"{func}(): no neighbourhoods given")
    anchors, index = _dedupe(profs)
    weights = np.zeros((len(profs), len(anchors)))
    weights[np.arange(len(profs)), index] = 1.0
    return anchors, weights, np.array([p.residents for p in profs]), names


def _dedupe(profs: Sequence[Profile]) -> tuple[list[Profile], np.ndarray]:
    anchors: list[Profile] = []
    index = np.empty(len(profs), dtype=np.int64)
    for i, p in enumerate(profs):
        for j, a in enumerate(anchors):
            if a is p:
                index[i] = j
                break
        else:
            anchors.append(p)
            index[i] = len(anchors) - 1
    return anchors, index


def _plan_table(table: pd.DataFrame, profile: Profile | str,
                columns: Mapping[str, str] | None, func: str
                ) -> tuple[list[Profile], np.ndarray, np.ndarray, list[str]]:
    """(anchor profiles, blend weights per row, residents, names) of a neighbourhoods table."""
    t = table.rename(columns=dict(columns or {})).reset_index(drop=True)
    names, res = _names_and_residents(t, func)
    n = len(t)
    ses, rural = _share(t, "ses", -1.0, func), _share(t, "rural", 0.0, func)
    if "profile" in t.columns:
        base = [_profile(v, func) for v in t["profile"]]
    else:
        base = [_profile(profile, func)] * n
    anchors, index = _dedupe(base)
    extra: dict[str, int] = {}
    for preset, used in (("low_ses", (ses < 0).any()), ("high_ses", (ses > 0).any()),
                         ("rural", (rural > 0).any())):
        if used:
            extra[preset] = len(anchors) + len(extra)
    anchors = anchors + [Profile.preset(k) for k in extra]
    return anchors, _blend(index, len(anchors), ses, rural, extra), res.astype(np.int64), names


def _names_and_residents(t: pd.DataFrame, func: str) -> tuple[list[str], np.ndarray]:
    """The 'neighbourhood' names and the positive whole 'residents' of every row."""
    for col in ("neighbourhood", "residents"):
        if col not in t.columns:
            raise ConfigError(f"{func}(): the table has no '{col}' column (columns: "
                              f"{list(t.columns)}); rename yours with columns={{...: '{col}'}}")
    if len(t) == 0:
        raise ConfigError(f"{func}(): the table has no rows")
    names = t["neighbourhood"].astype("str").tolist()
    res = pd.to_numeric(t["residents"], errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(res) | (res <= 0) | (res != np.round(res))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ConfigError(f"{func}(): table row {i}, column 'residents': "
                          f"{t['residents'].iloc[i]!r} must be a positive whole number")
    return names, res


def _share(t: pd.DataFrame, col: str, lo: float, func: str) -> np.ndarray:
    """Column ``col`` as numbers in [lo, 1]; zeros when the table has no such column."""
    if col not in t.columns:
        return np.zeros(len(t))
    v = pd.to_numeric(t[col], errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(v) | (v < lo) | (v > 1)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ConfigError(f"{func}(): table row {i}, column '{col}': {t[col].iloc[i]!r} "
                          f"must be a number in [{lo:g}, 1]")
    return v


def _blend(index: np.ndarray, n_anchors: int, ses: np.ndarray, rural: np.ndarray,
           extra: Mapping[str, int]) -> np.ndarray:
    """Rows' anchor weights: the row's own profile, shifted towards the SES and rural presets.

    A row with ``ses`` s and ``rural`` r weighs its profile ``(1 - |s|)(1 - r)``, the low or
    high SES preset ``|s|(1 - r)`` and the rural preset ``r``; the weights sum to 1.
    """
    n = len(index)
    w = np.zeros((n, n_anchors))
    keep = 1.0 - rural
    np.add.at(w, (np.arange(n), index), (1.0 - np.abs(ses)) * keep)
    if "low_ses" in extra:
        w[:, extra["low_ses"]] += np.where(ses < 0, -ses, 0.0) * keep
    if "high_ses" in extra:
        w[:, extra["high_ses"]] += np.where(ses > 0, ses, 0.0) * keep
    if "rural" in extra:
        w[:, extra["rural"]] += rural
    return w


def ses_score(
    table: pd.DataFrame,
    *,
    income: str | None = None,
    assistance: str | None = None,
    residents: str = "residents",
) -> pd.Series:
    """A socio-economic status score in [-1, 1] per neighbourhood from CBS-style columns.

    ``score = clip((z(income) - z(assistance / residents)) / 4, -1, 1)`` where ``z`` is the
    z-score across the table's rows (population standard deviation) and either term is left
    out when its column is not given (the divisor is then 2). A neighbourhood two standard
    deviations poorer than the table's mean on both counts scores -1. Named assumption: SES
    is relative to the neighbourhoods in the table (a municipality's own mix), not national.

    Parameters
    ----------
    table
        One row per neighbourhood.
    income
        Column of mean income per resident (CBS "Gemiddeld inkomen per inwoner").
    assistance
        Column of residents on social assistance (CBS "Personen per soort uitkering;
        Bijstand"), divided by ``residents``.
    residents
        Column of residents.

    Examples
    --------
    >>> import pandas as pd
    >>> from ecosystem.generate import ses_score
    >>> t = pd.DataFrame({"residents": [1000, 1000, 1000], "income": [20.0, 30.0, 40.0]})
    >>> ses_score(t, income="income").round(3).tolist()
    [-0.612, 0.0, 0.612]
    """
    if income is None and assistance is None:
        raise ConfigError("ses_score(): give income= and/or assistance= column names")
    terms = []
    for col, sign in ((income, 1.0), (assistance, -1.0)):
        if col is None:
            continue
        if col not in table.columns:
            raise ConfigError(f"ses_score(): column '{col}' is not in the table (columns: "
                              f"{list(table.columns)})")
        v = pd.to_numeric(table[col], errors="coerce").to_numpy(dtype=np.float64)
        if col == assistance:
            v = v / pd.to_numeric(table[residents]).to_numpy(dtype=np.float64)
        sd = np.nanstd(v)
        z = (v - np.nanmean(v)) / sd if sd > 0 else np.zeros_like(v)
        terms.append(sign * z)
    score = np.clip(np.sum(terms, axis=0) / (2.0 * len(terms)), -1.0, 1.0)
    return pd.Series(score, index=table.index, name="ses")
