"""Convert an ecosystem to and from a python-igraph ``Graph``."""

from __future__ import annotations

from typing import Any

import igraph as ig
import numpy as np

from ecosystem.core.ecosystem import Ecosystem
from ecosystem.core.errors import ConfigError
from ecosystem.core.schema import Schema
from ecosystem.io import _columns, _graphs
from ecosystem.io.networkx import frames_from_graph, table_dtypes, unique_ids

__all__ = ["from_igraph", "to_igraph"]

#: Vertex attribute holding an actor column called "name" ("name" itself holds the id).
ACTOR_NAME = "actor_name"


def to_igraph(eco: Ecosystem) -> ig.Graph:
    """The ecosystem as a directed ``igraph.Graph`` with attributes (a copy, not a view).

    Vertex ``i`` is the actor at position ``i``; vertex attribute ``name`` is its id, and every
    other actor column is a vertex attribute (``None`` where missing). An actor column called
    ``name`` is stored as vertex attribute ``actor_name``. Edge ``j`` is tie ``j``
    (``source -> target``; a mutual tie is one edge, as stored) with attributes ``kind``,
    ``weight`` and the extra tie columns. Graph attributes: ``name``, ``schema``,
    ``provenance``, ``neighbourhoods`` and ``dtypes`` (as in :func:`to_networkx`). For
    analysis prefer :meth:`Ecosystem.graph`, the cached view without attributes.

    Parameters
    ----------
    eco
        The ecosystem.

    Returns
    -------
    igraph.Graph
        A directed graph; vertex ``name`` is the actor id.

    Examples
    --------
    >>> from ecosystem import datasets
    >>> from ecosystem.io import to_igraph, from_igraph
    >>> eco = datasets.example()
    >>> g = to_igraph(eco)
    >>> g.vcount(), g.ecount(), g.vs[0]["name"], g.es[0]["kind"]
    (40, 102, 'hospital', 'referral')
    >>> from_igraph(g) == eco
    True
    """
    actors, ties = eco.actors, eco.ties
    src, tgt = eco.tie_positions()
    g = ig.Graph(n=eco.n_actors, edges=np.column_stack([src, tgt]).astype(np.int64),
                 directed=True)
    g["name"] = eco.name
    g["schema"] = eco.schema.to_dict()
    g["provenance"] = list(eco.provenance)
    g["neighbourhoods"] = _graphs.encode_neighbourhoods(eco.neighbourhoods,
                                                        source="igraph graph", fmt="igraph")
    g["dtypes"] = {"actors": table_dtypes(actors), "ties": table_dtypes(ties)}
    g.vs["name"] = actors["id"].tolist()
    if "name" in actors.columns and ACTOR_NAME in actors.columns:
        raise ConfigError(f"to_igraph(): actor columns 'name' and '{ACTOR_NAME}' would share "
                          f"the vertex attribute '{ACTOR_NAME}'; rename one of them")
    for column in actors.columns:
        if column != "id":
            g.vs[ACTOR_NAME if column == "name" else column] = _columns.values(actors[column])
    for column in ties.columns:
        if column not in ("source", "target"):
            g.es[column] = _columns.values(ties[column])
    return g


def from_igraph(g: ig.Graph, *, schema: Schema | None = None) -> Ecosystem:
    """Build an ecosystem from an ``igraph.Graph`` with vertex and edge attributes.

    The vertex attribute ``name`` is the actor id (as text); without it, vertex ``i`` gets the
    id ``str(i)``. Other vertex attributes are actor columns (``kind`` is required; ``None`` is
    missing); ``actor_name`` becomes the actor column ``name`` when the graph comes from
    :func:`to_igraph`. Edge attributes are tie columns; ``kind`` defaults to ``referral`` in a
    directed graph and ``collaboration`` in an undirected one (where a directed kind raises),
    and a missing ``weight`` is 1.0. The graph attributes written by :func:`to_igraph` are used
    when present; ``schema=`` overrides a stored schema and must be compatible with it.

    Parameters
    ----------
    g
        An igraph graph whose vertices carry ``kind`` (and ``name``, the actor id).
    schema
        Vocabulary to validate against; the graph's ``schema`` attribute or the default.

    Returns
    -------
    Ecosystem

    Examples
    --------
    >>> import igraph as ig
    >>> g = ig.Graph(n=2, edges=[(0, 1)], directed=True)
    >>> g.vs["kind"] = ["huisarts", "apotheek"]
    >>> from_igraph(g).ties
      source target      kind  weight
    0      0      1  referral     1.0
    """
    if not isinstance(g, ig.Graph):
        raise ConfigError(f"from_igraph(): g must be an igraph.Graph, got {type(g).__name__}")
    node_src = "igraph vertices (row = vertex index)"
    edge_src = "igraph edges (row = edge index)"
    n = g.vcount()
    names = g.vs["name"] if "name" in g.vs.attributes() else [str(i) for i in range(n)]
    ids = unique_ids(names, node_src) if all(v is not None for v in names) else names
    vertex_cols = {a: g.vs[a] for a in g.vs.attributes() if a != "name"}
    node_attrs: list[dict[str, Any]] = [{} for _ in range(n)]
    for a, vals in vertex_cols.items():
        for rec, v in zip(node_attrs, vals, strict=True):
            rec[a] = v
    edge_cols = {a: g.es[a] for a in g.es.attributes()}
    pairs = np.asarray(g.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    id_array = np.asarray(ids, dtype=object)
    edges = []
    for j, (s, t) in enumerate(zip(id_array[pairs[:, 0]].tolist(),
                                   id_array[pairs[:, 1]].tolist(), strict=True)):
        edges.append((s, t, {a: vals[j] for a, vals in edge_cols.items()}))
    attrs = g.attributes()
    graph = {a: g[a] for a in attrs}
    ours = isinstance(graph.get("dtypes"), dict) and "name" in (graph["dtypes"].get("actors")
                                                                or {})
    return frames_from_graph(ids, node_attrs, edges, directed=g.is_directed(), graph=graph,
                             schema=schema, sources=(node_src, edge_src),
                             renamed={ACTOR_NAME: "name"} if ours else {},
                             step={"step": "from_igraph"})
