"""The referral-flow model: a passive description of where residents with a need go.

:class:`ReferralModel` holds the policy (who resolves what, where residents enter, how often a
handover succeeds, the hop limit, the demand); :meth:`ReferralModel.solve` and
:meth:`ReferralModel.simulate` run it (modules ``exact`` and ``simulate``) and return one
:class:`~ecosystem.flows.FlowResult`.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ecosystem.core._deprecate import renamed
from ecosystem.core.ecosystem import Ecosystem
from ecosystem.core.errors import (
    ConfigError,
    UnknownKindError,
    ValidationError,
    not_an_ecosystem,
    suggest,
)
from ecosystem.core.random import Seed
from ecosystem.core.schema import DOMAINS
from ecosystem.flows.assumptions import (
    HANDOVER_CROSS,
    HANDOVER_SAME,
    MAX_HOPS,
    SUITABILITY_FLOOR,
    default_entry,
    default_resolve,
)

if TYPE_CHECKING:
    from ecosystem.flows.queueing import QueueResult
    from ecosystem.flows.result import FlowResult

__all__ = ["ReferralModel"]

_DEFAULT_TIES = ("referral", "collaboration")
ROUTINGS = ("need", "weight")


@dataclass(frozen=True, eq=False)
class _Compiled:
    """The model as arrays: need-major (row k = need k, column a = actor position a).

    Routing: the probability that a resident with need n at a is referred to b is
    ``p_n(a, b) = ratio[n, a] * M'[a, b] * suit[n, b]`` on ordinary rows, with
    ``M'[a, b] = w_ab / W_a`` and ``ratio = W_a / S_n(a)`` (``S_n(a) = sum_c w_ac s_n(c)``), and
    ``w_ab / W_a`` on the *fallback* rows where every neighbour has suitability 0. ``step``
    holds ``M[a, b] = M'[a, b] h_ab``, shared by all needs; ``suit``, ``ratio`` and
    ``fallback`` are ``None`` under ``routing="weight"`` (suitability 1).
    """

    n: int
    needs: tuple[str, ...]
    routing: str
    resolve: np.ndarray  # K x n, r(a, n)
    entry: np.ndarray  # K x n, rows sum to 1 (0 when the ecosystem has no actors)
    entry_weight: np.ndarray  # K x n, un-normalised entry weights (scaled by their maximum)
    mix: np.ndarray  # K, share of residents with each need (demand shares or equal)
    demand: np.ndarray | None  # K, residents per year, or None
    domain: np.ndarray  # n, index into DOMAINS
    domain_appropriate: np.ndarray  # domains x K bool: the domain is appropriate for the need
    appropriate: np.ndarray  # K x n bool: actor's domain is appropriate for the need
    medicalised: np.ndarray  # K x n bool: medical actor, need without the medical domain
    indptr: np.ndarray  # CSR of the merged referral view (positive weights only)
    indices: np.ndarray
    weight: np.ndarray  # merged tie weight w_ab
    handover: np.ndarray  # h_ab per stored pair (weight-averaged over parallel ties)
    step: sp.csr_array  # M[a, b] = (w_ab / W_a) h_ab
    sink: np.ndarray  # n bool: no outgoing tie of the chosen kinds with positive weight
    loss: np.ndarray  # K x n: probability that a referral of need n from a fails; 0 at sinks
    suit: np.ndarray | None  # K x n suitability s_n(b) / max_b s_n(b) (target side)
    ratio: np.ndarray | None  # K x n: W_a / S_n(a) on ordinary rows, 0 on fallback rows/sinks
    fallback: np.ndarray | None  # K x n bool: every neighbour of a has s_n = 0 (weights rule)
    cache: dict = field(default_factory=dict)  # solver tables derived once per model

    @cached_property
    def step_t(self) -> sp.csr_array:
        """M^T in CSR form (rows = receiving actors): the gather form of the visit update."""
        return self.step.T.tocsr()

    def edge_allowed(self, k: int) -> np.ndarray:
        """Stored pairs (CSR order) that need ``k`` can be referred along (p_n(a, b) > 0)."""
        if self.suit is None or self.fallback is None:
            return np.ones(len(self.indices), dtype=bool)
        rows = np.repeat(np.arange(self.n), np.diff(self.indptr))
        return np.asarray((self.suit[k, self.indices] > 0) | self.fallback[k, rows])


class ReferralModel:
    r"""Where residents' needs end up: a referral-flow model on an ecosystem.

    A resident with need :math:`n` enters at actor :math:`a` with probability :math:`e_n(a)`.
    At an actor :math:`a` the resident (1) is resolved there with probability :math:`r(a, n)`;
    else (2) if :math:`a` has no outgoing tie of the chosen kinds with positive weight, the need
    is **stuck** at :math:`a`; else (3) if the resident has already been referred ``max_hops``
    times, it is **exceeded**; else (4) it is referred to :math:`b` with probability

    .. math:: p_n(a, b) = \frac{w_{ab}\, s_n(b)}{\sum_c w_{ac}\, s_n(c)}

    over :math:`a`'s referral ties (``routing="need"``, the default), where :math:`s_n(b)` is
    the **suitability** of :math:`b` for need :math:`n`: a GP sends an acute patient to the
    hospital and a lonely one to welfare, each along its own ties. Where every neighbour of
    :math:`a` has suitability 0 for :math:`n`, :math:`a` refers by the weights alone
    (:math:`w_{ab} / W_a`, :math:`W_a = \sum_c w_{ac}`), as every actor does under
    ``routing="weight"``. The handover then succeeds with probability :math:`h_{ab}`
    (``handover_same`` within a domain, ``handover_cross`` across, or the tie's ``handover``
    column); a failed handover is **lost**; then the resident is at :math:`b`. So the chance
    that a referral from :math:`a` fails, :math:`\sum_b p_n(a, b) (1 - h_{ab})`, depends on
    the need.

    A resolution is **resolved_appropriate** when the actor's domain is one of the need's
    appropriate domains (``eco.schema.needs[n].appropriate``) and **resolved_elsewhere**
    otherwise; **medicalised** is the part of resolved_elsewhere where a need whose appropriate
    domains exclude ``"medical"`` is resolved by a medical actor. The five outcomes
    resolved_appropriate, resolved_elsewhere, stuck, lost and exceeded partition 1. **Hops** is
    the number of successful referrals before the final outcome (a resident lost on its third
    referral attempt has 2 hops; an exceeded one has ``max_hops``).

    Parameters
    ----------
    eco
        The ecosystem.
    resolve
        Kind x need table of resolve probabilities in [0, 1] (index: actor kinds, ids or
        aliases; columns: need ids or aliases). Kinds or needs it does not list get 0. ``None``:
        :func:`~ecosystem.flows.default_resolve`. An actor column ``resolve_<need>`` overrides
        the table for that actor (missing values fall back to the table).
    suitability
        Kind x need table of suitabilities :math:`s_n(b) \ge 0` (finite, not capped; only
        their ratios within a referrer's ties matter), in the same forms as ``resolve``; an
        actor column ``suitability_<need>`` overrides it per actor. ``None``: the resolve
        probability in force for the actor (its kind's ``resolve`` value or its own
        ``resolve_<need>`` column) plus ``suitability_floor``.
    routing
        ``"need"`` (default): referral by tie weight times suitability, as above.
        ``"weight"``: by tie weight alone, whatever the need (:math:`s = 1`; ``suitability=``
        is then refused and ``suitability_<need>`` columns are not read).
    suitability_floor
        Added to the resolve probability to give the default suitability (finite, >= 0;
        default :data:`~ecosystem.flows.assumptions.SUITABILITY_FLOOR`, 0.05): referrers know
        roughly who can help and still sometimes send people to the wrong place; 0 sends
        nobody to an actor that cannot resolve the need while another neighbour can. Only
        with ``routing="need"`` and no ``suitability`` table (else a different value is
        refused, as it would have no effect).
    entry
        Kind x need table of entry weights >= 0; each actor gets its kind's weight (an actor
        column ``entry_<need>`` overrides it) and :math:`e_n` is these weights normalised to sum
        1 over all actors. Unlisted kinds or needs get 0. ``None``:
        :func:`~ecosystem.flows.default_entry`.
    handover_same, handover_cross
        Handover success probability within a domain and across domains (defaults
        :data:`~ecosystem.flows.assumptions.HANDOVER_SAME`, ``HANDOVER_CROSS``). A tie column
        ``handover`` overrides them per tie (missing values fall back). Parallel ties of
        different kinds between the same actors act as one referral route of weight
        :math:`\sum w` and success probability :math:`\sum w h / \sum w`.
    max_hops
        Referrals before an unresolved resident gives up (int >= 0), or ``None`` for no limit;
        then **exceeded** is the probability of circulating for ever (only possible in a closed
        loop where nobody resolves and no handover fails).
    tie_kinds
        Tie kinds that carry referrals, in a directed view (a mutual ``collaboration`` tie refers
        both ways). The default uses those of ``("referral", "collaboration")`` that the schema
        knows.
    weight
        Tie column with the referral strength :math:`w`, or ``None`` for 1 per tie.
    demand
        Residents per year with each need: a Series indexed by need, or a DataFrame indexed by
        neighbourhood with one column per need. Counts are fractions times demand. With a
        DataFrame, residents of neighbourhood X enter at X's actors and the shared actors (no
        neighbourhood) in proportion to their entry weights, and :math:`e_n` is the
        demand-weighted mix of these; demand rows of neighbourhoods not listed count 0.
        ``None``: the ``demand_<need>`` columns of the neighbourhoods table
        (:meth:`Ecosystem.neighbourhood_demand`; generated ecosystems have them); without
        them, counts are NaN and every need weighs equally in the ``"total"`` rows.

    Raises
    ------
    ConfigError
        A parameter of the wrong type or out of range.
    ValidationError
        A table entry out of range (a negative or non-finite suitability, ...), an unknown kind
        or need, entry weights that sum to 0, a negative demand; the message names the table,
        row and column.

    See Also
    --------
    ReferralModel.solve, ReferralModel.simulate, ecosystem.flows.assumptions

    References
    ----------
    Kemeny, J. G. and Snell, J. L. (1960). *Finite Markov Chains*, ch. III (absorbing chains):
    the expected visits :math:`e_n (I - Q_n)^{-1}` that :meth:`solve` computes.

    Examples
    --------
    >>> from ecosystem import datasets
    >>> from ecosystem.flows import ReferralModel
    >>> model = ReferralModel(datasets.example())
    >>> model.needs[:4]
    ('medical_acute', 'chronic_disease', 'mental_health', 'loneliness')
    >>> res = model.solve()
    >>> main = ["resolved_appropriate", "resolved_elsewhere", "stuck", "lost", "exceeded"]
    >>> float(res.outcomes.loc["total"].loc[main, "fraction"].sum().round(12))
    1.0
    """

    @renamed("ReferralModel", ties="tie_kinds")
    def __init__(
        self,
        eco: Ecosystem,
        *,
        resolve: pd.DataFrame | None = None,
        entry: pd.DataFrame | None = None,
        handover_same: float = HANDOVER_SAME,
        handover_cross: float = HANDOVER_CROSS,
        max_hops: int | None = MAX_HOPS,
        tie_kinds: str | Iterable[str] | None = _DEFAULT_TIES,
        weight: str | None = "weight",
        demand: pd.Series | pd.DataFrame | None = None,
        suitability: pd.DataFrame | None = None,
        routing: str = "need",
        suitability_floor: float = SUITABILITY_FLOOR,
    ) -> None:
        if not isinstance(eco, Ecosystem):
            raise ConfigError(not_an_ecosystem(eco, "ReferralModel"))
        self._eco = eco
        schema = eco.schema
        self._needs = tuple(schema.needs)
        self._handover_same = _probability(handover_same, "handover_same")
        self._handover_cross = _probability(handover_cross, "handover_cross")
        if max_hops is not None and (
            isinstance(max_hops, bool) or not isinstance(max_hops, (int, np.integer))
            or max_hops < 0
        ):
            raise ConfigError(
                f"ReferralModel(): max_hops={max_hops!r} is not accepted; use an int >= 0 or "
                "None (no limit)")
        self._max_hops = None if max_hops is None else int(max_hops)
        ties = tie_kinds
        if ties is _DEFAULT_TIES:
            ties = [t for t in _DEFAULT_TIES if t in schema.tie_kinds]
        self._spec = eco.view_spec(ties, directed=True, weight=weight)
        self._resolve = (default_resolve(schema) if resolve is None
                         else _kind_table(resolve, eco, "resolve", upper=1.0))
        self._entry = (default_entry(schema) if entry is None
                       else _kind_table(entry, eco, "entry", upper=np.inf))
        self._demand = _demand(eco.neighbourhood_demand() if demand is None else demand,
                               eco)
        if not isinstance(routing, str) or routing not in ROUTINGS:
            raise ConfigError(
                f"ReferralModel(): routing={routing!r} is not known"
                + (suggest(routing, ROUTINGS) if isinstance(routing, str) else "")
                + " Known: 'need' (by tie weight x suitability of the target for the need), "
                "'weight' (by tie weight alone)")
        self._routing = routing
        if routing == "weight" and suitability is not None:
            raise ConfigError(
                "ReferralModel(): suitability= has no effect with routing='weight' (referral by "
                "tie weight alone); use routing='need' or leave suitability out")
        self._suitability = (None if suitability is None
                             else _kind_table(suitability, eco, "suitability", upper=np.inf))
        self._floor = _floor(suitability_floor, routing, suitability)

    def _replace(self, *, resolve: pd.DataFrame | None = None,
                 entry: pd.DataFrame | None = None,
                 suitability: pd.DataFrame | None = None,
                 handover_same: float | None = None,
                 handover_cross: float | None = None) -> ReferralModel:
        """A copy with other policy tables, for repeated solves (sensitivity, calibration).

        Only the given tables are validated; the ecosystem, its cached views, the tie kinds,
        weights, routing, demand and hop limit are kept. ``suitability`` needs
        ``routing="need"``.
        """
        out = copy.copy(self)
        out.__dict__.pop("_compiled", None)
        eco = self._eco
        if resolve is not None:
            out._resolve = _kind_table(resolve, eco, "resolve", upper=1.0)
        if entry is not None:
            out._entry = _kind_table(entry, eco, "entry", upper=np.inf)
        if suitability is not None:
            if self._routing == "weight":
                raise ConfigError("ReferralModel._replace(): suitability= needs routing='need'")
            out._suitability = _kind_table(suitability, eco, "suitability", upper=np.inf)
        if handover_same is not None:
            out._handover_same = _probability(handover_same, "handover_same")
        if handover_cross is not None:
            out._handover_cross = _probability(handover_cross, "handover_cross")
        return out

    # ------------------------------------------------------------------ description
    @property
    def ecosystem(self) -> Ecosystem:
        """The ecosystem the model runs on."""
        return self._eco

    @property
    def needs(self) -> tuple[str, ...]:
        """Need ids, in schema order (the order of every per-need table)."""
        return self._needs

    @property
    def max_hops(self) -> int | None:
        """The hop limit (``None``: no limit)."""
        return self._max_hops

    @property
    def handover_same(self) -> float:
        """Handover success probability within a domain."""
        return self._handover_same

    @property
    def handover_cross(self) -> float:
        """Handover success probability across domains."""
        return self._handover_cross

    @property
    def resolve_table(self) -> pd.DataFrame:
        """The kind x need resolve table in use (every kind and need of the schema)."""
        return self._resolve.copy()

    @property
    def entry_table(self) -> pd.DataFrame:
        """The kind x need entry-weight table in use (every kind and need of the schema)."""
        return self._entry.copy()

    @property
    def routing(self) -> str:
        """``"need"`` (tie weight x suitability) or ``"weight"`` (tie weight alone)."""
        return self._routing

    @property
    def suitability_table(self) -> pd.DataFrame | None:
        """The kind x need suitability table given, or ``None`` (the default rule is in use:
        resolve probability + :attr:`suitability_floor`, or ``routing="weight"``)."""
        return None if self._suitability is None else self._suitability.copy()

    @property
    def suitability_floor(self) -> float:
        """Added to the resolve probability in the default suitability (see the class)."""
        return self._floor

    @property
    def demand(self) -> pd.Series | pd.DataFrame | None:
        """The validated demand (canonical need ids), or ``None``."""
        return None if self._demand is None else self._demand.copy()

    def __repr__(self) -> str:
        return (f"ReferralModel({self._eco!r}, needs={len(self._needs)}, "
                f"max_hops={self._max_hops}, handover_same={self._handover_same}, "
                f"handover_cross={self._handover_cross}, "
                f"tie_kinds={sorted(self._spec.kinds)}, routing={self._routing!r})")

    # ------------------------------------------------------------------ solvers
    def solve(self, *, tol: float = 1e-12, max_iter: int = 100_000, hop_detail: int = 10,
              by_neighbourhood: bool = False) -> FlowResult:
        r"""Exact outcomes, hops and per-actor loads (see :func:`ecosystem.flows.exact.solve`).

        With :math:`Q_n[a, b] = (1 - r(a, n))\, p_n(a, b)\, h_{ab}` the visit vector after
        :math:`k` referrals is :math:`v_k = e_n Q_n^k`; the expected visits are
        :math:`\sum_{k \le H} v_k` for ``max_hops`` :math:`H`, and :math:`e_n (I - Q_n)^{-1}`
        for ``max_hops=None`` (the series hop by hop for ``hop_detail`` referrals, then a
        sparse iterative solve to ``tol``). ``by_neighbourhood=True`` adds
        :attr:`FlowResult.outcomes_by_neighbourhood`. :attr:`FlowResult.handovers` gives the
        referral attempts and failed handovers by the kind of actor referred to (the
        ``lost_to.<kind>`` metric).

        Examples
        --------
        >>> from ecosystem import datasets
        >>> from ecosystem.flows import ReferralModel
        >>> res = ReferralModel(datasets.example()).solve()
        >>> res.outcomes.loc[("loneliness", "medicalised"), "fraction"].round(3)
        np.float64(0.292)
        """
        from ecosystem.flows.exact import solve

        return solve(self, tol=tol, max_iter=max_iter, hop_detail=hop_detail,
                     by_neighbourhood=by_neighbourhood)

    def simulate(
        self, n_residents: int, *, seed: Seed = None, record: bool = False,
        max_steps: int | None = None, by_neighbourhood: bool = False,
    ) -> FlowResult:
        """Monte-Carlo outcomes (see :func:`ecosystem.flows.simulate.simulate`).

        ``n_residents`` residents are simulated per need; standard errors are binomial.
        ``max_steps`` caps the walker-steps of the call. ``by_neighbourhood=True`` also
        simulates ``n_residents`` per need of each neighbourhood for
        :attr:`FlowResult.outcomes_by_neighbourhood`.

        Examples
        --------
        >>> from ecosystem import datasets
        >>> from ecosystem.flows import ReferralModel
        >>> res = ReferralModel(datasets.example()).simulate(1000, seed=1, record=True)
        >>> len(res.record), list(res.record.columns)[:4]
        (10000, ['need', 'entry_id', 'hops', 'outcome'])
        """
        from ecosystem.flows.simulate import simulate

        return simulate(self, n_residents, seed=seed, record=record, max_steps=max_steps,
                        by_neighbourhood=by_neighbourhood)

    # ------------------------------------------------------------------ capacity and waiting
    def queueing(self, *, servers: object = None, service_rate: object = None) -> QueueResult:
        """Exact waits with limited capacity (see :func:`ecosystem.flows.queueing.queueing`).

        Each actor is an M/M/c station fed by the demand times :meth:`solve`'s expected visits;
        exact in steady state (product form), also with a hop limit.

        Parameters
        ----------
        servers
            Parallel servers per actor (ints >= 1): a scalar, a mapping ``{kind: value}`` or a
            Series by actor id; wins over the actors' ``servers`` column and the defaults of
            :func:`~ecosystem.flows.default_capacity`.
        service_rate
            Visits one server completes per year (> 0), given the same ways.

        Returns
        -------
        QueueResult
            Per-actor utilisation and waits, per-need waits (``method="exact"``).

        Examples
        --------
        >>> from ecosystem import datasets
        >>> from ecosystem.flows import ReferralModel
        >>> import pandas as pd
        >>> model = ReferralModel(datasets.example(), demand=pd.Series({"debt": 100.0}))
        >>> row = model.queueing().actors.loc["debt_help"]
        >>> int(row["servers"]), float(row["service_rate"]), bool(row["stable"])
        (2, 100.0, True)
        """
        from ecosystem.flows.queueing import queueing

        return queueing(self, servers=servers, service_rate=service_rate)

    def simulate_queue(self, horizon: float, *, servers: object = None,
                       service_rate: object = None, warmup: float | None = None,
                       seed: Seed = None, service: str = "exponential",
                       service_cv: float = 1.0, patience: float | None = None,
                       seasonality: object = None, level: float = 0.95,
                       record: bool = False) -> QueueResult:
        """Discrete-event simulation of the queueing network (see
        :func:`ecosystem.flows.des.simulate_queue`).

        Parameters
        ----------
        horizon
            Simulated years (> 0 and > ``warmup``).
        servers, service_rate
            Capacity overrides, as for :meth:`queueing`.
        warmup
            Years discarded at the start; ``None``: chosen from the run by MSER-5; ``0``: none.
        seed
            Random seed (int, Generator, SeedSequence or None); same seed, same numbers.
        service
            ``"exponential"``, ``"deterministic"`` or ``"lognormal"`` service times (mean
            ``1 / service_rate``).
        service_cv
            Coefficient of variation of lognormal service times (> 0).
        patience
            Longest wait in one queue (years) before a resident leaves (``abandoned``); ``None``:
            no limit.
        seasonality
            Multiplier of the demand over the year: a callable of time in years, or a Series /
            need-column DataFrame indexed by period starts as fractions of the year.
        level
            Confidence level of the batch-means intervals, in (0, 1).
        record
            Keep one row per visit in ``QueueResult.record``.

        Returns
        -------
        QueueResult
            ``method="simulation"``, with ``_low`` / ``_high`` bounds and ``counts``.

        Examples
        --------
        >>> from ecosystem import datasets
        >>> from ecosystem.flows import ReferralModel
        >>> import pandas as pd
        >>> model = ReferralModel(datasets.example(), demand=pd.Series({"debt": 100.0}))
        >>> q = model.simulate_queue(5.0, seed=1)
        >>> int(q.counts["arrived"]) == int(q.counts[["departed", "abandoned",
        ...                                           "in_system"]].sum())
        True
        """
        from ecosystem.flows.des import simulate_queue

        return simulate_queue(self, horizon, servers=servers, service_rate=service_rate,
                              warmup=warmup, seed=seed, service=service,
                              service_cv=service_cv, patience=patience,
                              seasonality=seasonality, level=level, record=record)

    # ------------------------------------------------------------------ compiled arrays
    @cached_property
    def _compiled(self) -> _Compiled:
        return _compile(self)


# ---------------------------------------------------------------------- validation
def _probability(value: object, name: str) -> float:
    if (not isinstance(value, (int, float, np.integer, np.floating)) or isinstance(value, bool)
            or not 0.0 <= float(value) <= 1.0):
        raise ConfigError(
            f"ReferralModel(): {name}={value!r} is not accepted; use a probability in [0, 1]")
    return float(value)


def _need_id(eco: Ecosystem, name: object, source: str, **where) -> str:
    try:
        return eco.schema.need(name)  # type: ignore[arg-type]
    except UnknownKindError as exc:
        raise ValidationError(f"need {exc}", source=source, **where) from None


def _kind_table(table: object, eco: Ecosystem, what: str, *, upper: float) -> pd.DataFrame:
    """Validate a kind x need table and expand it to every kind and need (missing: 0)."""
    source = f"{what} table"
    if not isinstance(table, pd.DataFrame):
        raise ConfigError(
            f"ReferralModel(): {what}= must be a DataFrame (index: actor kinds, columns: needs) "
            f"or None, got {type(table).__name__}")
    schema = eco.schema
    kinds: list[str] = []
    for i, name in enumerate(table.index):
        try:
            kind = schema.actor_kind(name)
        except UnknownKindError as exc:
            raise ValidationError(f"actor kind {exc}", source=source, row=i,
                                  field="kind") from None
        if kind in kinds:
            raise ValidationError(f"actor kind '{name}' is listed twice (as '{kind}')",
                                  source=source, row=i, field="kind")
        kinds.append(kind)
    needs: list[str] = []
    for col in table.columns:
        need = _need_id(eco, col, source, field=str(col))
        if need in needs:
            raise ValidationError(f"need '{col}' is listed twice (as '{need}')", source=source,
                                  field=str(col))
        needs.append(need)
    out = pd.DataFrame(0.0, index=pd.Index(list(schema.actor_kinds), name="kind"),
                       columns=pd.Index(list(schema.needs), name="need"))
    for j, col in enumerate(table.columns):
        values = pd.to_numeric(table[col], errors="coerce").to_numpy(dtype=np.float64)
        bad = ~((values >= 0) & (values <= upper) & np.isfinite(values))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            accepted = "a probability in [0, 1]" if upper == 1.0 else "a finite weight >= 0"
            raise ValidationError(
                f"kind '{kinds[i]}', need '{needs[j]}': value {table[col].iloc[i]!r} is not "
                f"{accepted}", source=source, row=i, field=str(col))
        out.loc[kinds, needs[j]] = values
    return out


def _demand(demand: object, eco: Ecosystem) -> pd.Series | pd.DataFrame | None:
    if demand is None:
        return None
    source = "demand"

    def check(values: np.ndarray, rows: list[str], col: str) -> None:
        bad = ~(np.isfinite(values) & (values >= 0))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValidationError(
                f"demand {float(values[i])!r} for '{rows[i]}' is not a finite number of residents "
                ">= 0", source=source, row=i, field=col)

    if isinstance(demand, pd.Series):
        needs = [_need_id(eco, n, source, row=i, field="need")
                 for i, n in enumerate(demand.index)]
        if len(set(needs)) < len(needs):
            raise ValidationError("a need is listed twice", source=source, field="need")
        values = pd.to_numeric(demand, errors="coerce").to_numpy(dtype=np.float64)
        check(values, needs, "demand")
        return pd.Series(values, index=pd.Index(needs, name="need"), name="demand").reindex(
            list(eco.schema.needs), fill_value=0.0)
    if isinstance(demand, pd.DataFrame):
        known = set(eco.neighbourhoods.index)
        rows = [str(x) for x in demand.index]
        for i, nb in enumerate(rows):
            if nb not in known:
                raise ValidationError(
                    f"neighbourhood '{nb}' is not in this ecosystem"
                    + suggest(nb, sorted(known)) + f" Known: {sorted(known)}",
                    source=source, row=i, field="neighbourhood")
        if len(set(rows)) < len(rows):
            raise ValidationError("a neighbourhood is listed twice", source=source,
                                  field="neighbourhood")
        cols = [_need_id(eco, c, source, field=str(c)) for c in demand.columns]
        if len(set(cols)) < len(cols):
            raise ValidationError("a need is listed twice", source=source)
        out = pd.DataFrame(index=pd.Index(rows, name="neighbourhood"))
        for c, need in zip(demand.columns, cols, strict=True):
            values = pd.to_numeric(demand[c], errors="coerce").to_numpy(dtype=np.float64)
            check(values, rows, str(c))
            out[need] = values
        return out.reindex(columns=list(eco.schema.needs), fill_value=0.0)
    raise ConfigError(
        "ReferralModel(): demand= must be a Series (need -> residents per year), a DataFrame "
        f"(neighbourhood x need) or None, got {type(demand).__name__}")


def _actor_overrides(base: np.ndarray, model: ReferralModel, prefix: str, upper: float
                     ) -> np.ndarray:
    """Apply actor columns ``<prefix><need>`` over the kind values (missing values keep them)."""
    actors = model.ecosystem.actors
    needs = model.needs
    out = base
    for col in actors.columns:
        if not str(col).startswith(prefix):
            continue
        need = str(col)[len(prefix):]
        if need not in needs:
            hint = suggest(need, needs)
            if hint:  # a near miss of a need id is a typo, not an unrelated attribute
                raise ValidationError(f"'{need}' is not a need{hint}", source="actors table",
                                      field=str(col))
            continue
        values = pd.to_numeric(actors[col], errors="coerce").to_numpy(dtype=np.float64)
        given = ~pd.isna(actors[col]).to_numpy()
        bad = given & ~((values >= 0) & (values <= upper) & np.isfinite(values))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            accepted = "a probability in [0, 1]" if upper == 1.0 else "a finite weight >= 0"
            raise ValidationError(
                f"actor '{actors['id'].iloc[i]}': value {actors[col].iloc[i]!r} is not "
                f"{accepted}", source="actors table", row=i, field=str(col))
        k = needs.index(need)
        out[given, k] = values[given]
    return out


def _compile(model: ReferralModel) -> _Compiled:
    eco = model.ecosystem
    schema = eco.schema
    needs = model.needs
    n, k_needs = eco.n_actors, len(needs)
    actors = eco.actors
    kind_code = pd.Categorical(actors["kind"], categories=list(schema.actor_kinds)).codes
    domain = pd.Categorical(actors["domain"], categories=list(DOMAINS)).codes.astype(np.int8)

    resolve = model._resolve.reindex(columns=list(needs)).to_numpy(dtype=np.float64)[kind_code]
    resolve = _actor_overrides(np.ascontiguousarray(resolve), model, "resolve_", 1.0)
    weights = model._entry.reindex(columns=list(needs)).to_numpy(dtype=np.float64)[kind_code]
    weights = _actor_overrides(np.ascontiguousarray(weights), model, "entry_", np.inf)
    weights = _scaled(weights)
    entry, mix, demand = _entry_distribution(weights, model, actors)

    appr = np.array([[d in schema.needs[nd].appropriate for nd in needs] for d in DOMAINS],
                    dtype=bool).reshape(len(DOMAINS), k_needs)
    appropriate = np.ascontiguousarray(appr.T[:, domain]) if n else np.zeros((k_needs, 0), bool)
    non_medical_need = ~appr[DOMAINS.index("medical")]
    medicalised = non_medical_need[:, None] & (domain == DOMAINS.index("medical"))[None, :]

    adj = eco.adjacency(sorted(model._spec.kinds), directed=True, weight=model._spec.weight)
    # (cached view: positive weights only, parallel ties summed)
    indptr, indices, weight = adj.indptr, adj.indices, adj.data
    rows = np.repeat(np.arange(n), np.diff(indptr))
    if len(weight) and not np.isfinite(np.bincount(rows, weight, minlength=n)).all():
        weight = weight / weight.max()  # the rule only uses ratios of weights within a row
    out_weight = np.bincount(rows, weight, minlength=n)
    sink = np.diff(indptr) == 0
    handover = _handover(model, adj, rows, domain)
    share = weight / out_weight[rows] if len(rows) else np.zeros(0)
    step = sp.csr_array((share * handover, indices, indptr), shape=(n, n))
    # Summed from 1 - h (not as 1 - row sum) so that handovers that never fail give exactly 0.
    loss_w = np.clip(np.bincount(rows, share * (1.0 - handover), minlength=n), 0.0, 1.0)
    suit = ratio = fallback = None
    if model.routing == "weight":
        loss = np.ascontiguousarray(np.broadcast_to(loss_w, (k_needs, n)))
    else:
        suit = _suitability(model, resolve, kind_code)  # K x n, scaled to max 1 per need
        # Per-need row sums S_n(a) = sum_b w_ab s_n(b) and the failing part, as two sparse
        # products with the K suitability vectors (no matrix per need).
        by_share = sp.csr_array((share, indices, indptr), shape=(n, n))
        failing = sp.csr_array((share * (1.0 - handover), indices, indptr), shape=(n, n))
        row_s = np.ascontiguousarray((by_share @ suit.T).T)  # S_n(a) / W_a
        row_f = np.ascontiguousarray((failing @ suit.T).T)
        ordinary = row_s > 0
        fallback = ~ordinary & ~sink[None, :]
        ratio = np.divide(1.0, row_s, out=np.zeros_like(row_s), where=ordinary)
        loss = np.where(ordinary, np.clip(row_f * ratio, 0.0, 1.0), loss_w[None, :])
        loss[:, sink] = 0.0
    return _Compiled(n=n, needs=needs, routing=model.routing,
                     resolve=np.ascontiguousarray(resolve.T),
                     entry=np.ascontiguousarray(entry.T),
                     entry_weight=np.ascontiguousarray(weights.T), mix=mix, demand=demand,
                     domain=domain, domain_appropriate=appr, appropriate=appropriate,
                     medicalised=np.ascontiguousarray(medicalised), indptr=indptr,
                     indices=indices, weight=weight, handover=handover, step=step, sink=sink,
                     loss=np.ascontiguousarray(loss), suit=suit, ratio=ratio,
                     fallback=fallback)


def _scaled(weights: np.ndarray) -> np.ndarray:
    """Entry weights (actors x needs) divided by their largest value per need.

    The entry distribution depends only on ratios of weights within a need; the scaling keeps
    their sums finite for weights up to the largest double.
    """
    top = weights.max(axis=0) if len(weights) else np.zeros(weights.shape[1])
    return weights / np.where(top > 0, top, 1.0)


def _floor(value: object, routing: str, table: object) -> float:
    """The checked suitability floor (a different value must be able to act)."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating) \
            or not np.isfinite(value) or value < 0:
        raise ConfigError(f"ReferralModel(): suitability_floor={value!r} is not accepted; use "
                          "a finite number >= 0")
    if float(value) != SUITABILITY_FLOOR and (routing == "weight" or table is not None):
        raise ConfigError(
            f"ReferralModel(): suitability_floor={value!r} has no effect with "
            + ("routing='weight'" if routing == "weight" else "a suitability table")
            + "; it only enters the default suitability (resolve + floor) of routing='need'")
    return float(value)


