"""The Ecosystem: validation, views against the ties table and networkx, derivations."""

from __future__ import annotations

import pickle

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecosystem import (
    ConfigError,
    DanglingTieError,
    DuplicateIdError,
    DuplicateTieError,
    Ecosystem,
    EcosystemError,
    InvalidWeightError,
    MissingColumnError,
    MissingIdError,
    Schema,
    SelfLoopError,
    TieKind,
    UnknownKindError,
    ValidationError,
    WrongTypeError,
    from_frames,
)
from tests.strategies import ecosystems, permuted, raw_frames


def frames():
    actors = pd.DataFrame({"id": ["gp", "team", "net", "carer"],
                           "kind": ["huisarts", "Wijkteam", "zorgzame gemeenschap", "mantelzorger"],
                           "neighbourhood": ["A", "A", "B", None]})
    ties = pd.DataFrame({"source": ["gp", "team", "net", "gp"],
                         "target": ["team", "net", "carer", "team"],
                         "kind": ["referral", "collaboration", "membership", "information"],
                         "weight": [2.0, 1.5, 1.0, 0.5]})
    return actors, ties


# ---------------------------------------------------------------------- construction
def test_canonical_tables():
    eco = from_frames(*frames())
    a = eco.actors
    assert list(a.columns[:6]) == ["id", "kind", "domain", "sector", "neighbourhood", "capacity"]
    assert a["kind"].tolist() == ["gp", "social_team", "community_network", "informal_carer"]
    assert a["domain"].tolist() == ["medical", "social", "informal", "informal"]
    assert a["sector"].tolist() == ["formal", "formal", "informal", "informal"]
    assert a["capacity"].isna().all()
    assert eco.index.tolist() == ["gp", "team", "net", "carer"]
    assert eco.neighbourhoods.index.tolist() == ["A", "B"]
    assert eco.n_ties == 4


def test_defaults_for_tie_kind_and_weight():
    actors, _ = frames()
    eco = from_frames(actors, pd.DataFrame({"source": ["gp"], "target": ["net"]}))
    assert eco.ties.loc[0, "kind"] == "referral"
    assert eco.ties.loc[0, "weight"] == 1.0
    blank = pd.DataFrame({"source": ["gp", "team"], "target": ["net", "net"],
                          "kind": [None, "samenwerking"]})
    assert from_frames(actors, blank).ties["kind"].tolist() == ["referral", "collaboration"]


def test_given_domain_is_kept_and_validated():
    actors = pd.DataFrame({"id": ["a", "b"], "kind": ["ggz", "ggz"],
                           "domain": ["Social", None]})
    eco = from_frames(actors)
    assert eco.actors["domain"].tolist() == ["social", "medical"]
    with pytest.raises(UnknownKindError, match="row 0.*'spiritual' is not a known domain"):
        from_frames(actors.assign(domain=["spiritual", None]))


def test_extra_attributes_kept():
    actors, ties = frames()
    actors["budget"] = [1, 2, 3, 4]
    ties["note"] = ["a", "b", None, "d"]
    eco = from_frames(actors, ties)
    assert eco.actors["budget"].tolist() == [1, 2, 3, 4]
    assert eco.ties["note"].iloc[2] is None or pd.isna(eco.ties["note"].iloc[2])


