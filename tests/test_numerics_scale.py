"""Numerics that stay right whatever the magnitude of the weights.

Scale-invariant measures (eigenvector, PageRank, hubs, authorities, betweenness, clustering,
Burt's measures) must not change when every weight is multiplied by the same constant;
closeness and harmonic centrality scale with it (lengths are inverse strengths); strengths
scale exactly. Each scaled result is compared with the unscaled one (relative 1e-9) and the
unscaled one with networkx on the same graph, so the invariance is not a property of a wrong
answer. Weights outside the documented range give a ConfigError, never a crash (tie weights of
1e155 used to abort the interpreter inside LAPACK).
"""

from __future__ import annotations

import subprocess
import sys
import warnings

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecosystem import Ecosystem
from ecosystem.algorithms._common import WEIGHT_RANGE
from ecosystem.algorithms.centrality import MEASURES, centrality
from ecosystem.algorithms.structural_holes import structural_holes
from ecosystem.core.errors import ConfigError
from tests.strategies import ecosystems

SCALES = [1e-200, 1e9, 1e200]
INVARIANT = [m for m in MEASURES if m not in ("closeness", "harmonic")
             and "strength" not in m]


def _eco(seed: int, n: int = 40, m: int = 120, scale: float = 1.0,
         kinds=("referral", "collaboration")) -> Ecosystem:
    """A random connected ecosystem whose weights have two decimals (ties in path lengths
    happen, which is where tolerances matter)."""
    rng = np.random.default_rng(seed)
    ids = [f"a{i}" for i in range(n)]
    kind = rng.choice(["gp", "social_team", "community_network"], n)
    pairs = {(i, (i + 1) % n, kinds[0]) for i in range(n)}
    while len(pairs) < m:
        a, b = rng.integers(0, n, 2)
        k = kinds[rng.integers(len(kinds))]
        if a != b and (b, a, k) not in pairs:
            pairs.add((int(a), int(b), k))
    rows = sorted(pairs)
    weights = rng.uniform(0.5, 5, len(rows)).round(2)
    ties = pd.DataFrame({"source": [ids[a] for a, _, _ in rows],
                         "target": [ids[b] for _, b, _ in rows],
                         "kind": [k for _, _, k in rows], "weight": weights})
    base = Ecosystem(pd.DataFrame({"id": ids, "kind": kind}), ties)
    return _scaled(base, scale)


def _scaled(eco: Ecosystem, scale: float) -> Ecosystem:
    ties = eco.ties.assign(weight=eco.ties["weight"] * scale)
    return Ecosystem(eco.actors, ties, schema=eco.schema)


def _close(got, want, what):
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=0, err_msg=what)


@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("seed, kinds", [(0, ("referral", "collaboration")),
                                         (1, ("collaboration",))])
def test_centrality_is_invariant_to_weight_scale(seed, kinds, scale):
    base = _eco(seed, kinds=kinds)
    ref = centrality(base, weight="weight")
    got = centrality(_scaled(base, scale), weight="weight")
    for m in INVARIANT:
        _close(got[m], ref[m], m)
    for m in ("closeness", "harmonic"):  # lengths are 1 / strength: these scale with it
        _close(got[m], ref[m] * scale, m)
    for m in ("in_strength", "out_strength", "strength"):
        _close(got[m], ref[m] * scale, m)


def test_unscaled_reference_matches_networkx():
    """The invariant answer is the right one: networkx on the same (summed, simple) graph."""
    eco = _eco(0, kinds=("collaboration",))
    got = centrality(eco, ["betweenness", "eigenvector", "pagerank", "closeness"],
                     weight="weight")
    g = nx.Graph()
    for row in eco.ties.itertuples():
        g.add_edge(row.source, row.target, weight=row.weight, inverse=1 / row.weight)
    ref = {"betweenness": nx.betweenness_centrality(g, weight="inverse"),
           "eigenvector": nx.eigenvector_centrality(g, weight="weight", tol=1e-13,
                                                    max_iter=10_000),
           "pagerank": nx.pagerank(g, weight="weight", tol=1e-13, max_iter=10_000),
           "closeness": nx.closeness_centrality(g, distance="inverse")}
    for m, r in ref.items():
        np.testing.assert_allclose(got[m], pd.Series(r)[got.index], rtol=1e-6, err_msg=m)


