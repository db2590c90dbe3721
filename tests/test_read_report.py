"""Column aliases and the read report, for every reader: nothing assumed or changed silently.

Properties (hypothesis, derandomized in CI):
* a file whose columns are renamed to any listed alias reads to the same ecosystem;
* a column that is no field is kept as an attribute and the report lists it;
* no value changes without a line in the report naming its column.
"""

from __future__ import annotations

import json
import re

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecosystem import COLUMN_ALIASES, Ecosystem, ReadReport, Schema, read_csv
from ecosystem.core import errors
from ecosystem.io import (
    from_igraph,
    from_networkx,
    read_excel,
    read_graphml,
    read_json,
    to_igraph,
    to_networkx,
    write_excel,
    write_graphml,
    write_json,
)

from .strategies import raw_frames

SCHEMA = Schema.default()
ACTOR_FIELDS = ("id", "kind", "neighbourhood", "capacity", "domain")
TIE_FIELDS = ("source", "target", "kind", "weight")


def _base() -> Ecosystem:
    actors = pd.DataFrame({
        "id": ["gp1", "poh", "team", "buurt", "gem"],
        "kind": ["gp", "practice_nurse", "social_team", "community_network", "municipality"],
        "neighbourhood": ["Noord", "Noord", "Zuid", "Zuid", None],
        "capacity": [3.5, np.nan, 12.0, np.nan, np.nan],
        "domain": ["medical", "medical", "social", "informal", "social"],
    })
    ties = pd.DataFrame({"source": ["gp1", "gp1", "team", "gem"],
                         "target": ["poh", "team", "buurt", "team"],
                         "kind": ["collaboration", "referral", "referral", "funding"],
                         "weight": [4.0, 2.5, 1.0, 5.0]})
    return Ecosystem(actors, ties)


BASE = _base()


def _alias_choice(table: str, fields: tuple[str, ...]):
    """Draw, per field, its own name or one of its aliases (in a random spelling)."""
    def spell(name: str, style: int) -> str:
        return [name, name.upper(), name.title(), name.replace(" ", "_"),
                name.replace(" ", "-").replace("_", "-")][style]

    return st.fixed_dictionaries({
        f: st.tuples(st.sampled_from((f, *COLUMN_ALIASES[table][f])), st.integers(0, 4)).map(
            lambda t: spell(*t)) for f in fields})


aliases = st.tuples(_alias_choice("actors", ACTOR_FIELDS), _alias_choice("ties", TIE_FIELDS))


def _csv(eco, folder, ra, rt):
    eco.actors.rename(columns=ra).to_csv(folder / "a.csv", index=False)
    eco.ties.rename(columns=rt).to_csv(folder / "t.csv", index=False)
    return lambda: read_csv(folder / "a.csv", folder / "t.csv")


def _json(eco, folder, ra, rt):
    write_json(eco, folder / "e.json")
    doc = json.loads((folder / "e.json").read_text(encoding="utf-8"))
    for key, ren in (("actors", ra), ("ties", rt)):
        doc[key]["columns"] = [ren.get(c, c) for c in doc[key]["columns"]]
    (folder / "e.json").write_text(json.dumps(doc), encoding="utf-8")
    return lambda: read_json(folder / "e.json")


def _excel(eco, folder, ra, rt):
    import openpyxl

    write_excel(eco, folder / "e.xlsx")
    book = openpyxl.load_workbook(folder / "e.xlsx")
    for sheet, ren in (("actors", ra), ("ties", rt)):
        for cell in book[sheet][1]:
            cell.value = ren.get(cell.value, cell.value)
    book.save(folder / "e.xlsx")
    return lambda: read_excel(folder / "e.xlsx")


def _graphml(eco, folder, ra, rt):
    write_graphml(eco, folder / "e.graphml")
    text = (folder / "e.graphml").read_text(encoding="utf-8")
    for scope, ren in (("node", ra), ("edge", rt)):
        for old, new in ren.items():
            text = re.sub(f'for="{scope}" attr.name="{old}"',
                          f'for="{scope}" attr.name="{new}"', text)
    (folder / "e.graphml").write_text(text, encoding="utf-8")
    return lambda: read_graphml(folder / "e.graphml")


