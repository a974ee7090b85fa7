"""The shared equipment pool: register a device, reserve it, cancel a reservation, list them.

Every write is in the pool scope and carries no personal data in its arguments: the borrower's
name goes to ``loan_borrowers``, which replicates only within the borrowing town's own scope.
The local overlap check catches what this office already knows; the server decides in the end.
"""

from __future__ import annotations

import datetime as dt

from kommune_desk.domain import pool
from kommune_desk.domain.formatting import utc_now_iso
from kommune_desk.domain.ids import uuid7
from kommune_desk.domain.pool import Booking, PoolError
from kommune_desk.domain.replication import POOL_SCOPE
from kommune_desk.domain.validation import ValidationError
from kommune_desk.storage import pool as repo
from kommune_desk.storage.pool import DeviceListing, TownPeriod

from .changes import Actor, record_change
from .workflow import current_actor
from .workspace import Workspace

# The UI reads listings through this module; it never imports storage.
__all__ = [
    "DeviceListing",
    "TownPeriod",
    "book_device",
    "cancel_loan",
    "device_bookings",
    "list_devices",
    "register_device",
]

_PICK_ANOTHER = "Bitte wählen Sie einen anderen Zeitraum oder ein anderes Gerät."


def register_device(
    ws: Workspace, inventory_number: str, name: str, category: str, serial_number: str = ""
) -> str:
    """Add a device of this town to the pool, available at once; return its id."""
    actor = current_actor(ws)
    number, name, category = (" ".join(v.split()) for v in (inventory_number, name, category))
    problems = pool.device_problems(number, name, category)
    if problems:
        raise ValidationError(problems)
    device_id = uuid7()
    at = utc_now_iso()
    with ws.db.write() as conn:
        if repo.inventory_number_taken(conn, number):
            raise PoolError(f"Die Inventarnummer {number} ist schon vergeben. Bitte prüfen Sie die Nummer.")
        repo.insert_device(
            conn,
            device_id,
            pool=pool.POOL_NAME,
            home_municipality_id=ws.municipality.id,
            inventory_number=number,
            name=name,
            category=category,
            serial_number=serial_number.strip(),
            status="verfuegbar",
            at=at,
        )
        record_change(
            conn,
            Actor(actor.clerk_id, ws.municipality.id),
            at=at,
            mutation="register_device",
            scope=POOL_SCOPE,
            args={"device_id": device_id, "inventory_number": number},
            entity="device",
            entity_id=device_id,
            action="geraet_angelegt",
        )
    return device_id


def book_device(
    ws: Workspace,
    device_id: str,
    start: dt.date,
    end: dt.date,
    borrower_name: str,
    contact: str = "",
    today: dt.date | None = None,
) -> str:
    """Reserve a device for this town from ``start`` to ``end`` (inclusive); return the loan id.

    Refused in German, with nothing written, when the period is impossible or clashes with a
    loan this office knows of.
    """
    actor = current_actor(ws)
    borrower = " ".join(borrower_name.split())
    if not borrower:
        raise ValidationError(["Bitte geben Sie an, wer das Gerät ausleiht."])
    problem = pool.period_problem(start, end, today or dt.date.today())
    if problem:
        raise PoolError(problem)
    candidate = Booking(uuid7(), device_id, start, end, "reserviert", ws.municipality.id)
    at = utc_now_iso()
    # The check runs inside the write transaction, so no local write can slip in between.
    with ws.db.write() as conn:
        device = repo.load_device(conn, device_id)
        if device is None:
            raise PoolError("Dieses Gerät gibt es im Pool nicht (mehr).")
        if device.status != "verfuegbar":
            label = pool.DEVICE_STATUS_LABELS.get(device.status, device.status)
            raise PoolError(
                f"Das Gerät {device.inventory_number} ist {label} und kann nicht reserviert werden."
            )
        refusal = pool.booking_refusal(candidate, repo.device_bookings(conn, device_id))
        if refusal:
            raise PoolError(f"{refusal} {_PICK_ANOTHER}")
        repo.insert_loan(
            conn, candidate, pool=pool.POOL_NAME, borrower_name=borrower, contact=contact.strip(), at=at
        )
        record_change(
            conn,
            Actor(actor.clerk_id, ws.municipality.id),
            at=at,
            mutation="book_device",
            scope=POOL_SCOPE,
            args={
                "loan_id": candidate.loan_id,
                "device_id": device_id,
                "start_date": start.isoformat(),
                "end_date": end.isoformat(),
            },
            entity="loan",
            entity_id=candidate.loan_id,
            action="geraet_reserviert",
            changes={"start_date": start.isoformat(), "end_date": end.isoformat()},
        )
    return candidate.loan_id


def cancel_loan(ws: Workspace, loan_id: str, today: dt.date | None = None) -> None:
    """Cancel one of this town's reservations, which frees its days; cancelling twice is a no-op.

    ``today`` is accepted for symmetry with ``book_device``: cancelling does not depend on the
    date (a reservation nobody collected may still be cancelled after its end).
    """
    actor = current_actor(ws)
    at = utc_now_iso()
    with ws.db.write() as conn:
        loan = repo.load_loan(conn, loan_id)
        if loan is None:
            raise PoolError("Diese Reservierung gibt es nicht (mehr).")
        refusal = pool.cancel_refusal(loan, ws.municipality.id)
        if refusal:
            raise PoolError(refusal)
        if loan.status == "storniert":
            return  # a no-op: nothing to store, push or audit
        repo.set_loan_status(conn, loan_id, "storniert", at)
        record_change(
            conn,
            Actor(actor.clerk_id, ws.municipality.id),
            at=at,
            mutation="cancel_loan",
            scope=POOL_SCOPE,
            args={"loan_id": loan_id},
            entity="loan",
            entity_id=loan_id,
            action="reservierung_storniert",
            changes={"status": [loan.status, "storniert"]},
        )


def list_devices(ws: Workspace, today: dt.date | None = None) -> list[DeviceListing]:
    """The pool's devices with their next reservation (from ``today`` on)."""
    conn = ws.db.reader()
    try:
        return repo.list_devices(conn, today or dt.date.today())
    finally:
        conn.close()


def device_bookings(ws: Workspace, device_id: str) -> list[Booking]:
    """The reservations and running loans of a device, by start."""
    conn = ws.db.reader()
    try:
        return repo.device_bookings(conn, device_id)
    finally:
        conn.close()
