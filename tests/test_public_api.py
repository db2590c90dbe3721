"""The public surface is deliberate: a change to ``ecosystem.__all__`` must change this list."""

from __future__ import annotations

import ecosystem

PUBLIC = [
    "DOMAINS",
    "EXPECTED_KIND_PAIRS",
    "SECTORS",
    "ActorKind",
    "Comparison",
    "ConfigError",
    "DanglingTieError",
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
    "Profile",
    "QueueResult",
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


def test_public_api_snapshot():
    assert sorted(ecosystem.__all__) == sorted(PUBLIC)


def test_every_public_name_exists_and_is_documented():
    for name in ecosystem.__all__:
        obj = getattr(ecosystem, name)
        if callable(obj) or isinstance(obj, type):
            assert (obj.__doc__ or "").strip(), f"{name} has no docstring"


def test_typed_marker_is_shipped():
    from importlib.resources import files

    assert files("ecosystem").joinpath("py.typed").is_file()
