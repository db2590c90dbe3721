"""Studies: comparisons, sensitivity analysis and calibration, on any executor, with stats;
study files (TOML) that write them down and a runner that persists their results."""

from ecosystem.study.calibrate import Calibration, IdentifiabilityWarning, calibrate
from ecosystem.study.compare import Comparison, StudyInterrupted, compare
from ecosystem.study.metrics import BUILTIN, FlowMetric, QueueMetric, flow_metric, queue_metric
from ecosystem.study.missing import sensitivity_to_missing
from ecosystem.study.registry import assumptions
from ecosystem.study.sensitivity import Sensitivity, sensitivity
from ecosystem.study.spec import Study, StudyError, demo_study, example_study, load
from ecosystem.study.stats import bootstrap_mean_ci, cohen_d

__all__ = [
    "BUILTIN",
    "Calibration",
    "Comparison",
    "FlowMetric",
    "IdentifiabilityWarning",
    "QueueMetric",
    "Sensitivity",
    "Study",
    "StudyError",
    "StudyInterrupted",
    "assumptions",
    "bootstrap_mean_ci",
    "calibrate",
    "cohen_d",
    "compare",
    "demo_study",
    "example_study",
    "flow_metric",
    "load",
    "queue_metric",
    "sensitivity",
    "sensitivity_to_missing",
]
