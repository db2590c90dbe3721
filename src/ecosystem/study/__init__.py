"""Comparison studies: scenarios x interventions x replicates, on any executor, with stats."""

from ecosystem.study.compare import Comparison, compare
from ecosystem.study.metrics import BUILTIN, FlowMetric, QueueMetric, flow_metric, queue_metric
from ecosystem.study.stats import bootstrap_mean_ci, cohen_d

__all__ = [
    "BUILTIN",
    "Comparison",
    "FlowMetric",
    "QueueMetric",
    "bootstrap_mean_ci",
    "cohen_d",
    "compare",
    "flow_metric",
    "queue_metric",
]
