#!/usr/bin/env bash
# Install the Debian packages KommuneDesk needs, only those missing.
#   scripts/system-deps.sh gui    – to show the window on a desktop
#   scripts/system-deps.sh test   – to run the tests (offscreen Qt)
set -euo pipefail

common=(libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 libglib2.0-0 fonts-dejavu-core)
gui=(libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
     libxcb-render-util0 libxcb-xkb1 libxcb-shape0 libxcb-randr0)
# zbar decodes the GiroCode in the tests, as a banking app would; osslsigncode checks the signer
# rule of the MSI build (tests/test_installer.py).
test=(libzbar0 osslsigncode)
packages=("${common[@]}")
[ "${1:-test}" = "gui" ] && packages+=("${gui[@]}")
[ "${1:-test}" = "test" ] && packages+=("${test[@]}")
# Debian's python3 needs python3-venv for "python3 -m venv" to include pip.
python3 -c "import ensurepip" 2>/dev/null || packages+=(python3-venv)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null; then
  echo "Fehlende Systempakete: ${missing[*]} (kein apt-get gefunden; bitte von Hand installieren)" >&2
  exit 0
fi
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "Installiere Systempakete: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
