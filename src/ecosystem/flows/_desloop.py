"""The compiled event loop of :func:`ecosystem.flows.des.simulate_queue`.

Why compiled: the loop does a few dozen operations per event, millions of times. In Python its
cost per event grew about 3-4x from 50 to 10,000 actors (each event reads per-actor tables
whose boxed floats and ints spread over megabytes, and the heap of service completions grows
with the busy servers), against a target of at most 2x. Compiled with numba on flat NumPy
arrays the same loop costs a few tens of nanoseconds per event at any size, and the run time is
dominated by the vectorised summary that follows.

The loop is resumable: random numbers and the per-visit log live in arrays that Python
refills (in blocks of a fixed size, so the random stream depends only on the seed) or grows
(which changes nothing) between calls.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["DONE", "NEED_RANDOM", "NEED_VISITS", "STATE_SIZE", "event_loop"]

DONE = 0  #: the horizon was reached
NEED_RANDOM = 1  #: refill ``unit`` or ``uni`` and call again
NEED_VISITS = 2  #: grow the per-visit arrays and call again

#: Length of the state array: visits logged, next external arrival, service times and uniforms
#: used, heap size, residents abandoned in the loop (so a call can stop and resume anywhere
#: between events), and a sink for the values :func:`_touch` reads.
STATE_SIZE = 7

Array = np.ndarray
_jit = numba.njit(cache=True, nogil=True)


@_jit
def _before(t1: float, v1: int, t2: float, v2: int) -> bool:
    """Heap order: earlier end first, then the earlier visit."""
    return (t1 < t2) | ((t1 == t2) & (v1 < v2))  # without branches: the heap's hardest to predict


@_jit
def _push(heap_t: Array, heap_v: Array, size: int, t: float, v: int) -> None:
    """Insert (t, v) into the binary min-heap of ``size`` entries."""
    j = size
    while j > 0:
        parent = (j - 1) >> 1
        if _before(heap_t[parent], heap_v[parent], t, v):
            break
        heap_t[j] = heap_t[parent]
        heap_v[j] = heap_v[parent]
        j = parent
    heap_t[j] = t
    heap_v[j] = v


@_jit
def _pop(heap_t: Array, heap_v: Array, size: int) -> None:
    """Remove the top of the heap of ``size`` entries (the caller has read it)."""
    size -= 1
    t = heap_t[size]
    v = heap_v[size]
    j = 0
    while 2 * j + 1 < size:
        child = 2 * j + 1
        if child + 1 < size and _before(heap_t[child + 1], heap_v[child + 1], heap_t[child],
                                        heap_v[child]):
            child += 1
        if _before(t, v, heap_t[child], heap_v[child]):
            break
        heap_t[j] = heap_t[child]
        heap_v[j] = heap_v[child]
        j = child
    heap_t[j] = t
    heap_v[j] = v


@_jit
def _touch(v: int, v_act: Array, v_res: Array, arr_k: Array, station: Array, tab: Array
           ) -> int:
    """Read the station row and the first routing row of visit ``v``'s completion, the next in
    the heap, while the current event is still being handled.

    On large networks these rows are in L3 cache or memory, not L2; read early, their loads
    overlap the current event's work instead of stalling the next event (the event loop ran
    about 30% faster at 10,000 actors, and no slower at 50). The values are only folded into
    a sink, so the compiler keeps the loads.
    """
    a = v_act[v]
    lo = station[a, 5] + arr_k[v_res[v]] * station[a, 6]
    return lo ^ int(tab[lo, 1])


@_jit
def event_loop(  # noqa: C901 - the whole event in one frame
        st: Array, arr_t: Array, arr_a: Array, arr_k: Array, horizon: float,
        station: Array, station_f: Array, tab: Array, max_hops: int, patient: bool,
        p_time: float, unit: Array, uni: Array, heap_t: Array, heap_v: Array, q_next: Array,
        v_act: Array, v_res: Array, v_arr: Array, v_start: Array, v_end: Array, hop: Array,
        outcome: Array, r_end: Array) -> int:
    """Run events until the horizon (returns :data:`DONE`) or until random numbers or visit
    slots run short (returns :data:`NEED_RANDOM` or :data:`NEED_VISITS`, state saved in ``st``).

    Events: the earliest service completion (heap of (end, visit), ties by visit) or the next
    external arrival; a completion starts the next in that actor's FIFO queue (after removing
    residents whose patience ran out) and routes the resident on with one uniform draw.
    ``station[a]`` holds actor a's busy servers, servers, first and last visit in its queue
    (-1: none), read through the float view ``station_f`` its mean service time, and the
    first row and the length of its routing segments in ``tab`` (one per need, side by side):
    one 64-byte row, so that an event reads one cache line per actor besides the segment.
    The routing table is described in :func:`ecosystem.flows.des._referral_tables`.
    """
    nv = st[0]
    nxt_i = st[1]
    up = st[2]
    uq = st[3]
    size = st[4]
    aband = st[5]
    n_arr = arr_t.shape[0]
    n_unit = unit.shape[0]
    n_uni = uni.shape[0]
    cap = v_act.shape[0]
    nan = np.nan
    inf = np.inf
    status = DONE
    touch = 0
    while True:
        if up + 2 > n_unit or uq + 1 > n_uni:
            status = NEED_RANDOM
            break
        if nv + 1 > cap:
            status = NEED_VISITS
            break
        t_done = heap_t[0] if size > 0 else inf
        t_next = arr_t[nxt_i] if nxt_i < n_arr else inf
        if min(t_done, horizon) < t_next:
            if t_done >= horizon:
                break
            # a service completion at actor a
            t = t_done
            v = heap_v[0]
            _pop(heap_t, heap_v, size)
            size -= 1
            a = v_act[v]
            i = v_res[v]
            if size > 0:
                touch ^= _touch(heap_v[0], v_act, v_res, arr_k, station, tab)
            v_end[v] = t
            started = False
            while station[a, 2] >= 0:  # the next in the queue starts (the impatient leave)
                w = station[a, 2]
                station[a, 2] = q_next[w]
                if q_next[w] < 0:
                    station[a, 3] = -1
                if patient and t - v_arr[w] > p_time:
                    left = v_arr[w] + p_time
                    v_end[w] = left
                    j = v_res[w]
                    outcome[j] = 5
                    r_end[j] = left
                    aband += 1
                    continue
                v_start[w] = t
                _push(heap_t, heap_v, size, t + station_f[a, 4] * unit[up], w)
                size += 1
                up += 1
                started = True
                break
            if not started:
                station[a, 0] -= 1
            # route the resident who finished
            u = uni[uq]
            uq += 1
            lo = station[a, 5] + arr_k[i] * station[a, 6]
            end = lo + station[a, 6]
            hi = end
            if u < tab[lo, 0]:
                outcome[i] = 1
                r_end[i] = t
                continue
            lo += 1
            if lo == hi:
                outcome[i] = 2
                r_end[i] = t
                continue
            h = hop[i]
            if h >= max_hops:
                outcome[i] = 4
                r_end[i] = t
                continue
            while lo < hi:  # first pair whose cumulative probability exceeds u
                mid = (lo + hi) >> 1
                if u < tab[mid, 0]:
                    hi = mid
                else:
                    lo = mid + 1
            if lo == end:
                outcome[i] = 3
                r_end[i] = t
                continue
            hop[i] = h + 1
            a = int(tab[lo, 1])
        else:
            if t_next >= horizon:
                break
            t = t_next
            i = nxt_i
            a = arr_a[i]
            nxt_i += 1
        # resident i arrives at actor a at time t
        v = nv
        nv += 1
        v_act[v] = a
        v_res[v] = i
        v_arr[v] = t
        v_end[v] = nan
        if station[a, 0] < station[a, 1]:
            station[a, 0] += 1
            v_start[v] = t
            _push(heap_t, heap_v, size, t + station_f[a, 4] * unit[up], v)
            size += 1
            up += 1
        else:
            v_start[v] = nan
            q_next[v] = -1
            if station[a, 3] >= 0:
                q_next[station[a, 3]] = v
            else:
                station[a, 2] = v
            station[a, 3] = v
    st[0] = nv
    st[1] = nxt_i
    st[2] = up
    st[3] = uq
    st[4] = size
    st[5] = aband
    st[6] = touch
    return status
