"""Register an application that arrived on paper, at the counter or by e-mail, and the core
every intake channel shares: Aktenzeichen, deadline, fee, Kassenzeichen, attachments."""

from __future__ import annotations

import datetime as dt
import json
import mimetypes
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kommune_desk.domain.aktenzeichen import format_aktenzeichen, numbering_code
from kommune_desk.domain.applications import NewApplication
from kommune_desk.domain.deadlines import legal_deadline
from kommune_desk.domain.form_checks import require_valid
from kommune_desk.domain.formatting import local_date, utc_now_iso
from kommune_desk.domain.ids import uuid7
from kommune_desk.domain.payments import initial_payment_status, kassenzeichen
from kommune_desk.domain.records import ApplicationStatus, Service
from kommune_desk.domain.validation import ValidationError
from kommune_desk.storage import applications as repo
from kommune_desk.storage import case_file, reference
from kommune_desk.storage.files import store_file
from kommune_desk.storage.outbox import municipality_scope

from .changes import Actor, record_change
from .workspace import Workspace

MAX_SCAN_BYTES = 500 * 1024**2  # FIT-Connect's limit per attachment; a scan is no bigger


@dataclass(frozen=True)
class StoredFile:
    """A file already in the content store, to be attached to a new application."""

    sha256: str
    size_bytes: int
    display_name: str
    media_type: str
    purpose: str = "attachment"
    fit_attachment_id: str | None = None
    description: str = ""


def register_application(ws: Workspace, new: NewApplication, scans: Sequence[Path] = ()) -> str:
    """Store a new application with its Aktenzeichen, deadline, fee and scanned files; return its id.

    The form is checked against the service's typed fields (FormError names each faulty field);
    dates are stored ISO, numbers and amounts with a decimal point.

    The files are copied into the content store first (named by hash, so a failed registration
    leaves at most an unreferenced copy, never a half case).
    """
    new.validate()
    conn = ws.db.reader()
    try:
        chosen = find_service(conn, ws, new.service_id)
    finally:
        conn.close()
    if chosen is None:
        raise ValidationError(["Die gewählte Leistung gibt es in dieser Gemeinde nicht."])
    # The same checks as the dialog's (the CLI and scripts call this too); before any file is
    # copied, so a refused form leaves nothing behind.
    require_valid(chosen.specs, new.form_data)
    files = [_store_scan(ws, path) for path in scans]
    with ws.db.write() as conn:
        service = find_service(conn, ws, new.service_id)
        if service is None:
            raise ValidationError(["Die gewählte Leistung gibt es in dieser Gemeinde nicht."])
        form = require_valid(service.specs, new.form_data)  # again: the form may have changed by sync
        fields = {
            "channel": new.channel.value,
            "applicant_name": new.applicant_name.strip(),
            "applicant_street": new.applicant_street.strip(),
            "applicant_postal_code": new.applicant_postal_code.strip(),
            "applicant_city": new.applicant_city.strip(),
            "applicant_email": new.applicant_email.strip(),
            "applicant_phone": new.applicant_phone.strip(),
            "form_data": json.dumps(form, ensure_ascii=False),
        }
        row = create_application(
            conn, ws, service, new.received_at, fields, files, action="angelegt", fee_units=new.fee_units
        )
    return str(row["id"])


def find_service(conn: sqlite3.Connection, ws: Workspace, service_id: str) -> Service | None:
    return next((s for s in reference.list_services(conn, ws.municipality.id) if s.id == service_id), None)


def create_application(
    conn: sqlite3.Connection,
    ws: Workspace,
    service: Service | None,
    received_at: dt.datetime,
    fields: dict[str, Any],
    files: Sequence[StoredFile],
    *,
    action: str,
    fee_units: int = 1,
) -> dict[str, Any]:
    """Insert an application with its attachments, outbox mutation and audit entry, in the
    caller's transaction; return the row. Without a service the case waits in Klärung."""
    at = utc_now_iso()
    municipality_id = ws.municipality.id
    received_day = local_date(received_at)
    number = repo.next_number(conn, ws.office.id, received_day.year)
    aktenzeichen = format_aktenzeichen(
        numbering_code(ws.office.code, ws.workstation), received_day.year, number
    )
    fee = service.fee_rule.fee_cents(fee_units) if service else 0
    row: dict[str, Any] = {
        "payment_status": initial_payment_status(fee).value,
        **fields,
        "id": uuid7(),
        "municipality_id": municipality_id,
        "office_id": ws.office.id,
        "service_id": service.id if service else None,
        "aktenzeichen": aktenzeichen,
        "received_at": received_at.astimezone(dt.UTC).isoformat(timespec="seconds"),
        "status": (ApplicationStatus.EINGEGANGEN if service else ApplicationStatus.KLAERUNG).value,
        "due_date": legal_deadline(received_day, service.processing_days).isoformat() if service else None,
        "fee_cents": fee,
        "kassenzeichen": fields.get("kassenzeichen") or (kassenzeichen(aktenzeichen) if fee else None),
        "created_at": at,
        "updated_at": at,
    }
    repo.insert_application(conn, row)
    attachment_rows = [
        {
            "id": uuid7(),
            "municipality_id": municipality_id,
            "application_id": row["id"],
            "sha256": f.sha256,
            "display_name": f.display_name,
            "media_type": f.media_type,
            "size_bytes": f.size_bytes,
            "created_at": at,
            "purpose": f.purpose,
            "fit_attachment_id": f.fit_attachment_id,
            "description": f.description,
        }
        for f in files
    ]
    for attachment in attachment_rows:
        case_file.insert_attachment(conn, attachment)
    record_change(
        conn,
        Actor(ws.clerk.id if ws.clerk else None, municipality_id),
        at=at,
        mutation="register_application",
        scope=municipality_scope(municipality_id),
        args={
            **{k: v for k, v in row.items() if k not in ("created_at", "updated_at")},
            "attachments": [{k: v for k, v in a.items() if k != "created_at"} for a in attachment_rows],
        },
        entity="application",
        entity_id=row["id"],
        action=action,
        changes={"status": [None, row["status"]], "aktenzeichen": [None, aktenzeichen]},
    )
    return row


def _store_scan(ws: Workspace, path: Path) -> StoredFile:
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise ValidationError([f"»{path.name}« ist keine Datei."])
        if size > MAX_SCAN_BYTES:
            raise ValidationError([f"»{path.name}« ist größer als 500 MB und kann nicht angehängt werden."])
        sha256, size = store_file(ws.db.attachments_dir, path)
    except OSError as exc:
        raise ValidationError([f"»{path.name}« konnte nicht gelesen werden."]) from exc
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return StoredFile(sha256, size, path.name, media_type, purpose="scan")


def services_offered(ws: Workspace) -> list[Service]:
    """The services of the workspace's municipality, by name."""
    conn = ws.db.reader()
    try:
        return sorted(reference.list_services(conn, ws.municipality.id), key=lambda s: s.name)
    finally:
        conn.close()
