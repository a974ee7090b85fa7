#!/usr/bin/env bash
# Set up KommuneDesk with its test tools and run lint and the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh test
bash scripts/venv.sh test
export QT_QPA_PLATFORM=offscreen
.venv/bin/ruff check kommune_desk tests benchmarks
.venv/bin/python -m pytest "$@"
