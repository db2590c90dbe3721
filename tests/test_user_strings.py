"""Docstrings and user-facing strings cite sources as publications, never project files.

Users get the package, not the project's working files: a docstring, error message, gap detail
or profile source that points to ``shared/``, ``seeds/``, ``domain.md`` or to an issue number
sends them nowhere. Sources are cited as the articles and statistics themselves (title, outlet,
year). Every string literal of the package (docstrings, messages, tables of sources; f-string
parts included) and every shipped data file is checked; comments are for developers and are
not.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import ecosystem

PACKAGE = Path(ecosystem.__file__).parent
# The project's shared folder holds seeds/ (the articles) and *.md notes; "shared/<kind>" as an
# actor-id pattern is not a path.
FORBIDDEN = re.compile(r"shared/(?:seeds|[\w.-]+\.md)|seeds/|domain\.md|\bissues?\b",
                       re.IGNORECASE)


def _strings(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)]


SOURCES = sorted(PACKAGE.rglob("*.py"))
DATA = sorted(p for p in (PACKAGE / "datasets").rglob("*") if p.is_file()
              and p.suffix in {".csv", ".json", ".txt", ".md", ".graphml"})


def test_the_scan_sees_the_package():
    assert len(SOURCES) > 30 and DATA
    for bad in ("see shared/domain.md", "(issue 5)", "shared/seeds/000_77f4.txt",
                "shared/architecture.md", "``seeds/004_...``"):
        assert FORBIDDEN.search(bad), bad
    for good in ("Zorgvisie, 'Alliantie wijkverpleging' (2023); tissue", "shared/<kind>",
                 "shared/hospital/1"):
        assert not FORBIDDEN.search(good), good


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_strings_cite_publications_not_project_files(path):
    bad = [(line, text) for line, text in _strings(path) if FORBIDDEN.search(text)]
    assert not bad, "\n".join(
        f"{path.name}:{line}: {FORBIDDEN.search(text).group(0)!r} in {text[:120]!r}"
        for line, text in bad)


@pytest.mark.parametrize("path", DATA, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_shipped_data_cites_publications_not_project_files(path):
    text = path.read_text(encoding="utf-8")
    assert not FORBIDDEN.search(text), f"{path.name}: {FORBIDDEN.search(text).group(0)!r}"
