"""A loan in and out: handover with checklist and deposit, return, overdue loans, reminders.

The pool row (``loans``) gets dates, checklists, condition and damage; the lending town's own
record (``loan_borrowers``) gets the ID check, the briefing and the deposit. A return with
missing parts or damage sends the device to Wartung with a maintenance entry; any return
offers the device to the waiting list.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from kommune_desk.domain import pool
from kommune_desk.domain.formatting import format_amount, format_date, utc_now_iso
from kommune_desk.domain.ids import uuid7
from kommune_desk.domain.pool import (
    BASE_CHECKS,
    Booking,
    CheckedItem,
    PoolError,
    checklist_json,
    settle_return_checklist,
)
from kommune_desk.domain.replication import municipality_scope
from kommune_desk.domain.validation import ValidationError
from kommune_desk.storage import loans as repo
from kommune_desk.storage import pool as device_repo
from kommune_desk.storage.loans import LoanListing

from . import borrowers as borrower_service
from .changes import Actor, record_change
from .pool import blocking_for, changeable_loan, policy_of, pool_actor, record_pool_change
from .workspace import Workspace

__all__ = [
    "DEPOSIT_METHODS",
    "Handover",
    "Return",
    "ReturnOutcome",
    "handover_device",
    "overdue_loans",
    "record_reminder",
    "return_device",
]

DEPOSIT_METHODS = ("bar", "EC-Karte", "Überweisung")


@dataclass(frozen=True)
class Handover:
    """What the clerk checked and received at the counter."""

    checklist: Sequence[CheckedItem]
    condition: str
    id_seen: bool
    briefing_given: bool
    deposit_cents: int = 0
    deposit_method: str | None = None
    due: dt.date | None = None  # the last day; None keeps the reserved end


@dataclass(frozen=True)
class Return:
    """What came back, and what happens to the deposit."""

    checklist: Sequence[CheckedItem]
    condition: str
    damage: str = ""
    deposit_returned_cents: int | None = None  # None: all of it
    deposit_note: str = ""


@dataclass(frozen=True)
class ReturnOutcome:
    to_maintenance: bool
    late_days: int
    deposit_retained_cents: int
    offered: bool  # the device was offered to the next on the waiting list


def handover_problems(h: Handover, required_deposit: int) -> list[str]:
    problems = []
    if not h.id_seen:
        problems.append("Bitte lassen Sie sich einen Ausweis zeigen und haken Sie »Ausweis gesehen« an.")
    if not h.briefing_given:
        problems.append("Bitte weisen Sie in das Gerät ein und haken Sie »Einweisung gegeben« an.")
    if h.deposit_cents < 0:
        problems.append("Die Kaution kann nicht negativ sein.")
    if h.deposit_cents < required_deposit:
        problems.append(
            f"Für dieses Gerät ist eine Kaution von {format_amount(required_deposit)} vorgesehen."
        )
    if h.deposit_cents and h.deposit_method not in DEPOSIT_METHODS:
        problems.append("Bitte geben Sie an, wie die Kaution gezahlt wurde (bar, EC-Karte, Überweisung).")
    return problems


def handover_device(ws: Workspace, loan_id: str, handover: Handover, today: dt.date | None = None) -> None:
    """Hand a reserved device to its borrower: status ausgegeben, checklist, deposit, due date."""
    day = today or dt.date.today()
    at = utc_now_iso()
    with ws.db.write() as conn:
        loan, device = changeable_loan(conn, ws, loan_id, "Diese Reservierung gibt es nicht (mehr).")
        party = repo.load_party(conn, loan_id, ws.municipality.id)
        if party is None:
            raise PoolError("Ausgeben kann nur die Kommune, bei der die Person die Reservierung gemacht hat.")
        _check_can_hand_over(conn, loan.booking, device.status, day)
        problems = handover_problems(handover, policy_of(conn, device).deposit_cents)
        due = handover.due or loan.booking.end
        if due < day:
            problems.append(f"Das Rückgabedatum muss heute oder später sein, nicht der {format_date(due)}.")
        if problems:
            raise ValidationError(problems)
        if due != loan.booking.end:
            longer = Booking(loan_id, device.id, day, due, "reserviert", loan.booking.municipality_id)
            clash = pool.booking_refusal(longer, blocking_for(conn, device.id, day))
            if clash:
                raise PoolError(f"{clash} Bitte wählen Sie ein früheres Rückgabedatum.")
        repo.update_loan(
            conn,
            loan_id,
            at,
            status="ausgegeben",
            handed_over_at=at,
            handed_over_by=ws.municipality.id,
            checklist_out=checklist_json(handover.checklist),
            condition_out=handover.condition.strip(),
            end_date=due.isoformat(),
        )
        repo.update_party(
            conn,
            loan_id,
            at,
            id_seen=int(handover.id_seen),
            briefing_given=int(handover.briefing_given),
            deposit_cents=handover.deposit_cents,
            deposit_method=handover.deposit_method if handover.deposit_cents else None,
        )
        if device.location_municipality_id != ws.municipality.id:
            device_repo.update_device(conn, device.id, at, location_municipality_id=ws.municipality.id)
        record_pool_change(
            conn,
            ws,
            at,
            "handover_device",
            {"loan_id": loan_id, "end_date": due.isoformat()},
            entity="loan",
            entity_id=loan_id,
            action="geraet_ausgegeben",
            changes={"status": ["reserviert", "ausgegeben"], "kaution": handover.deposit_cents},
        )


def _check_can_hand_over(
    conn: sqlite3.Connection, booking: Booking, device_status: str, day: dt.date
) -> None:
    if booking.status == "ausgegeben":
        raise PoolError("Das Gerät ist für diese Ausleihe bereits ausgegeben.")
    if booking.status != "reserviert":
        label = pool.LOAN_STATUS_LABELS.get(booking.status, booking.status)
        raise PoolError(f"Diese Ausleihe ist {label}; ausgegeben werden kann nur eine Reservierung.")
    if booking.start > day:
        raise PoolError(f"Die Reservierung beginnt erst am {format_date(booking.start)}.")
    if booking.end < day:
        raise PoolError(
            f"Die Reservierung endete am {format_date(booking.end)}. "
            "Bitte stornieren Sie sie und reservieren Sie neu."
        )
    if device_status != "verfuegbar":
        label = pool.DEVICE_STATUS_LABELS.get(device_status, device_status)
        raise PoolError(f"Das Gerät ist {label} und kann nicht ausgegeben werden.")
    running = repo.running_loan(conn, booking.device_id)
    if running is not None:
        raise PoolError(
            f"Das Gerät ist noch an {running.town} ausgegeben (bis {format_date(running.booking.end)}). "
            "Bitte erfassen Sie zuerst dessen Rückgabe."
        )


def return_problems(r: Return, deposit_cents: int) -> list[str]:
    problems = []
    returned = deposit_cents if r.deposit_returned_cents is None else r.deposit_returned_cents
    if not 0 <= returned <= deposit_cents:
        problems.append(f"Zurückgezahlt werden kann zwischen 0,00 € und {format_amount(deposit_cents)}.")
    elif returned < deposit_cents and not r.deposit_note.strip():
        problems.append("Bitte begründen Sie, warum ein Teil der Kaution einbehalten wird.")
    return problems


def return_device(ws: Workspace, loan_id: str, ret: Return, today: dt.date | None = None) -> ReturnOutcome:
    """Take a device back: checklist, condition, damage, deposit; to Wartung if anything is wrong."""
    day = today or dt.date.today()
    at = utc_now_iso()
    with ws.db.write() as conn:
        no_loan = "Für dieses Gerät ist keine laufende Ausleihe erfasst."
        loan, device = changeable_loan(conn, ws, loan_id, no_loan)
        if loan.booking.status != "ausgegeben":
            raise PoolError(no_loan)
        party = repo.load_party(conn, loan_id, ws.municipality.id)
        deposit = party.deposit_cents if party else 0
        problems = return_problems(ret, deposit)
        if problems:
            raise ValidationError(problems)
        damage = " ".join(ret.damage.split())
        # What the clerk found: parts missing, base checks failed (before settling the list).
        defects = [
            f"fehlt: {item.item}" if item.item not in BASE_CHECKS else f"nicht in Ordnung: {item.item}"
            for item in ret.checklist
            if not item.ok
        ] + ([f"Schaden: {damage}"] if damage else [])
        checklist = settle_return_checklist(ret.checklist, damage)
        repo.update_loan(
            conn,
            loan_id,
            at,
            status="zurueckgegeben",
            returned_at=at,
            returned_to=ws.municipality.id,
            checklist_in=checklist_json(checklist),
            condition_in=ret.condition.strip(),
            damage=damage or None,
        )
        returned = deposit if ret.deposit_returned_cents is None else ret.deposit_returned_cents
        if party is not None:
            repo.update_party(
                conn,
                loan_id,
                at,
                deposit_returned_cents=returned,
                deposit_note=" ".join(ret.deposit_note.split()) or None,
            )
            if party.borrower_id:
                borrower_service.start_keeping_period(conn, ws, party.borrower_id, day, at)
        changes: dict[str, object] = {"location_municipality_id": ws.municipality.id}
        if defects:
            changes["status"] = "wartung"
            changes["condition"] = ret.condition.strip() or device.condition
        device_repo.update_device(conn, device.id, at, **changes)
        if defects:
            what = "; ".join(defects)
            device_repo.insert_maintenance(
                conn,
                uuid7(),
                pool=pool.POOL_NAME,
                device_id=device.id,
                municipality_id=ws.municipality.id,
                done_on=day,
                what=f"Rückgabe mit Mängeln – {what}",
                cost_cents=0,
                next_due=None,
                at=at,
            )
        record_pool_change(
            conn,
            ws,
            at,
            "return_device",
            {"loan_id": loan_id, "device_id": device.id},
            entity="loan",
            entity_id=loan_id,
            action="geraet_zurueckgenommen",
            changes={"status": ["ausgegeben", "zurueckgegeben"], "maengel": len(defects)},
        )
        offered = False
        if not defects:
            from .waitlist import offer_freed_device

            fresh = device_repo.load_device(conn, device.id)
            offered = fresh is not None and offer_freed_device(conn, ws, fresh, day, at)
    return ReturnOutcome(bool(defects), max(0, (day - loan.booking.end).days), deposit - returned, offered)


def overdue_loans(ws: Workspace, today: dt.date | None = None) -> list[LoanListing]:
    """Loans handed over and not back after their last day, longest overdue first."""
    conn = ws.db.reader()
    try:
        rows = repo.list_loans(conn, ws.municipality.id, overdue_on=today or dt.date.today())
    finally:
        conn.close()
    return sorted(rows, key=lambda r: (r.end, r.inventory_number))


def record_reminder(
    ws: Workspace, loan_id: str, level: int, channel: str, today: dt.date | None = None
) -> str:
    """Log a reminder sent for an overdue loan of this town (letter or e-mail)."""
    pool_actor(ws)
    day = today or dt.date.today()
    if level not in (1, 2) or channel not in ("brief", "email"):
        raise ValueError((level, channel))
    at = utc_now_iso()
    reminder_id = uuid7()
    with ws.db.write() as conn:
        loan = repo.load_loan(conn, loan_id)
        if loan is None or not pool.is_overdue(loan.booking, day):
            raise PoolError("Diese Ausleihe ist nicht überfällig; eine Mahnung ist nicht nötig.")
        if loan.booking.municipality_id != ws.municipality.id:
            raise PoolError("Mahnen kann nur die Kommune, die das Gerät verliehen hat.")
        sent = max((r[0] for r in repo.reminders_of(conn, loan_id)), default=0)
        expected = next_reminder_level(sent)
        if level != expected:
            raise PoolError(_reminder_order(sent, expected))
        repo.insert_reminder(
            conn,
            reminder_id,
            municipality_id=ws.municipality.id,
            loan_id=loan_id,
            level=level,
            channel=channel,
            sent_on=day,
            at=at,
        )
        record_change(
            conn,
            Actor(ws.clerk.id if ws.clerk else None, ws.municipality.id),
            at=at,
            mutation="record_reminder",
            scope=municipality_scope(ws.municipality.id),
            args={"reminder_id": reminder_id, "loan_id": loan_id},
            entity="loan",
            entity_id=loan_id,
            action="mahnung_versandt",
            changes={"stufe": level, "weg": channel},
        )
    return reminder_id


def _reminder_order(sent: int, expected: int | None) -> str:
    if expected is None:
        return (
            "Beide Mahnstufen sind bereits vermerkt. Kommt das Gerät nicht zurück, melden Sie es bitte "
            "als vermisst (Status ändern) und klären das Weitere mit der Teamleitung."
        )
    if sent:
        return f"Die {sent}. Mahnung ist bereits vermerkt; als Nächstes folgt die {expected}. Mahnung."
    return "Zuerst wird an die Rückgabe erinnert (Stufe 1); die letzte Aufforderung (Stufe 2) folgt danach."


def next_reminder_level(reminders_sent: int) -> int | None:
    """1 for the first reminder, 2 for the last one; None after both."""
    return reminders_sent + 1 if reminders_sent < 2 else None
