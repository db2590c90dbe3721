"""Contract test: every analysis function accepts every valid Ecosystem of a zoo of small edge
cases and returns the documented type, index and columns, with NaN only where documented."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ecosystem import Ecosystem, Schema
from ecosystem.algorithms.bridges import COLUMNS as BRIDGE_COLUMNS
from ecosystem.algorithms.bridges import suggest_bridges
from ecosystem.algorithms.brokerage import ROLES, brokerage
from ecosystem.algorithms.centrality import MEASURES, centrality
from ecosystem.algorithms.gaps import COLUMNS as GAP_COLUMNS
from ecosystem.algorithms.gaps import gaps
from ecosystem.algorithms.mixing import Mixing, mixing
from ecosystem.algorithms.silos import Silos, silos
from ecosystem.algorithms.structural_holes import COLUMNS as HOLE_COLUMNS
from ecosystem.algorithms.structural_holes import structural_holes
from ecosystem.core.schema import TieKind

LOOPS = Schema.default().extend(tie_kinds=[TieKind("referral", True, True)], replace=True)


def _eco(actors, ties=None, schema=None, neighbourhoods=None) -> Ecosystem:
    a = pd.DataFrame({"id": pd.Series([i for i, _ in actors], dtype="str"),
                      "kind": pd.Series([k for _, k in actors], dtype="str")})
    if neighbourhoods is not None:
        a["neighbourhood"] = pd.Series(neighbourhoods, dtype="str")
    t = None
    if ties:
        t = pd.DataFrame(ties, columns=["source", "target", "kind"])
    return Ecosystem(a, t, schema=schema)


ZOO = {
    "empty": lambda: _eco([]),
    "one actor": lambda: _eco([("gp", "gp")]),
    "only isolates": lambda: _eco([("gp", "gp"), ("team", "wijkteam"), ("c", "mantelzorger")]),
    "one domain only": lambda: _eco(
        [("a", "gp"), ("b", "hospital"), ("c", "pharmacy"), ("d", "gp")],
        [("a", "b", "referral"), ("b", "c", "referral"), ("c", "a", "collaboration")]),
    "self-loops": lambda: _eco(
        [("a", "gp"), ("b", "welzijn"), ("c", "bewoner")],
        [("a", "a", "referral"), ("a", "b", "referral"), ("b", "b", "referral"),
         ("b", "c", "collaboration")], schema=LOOPS),
    "parallel ties of different kinds": lambda: _eco(
        [("a", "gp"), ("b", "wijkteam"), ("c", "bewoner"), ("d", "gemeente")],
        [("a", "b", "referral"), ("a", "b", "collaboration"), ("b", "a", "funding"),
         ("d", "b", "funding"), ("d", "b", "information"), ("b", "c", "referral")]),
    "unicode ids": lambda: _eco(
        [("huisarts-Ω", "huisarts"), ("wijkteam-中文", "wijkteam"), ("bewoner-é ü", "bewoner"),
         ("Жанна", "mantelzorger")],
        [("huisarts-Ω", "wijkteam-中文", "referral"), ("wijkteam-中文", "bewoner-é ü",
                                                       "collaboration"),
         ("Жанна", "bewoner-é ü", "membership")],
        neighbourhoods=["Noord", "Noord", None, "Zuid"]),
    "only mutual ties with a sink": lambda: _eco(
        [("a", "gp"), ("b", "welzijn"), ("c", "bewoner"), ("d", "gp")],
        [("a", "b", "collaboration"), ("b", "c", "collaboration"), ("c", "d", "referral")]),
}


def _per_actor(frame: pd.DataFrame, eco: Ecosystem, columns) -> None:
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == list(columns)
    assert frame.index.name == "id"
    assert frame.index.equals(eco.index)


def check_centrality(eco):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # igraph's notes on disconnected graphs
        c = centrality(eco)
    _per_actor(c, eco, MEASURES)
    assert not c.isna().any().any()


def check_structural_holes(eco):
    for weight in ("weight", None):
        s = structural_holes(eco, weight=weight)
        _per_actor(s, eco, HOLE_COLUMNS)
        assert not s.isna().any().any()


def check_brokerage(eco):
    for by in ("domain", "kind", "neighbourhood"):
        b = brokerage(eco, groups=by)
        _per_actor(b, eco, ROLES)
        assert (b.dtypes == np.int64).all()
        z = brokerage(eco, groups=by, standardize=True)
        _per_actor(z, eco, ROLES)
        assert np.isfinite(z.to_numpy()).all()


def check_mixing(eco):
    m = mixing(eco, weight="weight", n_permutations=20, seed=0)
    assert isinstance(m, Mixing)
    _per_actor(m.actors, eco, ["group", "internal", "external", "ei"])
    assert m.counts.shape == m.weights.shape == (len(m.groups), len(m.groups))
    assert list(m.groups.columns) == ["size", "internal", "external", "ei", "expected_ei",
                                      "rescaled_ei"]
    # NaN exactly where documented: no ties (0/0), fewer than two actors, no permutations.
    no_ties = (m.actors["internal"] + m.actors["external"]) == 0
    assert (m.actors["ei"].isna() == no_ties).all()
    assert not m.actors.drop(columns="ei").isna().any().any()
    g_none = (m.groups["internal"] + m.groups["external"]) == 0
    assert (m.groups["ei"].isna() == g_none).all()
    total = m.groups["internal"].sum() + m.groups["external"].sum()
    assert np.isnan(m.overall["ei"]) == (total == 0)
    assert np.isnan(m.overall["expected_ei"]) == (eco.n_actors < 2)
    assert np.isnan(m.overall["p_value"]) == (total == 0)


def check_gaps(eco):
    for per in ("neighbourhood", None):
        g = gaps(eco, per=per)
        assert isinstance(g, pd.DataFrame)
        assert list(g.columns) == GAP_COLUMNS
        assert isinstance(g.index, pd.RangeIndex)
        assert not g.drop(columns="neighbourhood").isna().any().any()
        assert ((g["severity"] >= 0) & (g["severity"] <= 1)).all()


def check_silos(eco):
    for method in ("leiden", "louvain"):
        s = silos(eco, method=method, seed=0)
        assert isinstance(s, Silos)
        _per_actor(s.membership, eco, ["community", "domain"])
        assert list(s.scores.index) == ["nmi", "ari", "modularity", "n_communities"]
        assert s.scores.isna().any() == (eco.n_actors == 0)


def check_suggest_bridges(eco):
    for objective in ("constraint", "reachability"):
        out = suggest_bridges(eco, n_ties=2, objective=objective, seed=0)
        assert isinstance(out, pd.DataFrame)
        assert list(out.columns) == BRIDGE_COLUMNS
        assert not out.isna().any().any()
        assert set(out["source"]) | set(out["target"]) <= set(eco.index)


FUNCTIONS = {f.__name__.removeprefix("check_"): f for f in (
    check_centrality, check_structural_holes, check_brokerage, check_mixing, check_gaps,
    check_silos, check_suggest_bridges)}


@pytest.mark.parametrize("case", list(ZOO))
@pytest.mark.parametrize("function", list(FUNCTIONS))
def test_contract(function, case):
    FUNCTIONS[function](ZOO[case]())
