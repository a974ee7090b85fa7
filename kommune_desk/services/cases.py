"""The case file a clerk opens: everything about one application, read in one go, and the
small things a clerk records on it (notes, payments, the Eingangsbestätigung).

Opening a case is itself recorded in the audit trail (who looked at whose data, when).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from kommune_desk.domain import history as history_text
from kommune_desk.domain import workflow
from kommune_desk.domain.form_checks import display_value
from kommune_desk.domain.form_schema import MISSING_SCHEMA_NOTE, FormLine, FormSchema, form_lines, is_fim_key
from kommune_desk.domain.formatting import format_count, parse_timestamp, utc_now_iso
from kommune_desk.domain.ids import uuid7
from kommune_desk.domain.payments import PaymentMethod, PaymentStatus
from kommune_desk.domain.records import ApplicationStatus, Channel, Procedure, Service
from kommune_desk.domain.validation import ValidationError
from kommune_desk.domain.workflow import Decision, Step, WorkflowError
from kommune_desk.storage import case_file, reference
from kommune_desk.storage.audit import append_audit
from kommune_desk.storage.files import BlobMismatchError, read_verified
from kommune_desk.storage.outbox import municipality_scope

from .changes import Actor, record_change
from .form_schemas import schema_named
from .opened_copies import opened_copies_dir
from .workflow import change_case, current_actor
from .workspace import Workspace

MAX_NOTE_LENGTH = 10_000
NO_SUCH_CASE = "Diesen Antrag gibt es in Ihrer Gemeinde nicht (mehr)."
E = TypeVar("E")


@dataclass(frozen=True)
class AttachmentInfo:
    id: str
    display_name: str
    media_type: str
    size_bytes: int
    sha256: str
    purpose: str

    @property
    def purpose_label(self) -> str:
        return {
            "form": "Antragsformular",
            "attachment": "Anlage",
            "report": "Nachweis des Onlinedienstes",
            "data": "Fachdaten (Original)",
            "scan": "Scan",
        }.get(self.purpose, "Anlage")


@dataclass(frozen=True)
class NoteInfo:
    at: dt.datetime
    author: str
    body: str


@dataclass(frozen=True)
class HistoryEntry:
    at: dt.datetime
    who: str
    what: str
    details: tuple[str, ...]


@dataclass(frozen=True)
class CaseDetail:
    """One application as the case view shows it."""

    id: str
    aktenzeichen: str
    status: ApplicationStatus
    service: Service | None
    channel: Channel
    received_at: dt.datetime
    applicant_name: str
    applicant_street: str
    applicant_postal_code: str
    applicant_city: str
    applicant_email: str
    applicant_phone: str
    form_lines: tuple[FormLine, ...]  # headings and answers, labelled by the schema or the service
    form_note: str  # why the answers show raw ids (the schema has not arrived), else ""
    corrected: bool  # the data was corrected; the original is kept (original_data)
    assignee_id: str | None
    assignee_name: str
    due_date: dt.date | None
    paused_days: int | None
    follow_up_on: dt.date | None
    follow_up_note: str
    decision: Decision | None
    drafted_by_name: str
    fee_cents: int
    kassenzeichen: str
    payment_status: PaymentStatus
    payment_method: PaymentMethod | None
    paid_cents: int | None
    paid_at: dt.date | None
    clarification_reason: str
    sender_reference: str
    reply_email: str
    attachments: tuple[AttachmentInfo, ...]
    notes: tuple[NoteInfo, ...]
    history: tuple[HistoryEntry, ...]
    steps: tuple[Step, ...]  # what the clerk at the keyboard may do now
    can_claim: bool
    can_release: bool
    can_confirm_receipt: bool  # still before the decision
    approved: HistoryEntry | None = None  # the decision's release (4-eyes), if it happened


def open_case(ws: Workspace, application_id: str) -> CaseDetail:
    """Read the whole case and record that this clerk opened it (audit only: nothing to sync)."""
    actor = current_actor(ws)
    with ws.db.write() as conn:
        _require_case(conn, ws, application_id)
        append_audit(
            conn,
            at=utc_now_iso(),
            clerk_id=actor.clerk_id,
            municipality_id=ws.municipality.id,
            entity="application",
            entity_id=application_id,
            action="geoeffnet",
        )
    return read_case(ws, application_id)


def read_case(ws: Workspace, application_id: str) -> CaseDetail:
    """The case as it is now (after a change the view re-reads it without a new "opened" entry)."""
    conn = ws.db.reader()
    try:
        row = _require_case(conn, ws, application_id)
        names = case_file.display_names(conn, ws.municipality.id)
        services = {s.id: s for s in reference.list_services(conn, ws.municipality.id)}
        attachment_rows = case_file.attachments(conn, application_id)
        note_rows = case_file.notes(conn, application_id)
        audit_rows = case_file.history(conn, application_id)
    finally:
        conn.close()
    service = services.get(row["service_id"] or "")
    form_lines, form_note = case_form_lines(
        json.loads(row["form_data"] or "{}"), schema_named(ws, row["form_schema_uri"]), service
    )
    case = workflow.Case(
        status=ApplicationStatus(row["status"]),
        assignee_id=row["assignee_id"],
        four_eyes=bool(service.four_eyes) if service else False,
        decision=Decision(row["decision"]) if row["decision"] else None,
        drafted_by=row["drafted_by"],
        procedure=service.procedure if service else Procedure.GENEHMIGUNG,
    )
    actor = workflow.Actor(ws.clerk.id, ws.clerk.role) if ws.clerk else None
    return CaseDetail(
        id=row["id"],
        aktenzeichen=row["aktenzeichen"],
        status=case.status,
        service=service,
        channel=Channel(row["channel"]),
        received_at=parse_timestamp(row["received_at"]),
        applicant_name=row["applicant_name"],
        applicant_street=row["applicant_street"],
        applicant_postal_code=row["applicant_postal_code"],
        applicant_city=row["applicant_city"],
        applicant_email=row["applicant_email"],
        applicant_phone=row["applicant_phone"],
        form_lines=tuple(form_lines),
        form_note=form_note,
        corrected=row["submitted_data"] is not None,
        assignee_id=row["assignee_id"],
        assignee_name=names.get(row["assignee_id"] or "", ""),
        due_date=_day(row["due_date"]),
        paused_days=row["paused_remaining_days"],
        follow_up_on=_day(row["follow_up_on"]),
        follow_up_note=row["follow_up_note"],
        decision=case.decision,
        drafted_by_name=names.get(row["drafted_by"] or "", ""),
        fee_cents=row["fee_cents"],
        kassenzeichen=row["kassenzeichen"] or "",
        payment_status=_enum(PaymentStatus, row["payment_status"]) or PaymentStatus.OFFEN,
        payment_method=_enum(PaymentMethod, row["payment_method"]),
        paid_cents=row["paid_cents"],
        paid_at=_day(row["paid_at"]),
        clarification_reason=row["clarification_reason"],
        sender_reference=row["sender_reference"],
        reply_email=row["reply_email"],
        attachments=tuple(
            AttachmentInfo(
                a["id"], a["display_name"], a["media_type"], a["size_bytes"], a["sha256"], a["purpose"]
            )
            for a in attachment_rows
        ),
        notes=tuple(
            NoteInfo(parse_timestamp(at), names.get(clerk or "", "System"), body)
            for at, clerk, body in note_rows
        ),
        history=tuple(
            HistoryEntry(
                parse_timestamp(at),
                names.get(clerk or "", "System"),
                history_text.action_label(action),
                tuple(history_text.describe_changes(changes, names)),
            )
            for at, clerk, action, changes in audit_rows
        ),
        steps=tuple(workflow.available_steps(case, actor)) if actor else (),
        can_claim=bool(actor) and _allowed(workflow.claim, case, actor) and case.assignee_id is None,
        can_release=bool(actor) and case.assignee_id is not None and _allowed(workflow.release, case, actor),
        can_confirm_receipt=bool(actor) and workflow.awaits_decision(case.status),
        approved=next(
            (
                HistoryEntry(parse_timestamp(at), names.get(clerk or "", "System"), "", ())
                for at, clerk, action, _changes in reversed(audit_rows)
                if action == Step.FREIGEBEN.value
            ),
            None,
        ),
    )


def case_form_lines(
    form: dict[str, str], schema: FormSchema | None, service: Service | None
) -> tuple[list[FormLine], str]:
    """The form's lines, labelled by the submission schema if this office has it (see
    ``schema_named``), else by the service's labels; and a note when FIM ids show because the
    schema has not arrived yet."""
    labels = dict(service.form_fields) if service else {}
    lines = form_lines(form, schema, labels)
    if schema is None and service is not None:  # the service's types: ISO dates read German
        specs = {spec.key: spec for spec in service.specs}
        lines = [replace(line, value=display_value(specs.get(line.key), line.value)) for line in lines]
    missing = schema is None and any(is_fim_key(key) for key in form)
    return lines, MISSING_SCHEMA_NOTE if missing else ""


def add_note(ws: Workspace, application_id: str, body: str) -> None:
    """Add a note to the case file (searchable, part of the history)."""
    text = body.strip()
    if not text:
        raise ValidationError(["Die Notiz ist leer."])
    if len(text) > MAX_NOTE_LENGTH:
        raise ValidationError(
            [f"Eine Notiz darf höchstens {format_count(MAX_NOTE_LENGTH)} Zeichen lang sein."]
        )
    actor = current_actor(ws)
    at = utc_now_iso()
    note = {
        "id": uuid7(),
        "municipality_id": ws.municipality.id,
        "application_id": application_id,
        "clerk_id": actor.clerk_id,
        "body": text,
        "created_at": at,
    }
    with ws.db.write() as conn:
        _require_case(conn, ws, application_id)
        case_file.insert_note(conn, note)
        record_change(
            conn,
            Actor(actor.clerk_id, ws.municipality.id),
            at=at,
            mutation="add_note",
            scope=municipality_scope(ws.municipality.id),
            args=note,
            entity="application",
            entity_id=application_id,
            action="notiz",
        )


def record_payment(
    ws: Workspace, application_id: str, method: PaymentMethod, paid_cents: int, paid_on: dt.date
) -> None:
    """Record a payment at the counter or a transfer that arrived."""
    problems = []
    if paid_cents <= 0:
        problems.append("Bitte geben Sie den bezahlten Betrag an.")
    if paid_on > dt.date.today():
        problems.append("Das Zahlungsdatum liegt in der Zukunft.")
    if problems:
        raise ValidationError(problems)
    current_actor(ws)
    change_case(
        ws,
        application_id,
        lambda _case, _row: {
            "payment_status": PaymentStatus.BEZAHLT.value,
            "payment_method": method.value,
            "paid_cents": paid_cents,
            "paid_at": paid_on.isoformat(),
        },
        mutation="record_payment",
        action="zahlung",
    )


def confirm_receipt(ws: Workspace, application_id: str, via: str) -> None:
    """Log that the Eingangsbestätigung went out (``via``: "Brief", "E-Mail", …)."""
    actor = current_actor(ws)
    at = utc_now_iso()
    with ws.db.write() as conn:
        row = _require_case(conn, ws, application_id)
        if not workflow.awaits_decision(ApplicationStatus(row["status"])):
            raise WorkflowError(
                "Über diesen Antrag ist schon entschieden; eine Eingangsbestätigung kommt zu spät."
            )
        record_change(
            conn,
            Actor(actor.clerk_id, ws.municipality.id),
            at=at,
            mutation="confirm_receipt",
            scope=municipality_scope(ws.municipality.id),
            args={"id": application_id, "via": via},
            entity="application",
            entity_id=application_id,
            action="eingangsbestaetigung",
            changes={"via": via},
        )


class AttachmentDamagedError(ValidationError):
    """The stored file no longer matches its SHA-256: it must not be shown as the citizen's file."""


