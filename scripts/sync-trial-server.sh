#!/usr/bin/env bash
# Try the sync: a server with the demo's Kreis Groß-Gerau (13 towns and the Kreis, one office
# each), in the foreground on 127.0.0.1:8765 until Strg+C. Sets up .venv with the server first
# when it is missing (as scripts/demo.sh does for the app). Running it again keeps the data.
#
#   KOMMUNE_DESK_SERVER_DATA_DIR   the server's data folder (default /tmp/kd-abgleich-server)
#   KOMMUNE_DESK_SERVER_PORT       its port (default 8765)
set -euo pipefail
cd "$(dirname "$0")/.."
data_dir="${KOMMUNE_DESK_SERVER_DATA_DIR:-/tmp/kd-abgleich-server}"
port="${KOMMUNE_DESK_SERVER_PORT:-8765}"
# The trial is the embedded SQLite server, whatever a PostgreSQL setting in this shell says.
unset KOMMUNE_DESK_SERVER_DATABASE_URL KOMMUNE_DESK_SERVER_BLOB_DIR KOMMUNE_DESK_SERVER_WORKERS

# The window of step 3 needs Qt's system libraries; without a desktop the CLI enrols instead.
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  bash scripts/system-deps.sh gui
fi
if ! { [ -x .venv/bin/kommune-desk-server ] \
  && .venv/bin/python -c "import fastapi, uvicorn, psycopg, psycopg_pool, pythonjsonlogger" 2>/dev/null; }; then
  bash scripts/venv.sh server
fi

.venv/bin/kommune-desk-server --data-dir "$data_dir" admin demo
echo "Abgleichsserver für den Test: http://127.0.0.1:$port (Daten: $data_dir; beenden mit Strg+C)"
echo "Einrichtungscode, z. B. für Nauheim: .venv/bin/kommune-desk-server --data-dir $data_dir admin enrolment-code --office NAU"
exec .venv/bin/kommune-desk-server --data-dir "$data_dir" --host 127.0.0.1 --port "$port" --log-format text
