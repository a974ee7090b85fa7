#!/bin/sh
# The sync server's install steps, in one place: deploy/Dockerfile runs them, and
# tests/test_server_packaging.py runs the same lines in a venv (where no container engine is).
#
#   sh deploy/install-server.sh wheels SOURCE WHEELS
#       build kommune-desk-server from the checkout SOURCE (server/pyproject.toml) and put it,
#       with every dependency, as wheels into the folder WHEELS (needs the package index)
#   sh deploy/install-server.sh venv WHEELS VENV
#       create the venv VENV and install the server into it from WHEELS alone (no index)
#
# PYTHON names the interpreter that builds and creates the venv (default: python3).
set -eu

usage() {
  echo "Aufruf: $0 wheels QUELLBAUM WHEEL-ORDNER | venv WHEEL-ORDNER VENV" >&2
  exit 2
}

python="${PYTHON:-python3}"
[ $# -eq 3 ] || usage
case "$1" in
  wheels)
    "$python" -m pip wheel --disable-pip-version-check --progress-bar off --wheel-dir "$3" "$2/server"
    ;;
  venv)
    "$python" -m venv "$3"
    "$3/bin/python" -m pip install --disable-pip-version-check --no-cache-dir --progress-bar off \
      --no-index --find-links "$2" kommune-desk-server
    ;;
  *)
    usage
    ;;
esac
