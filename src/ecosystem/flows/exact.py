r"""Exact referral-flow outcomes: the visit series of an absorbing Markov chain, all needs at once.

For need :math:`n` the sub-stochastic step matrix is

.. math:: Q_n[a, b] = c_n(a)\, M[a, b], \qquad M[a, b] = \frac{w_{ab}}{W_a} h_{ab},
   \qquad c_n(a) = (1 - r(a, n))\,[W_a > 0],

so every need shares :math:`M` and differs only by the diagonal scaling :math:`c_n`. The visit
vector after :math:`k` successful referrals is :math:`v_{k} = e_n Q_n^k`, computed for all needs
at once as one sparse-times-dense product per hop,
:math:`V_{k+1} = M^\top (V_k \circ C)` with :math:`V_k` the actors x needs block. From the
expected visits :math:`L = \sum_k v_k` (the *load*):

- resolved at :math:`a`: :math:`L(a)\, r(a, n)`; stuck at :math:`a`:
  :math:`L(a) (1 - r(a, n)) [W_a = 0]`;
- lost: :math:`\sum_{k < H} \sum_a v_k(a)\, c_n(a)\, \ell(a)` with
  :math:`\ell(a) = 1 - \sum_b M[a, b]`;
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
of the remaining chain below 1, so the series converges.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import breadth_first_order

from ecosystem.core.errors import ConfigError
from ecosystem.flows.result import OUTCOMES, FlowResult, build

__all__ = ["solve"]


def solve(model, *, tol: float = 1e-12, max_iter: int = 100_000) -> FlowResult:
    """Exact outcomes of a :class:`~ecosystem.flows.ReferralModel` (see the module docstring).

    Parameters
    ----------
    model
        The referral model.
    tol
        ``max_hops=None`` only: stop when the probability that a resident is still walking is
        below ``tol`` for every need (bounds the error of every outcome fraction).
    max_iter
        ``max_hops=None`` only: give up (ConfigError) after this many referrals.

    Returns
    -------
    FlowResult
        ``solver="exact"``; every ``se`` is 0.

    Examples
    --------
    >>> from ecosystem import datasets
    >>> from ecosystem.flows import ReferralModel
    >>> res = ReferralModel(datasets.example(), max_hops=None).solve()
    >>> res.mean_hops.loc["total", "mean"].round(3)
    np.float64(1.71)
    """
    if not (isinstance(tol, float | int) and 0 < tol < 1):
        raise ConfigError(f"solve(): tol={tol!r} is not accepted; use a number in (0, 1)")
    if isinstance(max_iter, bool) or not isinstance(max_iter, int | np.integer) or max_iter < 1:
        raise ConfigError(f"solve(): max_iter={max_iter!r} is not accepted; use an int >= 1")
    c = model._compiled
    n, k_needs = c.n, len(c.needs)
    hops_max = model.max_hops
    cont = (1.0 - c.resolve) * (~c.sink)[:, None]  # c_n(a)
    step_t = c.step.T  # CSC view of M^T: no copy
    doomed = _doomed(c, cont) if hops_max is None else None

    ones = np.ones(n)
    # One small dense product per hop gives both the mass lost in handovers and the mass that
    # leaves (column sums of the n x needs block by BLAS; numpy's axis-0 sum is much slower).
    ends = np.ascontiguousarray(np.stack([c.loss, ones]))
    v = c.entry.copy()
    forever = np.zeros(k_needs)
    if doomed is not None:
        hit = v * doomed  # arrival mass at doomed actors
        forever += ones @ hit
        v[doomed] = 0.0
    load = v.copy()
    walking = [ones @ v]  # |v_k| after removing the doomed arrivals
    arrived = [walking[0] + forever]  # |v_k| before removing them
    lost = np.zeros(k_needs)
    buf = np.empty_like(v)
    k = 0
    while (k < hops_max) if hops_max is not None else (walking[-1].max(initial=0.0) >= tol):
        if hops_max is None and k >= max_iter:
            raise ConfigError(
                f"solve(): max_hops=None did not converge in max_iter={max_iter} referrals "
                f"(probability still walking {walking[-1].max():.3g} >= tol={tol}); pass a "
                "finite max_hops or a larger max_iter")
        np.multiply(v, cont, out=buf)
        lost_k, leaving = ends @ buf
        lost += lost_k
        v = np.asarray(step_t @ buf)
        arrived.append(leaving - lost_k)  # |v_{k+1}| = sum_a buf(a) (1 - loss(a))
        if doomed is not None:
            arrivals = v * doomed
            hit += arrivals
            newly = ones @ arrivals
            forever += newly
            v[doomed] = 0.0
            walking.append(arrived[-1] - newly)
        else:
            walking.append(arrived[-1])
        load += v
        k += 1

    exceeded = ones @ (cont * v) if hops_max is not None else forever
    # Residents whose outcome came after k referrals: walking at k minus arriving at k + 1.
    ended = (np.array(walking[:-1]).reshape(-1, k_needs)
             - np.array(arrived[1:]).reshape(-1, k_needs))
    if hops_max is not None:  # the rest end at H (resolved, stuck or exceeded)
        hops = np.vstack([ended, walking[-1][None]])
    else:
        hops = ended if k else np.zeros((1, k_needs))
    resolved_at = load * c.resolve
    stuck = c.sink.astype(np.float64) @ (load * (1.0 - c.resolve))
    appropriate = ones @ (resolved_at * c.appropriate)
    fractions = np.vstack([
        appropriate,
        ones @ resolved_at - appropriate,
        ones @ (resolved_at * c.medicalised),
        stuck, lost, exceeded,
    ])
    if n == 0:
        fractions[:] = np.nan
        hops[:] = np.nan
    mean = np.arange(len(hops)) @ hops
    mean = np.where(forever > 0, np.inf, mean)
    if doomed is not None:  # actors where residents circulate for ever: infinite visits
        load = np.where(_reachable(c, hit > 0), np.inf, load)
    assert fractions.shape[0] == len(OUTCOMES)
    return build(model, fractions=fractions, fractions_se=np.zeros_like(fractions), hops=hops,
                 hops_se=np.zeros_like(hops), mean_hops=mean, mean_hops_se=np.zeros(k_needs),
                 load=load, resolved=resolved_at, solver="exact")


def _doomed(c, cont: np.ndarray) -> np.ndarray | None:
    """Actors x needs: True where a resident can never finish (no path to an ending)."""
    ends = (c.resolve > 0) | c.sink[:, None] | (c.loss > 0)[:, None]
    if ends.all():
        return None
    n = c.n
    # Reverse pattern of the referral view with a super-node n pointing at the ending actors.
    rows = np.repeat(np.arange(n), np.diff(c.indptr))
    doomed = np.zeros_like(ends)
    for k in range(ends.shape[1]):
        if ends[:, k].all():
            continue
        start = np.flatnonzero(ends[:, k])
        src = np.concatenate([c.indices, np.full(len(start), n)])
        tgt = np.concatenate([rows, start])
        graph = sp.csr_array((np.ones(len(src)), (src, tgt)), shape=(n + 1, n + 1))
        reached = breadth_first_order(graph, n, directed=True, return_predecessors=False)
        doomed[:, k] = True
        doomed[reached[reached < n], k] = False
    return doomed if doomed.any() else None


def _reachable(c, start: np.ndarray) -> np.ndarray:
    """Actors x needs: reachable along referral ties from the ``start`` actors of the need."""
    n = c.n
    rows = np.repeat(np.arange(n), np.diff(c.indptr))
    out = np.zeros_like(start)
    for k in range(start.shape[1]):
        first = np.flatnonzero(start[:, k])
        if not len(first):
            continue
        src = np.concatenate([rows, np.full(len(first), n)])
        tgt = np.concatenate([c.indices, first])
        graph = sp.csr_array((np.ones(len(src)), (src, tgt)), shape=(n + 1, n + 1))
        reached = breadth_first_order(graph, n, directed=True, return_predecessors=False)
        out[reached[reached < n], k] = True
    return out
