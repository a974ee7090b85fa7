"""Import FIT-Connect submissions (folders or ZIPs) as applications: all or nothing per submission.

A rejected submission moves to the quarantine folder with its reason beside it; nothing of it
enters the database. The same submission twice is a no-op. A submission for a service this
municipality has not configured is imported into Klärung, never dropped.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from kommune_desk.domain.ids import uuid7
from kommune_desk.domain.payments import method_from_fit_connect, status_from_fit_connect
from kommune_desk.intake import (
    FIT_CONNECT_LIMITS,
    IntakeLimits,
    StagedFile,
    Submission,
    SubmissionRejected,
    looks_like_submission,
    read_submission,
)
from kommune_desk.storage import case_file, reference
from kommune_desk.storage.errors import StorageError, describe_os_error
from kommune_desk.storage.files import blob_path

from .applications import StoredFile, create_application
from .workspace import Workspace

log = logging.getLogger(__name__)

QUARANTINE_DIR = "quarantaene"
STAGING_DIR = ".eingang"  # beside the attachment store, so staged files move in by rename
DONE_DIR = "importiert"  # inside a watched drop folder
SETTLE_SECONDS = 5.0  # a file still being copied into the drop folder is left for the next round
MISSING_NAME = "(Name fehlt im Antrag)"


class Outcome(StrEnum):
    IMPORTED = "importiert"
    DUPLICATE = "bereits_importiert"
    REJECTED = "abgelehnt"
    FAILED = "fehlgeschlagen"  # our side failed (disk full, database busy): the submission stays put


@dataclass(frozen=True)
class ImportResult:
    """What happened to one path; ``message`` is the German line a clerk or admin reads."""

    path: Path
    outcome: Outcome
    message: str
    aktenzeichen: str | None = None
    application_id: str | None = None
    in_clarification: bool = False
    moved_to: Path | None = None

    @property
    def ok(self) -> bool:
        return self.outcome in (Outcome.IMPORTED, Outcome.DUPLICATE)

    def to_dict(self) -> dict[str, object]:
        return {
            "pfad": str(self.path),
            "ergebnis": self.outcome.value,
            "meldung": self.message,
            "aktenzeichen": self.aktenzeichen,
            "klaerung": self.in_clarification,
            "verschoben_nach": str(self.moved_to) if self.moved_to else None,
        }


def import_paths(
    ws: Workspace,
    paths: Iterable[Path],
    *,
    limits: IntakeLimits = FIT_CONNECT_LIMITS,
    progress: Callable[[int, str], None] | None = None,
) -> list[ImportResult]:
    """Import each path independently (one bad submission never stops the others)."""
    results = []
    for index, path in enumerate(paths):
        if progress:
            progress(index, path.name)
        results.append(import_submission(ws, path, limits=limits))
    return results


def import_submission(
    ws: Workspace, path: Path, *, limits: IntakeLimits = FIT_CONNECT_LIMITS, done_dir: Path | None = None
) -> ImportResult:
    """Import one submission folder or ZIP. With ``done_dir`` (the drop folder's), an imported or
    duplicate submission is moved there afterwards."""
    staging = ws.db.data_dir / STAGING_DIR / uuid7()
    try:
        try:
            submission = read_submission(path, staging, limits)
        except SubmissionRejected as exc:
            return _reject(ws, path, exc.reason)
        except OSError as exc:  # writing our staged copy failed: not the submission's fault
            return _failed(path, describe_os_error(exc))
        try:
            result = _store(ws, path, submission)
        except OSError as exc:
            return _failed(path, describe_os_error(exc))
        except StorageError as exc:
            return _failed(path, exc.message)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log.info("import %s", result.outcome.value)
    if done_dir is not None:
        result = _move_done(result, done_dir)
    return result


def _store(ws: Workspace, path: Path, submission: Submission) -> ImportResult:
    conn = ws.db.reader()
    try:
        known = case_file.find_by_submission(conn, submission.key)
    finally:
        conn.close()
    if known:
        return _duplicate(path, known)
    files = [_move_into_store(ws, staged) for staged in submission.files]
    with ws.db.write() as conn:
        known = case_file.find_by_submission(conn, submission.key)  # a parallel import may have won
        if known:
            return _duplicate(path, known)
        service = next(
            (
                s
                for s in reference.list_services(conn, ws.municipality.id)
                if s.leika_id == submission.leika_id
            ),
            None,
        )
        row = create_application(
            conn, ws, service, dt.datetime.now(dt.UTC), _fields(submission, service is None), files,
            action="importiert",
        )  # fmt: skip
    name = service.name if service else "Leistung unklar – in Klärung"
    return ImportResult(
        path,
        Outcome.IMPORTED,
        f"importiert als {row['aktenzeichen']} ({name})",
        aktenzeichen=row["aktenzeichen"],
        application_id=row["id"],
        in_clarification=service is None,
    )


def _fields(submission: Submission, service_unknown: bool) -> dict[str, object]:
    applicant = submission.applicant
    reasons = [_unknown_service(submission)] if service_unknown else []
    if not applicant.name.strip():
        reasons.append("Der Antrag nennt keine Antragstellerin und keinen Antragsteller.")
    form = dict(submission.form_data)
    if submission.application_date:
        form.setdefault("antragsdatum", submission.application_date)
    fields: dict[str, object] = {
        "channel": "fit_connect",
        "applicant_name": applicant.name.strip() or MISSING_NAME,
        "applicant_street": applicant.street,
        "applicant_postal_code": applicant.postal_code,
        "applicant_city": applicant.city,
        "applicant_email": applicant.email,
        "applicant_phone": applicant.phone,
        "form_data": json.dumps(form, ensure_ascii=False),
        "form_schema_uri": submission.schema_uri[:500],
        "submission_id": submission.key,
        "sender_reference": submission.sender_reference or "",
        "reply_email": submission.reply_email or "",
        "clarification_reason": " ".join(reasons),
    }
    payment = submission.payment
    if payment is not None:
        status = status_from_fit_connect(payment.status)
        fields["payment_status"] = status.value
        fields["payment_method"] = method_from_fit_connect(payment.method).value
        fields["payment_transaction"] = payment.transaction_id
        if payment.reference.strip():
            fields["kassenzeichen"] = payment.reference.strip()[:64]  # the portal's Kassenzeichen
        if status.value == "bezahlt":
            fields["paid_cents"] = payment.amount_cents
            fields["paid_at"] = payment.paid_at
    return fields


def _unknown_service(submission: Submission) -> str:
    service = submission.service_name or "ohne Namen"
    identifier = submission.service_identifier or "ohne Kennung"
    return f"Die Leistung »{service}« ({identifier}) ist in dieser Gemeinde nicht eingerichtet."


def _move_into_store(ws: Workspace, staged: StagedFile) -> StoredFile:
    """Rename a verified staged file into the content store (staging already wrote it durably,
    so the file is on disk before the row that names it commits)."""
    target = blob_path(ws.db.attachments_dir, staged.sha256)
    if target.exists():
        staged.path.unlink(missing_ok=True)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged.path, target)
    return StoredFile(
        sha256=staged.sha256,
        size_bytes=staged.size_bytes,
        display_name=staged.display_name,
        media_type=staged.media_type,
        purpose=staged.purpose,
        fit_attachment_id=staged.attachment_id,
        description=staged.description,
    )


def _duplicate(path: Path, aktenzeichen: str) -> ImportResult:
    return ImportResult(
        path, Outcome.DUPLICATE, f"bereits importiert ({aktenzeichen})", aktenzeichen=aktenzeichen
    )


def _failed(path: Path, reason: str) -> ImportResult:
    """Our side failed (disk full, database busy): leave the submission where it is for a retry."""
    log.warning("import failed on our side")
    return ImportResult(
        path,
        Outcome.FAILED,
        f"nicht übernommen: {reason.rstrip('.')}. Die Einreichung bleibt unverändert liegen; "
        "bitte später erneut importieren.",
    )


def _reject(ws: Workspace, path: Path, reason: str) -> ImportResult:
    """Move the submission to quarantine with its reason; never let it near the database."""
    log.warning("import rejected")
    if not path.exists():
        return ImportResult(path, Outcome.REJECTED, f"abgelehnt: {reason}")
    folder = ws.db.data_dir / QUARANTINE_DIR
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = folder / f"{stamp}-{uuid7()[-12:]}-{_safe_name(path.name)}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        shutil.move(str(path), str(target))
        target.with_name(target.name + ".grund.txt").write_text(reason + "\n", encoding="utf-8")
    except OSError:
        return ImportResult(
            path,
            Outcome.REJECTED,
            f"abgelehnt: {reason} Die Datei konnte nicht in die Quarantäne verschoben werden.",
        )
    return ImportResult(
        path, Outcome.REJECTED, f"abgelehnt: {reason} Verschoben in die Quarantäne: {target}", moved_to=target
    )


def _safe_name(name: str) -> str:
    cleaned = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name).strip("._")
    return cleaned[:80] or "einreichung"


def _move_done(result: ImportResult, done_dir: Path) -> ImportResult:
    if not result.ok or not result.path.exists():
        return result
    target = done_dir / f"{dt.datetime.now():%Y%m%d-%H%M%S}-{_safe_name(result.path.name)}"
    try:
        done_dir.mkdir(parents=True, exist_ok=True)
        shutil.move(str(result.path), str(target))
    except OSError:
        return result  # imported all the same; the next round sees "bereits importiert"
    return ImportResult(**{**result.__dict__, "moved_to": target})


def ready_submissions(folder: Path, now: float | None = None) -> list[Path]:
    """Submissions in a drop folder that are complete: nothing in them changed for a few seconds
    (a ZIP still being copied is left for the next round)."""
    current = time.time() if now is None else now
    ready = []
    try:
        entries = sorted(folder.iterdir())
    except OSError:
        return []
    for entry in entries:
        if entry.name in (DONE_DIR,) or entry.name.startswith("."):
            continue
        try:
            if looks_like_submission(entry) and current - _newest_change(entry) >= SETTLE_SECONDS:
                ready.append(entry)
        except OSError:
            continue
    return ready


def _newest_change(path: Path) -> float:
    if path.is_dir():
        return max([path.stat().st_mtime, *(p.stat().st_mtime for p in path.iterdir())])
    return path.stat().st_mtime


def import_drop_folder(ws: Workspace, folder: Path) -> list[ImportResult]:
    """One round over a watched drop folder: import what is complete, move it to ``importiert/``
    (rejected submissions go to quarantine)."""
    return [import_submission(ws, path, done_dir=folder / DONE_DIR) for path in ready_submissions(folder)]
