"""Randomness: one way to turn a ``seed`` into generators, child seeds and a seeded igraph RNG.

Every random function in the library takes ``seed`` (an int, a :class:`numpy.random.Generator`,
a :class:`numpy.random.SeedSequence` or None) and passes it through :func:`as_generator`.
Ensembles derive independent child seeds with :func:`spawn` (``SeedSequence.spawn``), so results
do not depend on which worker runs which replicate.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager

import igraph as ig
import numpy as np

from ecosystem.core.errors import ConfigError

__all__ = ["Seed", "as_generator", "igraph_seed", "spawn"]

Seed = int | np.random.Generator | np.random.SeedSequence | None


def as_generator(seed: Seed) -> np.random.Generator:
    """A NumPy Generator from ``seed``; a Generator is returned as is (shared state)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or isinstance(seed, np.random.SeedSequence) or (
        isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) and seed >= 0
    ):
        return np.random.default_rng(seed)
    raise ConfigError(
        f"seed={seed!r} is not accepted; use a non-negative int, a numpy Generator, a "
        "SeedSequence or None"
    )


def spawn(seed: Seed, n: int) -> list[np.random.SeedSequence]:
    """``n`` independent child seed sequences of ``seed`` (reproducible for int seeds)."""
    if isinstance(seed, np.random.Generator):
        parent = seed.bit_generator.seed_seq
        if not isinstance(parent, np.random.SeedSequence):
            raise ConfigError(
                "seed: this numpy Generator's bit generator has no SeedSequence to spawn child "
                "seeds from; pass an int seed or a Generator made by numpy.random.default_rng")
        return parent.spawn(n)
    if isinstance(seed, np.random.SeedSequence):
        return seed.spawn(n)
    as_generator(seed)  # validates
    return np.random.SeedSequence(seed).spawn(n)


@contextmanager
def igraph_seed(seed: Seed) -> Iterator[None]:
    """Run igraph's randomised routines (Leiden, Louvain, ...) under a seed, then restore.

    igraph has one process-wide RNG; this sets it to a :class:`random.Random` seeded from
    ``seed`` for the duration of the block and puts Python's ``random`` module back after.
    """
    rng = as_generator(seed)
    ig.set_random_number_generator(random.Random(int(rng.integers(2**63 - 1))))
    try:
        yield
    finally:
        ig.set_random_number_generator(random)
