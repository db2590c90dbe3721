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
from ecosystem.io import (
    from_igraph,
    from_networkx,
    read_csv,
    read_excel,
    read_graphml,
    read_json,
    to_igraph,
    to_networkx,
    write_csv,
    write_excel,
    write_graphml,
    write_json,
)

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
    "from_igraph",
    "from_networkx",
    "read_csv",
    "read_excel",
    "read_graphml",
    "read_json",
    "to_igraph",
    "to_networkx",
    "write_csv",
    "write_excel",
    "write_graphml",
    "write_json",
]
