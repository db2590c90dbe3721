r"""Exact referral-flow outcomes: the visit series of an absorbing Markov chain, all needs at once.

For need :math:`n` the sub-stochastic step matrix is

.. math:: Q_n[a, b] = c_n(a)\, M[a, b], \qquad M[a, b] = \frac{w_{ab}}{W_a} h_{ab},
   \qquad c_n(a) = (1 - r(a, n))\,[W_a > 0],

so every need shares :math:`M` and differs only by the diagonal scaling :math:`c_n`. The visit
vector after :math:`k` successful referrals is :math:`v_{k} = e_n Q_n^k`, computed for all needs
together as :math:`V_{k+1} = M^\top (V_k \circ C)` with :math:`V_k` the needs x actors block:
one shared :math:`M^\top` (CSR), one elementwise scaling and one reduction for all needs, and
one sparse matrix-vector product per need. (A single sparse times dense-block product is not
faster on large graphs: at 1,000,000 actors and 8 needs it took 117 ms against 8 x 11 ms,
because an 8-wide block no longer fits in cache.) From the expected visits
:math:`L = \sum_k v_k` (the *load*):

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
import scipy.sparse.linalg as spla
from scipy.sparse.csgraph import breadth_first_order

from ecosystem.core.errors import ConfigError
from ecosystem.core.schema import DOMAINS
from ecosystem.flows.result import OUTCOMES, FlowResult, build

__all__ = ["solve"]


def solve(  # noqa: C901
    model, *, tol: float = 1e-12, max_iter: int = 100_000, hop_detail: int = 10
) -> FlowResult:
    """Exact outcomes of a :class:`~ecosystem.flows.ReferralModel` (see the module docstring).

    Parameters
    ----------
    model
        The referral model.
    tol
        ``max_hops=None`` only: stop when the probability that a resident is still walking is
        below ``tol`` for every need (bounds the error of every outcome fraction).
    max_iter
        ``max_hops=None`` only: give up (ConfigError) after this many referrals or iterations.
    hop_detail
        ``max_hops=None`` only: the series is summed hop by hop for at most this many
        referrals (giving the hops distribution row by row); if residents are still walking
        then, the rest of the series :math:`v_K (I - Q_n)^{-1}` is solved per need by BiCGSTAB
        to a relative residual (2-norm) below ``tol``, and the last row of the hops
        distribution holds the probability of ``hop_detail`` or more referrals.

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
    if isinstance(hop_detail, bool) or not isinstance(hop_detail, int | np.integer) \
            or hop_detail < 0:
        raise ConfigError(
            f"solve(): hop_detail={hop_detail!r} is not accepted; use an int >= 0")
    c = model._compiled
    n, k_needs = c.n, len(c.needs)
    hops_max = model.max_hops
    # Need-major blocks (row k = need k): each need's visit vector is contiguous, so the
    # product runs per need on vectors that stay in cache (a wide actors x needs block does not
    # on large graphs), and every reduction over actors is a contiguous row sum.
    cont = (1.0 - c.resolve) * (~c.sink)[None, :]  # c_n(a)
    doomed = _doomed(c, cont) if hops_max is None else None
    product = _Product(c.step_t if n else c.step)

    v = c.entry.copy()
    forever = np.zeros(k_needs)
    if doomed is not None:
        hit = v * doomed  # arrival mass at doomed actors
        forever += hit.sum(axis=1)
        v[doomed] = 0.0
    load = v.copy()
    walking = [v.sum(axis=1)]  # |v_k| after removing the doomed arrivals
    arrived = [walking[0] + forever]  # |v_k| before removing them
    lost = np.zeros(k_needs)
    buf = np.empty_like(v)
    spare = np.empty_like(v)  # v_{k+1} is written here, then the two swap: no fresh pages
    k = 0
    tail_failed = False

    def more() -> bool:
        if hops_max is not None:
            return k < hops_max
        return walking[-1].max(initial=0.0) >= tol and (k < hop_detail or tail_failed)

    while True:
        while more():
            if k >= max_iter:
                raise ConfigError(
                    f"solve(): max_hops=None did not converge in max_iter={max_iter} referrals "
                    f"(probability still walking {walking[-1].max():.3g} >= tol={tol}); pass "
                    "a finite max_hops or a larger max_iter")
            lost_k = np.empty(k_needs)
            leaving = np.empty(k_needs)
            for j in range(k_needs):  # need by need, so each vector is still in cache
                x = np.multiply(v[j], cont[j], out=buf[j])
                lost_k[j] = x @ c.loss
                leaving[j] = x.sum()
                load[j] += product(x, out=spare[j])
            lost += lost_k
            v, spare = spare, v
            arrived.append(leaving - lost_k)  # |v_{k+1}| = sum_a buf(a) (1 - loss(a))
            if doomed is not None:
                arrivals = v * doomed
                hit += arrivals
                newly = arrivals.sum(axis=1)
                forever += newly
                v[doomed] = 0.0
                load -= arrivals  # doomed arrivals are counted apart (infinite visits)
                walking.append(arrived[-1] - newly)
            else:
                walking.append(arrived[-1])
            k += 1
        if hops_max is not None or walking[-1].max(initial=0.0) < tol:
            tail = None
            break
        # Cut at hop_detail referrals: the rest of the series, x = v_K (I - Q)^-1, by BiCGSTAB.
        tail = _tail(c.step_t, cont, doomed, v, tol=tol, max_iter=max_iter)
        if tail is not None:
            break
        tail_failed = True  # a Krylov breakdown: sum the series to the end instead

    if hops_max is not None:
        np.multiply(v, cont, out=buf)
        exceeded = buf.sum(axis=1)
    else:
        exceeded = forever
    # Residents whose outcome came after k referrals: walking at k minus arriving at k + 1.
    ended = (np.array(walking[:-1]).reshape(len(walking) - 1, k_needs)
             - np.array(arrived[1:]).reshape(len(walking) - 1, k_needs))
    if hops_max is not None:  # the rest end at H (resolved, stuck or exceeded)
        hops = np.vstack([ended, walking[-1][None]])
    elif tail is not None:  # the last row holds K or more referrals (finite)
        later = np.zeros(k_needs)  # residents who reach a doomed actor after hop K
        if doomed is not None:
            arrivals = tail * doomed
            hit += arrivals
            later = arrivals.sum(axis=1)
            tail[doomed] = 0.0
        hops = np.vstack([ended, (walking[-1] - later)[None]])
        exceeded = forever + later
        load += tail - v
        np.multiply(tail, cont, out=buf)
        lost += buf @ c.loss
    else:
        hops = ended if k else np.zeros((1, k_needs))
    resolved_at = np.multiply(load, c.resolve, out=buf)
    # Per-domain and sink sums by one small dense product (appropriateness depends only on the
    # actor's domain and the need).
    groups = np.zeros((n, len(DOMAINS) + 1))
    groups[np.arange(n), c.domain] = 1.0
    groups[:, -1] = c.sink
    by_domain = (resolved_at @ groups).T  # (domains + sinks) x needs
    sink_load = load @ c.sink.astype(np.float64)
    appr = c.domain_appropriate
    appropriate = (appr * by_domain[:-1]).sum(axis=0)
    medical = DOMAINS.index("medical")
    fractions = np.vstack([
        appropriate,
        by_domain[:-1].sum(axis=0) - appropriate,
        by_domain[medical] * ~appr[medical],
        sink_load - by_domain[-1], lost, exceeded,
    ])
    if n == 0:
        fractions[:] = np.nan
        hops[:] = np.nan
    # Every finished resident visits hops + 1 actors, so the mean is the total load minus 1.
    mean = np.where(exceeded > 0 if hops_max is None else False, np.inf,
                    load.sum(axis=1) - 1.0)
    if doomed is not None:  # actors where residents circulate for ever: infinite visits
        load = np.where(_reachable(c, hit > 0), np.inf, load)
    assert fractions.shape[0] == len(OUTCOMES)
    return build(model, fractions=fractions, fractions_se=np.zeros_like(fractions), hops=hops,
                 hops_se=np.zeros_like(hops), mean_hops=mean, mean_hops_se=np.zeros(k_needs),
                 load=load, resolved=resolved_at, solver="exact")


