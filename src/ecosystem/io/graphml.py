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
from ecosystem.core.schema import Schema
from ecosystem.core.validate import Where
from ecosystem.io import _columns, _graphs
from ecosystem.io._files import PathLike, check_file, sniff_binary
from ecosystem.io._meta import choose_schema, provenance_from, schema_from, to_json

__all__ = ["read_graphml", "write_graphml"]

NS = "http://graphml.graphdrawing.org/xmlns"
_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_LOCATION = NS + " http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd"
#: Graph-level attributes that carry what GraphML has no place for (JSON text).
_META = ("ecosystem_schema", "ecosystem_dtypes", "ecosystem_provenance")
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


def write_graphml(eco: Ecosystem, path: PathLike, *, mutual: str = "undirected") -> None:
    """Write ``eco`` as GraphML: one node per actor, one edge per tie, every column typed.

    Nodes carry ``kind``, ``domain``, ``sector``, ``neighbourhood``, ``capacity`` and every
    extra actor column as typed attributes (``attr.type`` ``string``, ``double``, ``long`` or
    ``boolean``); edges carry ``kind``, ``weight`` and every extra tie column. A missing value
    has no ``<data>`` element. The graph is ``edgedefault="directed"``; the graph-level
    attribute ``name`` holds the ecosystem's name, and ``ecosystem_schema``,
    ``ecosystem_dtypes`` and ``ecosystem_provenance`` (JSON text) hold the schema, the pandas
    dtype of each column and the provenance, so :func:`read_graphml` gives back an equal
    ecosystem.

    Parameters
    ----------
    eco
        The ecosystem.
    path
        Output file (UTF-8).
    mutual
        ``"undirected"`` (default): ties of a mutual kind (``collaboration``) are marked
        ``directed="false"`` per edge, so Gephi draws them without an arrow. networkx's
        ``read_graphml`` does not read such mixed graphs (it raises "directed=false edge found
        in directed graph"); for networkx use :func:`to_networkx`, or ``"directed"``: every
        edge then inherits the default direction and only its ``kind`` says it is mutual.

    Raises
    ------
    FormatError
        A column whose dtype GraphML cannot store, or text with characters XML cannot hold.

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
    graph_data = {"name": eco.name, "ecosystem_schema": to_json(eco.schema.to_dict()),
                  "ecosystem_dtypes": to_json({"version": 1, **dtypes}),
                  "ecosystem_provenance": to_json(list(eco.provenance))}
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
    target.write_text('<?xml version="1.0" encoding="UTF-8"?>\n' + text + "\n",
                      encoding="utf-8")


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
    try:
        if kind in ("int", "long"):
            return int(t)
        if kind in ("float", "double"):
            return float(t)
    except ValueError:
        pass
    else:
        if kind == "boolean" and t.lower() in ("true", "1", "false", "0"):
            return t.lower() in ("true", "1")
    raise FormatError(f"value {text!r:.60} is not a valid GraphML {kind}", source=source,
                      row=row, field=field)


_TYPES = ("string", "boolean", "int", "long", "float", "double")
_INFERRED = {"string": "str", "int": "int64", "long": "int64", "float": "float64",
             "double": "float64", "boolean": "bool"}


def read_graphml(path: PathLike, *, schema: Schema | None = None) -> Ecosystem:  # noqa: C901
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
    keys: dict[str, tuple[str, str, str, Any]] = {}
    for key in root:
        if _local(key.tag) != "key" or key.get("yfiles.type"):
            continue
        kid = key.get("id")
        kind = key.get("attr.type", "string")
        if kid is None or kind not in _TYPES:
            raise FormatError(f"<key> {key.attrib} needs an id and an attr.type among "
                              f"{', '.join(_TYPES)}", source=source, field="key")
        default = None
        for child in key:
            if _local(child.tag) == "default":
                default = _value(child.text, kind, source=source, row=0,
                                 field=f"default of key {kid}")
        keys[kid] = (key.get("for", "all"), key.get("attr.name") or kid, kind, default)
    graphs = [g for g in root if _local(g.tag) == "graph"]
    if len(graphs) != 1:
        raise FormatError(f"expected one <graph> element, found {len(graphs)}", source=source)
    graph = graphs[0]
    undirected_default = graph.get("edgedefault", "directed") == "undirected"
    graph_attrs: dict[str, Any] = {}
    nodes: list[ET.Element] = []
    edges: list[ET.Element] = []
    for child in graph:
        tag = _local(child.tag)
        if tag == "node":
            if any(_local(c.tag) == "graph" for c in child):
                raise FormatError("nested graphs are not supported", source=source,
                                  row=len(nodes))
            nodes.append(child)
        elif tag == "edge":
            edges.append(child)
        elif tag == "data":
            info = keys.get(child.get("key", ""))
            if info is not None:
                graph_attrs[info[1]] = _value(child.text, info[2], source=source, row=0,
                                              field=info[1])
        elif tag == "hyperedge":
            raise FormatError("hyperedges are not supported", source=source)
    meta = _metadata(graph_attrs, source)
    node_src, edge_src = f"{source} (nodes)", f"{source} (edges)"
    ids = []
    for row, node in enumerate(nodes):
        if node.get("id") is None:
            raise FormatError("<node> without an id", source=node_src, row=row, field="id")
        ids.append(node.get("id"))
    actor_cols = _attributes(nodes, keys, "node", node_src)
    _graphs.check_names(list(actor_cols), ("id",), "node", node_src)
    actor_cols = {"id": ids, **actor_cols}
    ends: dict[str, list] = {"source": [], "target": []}
    undirected = np.zeros(len(edges), dtype=bool)
    for row, edge in enumerate(edges):
        for end in ends:
            if edge.get(end) is None:
                raise FormatError(f"<edge> without a {end}", source=edge_src, row=row,
                                  field=end)
            ends[end].append(edge.get(end))
        undirected[row] = edge.get("directed", "false" if undirected_default else "true") \
            == "false"
    tie_cols = _attributes(edges, keys, "edge", edge_src)
    _graphs.check_names(list(tie_cols), ("source", "target"), "edge", edge_src)
    tie_cols = {**ends, **tie_cols}
    if "weight" in tie_cols:  # as networkx and Gephi: an edge without a weight weighs 1
        tie_cols["weight"] = [1.0 if w is None else w for w in tie_cols["weight"]]
    dtypes = meta.get("dtypes", {})
    actors = _graphs.table(actor_cols, len(nodes),
                           _dtypes(actor_cols, keys, "node", dtypes.get("actors")),
                           source=node_src, fixed={"id": "str"})
    chosen = choose_schema(
        meta.get("schema"), schema,
        actor_kinds=actors["kind"].unique() if "kind" in actors else (),
        tie_kinds=set(tie_cols.get("kind", [])) - {None}, source=source)
    tie_cols["kind"] = _graphs.fill_kinds(tie_cols.get("kind", [None] * len(edges)),
                                          undirected, chosen, Where(edge_src))
    ties = _graphs.table(tie_cols, len(edges),
                         _dtypes(tie_cols, keys, "edge", dtypes.get("ties")),
                         source=edge_src, fixed={"source": "str", "target": "str", "kind": "str"})
    name = graph_attrs.get("name")
    eco = Ecosystem(actors, ties, schema=chosen, name=None if name is None else str(name),
                    provenance=meta.get("provenance", []),
                    _source=(Where(node_src), Where(edge_src)))
    return eco.with_provenance({"step": "read_graphml", "file": source})


def _attributes(elements, keys, scope, source) -> dict[str, list]:
    """Column name -> values (None where a <data> is missing) for the keys of ``scope``."""
    mine = {kid: info for kid, info in keys.items() if info[0] in (scope, "all")}
    cols: dict[str, list] = {info[1]: [info[3]] * len(elements) for info in mine.values()}
    if len(cols) != len(mine):
        raise FormatError(f"two {scope} keys have the same attr.name", source=source)
    for row, element in enumerate(elements):
        for data in element:
            if _local(data.tag) != "data":
                continue
            kid = data.get("key")
            if kid not in keys:
                raise FormatError(f"<data key=\"{kid}\"> refers to no declared <key>",
                                  source=source, row=row, field=str(kid))
            if kid not in mine:
                continue  # a key of another scope or a yFiles graphics key
            _, column, kind, _ = mine[kid]
            cols[column][row] = _value(data.text, kind, source=source, row=row, field=column)
    return cols


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
    import json

    out: dict[str, Any] = {}
    parsed = {}
    for key in _META:
        if key in graph_attrs:
            try:
                parsed[key] = json.loads(graph_attrs[key])
            except (json.JSONDecodeError, TypeError):
                raise FormatError(f"graph attribute '{key}' is not valid JSON", source=source,
                                  field=key) from None
    if "ecosystem_schema" in parsed:
        out["schema"] = schema_from(parsed["ecosystem_schema"], source=source,
                                    key="ecosystem_schema")
    if "ecosystem_provenance" in parsed:
        out["provenance"] = provenance_from(parsed["ecosystem_provenance"], source=source,
                                            key="ecosystem_provenance")
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
