"""Read and write GraphML (for Gephi, yEd, Cytoscape and networkx), parsed safely.

Files from strangers are parsed with ``defusedxml``: a document type declaration (DTD), entity
declarations and external references are refused before anything is expanded or fetched, so an
entity bomb ("billion laughs") or an external-entity file cannot exhaust memory or read local
files. Files are written with the standard library's ``xml.etree``.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from ecosystem.core.ecosystem import Ecosystem
from ecosystem.core.errors import ConfigError, FormatError
from ecosystem.core.report import Collector
from ecosystem.core.schema import Schema
from ecosystem.core.validate import Where
from ecosystem.io import _columns, _graphs
from ecosystem.io._files import PathLike, check_file, sniff_binary, write_text_atomic
from ecosystem.io._meta import (
    choose_schema,
    load_json,
    provenance_from,
    schema_from,
    to_json,
)

__all__ = ["read_graphml", "write_graphml"]

NS = "http://graphml.graphdrawing.org/xmlns"
_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_LOCATION = NS + " http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd"
#: Graph-level attributes that carry what GraphML has no place for (JSON text).
_META = ("ecosystem_schema", "ecosystem_dtypes", "ecosystem_provenance",
         "ecosystem_neighbourhoods")
# Characters XML 1.0 cannot hold at all, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _attr_type(dtype: str) -> str:
    if dtype in ("str", "string"):
        return "string"
    if dtype in ("bool", "boolean"):
        return "boolean"
    return "double" if dtype.lower().startswith("float") else "long"


def _text(value: Any, kind: str) -> str:
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "double":
        return repr(float(value)) if math.isfinite(value) else ("INF" if value > 0 else "-INF")
    return str(value)


def write_graphml(eco: Ecosystem, path: PathLike, *, mutual: str = "directed") -> None:
    """Write ``eco`` as GraphML: one node per actor, one edge per tie, every column typed.

    Nodes carry ``kind``, ``domain``, ``sector``, ``neighbourhood``, ``capacity`` and every
    extra actor column as typed attributes (``attr.type`` ``string``, ``double``, ``long`` or
    ``boolean``); edges carry ``kind``, ``weight`` and every extra tie column. A missing value
    has no ``<data>`` element. The graph is ``edgedefault="directed"``; the graph-level
    attribute ``name`` holds the ecosystem's name, and ``ecosystem_schema``,
    ``ecosystem_dtypes``, ``ecosystem_provenance`` and ``ecosystem_neighbourhoods`` (JSON
    text) hold the schema, the pandas dtype of each column, the provenance and the
    neighbourhoods table, so :func:`read_graphml` gives back an equal ecosystem.

    Parameters
    ----------
    eco
        The ecosystem.
    path
        Output file (UTF-8).
    mutual
        ``"directed"`` (default): every edge inherits the graph's default direction and its
        ``kind`` says whether it is mutual; networkx's ``read_graphml``, igraph and Gephi all
        read the file. ``"undirected"``: Gephi's mixed form, ties of a mutual kind
        (``collaboration``) marked ``directed="false"`` per edge so Gephi draws them without
        an arrow; networkx's ``read_graphml`` does not read mixed graphs (it raises
        "directed=false edge found in directed graph"). :func:`read_graphml` reads both.

    Raises
    ------
    FormatError
        A column whose dtype GraphML cannot store, or text (values, column names, metadata)
        with characters XML cannot hold; nothing is written. The file is written to a
        temporary file next to ``path`` that replaces it only when complete.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from ecosystem import datasets
    >>> from ecosystem.io import read_graphml, write_graphml
    >>> eco = datasets.example()
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "example.graphml"
    >>> write_graphml(eco, path)
    >>> read_graphml(path) == eco
    True
    """
    if mutual not in ("undirected", "directed"):
        raise ConfigError(f"write_graphml(): mutual='{mutual}' is not 'undirected' or "
                          "'directed'")
    target = Path(path)
    source = str(target)
    actors, ties = eco.actors, eco.ties
    dtypes = {"actors": _columns.describe(actors, "actors", source=source, fmt="GraphML"),
              "ties": _columns.describe(ties, "ties", source=source, fmt="GraphML")}
    root = ET.Element("graphml", {"xmlns": NS, "xmlns:xsi": _XSI,
                                  "xsi:schemaLocation": _LOCATION})
    for what, table in (("actors", actors), ("ties", ties)):
        for column in table.columns:
            _check_text(str(column), what, str(column), None, source)
    graph_data = {"name": eco.name,
                  "ecosystem_schema": to_json(eco.schema.to_dict(), source=source,
                                              what="schema"),
                  "ecosystem_dtypes": to_json({"version": 1, **dtypes}, source=source),
                  "ecosystem_provenance": to_json(list(eco.provenance), source=source,
                                                  what="provenance"),
                  "ecosystem_neighbourhoods": to_json(_graphs.encode_neighbourhoods(
                      eco.neighbourhoods, source=source, fmt="GraphML"), source=source,
                      what="neighbourhoods")}
    for key in graph_data:
        ET.SubElement(root, "key", {"id": f"g_{key}", "for": "graph", "attr.name": key,
                                    "attr.type": "string"})
    node_keys = _declare(root, "node", "n", dtypes["actors"], skip=("id",))
    edge_keys = _declare(root, "edge", "e", dtypes["ties"], skip=("source", "target"))
    graph = ET.SubElement(root, "graph", {"id": "G", "edgedefault": "directed"})
    for key, value in graph_data.items():
        if value is not None:
            _check_text(value, "graph", key, None, source)
            ET.SubElement(graph, "data", {"key": f"g_{key}"}).text = value
    ids = actors["id"].tolist()
    for row, actor in enumerate(ids):
        _check_text(actor, "actors", "id", row, source)
    node_cols = _encoded(actors, node_keys, "actors", source)
    for row, actor in enumerate(ids):
        node = ET.SubElement(graph, "node", {"id": actor})
        _add_data(node, node_cols, row)
    edge_cols = _encoded(ties, edge_keys, "ties", source)
    undirected = (ties["kind"].isin(eco.schema.mutual_tie_kinds).to_numpy()
                  if mutual == "undirected" else np.zeros(len(ties), dtype=bool))
    for row, (s, t) in enumerate(zip(ties["source"].tolist(), ties["target"].tolist(),
                                     strict=True)):
        attrs = {"id": f"e{row}", "source": s, "target": t}
        if undirected[row]:
            attrs["directed"] = "false"
        _add_data(ET.SubElement(graph, "edge", attrs), edge_cols, row)
    ET.indent(root, space=" ")
    text = ET.tostring(root, encoding="unicode", xml_declaration=False)
    # XML readers turn a raw carriage return in text into a newline; keep it as a reference.
    text = text.replace("\r", "&#13;")
    write_text_atomic(target, '<?xml version="1.0" encoding="UTF-8"?>\n' + text + "\n",
                      what="GraphML file")


def _declare(root: ET.Element, scope: str, prefix: str, dtypes: dict[str, str],
             skip: tuple[str, ...]) -> dict[str, tuple[str, str]]:
    keys = {}
    for j, (column, dtype) in enumerate(dtypes.items()):
        if column in skip:
            continue
        kind = _attr_type(dtype)
        ET.SubElement(root, "key", {"id": f"{prefix}{j}", "for": scope, "attr.name": column,
                                    "attr.type": kind})
        keys[column] = (f"{prefix}{j}", kind)
    return keys


def _encoded(table, keys, what, source) -> list[tuple[str, list[str | None]]]:
    out = []
    for column, (key, kind) in keys.items():
        vals = _columns.values(table[column])
        if kind == "string":
            for row, v in enumerate(vals):
                if v is not None:
                    _check_text(v, what, column, row, source)
        out.append((key, [None if v is None else _text(v, kind) for v in vals]))
    return out


def _add_data(element: ET.Element, columns, row: int) -> None:
    for key, vals in columns:
        if vals[row] is not None:
            ET.SubElement(element, "data", {"key": key}).text = vals[row]


def _check_text(value: str, what: str, column: str, row: int | None, source: str) -> None:
    bad = _NOT_XML.search(value)
    if bad:
        raise FormatError(f"{what} text {value!r:.60} holds the character "
                          f"U+{ord(bad.group()):04X}, which XML cannot store", source=source,
                          field=column, row=row)


# ---------------------------------------------------------------------------------- reading
def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _parse(p: Path) -> ET.Element:
    raw = p.read_bytes()
    what = sniff_binary(raw[:512])
    if what is not None and not raw.lstrip().startswith((b"<", b"\xef\xbb\xbf<")):
        raise FormatError(f"this is {what}, not a GraphML file", source=str(p))
    try:
        return SafeET.fromstring(raw, forbid_dtd=True, forbid_entities=True,
                                 forbid_external=True)
    except DefusedXmlException as exc:
        raise FormatError(
            f"refused for safety: the file declares a DTD, entities or external references "
            f"({type(exc).__name__}: {exc}). GraphML needs none of these; they are how entity "
            "bombs and external-entity attacks work, so such files are never expanded",
            source=str(p)) from None
    except ET.ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        raise FormatError(f"not well-formed XML ({exc}); is this a GraphML file?",
                          source=str(p), line=line) from None


def _value(text: str | None, kind: str, *, source: str, row: int, field: str) -> Any:
    text = "" if text is None else text
    if kind == "string":
        return text
    t = text.strip()
    overflow = False
    try:
        if kind in ("int", "long"):
            if len(t) > 40:
                raise ValueError(t)
            return int(t)  # the column's dtype checks the range (no wraparound)
        if kind in ("float", "double"):
            number = float(t)
            if not (math.isinf(number) and t.lower().lstrip("+-") not in ("inf", "infinity")):
                return number
            overflow = True
    except ValueError:
        pass
    else:
        if kind == "boolean" and t.lower() in ("true", "1", "false", "0"):
            return t.lower() in ("true", "1")
    if overflow:
        raise FormatError(f"value {t!r:.60} is outside the range of a GraphML {kind} (it "
                          "would read as infinity)", source=source, row=row, field=field)
    raise FormatError(f"value {text!r:.60} is not a valid GraphML {kind}", source=source,
                      row=row, field=field)


_TYPES = ("string", "boolean", "int", "long", "float", "double")
_SCOPES = ("graph", "node", "edge", "all", "hyperedge", "port", "endpoint", "graphml")
_BOOLEAN = {"true": True, "1": True, "false": False, "0": False}  # xs:boolean
_INFERRED = {"string": "str", "int": "int64", "long": "int64", "float": "float64",
             "double": "float64", "boolean": "bool"}


def read_graphml(path: PathLike, *, schema: Schema | None = None) -> Ecosystem:
    """Read a GraphML file: nodes are actors (node id = actor id), edges are ties.

    Node attributes become actor columns (``kind`` is required); edge attributes become tie
    columns. A missing ``<data>`` is a missing value (a ``<default>`` of the key fills it). An
    edge without ``kind`` is a ``referral`` when directed and a ``collaboration`` when
    undirected (``edgedefault="undirected"`` or ``directed="false"``); an undirected edge with
    a directed kind raises ValidationError. An edge without ``weight`` weighs 1.0 (the
    convention of networkx and Gephi). Column dtypes follow ``attr.type`` (``long`` ->
    int64, or Int64 with missing values; ``double`` -> float64; ``boolean`` -> bool, or
    boolean with missing values; ``string`` -> str), or the ``ecosystem_dtypes`` written by
    :func:`write_graphml`. The stored schema is used unless ``schema=`` (compatible) is given.
    Other graph-level attributes, yFiles graphics and edge ids are ignored.

    Parameters
    ----------
    path
        The GraphML file.
    schema
        Vocabulary overriding the stored one (it must be compatible).

    Returns
    -------
    Ecosystem

    Raises
    ------
    FormatError
        Not XML, not GraphML, a DTD or entity declaration (refused for safety, never
        expanded), nested graphs or hyperedges, or a value that does not fit its type (naming
        the file, row and attribute).
    EcosystemError
        Any validation error, naming the file, row (node or edge in file order) and field.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "tiny.graphml"
    >>> _ = path.write_text('''<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
    ...  <key id="k" for="node" attr.name="kind" attr.type="string"/>
    ...  <graph edgedefault="undirected">
    ...   <node id="a"><data key="k">huisarts</data></node>
    ...   <node id="b"><data key="k">wijkteam</data></node>
    ...   <edge source="a" target="b"/>
    ...  </graph></graphml>''')
    >>> read_graphml(path).ties
      source target           kind  weight
    0      a      b  collaboration     1.0
    """
    p = check_file(path, "GraphML")
    source = str(p)
    root = _parse(p)
    if _local(root.tag) != "graphml":
        raise FormatError(f"the root element is <{_local(root.tag)}>, not <graphml>",
                          source=source)
    keys, ignored = _keys(root, source)
    graph, undirected_default = _one_graph(root, source)
    nodes, edges, graph_attrs = _children(graph, keys, ignored, source)
    meta = _metadata(graph_attrs, source)
    node_src, edge_src = f"{source} (nodes)", f"{source} (edges)"
    ids = _node_ids(nodes, node_src)
    actor_cols = _attributes(nodes, keys, "node", node_src, ignored)
    _graphs.check_names(list(actor_cols), ("id",), "node", node_src)
    actor_cols = {"id": ids, **actor_cols}
    ends, undirected = _edge_ends(edges, undirected_default, edge_src)
    tie_cols = _attributes(edges, keys, "edge", edge_src, ignored)
    _graphs.check_names(list(tie_cols), ("source", "target"), "edge", edge_src)
    tie_cols = {**ends, **tie_cols}
    notes = Collector()
    names_schema = schema or meta.get("schema") or Schema.default()
    tie_cols = _tie_columns(tie_cols, len(edges), names_schema, edge_src, notes)
    dtypes = meta.get("dtypes", {})
    actors = _graphs.table(actor_cols, len(nodes),
                           _dtypes(actor_cols, keys, "node", dtypes.get("actors")),
                           source=node_src, fixed={"id": "str"})
    chosen = choose_schema(
        meta.get("schema"), schema,
        actor_kinds=actors["kind"].unique() if "kind" in actors else (),
        tie_kinds=set(tie_cols.get("kind", [])) - {None}, source=source)
    tie_cols["kind"] = _graphs.fill_kinds(tie_cols["kind"],
                                          undirected, chosen, Where(edge_src), notes)
    ties = _graphs.table(tie_cols, len(edges),
                         _dtypes(tie_cols, keys, "edge", dtypes.get("ties")),
                         source=edge_src, fixed={"source": "str", "target": "str", "kind": "str"})
    name = graph_attrs.get("name")
    nbh_src = f"{source} graph attribute 'ecosystem_neighbourhoods'"
    return Ecosystem(actors, ties, neighbourhoods=meta.get("neighbourhoods"), schema=chosen,
                     name=None if name is None else str(name),
                     provenance=meta.get("provenance", []),
                     _source=(Where(node_src), Where(edge_src), Where(nbh_src)),
                     _step={"step": "read_graphml", "file": source}, _notes=notes)


# The steps of read_graphml, in the order it takes them.
Key = tuple[str, str, str, Any]  # scope, attribute name, attr.type, default


def _keys(root: ET.Element, source: str) -> tuple[dict[str, Key], set[str]]:
    """The declared ``<key>`` elements by id, and the ids of yFiles graphics keys (ignored:
    their ``<data>`` is markup, not values)."""
    keys: dict[str, Key] = {}
    ignored: set[str] = set()
    for key in root:
        if _local(key.tag) != "key":
            continue
        kid = key.get("id")
        if kid is not None and (kid in keys or kid in ignored):
            raise FormatError(f"two <key> elements have the id '{kid}'", source=source,
                              field="key")
        if key.get("yfiles.type"):
            if kid is not None:
                ignored.add(kid)
            continue
        kind = key.get("attr.type", "string")
        scope = key.get("for", "all")
        if kid is None or kind not in _TYPES:
            raise FormatError(f"<key> {key.attrib} needs an id and an attr.type among "
                              f"{', '.join(_TYPES)}", source=source, field="key")
        if scope not in _SCOPES:
            raise FormatError(f"<key id=\"{kid}\"> has for=\"{scope}\"; GraphML allows "
                              + ", ".join(_SCOPES), source=source, field="key")
        default = None
        for child in key:
            if _local(child.tag) == "default":
                default = _value(_text_of(child, source, 0, f"default of key {kid}"), kind,
                                 source=source, row=0, field=f"default of key {kid}")
        keys[kid] = (scope, key.get("attr.name") or kid, kind, default)
    return keys, ignored


def _one_graph(root: ET.Element, source: str) -> tuple[ET.Element, bool]:
    """The single ``<graph>`` element and whether its edges are undirected by default."""
    graphs = [g for g in root if _local(g.tag) == "graph"]
    if len(graphs) != 1:
        raise FormatError(f"expected one <graph> element, found {len(graphs)}", source=source)
    graph = graphs[0]
    edgedefault = graph.get("edgedefault", "directed")
    if edgedefault not in ("directed", "undirected"):
        raise FormatError(f"edgedefault=\"{edgedefault}\" is not \"directed\" or "
                          "\"undirected\"", source=source, field="edgedefault")
    return graph, edgedefault == "undirected"


def _children(graph: ET.Element, keys: dict[str, Key], ignored: set[str], source: str
              ) -> tuple[list[ET.Element], list[ET.Element], dict[str, Any]]:
    """The graph's nodes and edges in file order, and its graph-level attributes."""
    graph_attrs: dict[str, Any] = {}
    nodes: list[ET.Element] = []
    edges: list[ET.Element] = []
    for child in graph:
        tag = _local(child.tag)
        if tag == "node":
            _check_node(child, source, len(nodes))
            nodes.append(child)
        elif tag == "edge":
            _check_edge(child, source, len(edges))
            edges.append(child)
        elif tag == "data":
            _graph_data(child, keys, ignored, graph_attrs, source)
        elif tag == "hyperedge":
            raise FormatError("hyperedges are not supported", source=source)
    return nodes, edges, graph_attrs


