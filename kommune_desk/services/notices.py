"""Notices (Bescheide) and other letters to applicants: preview, archive, release, send, cancel
and correct them.

An issued notice is immutable: its PDF lies in the content store under its SHA-256 and is
verified whenever it is read; a correction is a new version that references the old one, which
becomes storniert. Every write is one transaction with its outbox mutation and audit entry (the
audit entry is on the application, so the case history shows it). Every function answers only
for the workspace's municipality: another tenant's notice looks exactly like a missing one.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import dataclass, replace
from typing import Any

from kommune_desk.documents.model import Letter, LetterKind
from kommune_desk.domain import notices as rules
from kommune_desk.domain import workflow
from kommune_desk.domain.authority import Remedy
from kommune_desk.domain.formatting import format_date, parse_timestamp, utc_now_iso
from kommune_desk.domain.ids import uuid7
from kommune_desk.domain.notices import Notice, NoticeAction, NoticeError, NoticeStatus
from kommune_desk.domain.records import ApplicationStatus, Role
from kommune_desk.domain.validation import ValidationError
from kommune_desk.domain.workflow import Decision, Step, WorkflowError
from kommune_desk.storage import applications as cases_repo
from kommune_desk.storage import notices as repo
from kommune_desk.storage import reference
from kommune_desk.storage.errors import StorageError, describe_os_error
from kommune_desk.storage.files import BlobMismatchError, read_verified, store_bytes
from kommune_desk.storage.outbox import municipality_scope

from .changes import Actor, record_change
from .notice_letters import NO_SUCH_CASE, Composition, NoticeDetails, compose, details_json, load_letter_data
from .workflow import current_actor, take_step
from .workspace import Workspace

__all__ = [
    "NoticeDamagedError",
    "NoticeDetails",
    "NoticeSummary",
    "bekanntgabe_tage",
    "build_letter",
    "cancel_notice",
    "correct_notice",
    "find_case",
    "issue_notice",
    "kinds_available",
    "list_notices",
    "mark_sent",
    "notice_details",
    "notice_pdf",
    "preview_notice",
    "ready_to_send",
    "release_notice",
    "service_remedy",
    "set_bekanntgabe_tage",
    "set_service_remedy",
]

_NO_SUCH_NOTICE = "Dieses Schreiben gibt es in Ihrer Gemeinde nicht (mehr)."
MAX_REASON_LENGTH = 2_000


class NoticeDamagedError(StorageError):
    """The archived PDF is missing or no longer matches its SHA-256."""

    title = "Schreiben beschädigt"


@dataclass(frozen=True)
class NoticeSummary:
    """One archived notice as lists and the case view show it."""

    id: str
    application_id: str
    aktenzeichen: str
    applicant_name: str
    kind: LetterKind
    version: int
    status: NoticeStatus
    letter_date: dt.date
    created_at: dt.datetime
    created_by_name: str
    released_by_name: str
    posted_on: dt.date | None
    bekanntgabe_on: dt.date | None
    remedy_deadline: dt.date | None
    fee_due_on: dt.date | None
    sha256: str
    replaces_id: str | None
    cancel_reason: str
    release_refusal: str | None = None  # for a draft: why this clerk may not release it (None: may)


# -- what a clerk can write -----------------------------------------------------------------------
def kinds_available(ws: Workspace, application_id: str) -> list[LetterKind]:
    """The letters that make sense for the case in its current state."""
    conn = ws.db.reader()
    try:
        row = _case_row(conn, ws, application_id)
        procedure = reference.service_procedure(conn, row["service_id"])
    finally:
        conn.close()
    return rules.available_kinds(
        ApplicationStatus(row["status"]),
        Decision(row["decision"]) if row["decision"] else None,
        int(row["fee_cents"] or 0),
        row["service_id"] is not None,
        procedure,
    )


def build_letter(ws: Workspace, application_id: str, kind: LetterKind, details: NoticeDetails) -> Letter:
    """The letter as data; raises ValidationError (German, naming each field) when anything is
    missing or wrong."""
    return _prepare(ws, application_id, kind, details).letter


def preview_notice(ws: Workspace, application_id: str, kind: LetterKind, details: NoticeDetails) -> bytes:
    """The letter as PDF, not archived (for the preview; runs in a worker)."""
    return _render(build_letter(ws, application_id, kind, details))


def issue_notice(
    ws: Workspace, application_id: str, kind: LetterKind, details: NoticeDetails
) -> NoticeSummary:
    """Render the letter and archive it as Entwurf, with the template versions it used."""
    actor = current_actor(ws)
    composition = _prepare(ws, application_id, kind, details, issuing=True)
    sha256, size = _store(ws, _render(composition.letter))
    at = utc_now_iso()
    with ws.db.write() as conn:
        _check_may_write(conn, ws, actor, application_id, kind, issuing=True)  # again, under the write lock
        row = _insert(conn, ws, actor, application_id, kind, composition, details, (sha256, size), at)
        _record(
            conn, ws, actor, at, row, mutation="issue_notice", action="schreiben_erstellt", args=row,
            changes={"notice_status": [None, NoticeStatus.ENTWURF.value]},
        )  # fmt: skip
    return _summary(ws, str(row["id"]))


def correct_notice(ws: Workspace, notice_id: str, details: NoticeDetails) -> NoticeSummary:
    """A corrected notice: a new version (Entwurf) that references the old one; the old one
    becomes storniert. The new version needs its own release (4-eyes applies again)."""
    actor = current_actor(ws)
    conn = ws.db.reader()
    try:
        old = _notice_row(conn, ws, notice_id)
    finally:
        conn.close()
    kind, application_id = LetterKind(old["kind"]), str(old["application_id"])
    composition = _prepare(ws, application_id, kind, details, correcting=_notice(old))
    sha256, size = _store(ws, _render(composition.letter))
    at = utc_now_iso()
    with ws.db.write() as conn:
        old = _notice_row(conn, ws, notice_id)
        _check_may_write(conn, ws, actor, application_id, kind, correcting=_notice(old))
        version = repo.next_version(conn, application_id, kind.value)
        cancelled = {
            "status": NoticeStatus.STORNIERT.value,
            "cancelled_at": at,
            "cancelled_by": actor.clerk_id,
            "cancel_reason": f"Berichtigt durch Version {version}",
        }
        repo.update_notice(conn, notice_id, cancelled, at)  # first: only one live decision notice
        row = _insert(
            conn,
            ws,
            actor,
            application_id,
            kind,
            composition,
            details,
            (sha256, size),
            at,
            replaces=notice_id,
        )
        _record(
            conn, ws, actor, at, row, mutation="correct_notice", action="schreiben_berichtigt",
            args={"new": row, "old": {"id": notice_id, **cancelled}},
            changes={"replaces_version": old["version"], "cancel_reason": cancelled["cancel_reason"]},
        )  # fmt: skip
    return _summary(ws, str(row["id"]))


# -- life cycle -----------------------------------------------------------------------------------
def release_notice(ws: Workspace, notice_id: str) -> NoticeSummary:
    """Release a draft; a decision notice only after the decision was approved, and for a
    4-eyes service only by a Teamleitung who drafted neither decision nor notice."""
    actor = current_actor(ws)
    at = utc_now_iso()
    with ws.db.write() as conn:
        row = _notice_row(conn, ws, notice_id)
        refused = rules.release_refusal(_notice(row), _case(conn, ws, row), actor)
        if refused:
            raise NoticeError(refused)
        changes = {"status": NoticeStatus.FREIGEGEBEN.value, "released_at": at, "released_by": actor.clerk_id}
        _change(conn, ws, actor, at, row, changes, mutation="release_notice", action="schreiben_freigegeben")
    return _summary(ws, notice_id)


def mark_sent(ws: Workspace, notice_id: str, posted_on: dt.date | None = None) -> NoticeSummary:
    """Record that a released notice was posted (default today): stores the day of
    notification (§ 41 Abs. 2 HVwVfG, the municipality's 3 or 4 days) and, for a notice with a
    Rechtsbehelfsbelehrung, the end of the remedy period. Sending the decision notice also
    moves the case freigegeben → bescheid_versandt, in the same transaction."""
    actor = current_actor(ws)
    today = dt.date.today()
    posted = posted_on or today
    if posted > today:
        raise ValidationError(["Das Datum der Aufgabe zur Post liegt in der Zukunft."])
    at = utc_now_iso()
    with ws.db.write() as conn:
        row = _notice_row(conn, ws, notice_id)
        notice, case = _notice(row), _case(conn, ws, row)
        refused = rules.sending_refusal(notice, case, actor)
        if refused:
            raise NoticeError(refused)
        letter_date = dt.date.fromisoformat(row["letter_date"])
        if posted < letter_date:
            raise ValidationError(
                [
                    f"Das Schreiben ist vom {format_date(letter_date)}; es kann nicht am "
                    f"{format_date(posted)} zur Post gegeben worden sein."
                ]
            )
        bekanntgabe = rules.bekanntgabe_date(posted, repo.bekanntgabe_tage(conn, ws.municipality.id))
        deadline = rules.remedy_deadline(bekanntgabe) if row["remedy"] else None
        changes = {
            "status": NoticeStatus.VERSANDT.value,
            "posted_on": posted.isoformat(),
            "bekanntgabe_on": bekanntgabe.isoformat(),
            "remedy_deadline": deadline.isoformat() if deadline else None,
        }
        _change(conn, ws, actor, at, row, changes, mutation="mark_notice_sent", action="schreiben_versandt")
        if rules.moves_case_on_sending(notice, case.status):
            take_step(ws, str(row["application_id"]), Step.BESCHEID_VERSENDEN, conn=conn)
    return _summary(ws, notice_id)


def cancel_notice(ws: Workspace, notice_id: str, reason: str) -> NoticeSummary:
    """Cancel a notice (storniert) with a reason; the archived PDF stays."""
    actor = current_actor(ws)
    text = reason.strip()
    if len(text) > MAX_REASON_LENGTH:
        raise ValidationError([f"Der Grund darf höchstens {MAX_REASON_LENGTH} Zeichen lang sein."])
    at = utc_now_iso()
    with ws.db.write() as conn:
        row = _notice_row(conn, ws, notice_id)
        notice = _notice(row)
        refused = rules.cancel_refusal(notice, _case(conn, ws, row), actor)
        if refused:
            raise NoticeError(refused)
        status = rules.advance(notice.status, NoticeAction.STORNIEREN, text)
        changes = {
            "status": status.value,
            "cancelled_at": at,
            "cancelled_by": actor.clerk_id,
            "cancel_reason": text,
        }
        _change(conn, ws, actor, at, row, changes, mutation="cancel_notice", action="schreiben_storniert")
    return _summary(ws, notice_id)


# -- reading --------------------------------------------------------------------------------------
def list_notices(ws: Workspace, application_id: str) -> list[NoticeSummary]:
    """Every notice of a case, oldest first (cancelled ones too: they were printed)."""
    conn = ws.db.reader()
    try:
        _case_row(conn, ws, application_id)
        rows = repo.summaries(conn, ws.municipality.id, application_id=application_id)
        # The domain decides who may release a draft; the panel offers "Freigeben" only to them.
        refusals = {
            r["id"]: _release_refusal(conn, ws, r["id"])
            for r in rows
            if r["status"] == NoticeStatus.ENTWURF.value
        }
    finally:
        conn.close()
    return [replace(_to_summary(r), release_refusal=refusals.get(r["id"])) for r in rows]


def _release_refusal(conn: sqlite3.Connection, ws: Workspace, notice_id: str) -> str | None:
    try:
        actor = current_actor(ws)
    except WorkflowError as exc:
        return " ".join(exc.messages)
    row = _notice_row(conn, ws, notice_id)
    return rules.release_refusal(_notice(row), _case(conn, ws, row), actor)


def ready_to_send(ws: Workspace) -> list[NoticeSummary]:
    """Released notices of the municipality that have not been posted yet (the Postausgang)."""
    conn = ws.db.reader()
    try:
        rows = repo.summaries(conn, ws.municipality.id, statuses=(NoticeStatus.FREIGEGEBEN.value,))
    finally:
        conn.close()
    return [_to_summary(r) for r in rows]


def notice_details(ws: Workspace, notice_id: str) -> NoticeDetails:
    """What the clerk entered for this notice, to start a correction from (dated today)."""
    conn = ws.db.reader()
    try:
        row = _notice_row(conn, ws, notice_id)
    finally:
        conn.close()
    try:
        stored = json.loads(row["details"] or "{}")
    except ValueError:
        stored = {}
    details = NoticeDetails.from_dict(stored if isinstance(stored, dict) else {})
    return replace(details, letter_date=None)


def notice_pdf(ws: Workspace, notice_id: str) -> bytes:
    """The archived PDF, verified against its SHA-256; NoticeDamagedError if it is missing or
    was changed."""
    current_actor(ws)
    conn = ws.db.reader()
    try:
        row = _notice_row(conn, ws, notice_id)
    finally:
        conn.close()
    name = f"{LetterKind(row['kind']).label}, Version {row['version']}"
    try:
        return read_verified(ws.db.attachments_dir, row["sha256"])
    except OSError as exc:
        raise NoticeDamagedError(
            f"Die Datei des Schreibens »{name}« fehlt im Datenordner ({describe_os_error(exc)}). "
            "Bitte spielen Sie die letzte Sicherung zurück oder wenden Sie sich an Ihre IT-Betreuung."
        ) from exc
    except BlobMismatchError as exc:
        raise NoticeDamagedError(
            f"Die Datei des Schreibens »{name}« ist beschädigt oder wurde verändert (Prüfsumme stimmt "
            "nicht). Sie wird nicht angezeigt. Bitte spielen Sie die letzte Sicherung zurück."
        ) from exc


def find_case(ws: Workspace, aktenzeichen: str) -> str | None:
    """The id of the municipality's application with this Aktenzeichen, if any."""
    conn = ws.db.reader()
    try:
        return repo.application_id_by_aktenzeichen(conn, ws.municipality.id, aktenzeichen.strip())
    finally:
        conn.close()


# -- settings -------------------------------------------------------------------------------------
def bekanntgabe_tage(ws: Workspace) -> int:
    conn = ws.db.reader()
    try:
        return repo.bekanntgabe_tage(conn, ws.municipality.id)
    finally:
        conn.close()


def set_bekanntgabe_tage(ws: Workspace, days: int) -> None:
    """After how many days a posted letter counts as notified (3 or 4; Administration only)."""
    actor = _administrator(ws)
    if days not in rules.BEKANNTGABE_TAGE:
        raise ValidationError(["Die Bekanntgabe gilt nach 3 oder nach 4 Tagen (§ 41 Abs. 2 VwVfG)."])
    at = utc_now_iso()
    with ws.db.write() as conn:
        old = repo.bekanntgabe_tage(conn, ws.municipality.id)
        if old == days:
            return
        repo.set_bekanntgabe_tage(conn, ws.municipality.id, days, at)
        record_change(
            conn, Actor(actor.clerk_id, ws.municipality.id), at=at, mutation="set_bekanntgabe_tage",
            scope=municipality_scope(ws.municipality.id), args={"id": ws.municipality.id, "days": days},
            entity="municipality", entity_id=ws.municipality.id, action="einstellung",
            changes={"bekanntgabe_tage": [old, days]},
        )  # fmt: skip


def service_remedy(ws: Workspace, service_id: str) -> Remedy:
    conn = ws.db.reader()
    try:
        value = repo.service_remedy(conn, ws.municipality.id, service_id)
    finally:
        conn.close()
    if value is None:
        raise ValidationError(["Die gewählte Leistung gibt es in dieser Gemeinde nicht."])
    return Remedy(value)


def set_service_remedy(ws: Workspace, service_id: str, remedy: Remedy) -> None:
    """Widerspruch (default) or Klage against a service's notices (Administration only)."""
    actor = _administrator(ws)
    at = utc_now_iso()
    with ws.db.write() as conn:
        old = repo.service_remedy(conn, ws.municipality.id, service_id)
        if old is None:
            raise ValidationError(["Die gewählte Leistung gibt es in dieser Gemeinde nicht."])
        if old == remedy.value:
            return
        repo.set_service_remedy(conn, service_id, remedy.value, at)
        record_change(
            conn, Actor(actor.clerk_id, ws.municipality.id), at=at, mutation="set_service_remedy",
            scope=municipality_scope(ws.municipality.id), args={"id": service_id, "remedy": remedy.value},
            entity="service", entity_id=service_id, action="einstellung",
            changes={"remedy": [old, remedy.value]},
        )  # fmt: skip


# -- helpers --------------------------------------------------------------------------------------
def _prepare(
    ws: Workspace,
    application_id: str,
    kind: LetterKind,
    details: NoticeDetails,
    correcting: Notice | None = None,
    *,
    issuing: bool = False,
) -> Composition:
    actor = current_actor(ws)
    conn = ws.db.reader()
    try:
        data = load_letter_data(conn, ws, application_id, kind)
        _check_may_write(conn, ws, actor, application_id, kind, correcting, issuing=issuing)
    finally:
        conn.close()
    return compose(data, kind, details, dt.date.today())


def _check_may_write(
    conn: sqlite3.Connection,
    ws: Workspace,
    actor: workflow.Actor,
    application_id: str,
    kind: LetterKind,
    correcting: Notice | None = None,
    *,
    issuing: bool = False,
) -> None:
    """Refuse a letter that does not fit the case or a clerk who may not write it; when
    ``issuing``, also a second live decision or fee notice (that would be a correction)."""
    row = cases_repo.load_case(conn, application_id, ws.municipality.id)
    if row is None:
        raise NoticeError(NO_SUCH_CASE)
    case = _workflow_case(conn, row)
    refused = None
    if correcting is None or kind in rules.SINGLE_KINDS:
        refused = rules.kind_refusal(
            kind,
            case.status,
            case.decision,
            int(row["fee_cents"] or 0),
            row["service_id"] is not None,
            case.procedure,
        )
    if correcting is not None:
        refused = refused or rules.cancel_refusal(correcting, case, actor)
    else:
        refused = refused or rules.draft_refusal(case, actor)
        single = issuing and kind in rules.SINGLE_KINDS
        live = repo.live_notice(conn, application_id, kind.value) if single else None
        if live and not refused:
            refused = (
                f"Zu diesem Antrag gibt es schon einen {kind.label} (Version {live['version']}, "
                f"{NoticeStatus(live['status']).label}). Berichtigen oder stornieren Sie ihn, statt einen "
                "zweiten zu erstellen."
            )
    if refused:
        raise NoticeError(refused)


def _render(letter: Letter) -> bytes:
    from kommune_desk.documents.render import render_letter  # reportlab loads only when printing

    return render_letter(letter)


def _store(ws: Workspace, pdf: bytes) -> tuple[str, int]:
    """Put the PDF into the content store (before the transaction: at worst an unreferenced
    file remains, never a notice without its PDF)."""
    try:
        return store_bytes(ws.db.attachments_dir, pdf), len(pdf)
    except OSError as exc:
        raise StorageError(
            f"Das Schreiben konnte nicht im Datenordner gespeichert werden: {describe_os_error(exc)}. "
            "Es wurde nichts archiviert."
        ) from exc


def _insert(
    conn: sqlite3.Connection,
    ws: Workspace,
    actor: workflow.Actor,
    application_id: str,
    kind: LetterKind,
    composition: Composition,
    details: NoticeDetails,
    blob: tuple[str, int],
    at: str,
    replaces: str | None = None,
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": uuid7(),
        "municipality_id": ws.municipality.id,
        "application_id": application_id,
        "kind": kind.value,
        "version": repo.next_version(conn, application_id, kind.value),
        "status": NoticeStatus.ENTWURF.value,
        "sha256": blob[0],
        "size_bytes": blob[1],
        "template_versions": json.dumps(composition.template_versions, ensure_ascii=False),
        "details": details_json(details),
        "letter_date": composition.letter.info.date.isoformat(),
        "remedy": composition.remedy.value if composition.remedy else None,
        "fee_due_on": composition.fee_due_on.isoformat() if composition.fee_due_on else None,
        "created_at": at,
        "created_by": actor.clerk_id,
        "replaces_id": replaces,
        "updated_at": at,
    }
    repo.insert_notice(conn, row)
    return row


def _change(
    conn: sqlite3.Connection,
    ws: Workspace,
    actor: workflow.Actor,
    at: str,
    row: dict[str, Any],
    changes: dict[str, Any],
    *,
    mutation: str,
    action: str,
) -> None:
    repo.update_notice(conn, str(row["id"]), changes, at)
    audit = {
        k: v for k, v in changes.items() if k != "status" and not k.endswith("_by") and not k.endswith("_at")
    }
    _record(
        conn, ws, actor, at, row, mutation=mutation, action=action, args=changes,
        changes={"notice_status": [row["status"], changes["status"]], **audit},
    )  # fmt: skip


def _record(
    conn: sqlite3.Connection,
    ws: Workspace,
    actor: workflow.Actor,
    at: str,
    row: dict[str, Any],
    *,
    mutation: str,
    action: str,
    args: dict[str, Any],
    changes: dict[str, Any],
) -> None:
    """Outbox and audit for a notice; the audit entry belongs to the application's history."""
    record_change(
        conn,
        Actor(actor.clerk_id, ws.municipality.id),
        at=at,
        mutation=mutation,
        scope=municipality_scope(ws.municipality.id),
        args={"id": row["id"], **args},
        entity="application",
        entity_id=str(row["application_id"]),
        action=action,
        changes={
            "notice_id": row["id"],
            "notice": f"{LetterKind(row['kind']).label}, Version {row['version']}",
            **changes,
        },
    )


def _notice_row(conn: sqlite3.Connection, ws: Workspace, notice_id: str) -> dict[str, Any]:
    row = repo.get_notice(conn, notice_id, ws.municipality.id)
    if row is None:
        raise NoticeError(_NO_SUCH_NOTICE)
    return row


def _notice(row: dict[str, Any]) -> Notice:
    return Notice(LetterKind(row["kind"]), NoticeStatus(row["status"]), row["created_by"], row["replaces_id"])


def _case_row(conn: sqlite3.Connection, ws: Workspace, application_id: str) -> dict[str, Any]:
    row = cases_repo.load_case(conn, application_id, ws.municipality.id)
    if row is None:
        raise NoticeError(NO_SUCH_CASE)
    return row


def _case(conn: sqlite3.Connection, ws: Workspace, notice_row: dict[str, Any]) -> workflow.Case:
    return _workflow_case(conn, _case_row(conn, ws, str(notice_row["application_id"])))


def _workflow_case(conn: sqlite3.Connection, row: dict[str, Any]) -> workflow.Case:
    return workflow.Case(
        status=ApplicationStatus(row["status"]),
        assignee_id=row["assignee_id"],
        four_eyes=bool(row["four_eyes"]),
        decision=Decision(row["decision"]) if row["decision"] else None,
        drafted_by=row["drafted_by"],
        procedure=reference.service_procedure(conn, row["service_id"]),
    )


def _administrator(ws: Workspace) -> workflow.Actor:
    actor = current_actor(ws)
    if actor.role is not Role.ADMINISTRATION:
        raise ValidationError(["Diese Einstellung darf nur die Administration ändern."])
    return actor


def _summary(ws: Workspace, notice_id: str) -> NoticeSummary:
    conn = ws.db.reader()
    try:
        return _to_summary(repo.summaries(conn, ws.municipality.id, notice_id=notice_id)[0])
    finally:
        conn.close()


def _to_summary(row: dict[str, Any]) -> NoticeSummary:
    def day(value: str | None) -> dt.date | None:
        return dt.date.fromisoformat(value) if value else None

    return NoticeSummary(
        id=row["id"],
        application_id=row["application_id"],
        aktenzeichen=row["aktenzeichen"],
        applicant_name=row["applicant_name"],
        kind=LetterKind(row["kind"]),
        version=int(row["version"]),
        status=NoticeStatus(row["status"]),
        letter_date=dt.date.fromisoformat(row["letter_date"]),
        created_at=parse_timestamp(row["created_at"]),
        created_by_name=row["created_by_name"],
        released_by_name=row["released_by_name"],
        posted_on=day(row["posted_on"]),
        bekanntgabe_on=day(row["bekanntgabe_on"]),
        remedy_deadline=day(row["remedy_deadline"]),
        fee_due_on=day(row["fee_due_on"]),
        sha256=row["sha256"],
        replaces_id=row["replaces_id"],
        cancel_reason=row["cancel_reason"],
    )
