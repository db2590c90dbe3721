#!/usr/bin/env bash
# The test command of the README's quick start: lint, then tests and doctests.
set -euo pipefail
cd "$(dirname "$0")/.."
export MPLBACKEND="${MPLBACKEND:-Agg}"
ruff check src tests benchmarks
python -m pytest -n 2 -q -p no:cacheprovider "$@"
