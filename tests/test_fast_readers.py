"""The fast paths of the survey reader against the paths they stand in for.

``read_text_table``'s pyarrow parse must give what ``read_csv``'s own parser (pandas' C engine,
every column as text) gives, or leave the file to that parser; ``Ecosystem._from_positions``
must build what ``Ecosystem(actors, ties)`` builds and refuse everything it refuses.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ecosystem as es
from ecosystem.core.errors import EcosystemError
from ecosystem.core.report import Collector
from ecosystem.io import csv as csvmod

# ------------------------------------------------------------------ text tables
_CELL = st.text(alphabet=st.sampled_from(list('ab ;,"\'=\n\r\t1.é')), max_size=5)


def _both(path):
    """(fast path frame or error, read_csv's parser frame or error) of one file."""
    out = []
    for fast in (True, False):
        notes = Collector()
        try:
            opened = csvmod._open(path, sep=None, decimal=None, encoding=None, notes=notes)
            frame = csvmod._parse_arrow(opened) if fast else None
            if frame is not None:
                frame = csvmod._finish(frame, opened)
            elif fast:
                out.append("fallback")
                continue
            else:
                frame = csvmod._parse(opened, dict.fromkeys(opened.names, "str"))
            out.append(frame)
        except EcosystemError as exc:
            out.append(type(exc).__name__)
    return out


@given(st.lists(st.lists(_CELL, min_size=1, max_size=4), min_size=1, max_size=5),
       st.sampled_from([",", ";"]), st.booleans())
def test_arrow_parse_equals_read_csv_parser_or_falls_back(tmp_path_factory, rows, sep, quote):
    def cell(c):
        return '"' + c.replace('"', '""') + '"' if quote or sep in c or '"' in c or "\n" in c \
            or "\r" in c else c
    header = sep.join(f"k{j}" for j in range(len(rows[0])))
    text = header + "\n" + "\n".join(sep.join(cell(c) for c in r) for r in rows) + "\n"
    path = tmp_path_factory.mktemp("t") / "t.csv"
    path.write_bytes(text.encode("utf-8"))
    fast, slow = _both(path)
    if isinstance(fast, str):
        assert fast == "fallback" or fast == slow
        return
    pd.testing.assert_frame_equal(fast, slow)


@pytest.mark.parametrize("text", ['k0\n \nb\n', 'k0,k1\n"a\nb",c\n', 'k0,k1\n \na,b\n',
                                  'k0,k1\n"",x\n', 'k0,k1\r\na,b\r\n', 'k0,k1\n a,"b" \n'])
def test_arrow_parse_by_hand(tmp_path, text):
    path = tmp_path / "t.csv"
    path.write_bytes(text.encode())
    fast, slow = _both(path)
    if isinstance(fast, str):
        assert fast == "fallback"
    else:
        pd.testing.assert_frame_equal(fast, slow)


def test_read_text_table_keeps_read_csv_notes(tmp_path):
    path = tmp_path / "dutch.csv"
    path.write_bytes("respondent;vertrouwen\nbuurthuis Ré;3,5\n".encode("cp1252"))
    notes_t, notes_c = Collector(), Collector()
    frame, _, dec = csvmod.read_text_table(path, sep=None, decimal=None, encoding=None,
                                           notes=notes_t)
    csvmod._frame(path, None, "actors", es.Schema.default(), sep=None, decimal=None,
                  encoding=None, notes=notes_c)
    fmt = [n.message for n in notes_t.notes]
    assert fmt == [n.message for n in notes_c.notes if n.topic == "format"]
    assert dec == "," and frame["respondent"].tolist() == ["buurthuis Ré"]
    assert frame["vertrouwen"].tolist() == ["3,5"]  # text: the caller parses the number


@pytest.mark.parametrize("text", [
    "a,b\n1,2,3\n",            # a row wider than the header
    "a,a\n1,2\n",              # a column named twice
    "a,\n1,2\n",               # values under a column without a name
])
def test_read_text_table_refuses_what_read_csv_refuses(tmp_path, text):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(EcosystemError) as fast:
        csvmod.read_text_table(path, sep=None, decimal=None, encoding=None, notes=Collector())
    with pytest.raises(EcosystemError) as slow:
        csvmod._frame(path, {"a": "str", "b": "str"}, "actors", es.Schema.default(),
                      sep=None, decimal=None, encoding=None, notes=Collector())
    assert type(fast.value) is type(slow.value) and str(fast.value) == str(slow.value)


def test_read_text_table_short_rows_and_neutralised_text(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n'=1,x\n2\n")  # a short row: pyarrow refuses, read_csv fills it
    frame, _, _ = csvmod.read_text_table(path, sep=None, decimal=None, encoding=None,
                                         notes=Collector())
    assert frame["a"].tolist() == ["=1", "2"] and frame["b"].isna().tolist() == [False, True]


@pytest.mark.parametrize(("text", "encoding"), [
    ("a,b\n'=1,x\n2,y\n", "ascii"),                 # neutralised text, ASCII: stays mapped
    ('k0,k1\n"a\nb",c\nd,e\n', "ascii"),              # quotes: newlines inside values
    ("respondent;vertrouwen\nbuurthuis Ré;3,5\n", "cp1252"),  # copied and decoded
    ("\ufeffa,b\nRé,1\n", "utf-8"),                   # a byte-order mark, not ASCII
    ("a,b\n1,2,3\n", "ascii"),                       # refused the same
])
def test_mapped_file_reads_as_the_copied_file(tmp_path, monkeypatch, text, encoding):
    """From MAPPED_FROM bytes on a file is mapped, not read: same frame, notes and errors."""
    from ecosystem.io import _text

    path = tmp_path / "t.csv"
    path.write_bytes(text.encode(encoding))
    out = []
    for mapped_from in (_text.MAPPED_FROM, 1):
        monkeypatch.setattr(_text, "MAPPED_FROM", mapped_from)
        assert isinstance(_text.contents(path), bytes) == (mapped_from > 1)
        notes = Collector()
        try:
            frame, _, dec = csvmod.read_text_table(path, sep=None, decimal=None,
                                                   encoding=None, notes=notes)
            out.append((frame, dec, [n.message for n in notes.notes]))
        except EcosystemError as exc:
            out.append((type(exc).__name__, str(exc)))
    if len(out[0]) == 2:
        assert out[0] == out[1]
        return
    pd.testing.assert_frame_equal(out[0][0], out[1][0])
    assert out[0][1:] == out[1][1:]


# ------------------------------------------------------------------ ties from positions
ACTORS = pd.DataFrame({"id": ["a", "b", "c", "d"],
                       "kind": ["huisarts", "wijkteam", "welzijn", "zorgzame gemeenschap"]})


def _via_table(src, tgt, columns):
    ids = np.array(["a", "b", "c", "d"], dtype=object)
    ties = pd.DataFrame({"source": ids[src], "target": ids[tgt], **columns})
    return es.Ecosystem(ACTORS, ties)


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3),
                          st.sampled_from(["referral", "collaboration", "verwijzing"]),
                          st.floats(0, 5)), max_size=12))
