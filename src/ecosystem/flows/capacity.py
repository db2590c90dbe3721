"""Capacity of care actors: parallel servers and service rates, each default a named assumption.

A queueing run (:meth:`~ecosystem.flows.ReferralModel.queueing`,
:meth:`~ecosystem.flows.ReferralModel.simulate_queue`) needs, per actor, ``servers`` (parallel
capacity, e.g. FTE; an int >= 1) and ``service_rate`` (visits one server completes per year; one
*visit* is one resident's episode with the actor for one need, however many contacts it takes).
They come, in order of precedence, from

1. the ``servers=`` / ``service_rate=`` arguments of the call: a scalar for every actor, a
   mapping ``{kind: value}`` or a Series indexed by actor id (actors it does not list fall
   through to the next source);
2. the actors table's columns ``servers`` and ``service_rate`` (missing values fall through);
3. the per-kind defaults of :data:`CAPACITY` (:func:`default_capacity`); a kind a user adds to
   the schema gets :data:`GENERIC_SERVERS` and :data:`GENERIC_SERVICE_RATE`.

Only the general practice has published figures (NIVEL): a GP density of 4.4 FTE per 10,000
residents in 2017 (Versteeg and Batenburg, "Ontwikkelingen in het aantal huisartsen",
NIVEL 2019, via volksgezondheidenzorg.info "Aanbod eerstelijnszorg") and, in 2021, 76.6% of
registered patients in contact with their practice, 5.1 contacts per patient on average (NIVEL
Zorgregistraties Eerste Lijn, "Omvang zorggebruik"). One GP FTE therefore serves
10,000 / 4.4 = 2,273 residents of whom 76.6% (1,741) come in a year: ``service_rate`` 1,741
patient episodes per FTE-year (each 5.1 contacts on average). With 5,028 practices (NIVEL, 2016)
for 17.9 million residents (CBS, 2024) a practice has 4.4 / 10,000 x 3,560 = 1.57 FTE, rounded to
``servers`` 2. Every other number in :data:`CAPACITY` is an assumption (order of magnitude of
caseloads), named here so that a user reads, questions and overrides it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

import numpy as np
import pandas as pd

from ecosystem.core.ecosystem import Ecosystem
from ecosystem.core.errors import ConfigError, UnknownKindError, ValidationError

__all__ = [
    "CAPACITY",
    "GENERIC_SERVERS",
    "GENERIC_SERVICE_RATE",
    "GP_FTE_PER_1000",
    "GP_SERVICE_RATE",
    "KindCapacity",
    "default_capacity",
    "resolve_capacity",
]

_NIVEL_FTE = ("GP density 4.4 FTE per 10,000 residents, 2017 (Versteeg and Batenburg, NIVEL "
              "2019, via volksgezondheidenzorg.info 'Aanbod eerstelijnszorg')")
_NIVEL_CONTACTS = ("76.6% of registered patients in contact with their practice, 5.1 contacts "
                   "each, 2021 (NIVEL Zorgregistraties Eerste Lijn, 'Omvang zorggebruik')")
_ASSUMED = "assumption (order of magnitude; no published figure)"

#: GP FTE per 1,000 residents (NIVEL, 2017).
GP_FTE_PER_1000 = 0.44
#: Patient episodes one GP FTE completes per year: 76.6% of the 10,000 / 4.4 residents per FTE.
GP_SERVICE_RATE = round(0.766 * 10_000 / 4.4)
#: Servers of an actor whose kind has no default (a kind added to the schema): an assumption.
GENERIC_SERVERS = 1
#: Visits per server-year of an actor whose kind has no default: one a day (assumption).
GENERIC_SERVICE_RATE = 365.0


class KindCapacity(NamedTuple):
    """Default capacity of one actor of a kind.

    Attributes
    ----------
    servers
        Parallel servers of one actor (int >= 1).
    service_rate
        Visits one server completes per year.
    fte_per_1000
        Servers per 1,000 residents served, used by the generators to size an actor from the
        residents it serves (``None``: the generators use ``servers``).
    source
        Where the numbers come from.
    """

    servers: int
    service_rate: float
    fte_per_1000: float | None
    source: str


def _a(servers: int, rate: float, per_1000: float | None, note: str = "") -> KindCapacity:
    return KindCapacity(servers, float(rate), per_1000, _ASSUMED + (f": {note}" if note else ""))


#: Default capacity per actor kind (see the module docstring for the GP's sources).
CAPACITY: Mapping[str, KindCapacity] = MappingProxyType({
    "gp": KindCapacity(2, float(GP_SERVICE_RATE), GP_FTE_PER_1000,
                       f"{_NIVEL_FTE}; {_NIVEL_CONTACTS}; 5,028 practices (NIVEL 2016) for "
                       "17.9 million residents (CBS 2024) give 1.57 FTE per practice, "
                       "rounded to 2"),
    "practice_nurse": _a(1, 1200, 0.3, "one POH per practice, shorter episodes than the GP"),
    "district_nursing": _a(4, 120, 1.2, "a team of nurses; episodes of weeks to months"),
    "home_care": _a(6, 80, 2.4, "long episodes of help at home"),
    "hospital": _a(60, 2000, 1.5, "outpatient specialist capacity per 1,000 residents served"),
    "mental_health": _a(40, 120, 0.4, "GGZ treatments per practitioner-year; waiting lists are "
                        "the norm, so capacity is sized close to demand"),
    "nursing_home": _a(30, 4, 1.0, "places; stays of months"),
    "hospice": _a(6, 24, 0.2, "beds; stays of about two weeks"),
    "pharmacy": _a(3, 20_000, 0.4, "dispensing episodes"),
    "physiotherapy": _a(2, 400, 0.8, "treatment series per therapist-year"),
    "insurer": _a(5, 50_000, None, "administrative handling only"),
    "municipality": _a(10, 1500, 0.2, "Wmo/Jeugd front desk"),
    "social_team": _a(3, 180, 0.6, "cases per social worker per year (caseloads of dozens, "
                      "episodes of months)"),
    "welfare": _a(3, 250, 0.6, "welfare workers; social-prescribing trajectories"),
    "debt_counselling": _a(2, 100, 0.3, "debt-counselling trajectories per worker-year"),
    "public_health": _a(10, 1000, 0.1, "GGD consultations"),
    "sheltered_housing": _a(20, 2, 0.3, "places; stays of months to years"),
    "community_network": _a(5, 100, 0.4, "active volunteers of a caring community"),
    "volunteer_org": _a(10, 50, 1.5, "matched volunteers"),
    "informal_carer": _a(1, 12, None, "one carer helps about one person a month"),
    "elderly_union": _a(3, 100, 0.2, "volunteer advisers"),
    "resident": _a(1, 365, None, "a resident helping another, one a day"),
})


def default_capacity(kinds: list[str] | tuple[str, ...] | None = None) -> pd.DataFrame:
    """The default capacity per actor kind, with sources.

    Parameters
    ----------
    kinds
        Actor kinds to list (a kind without a default gets :data:`GENERIC_SERVERS` and
        :data:`GENERIC_SERVICE_RATE`); ``None``: every kind of :data:`CAPACITY`.

    Returns
    -------
    pandas.DataFrame
        Index ``kind``; columns ``servers``, ``service_rate`` (visits per server-year),
        ``fte_per_1000`` (servers per 1,000 residents served, used by the generators; NaN when
        they use ``servers``) and ``source``.

    Examples
    --------
    >>> from ecosystem.flows import default_capacity
    >>> row = default_capacity().loc["gp"]
    >>> int(row["servers"]), float(row["service_rate"]), float(row["fte_per_1000"])
    (2, 1741.0, 0.44)
    """
    kinds = list(CAPACITY) if kinds is None else list(kinds)
    rows = []
    for k in kinds:
        cap = CAPACITY.get(k)
        if cap is None:
            cap = KindCapacity(GENERIC_SERVERS, GENERIC_SERVICE_RATE, None,
                               "assumption: generic default for a kind without its own")
        rows.append((k, cap.servers, cap.service_rate,
                     np.nan if cap.fte_per_1000 is None else cap.fte_per_1000, cap.source))
    out = pd.DataFrame(rows, columns=["kind", "servers", "service_rate", "fte_per_1000",
                                      "source"]).set_index("kind")
    out["servers"] = out["servers"].astype(np.int64)
    return out


def resolve_capacity(
    eco: Ecosystem,
    servers: object = None,
    service_rate: object = None,
    *,
    func: str = "queueing()",
) -> tuple[np.ndarray, np.ndarray]:
    """Servers (int64) and service rates (float) per actor position, validated.

    Precedence: the call's ``servers=`` / ``service_rate=`` (scalar, mapping by kind or Series
    by actor id), then the actors' columns, then :func:`default_capacity` by kind.

    Parameters
    ----------
    eco
        The ecosystem.
    servers, service_rate
        The call's overrides (see the module docstring), or ``None``.
    func
        Name of the calling function, for messages.

    Returns
    -------
    tuple of numpy.ndarray
        ``(servers, service_rate)`` in actor order.

    Raises
    ------
    ConfigError
        An override of the wrong type, an unknown kind or actor id.
    ValidationError
        A value that is not an int >= 1 (servers) or a finite number > 0 (service rate); the
        message names the actor and where the value came from.

    Examples
    --------
    >>> from ecosystem import datasets
    >>> from ecosystem.flows.capacity import resolve_capacity
    >>> eco = datasets.example()
    >>> c, mu = resolve_capacity(eco, servers={"gp": 3})
    >>> int(c[eco.index.get_loc("gp_oost_1")]), float(mu[eco.index.get_loc("gp_oost_1")])
    (3, 1741.0)
    """
    actors = eco.actors
    defaults = default_capacity(list(eco.schema.actor_kinds))
    kinds = actors["kind"].astype(str).to_numpy()
    out = []
    for name, given in (("servers", servers), ("service_rate", service_rate)):
        values = defaults.loc[kinds, name].to_numpy(dtype=np.float64) if len(kinds) else \
            np.zeros(0)
        where = np.full(len(kinds), "default for the actor's kind", dtype=object)
        if name in actors.columns:
            col = pd.to_numeric(actors[name], errors="coerce").to_numpy(dtype=np.float64)
            raw = actors[name]
            given_col = ~pd.isna(raw).to_numpy()
            unreadable = given_col & np.isnan(col)
            if unreadable.any():
                i = int(np.flatnonzero(unreadable)[0])
                raise ValidationError(
                    f"actor '{actors['id'].iloc[i]}': {name} {raw.iloc[i]!r} is not a number",
                    source="actors table", row=i, field=name)
            values = np.where(given_col, col, values)
            where[given_col] = "actors table"
        if given is not None:
            values, where = _override(eco, name, given, values, where, func)
        _check(eco, name, values, where)
        out.append(values)
    return out[0].astype(np.int64), out[1].astype(np.float64)


def _override(eco: Ecosystem, name: str, given: object, values: np.ndarray, where: np.ndarray,
              func: str) -> tuple[np.ndarray, np.ndarray]:
    values = values.copy()
    where = where.copy()
    if isinstance(given, pd.Series):
        pos = eco.index.get_indexer(given.index.astype(str))
        if (pos < 0).any():
            bad = given.index[int(np.flatnonzero(pos < 0)[0])]
            raise ConfigError(f"{func}: {name}= lists actor id '{bad}', which is not in this "
                              "ecosystem; index the Series by actor id")
        vals = pd.to_numeric(given, errors="coerce").to_numpy(dtype=np.float64)
        keep = ~pd.isna(given).to_numpy()
        values[pos[keep]] = vals[keep]
        where[pos[keep]] = f"{name}= argument"
        return values, where
    if isinstance(given, Mapping):
        kinds = eco.actors["kind"].astype(str).to_numpy()
        for key, v in given.items():
            try:
                kind = eco.schema.actor_kind(key)
            except UnknownKindError as exc:
                raise ConfigError(f"{func}: {name}= kind {exc}") from None
            hit = kinds == kind
            values[hit] = _number(v, name, func)
            where[hit] = f"{name}= argument"
        return values, where
    values[:] = _number(given, name, func)
    where[:] = f"{name}= argument"
    return values, where


def _number(v: object, name: str, func: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
        raise ConfigError(f"{func}: {name}={v!r} is not accepted; use a number, a mapping "
                          "{kind: number} or a Series indexed by actor id")
    return float(v)


def _check(eco: Ecosystem, name: str, values: np.ndarray, where: np.ndarray) -> None:
    if name == "servers":
        bad = ~(np.isfinite(values) & (values >= 1) & (values == np.floor(values)))
        accepted = "an int >= 1 (parallel capacity, e.g. FTE rounded)"
    else:
        bad = ~(np.isfinite(values) & (values > 0))
        accepted = "a finite number > 0 (visits one server completes per year)"
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        aid = eco.actors["id"].iloc[i]
        raise ValidationError(f"actor '{aid}': {name} {values[i]!r} (from the {where[i]}) is "
                              f"not {accepted}", source=str(where[i]), row=i, field=name)
