#!/usr/bin/env bash
# Build dist/KommuneDesk-<version>-x64.msi on a Debian/Ubuntu machine; installs what it needs.
#   bash installer/build.sh
# Downloads are cached in $KOMMUNE_DESK_BUILD_CACHE (default ~/.cache/kommune-desk-build), outside
# the repository. To sign, set KOMMUNE_DESK_SIGN_PFX and KOMMUNE_DESK_SIGN_PASSWORD (see docs/installation.md).
set -euo pipefail
cd "$(dirname "$0")/.."
source installer/tools.sh
"$WINPACK_PYTHON" -m winpack --cache "$KOMMUNE_DESK_BUILD_CACHE" build "$@"
