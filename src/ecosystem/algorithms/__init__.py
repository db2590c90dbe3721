"""Structural analysis of an Ecosystem: centrality and bridging gaps.

Every function takes the :class:`~ecosystem.Ecosystem` first and keyword-only options, reads the
ecosystem's cached graph views and returns pandas DataFrames indexed by actor id (or a small
frozen result object holding DataFrames).
"""

from ecosystem.algorithms.bridges import suggest_bridges
from ecosystem.algorithms.brokerage import brokerage
from ecosystem.algorithms.centrality import centrality
from ecosystem.algorithms.gaps import EXPECTED_KIND_PAIRS, gaps
from ecosystem.algorithms.mixing import Mixing, mixing
from ecosystem.algorithms.silos import Silos, silos
from ecosystem.algorithms.structural_holes import structural_holes

__all__ = [
    "EXPECTED_KIND_PAIRS",
    "Mixing",
    "Silos",
    "brokerage",
    "centrality",
    "gaps",
    "mixing",
    "silos",
    "structural_holes",
    "suggest_bridges",
]
