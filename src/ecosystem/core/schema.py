"""The vocabulary of care ecosystems: actor kinds, domains, tie kinds and needs.

A :class:`Schema` says which actor kinds exist and to which domain each belongs, which tie kinds
exist and whether they are directed, and which needs residents bring (with the domains where each
is appropriately resolved). English ids are canonical; Dutch names and other aliases are accepted
on input, case-insensitively, with spaces, hyphens and underscores treated alike.

The default vocabulary follows Dutch usage in care and welfare (the kinds, laws and payers of the
Zvw, Wmo and Wlz). Users extend it for their own actor types with :meth:`Schema.extend`; the schema
travels with the data (it is stored in JSON files and carried by every derived ecosystem).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from ecosystem.core.errors import SchemaError, UnknownKindError, suggest

__all__ = ["COLUMN_ALIASES", "DOMAINS", "SECTORS", "ActorKind", "Need", "Schema", "TieKind"]

#: The three domains of a care ecosystem.
DOMAINS: tuple[str, ...] = ("medical", "social", "informal")

#: Sector of each domain: medical and social care are formal (paid, regulated), the rest informal.
SECTORS: Mapping[str, str] = MappingProxyType(
    {"medical": "formal", "social": "formal", "informal": "informal"}
)


def normalize_name(name: str) -> str:
    """Canonical lookup key: case-folded, with runs of spaces, ``-`` and ``_`` made one ``_``."""
    return re.sub(r"[\s_\-]+", "_", str(name).strip().casefold())


def column_key(name: str) -> str:
    """Lookup key of a column name: case-folded, without spaces, ``-``, ``_``, quotes or BOM,
    and without a trailing unit in parentheses (as CBS StatLine writes its headers).

    ``"Aantal inwoners"``, ``"aantal_inwoners"``, ``"AantalInwoners"`` and
    ``"Aantal inwoners (aantal)"`` share one key.
    """
    text = re.sub(r"\s*\([^()]*\)\s*$", "", str(name))
    return re.sub(r"[\s_\-\"'\ufeff]+", "", text.casefold())


#: Accepted column names of each table besides the canonical English field name, matched by
#: :func:`column_key` (case, spaces, ``-`` and ``_`` ignored). Dutch names first. A table with
#: two columns that map to one field is an error naming both. Extend with
#: ``Schema.extend(columns={"actors": {"id": ("zorgaanbieder",)}})``.
COLUMN_ALIASES: Mapping[str, Mapping[str, tuple[str, ...]]] = MappingProxyType({
    "actors": MappingProxyType({
        # not "naam": Dutch files often hold a name ("naam") next to their id or code
        "id": ("code", "actor_id"),
        "kind": ("soort", "type", "actortype", "actor_kind"),
        "domain": ("domein",),
        "sector": (),
        "neighbourhood": ("wijk", "buurt", "buurtnaam", "wijknaam", "neighborhood"),
        "capacity": ("capaciteit",),
    }),
    "ties": MappingProxyType({
        "source": ("bron", "van", "from"),
        "target": ("doel", "naar", "to"),
        "kind": ("soort", "type", "relatie", "tie_kind"),
        "weight": ("gewicht", "sterkte", "strength"),
    }),
    "neighbourhoods": MappingProxyType({
        "neighbourhood": ("wijk", "buurt", "buurtnaam", "wijknaam", "naam", "name",
                          "wijken en buurten", "neighborhood"),
        "residents": ("inwoners", "aantal inwoners", "bewoners", "population"),
        "ses": ("ses score", "ses-woa", "ses-woa score", "ses-woa totaalscore"),
    }),
})


@dataclass(frozen=True)
class ActorKind:
    """A kind of actor (node).

    Parameters
    ----------
    id
        Canonical English id, e.g. ``"gp"``.
    domain
        One of :data:`DOMAINS`.
    label
        Human-readable English name.
    aliases
        Other accepted names (Dutch names first), matched case-insensitively.
    payer
        Whether the actor funds care (insurer, municipality): its ties cross a funding wall.
    description
        One sentence on who this is.

    Examples
    --------
    >>> from ecosystem import ActorKind
    >>> food_bank = ActorKind("food_bank", "social", "food bank", aliases=("voedselbank",))
    >>> food_bank.sector
    'formal'
    """

    id: str
    domain: str
    label: str = ""
    aliases: tuple[str, ...] = ()
    payer: bool = False
    description: str = ""

    @property
    def sector(self) -> str:
        """``"formal"`` for the medical and social domains, ``"informal"`` otherwise."""
        return SECTORS[self.domain]


@dataclass(frozen=True)
class TieKind:
    """A kind of tie (edge).

    Parameters
    ----------
    id
        Canonical English id, e.g. ``"referral"``.
    directed
        ``True`` when the tie has a direction (source sends, refers or pays target); ``False`` for
        mutual ties, which are stored once and count in both directions in a directed view.
    self_loops
        Whether a tie from an actor to itself is allowed.
    label, aliases, description
        As for :class:`ActorKind`.

    Examples
    --------
    >>> from ecosystem import Schema
    >>> Schema.default().tie_kinds["referral"].directed
    True
    """

    id: str
    directed: bool = True
    self_loops: bool = False
    label: str = ""
    aliases: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class Need:
    """A need category that residents bring into the ecosystem.

    Parameters
    ----------
    id
        Canonical English id, e.g. ``"loneliness"``.
    appropriate
        Domains where the need is appropriately resolved. A need resolved elsewhere is
        "resolved elsewhere"; a social or informal need resolved in the medical domain is
        "medicalised".
    label, aliases, description
        As for :class:`ActorKind`.

    Examples
    --------
    >>> from ecosystem import Schema
    >>> Schema.default().needs["loneliness"].appropriate
    ('social', 'informal')
    """

    id: str
    appropriate: tuple[str, ...]
    label: str = ""
    aliases: tuple[str, ...] = ()
    description: str = ""


def _ak(id: str, domain: str, label: str, aliases: str, description: str, payer: bool = False):
    names = tuple(a for a in aliases.split("|") if a)
    return ActorKind(id, domain, label, names, payer, description)


# Source of every kind, domain and Dutch name: shared/domain.md, table "Actors (nodes) and their
# domains". Resident is placed in the informal domain: the person with the need and their own
# network sit outside paid care.
_DEFAULT_ACTOR_KINDS = (
    _ak("gp", "medical", "general practice", "huisarts|huisartsenpraktijk|huisartspraktijk|"
        "general practice|general practitioner", "A general practice (huisartsenpraktijk)."),
    _ak("practice_nurse", "medical", "practice nurse", "praktijkondersteuner|poh|"
        "praktijkondersteuner huisarts", "Practice nurse working within a general practice."),
    _ak("district_nursing", "medical", "district nursing", "wijkverpleging|wijkverpleegkundige|"
        "district nurse", "District (community) nursing team."),
    _ak("home_care", "medical", "home care", "thuiszorg|thuiszorgorganisatie",
        "Home-care organisation."),
    _ak("hospital", "medical", "hospital", "ziekenhuis|specialist|medisch specialist|"
        "medical specialist", "Hospital or medical specialist."),
    _ak("mental_health", "medical", "mental health care", "ggz|geestelijke gezondheidszorg",
        "Mental health care provider (GGZ)."),
    _ak("nursing_home", "medical", "nursing home", "verpleeghuis", "Nursing home."),
    _ak("hospice", "medical", "hospice / palliative care", "palliatieve zorg|palliative care|"
        "palliative", "Hospice or palliative care team."),
    _ak("pharmacy", "medical", "pharmacy", "apotheek", "Community pharmacy."),
    _ak("physiotherapy", "medical", "physiotherapy", "fysiotherapie|fysiotherapeut",
        "Physiotherapy practice."),
    _ak("insurer", "medical", "health insurer", "zorgverzekeraar|verzekeraar",
        "Health insurer, payer under the Zvw.", payer=True),
    _ak("municipality", "social", "municipality", "gemeente",
        "Municipality, payer under the Wmo and Jeugdwet.", payer=True),
    _ak("social_team", "social", "neighbourhood social team", "wijkteam|sociaal wijkteam|"
        "neighbourhood team", "Neighbourhood (social) team."),
    _ak("welfare", "social", "welfare organisation", "welzijn|welzijnswerk|welzijn op recept|"
        "welzijnsorganisatie", "Welfare organisation (welzijnswerk), incl. social prescribing."),
    _ak("debt_counselling", "social", "debt counselling", "schuldhulpverlening|schuldhulp",
        "Debt counselling service."),
    _ak("public_health", "social", "public health service", "ggd", "Municipal public health "
        "service (GGD)."),
    _ak("sheltered_housing", "social", "sheltered housing", "beschermd wonen",
        "Sheltered housing."),
    _ak("community_network", "informal", "caring community", "zorgzame gemeenschap|buurtnetwerk|"
        "dorpsnetwerk|bewonersinitiatief|caring community", "Caring community, neighbourhood or "
        "village network, residents' initiative."),
    _ak("volunteer_org", "informal", "volunteer organisation", "vrijwilligersorganisatie|"
        "vrijwilligers", "Volunteer organisation."),
    _ak("informal_carer", "informal", "informal carer", "mantelzorger|mantelzorg",
        "Informal carer (family member, friend or neighbour)."),
    _ak("elderly_union", "informal", "elderly union", "ouderenbond|kbo",
        "Elderly union (e.g. KBO)."),
    _ak("resident", "informal", "resident", "bewoner|burger|citizen",
        "A resident: the person with the need."),
)

_DEFAULT_TIE_KINDS = (
    TieKind("referral", True, False, "referral", ("verwijzing", "doorverwijzing"),
            "Source sends people to target. The default tie kind."),
    TieKind("collaboration", False, False, "collaboration / consultation",
            ("samenwerking", "consultation", "overleg"), "Mutual collaboration or consultation."),
    TieKind("funding", True, False, "funding / contracting", ("financiering", "contract",
            "contracting", "inkoop"), "Payer (source) funds or contracts provider (target)."),
    TieKind("information", True, False, "information sharing", ("informatie",
            "informatie-uitwisseling"), "Source shares information with target."),
    TieKind("membership", True, False, "membership", ("lidmaatschap", "lid"),
            "Source is a member of (or volunteers for) target."),
)

# Appropriate domains: shared/domain.md, section "Needs (what flows)". The assignment of domains
# to each need is this library's named assumption, overridable with Schema.extend(replace=True).
_DEFAULT_NEEDS = (
    Need("medical_acute", ("medical",), "acute medical", ("acuut", "acute"),
         "Acute medical problem."),
    Need("chronic_disease", ("medical",), "chronic disease", ("chronische ziekte", "chronic"),
         "Chronic disease management."),
    Need("mental_health", ("medical", "social"), "mental health", ("ggz", "psychische klachten"),
         "Mental health problem."),
    Need("loneliness", ("social", "informal"), "loneliness", ("eenzaamheid",), "Loneliness."),
    Need("debt", ("social",), "debt / money stress", ("schulden", "geldzorgen", "money stress"),
         "Debt or money stress."),
    Need("unemployment", ("social",), "unemployment", ("werkloosheid",), "Unemployment."),
    Need("dementia_support", ("medical", "social", "informal"), "dementia support",
         ("dementie", "dementia"), "Support for a person with dementia and their carers."),
    Need("palliative", ("medical", "informal"), "palliative phase", ("palliatief",
         "end of life", "levenseinde"), "End of life care, mostly about well-being."),
    Need("child_obesity", ("medical", "social"), "child obesity", ("overgewicht bij kinderen",
         "kinderobesitas"), "Child obesity."),
    Need("informal_support", ("informal", "social"), "informal support", ("hulp in huis",
         "practical help", "company"), "Help around the house, company."),
)


def _index(items: Iterable[Any], what: str) -> MappingProxyType:
    out: dict[str, Any] = {}
    for item in items:
        if item.id in out:
            raise SchemaError(f"{what} '{item.id}' is defined twice")
        out[item.id] = item
    return MappingProxyType(out)


@dataclass(frozen=True, eq=False)
class Schema:
    """The vocabulary an ecosystem is written in.

    Parameters
    ----------
    actor_kinds, tie_kinds, needs
        The kinds and needs, each with a unique canonical id.
    default_tie_kind
        Tie kind given to ties that name none: ``"referral"`` in the default schema.
    columns
        Column aliases per table (``"actors"``, ``"ties"``, ``"neighbourhoods"``) and canonical
        field: :data:`COLUMN_ALIASES` by default.

    Examples
    --------
    >>> from ecosystem import Schema
    >>> s = Schema.default()
    >>> s.actor_kind("Huisarts"), s.actor_kind("zorgzame gemeenschap")
    ('gp', 'community_network')
    >>> s.domain_of("wijkteam")
    'social'
    >>> s.tie_kinds["collaboration"].directed
    False
    >>> mine = s.extend(actor_kinds=[ActorKind("food_bank", "social", aliases=("voedselbank",))])
    >>> mine.actor_kind("Voedselbank")
    'food_bank'
    """

    actor_kinds: Mapping[str, ActorKind]
    tie_kinds: Mapping[str, TieKind]
    needs: Mapping[str, Need]
    default_tie_kind: str = "referral"
    columns: Mapping[str, Mapping[str, tuple[str, ...]]] = field(
        default_factory=lambda: COLUMN_ALIASES)
    _lookup: dict[str, dict[str, str]] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        for attr, what in (("actor_kinds", "actor kind"), ("tie_kinds", "tie kind"),
                           ("needs", "need")):
            value = getattr(self, attr)
            if not isinstance(value, Mapping):
                value = _index(value, what)
            elif not isinstance(value, MappingProxyType):
                value = MappingProxyType(dict(value))
            object.__setattr__(self, attr, value)
        for kind in self.actor_kinds.values():
            if kind.domain not in DOMAINS:
                raise SchemaError(
                    f"actor kind '{kind.id}' has domain '{kind.domain}'; known domains: "
                    f"{', '.join(DOMAINS)}"
                )
        for need in self.needs.values():
            bad = [d for d in need.appropriate if d not in DOMAINS]
            if bad or not need.appropriate:
                raise SchemaError(
                    f"need '{need.id}' must list appropriate domains among {', '.join(DOMAINS)}; "
                    f"got {list(need.appropriate)}"
                )
        if self.default_tie_kind not in self.tie_kinds:
            raise SchemaError(f"default tie kind '{self.default_tie_kind}' is not a tie kind")
        lookup = {
            "actor kind": self._build_lookup(self.actor_kinds, "actor kind"),
            "tie kind": self._build_lookup(self.tie_kinds, "tie kind"),
            "need": self._build_lookup(self.needs, "need"),
            "domain": {d: d for d in DOMAINS},
        }
        object.__setattr__(self, "columns", _column_table(self.columns))
        lookup.update(_column_lookup(self.columns))
        object.__setattr__(self, "_lookup", lookup)

    @staticmethod
    def _build_lookup(items: Mapping[str, Any], what: str) -> dict[str, str]:
        table: dict[str, str] = {}
        for item in items.values():
            for name in (item.id, *item.aliases):
                key = normalize_name(name)
                if table.get(key, item.id) != item.id:
                    raise SchemaError(
                        f"{what} name '{name}' is used by both '{table[key]}' and '{item.id}'"
                    )
                table[key] = item.id
        return table

    # ------------------------------------------------------------------ construction
    @classmethod
    def default(cls) -> Schema:
        """The default vocabulary of Dutch care ecosystems.

        Returns
        -------
        Schema
            22 actor kinds in three domains, 5 tie kinds and 10 needs, with their Dutch names
            as aliases. Built on first use and shared afterwards (a schema is immutable).

        Examples
        --------
        >>> from ecosystem import Schema
        >>> Schema.default()
        Schema(22 actor kinds, 5 tie kinds, 10 needs)
        """
        return _default_schema()

    def extend(
        self,
        *,
        actor_kinds: Iterable[ActorKind] = (),
        tie_kinds: Iterable[TieKind] = (),
        needs: Iterable[Need] = (),
        columns: Mapping[str, Mapping[str, Iterable[str]]] | None = None,
        replace: bool = False,
    ) -> Schema:
        """Return a new schema with more actor kinds, tie kinds or needs.

        Parameters
        ----------
        actor_kinds, tie_kinds, needs
            Entries to add.
        columns
            More column aliases: ``{table: {field: aliases}}`` with ``table`` one of
            ``"actors"``, ``"ties"``, ``"neighbourhoods"`` and ``field`` a canonical column of
            that table (see :data:`COLUMN_ALIASES`).
        replace
            Allow an entry to replace an existing one with the same id (for instance to let
            ``referral`` ties have self-loops). Without it, a clash raises :class:`SchemaError`.

        Returns
        -------
        Schema
            A new schema; this one is unchanged.

        Examples
        --------
        >>> from ecosystem import Need, Schema
        >>> s = Schema.default().extend(needs=[Need("housing", ("social",), aliases=("wonen",))])
        >>> s.need("Wonen")
        'housing'
        """
        merged: list[dict[str, Any]] = []
        for current, new, what in (
            (self.actor_kinds, actor_kinds, "actor kind"),
            (self.tie_kinds, tie_kinds, "tie kind"),
            (self.needs, needs, "need"),
        ):
            out = dict(current)
            for item in new:
                if item.id in out and not replace:
                    raise SchemaError(
                        f"Schema.extend(): {what} '{item.id}' already exists; pass replace=True "
                        "to redefine it"
                    )
                out[item.id] = item
            merged.append(out)
        cols = {t: dict(f) for t, f in self.columns.items()}
        for table, fields in (columns or {}).items():
            if table not in cols:
                raise SchemaError(f"Schema.extend(): columns= table '{table}' is not one of "
                                  f"{', '.join(cols)}")
            for fld, aliases in fields.items():
                if fld not in cols[table]:
                    raise SchemaError(
                        f"Schema.extend(): '{fld}' is not a field of the {table} table; "
                        f"fields: {', '.join(cols[table])}")
                if isinstance(aliases, str):
                    aliases = (aliases,)
                cols[table][fld] = (*cols[table][fld], *aliases)
        return Schema(merged[0], merged[1], merged[2], default_tie_kind=self.default_tie_kind,
                      columns=cols)

    # ------------------------------------------------------------------ lookups
    def _resolve(self, what: str, name: object) -> str:
        if not isinstance(name, str):
            raise UnknownKindError(f"{what} must be a string, got {name!r}")
        hit = self._lookup[what].get(normalize_name(name))
        if hit is None:
            raise UnknownKindError(
                f"'{name}' is not a known {what}"
                + (suggest(normalize_name(name), self._lookup[what]) or ".")
                + f" Known: {', '.join(sorted(set(self._lookup[what].values())))}"
            )
        return hit

    def actor_kind(self, name: str) -> str:
        """Canonical actor kind id for ``name`` (an id or alias, any case).

        Parameters
        ----------
        name
            An id or alias (Dutch names too), any case; spaces, hyphens and underscores alike.

        Returns
        -------
        str
            The canonical id; an unknown name raises :class:`UnknownKindError` with suggestions.

        Examples
        --------
        >>> from ecosystem import Schema
        >>> Schema.default().actor_kind("Huisarts")
        'gp'
        """
        return self._resolve("actor kind", name)

    def tie_kind(self, name: str) -> str:
        """Canonical tie kind id for ``name``.

        Parameters
        ----------
        name
            An id or alias, any case.

        Returns
        -------
        str
            The canonical id; an unknown name raises :class:`UnknownKindError`.

        Examples
        --------
        >>> from ecosystem import Schema
        >>> Schema.default().tie_kind("verwijzing")
        'referral'
        """
        return self._resolve("tie kind", name)

    def need(self, name: str) -> str:
        """Canonical need id for ``name``.

        Parameters
        ----------
        name
            An id or alias, any case.

        Returns
        -------
        str
            The canonical id; an unknown name raises :class:`UnknownKindError`.

        Examples
        --------
        >>> from ecosystem import Schema
        >>> Schema.default().need("eenzaamheid")
        'loneliness'
        """
        return self._resolve("need", name)

    def domain(self, name: str) -> str:
        """Canonical domain for ``name`` (one of :data:`DOMAINS`).

        Parameters
        ----------
        name
            A domain name, any case.

        Returns
        -------
        str
            One of :data:`DOMAINS`; an unknown name raises :class:`UnknownKindError`.

        Examples
        --------
        >>> from ecosystem import Schema
        >>> Schema.default().domain("Social")
        'social'
        """
        return self._resolve("domain", name)

    def domain_of(self, kind: str) -> str:
        """Domain of an actor kind (an id or alias).

        Parameters
        ----------
        kind
            An actor kind id or alias, any case.

        Returns
        -------
        str
            The kind's domain, one of :data:`DOMAINS`.

        Examples
        --------
        >>> from ecosystem import Schema
        >>> Schema.default().domain_of("wijkteam")
        'social'
        """
        return self.actor_kinds[self.actor_kind(kind)].domain

    def lookup_table(self, what: str) -> Mapping[str, str]:
        """Normalised name -> canonical id, for ``what`` in actor kind, tie kind, need, domain.

        Parameters
        ----------
        what
            ``"actor kind"``, ``"tie kind"``, ``"need"`` or ``"domain"``.

        Returns
        -------
        Mapping[str, str]
            Read-only mapping from every normalised id and alias to its canonical id.

        Examples
        --------
        >>> from ecosystem import Schema
        >>> Schema.default().lookup_table("actor kind")["huisarts"]
        'gp'
        """
        return MappingProxyType(self._lookup[what])

    def column_field(self, table: str, name: str) -> str | None:
        """The canonical field a column ``name`` of ``table`` stands for, or ``None``.

        Parameters
        ----------
        table
            ``"actors"``, ``"ties"`` or ``"neighbourhoods"``.
        name
            A column name (any case; spaces, ``-`` and ``_`` are ignored, and so is a
            trailing unit in parentheses).

        Returns
        -------
        str or None
            The field (``"weight"``), or ``None`` for a column that is no field.

        Examples
        --------
        >>> s = Schema.default()
        >>> s.column_field("ties", "Gewicht"), s.column_field("actors", "wijk")
        ('weight', 'neighbourhood')
        >>> s.column_field("actors", "opmerking") is None
        True
        """
        return self._lookup["column:" + table].get(column_key(name))

    def column_names(self, table: str) -> Mapping[str, str]:
        """Column key (:func:`column_key`) -> canonical field, for ``table``.

        Parameters
        ----------
        table
            ``"actors"``, ``"ties"`` or ``"neighbourhoods"``.

        Returns
        -------
        Mapping
            Read-only mapping of every accepted column key to its field.

        Examples
        --------
        >>> Schema.default().column_names("ties")["naar"]
        'target'
        """
        return MappingProxyType(self._lookup["column:" + table])

    @property
    def mutual_tie_kinds(self) -> frozenset[str]:
        """Ids of the tie kinds that are not directed."""
        return frozenset(k for k, t in self.tie_kinds.items() if not t.directed)

    # ------------------------------------------------------------------ (de)serialisation
    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description of the schema (see :meth:`from_dict`).

        Returns
        -------
        dict
            ``default_tie_kind`` and lists of ``actor_kinds``, ``tie_kinds`` and ``needs``,
            each entry a dict of plain values.

        Examples
        --------
        >>> from ecosystem import Schema
        >>> d = Schema.default().to_dict()
        >>> list(d), len(d["actor_kinds"])
        (['default_tie_kind', 'columns', 'actor_kinds', 'tie_kinds', 'needs'], 22)
        """
        return {
            "default_tie_kind": self.default_tie_kind,
            "columns": {t: {f: list(a) for f, a in fields.items()}
                        for t, fields in self.columns.items()},
            "actor_kinds": [
                {"id": k.id, "domain": k.domain, "label": k.label, "aliases": list(k.aliases),
                 "payer": k.payer, "description": k.description}
                for k in self.actor_kinds.values()
            ],
            "tie_kinds": [
                {"id": t.id, "directed": t.directed, "self_loops": t.self_loops, "label": t.label,
                 "aliases": list(t.aliases), "description": t.description}
                for t in self.tie_kinds.values()
            ],
            "needs": [
                {"id": n.id, "appropriate": list(n.appropriate), "label": n.label,
                 "aliases": list(n.aliases), "description": n.description}
                for n in self.needs.values()
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "schema") -> Schema:
        """Rebuild a schema from :meth:`to_dict` output; malformed input raises SchemaError.

        Types are checked strictly, so nothing is coerced: ``"directed": "false"`` or
        ``"aliases": "doc"`` (text where a boolean or a list belongs) raise SchemaError naming
        the entry and the field.

        Parameters
        ----------
        data
            A mapping as written by :meth:`to_dict` (for instance read back from JSON).
        source
            Where ``data`` came from, named in error messages.

        Returns
        -------
        Schema

        Examples
        --------
        >>> from ecosystem import Schema
        >>> s = Schema.default()
        >>> Schema.from_dict(s.to_dict()) == s
        True
        """
        _check_dict(data, source)
        try:
            actor_kinds = [
                ActorKind(d["id"], d["domain"], d.get("label", ""), tuple(d.get("aliases", ())),
                          bool(d.get("payer", False)), d.get("description", ""))
                for d in data["actor_kinds"]
            ]
            tie_kinds = [
                TieKind(d["id"], bool(d.get("directed", True)), bool(d.get("self_loops", False)),
                        d.get("label", ""), tuple(d.get("aliases", ())), d.get("description", ""))
                for d in data["tie_kinds"]
            ]
            needs = [
                Need(d["id"], tuple(d["appropriate"]), d.get("label", ""),
                     tuple(d.get("aliases", ())), d.get("description", ""))
                for d in data["needs"]
            ]
            default = data.get("default_tie_kind", "referral")
            columns = data.get("columns", COLUMN_ALIASES)
            columns = {str(t): {str(f): tuple(a) for f, a in fields.items()}
                       for t, fields in columns.items()}
        except (KeyError, TypeError, AttributeError) as exc:
            raise SchemaError(
                f"malformed schema: missing or wrong entry {exc}; expected the structure written "
                "by Schema.to_dict()", source=source
            ) from None
        return cls(_index(actor_kinds, "actor kind"), _index(tie_kinds, "tie kind"),
                   _index(needs, "need"), default_tie_kind=default, columns=columns)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Schema):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash((tuple(self.actor_kinds), tuple(self.tie_kinds), tuple(self.needs)))

    def __repr__(self) -> str:
        return (
            f"Schema({len(self.actor_kinds)} actor kinds, {len(self.tie_kinds)} tie kinds, "
            f"{len(self.needs)} needs)"
        )

    def describe(self) -> dict[str, Any]:
        """Tables of actor kinds, tie kinds and needs (pandas DataFrames), for reading.

        Returns
        -------
        dict of str to pandas.DataFrame
            ``actor_kinds`` (indexed by kind: domain, sector, payer, label, aliases),
            ``tie_kinds`` (directed, self_loops, aliases) and ``needs`` (appropriate domains,
            aliases).

        Examples
        --------
        >>> from ecosystem import Schema
        >>> Schema.default().describe()["needs"].loc["loneliness", "appropriate"]
        'social, informal'
        """
        import pandas as pd

        return {
            "actor_kinds": pd.DataFrame(
                [{"kind": k.id, "domain": k.domain, "sector": k.sector, "payer": k.payer,
                  "label": k.label, "aliases": ", ".join(k.aliases)}
                 for k in self.actor_kinds.values()]
            ).set_index("kind"),
            "tie_kinds": pd.DataFrame(
                [{"kind": t.id, "directed": t.directed, "self_loops": t.self_loops,
                  "aliases": ", ".join(t.aliases)} for t in self.tie_kinds.values()]
            ).set_index("kind"),
            "needs": pd.DataFrame(
                [{"need": n.id, "appropriate": ", ".join(n.appropriate),
                  "aliases": ", ".join(n.aliases)} for n in self.needs.values()]
            ).set_index("need"),
        }