@pytest.mark.parametrize("scale", SCALES)
def test_structural_holes_are_invariant_to_weight_scale(scale):
    base = _eco(2)
    ref = structural_holes(base)
    got = structural_holes(_scaled(base, scale))
    for m in ref.columns:
        _close(got[m], ref[m], m)


@pytest.mark.parametrize("scale", SCALES)
def test_distance_column_scale_changes_only_closeness(scale):
    base = _eco(3)
    ties = base.ties.assign(length=np.round(1 / base.ties["weight"], 3))
    eco = Ecosystem(base.actors, ties)
    ref = centrality(eco, ["betweenness", "closeness", "harmonic"], distance="length")
    eco_s = Ecosystem(base.actors, ties.assign(length=ties["length"] * scale))
    got = centrality(eco_s, ["betweenness", "closeness", "harmonic"], distance="length")
    _close(got["betweenness"], ref["betweenness"], "betweenness")
    for m in ("closeness", "harmonic"):
        _close(got[m], ref[m] / scale, m)


def test_weights_outside_the_documented_range_raise():
    base = _eco(4)
    ties = base.ties.copy()
    ties.loc[0, "weight"] = ties["weight"].max() * WEIGHT_RANGE / 10
    eco = Ecosystem(base.actors, ties)
    with pytest.raises(ConfigError, match="at least 1e-300 times the largest"):
        centrality(eco, "eigenvector", weight="weight")
    with pytest.raises(ConfigError, match="at least 1e-300 times the largest"):
        structural_holes(eco)
    with pytest.raises(ConfigError, match="overflows"):
        centrality(_scaled(base, 3e307), "strength", weight="weight")
    # strengths alone need no range: the tiny tie is just small
    assert centrality(eco, "strength", weight="weight")["strength"].min() > 0


def test_lengths_beyond_igraphs_tolerance_warn():
    base = _eco(5)
    ties = base.ties.copy()
    ties.loc[0, "weight"] = 1e-12
    with pytest.warns(RuntimeWarning, match="equally short"):
        centrality(Ecosystem(base.actors, ties), "betweenness", weight="weight")


def test_huge_hub_weights_never_abort_the_interpreter():
    """Weights of 1e155 and more aborted Python in LAPACK (exit 134): run in a subprocess."""
    code = ("import numpy as np, pandas as pd\n"
            "from ecosystem import Ecosystem\n"
            "from ecosystem.algorithms.centrality import centrality\n"
            "a = pd.DataFrame({'id': list('abcd'), 'kind': ['gp'] * 4})\n"
            "t = pd.DataFrame({'source': list('abcd'), 'target': list('bcda'),\n"
            "                  'weight': [1e155, 2e200, 3e300, 1e308]})\n"
            "r = centrality(Ecosystem(a, t), ['hub', 'authority', 'eigenvector', 'pagerank'],\n"
            "               weight='weight')\n"
            "assert np.isfinite(r.to_numpy()).all()\n"
            "print('ok')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]


@given(eco=ecosystems(min_actors=3), exponent=st.sampled_from([-200, -50, 9, 150, 200]))
def test_spectral_and_burt_measures_invariant_property(eco, exponent):
    scale = 10.0 ** exponent
    measures = ["eigenvector", "pagerank", "hub", "authority", "betweenness"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ref = centrality(eco, measures, weight="weight")
        got = centrality(_scaled(eco, scale), measures, weight="weight")
    for m in ("pagerank", "betweenness"):  # unique answers: equal to rounding
        np.testing.assert_allclose(got[m], ref[m], rtol=1e-9, atol=1e-12, err_msg=m)
    for m in ("eigenvector", "hub", "authority"):  # may be non-unique: only finite and bounded
        assert np.isfinite(got[m]).all() and (got[m] >= 0).all()
    sh_ref, sh = structural_holes(eco), structural_holes(_scaled(eco, scale))
    np.testing.assert_allclose(sh.to_numpy(), sh_ref.to_numpy(), rtol=1e-9, atol=1e-12)
