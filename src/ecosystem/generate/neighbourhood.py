"""Generate one synthetic neighbourhood from a :class:`~ecosystem.generate.Profile`."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ecosystem.core.ecosystem import Ecosystem
from ecosystem.core.errors import ConfigError
from ecosystem.core.random import Seed, as_generator
from ecosystem.generate import _engine
from ecosystem.generate.presets import DEFAULT_SHARED
from ecosystem.generate.profile import Profile, SharedActor

__all__ = ["demand_of", "generate_neighbourhood"]


def _profile(value: Profile | str, func: str) -> Profile:
    if isinstance(value, Profile):
        return value
    if isinstance(value, str):
        try:
            return Profile.preset(value)
        except ConfigError as exc:
            raise ConfigError(f"{func}(): {exc}") from None
    raise ConfigError(f"{func}(): profile must be a Profile or a preset name, got "
                      f"{type(value).__name__}")


def _shared(shared: Sequence[SharedActor] | None, func: str) -> tuple[SharedActor, ...]:
    if shared is None:
        return DEFAULT_SHARED
    out = tuple(shared)
    for s in out:
        if not isinstance(s, SharedActor):
            raise ConfigError(f"{func}(): shared= must hold SharedActor objects, got {s!r}")
    kinds = [s.kind for s in out]
    if len(set(kinds)) != len(kinds):
        raise ConfigError(f"{func}(): shared= lists a kind twice: {kinds}")
    return out


def _seed_record(seed: Seed) -> int | None:
    return int(seed) if isinstance(seed, (int, np.integer)) else None


def generate_neighbourhood(
    profile: Profile | str = "average",
    *,
    residents: int | None = None,
    name: str | None = None,
    shared: Sequence[SharedActor] | None = None,
    seed: Seed = None,
) -> Ecosystem:
    """Generate one synthetic neighbourhood and the shared actors that serve it.

    Actors: for every kind in ``profile.actors``, ``x = rate * residents / 1000`` expected
    actors, rounded stochastically (the mean is exactly ``x``) and at least
    ``profile.minimum[kind]``; plus one actor of every shared kind (hospital, mental health,
    municipality, public health; four insurers), without a neighbourhood. Ties: every
    :class:`~ecosystem.generate.TieRule` of the profile, drawn independently (see there);
    weights are Gamma distributed with the rule's strength as mean and coefficient of variation
    ``profile.strength_cv``. Each actor carries the profile's flow tables as columns
    ``resolve_<need>`` and ``entry_<need>`` (read by the referral-flow model), and the
    neighbourhoods table holds ``residents`` and the yearly demand per need, ``demand_<need>``
    (see :func:`demand_of`).

    Parameters
    ----------
    profile
        A :class:`~ecosystem.generate.Profile` or a preset name (``"average"``, ``"low_ses"``,
        ``"high_ses"``, ``"rural"``).
    residents
        Number of residents; ``profile.residents`` when omitted.
    name
        Neighbourhood name (and prefix of actor ids ``<name>/<kind>/<n>``); the profile's name
        when omitted.
    shared
        :class:`~ecosystem.generate.SharedActor` specs; the presets' ``DEFAULT_SHARED``
        when omitted.
    seed
        Seed (int, Generator or None). The same seed gives the same ecosystem.

    Returns
    -------
    Ecosystem

    Examples
    --------
    >>> from ecosystem.generate import generate_neighbourhood
    >>> eco = generate_neighbourhood("low_ses", residents=3000, seed=1)
    >>> eco.neighbourhoods.index.tolist()
    ['low_ses']
    >>> eco == generate_neighbourhood("low_ses", residents=3000, seed=1)
    True
    >>> int((eco.actors["kind"] == "informal_carer").sum())  # 0.7 * 33.5 per 1,000
    71
    """
    func = "generate_neighbourhood"
    prof = _profile(profile, func)
    res = prof.residents if residents is None else residents
    if not (isinstance(res, (int, np.integer)) and res > 0):
        raise ConfigError(f"{func}(): residents={residents!r} must be a positive int")
    nb = prof.name if name is None else name
    if not isinstance(nb, str) or not nb:
        raise ConfigError(f"{func}(): name={name!r} must be a non-empty string")
    sh = _shared(shared, func)
    rng = as_generator(seed)
    record = {"step": func, "profile": prof.name, "residents": int(res),
              "seed": _seed_record(seed)}
    return _engine.generate([prof], np.ones((1, 1)), np.array([res]), [nb], sh, rng,
                            name=nb, record=record)


def demand_of(eco: Ecosystem) -> pd.DataFrame:
    """Yearly demand (residents per need) per neighbourhood of a generated ecosystem.

    Read from the neighbourhoods table (its ``demand_<need>`` columns, see
    :meth:`Ecosystem.neighbourhood_demand`), which the generators fill.

    Parameters
    ----------
    eco
        An ecosystem made by :func:`generate_neighbourhood` or :func:`generate_region`.

    Returns
    -------
    pandas.DataFrame
        Index ``neighbourhood``, one column per need.

    Raises
    ------
    ConfigError
        When the neighbourhoods table has no demand columns.

    Examples
    --------
    >>> from ecosystem.generate import demand_of, generate_neighbourhood
    >>> d = demand_of(generate_neighbourhood("average", residents=2000, seed=0))
    >>> float(d.loc["average", "debt"])  # 40 per 1,000 residents
    80.0
    """
    demand = eco.neighbourhood_demand()
    if demand is None:
        raise ConfigError("demand_of(): this ecosystem's neighbourhoods table has no demand_<need> "
                          "columns; it was not made by generate_neighbourhood() or "
                          "generate_region(), and none were given (Ecosystem.with_neighbourhoods)")
    return demand
