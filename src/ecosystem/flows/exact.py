r"""Exact referral-flow outcomes: the visit series of an absorbing Markov chain, all needs at once.

For need :math:`n` the sub-stochastic step matrix is

.. math:: Q_n[a, b] = c_n(a)\, p_n(a, b)\, h_{ab}, \qquad
   p_n(a, b) = \frac{w_{ab}\, s_n(b)}{S_n(a)}, \qquad S_n(a) = \sum_c w_{ac}\, s_n(c),
   \qquad c_n(a) = (1 - r(a, n))\,[W_a > 0],

(:math:`s = 1` under ``routing="weight"``; rows where :math:`S_n(a) = 0` refer by the weights
alone, :math:`p_n(a, b) = w_{ab} / W_a`). Writing :math:`M[a, b] = (w_{ab} / W_a) h_{ab}` (one
matrix for every need), :math:`Q_n = \operatorname{diag}(c_n \rho_n)\, M\,
\operatorname{diag}(s_n)` with :math:`\rho_n(a) = W_a / S_n(a)`: the need enters only by a
scaling on the source side (per-need row sums) and one on the target side (suitability). The
visit vector after :math:`k` successful referrals is :math:`v_{k} = e_n Q_n^k`, computed as
:math:`v_{k+1} = s_n \circ M^\top (v_k \circ c_n \rho_n)`: one sparse matrix-vector product with
the shared :math:`M^\top` per need and hop, and no matrix per need. (A fallback row adds
:math:`M^\top (v_k \circ c_n [S_n = 0])`, a second product only for needs that have such rows.
Hop by hop, one product per need keeps each vector in cache; in the iterative tail below,
on networks too large for that, eight needs advance together with one product of the matrix
and an actors x 8 block per step.) From the expected visits
:math:`L = \sum_k v_k` (the *load*):

- resolved at :math:`a`: :math:`L(a)\, r(a, n)`; stuck at :math:`a`:
  :math:`L(a) (1 - r(a, n)) [W_a = 0]`;
- lost: :math:`\sum_{k < H} \sum_a v_k(a)\, c_n(a)\, \ell_n(a)` with
  :math:`\ell_n(a) = \sum_b p_n(a, b) (1 - h_{ab})`;
- exceeded: :math:`\sum_a v_H(a)\, c_n(a)`;
- hops: :math:`P(\text{hops} = k) = |v_k| - |v_{k+1}|` for :math:`k < H` and
  :math:`|v_H|` for :math:`k = H` (:math:`|v|` is the sum of the entries).

With ``max_hops=None`` the series :math:`L = e_n (I - Q_n)^{-1}` is summed by the same
iteration (a Neumann series; the sparse LU of :math:`I - Q_n` fills in badly on these graphs)
until the walking mass :math:`\max_n |v_k|` is below ``tol``: the outcome fractions are then
exact to ``tol`` (every unfinished resident is in that mass). Residents who reach an actor from
which no resolution, sink or failing handover can be reached (possible only when some actor
refers with :math:`r = 0` and handover 1) circulate for ever: they are counted as ``exceeded``
on arrival there and the load of such actors is infinite; removing them makes the spectral radius
of the remaining chain below 1, so the series converges. The outcomes are checked to sum to 1
within ``tol`` (plus the rounding of sums over the actors and hops); a chain that absorbs too
slowly for that raises a :class:`ConfigError` saying so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import breadth_first_order

from ecosystem.core.errors import ConfigError
from ecosystem.core.schema import DOMAINS
from ecosystem.flows.result import (
    MAIN_OUTCOMES,
    OUTCOMES,
    FlowResult,
    build,
    neighbourhood_table,
    per_year,
)

__all__ = ["solve"]

#: A finite ``max_hops`` up to this gives a hops table with a row for every hop 0..max_hops;
#: above it the table ends at the last hop with a non-zero probability.
HOP_ROWS = 1024


# solve()'s defaults, which visits_per_year() solves with too
_TOL, _MAX_ITER, _HOP_DETAIL = 1e-12, 100_000, 10


def solve(model, *, tol: float = _TOL, max_iter: int = _MAX_ITER,
          hop_detail: int = _HOP_DETAIL, by_neighbourhood: bool = False) -> FlowResult:
    """Exact outcomes of a :class:`~ecosystem.flows.ReferralModel` (see the module docstring).

    Parameters
    ----------
    model
        The referral model.
    tol
        ``max_hops=None`` only: stop when the probability that a resident is still walking is
        below ``tol`` for every need (bounds the error of every outcome fraction). The main
        outcomes are checked to sum to 1 within ``tol`` (every ``max_hops``).
    max_iter
        Give up (ConfigError) after this many referrals hop by hop or iterations of the
        iterative solver, saying how much of the residents were still walking.
    hop_detail
        ``max_hops=None`` only: the series is summed hop by hop for at most this many
        referrals (giving the hops distribution row by row); if residents are still walking
        then, the rest of the series :math:`v_K (I - Q_n)^{-1}` is solved by BiCGSTAB (per
        need) to a residual (2-norm) below ``tol`` relative to one
        resident (capped at :math:`10^{-3}\\sqrt{tol}` relative to the tail itself) and
        scaled so that it conserves the residents, and the last row of the hops distribution
        holds the probability of ``hop_detail`` or more referrals. If that scaling changes it
        by more than :math:`\\sqrt{tol}` (a chain so nearly closed that the solve cannot be
        trusted), the series is summed hop by hop to the end instead.
    by_neighbourhood
        Also compute :attr:`FlowResult.outcomes_by_neighbourhood`: the outcomes of the
        residents of each neighbourhood (one more series per neighbourhood).

    Returns
    -------
    FlowResult
        ``solver="exact"``; every ``se`` is 0.

    Raises
    ------
    ConfigError
        A bad option, or a chain that does not finish within ``max_iter`` referrals.

    Examples
    --------
    >>> from ecosystem import datasets
    >>> from ecosystem.flows import ReferralModel
    >>> res = ReferralModel(datasets.example(), max_hops=None).solve()
    >>> res.mean_hops.loc["total", "mean"].round(3)
    np.float64(1.539)
    """
    _check_options(tol, max_iter, hop_detail, by_neighbourhood)
    c = model._compiled
    needs = np.arange(len(c.needs))
    series = _solve_rows(c, c.entry, needs, max_hops=model.max_hops, tol=tol,
                         max_iter=max_iter, hop_detail=hop_detail)
    fractions = series.fractions
    attempted, lost_to = _handovers(c, series, _kind_indicator(model))
    per_nb = None
    if by_neighbourhood:
        per_nb = _by_neighbourhood(model, tol=tol, max_iter=max_iter, hop_detail=hop_detail)
    return build(model, fractions=fractions, fractions_se=np.zeros_like(fractions),
                 hops=series.hops, hops_se=np.zeros_like(series.hops),
                 mean_hops=series.mean, mean_hops_se=np.zeros(len(needs)), load=series.load,
                 resolved=series.resolved, solver="exact", by_neighbourhood=per_nb,
                 handovers=(attempted, lost_to))


def visits_per_year(model) -> np.ndarray:
    """Needs x actors: expected visits per year to each actor, the ``visits`` columns of
    ``solve().per_actor`` (the loads times the demand of each need; an infinite load where the
    demand is 0 counts 0), with the same defaults and checks but without the tables
    :func:`solve` also builds (outcomes, hops, handovers).

    Examples
    --------
    >>> import pandas as pd
    >>> from ecosystem import datasets
    >>> from ecosystem.flows import ReferralModel
    >>> model = ReferralModel(datasets.example(), demand=pd.Series({"debt": 100.0}))
    >>> v = visits_per_year(model)  # one row per need of the model; no demand, no visits
    >>> v.shape == (len(model.needs), model.ecosystem.n_actors)
    True
    >>> round(float(v[model.needs.index("debt")].sum()) / 100, 3)  # per resident with debt
    2.924
    """
    c = model._compiled
    if c.demand is None:
        raise ConfigError("visits per year need a model with a demand (ReferralModel(..., "
                          "demand=...))")
    series = _solve_rows(c, c.entry, np.arange(len(c.needs)), max_hops=model.max_hops,
                         tol=_TOL, max_iter=_MAX_ITER, hop_detail=_HOP_DETAIL)
    return per_year(series.load, c.demand)


def _kind_indicator(model) -> sp.csr_array:
    """kinds (the schema's actor kinds) x actors: 1 where the actor is of the kind."""
    c = model._compiled
    if "kind_ind" not in c.cache:  # depends on the ecosystem only: once per model
        kinds = list(model.ecosystem.schema.actor_kinds)
        code = np.asarray(pd.Categorical(model.ecosystem.actors["kind"],
                                         categories=kinds).codes, dtype=np.int64)
        n = len(code)
        c.cache["kind_ind"] = sp.csr_array((np.ones(n), (code, np.arange(n))),
                                           shape=(len(kinds), n))
    return c.cache["kind_ind"]


def _check_options(tol: object, max_iter: object, hop_detail: object,
                   by_neighbourhood: object) -> None:
    if isinstance(tol, bool) or not (isinstance(tol, float | int) and 0 < tol < 1):
        raise ConfigError(f"solve(): tol={tol!r} is not accepted; use a number in (0, 1)")
    if isinstance(max_iter, bool) or not isinstance(max_iter, int | np.integer) or max_iter < 1:
        raise ConfigError(f"solve(): max_iter={max_iter!r} is not accepted; use an int >= 1")
    if isinstance(hop_detail, bool) or not isinstance(hop_detail, int | np.integer) \
            or hop_detail < 0:
        raise ConfigError(
            f"solve(): hop_detail={hop_detail!r} is not accepted; use an int >= 0")
    if not isinstance(by_neighbourhood, bool):
        raise ConfigError(f"solve(): by_neighbourhood={by_neighbourhood!r} is not accepted; "
                          "use True or False")


# ---------------------------------------------------------------------- the series
@dataclass
class _Series:
    """What the visit series gives, one row per walking group (a need, or a neighbourhood and
    a need): loads and resolutions (rows x actors), hops ((hops + 1) x rows), lost, exceeded
    and mean hops (per row)."""

    load: np.ndarray
    resolved: np.ndarray
    hops: np.ndarray
    lost: np.ndarray
    exceeded: np.ndarray
    mean: np.ndarray
    sink_load: np.ndarray
    visits: _Visits | None = None  # the sums behind the loads (for the handovers table)
    finite_load: np.ndarray | None = None  # load before circulating actors were set to inf
    limited: bool = True  # the series stops at a hop limit (its last visits start nothing)
    fractions: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # outcomes x rows

    def walking(self, j: int) -> np.ndarray:
        """Row ``j``: :math:`\\sum_{k<H} v_k`, the visits a referral may start from."""
        assert self.visits is not None and self.finite_load is not None
        s = self.visits
        return self.finite_load[j] - s.v[j] if self.limited else self.finite_load[j]

    def arrived(self, j: int) -> np.ndarray:
        """Row ``j``: successful referrals to each actor (every visit that is not an entry;
        arrivals at doomed actors are in ``hit``, not in the loads)."""
        assert self.visits is not None and self.finite_load is not None
        s = self.visits
        out = self.finite_load[j] - s.start[j]
        return out if s.hit is None else out + s.hit[j]


class _Hop:
    """One referral for every walking row: ``v -> s o M^T (v o c rho)`` (see module docstring).

    Per-row tables are gathered once from the per-need tables (``need_of[j]`` is the need of
    row ``j``).
    """

    def __init__(self, c, need_of: np.ndarray, doomed: np.ndarray | None) -> None:
        self.m = c.step_t if c.n else c.step
        cont = ((1.0 - c.resolve) * (~c.sink)[None, :])[need_of]
        if doomed is not None:  # doomed actors absorb: nothing leaves them
            cont[doomed] = 0.0
        self.cont = cont
        self.lossc = cont * c.loss[need_of]
        if c.suit is None:
            self.gain, self.suit, self.spill = cont, None, None
        else:
            self.gain = cont * c.ratio[need_of]
            self.suit = c.suit[need_of]
            fb = c.fallback[need_of]
            self.spill = [cont[j] * fb[j] if fb[j].any() else None for j in range(len(fb))]

    def __call__(self, v: np.ndarray, out: np.ndarray | None = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(v after one referral, into ``out`` when given; mass lost on the way, mass
        leaving) for every row."""
        rows = v.shape[0]
        lost = np.einsum("ij,ij->i", v, self.lossc)
        leaving = np.einsum("ij,ij->i", v, self.cont)
        if out is None:
            out = np.empty_like(v)
        buf = np.empty(v.shape[1])
        for j in range(rows):  # row by row, so each vector stays in cache
            out[j] = self.apply(j, v[j], buf)
        return out, lost, leaving

    def apply(self, j: int, x: np.ndarray, buf: np.ndarray | None = None,
              m: sp.csr_array | None = None) -> np.ndarray:
        """Row ``j``'s x Q (x: one visit vector); with ``m`` (another matrix in the place of
        :math:`M^\\top`, e.g. the failing part :math:`F^\\top`) the same pushed along it."""
        m = self.m if m is None else m
        y = m @ np.multiply(x, self.gain[j], out=buf)
        if self.suit is not None and self.spill is not None:
            y *= self.suit[j]
            spill = self.spill[j]
            if spill is not None:  # fallback rows: by the weights alone
                y += m @ (x * spill)
        return y


def _solve_rows(c, start: np.ndarray, need_of: np.ndarray, *, max_hops: int | None,
                tol: float, max_iter: int, hop_detail: int) -> _Series:
    """The series for every row of ``start`` (rows x actors, each an entry distribution).

    With ``max_hops=None``: hop by hop to ``hop_detail``, then the tail by BiCGSTAB; when the
    tail fails or conserves the residents only after a correction above ``sqrt(tol)``, hop by
    hop to the end.
    """
    series = _walk(c, start, need_of, max_hops=max_hops, tol=tol, max_iter=max_iter,
                   hop_detail=hop_detail, use_tail=True)
    if max_hops is None and series is None:  # tail not trusted: the series to the end
        series = _walk(c, start, need_of, max_hops=None, tol=tol, max_iter=max_iter,
                       hop_detail=hop_detail, use_tail=False)
    assert series is not None
    series.fractions = _fractions(c, series, need_of)
    defect = np.abs(series.fractions[_MAIN].sum(axis=0) - 1.0)
    # Rounding allowance of sums over n actors and the hops: at 1,000,000 actors and 10 hops
    # the outcomes of a correct solve sum to 1 within about 2e-11.
    hops = len(series.hops)
    bad = defect > max(tol, 64 * np.finfo(float).eps * hops * np.sqrt(max(c.n, 1)))
    if c.n and bad.any():
        j = int(np.argmax(defect))
        raise ConfigError(
            f"solve(): the outcomes of need '{c.needs[need_of[j]]}' sum to "
            f"{1 - defect[j] if defect[j] < 1 else 'a value off by ' + format(defect[j], '.3g')}"
            f", not 1 within tol={tol}: the referral chain finishes too slowly for double "
            "precision (resolve probabilities and handover failures near 0 on a closed loop); "
            "use a finite max_hops")
    return series


_MAIN = [OUTCOMES.index(o) for o in MAIN_OUTCOMES]


class _Visits:
    """The running sums of the series: visits now (``v``), loads, lost mass, walking and
    arriving mass per hop, and the arrivals at doomed actors (``max_hops=None`` only)."""

    def __init__(self, hop: _Hop, start: np.ndarray, doomed: np.ndarray | None) -> None:
        self.hop, self.doomed = hop, doomed
        self.start = start
        v = np.array(start, dtype=np.float64)
        rows = v.shape[0]
        self.forever = np.zeros(rows)
        self.hit = None if doomed is None else v * doomed  # arrival mass at doomed actors
        if self.hit is not None:
            self.forever += self.hit.sum(axis=1)
            v[doomed] = 0.0
        self.v = v
        self.load = v.copy()
        self.walking = [v.sum(axis=1)]  # |v_k| after removing the doomed arrivals
        self.arrived = [self.walking[0] + self.forever]  # |v_k| before removing them
        self.lost = np.zeros(rows)
        self.k = 0
        # The previous hop's visits are the next hop's output buffer: on large networks a
        # fresh rows x actors array per hop costs as much in page faults as the products.
        self._spare: np.ndarray | None = None

    def step(self) -> None:
        """One referral for every row."""
        v, lost_k, leaving = self.hop(self.v, out=self._spare)
        self._spare = self.v
        self.load += v
        self.lost += lost_k
        self.arrived.append(leaving - lost_k)  # |v_{k+1}| = sum_a v c (1 - loss)
        newly: np.ndarray | float = 0.0
        if self.doomed is not None:
            arrivals, newly = self.absorb(v)
            self.forever += newly
            self.load -= arrivals  # doomed arrivals are counted apart (infinite visits)
        self.walking.append(self.arrived[-1] - newly)
        self.v = v
        self.k += 1

    def absorb(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Move the mass of ``x`` at doomed actors to ``hit``: (arrivals, per-row sums)."""
        arrivals = x * self.doomed
        self.hit += arrivals
        newly = arrivals.sum(axis=1)
        x[self.doomed] = 0.0
        return arrivals, newly

    def ended(self) -> np.ndarray:
        """Hops x rows: residents whose outcome came after k referrals (walking at k minus
        arriving at k + 1)."""
        k, rows = self.k, len(self.lost)
        return (np.array(self.walking[:-1]).reshape(k, rows)
                - np.array(self.arrived[1:]).reshape(k, rows))


def _walk(c, start: np.ndarray, need_of: np.ndarray, *, max_hops: int | None, tol: float,
          max_iter: int, hop_detail: int, use_tail: bool) -> _Series | None:
    """Sum the visit series (see :func:`_solve_rows`); ``None`` when the tail is not
    trusted."""
    doomed = None
    if max_hops is None:
        doomed_need = _doomed(c)
        doomed = None if doomed_need is None else doomed_need[need_of]
    s = _Visits(_Hop(c, need_of, doomed), start, doomed)
    limit = max_hops if max_hops is not None else (hop_detail if use_tail else max_iter + 1)
    while s.k < limit:
        if max_hops is None and s.walking[-1].max(initial=0.0) < tol:
            break
        if max_hops is not None and s.k and not s.walking[-1].any():
            break  # nobody walks any more: every later hop is exactly 0
        if s.k >= max_iter:
            raise _unfinished(c, need_of, s.walking[-1], max_hops, tol, max_iter)
        s.step()
    if max_hops is not None:
        hops, exceeded = _end_at_limit(s, max_hops)
    elif s.walking[-1].max(initial=0.0) >= tol:
        ends = _end_by_tail(s, tol=tol, max_iter=max_iter)
        if ends is None:
            return None
        hops, exceeded = ends
    else:
        hops, exceeded = (s.ended() if s.k else np.zeros((1, len(need_of)))), s.forever
    return _series(c, s, need_of, hops=hops, exceeded=exceeded, max_hops=max_hops)


def _end_at_limit(s: _Visits, max_hops: int) -> tuple[np.ndarray, np.ndarray]:
    """Hops table and exceeded with a hop limit: the rest end at the last hop."""
    rows = len(s.lost)
    exceeded = (np.einsum("ij,ij->i", s.v, s.hop.cont) if s.k == max_hops
                else np.zeros(rows))
    hops = np.vstack([s.ended(), s.walking[-1][None]])
    if s.k < max_hops <= HOP_ROWS:  # rows of the hops nobody reaches
        hops = np.vstack([hops, np.zeros((max_hops - s.k, rows))])
    return hops, exceeded


def _end_by_tail(s: _Visits, *, tol: float, max_iter: int
                 ) -> tuple[np.ndarray, np.ndarray] | None:
    """The rest of the series, x = v_K (I - Q)^-1, by BiCGSTAB (``None``: not trusted)."""
    tail = _tail(s.hop, s.v, tol=tol, max_iter=max_iter)
    if tail is None:
        return None
    # Every resident walking at hop K finishes exactly once: scale each row so that the tail
    # conserves them. This removes the solver's error along the slowest-decaying mode (the one
    # a small residual leaves in a nearly closed loop); a correction larger than sqrt(tol)
    # means the tail cannot be trusted, and the series is summed instead.
    absorbed = np.einsum("ij,ij->i", tail, 1.0 - s.hop.cont + s.hop.lossc)
    scale = np.divide(s.walking[-1], absorbed, out=np.ones(len(absorbed)),
                      where=absorbed > 0)
    if (np.abs(scale - 1.0) > np.sqrt(tol)).any():
        return None
    tail *= scale[:, None]
    later = np.zeros(len(absorbed))  # residents who reach a doomed actor after hop K
    if s.doomed is not None:
        _, later = s.absorb(tail)
    hops = np.vstack([s.ended(), (s.walking[-1] - later)[None]])  # row K: K or more
    s.load += tail - s.v
    s.lost += np.einsum("ij,ij->i", tail, s.hop.lossc)
    return hops, s.forever + later


def _series(c, s: _Visits, need_of: np.ndarray, *, hops: np.ndarray, exceeded: np.ndarray,
            max_hops: int | None) -> _Series:
    """Resolutions, stuck mass and mean hops from the loads."""
    # The product continues with fl(1 - r); resolving with 1 - fl(1 - r) (exact in floating
    # point, within half an ulp of r) makes every visit end or continue with probabilities
    # that sum to exactly 1, so a nearly closed loop (r ~ 1e-12, ~1e12 visits) still conserves
    # its residents.
    if "resolve_exact" not in c.cache:  # per need, once per model
        c.cache["resolve_exact"] = np.where(c.sink[None, :], c.resolve, 1.0 - (1.0 - c.resolve))
    resolve = c.cache["resolve_exact"]
    if not np.array_equal(need_of, np.arange(len(resolve))):
        resolve = resolve[need_of]
    load = s.load
    resolved = load * resolve
    sink = c.sink.astype(np.float64)
    sink_load = load @ sink - resolved @ sink
    # Every finished resident visits hops + 1 actors, so the mean is the total load minus 1.
    mean = np.where(exceeded > 0 if max_hops is None else False, np.inf, load.sum(axis=1) - 1.0)
    finite = load
    if s.hit is not None and (s.hit > 0).any():  # where residents circulate for ever
        load = np.where(_reachable(c, s.hit > 0, need_of), np.inf, load)
    return _Series(load=load, resolved=resolved, hops=hops, lost=s.lost, exceeded=exceeded,
                   mean=mean, sink_load=sink_load, visits=s, finite_load=finite,
                   limited=max_hops is not None)


def _handovers(c, series: _Series, kind_ind: sp.csr_array) -> tuple[np.ndarray, np.ndarray]:
    """Kinds x rows: referrals attempted to and failed at actors of each kind.

    The walking visits :math:`\\sum_{k<H} v_k` (where a referral may start) pushed along
    :math:`F^\\top` (:math:`F[a, b] = (w_{ab}/W_a)(1 - h_{ab})`) in the place of
    :math:`M^\\top`, with the same per-need scalings (:math:`c_n \\rho_n` at the source,
    :math:`s_n` at the target), give the referrals whose handover fails; the successful ones
    are the visits that are not entries. Row by row, so no rows x actors temporaries.
    """
    if "fail_t" not in c.cache:
        rows = np.repeat(np.arange(c.n), np.diff(c.indptr))
        out_w = np.bincount(rows, c.weight, minlength=c.n)
        share = c.weight / out_w[rows] if len(rows) else np.zeros(0)
        c.cache["fail_t"] = sp.csr_array((share * (1.0 - c.handover), c.indices, c.indptr),
                                         shape=(c.n, c.n)).T.tocsr()
    fail_t = c.cache["fail_t"]
    assert series.visits is not None
    hop = series.visits.hop
    k = len(series.lost)
    lost = np.zeros((kind_ind.shape[0], k))
    attempted = np.zeros((kind_ind.shape[0], k))
    for j in range(k):  # one product per need (rows are needs)
        failed = np.maximum(hop.apply(j, series.walking(j), m=fail_t), 0.0)
        lost[:, j] = kind_ind @ failed
        attempted[:, j] = kind_ind @ series.arrived(j) + lost[:, j]
    return attempted, lost


def _unfinished(c, need_of: np.ndarray, walking: np.ndarray, max_hops: int | None,
                tol: float, max_iter: int) -> ConfigError:
    j = int(np.argmax(walking))
    need = c.needs[need_of[j]]
    if max_hops is None:
        return ConfigError(
            f"solve(): with max_hops=None, after max_iter={max_iter} referrals a share "
            f"{walking[j]:.3g} of the residents with need '{need}' was still walking (>= "
            f"tol={tol}): they almost never finish; pass a finite max_hops or a larger "
            "max_iter")
    return ConfigError(
        f"solve(): max_hops={max_hops} needs up to {max_hops} referrals, but after "
        f"max_iter={max_iter} a share {walking[j]:.3g} of the residents with need '{need}' "
        "was still walking; pass a smaller max_hops or a larger max_iter")


def _tail(hop: _Hop, v: np.ndarray, *, tol: float, max_iter: int) -> np.ndarray | None:
    """Rows x actors: x_j = v_j (I - Q_j)^-1 by BiCGSTAB, or None on a breakdown.

    Doomed actors absorb (no outflow), so the system is non-singular; x there is the mass
    arriving at them. Every row is its own BiCGSTAB (van der Vorst 1992, as
    ``scipy.sparse.linalg.bicgstab``), converged when ``||r|| <= t ||b||`` with
    ``t = min(tol / |b|_1, 1e-3 sqrt(tol))``: ``tol / |b|_1`` makes the residual small
    relative to one resident (``|b|_1``, the residents still walking, is below 1), as the
    hops before the tail are; the cap keeps the conservation check of :func:`_end_by_tail`
    (a correction below ``sqrt(tol)``) meaningful when few residents are left.

    On networks of at least :data:`_BLOCK_FROM` actors the rows advance in blocks of eight,
    side by side, so that each product reads the shared matrix once for the block
    (:mod:`ecosystem.flows._fused`); fewer than three rows left over go one by one, where a
    block would cost more than its products save. On smaller networks every row goes alone:
    its vectors stay in cache, which pays more than sharing the matrix.
    """
    from ecosystem.flows import _fused  # numba: imported when a tail is first solved

    out = np.zeros_like(v)
    mass = np.abs(v).sum(axis=1)
    rows = np.flatnonzero(mass > 0)
    rel = np.minimum(tol / np.where(mass > 0, mass, 1.0), 1e-3 * np.sqrt(tol))
    width = _fused.WIDTH if v.shape[1] >= _BLOCK_FROM else 1
    for block in _blocks(rows, width):
        system = _Block(hop, block, width if len(block) > 1 else 1)
        x = _bicgstab(system, system.column(v), system.column(rel), max_iter=max_iter)
        if x is None:
            return None
        out[block] = x[:, :len(block)].T
    return out


#: Actors from which the tail solves eight needs side by side. Measured on a 2-core machine
#: with 32 MB of L3 cache (``benchmarks/bench_flows.py``'s network, 8 needs): one need at a
#: time is 1.27x faster at 200,000 actors, even at 500,000, and 1.1-1.5x slower at 1,000,000.
_BLOCK_FROM = 600_000


def _blocks(rows: np.ndarray, width: int) -> list[np.ndarray]:
    """``rows`` in blocks of ``width``; a remainder below 3 rows as single rows."""
    cut = len(rows) - len(rows) % width
    blocks = [rows[i:i + width] for i in range(0, cut, width)]
    rest = rows[cut:]
    return blocks + ([rest] if len(rest) >= 3 else [rest[i:i + 1] for i in range(len(rest))])


class _Block:
    """The products of ``X -> X - Q_j(X)`` for the rows of one block, side by side: an
    actors x width array, column ``i`` for row ``rows[i]`` (columns past the rows are 0)."""

    def __init__(self, hop: _Hop, rows: np.ndarray, width: int) -> None:
        from ecosystem.flows import _fused

        self.m, self.rows, self.width = hop.m, rows, width
        self.gain = self.column(hop.gain)
        self.suit = None if hop.suit is None else self.column(hop.suit)
        spill = [None] * len(rows) if hop.spill is None else [hop.spill[j] for j in rows]
        self.spill = (None if all(f is None for f in spill) else self._side_by_side(
            np.array([np.zeros(self.m.shape[1]) if f is None else f for f in spill])))
        self.buf = np.empty_like(self.gain)  # the input of the next product
        self._ones = np.ones_like(self.gain)
        self.kernels = _fused.SINGLE if width == 1 else _fused.BLOCK

    def column(self, table: np.ndarray) -> np.ndarray:
        """The block's rows of a table with a row per row of the solve, as columns."""
        return self._side_by_side(table[self.rows])

    def _side_by_side(self, part: np.ndarray) -> np.ndarray:
        out = np.zeros((self.width, *part.shape[1:]))
        out[:len(part)] = part
        return np.ascontiguousarray(out.T)

    def product(self, x: np.ndarray, scaled: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """``(y, scale)`` with ``Q x = scale o y`` per column; ``scaled``: :attr:`buf`
        already holds ``x o gain``."""
        if not scaled:
            np.multiply(x, self.gain, out=self.buf)
        y = self._times(self.buf)
        if self.suit is None:
            return y, self._ones
        if self.spill is None:
            return y, self.suit
        y *= self.suit  # fallback rows: by the weights alone, not scaled by suitability
        y += self._times(x * self.spill)
        return y, self._ones

    def _times(self, x: np.ndarray) -> np.ndarray:
        from ecosystem.flows import _fused

        if self.width == 1:
            return (self.m @ x.reshape(-1))[:, None]
        out = np.empty_like(x)
        _fused.block_product(self.m.indptr, self.m.indices, self.m.data, x, out)
        return out


def _bicgstab(op: _Block, b: np.ndarray, tol: np.ndarray, *, max_iter: int
              ) -> np.ndarray | None:
    """Solve ``x - Q x = b`` column by column (BiCGSTAB from x0 = b, column ``j`` converged
    when ``||r_j|| <= tol_j ||b_j||``); None on a breakdown or without convergence of every
    column in ``max_iter`` steps. A converged column is frozen: its scalars are 0."""
    k = op.kernels
    x = b.copy()
    r = np.empty_like(b)
    y, scale = op.product(x)
    k.residual(x, y, scale, r, b)
    np.subtract(b, r, out=r)  # r = b - (x - Q x)
    r_hat = r.copy()
    goal = tol * np.sqrt(np.einsum("ij,ij->j", b, b))
    rr = np.einsum("ij,ij->j", r, r)
    rho_new = rr.copy()
    width = b.shape[1]
    rho, alpha, omega = np.ones(width), np.ones(width), np.ones(width)
    p, w = np.zeros_like(b), np.zeros_like(b)
    s, t = np.empty_like(b), np.empty_like(b)
    done = np.zeros(width, dtype=bool)
    zero = np.zeros(width)
    for _ in range(max_iter):
        done |= np.sqrt(rr) <= goal
        if done.all():
            return x if np.isfinite(x).all() else None
        if ((rho_new == 0) | (omega == 0))[~done].any():
            return None  # breakdown
        beta = np.divide(rho_new * alpha, rho * omega, out=zero.copy(), where=~done)
        k.direction(p, r, w, beta, omega, op.gain, op.buf)
        y, scale = op.product(p, scaled=True)
        den = k.residual(p, y, scale, w, r_hat)  # w = p - Q p
        if (den == 0)[~done].any():
            return None
        alpha = np.divide(rho_new, den, out=zero.copy(), where=~done)
        half = ~done & (np.sqrt(k.half_step(s, r, w, alpha, op.gain, op.buf)) <= goal)
        y, scale = op.product(s, scaled=True)
        tt, ts = k.residual_dots(s, y, scale, t)  # t = s - Q s
        omega = np.divide(ts, tt, out=zero.copy(), where=(tt > 0) & ~done & ~half)
        rho = rho_new
        # half-way converged columns take x += alpha p and r = s (omega 0), then stop
        rr, rho_new = k.full_step(x, r, p, s, t, alpha, omega, r_hat)
        done |= half
    return x if (np.sqrt(rr) <= goal).all() and np.isfinite(x).all() else None


# ---------------------------------------------------------------------- outcome tables
def _fractions(c, series: _Series, need_of: np.ndarray) -> np.ndarray:
    """Outcomes x rows, in :data:`OUTCOMES` order (NaN without actors)."""
    resolved = series.resolved
    # Per-domain sums by one small dense product (appropriateness depends only on the
    # actor's domain and the need).
    groups = np.zeros((c.n, len(DOMAINS)))
    groups[np.arange(c.n), c.domain] = 1.0
    by_domain = (resolved @ groups).T  # domains x rows
    appr = c.domain_appropriate[:, need_of]
    appropriate = (appr * by_domain).sum(axis=0)
    medical = DOMAINS.index("medical")
    fractions = np.vstack([
        appropriate,
        by_domain.sum(axis=0) - appropriate,
        by_domain[medical] * ~appr[medical],
        series.sink_load, series.lost, series.exceeded,
    ])
    if c.n == 0:
        fractions[:] = np.nan
        series.hops[:] = np.nan
    return fractions


def _by_neighbourhood(model, *, tol: float, max_iter: int, hop_detail: int) -> pd.DataFrame:
    """Outcomes of the residents of each neighbourhood (one series per neighbourhood)."""
    c = model._compiled
    names, start, demand = _neighbourhood_entry(model)
    k_needs = len(c.needs)
    need_of = np.tile(np.arange(k_needs), len(names))
    if len(names):
        series = _solve_rows(c, start, need_of, max_hops=model.max_hops, tol=tol,
                             max_iter=max_iter, hop_detail=hop_detail)
        fractions = series.fractions  # outcomes x (X * K)
    else:
        fractions = np.zeros((len(OUTCOMES), 0))
    entered = start.sum(axis=1)
    empty = ~np.isfinite(entered) | (entered <= 0)
    fractions = np.where(empty[None, :], np.nan, fractions)
    return neighbourhood_table(names, list(c.needs), fractions, np.zeros_like(fractions),
                               demand)


def _neighbourhood_entry(model) -> tuple[list[str], np.ndarray, np.ndarray | None]:
    """Neighbourhoods, their entry distributions ((X * K) x actors, need-minor) and demand.

    Residents of X enter at X's actors and the shared actors (no neighbourhood) in proportion
    to their entry weights. Rows of a neighbourhood without any entry weight for a need are 0.
    """
    c = model._compiled
    eco = model.ecosystem
    demand = model._demand
    if isinstance(demand, pd.DataFrame):
        names = [str(x) for x in demand.index]
        d = demand.to_numpy(dtype=np.float64)
    else:
        names = [str(x) for x in eco.neighbourhoods.index]
        d = None
    nb = eco.actors["neighbourhood"]
    code = pd.Index(names).get_indexer(nb)
    shared = nb.isna().to_numpy()
    k_needs = len(c.needs)
    start = np.zeros((len(names) * k_needs, c.n))
    for i in range(len(names)):
        mask = (code == i) | shared
        w = c.entry_weight * mask[None, :]
        total = w.sum(axis=1, keepdims=True)
        start[i * k_needs:(i + 1) * k_needs] = np.divide(w, total, out=np.zeros_like(w),
                                                         where=total > 0)
    return names, start, d


# ---------------------------------------------------------------------- closed loops
def _referral_graph(c, k: int, *, reverse: bool, extra: np.ndarray) -> sp.csr_array:
    """The pairs need ``k`` can be referred along (reversed if asked) plus a super-node ``n``
    pointing at the ``extra`` actors."""
    n = c.n
    rows = np.repeat(np.arange(n), np.diff(c.indptr))
    allowed = c.edge_allowed(k)
    src, tgt = (c.indices, rows) if reverse else (rows, c.indices)
    src = np.concatenate([src[allowed], np.full(len(extra), n)])
    tgt = np.concatenate([tgt[allowed], extra])
    return sp.csr_array((np.ones(len(src)), (src, tgt)), shape=(n + 1, n + 1))


def _doomed(c) -> np.ndarray | None:
    """Needs x actors: True where a resident can never finish (no path to an ending)."""
    if "doomed" in c.cache:
        return c.cache["doomed"]
    ends = (c.resolve > 0) | c.sink[None, :] | (c.loss > 0)
    doomed = np.zeros_like(ends)
    for k in range(ends.shape[0]):
        if ends[k].all():
            continue
        graph = _referral_graph(c, k, reverse=True, extra=np.flatnonzero(ends[k]))
        reached = breadth_first_order(graph, c.n, directed=True, return_predecessors=False)
        doomed[k] = True
        doomed[k, reached[reached < c.n]] = False
    out = doomed if doomed.any() else None
    c.cache["doomed"] = out
    return out


def _reachable(c, start: np.ndarray, need_of: np.ndarray) -> np.ndarray:
    """Rows x actors: reachable along the row's need's referrals from its ``start`` actors."""
    out = np.zeros_like(start)
    for j in range(start.shape[0]):
        first = np.flatnonzero(start[j])
        if not len(first):
            continue
        graph = _referral_graph(c, int(need_of[j]), reverse=False, extra=first)
        reached = breadth_first_order(graph, c.n, directed=True, return_predecessors=False)
        out[j, reached[reached < c.n]] = True
    return out
