"""The :class:`Ecosystem`: a typed, validated, immutable graph of care actors and their ties."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import igraph as ig
import numpy as np
import pandas as pd
import scipy.sparse as sp

from ecosystem._repr import clip, html_card
from ecosystem.core._deprecate import renamed
from ecosystem.core.errors import ConfigError, UnknownKindError, ValidationError
from ecosystem.core.report import Collector, ReadReport, raise_collected
from ecosystem.core.schema import DOMAINS, Schema
from ecosystem.core.validate import (
    DEMAND,
    STR,
    Where,
    neighbourhood_names,
    normalize_actors,
    normalize_neighbourhoods,
    normalize_ties,
    reconcile_neighbourhoods,
    ties_from_positions,
)

__all__ = ["Ecosystem", "EcosystemSummary", "ViewSpec", "from_frames"]


def _no_ties() -> pd.DataFrame:
    return pd.DataFrame({"source": pd.Series([], dtype=STR), "target": pd.Series([], dtype=STR)})


def actors_alone(actors: pd.DataFrame, schema: Schema, where: Where, notes: Collector
                 ) -> pd.DataFrame:
    """The actors table of ``Ecosystem(actors, schema=schema, _source=(where,),
    _notes=notes)``, by the same checks with the same notes and errors, without building the
    ecosystem (there are no ties to check): for readers that only need a validated frame."""
    actors_n = normalize_actors(actors, schema, where, notes)
    reconcile_neighbourhoods(actors_n["neighbourhood"], None, where,
                             Where("neighbourhoods table"), notes)
    raise_collected()
    return actors_n


def _schema_of(schema: object) -> Schema:
    """``schema``, or the default schema for ``None``; anything else is a ConfigError."""
    schema = Schema.default() if schema is None else schema
    if not isinstance(schema, Schema):
        raise ConfigError(f"Ecosystem(): schema must be a Schema, got {type(schema).__name__}")
    return schema

TieSelection = str | Iterable[str] | None


@dataclass(frozen=True)
class ViewSpec:
    """A resolved request for a graph view: which tie kinds, whether directed, which weight.

    ``kinds`` are canonical tie kind ids; ``weight`` is a numeric tie column or ``None``
    (every tie counts 1).

    Attributes
    ----------
    kinds
        Canonical ids of the selected tie kinds.
    directed
        Whether the view is directed (mutual ties then count in both directions).
    weight
        The tie column read as strength, or ``None``.

    Examples
    --------
    >>> from ecosystem import datasets
    >>> spec = datasets.example().view_spec()
    >>> spec.directed, spec.weight
    (True, 'weight')
    """

    kinds: frozenset[str]
    directed: bool
    weight: str | None


class Ecosystem:
    """A care ecosystem: actors (nodes) of typed kinds and domains, and typed, weighted ties.

    An ``Ecosystem`` is immutable: every derivation (:meth:`subset`, :meth:`with_ties`, ...)
    returns a new object. Its graph views (:meth:`graph`, :meth:`adjacency`) are built lazily
    once per object and request, and shared by every algorithm that reads them.

    Parameters
    ----------
    actors
        One row per actor. Required columns: ``id`` (non-empty unique strings) and ``kind`` (an
        actor kind id or alias of the schema, any case). Optional: ``domain`` (derived from the
        kind where missing), ``sector`` (derived from the domain), ``neighbourhood`` (text; missing
        means not tied to one neighbourhood, as for a shared hospital), ``capacity`` (a
        non-negative number; missing means unknown). Other columns are kept as attributes.
        Column names may be aliases, Dutch or English (``code``, ``soort``, ``wijk``,
        ``capaciteit``; see :data:`~ecosystem.COLUMN_ALIASES`).
    ties
        One row per tie. Required: ``source`` and ``target`` (actor ids; aliases ``bron``/``van``
        and ``doel``/``naar``). Optional: ``kind`` (a tie kind or alias; missing or empty means
        the schema's ``default_tie_kind``, ``"referral"``) and ``weight`` (a strength: finite,
        >= 0; default 1.0 when the column is absent). Other columns are kept. Mutual tie kinds
        (``collaboration``) are stored once. Two ties of one kind between the same actors (the
        same direction, for directed kinds) are an error, as is a self-loop where the tie kind
        does not allow one.
    neighbourhoods
        One row per neighbourhood (see :attr:`neighbourhoods`): a ``neighbourhood`` name
        column (or alias, or the index), optional ``residents``, ``ses``, ``demand_<need>``
        and any other columns (e.g. CBS Kerncijfers). A table with columns must list every
        neighbourhood an actor is in. Omitted: the names of the actors' neighbourhoods.
    schema
        The vocabulary; :meth:`Schema.default` when omitted.
    name
        A label shown in summaries.
    provenance
        Records of the steps that made the data (readers, generators and derivations append
        theirs); plain mappings with a ``"step"`` key.

    Raises
    ------
    EcosystemError
        A subclass naming the table, row, field and value for every problem in the input.

    Notes
    -----
    Nothing is assumed silently: every column alias mapped, default applied (no tie kind ->
    ``referral``, no weight -> 1.0, no neighbourhood -> shared, domain from the kind) and value
    normalised (surrounding spaces removed, kind aliases made canonical) is a line of the
    :attr:`read_report`, kept in the provenance.

    Equality (``==``) compares the schema and the actors, ties and neighbourhoods tables
    (values, dtypes and row order; column order is ignored). The ``name`` and ``provenance``
    are metadata and are not compared.

    Examples
    --------
    >>> import pandas as pd
    >>> from ecosystem import Ecosystem
    >>> actors = pd.DataFrame({"id": ["gp1", "team", "buurt"],
    ...                        "kind": ["huisarts", "wijkteam", "zorgzame gemeenschap"]})
    >>> ties = pd.DataFrame({"source": ["gp1", "team"], "target": ["team", "buurt"],
    ...                      "kind": ["referral", "collaboration"]})
    >>> eco = Ecosystem(actors, ties, name="tiny")
    >>> eco
    <Ecosystem 'tiny': 3 actors (medical 1, social 1, informal 1), 2 ties, 0 neighbourhoods>
    >>> eco.actors[["id", "kind", "domain", "sector"]]
          id               kind    domain    sector
    0    gp1                 gp   medical    formal
    1   team        social_team    social    formal
    2  buurt  community_network  informal  informal
    >>> eco.adjacency().toarray()
    array([[0., 1., 0.],
           [0., 0., 1.],
           [0., 1., 0.]])
    """

    __slots__ = (
        "_actors",
        "_cache",
        "_ids",
        "_name",
        "_nbh",
        "_provenance",
        "_schema",
        "_src",
        "_tgt",
        "_ties",
    )

    def __init__(
        self,
        actors: pd.DataFrame,
        ties: pd.DataFrame | None = None,
        *,
        neighbourhoods: pd.DataFrame | None = None,
        schema: Schema | None = None,
        name: str | None = None,
        provenance: Iterable[Mapping[str, Any]] = (),
        _source: tuple[Where, ...] | None = None,
        _step: Mapping[str, Any] | None = None,
        _notes: Collector | None = None,
    ) -> None:
        self._build(actors, lambda ids, where, notes: normalize_ties(
            ties if ties is not None else _no_ties(), ids, _schema_of(schema), where, notes),
            neighbourhoods, schema, name, provenance, _source, _step, _notes)

    @classmethod
    def _from_positions(
        cls,
        actors: pd.DataFrame,
        source: np.ndarray,
        target: np.ndarray,
        columns: Mapping[str, Any],
        *,
        schema: Schema | None = None,
        name: str | None = None,
        _source: tuple[Where, ...] | None = None,
        _step: Mapping[str, Any] | None = None,
        _notes: Collector | None = None,
        _actors_checked: bool = False,
    ) -> Ecosystem:
        """Build with tie ends given as positions in ``actors`` (readers that resolved ids).

        The same as ``Ecosystem(actors, ties)`` for the ties table of ``source, target``
        (the actors' ids at those positions) and ``columns`` (``kind``, ``weight``, extras,
        as arrays), validated by the same steps (see
        :func:`~ecosystem.core.validate.ties_from_positions`), without looking the ids up.
        ``_actors_checked``: ``actors`` is an ecosystem's actors table (validated, its
        defaults already reported), maybe with columns the reader added; it is not
        validated, or reported, twice.
        """
        self = object.__new__(cls)
        self._build(actors, lambda ids, where, notes: ties_from_positions(
            source, target, columns, ids, _schema_of(schema), where, notes),
            None, schema, name, (), _source, _step, _notes, actors_checked=_actors_checked)
        return self

    def _build(self, actors: pd.DataFrame, ties: Callable[[pd.Index, Where, Collector], Any],
               neighbourhoods: pd.DataFrame | None, schema: Schema | None, name: str | None,
               provenance: Iterable[Mapping[str, Any]], _source: tuple[Where, ...] | None,
               _step: Mapping[str, Any] | None, _notes: Collector | None, *,
               actors_checked: bool = False) -> None:
        schema = _schema_of(schema)
        where = tuple(_source or ())
        where_a, where_t, where_n = (*where, *(Where(f"{t} table") for t in (
            "actors", "ties", "neighbourhoods")[len(where):]))[:3]
        notes = _notes if _notes is not None else Collector()
        actors_n = (actors.reset_index(drop=True) if actors_checked else
                    normalize_actors(actors, schema, where_a, notes))
        ids = pd.Index(actors_n["id"], name="id")
        tie_arrays = ties(ids, where_t, notes)
        table = None if neighbourhoods is None else normalize_neighbourhoods(
            neighbourhoods, schema, where_n, notes)
        nbh = reconcile_neighbourhoods(actors_n["neighbourhood"], table, where_a, where_n, notes)
        raise_collected()
        provenance = list(provenance)
        if _step is not None:
            provenance.append({**_step, "report": notes.report().to_records()})
        elif notes.changed:
            provenance.append({"step": "Ecosystem", "report": notes.report().to_records()})
        self._init(actors_n, tie_arrays.ties, tie_arrays.source, tie_arrays.target, ids, schema,
                   name, provenance, nbh)

    def _init(self, actors, ties, src, tgt, ids, schema, name, provenance, nbh) -> None:
        self._actors = actors
        self._nbh = nbh
        self._ties = ties
        self._src = src
        self._tgt = tgt
        self._ids = ids
        self._schema = schema
        self._name = name
        self._provenance = tuple(dict(p) for p in provenance)
        self._cache: dict[Any, Any] = {}

    @classmethod
    def _trusted(cls, actors, ties, src, tgt, schema, name, provenance, nbh) -> Ecosystem:
        """Build from tables already validated (derivations that cannot break validity).

        A names-only neighbourhoods table is derived again from the actors kept.
        """
        self = object.__new__(cls)
        actors = actors.reset_index(drop=True)
        ties = ties.reset_index(drop=True)
        if len(nbh.columns) == 0:
            nbh = neighbourhood_names(actors["neighbourhood"])
        self._init(actors, ties, np.asarray(src), np.asarray(tgt),
                   pd.Index(actors["id"], name="id"), schema, name, provenance, nbh)
        return self

    # ------------------------------------------------------------------ tables and metadata
    @property
    def actors(self) -> pd.DataFrame:
        """The actors table: one row per actor, in position order.

        A deliberate view with positions: its integer index is the actor's position (0 to
        ``n_actors - 1``, the order of :attr:`index`), its ``id`` column the actor id. Results
        are indexed by actor id; ``eco.actors.set_index("id")`` gives the table that way.
        """
        return self._actors.copy(deep=False)

    @property
    def ties(self) -> pd.DataFrame:
        """The ties table: ``source, target, kind, weight`` and any extra tie attributes.

        ``source`` and ``target`` are actor ids; the integer index is the tie's row (what
        ``tie_row`` of :meth:`edge_arrays` refers to), not an actor position.
        """
        return self._ties.copy(deep=False)

    @property
    def schema(self) -> Schema:
        """The vocabulary this ecosystem is written in."""
        return self._schema

    @property
    def name(self) -> str | None:
        """A label, or ``None``."""
        return self._name

    @property
    def provenance(self) -> tuple[dict[str, Any], ...]:
        """Records of how this ecosystem was made (reader, derivations, interventions)."""
        return tuple(dict(p) for p in self._provenance)

    @property
    def index(self) -> pd.Index:
        """Actor ids in position order (the index of every per-actor result)."""
        return self._ids

    @property
    def n_actors(self) -> int:
        """Number of actors."""
        return len(self._ids)

    @property
    def n_ties(self) -> int:
        """Number of ties (a mutual tie counts once)."""
        return len(self._ties)

    @property
    def neighbourhoods(self) -> pd.DataFrame:
        """The neighbourhoods table: one row per neighbourhood, indexed by its name.

        Columns, when known: ``residents``, ``ses`` (socio-economic score), ``demand_<need>``
        (residents per year with each need; :class:`~ecosystem.flows.ReferralModel` uses them
        as its default demand) and any other columns the data brought (e.g. CBS Kerncijfers
        wijken en buurten). Without a table it has no columns and lists the sorted names of
        the actors' neighbourhoods. ``eco.neighbourhoods.index`` is the list of names.

        Examples
        --------
        >>> from ecosystem import datasets
        >>> datasets.example().neighbourhoods.index.tolist()
        ['Oosterwijk', 'Westdorp']
        """
        return self._nbh.copy(deep=False)

    @property
    def read_report(self) -> ReadReport:
        """What building this ecosystem assumed and changed (the latest read's report).

        Every column alias mapped, default applied and value normalised, as stored in the
        provenance by the reader (or by the constructor). Empty when nothing was assumed.
        """
        for record in reversed(self._provenance):
            if isinstance(record.get("report"), list):
                return ReadReport.from_records(record["report"])
        return ReadReport()

    def neighbourhood_demand(self) -> pd.DataFrame | None:
        """Residents per year with each need, per neighbourhood, from :attr:`neighbourhoods`.

        Returns
        -------
        pandas.DataFrame or None
            Index ``neighbourhood``, one column per need (canonical ids) that the table has
            a ``demand_<need>`` column for; ``None`` when it has none.

        Examples
        --------
        >>> from ecosystem.generate import generate_neighbourhood
        >>> eco = generate_neighbourhood("average", residents=2000, seed=0)
        >>> float(eco.neighbourhood_demand().loc["average", "debt"])  # 40 per 1,000 residents
        80.0
        """
        cols = [c for c in self._nbh.columns if isinstance(c, str) and c.startswith(DEMAND)]
        if not cols:
            return None
        out = self._nbh[cols].rename(columns=lambda c: c[len(DEMAND):])
        out.columns.name = None
        return out

    def with_neighbourhoods(self, neighbourhoods: pd.DataFrame | None) -> Ecosystem:
        """The same ecosystem with another neighbourhoods table (validated as in the constructor).

        Parameters
        ----------
        neighbourhoods
            One row per neighbourhood (see :attr:`neighbourhoods`), or ``None`` to drop the
            table's columns (the names of the actors' neighbourhoods remain).

        Returns
        -------
        Ecosystem
            With a provenance record ``{"step": "with_neighbourhoods", "report": [...]}``.

        Examples
        --------
        >>> import pandas as pd
        >>> from ecosystem import datasets
        >>> cbs = pd.DataFrame({"wijk": ["Oosterwijk", "Westdorp"],
        ...                     "Aantal inwoners": [4200, 2900]})
        >>> eco = datasets.example().with_neighbourhoods(cbs)
        >>> eco.neighbourhoods
                    residents
        neighbourhood
        Oosterwijk     4200.0
        Westdorp       2900.0
        """
        return Ecosystem(self._actors, self._ties, neighbourhoods=neighbourhoods,
                         schema=self._schema, name=self._name, provenance=self._provenance,
                         _step={"step": "with_neighbourhoods"})

    def positions(self, ids: Iterable[str], *, what: str = "actor id") -> np.ndarray:
        """Integer positions of the given actor ids; an unknown id raises ValidationError.

        A deliberate view with positions, for code that works on :meth:`adjacency`,
        :meth:`graph` or :meth:`edge_arrays`; ``eco.index[pos]`` turns positions back into ids.

        Parameters
        ----------
        ids
            Actor ids.
        what
            How the ids are named in the error message (e.g. ``"tie source"``).

        Returns
        -------
        numpy.ndarray
            Positions in :attr:`index` (int64), in the order of ``ids``.

        Examples
        --------
        >>> from ecosystem import datasets
        >>> eco = datasets.example()
        >>> eco.index[eco.positions(["gp_west"])].tolist()
        ['gp_west']
        """
        ids = pd.Index(list(ids) if not isinstance(ids, pd.Index) else ids)
        pos = self._ids.get_indexer(ids)
        if (pos < 0).any():
            bad = ids[np.flatnonzero(pos < 0)[0]]
            raise ValidationError(f"{what} '{bad}' is not an actor of this ecosystem")
        return pos

    def tie_positions(self) -> tuple[np.ndarray, np.ndarray]:
        """Positions of each tie's source and target, aligned with :attr:`ties` (read-only).

        A deliberate view with positions (the ids are the ``source`` and ``target`` columns of
        :attr:`ties`).

        Returns
        -------
        source, target : numpy.ndarray
            Read-only int64 arrays of positions in :attr:`index`, one per row of :attr:`ties`.

        Examples
        --------
        >>> from ecosystem import datasets
        >>> eco = datasets.example()
        >>> s, t = eco.tie_positions()
        >>> eco.index[s[0]] == eco.ties["source"].iloc[0]
        True
        """
        s, t = self._src.view(), self._tgt.view()
        s.flags.writeable = t.flags.writeable = False
        return s, t

    def with_name(self, name: str | None) -> Ecosystem:
        """The same ecosystem under another name.

        Parameters
        ----------
        name
            The new name, or ``None``.

        Returns
        -------
        Ecosystem

        Examples
        --------
        >>> from ecosystem import datasets
        >>> datasets.example().with_name("Rotterdam-Zuid").name
        'Rotterdam-Zuid'
        """
        return Ecosystem._trusted(self._actors, self._ties, self._src, self._tgt, self._schema,
                                  name, self._provenance, self._nbh)

    def with_provenance(self, record: Mapping[str, Any]) -> Ecosystem:
        """The same ecosystem with one more provenance record appended.

        Parameters
        ----------
        record
            A mapping of plain values describing a step (``"step"`` names it).

        Returns
        -------
        Ecosystem

        Examples
        --------
        >>> from ecosystem import datasets
        >>> eco = datasets.example().with_provenance({"step": "checked", "by": "GGD"})
        >>> eco.provenance[-1]
        {'step': 'checked', 'by': 'GGD'}
        """
        return Ecosystem._trusted(self._actors, self._ties, self._src, self._tgt, self._schema,
                                  self._name, (*self._provenance, dict(record)), self._nbh)

    # ------------------------------------------------------------------ views
    @renamed("Ecosystem.view_spec", ties="tie_kinds")
    def view_spec(
        self,
        tie_kinds: TieSelection = None,
        *,
        directed: bool | None = None,
        weight: str | None = "weight",
    ) -> ViewSpec:
        """Resolve a view request into a :class:`ViewSpec`.

        ``tie_kinds=None`` selects every tie kind present in the data. ``directed=None`` means
        undirected when every selected tie kind is mutual, directed otherwise.

        Parameters
        ----------
        tie_kinds
            Tie kind(s) in the view; every kind present in the data when ``None``.
        directed
            ``None``: undirected when every selected tie kind is mutual, directed otherwise.
        weight
            Numeric tie column used as strength, or ``None`` for 1 per tie.

        Returns
        -------
        ViewSpec

        Examples
        --------
        >>> from ecosystem import datasets
        >>> spec = datasets.example().view_spec("collaboration")
        >>> sorted(spec.kinds), spec.directed
        (['collaboration'], False)
        """
        ties = tie_kinds
        if ties is None:
            kinds = frozenset(self._ties["kind"].unique().tolist())
        else:
            if isinstance(ties, str):
                ties = [ties]
            try:
                kinds = frozenset(self._schema.tie_kind(t) for t in ties)
            except UnknownKindError as exc:
                raise UnknownKindError(f"tie_kinds=: {exc}") from None
        if directed is None:
            directed = not kinds <= self._schema.mutual_tie_kinds
        if weight is not None:
            if weight not in self._ties.columns:
                raise ConfigError(
                    f"weight='{weight}' is not a tie column; tie columns: "
                    f"{list(self._ties.columns)} (or weight=None for unweighted)"
                )
            if not pd.api.types.is_numeric_dtype(self._ties[weight].dtype) or \
                    pd.api.types.is_bool_dtype(self._ties[weight].dtype):
                raise ConfigError(f"weight='{weight}' is not a numeric tie column")
        return ViewSpec(kinds, bool(directed), weight)

    @renamed("Ecosystem.edge_arrays", ties="tie_kinds")
    def edge_arrays(
        self,
        tie_kinds: TieSelection = None,
        *,
        directed: bool | None = None,
        weight: str | None = "weight",
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Edge list of a view as arrays ``(source, target, weight, tie_row)``.

        In a directed view, directed ties appear once and mutual ties twice (once per
        direction, after all the ties as given). In an undirected view every tie appears once.
        ``tie_row`` is the row of :attr:`ties` each edge comes from. A deliberate view with
        positions: ``source`` and ``target`` are positions in :attr:`index` (``eco.index[s]``
        gives the ids). Arrays are cached and read-only.

        Parameters
        ----------
        tie_kinds
            Tie kind(s) in the view; every kind present in the data when ``None``.
        directed
            ``None``: undirected when every selected tie kind is mutual, directed otherwise.
        weight
            Numeric tie column used as strength, or ``None`` for 1 per tie.

        Returns
        -------
        source, target, weight, tie_row : numpy.ndarray
            One entry per edge of the view.

        Examples
        --------
        >>> from ecosystem import datasets
        >>> s, t, w, row = datasets.example().edge_arrays("referral")
        >>> len(s) == len(t) == len(w) == len(row)
        True
        """
        spec = self.view_spec(tie_kinds, directed=directed, weight=weight)
        return self._edges(spec)

    def _edges(self, spec: ViewSpec) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        key = ("edges", spec)
        if key not in self._cache:
            kinds = self._ties["kind"]
            present = set(kinds.unique().tolist())
            if spec.kinds >= present:
                rows = np.arange(len(self._ties))
            else:
                rows = np.flatnonzero(kinds.isin(spec.kinds).to_numpy())
            src, tgt = self._src[rows], self._tgt[rows]
            if spec.directed:
                mutual = self._schema.mutual_tie_kinds & spec.kinds
                if mutual:
                    back = rows[kinds.iloc[rows].isin(mutual).to_numpy()]
                    rows = np.concatenate([rows, back])
                    src, tgt = (np.concatenate([src, self._tgt[back]]),
                                np.concatenate([tgt, self._src[back]]))
            if spec.weight is None:
                w = np.ones(len(rows))
            else:
                w = self._ties[spec.weight].to_numpy(dtype=np.float64)[rows]
            for a in (src, tgt, w, rows):
                a.flags.writeable = False
            self._cache[key] = (src, tgt, w, rows)
        return self._cache[key]

    @renamed("Ecosystem.graph", ties="tie_kinds")
    def graph(
        self,
        tie_kinds: TieSelection = None,
        *,
        directed: bool | None = None,
        weight: str | None = "weight",
        parallel: str = "keep",
    ) -> ig.Graph:
        """The igraph view: vertices are actor positions, edges as in :meth:`edge_arrays`.

        A deliberate view with positions: vertex ``i`` is the actor ``eco.index[i]`` (the
        vertices carry no names), so map igraph's per-vertex output back with :attr:`index`.

        Parameters
        ----------
        tie_kinds
            Tie kinds to include (ids or aliases); ``None`` for every kind present.
        directed
            ``None``: undirected when every selected kind is mutual, else directed (a mutual tie
            then gives one edge in each direction).
        weight
            Tie column stored as the edge attribute ``"weight"``; ``None`` for no attribute.
        parallel
            ``"keep"`` keeps parallel ties of different kinds as multi-edges; ``"sum"`` merges
            them into one edge whose weight is the sum (a simple graph).

        Returns
        -------
        igraph.Graph
            Cached and shared: treat it as read-only (copy it before changing it).

        Examples
        --------
        >>> from ecosystem import datasets
        >>> g = datasets.example().graph()
        >>> g.vcount(), g.is_directed()
        (40, True)
        """
        if parallel not in ("keep", "sum"):
            raise ConfigError(f"graph(): parallel='{parallel}' is not 'keep' or 'sum'")
        spec = self.view_spec(tie_kinds, directed=directed, weight=weight)
        key = ("igraph", spec, parallel)
        if key not in self._cache:
            if parallel == "keep":
                src, tgt, w, _ = self._edges(spec)
            else:
                coo = self._adjacency(spec, explicit_zeros=True).tocoo()
                keep = coo.row <= coo.col if not spec.directed else slice(None)
                src, tgt, w = coo.row[keep], coo.col[keep], coo.data[keep]
            g = ig.Graph(n=self.n_actors, edges=np.column_stack([src, tgt]),
                         directed=spec.directed)
            if spec.weight is not None:
                g.es["weight"] = w
            self._cache[key] = g
        return self._cache[key]

    @renamed("Ecosystem.adjacency", ties="tie_kinds")
    def adjacency(
        self,
        tie_kinds: TieSelection = None,
        *,
        directed: bool | None = None,
        weight: str | None = "weight",
    ) -> sp.csr_array:
        """The SciPy CSR adjacency view: ``A[i, j]`` is the summed weight of ties i -> j.

        A deliberate view with positions: row and column ``i`` are the actor ``eco.index[i]``.
        Parallel ties of different kinds are summed; with ``weight=None`` each tie counts 1. In
        an undirected view the matrix is symmetric and a self-loop's weight appears once on the
        diagonal (as networkx's ``to_scipy_sparse_array``). Zero-weight ties are not stored.
        Cached and read-only.

        Parameters
        ----------
        tie_kinds
            Tie kind(s) in the view; every kind present in the data when ``None``.
        directed
            ``None``: undirected when every selected tie kind is mutual, directed otherwise.
        weight
            Numeric tie column used as strength, or ``None`` for 1 per tie.

        Returns
        -------
        scipy.sparse.csr_array
            Square, actors x actors.

        Examples
        --------
        >>> from ecosystem import datasets
        >>> eco = datasets.example()
        >>> A = eco.adjacency()
        >>> A.shape == (eco.n_actors, eco.n_actors)
        True
        """
        spec = self.view_spec(tie_kinds, directed=directed, weight=weight)
        return self._adjacency(spec)

    def _adjacency(self, spec: ViewSpec, explicit_zeros: bool = False) -> sp.csr_array:
        key = ("csr", spec, explicit_zeros)
        if key not in self._cache:
            src, tgt, w, _ = self._edges(spec)
            if not spec.directed:
                off = src != tgt
                src, tgt, w = (np.concatenate([src, tgt[off]]), np.concatenate([tgt, src[off]]),
                               np.concatenate([w, w[off]]))
            n = self.n_actors
            a = sp.coo_array((w, (src, tgt)), shape=(n, n)).tocsr()
            a.sum_duplicates()
            if not explicit_zeros:
                a.eliminate_zeros()
            for arr in (a.data, a.indices, a.indptr):
                arr.flags.writeable = False
            self._cache[key] = a
        return self._cache[key]

    # ------------------------------------------------------------------ derivations
    @renamed("Ecosystem.subset", kinds="actor_kinds")
    def subset(
        self,
        *,
        neighbourhoods: str | Iterable[str] | None = None,
        domains: str | Iterable[str] | None = None,
        actor_kinds: str | Iterable[str] | None = None,
        ids: Iterable[str] | None = None,
        include_shared: bool = False,
    ) -> Ecosystem:
        """The sub-ecosystem of the selected actors and the ties among them.

        Criteria combine with "and". ``include_shared=True`` keeps actors without a
        neighbourhood (shared actors such as a regional hospital) when selecting neighbourhoods.
        Names may be aliases (``"huisarts"``); unknown kinds or domains raise UnknownKindError.

        Parameters
        ----------
        neighbourhoods
            Neighbourhood name(s) to keep.
        domains
            Domain(s) to keep (``"medical"``, ``"social"``, ``"informal"``).
        actor_kinds
            Actor kind(s) to keep; ids or aliases.
        ids
            Actor ids to keep.
        include_shared
            With ``neighbourhoods``: also keep actors without a neighbourhood.

        Returns
        -------
        Ecosystem

        Examples
        --------
        >>> from ecosystem import datasets
        >>> eco = datasets.example()
        >>> eco.subset(domains="informal").actors["domain"].unique().tolist()
        ['informal']
        """
        keep = np.ones(self.n_actors, dtype=bool)
        a = self._actors
        nbh = self._nbh
        if neighbourhoods is not None:
            nb = [neighbourhoods] if isinstance(neighbourhoods, str) else list(neighbourhoods)
            unknown = set(nb) - set(self._nbh.index)
            if unknown:
                raise ValidationError(
                    f"subset(): neighbourhood(s) {sorted(unknown)} not in this ecosystem; "
                    f"known: {self._nbh.index.tolist()}"
                )
            nbh = self._nbh[self._nbh.index.isin(nb)]
            m = a["neighbourhood"].isin(nb).to_numpy()
            if include_shared:
                m = m | a["neighbourhood"].isna().to_numpy()
            keep &= m
        if domains is not None:
            ds = [domains] if isinstance(domains, str) else list(domains)
            keep &= a["domain"].isin([self._schema.domain(d) for d in ds]).to_numpy()
        if actor_kinds is not None:
            ks = [actor_kinds] if isinstance(actor_kinds, str) else list(actor_kinds)
            keep &= a["kind"].isin([self._schema.actor_kind(k) for k in ks]).to_numpy()
        if ids is not None:
            sel = np.zeros(self.n_actors, dtype=bool)
            sel[self.positions(ids)] = True
            keep &= sel
        return self._keep_actors(keep, {"step": "subset", "neighbourhoods": neighbourhoods,
                                        "domains": domains, "actor_kinds": actor_kinds}, nbh)

    def _keep_actors(self, keep: np.ndarray, record: Mapping[str, Any],
                     nbh: pd.DataFrame | None = None) -> Ecosystem:
        new_pos = np.cumsum(keep) - 1
        tie_keep = keep[self._src] & keep[self._tgt]
        record = {k: (list(v) if isinstance(v, (set, tuple)) else v) for k, v in record.items()
                  if v is not None}
        return Ecosystem._trusted(
            self._actors[keep], self._ties[tie_keep], new_pos[self._src[tie_keep]].astype(
                self._src.dtype), new_pos[self._tgt[tie_keep]].astype(self._tgt.dtype),
            self._schema, self._name, (*self._provenance, record),
            self._nbh if nbh is None else nbh,
        )

    def without_actors(self, ids: Iterable[str]) -> Ecosystem:
        """Remove actors (and every tie they are part of). Unknown ids raise ValidationError.

        Parameters
        ----------
        ids
            Actor ids to remove.

        Returns
        -------
        Ecosystem

        Examples
        --------
        >>> from ecosystem import datasets
        >>> eco = datasets.example()
        >>> eco.without_actors(["gp_west"]).n_actors == eco.n_actors - 1
        True
        """
        ids = list(ids)
        keep = np.ones(self.n_actors, dtype=bool)
        keep[self.positions(ids)] = False
        return self._keep_actors(keep, {"step": "without_actors", "ids": ids})

    def with_actors(self, actors: pd.DataFrame) -> Ecosystem:
        """Add actors (validated as in the constructor; ids must not exist yet).

        Parameters
        ----------
        actors
            Rows of new actors, with the columns of :attr:`actors` (at least ``id`` and ``kind``).

        Returns
        -------
        Ecosystem

        Examples
        --------
        >>> import pandas as pd
        >>> from ecosystem import datasets
        >>> food_bank = pd.DataFrame({"id": ["food_bank"], "kind": ["welfare"]})
        >>> eco = datasets.example().with_actors(food_bank)
        >>> eco.actors.set_index("id").loc["food_bank", "domain"]
        'social'
        """
        notes = Collector()
        new = normalize_actors(actors, self._schema, Where("with_actors() table"), notes)
        both = pd.concat([self._actors, new], ignore_index=True)
        return Ecosystem(both, self._ties, neighbourhoods=self._table_or_none(),
                         schema=self._schema, name=self._name, provenance=self._provenance,
                         _step={"step": "with_actors", "n": len(new)}, _notes=notes)

    def _table_or_none(self) -> pd.DataFrame | None:
        """The neighbourhoods table when it has columns (names only are derived again)."""
        return self._nbh if len(self._nbh.columns) else None

    def with_ties(self, ties: pd.DataFrame) -> Ecosystem:
        """Add ties (validated as in the constructor; a tie that already exists is an error).

        Parameters
        ----------
        ties
            Rows of new ties, with ``source`` and ``target`` and optionally ``kind`` and ``weight``.

        Returns
        -------
        Ecosystem

        Examples
        --------
        >>> import pandas as pd
        >>> from ecosystem import datasets
        >>> eco = datasets.example()
        >>> more = eco.with_ties(pd.DataFrame({"source": ["gp_west"], "target": ["debt_help"]}))
        >>> more.n_ties - eco.n_ties
        1
        """
        notes = Collector()
        new = normalize_ties(ties, self._ids, self._schema, Where("with_ties() table"),
                             notes).ties
        both = pd.concat([self._ties, new], ignore_index=True)
        return Ecosystem(self._actors, both, neighbourhoods=self._table_or_none(),
                         schema=self._schema, name=self._name, provenance=self._provenance,
                         _step={"step": "with_ties", "n": len(new)}, _notes=notes)

    @renamed("Ecosystem.without_ties", kinds="tie_kinds")
    def without_ties(
        self, ties: pd.DataFrame | None = None, *, tie_kinds: str | Iterable[str] | None = None
    ) -> Ecosystem:
        """Remove ties: those listed in ``ties`` (``source``, ``target``, optional ``kind``;
        mutual ties match either way round), and/or every tie of the given ``tie_kinds``.

        A listed tie that does not exist raises ValidationError: nothing is ignored silently.

        Parameters
        ----------
        ties
            Ties to remove: ``source``, ``target`` and optionally ``kind``.
        tie_kinds
            Tie kind(s) whose every tie is removed.

        Returns
        -------
        Ecosystem

        Examples
        --------
        >>> from ecosystem import datasets
        >>> eco = datasets.example().without_ties(tie_kinds="funding")
        >>> "funding" in set(eco.ties["kind"])
        False
        """
        drop = np.zeros(self.n_ties, dtype=bool)
        if tie_kinds is not None:
            ks = [tie_kinds] if isinstance(tie_kinds, str) else list(tie_kinds)
            drop |= self._ties["kind"].isin([self._schema.tie_kind(k) for k in ks]).to_numpy()
        if ties is not None:
            where = Where("without_ties() table")
            given = normalize_ties(ties, self._ids, self._schema, where)
            mine = self._tie_keys(self._ties["kind"], self._src, self._tgt).reset_index(
                names="row")
            if "kind" in ties.columns:
                theirs = self._tie_keys(given.ties["kind"], given.source, given.target)
                hits = theirs.reset_index(names="given").merge(mine, on=["kind", "a", "b"],
                                                               how="left")
            else:  # any kind: directed kinds as given, mutual kinds either way round
                mutual = self._ties["kind"].isin(self._schema.mutual_tie_kinds).to_numpy()
                g = pd.DataFrame({"a": given.source, "b": given.target}).reset_index(
                    names="given")
                g_sorted = g.assign(a=np.minimum(g["a"], g["b"]), b=np.maximum(g["a"], g["b"]))
                hits = pd.concat([
                    g.merge(mine[~mutual], on=["a", "b"], how="left"),
                    g_sorted.merge(mine[mutual], on=["a", "b"], how="left"),
                ])
                found = hits.groupby("given")["row"].transform("count") > 0
                hits = hits[hits["row"].notna() | ~found]
            missing = hits["row"].isna().to_numpy()
            if missing.any():
                i = int(hits["given"].to_numpy()[np.flatnonzero(missing)[0]])
                raise ValidationError(
                    f"tie '{given.ties['source'].iloc[i]}' -> '{given.ties['target'].iloc[i]}'"
                    " is not in this ecosystem; nothing was removed", **where.at(i))
            drop[hits["row"].to_numpy(dtype=np.int64)] = True
        keep = ~drop
        return Ecosystem._trusted(self._actors, self._ties[keep], self._src[keep],
                                  self._tgt[keep], self._schema, self._name,
                                  (*self._provenance, {"step": "without_ties",
                                                       "n": int(drop.sum())}), self._nbh)

    def _tie_keys(self, kind: pd.Series, src: np.ndarray, tgt: np.ndarray) -> pd.DataFrame:
        """(kind, a, b) per tie, with a <= b for mutual kinds so either orientation matches."""
        mutual = kind.isin(self._schema.mutual_tie_kinds).to_numpy()
        return pd.DataFrame({"kind": kind.to_numpy(),
                             "a": np.where(mutual, np.minimum(src, tgt), src),
                             "b": np.where(mutual, np.maximum(src, tgt), tgt)})

    def relabel(self, mapping: Mapping[str, str] | Callable[[str], str]) -> Ecosystem:
        """Rename actors. ``mapping`` is a dict (ids not in it keep their name) or a function.

        The new ids must be unique non-empty strings; ties follow their actors.

        Parameters
        ----------
        mapping
            Old id -> new id, or a function of the old id.

        Returns
        -------
        Ecosystem

        Examples
        --------
        >>> from ecosystem import datasets
        >>> eco = datasets.example().relabel(str.upper)
        >>> "GP_WEST" in eco.index
        True
        """
        if callable(mapping) and not isinstance(mapping, Mapping):
            new_ids = pd.Series([mapping(i) for i in self._ids], dtype=object)
        else:
            new_ids = pd.Series([mapping.get(i, i) for i in self._ids], dtype=object)
        actors = self._actors.copy()
        actors["id"] = new_ids.to_numpy()
        actors = normalize_actors(actors, self._schema, Where("relabel() result"))
        ties = self._ties.copy()
        ids = actors["id"].to_numpy()
        ties["source"] = pd.Series(ids[self._src], dtype=STR)
        ties["target"] = pd.Series(ids[self._tgt], dtype=STR)
        return Ecosystem._trusted(actors, ties, self._src, self._tgt, self._schema, self._name,
                                  (*self._provenance, {"step": "relabel"}), self._nbh)

    # ------------------------------------------------------------------ figures
    def plot(self, **kwargs: Any) -> Any:
        """Draw the ecosystem map: :func:`ecosystem.plotting.plot_ecosystem` with ``self``.

        Parameters
        ----------
        **kwargs
            Options of :func:`~ecosystem.plotting.plot_ecosystem` (``size``, ``highlight``,
            ``neighbourhoods``, ``layout``, ``ax``, ...).

        Returns
        -------
        matplotlib.figure.Figure
            The figure drawn.

        Examples
        --------
        >>> from ecosystem import datasets
        >>> fig = datasets.example().plot(labels=0)
        >>> len(fig.axes)
        1
        """
        from ecosystem.plotting import plot_ecosystem  # imported when a figure is first drawn

        return plot_ecosystem(self, **kwargs)

    # ------------------------------------------------------------------ summaries
    def summary(self) -> EcosystemSummary:
        """Counts by kind, domain and neighbourhood, density and ties by domain pair.

        Density is the share of ordered pairs of distinct actors joined by at least one tie
        (of any kind; a mutual tie joins both orders): ``|{(i, j): i != j, tie i -> j}| /
        (n (n - 1))``, as networkx's ``density`` of the directed simple graph.

        Returns
        -------
        EcosystemSummary

        Examples
        --------
        >>> from ecosystem import datasets
        >>> s = datasets.example().summary()
        >>> s.actors_by_domain.to_dict()
        {'medical': 17, 'social': 10, 'informal': 13}
        """
        a = self._actors
        by_kind = a.groupby(["domain", "kind"], observed=True).size().rename("actors")
        by_domain = a["domain"].value_counts().reindex(
            [d for d in DOMAINS if d in set(a["domain"])]).rename("actors")
        by_domain.index.name = "domain"
        nb = a["neighbourhood"].fillna("(shared)")
        by_nb = pd.crosstab(nb, a["domain"]).reindex(columns=[d for d in DOMAINS
                                                              if d in set(a["domain"])])
        by_nb.index.name = "neighbourhood"
        ties_by_kind = self._ties["kind"].value_counts().rename("ties")
        ties_by_kind.index.name = "kind"
        dom = a["domain"].to_numpy()
        pair = pd.crosstab(
            pd.Series(dom[self._src], name="source domain"),
            pd.Series(dom[self._tgt], name="target domain"),
        )
        present = [d for d in DOMAINS if d in set(a["domain"])]
        pair = pair.reindex(index=present, columns=present, fill_value=0)
        n = self.n_actors
        adj = self._adjacency(ViewSpec(frozenset(self._ties["kind"].unique().tolist()), True,
                                       None))
        off_diag = adj.nnz - int(np.count_nonzero(adj.diagonal()))
        density = off_diag / (n * (n - 1)) if n > 1 else 0.0
        return EcosystemSummary(
            name=self._name, n_actors=n, n_ties=self.n_ties,
            n_neighbourhoods=len(self.neighbourhoods), density=float(density),
            actors_by_kind=by_kind, actors_by_domain=by_domain, actors_by_neighbourhood=by_nb,
            ties_by_kind=ties_by_kind, ties_by_domain_pair=pair,
        )

    def __repr__(self) -> str:
        counts = self._actors["domain"].value_counts()
        doms = ", ".join(f"{d} {counts[d]}" for d in DOMAINS if d in counts.index)
        name = f" '{clip(self._name)}'" if self._name else ""
        return (f"<Ecosystem{name}: {self.n_actors} actors ({doms}), {self.n_ties} ties, "
                f"{len(self.neighbourhoods)} neighbourhoods>")

    def _repr_html_(self) -> str:
        s = self.summary()
        return html_card(repr(self), [
            ("Actors by domain and kind", s.actors_by_kind),
            ("Actors by neighbourhood", s.actors_by_neighbourhood),
            ("Ties by kind", s.ties_by_kind),
            ("Ties by domain pair (rows: source, columns: target)", s.ties_by_domain_pair),
            ("First actors", self._actors.set_index("id")),
        ], notes=[f"density {s.density:.4f}"])

    # ------------------------------------------------------------------ protocol
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Ecosystem):
            return NotImplemented
        return self._schema == other._schema and self._nbh.index.equals(
            other._nbh.index) and all(
            _same_table(x, y) for x, y in ((self._actors, other._actors),
                                           (self._ties, other._ties),
                                           (self._nbh, other._nbh))
        )

    __hash__ = None  # type: ignore[assignment]

    def __len__(self) -> int:
        return self.n_actors

    def __getstate__(self) -> dict[str, Any]:
        return {"actors": self._actors, "ties": self._ties, "src": self._src, "tgt": self._tgt,
                "schema": self._schema.to_dict(), "name": self._name,
                "provenance": self._provenance, "neighbourhoods": self._nbh}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._init(state["actors"], state["ties"], state["src"], state["tgt"],
                   pd.Index(state["actors"]["id"], name="id"), Schema.from_dict(state["schema"]),
                   state["name"], state["provenance"],
                   state.get("neighbourhoods",
                             neighbourhood_names(state["actors"]["neighbourhood"])))


