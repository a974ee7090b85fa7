"""The waiting list across offices: add, offer, take up, pass on, expire.

An entry is pool scope (the waiting town, type and period); who waits stays in the town's own
scope. Any office that frees a device (a return, a cancellation) offers it to the first entry
in line in the same transaction; ``process_offers`` (at start, daily, after a sync, on demand)
expires offers nobody took up and passes their device on. The waiting town sees the offer after
its next sync and books it with ``accept_offer``; the server still arbitrates that booking.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass

from kommune_desk.domain import pool
from kommune_desk.domain import waitlist as rules
from kommune_desk.domain.formatting import utc_now_iso
from kommune_desk.domain.ids import uuid7
from kommune_desk.domain.pool import Booking, PoolError
from kommune_desk.domain.waitlist import WaitEntry
from kommune_desk.storage import pool as device_repo
from kommune_desk.storage import waitlist as repo
from kommune_desk.storage.pool import Device
from kommune_desk.storage.waitlist import WaitListing

from . import borrowers as borrower_service
from .pool import blocking_for, book_device, policy_of, pool_actor, record_pool_change
from .workspace import Workspace

__all__ = [
    "OfferRound",
    "WaitListing",
    "accept_offer",
    "add_to_waitlist",
    "cancel_waiting",
    "decline_offer",
    "process_offers",
    "waitlist",
]


def add_to_waitlist(
    ws: Workspace,
    category: str,
    start: dt.date,
    end: dt.date,
    borrower_name: str = "",
    contact: str = "",
    *,
    borrower_id: str | None = None,
    today: dt.date | None = None,
) -> str:
    """Put a borrower of this town on the waiting list for a type and period; return the entry id.

    If a device of the type is free for those days already, it is offered at once.
    """
    pool_actor(ws)
    day = today or dt.date.today()
    category = " ".join(category.split())
    if not category:
        raise PoolError("Bitte wählen Sie die Geräteart, auf die gewartet wird.")
    problem = rules.period_problem(start, end, day)
    if problem:
        raise PoolError(problem)
    at = utc_now_iso()
    entry = WaitEntry(uuid7(), ws.municipality.id, category, start, end, rules.WAITING, at)
    with ws.db.write() as conn:
        if category not in device_repo.categories(conn):
            raise PoolError(f"Die Geräteart »{category}« gibt es im Pool nicht.")
        borrower = borrower_service.resolve_for_booking(conn, ws, borrower_id, borrower_name, contact, at)
        repo.insert_entry(conn, entry, pool=pool.POOL_NAME, at=at)
        repo.insert_waiting_person(
            conn, entry.id, ws.municipality.id, borrower.id, borrower.name, borrower.contact, at
        )
        borrower_service.keep_while_open(conn, borrower.id, at)
        record_pool_change(
            conn,
            ws,
            at,
            "add_to_waitlist",
            {
                "entry_id": entry.id,
                "category": category,
                "start_date": start.isoformat(),
                "end_date": end.isoformat(),
            },
            entity="waitlist",
            entity_id=entry.id,
            action="warteliste_eingetragen",
        )
        _offer_free_devices(conn, ws, category, day, at)
    return entry.id


def cancel_waiting(ws: Workspace, entry_id: str, today: dt.date | None = None) -> None:
    """Take an entry of this town off the list; an offered device moves on to the next."""
    pool_actor(ws)
    day = today or dt.date.today()
    at = utc_now_iso()
    with ws.db.write() as conn:
        entry = _own_entry(conn, ws, entry_id)
        if entry.status not in rules.OPEN_STATUSES:
            return
        repo.update_entry(conn, entry_id, at, status=rules.CANCELLED)
        record_pool_change(
            conn,
            ws,
            at,
            "cancel_waiting",
            {"entry_id": entry_id},
            entity="waitlist",
            entity_id=entry_id,
            action="warteliste_storniert",
        )
        _close_person(conn, ws, entry_id, day, at)
        _pass_on(conn, ws, entry, day, at)


def decline_offer(ws: Workspace, entry_id: str, today: dt.date | None = None) -> None:
    """The borrower does not want the offered device: they keep waiting, the device moves on."""
    pool_actor(ws)
    day = today or dt.date.today()
    at = utc_now_iso()
    with ws.db.write() as conn:
        entry = _own_entry(conn, ws, entry_id)
        if entry.status != rules.OFFERED or not entry.offered_device_id:
            raise PoolError("Für diesen Eintrag liegt kein Angebot vor.")
        repo.update_entry(
            conn,
            entry_id,
            at,
            status=rules.WAITING,
            offered_device_id=None,
            offered_on=None,
            offer_until=None,
            passed_over=[*entry.passed_over, entry.offered_device_id],
        )
        record_pool_change(
            conn,
            ws,
            at,
            "decline_offer",
            {"entry_id": entry_id},
            entity="waitlist",
            entity_id=entry_id,
            action="angebot_abgelehnt",
        )
        _pass_on(conn, ws, entry, day, at)


def accept_offer(ws: Workspace, entry_id: str, today: dt.date | None = None) -> str:
    """Book the offered device for the waiting borrower; return the loan id."""
    day = today or dt.date.today()
    conn = ws.db.reader()
    try:
        entry = _own_entry(conn, ws, entry_id)
        person = conn.execute(
            "SELECT borrower_id FROM waitlist_borrowers WHERE id = ? AND municipality_id = ?",
            (entry_id, ws.municipality.id),
        ).fetchone()
    finally:
        conn.close()
    if entry.status != rules.OFFERED or not entry.offered_device_id:
        raise PoolError("Für diesen Eintrag liegt kein Angebot vor.")
    if rules.offer_expired(entry, day):
        raise PoolError("Die Abholfrist dieses Angebots ist abgelaufen; das Gerät wurde weitergegeben.")
    period = rules.wanted_period(entry, day)
    if period is None:
        raise PoolError("Der gewünschte Zeitraum ist vorbei.")
    return book_device(
        ws,
        entry.offered_device_id,
        period[0],
        period[1],
        today=day,
        borrower_id=person[0] if person else None,
        from_waitlist=entry_id,
    )


def waitlist(ws: Workspace, include_closed: bool = False) -> list[WaitListing]:
    """The waiting list, first come first; names only of the own town's entries."""
    conn = ws.db.reader()
    try:
        return repo.listing(conn, ws.municipality.id, include_closed=include_closed)
    finally:
        conn.close()