def _check_node(node: ET.Element, source: str, row: int) -> None:
    for c in node:
        if _local(c.tag) in ("graph", "port"):
            what = "nested graphs are" if _local(c.tag) == "graph" else "ports are"
            raise FormatError(f"{what} not supported", source=f"{source} (nodes)", row=row)


def _check_edge(edge: ET.Element, source: str, row: int) -> None:
    if any(_local(c.tag) == "graph" for c in edge):
        raise FormatError("nested graphs are not supported", source=f"{source} (edges)",
                          row=row)
    for attr in ("sourceport", "targetport"):
        if edge.get(attr) is not None:
            raise FormatError(f"ports are not supported (the edge has {attr})",
                              source=f"{source} (edges)", row=row, field=attr)


def _graph_data(data: ET.Element, keys: dict[str, Key], ignored: set[str],
                graph_attrs: dict[str, Any], source: str) -> None:
    """Store one graph-level ``<data>`` in ``graph_attrs`` (yFiles keys are skipped)."""
    kid = data.get("key", "")
    if kid in ignored:
        return
    info = keys.get(kid)
    if info is None:
        raise FormatError(f"graph <data key=\"{kid}\"> refers to no declared <key>",
                          source=source, field=str(kid))
    if info[0] not in ("graph", "all"):
        raise FormatError(f"graph <data key=\"{kid}\"> uses a key declared for "
                          f"{info[0]}s", source=source, field=info[1])
    if info[1] in graph_attrs:
        raise FormatError(f"the graph has two <data> for '{info[1]}'", source=source,
                          field=info[1])
    graph_attrs[info[1]] = _value(_text_of(data, source, 0, info[1]), info[2],
                                  source=source, row=0, field=info[1])


