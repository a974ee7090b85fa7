#!/usr/bin/env bash
# Set up KommuneDesk and start it on a demo database in ./demo-data (built on first start).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh gui
bash scripts/venv.sh
exec .venv/bin/kommune-desk --data-dir demo-data --demo "$@"
