#!/usr/bin/env bash
# The test command of the README's quick start: lint, types, then tests and doctests (notebooks
# included; tests/test_docstrings.py validates the public docstrings with numpydoc), then the
# documentation build.
set -euo pipefail
cd "$(dirname "$0")/.."
export MPLBACKEND="${MPLBACKEND:-Agg}"
ruff check src tests benchmarks
python -m mypy
python -m pytest -n 2 -q -p no:cacheprovider "$@"
# The documentation site, warnings as errors (the API reference comes from the docstrings).
python -m sphinx -W --keep-going -q -b html docs docs/_build/html
