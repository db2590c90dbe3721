"""Comparison studies: scenarios x interventions x replicates, on any executor, with stats."""

from ecosystem.study.compare import Comparison, StudyInterrupted, compare
from ecosystem.study.metrics import BUILTIN, FlowMetric, flow_metric
from ecosystem.study.stats import bootstrap_mean_ci, cohen_d

__all__ = [
    "BUILTIN",
    "Comparison",
    "FlowMetric",
    "StudyInterrupted",
    "bootstrap_mean_ci",
    "cohen_d",
    "compare",
    "flow_metric",
]