def _networkx(eco, folder, ra, rt):
    G = to_networkx(eco)  # a graph built elsewhere: no stored dtypes
    H = nx.MultiDiGraph(**{k: v for k, v in G.graph.items() if k != "dtypes"})
    H.add_nodes_from((n, {ra.get(k, k): v for k, v in d.items()}) for n, d in
                     G.nodes(data=True))
    H.add_edges_from((u, v, k, {rt.get(a, a): x for a, x in d.items()}) for u, v, k, d in
                     G.edges(keys=True, data=True))
    return lambda: from_networkx(H)


def _igraph(eco, folder, ra, rt):
    g = to_igraph(eco)
    del g["dtypes"]  # a graph built elsewhere: no stored dtypes
    for seq, ren in ((g.vs, ra), (g.es, rt)):
        for a in list(seq.attributes()):
            if a in ren and ren[a] != a:
                seq[ren[a]] = seq[a]
                del seq[a]
    return lambda: from_igraph(g)


WRITERS = {"csv": _csv, "json": _json, "excel": _excel, "graphml": _graphml,
           "networkx": _networkx, "igraph": _igraph}


def _write_renamed(fmt: str, eco: Ecosystem, folder, ra: dict, rt: dict):
    """Write ``eco`` in ``fmt`` with its columns renamed (``ra``, ``rt``); return the reader."""
    return WRITERS[fmt](eco, folder, ra, rt)


FORMATS = ["csv", "json", "excel", "graphml", "networkx", "igraph"]
# ids are node names in graph formats, source/target their edge ends: not renamable there.
GRAPH_FIXED = {"id"}, {"source", "target"}


@pytest.mark.parametrize("fmt", FORMATS)
@settings(max_examples=5)
@given(choice=aliases)
def test_columns_renamed_to_any_alias_read_to_the_same_ecosystem(tmp_path_factory, fmt,
                                                                  choice):
    ra, rt = choice
    if fmt in ("graphml", "networkx", "igraph"):
        ra = {k: v for k, v in ra.items() if k not in GRAPH_FIXED[0]}
        rt = {k: v for k, v in rt.items() if k not in GRAPH_FIXED[1]}
    if len({v.casefold() for v in ra.values()}) < len(ra) or \
            len({v.casefold() for v in rt.values()}) < len(rt):
        return  # two fields drawn to one name: not a renaming
    folder = tmp_path_factory.mktemp(fmt)
    back = _write_renamed(fmt, BASE, folder, ra, rt)()
    assert back == BASE
    notes = [n.message for n in back.read_report.notes]
    for old, new in (*ra.items(), *rt.items()):
        if new != old:
            assert f"column '{new}' read as '{old}'" in notes


@settings(max_examples=25)
@given(frames=raw_frames(max_actors=8), extra=st.sampled_from(
    ["opmerking", "Telefoonnummer", "since_2020", "AGB-code"]))
def test_unknown_column_is_kept_and_listed(tmp_path_factory, frames, extra):
    actors, ties = frames
    actors = actors.assign(**{extra: "x"})
    folder = tmp_path_factory.mktemp("csv")
    actors.to_csv(folder / "a.csv", index=False)
    ties.to_csv(folder / "t.csv", index=False)
    eco = read_csv(folder / "a.csv", folder / "t.csv")
    assert extra in eco.actors.columns
    assert (eco.actors[extra] == "x").all()
    kept = [n for n in eco.read_report.notes if n.topic == "attributes"
            and n.source.endswith("a.csv")]
    assert len(kept) == 1 and f"'{extra}'" in kept[0].message


