"""What wixl cannot author, added to the built MSI with msitools' msibuild."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from .wxs import DOWNGRADE_MESSAGE, SHORTCUT_ID

# System.AppUserModel.ID: the app sets the same ID at start (kommune_desk/windows_shell.py), so the
# taskbar groups its windows with a pinned Start-menu shortcut under KommuneDesk's icon.
APP_USER_MODEL_ID_KEY = "{9F4C2855-9F79-4B39-A8D0-E1D42DE1D5F3}, 5"


def summary(msi: Path) -> dict[str, str]:
    text = subprocess.run(["msiinfo", "suminfo", str(msi)], capture_output=True, text=True, check=True).stdout
    return dict(line.split(": ", 1) for line in text.splitlines() if ": " in line)


# wixl's MajorUpgrade sets WIX_DOWNGRADE_DETECTED but authors no action that stops: this one
# (type 19, "error") ends the installation with the German message right after the search.
DOWNGRADE_ACTION = "PreventDowngrade"
ERROR_ACTION_TYPE = 19
AFTER_FIND_RELATED_PRODUCTS = 26


def finish(msi: Path, app_user_model_id: str) -> None:
    """Say German (1031) in the summary, keeping title, author and package code; add the AUMID
    to the shortcut and the action that refuses a downgrade."""
    info = summary(msi)
    template = ["-s", info["Subject"], info["Author"], "x64;1031", info["Revision number (UUID)"]]
    subprocess.run(["msibuild", str(msi), *template], check=True)
    _import_table(
        msi,
        "MsiShortcutProperty",
        ["MsiShortcutProperty", "Shortcut_", "PropertyKey", "PropVariantValue"],
        ["s72", "s72", "s255", "s255"],
        ["AppUserModelId", SHORTCUT_ID, APP_USER_MODEL_ID_KEY, app_user_model_id],
    )
    queries = [
        "INSERT INTO `CustomAction` (`Action`, `Type`, `Target`) "
        f"VALUES ('{DOWNGRADE_ACTION}', {ERROR_ACTION_TYPE}, '{DOWNGRADE_MESSAGE}')"
    ]
    queries += [
        f"INSERT INTO `{sequence}` (`Action`, `Condition`, `Sequence`) "
        f"VALUES ('{DOWNGRADE_ACTION}', 'WIX_DOWNGRADE_DETECTED', {AFTER_FIND_RELATED_PRODUCTS})"
        for sequence in ("InstallExecuteSequence", "InstallUISequence")
    ]
    for query in queries:
        subprocess.run(["msibuild", str(msi), "-q", query], check=True)


def _import_table(msi: Path, name: str, columns: list[str], types: list[str], row: list[str]) -> None:
    """Replace table ``name`` (empty or missing in wixl's output) by one row, via an .idt file."""
    lines = ["\t".join(columns), "\t".join(types), f"{name}\t{columns[0]}", "\t".join(row)]
    with tempfile.TemporaryDirectory() as folder:
        table = Path(folder) / f"{name}.idt"
        table.write_text("\r\n".join(lines) + "\r\n", encoding="cp1252")  # the package's code page
        subprocess.run(["msibuild", str(msi), "-i", str(table)], check=True)