def test_from_positions_equals_the_ties_table(rows):
    src = np.array([r[0] for r in rows], dtype=np.int64)
    tgt = np.array([r[1] for r in rows], dtype=np.int64)
    columns = {"kind": [r[2] for r in rows], "weight": [r[3] for r in rows],
               "trust": np.arange(len(rows), dtype=float)}
    try:
        want = _via_table(src, tgt, columns)
    except EcosystemError as exc:
        with pytest.raises(type(exc)) as got:
            es.Ecosystem._from_positions(ACTORS, src, tgt, columns)
        assert str(got.value) == str(exc)
        return
    got = es.Ecosystem._from_positions(ACTORS, src, tgt, columns)
    assert got == want
    assert got.read_report == want.read_report


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3),
                          st.sampled_from(["referral", "collaboration", "verwijzing",
                                           " referral", "Referral", "vriendschap", None])),
                max_size=12))
def test_categorical_kinds_equal_the_same_kinds_as_text(rows):
    """A categorical kind column (the survey reader's) builds, notes and refuses exactly as
    the same kinds written as text."""
    src = np.array([r[0] for r in rows], dtype=np.int64)
    tgt = np.array([r[1] for r in rows], dtype=np.int64)
    kinds = [r[2] for r in rows]
    built = []
    for column in (pd.Series(kinds, dtype=object), pd.Categorical(kinds)):
        try:
            built.append(es.Ecosystem._from_positions(ACTORS, src, tgt, {"kind": column}))
        except EcosystemError as exc:
            built.append(exc)
    text, categorical = built
    if isinstance(text, EcosystemError):
        assert type(categorical) is type(text) and str(categorical) == str(text)
        return
    assert isinstance(categorical, es.Ecosystem)
    pd.testing.assert_frame_equal(categorical.ties, text.ties)
    assert categorical.read_report == text.read_report


