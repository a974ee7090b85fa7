"""The WiX source for wixl: one component per file, GUIDs derived from paths, a dual-mode package.

Per machine by default (``msiexec /i … /qn``) into Program Files, per user without admin rights
with ``MSIINSTALLPERUSER=1`` into %LOCALAPPDATA%\\Programs (Windows Installer 5 "single package
authoring": ALLUSERS=2). No registry entries at all (wixl writes HKMU wrongly, and we need none).
"""

from __future__ import annotations

import hashlib
import uuid
from pathlib import PurePosixPath
from xml.sax.saxutils import quoteattr

from . import pins
from .layout import GUI_ARGUMENTS, GUI_EXECUTABLE, ICON

WIX_NAMESPACE = "http://schemas.microsoft.com/wix/2006/wi"
SHORTCUT_ID = "StartMenuShortcut"
DOWNGRADE_MESSAGE = "Eine neuere Version von KommuneDesk ist bereits installiert. Es wurde nichts verändert."
GERMAN = "1031"
WESTERN_CODEPAGE = "1252"


def msi_version(version: str) -> str:
    """The package version as Windows Installer needs it: up to three numeric fields."""
    fields = version.split(".")
    if not 1 <= len(fields) <= 3 or not all(field.isdigit() and int(field) <= 65535 for field in fields):
        raise ValueError(f"Version {version!r} is not numeric a.b.c (Windows Installer cannot order it)")
    if int(fields[0]) > 255:
        raise ValueError(f"Version {version!r}: the major version must be at most 255")
    return version


def identifier(prefix: str, relative: str) -> str:
    """A stable MSI identifier for a path (letters, digits, underscores; at most 72 characters)."""
    return f"{prefix}_{hashlib.sha1(relative.encode('utf-8')).hexdigest()[:24]}"


def component_guid(relative: str) -> str:
    """The same GUID for the same installed path in every build (component rules across upgrades)."""
    return str(uuid.uuid5(uuid.UUID(pins.COMPONENT_NAMESPACE), relative.lower())).upper()


def render(files: list[str], source_root: str, version: str) -> str:
    """The .wxs text for the install-relative POSIX ``files`` under ``source_root``.

    ``source_root`` is relative to the .wxs file's folder: wixl refuses absolute sources.
    """
    tree: dict = {}
    for relative in sorted(files):
        node = tree
        for part in PurePosixPath(relative).parts[:-1]:
            node = node.setdefault(part, {})
        node.setdefault("", []).append(relative)
    components: list[str] = []
    body = _directory(tree, "", source_root, components, depth=5)
    refs = "\n".join(f'      <ComponentRef Id="{component}"/>' for component in components)
    condition = "Installed OR (VersionNT64 AND VersionNT &gt;= 603)"
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Wix xmlns="{WIX_NAMESPACE}">
  <Product Id="*" Name={quoteattr(pins.PRODUCT_NAME)} Language="{GERMAN}" Codepage="{WESTERN_CODEPAGE}"
           Version="{msi_version(version)}" Manufacturer={quoteattr(pins.MANUFACTURER)}
           UpgradeCode="{pins.UPGRADE_CODE}">
    <Package InstallerVersion="500" Compressed="yes" Languages="{GERMAN}" SummaryCodepage="{WESTERN_CODEPAGE}"
             Description={quoteattr(pins.DESCRIPTION)} Comments={quoteattr(pins.DESCRIPTION)}
             Manufacturer={quoteattr(pins.MANUFACTURER)}/>
    <Media Id="1" Cabinet="kommunedesk.cab" EmbedCab="yes"/>
    <MajorUpgrade DowngradeErrorMessage="{DOWNGRADE_MESSAGE}"/>
    <Condition Message="KommuneDesk benötigt Windows 10 oder 11 (64 Bit).">{condition}</Condition>
    <Property Id="ALLUSERS" Value="2"/>
    <Property Id="MSIFASTINSTALL" Value="1"/>
    <Property Id="ARPNOMODIFY" Value="1"/>
    <Property Id="ARPPRODUCTICON" Value="AppIcon"/>
    <Property Id="ARPHELPLINK" Value={quoteattr(pins.HELP_LINK)}/>
    <Property Id="ARPURLINFOABOUT" Value={quoteattr(pins.ABOUT_LINK)}/>
    <Property Id="ARPCOMMENTS" Value={quoteattr(pins.DESCRIPTION)}/>
    <Icon Id="AppIcon" SourceFile={quoteattr(f"{source_root}/{ICON}")}/>
    <Directory Id="TARGETDIR" Name="SourceDir">
      <Directory Id="ProgramFiles64Folder">
        <Directory Id="INSTALLDIR" Name="KommuneDesk">
{body}
        </Directory>
      </Directory>
      <Directory Id="ProgramMenuFolder"/>
    </Directory>
    <Feature Id="KommuneDesk" Title="KommuneDesk" Level="1">
{refs}
    </Feature>
  </Product>
</Wix>
"""


def _directory(node: dict, prefix: str, source_root: str, components: list[str], depth: int) -> str:
    pad = "  " * depth
    lines = []
    for relative in node.get("", []):
        component = identifier("c", relative)
        components.append(component)
        name = PurePosixPath(relative).name
        lines.append(f'{pad}<Component Id="{component}" Guid="{component_guid(relative)}" Win64="yes">')
        lines.append(
            f'{pad}  <File Id="{identifier("f", relative)}" Name={quoteattr(name)} '
            f'Source={quoteattr(f"{source_root}/{relative}")} KeyPath="yes"/>'
        )
        if relative == GUI_EXECUTABLE:
            lines.append(
                f'{pad}  <Shortcut Id="{SHORTCUT_ID}" Directory="ProgramMenuFolder" Name="KommuneDesk" '
                f'Target="[#{identifier("f", relative)}]" Arguments="{GUI_ARGUMENTS}" Icon="AppIcon" '
                'Description="Anträge, Statistik und Geräteverleih"/>'
            )
        lines.append(f"{pad}</Component>")
    for name, child in sorted((key, value) for key, value in node.items() if key):
        path = f"{prefix}{name}/"
        lines.append(f'{pad}<Directory Id="{identifier("d", path)}" Name={quoteattr(name)}>')
        lines.append(_directory(child, path, source_root, components, depth + 1))
        lines.append(f"{pad}</Directory>")
    return "\n".join(lines)
