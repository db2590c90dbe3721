"""A seeded mutation fuzzer for the readers, over files the library itself writes.

For every format (CSV, JSON, GraphML, Excel) it writes seed files from small ecosystems
(the example dataset and one with extreme values), mutates them with a seeded generator
(bytes flipped, inserted, deleted, duplicated, lines swapped, hostile tokens such as
``1e400``, 25-digit integers, deep nesting, quotes, carriage returns, invalid UTF-8, markup;
for Excel the XML inside the workbook is mutated and re-zipped, and the zip itself), and
reads each mutant. Every outcome is one of:

``accepted``
    The reader returned an Ecosystem. Its actor and tie counts and ids are compared with an
    independent parse (the csv module, the json module, ElementTree, openpyxl); for the
    lossless formats the ecosystem must also survive a write-read round trip unchanged.
``refused``
    An :class:`~ecosystem.EcosystemError` subclass (the documented behaviour).
``other``
    Any other exception: a bug.
``hang``
    The reader ran longer than ``HANG`` seconds: a bug.

``tests/test_fuzz.py`` runs a short campaign in CI; ``python scripts/fuzz.py --cases 2000``
runs a longer one by hand and prints the table.
"""

from __future__ import annotations

import collections
import contextlib
import csv
import io
import json
import math
import signal
import tempfile
import traceback
import warnings
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import numpy as np
import openpyxl
import pandas as pd

from ecosystem import Ecosystem, EcosystemError, datasets
from ecosystem.io import (
    read_csv,
    read_excel,
    read_graphml,
    read_json,
    write_csv,
    write_excel,
    write_graphml,
    write_json,
)

FORMATS = ("csv", "json", "graphml", "excel")
#: Seconds one read may take before it counts as a hang.
HANG = 20.0
#: Largest mutant in bytes (duplications could otherwise grow files without bound).
MAX_BYTES = 1 << 20

_TOKENS = [b"1e400", b"-1e400", b"99999999999999999999999", b"-9223372036854775809",
           b"18446744073709551616", b"NaN", b"Infinity", b"-0.0", b"5e-324", b"\r", b"\n",
           b"\r\n", b'"', b"'", b",", b";", b"\t", b"=1+1", b"\x00", b"\xed\xa0\x80",
           b"\xff\xfe", b"\xc3", b"[" * 200, b"{" * 200, b"<b>x</b>", b"<data key=\"k0\">",
           b"&amp;", b"&#0;", b"<!DOCTYPE x>", b"true", b"null", b"[]", b"{}", b"\"id\"",
           b"\"weight\"", b"kind", b"id", b" directed=\"0\"", b"</node>", b"<node id=\"a\"/>"]


def _extreme() -> Ecosystem:
    actors = pd.DataFrame({
        "id": ["a", "=b", "c d", "é"], "kind": ["gp", "wijkteam", "gemeente", "mantelzorger"],
        "big": np.array([2**63 - 1, -(2**63), 0, 1], dtype="int64"),
        "u": np.array([2**64 - 1, 0, 1, 2], dtype="uint64"),
        "f": [5e-324, -0.0, 1.7976931348623157e308, math.inf],
        "note": ["x\ry", 'q"uote', "semi;colon", "line\nbreak"],
    })
    ties = pd.DataFrame({"source": ["a", "=b", "c d"], "target": ["=b", "c d", "é"],
                         "kind": ["referral", "collaboration", "referral"],
                         "weight": [1e-300, 2.5, 1e300]})
    return Ecosystem(actors, ties, name="extreme")


def seeds(folder: Path) -> dict[str, list[list[Path]]]:
    """Seed files per format, each a list of paths (CSV: actors and ties)."""
    out: dict[str, list[list[Path]]] = {f: [] for f in FORMATS}
    for i, eco in enumerate([datasets.example(), _extreme()]):
        a, t = folder / f"s{i}_actors.csv", folder / f"s{i}_ties.csv"
        write_csv(eco, a, t)
        out["csv"].append([a, t])
        for fmt, write, ext in (("json", write_json, "json"), ("graphml", write_graphml,
                                                               "graphml"),
                                ("excel", write_excel, "xlsx")):
            p = folder / f"s{i}.{ext}"
            write(eco, p)
            out[fmt].append([p])
    return out