@pytest.mark.parametrize("columns", [
    {"kind": ["referral"], "weight": [-1.0]},         # negative weight
    {"kind": ["referral"], "weight": [np.nan]},       # empty weight
    {"kind": ["vriendschap"], "weight": [1.0]},       # unknown kind
    {"kind": ["referral"], "weight": [1.0], "gewicht": [2.0]},  # two weight columns
    {"kind": ["referral"], "weight": [1.0], "van": ["x"]},      # two source columns
])
def test_from_positions_refuses_what_the_table_refuses(columns):
    src, tgt = np.array([0]), np.array([1])
    with pytest.raises(EcosystemError) as want:
        _via_table(src, tgt, columns)
    with pytest.raises(type(want.value)) as got:
        es.Ecosystem._from_positions(ACTORS, src, tgt, columns)
    assert str(got.value) == str(want.value)


def test_from_positions_refuses_positions_outside_the_actors():
    with pytest.raises(es.core.errors.DanglingTieError, match="position 4"):
        es.Ecosystem._from_positions(ACTORS, np.array([0]), np.array([4]),
                                     {"kind": ["referral"]})
    with pytest.raises(es.core.errors.WrongTypeError):
        es.Ecosystem._from_positions(ACTORS, np.array([0.0]), np.array([1]), {})


def test_from_positions_refuses_columns_of_different_lengths():
    with pytest.raises(es.core.errors.ValidationError, match="different lengths"):
        es.Ecosystem._from_positions(ACTORS, np.array([0, 1]), np.array([1]), {})


