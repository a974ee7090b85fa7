"""Move an application through its workflow: each step is one transaction with the row
change, its outbox mutation and its audit entry (old → new)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

from kommune_desk.domain import workflow
from kommune_desk.domain.deadlines import legal_deadline, remaining_days, resumed_deadline
from kommune_desk.domain.formatting import local_date, parse_timestamp, utc_now_iso
from kommune_desk.domain.payments import PaymentStatus, initial_payment_status, kassenzeichen
from kommune_desk.domain.records import COMPLETED, ApplicationStatus
from kommune_desk.domain.workflow import Case, Decision, Step, WorkflowError
from kommune_desk.storage import applications as repo
from kommune_desk.storage import reference
from kommune_desk.storage.outbox import municipality_scope

from .applications import find_service
from .changes import Actor, record_change
from .workspace import Workspace

Fields = dict[str, Any]


def take_step(
    ws: Workspace,
    application_id: str,
    step: Step,
    decision: Decision | None = None,
    today: dt.date | None = None,
    *,
    conn: sqlite3.Connection | None = None,
) -> None:
    """Take a workflow step; raises WorkflowError (German) when it is not allowed now.

    Waiting for documents stops the deadline clock; when they arrive it resumes with the days
    that were left. With ``conn`` the step joins the caller's open write transaction.
    """
    day = today or dt.date.today()
    if step is Step.LEISTUNG_ZUORDNEN:
        raise WorkflowError("Bitte wählen Sie die Leistung aus, die der Antrag betrifft.")

    def compute(case: Case, row: Fields) -> Fields:
        after = workflow.advance(case, step, current_actor(ws), decision)
        fields: Fields = {
            "status": after.status.value,
            "assignee_id": after.assignee_id,
            "decision": after.decision.value if after.decision else None,
            "drafted_by": after.drafted_by,
        }
        if step is Step.UNTERLAGEN_ANFORDERN and row["due_date"]:
            fields["paused_remaining_days"] = remaining_days(dt.date.fromisoformat(row["due_date"]), day)
        if step is Step.UNTERLAGEN_EINGEGANGEN and row["paused_remaining_days"] is not None:
            fields["due_date"] = resumed_deadline(row["paused_remaining_days"], day).isoformat()
            fields["paused_remaining_days"] = None
        if step in (Step.FREIGEBEN, Step.EMPFANG_BESCHEINIGEN):
            fields["decided_at"] = utc_now_iso()  # an Anzeige is settled when its receipt is certified
        if after.status in COMPLETED and not row["completed_at"]:
            fields["completed_at"] = utc_now_iso()  # the end of its processing time (Statistik)
        return fields

    change_case(
        ws,
        application_id,
        compute,
        mutation="take_step",
        action=step.value,
        extra={"step": step.value},
        conn=conn,
    )


def assign_service(ws: Workspace, application_id: str, service_id: str) -> None:
    """Settle a case in Klärung: give it its service, and with it the legal period (from receipt),
    the fee and a Kassenzeichen."""
    conn = ws.db.reader()
    try:
        service = find_service(conn, ws, service_id)
    finally:
        conn.close()
    if service is None:
        raise WorkflowError("Die gewählte Leistung gibt es in dieser Gemeinde nicht.")

    def compute(case: Case, row: Fields) -> Fields:
        after = workflow.advance(case, Step.LEISTUNG_ZUORDNEN, current_actor(ws))
        received = local_date(parse_timestamp(row["received_at"]))
        fee = service.fee_rule.fee_cents(1)
        fields: Fields = {
            "status": after.status.value,
            "service_id": service.id,
            "clarification_reason": "",
            "due_date": legal_deadline(received, service.processing_days).isoformat(),
            "fee_cents": fee,
        }
        if row["payment_status"] in (PaymentStatus.OFFEN, PaymentStatus.KEINE_GEBUEHR):
            fields["payment_status"] = initial_payment_status(fee).value
        if fee and not row["kassenzeichen"]:
            fields["kassenzeichen"] = kassenzeichen(row["aktenzeichen"])
        return fields

    change_case(ws, application_id, compute, mutation="assign_service", action="leistung_zugeordnet")


def claim_case(ws: Workspace, application_id: str) -> None:
    """Take an unassigned case."""
    _reassign(ws, application_id, workflow.claim, "uebernommen")


def assign_case(ws: Workspace, application_id: str, to_clerk_id: str) -> None:
    """Hand a case to a colleague."""
    _reassign(ws, application_id, lambda case, actor: workflow.assign(case, actor, to_clerk_id), "zugewiesen")


def release_case(ws: Workspace, application_id: str) -> None:
    """Give a case back to the team."""
    _reassign(ws, application_id, workflow.release, "abgegeben")


def _reassign(
    ws: Workspace, application_id: str, decide: Callable[[Case, workflow.Actor], Case], action: str
) -> None:
    change_case(
        ws,
        application_id,
        lambda case, _row: {"assignee_id": decide(case, current_actor(ws)).assignee_id},
        mutation="assign",
        action=action,
    )


def set_follow_up(ws: Workspace, application_id: str, on: dt.date | None, note: str = "") -> None:
    """Set (or with ``on=None`` clear) the Wiedervorlage of a case."""
    current_actor(ws)
    change_case(
        ws,
        application_id,
        lambda _case, _row: {"follow_up_on": on.isoformat() if on else None, "follow_up_note": note.strip()},
        mutation="set_follow_up",
        action="wiedervorlage",
    )


def current_actor(ws: Workspace) -> workflow.Actor:
    """The clerk at the keyboard; a login nobody has mapped may not change anything."""
    if ws.clerk is None:
        raise WorkflowError(
            f"Ihre Anmeldung »{ws.os_login}« ist keiner Person zugeordnet; "
            "bitte wenden Sie sich an die Administration."
        )
    return workflow.Actor(ws.clerk.id, ws.clerk.role)


def change_case(
    ws: Workspace,
    application_id: str,
    compute: Callable[[Case, Fields], Fields],
    *,
    mutation: str,
    action: str,
    extra: Fields | None = None,
    conn: sqlite3.Connection | None = None,
) -> None:
    """Apply ``compute(case, row)``'s field values in one transaction with outbox and audit
    (old → new); a computation that changes nothing writes nothing. With ``conn`` it joins the
    caller's open write transaction (sending a notice moves the case in the same one)."""
    at = utc_now_iso()
    municipality_id = ws.municipality.id
    with ws.db.write() if conn is None else nullcontext(conn) as conn:
        row = repo.load_case(conn, application_id, municipality_id)
        if row is None:
            raise WorkflowError("Diesen Antrag gibt es in Ihrer Gemeinde nicht (mehr).")
        case = Case(
            status=ApplicationStatus(row["status"]),
            assignee_id=row["assignee_id"],
            four_eyes=row["four_eyes"],
            decision=Decision(row["decision"]) if row["decision"] else None,
            drafted_by=row["drafted_by"],
            procedure=reference.service_procedure(conn, row["service_id"]),
        )
        wanted = compute(case, row)
        changed = {k: v for k, v in wanted.items() if row.get(k) != v}
        if not changed:
            return  # a no-op: nothing to store, push or audit
        repo.update_case(conn, application_id, changed, at)
        record_change(
            conn,
            Actor(ws.clerk.id if ws.clerk else None, municipality_id),
            at=at,
            mutation=mutation,
            scope=municipality_scope(municipality_id),
            args={"id": application_id, **(extra or {}), **changed},
            entity="application",
            entity_id=application_id,
            action=action,
            changes={k: [row.get(k), v] for k, v in changed.items()},
        )
