"""Calibration: recovering known parameters, identifiability, standard errors, bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from ecosystem import ConfigError, Ecosystem, ReferralModel
from ecosystem.flows import default_resolve
from ecosystem.generate import demand_of, generate_neighbourhood
from ecosystem.study import IdentifiabilityWarning, calibrate


def _truth(eco, **values) -> dict:
    """Target values of the model at known parameter values, built by hand."""
    table = default_resolve()
    table.loc["gp", "loneliness"] = values.pop("resolve.gp.loneliness", 0.15)
    res = ReferralModel(eco, resolve=table, **values).solve()
    o = res.outcomes["fraction"]
    resolved = res.per_actor["resolved"]["loneliness"]
    at_gp = resolved[eco.actors.set_index("id")["kind"] == "gp"].sum()
    return {"lost": o[("total", "lost")], "medicalised": o[("total", "medicalised")],
            "stuck.debt": o[("debt", "stuck")], "resolved_by.gp.loneliness": at_gp}


def test_recovers_known_parameters_from_another_start(example):
    truth = _truth(example, handover_cross=0.55, handover_same=0.9,
                   **{"resolve.gp.loneliness": 0.3})
    params = {"handover_cross": (0.3, 0.95), "handover_same": (0.6, 1.0),
              "resolve.gp.loneliness": (0.0, 0.6)}
    with warnings.catch_warnings():
        warnings.simplefilter("error", IdentifiabilityWarning)
        fit = calibrate(example, truth, params,
                        start={"handover_cross": 0.8, "handover_same": 0.7,
                               "resolve.gp.loneliness": 0.1})
    assert fit.success
    np.testing.assert_allclose(fit.parameters["value"], [0.55, 0.9, 0.3], atol=1e-6)
    np.testing.assert_allclose(fit.residuals["residual"], 0.0, atol=1e-9)
    assert fit.parameters.loc["handover_cross", "start"] == pytest.approx(0.8)
    # 4 targets, 3 parameters, no standard errors: sigma^2 from the (zero) residuals
    assert (fit.parameters["se"] < 1e-6).all()
    # the fitted model is the model at the known values
    res = fit.apply().solve().outcomes["fraction"]
    assert res[("total", "lost")] == pytest.approx(truth["lost"], abs=1e-9)


def test_standard_errors_match_the_linearised_formula(example):
    # One parameter, two targets with standard errors: se = 1 / sqrt(sum (df_i/dtheta / s_i)^2)
    truth = _truth(example, handover_cross=0.6)
    s = {"lost": 0.01, "medicalised": 0.02}
    fit = calibrate(example, {k: (truth[k], s[k]) for k in s}, {"handover_cross": (0.3, 0.95)})
    h = 1e-6
    d = {k: (_truth(example, handover_cross=0.6 + h)[k]
             - _truth(example, handover_cross=0.6 - h)[k]) / (2 * h) for k in s}
    ref = 1 / np.sqrt(sum((d[k] / s[k]) ** 2 for k in s))
    assert fit.parameters.loc["handover_cross", "value"] == pytest.approx(0.6, abs=1e-7)
    assert fit.parameters.loc["handover_cross", "se"] == pytest.approx(ref, rel=1e-4)
    assert fit.residuals["se"].tolist() == [0.01, 0.02]


def test_flat_directions_are_reported_not_silently_fitted(example):
    truth = _truth(example, handover_cross=0.6)
    # without nursing homes, their resolve value changes nothing
    homes = example.actors.loc[example.actors["kind"] == "nursing_home", "id"]
    eco = example.without_actors(homes)
    truth = _truth(eco, handover_cross=0.6)
    with pytest.warns(IdentifiabilityWarning, match="resolve.nursing_home.debt"):
        fit = calibrate(eco, {k: (truth[k], 0.01) for k in ("lost", "medicalised")},
                        {"handover_cross": (0.3, 0.95), "resolve.nursing_home.debt": (0, 1)})
    assert fit.parameters.loc["handover_cross", "value"] == pytest.approx(0.6, abs=1e-6)
    assert fit.parameters.loc["handover_cross", "se"] > 0
    assert np.isnan(fit.parameters.loc["resolve.nursing_home.debt", "se"])
    assert fit.flat and "resolve.nursing_home.debt" in fit.flat[0]
    # two parameters, one target: a combination is flat
    with pytest.warns(IdentifiabilityWarning, match="handover_cross.*handover_same|"
                                                    "handover_same.*handover_cross"):
        fit = calibrate(example, {"lost": truth["lost"]}, ["handover_cross", "handover_same"])
    assert fit.parameters["se"].isna().all()
    assert any("degrees of freedom" in n for n in fit.notes)


def test_generated_scenario_uses_its_demand_and_columns():
    from ecosystem.core.random import spawn

    seed = int(spawn(4, 1)[0].generate_state(1, np.uint64)[0] >> np.uint64(1))
    eco = generate_neighbourhood("low_ses", seed=seed)

    def medicalised(v):  # by hand: the gp's own resolve_loneliness column set to v
        actors = eco.actors.copy()
        actors.loc[actors["kind"] == "gp", "resolve_loneliness"] = v
        res = ReferralModel(Ecosystem(actors, eco.ties), demand=demand_of(eco)).solve()
        return res.outcomes.loc[("total", "medicalised"), "fraction"]

    fit = calibrate("low_ses", {"medicalised": medicalised(0.4)}, ["resolve.gp.loneliness"],
                    seed=4)
    assert fit.ecosystem == eco
    assert fit.parameters.loc["resolve.gp.loneliness", "value"] == pytest.approx(0.4,
                                                                                 abs=1e-6)


def test_bad_input_before_fitting(example):
    cases = [
        (dict(targets={"lostt": 0.1}), "did you mean 'lost'"),
        (dict(targets={"lost": 1.5}), r"share in \[0, 1\]"),
        (dict(targets={"lost": (0.1, 0.0)}), "standard error"),
        (dict(targets={}), "non-empty"),
        (dict(parameters=["handover_cros"]), "did you mean 'handover_cross'"),
        (dict(parameters=["max_hops"]), "cannot be fitted"),
        (dict(parameters=["profile.demand.debt"]), "cannot be fitted"),
        (dict(parameters={"handover_cross": (0.5, 1.5)}), r"\[0, 1\]"),
        (dict(parameters={"handover_cross": (0.9, 0.5)}), "low >= high"),
        (dict(weights={"medicalised": 1.0}), "not a target"),
        (dict(weights={"lost": -1.0}), "must be > 0"),
        (dict(start={"handover_cross": 0.99}), "outside its bounds"),
    ]
    for change, message in cases:
        kw = dict(targets={"lost": 0.15}, parameters={"handover_cross": (0.3, 0.95)})
        kw.update(change)
        with pytest.raises(ConfigError, match=message):
            calibrate(example, **kw)


def test_apply_on_another_ecosystem(example):
    fit = calibrate(example, {"lost": 0.15}, ["handover_cross"])
    other = example.subset(neighbourhoods=["Westdorp"], include_shared=True)
    model = fit.apply(other)
    assert model.ecosystem is other
    assert model.handover_cross == pytest.approx(fit.parameters.loc["handover_cross", "value"])
    with pytest.raises(ConfigError, match="expected an Ecosystem"):
        fit.apply("Westdorp")
