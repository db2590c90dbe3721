"""Partnership surveys: hand-made surveys tie by tie under every rule, properties, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ecosystem as es
from ecosystem import Survey, read_ego_survey, read_survey, sensitivity_to_missing
from ecosystem.core.errors import ConfigError, DuplicateIdError, EcosystemError, ValidationError

FRAME = pd.DataFrame({
    "id": ["a", "b", "c", "d", "e"],
    "kind": ["huisarts", "welzijn", "wijkteam", "zorgzame gemeenschap", "ziekenhuis"],
    "neighbourhood": ["Oost", "Oost", "Oost", "Oost", None],
})
SCALE = ["nooit", "soms", "vaak", "altijd"]
QUESTIONS = {
    "contact": {"tie_kind": "collaboration", "scale": SCALE},
    "verwijzen": {"tie_kind": "referral", "scale": ["nee", "ja"]},
    "vertrouwen": {"attribute": "trust", "scale": "numeric"},
}
# respondents a, b, c; d and e did not respond. Empty string: no answer.
WIDE = pd.DataFrame({
    "respondent": ["a", "b", "c"],
    "contact: a": ["", "soms", "Soms "],
    "contact: b": ["vaak", "", "soms"],
    "contact: c": ["soms", "nooit", ""],
    "contact: d": ["nooit", "vaak", "altijd"],
    "contact: e": ["altijd", "", "nooit"],
    "verwijzen: b": ["ja", "", "nee"],
    "verwijzen: a": ["", "nee", "nee"],
    "verwijzen: d": ["nee", "ja", "nee"],
    "verwijzen: e": ["ja", "nee", "nee"],
    "vertrouwen: a": ["", "5", "2"],
    "vertrouwen: b": ["4", "", ""],
    "vertrouwen: c": ["3", "", ""],
})

# (source, target, kind) -> (weight, reported_by) per rule; mutual pairs sorted by id.
COMMON = {
    ("a", "c", "collaboration"): (1.0, "both"),
    ("b", "d", "collaboration"): (2.0, "respondent"),
    ("c", "d", "collaboration"): (3.0, "respondent"),
    ("a", "e", "collaboration"): (3.0, "respondent"),
    ("a", "b", "referral"): (1.0, "respondent"),
    ("b", "d", "referral"): (1.0, "respondent"),
    ("a", "e", "referral"): (1.0, "respondent"),
}
EXPECTED = {
    "reciprocated": {("a", "b", "collaboration"): (1.5, "both")},
    "union": {("a", "b", "collaboration"): (1.5, "both"),
              ("b", "c", "collaboration"): (1.0, "one")},
    "max": {("a", "b", "collaboration"): (2.0, "both"),
            ("b", "c", "collaboration"): (1.0, "one")},
    "min": {("a", "b", "collaboration"): (1.0, "both")},
    "mean": {("a", "b", "collaboration"): (1.5, "both"),
             ("b", "c", "collaboration"): (0.5, "one")},
}
TRUST = {("a", "b", "collaboration"): 4.5, ("a", "c", "collaboration"): 2.5,
         ("a", "b", "referral"): 4.0}


def _ties(eco: es.Ecosystem) -> dict:
    t = eco.ties
    return {(s, g, k): (w, r) for s, g, k, w, r in
            zip(t["source"], t["target"], t["kind"], t["weight"], t["reported_by"], strict=True)}


def _long(wide: pd.DataFrame) -> pd.DataFrame:
    m = wide.melt(id_vars="respondent", var_name="col", value_name="value")
    q, p = m["col"].str.split(":", n=1).str[0], m["col"].str.split(":", n=1).str[1].str.strip()
    out = pd.DataFrame({"respondent": m["respondent"], "partner": p, "question": q,
                        "value": m["value"]})
    return out[out["value"].str.strip() != ""].reset_index(drop=True)


@pytest.mark.parametrize("rule", sorted(EXPECTED))
@pytest.mark.parametrize("layout", ["wide", "long"])
def test_hand_made_survey_tie_by_tie(rule, layout):
    table = WIDE if layout == "wide" else _long(WIDE)
    eco = read_survey(table, actors=FRAME, layout=layout, questions=QUESTIONS, symmetrize=rule)
    assert _ties(eco) == {**COMMON, **EXPECTED[rule]}
    t = eco.ties.set_index(["source", "target", "kind"])["trust"]
    assert {k: v for k, v in t.dropna().items()} == TRUST
    assert eco.actors.set_index("id")["responded"].to_dict() == {
        "a": True, "b": True, "c": True, "d": False, "e": False}
    report = eco.provenance[-1]
    assert report["unknown_pairs"] == 1  # d-e: neither responded
    assert report["response_rate"] == pytest.approx(3 / 5)
    assert report["response_rate_by_domain"] == {"informal": 0.0, "medical": 0.5,
                                                 "social": 1.0}
    assert report["confirmed"] == 2  # a-b and a-c under every rule
    assert report["disagreements"] == 1  # b-c: c says soms, b says nooit
    assert report["rating_disagreements"] == 1  # a-b: vaak vs soms


def test_drop_non_respondents_and_threshold():
    eco = read_survey(WIDE, actors=FRAME, questions=QUESTIONS, non_respondents="drop",
                      symmetrize="reciprocated")
    assert set(_ties(eco)) == {("a", "b", "collaboration"), ("a", "c", "collaboration"),
                               ("a", "b", "referral")}
    # only 'vaak' or more is a contact: a-b has vaak/soms, so reciprocated drops it
    contact = WIDE[[c for c in WIDE.columns if not c.startswith("ver")]]
    eco = read_survey(contact, actors=FRAME, questions={"contact": QUESTIONS["contact"]},
                      threshold="vaak", symmetrize="reciprocated")
    assert set(_ties(eco)) == {("b", "d", "collaboration"), ("c", "d", "collaboration"),
                               ("a", "e", "collaboration")}


def test_simplest_question_form_numeric_weights():
    wide = pd.DataFrame({"respondent": ["a", "b"], "contact: b": [3, 0], "contact: a": [2, 0],
                         "contact: c": [0, 1.5]})
    eco = read_survey(wide, actors=FRAME, questions={"contact": "samenwerking"},
                      symmetrize="union")
    assert _ties(eco) == {("a", "b", "collaboration"): (3.0, "one"),
                          ("b", "c", "collaboration"): (1.5, "respondent")}


def test_csv_file_with_dutch_semicolons_and_cp1252(tmp_path):
    path = tmp_path / "enquête.csv"
    WIDE.to_csv(path, sep=";", index=False, encoding="cp1252")
    eco = read_survey(path, actors=FRAME, questions=QUESTIONS, symmetrize="max")
    assert _ties(eco) == {**COMMON, **EXPECTED["max"]}


def test_scores_by_hand():
    survey = Survey.read(WIDE, actors=FRAME, questions=QUESTIONS)
    per_actor, per_nb = survey.scores(symmetrize="reciprocated")
    # a is rated on trust by b (5) and c (2); b by a (4); c by a (3)
    assert per_actor.loc["a", "vertrouwen_mean"] == 3.5
    assert per_actor.loc["a", "vertrouwen_raters"] == 2
    assert per_actor.loc["d", "contact_raters"] == 3 and per_actor.loc["d", "contact_mean"] == (
        0 + 2 + 3) / 3
    assert np.isnan(per_actor.loc["e", "vertrouwen_mean"])
    oost = per_nb.loc["Oost"]
    assert oost["actors"] == 4 and oost["response_rate"] == 0.75
    assert oost["confirmed_density"] == pytest.approx(2 / 3)  # a-b, a-c of 3 respondent pairs
    # ties touching Oost under reciprocated: a-b, a-c, b-d, c-d, a-e (collab), a->b, b->d, a->e
    # cross-domain: a-b, a-c, b-d? (social-informal yes), c-d yes, a-e no (both medical),
    # a->b yes, b->d yes, a->e no
    assert oost["cross_domain_share"] == pytest.approx(6 / 8)


def test_ego_survey_aggregates_by_kind():
    frame = pd.DataFrame({"id": ["g1", "g2", "w1", "h"], "kind": ["gp", "gp", "welfare",
                                                                  "hospital"],
                          "neighbourhood": ["Oost", "Oost", "West", None]})
    ego = pd.DataFrame({"respondent": ["g1", "g2", "w1"], "welzijn": [1, 2, 0],
                        "huisarts": [1, 0, 3], "wijkteam": [0, 1, None]})
    eco = read_ego_survey(ego, actors=frame, tie_kind="referral")
    t = eco.ties.set_index(["source", "target"])
    assert t["weight"].to_dict() == {("Oost/gp", "Oost/social_team"): 1.0,
                                     ("Oost/gp", "Oost/welfare"): 3.0,
                                     ("West/welfare", "West/gp"): 3.0}
    assert t.loc[("Oost/gp", "Oost/welfare"), "n_reports"] == 2
    a = eco.actors.set_index("id")
    assert a.loc["Oost/gp", "n_actors"] == 2 and a.loc["Oost/gp", "n_respondents"] == 2
    assert a.loc["Oost/welfare", "n_actors"] == 0
    assert eco.provenance[-1]["self_kind_counts_left_out"] == 1  # g1 named 1 GP
    mx = es.mixing(eco, "domain")
    assert mx.counts.loc["medical", "social"] == 2  # ties, not counts of contacts


# ------------------------------------------------------------------ properties
_ratings = st.integers(0, 3)


@st.composite
def surveys(draw):
    n = draw(st.integers(2, 6))
    ids = [f"o{i}" for i in range(n)]
    frame = pd.DataFrame({"id": ids, "kind": draw(st.lists(
        st.sampled_from(["gp", "welfare", "social_team", "community_network"]), min_size=n,
        max_size=n))})
    resp = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    if not any(resp):
        resp[0] = True
    rows = {"respondent": [i for i, r in zip(ids, resp, strict=True) if r]}
    m = draw(st.lists(st.lists(_ratings, min_size=n, max_size=n), min_size=n, max_size=n))
    for j, p in enumerate(ids):
        rows[f"contact: {p}"] = [m[i][j] for i, r in enumerate(resp) if r]
    return frame, pd.DataFrame(rows), m


@given(surveys(), st.randoms(use_true_random=False))
def test_relabelling_respondent_rows_gives_the_same_ecosystem(case, rnd):
    frame, wide, _ = case
    order = list(range(len(wide)))
    rnd.shuffle(order)
    for rule in ("reciprocated", "union", "mean"):
        one = read_survey(wide, actors=frame, questions={"contact": "collaboration"},
                          symmetrize=rule)
        two = read_survey(wide.iloc[order], actors=frame,
                          questions={"contact": "collaboration"}, symmetrize=rule)
        assert _ties(one) == _ties(two)


@given(surveys())
def test_reciprocated_is_a_subset_of_union(case):
    frame, wide, _ = case
    survey = Survey.read(wide, actors=frame, questions={"contact": "collaboration"})
    rec = set(_ties(survey.ecosystem(symmetrize="reciprocated")))
    uni = set(_ties(survey.ecosystem(symmetrize="union")))
    assert rec <= uni
    assert set(_ties(survey.ecosystem(symmetrize="min"))) == rec
    assert set(_ties(survey.ecosystem(symmetrize="max"))) == uni


@given(st.integers(2, 6), st.data())
def test_everyone_responds_and_agrees_all_rules_equal(n, data):
    ids = [f"o{i}" for i in range(n)]
    frame = pd.DataFrame({"id": ids, "kind": ["gp"] * n})
    m = np.zeros((n, n), dtype=int)
    for i in range(n):
        for j in range(i + 1, n):
            m[i, j] = m[j, i] = data.draw(_ratings)
    wide = pd.DataFrame({"respondent": ids, **{f"contact: {p}": m[:, j]
                                               for j, p in enumerate(ids)}})
    survey = Survey.read(wide, actors=frame, questions={"contact": "collaboration"})
    results = [_ties(survey.ecosystem(symmetrize=r)) for r in es.io.survey.SYMMETRIZE]
    assert all(r == results[0] for r in results)
    assert all(rep == "both" for _, rep in results[0].values())


@given(surveys())
def test_sensitivity_without_removal_reproduces_the_plain_measure(case):
    frame, wide, _ = case
    survey = Survey.read(wide, actors=frame, questions={"contact": "collaboration"})

    def measure(eco):
        return eco.ties.groupby("source")["weight"].sum()

    plain = measure(survey.ecosystem(symmetrize="union"))
    out = sensitivity_to_missing(survey, measure, remove=0.0, n_draws=2, symmetrize="union",
                                 seed=1)
    for d in (0, 1):
        got = out[(out["condition"] == "removal") & (out["draw"] == d)]
        assert dict(zip(got["key"], got["value"], strict=True)) == {
            str(k): float(v) for k, v in plain.items()}


def test_sensitivity_removal_is_seeded_and_counts():
    survey = Survey.read(WIDE, actors=FRAME, questions=QUESTIONS)
    one = sensitivity_to_missing(survey, lambda e: e.n_ties, remove=0.34, n_draws=5, seed=3)
    two = sensitivity_to_missing(survey, lambda e: e.n_ties, remove=0.34, n_draws=5, seed=3)
    pd.testing.assert_frame_equal(one, two)
    assert set(one.loc[one["condition"] == "removal", "removed"]) == {1}
    with pytest.raises(ConfigError, match="Survey"):
        sensitivity_to_missing(read_survey(WIDE, actors=FRAME, questions=QUESTIONS),
                               lambda e: 1)


# ------------------------------------------------------------------ bad input
def _csv(tmp_path, frame, name="survey.csv"):
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def test_partner_not_in_frame_names_column_and_closest(tmp_path):
    bad = WIDE.rename(columns={"contact: d": "contact: dd"})
    with pytest.raises(ValidationError, match=r"survey.csv.*contact: dd.*did you mean 'd'"):
        read_survey(_csv(tmp_path, bad), actors=FRAME, questions=QUESTIONS)


def test_answer_outside_scale_names_row_and_column(tmp_path):
    bad = WIDE.copy()
    bad.loc[1, "contact: d"] = "wekelijks"
    with pytest.raises(ValidationError) as info:
        read_survey(_csv(tmp_path, bad), actors=FRAME, questions=QUESTIONS)
    err = info.value
    assert err.row == 1 and err.field == "contact: d" and "survey.csv" in str(err)
    assert "wekelijks" in str(err) and "nooit" in str(err)


def test_respondent_answering_twice(tmp_path):
    bad = pd.concat([WIDE, WIDE.iloc[[1]]], ignore_index=True)
    with pytest.raises(DuplicateIdError, match="'b' answered twice"):
        read_survey(_csv(tmp_path, bad), actors=FRAME, questions=QUESTIONS)
    long = _long(WIDE)
    with pytest.raises(DuplicateIdError, match="twice"):
        read_survey(pd.concat([long, long.iloc[[0]]]), actors=FRAME, layout="long",
                    questions=QUESTIONS)


def test_unknown_tie_kind_rule_and_questions():
    with pytest.raises(ConfigError, match="samenwerkin"):
        read_survey(WIDE, actors=FRAME, questions={"contact": "samenwerkin"})
    with pytest.raises(ConfigError, match="did you mean 'union'"):
        read_survey(WIDE, actors=FRAME, questions=QUESTIONS, symmetrize="unoin")
    with pytest.raises(ValidationError, match="not '<question>: <partner>'"):
        read_survey(WIDE, actors=FRAME, questions={"contact": QUESTIONS["contact"]})
    with pytest.raises(ConfigError, match="sampling frame"):
        read_survey(WIDE, questions=QUESTIONS)
    with pytest.raises(ValidationError, match="not in the sampling frame"):
        read_survey(WIDE.assign(respondent=["a", "b", "x"]), actors=FRAME, questions=QUESTIONS)
    long = pd.DataFrame({"respondent": ["a"], "partner": ["b"], "question": ["contakt"],
                         "value": [1]})
    with pytest.raises(ValidationError, match="question 'contakt' is not in the questions "
                       r"mapped \(questions=\); did you mean 'contact'") as err:
        read_survey(long, actors=FRAME, layout="long", questions=QUESTIONS)
    assert err.value.field == "question" and err.value.row == 0
    with pytest.raises(EcosystemError, match="number >= 0"):
        read_survey(WIDE.assign(**{"vertrouwen: c": ["-1", "", ""]}), actors=FRAME,
                    questions=QUESTIONS)


# ------------------------------------------------------------------ files as read_csv reads them
def test_dutch_csv_survey_reads_and_reports_as_read_csv(tmp_path):
    # a Dutch Excel export: semicolons, decimal comma, Windows-1252 (the é of enquête)
    frame = FRAME.assign(naam=["Huisarts Oost", "Welzijn", "Wijkteam", "Buurthuis Réne", "ZH"])
    frame.to_csv(tmp_path / "organisaties.csv", sep=";", index=False, encoding="cp1252")
    wide = WIDE.assign(**{"vertrouwen: a": ["", "4,5", "2"]})
    wide.to_csv(tmp_path / "enquête.csv", sep=";", index=False, encoding="cp1252")
    eco = read_survey(tmp_path / "enquête.csv", actors=tmp_path / "organisaties.csv",
                      questions=QUESTIONS, symmetrize="max")
    assert _ties(eco) == {**COMMON, **EXPECTED["max"]}
    trust = eco.ties.set_index(["source", "target", "kind"])["trust"]
    assert trust[("a", "b", "collaboration")] == (4 + 4.5) / 2  # decimal comma read
    # the format notes are those read_csv writes for the same file
    ref = es.read_csv(tmp_path / "organisaties.csv").read_report
    want = [n.message for n in ref.notes if n.topic == "format"]
    got = [n for n in eco.read_report.notes if n.source.endswith("organisaties.csv")]
    assert [n.message for n in got if n.topic == "format"] == want
    assert any("Windows-1252" in m for m in want) and any("semicolon" in m for m in want)
    mine = [n.message for n in eco.read_report.notes if n.source.endswith("enquête.csv")]
    assert any("semicolon" in m for m in mine) and any("decimal mark" in m for m in mine)
    assert "decimal comma read in columns 'vertrouwen: a', 'vertrouwen: b', 'vertrouwen: c'" in mine
    assert eco.provenance[-1]["step"] == "read_survey"


def test_number_with_the_other_decimal_mark_is_ambiguous(tmp_path):
    path = tmp_path / "enquete.csv"
    WIDE.assign(**{"vertrouwen: a": ["", "1.500", "2"]}).to_csv(path, sep=";", index=False)
    with pytest.raises(es.core.errors.FormatError, match=r"ambiguous.*decimal='\.'") as info:
        read_survey(path, actors=FRAME, questions=QUESTIONS)
    assert info.value.row == 1 and info.value.field == "vertrouwen: a"
    eco = read_survey(path, actors=FRAME, questions=QUESTIONS, decimal=".")
    assert eco.ties.set_index(["source", "target", "kind"]).loc[
        ("a", "b", "collaboration"), "trust"] == (4 + 1.5) / 2


def test_long_csv_file_matches_the_table(tmp_path):
    long = _long(WIDE)
    path = _csv(tmp_path, long, "lang.csv")
    for rule in EXPECTED:
        assert _ties(read_survey(path, actors=FRAME, layout="long", questions=QUESTIONS,
                                 symmetrize=rule)) == {**COMMON, **EXPECTED[rule]}


def test_long_layout_checks_in_order():
    long = _long(WIDE)
    bad = pd.concat([long, long.iloc[[0]]], ignore_index=True)
    bad.loc[len(bad) - 1, "value"] = "wekelijks"  # given twice, and off the scale
    with pytest.raises(DuplicateIdError):
        read_survey(bad, actors=FRAME, layout="long", questions=QUESTIONS)


def test_wide_columns_for_one_question_and_partner_are_refused():
    bad = WIDE.assign(**{"contact:  b": WIDE["contact: b"]})
    with pytest.raises(DuplicateIdError, match="'contact: b' and 'contact:  b'"):
        read_survey(bad, actors=FRAME, questions=QUESTIONS)


def test_pairs_of_a_survey_with_repeated_answers_keep_the_last():
    survey = Survey.read(WIDE, actors=FRAME, questions=QUESTIONS)
    a = survey.answers
    first = a[(a["respondent"] == "a") & (a["partner"] == "b") & (a["question"] == "contact")]
    twice = pd.concat([first.assign(rating=0.0), a], ignore_index=True)  # the later one wins
    from dataclasses import replace
    assert _ties(replace(survey, answers=twice).ecosystem(symmetrize="max")) == _ties(
        survey.ecosystem(symmetrize="max"))


def test_read_report_names_each_default_of_the_frame_once():
    # The frame is validated once: its defaults are reported once, and the reader's own
    # ``responded`` column is not reported as a column the user gave.
    frame = pd.DataFrame({"id": ["gp", "team", "net"],
                          "kind": ["gp", "social_team", "community_network"],
                          "neighbourhood": ["A", "", None]})
    answers = pd.DataFrame({"respondent": ["gp", "team"], "contact: gp": [0, 1],
                            "contact: team": [2, 0], "contact: net": [0, 3]})
    eco = read_survey(answers, actors=frame, questions={"contact": "collaboration"})
    messages = [n.message for n in eco.read_report.notes]
    assert len(messages) == len(set(messages))
    assert sum("neighbourhood empty for 2 actors" in m for m in messages) == 1
    assert not any("'responded'" in m for m in messages)
    assert eco.actors["responded"].tolist() == [True, True, False]
