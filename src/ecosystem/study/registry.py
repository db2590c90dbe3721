"""Named assumptions: every number a study can vary, with its default, unit, source and range.

One naming scheme covers the referral-flow model and the generator profiles:

``handover_same``, ``handover_cross``
    Handover success within a domain and across domains (probabilities). A sampled value applies
    to every tie without its own ``handover`` value (ties that carry one, such as those an
    intervention made with a warm handover, keep it).
``max_hops``
    Referrals before an unresolved resident gives up (an integer; sampled values are floored).
``suitability_floor``
    Added to the resolve probability in the default suitability of need-aware routing (see
    :class:`~ecosystem.flows.ReferralModel`): how often referrers send a resident to an actor
    that is not the best for the need.
``resolve.<kind>.<need>``
    Probability that an actor of the kind resolves the need. A sampled value replaces the value
    for **every** actor of the kind, including actors that carry their own ``resolve_<need>``
    column (generated ecosystems do).
``entry.<kind>.<need>``
    Entry weight of one actor of the kind for the need (weights are normalised over the
    actors), replacing it for every actor of the kind as for ``resolve``.
``profile.<parameter>``
    A parameter of a generator :class:`~ecosystem.generate.Profile`, named as
    :meth:`Profile.describe` names it (``profile.demand.debt``, ``profile.actors.gp``,
    ``profile.tie.gp->welfare.referral.p``, ...). It applies to the scenarios that are profiles
    (the neighbourhood is generated from the changed profile).

Names are checked against the schema, not against a scenario: an assumption about an actor kind
a scenario does not contain is valid and has no effect there.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ecosystem.core.errors import ConfigError, suggest
from ecosystem.core.schema import Schema
from ecosystem.flows.assumptions import (
    ENTRY_OTHER,
    HANDOVER_CROSS,
    HANDOVER_SAME,
    MAX_HOPS,
    SUITABILITY_FLOOR,
    default_entry,
    default_resolve,
)

__all__ = ["Assumption", "assumptions", "default_range", "parse"]

#: Units whose values are probabilities (ranges must lie in [0, 1]).
PROBABILITY = "probability"

_NIVEL = ("NIVEL Zorgregistraties Eerste Lijn, 'Omvang zorggebruik' (2021): 76.6% of registered "
          "patients had contact with their GP practice")
_AGORA = ("assumption; lower than within a domain because different laws, funding and language "
          "are thresholds for cross-domain work (Agora, 'Samenwerking sociaal en medisch domein: "
          "hoe kan het wel?', 2024)")
_ASSUMED = "assumption"
_SUITABILITY = "suitability (added to resolve)"

FLOW_GROUPS = ("handover", "max_hops", "suitability_floor", "resolve", "entry")


@dataclass(frozen=True)
class Assumption:
    """One parsed assumption name.

    Attributes
    ----------
    name
        The full name (``"resolve.gp.loneliness"``).
    group
        ``"handover"``, ``"max_hops"``, ``"suitability_floor"``, ``"resolve"``, ``"entry"``
        or ``"profile"``.
    kind, need
        Actor kind and need ids for ``resolve`` and ``entry`` (else ``None``).
    parameter
        The profile parameter for ``profile`` (``"demand.debt"``), the handover name for
        ``handover`` (``"handover_same"``), else ``None``.
    unit
        ``"probability"``, ``"relative weight"``, ``"referrals"``, ... (see :func:`assumptions`).
    integer
        Whether sampled values are floored to integers.
    """

    name: str
    group: str
    kind: str | None = None
    need: str | None = None
    parameter: str | None = None
    unit: str = PROBABILITY
    integer: bool = False

    @property
    def flow(self) -> bool:
        """Whether it is an assumption of the flow model (varied without regenerating)."""
        return self.group in FLOW_GROUPS

    def upper(self) -> float:
        """Largest value accepted (1 for probabilities, infinity otherwise)."""
        return 1.0 if self.unit == PROBABILITY else math.inf


def _profile_unit(parameter: str) -> tuple[str, bool]:
    head = parameter.split(".")[0]
    if head == "tie":
        return (PROBABILITY, False) if parameter.endswith(".p") else ("mean tie weight", False)
    return {
        "residents": ("residents", True),
        "strength_cv": ("coefficient of variation", False),
        "actors": ("actors per 1,000 residents", False),
        "minimum": ("actors", True),
        "resolve": (PROBABILITY, False),
        "entry": ("relative weight", False),
        "demand": ("residents per 1,000 per year", False),
        "ratio": ("ratio to the base profile", False),
    }.get(head, ("value", False))


def parse(name: object, schema: Schema | None = None, *, func: str = "sensitivity"
          ) -> Assumption:
    """Parse and check an assumption name against the schema (not against a scenario).

    Parameters
    ----------
    name
        An assumption name (see the module docstring).
    schema
        The vocabulary for ``resolve`` and ``entry`` names; :meth:`Schema.default` when omitted.
    func
        Name of the calling function, for error messages.

    Returns
    -------
    Assumption

    Raises
    ------
    ConfigError
        An unknown name, with the closest valid names.

    Examples
    --------
    >>> from ecosystem.study.registry import parse
    >>> a = parse("resolve.gp.loneliness")
    >>> a.group, a.kind, a.need, a.unit
    ('resolve', 'gp', 'loneliness', 'probability')
    >>> parse("handover_cros")
    Traceback (most recent call last):
    ...
    ecosystem.core.errors.ConfigError: sensitivity(): assumption 'handover_cros' is not ...
    """
    schema = Schema.default() if schema is None else schema
    if not isinstance(name, str):
        raise ConfigError(f"{func}(): assumption names are strings, got {name!r}")
    if name in ("handover_same", "handover_cross"):
        return Assumption(name, "handover", parameter=name)
    if name == "max_hops":
        return Assumption(name, "max_hops", unit="referrals", integer=True)
    if name == "suitability_floor":
        return Assumption(name, "suitability_floor", unit=_SUITABILITY)
    parts = name.split(".")
    if parts[0] in ("resolve", "entry") and len(parts) == 3:
        kind, need = parts[1], parts[2]
        if kind in schema.actor_kinds and need in schema.needs:
            unit = PROBABILITY if parts[0] == "resolve" else "relative weight"
            return Assumption(name, parts[0], kind=kind, need=need, unit=unit)
    if parts[0] == "profile" and len(parts) >= 2:
        parameter = name[len("profile."):]
        if _profile_parameter_ok(parameter):
            unit, integer = _profile_unit(parameter)
            return Assumption(name, "profile", parameter=parameter, unit=unit, integer=integer)
    raise ConfigError(f"{func}(): assumption '{name}' is not known" + suggest(
        name, _all_names(schema)) + " Names: handover_same, handover_cross, max_hops, "
        "suitability_floor, resolve.<kind>.<need>, entry.<kind>.<need>, profile.<parameter> (as "
        "Profile.describe() names it); ecosystem.assumptions() lists them all")


def _profile_parameter_ok(parameter: str) -> bool:
    from ecosystem.generate import Profile

    known: set[str] = set()
    for p in Profile.presets():
        known.update(Profile.preset(p).parameters())
    if parameter in known:
        return True
    # any kind / need / rule of the vocabulary, even if no preset sets it
    schema = Schema.default()
    m = re.fullmatch(r"(actors|minimum)\.([a-z_]+)", parameter)
    if m:
        return m.group(2) in schema.actor_kinds
    m = re.fullmatch(r"demand\.([a-z_]+)", parameter)
    if m:
        return m.group(1) in schema.needs
    m = re.fullmatch(r"(resolve|entry)\.([a-z_]+)\.([a-z_]+)", parameter)
    if m:
        return m.group(2) in schema.actor_kinds and m.group(3) in schema.needs
    return False


def _all_names(schema: Schema) -> list[str]:
    from ecosystem.generate import Profile

    names = ["handover_same", "handover_cross", "max_hops", "suitability_floor"]
    names += [f"{t}.{k}.{n}" for t in ("resolve", "entry") for k in schema.actor_kinds
              for n in schema.needs]
    for p in Profile.presets():
        names += [f"profile.{x}" for x in Profile.preset(p).parameters()]
    return list(dict.fromkeys(names))


def default_range(assumption: Assumption, value: float, *, sourced: bool = False
                  ) -> tuple[float, float]:
    """The default plausible range of an assumption around the value in use.

    Rules: ``handover_same`` 0.8 to 1, ``handover_cross`` 0.4 to 0.95, ``max_hops`` 4 to 20,
    ``suitability_floor`` 0 (referrers always pick the best-suited tie) to 0.2;
    a resolve probability the value +/- 0.2 (0 to 0.1 when the value is 0); an entry weight
    half to twice the value (0 to the default weight of an unlisted kind when it is 0). A
    profile parameter +/- 25% when it has a published source (``sourced``), +/- 50% when it
    is a guess; a profile ratio from 1 (no difference from the base profile) to twice its
    distance from 1 when it is a guess, from half to one and a half times its distance from 1
    when sourced (a sourced ratio of 2: 1.5 to 2.5).
    Probabilities are clipped to [0, 1]; integers are rounded.

    Parameters
    ----------
    assumption
        The parsed assumption (:func:`parse`).
    value
        The value in use.
    sourced
        Whether the value has a published source (profile parameters only).

    Returns
    -------
    tuple of float
        ``(low, high)`` with ``low < high``.

    Examples
    --------
    >>> from ecosystem.study.registry import default_range, parse
    >>> default_range(parse("resolve.gp.loneliness"), 0.15)
    (0.0, 0.35)
    >>> default_range(parse("profile.demand.debt"), 40.0, sourced=True)
    (30.0, 50.0)
    """
    a = assumption
    v = float(value)
    if a.group == "handover":
        return (0.8, 1.0) if a.name == "handover_same" else (0.4, 0.95)
    if a.group == "max_hops":
        return (4.0, 20.0)
    if a.group == "suitability_floor":
        return (0.0, 0.2)
    if a.group == "resolve":
        lo, hi = (0.0, 0.1) if v == 0 else (v - 0.2, v + 0.2)
    elif a.group == "entry":
        lo, hi = (0.0, ENTRY_OTHER) if v == 0 else (v / 2, v * 2)
    elif a.parameter is not None and a.parameter.startswith("ratio."):
        d = v - 1.0  # distance from "no difference"
        ends = (1 + d / 2, 1 + 3 * d / 2) if sourced else (1.0, 1 + 2 * d)
        lo, hi = min(ends), max(ends)
        if lo == hi:
            lo, hi = 0.8, 1.25
    else:
        f = 0.25 if sourced else 0.5
        lo, hi = (v * (1 - f), v * (1 + f)) if v != 0 else (0.0, 0.1)
    if a.unit == PROBABILITY:
        lo, hi = max(0.0, lo), min(1.0, hi)
    lo = max(lo, 0.0)
    if a.integer:
        lo, hi = float(math.floor(lo)), float(max(math.ceil(hi), math.floor(lo) + 1))
    return round(lo, 12), round(hi, 12)


def _sourced(source: str) -> bool:
    return bool(source) and not source.lower().startswith("assumption")


def assumptions(*, profile: str | object = "average", schema: Schema | None = None
                ) -> pd.DataFrame:
    """Every assumption a study can vary: default, unit, source and default plausible range.

    The rows cover the referral-flow model's defaults (``handover_same``, ``handover_cross``,
    ``max_hops``, ``suitability_floor``, ``resolve.<kind>.<need>`` and ``entry.<kind>.<need>`` for
    every actor kind and need of the schema, from :func:`ecosystem.flows.default_resolve` and
    :func:`~ecosystem.flows.default_entry`) and the parameters of one generator profile
    (``profile.<parameter>`` as :meth:`Profile.describe` names them, with the profile's own
    sources). Pass any of these names to :func:`~ecosystem.study.sensitivity` or
    :func:`~ecosystem.study.calibrate`; ``None`` as a range there means the default range around the
    value *in use in the scenario* (a generated neighbourhood carries its profile's resolve and
    entry tables), by the rules of :func:`default_range`.

    Parameters
    ----------
    profile
        Preset name or :class:`~ecosystem.generate.Profile` whose parameters are listed.
    schema
        Vocabulary of the flow rows; :meth:`Schema.default` when omitted.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``name``; columns ``group``, ``default``, ``unit``, ``low``, ``high``,
        ``source`` (a published figure with its outlet and year, or ``"assumption"``).

    Examples
    --------
    >>> import ecosystem
    >>> table = ecosystem.assumptions()
    >>> table.loc["handover_cross", ["default", "low", "high"]].tolist()
    [0.7, 0.4, 0.95]
    >>> table.loc["entry.gp.debt", "source"].startswith("NIVEL")
    True
    >>> row = table.loc["profile.demand.debt"]
    >>> float(row["default"]), row["unit"]
    (40.0, 'residents per 1,000 per year')
    """
    from ecosystem.generate import Profile

    schema = Schema.default() if schema is None else schema
    if isinstance(profile, str):
        prof = Profile.preset(profile)
    elif isinstance(profile, Profile):
        prof = profile
    else:
        raise ConfigError(f"assumptions(): profile must be a preset name or a Profile, got "
                          f"{type(profile).__name__}")
    rows: list[tuple] = []

    def add(a: Assumption, value: float, source: str) -> None:
        lo, hi = default_range(a, value, sourced=_sourced(source))
        rows.append((a.name, a.group, float(value), a.unit, lo, hi, source))

    add(Assumption("handover_same", "handover", parameter="handover_same"), HANDOVER_SAME,
        _ASSUMED)
    add(Assumption("handover_cross", "handover", parameter="handover_cross"), HANDOVER_CROSS,
        _AGORA)
    add(Assumption("max_hops", "max_hops", unit="referrals", integer=True), MAX_HOPS, _ASSUMED)
    add(Assumption("suitability_floor", "suitability_floor", unit=_SUITABILITY),
        SUITABILITY_FLOOR, _ASSUMED)
    for table, unit in (("resolve", PROBABILITY), ("entry", "relative weight")):
        values = default_resolve(schema) if table == "resolve" else default_entry(schema)
        for kind in values.index:
            src = _NIVEL if (table == "entry" and kind == "gp") else _ASSUMED
            for need in values.columns:
                add(Assumption(f"{table}.{kind}.{need}", table, kind=kind, need=need,
                               unit=unit), values.loc[kind, need], src)
    described = prof.describe()
    for parameter, row in described.iterrows():
        unit, integer = _profile_unit(str(parameter))
        add(Assumption(f"profile.{parameter}", "profile", parameter=str(parameter), unit=unit,
                       integer=integer), row["value"], str(row["source"]))
    out = pd.DataFrame(rows, columns=["name", "group", "default", "unit", "low", "high",
                                      "source"]).set_index("name")
    return out


def check_ranges(ranges: Mapping[str, tuple[float, float] | None] | Sequence[str],
                 schema: Schema, func: str
                 ) -> dict[str, tuple[Assumption, tuple[float, float] | None]]:
    """Parse names and check given ranges: numbers, low < high, probabilities in [0, 1]."""
    if not isinstance(ranges, Mapping):
        if isinstance(ranges, (list, tuple)) and all(isinstance(x, str) for x in ranges):
            ranges = dict.fromkeys(ranges)
        else:
            raise ConfigError(f"{func}(): assumptions must be a mapping name -> (low, high) or "
                              f"None (default range), or a list of names; got "
                              f"{type(ranges).__name__}")
    if not ranges:
        raise ConfigError(f"{func}(): no assumptions given")
    out: dict[str, tuple[Assumption, tuple[float, float] | None]] = {}
    for name, rng in ranges.items():
        a = parse(name, schema, func=func)
        if rng is None:
            out[a.name] = (a, None)
            continue
        try:
            lo, hi = (float(x) for x in rng)
        except (TypeError, ValueError):
            raise ConfigError(f"{func}(): the range of '{name}' must be (low, high) or None, "
                              f"got {rng!r}") from None
        if not (np.isfinite(lo) and np.isfinite(hi)):
            raise ConfigError(f"{func}(): the range of '{name}' must be finite, got {rng!r}")
        if lo >= hi:
            raise ConfigError(f"{func}(): the range of '{name}' has low >= high ({lo} >= {hi});"
                              " give (low, high) with low < high")
        if lo < 0 or hi > a.upper():
            what = "a probability, so the range must lie in [0, 1]" if a.unit == PROBABILITY \
                else "a value >= 0"
            raise ConfigError(f"{func}(): '{name}' is {what}; got ({lo}, {hi})")
        out[a.name] = (a, (lo, hi))
    return out
