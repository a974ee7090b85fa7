"""Devices of the shared pool: the register, its types, maintenance and moves between towns.

Town names come from ``municipalities`` (the own town, and every town after a demo or sync) or
from ``pool_members`` (the partner towns the pool scope announces). Loans are in
``storage/loans.py``.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import dataclass

from kommune_desk.domain.pool import BLOCKING_STATUSES, Booking, accessories_from_json
from kommune_desk.domain.pool_policy import LoanPolicy, PolicyOverrides

BLOCKING_SQL = "(" + ", ".join(f"'{s}'" for s in sorted(BLOCKING_STATUSES)) + ")"


def insert_row(conn: sqlite3.Connection, table: str, values: dict[str, object]) -> None:
    """INSERT one row; ``table`` and the keys are our own names, never user text."""
    columns = ", ".join(values)
    conn.execute(
        f"INSERT INTO {table} ({columns}) VALUES ({', '.join('?' * len(values))})", tuple(values.values())
    )


def update_row(
    conn: sqlite3.Connection, table: str, allowed: frozenset[str], row_id: str, at: str, values: dict
) -> None:
    """UPDATE the ``allowed`` columns of one row and stamp ``updated_at``."""
    if set(values) - allowed:
        raise ValueError(f"{table}: unknown columns {sorted(set(values) - allowed)}")
    if not values:
        return
    assignments = ", ".join(f"{c} = ?" for c in values)
    conn.execute(
        f"UPDATE {table} SET {assignments}, updated_at = ? WHERE id = ?", (*values.values(), at, row_id)
    )


def town(municipality: str, member: str) -> str:
    """A town's name from municipalities or, for a partner known only to the pool, pool_members."""
    return f"coalesce({municipality}.name, {member}.name, '')"


def town_join(alias: str, column: str) -> str:
    """Join both name sources of a town for ``column`` as ``<alias>m``/``<alias>p``."""
    return (
        f" LEFT JOIN municipalities {alias}m ON {alias}m.id = {column}"
        f" LEFT JOIN pool_members {alias}p ON {alias}p.id = {column}"
    )


@dataclass(frozen=True)
class TownPeriod:
    """A loan's days and the borrowing town (never the person: that is the town's own data)."""

    start: dt.date
    end: dt.date
    town: str


@dataclass(frozen=True)
class DeviceListing:
    """One line of the register: where the device is now and when it is reserved next."""

    id: str
    inventory_number: str
    name: str
    category: str
    serial_number: str
    status: str
    home_name: str
    lent: TownPeriod | None  # handed over and not yet back (possibly overdue)
    next: TownPeriod | None  # the first reservation that ends today or later
    location_name: str = ""
    home_municipality_id: str = ""
    maintenance_due: dt.date | None = None  # the earliest next due date of its maintenance log


@dataclass(frozen=True)
class Device:
    """A device with everything the register keeps about it."""

    id: str
    inventory_number: str
    name: str
    category: str
    make: str
    model: str
    serial_number: str
    home_municipality_id: str
    home_name: str
    location_municipality_id: str
    location_name: str
    base_municipality_id: str  # Heimatstandort: where the device is kept between loans
    base_name: str
    accessories: tuple[str, ...]
    condition: str
    replacement_value_cents: int
    overrides: PolicyOverrides
    status: str
    notes: str


@dataclass(frozen=True)
class DeviceType:
    id: str
    name: str
    policy: LoanPolicy


@dataclass(frozen=True)
class MaintenanceEntry:
    id: str
    device_id: str
    done_on: dt.date
    what: str
    cost_cents: int
    next_due: dt.date | None
    town: str


@dataclass(frozen=True)
class Transfer:
    id: str
    device_id: str
    moved_on: dt.date
    from_town: str
    to_town: str
    reason: str


# --- devices ---------------------------------------------------------------------------------

DEVICE_FIELDS = (
    "inventory_number", "name", "category", "make", "model", "serial_number", "home_municipality_id",
    "base_municipality_id", "location_municipality_id", "accessories", "condition",
    "replacement_value_cents", "loan_days", "max_renewals", "deposit_cents", "pickup_days", "status", "notes",
)  # fmt: skip


