"""The vocabulary: Dutch aliases, extension, serialisation, errors."""

from __future__ import annotations

import pytest

from ecosystem import ActorKind, Need, Schema, SchemaError, TieKind, UnknownKindError

SCHEMA = Schema.default()

# The aliases named in the foundation issue and shared/domain.md, with the expected id.
DUTCH = {
    "huisarts": "gp",
    "Huisartsenpraktijk": "gp",
    "wijkverpleging": "district_nursing",
    "WIJKTEAM": "social_team",
    "sociaal wijkteam": "social_team",
    "gemeente": "municipality",
    "zorgverzekeraar": "insurer",
    "mantelzorger": "informal_carer",
    "zorgzame gemeenschap": "community_network",
    "Zorgzame_Gemeenschap": "community_network",
    "zorgzame-gemeenschap": "community_network",
    "thuiszorg": "home_care",
    "ziekenhuis": "hospital",
    "GGZ": "mental_health",
    "verpleeghuis": "nursing_home",
    "apotheek": "pharmacy",
    "fysiotherapie": "physiotherapy",
    "welzijn op recept": "welfare",
    "schuldhulpverlening": "debt_counselling",
    "GGD": "public_health",
    "beschermd wonen": "sheltered_housing",
    "vrijwilligersorganisatie": "volunteer_org",
    "ouderenbond": "elderly_union",
    "KBO": "elderly_union",
    "bewoner": "resident",
    "praktijkondersteuner": "practice_nurse",
    "POH": "practice_nurse",
}


@pytest.mark.parametrize(("alias", "kind"), sorted(DUTCH.items()))
def test_dutch_aliases_resolve(alias, kind):
    assert SCHEMA.actor_kind(alias) == kind


def test_domains_follow_domain_md():
    medical = {"gp", "practice_nurse", "district_nursing", "home_care", "hospital",
               "mental_health", "nursing_home", "hospice", "pharmacy", "physiotherapy", "insurer"}
    social = {"municipality", "social_team", "welfare", "debt_counselling", "public_health",
              "sheltered_housing"}
    informal = {"community_network", "volunteer_org", "informal_carer", "elderly_union",
                "resident"}
    got = {d: {k for k, a in SCHEMA.actor_kinds.items() if a.domain == d}
           for d in ("medical", "social", "informal")}
    assert got == {"medical": medical, "social": social, "informal": informal}
    assert SCHEMA.actor_kinds["insurer"].payer and SCHEMA.actor_kinds["municipality"].payer
    assert SCHEMA.actor_kinds["gp"].sector == "formal"
    assert SCHEMA.actor_kinds["volunteer_org"].sector == "informal"


def test_tie_kinds_and_directions():
    assert SCHEMA.default_tie_kind == "referral"
    directed = {k: t.directed for k, t in SCHEMA.tie_kinds.items()}
    assert directed == {"referral": True, "collaboration": False, "funding": True,
                        "information": True, "membership": True}
    assert SCHEMA.tie_kind("Samenwerking") == "collaboration"
    assert SCHEMA.mutual_tie_kinds == frozenset({"collaboration"})


def test_needs_have_appropriate_domains():
    assert set(SCHEMA.needs["loneliness"].appropriate) == {"social", "informal"}
    assert SCHEMA.needs["chronic_disease"].appropriate == ("medical",)
    assert SCHEMA.need("eenzaamheid") == "loneliness"
    assert SCHEMA.need("schulden") == "debt"


def test_unknown_kind_suggests_closest():
    with pytest.raises(UnknownKindError) as err:
        SCHEMA.actor_kind("huisart")
    assert "'huisart' is not a known actor kind" in str(err.value)
    assert "did you mean 'huisarts'" in str(err.value)
    with pytest.raises(UnknownKindError, match=r"'friendship' is not a known tie kind\. Known: "):
        SCHEMA.tie_kind("friendship")  # nothing close: a sentence of its own, then the list


def test_unknown_kind_in_a_table_without_suggestion_is_a_sentence():
    import pandas as pd

    from ecosystem import Ecosystem

    with pytest.raises(UnknownKindError,
                       match=r"'buurthuis' is not a known actor kind\. Known: community_network"):
        Ecosystem(pd.DataFrame({"id": ["a"], "kind": ["buurthuis"]}))


def test_extend_adds_and_refuses_silent_replacement():
    mine = SCHEMA.extend(actor_kinds=[ActorKind("food_bank", "social", aliases=("voedselbank",))],
                         needs=[Need("housing", ("social",))])
    assert mine.actor_kind("Voedselbank") == "food_bank"
    assert mine.need("housing") == "housing"
    assert "food_bank" not in SCHEMA.actor_kinds  # the default is untouched
    with pytest.raises(SchemaError, match="already exists"):
        SCHEMA.extend(tie_kinds=[TieKind("referral", self_loops=True)])
    loops = SCHEMA.extend(tie_kinds=[TieKind("referral", self_loops=True)], replace=True)
    assert loops.tie_kinds["referral"].self_loops


def test_alias_clash_and_bad_domain_raise():
    with pytest.raises(SchemaError, match="used by both"):
        SCHEMA.extend(actor_kinds=[ActorKind("doctor", "medical", aliases=("huisarts",))])
    with pytest.raises(SchemaError, match="known domains"):
        SCHEMA.extend(actor_kinds=[ActorKind("x", "spiritual")])
    with pytest.raises(SchemaError, match="appropriate domains"):
        SCHEMA.extend(needs=[Need("y", ())])


def test_dict_round_trip_and_equality():
    mine = SCHEMA.extend(actor_kinds=[ActorKind("food_bank", "social")])
    assert Schema.from_dict(mine.to_dict()) == mine
    assert mine != SCHEMA
    with pytest.raises(SchemaError, match="malformed schema"):
        Schema.from_dict({"actor_kinds": [{"domain": "medical"}]})


def test_describe_lists_every_entry():
    tables = SCHEMA.describe()
    assert len(tables["actor_kinds"]) == len(SCHEMA.actor_kinds)
    assert tables["actor_kinds"].loc["gp", "domain"] == "medical"
    assert len(tables["needs"]) == len(SCHEMA.needs)
