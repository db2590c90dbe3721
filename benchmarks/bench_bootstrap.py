"""Bootstrap CIs of the mean: ``bootstrap_mean_ci`` (scipy.stats.bootstrap) vs a bare NumPy one.

The baseline is the hand-written percentile bootstrap the library used before (shared
resampling indices, block-wise means, ``np.quantile``). Two workloads: many groups at once (a
coverage study: 4,000 samples of n = 30, 1,000 resamples) and the per-row calls of
``Comparison.summary`` (one sample of 50 replicates, 4,000 resamples, 200 calls). Prints
seconds (best of 3) and the ratio ours / baseline.

Run: ``python benchmarks/bench_bootstrap.py``
"""

from __future__ import annotations

import time

import numpy as np

from ecosystem.study import bootstrap_mean_ci

_BLOCK = 20_000_000


def bare(values: np.ndarray, confidence: float, n_resamples: int, seed: int):
    x = np.atleast_2d(np.asarray(values, dtype=np.float64))
    g, n = x.shape
    idx = np.random.default_rng(seed).integers(0, n, size=(n_resamples, n))
    alpha = (1 - confidence) / 2
    lo, hi = np.empty(g), np.empty(g)
    step = max(1, _BLOCK // max(1, n_resamples * n))
    for start in range(0, g, step):
        means = x[start:start + step][:, idx].mean(axis=2)
        lo[start:start + step], hi[start:start + step] = np.quantile(
            means, [alpha, 1 - alpha], axis=1)
    return lo, hi


def best(f, rounds: int = 3) -> float:
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    rng = np.random.default_rng(0)
    many = rng.normal(size=(4000, 30))
    one = rng.normal(size=50)
    cases = {
        "4,000 groups x 30, 1,000 resamples": (
            lambda: bootstrap_mean_ci(many, n_resamples=1000, seed=1),
            lambda: bare(many, 0.95, 1000, 1)),
        "200 calls of 1 x 50, 4,000 resamples": (
            lambda: [bootstrap_mean_ci(one, n_resamples=4000, seed=s) for s in range(200)],
            lambda: [bare(one, 0.95, 4000, s) for s in range(200)]),
    }
    print(f"{'workload':40s} {'ours s':>8s} {'bare s':>8s} {'ratio':>6s}")
    for name, (ours, base) in cases.items():
        a, b = best(ours), best(base)
        print(f"{name:40s} {a:8.3f} {b:8.3f} {a / b:6.2f}")


if __name__ == "__main__":
    main()
