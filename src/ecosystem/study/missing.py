"""Does a finding hinge on who answered the survey? Recompute it under every missing-data rule.

A network read from a partnership survey depends on two choices the data cannot make: how two
reports of one tie become one tie (the ``symmetrize`` rule) and who happened to respond.
:func:`sensitivity_to_missing` recomputes any measure of the ecosystem under each rule and under
random removal of respondents, so a researcher can show that a finding survives both.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ecosystem.core.ecosystem import Ecosystem
from ecosystem.core.errors import ConfigError
from ecosystem.core.random import Seed, as_generator
from ecosystem.io.survey import SYMMETRIZE, Survey

__all__ = ["sensitivity_to_missing"]


def _values(result: Any, func: str) -> pd.Series:
    if isinstance(result, pd.Series):
        return result.astype(float)
    if isinstance(result, pd.DataFrame):
        if result.shape[1] != 1:
            raise ConfigError(f"{func}(): the measure returned a table with "
                              f"{result.shape[1]} columns; return a Series or one column")
        return result.iloc[:, 0].astype(float)
    try:
        return pd.Series({"value": float(result)})
    except (TypeError, ValueError):
        raise ConfigError(f"{func}(): the measure must return a number or a Series, got "
                          f"{type(result).__name__}") from None


def sensitivity_to_missing(
    survey: Survey,
    measure: Callable[[Ecosystem], Any],
    *,
    rules: Sequence[str] = SYMMETRIZE,
    remove: float = 0.2,
    n_draws: int = 20,
    symmetrize: str = "reciprocated",
    threshold: float | str | None = None,
    seed: Seed = None,
) -> pd.DataFrame:
    """A measure of a surveyed ecosystem under every missing-data rule and respondent removal.

    The measure is computed (1) on the ecosystem of each ``symmetrize`` rule in ``rules``, and
    (2) ``n_draws`` times under rule ``symmetrize`` after removing a random ``remove`` share
    of the respondents (drawn without replacement, ``round(remove * respondents)`` each time),
    as if they had not answered. With ``remove=0`` every draw equals the plain measure.

    Parameters
    ----------
    survey
        A :class:`~ecosystem.Survey` (``Survey.read(...)``).
    measure
        ``f(eco)`` returning a number or a Series (e.g. by actor id).
    rules
        The ``symmetrize`` rules to compare.
    remove
        Share of respondents removed in each draw, in [0, 1).
    n_draws
        Number of random removals.
    symmetrize, threshold
        Rule and threshold of the removal draws (and of nothing else).
    seed
        Seed of the removals.

    Returns
    -------
    pandas.DataFrame
        Tidy: ``condition`` (``"rule"`` or ``"removal"``), ``rule``, ``draw`` (-1 for rules),
        ``removed`` (respondents removed), ``key`` (the measure's index entry, ``"value"``
        for a number) and ``value``.

    Examples
    --------
    >>> import pandas as pd
    >>> import ecosystem as es
    >>> frame = pd.DataFrame({"id": list("abcd"), "kind": ["gp", "welfare", "gp", "welfare"]})
    >>> answers = pd.DataFrame({"respondent": list("abc"), "contact: a": [0, 1, 2],
    ...                         "contact: b": [1, 0, 0], "contact: c": [2, 1, 0],
    ...                         "contact: d": [0, 1, 1]})
    >>> survey = es.Survey.read(answers, actors=frame, questions={"contact": "collaboration"})
    >>> out = es.sensitivity_to_missing(survey, lambda eco: eco.n_ties, n_draws=3, seed=1)
    >>> out[out["condition"] == "rule"].set_index("rule")["value"].to_dict()
    {'reciprocated': 4.0, 'union': 5.0, 'max': 5.0, 'min': 4.0, 'mean': 5.0}
    """
    func = "sensitivity_to_missing"
    if not isinstance(survey, Survey):
        raise ConfigError(f"{func}(): pass the Survey (es.Survey.read(...)), not "
                          f"{type(survey).__name__}: the rules need the raw answers")
    for r in rules:
        if r not in SYMMETRIZE:
            raise ConfigError(f"{func}(): rule {r!r} is not one of {SYMMETRIZE}")
    if not (0 <= remove < 1):
        raise ConfigError(f"{func}(): remove={remove!r} must be in [0, 1)")
    if not (isinstance(n_draws, (int, np.integer)) and n_draws >= 0):
        raise ConfigError(f"{func}(): n_draws={n_draws!r} must be an int >= 0")
    rows = []
    for rule in rules:
        v = _values(measure(survey.ecosystem(symmetrize=rule, threshold=threshold)), func)
        rows.append(pd.DataFrame({"condition": "rule", "rule": rule, "draw": -1, "removed": 0,
                                  "key": v.index.astype(str), "value": v.to_numpy()}))
    rng = as_generator(seed)
    respondents = np.array(sorted(survey.respondents), dtype=object)
    k = round(remove * len(respondents))
    for d in range(n_draws):
        gone: list[str] = list(rng.choice(respondents, size=k, replace=False)) if k else []
        eco = survey.without(gone).ecosystem(symmetrize=symmetrize, threshold=threshold)
        v = _values(measure(eco), func)
        rows.append(pd.DataFrame({"condition": "removal", "rule": symmetrize, "draw": d,
                                  "removed": k, "key": v.index.astype(str),
                                  "value": v.to_numpy()}))
    return pd.concat(rows, ignore_index=True)
