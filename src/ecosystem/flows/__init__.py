"""Referral flows: where residents' needs end up, exactly and by simulation.

:class:`ReferralModel` describes the policy (who resolves what, where residents enter, handover
success, hop limit, demand); :meth:`ReferralModel.solve` computes the outcomes exactly and
:meth:`ReferralModel.simulate` by Monte Carlo; both return a :class:`FlowResult`. The default
numbers are named assumptions in :mod:`ecosystem.flows.assumptions`.
"""

from ecosystem.flows.assumptions import assumptions, default_entry, default_resolve
from ecosystem.flows.model import ReferralModel
from ecosystem.flows.result import MAIN_OUTCOMES, OUTCOMES, FlowResult

__all__ = [
    "MAIN_OUTCOMES",
    "OUTCOMES",
    "FlowResult",
    "ReferralModel",
    "assumptions",
    "default_entry",
    "default_resolve",
]
