"""Convert an ecosystem to and from a networkx graph."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from ecosystem.core.ecosystem import Ecosystem
from ecosystem.core.errors import ConfigError, DuplicateIdError
from ecosystem.core.schema import Schema
from ecosystem.core.validate import Where
from ecosystem.io import _columns, _graphs
from ecosystem.io._meta import choose_schema, provenance_from, schema_from

__all__ = ["from_networkx", "to_networkx"]


def table_dtypes(table: pd.DataFrame) -> dict[str, str]:
    """Column -> dtype name, falling back to pandas' own name for dtypes files cannot store."""
    return {c: _columns.dtype_name(table[c]) or str(table[c].dtype) for c in table.columns}


def to_networkx(eco: Ecosystem) -> nx.MultiDiGraph:
    """The ecosystem as a ``networkx.MultiDiGraph``.

    Nodes are actor ids, in position order, with every actor column except ``id`` as node
    attributes (missing values are left out). Each tie is one edge ``source -> target`` with
    key = its kind and attributes ``kind``, ``weight`` and the extra tie columns. A mutual tie
    (``collaboration``) is one edge, as stored; treat it as going both ways
    (``G.graph["schema"]`` says which kinds are mutual). Graph attributes: ``name`` (when
    set), ``schema`` (:meth:`Schema.to_dict`), ``provenance`` (list of records) and
    ``dtypes`` (``{"actors": {column: dtype}, "ties": {...}}``, so that
    :func:`from_networkx` restores the exact pandas dtypes and columns no node has) and
    ``tie_order`` (the row of each edge of ``G.edges`` in the ties table: networkx lists edges
    grouped by source node, so this restores the table's order).

    Examples
    --------
    >>> from ecosystem import datasets
    >>> from ecosystem.io import to_networkx, from_networkx
    >>> eco = datasets.example()
    >>> G = to_networkx(eco)
    >>> G.number_of_nodes(), G.number_of_edges()
    (40, 102)
    >>> from_networkx(G) == eco
    True
    """
    actors, ties = eco.actors, eco.ties
    graph: dict[str, Any] = {"schema": eco.schema.to_dict(),
                             "provenance": list(eco.provenance),
                             "dtypes": {"actors": table_dtypes(actors),
                                        "ties": table_dtypes(ties)}}
    if eco.name is not None:
        graph["name"] = eco.name
    G = nx.MultiDiGraph(**graph)
    G.add_nodes_from(zip(actors["id"].tolist(), _records(actors, ("id",)), strict=True))
    keys = list(zip(ties["source"].tolist(), ties["target"].tolist(), ties["kind"].tolist(),
                    strict=True))
    G.add_edges_from((*k, rec) for k, rec in zip(keys, _records(ties, ("source", "target")),
                                                 strict=True))
    # G.edges lists edges grouped by source node; remember where each tie was in the table.
    row_of = {k: row for row, k in enumerate(keys)}
    G.graph["tie_order"] = [row_of[k] for k in G.edges(keys=True)]
    return G


def _records(table: pd.DataFrame, skip: tuple[str, ...]) -> list[dict[str, Any]]:
    """One dict per row of the columns not in ``skip``, missing values left out."""
    columns = [(c, _columns.values(table[c])) for c in table.columns if c not in skip]
    out: list[dict[str, Any]] = [{} for _ in range(len(table))]
    for c, vals in columns:
        for rec, v in zip(out, vals, strict=True):
            if v is not None:
                rec[c] = v
    return out