def _node_ids(nodes: list[ET.Element], node_src: str) -> list[str]:
    ids = []
    for row, node in enumerate(nodes):
        nid = node.get("id")
        if nid is None:
            raise FormatError("<node> without an id", source=node_src, row=row, field="id")
        ids.append(nid)
    return ids


def _edge_ends(edges: list[ET.Element], undirected_default: bool, edge_src: str
               ) -> tuple[dict[str, list], np.ndarray]:
    """Each edge's source and target, and whether it is undirected."""
    ends: dict[str, list] = {"source": [], "target": []}
    undirected = np.zeros(len(edges), dtype=bool)
    for row, edge in enumerate(edges):
        for end in ends:
            if edge.get(end) is None:
                raise FormatError(f"<edge> without a {end}", source=edge_src, row=row,
                                  field=end)
            ends[end].append(edge.get(end))
        flag = edge.get("directed")
        if flag is None:
            undirected[row] = undirected_default
        elif flag.strip() in _BOOLEAN:
            undirected[row] = not _BOOLEAN[flag.strip()]
        else:
            raise FormatError(f"directed=\"{flag:.40}\" is not a boolean (true, false, 1 or 0)",
                              source=edge_src, row=row, field="directed")
    return ends, undirected


def _tie_columns(tie_cols: dict[str, list], n_edges: int, names_schema: Schema, edge_src: str,
                 notes: Collector) -> dict[str, list]:
    """Canonical tie columns; an edge without a weight weighs 1 (as networkx and Gephi)."""
    had_weight = any(names_schema.column_field("ties", c) == "weight" for c in tie_cols)
    tie_cols = _graphs.canonical_ties(tie_cols, n_edges, names_schema, edge_src, notes)
    if not had_weight:
        del tie_cols["weight"]  # no weight attribute at all: the core's default, reported
    if "weight" in tie_cols:
        unweighted = sum(w is None for w in tie_cols["weight"])
        if unweighted:
            notes.info("defaults", edge_src, f"{unweighted} of {n_edges} edges have no "
                       "weight: they weigh 1.0 (the convention of networkx and Gephi)")
        tie_cols["weight"] = [1.0 if w is None else w for w in tie_cols["weight"]]
    return tie_cols


