#!/usr/bin/env bash
# A throw-away PostgreSQL 15 cluster for the sync server tests.
#
#   scripts/pg-test-cluster.sh start [DIR] [PORT]   create (once) and start; prints the admin URL
#   scripts/pg-test-cluster.sh stop  [DIR] [PORT]   stop it (the data stays in DIR)
#   scripts/pg-test-cluster.sh url   [DIR] [PORT]   print the admin URL
#
# DIR defaults to /tmp/kommune-desk-pg, PORT to 54329. The server listens only on 127.0.0.1,
# its unix socket lives in DIR, and every local connection is trusted: for tests only, never
# for real data. As root the cluster belongs to the OS user postgres (PostgreSQL refuses to
# run as root); otherwise it belongs to the calling user. Only the URL goes to stdout, so
#   url=$(bash scripts/pg-test-cluster.sh start)
# works; progress and errors go to stderr. Missing PostgreSQL binaries are installed with apt-get.
set -euo pipefail

command="${1:-}"
dir="${2:-/tmp/kommune-desk-pg}"
port="${3:-54329}"
url="postgresql://postgres@127.0.0.1:${port}/postgres"
log="$dir/server.log"

usage() {
  echo "Aufruf: $0 start|stop|url [VERZEICHNIS] [PORT]" >&2
  exit 2
}
say() { echo "pg-test-cluster: $*" >&2; }
die() {
  say "$*"
  exit 1
}

case "$command" in
  start | stop | url) ;;
  *) usage ;;
esac
[[ "$port" =~ ^[0-9]+$ ]] || die "PORT muss eine Zahl sein, nicht '$port'."
case "$dir" in
  /*) ;;
  *) dir="$(pwd)/$dir" && log="$dir/server.log" ;;
esac

if [ "$command" = url ]; then
  echo "$url"
  exit 0
fi

is_root=false
[ "$(id -u)" -eq 0 ] && is_root=true

find_bindir() {
  local candidate
  for candidate in "${PG_BINDIR:-}" /usr/lib/postgresql/15/bin; do
    [ -n "$candidate" ] && [ -x "$candidate/initdb" ] && [ -x "$candidate/pg_ctl" ] && {
      echo "$candidate"
      return 0
    }
  done
  # Any other Debian major version, newest first (the tests expect 15, but a newer server still
  # lets someone run the rest of the suite).
  for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -rn); do
    [ -x "$candidate/initdb" ] && [ -x "$candidate/pg_ctl" ] && {
      echo "$candidate"
      return 0
    }
  done
  return 1
}

install_postgresql() {
  local sudo=""
  if ! $is_root; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
      sudo="sudo"
    elif command -v sudo >/dev/null && [ -t 0 ]; then
      sudo="sudo" # asks for the password on the terminal
    else
      die "PostgreSQL 15 fehlt, und ohne root oder sudo kann es nicht installiert werden." \
        "Bitte 'apt-get install postgresql-15' als Administrator ausführen oder PG_BINDIR setzen."
    fi
  fi
  command -v apt-get >/dev/null || die "PostgreSQL 15 fehlt, und es gibt kein apt-get. Bitte von Hand installieren."
  say "Installiere PostgreSQL (apt-get) …"
  $sudo apt-get update -qq >&2
  # Debian's package creates and may start a cluster 15/main on port 5432; it does not disturb ours.
  if ! $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    postgresql-15 >&2; then
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      postgresql >&2
  fi
}

bindir="$(find_bindir)" || {
  install_postgresql
  bindir="$(find_bindir)" || die "PostgreSQL wurde installiert, aber initdb/pg_ctl sind nicht zu finden."
}

# Run a PostgreSQL program as the cluster's owner, from / (postgres may not enter the caller's cwd).
as_owner() {
  if $is_root; then
    (cd / && runuser -u postgres -- "$@")
  else
    (cd / && "$@")
  fi
}

running() {
  [ -f "$dir/PG_VERSION" ] && as_owner "$bindir/pg_ctl" status -D "$dir" >/dev/null 2>&1
}

ready() {
  "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -d postgres -U postgres -t 2
}

if [ "$command" = stop ]; then
  if running; then
    as_owner "$bindir/pg_ctl" stop -D "$dir" -m fast -w -t 60 >&2
  else
    say "läuft nicht ($dir)."
  fi
  exit 0
fi

# --- start ---
if [ -e "$dir" ] && ! { [ -r "$dir" ] && [ -x "$dir" ]; }; then
  die "$dir gehört einem anderen Benutzer (als root angelegt?). Anderes Verzeichnis angeben oder als root starten."
fi
if running; then
  # Line 4 of postmaster.pid is the port the running server listens on.
  running_port="$(sed -n 4p "$dir/postmaster.pid" 2>/dev/null || true)"
  [ "$running_port" = "$port" ] || die "In $dir läuft bereits ein Server auf Port ${running_port:-?}, nicht $port." \
    "Erst '$0 stop $dir' aufrufen."
  ready || die "Der Server in $dir antwortet nicht auf 127.0.0.1:$port; siehe $log."
  echo "$url"
  exit 0
fi

if [ ! -f "$dir/PG_VERSION" ]; then
  if [ -e "$dir" ] && [ -n "$(ls -A "$dir" 2>/dev/null)" ]; then
    die "$dir existiert, ist aber kein PostgreSQL-Cluster. Bitte löschen oder ein anderes Verzeichnis angeben."
  fi
  if $is_root; then
    getent passwd postgres >/dev/null || die "Den Systembenutzer 'postgres' gibt es nicht (Paket postgresql-15?)."
    mkdir -p "$dir"
    chown postgres:postgres "$dir"
    chmod 700 "$dir"
    runuser -u postgres -- test -w "$dir" \
      || die "Der Benutzer postgres kann nicht in $dir schreiben (liegt es unter einem gesperrten Verzeichnis?)."
  else
    mkdir -p "$dir"
    chmod 700 "$dir"
  fi
  say "Lege den Test-Cluster in $dir an …"
  # -A trust: no passwords; only loopback and the socket in DIR can reach the server at all.
  as_owner "$bindir/initdb" -D "$dir" -U postgres -A trust -E UTF8 --locale=C --no-sync >/dev/null \
    || die "initdb in $dir ist fehlgeschlagen."
elif $is_root; then
  # An existing cluster must still belong to postgres (e.g. after a copy as root).
  [ "$(stat -c %U "$dir")" = postgres ] || chown -R postgres:postgres "$dir"
fi

say "Starte PostgreSQL auf 127.0.0.1:$port …"
# fsync and friends off: a crash only loses throw-away test data, and the tests run faster.
options="-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off"
options+=" -c full_page_writes=off"
if ! as_owner "$bindir/pg_ctl" start -D "$dir" -l "$log" -w -t 60 -o "$options" >/dev/null; then
  say "Start fehlgeschlagen; Ende von $log:"
  tail -n 20 "$log" >&2 2>/dev/null || true
  exit 1
fi

for _ in $(seq 1 60); do
  if ready; then
    echo "$url"
    exit 0
  fi
  sleep 0.5
done
say "Der Server in $dir antwortet nicht auf 127.0.0.1:$port; Ende von $log:"
tail -n 20 "$log" >&2 2>/dev/null || true
exit 1
