#!/usr/bin/env bash
# The test command of the README's quick start: lint, types, then tests and doctests
# (tests/test_docstrings.py validates the public docstrings with numpydoc).
set -euo pipefail
cd "$(dirname "$0")/.."
export MPLBACKEND="${MPLBACKEND:-Agg}"
ruff check src tests benchmarks
python -m mypy
python -m pytest -n 2 -q -p no:cacheprovider "$@"