def insert_device(conn: sqlite3.Connection, device_id: str, *, pool: str, at: str, **fields: object) -> None:
    """A new device; ``fields`` are columns of DEVICE_FIELDS (accessories as a list)."""
    values = _device_values(fields)
    values.setdefault("base_municipality_id", values.get("home_municipality_id"))
    values.setdefault("location_municipality_id", values["base_municipality_id"])
    columns = ", ".join(values)
    marks = ", ".join("?" * len(values))
    conn.execute(
        f"INSERT INTO devices (id, pool, {columns}, created_at, updated_at) VALUES (?, ?, {marks}, ?, ?)",
        (device_id, pool, *values.values(), at, at),
    )


def update_device(conn: sqlite3.Connection, device_id: str, at: str, **fields: object) -> None:
    update_row(conn, "devices", frozenset(DEVICE_FIELDS), device_id, at, _device_values(fields))


def _device_values(fields: dict[str, object]) -> dict[str, object]:
    unknown = set(fields) - set(DEVICE_FIELDS)
    if unknown:
        raise ValueError(f"unknown device fields: {sorted(unknown)}")
    values = dict(fields)
    if "accessories" in values:
        values["accessories"] = json.dumps(list(values["accessories"] or ()), ensure_ascii=False)
    return values


def inventory_number_taken(conn: sqlite3.Connection, inventory_number: str) -> bool:
    """Whether any device (retired or deleted ones too: the column is unique) has the number."""
    row = conn.execute(
        "SELECT 1 FROM devices WHERE inventory_number = ? COLLATE NOCASE", (inventory_number,)
    ).fetchone()
    return row is not None


_DEVICE_SELECT = f"""
    SELECT d.id, d.inventory_number, d.name, d.category, d.make, d.model, d.serial_number,
           d.home_municipality_id, {town("hm", "hp")},
           coalesce(d.location_municipality_id, d.home_municipality_id), {town("lm", "lp")},
           coalesce(d.base_municipality_id, d.home_municipality_id), {town("bm", "bp")},
           d.accessories, d.condition, d.replacement_value_cents,
           d.loan_days, d.max_renewals, d.deposit_cents, d.pickup_days, d.status, d.notes
    FROM devices d
    {town_join("h", "d.home_municipality_id")}
    {town_join("l", "coalesce(d.location_municipality_id, d.home_municipality_id)")}
    {town_join("b", "coalesce(d.base_municipality_id, d.home_municipality_id)")}
"""


def load_device(conn: sqlite3.Connection, device_id: str) -> Device | None:
    row = conn.execute(f"{_DEVICE_SELECT} WHERE d.id = ? AND d.deleted_at IS NULL", (device_id,)).fetchone()
    return _device(row) if row else None


def find_device(conn: sqlite3.Connection, inventory_number: str) -> Device | None:
    """The device with this inventory number (case and surrounding spaces ignored)."""
    row = conn.execute(
        f"{_DEVICE_SELECT} WHERE d.inventory_number = ? COLLATE NOCASE AND d.deleted_at IS NULL",
        (inventory_number.strip(),),
    ).fetchone()
    return _device(row) if row else None


def _device(row: tuple) -> Device:
    return Device(
        *row[:13],
        accessories=tuple(accessories_from_json(row[13])),
        condition=row[14],
        replacement_value_cents=row[15],
        overrides=PolicyOverrides(*row[16:20]),
        status=row[20],
        notes=row[21],
    )


