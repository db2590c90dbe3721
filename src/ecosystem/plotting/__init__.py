"""Figures of care ecosystems, their gaps, flows and studies (matplotlib).

Every function returns a :class:`matplotlib.figure.Figure`, draws into ``ax=`` when given, never
calls ``plt.show()`` and uses one colour-blind-safe palette (Okabe-Ito) in which each domain has
the same colour in every figure: medical blue, social green, informal orange; informal-sector
actors are also drawn with another marker. The result objects' ``.plot()`` methods
(:meth:`Ecosystem.plot`, :meth:`FlowResult.plot`, :meth:`Comparison.plot`, :meth:`Mixing.plot`)
call these functions.
"""

from ecosystem.plotting._style import (
    DOMAIN_COLOURS,
    OKABE_ITO,
    OUTCOME_COLOURS,
    SIGNAL,
)
from ecosystem.plotting.comparison import plot_comparison, plot_distributions
from ecosystem.plotting.ecosystem_map import MAX_ACTORS, domain_layout, plot_ecosystem
from ecosystem.plotting.flows import plot_flows
from ecosystem.plotting.measures import plot_mixing, plot_ranking

__all__ = [
    "DOMAIN_COLOURS",
    "MAX_ACTORS",
    "OKABE_ITO",
    "OUTCOME_COLOURS",
    "SIGNAL",
    "domain_layout",
    "plot_comparison",
    "plot_distributions",
    "plot_ecosystem",
    "plot_flows",
    "plot_mixing",
    "plot_ranking",
]
