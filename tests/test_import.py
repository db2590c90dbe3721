"""Importing the package has no side effects: no schema, preset or graph is built."""

from __future__ import annotations

import subprocess
import sys


def test_import_builds_no_schema_or_presets():
    code = ("import ecosystem, ecosystem.generate.presets as p\n"
            "from ecosystem.core.schema import _default_schema\n"
            "print(_default_schema.cache_info().currsize, p.preset_table.cache_info().currsize)\n"
            "ecosystem.Profile.preset('rural')\n"
            "print(_default_schema.cache_info().currsize, p.preset_table.cache_info().currsize)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split("\n")
    assert out[:2] == ["0 0", "1 1"]