def _column_table(columns: object) -> MappingProxyType:
    """Validate and freeze column aliases: every table and field of :data:`COLUMN_ALIASES`."""
    if not isinstance(columns, Mapping):
        raise SchemaError(f"columns must map table -> field -> aliases, got {columns!r:.60}")
    out = {}
    for table, fields in COLUMN_ALIASES.items():
        given = columns.get(table, fields)
        if not isinstance(given, Mapping):
            raise SchemaError(f"columns['{table}'] must map field -> aliases")
        unknown = set(given) - set(fields)
        if unknown:
            raise SchemaError(f"columns['{table}']: {sorted(unknown)} are not fields of the "
                              f"{table} table; fields: {', '.join(fields)}")
        out[table] = MappingProxyType({
            f: tuple(str(a) for a in given.get(f, fields[f])) for f in fields})
    extra = set(columns) - set(COLUMN_ALIASES)
    if extra:
        raise SchemaError(f"columns: unknown table(s) {sorted(extra)}; tables: "
                          f"{', '.join(COLUMN_ALIASES)}")
    return MappingProxyType(out)


def _column_lookup(columns: Mapping[str, Mapping[str, tuple[str, ...]]]
                   ) -> dict[str, dict[str, str]]:
    """``"column:<table>"`` -> column key -> field; one key for two fields raises."""
    out: dict[str, dict[str, str]] = {}
    for table, fields in columns.items():
        keys: dict[str, str] = {}
        for fld, aliases in fields.items():
            for name in (fld, *aliases):
                other = keys.setdefault(column_key(name), fld)
                if other != fld:
                    raise SchemaError(f"{table} column name '{name}' is an alias of both "
                                      f"'{other}' and '{fld}'")
        out["column:" + table] = keys
    return out


