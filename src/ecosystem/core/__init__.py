"""Core data model: the vocabulary (:class:`Schema`), the :class:`Ecosystem` and its errors."""

from ecosystem.core.ecosystem import Ecosystem, EcosystemSummary, ViewSpec, from_frames
from ecosystem.core.errors import (
    ConfigError,
    DanglingTieError,
    DuplicateIdError,
    DuplicateTieError,
    EcosystemError,
    FormatError,
    InvalidWeightError,
    MissingColumnError,
    MissingIdError,
    SchemaError,
    SelfLoopError,
    UnknownKindError,
    ValidationError,
    WrongTypeError,
)
from ecosystem.core.schema import DOMAINS, SECTORS, ActorKind, Need, Schema, TieKind

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
    "from_frames",
]