# ------------------------------------------------------------------ text tables of many blocks
@pytest.mark.parametrize(("run", "apostrophes"), [(1, True), (3, True), (50, True), (3, False)])
def test_text_table_of_many_blocks(tmp_path, run, apostrophes):
    """A file over several of pyarrow's blocks (runs of equal texts, empty cells, neutralised
    text or no apostrophe at all) reads as read_csv's parser reads it."""
    rng = np.random.default_rng(run)
    n = 150_000
    words = np.array(["org 1", "org2 ", "'=org3" if apostrophes else "=org3", "org4", ""],
                     dtype=object)
    first = np.repeat(words[rng.integers(0, 5, n // run + 1)], run)[:n]
    second = words[rng.integers(0, 5, n)]
    text = "a,b\n" + "\n".join(f"{x},{y}" for x, y in zip(first, second, strict=True)) + "\n"
    path = tmp_path / "runs.csv"
    path.write_text(text)
    fast, slow = _both(path)
    pd.testing.assert_frame_equal(fast, slow)
    assert slow["a"].isna().any() and (slow["a"] == "=org3").any()
    frame, _, _ = csvmod.read_text_table(path, sep=None, decimal=None, encoding=None,
                                         notes=Collector())
    pd.testing.assert_frame_equal(frame, slow)


# ------------------------------------------------------------------ pairs of answers
RULE_WEIGHT = {"reciprocated": lambda pos, pa, pb: (pa + pb) / 2,
               "mean": lambda pos, pa, pb: (pa + pb) / 2,
               "union": lambda pos, pa, pb: sum(pos) / max(len(pos), 1),
               "max": lambda pos, pa, pb: max(pa, pb),
               "min": lambda pos, pa, pb: min(pa, pb)}


def _ties_by_the_table(answers, responded, rule, keep, t):
    """Mutual ties by the module docstring's table, from a dict of each side's last answer
    (a, b, weight, reported_by) and the disagreement counts."""
    last = {}
    for s_, t_, x in answers:
        last[s_, t_] = 0.0 if np.isnan(x) or x < t else x
    ties, disagree, rating_disagree = [], 0, 0
    for a, b in sorted({(min(s_, t_), max(s_, t_)) for s_, t_, _ in answers}):
        pa, pb = last.get((a, b), 0.0), last.get((b, a), 0.0)
        if responded[a] and responded[b]:
            disagree += (pa > 0) != (pb > 0)
            rating_disagree += pa > 0 and pb > 0 and pa != pb
            pos = [v for v in (pa, pb) if v > 0]
            if len(pos) == 2 or (pos and rule not in ("reciprocated", "min")):
                ties.append((a, b, RULE_WEIGHT[rule](pos, pa, pb),
                             0 if len(pos) == 2 else 1))
            continue
        single = pa if ((a, b) in last or responded[a]) else pb
        if single > 0 and keep:
            ties.append((a, b, single, 2))
    return ties, disagree, rating_disagree


@given(st.integers(2, 7), st.lists(st.tuples(
    st.integers(0, 6), st.integers(0, 6), st.integers(0, 1),
    st.sampled_from([0.0, 1.0, 2.0, 3.0, 2.5, float("nan")])), max_size=40),
    st.lists(st.booleans(), min_size=7, max_size=7),
    st.sampled_from(["reciprocated", "union", "max", "min", "mean"]), st.booleans(),
    st.sampled_from([None, 2.0]))
def test_mutual_ties_follow_the_rule_table(n, answers, responded, rule, keep, threshold):
    """Both questions' answers sorted by pair, each question's ties against the table (a
    side's last answer about a pair counts; empty and below-threshold ratings are 0)."""
    from ecosystem.io._answers import RULES, by_pair, mutual_ties

    answers = [(i % n, j % n, q, x) for i, j, q, x in answers if i % n != j % n]
    i = np.array([a[0] for a in answers], dtype=np.int64)
    j = np.array([a[1] for a in answers], dtype=np.int64)
    q = np.array([a[2] for a in answers], dtype=np.int64)
    x = np.array([a[3] for a in answers], dtype=float)
    resp = np.array(responded[:n], dtype=bool)
    t = -np.inf if threshold is None else threshold
    order, key, _ = by_pair(i, j, n, q)
    assert np.all(np.diff(key) >= 0)
    for k in (0, 1):
        base = k * n * n * 2
        lo, hi = np.searchsorted(key, [base, base + n * n * 2])
        *got, disagree, rating_disagree = mutual_ties(
            order[lo:hi], key[lo:hi], base, n, x, t, RULES.index(rule), keep, resp)
        mine = [(s_, t_, x_) for s_, t_, q_, x_ in answers if q_ == k]
        want, d, rd = _ties_by_the_table(mine, resp, rule, keep, t)
        assert list(zip(*(g.tolist() for g in got), strict=True)) == want
        assert (disagree, rating_disagree) == (d, rd)


@given(st.integers(1, 6), st.lists(st.tuples(
    st.integers(0, 5), st.integers(0, 5), st.integers(0, 1),
    st.sampled_from([0.0, 1.0, 3.0, float("nan")])), max_size=30),
    st.lists(st.booleans(), min_size=6, max_size=6), st.booleans(),
    st.sampled_from([None, 1.0]))
def test_directed_ties_keep_answers_above_zero_in_order(n, answers, responded, keep,
                                                        threshold):
    from ecosystem.io._answers import directed_ties

    answers = [(i % n, j % n, q, x) for i, j, q, x in answers]
    cols = [np.array([a[c] for a in answers], dtype=float if c == 3 else np.int64)
            for c in range(4)]
    resp = np.array(responded[:n], dtype=bool)
    t = -np.inf if threshold is None else threshold
    got = directed_ties(*cols[:3], 1, cols[3], t, keep, resp)
    want = [(i, j, x, 2) for i, j, q, x in answers
            if q == 1 and x > 0 and not x < t and (keep or resp[j])]
    assert list(zip(*(g.tolist() for g in got), strict=True)) == want


@pytest.mark.parametrize(("way", "size"), [("one sort", 400), ("two parts", 400),
                                           ("two parts", 3), ("not packed", 400)])
def test_sort_by_pair_is_stable_however_sorted(monkeypatch, way, size):
    """Equal keys (an answer given twice) keep their order, whether the keys and indices
    are packed into one sort, into two parts sorted on two threads, or not packed at all
    (many actors); repeats are reported."""
    from ecosystem.io import _answers

    def refuse(*args):
        raise AssertionError("keys of 100 M actors and indices do not fit one int64")

    if way == "not packed":
        monkeypatch.setattr(_answers, "_packed", refuse)
    if way == "two parts":
        monkeypatch.setattr(_answers, "_TWO_PARTS", 1)
    rng = np.random.default_rng(3)
    n = 100_000_000 if way == "not packed" else 5
    i, j = rng.integers(0, 5, size), rng.integers(0, 5, size)
    q = rng.integers(0, 2, size)
    order, key, repeats = _answers.by_pair(i, j, n, q)
    want = ((np.minimum(i, j) + q * n) * n + np.maximum(i, j)) * 2 + (i > j)
    assert order.tolist() == np.argsort(want, kind="stable").tolist()
    assert key.tolist() == want[order].tolist()
    assert repeats == (len(set(want.tolist())) < len(want))


def _long_survey(seed):
    """A long survey of 12 organisations, three questions, shuffled, with self-answers."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"id": [f"o{k}" for k in range(12)], "kind": "huisarts"})
    keys = {(int(r), int(p), str(q)) for r, p, q in zip(
        rng.integers(0, 12, 150), rng.integers(0, 12, 150),
        rng.choice(["contact", "verwijzen", "vertrouwen"], 150), strict=True)}
    long = pd.DataFrame([(f"o{r}", f"o{p}", q, str(rng.choice(
        ["nooit", "soms", "vaak", "altijd", ""] if q == "contact" else
        ["nee", "ja"] if q == "verwijzen" else ["1", "2.5", ""])))
        for r, p, q in sorted(keys)], columns=["respondent", "partner", "question", "value"])
    long = long.sample(frac=1, random_state=seed).reset_index(drop=True)
    questions = {"contact": {"tie_kind": "collaboration",
                             "scale": ["nooit", "soms", "vaak", "altijd"]},
                 "verwijzen": {"tie_kind": "referral", "scale": ["nee", "ja"]},
                 "vertrouwen": {"attribute": "trust"}}
    return es.Survey.read(long, actors=frame, layout="long", questions=questions)


@pytest.mark.parametrize("seed", range(6))
def test_long_read_pairs_equal_pairs_of_the_answers(seed):
    """The pairs reading sorted (self-answers left out) give the ecosystems the answers
    alone give (a Survey whose answers were replaced pairs them again)."""
    from dataclasses import replace

    survey = _long_survey(seed)
    assert survey._by_pair is not None and survey.notes["self_answers_ignored"] > 0
    again = replace(survey, answers=survey.answers)
    assert again._by_pair is None
    for rule in ("reciprocated", "union", "max", "min", "mean"):
        for threshold in (None, 2):
            one = survey.ecosystem(symmetrize=rule, threshold=threshold)
            two = again.ecosystem(symmetrize=rule, threshold=threshold)
            pd.testing.assert_frame_equal(one.ties, two.ties)
            assert one.provenance[-1] == two.provenance[-1]


@pytest.mark.parametrize("seed", range(4))
def test_ties_worked_out_in_spans_on_two_threads_equal_one_pass(seed, monkeypatch):
    """Many answers are worked out on two threads, a mutual question in two spans: the
    same ties, in the same order, and the same counts as one pass (forced here)."""
    from ecosystem.io import survey as survey_module

    survey = _long_survey(seed)
    alone = {rule: survey.ecosystem(symmetrize=rule) for rule in ("reciprocated", "union")}
    monkeypatch.setattr(survey_module, "_THREADED", 1)
    for rule, one in alone.items():
        two = survey.ecosystem(symmetrize=rule)
        pd.testing.assert_frame_equal(one.ties, two.ties)
        assert one.provenance[-1] == two.provenance[-1]


@given(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 4), st.integers(0, 4)),
                max_size=30), st.integers(1, 4))
def test_spans_cover_a_question_in_order_and_split_no_pair(answers, parts):
    from ecosystem.io._answers import by_pair
    from ecosystem.io.survey import _spans

    n = 5
    i, j, q = (np.array([a[c] for a in answers], dtype=np.int64) for c in range(3))
    _, key, _ = by_pair(i, j, n, q)
    for k in range(3):
        spans = _spans(key, k, n, parts)
        mine = np.flatnonzero((key >> 1) // (n * n) == k)
        assert all(a[1] == b[0] for a, b in itertools.pairwise(spans))
        assert [p for lo, hi in spans for p in range(lo, hi)] == mine.tolist()
        for lo, hi in spans[1:]:  # a span starts with a pair's first answer
            assert lo == hi or lo == 0 or key[lo] >> 1 != key[lo - 1] >> 1


# ------------------------------------------------------------------ codes of answers
@given(st.lists(st.sampled_from(["nooit", "soms", "ja", " soms", "SOMS", "x", None]),
                max_size=40), st.booleans())
def test_codes_of_text_give_back_the_texts(values, arrow):
    """Codes against the scale labels (or factorize's where a value is not a label as it
    stands) index the distinct values back to every value; missing is -1."""
    from ecosystem.io.survey import _codes

    column = pd.Series(values, dtype="str" if arrow else object)
    codes, uniques = _codes(column, ["nooit", "soms", "vaak", "nee", "ja"])
    assert len(codes) == len(values)
    texts = np.append(np.asarray(uniques, dtype=object), None)[codes]
    assert texts.tolist() == [None if v is None else v for v in values]


@given(st.lists(st.tuples(st.sampled_from(["o1", "o2", "o3", " o1", "O2", "x", "", None]),
                          st.integers(1, 12)), max_size=40),
       st.sampled_from(["str", "string", object]), st.booleans())
def test_lookup_equals_get_indexer_or_declines(runs, dtype, by_runs):
    """Positions of Arrow text among names as written, -1 for missing (the get_indexer of
    the values as they stand); None for another dtype or a value not among the names.
    ``by_runs``: the values looked up once per run of equal values, wherever they come in
    runs (forced here: from two values on)."""
    from unittest import mock

    from ecosystem.io import survey
    from ecosystem.io.survey import _lookup, _value_set

    values = [v for v, length in runs for _ in range(length)]
    names = ["o3", "o1", "o2", ""]
    column = pd.Series(values, dtype=dtype)
    with mock.patch.multiple(survey, _RUN_SAMPLE=1 if by_runs else survey._RUN_SAMPLE,
                             _RUN_LENGTH=0 if by_runs else survey._RUN_LENGTH):
        got = _lookup(column, _value_set(names))
    if dtype is object or not values or any(v is not None and v not in names for v in values):
        assert got is None
        return
    want = [-1 if v is None else names.index(v) for v in values]
    # in the type of a categorical's codes, so that a categorical takes them as they are
    codes_type = pd.Categorical([], categories=names).codes.dtype
    assert got is not None and got.dtype == codes_type and got.tolist() == want




def test_values_are_looked_up_by_runs_only_where_the_first_come_in_runs():
    from ecosystem.io.survey import _RUN_SAMPLE, _run_starts

    grouped = pa.chunked_array([["a"] * 3000, ["a"] * 2000 + ["b"] * 4000, [None] * 9 + ["c"]])
    assert _run_starts(grouped).tolist() == [0, 5000, *range(9000, 9010)]
    alternating = pa.array(["a", "b"] * _RUN_SAMPLE)
    assert _run_starts(alternating) is None
    assert _run_starts(pa.array(["a"] * (2 * _RUN_SAMPLE - 1))) is None  # too few to bother


# ------------------------------------------------------------------ frame and responses together
def _survey_files(tmp_path, frame_text, frame_encoding="utf-8"):
    actors = tmp_path / "actors.csv"
    actors.write_bytes(frame_text.encode(frame_encoding))
    responses = tmp_path / "responses.csv"
    responses.write_text("respondent,partner,question,value\na,b,contact,2\nb,a,contact,1\n")
    return actors, responses


def test_frame_error_comes_first_while_responses_are_read(tmp_path):
    """The frame is validated on a thread while the responses are read: its error is the
    one raised when both are bad, as when one after the other."""
    actors, responses = _survey_files(tmp_path, "id,kind\na,huisarts\na,wijkteam\n")
    responses.write_bytes(b"PK\x03\x04 not a CSV")
    with pytest.raises(es.DuplicateIdError, match="appears more than once"):
        es.read_survey(responses, actors=actors, layout="long",
                       questions={"contact": "collaboration"})
    actors.write_text("id,kind\na,huisarts\nb,wijkteam\n")
    with pytest.raises(EcosystemError, match="ZIP archive"):
        es.read_survey(responses, actors=actors, layout="long",
                       questions={"contact": "collaboration"})


def test_frame_notes_come_before_the_responses_notes(tmp_path):
    actors, responses = _survey_files(tmp_path, "id;kind;naam\na;huisarts;Ré\nb;wijkteam;x\n",
                                      "cp1252")
    responses.write_text("respondent;partner;question;value\na;b;contact;2\n")
    eco = es.read_survey(responses, actors=actors, layout="long",
                         questions={"contact": "collaboration"})
    sources = [r["source"] for r in eco.read_report.to_records()]
    assert str(actors) in sources and str(responses) in sources
    assert sources == sorted(sources, key=lambda s: s != str(actors))  # the frame's first


def test_frame_problems_are_collected_from_the_thread(tmp_path):
    """Within collecting(), the frame's problems (validated on a thread) are gathered."""
    from ecosystem.core.report import collecting

    actors, responses = _survey_files(tmp_path, "id,kind\na,huisarts\na,wijkteam\nb,nee\n")
    with pytest.raises(es.ProblemsFound) as caught, collecting():
        es.read_survey(responses, actors=actors, layout="long",
                       questions={"contact": "collaboration"})
    assert len(caught.value.errors) == 2


@given(st.lists(st.tuples(st.integers(0, 2), st.integers(-1, 4)), max_size=40))
def test_answers_rated_by_the_table_of_question_and_answer(answers):
    """Each answer's rating is its (question, answer) cell, no answer (-1) the last column;
    the cells given are those some answer points at."""
    from ecosystem.io._answers import answers_given, rated

    q = np.array([a[0] for a in answers], dtype=np.int64)
    codes = np.array([a[1] for a in answers], dtype=np.int64)
    table = np.arange(18, dtype=float).reshape(3, 6)
    col = np.where(codes < 0, 5, codes)
    assert rated(q, codes, table).tolist() == table[q, col].tolist()
    want = np.zeros((3, 6), dtype=bool)
    want[q, col] = True
    assert answers_given(q, codes, 3, 6).tolist() == want.tolist()


@given(st.integers(1, 5), st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4),
                                            st.sampled_from([1.0, 0.0, float("nan")])),
                                  max_size=30))
