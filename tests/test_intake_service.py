"""Importing submissions into the database: all or nothing, idempotent, Klärung, quarantine,
the watched drop folder and the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kommune_desk.domain.payments import PaymentMethod, PaymentStatus
from kommune_desk.domain.records import ApplicationStatus
from kommune_desk.intake import write_submission
from kommune_desk.services.cases import export_attachment, read_case
from kommune_desk.services.intake import (
    DONE_DIR,
    QUARANTINE_DIR,
    Outcome,
    import_drop_folder,
    import_paths,
    import_submission,
    ready_submissions,
)
from kommune_desk.services.workspace import Workspace

from .conftest import LOGIN

GEWERBE = "99050012104000"  # configured in the standard catalogue


def _counts(ws: Workspace) -> dict[str, int]:
    conn = ws.db.reader()
    try:
        return {
            table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("applications", "attachments", "outbox", "audit_log", "number_ranges")
        }
    finally:
        conn.close()


def _blobs(ws: Workspace) -> set[str]:
    root = ws.db.attachments_dir
    return {p.name for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def test_a_submission_becomes_an_application_with_files_payment_and_history(
    workspace: Workspace, tmp_path: Path
) -> None:
    source = write_submission(
        tmp_path / "einreichung",
        leika_id=GEWERBE,
        service_name="Gewerbeanmeldung",
        applicant={"vorname": "Zoë", "nachname": "Ağaoğlu", "strasse": "Ringstraße", "hausnummer": "4",
                   "plz": "64569", "ort": "Nauheim", "email": "zoe@example.org"},
        form={"betrieb": "Ağaoğlu Café", "taetigkeit": "Gastronomie"},
        attachments=[("..\\..\\Ausweis.exe", b"%PDF-1.7 ausweis", "application/pdf")],
        payment={"paymentMethod": "CREDITCARD", "status": "BOOKED", "transactionId": "tx-42",
                 "transactionReference": "KZ-2026-77", "grossAmount": 26.0,
                 "transactionTimestamp": "2026-11-20T10:00:00Z"},
        sender_reference="PORTAL-123",
        reply_email="zoe@example.org",
    )  # fmt: skip
    (result,) = import_paths(workspace, [source])
    assert result.outcome is Outcome.IMPORTED and result.ok and not result.in_clarification
    assert result.message.startswith("importiert als NAU-")
    assert source.exists()  # an explicit import leaves the clerk's file where it was
    detail = read_case(workspace, result.application_id or "")
    assert detail.status is ApplicationStatus.EINGEGANGEN
    assert detail.applicant_name == "Ağaoğlu, Zoë" and detail.applicant_street == "Ringstraße 4"
    assert ("Name des Betriebs", "Ağaoğlu Café") in [(line.label, line.value) for line in detail.form_lines]
    assert detail.payment_status is PaymentStatus.BEZAHLT
    assert detail.payment_method is PaymentMethod.CREDITCARD
    assert (detail.paid_cents, detail.kassenzeichen) == (2600, "KZ-2026-77")
    assert (detail.sender_reference, detail.reply_email) == ("PORTAL-123", "zoe@example.org")
    assert [a.purpose for a in detail.attachments] == ["data", "attachment"]
    assert detail.attachments[1].display_name == "Ausweis.exe"
    opened = export_attachment(workspace, detail.attachments[1].id, tmp_path)
    assert opened.read_bytes() == b"%PDF-1.7 ausweis" and opened.suffix == ".pdf"
    assert detail.history[0].what == "Antrag aus Online-Einreichung übernommen"
    assert not (workspace.db.data_dir / ".eingang").exists() or not any(
        (workspace.db.data_dir / ".eingang").iterdir()
    )


def test_the_same_submission_twice_is_a_no_op(workspace: Workspace, tmp_path: Path) -> None:
    folder = write_submission(tmp_path / "a", leika_id=GEWERBE)
    zipped = write_submission(tmp_path / "a.zip", as_zip=True, leika_id=GEWERBE)
    first = import_submission(workspace, folder)
    before = _counts(workspace)
    again = import_paths(workspace, [folder, zipped])
    assert [r.outcome for r in again] == [Outcome.DUPLICATE, Outcome.DUPLICATE]
    assert again[1].message == f"bereits importiert ({first.aktenzeichen})"
    assert _counts(workspace) == before


def test_an_unconfigured_service_is_imported_into_klaerung(workspace: Workspace, tmp_path: Path) -> None:
    source = write_submission(
        tmp_path / "x.zip", as_zip=True, leika_id="99999999999999", service_name="Fischereischein"
    )
    result = import_submission(workspace, source)
    assert result.outcome is Outcome.IMPORTED and result.in_clarification
    detail = read_case(workspace, result.application_id or "")
    assert detail.status is ApplicationStatus.KLAERUNG and detail.service is None and detail.due_date is None
    assert "»Fischereischein«" in detail.clarification_reason


def test_no_applicant_name_still_imports_and_says_so(workspace: Workspace, tmp_path: Path) -> None:
    source = write_submission(tmp_path / "ohne", leika_id=GEWERBE, data_format=None)
    result = import_submission(workspace, source)
    assert result.ok
    detail = read_case(workspace, result.application_id or "")
    assert detail.applicant_name == "(Name fehlt im Antrag)"
    assert detail.clarification_reason == "Der Antrag nennt keine Antragstellerin und keinen Antragsteller."


@pytest.mark.parametrize("damage", ["attachment", "data", "metadata"])
def test_a_damaged_submission_goes_to_quarantine_and_nothing_enters_the_database(
    workspace: Workspace, tmp_path: Path, damage: str
) -> None:
    source = write_submission(tmp_path / "kaputt", leika_id=GEWERBE)
    metadata = json.loads((source / "metadata.json").read_text(encoding="utf-8"))
    if damage == "attachment":
        attachment = source / metadata["contentStructure"]["attachments"][0]["attachmentId"]
        attachment.write_bytes(attachment.read_bytes() + b"x")
    elif damage == "data":
        (source / "data.json").write_text('{"antragsteller": {"nachname": "Manipuliert"}}', encoding="utf-8")
    else:
        (source / "metadata.json").write_text('{"contentStructure": {"attachments": [], "attachments": []}}')
    before, blobs = _counts(workspace), _blobs(workspace)
    (result,) = import_paths(workspace, [source])
    assert result.outcome is Outcome.REJECTED and not result.ok
    assert result.message.startswith("abgelehnt: ") and "Quarantäne" in result.message
    assert not source.exists()
    assert result.moved_to is not None and result.moved_to.parent == workspace.db.data_dir / QUARANTINE_DIR
    reason = result.moved_to.with_name(result.moved_to.name + ".grund.txt").read_text(encoding="utf-8")
    assert reason.strip() in result.message
    assert _counts(workspace) == before and _blobs(workspace) == blobs


def test_a_missing_path_is_reported(workspace: Workspace, tmp_path: Path) -> None:
    (result,) = import_paths(workspace, [tmp_path / "gibt-es-nicht.zip"])
    assert result.outcome is Outcome.REJECTED and result.moved_to is None


def test_the_drop_folder_imports_complete_submissions_only(workspace: Workspace, tmp_path: Path) -> None:
    drop = tmp_path / "ablage"
    drop.mkdir()
    done = write_submission(drop / "fertig.zip", as_zip=True, leika_id=GEWERBE)
    copying = write_submission(drop / "kopiert-noch", leika_id=GEWERBE, form={"betrieb": "Neu"})
    (drop / "notiz.txt").write_text("keine Einreichung")
    old = time.time() - 60
    os.utime(done, (old, old))
    assert ready_submissions(drop) == [done]  # the folder changed just now: next round
    results = import_drop_folder(workspace, drop)
    assert [r.outcome for r in results] == [Outcome.IMPORTED]
    assert results[0].moved_to is not None and results[0].moved_to.parent == drop / DONE_DIR
    assert not done.exists() and copying.exists() and (drop / "notiz.txt").exists()
    assert ready_submissions(drop, now=time.time() + 60) == [copying]


def _cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kommune_desk.cli", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        env={**os.environ, "USER": LOGIN, "LOGNAME": LOGIN},
        timeout=60,
    )


def test_cli_import_reports_each_path_and_sets_the_exit_code(workspace: Workspace, tmp_path: Path) -> None:
    good = write_submission(tmp_path / "gut.zip", as_zip=True, leika_id=GEWERBE)
    ok = _cli(workspace.db.data_dir, "import", str(good))
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith(f"{good}: importiert als NAU-")
    again = _cli(workspace.db.data_dir, "import", "--json", str(good))
    assert again.returncode == 0
    assert json.loads(again.stdout)[0]["ergebnis"] == "bereits_importiert"
    bad = tmp_path / "schlecht.zip"
    bad.write_bytes(b"PK\x03\x04 kein zip")
    mixed = _cli(workspace.db.data_dir, "import", str(good), str(bad))
    assert mixed.returncode == 1
    lines = mixed.stdout.splitlines()
    assert len(lines) == 2 and "bereits importiert" in lines[0] and ": abgelehnt: " in lines[1]
    assert "Traceback" not in mixed.stderr


def test_when_our_disk_fails_the_submission_stays_for_a_retry(workspace: Workspace, tmp_path: Path) -> None:
    source = write_submission(tmp_path / "antrag.zip", as_zip=True, leika_id=GEWERBE)
    original = source.read_bytes()
    staging = workspace.db.data_dir / ".eingang"
    staging.rmdir() if staging.is_dir() else None
    staging.write_bytes(b"")  # a file where the staging folder belongs: every write there fails
    before, blobs = _counts(workspace), _blobs(workspace)
    (result,) = import_paths(workspace, [source])
    assert result.outcome is Outcome.FAILED and not result.ok
    assert result.message.startswith("nicht übernommen: ")
    assert "bleibt unverändert liegen" in result.message
    assert source.read_bytes() == original  # not moved, not quarantined
    assert not (workspace.db.data_dir / QUARANTINE_DIR).exists()
    assert _counts(workspace) == before and _blobs(workspace) == blobs

    staging.unlink()  # the disk has room again: the same file now imports
    (retry,) = import_paths(workspace, [source])
    assert retry.outcome is Outcome.IMPORTED


_HOLD_WRITE = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("writing", flush=True)
time.sleep(30)
"""


@pytest.mark.slow
def test_a_database_kept_busy_by_another_program_fails_without_losing_the_submission(
    workspace: Workspace, tmp_path: Path
) -> None:
    source = write_submission(tmp_path / "antrag", leika_id=GEWERBE)
    before = _counts(workspace)
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_WRITE, str(workspace.db.path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "writing"
        (result,) = import_paths(workspace, [source])
    finally:
        holder.kill()
        holder.wait()
    assert result.outcome is Outcome.FAILED
    assert "anderen Programm" in result.message and "bleibt unverändert liegen" in result.message
    assert (source / "metadata.json").is_file()
    assert _counts(workspace) == before
    assert import_submission(workspace, source).outcome is Outcome.IMPORTED