# ---------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("change", "error", "fragment"),
    [
        (lambda a, t: (a.drop(columns="kind"), t), MissingColumnError, "'kind'"),
        (lambda a, t: (a, t.drop(columns="target")), MissingColumnError, "'target'"),
        (lambda a, t: (a.assign(id=["gp", "gp", "x", "y"]), t), DuplicateIdError, "row 1"),
        (lambda a, t: (a.assign(id=["gp", "", "x", "y"]), t), MissingIdError, "row 1"),
        (lambda a, t: (a.assign(id=["gp", None, "x", "y"]), t), MissingIdError, "row 1"),
        (lambda a, t: (a.assign(id=[1, 2, 3, 4]), t), WrongTypeError, "astype(str)"),
        (lambda a, t: (a.assign(kind=["huisart", "gp", "gp", "gp"]), t), UnknownKindError,
         "did you mean 'huisarts'"),
        (lambda a, t: (a, t.assign(target=["team", "net", "nobody", "team"])), DanglingTieError,
         "row 2"),
        (lambda a, t: (a, t.assign(kind=["referral", "friendship", "membership",
                                         "information"])), UnknownKindError, "friendship"),
        (lambda a, t: (a, t.assign(weight=[1.0, np.nan, 1.0, 1.0])), InvalidWeightError,
         "row 1"),
        (lambda a, t: (a, t.assign(weight=[1.0, 1.0, -2.0, 1.0])), InvalidWeightError, "-2.0"),
        (lambda a, t: (a, t.assign(weight=[1.0, 1.0, 1.0, np.inf])), InvalidWeightError,
         "row 3"),
        (lambda a, t: (a, t.assign(weight=["1", "x", "1", "1"])), WrongTypeError, "'x'"),
        (lambda a, t: (a, t.assign(target=["gp", "net", "carer", "team"])), SelfLoopError,
         "to itself"),
        (lambda a, t: (a, t.assign(kind=["information"] * 4)), DuplicateTieError,
         "appears more than once"),
        (lambda a, t: (a, pd.concat([t, pd.DataFrame({"source": ["net"], "target": ["team"],
                                                      "kind": ["collaboration"],
                                                      "weight": [1.0]})])),
         DuplicateTieError, "collaboration tie"),
        (lambda a, t: (a.assign(capacity=[1, -1, 1, 1]), t), ValidationError, "capacity"),
        (lambda a, t: (a.assign(sector=["formal", "private", None, None]), t), UnknownKindError,
         "'private' is not a sector"),
        (lambda a, t: ([1, 2], t), WrongTypeError, "DataFrame"),
    ],
)
def test_bad_input_names_row_and_field(change, error, fragment):
    actors, ties = change(*frames())
    with pytest.raises(error) as info:
        from_frames(actors, ties)
    assert isinstance(info.value, EcosystemError)
    assert fragment in str(info.value)


def test_self_loops_allowed_when_schema_says_so():
    schema = Schema.default().extend(tie_kinds=[TieKind("referral", self_loops=True)],
                                     replace=True)
    actors, _ = frames()
    eco = from_frames(actors, pd.DataFrame({"source": ["gp"], "target": ["gp"]}), schema=schema)
    assert eco.adjacency().toarray()[0, 0] == 1.0


# ---------------------------------------------------------------------- views
def _edge_multiset(src, tgt, w, directed):
    pairs = zip(src.tolist(), tgt.tolist(), np.round(w, 12).tolist(), strict=True)
    if not directed:
        pairs = ((min(a, b), max(a, b), x) for a, b, x in pairs)
    return sorted(pairs)


@given(ecosystems(max_actors=10), st.sampled_from([None, True, False]),
       st.sampled_from([None, ["collaboration"], ["referral", "membership"]]))
def test_igraph_csr_and_ties_table_agree(eco, directed, ties):
    spec = eco.view_spec(ties, directed=directed)
    g = eco.graph(ties, directed=directed)
    a = eco.adjacency(ties, directed=directed)
    assert g.vcount() == eco.n_actors and a.shape == (eco.n_actors, eco.n_actors)
    assert g.is_directed() == spec.directed
    # Expected edges straight from the ties table.
    t = eco.ties[eco.ties["kind"].isin(spec.kinds)]
    pos = {i: p for p, i in enumerate(eco.index)}
    exp = []
    for s, tg, k, w in zip(t["source"], t["target"], t["kind"], t["weight"], strict=True):
        exp.append((pos[s], pos[tg], w))
        if spec.directed and not eco.schema.tie_kinds[k].directed:
            exp.append((pos[tg], pos[s], w))
    got = [(e.source, e.target, e["weight"]) for e in g.es]
    assert len(got) == len(exp)
    if exp:
        assert _edge_multiset(*map(np.array, zip(*got, strict=True)), spec.directed) == \
            _edge_multiset(*map(np.array, zip(*exp, strict=True)), spec.directed)
    dense = np.zeros((eco.n_actors, eco.n_actors))
    for s, tg, w in exp:
        dense[s, tg] += w
        if not spec.directed and s != tg:
            dense[tg, s] += w
    np.testing.assert_allclose(a.toarray(), dense)
    # networkx's adjacency of the same graph as an independent reference.
    G = (nx.MultiDiGraph if spec.directed else nx.MultiGraph)()
    G.add_nodes_from(range(eco.n_actors))
    G.add_weighted_edges_from(exp)
    if eco.n_actors:
        ref = nx.to_scipy_sparse_array(G, nodelist=range(eco.n_actors), weight="weight")
        np.testing.assert_allclose(a.toarray(), ref.toarray())
    # The summed igraph view equals the CSR view.
    gs = eco.graph(ties, directed=directed, parallel="sum")
    summed = np.zeros_like(dense)
    for e in gs.es:
        summed[e.source, e.target] += e["weight"]
        if not spec.directed and e.source != e.target:
            summed[e.target, e.source] += e["weight"]
    np.testing.assert_allclose(summed, dense)
    assert not gs.has_multiple()


