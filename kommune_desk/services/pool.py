"""The shared equipment pool: the register, reservations, cancellations and renewals.

Every write is in the pool scope and carries no personal data in its arguments: who borrows is
the lending town's own data (``borrowers``/``loan_borrowers``, its own scope). The local rules
(``domain.pool``) catch what this office already knows; the server decides overlaps in the end.
Loans in and out (handover, return, reminders) are in ``services/pool_loans.py``.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from contextlib import closing
from dataclasses import dataclass

from kommune_desk.documents.labels import parse_qr_payload
from kommune_desk.domain import pool, pool_rights
from kommune_desk.domain.formatting import format_date, utc_now_iso
from kommune_desk.domain.ids import uuid7
from kommune_desk.domain.pool import Booking, PoolError
from kommune_desk.domain.pool_policy import LoanPolicy, effective_policy, policy_problems
from kommune_desk.domain.pool_rights import PoolActor
from kommune_desk.domain.replication import POOL_SCOPE
from kommune_desk.domain.validation import ValidationError
from kommune_desk.domain.waitlist import hold, waiting_for
from kommune_desk.storage import loans as loan_repo
from kommune_desk.storage import pool as repo
from kommune_desk.storage import waitlist as wait_repo
from kommune_desk.storage.loans import Loan, LoanListing
from kommune_desk.storage.pool import (
    Device,
    DeviceListing,
    DeviceType,
    MaintenanceEntry,
    Town,
    TownPeriod,
    Transfer,
)

from . import borrowers as borrower_service
from .changes import Actor, record_change
from .workflow import current_actor
from .workspace import Workspace

# The UI reads listings through this module; it never imports storage.
__all__ = [
    "Device",
    "DeviceDetail",
    "DeviceListing",
    "DeviceType",
    "Loan",
    "LoanListing",
    "MaintenanceEntry",
    "Town",
    "TownPeriod",
    "Transfer",
    "add_maintenance",
    "book_device",
    "cancel_loan",
    "device_bookings",
    "device_detail",
    "find_device",
    "list_devices",
    "list_loans",
    "pool_actor",
    "register_device",
    "renew_loan",
    "set_device_status",
    "set_type_policy",
    "transfer_device",
    "update_device",
]

_PICK_ANOTHER = "Bitte wählen Sie einen anderen Zeitraum oder ein anderes Gerät."


def pool_actor(ws: Workspace) -> PoolActor:
    """The clerk at the keyboard as the pool's rules see them (refused if not mapped)."""
    actor = current_actor(ws)
    pool_manager = bool(ws.clerk and ws.clerk.pool_manager)
    return PoolActor(ws.municipality.id, str(actor.role), pool_manager)


def record_pool_change(
    conn: sqlite3.Connection, ws: Workspace, at: str, mutation: str, args: dict, **audit: object
) -> None:
    """Outbox and audit for a pool write; pool mutations name the clerk so the server can check
    the pool manager's role against the town's clerk records."""
    clerk_id = ws.clerk.id if ws.clerk else None
    record_change(
        conn,
        Actor(clerk_id, ws.municipality.id),
        at=at,
        mutation=mutation,
        scope=POOL_SCOPE,
        args={**args, "clerk_id": clerk_id},
        **audit,  # type: ignore[arg-type]
    )


# --- the register --------------------------------------------------------------------------


@dataclass(frozen=True)
class DeviceDetail:
    """A device with its policy, loans, maintenance log and moves."""

    device: Device
    policy: LoanPolicy
    loans: list[LoanListing]
    maintenance: list[MaintenanceEntry]
    transfers: list[Transfer]
    may_change: bool


def register_device(
    ws: Workspace,
    inventory_number: str,
    name: str,
    category: str,
    serial_number: str = "",
    **details: object,
) -> str:
    """Add a device of this town to the pool, available at once; return its id.

    ``details`` are further register fields (make, model, accessories, condition,
    replacement_value_cents, loan_days, max_renewals, deposit_cents, pickup_days, notes,
    location_municipality_id).
    """
    pool_actor(ws)
    number, name, category = (" ".join(v.split()) for v in (inventory_number, name, category))
    problems = pool.device_problems(number, name, category)
    if problems:
        raise ValidationError(problems)
    device_id = uuid7()
    at = utc_now_iso()
    with ws.db.write() as conn:
        insert_device_row(conn, ws, device_id, number, name, category, serial_number.strip(), details, at)
    return device_id


