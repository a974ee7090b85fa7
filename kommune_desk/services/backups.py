"""Daily backups without anyone scripting them, into the folder set under Datei → Einstellungen.

The folder and how many backups to keep are settings of this data folder (a network drive is
allowed for backups, unlike for the database); the app backs up at start when the last good
backup is older than a day, the CLI ``backup`` uses the same settings.
"""

from __future__ import annotations

import datetime as dt
import socket
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from kommune_desk.domain.validation import ValidationError
from kommune_desk.services.workspace import current_os_login
from kommune_desk.storage import reference
from kommune_desk.storage.backup import BACKUP_PREFIX, DEFAULT_BACKUP_DIR, create_backup, list_backups
from kommune_desk.storage.database import Database

BACKUP_INTERVAL = dt.timedelta(hours=24)
DEFAULT_KEEP = 14
MAX_KEEP = 365
FOLDER_SETTING = "backup.folder"
_NOT_IN_FILE_NAMES = '\\/:*?"<>|'
KEEP_SETTING = "backup.keep"


@dataclass(frozen=True)
class BackupSettings:
    folder: Path  # where this workstation's backups go
    keep: int
    chosen: Path | None = None  # the folder set under Datei → Einstellungen; None: the default

    @property
    def custom_folder(self) -> bool:
        return self.chosen is not None


def workstation_folder_name() -> str:
    """This workstation's subfolder in a chosen (often shared) backup folder: computer and login.

    Several PCs may back up to one network folder; each keeps and rotates only its own backups.
    """
    return file_name_safe(f"{socket.gethostname() or 'Rechner'}-{current_os_login() or 'Benutzer'}")


def file_name_safe(text: str) -> str:
    """``text`` with what Windows forbids in a file name replaced by ``_``."""
    return "".join("_" if ch in _NOT_IN_FILE_NAMES or ord(ch) < 32 else ch for ch in text).strip(". ")


def backup_settings(db: Database) -> BackupSettings:
    """Where backups go and how many are kept (defaults: ``sicherungen`` beside the database, 14).

    In a chosen folder the backups go into this workstation's own subfolder."""
    with closing(db.reader()) as conn:
        folder = reference.get_setting(conn, FOLDER_SETTING) or ""
        keep = reference.get_setting(conn, KEEP_SETTING) or ""
    chosen = Path(folder) if folder else None
    return BackupSettings(
        chosen / workstation_folder_name() if chosen else db.data_dir / DEFAULT_BACKUP_DIR,
        int(keep) if keep.isdigit() and 1 <= int(keep) <= MAX_KEEP else DEFAULT_KEEP,
        chosen,
    )


def save_backup_settings(db: Database, folder: str, keep: int) -> BackupSettings:
    """Store the backup folder ("" for the default) and the number kept; German refusals."""
    chosen = folder.strip()
    problems = []
    if chosen and not Path(chosen).expanduser().is_absolute():
        problems.append(
            "Bitte geben Sie den Sicherungsordner vollständig an, z. B. S:\\Sicherungen\\KommuneDesk."
        )
    if not 1 <= keep <= MAX_KEEP:
        problems.append(f"Es müssen zwischen 1 und {MAX_KEEP} Sicherungen aufbewahrt werden.")
    if problems:
        raise ValidationError(problems)
    with db.write() as conn:  # a setting of this workstation's data folder: nothing to sync
        if chosen:
            reference.set_setting(conn, FOLDER_SETTING, str(Path(chosen).expanduser()))
        else:
            reference.delete_setting(conn, FOLDER_SETTING)
        reference.set_setting(conn, KEEP_SETTING, str(keep))
    return backup_settings(db)


def last_backup(settings: BackupSettings) -> dt.datetime | None:
    """When the newest finished backup was made (local time), None if there is none."""
    for path in reversed(list_backups(settings.folder)):
        try:
            return dt.datetime.strptime(path.name.removeprefix(BACKUP_PREFIX), "%Y%m%d-%H%M%S")
        except ValueError:
            continue  # a folder someone named like a backup
    return None


def backup_if_due(db: Database, now: dt.datetime | None = None) -> Path | None:
    """Make a backup when the last good one is older than a day; the new folder, or None.

    Raises BackupError (German) when the folder cannot be written; the data stay as they were."""
    settings = backup_settings(db)
    moment = now or dt.datetime.now()
    last = last_backup(settings)
    if last is not None and moment - last < BACKUP_INTERVAL:
        return None
    return create_backup(db, settings.folder, keep=settings.keep, now=moment)


@dataclass(frozen=True)
class BackupState:
    made: Path | None  # the backup made just now, None if the last one is recent enough
    last: dt.datetime | None  # the newest good backup (local time)
    task_problem: str | None = None  # why the scheduled task (Windows) could not be registered


def daily_backup(db: Database) -> BackupState:
    """What the app runs after start, in a worker: the backup if due, and when the last one was."""
    made = backup_if_due(db)
    return BackupState(made, last_backup(backup_settings(db)))
