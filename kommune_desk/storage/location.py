"""Refuse database locations where SQLite's locking is unreliable.

SQLite over SMB/NFS, inside a OneDrive folder or in a roaming profile can lose or
corrupt data, so the database must live on a local disk.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path, PureWindowsPath

_NETWORK_FILESYSTEMS = frozenset(
    {"nfs", "nfs4", "cifs", "smb", "smb3", "smbfs", "9p", "fuse.sshfs", "afs", "ncpfs", "davfs"}
)
_SYNCED_FOLDER_NAMES = ("onedrive", "dropbox", "google drive", "nextcloud", "icloud")


def location_problem(path: Path, mounts: str | None = None) -> str | None:
    """A German explanation why ``path`` is unsuitable for the database, or None.

    ``mounts`` is the text of /proc/mounts (read from the system when omitted).
    """
    raw = str(path)
    if raw.startswith(("\\\\", "//")) or PureWindowsPath(raw).drive.startswith("\\\\"):
        return _explain(raw, "auf einer Netzwerkfreigabe")
    lowered = [part.lower() for part in Path(raw).parts]
    if any(name in part for part in lowered for name in _SYNCED_FOLDER_NAMES):
        return _explain(raw, "in einem synchronisierten Cloud-Ordner (z. B. OneDrive)")
    if sys.platform == "win32":
        return _windows_problem(Path(raw))
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


def _windows_problem(path: Path) -> str | None:  # pragma: no cover - Windows only
    import ctypes

    roaming = os.environ.get("APPDATA")
    if roaming and str(path).lower().startswith(roaming.lower()):
        return _explain(str(path), "in einem servergespeicherten (Roaming-)Profil")
    drive = path.drive + "\\"
    drive_remote = 4
    if drive and ctypes.windll.kernel32.GetDriveTypeW(drive) == drive_remote:  # type: ignore[attr-defined]
        return _explain(str(path), "auf einem Netzlaufwerk")
    return None


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