def insert_device_row(
    conn: sqlite3.Connection,
    ws: Workspace,
    device_id: str,
    number: str,
    name: str,
    category: str,
    serial_number: str,
    details: dict[str, object],
    at: str,
) -> None:
    """Insert within the caller's transaction (one device, or every row of an import)."""
    if repo.inventory_number_taken(conn, number):
        raise PoolError(f"Die Inventarnummer {number} ist schon vergeben. Bitte prüfen Sie die Nummer.")
    fields = {"home_municipality_id": ws.municipality.id, **details}
    repo.insert_device(
        conn,
        device_id,
        pool=pool.POOL_NAME,
        at=at,
        inventory_number=number,
        name=name,
        category=category,
        serial_number=serial_number,
        status="verfuegbar",
        **fields,
    )
    record_pool_change(
        conn,
        ws,
        at,
        "register_device",
        {"device_id": device_id, "inventory_number": number},
        entity="device",
        entity_id=device_id,
        action="geraet_angelegt",
    )


def _changeable_device(conn: sqlite3.Connection, ws: Workspace, device_id: str) -> Device:
    device = repo.load_device(conn, device_id)
    if device is None:
        raise PoolError("Dieses Gerät gibt es im Pool nicht (mehr).")
    if not pool_rights.may_change_device(pool_actor(ws), device.home_municipality_id):
        raise PoolError(pool_rights.DEVICE_REFUSAL)
    return device


_EDITABLE = frozenset(
    {
        "name",
        "category",
        "make",
        "model",
        "serial_number",
        "accessories",
        "condition",
        "replacement_value_cents",
        "loan_days",
        "max_renewals",
        "deposit_cents",
        "pickup_days",
        "notes",
    }
)


def update_device(ws: Workspace, device_id: str, **changes: object) -> None:
    """Change register fields of a device (its home town or the pool manager)."""
    unknown = set(changes) - _EDITABLE
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    problems = [
        f"Bitte geben Sie {label} an."
        for key, label in (("name", "die Bezeichnung"), ("category", "die Geräteart"))
        if key in changes and not str(changes[key]).strip()
    ]
    if problems:
        raise ValidationError(problems)
    at = utc_now_iso()
    with ws.db.write() as conn:
        device = _changeable_device(conn, ws, device_id)
        before = {k: getattr(device, k, None) for k in changes}
        repo.update_device(conn, device_id, at, **changes)
        record_pool_change(
            conn,
            ws,
            at,
            "update_device",
            {"device_id": device_id},
            entity="device",
            entity_id=device_id,
            action="geraet_geaendert",
            changes={k: [str(before.get(k)), str(v)] for k, v in changes.items()},
        )


def set_device_status(ws: Workspace, device_id: str, status: str, reason: str = "") -> None:
    """Put a device into Wartung, report it vermisst, retire it, or make it available again."""
    if status not in pool.DEVICE_STATUS_LABELS:
        raise ValueError(status)
    at = utc_now_iso()
    with ws.db.write() as conn:
        device = _changeable_device(conn, ws, device_id)
        if device.status == status:
            return
        repo.update_device(conn, device_id, at, status=status)
        record_pool_change(
            conn,
            ws,
            at,
            "set_device_status",
            {"device_id": device_id, "status": status},
            entity="device",
            entity_id=device_id,
            action="geraetestatus",
            changes={"status": [device.status, status], "grund": reason.strip()},
        )


def transfer_device(
    ws: Workspace, device_id: str, to_municipality_id: str, reason: str = "", today: dt.date | None = None
) -> None:
    """Move a device to another partner's Rathaus: its current location changes and is logged."""
    day = today or dt.date.today()
    at = utc_now_iso()
    with ws.db.write() as conn:
        device = repo.load_device(conn, device_id)
        if device is None:
            raise PoolError("Dieses Gerät gibt es im Pool nicht (mehr).")
        actor = pool_actor(ws)
        if not (
            pool_rights.may_change_device(actor, device.home_municipality_id)
            or device.location_municipality_id == ws.municipality.id
        ):
            raise PoolError(pool_rights.DEVICE_REFUSAL)
        if device.location_municipality_id == to_municipality_id:
            raise PoolError(f"Das Gerät ist bereits in {device.location_name}.")
        if loan_repo.running_loan(conn, device_id) is not None:
            raise PoolError("Das Gerät ist gerade verliehen; es kann erst nach der Rückgabe umziehen.")
        transfer_id = uuid7()
        repo.insert_transfer(
            conn,
            transfer_id,
            pool=pool.POOL_NAME,
            device_id=device_id,
            municipality_id=ws.municipality.id,
            from_id=device.location_municipality_id,
            to_id=to_municipality_id,
            moved_on=day,
            reason=reason.strip(),
            at=at,
        )
        repo.update_device(conn, device_id, at, location_municipality_id=to_municipality_id)
        record_pool_change(
            conn,
            ws,
            at,
            "transfer_device",
            {"device_id": device_id, "transfer_id": transfer_id},
            entity="device",
            entity_id=device_id,
            action="geraet_umgesetzt",
            changes={"standort": [device.location_municipality_id, to_municipality_id]},
        )


