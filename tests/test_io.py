"""Round trips of every format, independent checks with networkx and igraph, and safety.

Round trips are hypothesis properties on generated ecosystems (unicode ids, Dutch aliases in any
case, extra int/float/bool/text attributes, isolated actors, parallel ties of different kinds):
``read(write(e)) == e`` compares the schema and both tables with their dtypes and row order.
"""

from __future__ import annotations

import contextlib
import math
import pickle
import sys
import tempfile
from pathlib import Path

import igraph as ig
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from ecosystem import Ecosystem, Schema, datasets
from ecosystem.core.errors import (
    ConfigError,
    DuplicateIdError,
    EcosystemError,
    FormatError,
    MissingColumnError,
    SchemaError,
    ValidationError,
)
from ecosystem.core.schema import ActorKind, TieKind
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
from tests.strategies import ecosystems

FILE_FORMATS = {
    "json": (write_json, read_json, "e.json"),
    "graphml": (write_graphml, read_graphml, "e.graphml"),
    "excel": (write_excel, read_excel, "e.xlsx"),
}


def _round_trip(fmt: str, eco: Ecosystem) -> Ecosystem:
    write, read, name = FILE_FORMATS[fmt]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        write(eco, path)
        return read(path)


def _nullable_extras() -> Ecosystem:
    """Every supported extra dtype, with missing values, infinities and awkward text."""
    actors = pd.DataFrame({
        "id": ["007", "zoë", "中文", " spaced "],
        "kind": ["huisarts", "MANTELZORGER", "wijkteam", "gemeente"],
        "neighbourhood": ["Noord", None, "Zuid", None],
        "capacity": [1.5, np.nan, 0.0, 3.0],
        "count": pd.array([1, None, 3, 2**62 + 1], dtype="Int64"),
        "small": np.array([1, 2, 3, 4], dtype="int16"),
        "ratio": pd.array([0.1 + 0.2, None, 1e-300, 2.5], dtype="Float64"),
        "flag": pd.array([True, None, False, True], dtype="boolean"),
        "score": [math.inf, -math.inf, np.nan, 1 / 3],
        "f32": np.array([0.1, 2.5, -1.0, 3.0], dtype="float32"),
        "note": pd.Series(["=1+1", "", None, "line\r\nbreak\ttab"], dtype="str"),
        "old": pd.Series(["a", None, "c", "d"], dtype="string"),
    })
    ties = pd.DataFrame({"source": ["007", "zoë", "007"], "target": ["zoë", "中文", "zoë"],
                         "kind": ["referral", "samenwerking", "collaboration"],
                         "weight": [0.1 + 0.2, 1e-5, 7.0],
                         "since": pd.array([2001, None, 2020], dtype="Int64")})
    return Ecosystem(actors, ties, name="nullable")


# ---------------------------------------------------------------------------- round trips
@pytest.mark.parametrize("fmt", sorted(FILE_FORMATS))
@given(eco=ecosystems())
def test_file_round_trip(fmt, eco):
    back = _round_trip(fmt, eco)
    assert back == eco
    assert back.provenance[:-1] == eco.provenance
    assert back.provenance[-1]["step"] == f"read_{fmt}"


@pytest.mark.parametrize("fmt", sorted(FILE_FORMATS))
def test_file_round_trip_keeps_every_dtype_and_value(fmt):
    eco = _nullable_extras()
    back = _round_trip(fmt, eco)
    assert back == eco
    assert back.name == "nullable"
    assert back.actors["ratio"].iloc[0] == 0.1 + 0.2  # 17 significant digits survive
    assert back.actors["note"].iloc[1] == ""  # empty text is not missing


@given(eco=ecosystems(min_actors=2))
def test_csv_round_trip(eco):
    # CSV stores no types: a column with no values at all (every extra column of an empty ties
    # table) reads back as text, so the property holds for tables with at least one row.
    assume(eco.n_ties > 0)
    with tempfile.TemporaryDirectory() as folder:
        a, t = Path(folder) / "a.csv", Path(folder) / "t.csv"
        write_csv(eco, a, t)
        assert read_csv(a, t) == eco


@given(eco=ecosystems())
def test_networkx_and_igraph_round_trips(eco):
    assert from_networkx(to_networkx(eco)) == eco
    assert from_igraph(to_igraph(eco)) == eco


def test_in_memory_round_trips_keep_every_dtype():
    eco = _nullable_extras()
    assert from_networkx(to_networkx(eco)) == eco
    assert from_igraph(to_igraph(eco)) == eco