def _suitability(model: ReferralModel, resolve: np.ndarray, kind_code: np.ndarray
                 ) -> np.ndarray:
    """K x n suitability, divided by its largest value per need (only ratios matter)."""
    if model._suitability is None:
        base = resolve + model._floor
    else:
        base = model._suitability.reindex(columns=list(model.needs)).to_numpy(
            dtype=np.float64)[kind_code]
    base = _actor_overrides(np.array(base, dtype=np.float64, order="C"), model,
                            "suitability_", np.inf)
    top = base.max(axis=0) if len(base) else np.zeros(base.shape[1])
    return np.ascontiguousarray((base / np.where(top > 0, top, 1.0)).T)


def _handover(model: ReferralModel, adj: sp.csr_array, rows: np.ndarray, domain: np.ndarray
              ) -> np.ndarray:
    """h_ab per stored pair of the merged view."""
    eco = model.ecosystem
    same = domain[rows] == domain[adj.indices]
    default = np.where(same, model.handover_same, model.handover_cross)
    ties = eco.ties
    if "handover" not in ties.columns:
        return default
    column = pd.to_numeric(ties["handover"], errors="coerce").to_numpy(dtype=np.float64)
    given = ~pd.isna(ties["handover"]).to_numpy()
    bad = given & ~((column >= 0) & (column <= 1))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValidationError(
            f"tie '{ties['source'].iloc[i]}' -> '{ties['target'].iloc[i]}': handover "
            f"{ties['handover'].iloc[i]!r} is not a probability in [0, 1]",
            source="ties table", row=i, field="handover")
    src, tgt, w, tie_row = eco.edge_arrays(sorted(model._spec.kinds), directed=True,
                                          weight=model._spec.weight)
    if not given[tie_row].any():
        return default
    keep = w > 0
    src, tgt, w, tie_row = src[keep], tgt[keep], w[keep], tie_row[keep]
    same_e = domain[src] == domain[tgt]
    h = np.where(given[tie_row], column[tie_row],
                 np.where(same_e, model.handover_same, model.handover_cross))
    n = eco.n_actors
    # Sum w * h over parallel ties on the same sparsity pattern as the merged view.
    weighted = sp.csr_array((w * h, (src, tgt)), shape=(n, n))
    weighted.sum_duplicates()
    total = sp.csr_array((w, (src, tgt)), shape=(n, n))
    total.sum_duplicates()
    return weighted.data / total.data


