"""Write the corpus of bad input files and its manifest ``cases.json``.

Run ``python tests/data/bad/make_bad.py`` after changing a case; the files and the manifest are
committed. Each case names the reader, its file(s), the error class it must raise and fragments
its message must contain (file, row, field, value and hint). Binary files (xlsx, pickle) are
generated here because they are awkward to write by hand.
"""

from __future__ import annotations

import json
import pickle
import shutil
from pathlib import Path

HERE = Path(__file__).parent
CASES: list[dict] = []

ACTORS = ("id,kind,neighbourhood\ngp1,huisarts,Noord\nteam,wijkteam,Noord\n"
          "buurt,zorgzame gemeenschap,\n")
TIES = "source,target,kind,weight\ngp1,team,referral,2\nteam,buurt,collaboration,1.5\n"


class Payload:
    """Never unpickled by the library: a pickle that would run code when loaded."""

    def __reduce__(self):
        return (print, ("pwned: this pickle ran code",))


def write(name: str, content: str | bytes) -> str:
    path = HERE / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_bytes(content.encode("utf-8"))
    else:
        path.write_bytes(content)
    return name


def case(id: str, reader: str, files: list[str], error: str, contains: list[str],
         **kwargs) -> None:
    CASES.append({"id": id, "reader": reader, "files": files, "error": error,
                  "contains": contains, **({"kwargs": kwargs} if kwargs else {})})


def csv_case(id, error, contains, actors=ACTORS, ties=TIES, neighbourhoods=None, **kwargs):
    a = write(f"{id}/actors.csv", actors)
    t = write(f"{id}/ties.csv", ties)
    files = [a, t]
    if neighbourhoods is not None:
        files.append(write(f"{id}/neighbourhoods.csv", neighbourhoods))
    case(id, "csv", files, error, contains, **kwargs)


PICKLE = pickle.dumps(Payload())


def xlsx(rows_by_sheet: dict[str, list[tuple]]) -> bytes:
    import io

    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for sheet, rows in rows_by_sheet.items():
        ws = book.create_sheet(sheet)
        for row in rows:
            ws.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def graphml(nodes: str, edges: str = "", *, edgedefault: str = "directed",
            keys: str | None = None) -> str:
    keys = keys if keys is not None else (
        '<key id="k" for="node" attr.name="kind" attr.type="string"/>\n'
        '<key id="ek" for="edge" attr.name="kind" attr.type="string"/>\n'
        '<key id="w" for="edge" attr.name="weight" attr.type="double"/>\n')
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n' + keys
            + f'<graph id="G" edgedefault="{edgedefault}">\n{nodes}{edges}</graph>\n</graphml>\n')


NODES = ('<node id="gp1"><data key="k">huisarts</data></node>\n'
         '<node id="team"><data key="k">wijkteam</data></node>\n')


def json_doc(actors=None, ties=None, **top) -> str:
    doc = {"format": "ecosystem", "version": 1, "name": "bad",
           "actors": actors or {"columns": ["id", "kind"], "dtypes": ["str", "str"],
                                "data": [["gp1", "huisarts"], ["team", "wijkteam"]]},
           "ties": ties or {"columns": ["source", "target", "kind", "weight"],
                            "dtypes": ["str", "str", "str", "float64"],
                            "data": [["gp1", "team", "referral", 1.0]]}}
    doc.update(top)
    return json.dumps(doc, indent=1)


