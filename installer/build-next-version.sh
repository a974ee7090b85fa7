#!/usr/bin/env bash
# CI helper: build the same checkout as the next patch version (0.1.0 → 0.1.1) into DIST, for the
# upgrade test under Wine. Works on a copy; the checkout stays untouched.
#   bash installer/build-next-version.sh DIST
set -euo pipefail
cd "$(dirname "$0")/.."
dist="$(realpath -m "$1")"
copy="$(mktemp -d)"
trap 'rm -rf "$copy"' EXIT
cp -r pyproject.toml README.md kommune_desk resources installer "$copy/"
find "$copy" -name __pycache__ -prune -exec rm -rf {} +
python3 - "$copy/pyproject.toml" <<'PY'
import re, sys
path = sys.argv[1]
text = open(path, encoding="utf-8").read()
major, minor, patch = re.search(r'^version = "(\d+)\.(\d+)\.(\d+)"', text, re.M).groups()
open(path, "w", encoding="utf-8").write(
    text.replace(f'version = "{major}.{minor}.{patch}"', f'version = "{major}.{minor}.{int(patch) + 1}"', 1)
)
PY
cd "$copy"
source installer/tools.sh
"$WINPACK_PYTHON" -m winpack --cache "$KOMMUNE_DESK_BUILD_CACHE" --work "$copy/build" --dist "$dist" build
