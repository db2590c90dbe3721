"""Survey answers, compiled: their ratings and counts, the sort by pair, and the ties.

A tie question's answers become ties by the rules of :mod:`ecosystem.io.survey` (its module
docstring has the table). A mutual kind needs both sides' answers about a pair side by side:
one sort of all answers by (question, pair, direction) puts them next to each other, and
one pass over a question's part of that order gives its ties. A directed kind needs no
pairing: one pass over the answers keeps those > 0. Reading rates each answer by a table of
(question, distinct answer) and counts what the read report says of the answers
(:func:`answers_given`, :func:`rated`, :func:`answer_counts`), one pass each.

Why compiled: written with NumPy the pairing took about 25 passes over a million pairs
(gathers, masks, temporaries) on two threads; here it is one pass, a loop NumPy cannot
express (a pair's one or two answers are read together). The arithmetic of each weight is
the same expression in the same order, so the weights are equal bit for bit. The first use
in a process loads the compiled passes (0.3-1 s by machine, a third of it numba's own start,
which reads the entry points of every installed package); the first after installing
compiles them (a few seconds, cached on disk).

Ratings arrive as given: NaN for an empty answer, which counts as 0, and any rating below
the threshold counts as 0 (``threshold=-inf``: none).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np

__all__ = ["RULES", "answer_counts", "answers_given", "by_pair", "directed_ties", "mutual_ties",
           "rated"]

_jit = numba.njit(cache=True, nogil=True, boundscheck=False)
#: answers from which :func:`by_pair` sorts in two parts on two threads
_TWO_PARTS = 100_000
#: the ``symmetrize`` rules by code, as :func:`mutual_ties` takes them
RULES = ("reciprocated", "union", "max", "min", "mean")


@_jit
def _key(i: np.int64, j: np.int64, q: np.int64, n: int) -> np.int64:
    """((q * n + a) * n + b) * 2 + direction, (a, b) the pair of ``i`` and ``j`` ordered."""
    a, b = min(i, j), max(i, j)
    return ((q * n + a) * n + b) * 2 + (1 if i > j else 0)


def _keys(i: np.ndarray, j: np.ndarray, q: np.ndarray, n: int) -> np.ndarray:
    """:func:`_key` of every answer, with NumPy (int64)."""
    a = np.minimum(i, j).astype(np.int64)
    return ((q.astype(np.int64) * n + a) * n + np.maximum(i, j)) * 2 + (i > j)


@_jit
def _packed(i: np.ndarray, j: np.ndarray, q: np.ndarray, n: int, bits: int, pivot: int
            ) -> tuple[np.ndarray, int]:
    """Per answer ``key << bits | index`` (see :func:`_key`), those with keys below
    ``pivot`` first (in no order): the packed values and how many are below."""
    m = i.shape[0]
    out = np.empty(m, dtype=np.int64)
    lo, hi = 0, m
    for k in range(m):
        key = _key(np.int64(i[k]), np.int64(j[k]), np.int64(q[k]), n)
        if key < pivot:
            out[lo] = (key << bits) | k
            lo += 1
        else:
            hi -= 1
            out[hi] = (key << bits) | k
    return out, lo


@_jit
def _unpacked(packed: np.ndarray, bits: int, order: np.ndarray) -> bool:
    """Sorted packed values to indices (into ``order``) and keys (written over the packed
    values: a new array of this size costs more here than the pass, its first touch of
    every page); whether two neighbours have one key (an answer given twice)."""
    low = (np.int64(1) << bits) - 1
    repeats = False
    for k in range(packed.shape[0]):
        v = packed[k]
        order[k] = v & low
        packed[k] = v >> bits
        repeats |= k > 0 and packed[k] == packed[k - 1]
    return repeats


def _sorted_part(packed: np.ndarray, bits: int, order: np.ndarray) -> bool:
    packed.sort()  # in place; NumPy sorts numbers without the interpreter lock
    return bool(_unpacked(packed, bits, order))


def by_pair(i: np.ndarray, j: np.ndarray, n: int, q: np.ndarray | None = None
            ) -> tuple[np.ndarray, np.ndarray, bool]:
    """(order, sorted keys, repeats) of answers ``i`` about ``j`` (actor positions < ``n``;
    of question ``q``) by question, pair (a, b) with a <= b, and direction (the key's low
    bit: the answer is b's about a); answers with equal keys in their order. ``repeats``:
    two answers have one key (an answer given twice).

    Where the key and the index fit 63 bits together, a sort of ``key << bits | index``
    (NumPy's fast unstable sort gives a stable order: no two packed values are equal), of
    many answers in two parts on two threads: those with keys below the median of a sample
    of them, and the rest.

    Examples
    --------
    >>> import numpy as np
    >>> from ecosystem.io._answers import by_pair
    >>> order, key, repeats = by_pair(np.array([1, 0, 2]), np.array([0, 1, 0]), 3)
    >>> order.tolist(), (key >> 1).tolist(), (key & 1).tolist()  # pair 0-1 both ways
    ([1, 0, 2], [1, 1, 2], [0, 1, 1])
    """
    m = len(i)
    if q is None:
        q = np.zeros(m, dtype=np.int8)
    bits = max(m - 1, 1).bit_length()
    top = (int(q.max()) + 1) * n * n * 2 if m else 0
    if top.bit_length() + bits > 62:
        key = _keys(i, j, q, n)
        order = np.argsort(key, kind="stable")
        key = key[order]
        return order, key, bool(len(key) > 1 and (key[1:] == key[:-1]).any())
    pivot = top  # one part
    if m >= _TWO_PARTS:
        at = np.linspace(0, m - 1, 1001).astype(np.int64)
        pivot = int(np.median(_keys(i[at], j[at], q[at], n)))
    packed, cut = _packed(i, j, q, n, bits, pivot)
    order = np.empty(m, dtype=np.int64)
    parts = [(0, cut), (cut, m)] if 0 < cut < m else [(0, m)]

    def sort(part: tuple[int, int]) -> bool:
        return _sorted_part(packed[part[0]:part[1]], bits, order[part[0]:part[1]])

    if len(parts) == 1:
        return order, packed, sort(parts[0])
    with ThreadPoolExecutor(max_workers=2) as pool:
        repeats = list(pool.map(sort, parts))
    # equal keys are in one part (the pivot is a key), so repeats never straddle the cut
    return order, packed, any(repeats)


@_jit
def _rating(x: np.ndarray, at: int, t: float) -> float:
    """Answer ``at``'s rating as the rules read it (no answer, -1, is 0)."""
    if at < 0:
        return 0.0
    v = x[at]
    return 0.0 if np.isnan(v) or v < t else v


@_jit
def _weight(rule: int, pa: float, pb: float, pos_a: bool, pos_b: bool) -> float:
    """Weight of a tie between two respondents under rule ``RULES[rule]``."""
    if rule == 1:  # union: the mean of the ratings > 0
        count = int(pos_a) + int(pos_b)
        return (pa + pb) / (count if count > 1 else 1)
    if rule == 2:
        return max(pa, pb)
    if rule == 3:
        return min(pa, pb)
    return (pa + pb) / 2  # reciprocated, mean


@_jit
def mutual_ties(order: np.ndarray, key: np.ndarray, base: int, n: int, x: np.ndarray,
                t: float, rule: int, keep: bool, responded: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int, int]:
    """Ties of one mutual question from its part of :func:`by_pair`'s sort.

    ``order, key``: that part (keys from ``base``); ``x``: every answer's rating; ``t``: the
    threshold; ``rule``: a code of :data:`RULES`; ``keep``: keep ties a non-respondent's
    partner reported; ``responded``: per actor. Of the answers about a pair one way, the
    last counts. Returns a, b (a < b), weight, reported_by code (0 both, 1 one, 2
    respondent), and the counts of pairs where both responded and only one side reported
    a tie, and where both did with different ratings.
    """
    m = key.shape[0]
    # the ratings in this order first: a loop of loads alone keeps many cache misses in
    # flight, the pairing loop's branches on each rating would wait for one at a time
    xs = np.empty(m, dtype=np.float64)
    for k in range(m):
        xs[k] = x[order[k]]
    a_out = np.empty(m, dtype=np.int64)
    b_out = np.empty(m, dtype=np.int64)
    w_out = np.empty(m, dtype=np.float64)
    r_out = np.empty(m, dtype=np.int8)
    ties = disagree = rating_disagree = 0
    k = 0
    while k < m:
        pair = (key[k] - base) >> 1
        at_ab = at_ba = -1  # positions in this order
        while k < m and (key[k] - base) >> 1 == pair:
            if key[k] & 1:
                at_ba = k
            else:
                at_ab = k
            k += 1
        a, b = pair // n, pair % n
        pa, pb = _rating(xs, at_ab, t), _rating(xs, at_ba, t)
        pos_a, pos_b = pa > 0, pb > 0
        both = responded[a] and responded[b]
        from_a = at_ab >= 0 or responded[a]  # a pair with one respondent: its report decides
        if both:
            tie = (pos_a and pos_b) if rule == 0 or rule == 3 else (pos_a or pos_b)
            disagree += pos_a != pos_b
            rating_disagree += pos_a and pos_b and pa != pb
        else:
            tie = (pos_a if from_a else pos_b) and keep
        if not tie:
            continue
        a_out[ties], b_out[ties] = a, b
        if both:
            w_out[ties] = _weight(rule, pa, pb, pos_a, pos_b)
            r_out[ties] = 0 if pos_a and pos_b else 1
        else:
            w_out[ties] = pa if from_a else pb
            r_out[ties] = 2
        ties += 1
    return (a_out[:ties].copy(), b_out[:ties].copy(), w_out[:ties].copy(), r_out[:ties].copy(),
            disagree, rating_disagree)


@_jit
def directed_ties(i: np.ndarray, j: np.ndarray, q: np.ndarray, question: int, x: np.ndarray,
                  t: float, keep: bool, responded: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Ties of one directed question: its answers rated > 0 (see :func:`mutual_ties` for
    the arguments), from respondent to partner in the answers' order; without ``keep``
    only those whose partner responded. reported_by is 2 (the respondent) throughout."""
    m = i.shape[0]
    src = np.empty(m, dtype=np.int64)
    tgt = np.empty(m, dtype=np.int64)
    w = np.empty(m, dtype=np.float64)
    ties = 0
    for k in range(m):
        if q[k] != question:
            continue
        v = _rating(x, k, t)
        if v > 0 and (keep or responded[j[k]]):
            src[ties], tgt[ties], w[ties] = i[k], j[k], v
            ties += 1
    return src[:ties].copy(), tgt[:ties].copy(), w[:ties].copy(), np.full(ties, 2, np.int8)


@_jit
def answer_counts(i: np.ndarray, j: np.ndarray, x: np.ndarray, n: int
                  ) -> tuple[np.ndarray, int, int, int]:
    """Of answers ``i`` about ``j`` (actor positions < ``n``) rated ``x``: whether each
    actor answered at all, the number of answers about oneself and of those rated (not
    empty), and the number of empty answers about others.

    Examples
    --------
    >>> import numpy as np
    >>> from ecosystem.io._answers import answer_counts
    >>> answered, selves, rated, empty = answer_counts(
    ...     np.array([0, 0, 2]), np.array([0, 1, 1]), np.array([1.0, np.nan, 2.0]), 3)
    >>> answered.tolist(), selves, rated, empty
    ([True, False, True], 1, 1, 1)
    """
    answered = np.zeros(n, dtype=np.bool_)
    selves = rated = empty = 0
    for k in range(i.shape[0]):
        answered[i[k]] = True
        if i[k] == j[k]:
            selves += 1
            rated += not np.isnan(x[k])
        else:
            empty += np.isnan(x[k])
    return answered, selves, rated, empty


@_jit
def answers_given(q: np.ndarray, codes: np.ndarray, n_questions: int, width: int
                  ) -> np.ndarray:
    """Whether question ``q[k]`` was given answer ``codes[k]`` (-1, no answer: the last
    column), as a questions x ``width`` table.

    Examples
    --------
    >>> import numpy as np
    >>> from ecosystem.io._answers import answers_given
    >>> answers_given(np.array([0, 1, 1]), np.array([1, -1, 0]), 2, 3).astype(int).tolist()
    [[0, 1, 0], [1, 0, 1]]
    """
    given = np.zeros((n_questions, width), dtype=np.bool_)
    for k in range(q.shape[0]):
        c = codes[k]
        given[q[k], c if c >= 0 else width - 1] = True
    return given


@_jit
def rated(q: np.ndarray, codes: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Each answer's rating ``table[q[k], codes[k]]`` (code -1: the last column).

    Examples
    --------
    >>> import numpy as np
    >>> from ecosystem.io._answers import rated
    >>> table = np.array([[0.0, 1.0, np.nan], [5.0, 6.0, np.nan]])
    >>> rated(np.array([0, 1, 1]), np.array([1, -1, 0]), table).tolist()
    [1.0, nan, 5.0]
    """
    out = np.empty(q.shape[0], dtype=np.float64)
    last = table.shape[1] - 1
    for k in range(q.shape[0]):
        c = codes[k]
        out[k] = table[q[k], c if c >= 0 else last]
    return out
