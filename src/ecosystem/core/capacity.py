"""Default capacity of care actors per kind: parallel servers and service rates, with sources.

The table lives in the core so that the generators (which size the actors they make) and the
queueing solvers read the same numbers; :mod:`ecosystem.flows.capacity` explains how they are
used and overridden.

Only the general practice has published figures (NIVEL): a GP density of 4.4 FTE per 10,000
residents in 2017 (Versteeg and Batenburg, "Ontwikkelingen in het aantal huisartsen",
NIVEL 2019, via volksgezondheidenzorg.info "Aanbod eerstelijnszorg") and, in 2021, 76.6% of
registered patients in contact with their practice, 5.1 contacts per patient on average (NIVEL
Zorgregistraties Eerste Lijn, "Omvang zorggebruik"). One GP FTE therefore serves
10,000 / 4.4 = 2,273 residents of whom 76.6% come in a year with 5.1 contacts each: 8,880
contacts per FTE-year. A *visit* in the referral model is one need episode; assuming it takes
:data:`GP_CONTACTS_PER_EPISODE` = 3 contacts (an assumption), one FTE completes
``service_rate`` 2,960 episodes a year, and the generators give a practice 0.44 servers per 1,000
residents it serves (``fte_per_1000``, rounded up). Without a generator a practice gets
``servers`` 2: with 5,028 practices (NIVEL, 2016) for 17.9 million residents (CBS, 2024) a
practice has 4.4 / 10,000 x 3,560 = 1.57 FTE, rounded up.

Every other number in :data:`CAPACITY` is an assumption: service rates are orders of magnitude
of caseloads, and ``fte_per_1000`` (servers per 1,000 residents served, which the generators use
to size the actors they make) is set so that the generators' preset neighbourhoods keep each
actor's utilisation below 0.9 with the demand of the presets (itself an assumption), checked on
neighbourhoods of 1,000 to 8,000 residents of every preset. They are named here so that a user
reads, questions and overrides them.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

import numpy as np
import pandas as pd

__all__ = [
    "CAPACITY",
    "GENERIC_SERVERS",
    "GENERIC_SERVICE_RATE",
    "GP_CONTACTS_PER_EPISODE",
    "GP_CONTACTS_PER_FTE",
    "GP_FTE_PER_1000",
    "GP_SERVICE_RATE",
    "KindCapacity",
    "default_capacity",
    "size_servers",
]

_NIVEL_FTE = ("GP density 4.4 FTE per 10,000 residents, 2017 (Versteeg and Batenburg, NIVEL "
              "2019, via volksgezondheidenzorg.info 'Aanbod eerstelijnszorg')")
_NIVEL_CONTACTS = ("76.6% of registered patients in contact with their practice, 5.1 contacts "
                   "each, 2021 (NIVEL Zorgregistraties Eerste Lijn, 'Omvang zorggebruik')")
_ASSUMED = "assumption (order of magnitude; no published figure)"

#: GP FTE per 1,000 residents (NIVEL, 2017).
GP_FTE_PER_1000 = 0.44
#: GP contacts per FTE-year: 76.6% of the 10,000 / 4.4 residents per FTE, 5.1 contacts each.
GP_CONTACTS_PER_FTE = 0.766 * 5.1 * 10_000 / 4.4
#: Contacts one need episode takes at the GP (assumption; no published figure).
GP_CONTACTS_PER_EPISODE = 3
#: Need episodes one GP FTE completes per year: contacts per FTE-year / contacts per episode.
GP_SERVICE_RATE = round(GP_CONTACTS_PER_FTE / GP_CONTACTS_PER_EPISODE)
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
        residents it serves (its neighbourhood's residents shared among the actors of its kind
        there; for a shared actor, the residents of the generated neighbourhoods it serves).
        ``None``: the generators use ``servers``.
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
                       f"{_NIVEL_FTE}; {_NIVEL_CONTACTS}; assumption: "
                       f"{GP_CONTACTS_PER_EPISODE} contacts per need episode; servers: 5,028 "
                       "practices (NIVEL 2016) for 17.9 million residents (CBS 2024) give 1.57 "
                       "FTE per practice, rounded to 2"),
    "practice_nurse": _a(1, 1200, 0.15, "one POH per practice, shorter episodes than the GP"),
    "district_nursing": _a(4, 120, 2.1, "a team of nurses; episodes of weeks to months"),
    "home_care": _a(6, 80, 3.0, "long episodes of help at home"),
    "hospital": _a(4, 2000, 0.1, "outpatient referrals handled per specialist-year; shared "
                   "actors are sized per 1,000 residents served"),
    "mental_health": _a(3, 120, 1.7, "GGZ intakes and treatments per practitioner-year"),
    "nursing_home": _a(10, 12, 6.1, "places; an intake or stay per place a month"),
    "hospice": _a(6, 24, None, "beds; stays of about two weeks"),
    "pharmacy": _a(3, 20_000, 0.01, "dispensing episodes"),
    "physiotherapy": _a(2, 400, 0.2, "treatment series per therapist-year"),
    "insurer": _a(1, 50_000, None, "administrative handling only"),
    "municipality": _a(2, 1500, 0.05, "Wmo/Jeugd front desk"),
    "social_team": _a(3, 180, 2.2, "cases per social worker per year (caseloads of dozens, "
                      "episodes of months)"),
    "welfare": _a(3, 250, 1.1, "welfare workers; social-prescribing trajectories"),
    "debt_counselling": _a(2, 100, 0.59, "debt-counselling trajectories per worker-year"),
    "public_health": _a(1, 1000, 0.02, "GGD consultations"),
    "sheltered_housing": _a(10, 20, 4.6, "intakes and placements per place-year"),
    "community_network": _a(5, 100, 1.4, "active volunteers of a caring community"),
    "volunteer_org": _a(10, 50, 2.8, "matched volunteers"),
    "informal_carer": _a(1, 52, None, "one carer helps about one person a week"),
    "elderly_union": _a(3, 100, 0.56, "volunteer advisers"),
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
    >>> int(row["servers"]), float(row["service_rate"])
    (2, 2960.0)
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




def size_servers(kinds: np.ndarray, served: np.ndarray) -> np.ndarray:
    """Servers per actor for a generator: by kind, or from the residents a shared actor serves.

    Parameters
    ----------
    kinds
        Actor kinds (strings), one per actor.
    served
        Residents each actor serves (NaN: unknown, the actor gets its kind's ``servers``).

    Returns
    -------
    numpy.ndarray
        int64 servers: ``max(1, ceil(fte_per_1000 x served / 1000))`` where the kind has an
        ``fte_per_1000`` and ``served`` is known, else the kind's ``servers``.

    Examples
    --------
    >>> import numpy as np
    >>> from ecosystem.core.capacity import size_servers
    >>> size_servers(np.array(["gp", "mental_health", "hospice"]),
    ...              np.array([2500.0, 2500.0, 2500.0])).tolist()
    [2, 5, 6]
    """
    table = default_capacity(sorted(set(kinds.tolist())))
    base = table.loc[kinds, "servers"].to_numpy(dtype=np.int64) if len(kinds) else \
        np.zeros(0, np.int64)
    per = table.loc[kinds, "fte_per_1000"].to_numpy(dtype=np.float64) if len(kinds) else \
        np.zeros(0)
    use = np.isfinite(per) & np.isfinite(served)
    sized = np.maximum(1, np.ceil(np.where(use, per * served, 0.0) / 1000 - 1e-9))
    return np.where(use, sized, base).astype(np.int64)