def _attributes(elements, keys, scope, source, ignored=frozenset()) -> dict[str, list]:
    """Column name -> values (None where a <data> is missing) for the keys of ``scope``.

    As the GraphML specification says, a ``<data>`` must use a key declared for its element
    (``for="node"``, ``"edge"`` or ``"all"``) and carry a value, not markup; a second
    ``<data>`` for the same key on one element is ambiguous. All three raise FormatError.
    """
    mine = {kid: info for kid, info in keys.items() if info[0] in (scope, "all")}
    cols: dict[str, list] = {info[1]: [info[3]] * len(elements) for info in mine.values()}
    if len(cols) != len(mine):
        raise FormatError(f"two {scope} keys have the same attr.name", source=source)
    for row, element in enumerate(elements):
        seen = set()
        for data in element:
            if _local(data.tag) != "data":
                continue
            kid = data.get("key")
            if kid in ignored:
                continue  # a yFiles graphics key
            if kid not in keys:
                raise FormatError(f"<data key=\"{kid}\"> refers to no declared <key>",
                                  source=source, row=row, field=str(kid))
            if kid not in mine:
                raise FormatError(f"<data key=\"{kid}\"> on a {scope} uses a key declared "
                                  f"for={keys[kid][0]!r}; declare the key for=\"{scope}\" or "
                                  "\"all\"", source=source, row=row, field=keys[kid][1])
            _, column, kind, _ = mine[kid]
            if kid in seen:
                raise FormatError(f"the {scope} has two <data> for '{column}'; keep one",
                                  source=source, row=row, field=column)
            seen.add(kid)
            cols[column][row] = _value(_text_of(data, source, row, column), kind,
                                       source=source, row=row, field=column)
    return cols


