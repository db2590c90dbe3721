"""Test configuration: hypothesis profiles (derandomized in CI) and shared fixtures."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=40,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "dev", deadline=None, max_examples=40, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "explore", deadline=None, max_examples=1000, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def example():
    from ecosystem import datasets

    return datasets.example()


# ---------------------------------------------------------------------- round trips
def _round_trip(fmt: str, eco, folder):
    """Write ``eco`` in ``fmt`` (a file under ``folder``, or an in-memory graph) and read it
    back."""
    from ecosystem import io

    if fmt == "csv":
        files = [folder / n for n in ("a.csv", "t.csv", "n.csv")]
        io.write_csv(eco, *files)
        return io.read_csv(*files)
    if fmt == "networkx":
        return io.from_networkx(io.to_networkx(eco))
    if fmt == "igraph":
        return io.from_igraph(io.to_igraph(eco))
    write, read, name = {"json": (io.write_json, io.read_json, "e.json"),
                         "excel": (io.write_excel, io.read_excel, "e.xlsx"),
                         "graphml": (io.write_graphml, io.read_graphml, "e.graphml")}[fmt]
    write(eco, folder / name)
    return read(folder / name)


@pytest.fixture(scope="session")
def round_trip():
    """``round_trip(fmt, eco, folder) -> Ecosystem``: ``eco`` written in ``fmt`` (``csv``,
    ``json``, ``excel``, ``graphml``, ``networkx`` or ``igraph``) and read back."""
    return _round_trip


@pytest.fixture(params=["csv", "json", "excel", "graphml", "networkx", "igraph"])
def any_format(request) -> str:
    """Each format of :func:`round_trip` in turn."""
    return request.param


# ---------------------------------------------------------------------- executors
@pytest.fixture(scope="session")
def dask_executor():
    """The ``concurrent.futures`` executor of a two-worker dask ``LocalCluster`` (separate
    processes, one thread each), shared by every test that checks executor identity."""
    import warnings

    from dask import distributed

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # port / resource warnings of a local test cluster
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           dashboard_address=None, silence_logs=50)
    try:
        with distributed.Client(cluster, timeout="60s") as client:
            client.wait_for_workers(2, timeout=60)
            yield client.get_executor()
    finally:
        cluster.close(timeout=30)
