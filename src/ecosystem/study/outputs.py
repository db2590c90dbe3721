"""Files that a study writes: atomic, so a crash leaves the old file or the new one.

Every file goes to a temporary file in the target directory (a name that does not end in the
target's suffix, so no reader mistakes it for a result), is flushed and ``fsync``-ed, and then
``os.replace``-d onto the target, as SQLite, git and pip's cache do.
"""

from __future__ import annotations

import json
import math
import os
import platform
import sys
import tempfile
from collections.abc import Callable, Mapping
from importlib import metadata
from pathlib import Path
from typing import IO, Any

import pandas as pd

__all__ = ["atomic_write", "environment", "read_json_file", "write_json_file", "write_table"]

#: Packages whose versions the manifest records.
PACKAGES = ("ecosystem", "numpy", "scipy", "pandas", "igraph", "networkx", "matplotlib",
            "pyarrow", "dask", "distributed", "SALib")


def atomic_write(path: Path, write: Callable[[IO[bytes]], object]) -> None:
    """Write ``path`` atomically: ``write(file)`` fills a temporary file in the same directory,
    which is fsynced and renamed onto ``path``. On any error the old file is left intact."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory handles
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def _plain(value: Any) -> Any:
    """JSON-safe copy: non-finite floats become None (JSON has no NaN), paths strings."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return _plain(value.item())
    return value


def write_json_file(path: Path, doc: Mapping[str, Any]) -> None:
    """Write a JSON document atomically (strict JSON: NaN and infinities become null)."""
    text = json.dumps(_plain(doc), indent=2, ensure_ascii=False, allow_nan=False)
    atomic_write(path, lambda fh: fh.write(text.encode("utf-8") + b"\n"))


def read_json_file(path: Path) -> Any:
    """Read a JSON document written by :func:`write_json_file`."""
    return json.loads(path.read_text(encoding="utf-8"))


def write_table(frame: pd.DataFrame, path: Path) -> None:
    """Write a table atomically as Parquet (``.parquet``) or CSV (``.csv``)."""
    if path.suffix == ".parquet":
        atomic_write(path, lambda fh: frame.to_parquet(fh, index=False))
    elif path.suffix == ".csv":
        text = frame.to_csv(index=False, lineterminator="\n")
        atomic_write(path, lambda fh: fh.write(text.encode("utf-8")))
    else:  # pragma: no cover - callers pass the two formats
        raise ValueError(f"unknown table format: {path.suffix}")


def environment() -> dict[str, Any]:
    """Python, platform and the versions of the packages a result depends on."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return {"python": sys.version.split()[0], "implementation": platform.python_implementation(),
            "platform": platform.platform(), "machine": platform.machine(),
            "packages": versions}
