"""Loans of the shared pool and the lending town's own record of each (``loan_borrowers``).

``loans`` is pool scope: dates, status, checklists, condition, never a person. Who borrowed,
the ID check, the briefing and the deposit are in ``loan_borrowers`` (the town's own scope),
joined only for the own town.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from kommune_desk.domain.pool import Booking

from .pool import BLOCKING_SQL, booking, insert_row, town, town_join, update_row
from .reference import get_setting


@dataclass(frozen=True)
class Loan:
    """A loan with what the pool knows of it."""

    booking: Booking
    renewals: int
    handed_over_at: str | None
    returned_at: str | None
    checklist_out: str | None
    checklist_in: str | None
    condition_out: str | None
    condition_in: str | None
    damage: str | None
    override_note: str | None
    town: str

    @property
    def id(self) -> str:
        return self.booking.loan_id


@dataclass(frozen=True)
class LoanParty:
    """The own town's record of a loan: who borrowed it, ID check, briefing, deposit."""

    loan_id: str
    borrower_id: str | None
    name: str
    contact: str
    id_seen: bool
    briefing_given: bool
    deposit_cents: int
    deposit_method: str | None
    deposit_returned_cents: int | None
    deposit_note: str | None


@dataclass(frozen=True)
class LoanListing:
    """One line of the list of reservations and loans; ``borrower`` only for the own town."""

    loan_id: str
    device_id: str
    inventory_number: str
    device_name: str
    category: str
    municipality_id: str
    town: str
    start: dt.date
    end: dt.date
    status: str
    borrower: str | None
    provisional: bool
    reminders: int  # the highest reminder level sent (0: none)


_LOAN_SELECT = f"""
    SELECT l.id, l.device_id, l.start_date, l.end_date, l.status, l.borrower_municipality_id,
           l.renewals, l.handed_over_at, l.returned_at, l.checklist_out, l.checklist_in,
           l.condition_out, l.condition_in, l.damage, l.override_note, {town("bm", "bp")}
    FROM loans l {town_join("b", "l.borrower_municipality_id")}
"""


def load_loan(conn: sqlite3.Connection, loan_id: str) -> Loan | None:
    """A loan in any status, None if unknown or deleted."""
    row = conn.execute(f"{_LOAN_SELECT} WHERE l.id = ? AND l.deleted_at IS NULL", (loan_id,)).fetchone()
    return _loan(row) if row else None


def _loan(row: tuple) -> Loan:
    return Loan(booking(row[:6]), *row[6:16])


def running_loan(conn: sqlite3.Connection, device_id: str) -> Loan | None:
    """The device's loan that is handed over and not back (the latest, should there be two)."""
    row = conn.execute(
        f"{_LOAN_SELECT} WHERE l.device_id = ? AND l.status = 'ausgegeben' AND l.deleted_at IS NULL"
        " ORDER BY l.start_date DESC, l.id DESC LIMIT 1",
        (device_id,),
    ).fetchone()
    return _loan(row) if row else None


def next_reservation(
    conn: sqlite3.Connection, device_id: str, municipality_id: str, today: dt.date
) -> Loan | None:
    """The town's reservation of the device that is due for handover first (ending today or later)."""
    row = conn.execute(
        f"{_LOAN_SELECT} WHERE l.device_id = ? AND l.status = 'reserviert' AND l.deleted_at IS NULL"
        " AND l.borrower_municipality_id = ? AND l.end_date >= ? ORDER BY l.start_date, l.id LIMIT 1",
        (device_id, municipality_id, today.isoformat()),
    ).fetchone()
    return _loan(row) if row else None


def insert_loan(
    conn: sqlite3.Connection,
    candidate: Booking,
    *,
    pool: str,
    at: str,
    override_note: str | None = None,
) -> None:
    """The loan itself: pool scope, no personal data."""
    insert_row(
        conn,
        "loans",
        {
            "id": candidate.loan_id, "pool": pool, "device_id": candidate.device_id,
            "borrower_municipality_id": candidate.municipality_id, "start_date": candidate.start.isoformat(),
            "end_date": candidate.end.isoformat(), "status": candidate.status, "override_note": override_note,
            "created_at": at, "updated_at": at,
        },
    )  # fmt: skip


def insert_party(
    conn: sqlite3.Connection,
    loan_id: str,
    municipality_id: str,
    *,
    borrower_id: str | None,
    name: str,
    contact: str,
    at: str,
) -> None:
    """Who borrows: the lending town's own record."""
    conn.execute(
        "INSERT INTO loan_borrowers (id, municipality_id, borrower_id, name, contact, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (loan_id, municipality_id, borrower_id, name, contact, at, at),
    )


_LOAN_COLUMNS = frozenset(
    {
        "status", "end_date", "renewals", "handed_over_at", "returned_at", "handed_over_by", "returned_to",
        "checklist_out", "checklist_in", "condition_out", "condition_in", "damage",
    }
)  # fmt: skip
_PARTY_COLUMNS = frozenset(
    {"id_seen", "briefing_given", "deposit_cents", "deposit_method", "deposit_returned_cents", "deposit_note"}
)


def update_loan(conn: sqlite3.Connection, loan_id: str, at: str, **values: object) -> None:
    update_row(conn, "loans", _LOAN_COLUMNS, loan_id, at, values)


