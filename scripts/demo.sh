#!/usr/bin/env bash
# Set everything up, then open the dashboard on the bundled sample videos (127.0.0.1 only).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/streamlit run serve.py --server.address 127.0.0.1 --server.port "${ROM_PORT:-8501}" "$@"