def test_answer_counts_equal_counting_by_hand(n, answers):
    """Who answered at all, answers about oneself (and those rated), empty answers about
    others: against a count of the answers one by one."""
    from ecosystem.io._answers import answer_counts

    answers = [(i % n, j % n, x) for i, j, x in answers]
    i = np.array([a[0] for a in answers], dtype=np.int64)
    j = np.array([a[1] for a in answers], dtype=np.int64)
    x = np.array([a[2] for a in answers], dtype=float)
    answered, selves, rated, empty = answer_counts(i, j, x, n)
    assert answered.tolist() == [any(a[0] == k for a in answers) for k in range(n)]
    assert selves == sum(a[0] == a[1] for a in answers)
    assert rated == sum(a[0] == a[1] and not np.isnan(a[2]) for a in answers)
    assert empty == sum(a[0] != a[1] and np.isnan(a[2]) for a in answers)


_FRAMES = [
    pd.DataFrame({"id": ["a", "b"], "kind": ["huisarts", "wijkteam"]}),  # Dutch, no wijk
    pd.DataFrame({"id": ["a", "b", "c"], "soort": ["gp", "welfare", "gp"],
                  "wijk": ["Noord", "noord", None], "naam": ["x", "y", "z"]}),
    pd.DataFrame({"id": ["a", " b "], "kind": ["gp", "social_team"], "domain": ["formal", ""]}),
    pd.DataFrame({"id": ["a", "a"], "kind": ["gp", "gp"]}),  # duplicate id
    pd.DataFrame({"id": ["a", "b"], "kind": ["gp", "bakker"]}),  # unknown kind
    pd.DataFrame({"id": ["a", None], "kind": ["gp", "gp"]}),  # missing id
]


