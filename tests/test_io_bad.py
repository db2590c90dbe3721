"""Every file of the bad-input corpus (tests/data/bad/cases.json) raises the documented error.

Each case checks the error class (always an EcosystemError subclass, never a bare KeyError or
parser error) AND the message: the file, the row, the field, the value and the hint.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ecosystem.core import errors
from ecosystem.io import read_csv, read_excel, read_graphml, read_json

BAD = Path(__file__).parent / "data" / "bad"
CASES = json.loads((BAD / "cases.json").read_text(encoding="utf-8"))
READERS = {"csv": read_csv, "json": read_json, "graphml": read_graphml, "excel": read_excel}


def test_corpus_is_large_and_covers_every_reader():
    assert len(CASES) >= 30
    assert {c["reader"] for c in CASES} == set(READERS)
    assert len({c["id"] for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_bad_file_raises_documented_error(case):
    files = [BAD / f for f in case["files"]]
    assert all(f.exists() for f in files), "run tests/data/bad/make_bad.py"
    expected = getattr(errors, case["error"])
    with pytest.raises(errors.EcosystemError) as info:
        READERS[case["reader"]](*files, **case.get("kwargs", {}))
    assert isinstance(info.value, expected), (type(info.value).__name__, str(info.value))
    message = str(info.value)
    for fragment in case["contains"]:
        assert fragment in message, f"{fragment!r} not in {message!r}"
