#!/usr/bin/env bash
# Run rom's checks and test suite: lint, type check, then pytest (sets itself up first).
#
# With no test selection given, the tests that drive no browser run on both cores
# (pytest-xdist), then the browser tests one at a time: each drives a Streamlit server and
# Chromium, and their timeouts are set for a machine not also running other tests.
# With a selection (a path, -k or -m), pytest runs it as asked, in one process.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --system
.venv/bin/ruff check .
.venv/bin/mypy rom
for arg in "$@"; do
    case "$arg" in
        -m|-k|-m*|-k*|[!-]*) exec .venv/bin/pytest "$@" ;;
    esac
done
.venv/bin/pytest -n 2 -m "not browser" "$@"
exec .venv/bin/pytest -m browser "$@"