def test_schema_travels_with_the_data():
    mine = Schema.default().extend(actor_kinds=[ActorKind("food_bank", "social",
                                                          aliases=("voedselbank",))])
    eco = Ecosystem(pd.DataFrame({"id": ["a", "b"], "kind": ["Voedselbank", "gp"]}),
                    pd.DataFrame({"source": ["a"], "target": ["b"]}), schema=mine)
    for fmt in FILE_FORMATS:
        back = _round_trip(fmt, eco)
        assert back.schema == mine and back == eco
    assert from_networkx(to_networkx(eco)).schema == mine
    assert from_igraph(to_igraph(eco)).schema == mine


def test_schema_override_must_be_compatible(tmp_path):
    eco = datasets.example()
    write_json(eco, tmp_path / "e.json")
    bigger = Schema.default().extend(actor_kinds=[ActorKind("food_bank", "social")])
    assert read_json(tmp_path / "e.json", schema=bigger).schema == bigger
    gp_social = Schema.default().extend(actor_kinds=[ActorKind("gp", "social")], replace=True)
    with pytest.raises(SchemaError, match="actor kind 'gp'.*domain medical.*domain social"):
        read_json(tmp_path / "e.json", schema=gp_social)
    directed = Schema.default().extend(tie_kinds=[TieKind("collaboration", True)],
                                       replace=True)
    write_graphml(eco, tmp_path / "e.graphml")
    with pytest.raises(SchemaError, match="tie kind 'collaboration'.*mutual.*directed"):
        read_graphml(tmp_path / "e.graphml", schema=directed)


# ---------------------------------------------------------------------------- JSON format
def test_json_unsupported_dtype_names_the_column(tmp_path):
    eco = datasets.example()
    actors = eco.actors.assign(opened=pd.Timestamp("2020-01-01"))
    with pytest.raises(FormatError, match="column 'opened'.*datetime64"):
        write_json(Ecosystem(actors, eco.ties), tmp_path / "x.json")
    with pytest.raises(FormatError, match="column 'opened'"):
        write_graphml(Ecosystem(actors, eco.ties), tmp_path / "x.graphml")


def test_json_document_structure(tmp_path):
    import json

    write_json(_nullable_extras(), tmp_path / "e.json")
    doc = json.loads((tmp_path / "e.json").read_text(encoding="utf-8"))
    assert doc["format"] == "ecosystem" and doc["version"] == 1
    assert set(doc) == {"format", "version", "name", "schema", "actors", "ties",
                        "neighbourhoods", "provenance"}
    assert doc["neighbourhoods"]["columns"] == ["neighbourhood"]
    cols = doc["actors"]["columns"]
    assert doc["actors"]["dtypes"][cols.index("count")] == "Int64"
    assert doc["actors"]["data"][1][cols.index("count")] is None
    assert doc["actors"]["data"][0][cols.index("score")] == "inf"


# ---------------------------------------------------------------------------- GraphML
def _graphml_values(table: pd.DataFrame, skip: tuple[str, ...]) -> list[dict]:
    out = []
    for rec in table.drop(columns=list(skip)).to_dict("records"):
        out.append({k: v for k, v in rec.items() if not pd.isna(v)})
    return out


@given(eco=ecosystems(min_actors=1))
def test_graphml_is_read_identically_by_networkx(eco):
    """networkx's reader (independent of ours) sees the same nodes, edges and values.

    The file is written with the defaults (networkx does not read Gephi's mixed form, the
    ``mutual="undirected"`` option, checked with igraph's C reader below).
    """
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "e.graphml"
        write_graphml(eco, path)
        G = nx.read_graphml(path, force_multigraph=True)
        assert read_graphml(path) == eco
    assert list(G.nodes) == eco.index.tolist()
    assert [G.nodes[n] for n in G.nodes] == _graphml_values(eco.actors, ("id",))
    ours = sorted((t.source, t.target, repr(sorted(a.items())))
                  for t, a in zip(eco.ties.itertuples(),
                                  _graphml_values(eco.ties, ("source", "target")), strict=True))
    theirs = sorted((u, v, repr(sorted(d.items()))) for u, v, d in G.edges(data=True))
    assert theirs == ours


def test_default_graphml_opens_in_networkx_and_igraph(tmp_path, example):
    write_graphml(example, tmp_path / "d.graphml")
    assert 'directed="false"' not in (tmp_path / "d.graphml").read_text(encoding="utf-8")
    g = nx.read_graphml(tmp_path / "d.graphml", force_multigraph=True)
    assert list(g.nodes) == example.index.tolist() and g.number_of_edges() == example.n_ties
    h = ig.Graph.Read_GraphML(str(tmp_path / "d.graphml"))
    assert h.vs["id"] == example.index.tolist() and h.ecount() == example.n_ties
    assert read_graphml(tmp_path / "d.graphml") == example