def test_views_are_cached_and_read_only(example):
    assert example.graph() is example.graph()
    a = example.adjacency(["referral"])
    assert a is example.adjacency("verwijzing")
    with pytest.raises(ValueError, match="read-only"):
        a.data[0] = 5.0
    s, _ = example.tie_positions()
    with pytest.raises(ValueError, match="read-only"):
        s[0] = 1


def test_direction_follows_tie_kinds(example):
    assert not example.graph("collaboration").is_directed()
    assert example.graph(["collaboration", "referral"]).is_directed()
    assert example.graph("collaboration", directed=True).is_directed()
    n_collab = int((example.ties["kind"] == "collaboration").sum())
    assert example.graph("collaboration", directed=True).ecount() == 2 * n_collab
    assert example.graph(weight=None).es.attributes() == []


def test_view_parameter_errors(example):
    with pytest.raises(UnknownKindError, match="tie_kinds=.*friendship"):
        example.graph("friendship")
    with pytest.raises(ConfigError, match="weight='strength' is not a tie column"):
        example.adjacency(weight="strength")
    with pytest.raises(ConfigError, match="not a numeric tie column"):
        example.adjacency(weight="note")
    with pytest.raises(ConfigError, match="parallel="):
        example.graph(parallel="merge")


# ---------------------------------------------------------------------- derivations
def test_subset(example):
    oost = example.subset(neighbourhoods="Oosterwijk")
    assert set(oost.actors["neighbourhood"]) == {"Oosterwijk"}
    with_shared = example.subset(neighbourhoods="Oosterwijk", include_shared=True)
    assert "hospital" in with_shared.index and "hospital" not in oost.index
    ids = set(with_shared.index)
    t = example.ties
    inside = t[t["source"].isin(ids) & t["target"].isin(ids)]
    pd.testing.assert_frame_equal(with_shared.ties, inside.reset_index(drop=True))
    gps = example.subset(actor_kinds="huisarts")
    assert gps.actors["kind"].unique().tolist() == ["gp"]
    with pytest.raises(ValidationError, match="neighbourhood"):
        example.subset(neighbourhoods="Atlantis")
    assert example.subset(ids=[]).n_actors == 0
    # The views of a subset use the subset's own positions.
    a = with_shared.adjacency(weight=None)
    assert a.shape == (with_shared.n_actors,) * 2
    assert a.sum() == pytest.approx(
        with_shared.n_ties + (with_shared.ties["kind"] == "collaboration").sum())


def test_with_and_without(example):
    more = example.with_ties(pd.DataFrame({"source": ["gp_oost_1"], "target": ["welfare_oost"],
                                           "kind": ["referral"], "weight": [3.0]}))
    assert more.n_ties == example.n_ties + 1
    assert example.n_ties == 102  # unchanged: immutable
    with pytest.raises(DuplicateTieError):
        more.with_ties(pd.DataFrame({"source": ["gp_oost_1"], "target": ["welfare_oost"]}))
    back = more.without_ties(pd.DataFrame({"source": ["gp_oost_1"],
                                           "target": ["welfare_oost"]}))
    assert back == example
    # Mutual ties match either way round; a missing tie is an error, not ignored.
    fewer = example.without_ties(pd.DataFrame({"source": ["nursing_west"], "target": ["gp_west"],
                                               "kind": ["collaboration"]}))
    assert fewer.n_ties == example.n_ties - 1
    with pytest.raises(ValidationError, match="not in this ecosystem"):
        example.without_ties(pd.DataFrame({"source": ["gp_west"], "target": ["hospice"]}))
    assert example.without_ties(tie_kinds="funding").n_ties == 102 - 15
    new = example.with_actors(pd.DataFrame({"id": ["foodbank"], "kind": ["welzijn"]}))
    assert new.n_actors == 41 and new.actors["domain"].iloc[-1] == "social"
    with pytest.raises(DuplicateIdError):
        example.with_actors(pd.DataFrame({"id": ["gp_west"], "kind": ["gp"]}))
    closed = example.without_actors(["gp_oost_1"])
    assert "gp_oost_1" not in closed.index
    assert not closed.ties[["source", "target"]].isin(["gp_oost_1"]).any().any()
    assert closed.n_ties == example.n_ties - int(
        example.ties[["source", "target"]].isin(["gp_oost_1"]).any(axis=1).sum())
    assert [p["step"] for p in closed.provenance][-1] == "without_actors"


