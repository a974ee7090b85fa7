"""Devices and loans of the shared pool; the borrower's name lives apart in ``loan_borrowers``.

Town names come from ``municipalities`` (the own town, and every town after a demo or sync) or
from ``pool_members`` (the partner towns the pool scope announces).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass

from kommune_desk.domain.pool import BLOCKING_STATUSES, Booking

_BLOCKING = "(" + ", ".join(f"'{s}'" for s in sorted(BLOCKING_STATUSES)) + ")"


@dataclass(frozen=True)
class TownPeriod:
    """A loan's days and the borrowing town (never the person: that is the town's own data)."""

    start: dt.date
    end: dt.date
    town: str


@dataclass(frozen=True)
class DeviceListing:
    """One line of the device list: where the device is now and when it is reserved next."""

    id: str
    inventory_number: str
    name: str
    category: str
    serial_number: str
    status: str
    home_name: str
    lent: TownPeriod | None  # handed over and not yet back (possibly overdue)
    next: TownPeriod | None  # the first reservation that ends today or later


@dataclass(frozen=True)
class DeviceState:
    id: str
    status: str
    inventory_number: str


def insert_device(
    conn: sqlite3.Connection,
    device_id: str,
    *,
    pool: str,
    home_municipality_id: str,
    inventory_number: str,
    name: str,
    category: str,
    serial_number: str,
    status: str,
    at: str,
) -> None:
    conn.execute(
        "INSERT INTO devices (id, pool, home_municipality_id, inventory_number, name, category,"
        " serial_number, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            device_id,
            pool,
            home_municipality_id,
            inventory_number,
            name,
            category,
            serial_number,
            status,
            at,
            at,
        ),
    )


def inventory_number_taken(conn: sqlite3.Connection, inventory_number: str) -> bool:
    """Whether any device (retired or deleted ones too: the column is unique) has the number."""
    row = conn.execute("SELECT 1 FROM devices WHERE inventory_number = ?", (inventory_number,)).fetchone()
    return row is not None


def load_device(conn: sqlite3.Connection, device_id: str) -> DeviceState | None:
    row = conn.execute(
        "SELECT id, status, inventory_number FROM devices WHERE id = ? AND deleted_at IS NULL", (device_id,)
    ).fetchone()
    return DeviceState(*row) if row else None


def list_devices(conn: sqlite3.Connection, today: dt.date) -> list[DeviceListing]:
    """Every device by inventory number, with its running loan and its next reservation."""
    rows = conn.execute(
        f"""
        SELECT d.id, d.inventory_number, d.name, d.category, d.serial_number, d.status,
               {_town("hm", "hp")},
               o.start_date, o.end_date, {_town("om", "op")},
               n.start_date, n.end_date, {_town("nm", "np")}
        FROM devices d
        LEFT JOIN municipalities hm ON hm.id = d.home_municipality_id
        LEFT JOIN pool_members hp ON hp.id = d.home_municipality_id
        LEFT JOIN loans o ON o.id = (
            SELECT l.id FROM loans l
            WHERE l.device_id = d.id AND l.status = 'ausgegeben' AND l.deleted_at IS NULL
            ORDER BY l.start_date DESC, l.id LIMIT 1
        )
        LEFT JOIN municipalities om ON om.id = o.borrower_municipality_id
        LEFT JOIN pool_members op ON op.id = o.borrower_municipality_id
        LEFT JOIN loans n ON n.id = (
            SELECT l.id FROM loans l
            WHERE l.device_id = d.id AND l.status = 'reserviert' AND l.deleted_at IS NULL
              AND l.end_date >= ?
            ORDER BY l.start_date, l.id LIMIT 1
        )
        LEFT JOIN municipalities nm ON nm.id = n.borrower_municipality_id
        LEFT JOIN pool_members np ON np.id = n.borrower_municipality_id
        WHERE d.deleted_at IS NULL
        ORDER BY d.inventory_number
        """,
        (today.isoformat(),),
    ).fetchall()
    return [DeviceListing(*row[:7], lent=_period(row[7:10]), next=_period(row[10:13])) for row in rows]


def device_bookings(conn: sqlite3.Connection, device_id: str) -> list[Booking]:
    """The loans that block ``device_id`` (reserved or handed over), by start."""
    rows = conn.execute(
        "SELECT id, device_id, start_date, end_date, status, borrower_municipality_id FROM loans"
        f" WHERE device_id = ? AND status IN {_BLOCKING} AND deleted_at IS NULL"
        " ORDER BY start_date, id",
        (device_id,),
    ).fetchall()
    return [_booking(row) for row in rows]


def load_loan(conn: sqlite3.Connection, loan_id: str) -> Booking | None:
    """A loan in any status, None if unknown or deleted."""
    row = conn.execute(
        "SELECT id, device_id, start_date, end_date, status, borrower_municipality_id FROM loans"
        " WHERE id = ? AND deleted_at IS NULL",
        (loan_id,),
    ).fetchone()
    return _booking(row) if row else None


def insert_loan(
    conn: sqlite3.Connection,
    booking: Booking,
    *,
    pool: str,
    borrower_name: str,
    contact: str,
    at: str,
) -> None:
    """The loan (pool scope, no personal data) and its borrower (the borrowing town's scope)."""
    conn.execute(
        "INSERT INTO loans (id, pool, device_id, borrower_municipality_id, start_date, end_date, status,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            booking.loan_id,
            pool,
            booking.device_id,
            booking.municipality_id,
            booking.start.isoformat(),
            booking.end.isoformat(),
            booking.status,
            at,
            at,
        ),
    )
    conn.execute(
        "INSERT INTO loan_borrowers (id, municipality_id, name, contact, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (booking.loan_id, booking.municipality_id, borrower_name, contact, at, at),
    )


def set_loan_status(conn: sqlite3.Connection, loan_id: str, status: str, at: str) -> None:
    conn.execute("UPDATE loans SET status = ?, updated_at = ? WHERE id = ?", (status, at, loan_id))


def _booking(row: tuple[str, str, str, str, str, str]) -> Booking:
    return Booking(
        row[0], row[1], dt.date.fromisoformat(row[2]), dt.date.fromisoformat(row[3]), row[4], row[5]
    )


def _period(values: tuple[str | None, ...]) -> TownPeriod | None:
    start, end, town = values
    if not start or not end:
        return None
    return TownPeriod(dt.date.fromisoformat(start), dt.date.fromisoformat(end), town or "")


def _town(municipality: str, member: str) -> str:
    """A town's name from municipalities or, for a partner known only to the pool, pool_members."""
    return f"coalesce({municipality}.name, {member}.name, '')"
