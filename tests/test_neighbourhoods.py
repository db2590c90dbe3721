"""The neighbourhoods table: first-class, compared, carried by derivations and every format."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecosystem import ConfigError, Ecosystem, ValidationError, read_csv, write_csv
from ecosystem.flows import ReferralModel
from ecosystem.generate import Profile, demand_of, generate_neighbourhood, generate_region

TABLE = pd.DataFrame({"neighbourhood": ["Oost", "West", "Dorp"],
                      "residents": [3000, 2000, 900], "ses": [-0.8, 0.5, 0.0],
                      "rural": [0.0, 0.0, 1.0],
                      "Codering": ["BU01", "BU02", "BU03"]})


@pytest.fixture(scope="module")
def region() -> Ecosystem:
    return generate_region(TABLE, seed=11)


def test_round_trip_keeps_the_neighbourhoods_table(region, tmp_path, any_format, round_trip):
    back = round_trip(any_format, region, tmp_path)
    assert back == region
    pd.testing.assert_frame_equal(back.neighbourhoods, region.neighbourhoods,
                                  check_like=True)


def test_generated_table_matches_the_profiles():
    eco = generate_neighbourhood("average", residents=2000, seed=0)
    prof = Profile.preset("average")
    nbh = eco.neighbourhoods
    assert nbh.index.tolist() == ["average"] and nbh.loc["average", "residents"] == 2000
    for need, per_1000 in prof.demand.items():  # the profile's rate per 1,000 residents
        assert nbh.loc["average", f"demand_{need}"] == pytest.approx(per_1000 * 2.0)


def test_region_table_carries_the_users_columns(region):
    nbh = region.neighbourhoods
    assert nbh.index.tolist() == ["Oost", "West", "Dorp"]
    assert nbh["residents"].tolist() == [3000.0, 2000.0, 900.0]
    assert nbh["ses"].tolist() == [-0.8, 0.5, 0.0]
    assert nbh["Codering"].tolist() == ["BU01", "BU02", "BU03"]
    # demand per 1,000 residents blends the presets: Dorp is the rural preset (rural = 1)
    rural = Profile.preset("rural")
    assert nbh.loc["Dorp", "demand_debt"] == pytest.approx(rural.demand["debt"] * 0.9)


def test_referral_model_takes_its_default_demand_from_the_table(region):
    model = ReferralModel(region)
    expected = region.neighbourhoods[[c for c in region.neighbourhoods.columns
                                      if c.startswith("demand_")]]
    np.testing.assert_array_equal(model.demand.to_numpy(), expected.to_numpy())
    pd.testing.assert_frame_equal(ReferralModel(region).solve().outcomes,
                                  ReferralModel(region, demand=demand_of(region)).solve().outcomes)


def test_same_flow_results_before_and_after_a_csv_round_trip(region, tmp_path, round_trip):
    back = round_trip("csv", region, tmp_path)
    before, after = ReferralModel(region).solve(), ReferralModel(back).solve()
    pd.testing.assert_frame_equal(before.outcomes, after.outcomes)
    assert np.isfinite(before.outcomes["count"]).all()  # counts: the table's demand is used


def test_equality_includes_the_table(region):
    other = region.neighbourhoods.assign(residents=lambda t: t["residents"] + 1)
    assert region.with_neighbourhoods(other) != region
    assert region.with_neighbourhoods(region.neighbourhoods) == region
    assert pickle.loads(pickle.dumps(region)) == region


def test_subset_and_relabel_carry_the_table(region):
    west = region.subset(neighbourhoods="West", include_shared=True)
    assert west.neighbourhoods.index.tolist() == ["West"]
    assert west.neighbourhoods.loc["West", "residents"] == 2000.0
    informal = region.subset(domains="informal")
    pd.testing.assert_frame_equal(informal.neighbourhoods, region.neighbourhoods)
    renamed = region.relabel(lambda i: "x_" + i)
    pd.testing.assert_frame_equal(renamed.neighbourhoods, region.neighbourhoods)


def test_table_must_name_every_actor_neighbourhood_and_is_reported():
    actors = pd.DataFrame({"id": ["a", "b", "c"], "kind": ["gp", "gp", "ziekenhuis"],
                           "wijk": ["Noord", "Zuid", None]})
    with pytest.raises(ValidationError, match="row 1.*'Zuid' is not in the neighbourhoods"):
        Ecosystem(actors, neighbourhoods=pd.DataFrame({"wijk": ["Noord"], "inwoners": [10]}))
    eco = Ecosystem(actors, neighbourhoods=pd.DataFrame(
        {"buurtnaam": ["Noord", "Zuid", "Leeg"], "inwoners": [10, 20, 30]}))
    (warning,) = eco.read_report.warnings
    assert "'Leeg'" in warning.message and "no actors" in warning.message
    with pytest.raises(ValidationError, match="residents -5"):
        Ecosystem(actors, neighbourhoods=pd.DataFrame({"wijk": ["Noord", "Zuid"],
                                                       "inwoners": [-5, 1]}))


def test_table_indexed_by_name_and_demand_aliases():
    actors = pd.DataFrame({"id": ["a"], "kind": ["gp"], "neighbourhood": ["Noord"]})
    table = pd.DataFrame({"demand_eenzaamheid": [12.0]}, index=pd.Index(["Noord"], name="wijk"))
    eco = Ecosystem(actors, neighbourhoods=table)
    assert eco.neighbourhoods.columns.tolist() == ["demand_loneliness"]
    assert eco.neighbourhood_demand().loc["Noord", "loneliness"] == 12.0
    with pytest.raises(Exception, match="'eenzaam' is not a known need"):
        Ecosystem(actors, neighbourhoods=pd.DataFrame({"wijk": ["Noord"],
                                                       "demand_eenzaam": [1.0]}))


def test_write_csv_needs_a_path_for_a_table_with_columns(region, tmp_path):
    with pytest.raises(ConfigError, match="neighbourhoods="):
        write_csv(region, tmp_path / "a.csv", tmp_path / "t.csv")
    write_csv(region.with_neighbourhoods(None), tmp_path / "a.csv", tmp_path / "t.csv")
    back = read_csv(tmp_path / "a.csv", tmp_path / "t.csv")
    assert back == region.with_neighbourhoods(None)
    assert back.neighbourhoods.columns.tolist() == []


@settings(max_examples=20)
@given(names=st.lists(st.sampled_from(["Noord", "Zuid", "Oost", "West", "Dorp"]), min_size=1,
                      max_size=5, unique=True), seed=st.integers(0, 2**16))
def test_names_only_table_is_the_actors_neighbourhoods(names, seed):
    rng = np.random.default_rng(seed)
    nb = [names[i] if i < len(names) else None for i in rng.integers(0, len(names) + 1, 8)]
    actors = pd.DataFrame({"id": [f"a{i}" for i in range(8)], "kind": ["gp"] * 8,
                           "neighbourhood": nb})
    eco = Ecosystem(actors)
    used = sorted({n for n in nb if n is not None})
    assert eco.neighbourhoods.index.tolist() == used  # sorted names of the actors'
    assert eco.neighbourhoods.columns.tolist() == []
    assert eco.subset(actor_kinds="gp") == eco