def update_party(conn: sqlite3.Connection, loan_id: str, at: str, **values: object) -> None:
    update_row(conn, "loan_borrowers", _PARTY_COLUMNS, loan_id, at, values)


def set_loan_status(conn: sqlite3.Connection, loan_id: str, status: str, at: str) -> None:
    update_loan(conn, loan_id, at, status=status)


def load_party(conn: sqlite3.Connection, loan_id: str, municipality_id: str) -> LoanParty | None:
    row = conn.execute(
        "SELECT id, borrower_id, name, contact, id_seen, briefing_given, deposit_cents, deposit_method,"
        " deposit_returned_cents, deposit_note FROM loan_borrowers"
        " WHERE id = ? AND municipality_id = ? AND deleted_at IS NULL",
        (loan_id, municipality_id),
    ).fetchone()
    if row is None:
        return None
    return LoanParty(row[0], row[1], row[2], row[3], bool(row[4]), bool(row[5]), *row[6:10])


def pending_bookings(conn: sqlite3.Connection) -> set[str]:
    """Loans whose booking has not yet been answered by the server (shown as vorläufig).

    Without a sync set up there is no server to answer: the office's own word is all there is.
    """
    if get_setting(conn, "sync.client_id") is None:
        return set()
    rows = conn.execute(
        "SELECT json_extract(args, '$.loan_id') FROM outbox"
        " WHERE pushed_at IS NULL AND name IN ('book_device', 'accept_offer')"
    ).fetchall()
    return {r[0] for r in rows if r[0]}


def list_loans(
    conn: sqlite3.Connection,
    own_municipality_id: str,
    *,
    statuses: Sequence[str] = (),
    municipality_id: str | None = None,
    device_id: str | None = None,
    overdue_on: dt.date | None = None,
    limit: int = 2000,
) -> list[LoanListing]:
    """Reservations and loans, newest start first; borrower names of the own town only."""
    where = ["l.deleted_at IS NULL"]
    params: list[object] = [own_municipality_id]
    if statuses:
        where.append(f"l.status IN ({', '.join('?' * len(statuses))})")
        params.extend(statuses)
    if municipality_id:
        where.append("l.borrower_municipality_id = ?")
        params.append(municipality_id)
    if device_id:
        where.append("l.device_id = ?")
        params.append(device_id)
    if overdue_on is not None:
        where.append("l.status = 'ausgegeben' AND l.end_date < ?")
        params.append(overdue_on.isoformat())
    params.append(limit)
    rows = conn.execute(
        f"""
        SELECT l.id, l.device_id, d.inventory_number, d.name, d.category, l.borrower_municipality_id,
               {town("bm", "bp")}, l.start_date, l.end_date, l.status, lb.name,
               (SELECT max(r.level) FROM loan_reminders r WHERE r.loan_id = l.id AND r.deleted_at IS NULL)
        FROM loans l
        JOIN devices d ON d.id = l.device_id
        {town_join("b", "l.borrower_municipality_id")}
        LEFT JOIN loan_borrowers lb ON lb.id = l.id AND lb.municipality_id = ? AND lb.deleted_at IS NULL
        WHERE {" AND ".join(where)}
        ORDER BY l.start_date DESC, l.id DESC
        LIMIT ?
        """,
        params,
    ).fetchall()
    pending = pending_bookings(conn)
    return [
        LoanListing(
            *r[:7], dt.date.fromisoformat(r[7]), dt.date.fromisoformat(r[8]), r[9], r[10],
            r[0] in pending, r[11] or 0,
        )
        for r in rows
    ]  # fmt: skip


def blocking_bookings(conn: sqlite3.Connection, device_ids: Sequence[str]) -> list[Booking]:
    """The blocking loans of several devices at once."""
    marks = ", ".join("?" * len(device_ids))
    rows = conn.execute(
        "SELECT id, device_id, start_date, end_date, status, borrower_municipality_id FROM loans"
        f" WHERE device_id IN ({marks}) AND status IN {BLOCKING_SQL} AND deleted_at IS NULL",
        tuple(device_ids),
    ).fetchall()
    return [booking(r) for r in rows]


# --- reminders ---------------------------------------------------------------------------------


def insert_reminder(
    conn: sqlite3.Connection,
    reminder_id: str,
    *,
    municipality_id: str,
    loan_id: str,
    level: int,
    channel: str,
    sent_on: dt.date,
    at: str,
) -> None:
    conn.execute(
        "INSERT INTO loan_reminders (id, municipality_id, loan_id, level, channel, sent_on, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (reminder_id, municipality_id, loan_id, level, channel, sent_on.isoformat(), at, at),
    )


def reminders_of(conn: sqlite3.Connection, loan_id: str) -> list[tuple[int, str, dt.date]]:
    """(level, channel, sent on) of every reminder of a loan, oldest first."""
    rows = conn.execute(
        "SELECT level, channel, sent_on FROM loan_reminders WHERE loan_id = ? AND deleted_at IS NULL"
        " ORDER BY sent_on, created_at",
        (loan_id,),
    ).fetchall()
    return [(r[0], r[1], dt.date.fromisoformat(r[2])) for r in rows]