def test_gephi_mixed_graphml_marks_mutual_ties_and_igraph_reads_it(tmp_path, example):
    write_graphml(example, tmp_path / "e.graphml", mutual="undirected")
    text = (tmp_path / "e.graphml").read_text(encoding="utf-8")
    assert 'edgedefault="directed"' in text
    assert text.count('directed="false"') == (example.ties["kind"] == "collaboration").sum()
    g = ig.Graph.Read_GraphML(str(tmp_path / "e.graphml"))
    assert g.vs["id"] == example.index.tolist()
    assert g.vs["kind"] == example.actors["kind"].tolist()
    assert g.es["weight"] == example.ties["weight"].tolist()
    assert g["name"] == "example"
    with pytest.raises(nx.NetworkXError, match="directed=false"):
        nx.read_graphml(tmp_path / "e.graphml")  # networkx's documented limitation
    with pytest.raises(ConfigError, match="mutual='both'"):
        write_graphml(example, tmp_path / "x.graphml", mutual="both")


def test_graphml_written_by_networkx_is_read(tmp_path):
    G = nx.Graph(name="buurt")
    G.add_node("a", kind="huisarts", size=3)
    G.add_node("b", kind="wijkteam")
    G.add_edge("a", "b", weight=2.0)
    nx.write_graphml(G, tmp_path / "g.graphml")
    eco = read_graphml(tmp_path / "g.graphml")
    assert eco.name == "buurt"
    assert eco.ties[["kind", "weight"]].values.tolist() == [["collaboration", 2.0]]
    assert eco.actors["size"].dtype == "Int64"  # attr.type long with a missing value
    assert eco.actors["size"].isna().tolist() == [False, True]


def test_graphml_entity_bomb_is_refused_before_expansion(tmp_path):
    # 10**30 "lol"s if expanded: the test could not finish if the parser expanded entities.
    levels = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 31))
    path = tmp_path / "bomb.graphml"
    path.write_text(f'<?xml version="1.0"?><!DOCTYPE g [<!ENTITY l0 "lol">{levels}]>'
                    '<graphml><graph><node id="&l30;"/></graph></graphml>')
    with pytest.raises(FormatError, match="refused for safety"):
        read_graphml(path)


# ---------------------------------------------------------------------------- safety
@pytest.mark.parametrize("reader,suffix", [(read_json, ".json"), (read_graphml, ".graphml"),
                                           (read_excel, ".xlsx"), (read_csv, ".csv")])
def test_a_pickle_is_never_loaded(tmp_path, reader, suffix, capsys):
    class Payload:
        def __reduce__(self):
            return (print, ("PAYLOAD RAN",))

    path = tmp_path / f"data{suffix}"
    path.write_bytes(pickle.dumps(Payload()))
    with pytest.raises(FormatError, match="pickle"):
        reader(path)
    assert "PAYLOAD RAN" not in capsys.readouterr().out


def test_excel_without_openpyxl_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "openpyxl", None)
    with pytest.raises(ImportError, match=r'pip install "ecosystem\[excel\]"'):
        read_excel(tmp_path / "x.xlsx")
    with pytest.raises(ImportError, match=r'pip install "ecosystem\[excel\]"'):
        write_excel(datasets.example(), tmp_path / "x.xlsx")