def _entry_distribution(weights: np.ndarray, model: ReferralModel, actors: pd.DataFrame
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Normalised entry distribution per need, the need mix and the demand per need."""
    needs = model.needs
    n = len(weights)
    sums = weights.sum(axis=0)
    if n and (sums <= 0).any():
        k = int(np.flatnonzero(sums <= 0)[0])
        kinds = sorted(set(actors["kind"]))
        raise ValidationError(
            f"entry weights of need '{needs[k]}' sum to 0 over the actors of this ecosystem "
            f"(kinds present: {kinds}); give a positive weight to a kind present or an actor "
            f"column 'entry_{needs[k]}'", source="entry table", field=needs[k])
    entry = weights / np.where(sums > 0, sums, 1.0)
    demand = model._demand
    if demand is None:
        return entry, np.full(len(needs), 1.0 / max(len(needs), 1)), None
    if isinstance(demand, pd.Series):
        total = demand.to_numpy(dtype=np.float64)
    else:
        entry, total = _neighbourhood_entry(weights, demand, actors, entry)
    mix = total / total.sum() if total.sum() > 0 else np.full(len(needs), 1.0 / len(needs))
    return entry, mix, total


def _neighbourhood_entry(weights: np.ndarray, demand: pd.DataFrame, actors: pd.DataFrame,
                         fallback: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Residents of X enter at X's actors and the shared ones: e_n = sum_X D[X,n] e_{X,n}."""
    nb = actors["neighbourhood"]
    names = list(demand.index)
    code = pd.Index(names).get_indexer(nb)  # -1: shared or without demand
    shared = nb.isna().to_numpy()
    d = demand.to_numpy(dtype=np.float64)  # X x K
    inside = code >= 0
    own = np.column_stack([np.bincount(code[inside], weights[inside, k], minlength=len(names))
                           for k in range(d.shape[1])]) if d.shape[1] else np.zeros_like(d)
    reach = own + weights[shared].sum(axis=0)[None, :]  # S[X, n]
    empty = (reach <= 0) & (d > 0)
    if empty.any():
        i, k = (int(x[0]) for x in np.nonzero(empty))
        raise ValidationError(
            f"neighbourhood '{names[i]}' has demand for need '{demand.columns[k]}' but its "
            "actors and the shared actors all have entry weight 0", source="demand", row=i,
            field=str(demand.columns[k]))
    scale = np.divide(d, reach, out=np.zeros_like(d), where=reach > 0)  # D[X,n] / S[X,n]
    factor = np.zeros_like(weights)
    factor[code >= 0] = scale[code[code >= 0]]
    factor[shared] = scale.sum(axis=0)
    total = d.sum(axis=0)
    mixed = weights * factor / np.where(total > 0, total, 1.0)
    entry = np.where(total[None, :] > 0, mixed, fallback)  # need without demand: plain e_n
    return np.ascontiguousarray(entry), total
