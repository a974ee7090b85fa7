"""What CI verifies of a built MSI without Windows: tables, payload, trimming, size, signature."""

from __future__ import annotations

import fnmatch
import json
import shutil
import subprocess
from pathlib import Path

from . import pins, sign
from .embed import first_subject_after
from .fetch import BuildError, sha256_of
from .layout import CLI_LAUNCHER, GUI_ARGUMENTS, GUI_EXECUTABLE
from .postprocess import APP_USER_MODEL_ID_KEY, DOWNGRADE_ACTION, ERROR_ACTION_TYPE, summary
from .trim import FORBIDDEN_PATTERNS
from .wxs import DOWNGRADE_MESSAGE

SIZE_LIMIT = 150_000_000  # installed bytes (issue 15: at most 150 MB)
VALID_REGISTRY_ROOTS = {"-1", "0", "1", "2", "3"}


def table(msi: Path, name: str) -> list[dict[str, str]]:
    """The rows of one MSI table as dicts (``msiinfo export``: names, types, key line, rows)."""
    text = subprocess.run(
        ["msiinfo", "export", str(msi), name], capture_output=True, text=True, check=True
    ).stdout
    lines = text.rstrip("\r\n").split("\r\n") if "\r\n" in text else text.rstrip("\n").split("\n")
    columns = lines[0].split("\t")
    return [dict(zip(columns, line.split("\t"), strict=False)) for line in lines[3:] if line]


class Report:
    def __init__(self) -> None:
        self.failures: list[str] = []

    def check(self, ok: bool, what: str) -> None:
        print(f"{'ok  ' if ok else 'FAIL'} {what}")
        if not ok:
            self.failures.append(what)


def check_tables(msi: Path, version: str, report: Report) -> None:
    properties = {row["Property"]: row["Value"] for row in table(msi, "Property")}
    report.check(
        properties.get("ProductName") == pins.PRODUCT_NAME, f"ProductName {properties.get('ProductName')}"
    )
    report.check(
        properties.get("ProductVersion") == version, f"ProductVersion {properties.get('ProductVersion')}"
    )
    report.check(
        properties.get("Manufacturer") == pins.MANUFACTURER, f"Manufacturer {properties.get('Manufacturer')}"
    )
    report.check(
        properties.get("UpgradeCode") == "{" + pins.UPGRADE_CODE + "}", "UpgradeCode is the pinned one"
    )
    report.check(properties.get("ProductLanguage") == "1031", "ProductLanguage 1031 (Deutsch)")
    report.check(properties.get("ALLUSERS") == "2", "ALLUSERS=2: dual-mode package (Windows Installer 5)")
    report.check("MSIINSTALLPERUSER" not in properties, "per machine unless MSIINSTALLPERUSER=1 is given")
    report.check(properties.get("ARPHELPLINK") == pins.HELP_LINK, "help link in Programs and Features")
    report.check(properties.get("ARPPRODUCTICON") == "AppIcon", "icon in Programs and Features")
    report.check(summary(msi).get("Template") == "x64;1031", "summary: x64, German")
    upgrades = table(msi, "Upgrade")
    report.check(
        {row["ActionProperty"] for row in upgrades} == {"WIX_UPGRADE_DETECTED", "WIX_DOWNGRADE_DETECTED"},
        "MajorUpgrade: older versions are replaced, newer ones refuse the downgrade",
    )
    actions = {row["Action"]: row for row in table(msi, "CustomAction")}
    stop = actions.get(DOWNGRADE_ACTION, {})
    report.check(
        stop.get("Type") == str(ERROR_ACTION_TYPE) and stop.get("Target") == DOWNGRADE_MESSAGE,
        f"a downgrade ends with: {stop.get('Target')}",
    )
    for sequence in ("InstallExecuteSequence", "InstallUISequence"):
        rows = {row["Action"]: row for row in table(msi, sequence)}
        report.check(
            rows.get(DOWNGRADE_ACTION, {}).get("Condition") == "WIX_DOWNGRADE_DETECTED"
            and int(rows[DOWNGRADE_ACTION]["Sequence"]) > int(rows["FindRelatedProducts"]["Sequence"]),
            f"{sequence}: the downgrade action right after FindRelatedProducts",
        )
    files = {row["File"]: row for row in table(msi, "File")}
    components = {row["Component"]: row for row in table(msi, "Component")}
    shortcuts = table(msi, "Shortcut")
    report.check(len(shortcuts) == 1, f"one shortcut ({len(shortcuts)})")
    for shortcut in shortcuts:
        target = files.get(shortcut["Target"].strip("[#]"), {})
        report.check(
            shortcut["Name"] == "KommuneDesk"
            and shortcut["Directory_"] == "ProgramMenuFolder"
            and target.get("FileName") == Path(GUI_EXECUTABLE).name
            and shortcut["Arguments"] == GUI_ARGUMENTS
            and shortcut["Icon_"] == "AppIcon",
            "Start menu shortcut KommuneDesk → pythonw.exe -m kommune_desk, with the app icon",
        )
    app_ids = {
        (r["Shortcut_"], r["PropertyKey"], r["PropVariantValue"]) for r in table(msi, "MsiShortcutProperty")
    }
    report.check(
        app_ids == {(shortcuts[0]["Shortcut"], APP_USER_MODEL_ID_KEY, pins.APP_USER_MODEL_ID)},
        f"shortcut carries the app's AppUserModelID {pins.APP_USER_MODEL_ID}",
    )
    report.check(
        all(int(row["Attributes"] or 0) & 256 for row in components.values()),
        f"all {len(components)} components are 64-bit",
    )
    roots = {row["Root"] for row in table(msi, "Registry")}
    report.check(roots <= VALID_REGISTRY_ROOTS, f"registry roots Windows Installer accepts ({sorted(roots)})")