def _text_of(data: ET.Element, source: str, row: int, field: str) -> str | None:
    """The text of a ``<data>``/``<default>``; element content (markup) raises."""
    if len(data):
        raise FormatError(f"the value holds markup (<{_local(data[0].tag)}>) where GraphML "
                          "expects text; mixed content would be read only in part",
                          source=source, row=row, field=field)
    return data.text


def _dtypes(cols: dict[str, list], keys, scope: str, stored: dict | None) -> dict[str, str]:
    """Each column's dtype: the stored one (written by us), else from its ``attr.type``."""
    types = {info[1]: info[2] for info in keys.values() if info[0] in (scope, "all")}
    out = {}
    for column in cols:
        if stored and column in stored:
            out[column] = stored[column]
        elif column in types:
            name = _INFERRED[types[column]]
            missing = any(v is None for v in cols[column])
            out[column] = {"int64": "Int64", "bool": "boolean"}.get(name, name) if missing \
                else name
    return out


def _metadata(graph_attrs: dict[str, Any], source: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    parsed = {}
    for key in _META:
        if key in graph_attrs:
            if not isinstance(graph_attrs[key], str):
                raise FormatError(f"graph attribute '{key}' is not valid JSON", source=source,
                                  field=key)
            try:
                parsed[key] = load_json(graph_attrs[key], source)
            except FormatError as exc:
                raise FormatError(f"graph attribute '{key}' is not valid JSON: {exc.reason}",
                                  source=source, field=key) from None
    if "ecosystem_schema" in parsed:
        out["schema"] = schema_from(parsed["ecosystem_schema"], source=source,
                                    key="ecosystem_schema")
    if "ecosystem_provenance" in parsed:
        out["provenance"] = provenance_from(parsed["ecosystem_provenance"], source=source,
                                            key="ecosystem_provenance")
    if "ecosystem_neighbourhoods" in parsed:
        out["neighbourhoods"] = _graphs.decode_neighbourhoods(
            parsed["ecosystem_neighbourhoods"],
            source=f"{source} graph attribute 'ecosystem_neighbourhoods'")
    if "ecosystem_dtypes" in parsed:
        d = parsed["ecosystem_dtypes"]
        ok = isinstance(d, dict) and all(
            isinstance(d.get(t), dict) and all(v in _columns.SUPPORTED for v in d[t].values())
            for t in ("actors", "ties"))
        if not ok:
            raise FormatError("graph attribute 'ecosystem_dtypes' must map 'actors' and 'ties' "
                              "to {column: dtype}", source=source, field="ecosystem_dtypes")
        out["dtypes"] = d
    return out
