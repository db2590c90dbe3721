"""Every renamed parameter still works for one release, with a FutureWarning naming the new one.

Each old name is called once here and gives the same result as the new name. A discovery test
walks the public API for renamed parameters, so a rename without a call here fails.
"""

from __future__ import annotations

import inspect
import warnings

import pandas as pd
import pytest

import ecosystem as es
from ecosystem import interventions, study
from ecosystem.core.errors import ConfigError


@pytest.fixture(scope="module")
def eco():
    return es.datasets.example()


def _tiny() -> es.Ecosystem:
    actors = pd.DataFrame({"id": ["gp", "poh", "team", "buurt"],
                           "kind": ["huisarts", "poh", "wijkteam", "zorgzame gemeenschap"]})
    ties = pd.DataFrame({"source": ["gp", "team"], "target": ["poh", "buurt"],
                         "kind": ["collaboration", "referral"]})
    return es.Ecosystem(actors, ties)


def _same(a, b) -> None:
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b)
    elif isinstance(a, es.Ecosystem):
        assert a == b
    elif isinstance(a, (es.Mixing, es.Silos)):
        for name in a.__dataclass_fields__:
            x, y = getattr(a, name), getattr(b, name)
            (pd.testing.assert_frame_equal if isinstance(x, pd.DataFrame)
             else pd.testing.assert_series_equal)(x, y)
    elif isinstance(a, es.ReferralModel):
        assert repr(a) == repr(b)
    elif isinstance(a, es.ViewSpec):
        assert a == b
    elif hasattr(a, "shape") and hasattr(a, "nnz"):  # sparse matrix
        assert (a != b).nnz == 0
    elif isinstance(a, tuple):
        for x, y in zip(a, b, strict=True):
            assert (x == y).all()
    else:
        assert a == b


# (owner, function name, old keyword, new keyword, call with the old name, call with the new)
CALLS = [
    ("centrality", "ties", "tie_kinds",
     lambda e: es.centrality(e, "degree", ties="referral"),
     lambda e: es.centrality(e, "degree", tie_kinds="referral")),
    ("centrality", "k", "n_sources",
     lambda e: es.centrality(e, "betweenness", k=5, seed=1),
     lambda e: es.centrality(e, "betweenness", n_sources=5, seed=1)),
    ("centrality", "by", "per",
     lambda e: es.centrality(e, "degree", by="neighbourhood"),
     lambda e: es.centrality(e, "degree", per="neighbourhood")),
    ("structural_holes", "ties", "tie_kinds",
     lambda e: es.structural_holes(e, ties="referral"),
     lambda e: es.structural_holes(e, tie_kinds="referral")),
    ("structural_holes", "by", "per",
     lambda e: es.structural_holes(e, by="neighbourhood"),
     lambda e: es.structural_holes(e, per="neighbourhood")),
    ("brokerage", "by", "groups",
     lambda e: es.brokerage(e, by="kind"), lambda e: es.brokerage(e, groups="kind")),
    ("brokerage", "ties", "tie_kinds",
     lambda e: es.brokerage(e, ties="referral"), lambda e: es.brokerage(e, tie_kinds="referral")),
    ("mixing", "by", "groups",
     lambda e: es.mixing(e, by="sector"), lambda e: es.mixing(e, groups="sector")),
    ("mixing", "ties", "tie_kinds",
     lambda e: es.mixing(e, ties="referral"), lambda e: es.mixing(e, tie_kinds="referral")),
    ("gaps", "by", "groups",
     lambda e: es.gaps(e, by="sector", separate=("formal", "informal")),
     lambda e: es.gaps(e, groups="sector", separate=("formal", "informal"))),
    ("gaps", "ties", "tie_kinds",
     lambda e: es.gaps(e, ties="referral"), lambda e: es.gaps(e, tie_kinds="referral")),
    ("silos", "by", "groups",
     lambda e: es.silos(e, by="sector", seed=1), lambda e: es.silos(e, groups="sector", seed=1)),
    ("silos", "ties", "tie_kinds",
     lambda e: es.silos(e, ties="referral", seed=1),
     lambda e: es.silos(e, tie_kinds="referral", seed=1)),
    ("suggest_bridges", "k", "n_ties",
     lambda e: es.suggest_bridges(_tiny(), k=1, seed=0),
     lambda e: es.suggest_bridges(_tiny(), n_ties=1, seed=0)),
    ("suggest_bridges", "by", "groups",
     lambda e: es.suggest_bridges(_tiny(), 1, by="sector", seed=0),
     lambda e: es.suggest_bridges(_tiny(), 1, groups="sector", seed=0)),
    ("suggest_bridges", "ties", "tie_kinds",
     lambda e: es.suggest_bridges(_tiny(), 1, ties="referral", seed=0),
     lambda e: es.suggest_bridges(_tiny(), 1, tie_kinds="referral", seed=0)),
    ("Ecosystem.view_spec", "ties", "tie_kinds",
     lambda e: e.view_spec(ties="referral"), lambda e: e.view_spec(tie_kinds="referral")),
    ("Ecosystem.edge_arrays", "ties", "tie_kinds",
     lambda e: e.edge_arrays(ties="referral"), lambda e: e.edge_arrays(tie_kinds="referral")),
    ("Ecosystem.graph", "ties", "tie_kinds",
     lambda e: e.graph(ties="referral").ecount(),
     lambda e: e.graph(tie_kinds="referral").ecount()),
    ("Ecosystem.adjacency", "ties", "tie_kinds",
     lambda e: e.adjacency(ties="referral"), lambda e: e.adjacency(tie_kinds="referral")),
    ("Ecosystem.subset", "kinds", "actor_kinds",
     lambda e: e.subset(kinds="huisarts"), lambda e: e.subset(actor_kinds="huisarts")),
    ("Ecosystem.without_ties", "kinds", "tie_kinds",
     lambda e: e.without_ties(kinds="funding"), lambda e: e.without_ties(tie_kinds="funding")),
    ("ReferralModel", "ties", "tie_kinds",
     lambda e: es.ReferralModel(e, ties=["referral"]),
     lambda e: es.ReferralModel(e, tie_kinds=["referral"])),
    ("flow_metric", "residents", "n_residents",
     lambda e: study.flow_metric("lost", residents=50)(e, seed=1),
     lambda e: study.flow_metric("lost", n_residents=50)(e, seed=1)),
    ("integrate_primary_care", "kinds", "actor_kinds",
     lambda e: interventions.integrate_primary_care(kinds=("gp", "district_nursing"))(e),
     lambda e: interventions.integrate_primary_care(actor_kinds=("gp", "district_nursing"))(e)),
]


