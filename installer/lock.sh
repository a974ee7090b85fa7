#!/usr/bin/env bash
# Re-resolve the Windows wheel set (after changing dependencies in pyproject.toml):
#   bash installer/lock.sh
# Resolved for x86_64-pc-windows-msvc, not for this Linux machine: Windows markers decide
# (keyring needs pywin32-ctypes there, no SecretStorage). Every wheel is pinned by hash.
set -euo pipefail
cd "$(dirname "$0")/.."
source installer/tools.sh
"$(dirname "$WINPACK_PYTHON")/uv" pip compile pyproject.toml --python-platform x86_64-pc-windows-msvc \
    --python-version 3.11 --generate-hashes --no-emit-package pip --quiet \
    --custom-compile-command "bash installer/lock.sh" -o installer/requirements-win.txt
