"""The referral-flow model's default numbers, each a named assumption with its source.

Every default of :class:`~ecosystem.flows.ReferralModel` is defined here and nowhere else:

- the **resolve** table (actor kind x need): probability that an actor of that kind resolves a
  need it receives;
- the **entry** table (actor kind x need): relative weight with which residents with that need
  go first to one actor of that kind;
- the handover success probabilities within a domain and across domains, and the hop limit.

Only one figure has a published source: in 2021, 76.6% of registered
patients had contact with their general practice (NIVEL Zorgregistraties Eerste Lijn). It sets the
GP's entry weight. Every other number is an illustrative assumption, named here so that a user
reads, questions and overrides it (pass ``resolve=``, ``entry=``, ``handover_same=``,
``handover_cross=`` to the model, or per-actor / per-tie columns).

The tables are built by rule, so they cover every actor kind and need of any schema: kinds and
needs of the default schema get the values below; kinds or needs a user adds to the schema get
the generic rule values (by domain), so ``ReferralModel(eco)`` works on any valid ecosystem.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import pandas as pd

from ecosystem.core.schema import Schema

__all__ = [
    "ENTRY_ALTERNATIVE",
    "ENTRY_GP",
    "ENTRY_OTHER",
    "HANDOVER_CROSS",
    "HANDOVER_SAME",
    "MAX_HOPS",
    "RESOLVE_APPROPRIATE",
    "RESOLVE_MEDICALISED",
    "RESOLVE_NONE_KINDS",
    "RESOLVE_OTHER",
    "RESOLVE_SPECIALIST",
    "SUITABILITY_FLOOR",
    "assumptions",
    "default_entry",
    "default_resolve",
]

_NIVEL = ("NIVEL Zorgregistraties Eerste Lijn, 'Omvang zorggebruik' 2021: 76.6% of registered "
          "patients had contact with their GP practice")
_ASSUMED = "assumption (illustrative; no published figure)"

#: Entry weight of one general practice for every need: most residents go to the GP first.
ENTRY_GP = 0.766
#: Entry weight of one social team and of one community network each (the rest, split equally):
#: some residents go to the social team or a community network first (assumption).
ENTRY_ALTERNATIVE = (1 - ENTRY_GP) / 2
#: Entry weight of one actor of any other kind (walk-in, self-referral). Positive so that the
#: entry weights of a non-empty ecosystem never sum to 0 under the defaults.
ENTRY_OTHER = 0.01

#: Probability that a handover between two actors of the same domain succeeds.
HANDOVER_SAME = 0.95
#: Probability that a handover across domains succeeds: lower, because different laws, funding
#: and language are thresholds for cross-domain work (Agora, "Samenwerking sociaal en medisch
#: domein: hoe kan het wél?", 2024, on the ministry of VWS's exploration of such collaborations).
HANDOVER_CROSS = 0.7
#: Number of referrals after which an unresolved resident gives up (``"exceeded"``).
MAX_HOPS = 10
#: Added to the resolve probability of an actor to give its default *suitability* for a need
#: (need-aware routing: a referrer chooses among its ties in proportion to tie weight times
#: the target's suitability). Referrers know roughly who can help (so suitability follows the
#: resolve probability), and still sometimes send people to the wrong place (so an actor that
#: cannot resolve the need keeps a small positive chance of being chosen).
SUITABILITY_FLOOR = 0.05

#: Resolve probability of an actor whose domain is appropriate for the need (generic rule).
RESOLVE_APPROPRIATE = 0.3
#: Resolve probability of a medical actor for a need whose appropriate domains exclude medical
#: (the GP prescribes or treats a social problem: medicalisation).
RESOLVE_MEDICALISED = 0.15
#: Resolve probability of any other actor for a need outside its domain.
RESOLVE_OTHER = 0.05
#: Kinds that never resolve a need: payers fund care and a resident brings the need.
RESOLVE_NONE_KINDS: tuple[str, ...] = ("insurer", "municipality", "resident")
#: Specialists: resolve probability of a kind for the needs it exists for (overrides the rule).
RESOLVE_SPECIALIST: Mapping[str, Mapping[str, float]] = MappingProxyType({
    "gp": {"medical_acute": 0.6, "chronic_disease": 0.6},
    "practice_nurse": {"chronic_disease": 0.7},
    "district_nursing": {"chronic_disease": 0.5, "palliative": 0.6, "dementia_support": 0.5},
    "home_care": {"informal_support": 0.5, "dementia_support": 0.4},
    "hospital": {"medical_acute": 0.9, "chronic_disease": 0.6},
    "mental_health": {"mental_health": 0.7},
    "nursing_home": {"dementia_support": 0.7},
    "hospice": {"palliative": 0.8},
    "social_team": {"debt": 0.4, "unemployment": 0.4, "loneliness": 0.4,
                    "informal_support": 0.4},
    "welfare": {"loneliness": 0.6, "informal_support": 0.4},
    "debt_counselling": {"debt": 0.8},
    "public_health": {"child_obesity": 0.5},
    "sheltered_housing": {"mental_health": 0.5},
    "community_network": {"loneliness": 0.5, "informal_support": 0.5},
    "volunteer_org": {"loneliness": 0.4, "informal_support": 0.5},
    "informal_carer": {"informal_support": 0.6, "dementia_support": 0.4},
    "elderly_union": {"loneliness": 0.4},
})


def assumptions() -> pd.DataFrame:
    """The scalar assumptions of the referral-flow model, with value and source.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``name``; columns ``value``, ``meaning``, ``source``.

    Examples
    --------
    >>> from ecosystem.flows import assumptions
    >>> assumptions().loc[["ENTRY_GP", "HANDOVER_CROSS"], "value"].tolist()
    [0.766, 0.7]
    """
    rows = [
        ("ENTRY_GP", ENTRY_GP, "entry weight of a general practice, every need", _NIVEL),
        ("ENTRY_ALTERNATIVE", ENTRY_ALTERNATIVE,
         "entry weight of a social team and of a community network", _ASSUMED),
        ("ENTRY_OTHER", ENTRY_OTHER, "entry weight of any other actor", _ASSUMED),
        ("HANDOVER_SAME", HANDOVER_SAME, "handover success within a domain", _ASSUMED),
        ("HANDOVER_CROSS", HANDOVER_CROSS, "handover success across domains",
         _ASSUMED + "; lower than within a domain: different laws, funding and language "
         "(Agora, 'Samenwerking sociaal en medisch domein: hoe kan het wél?', 2024)"),
        ("MAX_HOPS", MAX_HOPS, "referrals before an unresolved resident gives up", _ASSUMED),
        ("SUITABILITY_FLOOR", SUITABILITY_FLOOR,
         "added to the resolve probability to give the default suitability for routing",
         _ASSUMED + "; referrers know roughly who can help and still sometimes misroute"),
        ("RESOLVE_APPROPRIATE", RESOLVE_APPROPRIATE,
         "resolve probability in an appropriate domain (non-specialist)", _ASSUMED),
        ("RESOLVE_MEDICALISED", RESOLVE_MEDICALISED,
         "resolve probability of a medical actor for a non-medical need", _ASSUMED),
        ("RESOLVE_OTHER", RESOLVE_OTHER, "resolve probability outside the domain", _ASSUMED),
    ]
    out = pd.DataFrame(rows, columns=["name", "value", "meaning", "source"]).set_index("name")
    return out


def _resolve_value(kind: str, domain: str, need: str, appropriate: tuple[str, ...]) -> float:
    if kind in RESOLVE_NONE_KINDS:
        return 0.0
    special = RESOLVE_SPECIALIST.get(kind, {})
    if need in special:
        return special[need]
    if domain in appropriate:
        return RESOLVE_APPROPRIATE
    if domain == "medical":
        return RESOLVE_MEDICALISED
    return RESOLVE_OTHER


def _entry_value(kind: str) -> float:
    if kind == "gp":
        return ENTRY_GP
    if kind in ("social_team", "community_network"):
        return ENTRY_ALTERNATIVE
    return ENTRY_OTHER


def default_resolve(schema: Schema | None = None) -> pd.DataFrame:
    """The default resolve table: probability that an actor of a kind resolves a need.

    Rule, in order: payers and residents (:data:`RESOLVE_NONE_KINDS`) resolve nothing (0);
    a specialist pair in :data:`RESOLVE_SPECIALIST` takes its value; an actor whose domain is
    appropriate for the need resolves it with :data:`RESOLVE_APPROPRIATE`; a medical actor
    resolves a non-medical need with :data:`RESOLVE_MEDICALISED`; anything else with
    :data:`RESOLVE_OTHER`. All are assumptions (see :func:`assumptions`).

    Parameters
    ----------
    schema
        The vocabulary; :meth:`Schema.default` when omitted. Every actor kind (rows) and need
        (columns) of the schema is covered.

    Returns
    -------
    pandas.DataFrame
        Index ``kind``, columns the need ids, values in [0, 1]. Edit it and pass it back as
        ``ReferralModel(eco, resolve=table)``.

    Examples
    --------
    >>> from ecosystem.flows import default_resolve
    >>> t = default_resolve()
    >>> t.loc[["gp", "welfare", "debt_counselling"], ["loneliness", "debt"]]
    need              loneliness  debt
    kind
    gp                      0.15  0.15
    welfare                 0.60  0.30
    debt_counselling        0.30  0.80
    """
    schema = Schema.default() if schema is None else schema
    data = {
        need.id: [_resolve_value(k.id, k.domain, need.id, need.appropriate)
                  for k in schema.actor_kinds.values()]
        for need in schema.needs.values()
    }
    out = pd.DataFrame(data, index=pd.Index(list(schema.actor_kinds), name="kind"))
    out.columns.name = "need"
    return out


def default_entry(schema: Schema | None = None) -> pd.DataFrame:
    """The default entry table: relative weight with which residents go first to an actor.

    Each actor gets its kind's weight and the weights are normalised over all actors of the
    ecosystem, so a kind's share of entries grows with its number of actors. Weights per actor:
    a general practice :data:`ENTRY_GP` (0.766: the NIVEL share of registered patients in
    contact with their GP in a year, used as the share of needs that start at the GP when one
    actor of each front-door kind is present), a social team and a community network
    :data:`ENTRY_ALTERNATIVE` each, any other kind :data:`ENTRY_OTHER`. The same for every need.

    Parameters
    ----------
    schema
        The vocabulary; :meth:`Schema.default` when omitted.

    Returns
    -------
    pandas.DataFrame
        Index ``kind``, columns the need ids, values >= 0.

    Examples
    --------
    >>> from ecosystem.flows import default_entry
    >>> default_entry().loc[["gp", "social_team", "hospital"], "debt"].round(3).tolist()
    [0.766, 0.117, 0.01]
    """
    schema = Schema.default() if schema is None else schema
    weights = [_entry_value(k) for k in schema.actor_kinds]
    out = pd.DataFrame({need: weights for need in schema.needs},
                       index=pd.Index(list(schema.actor_kinds), name="kind"))
    out.columns.name = "need"
    return out