def add_maintenance(
    ws: Workspace,
    device_id: str,
    what: str,
    done_on: dt.date,
    cost_cents: int = 0,
    next_due: dt.date | None = None,
) -> str:
    """Log a maintenance (calibration, repair …) with its cost and the next due date."""
    what = " ".join(what.split())
    problems = []
    if not what:
        problems.append("Bitte beschreiben Sie, was gemacht wurde (z.\u00a0B. Kalibrierung).")
    if cost_cents < 0:
        problems.append("Die Kosten können nicht negativ sein.")
    if next_due is not None and next_due <= done_on:
        problems.append(f"Die nächste Fälligkeit muss nach dem {format_date(done_on)} liegen.")
    if problems:
        raise ValidationError(problems)
    entry_id = uuid7()
    at = utc_now_iso()
    with ws.db.write() as conn:
        _changeable_device(conn, ws, device_id)
        repo.insert_maintenance(
            conn,
            entry_id,
            pool=pool.POOL_NAME,
            device_id=device_id,
            municipality_id=ws.municipality.id,
            done_on=done_on,
            what=what,
            cost_cents=cost_cents,
            next_due=next_due,
            at=at,
        )
        record_pool_change(
            conn,
            ws,
            at,
            "add_maintenance",
            {"device_id": device_id, "maintenance_id": entry_id},
            entity="device",
            entity_id=device_id,
            action="wartung_erfasst",
        )
    return entry_id


def set_type_policy(ws: Workspace, category: str, policy: LoanPolicy) -> None:
    """The loan policy of a device type for the whole pool (pool manager only)."""
    problems = policy_problems(policy)
    if problems:
        raise ValidationError(problems)
    if not pool_rights.may_manage_types(pool_actor(ws)):
        raise PoolError(pool_rights.TYPES_REFUSAL)
    at = utc_now_iso()
    with ws.db.write() as conn:
        existing = repo.device_type(conn, category)
        if existing is not None:
            type_id = existing.id
            repo.update_device_type(conn, type_id, policy, at)
        else:
            type_id = uuid7()
            repo.insert_device_type(
                conn,
                type_id,
                pool=pool.POOL_NAME,
                municipality_id=ws.municipality.id,
                name=" ".join(category.split()),
                policy=policy,
                at=at,
            )
        record_pool_change(
            conn,
            ws,
            at,
            "set_type_policy",
            {"type_id": type_id},
            entity="device_type",
            entity_id=type_id,
            action="leihbedingungen",
            changes=vars(policy),
        )


def policy_of(conn: sqlite3.Connection, device: Device) -> LoanPolicy:
    known = repo.device_type(conn, device.category)
    return effective_policy(known.policy if known else None, device.overrides)


def list_devices(ws: Workspace, today: dt.date | None = None) -> list[DeviceListing]:
    """The pool's devices with their running loan and next reservation (from ``today`` on)."""
    with closing(ws.db.reader()) as conn:
        return repo.list_devices(conn, today or dt.date.today())


def find_device(ws: Workspace, scanned: str) -> Device | None:
    """The device a scan or typed text names: a tag's QR payload or an inventory number."""
    text = scanned.strip()
    number = parse_qr_payload(text) or text
    if not number:
        return None
    with closing(ws.db.reader()) as conn:
        return repo.find_device(conn, number)


def device_detail(ws: Workspace, device_id: str) -> DeviceDetail | None:
    with closing(ws.db.reader()) as conn:
        device = repo.load_device(conn, device_id)
        if device is None:
            return None
        return DeviceDetail(
            device,
            policy_of(conn, device),
            loan_repo.list_loans(conn, ws.municipality.id, device_id=device_id, limit=200),
            repo.maintenance_log(conn, device_id),
            repo.transfers(conn, device_id),
            pool_rights.may_change_device(pool_actor_or_guest(ws), device.home_municipality_id),
        )


