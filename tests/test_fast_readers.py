"""The fast paths of the survey reader against the paths they stand in for.

``read_text_table``'s pyarrow parse must give what ``read_csv``'s own parser (pandas' C engine,
every column as text) gives, or leave the file to that parser; ``Ecosystem._from_positions``
must build what ``Ecosystem(actors, ties)`` builds and refuse everything it refuses.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
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
@given(st.integers(1, 6), st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)),
                                   max_size=30))
def test_pairs_equal_a_dict_of_the_answers(n, answers):
    """Each pair once, in (a, b) order, with the index of each side's last answer."""
    from ecosystem.io.survey import _pairs

    answers = [(i % n, j % n) for i, j in answers if i % n != j % n]
    i = np.array([a[0] for a in answers], dtype=np.int64)
    j = np.array([a[1] for a in answers], dtype=np.int64)
    last: dict[tuple[int, int], int] = {}
    for k, (s, t) in enumerate(answers):
        last[s, t] = k
    pairs = sorted({(min(s, t), max(s, t)) for s, t in answers})
    want = [[a for a, _ in pairs], [b for _, b in pairs],
            [last.get((a, b), -1) for a, b in pairs], [last.get((b, a), -1) for a, b in pairs]]
    got = _pairs(i, j, n)
    assert [g.tolist() for g in got] == want


@pytest.mark.parametrize("seed", range(6))
def test_long_read_pairs_equal_pairs_of_the_answers(seed):
    """The pairs reading sorted (self-answers left out) give the ecosystems the answers
    alone give (a Survey whose answers were replaced pairs them again)."""
    from dataclasses import replace

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
    survey = es.Survey.read(long, actors=frame, layout="long", questions=questions)
    assert survey._by_pair is not None and survey.notes["self_answers_ignored"] > 0
    again = replace(survey, answers=survey.answers)
    assert again._by_pair is None
    for rule in ("reciprocated", "union", "max", "min", "mean"):
        for threshold in (None, 2):
            one = survey.ecosystem(symmetrize=rule, threshold=threshold)
            two = again.ecosystem(symmetrize=rule, threshold=threshold)
            pd.testing.assert_frame_equal(one.ties, two.ties)
            assert one.provenance[-1] == two.provenance[-1]


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


@given(st.lists(st.sampled_from(["o1", "o2", "o3", " o1", "O2", "x", "", None]),
                max_size=40), st.sampled_from(["str", "string", object]))
def test_lookup_equals_get_indexer_or_declines(values, dtype):
    """Positions of Arrow text among names as written, -1 for missing (the get_indexer of
    the values as they stand); None for another dtype or a value not among the names."""
    from ecosystem.io.survey import _lookup, _value_set

    names = ["o3", "o1", "o2", ""]
    column = pd.Series(values, dtype=dtype)
    got = _lookup(column, _value_set(names))
    if dtype is object or not values or any(v is not None and v not in names for v in values):
        assert got is None
        return
    want = [-1 if v is None else names.index(v) for v in values]
    assert got is not None and got.dtype == np.int64 and got.tolist() == want


@given(st.integers(2, 6), st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5),
                                            st.integers(0, 1), st.sampled_from([0.0, 1.0, 2.0])),
                                  max_size=40),
       st.sampled_from(["reciprocated", "union", "max", "min", "mean"]))
def test_mutual_ties_in_halves_equal_the_whole(n, answers, rule):
    """A question's sorted answers in two halves split between pairs give, joined, the ties
    and counts of all of them at once."""
    from ecosystem.io.survey import _by_pair, _group_pairs, _halves, _joined, _mutual

    answers = list({(i % n, j % n, q): x for i, j, q, x in answers if i % n != j % n}.items())
    i = np.array([a[0][0] for a in answers], dtype=np.int64)
    j = np.array([a[0][1] for a in answers], dtype=np.int64)
    q = np.array([a[0][2] for a in answers], dtype=np.int64)
    x0 = np.array([a[1] for a in answers] + [0.0], dtype=float)
    responded = np.arange(n) % 3 != 2
    order, key = by_pair = _by_pair(i, j, n, q)
    for k in (0, 1):
        halves = _halves(by_pair, k, n)
        assert len(halves) == 2
        got = _joined([_mutual(_group_pairs(*h, n), x0, rule, "keep", responded)
                       for h in halves])
        mine = (key >= k * n * n * 2) & (key < (k + 1) * n * n * 2)
        want = _mutual(_group_pairs(order[mine], key[mine] - k * n * n * 2, n), x0, rule,
                       "keep", responded)
        assert [g.tolist() for g in got[0]] == [w.tolist() for w in want[0]]
        assert got[1] == want[1]
        first, second = (h[1] >> 1 for h in halves)
        assert not set(first.tolist()) & set(second.tolist())  # no pair in both halves


# ------------------------------------------------------------------ mutual ties by rule
@given(st.lists(st.tuples(st.booleans(), st.booleans(), st.sampled_from([0.0, 1.0, 2.0, 3.0]),
                          st.sampled_from([0.0, 1.0, 2.0]), st.booleans(), st.booleans()),
                max_size=25),
       st.sampled_from(["reciprocated", "union", "max", "min", "mean"]),
       st.sampled_from(["keep", "drop"]))
def test_mutual_ties_follow_the_rule_table(rows, rule, non_respondents):
    """Pair by pair against the module docstring's table (a pair: whether each side
    answered, its rating, whether each side responded)."""
    from ecosystem.io.survey import _mutual

    rows = [(ha, hb, xa, xb, ra or ha, rb or hb) for ha, hb, xa, xb, ra, rb in rows]
    m = len(rows)
    responded = np.array([r[4] for r in rows] + [r[5] for r in rows], dtype=bool)
    x = np.array([r[2] for r in rows] + [r[3] for r in rows])
    pairs = (np.arange(m), np.arange(m) + m,
             np.array([k if r[0] else -1 for k, r in enumerate(rows)], dtype=np.int64),
             np.array([m + k if r[1] else -1 for k, r in enumerate(rows)], dtype=np.int64))
    (a, _, w, reported), stats = _mutual(pairs, np.append(x, 0.0), rule, non_respondents,
                                         responded)
    want, disagree, rating_disagree = {}, 0, 0
    for k, (ha, hb, xa, xb, ra, rb) in enumerate(rows):
        pa, pb = (xa if ha else 0.0), (xb if hb else 0.0)
        if ra and rb:
            disagree += (pa > 0) != (pb > 0)
            rating_disagree += pa > 0 and pb > 0 and pa != pb
            pos = [v for v in (pa, pb) if v > 0]
            tie = len(pos) == 2 if rule in ("reciprocated", "min") else bool(pos)
            weight = {"reciprocated": (pa + pb) / 2, "mean": (pa + pb) / 2,
                      "union": sum(pos) / max(len(pos), 1), "max": max(pa, pb),
                      "min": min(pa, pb)}[rule]
            if tie:
                want[k] = (weight, "both" if len(pos) == 2 else "one")
        else:
            single = pa if (ha or ra) else pb
            if single > 0 and non_respondents == "keep":
                want[k] = (single, "respondent")
    names = ["both", "one", "respondent"]
    got = {int(k): (float(v), names[r]) for k, v, r in zip(a, w, reported, strict=True)}
    assert got == want
    assert stats == {"disagreements": disagree, "rating_disagreements": rating_disagree}
