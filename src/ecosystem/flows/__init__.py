"""Referral flows: where residents' needs end up, exactly and by simulation.

:class:`ReferralModel` describes the policy (who resolves what, where residents enter, handover
success, hop limit, demand); :meth:`ReferralModel.solve` computes the outcomes exactly and
:meth:`ReferralModel.simulate` by Monte Carlo; both return a :class:`FlowResult`. With limited
capacity, :meth:`ReferralModel.queueing` (exact, M/M/c stations) and
:meth:`ReferralModel.simulate_queue` (discrete-event) return a :class:`QueueResult`.
The default numbers are named assumptions in :mod:`ecosystem.flows.assumptions` and
:mod:`ecosystem.flows.capacity`.
"""

from ecosystem.flows.assumptions import assumptions, default_entry, default_resolve
from ecosystem.flows.capacity import default_capacity
from ecosystem.flows.model import ReferralModel
from ecosystem.flows.queueing import QueueResult, erlang_c
from ecosystem.flows.result import MAIN_OUTCOMES, OUTCOMES, FlowResult

__all__ = [
    "MAIN_OUTCOMES",
    "OUTCOMES",
    "FlowResult",
    "QueueResult",
    "ReferralModel",
    "assumptions",
    "default_capacity",
    "default_entry",
    "default_resolve",
    "erlang_c",
]