def list_devices(conn: sqlite3.Connection, today: dt.date) -> list[DeviceListing]:
    """Every device by inventory number, with its running loan and its next reservation."""
    rows = conn.execute(
        f"""
        SELECT d.id, d.inventory_number, d.name, d.category, d.serial_number, d.status,
               {town("hm", "hp")},
               o.start_date, o.end_date, {town("om", "op")},
               n.start_date, n.end_date, {town("nm", "np")},
               {town("lm", "lp")}, d.home_municipality_id,
               -- the next due date set by the latest entry that sets one (a repair after a
               -- damaged return sets none and leaves the calibration's date standing)
               (SELECT m.next_due FROM device_maintenance m
                WHERE m.device_id = d.id AND m.deleted_at IS NULL AND m.next_due IS NOT NULL
                ORDER BY m.done_on DESC, m.created_at DESC LIMIT 1)
        FROM devices d
        {town_join("h", "d.home_municipality_id")}
        {town_join("l", "coalesce(d.location_municipality_id, d.home_municipality_id)")}
        LEFT JOIN loans o ON o.id = (
            SELECT l.id FROM loans l
            WHERE l.device_id = d.id AND l.status = 'ausgegeben' AND l.deleted_at IS NULL
            ORDER BY l.start_date DESC, l.id LIMIT 1
        )
        {town_join("o", "o.borrower_municipality_id")}
        LEFT JOIN loans n ON n.id = (
            SELECT l.id FROM loans l
            WHERE l.device_id = d.id AND l.status = 'reserviert' AND l.deleted_at IS NULL
              AND l.end_date >= ?
            ORDER BY l.start_date, l.id LIMIT 1
        )
        {town_join("n", "n.borrower_municipality_id")}
        WHERE d.deleted_at IS NULL
        ORDER BY d.inventory_number
        """,
        (today.isoformat(),),
    ).fetchall()
    return [
        DeviceListing(
            *row[:7],
            lent=_period(row[7:10]),
            next=_period(row[10:13]),
            location_name=row[13],
            home_municipality_id=row[14],
            maintenance_due=dt.date.fromisoformat(row[15]) if row[15] else None,
        )
        for row in rows
    ]


def categories(conn: sqlite3.Connection) -> list[str]:
    """The device types in use and those with a policy, by name."""
    rows = conn.execute(
        "SELECT category FROM devices WHERE deleted_at IS NULL"
        " UNION SELECT name FROM device_types WHERE deleted_at IS NULL ORDER BY 1"
    ).fetchall()
    return [r[0] for r in rows]


def device_bookings(conn: sqlite3.Connection, device_id: str) -> list[Booking]:
    """The loans that block ``device_id`` (reserved or handed over), by start."""
    rows = conn.execute(
        "SELECT id, device_id, start_date, end_date, status, borrower_municipality_id FROM loans"
        f" WHERE device_id = ? AND status IN {BLOCKING_SQL} AND deleted_at IS NULL"
        " ORDER BY start_date, id",
        (device_id,),
    ).fetchall()
    return [booking(row) for row in rows]


def booking(row: tuple) -> Booking:
    return Booking(
        row[0], row[1], dt.date.fromisoformat(row[2]), dt.date.fromisoformat(row[3]), row[4], row[5]
    )


def _period(values: tuple) -> TownPeriod | None:
    start, end, name = values
    if not start or not end:
        return None
    return TownPeriod(dt.date.fromisoformat(start), dt.date.fromisoformat(end), name or "")


# --- types, maintenance, transfers ------------------------------------------------------------


def device_type(conn: sqlite3.Connection, name: str) -> DeviceType | None:
    row = conn.execute(
        "SELECT id, name, loan_days, max_renewals, deposit_cents, pickup_days FROM device_types"
        " WHERE name = ? COLLATE NOCASE AND deleted_at IS NULL ORDER BY created_at, id LIMIT 1",
        (name,),
    ).fetchone()
    return DeviceType(row[0], row[1], LoanPolicy(*row[2:6])) if row else None


def list_device_types(conn: sqlite3.Connection) -> list[DeviceType]:
    rows = conn.execute(
        "SELECT id, name, loan_days, max_renewals, deposit_cents, pickup_days FROM device_types"
        " WHERE deleted_at IS NULL ORDER BY name"
    ).fetchall()
    return [DeviceType(r[0], r[1], LoanPolicy(*r[2:6])) for r in rows]


