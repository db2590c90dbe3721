"""Synthetic neighbourhoods and regions from documented profiles."""

from ecosystem.generate.neighbourhood import demand_of, generate_neighbourhood
from ecosystem.generate.presets import DEFAULT_SHARED
from ecosystem.generate.profile import Profile, SharedActor, TieRule
from ecosystem.generate.region import TABLE_COLUMNS, generate_region, ses_score

__all__ = [
    "DEFAULT_SHARED",
    "TABLE_COLUMNS",
    "Profile",
    "SharedActor",
    "TieRule",
    "demand_of",
    "generate_neighbourhood",
    "generate_region",
    "ses_score",
]
