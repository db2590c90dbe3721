"""The public surface is deliberate: a change to ``ecosystem.__all__`` must change this list."""

from __future__ import annotations

import ecosystem

PUBLIC = [
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


def test_no_stray_names_in_the_namespace():
    """Only the public API and its subpackages: no helpers such as ``version`` leak."""
    import types

    extra = {n for n in dir(ecosystem) if not n.startswith("_")} - set(ecosystem.__all__)
    assert all(isinstance(getattr(ecosystem, n), types.ModuleType) for n in extra), extra
    assert not {"version", "PackageNotFoundError"} & set(dir(ecosystem))


def test_a_networkx_graph_is_pointed_to_from_networkx():
    import networkx as nx
    import pytest

    with pytest.raises(ecosystem.ConfigError, match=r"es\.from_networkx\(graph\)"):
        ecosystem.centrality(nx.karate_club_graph())
    with pytest.raises(ecosystem.ConfigError, match=r"es\.from_networkx"):
        ecosystem.ReferralModel(nx.DiGraph())