def check_payload(msi: Path, manifest: dict, work: Path, report: Report) -> None:
    """Extract the MSI and compare every file with the build manifest, byte for byte."""
    target = work / "extracted"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    subprocess.run(["msiextract", "-C", str(target), str(msi)], check=True, capture_output=True)
    (launcher,) = target.rglob(CLI_LAUNCHER)
    root = launcher.parent
    extracted = {p.relative_to(root).as_posix(): p for p in root.rglob("*") if p.is_file()}
    expected = manifest["files"]
    report.check(
        set(extracted) == set(expected), f"extracted files = manifest ({len(extracted)}/{len(expected)})"
    )
    differing = [
        name for name, path in extracted.items() if expected.get(name, {}).get("sha256") != sha256_of(path)
    ]
    report.check(not differing, f"every file byte-identical to the build ({differing[:3]})")
    forbidden = [n for n in extracted if any(fnmatch.fnmatch(Path(n).name, p) for p in FORBIDDEN_PATTERNS)]
    report.check(not forbidden, f"no trimmed Qt part inside ({forbidden[:5]})")
    translations = [n for n in extracted if n.endswith(".qm")]
    report.check(
        bool(translations) and all(n.endswith("_de.qm") for n in translations),
        f"Qt translations: {translations}",
    )
    size = sum(path.stat().st_size for path in extracted.values())
    report.check(size <= SIZE_LIMIT, f"installed size {size / 1e6:.1f} MB ≤ {SIZE_LIMIT / 1e6:.0f} MB")
    (work / "extracted-root.txt").write_text(str(root), encoding="utf-8")


def check_second_build(first: Path, second: Path, report: Report) -> None:
    one = {row["Property"]: row["Value"] for row in table(first, "Property")}
    two = {row["Property"]: row["Value"] for row in table(second, "Property")}
    report.check(one["UpgradeCode"] == two["UpgradeCode"], "UpgradeCode stable across two builds")
    report.check(one["ProductCode"] != two["ProductCode"], "each build has its own ProductCode")
    guids = [
        {row["Component"]: row["ComponentId"] for row in table(msi, "Component")} for msi in (first, second)
    ]
    report.check(guids[0] == guids[1], "component GUIDs stable across two builds")


def _signer(report: str) -> str | None:
    return first_subject_after(report, "Signer's certificate:")


def run_all(msi: Path, version: str, work: Path, second: Path | None, ca: Path | None) -> int:
    report = Report()
    check_tables(msi, version, report)
    manifest = json.loads((work / "manifest.json").read_text(encoding="utf-8"))
    check_payload(msi, manifest, work, report)
    if second is not None:
        check_second_build(msi, second, report)
    if ca is not None:
        try:
            text = sign.verify(msi, ca)
            signer = _signer(text)
            report.check(signer is not None, f"MSI signed by {signer}, verified against {ca.name}")
        except BuildError as exc:
            report.check(False, str(exc))
    print(f"{len(report.failures)} failed" if report.failures else "all checks passed")
    return 1 if report.failures else 0