@settings(max_examples=40)
@given(frames=raw_frames(max_actors=8, extras=False), pad=st.data())
def test_no_value_changes_without_a_line_in_the_report(frames, pad):
    actors, ties = frames
    spaces = st.sampled_from(["", " ", "  ", "\t"])
    actors = actors.assign(
        id=[pad.draw(spaces) + v + pad.draw(spaces) for v in actors["id"]],
        neighbourhood=[None if v is None or v != v else pad.draw(spaces) + v + pad.draw(spaces)
                       for v in actors["neighbourhood"]])
    ties = ties.assign(source=[v + pad.draw(spaces) for v in ties["source"]])
    eco = Ecosystem(actors, ties)
    report = eco.read_report
    changed_by_field = {
        "id": (eco.actors["id"] != actors["id"]).any(),
        "kind": (eco.actors["kind"] != actors["kind"]).any(),
        "neighbourhood": (eco.actors["neighbourhood"].fillna("") !=
                          actors["neighbourhood"].fillna("")).any(),
        "source": (eco.ties["source"] != ties["source"]).any() if len(ties) else False,
        "tie kind": (eco.ties["kind"] != ties["kind"]).any() if len(ties) else False,
    }
    for field, changed in changed_by_field.items():
        prefix = ("kind: " if field == "tie kind" else f"{field}: ")
        source = "ties table" if field in ("source", "tie kind") else "actors table"
        lines = [n for n in report.notes if n.topic == "values" and n.source == source
                 and n.message.startswith(prefix)]
        assert bool(lines) == bool(changed), (field, [str(n) for n in report.notes])
    assert list(eco.actors["id"]) == [v.strip() for v in actors["id"]]


# ---------------------------------------------------------------- deterministic cases
def test_issue_example_soort_gewicht_is_read_as_kind_and_weight(tmp_path):
    (tmp_path / "a.csv").write_text("id;kind;wijk\nA;huisarts;Lombok\nB;gemeente;\n"
                                    "C;wijkteam;Lombok \n", encoding="utf-8")
    (tmp_path / "t.csv").write_text("source;target;soort;gewicht\nB;C;financiering;1,5\n"
                                    "A;C;samenwerking;2\n", encoding="utf-8")
    eco = read_csv(tmp_path / "a.csv", tmp_path / "t.csv")
    assert eco.ties["kind"].tolist() == ["funding", "collaboration"]
    assert eco.ties["weight"].tolist() == [1.5, 2.0]
    assert eco.neighbourhoods.index.tolist() == ["Lombok"]
    assert eco.actors["neighbourhood"].tolist()[::2] == ["Lombok", "Lombok"]


def test_misspelt_column_is_a_warning_with_the_suggestion():
    actors = pd.DataFrame({"id": ["a", "b"], "kind": ["gp", "gp"]})
    ties = pd.DataFrame({"source": ["a"], "target": ["b"], "gewciht": [2.0]})
    eco = Ecosystem(actors, ties)
    (warning,) = eco.read_report.warnings
    assert "'gewciht'" in warning.message and "did you mean 'gewicht'" in warning.message
    assert "gewciht" in eco.ties.columns and eco.ties["weight"].tolist() == [1.0]


def test_two_columns_for_one_field_name_both():
    actors = pd.DataFrame({"id": ["a"], "kind": ["gp"], "Type": ["wijkteam"]})
    with pytest.raises(errors.DuplicateColumnError, match="'kind' and 'Type'"):
        Ecosystem(actors)


def test_schema_extends_column_aliases():
    mine = SCHEMA.extend(columns={"actors": {"id": ["AGB-code"]}})
    eco = Ecosystem(pd.DataFrame({"agb code": ["01234567"], "soort": ["huisarts"]}),
                    schema=mine)
    assert eco.index.tolist() == ["01234567"]
    with pytest.raises(errors.SchemaError, match="not a field"):
        SCHEMA.extend(columns={"actors": {"naam_x": ["y"]}})
    with pytest.raises(errors.SchemaError, match="alias of both"):
        SCHEMA.extend(columns={"actors": {"kind": ["code"]}})


def test_report_round_trips_through_the_provenance_and_json(tmp_path, round_trip):
    eco = Ecosystem(pd.DataFrame({"code": ["a"], "soort": ["huisarts"]}))
    assert isinstance(eco.read_report, ReadReport) and len(eco.read_report) > 0
    back = round_trip("json", eco, tmp_path)
    assert back.provenance[0]["report"] == eco.read_report.to_records()
    frame = eco.read_report.to_frame()
    assert list(frame.columns) == ["level", "topic", "source", "message"]
