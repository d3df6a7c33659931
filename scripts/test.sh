#!/usr/bin/env bash
# Run rom's checks and test suite: lint, type check, then pytest (sets itself up first).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --system
.venv/bin/ruff check .
.venv/bin/mypy rom
exec .venv/bin/pytest "$@"