def _tail(step_t: sp.csr_array, cont: np.ndarray, doomed: np.ndarray | None, v: np.ndarray,
          *, tol: float, max_iter: int) -> np.ndarray | None:
    """Needs x actors: x_n = v_n (I - Q_n)^-1 by BiCGSTAB, or None on a breakdown.

    Doomed actors absorb (no outflow), so the system is non-singular; x there is the mass
    arriving at them.
    """
    out = np.empty_like(v)
    n = v.shape[1]
    for j in range(v.shape[0]):
        b = v[j]
        if not b.any():
            out[j] = 0.0
            continue
        c = cont[j] if doomed is None else np.where(doomed[j], 0.0, cont[j])
        op = spla.LinearOperator((n, n), matvec=lambda y, c=c: y - step_t @ (c * y),
                                 dtype=np.float64)
        x, info = spla.bicgstab(op, b, x0=b.copy(), rtol=tol, atol=0.0, maxiter=max_iter)
        if info != 0 or not np.isfinite(x).all():
            return None
        out[j] = x
    return out


class _Product:
    """``y = M^T x`` for one need's visit vector, written into a given buffer.

    ``step_t`` is M^T in CSR form. SciPy's public product allocates a fresh result each call;
    the kernel it uses (``csr_matvec``) writes into a reused buffer instead, which saves the
    cost of touching new memory on large graphs. Falls back to the public product if that
    private kernel is not available.
    """

    def __init__(self, step_t: sp.csr_array) -> None:
        self.m = step_t
        try:
            from scipy.sparse._sparsetools import csr_matvec
        except ImportError:  # pragma: no cover - depends on the SciPy version
            csr_matvec = None
        self.kernel = csr_matvec

    def __call__(self, x: np.ndarray, *, out: np.ndarray) -> np.ndarray:
        m = self.m
        if self.kernel is None:  # pragma: no cover
            out[:] = m @ x
            return out
        out.fill(0.0)
        self.kernel(m.shape[0], m.shape[1], m.indptr, m.indices, m.data, x, out)
        return out


