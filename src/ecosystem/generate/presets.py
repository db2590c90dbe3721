"""The preset profiles ``average``, ``low_ses``, ``high_ses`` and ``rural``, with their sources.

Every number here is either a fact from a published Dutch article or statistic or a named
assumption. The facts used:

* 5,028 general practices on 1 January 2016 (volksgezondheidenzorg.info, "Aanbod
  eerstelijnszorg", NIVEL registrations) -> 0.28 practices per 1,000 residents;
* about 2,000 caring communities in the Netherlands (Zorginstituut Nederland, "Passende
  zorg-dialoog: artsen en zorgbestuurders 'daten' met vrijwilligersnetwerken", 2023) -> 0.11
  per 1,000 residents;
* of 350 caring communities studied in 2020, 40% collaborate with home-care organisations and 90%
  with neighbourhood teams and municipalities; links with GPs, hospitals and nursing homes are
  "far from everywhere" (same article);
* about 600,000 adults gave informal care for more than three months and more than eight hours a
  week in 2014 (SCP, "Informele hulp: wie doet er wat?", via Movisie) -> 33.5 intensive
  informal carers per 1,000 residents;
* several insurers act in one municipality and each insurer in many (Zorgverzekeraars
  Nederland, "Samenwerking zorg en gemeente leeft en loont");
* social prescribing ("welzijn op recept") exists as a local practice (Agora, "Samenwerking
  sociaal en medisch domein: hoe kan het wél?", 2024).

Per-1,000 rates divide national counts by 17.9 million residents (CBS, 2024).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from ecosystem.core import _sources as src
from ecosystem.generate.profile import Profile, SharedActor, TieRule

__all__ = ["DEFAULT_SHARED", "preset_table"]

NL = 17_900  # thousands of residents, CBS 2024
A000 = f"fact: {src.CARING_COMMUNITIES} (350 caring communities studied in 2020)"
A002 = f"fact: {src.INSURERS_AND_MUNICIPALITIES}"
A004 = f"fact: {src.SOCIAL_AND_MEDICAL}"
WMO = f"fact: {src.WMO}"
GP_FACT = (f"fact: 5,028 general practices on 1 Jan 2016 ({src.GP_PRACTICES}) / 17.9 million "
           f"residents ({src.POPULATION})")
CARER_FACT = ("fact: ~600,000 intensive informal carers, > 3 months and > 8 h/week "
              f"({src.INFORMAL_CARERS}) / 17.9 million residents ({src.POPULATION})")
CC_FACT = (f"fact: ~2,000 caring communities ({src.CARING_COMMUNITIES}) / 17.9 million "
           f"residents ({src.POPULATION})")
ASSUME = "assumption"

#: Shared actors of a region. Catchments are named assumptions from approximate national ratios
#: (about 14,000 buurten, 342 municipalities, ~70 hospital organisations, 25 GGD regions).
DEFAULT_SHARED: tuple[SharedActor, ...] = (
    SharedActor("hospital", 200, note=f"{ASSUME}: one hospital per ~200 neighbourhoods"),
    SharedActor("mental_health", 200, note=f"{ASSUME}: one GGZ provider per ~200 neighbourhoods"),
    SharedActor("municipality", 40, note=f"{ASSUME}: one municipality per ~40 neighbourhoods"),
    SharedActor("public_health", 500, note=f"{ASSUME}: one GGD per ~500 neighbourhoods"),
    SharedActor("insurer", None, 4, note=f"{A002}: several insurers act in every municipality "
                "(count 4 is an assumption)"),
)

NEEDS = ("medical_acute", "chronic_disease", "mental_health", "loneliness", "debt",
         "unemployment", "dementia_support", "palliative", "child_obesity", "informal_support")


def _row(values: str) -> dict[str, float]:
    """Ten numbers in the order of NEEDS -> {need: value}, zeros dropped."""
    nums = [float(x) for x in values.split()]
    assert len(nums) == len(NEEDS)
    return {n: v for n, v in zip(NEEDS, nums, strict=True) if v}


# Probability that an actor of a kind resolves a need it receives. Named assumption: medical
# actors resolve medical needs well and social needs sometimes (which is how needs get
# medicalised); social and informal actors the reverse.
#                       acute chron  ment  lone  debt unemp demen pall  obes  infs
RESOLVE = {
    "gp":               _row("0.70 0.60 0.40 0.30 0.10 0.05 0.30 0.30 0.30 0.10"),
    "practice_nurse":   _row("0.20 0.60 0.40 0.20 0.05 0.05 0.30 0.20 0.30 0.10"),
    "district_nursing": _row("0.20 0.50 0.10 0.20 0.05 0.00 0.50 0.50 0.10 0.30"),
    "home_care":        _row("0.10 0.40 0.05 0.20 0.00 0.00 0.50 0.40 0.00 0.50"),
    "hospital":         _row("0.95 0.80 0.30 0.10 0.00 0.00 0.40 0.50 0.50 0.00"),
    "mental_health":    _row("0.10 0.10 0.80 0.30 0.05 0.05 0.30 0.10 0.20 0.00"),
    "nursing_home":     _row("0.10 0.50 0.10 0.30 0.00 0.00 0.80 0.70 0.00 0.30"),
    "hospice":          _row("0.00 0.05 0.05 0.20 0.00 0.00 0.20 0.95 0.00 0.20"),
    "pharmacy":         _row("0.30 0.30 0.05 0.00 0.00 0.00 0.00 0.00 0.00 0.00"),
    "physiotherapy":    _row("0.30 0.40 0.00 0.05 0.00 0.00 0.00 0.00 0.30 0.00"),
    "municipality":     _row("0.00 0.00 0.00 0.10 0.20 0.30 0.10 0.00 0.00 0.20"),
    "social_team":      _row("0.00 0.05 0.30 0.50 0.50 0.50 0.40 0.10 0.40 0.50"),
    "welfare":          _row("0.00 0.00 0.20 0.70 0.20 0.30 0.30 0.10 0.30 0.60"),
    "debt_counselling": _row("0.00 0.00 0.05 0.05 0.90 0.20 0.00 0.00 0.00 0.00"),
    "public_health":    _row("0.00 0.00 0.10 0.10 0.00 0.00 0.00 0.00 0.50 0.00"),
    "sheltered_housing": _row("0.00 0.00 0.40 0.30 0.10 0.00 0.00 0.00 0.00 0.30"),
    "community_network": _row("0.00 0.00 0.05 0.60 0.00 0.00 0.30 0.30 0.00 0.60"),
    "volunteer_org":    _row("0.00 0.00 0.00 0.50 0.00 0.00 0.20 0.20 0.00 0.70"),
    "informal_carer":   _row("0.00 0.05 0.00 0.40 0.00 0.00 0.40 0.30 0.00 0.60"),
    "elderly_union":    _row("0.00 0.00 0.00 0.50 0.00 0.00 0.20 0.00 0.00 0.40"),
}

# Weight of one actor of a kind as residents' first contact per need. Named assumption: most
# go to their GP first (76.6% of registered patients contacted their practice in 2021, NIVEL,
# "Omvang zorggebruik"), some to the social team, welfare or informal networks. Informal carers are
# many (33.5 per 1,000), so their weight per actor is small.
#                       acute chron  ment  lone  debt unemp demen pall  obes  infs
ENTRY = {
    "gp":               _row("10   10    8     5     2     1     6     6     5     2"),
    "pharmacy":         _row("1    1     0     0     0     0     0     0     0     0"),
    "hospital":         _row("2    0     0     0     0     0     0     0     0     0"),
    "municipality":     _row("0    0     0     0     1     2     0     0     0     1"),
    "social_team":      _row("0    0     2     3     5     5     2     0     2     4"),
    "welfare":          _row("0    0     0     2     1     1     0     0     0     2"),
    "debt_counselling": _row("0    0     0     0     2     0     0     0     0     0"),
    "community_network": _row("0   0     0     3     0     0     1     0     0     3"),
    "volunteer_org":    _row("0    0     0     1     0     0     0     0     0     1"),
    "informal_carer":   _row("0    0     0   0.02    0     0   0.02  0.02    0   0.05"),
    "elderly_union":    _row("0    0     0     1     0     0     0     0     0     1"),
}

# Residents per 1,000 per year who bring each need into the ecosystem. Named assumption, sized
# against ~3,900 GP contacts per 1,000 residents a year (76.6% of patients with 5.1 contacts,
# NIVEL 2021): one need often takes several contacts.
#                      acute chron ment lone debt unemp demen pall obes infs
DEMAND = _row("         300  250   100  80   40   30    15    5    10   60")

ACTORS = {  # local actors per 1,000 residents
    "gp": 0.28, "practice_nurse": 0.3, "district_nursing": 0.3, "home_care": 0.4,
    "nursing_home": 0.1, "hospice": 0.03, "pharmacy": 0.12, "physiotherapy": 0.4,
    "social_team": 0.3, "welfare": 0.3, "debt_counselling": 0.15, "sheltered_housing": 0.1,
    "community_network": 0.11, "volunteer_org": 0.4, "informal_carer": 33.5,
    "elderly_union": 0.1,
}

MINIMUM = {"gp": 1, "district_nursing": 1, "home_care": 1, "social_team": 1}


def _rules() -> tuple[TieRule, ...]:
    R = TieRule
    cc_gp = (f"{A000}: links with GPs, hospitals, nursing homes 'far from everywhere' "
             "(the value is an assumption)")
    return (
        # caring communities: the calibration facts of the Zorginstituut article (2023)
        R("community_network", "home_care", "collaboration", 0.40, 2.0, "source",
          f"{A000}: 40% collaborate with home-care organisations"),
        R("community_network", ("social_team", "municipality"), "collaboration", 0.90, 2.0,
          "source", f"{A000}: 90% collaborate with neighbourhood teams and municipalities"),
        R("community_network", "gp", "collaboration", 0.10, 1.0, "source", cc_gp),
        R("community_network", "hospital", "collaboration", 0.05, 1.0, "source", cc_gp),
        R("community_network", "nursing_home", "collaboration", 0.10, 1.0, "source", cc_gp),
        # medical domain
        R("gp", "hospital", "referral", 1.0, 4.0, note=f"{ASSUME}: every practice refers to "
          "its hospital"),
        R("gp", "mental_health", "referral", 0.9, 3.0, note=ASSUME),
        R("gp", "practice_nurse", "collaboration", 0.8, 3.0, note=ASSUME),
        R("gp", "district_nursing", "collaboration", 0.4, 2.0, note=f"{ASSUME}: integrated "
          f"primary care (GP + district nursing) is a goal, not yet the rule "
          f"({src.CARING_NEIGHBOURHOODS})"),
        R("gp", "pharmacy", "collaboration", 0.8, 2.0, note=ASSUME),
        R("gp", "physiotherapy", "referral", 0.6, 1.0, note=ASSUME),
        R("gp", "hospice", "referral", 0.5, 1.0, note=ASSUME),
        R("district_nursing", "home_care", "collaboration", 0.6, 2.0, note=ASSUME),
        R("district_nursing", "gp", "referral", 0.5, 1.0, note=ASSUME),
        R("hospital", "home_care", "referral", 0.5, 1.0, note=ASSUME),
        R("hospital", "nursing_home", "referral", 0.5, 1.0, note=ASSUME),
        R("hospital", "hospice", "referral", 0.5, 1.0, note=ASSUME),
        R("hospital", "gp", "information", 1.0, 1.0, note=ASSUME),
        # across the medical-social wall: weaker and rarer (Agora 2024)
        R("gp", "social_team", "referral", 0.5, 1.5, note=f"{ASSUME}; {A004}: different laws "
          "and funding are thresholds for cross-domain work"),
        R("gp", "welfare", "referral", 0.3, 1.0, note=f"{ASSUME}; {A004}: social prescribing "
          "(welzijn op recept) exists locally"),
        R("gp", "debt_counselling", "referral", 0.1, 1.0, note=ASSUME),
        R("practice_nurse", "welfare", "referral", 0.3, 1.0, note=ASSUME),
        R("social_team", "gp", "referral", 0.4, 1.0, note=ASSUME),
        R("mental_health", "social_team", "collaboration", 0.3, 1.0, note=ASSUME),
        R("public_health", "social_team", "collaboration", 0.5, 1.0, note=ASSUME),
        # social domain
        R("social_team", "debt_counselling", "referral", 0.8, 2.0, note=ASSUME),
        R("social_team", "welfare", "referral", 0.7, 2.0, note=ASSUME),
        R("social_team", "sheltered_housing", "referral", 0.5, 1.0, note=ASSUME),
        R("social_team", "volunteer_org", "referral", 0.4, 1.0, note=ASSUME),
        R("social_team", "community_network", "referral", 0.5, 1.5, note=ASSUME),
        R("welfare", "volunteer_org", "referral", 0.6, 1.5, note=ASSUME),
        R("welfare", "community_network", "referral", 0.5, 1.5, note=ASSUME),
        R("welfare", "elderly_union", "referral", 0.4, 1.0, note=ASSUME),
        R("volunteer_org", "welfare", "collaboration", 0.6, 1.0, note=ASSUME),
        R("elderly_union", "welfare", "collaboration", 0.5, 1.0, note=ASSUME),
        # informal carers (one tie each at most, by kind)
        R("informal_carer", "gp", "referral", 0.5, 1.0, "source", ASSUME),
        R("informal_carer", "home_care", "collaboration", 0.3, 1.0, "source", ASSUME),
        R("informal_carer", "district_nursing", "collaboration", 0.2, 1.0, "source", ASSUME),
        R("informal_carer", "social_team", "referral", 0.2, 1.0, "source", ASSUME),
        R("informal_carer", "community_network", "membership", 0.3, 1.0, "source", ASSUME),
        R("informal_carer", "volunteer_org", "membership", 0.1, 1.0, "source", ASSUME),
        # payers (funding walls)
        R("insurer", "gp", "funding", 1.0, 1.0, note=f"{A002}: insurers contract GPs"),
        R("insurer", "district_nursing", "funding", 1.0, 1.0, note=ASSUME),
        R("insurer", "hospital", "funding", 1.0, 1.0, note=ASSUME),
        R("insurer", "mental_health", "funding", 1.0, 1.0, note=ASSUME),
        R("municipality", "social_team", "funding", 1.0, 1.0, note=f"{WMO}: Wmo payer"),
        R("municipality", "welfare", "funding", 1.0, 1.0, note=f"{WMO}: Wmo payer"),
        R("municipality", "debt_counselling", "funding", 1.0, 1.0, note=f"{WMO}: Wmo payer"),
        R("municipality", "public_health", "funding", 1.0, 1.0, note=f"{WMO}: Wmo payer"),
    )


def _average() -> Profile:
    sources = {
        "residents": f"{ASSUME}: a programme neighbourhood (wijk) of 2,500 residents",
        "actors": f"{ASSUME}: rough local supply per 1,000 residents",
        "actors.gp": GP_FACT,
        "actors.informal_carer": CARER_FACT,
        "actors.community_network": CC_FACT,
        "minimum": f"{ASSUME}: every programme neighbourhood has its own practice, district "
                   "nursing and home care team and social team",
        "strength_cv": f"{ASSUME}: tie strengths vary by half their mean",
        "resolve": f"{ASSUME}: medical actors resolve medical needs, social and informal ones "
                   "social needs",
        "entry": f"{ASSUME}: most residents go to their GP first (76.6% contact their practice "
                 f"each year, {src.GP_CONTACTS})",
        "demand": f"{ASSUME}: sized against ~3,900 GP contacts per 1,000 residents a year "
                  f"({src.GP_CONTACTS})",
    }
    return Profile(
        name="average",
        description="An average Dutch neighbourhood: formal supply at national rates, caring "
                    "communities and informal carers at national rates.",
        actors=ACTORS, minimum=MINIMUM, rules=_rules(), strength_cv=0.5, resolve=RESOLVE,
        entry=ENTRY, demand=DEMAND, sources=sources,
    )


def _presets() -> dict[str, Profile]:
    avg = _average()
    low = avg.scaled(
        source=LOW_GUESS,
        demand={"debt": 2.0, "unemployment": 2.0, "loneliness": 2.0, "mental_health": 1.3,
                "child_obesity": 1.5, "chronic_disease": 1.2},
        actors={"informal_carer": 0.7, "community_network": 0.7, "volunteer_org": 0.7,
                "elderly_union": 0.7, "gp": 0.85},
        resolve={"gp": 0.9},
        entry={"gp": 1.25},
        rules={"informal_carer->community_network.membership[per source]": 0.7,
               "gp->welfare.referral": 0.8},
    )
    low = low.replace(source="", sources={
        **{name: source for key, source in LOW_SOURCED.items() for name in low.parameters()
           if name == key or name.startswith(key + ".")},
        **{f"ratio.{key}": source for key, source in LOW_SOURCED.items()}})
    low = _rename(low, "low_ses", "A low-SES neighbourhood: more debt, loneliness and "
                  "unemployment, fewer active informal networks, busier GPs.")
    high = avg.scaled(
        source=HIGH_GUESS,
        demand={"debt": 0.5, "unemployment": 0.5, "loneliness": 0.9, "mental_health": 0.9,
                "child_obesity": 0.6},
        actors={"informal_carer": 1.15, "community_network": 1.3, "volunteer_org": 1.2},
    )
    high = _rename(high, "high_ses", "A high-SES neighbourhood: less debt and unemployment, "
                   "more active informal networks.")
    rural_src = ("assumption (rural): older population, fewer formal services per resident, more "
                 f"village networks (dorpsnetwerken, {src.CARING_COMMUNITIES})")
    rural = avg.scaled(
        source=rural_src,
        demand={"dementia_support": 1.4, "palliative": 1.3, "chronic_disease": 1.15,
                "loneliness": 1.1, "child_obesity": 0.8},
        actors={"pharmacy": 0.6, "physiotherapy": 0.7, "welfare": 0.7, "debt_counselling": 0.5,
                "community_network": 2.0, "informal_carer": 1.2, "elderly_union": 2.0},
        rules={"gp->hospital.referral": 1.0, "gp->social_team.referral": 1.2},
    ).replace(residents=1200, source=f"{rural_src}: a village of 1,200")
    rural = _rename(rural, "rural", "A rural village: older, fewer formal services, more "
                    "village networks and informal care.")
    return {"average": avg, "low_ses": low, "high_ses": high, "rural": rural}


#: Low-SES ratios to the average profile that rest on published figures: what they scale ->
#: their source. The other low-SES ratios are guesses.
LOW_SOURCED = {
    "demand.debt": ("ratio 2 from published figures: about 1 in 12 households had "
                    "registered problematic debts (7.6% in October 2020), most often in large "
                    "cities and in households without paid work (42% of them) (CBS, "
                    "'Schuldenproblematiek in beeld', 2020)"),
    "demand.loneliness": ("ratio 2 from published figures: severe loneliness about "
                          "twice as common among people with little education (21% against "
                          "9% overall; GGD regio Utrecht, Volwassenenmonitor 2016), and more "
                          "loneliness at low incomes (GGD'en, CBS and RIVM, "
                          "Gezondheidsmonitor Volwassenen en Ouderen 2020)"),
    "entry.gp": ("ratio 1.25 from published figures: aged 75 and over, 10 GP contacts "
                 "a year in the lowest income group against 8 in the highest (CBS, 2008 "
                 "data); the lowest income or education group uses the GP out-of-hours service "
                 "about twice as often as the highest (Nivel, Jansen 2020), so 1.25 to 2"),
}
LOW_GUESS = ("assumption (a guess; low SES): fewer active informal networks, busier GPs, more "
             "unemployment and mental-health demand; low-SES neighbourhoods 'need very "
             "different things' (Zorgvisie, 'Alliantie wijkverpleging zet in op 100 zorgzame "
             "buurten', 2023)")
HIGH_GUESS = ("assumption (a guess; high SES): less debt and unemployment demand and more "
              "active informal networks; published figures compare the lowest with the highest "
              "income groups (CBS 2008: 8 GP contacts a year at 75+ in the highest against 10 "
              "in the lowest), not the highest with the average")


def _rename(p: Profile, name: str, description: str) -> Profile:
    return p.replace(name=name, description=description, source="preset name")


@functools.cache
def preset_table() -> Mapping[str, Profile]:
    """The presets by name, built (and validated against the default schema) on first use.

    Returns
    -------
    Mapping[str, Profile]
        Read-only: ``average``, ``low_ses``, ``high_ses`` and ``rural``.

    Examples
    --------
    >>> from ecosystem.generate.presets import preset_table
    >>> list(preset_table())
    ['average', 'low_ses', 'high_ses', 'rural']
    """
    return MappingProxyType(_presets())


def __getattr__(name: str) -> Any:
    # ``PRESETS`` was a module constant built at import; it is now built on first use.
    if name == "PRESETS":
        return preset_table()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
