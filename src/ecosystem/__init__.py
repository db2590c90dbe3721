"""ecosystem: graph analysis of care ecosystems.

Represent formal and informal care actors and their ties as a typed graph (:class:`Ecosystem`),
find bridging gaps, compute centrality, simulate referral flows and compare neighbourhoods.
"""

import importlib.metadata as _metadata

from ecosystem import datasets, flows, generate, interventions, study
from ecosystem.algorithms import (
    EXPECTED_KIND_PAIRS,
    Mixing,
    Silos,
    brokerage,
    centrality,
    gaps,
    mixing,
    silos,
    structural_holes,
    suggest_bridges,
)
from ecosystem.core import (
    COLUMN_ALIASES,
    DOMAINS,
    SECTORS,
    ActorKind,
    ConfigError,
    DanglingTieError,
    DuplicateColumnError,
    DuplicateIdError,
    DuplicateTieError,
    Ecosystem,
    EcosystemError,
    EcosystemSummary,
    FormatError,
    InvalidWeightError,
    MissingColumnError,
    MissingIdError,
    Need,
    ProblemsFound,
    ReadReport,
    Schema,
    SchemaError,
    SelfLoopError,
    TieKind,
    UnknownKindError,
    ValidationError,
    ViewSpec,
    WrongTypeError,
    from_frames,
)
from ecosystem.flows import FlowResult, QueueResult, ReferralModel
from ecosystem.generate import Profile, generate_neighbourhood, generate_region
from ecosystem.interventions import Intervention
from ecosystem.io import (
    Survey,
    from_igraph,
    from_networkx,
    read_csv,
    read_ego_survey,
    read_excel,
    read_graphml,
    read_json,
    read_survey,
    to_igraph,
    to_networkx,
    write_csv,
    write_excel,
    write_graphml,
    write_json,
)
from ecosystem.study import (
    Calibration,
    Comparison,
    Sensitivity,
    assumptions,
    calibrate,
    compare,
    sensitivity,
    sensitivity_to_missing,
)


def __getattr__(name: str):
    """``ecosystem.plotting`` is imported on first use.

    python-igraph 1.0 imports matplotlib itself when it is installed, so this saves the
    plotting module's own import, not matplotlib's.
    """
    if name == "plotting":
        import importlib

        return importlib.import_module("ecosystem.plotting")
    raise AttributeError(f"module 'ecosystem' has no attribute {name!r}")


try:
    __version__ = _metadata.version("ecosystem")
except _metadata.PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0+unknown"

__all__ = [
    "COLUMN_ALIASES",
    "DOMAINS",
    "EXPECTED_KIND_PAIRS",
    "SECTORS",
    "ActorKind",
    "Calibration",
    "Comparison",
    "ConfigError",
    "DanglingTieError",
    "DuplicateColumnError",
    "DuplicateIdError",
    "DuplicateTieError",
    "Ecosystem",
    "EcosystemError",
    "EcosystemSummary",
    "FlowResult",
    "FormatError",
    "Intervention",
    "InvalidWeightError",
    "MissingColumnError",
    "MissingIdError",
    "Mixing",
    "Need",
    "ProblemsFound",
    "Profile",
    "QueueResult",
    "ReadReport",
    "ReferralModel",
    "Schema",
    "SchemaError",
    "SelfLoopError",
    "Sensitivity",
    "Silos",
    "Survey",
    "TieKind",
    "UnknownKindError",
    "ValidationError",
    "ViewSpec",
    "WrongTypeError",
    "__version__",
    "assumptions",
    "brokerage",
    "calibrate",
    "centrality",
    "compare",
    "datasets",
    "flows",
    "from_frames",
    "from_igraph",
    "from_networkx",
    "gaps",
    "generate",
    "generate_neighbourhood",
    "generate_region",
    "interventions",
    "mixing",
    "plotting",
    "read_csv",
    "read_ego_survey",
    "read_excel",
    "read_graphml",
    "read_json",
    "read_survey",
    "sensitivity",
    "sensitivity_to_missing",
    "silos",
    "structural_holes",
    "study",
    "suggest_bridges",
    "to_igraph",
    "to_networkx",
    "write_csv",
    "write_excel",
    "write_graphml",
    "write_json",
]