def insert_device_type(
    conn: sqlite3.Connection,
    type_id: str,
    *,
    pool: str,
    municipality_id: str,
    name: str,
    policy: LoanPolicy,
    at: str,
) -> None:
    insert_row(
        conn,
        "device_types",
        {
            "id": type_id, "pool": pool, "municipality_id": municipality_id, "name": name,
            "loan_days": policy.loan_days, "max_renewals": policy.max_renewals,
            "deposit_cents": policy.deposit_cents, "pickup_days": policy.pickup_days,
            "created_at": at, "updated_at": at,
        },
    )  # fmt: skip


def update_device_type(conn: sqlite3.Connection, type_id: str, policy: LoanPolicy, at: str) -> None:
    update_row(conn, "device_types", _POLICY_COLUMNS, type_id, at, vars(policy))


_POLICY_COLUMNS = frozenset({"loan_days", "max_renewals", "deposit_cents", "pickup_days"})


def insert_maintenance(
    conn: sqlite3.Connection,
    entry_id: str,
    *,
    pool: str,
    device_id: str,
    municipality_id: str,
    done_on: dt.date,
    what: str,
    cost_cents: int,
    next_due: dt.date | None,
    at: str,
) -> None:
    insert_row(
        conn,
        "device_maintenance",
        {
            "id": entry_id, "pool": pool, "device_id": device_id, "municipality_id": municipality_id,
            "done_on": done_on.isoformat(), "what": what, "cost_cents": cost_cents,
            "next_due": next_due.isoformat() if next_due else None, "created_at": at, "updated_at": at,
        },
    )  # fmt: skip


def maintenance_log(conn: sqlite3.Connection, device_id: str) -> list[MaintenanceEntry]:
    rows = conn.execute(
        f"SELECT m.id, m.device_id, m.done_on, m.what, m.cost_cents, m.next_due, {town('tm', 'tp')}"
        f" FROM device_maintenance m {town_join('t', 'm.municipality_id')}"
        " WHERE m.device_id = ? AND m.deleted_at IS NULL ORDER BY m.done_on DESC, m.id DESC",
        (device_id,),
    ).fetchall()
    return [
        MaintenanceEntry(
            r[0],
            r[1],
            dt.date.fromisoformat(r[2]),
            r[3],
            r[4],
            dt.date.fromisoformat(r[5]) if r[5] else None,
            r[6],
        )
        for r in rows
    ]


def insert_transfer(
    conn: sqlite3.Connection,
    transfer_id: str,
    *,
    pool: str,
    device_id: str,
    municipality_id: str,
    from_id: str | None,
    to_id: str,
    moved_on: dt.date,
    reason: str,
    at: str,
) -> None:
    insert_row(
        conn,
        "device_transfers",
        {
            "id": transfer_id, "pool": pool, "device_id": device_id, "municipality_id": municipality_id,
            "from_municipality_id": from_id, "to_municipality_id": to_id, "moved_on": moved_on.isoformat(),
            "reason": reason, "created_at": at, "updated_at": at,
        },
    )  # fmt: skip


def transfers(conn: sqlite3.Connection, device_id: str) -> list[Transfer]:
    rows = conn.execute(
        f"SELECT t.id, t.device_id, t.moved_on, {town('fm', 'fp')}, {town('tm', 'tp')}, t.reason"
        f" FROM device_transfers t {town_join('f', 't.from_municipality_id')}"
        f" {town_join('t', 't.to_municipality_id')}"
        " WHERE t.device_id = ? AND t.deleted_at IS NULL ORDER BY t.moved_on DESC, t.id DESC",
        (device_id,),
    ).fetchall()
    return [Transfer(r[0], r[1], dt.date.fromisoformat(r[2]), r[3], r[4], r[5]) for r in rows]


# --- towns -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Town:
    id: str
    ags: str
    name: str


def pool_towns(conn: sqlite3.Connection) -> list[Town]:
    """Every partner this database knows, by name."""
    rows = conn.execute(
        "SELECT id, ags, name FROM municipalities WHERE deleted_at IS NULL"
        " UNION SELECT id, ags, name FROM pool_members WHERE id NOT IN (SELECT id FROM municipalities)"
        " ORDER BY 3"
    ).fetchall()
    return [Town(*r) for r in rows]