@dataclass(frozen=True)
class OfferRound:
    expired: int
    offered: int

    def message(self) -> str:
        if not (self.expired or self.offered):
            return "Warteliste geprüft: nichts zu tun."
        offers = "1 Angebot" if self.offered == 1 else f"{self.offered} Angebote"
        expired = "1 Eintrag" if self.expired == 1 else f"{self.expired} Einträge"
        return f"Warteliste geprüft: {offers} gemacht, {expired} abgelaufen."


def process_offers(ws: Workspace, today: dt.date | None = None) -> OfferRound:
    """Expire what ran out and offer every free device to the first in line; writes only if
    something changes (a no-op run adds nothing to the outbox)."""
    day = today or dt.date.today()
    at = utc_now_iso()
    expired = offered = 0
    with ws.db.write() as conn:
        for entry in repo.open_entries(conn):
            if rules.period_over(entry, day) or rules.offer_expired(entry, day):
                passed = [*entry.passed_over, entry.offered_device_id] if entry.offered_device_id else None
                repo.update_entry(
                    conn,
                    entry.id,
                    at,
                    status=rules.EXPIRED,
                    **({"passed_over": passed} if passed else {}),
                )
                record_pool_change(
                    conn,
                    ws,
                    at,
                    "expire_waiting",
                    {"entry_id": entry.id},
                    entity="waitlist",
                    entity_id=entry.id,
                    action="warteliste_abgelaufen",
                )
                if entry.municipality_id == ws.municipality.id:
                    _close_person(conn, ws, entry.id, day, at)
                expired += 1
        for category in sorted({e.category for e in repo.open_entries(conn)}):
            offered += _offer_free_devices(conn, ws, category, day, at)
    return OfferRound(expired, offered)


# --- inside a caller's transaction -----------------------------------------------------------


def offer_freed_device(
    conn: sqlite3.Connection, ws: Workspace, device: Device, today: dt.date, at: str
) -> bool:
    """Offer a device that just became free to the first waiting entry it can serve."""
    if device.status != "verfuegbar":
        return False
    others = blocking_for(conn, device.id, today)

    def is_free(start: dt.date, end: dt.date) -> bool:
        candidate = Booking("?", device.id, start, end, "reserviert", "")
        return (
            pool.booking_refusal(candidate, others) is None
            and pool.overdue_refusal(candidate, others, today) is None
        )

    entry = rules.choose_entry(
        repo.open_entries(conn, device.category), device.category, device.id, is_free, today
    )
    if entry is None:
        return False
    until = rules.offer_deadline(today, policy_of(conn, device).pickup_days)
    repo.update_entry(
        conn,
        entry.id,
        at,
        status=rules.OFFERED,
        offered_device_id=device.id,
        offered_on=today.isoformat(),
        offer_until=until.isoformat(),
    )
    record_pool_change(
        conn,
        ws,
        at,
        "offer_device",
        {"entry_id": entry.id, "device_id": device.id},
        entity="waitlist",
        entity_id=entry.id,
        action="geraet_angeboten",
        changes={"abholen_bis": until.isoformat()},
    )
    return True


def _offer_free_devices(
    conn: sqlite3.Connection, ws: Workspace, category: str, today: dt.date, at: str
) -> int:
    offered = 0
    for device_id in [
        r[0]
        for r in conn.execute(
            "SELECT id FROM devices WHERE category = ? AND status = 'verfuegbar' AND deleted_at IS NULL"
            " ORDER BY inventory_number",
            (category,),
        )
    ]:
        device = device_repo.load_device(conn, device_id)
        if device is not None and offer_freed_device(conn, ws, device, today, at):
            offered += 1
    return offered


def _pass_on(conn: sqlite3.Connection, ws: Workspace, entry: WaitEntry, today: dt.date, at: str) -> None:
    if entry.status == rules.OFFERED and entry.offered_device_id:
        device = device_repo.load_device(conn, entry.offered_device_id)
        if device is not None:
            offer_freed_device(conn, ws, device, today, at)


def _own_entry(conn: sqlite3.Connection, ws: Workspace, entry_id: str) -> WaitEntry:
    entry = repo.load_entry(conn, entry_id)
    if entry is None:
        raise PoolError("Diesen Wartelisteneintrag gibt es nicht (mehr).")
    if entry.municipality_id != ws.municipality.id:
        raise PoolError("Diesen Wartelisteneintrag hat eine andere Kommune angelegt.")
    return entry


def _close_person(conn: sqlite3.Connection, ws: Workspace, entry_id: str, today: dt.date, at: str) -> None:
    row = conn.execute("SELECT borrower_id FROM waitlist_borrowers WHERE id = ?", (entry_id,)).fetchone()
    if row and row[0]:
        borrower_service.start_keeping_period(conn, ws, row[0], today, at)
