#!/usr/bin/env bash
# Set up KommuneDesk with its test and server tools and run lint and the whole test suite.
# The sync server tests need PostgreSQL: a throw-away cluster is started (and left running) via
# scripts/pg-test-cluster.sh unless KOMMUNE_DESK_TEST_PG_URL already names a server. If it does
# not start, those tests are skipped, unless KOMMUNE_DESK_REQUIRE_PG=1 (CI) makes that an error.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh test
bash scripts/venv.sh test,server
export QT_QPA_PLATFORM=offscreen
if [ -z "${KOMMUNE_DESK_TEST_PG_URL:-}" ]; then
  if pg_url="$(bash scripts/pg-test-cluster.sh start)"; then
    export KOMMUNE_DESK_TEST_PG_URL="$pg_url"
    echo "PostgreSQL für die Tests: $pg_url (anhalten: bash scripts/pg-test-cluster.sh stop)" >&2
  elif [ "${KOMMUNE_DESK_REQUIRE_PG:-}" = 1 ]; then
    echo "PostgreSQL für die Tests ließ sich nicht starten (KOMMUNE_DESK_REQUIRE_PG=1)." >&2
    exit 1
  else
    echo "Warnung: PostgreSQL ließ sich nicht starten; die Tests des Sync-Servers werden übersprungen." >&2
  fi
fi
.venv/bin/ruff check kommune_desk tests benchmarks installer deploy server
.venv/bin/python -m pytest "$@"
