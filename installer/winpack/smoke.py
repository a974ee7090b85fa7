"""Run the extracted Windows payload's command line under Wine: everything but Qt.

Qt's DLLs do not load under Wine (they need Windows' own ICU), so the GUI is left to the first
test on a real PC (docs/installation.md). What runs here is the real python.exe with the real
Windows wheels: SQLite, the demo, the integrity check, backups, reportlab PDFs, openpyxl, the
Windows Credential Manager through keyring, and the isolation of the ._pth file. Not numpy and
matplotlib: OpenBLAS calls a C runtime function Wine 8 lacks.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from .layout import PYTHON_DIR

KEYRING_SNIPPET = """
import keyring
from kommune_desk.sync import credentials
from kommune_desk.sync.credentials import Credentials
backend = type(keyring.get_keyring())
assert f"{backend.__module__}.{backend.__qualname__}" == "keyring.backends.Windows.WinVaultKeyring", backend
credentials.ensure_available()
token = Credentials(client_id="019a0000-0000-7000-8000-000000000001",
                    access_token="a." + "Zugriff-äöüß€" * 10,
                    refresh_token="r." + "x" * 120, access_expires_at=1_900_000_000.0,
                    refresh_request="0123456789abcdef0123456789abcdef")
credentials.save("wine-smoke-0001", token)
assert credentials.load("wine-smoke-0001") == token
assert keyring.get_keyring().persist == 2  # CRED_PERSIST_LOCAL_MACHINE: never roams
credentials.forget("wine-smoke-0001")
assert credentials.load("wine-smoke-0001") is None
print("Anmeldedaten: gespeichert, gelesen, gelöscht (Windows-Anmeldeinformationsverwaltung)")
"""

ISOLATION_SNIPPET = """
import sys, os
assert not any("leak" in p.lower() for p in sys.path), sys.path  # PYTHONPATH=Z:\\leak is ignored
assert all(p.lower().startswith(os.path.dirname(sys.executable).lower()) for p in sys.path), sys.path
import PIL.ImageCms, fontTools.subset, reportlab.pdfgen.canvas, httpx, truststore, holidays
print("sys.path:", sys.path)
"""


NO_NUMPY_CLI = "import sys; sys.modules['numpy'] = None; from kommune_desk.cli import main; sys.exit(main())"


def windows_path(path: Path) -> str:
    return "Z:" + str(path).replace("/", "\\")


class Wine:
    def __init__(self, payload: Path, prefix: Path) -> None:
        self.python = payload / PYTHON_DIR / "python.exe"
        self.env = {
            **os.environ,
            "WINEPREFIX": str(prefix),
            "WINEDEBUG": "-all",
            "WINEDLLOVERRIDES": "mscoree,mshtml=",
        }
        self.env["PYTHONPATH"] = "Z:\\leak"  # must be ignored: the ._pth file isolates the interpreter
        self.env.pop("KOMMUNE_DESK_DATA_DIR", None)
        self.env.pop("PYTHON_KEYRING_BACKEND", None)

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        raw = subprocess.run(
            ["wine", str(self.python), *args], env=self.env, capture_output=True, timeout=600
        )
        # Redirected, Python writes the ANSI code page (cp1252 for German Windows), as admins' logs get it.
        result = subprocess.CompletedProcess(
            raw.args, raw.returncode, _decode(raw.stdout), _decode(raw.stderr)
        )
        shown = " ".join(args)[:100]
        print(f"$ python.exe {shown}\n{result.stdout.strip()[-600:]}")
        if check and result.returncode != 0:
            raise AssertionError(f"exit {result.returncode}: {shown}\n{result.stderr[-3000:]}")
        return result

    def cli(self, data: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run("-m", "kommune_desk.cli", "--data-dir", windows_path(data), *args, check=check)


def require(condition: bool, what: str) -> None:
    if not condition:
        raise AssertionError(what)
    print(f"ok   {what}")


def run(payload: Path, version: str) -> int:
    """The smoke test; raises AssertionError on the first failure."""
    with tempfile.TemporaryDirectory(prefix="kd-wine-") as temp:
        temp_dir = Path(temp)
        wine = Wine(payload, temp_dir / "prefix")
        data = temp_dir / "Daten mit Leerzeichen & Umlaut ä"
        out = temp_dir / "out"
        out.mkdir()
        shown = wine.run("-m", "kommune_desk.cli", "--version").stdout.strip()
        require(shown == f"KommuneDesk {version}", f"--version says {shown!r}")
        wine.run("-c", ISOLATION_SNIPPET)
        require(True, "PYTHONPATH of the PC is ignored; sys.path is the payload's own")
        wine.cli(data, "demo", "--applications", "50")
        require("Datenbank in Ordnung" in wine.cli(data, "check").stdout, "check: Datenbank in Ordnung")
        wine.cli(data, "inbox", "export", "--format", "csv", windows_path(out / "posteingang.csv"))
        with (out / "posteingang.csv").open(encoding="utf-8-sig") as stream:
            rows = list(csv.reader(stream, delimiter=";"))
        require(len(rows) == 51, f"inbox export: {len(rows) - 1} Anträge as CSV")
        # openpyxl imports numpy if present (see below): hidden for this one run under Wine only.
        xlsx = windows_path(out / "posteingang.xlsx")
        wine.run(
            "-c", NO_NUMPY_CLI, "--data-dir", windows_path(data), "inbox", "export", "--format", "xlsx", xlsx
        )
        require((out / "posteingang.xlsx").read_bytes()[:2] == b"PK", "inbox export as XLSX (openpyxl)")
        wine.cli(data, "inbox", "export", "--format", "pdf", windows_path(out / "posteingang.pdf"))
        require(_is_pdf(out / "posteingang.pdf"), "inbox print list as PDF (reportlab)")
        # Not here: numpy (and so matplotlib's charts): its OpenBLAS calls ucrtbase's crealf, which
        # Wine 8 lacks; nor jsonschema (FIT-Connect import): rpds' Rust DLL needs bcryptprimitives.dll,
        # which Wine 8 lacks. Windows 10 and 11 have both; the first test on a real PC covers them.
        file_number = rows[1][0]
        wine.cli(
            data, "notice", file_number, "--kind", "eingangsbestaetigung", "-o", windows_path(out / "b.pdf")
        )
        require(_is_pdf(out / "b.pdf"), f"Eingangsbestätigung for {file_number} as PDF")
        wine.cli(data, "backup")
        require(any((data / "sicherungen").iterdir()), "backup written and verified")
        require(
            "Keine Sicherung nötig" in wine.cli(data, "backup", "--if-due").stdout, "backup --if-due: not due"
        )
        require("gelöscht" in wine.run("-c", KEYRING_SNIPPET).stdout, "tokens in the Credential Manager")
        for pdf in out.glob("*.pdf"):
            shutil.copy(pdf, payload.parent / f"wine-{pdf.name}")  # for a look by eye
    print("Wine smoke test passed")
    return 0


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _is_pdf(path: Path) -> bool:
    data = path.read_bytes()
    return data.startswith(b"%PDF-") and b"%%EOF" in data[-1024:] and len(data) > 2000