#: The fields of each entry of :meth:`Schema.to_dict` and the type each must have.
_FIELDS: dict[str, dict[str, tuple[type, ...]]] = {
    "actor_kinds": {"id": (str,), "domain": (str,), "label": (str,), "aliases": (list, tuple),
                    "payer": (bool,), "description": (str,)},
    "tie_kinds": {"id": (str,), "directed": (bool,), "self_loops": (bool,), "label": (str,),
                  "aliases": (list, tuple), "description": (str,)},
    "needs": {"id": (str,), "appropriate": (list, tuple), "label": (str,),
              "aliases": (list, tuple), "description": (str,)},
}
_REQUIRED = {"actor_kinds": ("id", "domain"), "tie_kinds": ("id",),
             "needs": ("id", "appropriate")}


def _check_dict(data: Any, source: str) -> None:
    """Refuse a :meth:`Schema.to_dict` structure with a wrong type anywhere (no coercion)."""
    def fail(where: str, message: str) -> SchemaError:
        return SchemaError(f"malformed schema: {where} {message}; expected the structure "
                           "written by Schema.to_dict()", source=source, field=where)

    if not isinstance(data, Mapping):
        raise fail("the schema", f"is {type(data).__name__}, not an object")
    default = data.get("default_tie_kind", "referral")
    if not isinstance(default, str):
        raise fail("default_tie_kind", f"is {default!r:.40}, not text")
    for table, fields in _FIELDS.items():
        entries = data.get(table)
        if not isinstance(entries, list | tuple):
            raise fail(table, f"is {type(entries).__name__}, not a list of objects")
        for i, entry in enumerate(entries):
            _check_entry(entry, f"{table}[{i}]", fields, _REQUIRED[table], fail)
    _check_columns(data.get("columns", {}), fail)