# ---------------------------------------------------------------------------- mutation
def mutate_bytes(data: bytes, rng: np.random.Generator) -> bytes:
    """One to four random edits of ``data``."""
    b = bytearray(data)
    for _ in range(int(rng.integers(1, 5))):
        if not b:
            b += rng.choice(_TOKENS)
            continue
        pos = int(rng.integers(0, len(b)))
        op = int(rng.integers(0, 8))
        if op == 0:  # flip a byte
            b[pos] = int(rng.integers(0, 256))
        elif op == 1:  # insert a hostile token
            b[pos:pos] = _TOKENS[int(rng.integers(len(_TOKENS)))]
        elif op == 2:  # delete a range
            del b[pos:pos + int(rng.integers(1, 64))]
        elif op == 3:  # duplicate a range
            chunk = b[pos:pos + int(rng.integers(1, 256))]
            b[pos:pos] = chunk
        elif op == 4:  # truncate
            del b[pos:]
        elif op == 5:  # swap two lines
            lines = bytes(b).split(b"\n")
            if len(lines) > 2:
                i, j = rng.integers(0, len(lines), 2)
                lines[i], lines[j] = lines[j], lines[i]
                b = bytearray(b"\n".join(lines))
        elif op == 6:  # duplicate a line
            lines = bytes(b).split(b"\n")
            i = int(rng.integers(0, len(lines)))
            lines.insert(i, lines[i])
            b = bytearray(b"\n".join(lines))
        else:  # deep nesting
            depth = int(rng.integers(10, 5000))
            b[pos:pos] = b"[" * depth + b"]" * depth
    return bytes(b[:MAX_BYTES])


def mutate_xlsx(data: bytes, rng: np.random.Generator) -> bytes:
    """Mutate an XML member inside the workbook (re-zipped), or the zip bytes themselves."""
    if rng.random() < 0.25:
        return mutate_bytes(data, rng)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        members = {n: z.read(n) for n in z.namelist()}
    xml = [n for n in members if n.endswith(".xml")]
    name = xml[int(rng.integers(len(xml)))]
    members[name] = mutate_bytes(members[name], rng)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for n, content in members.items():
            z.writestr(n, content)
    return buf.getvalue()


# ---------------------------------------------------------------------- independent parse
def _csv_rows(path: Path) -> list[list[str]] | None:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    sep = ";" if ";" in text.split("\n", 1)[0] and "," not in text.split("\n", 1)[0] else ","
    rows = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=sep) if r]
    return rows


def _unneutral(text: str) -> str:
    import re

    return text[1:] if re.match(r"'+[=+\-@\t\r]", text) else text


def independent(fmt: str, paths: list[Path]) -> tuple[list[str], int] | None:
    """(actor ids, number of ties) by a parser that is not ours; None if it cannot tell."""
    if fmt == "csv":
        a, t = _csv_rows(paths[0]), _csv_rows(paths[1])
        if a is None or t is None or not a:
            return None
        header = [_unneutral(h) for h in a[0]]
        if "id" not in header:
            return None
        j = header.index("id")
        return [_unneutral(r[j]) if j < len(r) else "" for r in a[1:]], max(len(t) - 1, 0)
    if fmt == "json":
        doc = json.loads(paths[0].read_text(encoding="utf-8-sig"))
        cols = doc["actors"]["columns"]
        ties = doc.get("ties") or {"data": []}
        return [r[cols.index("id")] for r in doc["actors"]["data"]], len(ties["data"])
    if fmt == "graphml":
        root = ET.fromstring(paths[0].read_bytes())
        graph = next(g for g in root if g.tag.rsplit("}", 1)[-1] == "graph")
        nodes = [n.get("id") for n in graph if n.tag.rsplit("}", 1)[-1] == "node"]
        edges = [e for e in graph if e.tag.rsplit("}", 1)[-1] == "edge"]
        return [str(n) for n in nodes], len(edges)
    book = openpyxl.load_workbook(paths[0], read_only=True, data_only=True)
    try:
        out = []
        for sheet in ("actors", "ties"):
            rows = [list(r) for r in book[sheet].iter_rows(values_only=True)]
            while rows and all(v is None for v in rows[-1]):
                rows.pop()
            out.append(rows)
    finally:
        book.close()
    header = out[0][0]
    j = header.index("id")
    ids = [_as_text(r[j]) if j < len(r) else None for r in out[0][1:]]
    return [i for i in ids], max(len(out[1]) - 1, 0)


