"""Refuse database locations where SQLite's locking is unreliable.

SQLite over SMB/NFS, inside a OneDrive folder or in a roaming profile can lose or
corrupt data, so the database must live on a local disk.
"""

from __future__ import annotations

import ntpath
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath

_NETWORK_FILESYSTEMS = frozenset(
    {"nfs", "nfs4", "cifs", "smb", "smb3", "smbfs", "9p", "fuse.sshfs", "afs", "ncpfs", "davfs"}
)
_SYNCED_FOLDER_NAMES = ("onedrive", "dropbox", "google drive", "nextcloud", "icloud")
DRIVE_REMOTE = 4  # GetDriveTypeW: a network drive (a mapped share)


@dataclass(frozen=True)
class WindowsDrives:
    """What Windows tells about a path: the roaming profile folder and the kind of each drive."""

    roaming: str | None  # %APPDATA%, the part of the profile that follows the user to every PC
    drive_type: Callable[[str], int]  # GetDriveTypeW("X:\\")

    @classmethod
    def of_this_computer(cls) -> WindowsDrives:  # pragma: no cover - Windows only
        import ctypes
        from ctypes import wintypes

        get_drive_type = ctypes.WinDLL("kernel32").GetDriveTypeW  # type: ignore[attr-defined]
        get_drive_type.argtypes = [wintypes.LPCWSTR]
        get_drive_type.restype = wintypes.UINT
        return cls(os.environ.get("APPDATA"), lambda root: int(get_drive_type(root)))


def location_problem(
    path: Path, mounts: str | None = None, windows: WindowsDrives | None = None
) -> str | None:
    """A German explanation why ``path`` is unsuitable for the database, or None.

    ``mounts`` is the text of /proc/mounts (read from the system when omitted); ``windows`` what
    Windows tells about drives and the profile (asked when omitted on Windows; given, the Windows
    checks run on any system).
    """
    raw = str(path)
    if raw.startswith(("\\\\", "//")) or PureWindowsPath(raw).drive.startswith("\\\\"):
        return _explain(raw, "auf einer Netzwerkfreigabe")
    lowered = [part.lower() for part in Path(raw).parts]
    if any(name in part for part in lowered for name in _SYNCED_FOLDER_NAMES):
        return _explain(raw, "in einem synchronisierten Cloud-Ordner (z. B. OneDrive)")
    if windows is not None or sys.platform == "win32":
        return _windows_problem(raw, windows or WindowsDrives.of_this_computer())
    fs_type = _filesystem_type(Path(raw), mounts)
    if fs_type in _NETWORK_FILESYSTEMS:
        return _explain(raw, f"auf einem Netzlaufwerk ({fs_type})")
    return None


def _explain(path: str, where: str) -> str:
    return (
        f"Der Datenordner {path} liegt {where}. Dort kann die Datenbank beschädigt werden, "
        "wenn die Verbindung abbricht oder zwei Rechner gleichzeitig schreiben. "
        "Bitte wählen Sie einen Ordner auf der lokalen Festplatte, am besten den Standardordner "
        "(KommuneDesk ohne --data-dir starten). Es wurde nichts verändert."
    )


def _windows_problem(raw: str, windows: WindowsDrives) -> str | None:
    path = PureWindowsPath(ntpath.normpath(raw))  # no "..\\" past the check
    if windows.roaming and _is_inside(path, PureWindowsPath(ntpath.normpath(windows.roaming))):
        return _explain(raw, "in einem servergespeicherten (Roaming-)Profil")
    local_letter = path.drive and not path.drive.startswith("\\\\")
    if local_letter and windows.drive_type(path.drive + "\\") == DRIVE_REMOTE:
        return _explain(raw, "auf einem Netzlaufwerk")
    return None


def _is_inside(path: PureWindowsPath, folder: PureWindowsPath) -> bool:
    """Whether ``path`` is ``folder`` or below it, by whole names (``Roaming2`` is not ``Roaming``)."""
    inner = [part.casefold() for part in path.parts]
    outer = [part.casefold() for part in folder.parts]
    return bool(outer) and inner[: len(outer)] == outer


def _filesystem_type(path: Path, mounts: str | None) -> str | None:
    if mounts is None:
        try:
            mounts = Path("/proc/mounts").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
    target = str(path.resolve())  # follows symlinks as far as the path exists
    best, best_type = "", None
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        mount_point = fields[1].replace("\\040", " ")
        if _is_within(target, mount_point) and len(mount_point) > len(best):
            best, best_type = mount_point, fields[2]
    return best_type


def _is_within(path: str, mount_point: str) -> bool:
    return mount_point == "/" or path == mount_point or path.startswith(mount_point.rstrip("/") + "/")
