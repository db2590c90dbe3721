"""Interventions: named, composable ``Ecosystem -> Ecosystem`` transforms.

Each function here returns an :class:`Intervention`: a picklable description (name, parameters,
one sentence) that, applied to an ecosystem, returns a new one and appends a provenance record
``{"step": "intervention", "intervention": name, **parameters}``. Interventions compose with
``+`` or a list (:func:`compose`) and run left to right.

"Same neighbourhood" below means: two actors with the same ``neighbourhood``, or pairs where one
of them has none (a shared actor serves every neighbourhood).

The flow-related interventions change what the referral-flow model
(:class:`~ecosystem.flows.ReferralModel`) reads: the referral and collaboration ties and their
weights, the actor columns ``entry_<need>`` and ``resolve_<need>`` and the tie column
``handover`` (missing values fall back to the model's defaults). Under the model's default
need-aware routing a referrer chooses among its ties by tie weight times the target's
suitability for the need, so a new tie mainly carries the needs its target suits; each
intervention below says what that means for it. Where an ecosystem has no ``entry_<need>``
column yet, :func:`front_door` first fills it from :func:`ecosystem.flows.default_entry`, so the
change is relative to what the model used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ecosystem._repr import clip, listing
from ecosystem.core._deprecate import renamed
from ecosystem.core.ecosystem import Ecosystem
from ecosystem.core.errors import ConfigError
from ecosystem.core.schema import normalize_name

__all__ = [
    "Intervention",
    "add_ties",
    "compose",
    "front_door",
    "fund_community",
    "integrate_primary_care",
    "remove_actor",
    "social_prescribing",
]


@dataclass(frozen=True)
class Intervention:
    """A named ``Ecosystem -> Ecosystem`` transform with its parameters.

    Parameters
    ----------
    name
        Short name, recorded in the provenance.
    func
        ``func(eco, **params) -> Ecosystem``; a module-level function, so that the intervention
        pickles to worker processes.
    params
        Keyword arguments of ``func`` (recorded in the provenance).
    description
        One sentence on what it changes.
    steps
        For a composition: the interventions applied in order (``func`` is then unused).

    Examples
    --------
    >>> from ecosystem import datasets
    >>> from ecosystem.interventions import remove_actor, social_prescribing
    >>> plan = social_prescribing(strength=2.0) + remove_actor("gp_oost_2")
    >>> plan.name
    'social_prescribing + remove_actor'
    >>> eco = plan(datasets.example())
    >>> [r["intervention"] for r in eco.provenance if r.get("step") == "intervention"]
    ['social_prescribing', 'remove_actor']
    """

    name: str
    func: Callable[..., Ecosystem] | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""
    steps: tuple[Intervention, ...] = ()

    def __call__(self, eco: Ecosystem) -> Ecosystem:
        if not isinstance(eco, Ecosystem):
            raise ConfigError(f"intervention '{self.name}': expected an Ecosystem, got "
                              f"{type(eco).__name__}")
        if self.steps or self.func is None:
            for step in self.steps:
                eco = step(eco)
            return eco
        out = self.func(eco, **self.params)
        if not isinstance(out, Ecosystem):
            raise ConfigError(f"intervention '{self.name}' returned {type(out).__name__}, not "
                              "an Ecosystem")
        return out.with_provenance({"step": "intervention", "intervention": self.name,
                                    **_recordable(self.params)})

    def __add__(self, other: Intervention | Sequence[Intervention]) -> Intervention:
        return compose(self, other)

    def __radd__(self, other: Sequence[Intervention]) -> Intervention:
        return compose(other, self)

    def __repr__(self) -> str:
        if self.steps or self.func is None:
            steps = f", {len(self.steps)} steps" if self.steps else ""
            return f"Intervention({clip(self.name, 120)!r}{steps})"
        args = listing((f"{k}={clip(repr(v), 40)}" for k, v in
                        _recordable(self.params).items()), 4, width=48)
        return f"Intervention({clip(self.name)}: {args})"


def _recordable(params: Mapping[str, Any]) -> dict[str, Any]:
    """Parameters as JSON-friendly values for the provenance record."""
    out = {}
    for k, v in params.items():
        if isinstance(v, pd.DataFrame):
            out[k] = v.to_dict(orient="records")
        elif isinstance(v, (tuple, set, frozenset)):
            out[k] = list(v)
        elif isinstance(v, np.generic):
            out[k] = v.item()
        else:
            out[k] = v
    return out


def compose(*items: Intervention | Sequence[Intervention] | None) -> Intervention:
    """One intervention applying ``items`` in order (lists are flattened; ``None`` skipped).

    ``compose()`` with nothing is the identity, named ``"none"``.

    Parameters
    ----------
    *items
        Interventions, lists of interventions or ``None``.

    Returns
    -------
    Intervention
        A function ``Ecosystem -> Ecosystem`` with a name, applied by calling it (or by
        :func:`compose` and :func:`ecosystem.compare`).

    Examples
    --------
    >>> from ecosystem.interventions import compose, front_door, social_prescribing
    >>> compose([front_door(), social_prescribing()]).name
    'front_door + social_prescribing'
    """
    steps: list[Intervention] = []

    def add(x: Any) -> None:
        if x is None:
            return
        if isinstance(x, Intervention):
            if x.steps:
                steps.extend(x.steps)
            elif x.func is not None:
                steps.append(x)
        elif isinstance(x, Sequence) and not isinstance(x, str):
            for y in x:
                add(y)
        else:
            raise ConfigError(f"compose(): {x!r} is not an Intervention (use the functions of "
                              "ecosystem.interventions, or Intervention(name, func, params))")

    for item in items:
        add(item)
    if len(steps) == 1:
        return steps[0]
    name = " + ".join(s.name for s in steps) or "none"
    return Intervention(name, None, {}, "; ".join(s.description for s in steps), tuple(steps))


# ------------------------------------------------------------------ helpers
def _kinds(eco: Ecosystem, kinds: str | Iterable[str], func: str, what: str) -> list[str]:
    ks = [kinds] if isinstance(kinds, str) else list(kinds)
    try:
        return [eco.schema.actor_kind(k) for k in ks]
    except Exception as exc:
        raise ConfigError(f"{func}(): {what}: {exc}") from None


def _same_neighbourhood_pairs(eco: Ecosystem, sources: list[str], targets: list[str]
                              ) -> pd.DataFrame:
    """(source, target) ids of actors of the given kinds in the same neighbourhood."""
    a = eco.actors[["id", "kind", "neighbourhood"]]
    s = a[a["kind"].isin(sources)]
    t = a[a["kind"].isin(targets)]
    parts = [s.dropna(subset=["neighbourhood"]).merge(
                 t.dropna(subset=["neighbourhood"]), on="neighbourhood", suffixes=("_s", "_t")),
             s[s["neighbourhood"].isna()].merge(t, how="cross", suffixes=("_s", "_t")),
             s.dropna(subset=["neighbourhood"]).merge(t[t["neighbourhood"].isna()], how="cross",
                                                      suffixes=("_s", "_t"))]
    pairs = pd.concat([p[["id_s", "id_t"]] for p in parts], ignore_index=True)
    pairs = pairs[pairs["id_s"] != pairs["id_t"]]
    return pairs.rename(columns={"id_s": "source", "id_t": "target"}).reset_index(drop=True)


def _rebuild(eco: Ecosystem, actors: pd.DataFrame, ties: pd.DataFrame) -> Ecosystem:
    table = eco.neighbourhoods
    return Ecosystem(actors, ties, neighbourhoods=table if len(table.columns) else None,
                     schema=eco.schema, name=eco.name, provenance=eco.provenance)


def _ensure_ties(eco: Ecosystem, pairs: pd.DataFrame, kind: str, strength: float,
                 handover: float | None = None, actors: pd.DataFrame | None = None) -> Ecosystem:
    """Make every pair a ``kind`` tie of weight >= ``strength``: strengthen or add.

    With ``handover``, the ``handover`` column of these ties is set to it.
    """
    actors = eco.actors if actors is None else actors
    ties = eco.ties.copy()
    mutual = kind in eco.schema.mutual_tie_kinds
    pairs = pairs.drop_duplicates(ignore_index=True)
    if mutual:  # one tie per unordered pair
        lo = np.minimum(pairs["source"].to_numpy(dtype=object), pairs["target"].to_numpy(
            dtype=object))
        hi = np.maximum(pairs["source"].to_numpy(dtype=object), pairs["target"].to_numpy(
            dtype=object))
        keep = ~pd.DataFrame({"a": lo, "b": hi}).duplicated().to_numpy()
        pairs = pairs[keep].reset_index(drop=True)
    ts, tt = ties["source"].astype(object), ties["target"].astype(object)
    is_kind = (ties["kind"] == kind).to_numpy()
    key_a = np.where(mutual, np.minimum(ts, tt), ts) if len(ties) else ts.to_numpy()
    key_b = np.where(mutual, np.maximum(ts, tt), tt) if len(ties) else tt.to_numpy()
    mine = pd.DataFrame({"a": key_a, "b": key_b, "row": np.arange(len(ties))})[is_kind]
    ps, pt = pairs["source"].astype(object), pairs["target"].astype(object)
    want = pd.DataFrame({"a": np.minimum(ps, pt) if mutual else ps,
                         "b": np.maximum(ps, pt) if mutual else pt,
                         "source": ps, "target": pt})
    hit = want.merge(mine, on=["a", "b"], how="left")
    rows = hit["row"].dropna().to_numpy(dtype=np.int64)
    w = ties["weight"].to_numpy(dtype=np.float64).copy()
    w[rows] = np.maximum(w[rows], strength)
    ties["weight"] = w
    new = hit[hit["row"].isna()]
    add = pd.DataFrame({"source": new["source"].astype("str"),
                        "target": new["target"].astype("str"),
                        "kind": pd.Series(kind, index=new.index, dtype="str"),
                        "weight": float(strength)})
    if handover is not None:
        if "handover" not in ties.columns:
            ties["handover"] = np.nan
        h = pd.to_numeric(ties["handover"], errors="coerce").to_numpy(dtype=np.float64).copy()
        h[rows] = handover
        ties["handover"] = h
        add["handover"] = float(handover)
    out = pd.concat([ties, add], ignore_index=True) if len(add) else ties
    return _rebuild(eco, actors, out)


def _probability(value: float, func: str, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or \
            not 0.0 <= float(value) <= 1.0:
        raise ConfigError(f"{func}(): {name}={value!r} must be a probability in [0, 1]")
    return float(value)


def _strength(value: float, func: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or \
            not (np.isfinite(value) and value > 0):
        raise ConfigError(f"{func}(): strength={value!r} must be a positive number")
    return float(value)


# ------------------------------------------------------------------ add_ties
def add_ties(
    ties: pd.DataFrame | Iterable[tuple[str, str]],
    *,
    kind: str = "referral",
    weight: float = 1.0,
    handover: float | None = None,
) -> Intervention:
    """Add ties: a table (``source``, ``target``, optional ``kind``, ``weight``, ``handover``)
    or ``(source, target)`` pairs, with ``kind``, ``weight`` and ``handover`` as defaults.

    A new referral or collaboration tie carries, under need-aware routing, mostly the needs
    its target suits (weight times suitability against the referrer's other ties).

    A tie that already exists is an error (validation of :meth:`Ecosystem.with_ties`).

    Parameters
    ----------
    ties
        A table with columns ``source``, ``target`` and optionally ``kind``, ``weight``,
        ``handover``, or an iterable of ``(source, target)`` pairs.
    kind
        Tie kind of ties that name none.
    weight
        Weight (strength) of ties that give none.
    handover
        Handover success probability in [0, 1] for ties that give none; ``None`` leaves the
        column out (the flow model's defaults apply).

    Returns
    -------
    Intervention
        A function ``Ecosystem -> Ecosystem`` with a name, applied by calling it (or by
        :func:`compose` and :func:`ecosystem.compare`).

    Examples
    --------
    >>> from ecosystem import datasets
    >>> from ecosystem.interventions import add_ties
    >>> eco = add_ties([("gp_west", "debt_help")], weight=3.0)(datasets.example())
    >>> eco.ties.iloc[-1:][["source", "target", "kind", "weight"]].to_dict("records")
    [{'source': 'gp_west', 'target': 'debt_help', 'kind': 'referral', 'weight': 3.0}]
    """
    func = "add_ties"
    if isinstance(ties, pd.DataFrame):
        table = ties.reset_index(drop=True)
    else:
        table = pd.DataFrame(list(ties), columns=["source", "target"])
    for col in ("source", "target"):
        if col not in table.columns:
            raise ConfigError(f"{func}(): the ties table needs a '{col}' column")
    if handover is not None:
        _probability(handover, func, "handover")
    table = table.copy()
    defaults: dict[str, Any] = {"kind": kind, "weight": float(weight), "handover": handover}
    for col, value in defaults.items():
        if value is None:
            continue
        table[col] = table[col].fillna(value) if col in table.columns else value
    return Intervention(func, _add_ties, {"ties": table},
                        f"add {len(table)} tie(s)")


def _add_ties(eco: Ecosystem, *, ties: pd.DataFrame) -> Ecosystem:
    both = pd.concat([eco.ties, ties], ignore_index=True)
    return _rebuild(eco, eco.actors, both)


# ------------------------------------------------------------------ remove_actor
def remove_actor(ids: str | Iterable[str]) -> Intervention:
    """Close actors (e.g. a general practice): remove them and every tie they are part of.

    Residents who entered there enter elsewhere: the flow model normalises entry weights over
    the actors that remain. Referrers that sent residents to a closed actor share its referrals
    among their remaining ties, by weight times suitability for each need (need-aware
    routing).

    Parameters
    ----------
    ids
        An actor id or ids; an unknown id raises :class:`~ecosystem.ValidationError` when the
        intervention is applied.

    Returns
    -------
    Intervention
        A function ``Ecosystem -> Ecosystem`` with a name, applied by calling it (or by
        :func:`compose` and :func:`ecosystem.compare`).

    Examples
    --------
    >>> from ecosystem import datasets
    >>> from ecosystem.interventions import remove_actor
    >>> eco = remove_actor("gp_oost_2")(datasets.example())
    >>> "gp_oost_2" in eco.index
    False
    """
    ids = [ids] if isinstance(ids, str) else [str(i) for i in ids]
    return Intervention("remove_actor", _remove_actor, {"ids": ids},
                        f"close {', '.join(ids)}")


def _remove_actor(eco: Ecosystem, *, ids: list[str]) -> Ecosystem:
    return eco.without_actors(ids)


# ------------------------------------------------------------------ social_prescribing
def social_prescribing(
    *,
    strength: float = 2.0,
    sources: str | Sequence[str] = "gp",
    targets: str | Sequence[str] = "welfare",
) -> Intervention:
    """Social prescribing (welzijn op recept): GPs refer to welfare.

    An existing local practice named in Agora, "Samenwerking sociaal en medisch domein: hoe
    kan het wél?" (2024). Every actor of a ``sources`` kind gets a referral tie to every actor
    of a ``targets`` kind in the same neighbourhood, of weight ``strength``; an existing such
    referral tie is strengthened to ``strength`` (never weakened).

    Under need-aware routing (the flow model's default) the new ties mainly carry the needs
    welfare suits (loneliness, informal support, and debt and unemployment where no debt
    counselling or social team is closer): acute and chronic medical needs still go to the
    medical actors the GP refers to, and reach welfare only with its floor suitability (0.10
    against the hospital's 0.95 for an acute need). Under ``routing="weight"`` every need would
    follow the new ties in proportion to their weight.

    Parameters
    ----------
    strength
        Weight of the referral ties (existing ones are raised to it, never lowered).
    sources
        Actor kind(s) that refer.
    targets
        Actor kind(s) referred to.

    Returns
    -------
    Intervention
        A function ``Ecosystem -> Ecosystem`` with a name, applied by calling it (or by
        :func:`compose` and :func:`ecosystem.compare`).

    Examples
    --------
    >>> from ecosystem import datasets
    >>> from ecosystem.interventions import social_prescribing
    >>> eco = social_prescribing(strength=4.0)(datasets.example())
    >>> t = eco.ties
    >>> t[(t["source"] == "gp_west") & t["target"].isin(["welfare_west", "youth_work_west"])][
    ...     ["target", "kind", "weight"]].to_dict("records")  # welfare_west was 3.0
    [{'target': 'welfare_west', 'kind': 'referral', 'weight': 4.0},
     {'target': 'youth_work_west', 'kind': 'referral', 'weight': 4.0}]
    """
    func = "social_prescribing"
    return Intervention(func, _social_prescribing,
                        {"strength": _strength(strength, func), "sources": sources,
                         "targets": targets},
                        f"{sources} refer to {targets} in their neighbourhood (weight "
                        f"{strength})")


def _social_prescribing(eco: Ecosystem, *, strength: float, sources, targets) -> Ecosystem:
    func = "social_prescribing"
    pairs = _same_neighbourhood_pairs(eco, _kinds(eco, sources, func, "sources"),
                                      _kinds(eco, targets, func, "targets"))
    return _ensure_ties(eco, pairs, "referral", strength)


# ------------------------------------------------------------------ integrate_primary_care
@renamed("integrate_primary_care", kinds="actor_kinds")
def integrate_primary_care(
    *,
    strength: float = 3.0,
    handover: float = 0.99,
    actor_kinds: Sequence[str] = ("gp", "district_nursing"),
) -> Intervention:
    """GP and district nursing work as one team (the "integrated primary care" pillar of the
    caring-neighbourhoods programme: Zorgvisie, "Alliantie wijkverpleging zet in op 100
    zorgzame buurten", 2023).

    Every pair of an ``actor_kinds[0]`` actor and an ``actor_kinds[1:]`` actor in the same
    neighbourhood gets a collaboration tie of weight at least ``strength`` (added or
    strengthened), and every referral or collaboration tie between such a pair (either
    direction) gets ``handover`` in the tie column ``handover``: a same-team handover that
    succeeds more often than the flow model's ``handover_same`` default.

    Under need-aware routing the stronger tie carries mostly the needs district nursing suits
    (chronic disease, palliative care, dementia support); acute needs keep going to the
    hospital. Every need referred along the team's ties gains the better handover.

    Parameters
    ----------
    strength
        Minimum weight of the collaboration ties between the team's actors.
    actor_kinds
        The team: the first kind collaborates with each of the others (GP and district nursing
        by default).
    handover
        Handover success probability in [0, 1] written on the team's referral and
        collaboration ties.

    Returns
    -------
    Intervention
        A function ``Ecosystem -> Ecosystem`` with a name, applied by calling it (or by
        :func:`compose` and :func:`ecosystem.compare`).

    Examples
    --------
    >>> from ecosystem import datasets
    >>> from ecosystem.interventions import integrate_primary_care
    >>> eco = integrate_primary_care()(datasets.example())
    >>> t = eco.ties
    >>> t[(t["source"] == "gp_west") & (t["target"] == "nursing_west")][
    ...     ["kind", "weight", "handover"]].to_dict("records")  # already 5.0, kept
    [{'kind': 'collaboration', 'weight': 5.0, 'handover': 0.99}]
    """
    func = "integrate_primary_care"
    kinds = actor_kinds
    if isinstance(kinds, str) or len(kinds) < 2:
        raise ConfigError(f"{func}(): actor_kinds={kinds!r} must list at least two actor kinds")
    return Intervention(func, _integrate_primary_care,
                        {"strength": _strength(strength, func),
                         "handover": _probability(handover, func, "handover"),
                         "kinds": tuple(kinds)},
                        f"{kinds[0]} and {', '.join(kinds[1:])} collaborate as one team "
                        f"(weight {strength}, handover {handover})")


def _integrate_primary_care(eco: Ecosystem, *, strength: float, handover: float,
                            kinds: tuple[str, ...]) -> Ecosystem:
    func = "integrate_primary_care"
    ks = _kinds(eco, kinds, func, "kinds")
    pairs = _same_neighbourhood_pairs(eco, ks[:1], ks[1:])
    eco = _ensure_ties(eco, pairs, "collaboration", strength, handover)
    # referral ties between the team members hand over as well as the team does
    ties = eco.ties
    kind_of = dict(zip(eco.actors["id"], eco.actors["kind"], strict=True))
    sk, tk = ties["source"].map(kind_of), ties["target"].map(kind_of)
    team = ((sk == ks[0]) & tk.isin(ks[1:])) | ((tk == ks[0]) & sk.isin(ks[1:]))
    both = pd.concat([pairs, pairs.rename(columns={"source": "target", "target": "source"})])
    in_pairs = ties[["source", "target"]].astype(object).merge(
        both.astype(object).drop_duplicates(), how="left", indicator=True)["_merge"].eq("both")
    in_pairs.index = ties.index
    sel = (team & in_pairs & (ties["kind"] == "referral")).to_numpy()
    if sel.any():
        h = pd.to_numeric(ties["handover"], errors="coerce").to_numpy(dtype=np.float64).copy()
        h[sel] = handover
        ties["handover"] = h
        eco = _rebuild(eco, eco.actors, ties)
    return eco


# ------------------------------------------------------------------ front_door
def front_door(*, share: float = 1.0, needs: str | Sequence[str] | None = None) -> Intervention:
    """A single front door (één loket) routes residents to the right domain.

    The single front door with silos allowed behind it is discussed in "Integratie van zorg en
    welzijn: kansen voor de eerste lijn?" (ZorgImpuls and PinK-FOX, 2012).

    For every need ``n`` (``needs``; all when ``None``) and within every neighbourhood (shared
    actors, with no neighbourhood, form a group of their own), a fraction ``share`` of the entry
    weight on actors whose domain is not appropriate for ``n`` moves to the actors whose domain
    is, in proportion to their entry weights (equally when those are all 0; nothing moves in a
    group without an appropriate actor). The entry weight of every group is conserved. The
    intervention writes the actor columns ``entry_<need>``; a column that does not exist yet is
    first filled from :func:`ecosystem.flows.default_entry`.

    It changes where residents enter, not how they are referred: routing (need-aware or by
    weight) then starts from the new front doors.

    Parameters
    ----------
    share
        Fraction of the misplaced entry weight that moves, in [0, 1].
    needs
        A need or needs to re-route; all of the schema's needs when ``None``.

    Returns
    -------
    Intervention
        A function ``Ecosystem -> Ecosystem`` with a name, applied by calling it (or by
        :func:`compose` and :func:`ecosystem.compare`).

    Examples
    --------
    >>> from ecosystem import datasets
    >>> from ecosystem.interventions import front_door
    >>> eco = front_door(needs="debt")(datasets.example())
    >>> a = eco.actors.set_index("id")
    >>> float(a.loc["gp_west", "entry_debt"]), round(float(a.loc["team_west", "entry_debt"]), 3)
    (0.0, 0.956)
    """
    func = "front_door"
    share = _probability(share, func, "share")
    needs_t = None if needs is None else ([needs] if isinstance(needs, str) else list(needs))
    return Intervention(func, _front_door, {"share": share, "needs": needs_t},
                        f"a single front door moves {share:.0%} of residents' first contacts "
                        "to the appropriate domain")


def _entry_matrix(eco: Ecosystem, needs: list[str]) -> np.ndarray:
    """Effective per-actor entry weights: the actor column where given, else the default."""
    from ecosystem.flows import default_entry

    a = eco.actors
    table = default_entry(eco.schema)
    out = np.zeros((len(a), len(needs)))
    for j, n in enumerate(needs):
        base = a["kind"].map(table[n] if n in table.columns else {}).fillna(0.0).to_numpy(
            dtype=np.float64)
        col = f"entry_{n}"
        if col in a.columns:
            given = pd.to_numeric(a[col], errors="coerce").to_numpy(dtype=np.float64)
            base = np.where(np.isnan(given), base, given)
        out[:, j] = base
    return out


def _front_door(eco: Ecosystem, *, share: float, needs: list[str] | None) -> Ecosystem:
    schema = eco.schema
    try:
        ids = list(schema.needs) if needs is None else [schema.need(n) for n in needs]
    except Exception as exc:
        raise ConfigError(f"front_door(): needs: {exc}") from None
    actors = eco.actors
    weights = _entry_matrix(eco, ids)
    group = pd.factorize(actors["neighbourhood"].fillna("\0shared"))[0]
    domain = actors["domain"].to_numpy()
    n_groups = int(group.max()) + 1 if len(group) else 0
    for j, n in enumerate(ids):
        ok = np.isin(domain, schema.needs[n].appropriate)
        w = weights[:, j]
        moved = np.where(ok, 0.0, w * share)
        pool = np.bincount(group, weights=moved, minlength=n_groups)
        ok_w = np.bincount(group, weights=np.where(ok, w, 0.0), minlength=n_groups)
        ok_n = np.bincount(group, weights=ok.astype(float), minlength=n_groups)
        has = ok_n[group] > 0
        gain = np.where(ok_w[group] > 0, w / np.where(ok_w[group] > 0, ok_w[group], 1.0),
                        1.0 / np.maximum(ok_n[group], 1.0))
        new = np.where(ok, w + pool[group] * gain, w - moved)
        weights[:, j] = np.where(has, new, w)  # groups without an appropriate actor keep all
    actors = actors.copy()
    for j, n in enumerate(ids):
        actors[f"entry_{n}"] = weights[:, j]
    return _rebuild(eco, actors, eco.ties)


# ------------------------------------------------------------------ fund_community
def fund_community(
    *,
    neighbourhoods: str | Sequence[str] | None = None,
    strength: float = 2.0,
    links: str | Sequence[str] = ("social_team", "home_care"),
) -> Intervention:
    """Fund a caring community (zorgzame gemeenschap) in each neighbourhood.

    In each selected neighbourhood (all when ``None``) without a ``community_network``, one is
    added with id ``<neighbourhood>/community_network/funded``; every community network of the
    neighbourhood then gets a collaboration tie of weight at least ``strength`` (added or
    strengthened) to every actor of the ``links`` kinds there (by default the social team and
    home care: the ties that 90% and 40% of caring communities have; Zorginstituut Nederland
    and Nederland Zorgt voor Elkaar, "Passende zorg-dialoog", 2023). Where
    the ecosystem has ``resolve_<need>`` / ``entry_<need>`` columns, a new community network
    copies the mean values of the ecosystem's existing community networks, or else the
    ``average`` profile's table (:mod:`ecosystem.generate.presets`).

    Under need-aware routing the social team and home care refer to the community network
    mainly the needs it suits (loneliness, informal support); medical needs rarely go there.

    Parameters
    ----------
    neighbourhoods
        A neighbourhood or neighbourhoods; all when ``None``.
    strength
        Minimum weight of the community network's collaboration ties.
    links
        Actor kind(s) each community network collaborates with.

    Returns
    -------
    Intervention
        A function ``Ecosystem -> Ecosystem`` with a name, applied by calling it (or by
        :func:`compose` and :func:`ecosystem.compare`).

    Examples
    --------
    >>> from ecosystem.generate import generate_neighbourhood
    >>> from ecosystem.interventions import fund_community
    >>> eco = fund_community()(generate_neighbourhood("average", seed=2))
    >>> t = eco.ties
    >>> sorted(t[t["source"] == "average/community_network/funded"]["target"])
    ['average/home_care/1', 'average/social_team/1']
    """
    func = "fund_community"
    nbs = None if neighbourhoods is None else (
        [neighbourhoods] if isinstance(neighbourhoods, str) else list(neighbourhoods))
    links_t = (links,) if isinstance(links, str) else tuple(links)
    return Intervention(func, _fund_community,
                        {"neighbourhoods": nbs, "strength": _strength(strength, func),
                         "links": links_t},
                        f"fund a caring community tied to {', '.join(links_t)} (weight "
                        f"{strength})")


def _fund_community(eco: Ecosystem, *, neighbourhoods: list[str] | None, strength: float,
                    links: tuple[str, ...]) -> Ecosystem:
    from ecosystem.generate import Profile

    func = "fund_community"
    known = eco.neighbourhoods.index.tolist()
    nbs = known if neighbourhoods is None else neighbourhoods
    unknown = sorted(set(nbs) - set(known))
    if unknown:
        raise ConfigError(f"{func}(): neighbourhood(s) {unknown} not in this ecosystem; known: "
                          f"{known}")
    link_kinds = _kinds(eco, links, func, "links")
    actors = eco.actors
    cc = actors[actors["kind"] == "community_network"]
    missing = [nb for nb in nbs if nb not in set(cc["neighbourhood"].dropna())]
    if missing:
        new = pd.DataFrame({"id": [f"{nb}/community_network/funded" for nb in missing],
                            "kind": "community_network", "neighbourhood": missing})
        prof = Profile.preset("average")
        for prefix, table in (("resolve_", prof.resolve), ("entry_", prof.entry)):
            for col in [c for c in actors.columns if c.startswith(prefix)]:
                need = col[len(prefix):]
                value = float(cc[col].mean()) if len(cc) else table.get(
                    "community_network", {}).get(normalize_name(need), 0.0)
                new[col] = value
        actors = pd.concat([actors, new], ignore_index=True)
    eco = _rebuild(eco, actors, eco.ties)
    a = eco.actors
    in_nb = a[a["neighbourhood"].isin(nbs)]
    pairs = _same_neighbourhood_pairs(eco.subset(ids=in_nb["id"]), ["community_network"],
                                      link_kinds)
    return _ensure_ties(eco, pairs, "collaboration", strength)