def _doomed(c, cont: np.ndarray) -> np.ndarray | None:
    """Needs x actors: True where a resident can never finish (no path to an ending)."""
    ends = (c.resolve > 0) | c.sink[None, :] | (c.loss > 0)[None, :]
    if ends.all():
        return None
    n = c.n
    # Reverse pattern of the referral view with a super-node n pointing at the ending actors.
    rows = np.repeat(np.arange(n), np.diff(c.indptr))
    doomed = np.zeros_like(ends)
    for k in range(ends.shape[0]):
        if ends[k].all():
            continue
        start = np.flatnonzero(ends[k])
        src = np.concatenate([c.indices, np.full(len(start), n)])
        tgt = np.concatenate([rows, start])
        graph = sp.csr_array((np.ones(len(src)), (src, tgt)), shape=(n + 1, n + 1))
        reached = breadth_first_order(graph, n, directed=True, return_predecessors=False)
        doomed[k] = True
        doomed[k, reached[reached < n]] = False
    return doomed if doomed.any() else None


def _reachable(c, start: np.ndarray) -> np.ndarray:
    """Needs x actors: reachable along referral ties from the ``start`` actors of the need."""
    n = c.n
    rows = np.repeat(np.arange(n), np.diff(c.indptr))
    out = np.zeros_like(start)
    for k in range(start.shape[0]):
        first = np.flatnonzero(start[k])
        if not len(first):
            continue
        src = np.concatenate([rows, np.full(len(first), n)])
        tgt = np.concatenate([c.indices, first])
        graph = sp.csr_array((np.ones(len(src)), (src, tgt)), shape=(n + 1, n + 1))
        reached = breadth_first_order(graph, n, directed=True, return_predecessors=False)
        out[k, reached[reached < n]] = True
    return out