@pytest.mark.parametrize(("func", "old", "new", "call_old", "call_new"), CALLS,
                         ids=[f"{c[0]}-{c[1]}" for c in CALLS])
def test_old_name_warns_and_still_works(eco, func, old, new, call_old, call_new):
    with pytest.warns(FutureWarning) as caught:
        got = call_old(eco)
    messages = [str(w.message) for w in caught if w.category is FutureWarning]
    assert messages == [f"{func}(): {old}= is deprecated and will be removed in ecosystem 1.1; "
                        f"use {new}= instead"]
    assert caught[0].filename == __file__  # the warning points at the caller's line
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        expected = call_new(eco)
    _same(got, expected)


def test_old_and_new_name_together_is_an_error(eco):
    with pytest.raises(ConfigError, match=r"centrality\(\): got both k= .* and n_sources="):
        es.centrality(eco, "betweenness", k=3, n_sources=3)


def test_flow_metric_attribute_renamed():
    metric = study.flow_metric("lost", n_residents=10)
    with pytest.warns(FutureWarning, match="use n_residents instead"):
        assert metric.residents == 10


def _renamed_callables():
    """Every public callable (functions, methods, constructors) with renamed parameters."""
    seen = {}
    modules = [es, interventions, study, es.generate, es.flows, es.datasets]
    for mod in modules:
        for name in getattr(mod, "__all__", dir(mod)):
            obj = getattr(mod, name, None)
            targets = [obj]
            if inspect.isclass(obj):
                targets = [getattr(obj, a, None) for a in vars(obj)]
            for t in targets:
                renames = getattr(t, "__renamed_parameters__", None)
                if renames:
                    seen[id(t)] = renames
    return seen


def test_every_renamed_parameter_is_called_here():
    declared = sum(len(r) for r in _renamed_callables().values())
    assert declared == len(CALLS)
    names = {(f, o) for f, o, *_ in CALLS}
    assert len(names) == len(CALLS)


def test_conventions_page_lists_every_rename():
    from pathlib import Path

    page = (Path(__file__).parents[1] / "docs" / "api-conventions.md").read_text()
    table = page[page.index("## Renamed in 1.0"):]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    for func, old, new, *_ in CALLS:
        short = func.split(".")[-1]
        assert any(short in r and f"`{old}=`" in r and f"`{new}=`" in r for r in rows), func
