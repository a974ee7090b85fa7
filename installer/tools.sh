# Sourced by build.sh, lock.sh and ci-check.sh: Debian's MSI tools and a Python 3.11 venv for the build.
# (The build compiles the app's bytecode for the embedded CPython 3.11, so it needs a 3.11.)
KOMMUNE_DESK_BUILD_CACHE="${KOMMUNE_DESK_BUILD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kommune-desk-build}"
export KOMMUNE_DESK_BUILD_CACHE
mkdir -p "$KOMMUNE_DESK_BUILD_CACHE"

_sudo() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

_missing=()
for _tool in wixl:wixl msiinfo:msitools msiextract:msitools msibuild:msitools osslsigncode:osslsigncode \
    openssl:openssl ${KOMMUNE_DESK_EXTRA_TOOLS:-}; do
    command -v "${_tool%%:*}" >/dev/null || _missing+=("${_tool#*:}")
done
if [ "${#_missing[@]}" -gt 0 ]; then
    _sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive _sudo apt-get install -y -qq --no-install-recommends "${_missing[@]}" >/dev/null
fi

_python=""
for _candidate in python3.11 python3; do
    if command -v "$_candidate" >/dev/null && "$_candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
        _python="$_candidate"; break
    fi
done
if [ -z "$_python" ]; then
    echo "The MSI build needs Python 3.11 (its bytecode goes into the embedded CPython 3.11)." >&2
    exit 1
fi
_venv="$KOMMUNE_DESK_BUILD_CACHE/venv-py311"
if [ ! -x "$_venv/bin/python" ] || ! "$_venv/bin/python" -c 'import pefile' 2>/dev/null; then
    "$_python" -m venv "$_venv"
    "$_venv/bin/pip" install -q --disable-pip-version-check "pefile>=2023.2.7" "uv>=0.5"
fi
WINPACK_PYTHON="$_venv/bin/python"
export PYTHONPATH="$PWD/installer${PYTHONPATH:+:$PYTHONPATH}"
