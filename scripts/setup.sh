#!/usr/bin/env bash
# Set up rom in ./.venv: Python packages, and a pose model that works offline.
#   scripts/setup.sh          runtime + test dependencies
#   scripts/setup.sh --system also the Debian packages the test suite uses (needs root)
#   ROM_MODELS=all scripts/setup.sh   also the lite and heavy pose models (needs npm once;
#                                     always on CI)
# Safe to run again: every step is skipped or quick when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" == "--system" ]]; then
    missing=()
    command -v ffmpeg >/dev/null || missing+=(ffmpeg)
    command -v chromium >/dev/null || missing+=(chromium)
    [[ -x /usr/lib/postgresql/15/bin/initdb ]] || missing+=(postgresql)
    command -v npm >/dev/null || missing+=(npm)  # fetches the lite/heavy models' package
    if ((${#missing[@]})); then
        echo "==> installing Debian packages: ${missing[*]}"
        if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; else SUDO=; fi
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
fi

PYTHON=${PYTHON:-python3}
if [[ ! -x .venv/bin/python ]]; then
    echo "==> creating .venv"
    "$PYTHON" -m venv .venv
fi
stamp=.venv/.rom-installed
if [[ ! -f $stamp || pyproject.toml -nt $stamp ]]; then
    echo "==> installing Python packages"
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -e ".[test]"
    touch "$stamp"
fi

# The defaults need the full model (built from PyPI when Google's host is unreachable) and,
# to refine hip extension, heavy (offline: built from the npm package `@mediapipe/pose`);
# `rom models --provision --all` adds lite too.
# CI provisions all three: the tests build each and refine with heavy (`--refine heavy`).
if [[ "${ROM_MODELS:-}" == all || -n "${CI:-}" ]]; then
    echo "==> pose models (lite, full, heavy)"
    .venv/bin/rom models --provision --all
else
    echo "==> pose models (full; heavy refines hip extension by default)"
    .venv/bin/rom models --provision
    # Best effort: without heavy, hip extension is measured with full alone.
    .venv/bin/rom models --provision --variant heavy \
        || echo "warning: no heavy pose model (needs internet or npm); hip extension is not refined"
fi
