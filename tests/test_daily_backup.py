"""The daily backup: due after 24 hours, into the folder and number set for this data folder;
the CLI uses the same settings; a failure is explained and changes nothing."""

from __future__ import annotations

import datetime as dt
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from kommune_desk.domain.validation import ValidationError
from kommune_desk.services.backups import (
    DEFAULT_KEEP,
    backup_if_due,
    backup_settings,
    daily_backup,
    last_backup,
    save_backup_settings,
    workstation_folder_name,
)
from kommune_desk.storage.backup import BackupError, list_backups
from kommune_desk.storage.database import Database

MORNING = dt.datetime(2026, 12, 7, 8, 0)


@pytest.fixture
def db(demo_dir: Path):  # type: ignore[no-untyped-def]
    database = Database.open(demo_dir)
    yield database
    database.close()


def test_a_backup_is_made_once_a_day(db: Database) -> None:
    settings = backup_settings(db)
    assert (settings.folder, settings.keep, settings.custom_folder) == (
        db.data_dir / "sicherungen", DEFAULT_KEEP, False,
    )  # fmt: skip
    first = backup_if_due(db, now=MORNING)
    assert first is not None and first.parent == settings.folder
    assert last_backup(settings) == MORNING
    assert backup_if_due(db, now=MORNING + dt.timedelta(hours=23)) is None  # not yet due
    second = backup_if_due(db, now=MORNING + dt.timedelta(hours=24, minutes=1))
    assert second is not None and len(list_backups(settings.folder)) == 2


def test_the_folder_and_the_number_kept_are_settings(db: Database, tmp_path: Path) -> None:
    network = tmp_path / "netzlaufwerk" / "KommuneDesk"
    saved = save_backup_settings(db, str(network), 2)
    assert (saved.chosen, saved.keep, saved.custom_folder) == (network, 2, True)
    assert saved.folder == network / workstation_folder_name()  # this workstation's own subfolder
    for day in range(3):
        backup_if_due(db, now=MORNING + dt.timedelta(days=day))
    assert [p.name for p in list_backups(saved.folder)] == [
        "kommune-desk-20261208-080000",
        "kommune-desk-20261209-080000",
    ]
    assert save_backup_settings(db, "", 14).folder == db.data_dir / "sicherungen"  # back to the default


def test_workstations_sharing_a_backup_folder_keep_each_others_backups(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = tmp_path / "S" / "Sicherungen"
    save_backup_settings(db, str(shared), 1)
    for day, computer in enumerate(["RATHAUS-PC07", "RATHAUS-PC12", "RATHAUS-PC07"]):
        monkeypatch.setattr(socket, "gethostname", lambda computer=computer: computer)  # the OS's answer
        backup_if_due(db, now=MORNING + dt.timedelta(days=day))
    folders = sorted(p.name for p in shared.iterdir())
    assert [name.split("-", 2)[:2] for name in folders] == [["RATHAUS", "PC07"], ["RATHAUS", "PC12"]]
    kept = {name: [p.name for p in list_backups(shared / name)] for name in folders}
    assert list(kept.values()) == [["kommune-desk-20261209-080000"], ["kommune-desk-20261208-080000"]]


def test_a_workstation_folder_name_is_a_valid_windows_file_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket, "gethostname", lambda: "PC:07")
    assert ":" not in workstation_folder_name() and workstation_folder_name().startswith("PC_07-")


@pytest.mark.parametrize(
    ("folder", "keep", "message"),
    [
        ("relativ/ordner", 14, "vollständig an"),
        ("", 0, "zwischen 1 und 365"),
        ("", 9999, "zwischen 1 und 365"),
    ],
)
def test_bad_settings_are_refused_in_german(db: Database, folder: str, keep: int, message: str) -> None:
    with pytest.raises(ValidationError) as refused:
        save_backup_settings(db, folder, keep)
    assert message in "\n".join(refused.value.messages)
    assert backup_settings(db).keep == DEFAULT_KEEP  # nothing was stored


def test_a_failed_backup_is_explained_and_changes_nothing(db: Database, tmp_path: Path) -> None:
    blocker = tmp_path / "datei-statt-ordner"
    blocker.write_text("kein Ordner")
    save_backup_settings(db, str(blocker / "sicherungen"), 14)
    with pytest.raises(BackupError) as failed:
        daily_backup(db)
    assert "Ihre Daten sind unverändert" in failed.value.message
    assert not list(tmp_path.glob("**/kommune-desk-*"))


def test_the_cli_backs_up_into_the_configured_folder(db: Database, tmp_path: Path) -> None:
    target = tmp_path / "sicherungen-am-netz"
    save_backup_settings(db, str(target), 3)
    made = subprocess.run(
        [sys.executable, "-m", "kommune_desk.cli", "--data-dir", str(db.data_dir), "backup"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    mine = target / workstation_folder_name()
    assert len(list_backups(mine)) == 1 and str(mine) in made.stdout