_EXTENSIONS = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/tiff": ".tif",
    "application/json": ".json",
    "application/xml": ".xml",
    "text/xml": ".xml",
    "text/plain": ".txt",
}


def export_attachment(ws: Workspace, attachment_id: str, target_dir: Path | None = None) -> Path:
    """Copy an attachment, hash verified, to a private folder for opening (default: a fresh
    folder under ``opened_copies_dir``, emptied when the app closes).

    The copy is named after the display name but gets the extension of its media type (never
    ``.exe`` from a citizen's file name); unknown types get ``.bin`` so nothing executes.
    """
    conn = ws.db.reader()
    try:
        row = case_file.attachment(conn, attachment_id, ws.municipality.id)
    finally:
        conn.close()
    if row is None:
        raise ValidationError(["Diese Anlage gibt es nicht (mehr)."])
    try:
        data = read_verified(ws.db.attachments_dir, row["sha256"])
    except FileNotFoundError as exc:
        raise AttachmentDamagedError(
            [
                f"Die Datei der Anlage »{row['display_name']}« fehlt im Datenordner. Bitte aus der Sicherung "
                "wiederherstellen."
            ]
        ) from exc
    except BlobMismatchError as exc:
        raise AttachmentDamagedError(
            [
                f"Die Anlage »{row['display_name']}« ist beschädigt oder wurde verändert (Prüfsumme stimmt "
                "nicht). Sie wird nicht geöffnet; bitte aus der Sicherung wiederherstellen."
            ]
        ) from exc
    if target_dir is None:
        opened_copies_dir(ws).mkdir(parents=True, exist_ok=True)
        target_dir = Path(tempfile.mkdtemp(prefix="anlage-", dir=opened_copies_dir(ws)))
    folder = target_dir
    stem = re.sub(r"[^\w\- äöüÄÖÜß]+", "_", Path(row["display_name"]).stem).strip(" ._") or "Anlage"
    target = folder / f"{stem[:80]}{_EXTENSIONS.get(row['media_type'], '.bin')}"
    target.write_bytes(data)
    return target


def _require_case(conn: sqlite3.Connection, ws: Workspace, application_id: str) -> dict[str, Any]:
    """The live application of the workspace's municipality, or the German refusal."""
    row = case_file.application_row(conn, application_id, ws.municipality.id)
    if row is None:
        raise WorkflowError(NO_SUCH_CASE)
    return row


def _day(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value[:10]) if value else None


def _enum(enum: Callable[[str], E], value: str | None) -> E | None:
    try:
        return enum(value) if value else None
    except ValueError:
        return None  # a value from a newer version


def _allowed(
    rule: Callable[[workflow.Case, workflow.Actor], workflow.Case], case: workflow.Case, actor: workflow.Actor
) -> bool:
    try:
        rule(case, actor)
    except WorkflowError:
        return False
    return True