def _check_columns(columns: Any, fail: Any) -> None:
    """``columns`` is table -> field -> list of text (an alias string is not split)."""
    if not isinstance(columns, Mapping):
        raise fail("columns", f"is {type(columns).__name__}, not an object")
    for table, fields in columns.items():
        if not isinstance(fields, Mapping):
            raise fail(f"columns.{table}", f"is {type(fields).__name__}, not an object")
        for name, aliases in fields.items():
            if not isinstance(aliases, list | tuple) or not all(
                    isinstance(a, str) for a in aliases):
                raise fail(f"columns.{table}.{name}", f"is {aliases!r:.40}, not a list of text")


def _check_entry(entry: Any, where: str, fields: dict[str, tuple[type, ...]],
                 required: tuple[str, ...], fail: Any) -> None:
    if not isinstance(entry, Mapping):
        raise fail(where, f"is {type(entry).__name__}, not an object")
    for name in required:
        if name not in entry:
            raise fail(where, f"has no '{name}'")
    for name, types in fields.items():
        if name not in entry:
            continue
        value: Any = entry[name]
        if not isinstance(value, types) or (bool not in types and isinstance(value, bool)):
            wanted = "true or false" if bool in types else (
                "a list of text" if list in types else "text")
            raise fail(f"{where}.{name}", f"is {value!r:.40}, not {wanted}")
        items: Any = entry[name]
        if list in types and not all(isinstance(v, str) for v in items):
            raise fail(f"{where}.{name}", f"is {value!r:.40}, not a list of text")


@functools.cache
def _default_schema() -> Schema:
    """The default schema, built on first use (not at import) and shared afterwards."""
    return Schema(_index(_DEFAULT_ACTOR_KINDS, "actor kind"),
                  _index(_DEFAULT_TIE_KINDS, "tie kind"), _index(_DEFAULT_NEEDS, "need"))

