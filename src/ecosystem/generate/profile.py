"""Profiles: the documented parameters from which synthetic neighbourhoods are generated.

A :class:`Profile` says how many actors of each kind a neighbourhood has per 1,000 residents,
which ties appear between actors of which kinds and how strong they are (:class:`TieRule`),
and the referral-flow tables (``resolve``, ``entry``) and yearly ``demand`` per need. Every
parameter carries its source: a fact from a published article or statistic (title, outlet,
year) or a named assumption. :meth:`Profile.describe` lists them all.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from ecosystem._repr import clip
from ecosystem.core.errors import ConfigError, suggest
from ecosystem.core.schema import Schema

__all__ = ["Profile", "SharedActor", "TieRule"]

_PER = ("pair", "source")


@dataclass(frozen=True)
class TieRule:
    """How ties of one kind appear between actors of a source kind and target kind(s).

    Candidates are actors of the same neighbourhood, plus the shared actors (hospital,
    municipality, ...) that serve it (see :class:`SharedActor`).

    Parameters
    ----------
    source
        Actor kind of the tie's source.
    target
        Actor kind (or tuple of kinds) of the tie's target.
    kind
        Tie kind (``"referral"``, ``"collaboration"``, ``"funding"``, ...).
    p
        With ``per="pair"``: the probability that each (source, target) candidate pair is tied,
        independently (a Bernoulli draw per pair; a mutual tie kind between actors of one kind
        draws each unordered pair once). With ``per="source"``: the probability that a source
        actor is tied to at least one target; it is then tied to exactly one candidate chosen
        uniformly among the target kinds' actors (no tie when there is no candidate). The
        second form encodes facts such as "40% of caring communities collaborate with home
        care" exactly.
    strength
        Mean tie weight; weights are Gamma distributed with this mean and the profile's
        coefficient of variation ``strength_cv``.
    per
        ``"pair"`` or ``"source"``.
    note
        Where ``p`` and ``strength`` come from.

    Examples
    --------
    >>> from ecosystem.generate import TieRule
    >>> TieRule("gp", "welfare", "referral", 0.3, note="assumption").label
    'gp->welfare.referral'
    """

    source: str
    target: str | tuple[str, ...]
    kind: str
    p: float
    strength: float = 1.0
    per: str = "pair"
    note: str = ""

    def __post_init__(self) -> None:
        if isinstance(self.target, str):
            object.__setattr__(self, "target", (self.target,))
        else:
            object.__setattr__(self, "target", tuple(self.target))
        if self.per not in _PER:
            raise ConfigError(f"TieRule(): per='{self.per}' is not known; use 'pair' or 'source'")
        if not 0.0 <= float(self.p) <= 1.0:
            raise ConfigError(f"TieRule(): p={self.p!r} for {self.label} is not in [0, 1]")
        if not (np.isfinite(self.strength) and self.strength > 0):
            raise ConfigError(f"TieRule(): strength={self.strength!r} for {self.label} must be "
                              "a positive number")
        if self.per == "source" and self.source in self.target:
            raise ConfigError(f"TieRule(): per='source' rule {self.label} cannot target its own "
                              "kind; use per='pair'")

    @property
    def key(self) -> tuple[str, tuple[str, ...], str, str]:
        """Identity of the rule within a profile: (source, targets, tie kind, per)."""
        return (self.source, self.target, self.kind, self.per)  # type: ignore[return-value]

    @property
    def label(self) -> str:
        """``source->target[|target2].kind`` as used in parameter names."""
        per = "" if self.per == "pair" else "[per source]"
        return f"{self.source}->{'|'.join(self.target)}.{self.kind}{per}"


@dataclass(frozen=True)
class SharedActor:
    """Actors that serve several neighbourhoods (hospital, municipality, insurer, ...).

    Parameters
    ----------
    kind
        Actor kind.
    per_neighbourhoods
        One actor per this many neighbourhoods, each serving a contiguous block of them (its
        catchment). ``None`` means ``count`` actors that each serve every neighbourhood.
    count
        Number of actors when ``per_neighbourhoods`` is ``None``.
    note
        Source of the numbers.

    Examples
    --------
    >>> from ecosystem.generate import SharedActor
    >>> SharedActor("hospital", 200).n_actors(450)  # one per 200 neighbourhoods, rounded up
    3
    """

    kind: str
    per_neighbourhoods: int | None = None
    count: int = 1
    note: str = ""

    def n_actors(self, n_neighbourhoods: int) -> int:
        """How many actors of this kind a region of ``n_neighbourhoods`` has.

        Parameters
        ----------
        n_neighbourhoods
            Neighbourhoods in the region.

        Returns
        -------
        int
            ``count`` when ``per_neighbourhoods`` is ``None``, else
            ``ceil(n_neighbourhoods / per_neighbourhoods)`` and at least 1.

        Examples
        --------
        >>> from ecosystem.generate import SharedActor
        >>> SharedActor("insurer", None, 4).n_actors(10)
        4
        """
        if self.per_neighbourhoods is None:
            return int(self.count)
        return max(1, -(-n_neighbourhoods // int(self.per_neighbourhoods)))


def _known(name: str, known: Mapping[str, Any], prefix: str, noun: str) -> None:
    """Raise ConfigError ``"<prefix> '<name>' is not <noun>"`` unless ``name`` is in ``known``."""
    if name not in known:
        raise ConfigError(f"{prefix} '{name}' is not {noun}" + suggest(name, known)
                          + f" Known: {', '.join(known)}")


def _frozen_map(value: Mapping[str, Any] | None) -> MappingProxyType:
    return MappingProxyType(dict(value or {}))


def _frozen_table(value: Mapping[str, Mapping[str, float]] | None) -> MappingProxyType:
    return MappingProxyType({k: MappingProxyType(dict(v)) for k, v in (value or {}).items()})


@dataclass(frozen=True, eq=False)
class Profile:
    """A frozen, documented set of parameters for generating neighbourhoods.

    Parameters
    ----------
    name
        Short name (``"average"``, ``"low_ses"``, ...).
    description
        One paragraph on what the profile represents.
    residents
        Default number of residents of a neighbourhood.
    actors
        Expected local actors per 1,000 residents, per actor kind. A neighbourhood of ``R``
        residents gets ``x = rate * R / 1000`` actors of the kind, rounded stochastically
        (``floor(x)`` plus one with probability ``x - floor(x)``, so the mean is exactly ``x``),
        and at least ``minimum[kind]``.
    minimum
        Minimum number of local actors per kind in every neighbourhood.
    rules
        :class:`TieRule` s, at most one per (source, target, tie kind, per).
    strength_cv
        Coefficient of variation of tie weights (Gamma distributed around each rule's
        strength).
    resolve
        ``resolve[kind][need]``: probability that an actor of the kind resolves a need it
        receives (the referral-flow model's resolve table). Written to generated actors as
        ``resolve_<need>`` columns.
    entry
        ``entry[kind][need]``: weight of an actor of the kind as the first contact of residents
        with the need (the flow model's entry table), written as ``entry_<need>`` columns.
    demand
        Residents per 1,000 per year who bring each need.
    sources
        Source of each parameter: keys are parameter names as in :meth:`describe` or a prefix
        of one (``"resolve"`` covers every ``resolve.<kind>.<need>``); the most specific key
        wins. Tie rules carry their own ``note``.
    ratios
        For a profile derived from another by :meth:`scaled`: the factors applied, by what
        they scale (``"demand.debt"``, ``"actors.gp"``, ``"resolve.gp"`` and ``"entry.gp"``
        for every need of a kind, ``"tie.<label>.p"``). Listed by :meth:`describe` as
        ``ratio.<what>``; setting one with :meth:`with_parameters` rescales what it scales.

    Examples
    --------
    >>> from ecosystem.generate import Profile
    >>> p = Profile.preset("low_ses")
    >>> p.demand["debt"] > Profile.preset("average").demand["debt"]
    True
    >>> q = p.replace(actors={"gp": 0.5}, source="my practice register")
    >>> q.actors["gp"], q.source_of("actors.gp")
    (0.5, 'my practice register')
    >>> float(Profile.preset("average").describe().loc["actors.gp", "value"])
    0.28
    """

    name: str
    description: str = ""
    residents: int = 2500
    actors: Mapping[str, float] = field(default_factory=dict)
    minimum: Mapping[str, int] = field(default_factory=dict)
    rules: tuple[TieRule, ...] = ()
    strength_cv: float = 0.5
    resolve: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    entry: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    demand: Mapping[str, float] = field(default_factory=dict)
    sources: Mapping[str, str] = field(default_factory=dict)
    ratios: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "actors", _frozen_map(self.actors))
        set_(self, "minimum", _frozen_map(self.minimum))
        set_(self, "demand", _frozen_map(self.demand))
        set_(self, "sources", _frozen_map(self.sources))
        set_(self, "ratios", _frozen_map(self.ratios))
        set_(self, "resolve", _frozen_table(self.resolve))
        set_(self, "entry", _frozen_table(self.entry))
        set_(self, "rules", tuple(self.rules))
        self._validate(Schema.default())

    # ------------------------------------------------------------------ validation
    def _validate(self, schema: Schema) -> None:
        where = f"Profile '{self.name}'"
        self._validate_counts(schema, where)
        self._validate_rules(schema, where)
        self._validate_tables(schema, where)

    def _validate_counts(self, schema: Schema, where: str) -> None:
        """Residents, actors per 1,000 residents, minimum actors and demand."""
        if not (isinstance(self.residents, (int, np.integer)) and self.residents > 0):
            raise ConfigError(f"{where}: residents={self.residents!r} must be a positive int")
        for k, v in self.actors.items():
            _known(k, schema.actor_kinds, f"{where}: actors kind", "an actor kind")
            if not (np.isfinite(v) and v >= 0):
                raise ConfigError(f"{where}: actors['{k}']={v!r} must be a number >= 0")
        for k, m in self.minimum.items():
            _known(k, schema.actor_kinds, f"{where}: minimum kind", "an actor kind")
            if not (isinstance(m, (int, np.integer)) and m >= 0):
                raise ConfigError(f"{where}: minimum['{k}']={m!r} must be an int >= 0")
        for n, v in self.demand.items():
            _known(n, schema.needs, f"{where}: demand need", "a need")
            if not (np.isfinite(v) and v >= 0):
                raise ConfigError(f"{where}: demand['{n}']={v!r} must be a number >= 0")

    def _validate_rules(self, schema: Schema, where: str) -> None:
        """Tie rules: known kinds and tie kinds, each rule once; a positive strength CV."""
        seen = set()
        for r in self.rules:
            if not isinstance(r, TieRule):
                raise ConfigError(f"{where}: rules must be TieRule objects, got {r!r}")
            for k in (r.source, *r.target):
                _known(k, schema.actor_kinds, f"{where}: tie rule {r.label} kind",
                       "an actor kind")
            if r.kind not in schema.tie_kinds:
                raise ConfigError(f"{where}: tie rule {r.label}: '{r.kind}' is not a tie kind"
                                  + suggest(r.kind, schema.tie_kinds))
            if r.key in seen:
                raise ConfigError(f"{where}: tie rule {r.label} is given twice")
            seen.add(r.key)
        if not (np.isfinite(self.strength_cv) and self.strength_cv > 0):
            raise ConfigError(f"{where}: strength_cv={self.strength_cv!r} must be > 0")

    def _validate_tables(self, schema: Schema, where: str) -> None:
        """Resolve probabilities in [0, 1] and entry weights >= 0, for known kinds and needs."""
        for table, hi in (("resolve", 1.0), ("entry", np.inf)):
            for k, row in getattr(self, table).items():
                _known(k, schema.actor_kinds, f"{where}: {table} kind", "an actor kind")
                for n, v in row.items():
                    _known(n, schema.needs, f"{where}: {table}['{k}'] need", "a need")
                    if not (0.0 <= v <= hi):
                        raise ConfigError(f"{where}: {table}['{k}']['{n}']={v!r} must be in "
                                          f"[0, {hi}]")

    # ------------------------------------------------------------------ presets and edits
    @classmethod
    def preset(cls, name: str) -> Profile:
        """One of the named presets: ``average``, ``low_ses``, ``high_ses``, ``rural``.

        Parameters
        ----------
        name
            Preset name (see :meth:`presets`); a :class:`Profile` is returned as is.

        Returns
        -------
        Profile

        Examples
        --------
        >>> from ecosystem import Profile
        >>> Profile.preset("average")
        Profile('average': 16 actor kinds, 49 tie rules, 2500 residents)
        """
        from ecosystem.generate.presets import preset_table

        presets = preset_table()

        if isinstance(name, Profile):
            return name
        if name not in presets:
            raise ConfigError(f"Profile.preset(): '{name}' is not a preset"
                              + suggest(str(name), presets) + f" Known: {', '.join(presets)}")
        return presets[name]

    @classmethod
    def presets(cls) -> list[str]:
        """Names of the presets.

        Returns
        -------
        list of str

        Examples
        --------
        >>> from ecosystem import Profile
        >>> Profile.presets()
        ['average', 'low_ses', 'high_ses', 'rural']
        """
        from ecosystem.generate.presets import preset_table

        presets = preset_table()

        return list(presets)

    def replace(self, *, source: str = "user override", **changes: Any) -> Profile:
        """A copy with some parameters changed; each changed parameter gets ``source``.

        Mapping parameters (``actors``, ``minimum``, ``demand``) are updated key by key;
        ``resolve`` and ``entry`` row by row and need by need. ``rules`` accepts
        :class:`TieRule` s (replacing the rule with the same key or adding one) or a mapping
        from a rule's :attr:`TieRule.label` to a new ``p``. Other fields are replaced.

        Parameters
        ----------
        source
            Source recorded for every changed parameter (see :meth:`describe`).
        **changes
            New values by field name (``actors``, ``minimum``, ``rules``, ``strength_cv``,
            ``resolve``, ``entry``, ``demand``, ``residents``, ``sources``, ...).

        Returns
        -------
        Profile
            A new profile; this one is unchanged.

        Examples
        --------
        >>> from ecosystem import Profile
        >>> mine = Profile.preset("average").replace(actors={"gp": 0.5}, source="my data")
        >>> mine.parameters()["actors.gp"], mine.source_of("actors.gp")
        (0.5, 'my data')
        """
        fields = {f.name for f in dataclasses.fields(self)}
        unknown = set(changes) - fields
        if unknown:
            bad = sorted(unknown)[0]
            raise ConfigError(f"Profile.replace(): '{bad}' is not a parameter"
                              + suggest(bad, fields) + f" Known: {', '.join(sorted(fields))}")
        new: dict[str, Any] = {}
        sources = dict(self.sources)
        for key, value in changes.items():
            if key in ("actors", "minimum", "demand"):
                new[key] = {**getattr(self, key), **value}
                sources.update({f"{key}.{k}": source for k in value})
            elif key in ("resolve", "entry"):
                table = {k: dict(v) for k, v in getattr(self, key).items()}
                for k, row in value.items():
                    table.setdefault(k, {}).update(row)
                    sources.update({f"{key}.{k}.{n}": source for n in row})
                new[key] = table
            elif key == "rules":
                new[key] = self._replace_rules(value, source)
            elif key == "sources":
                sources.update(value)
            else:
                new[key] = value
                sources[key] = source
        return dataclasses.replace(self, **new, sources=sources)

    def _replace_rules(self, value: Any, source: str) -> tuple[TieRule, ...]:
        rules = {r.key: r for r in self.rules}
        if isinstance(value, Mapping):
            by_label = {r.label: r for r in self.rules}
            for label, p in value.items():
                if label not in by_label:
                    raise ConfigError(f"Profile.replace(): rule '{label}' is not in profile "
                                      f"'{self.name}'" + suggest(label, by_label))
                r = by_label[label]
                rules[r.key] = dataclasses.replace(r, p=float(p), note=source)
        else:
            for r in value:
                if not isinstance(r, TieRule):
                    raise ConfigError(f"Profile.replace(): rules must be TieRule objects or a "
                                      f"mapping label -> p, got {r!r}")
                rules[r.key] = r
        return tuple(rules.values())

    def scaled(self, *, source: str, **factors: Mapping[str, float]) -> Profile:
        """A copy with some parameters multiplied by factors (used to derive presets).

        ``actors``, ``demand``: mapping kind/need -> factor. ``resolve``, ``entry``: mapping
        kind -> factor for every need (resolve results clipped to [0, 1]). ``rules``: mapping
        rule label -> factor on ``p`` (clipped to [0, 1]). The factors are recorded in
        :attr:`ratios` (multiplied with earlier ones) with ``source`` as their source.

        Parameters
        ----------
        source
            Source of the scaled parameters and of the factors.
        **factors
            ``actors=``, ``demand=``, ``resolve=``, ``entry=`` and ``rules=`` mappings.

        Returns
        -------
        Profile

        Examples
        --------
        >>> from ecosystem.generate import Profile
        >>> p = Profile.preset("average").scaled(source="a guess", demand={"debt": 2.0})
        >>> p.demand["debt"], p.ratios["demand.debt"]
        (80.0, 2.0)
        """
        out: dict[str, Any] = {}
        ratios = dict(self.ratios)
        for key, f in factors.items():
            if key in ("actors", "demand"):
                out[key] = {k: getattr(self, key)[k] * v for k, v in f.items()}
            elif key in ("resolve", "entry"):
                top = 1.0 if key == "resolve" else np.inf
                out[key] = {k: {n: min(top, p * v) for n, p in getattr(self, key)[k].items()}
                            for k, v in f.items()}
            elif key == "rules":
                labels = {r.label: r for r in self.rules}
                out[key] = {lab: min(1.0, labels[lab].p * v) for lab, v in f.items()}
            else:
                raise ConfigError(f"Profile.scaled(): cannot scale '{key}'")
            for k, v in f.items():
                name = f"tie.{k}.p" if key == "rules" else f"{key}.{k}"
                ratios[name] = ratios.get(name, 1.0) * float(v)
        scaled = self.replace(source=source, **out)
        sources = {**scaled.sources, **{f"ratio.{k}": source for k in ratios
                                        if k not in self.ratios}}
        return dataclasses.replace(scaled, ratios=ratios, sources=sources)

    def _rescale(self, what: str, value: float, source: str) -> dict[str, Any]:
        """Changes that set the ratio ``what`` to ``value`` (rescaling what it scales)."""
        factor = value / self.ratios[what]
        head, _, rest = what.partition(".")
        if head in ("actors", "demand"):
            return {head: {rest: getattr(self, head)[rest] * factor}}
        if head in ("resolve", "entry"):
            top = 1.0 if head == "resolve" else np.inf
            return {head: {rest: {n: min(top, p * factor)
                                  for n, p in getattr(self, head)[rest].items()}}}
        label = rest.rsplit(".", 1)[0]
        rule = next(r for r in self.rules if r.label == label)
        return {"rules": {label: ("p", min(1.0, rule.p * factor))}}

    @staticmethod
    def _merge(changes: dict[str, Any], new_rules: dict[str, TieRule],
               rules: dict[str, TieRule], change: dict[str, Any], source: str) -> None:
        """Fold one change (as :meth:`_rescale` gives it) into the pending changes."""
        for key, part in change.items():
            if key == "rules":
                for label, (attr, v) in part.items():
                    rule = new_rules.get(label, rules[label])
                    new_rules[label] = (dataclasses.replace(rule, p=v, note=source)
                                        if attr == "p" else
                                        dataclasses.replace(rule, strength=v, note=source))
            elif key in ("resolve", "entry"):
                for kind, row in part.items():
                    changes.setdefault(key, {}).setdefault(kind, {}).update(row)
            else:
                changes.setdefault(key, {}).update(part)

    def with_parameters(self, values: Mapping[str, float], *, source: str = "user override"
                        ) -> Profile:
        """A copy with parameters set by the names of :meth:`describe` (``"demand.debt"``).

        Parameters
        ----------
        values
            Mapping parameter name -> value. Integer parameters (``residents``,
            ``minimum.<kind>``) are floored; ``tie.<label>.p`` and ``tie.<label>.strength``
            change that tie rule.
        source
            Recorded as the source of every changed parameter.

        Returns
        -------
        Profile

        Examples
        --------
        >>> from ecosystem.generate import Profile
        >>> p = Profile.preset("average").with_parameters({"demand.debt": 60.0,
        ...                                                "tie.gp->welfare.referral.p": 0.5})
        >>> p.demand["debt"], p.describe().loc["tie.gp->welfare.referral.p", "value"]
        (60.0, np.float64(0.5))
        """
        changes: dict[str, Any] = {}
        rules = {r.label: r for r in self.rules}
        new_rules: dict[str, TieRule] = {}
        ratios = dict(self.ratios)
        for name, value in values.items():
            head, _, rest = str(name).partition(".")
            v = float(value)
            if head == "ratio" and rest in self.ratios:
                self._merge(changes, new_rules, rules, self._rescale(rest, v, source), source)
                ratios[rest] = v
            elif head in ("residents", "strength_cv") and not rest:
                changes[head] = int(np.floor(v)) if head == "residents" else v
            elif head in ("actors", "minimum", "demand") and rest:
                changes.setdefault(head, {})[rest] = int(np.floor(v)) if head == "minimum" \
                    else v
            elif head in ("resolve", "entry") and rest.count(".") == 1:
                kind, need = rest.split(".")
                changes.setdefault(head, {}).setdefault(kind, {})[need] = v
            elif head == "tie" and rest.rsplit(".", 1)[0] in rules and \
                    rest.rsplit(".", 1)[1] in ("p", "strength"):
                label, attr = rest.rsplit(".", 1)
                self._merge(changes, new_rules, rules, {"rules": {label: (attr, v)}}, source)
            else:
                raise ConfigError(f"Profile.with_parameters(): '{name}' is not a parameter of "
                                  f"profile '{self.name}'" + suggest(str(name),
                                                                     self.parameters()))
        if new_rules:
            changes["rules"] = list(new_rules.values())
        out = self.replace(source=source, **changes)
        if ratios != dict(self.ratios):
            sources = {**out.sources, **{f"ratio.{k}": source for k in ratios
                                         if ratios[k] != self.ratios[k]}}
            out = dataclasses.replace(out, ratios=ratios, sources=sources)
        return out

    # ------------------------------------------------------------------ reading
    def source_of(self, parameter: str) -> str:
        """Source of a parameter: the most specific entry of :attr:`sources` that covers it.

        Parameters
        ----------
        parameter
            A parameter name as in :meth:`parameters` (e.g. ``"actors.gp"``).

        Returns
        -------
        str
            The source text; ``""`` when none covers it.

        Examples
        --------
        >>> from ecosystem import Profile
        >>> Profile.preset("average").source_of("actors.gp")
        'fact: 5,028 general practices on 1 Jan 2016 (volksgezondheidenzorg.info, ...'
        """
        parts = parameter.split(".")
        for i in range(len(parts), 0, -1):
            hit = self.sources.get(".".join(parts[:i]))
            if hit:
                return hit
        return ""

    def parameters(self) -> dict[str, float]:
        """Every numeric parameter by name (the rows of :meth:`describe`).

        Returns
        -------
        dict of str to float
            ``residents``, ``strength_cv``, ``actors.<kind>``, ``minimum.<kind>``,
            ``tie.<rule label>.p`` and ``.strength``, ``resolve.<kind>.<need>``,
            ``entry.<kind>.<need>`` and ``demand.<need>``.

        Examples
        --------
        >>> from ecosystem import Profile
        >>> Profile.preset("average").parameters()["actors.gp"]  # practices per 1,000 residents
        0.28
        """
        out: dict[str, float] = {"residents": float(self.residents),
                                 "strength_cv": float(self.strength_cv)}
        out.update({f"actors.{k}": float(v) for k, v in self.actors.items()})
        out.update({f"minimum.{k}": float(v) for k, v in self.minimum.items()})
        for r in self.rules:
            out[f"tie.{r.label}.p"] = float(r.p)
            out[f"tie.{r.label}.strength"] = float(r.strength)
        for table in ("resolve", "entry"):
            for k, row in getattr(self, table).items():
                out.update({f"{table}.{k}.{n}": float(v) for n, v in row.items()})
        out.update({f"demand.{k}": float(v) for k, v in self.demand.items()})
        out.update({f"ratio.{k}": float(v) for k, v in self.ratios.items()})
        return out

    def describe(self) -> pd.DataFrame:
        """A table of every parameter: ``value`` and ``source``, indexed by parameter name.

        Returns
        -------
        pandas.DataFrame
            One row per entry of :meth:`parameters`; a tie rule's rows carry its note.

        Examples
        --------
        >>> from ecosystem import Profile
        >>> Profile.preset("average").describe().loc["actors.gp", "value"]
        np.float64(0.28)
        """
        params = self.parameters()
        notes = {f"tie.{r.label}.{x}": r.note for r in self.rules for x in ("p", "strength")}
        rows = [(k, v, notes.get(k) or self.source_of(k)) for k, v in params.items()]
        return pd.DataFrame(rows, columns=["parameter", "value", "source"]).set_index(
            "parameter")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Profile):
            return NotImplemented
        return (self.name == other.name and self.parameters() == other.parameters()
                and [r.key for r in self.rules] == [r.key for r in other.rules])

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:
        # mappingproxy fields do not pickle; rebuild from plain dicts (for worker processes).
        return (_rebuild, ({f.name: _plain(getattr(self, f.name))
                            for f in dataclasses.fields(self)},))

    def __repr__(self) -> str:
        return (f"Profile('{clip(self.name)}': {len(self.actors)} actor kinds, "
                f"{len(self.rules)} tie rules, {self.residents} residents)")


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _rebuild(kwargs: dict[str, Any]) -> Profile:
    return Profile(**kwargs)