def _same_table(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    if set(a.columns) != set(b.columns) or len(a) != len(b):
        return False
    return a.reset_index(drop=True).equals(b[list(a.columns)].reset_index(drop=True))


@dataclass(frozen=True)
class EcosystemSummary:
    """What :meth:`Ecosystem.summary` returns: counts and density, as pandas objects.

    Attributes
    ----------
    name
        The ecosystem's name.
    n_actors, n_ties, n_neighbourhoods
        Counts (shared actors belong to no neighbourhood).
    density
        Share of ordered pairs of distinct actors joined by a tie (see
        :meth:`Ecosystem.summary`).
    actors_by_kind
        Actors per (domain, kind).
    actors_by_domain
        Actors per domain.
    actors_by_neighbourhood
        Actors per neighbourhood (rows) and domain (columns).
    ties_by_kind
        Ties per tie kind.
    ties_by_domain_pair
        Ties from each source domain (rows) to each target domain (columns).

    Examples
    --------
    >>> from ecosystem import datasets
    >>> s = datasets.example().summary()
    >>> s.n_actors, s.n_ties, s.n_neighbourhoods
    (40, 102, 2)
    """

    name: str | None
    n_actors: int
    n_ties: int
    n_neighbourhoods: int
    density: float
    actors_by_kind: pd.Series
    actors_by_domain: pd.Series
    actors_by_neighbourhood: pd.DataFrame
    ties_by_kind: pd.Series
    ties_by_domain_pair: pd.DataFrame

    def __str__(self) -> str:
        title = f"Ecosystem {self.name!r}" if self.name else "Ecosystem"
        return "\n\n".join([
            f"{title}: {self.n_actors} actors, {self.n_ties} ties, "
            f"{self.n_neighbourhoods} neighbourhoods, density {self.density:.4f}",
            "Actors by domain and kind\n" + self.actors_by_kind.to_string(),
            "Actors by neighbourhood\n" + self.actors_by_neighbourhood.to_string(),
            "Ties by kind\n" + self.ties_by_kind.to_string(),
            "Ties by domain pair (rows: source, columns: target)\n"
            + self.ties_by_domain_pair.to_string(),
        ])

    def __repr__(self) -> str:
        name = f" {clip(self.name)!r}" if self.name else ""
        return (f"EcosystemSummary({name.strip() + ': ' if name else ''}{self.n_actors} actors, "
                f"{self.n_ties} ties, {self.n_neighbourhoods} neighbourhoods, density "
                f"{self.density:.4f})")

    def _repr_html_(self) -> str:
        return html_card(repr(self), [
            ("Actors by domain and kind", self.actors_by_kind),
            ("Actors by neighbourhood", self.actors_by_neighbourhood),
            ("Ties by kind", self.ties_by_kind),
            ("Ties by domain pair (rows: source, columns: target)", self.ties_by_domain_pair),
        ])


def from_frames(
    actors: pd.DataFrame,
    ties: pd.DataFrame | None = None,
    *,
    neighbourhoods: pd.DataFrame | None = None,
    schema: Schema | None = None,
    name: str | None = None,
) -> Ecosystem:
    """Build a validated :class:`Ecosystem` from an actors and a ties DataFrame.

    The entry point every reader ends in; see :class:`Ecosystem` for the columns, defaults
    (``kind`` -> ``"referral"``, ``weight`` -> 1.0, ``domain`` from the kind) and errors.

    Parameters
    ----------
    actors
        One row per actor (see :class:`Ecosystem` for the columns).
    ties
        One row per tie; ``None`` gives an ecosystem without ties.
    neighbourhoods
        One row per neighbourhood (see :attr:`Ecosystem.neighbourhoods`); ``None`` derives
        the names from the actors.
    schema
        Vocabulary to validate against; :meth:`Schema.default` by default.
    name
        Name of the ecosystem.

    Returns
    -------
    Ecosystem

    Examples
    --------
    >>> import pandas as pd
    >>> from ecosystem import from_frames
    >>> eco = from_frames(pd.DataFrame({"id": ["a", "b"], "kind": ["gp", "welzijn"]}),
    ...                   pd.DataFrame({"source": ["a"], "target": ["b"]}))
    >>> eco.ties
      source target      kind  weight
    0      a      b  referral     1.0
    """
    return Ecosystem(actors, ties, neighbourhoods=neighbourhoods, schema=schema, name=name)
