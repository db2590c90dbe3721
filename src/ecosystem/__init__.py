"""ecosystem: graph analysis of care ecosystems.

Represent formal and informal care actors and their ties as a typed graph (:class:`Ecosystem`),
find bridging gaps, compute centrality, simulate referral flows and compare neighbourhoods.
"""

from importlib.metadata import PackageNotFoundError, version

from ecosystem import datasets
from ecosystem.core import (
    DOMAINS,
    SECTORS,
    ActorKind,
    ConfigError,
    DanglingTieError,
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
from ecosystem.io import read_csv, write_csv

try:
    __version__ = version("ecosystem")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0+unknown"

__all__ = [
    "DOMAINS",
    "SECTORS",
    "ActorKind",
    "ConfigError",
    "DanglingTieError",
    "DuplicateIdError",
    "DuplicateTieError",
    "Ecosystem",
    "EcosystemError",
    "EcosystemSummary",
    "FormatError",
    "InvalidWeightError",
    "MissingColumnError",
    "MissingIdError",
    "Need",
    "Schema",
    "SchemaError",
    "SelfLoopError",
    "TieKind",
    "UnknownKindError",
    "ValidationError",
    "ViewSpec",
    "WrongTypeError",
    "__version__",
    "datasets",
    "from_frames",
    "read_csv",
    "write_csv",
]