def _as_text(v: Any) -> Any:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return v if isinstance(v, str) or v is None else str(v)


# ---------------------------------------------------------------------------- running
class _Hang(BaseException):
    pass


@contextlib.contextmanager
def _limit(seconds: float) -> Iterator[None]:
    if not hasattr(signal, "setitimer"):
        yield
        return

    def on_alarm(signum: int, frame: Any) -> None:
        raise _Hang

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


READERS: dict[str, Callable[..., Ecosystem]] = {
    "csv": read_csv, "json": read_json, "graphml": read_graphml, "excel": read_excel}
WRITERS: dict[str, tuple[Callable[..., None], str]] = {
    "json": (write_json, "json"), "graphml": (write_graphml, "graphml"),
    "excel": (write_excel, "xlsx")}


@dataclass
class Report:
    """Counts per format and outcome, and the first few bugs with their case numbers."""

    counts: dict[str, collections.Counter] = field(
        default_factory=lambda: {f: collections.Counter() for f in FORMATS})
    bugs: list[str] = field(default_factory=list)

    def table(self) -> str:
        kinds = ["cases", "accepted", "refused", "other", "hang", "mismatch", "round_trip"]
        lines = ["format   " + " ".join(f"{k:>10}" for k in kinds)]
        for fmt, c in self.counts.items():
            lines.append(f"{fmt:<8} " + " ".join(f"{c[k]:>10}" for k in kinds))
        return "\n".join(lines)

    def bad(self) -> int:
        return sum(c[k] for c in self.counts.values()
                   for k in ("other", "hang", "mismatch", "round_trip"))


def _check_accepted(fmt: str, eco: Ecosystem, paths: list[Path], folder: Path) -> str | None:
    """None when the accepted file agrees with an independent parse and round-trips."""
    try:
        ref = independent(fmt, paths)
    except Exception:  # the independent parser cannot read what we read: compare nothing
        ref = None
    if ref is not None:
        ids, n_ties = ref
        if list(eco.actors["id"]) != ids or eco.n_ties != n_ties:
            return "mismatch"
    if fmt in WRITERS:
        write, ext = WRITERS[fmt]
        out = folder / f"round.{ext}"
        try:
            write(eco, out)
        except EcosystemError:
            return None  # refused before writing: allowed
        if READERS[fmt](out) != eco:
            return "round_trip"
    return None


def run(cases: int, seed: int = 0, formats: tuple[str, ...] = FORMATS,
        folder: Path | None = None) -> Report:
    """Fuzz each format with ``cases`` mutants; returns the counts (see the module doc)."""
    rng = np.random.default_rng(seed)
    report = Report()
    with contextlib.ExitStack() as stack:
        if folder is None:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        base = seeds(folder)
        for fmt in formats:
            for case in range(cases):
                _one(fmt, case, base[fmt], rng, folder, report)
    return report


def _one(fmt: str, case: int, base: list[list[Path]], rng: np.random.Generator, folder: Path,
         report: Report) -> None:
    counts = report.counts[fmt]
    counts["cases"] += 1
    source = base[int(rng.integers(len(base)))]
    which = int(rng.integers(len(source)))
    paths = []
    for k, p in enumerate(source):
        data = p.read_bytes()
        if k == which:
            data = mutate_xlsx(data, rng) if fmt == "excel" else mutate_bytes(data, rng)
        q = folder / f"m_{fmt}_{k}{p.suffix}"
        q.write_bytes(data)
        paths.append(q)
    try:
        with warnings.catch_warnings(), _limit(HANG):
            warnings.simplefilter("ignore")
            eco = READERS[fmt](*paths)
            verdict = _check_accepted(fmt, eco, paths, folder)
    except EcosystemError:
        counts["refused"] += 1
        return
    except _Hang:
        counts["hang"] += 1
        report.bugs.append(f"{fmt} case {case}: hang")
        return
    except Exception as exc:
        counts["other"] += 1
        if len(report.bugs) < 20:
            report.bugs.append(f"{fmt} case {case}: {type(exc).__name__}: {exc}\n"
                               + "".join(traceback.format_exc(limit=-3)))
        return
    counts["accepted"] += 1
    if verdict is not None:
        counts[verdict] += 1
        report.bugs.append(f"{fmt} case {case}: {verdict}")
