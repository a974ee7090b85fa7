"""The MSI build's own rules, without building (CI builds and inspects the real MSI: .ci/run).

What is checked here: the WiX source (stable codes and GUIDs, one 64-bit component per file, the
Start-menu shortcut, a dual-mode package without registry entries), the MSI version rule, the
signer check of the embedded CPython and the version shown by both entry points.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "installer"))

from winpack import embed, pins, trim, wxs  # noqa: E402
from winpack.fetch import BuildError  # noqa: E402
from winpack.layout import CLI_LAUNCHER, GUI_ARGUMENTS, GUI_EXECUTABLE, ICON  # noqa: E402

NS = {"w": wxs.WIX_NAMESPACE}
FILES = [
    GUI_EXECUTABLE,
    "python/python.exe",
    "python/Lib/site-packages/kommune_desk/__init__.pyc",
    "python/Lib/site-packages/PySide6/plugins/platforms/qwindows.dll",
    "python/Lib/site-packages/Straße & <Co>/x.txt",
    CLI_LAUNCHER,
    ICON,
]


def _product(version: str = "1.2.3") -> ET.Element:
    root = ET.fromstring(wxs.render(FILES, "payload", version))
    product = root.find("w:Product", NS)
    assert product is not None
    return product


def test_the_wix_source_has_the_pinned_codes_and_a_german_dual_mode_package() -> None:
    product = _product()
    assert product.get("UpgradeCode") == pins.UPGRADE_CODE
    assert product.get("Id") == "*"  # a new ProductCode per build: MajorUpgrade replaces the old one
    assert product.get("Version") == "1.2.3"
    assert product.get("Language") == "1031"
    properties = {p.get("Id"): p.get("Value") for p in product.findall("w:Property", NS)}
    assert properties["ALLUSERS"] == "2"
    assert "MSIINSTALLPERUSER" not in properties  # per machine unless the admin says otherwise
    assert properties["ARPHELPLINK"] == pins.HELP_LINK
    assert product.find("w:MajorUpgrade", NS) is not None
    assert not product.findall(".//w:RegistryValue", NS) and not product.findall(".//w:RegistryKey", NS)


def test_every_file_is_one_64_bit_component_with_a_guid_derived_from_its_path() -> None:
    product = _product()
    components = product.findall(".//w:Component", NS)
    assert len(components) == len(FILES)
    assert all(c.get("Win64") == "yes" for c in components)
    guids = [c.get("Guid") for c in components]
    assert len(set(guids)) == len(FILES)
    assert guids == [c.get("Guid") for c in _product("9.9.9").findall(".//w:Component", NS)]
    refs = {ref.get("Id") for ref in product.findall(".//w:ComponentRef", NS)}
    assert refs == {c.get("Id") for c in components}
    sources = {f.get("Source") for f in product.findall(".//w:File", NS)}
    assert "payload/python/Lib/site-packages/Straße & <Co>/x.txt" in sources  # escaped, round-trips


def test_the_start_menu_shortcut_starts_pythonw_with_the_app_and_its_icon() -> None:
    product = _product()
    (shortcut,) = product.findall(".//w:Shortcut", NS)
    (pythonw,) = [
        f for f in product.findall(".//w:File", NS) if f.get("Source") == f"payload/{GUI_EXECUTABLE}"
    ]
    assert shortcut.get("Target") == f"[#{pythonw.get('Id')}]"
    assert shortcut.get("Arguments") == GUI_ARGUMENTS
    assert shortcut.get("Directory") == "ProgramMenuFolder"
    assert shortcut.get("Name") == "KommuneDesk"
    (icon,) = product.findall("w:Icon", NS)
    assert shortcut.get("Icon") == icon.get("Id") and icon.get("SourceFile") == f"payload/{ICON}"


@pytest.mark.parametrize("version", ["1.0rc1", "1.2.3.4", "256.0.0", "1.70000", "", "1..2"])
def test_versions_windows_installer_cannot_order_are_refused(version: str) -> None:
    with pytest.raises(ValueError, match="Version"):
        wxs.msi_version(version)


def test_the_embedded_python_must_be_signed_by_the_psf(tmp_path: Path) -> None:
    report = (
        "Signer's certificate:\n\t------------------\n\tSigner #0:\n\t\tSubject: {subject}\n"
        "\t\tIssuer : /C=US/O=DigiCert, Inc./CN=DigiCert Trusted G4 Code Signing\n"
    )
    assert embed.first_subject_after(report.format(subject=pins.PSF_SUBJECT), "Signer's certificate:") == (
        pins.PSF_SUBJECT
    )
    assert embed.first_subject_after("no signature", "Signer's certificate:") is None
    unsigned = tmp_path / "python311.dll"
    unsigned.write_bytes(b"MZ" + bytes(200))
    with pytest.raises(BuildError, match="does not verify"):  # scripts/system-deps.sh installs osslsigncode
        embed.verify_psf_signature(unsigned)


def test_only_x64_images_are_accepted(tmp_path: Path) -> None:
    def image(machine: int) -> Path:
        data = bytearray(512)
        data[:2] = b"MZ"
        data[0x3C:0x40] = (0x80).to_bytes(4, "little")
        data[0x80:0x84] = b"PE\0\0"
        data[0x84:0x86] = machine.to_bytes(2, "little")
        path = tmp_path / f"{machine:x}.dll"
        path.write_bytes(bytes(data))
        return path

    embed.require_x64(image(0x8664))
    with pytest.raises(BuildError, match="not built for x64"):
        embed.require_x64(image(0x14C))  # x86
    (tmp_path / "text.dll").write_text("no PE")
    with pytest.raises(BuildError, match="not a Windows PE image"):
        embed.require_x64(tmp_path / "text.dll")


@pytest.mark.parametrize("entry", ["kommune_desk", "kommune_desk.cli"])
def test_both_entry_points_show_pyprojects_version(entry: str) -> None:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    shown = subprocess.run(
        [sys.executable, "-m", entry, "--version"],
        capture_output=True,
        text=True,
        check=True,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"},
    ).stdout.strip()
    assert shown == f"KommuneDesk {version}"


def test_the_shortcut_and_the_running_app_share_one_app_user_model_id() -> None:
    from kommune_desk.windows_shell import APP_USER_MODEL_ID

    assert pins.APP_USER_MODEL_ID == APP_USER_MODEL_ID


def test_the_statistics_report_renders_with_the_msis_trims(tmp_path: Path) -> None:
    """matplotlib, fontTools and holidays as the MSI ships them (fonts, backends, speed-ups and
    languages removed), run for real: Wine cannot load numpy, so this is where the trims are tried."""
    import fontTools
    import holidays
    import matplotlib

    site = tmp_path / "site-packages"
    for package in (matplotlib, fontTools, holidays):
        folder = Path(package.__file__).parent
        shutil.copytree(folder, site / folder.name, ignore=shutil.ignore_patterns("__pycache__"))
    removed = trim.trim_others(site)
    for speedup in (site / "fontTools").rglob("*.so"):  # the MSI drops the Windows builds of these
        speedup.unlink()
    assert "matplotlib/mpl-data/fonts/afm" in removed and "holidays/locale/fr" in removed
    assert not list((site / "matplotlib" / "backends").glob("backend_qt*"))
    env = {
        **os.environ,
        "PYTHONPATH": str(site),  # before the venv's site-packages
        "MPLCONFIGDIR": str(tmp_path / "mpl"),  # no font cache that still lists the removed fonts
        "QT_QPA_PLATFORM": "offscreen",
    }
    data, report = tmp_path / "daten", tmp_path / "statistik.pdf"

    def cli(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "kommune_desk.cli", "--data-dir", str(data), *args],
            capture_output=True, text=True, env=env, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout

    cli("demo", "--applications", "20")
    cli("stats", "report", "-o", str(report))
    where = "import matplotlib, fontTools; print(matplotlib.__file__, fontTools.__file__)"
    probe = subprocess.run(
        [sys.executable, "-c", where],
        capture_output=True, text=True, env=env, check=True,
    ).stdout  # fmt: skip
    assert probe.count(str(site)) == 2  # the trimmed copies ran, not the venv's
    pdf = PdfReader(report)
    assert len(pdf.pages) >= 2
    text = "".join(page.extract_text() for page in pdf.pages)
    assert "Nutzung" in text or "Statistik" in text
    assert sum(len(page.images) for page in pdf.pages) >= 1  # the charts, drawn by matplotlib
