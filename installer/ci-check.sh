#!/usr/bin/env bash
# CI (from .ci/run): build the MSI twice, sign the second with a throw-away certificate, inspect it
# against the build manifest, then run the payload's command line under Wine. Fails on any finding.
set -euo pipefail
cd "$(dirname "$0")/.."
KOMMUNE_DESK_EXTRA_TOOLS="wine:wine /usr/lib/wine/wine64:wine64" source installer/tools.sh
winpack=("$WINPACK_PYTHON" -m winpack --cache "$KOMMUNE_DESK_BUILD_CACHE")
cert="$(mktemp -d)"
trap 'rm -rf "$cert"' EXIT
bash installer/make-test-cert.sh "$cert" 2>/dev/null
"${winpack[@]}" --dist build/msi/first-build build
KOMMUNE_DESK_SIGN_PFX="$cert/test.pfx" KOMMUNE_DESK_SIGN_PASSWORD_FILE="$cert/pass" \
    KOMMUNE_DESK_SIGN_CA="$cert/ca.pem" "${winpack[@]}" build
"${winpack[@]}" check --second build/msi/first-build --ca "$cert/ca.pem"
"${winpack[@]}" smoke
# The life of an installation under Wine's msiexec: install, upgrade to the next version (data
# kept), a refused downgrade, uninstall (data and backups kept).
bash installer/build-next-version.sh build/msi/next-build
"${winpack[@]}" lifecycle "dist/$("$WINPACK_PYTHON" -c 'import winpack.__main__ as m; print(m.msi_name(m.project_version()))')" \
    build/msi/next-build/*.msi
