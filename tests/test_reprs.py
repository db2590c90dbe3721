"""Text and HTML reprs of the public result objects: short, true, well-formed and escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

import ecosystem as es
from ecosystem import (
    Ecosystem,
    ReadReport,
    ReferralModel,
    Survey,
    from_frames,
    mixing,
    silos,
)
from ecosystem.core.report import Note
from ecosystem.study import calibrate, compare, flow_metric, queue_metric, sensitivity
from ecosystem.study.spec import Study, demo_study

HOSTILE = "<script>alert(1)</script>"


def g(x: float) -> str:
    """How the reprs print a headline figure: 3 significant digits."""
    return f"{float(x):.3g}"


class _Balance(HTMLParser):
    """Counts open tags (void elements aside); fails on a close tag that does not match."""

    VOID = frozenset({"br", "hr", "img", "meta", "input", "col", "wbr"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()


def check(obj, *figures: str, max_len: int = 400) -> tuple[str, str]:
    """Common checks; returns (repr, html)."""
    text = repr(obj)
    assert isinstance(text, str)
    assert len(text) < max_len, text
    assert text.count("\n") == 0, text
    for f in figures:
        assert f in text, (f, text)
    page = obj._repr_html_()
    assert isinstance(page, str)
    root = ET.fromstring(page)  # well-formed XML: balanced tags, known entities only
    assert root.tag == "div"
    parser = _Balance()
    parser.feed(page)
    parser.close()
    assert parser.stack == []
    assert "<script" not in page
    assert len(page) < 40_000
    return text, page


@pytest.fixture(scope="module")
def hostile() -> Ecosystem:
    actors = pd.DataFrame({
        "id": [HOSTILE, "gp", "team", "<b>net</b>"],
        "kind": ["gp", "gp", "social_team", "community_network"],
        "neighbourhood": ["<i>west</i>", "<i>west</i>", "east & co", "east & co"],
        "team": [HOSTILE, HOSTILE, "b", "b"],
    })
    ties = pd.DataFrame({"source": [HOSTILE, "gp", "team", HOSTILE],
                         "target": ["team", "team", "<b>net</b>", "gp"],
                         "kind": ["referral", "referral", "referral", "collaboration"]})
    return from_frames(actors, ties, name=HOSTILE + " " + "x" * 200)


def empty() -> Ecosystem:
    return from_frames(pd.DataFrame({"id": pd.Series([], dtype="str"),
                                     "kind": pd.Series([], dtype="str")}))


# ---------------------------------------------------------------------- core
def test_ecosystem_and_summary(example, hostile):
    text, page = check(example, f"{example.n_actors} actors", f"{example.n_ties} ties",
                       "2 neighbourhoods")
    assert "Oosterwijk" in page and "density" in page
    s = example.summary()
    check(s, f"{s.n_actors} actors", f"{s.density:.4f}")
    text, page = check(hostile, "4 actors")
    assert "&lt;script&gt;" in page and "x" * 100 not in text
    check(hostile.summary(), "4 actors")
    check(empty(), "0 actors")
    check(empty().summary(), "0 actors")


def test_read_report():
    actors = pd.DataFrame({"code": ["gp1", "gp2 "], "soort": ["huisarts", "huisarts"]})
    report = Ecosystem(actors, pd.DataFrame({"van": ["gp1"], "naar": ["gp2"]})).read_report
    topics = report.to_frame()["topic"].value_counts()
    _, page = check(report, f"{len(report)} notes", f"{len(report.warnings)} warnings",
                       *[f"{t} {c}" for t, c in topics.items()])
    assert "read as" in page
    check(ReadReport(), "no notes")
    many = ReadReport(tuple(Note("warning" if i % 7 == 0 else "info", "values", HOSTILE,
                                 HOSTILE * 20) for i in range(500)))
    _, page = check(many, "500 notes", "72 warnings")
    assert "more rows" in page


# ---------------------------------------------------------------------- flows
def test_flow_result(example):
    res = ReferralModel(example).solve(by_neighbourhood=True)
    tot = res.outcomes.xs("total", level="need")["fraction"]
    _, page = check(res, "exact", f"{len(example.schema.needs)} needs",
                       f"{example.n_actors} actors", "2 neighbourhoods",
                       f"resolved appropriate {g(tot['resolved_appropriate'])}",
                       f"lost {g(tot['lost'])}", f"medicalised {g(tot['medicalised'])}",
                       f"mean hops {g(res.mean_hops.loc['total', 'mean'])}")
    assert "resolved_appropriate" in page and "more columns" in page
    sim = ReferralModel(example).simulate(50, seed=3)
    check(sim, "simulation of 50 residents per need",
          f"lost {g(sim.outcomes.loc[('total', 'lost'), 'fraction'])}")


def test_flow_result_hostile_and_zero_demand(hostile):
    res = ReferralModel(hostile).solve()
    check(res, "4 actors")
    none = ReferralModel(hostile, demand=pd.Series({"debt": 0.0}))
    check(none.solve(), "4 actors")


def test_queue_result(example):
    q = ReferralModel(example, demand=pd.Series({"debt": 300.0})).queueing(servers=1)
    _, page = check(q, f"actors={example.n_actors}",
                       f"max_utilisation={q.actors['utilisation'].max():.3g}")
    assert "Busiest actors" in page
    check(q.in_unit("days"), "days")


# ---------------------------------------------------------------------- algorithms
def test_mixing(example, hostile):
    m = mixing(example, n_permutations=19, seed=1)
    o = m.overall
    check(m, "3 groups of domain", f"{example.n_actors} actors", f"E-I {g(o['ei'])}",
          f"expected {g(o['expected_ei'])}", f"rescaled {g(o['rescaled_ei'])}",
          f"p {g(o['p_value'])} (19 permutations)")
    _, page = check(mixing(hostile, "team"), "2 groups of team")
    assert "&lt;script&gt;" in page
    check(mixing(empty()), "0 actors")


def test_silos(example, hostile):
    s = silos(example, seed=0)
    sc = s.scores
    check(s, f"{int(sc['n_communities'])} communities", f"{example.n_actors} actors",
          f"NMI {g(sc['nmi'])}", f"ARI {g(sc['ari'])}", f"modularity {g(sc['modularity'])}")
    check(silos(hostile, groups="team", seed=0), "compared with team")
    check(silos(empty(), seed=0), "0 actors")


# ---------------------------------------------------------------------- io
def test_survey():
    frame = pd.DataFrame({"id": ["gp", "team", HOSTILE],
                          "kind": ["gp", "social_team", "community_network"]})
    answers = pd.DataFrame({"respondent": ["gp", "team"], "contact: gp": [0, 1],
                            "contact: team": [2, 0], f"contact: {HOSTILE}": [0, None]})
    survey = Survey.read(answers, actors=frame, questions={"contact": "collaboration"})
    empty_answers = int(survey.answers["rating"].isna().sum())
    _, page = check(survey, f"{len(survey.frame)} organisations",
                       f"{len(survey.respondents)} respondents", "1 questions (contact)",
                       f"{len(survey.answers)} answers ({empty_answers} empty)")
    assert "collaboration" in page
    nobody = Survey(survey.frame, survey.answers.iloc[:0], frozenset(), survey.questions,
                    source=HOSTILE)
    check(nobody, "0 respondents", "0 answers")


# ---------------------------------------------------------------------- study
def test_comparison():
    c = compare({"average": "average", HOSTILE: "low_ses"}, metrics=["actors"], replicates=2,
                seed=1, progress=False)
    means = c.results.groupby("scenario")["value"].mean()
    _, page = check(c, "2 scenarios x 2 replicates", f"{len(c.results)} rows")
    assert f"{means['average']:.4g}" in page and "&lt;script&gt;" in page


def _failing_metric(eco):
    raise ValueError(HOSTILE * 30)


def test_comparison_with_failures():
    with pytest.warns(RuntimeWarning, match="failed"):
        c = compare({"average": "average"}, metrics={"actors": "actors",
                                                     "bad": _failing_metric},
                    replicates=2, seed=1, progress=False)
    _, page = check(c, f"{len(c.failures)} failures")
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert len(c.failures) == 2 and "Failures" in page and escaped in page
    assert escaped * 5 not in page  # messages clipped


def test_sensitivity(example):
    s = sensitivity({"e": example}, {"handover_cross": (0.4, 0.95),
                                     "handover_same": (0.8, 1.0)},
                    metric="lost", n=8, seed=1, progress=False)
    st = s.ranking()["ST"]
    check(s, "sobol", f"{len(s.samples)} evaluations",
          f"{st.index[0]} (ST {g(st.iloc[0])})")


def test_calibration(example):
    fit = calibrate(example, {"lost": 0.15}, ["handover_cross"])
    value = fit.parameters.loc["handover_cross", "value"]
    _, page = check(fit, f"handover_cross={value:.4g}", "1 targets")
    assert "Fitted parameters" in page


def test_study():
    study = demo_study()
    check(study, f"{len(study.scenarios)} scenarios", f"{study.replicates} replicates",
          f"seed {study.seed}")
    hostile = Study.from_dict({
        "study": {"name": HOSTILE * 10, "seed": 1, "replicates": 2, "metrics": ["lost"]},
        "scenarios": {"low": {"profile": "low_ses"}}})
    check(hostile, "1 scenarios")


def test_configuration_objects_are_short(example):
    from ecosystem.interventions import remove_actor, social_prescribing

    ids = [f"actor_{i:05d}_" + "x" * 40 for i in range(200)]
    for obj in (remove_actor(ids), social_prescribing(strength=2.0) + remove_actor("gp"),
                flow_metric("lost", demand=pd.Series(np.ones(10), index=list(
                    example.schema.needs))), queue_metric(), ReferralModel(example),
                es.Profile.preset("average"), es.Schema.default()):
        text = repr(obj)
        assert len(text) < 400 and "\n" not in text, text