def pool_actor_or_guest(ws: Workspace) -> PoolActor:
    """For reading: an unmapped login may look, so it is asked as a clerk without rights."""
    if ws.clerk is None:
        return PoolActor(ws.municipality.id, "")
    return PoolActor(ws.municipality.id, ws.clerk.role.value, ws.clerk.pool_manager)


def list_loans(
    ws: Workspace,
    *,
    statuses: tuple[str, ...] = (),
    municipality_id: str | None = None,
    device_id: str | None = None,
) -> list[LoanListing]:
    """Reservations and loans, newest first; only the own town's borrower names."""
    with closing(ws.db.reader()) as conn:
        return loan_repo.list_loans(
            conn, ws.municipality.id, statuses=statuses, municipality_id=municipality_id, device_id=device_id
        )


def towns(ws: Workspace) -> list[Town]:
    with closing(ws.db.reader()) as conn:
        return repo.pool_towns(conn)


def categories(ws: Workspace) -> list[str]:
    with closing(ws.db.reader()) as conn:
        return repo.categories(conn)


def device_types(ws: Workspace) -> list[DeviceType]:
    with closing(ws.db.reader()) as conn:
        return repo.list_device_types(conn)


def device_bookings(ws: Workspace, device_id: str) -> list[Booking]:
    """The reservations and running loans of a device, by start."""
    with closing(ws.db.reader()) as conn:
        return repo.device_bookings(conn, device_id)


# --- reservations ----------------------------------------------------------------------------


def blocking_for(
    conn: sqlite3.Connection, device_id: str, today: dt.date, except_entry: str | None = None
) -> list[Booking]:
    """What blocks the device: its reservations and loans and running waiting-list offers."""
    holds = [
        held
        for entry in wait_repo.open_entries(conn)
        if entry.id != except_entry
        and (held := hold(entry, today)) is not None
        and held.device_id == device_id
    ]
    return repo.device_bookings(conn, device_id) + holds


def book_device(
    ws: Workspace,
    device_id: str,
    start: dt.date,
    end: dt.date,
    borrower_name: str = "",
    contact: str = "",
    today: dt.date | None = None,
    *,
    borrower_id: str | None = None,
    override_note: str | None = None,
    from_waitlist: str | None = None,
) -> str:
    """Reserve a device for this town from ``start`` to ``end`` (inclusive); return the loan id.

    The borrower is named (found among the town's borrowers or added) or given by id. Refused
    in German, with nothing written, when the period is impossible, the borrower is blocked,
    the device is overdue elsewhere (unless the Teamleitung overrides with a note) or the days
    clash with a loan or a running offer this office knows of.
    """
    actor = pool_actor(ws)
    day = today or dt.date.today()
    problem = pool.period_problem(start, end, day)
    if problem:
        raise PoolError(problem)
    note = " ".join((override_note or "").split()) or None
    if override_note is not None and not note:
        raise ValidationError(["Bitte begründen Sie, warum trotz des überfälligen Geräts reserviert wird."])
    if note and not pool_rights.may_override_overdue(actor):
        raise PoolError(pool_rights.OVERRIDE_REFUSAL)
    candidate = Booking(uuid7(), device_id, start, end, "reserviert", ws.municipality.id)
    at = utc_now_iso()
    # The checks run inside the write transaction, so no local write can slip in between.
    with ws.db.write() as conn:
        device = repo.load_device(conn, device_id)
        if device is None:
            raise PoolError("Dieses Gerät gibt es im Pool nicht (mehr).")
        if device.status != "verfuegbar":
            label = pool.DEVICE_STATUS_LABELS.get(device.status, device.status)
            raise PoolError(
                f"Das Gerät {device.inventory_number} ist {label} und kann nicht reserviert werden."
            )
        too_long = pool.length_refusal(start, end, policy_of(conn, device).loan_days, device.category)
        if too_long:
            raise PoolError(too_long)
        borrower = borrower_service.resolve_for_booking(conn, ws, borrower_id, borrower_name, contact, at)
        others = blocking_for(conn, device_id, day, except_entry=from_waitlist)
        late = pool.overdue_refusal(candidate, others, day)
        if late and not note:
            raise PoolError(late)
        refusal = pool.booking_refusal(candidate, others)
        if refusal:
            raise PoolError(f"{refusal} {_PICK_ANOTHER}")
        loan_repo.insert_loan(
            conn, candidate, pool=pool.POOL_NAME, at=at, override_note=note if late else None
        )
        loan_repo.insert_party(
            conn,
            candidate.loan_id,
            ws.municipality.id,
            borrower_id=borrower.id,
            name=borrower.name,
            contact=borrower.contact,
            at=at,
        )
        borrower_service.keep_while_open(conn, borrower.id, at)
        if from_waitlist:
            wait_repo.update_entry(conn, from_waitlist, at, status="erledigt", loan_id=candidate.loan_id)
        record_pool_change(
            conn,
            ws,
            at,
            "accept_offer" if from_waitlist else "book_device",
            {
                "loan_id": candidate.loan_id,
                "device_id": device_id,
                "start_date": start.isoformat(),
                "end_date": end.isoformat(),
            },
            entity="loan",
            entity_id=candidate.loan_id,
            action="geraet_reserviert",
            changes={
                "start_date": start.isoformat(),
                "end_date": end.isoformat(),
                **({"ueberfaellig_trotzdem": note} if late and note else {}),
            },
        )
    return candidate.loan_id


