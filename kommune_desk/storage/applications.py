"""Applications: insert, Aktenzeichen number ranges and the Posteingang's paged reads."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from kommune_desk.domain.collation import sort_key

# Sort keys the Posteingang offers, mapped to SQL that only we write.
INBOX_ORDER: dict[str, tuple[str, ...]] = {
    "aktenzeichen": ("a.aktenzeichen",),
    "received_at": ("a.received_at",),
    "service": ("german_sort_key(coalesce(s.name, 'Unbekannte Leistung'))",),
    "applicant": ("a.applicant_sort",),
    "status": ("a.status", "a.due_date"),
    "due_date": ("a.due_date",),
    "assignee": ("german_sort_key(coalesce(c.display_name, ''))",),
}
_ORDER_JOINS = {
    "service": " LEFT JOIN services s ON s.id = a.service_id",
    "assignee": " LEFT JOIN clerks c ON c.id = a.assignee_id",
}
# Orders an index delivers without sorting (tests check the query plans): their first
# page is a bounded read of a few hundred index entries.
INDEXED_ORDERS = frozenset(INBOX_ORDER) - set(_ORDER_JOINS)

_INBOX_COLUMNS = (
    "a.rowid, a.id, a.aktenzeichen, a.received_at, coalesce(s.name, 'Unbekannte Leistung'),"
    " a.applicant_name, a.status, a.due_date, a.paused_remaining_days, coalesce(c.display_name, ''),"
    " a.follow_up_on"
)
_INBOX_FROM = (
    "applications a LEFT JOIN services s ON s.id = a.service_id LEFT JOIN clerks c ON c.id = a.assignee_id"
)

APPLICATION_COLUMNS = (
    "id",
    "municipality_id",
    "office_id",
    "service_id",
    "aktenzeichen",
    "received_at",
    "channel",
    "status",
    "applicant_name",
    "applicant_sort",
    "applicant_street",
    "applicant_postal_code",
    "applicant_city",
    "applicant_email",
    "applicant_phone",
    "form_data",
    "form_schema_uri",
    "assignee_id",
    "due_date",
    "decision",
    "decided_at",
    "fee_cents",
    "kassenzeichen",
    "payment_status",
    "payment_method",
    "submission_id",
    "paused_remaining_days",
    "clarification_reason",
    "sender_reference",
    "reply_email",
    "paid_cents",
    "paid_at",
    "payment_transaction",
    "completed_at",
    "created_at",
    "updated_at",
)
# Mirrors the schema's column defaults, because executemany binds every column.
_DEFAULTS: dict[str, object] = {
    "applicant_street": "",
    "applicant_postal_code": "",
    "applicant_city": "",
    "applicant_email": "",
    "applicant_phone": "",
    "form_data": "{}",
    "form_schema_uri": "",
    "fee_cents": 0,
    "payment_status": "offen",
    "clarification_reason": "",
    "sender_reference": "",
    "reply_email": "",
    "payment_transaction": "",
}
INSERT_APPLICATION_SQL = (
    f"INSERT INTO applications ({', '.join(APPLICATION_COLUMNS)})"
    f" VALUES ({', '.join('?' for _ in APPLICATION_COLUMNS)})"
)


def application_values(row: dict[str, Any]) -> list[Any]:
    """Column values in INSERT order, schema defaults and the German sort key filled in."""
    values = {**_DEFAULTS, **row, "applicant_sort": sort_key(str(row["applicant_name"]))}
    return [values.get(c) for c in APPLICATION_COLUMNS]


def insert_application(conn: sqlite3.Connection, row: dict[str, Any]) -> None:
    conn.execute(INSERT_APPLICATION_SQL, application_values(row))


def next_number(conn: sqlite3.Connection, office_id: str, year: int) -> int:
    """Reserve the next running number of an office's year, in the caller's transaction."""
    row = conn.execute(
        "INSERT INTO number_ranges (office_id, year, last_number) VALUES (?, ?, 1)"
        " ON CONFLICT (office_id, year) DO UPDATE SET last_number = last_number + 1"
        " RETURNING last_number",
        (office_id, year),
    ).fetchone()
    return int(row[0])


def inbox_rowids(
    conn: sqlite3.Connection,
    municipality_id: str,
    order: str = "received_at",
    descending: bool = True,
    limit: int = -1,
    where: tuple[str, Sequence[Any]] = ("1", ()),
) -> list[int]:
    """Row ids of the municipality's live applications matching ``where`` (a condition on alias
    ``a`` from :mod:`inbox_query`), in display order.

    Only ids are loaded (a few MB for 100,000 rows); :func:`inbox_rows` fetches
    the visible page's columns on demand.
    """
    condition, params = where
    sql = inbox_select(order, descending, condition)
    return [r[0] for r in conn.execute(sql, (municipality_id, *params, limit))]


def inbox_select(order: str, descending: bool, condition: str = "1") -> str:
    """The ordered handle query (parameters: municipality id, the condition's, limit)."""
    direction = "DESC" if descending else "ASC"
    columns = ", ".join(f"{column} {direction}" for column in INBOX_ORDER[order])
    return (
        f"SELECT a.rowid FROM applications a{_ORDER_JOINS.get(order, '')}"
        f" WHERE a.municipality_id = ? AND a.deleted_at IS NULL AND {condition}"
        f" ORDER BY {columns}, a.rowid {direction} LIMIT ?"
    )


def inbox_rows(conn: sqlite3.Connection, rowids: Sequence[int]) -> dict[int, tuple[Any, ...]]:
    """Display columns for the given row ids, keyed by rowid."""
    if not rowids:
        return {}
    marks = ",".join("?" for _ in rowids)
    sql = f"SELECT {_INBOX_COLUMNS} FROM {_INBOX_FROM} WHERE a.rowid IN ({marks})"
    return {row[0]: row[1:] for row in conn.execute(sql, list(rowids))}


# Fields a service may change after intake (workflow, Klärung, payment).
_CASE_FIELDS = (
    "status", "assignee_id", "decision", "drafted_by", "decided_at", "due_date",
    "paused_remaining_days", "follow_up_on", "follow_up_note", "service_id", "clarification_reason",
    "fee_cents", "kassenzeichen", "payment_status", "payment_method", "paid_cents", "paid_at",
    "payment_transaction", "completed_at",
)  # fmt: skip


def load_case(conn: sqlite3.Connection, application_id: str, municipality_id: str) -> dict[str, Any] | None:
    """The changeable fields of one live application of ``municipality_id`` (+ its 4-eyes rule and
    what the Kassenzeichen is made of)."""
    columns = ", ".join(f"a.{c}" for c in _CASE_FIELDS)
    row = conn.execute(
        f"SELECT {columns}, coalesce(s.four_eyes, 0), a.aktenzeichen, a.received_at FROM applications a"
        " LEFT JOIN services s ON s.id = a.service_id"
        " WHERE a.id = ? AND a.municipality_id = ? AND a.deleted_at IS NULL",
        (application_id, municipality_id),
    ).fetchone()
    if row is None:
        return None
    return {
        **dict(zip(_CASE_FIELDS, row[:-3], strict=True)),
        "four_eyes": bool(row[-3]),
        "aktenzeichen": row[-2],
        "received_at": row[-1],
    }


def update_case(conn: sqlite3.Connection, application_id: str, changes: dict[str, Any], at: str) -> None:
    """Write changed case fields (only those; the names come from this module)."""
    unknown = set(changes) - set(_CASE_FIELDS)
    if unknown:
        raise ValueError(f"not a changeable field: {sorted(unknown)}")
    assignments = ", ".join(f"{c} = ?" for c in changes)
    conn.execute(
        f"UPDATE applications SET {assignments}, updated_at = ? WHERE id = ?",
        (*changes.values(), at, application_id),
    )


_CASE_DATA = (
    "applicant_name", "applicant_street", "applicant_postal_code", "applicant_city", "applicant_email",
    "applicant_phone", "form_data", "form_schema_uri", "submitted_data", "service_id",
)  # fmt: skip
_CORRECTABLE = frozenset(_CASE_DATA[:7]) | {"submitted_data"}


def load_case_data(
    conn: sqlite3.Connection, application_id: str, municipality_id: str
) -> dict[str, Any] | None:
    """The applicant, form and original data of one live application of ``municipality_id``."""
    row = conn.execute(
        f"SELECT {', '.join(_CASE_DATA)} FROM applications"
        " WHERE id = ? AND municipality_id = ? AND deleted_at IS NULL",
        (application_id, municipality_id),
    ).fetchone()
    return dict(zip(_CASE_DATA, row, strict=True)) if row else None


def correct_case_data(
    conn: sqlite3.Connection, application_id: str, changes: dict[str, Any], at: str
) -> None:
    """Write corrected applicant/form data (the German sort key follows the name)."""
    unknown = set(changes) - _CORRECTABLE
    if unknown:
        raise ValueError(f"not a correctable field: {sorted(unknown)}")
    if "applicant_name" in changes:
        changes = {**changes, "applicant_sort": sort_key(str(changes["applicant_name"]))}
    assignments = ", ".join(f"{c} = ?" for c in changes)
    conn.execute(
        f"UPDATE applications SET {assignments}, updated_at = ? WHERE id = ?",
        (*changes.values(), at, application_id),
    )
