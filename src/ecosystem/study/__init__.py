"""Studies: comparisons, sensitivity analysis and calibration, on any executor, with stats."""

from ecosystem.study.compare import Comparison, StudyInterrupted, compare
from ecosystem.study.metrics import BUILTIN, FlowMetric, flow_metric
from ecosystem.study.missing import sensitivity_to_missing
from ecosystem.study.registry import assumptions
from ecosystem.study.sensitivity import Sensitivity, sensitivity
from ecosystem.study.stats import bootstrap_mean_ci, cohen_d

__all__ = [
    "BUILTIN",
    "Comparison",
    "FlowMetric",
    "Sensitivity",
    "StudyInterrupted",
    "assumptions",
    "bootstrap_mean_ci",
    "cohen_d",
    "compare",
    "flow_metric",
    "sensitivity",
    "sensitivity_to_missing",
]
