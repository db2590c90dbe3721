"""Sphinx configuration of the ecosystem documentation.

Build with ``python -m sphinx -W -b html docs docs/_build/html`` (warnings are errors, as in
CI). The API reference is generated from ``ecosystem.__all__`` and the docstrings (numpydoc);
the notebooks in ``notebooks/`` are copied in and rendered by myst-nb without being executed
(the test suite executes them); the gallery's figures are drawn by ``scripts/gallery.py``.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

HERE = Path(__file__).parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))

import ecosystem  # noqa: E402

project = "ecosystem"
author = "The ecosystem developers"
copyright = "2026, The ecosystem developers"
release = ecosystem.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_nb",
]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "**.ipynb_checkpoints", "gallery/*.py"]
templates_path = ["_templates"]

autosummary_generate = True
autodoc_typehints = "none"  # numpydoc shows the documented types
autodoc_default_options = {"members": False}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

myst_enable_extensions = ["dollarmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
nb_execution_mode = "off"
suppress_warnings = ["myst.header"]

html_theme = "pydata_sphinx_theme"
html_title = "ecosystem"
html_theme_options = {"navigation_with_keys": False, "show_toc_level": 2}
html_static_path: list[str] = []


def _copy_notebooks() -> None:
    """Render the repository's notebooks (they live outside the docs folder)."""
    target = HERE / "notebooks"
    target.mkdir(exist_ok=True)
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        shutil.copyfile(nb, target / nb.name)


def _api_page() -> None:
    """``api.rst``: every public name of ``ecosystem.__all__``, grouped as the package is."""
    groups: dict[str, list[str]] = {}
    for name in ecosystem.__all__:
        obj = getattr(ecosystem, name)
        if name.startswith("__") or type(obj).__name__ == "module":
            continue
        module = getattr(obj, "__module__", "") or ""
        part = module.split(".")[1] if module.count(".") >= 1 else "core"
        groups.setdefault(part, []).append(name)
    titles = {"core": "Ecosystem, schema and errors", "io": "Reading and writing",
              "algorithms": "Analysis: centrality and bridging", "flows": "Referral flows",
              "generate": "Generating neighbourhoods", "interventions": "Interventions",
              "study": "Studies", "plotting": "Figures", "datasets": "Datasets"}
    lines = ["API reference", "=============", "",
             "Everything below is importable from the top level (``import ecosystem as es``).",
             "Submodules: ``ecosystem.interventions``, ``ecosystem.study``, ``ecosystem.flows``,",
             "``ecosystem.generate``, ``ecosystem.datasets``.", ""]
    for part in sorted(groups, key=lambda p: list(titles).index(p) if p in titles else 99):
        title = titles.get(part, part)
        lines += [title, "-" * len(title), "", ".. currentmodule:: ecosystem", "",
                  ".. autosummary::", "   :toctree: generated", ""]
        lines += [f"   {n}" for n in sorted(groups[part], key=str.lower)]
        lines.append("")
    text = "\n".join(lines)
    page = HERE / "api.rst"
    if not page.exists() or page.read_text() != text:
        page.write_text(text)


def _gallery() -> None:
    """Draw the gallery's figures from the current code (``scripts/gallery.py``), so the docs
    never show a stale figure."""
    import runpy

    import matplotlib

    matplotlib.use("Agg")
    runpy.run_path(str(ROOT / "scripts" / "gallery.py"), run_name="__main__")


_copy_notebooks()
_api_page()
_gallery()