def changeable_loan(
    conn: sqlite3.Connection,
    ws: Workspace,
    loan_id: str,
    missing: str = "Diese Ausleihe gibt es nicht (mehr).",
    refusal: str = pool_rights.LOAN_REFUSAL,
) -> tuple[Loan, Device]:
    """The loan and its device, if this clerk may change the loan (refused in German otherwise)."""
    loan = loan_repo.load_loan(conn, loan_id)
    if loan is None:
        raise PoolError(missing)
    device = repo.load_device(conn, loan.booking.device_id)
    if device is None:
        raise PoolError("Dieses Gerät gibt es im Pool nicht (mehr).")
    if not pool_rights.may_change_loan(
        pool_actor(ws), loan.booking.municipality_id, device.home_municipality_id
    ):
        raise PoolError(refusal)
    return loan, device


def cancel_loan(ws: Workspace, loan_id: str, today: dt.date | None = None) -> bool:
    """Cancel a reservation, which frees its days (and offers them to the waiting list);
    cancelling twice is a no-op. Returns whether it was cancelled now."""
    day = today or dt.date.today()
    at = utc_now_iso()
    with ws.db.write() as conn:
        loan, device = changeable_loan(
            conn, ws, loan_id, "Diese Reservierung gibt es nicht (mehr).",
            "Diese Reservierung hat eine andere Gemeinde angelegt; nur sie kann sie stornieren.",
        )  # fmt: skip
        refusal = pool.cancel_refusal(loan.booking, loan.booking.municipality_id)
        if refusal:
            raise PoolError(refusal)
        if loan.booking.status == "storniert":
            return False  # a no-op: nothing to store, push or audit
        loan_repo.set_loan_status(conn, loan_id, "storniert", at)
        party = loan_repo.load_party(conn, loan_id, ws.municipality.id)
        if party and party.borrower_id:
            borrower_service.start_keeping_period(conn, ws, party.borrower_id, day, at)
        record_pool_change(
            conn,
            ws,
            at,
            "cancel_loan",
            {"loan_id": loan_id},
            entity="loan",
            entity_id=loan_id,
            action="reservierung_storniert",
            changes={"status": [loan.booking.status, "storniert"]},
        )
        from .waitlist import offer_freed_device

        offer_freed_device(conn, ws, device, day, at)
    return True


def renew_loan(ws: Workspace, loan_id: str, new_end: dt.date, today: dt.date | None = None) -> None:
    """Extend a reservation or running loan to ``new_end``, as the policy and others allow."""
    day = today or dt.date.today()
    at = utc_now_iso()
    with ws.db.write() as conn:
        loan, device = changeable_loan(conn, ws, loan_id)
        extension_start = loan.booking.end + dt.timedelta(days=1)
        waiting = waiting_for(
            wait_repo.open_entries(conn, device.category), device.category, extension_start, new_end
        )
        policy = policy_of(conn, device)
        refusal = pool.renewal_refusal(
            loan.booking,
            new_end,
            loan.renewals,
            policy.max_renewals,
            blocking_for(conn, device.id, day),
            someone_waits=bool(waiting),
        ) or pool.length_refusal(extension_start, new_end, policy.loan_days, device.category)
        if refusal:
            raise PoolError(refusal)
        loan_repo.update_loan(conn, loan_id, at, end_date=new_end.isoformat(), renewals=loan.renewals + 1)
        record_pool_change(
            conn,
            ws,
            at,
            "renew_loan",
            {"loan_id": loan_id, "end_date": new_end.isoformat()},
            entity="loan",
            entity_id=loan_id,
            action="ausleihe_verlaengert",
            changes={"end_date": [loan.booking.end.isoformat(), new_end.isoformat()]},
        )