def _stored_dtypes(graph: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    d = graph.get("dtypes")
    if isinstance(d, Mapping) and all(isinstance(d.get(t), Mapping) for t in ("actors", "ties")):
        return {t: {str(k): str(v) for k, v in d[t].items()} for t in ("actors", "ties")}
    return {"actors": {}, "ties": {}}


def unique_ids(labels: list[Any], source: str) -> list[str]:
    """Node labels as text; two labels with the same text (``1`` and ``"1"``) raise."""
    ids = [v if isinstance(v, str) else str(v) for v in labels]
    index = pd.Index(ids)
    if index.has_duplicates:
        dup = np.flatnonzero(index.duplicated(keep=False))
        first = ids[dup[0]]
        same = [labels[i] for i in dup if ids[i] == first]
        raise DuplicateIdError(
            f"nodes {', '.join(map(repr, same))} all become the actor id '{first}' as text; "
            "relabel them first (networkx.relabel_nodes)", source=source, field="id",
            row=int(dup[1]))
    return ids


def frames_from_graph(
    ids: list[str],
    node_attrs: Sequence[Mapping[str, Any]],
    edges: Sequence[tuple[str, str, Mapping[str, Any]]],
    *,
    directed: bool,
    graph: Mapping[str, Any],
    schema: Schema | None,
    sources: tuple[str, str],
    renamed: Mapping[str, str] = {},
) -> Ecosystem:
    """Build an Ecosystem from node and edge attribute dicts (shared with :mod:`.igraph`)."""
    node_src, edge_src = sources
    stored = _stored_dtypes(graph)
    cols: dict[str, list] = {"id": ids}
    for row, attrs in enumerate(node_attrs):
        for k, v in attrs.items():
            k = renamed.get(k, k)
            if k not in cols or k == "id":
                _graphs.check_names([k], ("id",), "node", node_src)
                cols[k] = [None] * len(ids)
            cols[k][row] = v
    tie_cols: dict[str, list] = {"source": [e[0] for e in edges],
                                 "target": [e[1] for e in edges],
                                 "kind": [None] * len(edges), "weight": [None] * len(edges)}
    for row, (_, _, attrs) in enumerate(edges):
        for k, v in attrs.items():
            if k not in tie_cols or k in ("source", "target"):
                _graphs.check_names([k], ("source", "target"), "edge", edge_src)
                tie_cols[k] = [None] * len(edges)
            tie_cols[k][row] = v
    # networkx and igraph treat an edge without a weight as weight 1.
    tie_cols["weight"] = [1.0 if w is None else w for w in tie_cols["weight"]]
    actors = _graphs.table(cols, len(ids), stored["actors"], source=node_src,
                           fixed={"id": "str"})
    stored_schema = graph.get("schema")
    if isinstance(stored_schema, Schema):
        stored_schema = stored_schema.to_dict()
    chosen = choose_schema(
        schema_from(stored_schema, source=node_src), schema,
        actor_kinds=actors["kind"].unique() if "kind" in actors else (),
        tie_kinds=set(tie_cols["kind"]) - {None}, source=node_src)
    undirected = np.full(len(edges), not directed)
    tie_cols["kind"] = _graphs.fill_kinds(tie_cols["kind"], undirected, chosen, Where(edge_src))
    ties = _graphs.table(tie_cols, len(edges), stored["ties"], source=edge_src,
                         fixed={"source": "str", "target": "str", "kind": "str"})
    name = graph.get("name")
    return Ecosystem(actors, ties, schema=chosen, name=None if name is None else str(name),
                     provenance=provenance_from(graph.get("provenance"), source=node_src),
                     _source=(Where(node_src), Where(edge_src)))


def from_networkx(G: nx.Graph, *, schema: Schema | None = None) -> Ecosystem:
    """Build an ecosystem from a networkx Graph, DiGraph, MultiGraph or MultiDiGraph.

    Nodes are actors: the node label, as text (``str(label)``), is the actor id, and node
    attributes are actor columns; ``kind`` is required. Edges are ties with their attributes
    as tie columns. An edge without ``kind`` is a ``referral`` (the schema's default tie kind)
    in a directed graph and a ``collaboration`` (mutual) in an undirected one; in an undirected
    graph a directed kind raises ValidationError (its direction is lost). An edge without
    ``weight`` has weight 1.0, networkx's convention. The graph attributes written by
    :func:`to_networkx` (``name``, ``schema``, ``dtypes``, ``provenance``) are used when
    present; ``schema=`` overrides a stored schema and must be compatible with it. Ties are in
    the order of ``G.edges``, or in the order of the original table when the graph attribute
    ``tie_order`` (written by :func:`to_networkx`) still fits the edges. Edge keys of
    multigraphs are ignored.

    Raises
    ------
    DuplicateIdError
        Two node labels with the same text (``1`` and ``"1"``).
    EcosystemError
        Any validation error; the row is the node's (or edge's) position in ``G.nodes``
        (``G.edges``).

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.Graph()
    >>> G.add_node(1, kind="huisarts")
    >>> G.add_node(2, kind="wijkteam")
    >>> G.add_edge(1, 2, weight=2.5)
    >>> from_networkx(G).ties
      source target           kind  weight
    0      1      2  collaboration     2.5
    """
    if not isinstance(G, nx.Graph):
        raise ConfigError(f"from_networkx(): G must be a networkx graph, got "
                          f"{type(G).__name__}")
    node_src = "networkx graph nodes (row = position in G.nodes)"
    edge_src = "networkx graph edges (row = position in G.edges)"
    labels = list(G.nodes)
    ids = unique_ids(labels, node_src)
    as_id = dict(zip(labels, ids, strict=True))
    edges = [(as_id[u], as_id[v], d) for u, v, d in G.edges(data=True)]
    order = G.graph.get("tie_order")
    if isinstance(order, list) and len(order) == len(edges) and \
            all(type(r) is int for r in order) and sorted(order) == list(range(len(edges))):
        placed: list[Any] = [None] * len(edges)
        for edge, row in zip(edges, order, strict=True):
            placed[row] = edge
        edges = placed
    eco = frames_from_graph(ids, [G.nodes[n] for n in labels], edges,
                            directed=G.is_directed(), graph=G.graph, schema=schema,
                            sources=(node_src, edge_src))
    return eco.with_provenance({"step": "from_networkx", "graph": type(G).__name__})