@given(ecosystems(max_actors=8), st.integers(0, 2**16))
def test_relabel_and_permutation_keep_the_graph(eco, seed):
    renamed = eco.relabel(lambda i: f"p_{i}")
    assert renamed.index.tolist() == [f"p_{i}" for i in eco.index]
    np.testing.assert_array_equal(renamed.adjacency().toarray(), eco.adjacency().toarray())
    other = permuted(eco, seed)
    order = other.positions([f"p_{i}" for i in eco.index])
    np.testing.assert_allclose(other.adjacency().toarray()[np.ix_(order, order)],
                               eco.adjacency().toarray())
    assert eco.relabel({}) == eco


def test_relabel_must_stay_unique(example):
    with pytest.raises(DuplicateIdError):
        example.relabel({"gp_west": "gp_oost_1"})


@given(raw_frames(max_actors=8))
def test_pickle_round_trip(frames_):
    eco = Ecosystem(*frames_)
    again = pickle.loads(pickle.dumps(eco))
    assert again == eco
    np.testing.assert_array_equal(again.adjacency().toarray(), eco.adjacency().toarray())


def test_summary_counts(example):
    s = example.summary()
    assert s.n_actors == 40 and s.n_ties == 102
    assert s.actors_by_domain.sum() == 40
    assert s.ties_by_kind.to_dict() == example.ties["kind"].value_counts().to_dict()
    assert int(s.ties_by_domain_pair.to_numpy().sum()) == 102
    # Density against networkx on the collapsed directed graph.
    G = nx.DiGraph()
    G.add_nodes_from(example.index)
    for src, tgt, k in example.ties[["source", "target", "kind"]].itertuples(index=False):
        G.add_edge(src, tgt)
        if k == "collaboration":
            G.add_edge(tgt, src)
    assert s.density == pytest.approx(nx.density(G))
    assert "Ties by domain pair" in str(s)
    html = example._repr_html_()
    assert "<table" in html and "Oosterwijk" in html


def test_empty_tables_of_any_dtype_are_accepted():
    empty = pd.Series([], dtype=float)
    eco = from_frames(pd.DataFrame({"id": empty, "kind": empty}),
                      pd.DataFrame({"source": empty, "target": empty}))
    assert eco.n_actors == 0 and eco.n_ties == 0
    with pytest.raises(MissingIdError, match="row 0"):
        from_frames(pd.DataFrame({"id": [np.nan], "kind": ["gp"]}))


def test_empty_ecosystem():
    eco = from_frames(pd.DataFrame({"id": pd.Series([], dtype="str"),
                                    "kind": pd.Series([], dtype="str")}))
    assert eco.n_actors == 0 and eco.n_ties == 0
    assert eco.graph().vcount() == 0
    assert eco.summary().density == 0.0
    assert "0 actors" in repr(eco)


# Public Ecosystem members that expose integer positions on purpose (the fast views).
POSITION_VIEWS = {"actors", "adjacency", "edge_arrays", "graph", "positions", "tie_positions"}


def test_positions_leak_only_from_views_that_say_so(example):
    import inspect

    eco = example.relabel(lambda i: f"x_{i}")  # ids unlike positions
    for name, member in inspect.getmembers(Ecosystem):
        if name.startswith("_"):
            continue
        doc = " ".join((inspect.getdoc(member) or "").split())
        assert ("deliberate view with positions" in doc) == (name in POSITION_VIEWS), name
        if name in POSITION_VIEWS or name in ("ties", "plot"):
            continue
        value = getattr(eco, name)
        if callable(value):
            try:
                value = value()
            except TypeError:  # needs arguments: the ones that take ids are tested below
                continue
        tables = ([value] if isinstance(value, (pd.DataFrame, pd.Series)) else
                  [v for v in vars(value).values() if isinstance(v, (pd.DataFrame, pd.Series))]
                  if hasattr(value, "__dataclass_fields__") else [])
        for t in tables:
            assert not isinstance(t.index, pd.RangeIndex) or len(t) == 0, name
            assert not pd.api.types.is_integer_dtype(t.index.dtype), name
    # Members that take actor ids take ids, and the per-actor results are indexed by them.
    some = list(eco.index[:3])
    assert list(eco.subset(ids=some).index) == some
    assert some[0] not in eco.without_actors(some[:1]).index
    assert eco.index[eco.positions(some)].tolist() == some
    s, t = eco.tie_positions()
    assert (eco.index[s] == eco.ties["source"].to_numpy()).all()
    assert (eco.index[t] == eco.ties["target"].to_numpy()).all()
    assert list(eco.index[:2]) == ["x_" + i for i in example.index[:2]]
