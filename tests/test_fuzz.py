"""The seeded fuzz campaign of ``tests/fuzzing.py``, short enough for CI.

Every format gets the same number of mutants of files the library wrote; the campaign is
deterministic (seed 0). It passes when no reader raised anything but an EcosystemError, none
hung, every accepted file agrees with an independent parse (ids and tie count) and every
accepted lossless file survives a write-read round trip. Longer campaigns:
``python scripts/fuzz.py --cases 2000 --seed 1`` (or ``ECOSYSTEM_FUZZ_CASES=2000`` here).
"""

from __future__ import annotations

import os

import pytest

from tests import fuzzing

CASES = int(os.environ.get("ECOSYSTEM_FUZZ_CASES", "40"))


@pytest.mark.parametrize("fmt", fuzzing.FORMATS)
def test_fuzzed_files_are_read_or_refused_cleanly(fmt, tmp_path):
    report = fuzzing.run(CASES, seed=0, formats=(fmt,), folder=tmp_path)
    counts = report.counts[fmt]
    print(f"\n{report.table()}")
    assert counts["cases"] == CASES
    assert counts["accepted"] + counts["refused"] + counts["other"] + counts["hang"] == CASES
    assert report.bad() == 0, "\n".join(report.bugs)