def test_excel_sheets_and_text_ids(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "Actoren"
    for row in [("id", "kind"), (7, "huisarts"), (8.0, "apotheek")]:
        book.active.append(row)
    book.create_sheet("Relaties").append(("source", "target"))
    book["Relaties"].append((7, 8))
    book.save(tmp_path / "s.xlsx")
    eco = read_excel(tmp_path / "s.xlsx", actors_sheet="actoren", ties_sheet="Relaties")
    assert eco.index.tolist() == ["7", "8"]
    assert eco.ties[["source", "target"]].values.tolist() == [["7", "8"]]
    # Dutch sheet names are found without options
    assert read_excel(tmp_path / "s.xlsx") == eco
    with pytest.raises(FormatError, match="no sheet named 'links'.*'Actoren', 'Relaties'"):
        read_excel(tmp_path / "s.xlsx", ties_sheet="links")
    assert read_excel(tmp_path / "s.xlsx", actors_sheet="Actoren", ties_sheet=None).n_ties == 0


# ---------------------------------------------------------------------------- networkx
def test_to_networkx_matches_the_adjacency_view(example):
    G = to_networkx(example)
    assert isinstance(G, nx.MultiDiGraph)
    # Reference: networkx's own sparse matrix of the graph, with mutual ties both ways.
    H = nx.MultiDiGraph(G)
    mutual = example.schema.mutual_tie_kinds
    H.add_edges_from((v, u, k, d) for u, v, k, d in G.edges(keys=True, data=True)
                     if d["kind"] in mutual)
    ref = nx.to_scipy_sparse_array(H, nodelist=example.index.tolist(), weight="weight")
    np.testing.assert_array_equal(ref.toarray(), example.adjacency().toarray())
    node = example.actors.iloc[0]
    assert G.nodes[node["id"]]["kind"] == node["kind"]
    assert "neighbourhood" not in G.nodes[node["id"]]  # missing values are left out
    assert G.graph["name"] == "example" and G.graph["schema"] == example.schema.to_dict()
    u, v, k = next(iter(G.edges(keys=True)))
    assert k == G.edges[u, v, k]["kind"]


@pytest.mark.parametrize("cls,kind", [(nx.Graph, "collaboration"), (nx.DiGraph, "referral"),
                                      (nx.MultiGraph, "collaboration"),
                                      (nx.MultiDiGraph, "referral")])
def test_from_networkx_accepts_every_graph_class(cls, kind):
    G = cls()
    G.add_nodes_from([(1, {"kind": "huisarts"}), ("b", {"kind": "wijkteam", "x": 2})])
    G.add_edge(1, "b")
    eco = from_networkx(G)
    assert eco.index.tolist() == ["1", "b"]
    assert eco.ties[["source", "target", "kind", "weight"]].values.tolist() == \
        [["1", "b", kind, 1.0]]
    assert eco.actors["x"].dtype == "Int64"
    record = eco.provenance[-1]
    assert {k: v for k, v in record.items() if k != "report"} == {
        "step": "from_networkx", "graph": cls.__name__}
    report = [n["message"] for n in record["report"]]
    assert any("edges have no weight attribute: they weigh 1.0" in m for m in report)
    if kind == "collaboration":
        assert any("undirected edges without a kind: taken as 'collaboration'" in m
                   for m in report)


def test_from_networkx_refuses_what_it_cannot_read():
    G = nx.Graph()
    G.add_nodes_from([(1, {"kind": "gp"}), ("1", {"kind": "gp"})])
    with pytest.raises(DuplicateIdError, match="nodes 1, '1' all become the actor id '1'"):
        from_networkx(G)
    G = nx.Graph()
    G.add_nodes_from([("a", {"kind": "gp"}), ("b", {"kind": "gp"})])
    G.add_edge("a", "b", kind="referral")
    with pytest.raises(ValidationError, match="direction is lost"):
        from_networkx(G)
    with pytest.raises(MissingColumnError, match="'kind'"):
        from_networkx(nx.path_graph(3))
    with pytest.raises(ConfigError, match="networkx graph"):
        from_networkx({"a": 1})


# ---------------------------------------------------------------------------- igraph
def test_to_igraph_matches_the_cached_view(example):
    g = to_igraph(example)
    view = example.graph(directed=True)
    n = example.n_ties  # the view adds the reverse of each mutual tie after all ties
    assert g.get_edgelist() == view.get_edgelist()[:n]
    assert g.es["weight"] == view.es["weight"][:n]
    assert g.vs["name"] == example.index.tolist()
    assert g.vs["actor_name"] == example.actors["name"].tolist()
    assert g["schema"] == example.schema.to_dict()


def test_from_igraph_without_names_uses_positions():
    g = ig.Graph(n=3, edges=[(0, 1), (1, 2)], directed=False)
    g.vs["kind"] = ["gp", "welzijn", "mantelzorger"]
    g.es["weight"] = [2.0, None]
    eco = from_igraph(g)
    assert eco.index.tolist() == ["0", "1", "2"]
    assert eco.ties["kind"].tolist() == ["collaboration", "collaboration"]
    assert eco.ties["weight"].tolist() == [2.0, 1.0]
    with pytest.raises(ConfigError, match="igraph.Graph"):
        from_igraph(nx.Graph())


@given(st.data())
def test_every_reader_raises_only_ecosystem_errors_on_garbage(data):
    blob = data.draw(st.binary(min_size=1, max_size=200) | st.text(min_size=1).map(str.encode))
    with tempfile.TemporaryDirectory() as folder:
        for reader, suffix in ((read_json, ".json"), (read_graphml, ".graphml"),
                               (read_excel, ".xlsx"), (read_csv, ".csv")):
            path = Path(folder) / f"g{suffix}"
            path.write_bytes(blob)
            # Any other exception (KeyError, ParserError, UnicodeDecodeError...) fails.
            with contextlib.suppress(EcosystemError):
                reader(path)
