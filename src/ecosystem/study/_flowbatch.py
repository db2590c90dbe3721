r"""Many parameter sets of one referral-flow model, solved in batches on one compiled network.

Sensitivity analysis and calibration vary flow assumptions (handover success, resolve and entry
values, the hop limit) on a fixed ecosystem. Building a :class:`~ecosystem.flows.ReferralModel`
and calling :meth:`~ecosystem.flows.ReferralModel.solve` per parameter set validates the tables,
compiles the network and assembles per-actor tables every time; here the network is compiled
once and each parameter set changes only arrays:

- the step matrix :math:`M[a, b] = (w_{ab} / W_a)\, h_{ab}` is affine in the two handover
  values, :math:`h_{ab} = \alpha_{ab} + \beta_{ab} h_{x(ab)}` (:math:`x` = same or cross domain;
  :math:`\alpha` carries ties with their own ``handover`` value), so a new handover pair only
  rewrites the data array of :math:`M^\top` and the per-actor loss
  :math:`\ell(a) = \sum_b (w_{ab}/W_a)(1 - h_{ab})`;
- the arrays of a block (actors x (sets x needs): resolve, continuation, entry, and under
  need-aware routing suitability, :math:`\rho`, gain and fallback) are kept from block to
  block at the base values, and a parameter set rewrites only the cells its assumptions set:
  a sampled ``resolve.<kind>.<need>`` the need's column at the kind's actors; a sampled
  ``entry.<kind>.<need>`` the raw entry weights of that need, which are normalised again (per
  neighbourhood with a neighbourhood demand table) for that need's column only;
- parameter sets that share the step matrix (no handover varies) are propagated together as one
  actors x (sets x needs) block, one sparse product per referral for the whole batch;
- under need-aware routing (``routing="need"``) each column also has its suitability
  :math:`s` (the sampled resolve values + the floor, or the model's table, with the actor
  columns ``suitability_<need>`` over them) and row sums :math:`\rho = W_a / \sum_c w_{ac}
  s(c)`; a referral is :math:`v \to s \circ M^\top (v \circ c \rho)` (plus the weights-only
  part on rows where every neighbour has suitability 0), as in :mod:`ecosystem.flows.exact`.
  With the default suitability, :math:`\sum_c (w_{ac} / W_a) s(c)` is a linear form in the
  sampled resolve values and the floor (:meth:`FlowBatch._routing_sums`), so only the columns
  of the needs a resolve assumption names are recomputed, without a sparse product, unless
  the floor varies;
- the lost share is the sum of the failed handovers
  :math:`s \circ F^\top (u \circ c \rho)` (:math:`F[a, b] = (w_{ab}/W_a)(1 - h_{ab})`,
  :math:`u` the visits that may refer on), one sparse product per set that also gives the
  ``handovers`` table.

Sums over the actors avoid dense products with the actors as inner dimension, which go to the
threaded BLAS (per parameter set, its threads wait on each other on a busy machine).

The recursion is the one of :func:`ecosystem.flows.exact.solve` for a finite ``max_hops``
(:math:`V_{k+1} = M^\top (V_k \circ C)`), giving the same outcome fractions to rounding; tests
compare both on every path. Batches are formed from consecutive rows of the sample matrix
aligned to multiples of the batch size (a power of 2 dividing :data:`BLOCK_SETS`), so the
arithmetic of a row never depends on which worker evaluates it as long as work is split at
multiples of :data:`BLOCK_SETS`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ecosystem.core.schema import DOMAINS
from ecosystem.flows import ReferralModel
from ecosystem.flows.result import OUTCOMES, share_lost
from ecosystem.study.registry import Assumption

__all__ = ["BLOCK_ELEMENTS", "FlowBatch", "Outputs"]

#: Largest block (actors x parameter sets x needs) propagated at once: wider blocks fall out
#: of cache (at 10,000 actors and 10 needs one set per block was fastest per set), while small
#: networks gain from many sets per sparse product.
BLOCK_ELEMENTS = 100_000
#: Most parameter sets in one block (a power of 2).
BLOCK_SETS = 256
#: Actors per partial sum of the outcome totals by domain.
SUM_BLOCK = 256


@dataclass(frozen=True)
class Outputs:
    """Outcomes of ``S`` parameter sets.

    ``fractions``: S x outcomes x needs (outcomes in :data:`~ecosystem.flows.OUTCOMES` order);
    ``mean_hops``: S x needs; ``by_kind``: S x kinds x needs (share of residents with the need
    resolved by actors of each schema kind) or ``None``; ``mix``: the need shares of the totals;
    ``handovers``: S x 2 x kinds x needs (referral attempts to actors of each schema kind and
    the failed ones among them, per resident with the need) or ``None``.
    """

    fractions: np.ndarray
    mean_hops: np.ndarray
    by_kind: np.ndarray | None
    mix: np.ndarray
    handovers: np.ndarray | None = None

    def total(self, values: np.ndarray) -> np.ndarray:
        """Mix-weighted total over the last axis (NaN without needs)."""
        if self.mix.size == 0:
            return np.full(values.shape[:-1], np.nan)
        return values @ self.mix

    def lost_to(self, kind: int, need: int | None = None) -> np.ndarray:
        """Share of the referral attempts to kind ``kind`` that fail, per parameter set.

        One need (index ``need``), or over all needs: failed over attempted attempts, each
        need's counts weighted by its demand share. NaN where there are no attempts.
        """
        assert self.handovers is not None
        attempted, lost = self.handovers[:, 0, kind, :], self.handovers[:, 1, kind, :]
        if need is not None:
            attempted, lost = attempted[:, need], lost[:, need]
        elif self.mix.size == 0:
            return np.full(len(attempted), np.nan)
        else:
            attempted, lost = attempted @ self.mix, lost @ self.mix
        return share_lost(lost, attempted)


def _affine_handover(model: ReferralModel, hx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """alpha, beta of h = alpha + beta h_x per stored pair (``hx``: the base model's default
    per pair), from models with other defaults: alpha with both 0, beta from the base (or with
    both 1 where a default of 0 hides it)."""
    opts = model_options(model)
    alpha = ReferralModel(model.ecosystem, **{**opts, "handover_same": 0.0,
                                              "handover_cross": 0.0})._compiled.handover
    if (hx > 0).all():
        return alpha, (model._compiled.handover - alpha) / hx
    h1 = ReferralModel(model.ecosystem, **{**opts, "handover_same": 1.0,
                                           "handover_cross": 1.0})._compiled.handover
    return alpha, h1 - alpha


def model_options(model: ReferralModel) -> dict:
    """Keyword arguments that rebuild ``model`` on another ecosystem (tables in full)."""
    spec = model._spec
    return {"resolve": model.resolve_table, "entry": model.entry_table,
            "handover_same": model.handover_same, "handover_cross": model.handover_cross,
            "max_hops": model.max_hops, "tie_kinds": sorted(spec.kinds), "weight": spec.weight,
            "demand": model.demand, "routing": model.routing,
            "suitability": model.suitability_table,
            "suitability_floor": model.suitability_floor}


def apply(model: ReferralModel, values: dict[Assumption, float]) -> ReferralModel:
    """A model with flow assumptions replaced (the reference path: validated and compiled).

    ``resolve.<kind>.<need>`` and ``entry.<kind>.<need>`` replace the table value and the
    actor column ``resolve_<need>`` / ``entry_<need>`` at every actor of the kind.
    """
    opts = model_options(model)
    eco = model.ecosystem
    actors = None
    for a, v in values.items():
        if a.group == "handover":
            opts[a.name] = float(v)
        elif a.group == "max_hops":
            opts["max_hops"] = int(np.floor(v))
        elif a.group == "suitability_floor":
            opts["suitability_floor"] = float(v)
        elif a.group in ("resolve", "entry"):
            table = opts[a.group]
            table.loc[a.kind, a.need] = float(v)
            col = f"{a.group}_{a.need}"
            if col in eco.actors.columns:
                if actors is None:
                    actors = eco.actors.copy()
                vals = pd.to_numeric(actors[col], errors="coerce").to_numpy(
                    dtype=np.float64).copy()
                vals[(actors["kind"] == a.kind).to_numpy()] = float(v)
                actors[col] = vals
        else:  # pragma: no cover - callers pass flow assumptions only
            raise ValueError(f"not a flow assumption: {a.name}")
    if actors is not None:
        from ecosystem.core.ecosystem import Ecosystem

        eco = Ecosystem(actors, eco.ties, schema=eco.schema, name=eco.name,
                        provenance=eco.provenance)
    return ReferralModel(eco, **opts)


def outputs_of(models: Sequence[ReferralModel], kinds: Sequence[str] | None = None, *,
               handovers: bool = False) -> Outputs:
    """The reference path: :meth:`ReferralModel.solve` per model, as :class:`Outputs`.

    ``kinds`` (the schema's actor kinds) gives ``by_kind``; ``handovers`` (needs ``kinds``)
    gives ``handovers`` from :attr:`FlowResult.handovers`.
    """
    fr, mh, bk, ho = [], [], [], []
    mix = np.zeros(0)
    for m in models:
        res = m.solve()
        needs = list(m.needs)
        o = res.outcomes["fraction"]
        fr.append(np.array([[o[(n, out)] for n in needs] for out in OUTCOMES]))
        mh.append(res.mean_hops.loc[needs, "mean"].to_numpy())
        if kinds is not None:
            resolved = res.per_actor["resolved"][needs]
            kind = m.ecosystem.actors["kind"].to_numpy()
            bk.append(np.array([resolved.to_numpy()[kind == k].sum(axis=0) for k in kinds]))
        if handovers and kinds is not None:
            h = res.handovers
            assert h is not None
            ho.append(np.array([[[h.loc[(n, k), col] for n in needs] for k in kinds]
                                for col in ("attempted", "lost")]))
        mix = m._compiled.mix
    return Outputs(np.array(fr), np.array(mh), np.array(bk) if kinds is not None else None,
                   mix, np.array(ho) if ho else None)


class FlowBatch:
    """One compiled network; :meth:`evaluate` solves many flow parameter sets on it.

    Parameters
    ----------
    model
        The base model (its ecosystem, tie kinds, weights, demand and tables). Must have a
        finite ``max_hops`` or have ``max_hops`` among ``assumptions``.
    assumptions
        Flow assumptions (columns of the sample matrices passed to :meth:`evaluate`).
    """

    def __init__(self, model: ReferralModel, assumptions: Sequence[Assumption]) -> None:
        self.model = model
        self.assumptions = tuple(assumptions)
        c = model._compiled
        eco = model.ecosystem
        schema = eco.schema
        self.n, self.needs = c.n, tuple(c.needs)
        self.k = len(self.needs)
        self.kinds = tuple(schema.actor_kinds)
        kind_code = pd.Categorical(eco.actors["kind"], categories=list(self.kinds)).codes
        self.kind_code = np.asarray(kind_code, dtype=np.int64)
        self.resolve0 = np.ascontiguousarray(c.resolve.T)  # n x K
        self.entry0 = np.ascontiguousarray(c.entry.T)  # n x K
        self.sink = c.sink
        self.sink_f = c.sink.astype(np.float64)
        self.open = (~c.sink).astype(np.float64)  # 1 where an unresolved resident is referred
        self._open_b = ~c.sink
        self.cont0 = np.ascontiguousarray((1.0 - self.resolve0) * self.open[:, None])
        self.mix = c.mix
        appr = c.domain_appropriate  # domains x K
        self.appr = appr
        self.medical = DOMAINS.index("medical")
        # (domains + sink) x actors as a sparse matrix: a dense product with n inner terms goes
        # to the threaded BLAS, whose threads wait on each other on a busy machine (here per
        # parameter set). Its rows are split into blocks of SUM_BLOCK actors whose partial
        # sums are added afterwards: rounding as of SUM_BLOCK + n / SUM_BLOCK terms, not n.
        blocks = -(-self.n // SUM_BLOCK)
        block = np.arange(self.n) // SUM_BLOCK
        sinks = np.flatnonzero(c.sink)
        rows = np.concatenate([c.domain.astype(np.int64) * blocks + block,
                               len(DOMAINS) * blocks + block[sinks]])
        cols = np.concatenate([np.arange(self.n), sinks])
        self.groups_t = sp.csr_array((np.ones(len(rows)), (rows, cols)),
                                     shape=((len(DOMAINS) + 1) * blocks, self.n))
        self._blocks = blocks
        self._sink_row = sp.csr_array(self.sink_f[None, :])
        self.hops0 = model.max_hops
        self._cache: dict[str, tuple[sp.csr_array, ...]] = {}
        self._masks: dict[str, np.ndarray] = {}
        for a in self.assumptions:
            kind = str(a.kind)
            if a.group in ("resolve", "entry") and kind not in self._masks:
                self._masks[kind] = np.flatnonzero(self.kind_code == self.kinds.index(kind))
        self.varies_handover = any(a.group == "handover" for a in self.assumptions)
        self.varies_entry = any(a.group == "entry" for a in self.assumptions)
        self.step_t = c.step_t
        self.loss = c.loss[0] if len(c.loss) else np.zeros(self.n)  # the same for every need
        self.routing = model.routing
        self._floor = model.suitability_floor
        if self.varies_handover:
            self._handover_parts(model)
        if self.varies_entry:
            self._entry_parts(model)
        if self.routing == "need":
            self._routing_parts(model)
        self._sets_needs(model)
        if self.routing == "need" and self._suit_base is None:
            self._routing_sums()
        self._states: dict[int, _State] = {}
        self._index: dict[tuple, np.ndarray] = {}  # index arrays by block size (_columns)

    # ------------------------------------------------------------------ set-up
    def _handover_parts(self, model: ReferralModel) -> None:
        """alpha, beta of h = alpha + beta h_x per pair, in the order of M^T's data."""
        c = model._compiled
        rows = np.repeat(np.arange(self.n), np.diff(c.indptr))
        same = c.domain[rows] == c.domain[c.indices]
        hx = np.where(same, model.handover_same, model.handover_cross)
        if model.ecosystem.ties.get("handover", pd.Series(dtype=float)).isna().all():
            alpha, beta = np.zeros(len(hx)), np.ones(len(hx))  # every pair by the defaults
        else:
            alpha, beta = _affine_handover(model, hx)
        expect = alpha + beta * hx
        if not np.allclose(expect, c.handover, rtol=0, atol=1e-12):  # pragma: no cover
            raise RuntimeError("the flow model's handover is not affine in handover_same and "
                               "handover_cross; FlowBatch needs updating")
        out_w = np.bincount(rows, c.weight, minlength=self.n)
        p = c.weight / out_w[rows] if len(rows) else np.zeros(0)
        # Transpose the structure once; 'order' maps M^T's data back to M's pairs.
        pos = sp.csr_array((np.arange(1, len(p) + 1, dtype=np.float64), c.indices, c.indptr),
                           shape=(self.n, self.n)).T.tocsr()
        order = pos.data.astype(np.int64) - 1
        self._mt = sp.csr_array((np.empty(len(p)), pos.indices, pos.indptr),
                                shape=(self.n, self.n))
        self._pa, self._pb, self._same = (p * alpha)[order], (p * beta)[order], same[order]
        # For blocks of several sets: M^T = A + h_same B_same + h_cross B_cross.
        parts = []
        for data in (self._pa, np.where(self._same, self._pb, 0.0),
                     np.where(self._same, 0.0, self._pb)):
            m = sp.csr_array((data.copy(), pos.indices.copy(), pos.indptr.copy()),
                             shape=(self.n, self.n))
            m.eliminate_zeros()  # in place: hence the copies (self._pa is used per set)
            parts.append(m)
        self._parts = tuple(parts)
        self._loss0 = np.bincount(rows, p * (1.0 - alpha), minlength=self.n)
        self._loss_same = np.bincount(rows[same], (p * beta)[same], minlength=self.n)
        self._loss_cross = np.bincount(rows[~same], (p * beta)[~same], minlength=self.n)
        # The failing share w/W (1 - h) per pair, in M's order, as the same three parts.
        self._fail_parts = tuple(
            sp.csr_array((data, c.indices, c.indptr), shape=(self.n, self.n))
            for data in (p * (1.0 - alpha), np.where(same, p * beta, 0.0),
                         np.where(same, 0.0, p * beta)))

    def _sets_needs(self, model: ReferralModel) -> None:
        """The needs whose columns a parameter set changes: resolve values (``cont``), entry
        distribution and (need-aware routing) suitability, the rest of the routing columns."""
        def needs_of(group: str) -> np.ndarray:
            return np.unique(np.array([self.needs.index(str(a.need)) for a in self.assumptions
                                       if a.group == group], dtype=np.int64))

        self._resolve_needs, self._entry_needs = needs_of("resolve"), needs_of("entry")
        self._suit_needs = np.zeros(0, dtype=np.int64)
        if model.routing == "need" and any(a.group == "suitability_floor"
                                           for a in self.assumptions):
            self._suit_needs = np.arange(self.k)
        elif model.routing == "need" and model.suitability_table is None:
            self._suit_needs = self._resolve_needs  # suitability = resolve + floor
        self._regain_needs = np.setdiff1d(self._resolve_needs, self._suit_needs)

    def _routing_parts(self, model: ReferralModel) -> None:
        """Need-aware routing: w/W and w/W (1 - h) in M's orientation and the suitability."""
        c = model._compiled
        rows = np.repeat(np.arange(self.n), np.diff(c.indptr))
        out_w = np.bincount(rows, c.weight, minlength=self.n)
        share = c.weight / out_w[rows] if len(rows) else np.zeros(0)
        self._share = sp.csr_array((share, c.indices, c.indptr), shape=(self.n, self.n))
        self._floor = model.suitability_floor
        table = model.suitability_table
        self._suit_base = None if table is None else np.ascontiguousarray(
            table.reindex(columns=list(self.needs)).to_numpy(dtype=np.float64)[self.kind_code])
        given = np.zeros((self.n, self.k), dtype=bool)
        values = np.zeros((self.n, self.k))
        actors = model.ecosystem.actors
        for j, need in enumerate(self.needs):
            col = f"suitability_{need}"
            if col in actors.columns:
                vals = pd.to_numeric(actors[col], errors="coerce").to_numpy(dtype=np.float64)
                given[:, j] = ~np.isnan(vals)
                values[:, j] = np.where(given[:, j], vals, 0.0)
        self._suit_given = given if given.any() else None
        self._suit_values = values

    def _routing_sums(self) -> None:
        r"""The routing row sums as a linear form in the sampled values.

        With the default suitability (resolve + floor where no actor column gives it), column
        :math:`j`'s :math:`S(a) / W_a = \sum_b (w_{ab} / W_a) s(b)` is
        :math:`P_j + f Q_j + \sum_x v_x B_x`: :math:`P` from the cells no sampled value
        sets, :math:`Q` from the cells the floor :math:`f` applies to, :math:`B_x` from the
        cells assumption :math:`x` sets to :math:`v_x` (+ f).
        """
        given = (np.zeros((self.n, self.k), dtype=bool) if self._suit_given is None
                 else self._suit_given)
        sampled = np.zeros((self.n, self.k), dtype=bool)
        terms = []
        for j, a in enumerate(self.assumptions):
            if a.group == "resolve":
                need = self.needs.index(str(a.need))
                cells = np.zeros(self.n)
                rows = self._masks[str(a.kind)]
                cells[rows[~given[rows, need]]] = 1.0
                sampled[rows, need] = True
                terms.append((j, need, self._share @ cells))
        free = ~given & ~sampled
        base = np.where(free, self.resolve0, 0.0) + np.where(given, self._suit_values, 0.0)
        needs = self._suit_needs  # need-major: one row per need
        self._sum_p = np.ascontiguousarray((self._share @ base)[:, needs].T)
        self._sum_q: np.ndarray | None = np.ascontiguousarray(
            (self._share @ (~given).astype(np.float64))[:, needs].T)
        if len(needs) < self.k:  # the floor does not vary: P + f Q once
            self._sum_p += self._floor * self._sum_q
            self._sum_q = None
        self._sum_terms = terms

    def _entry_parts(self, model: ReferralModel) -> None:
        """Raw entry weights (kind table + actor columns) and the neighbourhood structure."""
        eco = model.ecosystem
        table = model.entry_table.reindex(columns=list(self.needs)).to_numpy(dtype=np.float64)
        w = table[self.kind_code] if self.n else np.zeros((0, self.k))
        actors = eco.actors
        for j, need in enumerate(self.needs):
            col = f"entry_{need}"
            if col in actors.columns:
                vals = pd.to_numeric(actors[col], errors="coerce").to_numpy(dtype=np.float64)
                given = ~np.isnan(vals)
                w[given, j] = vals[given]
        self.weights0 = np.ascontiguousarray(w)
        demand = model.demand
        self._nb = None
        if isinstance(demand, pd.DataFrame):
            names = list(demand.index)
            code = pd.Index(names).get_indexer(actors["neighbourhood"])
            shared = actors["neighbourhood"].isna().to_numpy()
            inside = code >= 0
            g = sp.csr_array((np.ones(int(inside.sum())), (code[inside],
                                                           np.flatnonzero(inside))),
                             shape=(len(names), self.n))
            # Row of each actor in [scale; 0; sum of scale]: its neighbourhood's, none, shared.
            at = np.where(shared, len(names) + 1, np.where(inside, code, len(names)))
            self._nb = (g, at, np.flatnonzero(shared), demand.to_numpy(dtype=np.float64))
        check = self._distribution(self.weights0)
        if not np.allclose(check, self.entry0, rtol=1e-12, atol=1e-15):  # pragma: no cover
            raise RuntimeError("FlowBatch's entry distribution differs from the flow model's; "
                               "FlowBatch needs updating")

    def _distribution(self, w: np.ndarray, needs: np.ndarray | None = None) -> np.ndarray:
        """Entry distribution from raw weights (NaN where a column's weights sum to 0).

        ``w`` is n x columns; ``needs`` gives each column's need (default: column j is need
        j), for the neighbourhood demand. Every column is computed on its own.
        """
        with np.errstate(invalid="ignore", divide="ignore"):
            sums = _colsum(w)
            if self._nb is None:
                return w / np.where(sums > 0, sums, np.nan)
            g, at, shared, d = self._nb
            if needs is not None:
                d = d[:, needs]
            reach = g @ w + _colsum(w[shared])[None, :]  # X x columns
            if ((reach <= 0) & (d > 0)).any():
                return np.full_like(w, np.nan)
            scale = np.divide(d, reach, out=np.zeros_like(d), where=reach > 0)
            factor = np.vstack([scale, np.zeros(len(sums)), scale.sum(axis=0)])[at]
            total = d.sum(axis=0)
            mixed = w * factor / np.where(total > 0, total, 1.0)
            if (total > 0).all():
                return mixed
            plain = w / np.where(sums > 0, sums, np.nan)
            return np.where(total[None, :] > 0, mixed, plain)

    # ------------------------------------------------------------------ evaluation
    def batch_size(self) -> int:
        """Parameter sets propagated together: a power of 2 dividing :data:`BLOCK_SETS`.

        It depends on the network's size only, so a caller that splits rows at multiples of
        :data:`BLOCK_SETS` gets the same blocks (and the same floating-point results) however
        it splits them.
        """
        fit = max(1, min(BLOCK_SETS, BLOCK_ELEMENTS // max(self.n * self.k, 1)))
        return 1 << (fit.bit_length() - 1)

    def evaluate(self, x: np.ndarray, *, by_kind: bool = False, handovers: bool = False,
                 offset: int = 0) -> Outputs:
        """Outcomes of the parameter sets in the rows of ``x`` (columns: the assumptions).

        ``by_kind`` adds the resolutions by actor kind, ``handovers`` the referral attempts
        and failed handovers by the target's kind (see :meth:`_handovers`). ``offset`` is the
        index of ``x``'s first row in the whole sample matrix: batches are aligned to
        multiples of :meth:`batch_size` of the global row index, so the result of a row does
        not depend on how the rows were split between workers.
        """
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != len(self.assumptions):
            raise ValueError(f"FlowBatch.evaluate(): x must have shape (sets, "
                             f"{len(self.assumptions)}), got {x.shape}")
        s_total = len(x)
        fr = np.full((s_total, len(OUTCOMES), self.k), np.nan)
        mh = np.full((s_total, self.k), np.nan)
        bk = np.full((s_total, len(self.kinds), self.k), np.nan) if by_kind else None
        ho = np.full((s_total, 2, len(self.kinds), self.k), np.nan) if handovers else None
        b = self.batch_size()
        start = 0
        while start < s_total:
            stop = min(s_total, start + b - (offset + start) % b)
            if self.n and self.k:
                f, m, kk, hh = self._block(x[start:stop], by_kind, handovers)
                fr[start:stop], mh[start:stop] = f, m
                if bk is not None:
                    bk[start:stop] = kk
                if ho is not None:
                    ho[start:stop] = hh
            start = stop
        return Outputs(fr, mh, bk, self.mix, ho)

    def _block(self, x: np.ndarray, by_kind: bool, handovers: bool = False
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
        s, k = len(x), self.k
        st = self._state(s)
        p = self._parameters(st, x)
        step_t, loss = self._step(p)
        load, last = self._propagate(step_t, st, p["hops"])
        moved = np.subtract(load, last, out=st.work)  # sum_{k<H} v_k: where referrals start
        failed = None
        if self.routing == "need" or handovers:
            failed = self._failed(p, st, moved)
        if self.routing == "need":
            assert failed is not None
            lost = _colsum(failed)
        else:
            walked = moved * st.cont
            lost = (_dot(loss, walked) if loss is not None else
                    _dot(self._loss0, walked) - np.repeat(p["hs"], k) * _dot(self._loss_same,
                                                                              walked)
                    - np.repeat(p["hc"], k) * _dot(self._loss_cross, walked))
        exceeded = np.einsum("ij,ij->j", last, st.cont)  # sum_a v_H c
        resolved_at = np.multiply(load, st.resolve, out=st.work)
        by_domain = (self.groups_t @ resolved_at).reshape(
            len(DOMAINS) + 1, self._blocks, -1).sum(axis=1)  # (domains + sink) x cols
        appr = st.appr
        appropriate = (appr * by_domain[:-1]).sum(axis=0)
        elsewhere = by_domain[:-1].sum(axis=0) - appropriate
        medicalised = by_domain[self.medical] * ~appr[self.medical]
        stuck = (self._sink_row @ load)[0] - by_domain[-1]
        fr = np.vstack([appropriate, elsewhere, medicalised, stuck, lost, exceeded])
        fr = fr.reshape(len(OUTCOMES), s, k).transpose(1, 0, 2)
        mean = (_colsum(load) - 1.0).reshape(s, k)
        kk = hh = None
        if by_kind:
            kk = (self._kind_ind() @ resolved_at).reshape(len(self.kinds), s, k).transpose(
                1, 0, 2)
        if handovers:
            assert failed is not None
            hh = self._handovers(s, st, load, failed)
        return fr, mean, kk, hh

    def _kind_ind(self) -> sp.csr_array:
        """kinds x actors: 1 where the actor is of the kind."""
        if "kind_ind" not in self._cache:
            self._cache["kind_ind"] = (sp.csr_array(
                (np.ones(self.n), (self.kind_code, np.arange(self.n))),
                shape=(len(self.kinds), self.n)),)
        return self._cache["kind_ind"][0]

    def _fail_t(self) -> tuple[sp.csr_array, ...]:
        """:math:`F^\\top` with :math:`F[a, b] = (w_{ab} / W_a)(1 - h_{ab})`: one matrix, or
        (varying handovers) the parts :math:`F_0, F_s, F_c` with
        :math:`F = F_0 - h_{same} F_s - h_{cross} F_c`, each transposed."""
        if "fail_t" not in self._cache:
            if self.varies_handover:
                parts = self._fail_parts
            else:
                c = self.model._compiled
                rows = np.repeat(np.arange(self.n), np.diff(c.indptr))
                out_w = np.bincount(rows, c.weight, minlength=self.n)
                share = c.weight / out_w[rows] if len(rows) else np.zeros(0)
                parts = (sp.csr_array((share * (1.0 - c.handover), c.indices, c.indptr),
                                      shape=(self.n, self.n)),)
            self._cache["fail_t"] = tuple(m.T.tocsr() for m in parts)
        return self._cache["fail_t"]

    def _fail_t_one(self, hs: float, hc: float) -> sp.csr_array:
        """:math:`F^\\top` of one handover pair: the parts share their structure (built on
        the same pairs), so it is one data array ``F_0 - h_s F_s - h_c F_c``."""
        f0, fs, fc = self._fail_t()
        if "fail_t_one" not in self._cache:
            same = (np.array_equal(f0.indices, fs.indices) and np.array_equal(
                f0.indices, fc.indices) and np.array_equal(f0.indptr, fs.indptr)
                and np.array_equal(f0.indptr, fc.indptr))
            if not same:  # pragma: no cover - scipy keeps the order of identical structures
                raise RuntimeError("FlowBatch: the failing parts differ in structure")
            self._cache["fail_t_one"] = (sp.csr_array(
                (f0.data.copy(), f0.indices, f0.indptr), shape=f0.shape),)
        (one,) = self._cache["fail_t_one"]
        one.data[:] = f0.data - hs * fs.data - hc * fc.data
        return one

    def _failed(self, p: dict[str, np.ndarray], st: _State, moved: np.ndarray) -> np.ndarray:
        r"""n x (s K): failed handovers at each target, per resident with the need.

        With :math:`u = \sum_{k<H} v_k` (``moved``) the referrals from :math:`a` to :math:`b`
        are :math:`u(a) c(a) p(a, b)` and the failed ones these times :math:`(1 - h_{ab})`.
        At :math:`b`: :math:`F^\top (u \circ c)` (weights routing), or
        :math:`s \circ F^\top (u \circ c \rho) + F^\top (u \circ c [\text{fallback}])`
        (need-aware routing). Summed over :math:`b`, the lost share.
        """
        s, k = len(p["hs"]), self.k
        fail_t = self._fail_t()
        if len(fail_t) == 3 and s == 1:  # one set: one matrix, as the step matrix
            fail_t = (self._fail_t_one(float(p["hs"][0]), float(p["hc"][0])),)
        hs_col, hc_col = np.repeat(p["hs"], k), np.repeat(p["hc"], k)

        def failing(y: np.ndarray) -> np.ndarray:
            out = fail_t[0] @ y
            if len(fail_t) == 3:
                out -= (fail_t[1] @ y) * hs_col + (fail_t[2] @ y) * hc_col
            return out

        failed = failing(np.multiply(moved, st.gain, out=st.u))
        if st.suit is not None:
            failed *= st.suit
            if st.spill is not None and st.spill_any:
                failed += failing(np.multiply(moved, st.spill, out=st.u))
        return failed

    def _handovers(self, s: int, st: _State, load: np.ndarray, failed: np.ndarray
                   ) -> np.ndarray:
        """s x 2 x kinds x K: referral attempts to actors of each kind and the failed ones.

        Failures at each target from :meth:`_failed`; successes are the visits after a
        referral, ``load - entry``; attempts = successes + failures. Both summed over the
        actors of each kind.
        """
        np.clip(failed, 0.0, None, out=failed)
        ind = self._kind_ind()
        lost = ind @ failed
        attempted = ind @ (load - st.entry) + lost
        out = np.stack([attempted, lost])  # 2 x kinds x (s K)
        return out.reshape(2, len(self.kinds), s, self.k).transpose(2, 0, 1, 3)

    # ------------------------------------------------------------------ the block's arrays
    def _columns(self, needs: np.ndarray, s: int) -> np.ndarray:
        """The columns of ``needs`` in a block of ``s`` sets (set i, need j: column i K + j)."""
        key = ("columns", needs.tobytes(), s)
        if key not in self._index:
            self._index[key] = (np.arange(s)[:, None] * self.k + needs[None, :]).ravel()
        return self._index[key]

    def _cells(self, rows: np.ndarray, need: int, s: int, tag: str) -> np.ndarray:
        """Flat positions in an n x (s K) array of ``rows`` x need ``need``'s columns (row by
        row, then set by set), kept under ``tag``."""
        key = ("cells", tag, need, s)
        if key not in self._index:
            cols = self._columns(np.array([need]), s)
            self._index[key] = (rows[:, None] * (s * self.k) + cols[None, :]).ravel()
        return self._index[key]

    def _state(self, s: int) -> _State:
        """The arrays of a block of ``s`` sets at the base values (kept between blocks)."""
        if s in self._states:
            return self._states[s]
        if len(self._states) >= 2:  # the batch size and one ragged end at most
            self._states.clear()
            self._index.clear()
        tile = (1, s)
        resolve, cont = np.tile(self.resolve0, tile), np.tile(self.cont0, tile)
        shape = resolve.shape
        st = _State(resolve=resolve, cont=cont, entry=np.tile(self.entry0, tile),
                    gain=cont, u=np.empty(shape), work=np.empty(shape), load=np.empty(shape),
                    appr=self.appr[:, np.tile(np.arange(self.k), s)])
        if self.routing == "need":
            st.gain, st.suit, st.ratio = np.empty(shape), np.empty(shape), np.empty(shape)
            st.spill, st.fallback = np.zeros(shape), np.zeros(shape)
            st.fallback_cols = np.zeros(shape[1], dtype=bool)
            every = np.arange(shape[1])
            sums = self._full_sums(st, every, np.full(s, self._floor))
            self._reroute(st, every, np.ascontiguousarray(sums.T), keep=True)
        self._states[s] = st
        return st

    def _parameters(self, st: _State, x: np.ndarray) -> dict[str, np.ndarray]:
        """Write the block's values into ``st`` (only the cells the assumptions set) and return
        hops, hs, hc and floor (per set)."""
        s = len(x)
        hops = np.full(s, -1 if self.hops0 is None else self.hops0, dtype=np.int64)
        hs = np.full(s, self.model.handover_same)
        hc = np.full(s, self.model.handover_cross)
        floor = np.full(s, self._floor)
        for j, a in enumerate(self.assumptions):
            v = x[:, j]
            if a.group == "handover":
                (hs if a.name == "handover_same" else hc)[:] = v
            elif a.group == "max_hops":
                hops[:] = np.floor(v).astype(np.int64)
            elif a.group == "suitability_floor":
                floor[:] = v
            elif a.group == "resolve":
                rows = self._masks[str(a.kind)]
                at = self._cells(rows, self.needs.index(str(a.need)), s, str(a.kind))
                st.resolve.reshape(-1)[at] = np.tile(v, len(rows))
                st.cont.reshape(-1)[at] = np.outer(self.open[rows], 1.0 - v).ravel()
        if (hops < 0).any():  # pragma: no cover - callers route max_hops=None elsewhere
            raise ValueError("FlowBatch needs a finite max_hops")
        if len(self._entry_needs):
            self._entry_columns(st, x)
        if self.routing == "need" and len(self._suit_needs):
            self._resuit(st, x, floor)
            cols = self._columns(self._suit_needs, s)
            self._reroute(st, cols, self._row_sums(x, floor))
        if self.routing == "need":
            self._regain(st, self._columns(self._regain_needs, s))
        return {"hops": hops, "hs": hs, "hc": hc, "floor": floor}

    def _entry_columns(self, st: _State, x: np.ndarray) -> None:
        """The entry distribution of the needs an ``entry.*`` assumption sets, per set."""
        s, needs = len(x), self._entry_needs
        w = np.tile(self.weights0[:, needs], (1, s))
        m = len(needs)
        for j, a in enumerate(self.assumptions):
            if a.group == "entry":
                key = ("entry cells", j, s)
                if key not in self._index:
                    rows = self._masks[str(a.kind)]
                    col = np.arange(s) * m + int(np.searchsorted(needs, self.needs.index(
                        str(a.need))))
                    self._index[key] = (rows[:, None] * (s * m) + col[None, :]).ravel()
                at = self._index[key]
                w.reshape(-1)[at] = np.tile(x[:, j], len(at) // s)
        st.entry[:, self._columns(needs, s)] = self._distribution(w, np.tile(needs, s))

    def _full_sums(self, st: _State, cols: np.ndarray, floor: np.ndarray) -> np.ndarray:
        """Suitability of columns ``cols`` written into ``st`` and the row sums
        :math:`S(a) / W_a` computed from it (the block's first state)."""
        return self._share @ self._full_suit(st, cols, floor)

    def _full_suit(self, st: _State, cols: np.ndarray, floor: np.ndarray) -> np.ndarray:
        """Suitability of columns ``cols`` (n x columns), also written into ``st``."""
        assert st.suit is not None
        need = cols % self.k
        if self._suit_base is None:
            suit = st.resolve[:, cols] + floor[cols // self.k][None, :]
        else:
            suit = self._suit_base[:, need]
        if self._suit_given is not None:
            suit = np.where(self._suit_given[:, need], self._suit_values[:, need], suit)
        st.suit[:, cols] = suit
        return suit

    def _resuit(self, st: _State, x: np.ndarray, floor: np.ndarray) -> None:
        """Write the sampled suitabilities (value + floor) into ``st``: every column if the
        floor varies, else only the cells the resolve assumptions set."""
        assert st.suit is not None
        s = len(x)
        if len(self._suit_needs) == self.k:  # the floor varies: every column changes
            self._full_suit(st, np.arange(s * self.k), floor)
            return
        given = self._suit_given
        for j, need, _ in self._sum_terms:
            kind = str(self.assumptions[j].kind)
            rows = self._masks[kind]
            if given is not None:
                rows = rows[~given[rows, need]]
            at = self._cells(rows, need, s, "suitability " + kind)
            st.suit.reshape(-1)[at] = np.tile(x[:, j] + floor, len(rows))

    def _row_sums(self, x: np.ndarray, floor: np.ndarray) -> np.ndarray:
        """(s m) x n: :math:`S(a) / W_a` of the suitability needs' columns, one row per column
        (see :meth:`_routing_sums`)."""
        m, s = len(self._suit_needs), len(x)
        out = np.tile(self._sum_p, (s, 1))
        if self._sum_q is not None:
            out += np.tile(self._sum_q, (s, 1)) * np.repeat(floor, m)[:, None]
        for j, need, b in self._sum_terms:
            at = int(np.searchsorted(self._suit_needs, need))
            out[at::m] += x[:, j][:, None] * b[None, :]
        return out

    def _reroute(self, st: _State, cols: np.ndarray, row_s: np.ndarray, keep: bool = False
                 ) -> None:
        r"""Need-aware routing of columns ``cols`` from their row sums :math:`S(a) / W_a`
        (``row_s``: one row per column): :math:`\rho = W_a / S(a)` (0 on fallback rows, where
        every neighbour has :math:`s = 0`), the fallback rows, then :meth:`_regain`.
        ``keep``: also store :math:`\rho` (the block's first state; :meth:`_regain` reads it
        later only for columns that are never rerouted).

        Column by column: with few columns an n x columns array has a short inner loop."""
        if not len(cols):
            return
        assert st.ratio is not None and st.fallback is not None
        assert st.fallback_cols is not None
        ordinary = row_s > 0
        ratio = 1.0 / np.where(ordinary, row_s, 1.0)
        ratio[~ordinary] = 0.0
        fallback = ~ordinary & self._open_b[None, :]
        now = fallback.any(axis=1)  # columns with fallback rows (before: fallback_cols)
        dirty = now | st.fallback_cols[cols]
        for i, c in enumerate(cols):
            if keep:  # read again only for the columns of _regain_needs, never rerouted
                st.ratio[:, c] = ratio[i]
            if dirty[i]:
                st.fallback[:, c] = fallback[i]
        self._regain(st, cols, spill=dirty, ratio=ratio)
        st.fallback_cols[cols] = now
        st.spill_any = bool(st.fallback_cols.any())

    def _regain(self, st: _State, cols: np.ndarray, spill: np.ndarray | None = None,
                ratio: np.ndarray | None = None) -> None:
        """``gain = c rho`` and ``spill = c [fallback]`` of columns ``cols`` (``spill``: of
        these the columns whose spill may change, default: those with fallback rows;
        ``ratio``: rho of these columns, one row per column, if at hand)."""
        if not len(cols) or st.suit is None:
            return
        assert st.ratio is not None and st.spill is not None and st.fallback is not None
        assert st.fallback_cols is not None
        spill = st.fallback_cols[cols] if spill is None else spill
        for i, c in enumerate(cols):
            cont = st.cont[:, c]
            st.gain[:, c] = cont * (st.ratio[:, c] if ratio is None else ratio[i])
            if spill[i]:
                st.spill[:, c] = cont * st.fallback[:, c]

    def _step(self, p: dict[str, np.ndarray]
              ) -> tuple[Callable[[np.ndarray], np.ndarray], np.ndarray | None]:
        """``y -> M^T y`` for the block, and the loss vector (None: per column, from parts)."""
        hs, hc = p["hs"], p["hc"]
        if not self.varies_handover:
            return self.step_t.__matmul__, self.loss
        if len(hs) == 1:  # this set's step matrix and loss
            hx = np.where(self._same, hs[0], hc[0])
            self._mt.data[:] = self._pa + self._pb * hx
            loss = np.clip(self._loss0 - hs[0] * self._loss_same - hc[0] * self._loss_cross,
                           0.0, 1.0)
            return self._mt.__matmul__, loss
        a_t, s_t, c_t = self._parts  # one product per part, scaled per set
        hs_col, hc_col = np.repeat(hs, self.k), np.repeat(hc, self.k)

        def step_t(y: np.ndarray) -> np.ndarray:
            return a_t @ y + (s_t @ y) * hs_col + (c_t @ y) * hc_col

        return step_t, None

    def _propagate(self, step_t: Callable[[np.ndarray], np.ndarray], st: _State,
                   hops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Expected visits (load) and the visits after each column's last referral."""
        h_max = int(hops.max())
        load = st.load
        np.copyto(load, st.entry)

        def advance(v: np.ndarray) -> np.ndarray:
            y = step_t(np.multiply(v, st.gain, out=st.u))
            if st.suit is not None:
                y *= st.suit
                if st.spill is not None and st.spill_any:  # every neighbour has s = 0
                    y += step_t(np.multiply(v, st.spill, out=st.u))
            return y

        v = st.entry
        if (hops == h_max).all() and st.suit is not None and not st.spill_any and h_max:
            return self._propagate_scaled(step_t, st, h_max)
        if (hops == h_max).all():  # one hop limit for the whole block
            for _ in range(h_max):
                v = advance(v)
                load += v
            return load, v
        hop_col = np.repeat(hops, self.k)  # each column stops at its own limit
        v = st.entry.copy()
        last = np.zeros_like(v)
        for step in range(h_max + 1):
            done = hop_col == step
            if done.any():
                last[:, done] = v[:, done]
                v[:, done] = 0.0
            if step < h_max:
                v = advance(v)
                load += v
        return load, last

    @staticmethod
    def _propagate_scaled(step_t: Callable[[np.ndarray], np.ndarray], st: _State, hops: int
                          ) -> tuple[np.ndarray, np.ndarray]:
        r""":meth:`_propagate` for one hop limit ``hops`` >= 1 under need-aware routing
        without fallback rows: :math:`v_k = s \circ w_k` with :math:`w_{k+1} = M^\top (w_k
        \circ s c \rho)`, one elementwise product per hop, and the load
        :math:`e + s \circ \sum_{k \ge 1} w_k`."""
        assert st.suit is not None
        scaled = np.multiply(st.suit, st.gain, out=st.work)
        w = step_t(np.multiply(st.entry, st.gain, out=st.u))
        total = w  # a fresh array: the sum of w_1 .. w_H
        for _ in range(hops - 1):
            w = step_t(np.multiply(w, scaled, out=st.u))
            total += w
        last = w * st.suit  # v_H (before the sum is scaled in place: w may be the sum)
        load = st.load
        np.copyto(load, st.entry)
        load += np.multiply(total, st.suit, out=total)
        return load, last


def _colsum(a: np.ndarray) -> np.ndarray:
    """Column sums of an n x columns array (einsum: neither numpy's slow strided reduction
    along axis 0 nor the threaded BLAS)."""
    return np.einsum("ij->j", a)


def _dot(v: np.ndarray, a: np.ndarray) -> np.ndarray:
    """``v @ a`` for an n-vector and an n x columns array, single-threaded (see _colsum)."""
    return np.einsum("i,ij->j", v, a)


@dataclass
class _State:
    """The arrays of a block of ``s`` parameter sets, n x (s K) (set i, need j: column
    i K + j), at the base values except the cells the assumptions set: ``resolve``, ``cont``
    (:math:`(1 - r)` where a resident is referred on), ``entry``; under need-aware routing the
    suitability ``suit``, ``ratio`` (:math:`\\rho`), ``fallback`` (0/1), ``gain``
    (:math:`c \\rho`; ``cont`` itself under weights routing) and ``spill``
    (:math:`c [\\text{fallback}]`); ``u``, ``work`` and ``load`` are scratch space; ``appr``
    is the domains x (s K) appropriateness."""

    resolve: np.ndarray
    cont: np.ndarray
    entry: np.ndarray
    gain: np.ndarray
    u: np.ndarray
    work: np.ndarray
    load: np.ndarray
    appr: np.ndarray
    suit: np.ndarray | None = None
    ratio: np.ndarray | None = None
    fallback: np.ndarray | None = None
    spill: np.ndarray | None = None
    fallback_cols: np.ndarray | None = None
    spill_any: bool = False