@pytest.mark.parametrize("collect", [False, True])
@pytest.mark.parametrize("k", range(len(_FRAMES)))
def test_frame_alone_equals_the_actors_of_an_ecosystem_without_ties(k, collect):
    """The survey validates its frame without building an ecosystem: the same table, notes
    and errors as ``Ecosystem(frame, None).actors``, also when problems are collected."""
    from contextlib import nullcontext

    from ecosystem.core.ecosystem import actors_alone
    from ecosystem.core.report import collecting
    from ecosystem.core.validate import Where

    out = []
    for alone in (True, False):
        notes = Collector()
        try:
            with collecting() if collect else nullcontext():
                if alone:
                    table = actors_alone(_FRAMES[k], es.Schema.default(), Where("frame.csv"),
                                         notes)
                else:
                    table = es.Ecosystem(_FRAMES[k], None, _source=(Where("frame.csv"),),
                                         _notes=notes).actors
            out.append((table, notes.report().to_records(), notes.changed))
        except EcosystemError as exc:
            out.append((type(exc), str(exc), getattr(exc, "errors", None)))
    if isinstance(out[0][0], pd.DataFrame):
        pd.testing.assert_frame_equal(out[0][0], out[1][0])
        assert out[0][1:] == out[1][1:]
    else:
        assert out[0][:2] == out[1][:2]
        assert [str(e) for e in out[0][2] or ()] == [str(e) for e in out[1][2] or ()]