def main() -> None:
    for child in HERE.iterdir():
        if child.is_dir():
            shutil.rmtree(child)
        elif child.suffix in (".json", ".graphml", ".xlsx", ".csv") and child.name != "cases.json":
            child.unlink()
    # ------------------------------------------------------------------ CSV
    csv_case("csv_dutch_kind_typo", "UnknownKindError",
             ["actors.csv", "row 0 (line 2)", "field 'kind'", "'huisart'",
              "did you mean 'huisarts'", "Schema.default().extend"],
             actors="id,kind\ngp1,huisart\nteam,wijkteam\nbuurt,buurtnetwerk\n")
    csv_case("csv_dutch_kind_typo_wijkverpleging", "UnknownKindError",
             ["actors.csv", "row 2 (line 4)", "field 'kind'", "'wijkverpleeging'",
              "did you mean 'wijkverpleging'"],
             actors="id,kind\ngp1,huisarts\nteam,wijkteam\nbuurt,wijkverpleeging\n")
    csv_case("csv_duplicate_id", "DuplicateIdError",
             ["actors.csv", "row 2 (line 4)", "field 'id'", "'gp1'", "rows 0, 2", "unique"],
             actors="id,kind\ngp1,huisarts\nteam,wijkteam\ngp1,apotheek\n")
    csv_case("csv_dangling_tie", "DanglingTieError",
             ["ties.csv", "row 1 (line 3)", "field 'target'", "'buurtt'",
              "did you mean 'buurt'", "Add the actor"],
             ties="source,target\ngp1,team\nteam,buurtt\n")
    csv_case("csv_self_loop", "SelfLoopError",
             ["ties.csv", "row 1 (line 3)", "field 'target'", "'team' to itself",
              "self_loops=True"],
             ties="source,target,kind\ngp1,team,referral\nteam,team,verwijzing\n")
    # The text "NaN" is not parsed as a number in CSV (only empty cells are missing), so the
    # validation reports a non-numeric weight; JSON's NaN literal gives InvalidWeightError.
    csv_case("csv_nan_weight", "InvalidWeightError",
             ["ties.csv", "row 1 (line 3)", "field 'weight'", "nan", "finite and >= 0"],
             ties="source,target,weight\ngp1,team,1\nteam,buurt,NaN\n")
    csv_case("csv_negative_weight", "InvalidWeightError",
             ["ties.csv", "row 0 (line 2)", "field 'weight'", "-2.0", "finite and >= 0"],
             ties="source,target,weight\ngp1,team,-2\n")
    csv_case("csv_inf_weight", "InvalidWeightError",
             ["ties.csv", "row 1 (line 3)", "field 'weight'", "inf"],
             ties="source,target,weight\ngp1,team,1\nteam,buurt,inf\n")
    csv_case("csv_missing_kind_column", "MissingColumnError",
             ["actors.csv", "field 'kind'", "columns present: ['id', 'categorie']",
              "'soort'"],
             actors="id,categorie\ngp1,huisarts\n")
    csv_case("csv_missing_target_column", "MissingColumnError",
             ["ties.csv", "field 'target'", "['target']", "'naar'"],
             ties="source,bestemming\ngp1,team\n")
    csv_case("csv_weight_not_a_number", "WrongTypeError",
             ["ties.csv", "row 1 (line 3)", "field 'weight'", "'veel'", "numeric"],
             ties="source,target,weight\ngp1,team,1\nteam,buurt,veel\n")
    csv_case("csv_empty_id", "MissingIdError",
             ["actors.csv", "row 1 (line 3)", "field 'id'", "non-empty"],
             actors="id,kind\ngp1,huisarts\n,wijkteam\nbuurt,buurtnetwerk\n")
    csv_case("csv_duplicate_tie", "DuplicateTieError",
             ["ties.csv", "row 1 (line 3)", "'gp1' and 'team'", "rows 0, 1", "sum the weights"],
             ties="source,target,kind\ngp1,team,samenwerking\nteam,gp1,collaboration\n")
    csv_case("csv_empty_file", "FormatError", ["actors.csv", "empty"], actors="")
    csv_case("csv_whitespace_only", "FormatError", ["ties.csv", "whitespace"], ties="\n  \n")
    csv_case("csv_semicolon_unknown_tie_kind", "UnknownKindError",
             ["ties.csv", "row 0 (line 2)", "field 'kind'", "'verwijzin'",
              "did you mean 'verwijzing'"],
             actors="id;kind\ngp1;huisarts\nteam;wijkteam\n",
             ties="source;target;kind;weight\ngp1;team;verwijzin;2\n")
    csv_case("csv_bom_duplicate_id", "DuplicateIdError",
             ["actors.csv", "row 1 (line 3)", "field 'id'", "'team'"],
             actors="\ufeffid,kind\nteam,huisarts\nteam,wijkteam\n")
    csv_case("csv_negative_capacity", "ValidationError",
             ["actors.csv", "row 0 (line 2)", "field 'capacity'", "non-negative"],
             actors="id,kind,capacity\ngp1,huisarts,-5\nteam,wijkteam,3\n")
    csv_case("csv_unknown_sector", "UnknownKindError",
             ["actors.csv", "row 1 (line 3)", "field 'sector'", "'formeel'", "'formal'"],
             actors="id,kind,sector\ngp1,huisarts,formal\nteam,wijkteam,formeel\n")
    csv_case("csv_not_utf8", "FormatError", ["actors.csv", "UTF-8", "line 2", "0xeb",
                                              "encoding="],
             actors="id,kind\nzo\xeb,huisarts\n".encode("latin-1"), encoding="utf-8")
    # Dutch exports: two columns for one field, an ambiguous number, ids equal once spaces
    # are removed, a neighbourhood table that does not list an actor's neighbourhood.
    csv_case("csv_two_columns_one_field", "DuplicateColumnError",
             ["ties.csv", "field 'weight'", "'gewicht' and 'sterkte'", "rename"],
             ties="source;target;gewicht;sterkte\ngp1;team;1;2\n")
    csv_case("csv_ambiguous_thousands", "FormatError",
             ["ties.csv", "row 1 (line 3)", "field 'gewicht'", "'1.500' is ambiguous",
              "decimal='.'"],
             ties="bron;doel;gewicht\ngp1;team;2,5\nteam;buurt;1.500\n")
    csv_case("csv_ids_equal_after_stripping", "DuplicateIdError",
             ["actors.csv", "row 2 (line 4)", "field 'id'", "'gp1'", "rows 0, 2",
              "spaces"],
             actors="code;soort\ngp1;huisarts\nteam;wijkteam\n gp1 ;apotheek\n")
    csv_case("csv_neighbourhood_table_disagrees", "ValidationError",
             ["actors.csv", "row 1 (line 3)", "field 'neighbourhood'",
              "'Zuid' is not in the neighbourhoods table", "neighbourhoods.csv"],
             actors="id,kind,wijk\ngp1,huisarts,Noord\nteam,wijkteam,Zuid\nbuurt,bewoner,\n",
             neighbourhoods="wijk,inwoners\nNoord,4000\n")
    csv_case("csv_ragged_row", "FormatError", ["ties.csv", "malformed CSV", "line 3"],
             ties="source,target\ngp1,team\nteam,buurt,x,y\n")
    csv_case("csv_pickle_renamed", "FormatError", ["actors.csv", "pickle", "never loaded"],
             actors=PICKLE)
    csv_case("csv_xlsx_renamed", "FormatError", ["actors.csv", "ZIP archive", "Excel"],
             actors=xlsx({"actors": [("id", "kind"), ("gp1", "huisarts")]}))
    # ------------------------------------------------------------------ JSON
    case("json_pickle_renamed", "json", [write("json_pickle_renamed.json", PICKLE)],
         "FormatError", ["json_pickle_renamed.json", "pickle", "never loaded"])
    case("json_empty", "json", [write("json_empty.json", "")], "FormatError",
         ["json_empty.json", "empty"])
    case("json_truncated", "json", [write("json_truncated.json", json_doc()[:-40])],
         "FormatError", ["json_truncated.json", "not valid JSON", "line"])
    case("json_top_level_list", "json", [write("json_top_level_list.json", "[1, 2]")],
         "FormatError", ["json_top_level_list.json", "top level must be an object"])
    case("json_wrong_format", "json",
         [write("json_wrong_format.json", json_doc(format="networkx"))], "FormatError",
         ["json_wrong_format.json", "field 'format'", "'networkx'", '"format": "ecosystem"'])
    case("json_newer_version", "json",
         [write("json_newer_version.json", json_doc(version=7))], "FormatError",
         ["json_newer_version.json", "field 'version'", "7", "upgrade ecosystem"])
    case("json_missing_actors", "json",
         [write("json_missing_actors.json", json.dumps({"format": "ecosystem", "version": 1}))],
         "FormatError", ["json_missing_actors.json", "field 'actors'", "missing"])
    case("json_row_wrong_length", "json",
         [write("json_row_wrong_length.json", json_doc(actors={
             "columns": ["id", "kind"], "data": [["gp1", "huisarts"], ["team"]]}))],
         "FormatError", ["json_row_wrong_length.json actors.data", "row 1", "2 values"])
    case("json_value_does_not_fit_dtype", "json",
         [write("json_value_does_not_fit_dtype.json", json_doc(actors={
             "columns": ["id", "kind", "size"], "dtypes": ["str", "str", "int64"],
             "data": [["gp1", "huisarts", 3], ["team", "wijkteam", "groot"]]}))],
         "FormatError", ["actors.data", "row 1", "field 'size'", "'groot'", "int64"])
    case("json_unknown_dtype", "json",
         [write("json_unknown_dtype.json", json_doc(actors={
             "columns": ["id", "kind", "since"], "dtypes": ["str", "str", "datetime"],
             "data": [["gp1", "huisarts", "2020-01-01"]]}))],
         "FormatError", ["json_unknown_dtype.json", "field 'actors.dtypes'", "'datetime'"])
    case("json_unknown_kind_dutch", "json",
         [write("json_unknown_kind_dutch.json", json_doc(actors={
             "columns": ["id", "kind"], "data": [["gp1", "huisarts"], ["mz", "mantelzoger"]]}))],
         "UnknownKindError", ["json_unknown_kind_dutch.json actors.data", "row 1",
                              "field 'kind'", "did you mean 'mantelzorger'"])
    case("json_nan_weight", "json",
         [write("json_nan_weight.json", json_doc(ties={
             "columns": ["source", "target", "weight"], "data": [["gp1", "team", "NaN"]]})
          .replace('"NaN"', "NaN"))],
         "InvalidWeightError", ["ties.data", "row 0", "field 'weight'", "nan"])
    case("json_dangling_tie", "json",
         [write("json_dangling_tie.json", json_doc(ties={
             "columns": ["source", "target"], "data": [["gp1", "team"], ["gp1", "tema"]]}))],
         "DanglingTieError", ["json_dangling_tie.json ties.data", "row 1", "field 'target'",
                              "did you mean 'team'"])
    # ------------------------------------------------------------------ GraphML
    lol = "".join(f'  <!ENTITY lol{i} "{"".join(f"&lol{i - 1};" for _ in range(10))}">\n'
                  for i in range(1, 10))
    bomb = ('<?xml version="1.0"?>\n<!DOCTYPE graphml [\n  <!ENTITY lol0 "lol">\n' + lol
            + ']>\n<graphml xmlns="http://graphml.graphdrawing.org/xmlns"><graph '
            'edgedefault="directed"><node id="&lol9;"/></graph></graphml>\n')
    case("graphml_billion_laughs", "graphml", [write("graphml_billion_laughs.graphml", bomb)],
         "FormatError", ["graphml_billion_laughs.graphml", "refused for safety", "DTD"])
    xxe = ('<?xml version="1.0"?>\n<!DOCTYPE graphml [<!ENTITY secret SYSTEM '
           '"file:///etc/passwd">]>\n<graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
           '<key id="k" for="node" attr.name="kind" attr.type="string"/><graph '
           'edgedefault="directed"><node id="a"><data key="k">&secret;</data></node></graph>'
           '</graphml>\n')
    case("graphml_external_entity", "graphml", [write("graphml_external_entity.graphml", xxe)],
         "FormatError", ["graphml_external_entity.graphml", "refused for safety"])
    case("graphml_is_json", "graphml", [write("graphml_is_json.graphml", json_doc())],
         "FormatError", ["graphml_is_json.graphml", "not well-formed XML", "line 1"])
    case("graphml_wrong_root", "graphml",
         [write("graphml_wrong_root.graphml", "<html><body>gp</body></html>\n")],
         "FormatError", ["graphml_wrong_root.graphml", "<html>", "not <graphml>"])
    case("graphml_empty", "graphml", [write("graphml_empty.graphml", "")], "FormatError",
         ["graphml_empty.graphml", "empty"])
    case("graphml_xlsx_renamed", "graphml",
         [write("graphml_xlsx_renamed.graphml", xlsx({"actors": [("id",)]}))], "FormatError",
         ["graphml_xlsx_renamed.graphml", "ZIP archive", "not a GraphML file"])
    case("graphml_bad_double", "graphml",
         [write("graphml_bad_double.graphml", graphml(
             NODES, '<edge source="gp1" target="team"><data key="w">zwaar</data></edge>\n'))],
         "FormatError", ["graphml_bad_double.graphml (edges)", "row 0", "field 'weight'",
                         "'zwaar'", "double"])
    case("graphml_dangling_edge", "graphml",
         [write("graphml_dangling_edge.graphml", graphml(
             NODES, '<edge source="gp1" target="team"/>\n<edge source="team" target="gp2"/>\n'))],
         "DanglingTieError", ["graphml_dangling_edge.graphml (edges)", "row 1",
                              "field 'target'", "'gp2'", "did you mean 'gp1'"])
    case("graphml_missing_kind", "graphml",
         [write("graphml_missing_kind.graphml", graphml(
             '<node id="a"/><node id="b"/>\n', keys=""))],
         "MissingColumnError", ["graphml_missing_kind.graphml (nodes)", "field 'kind'"])
    case("graphml_undirected_referral", "graphml",
         [write("graphml_undirected_referral.graphml", graphml(
             NODES, '<edge source="gp1" target="team"><data key="ek">verwijzing</data></edge>\n',
             edgedefault="undirected"))],
         "ValidationError", ["graphml_undirected_referral.graphml (edges)", "row 0",
                             "field 'kind'", "direction is lost"])
    case("graphml_unknown_kind_dutch", "graphml",
         [write("graphml_unknown_kind_dutch.graphml", graphml(
             '<node id="a"><data key="k">huisarts</data></node>\n'
             '<node id="b"><data key="k">wijkteem</data></node>\n'))],
         "UnknownKindError", ["graphml_unknown_kind_dutch.graphml (nodes)", "row 1",
                              "field 'kind'", "did you mean 'wijkteam'"])
    case("graphml_self_loop", "graphml",
         [write("graphml_self_loop.graphml", graphml(
             NODES, '<edge source="team" target="team"/>\n'))],
         "SelfLoopError", ["graphml_self_loop.graphml (edges)", "row 0", "to itself"])
    case("graphml_undeclared_key", "graphml",
         [write("graphml_undeclared_key.graphml", graphml(
             '<node id="a"><data key="k">gp</data><data key="zz">1</data></node>\n'))],
         "FormatError", ["graphml_undeclared_key.graphml (nodes)", "row 0", "'zz'",
                         "no declared <key>"])
    # ------------------------------------------------------------------ Excel
    case("excel_missing_sheet", "excel",
         [write("excel_missing_sheet.xlsx", xlsx({"Blad1": [("id", "kind"), ("a", "gp")]}))],
         "FormatError", ["excel_missing_sheet.xlsx", "no sheet named 'actors'", "'Blad1'",
                         "actors_sheet="])
    case("excel_csv_renamed", "excel", [write("excel_csv_renamed.xlsx", ACTORS)],
         "FormatError", ["excel_csv_renamed.xlsx", "text file", "not an Excel .xlsx"])
    case("excel_pickle_renamed", "excel", [write("excel_pickle_renamed.xlsx", PICKLE)],
         "FormatError", ["excel_pickle_renamed.xlsx", "pickle"])
    case("excel_unknown_kind", "excel",
         [write("excel_unknown_kind.xlsx", xlsx({
             "actors": [("id", "kind"), ("gp1", "huisarts"), ("t", "wijkteem")],
             "ties": [("source", "target")]}))],
         "UnknownKindError", ["excel_unknown_kind.xlsx sheet 'actors'", "row 1 (line 3)",
                              "field 'kind'", "did you mean 'wijkteam'"])
    case("excel_negative_weight", "excel",
         [write("excel_negative_weight.xlsx", xlsx({
             "actors": [("id", "kind"), ("gp1", "huisarts"), ("t", "wijkteam")],
             "ties": [("source", "target", "weight"), ("gp1", "t", 1), ("t", "gp1", -3)]}))],
         "InvalidWeightError", ["excel_negative_weight.xlsx sheet 'ties'", "row 1 (line 3)",
                                "field 'weight'", "-3.0"])
    case("excel_column_without_name", "excel",
         [write("excel_column_without_name.xlsx", xlsx({
             "actors": [("id", "kind", None), ("gp1", "huisarts", 4)],
             "ties": [("source", "target")]}))],
         "FormatError", ["excel_column_without_name.xlsx sheet 'actors'", "column 3",
                         "no name"])
    case("excel_empty_sheet", "excel",
         [write("excel_empty_sheet.xlsx", xlsx({"actors": [], "ties": [("source", "target")]}))],
         "FormatError", ["excel_empty_sheet.xlsx sheet 'actors'", "empty"])
    (HERE / "cases.json").write_text(json.dumps(CASES, indent=1, ensure_ascii=False) + "\n",
                                     encoding="utf-8")
    print(f"{len(CASES)} cases written to {HERE / 'cases.json'}")


if __name__ == "__main__":
    main()
