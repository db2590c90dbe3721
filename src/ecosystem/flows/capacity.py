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

Only the general practice's defaults have published sources (GP FTE per 10,000 residents and
contacts per patient, NIVEL); every other default is a named assumption. See
:mod:`ecosystem.core.capacity` for the table and its sources.

The generators (:func:`~ecosystem.generate.generate_neighbourhood`,
:func:`~ecosystem.generate.generate_region`) fill both columns for the actors they make, sizing
each actor from the residents it serves (``fte_per_1000``), so that capacity grows with the
neighbourhood and a shared actor (hospital, GGZ, ...) matches the demand the model sends it.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ecosystem.core.capacity import (
    CAPACITY,
    GENERIC_SERVERS,
    GENERIC_SERVICE_RATE,
    GP_CONTACTS_PER_EPISODE,
    GP_CONTACTS_PER_FTE,
    GP_FTE_PER_1000,
    GP_SERVICE_RATE,
    KindCapacity,
    default_capacity,
)
from ecosystem.core.ecosystem import Ecosystem
from ecosystem.core.errors import ConfigError, UnknownKindError, ValidationError

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
    "resolve_capacity",
]

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
    (3, 2960.0)
    """
    actors = eco.actors
    defaults = default_capacity(list(eco.schema.actor_kinds))
    kind_row = defaults.index.get_indexer(pd.Index(actors["kind"].astype(str)))
    if (kind_row < 0).any():  # the ecosystem checks kinds against its schema; never here
        i = int(np.flatnonzero(kind_row < 0)[0])
        raise UnknownKindError(f"actor '{actors['id'].iloc[i]}': kind "
                               f"'{actors['kind'].iloc[i]}' is not in the schema")
    out = []
    for name, given in (("servers", servers), ("service_rate", service_rate)):
        values = defaults[name].to_numpy(dtype=np.float64)[kind_row]
        where = np.full(len(kind_row), "default for the actor's kind", dtype=object)
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
