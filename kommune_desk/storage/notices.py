"""Archived notices (Bescheide and other letters) and the settings they depend on.

A notice row is inserted once; afterwards only its status and the dates of its life cycle
change (the schema's trigger refuses anything else). Every read is scoped to a municipality.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

NOTICE_COLUMNS = (
    "id", "municipality_id", "application_id", "kind", "version", "status", "sha256", "size_bytes",
    "template_versions", "details", "letter_date", "remedy", "fee_due_on", "created_at", "created_by",
    "released_at", "released_by", "posted_on", "bekanntgabe_on", "remedy_deadline", "cancelled_at",
    "cancelled_by", "cancel_reason", "replaces_id", "updated_at",
)  # fmt: skip
# What may change after insertion: the life cycle.
_LIFE_CYCLE = frozenset(
    {
        "status", "released_at", "released_by", "posted_on", "bekanntgabe_on", "remedy_deadline",
        "cancelled_at", "cancelled_by", "cancel_reason",
    }
)  # fmt: skip
_SUMMARY = (
    "n.id, n.application_id, a.aktenzeichen, a.applicant_name, n.kind, n.version, n.status,"
    " n.letter_date, n.created_at, coalesce(cc.display_name, ''), coalesce(rc.display_name, ''),"
    " n.posted_on, n.bekanntgabe_on, n.remedy_deadline, n.fee_due_on, n.sha256, n.replaces_id,"
    " n.cancel_reason"
)
SUMMARY_NAMES = (
    "id", "application_id", "aktenzeichen", "applicant_name", "kind", "version", "status", "letter_date",
    "created_at", "created_by_name", "released_by_name", "posted_on", "bekanntgabe_on", "remedy_deadline",
    "fee_due_on", "sha256", "replaces_id", "cancel_reason",
)  # fmt: skip
_SUMMARY_FROM = (
    "notices n JOIN applications a ON a.id = n.application_id"
    " LEFT JOIN clerks cc ON cc.id = n.created_by LEFT JOIN clerks rc ON rc.id = n.released_by"
)


def insert_notice(conn: sqlite3.Connection, row: dict[str, Any]) -> None:
    values = {**{c: None for c in NOTICE_COLUMNS}, "cancel_reason": "", **row}
    conn.execute(
        f"INSERT INTO notices ({', '.join(NOTICE_COLUMNS)})"
        f" VALUES ({', '.join(':' + c for c in NOTICE_COLUMNS)})",
        values,
    )


def get_notice(conn: sqlite3.Connection, notice_id: str, municipality_id: str) -> dict[str, Any] | None:
    """One notice of ``municipality_id`` (None for a missing id and for another tenant's)."""
    row = conn.execute(
        f"SELECT {', '.join(NOTICE_COLUMNS)} FROM notices WHERE id = ? AND municipality_id = ?",
        (notice_id, municipality_id),
    ).fetchone()
    return None if row is None else dict(zip(NOTICE_COLUMNS, row, strict=True))


def update_notice(conn: sqlite3.Connection, notice_id: str, changes: dict[str, Any], at: str) -> None:
    unknown = set(changes) - _LIFE_CYCLE
    if unknown:
        raise ValueError(f"not a life-cycle field of a notice: {sorted(unknown)}")
    assignments = ", ".join(f"{c} = ?" for c in changes)
    conn.execute(
        f"UPDATE notices SET {assignments}, updated_at = ? WHERE id = ?", (*changes.values(), at, notice_id)
    )


def next_version(conn: sqlite3.Connection, application_id: str, kind: str) -> int:
    row = conn.execute(
        "SELECT coalesce(max(version), 0) + 1 FROM notices WHERE application_id = ? AND kind = ?",
        (application_id, kind),
    ).fetchone()
    return int(row[0])


def live_notice(conn: sqlite3.Connection, application_id: str, kind: str) -> dict[str, Any] | None:
    """The newest notice of a kind on a case that is not cancelled, if any."""
    row = conn.execute(
        f"SELECT {', '.join(NOTICE_COLUMNS)} FROM notices WHERE application_id = ? AND kind = ?"
        " AND status != 'storniert' ORDER BY version DESC LIMIT 1",
        (application_id, kind),
    ).fetchone()
    return None if row is None else dict(zip(NOTICE_COLUMNS, row, strict=True))


def summaries(
    conn: sqlite3.Connection,
    municipality_id: str,
    *,
    application_id: str | None = None,
    statuses: Sequence[str] = (),
    notice_id: str | None = None,
) -> list[dict[str, Any]]:
    """Notices with the case's Aktenzeichen and applicant and the clerks' names, oldest first."""
    conditions, params = ["n.municipality_id = ?"], [municipality_id]
    if application_id is not None:
        conditions.append("n.application_id = ?")
        params.append(application_id)
    if notice_id is not None:
        conditions.append("n.id = ?")
        params.append(notice_id)
    if statuses:
        conditions.append(f"n.status IN ({', '.join('?' for _ in statuses)})")
        params.extend(statuses)
    cursor = conn.execute(
        f"SELECT {_SUMMARY} FROM {_SUMMARY_FROM} WHERE {' AND '.join(conditions)}"
        " ORDER BY n.created_at, n.rowid",
        params,
    )
    return [dict(zip(SUMMARY_NAMES, row, strict=True)) for row in cursor]


def application_id_by_aktenzeichen(
    conn: sqlite3.Connection, municipality_id: str, aktenzeichen: str
) -> str | None:
    row = conn.execute(
        "SELECT id FROM applications WHERE municipality_id = ? AND aktenzeichen = ? AND deleted_at IS NULL",
        (municipality_id, aktenzeichen),
    ).fetchone()
    return None if row is None else str(row[0])


# -- settings notices depend on -------------------------------------------------------------------
def bekanntgabe_tage(conn: sqlite3.Connection, municipality_id: str) -> int:
    row = conn.execute(
        "SELECT bekanntgabe_tage FROM municipalities WHERE id = ?", (municipality_id,)
    ).fetchone()
    return 4 if row is None else int(row[0])


def set_bekanntgabe_tage(conn: sqlite3.Connection, municipality_id: str, days: int, at: str) -> None:
    conn.execute(
        "UPDATE municipalities SET bekanntgabe_tage = ?, updated_at = ? WHERE id = ?",
        (days, at, municipality_id),
    )


def service_remedy(conn: sqlite3.Connection, municipality_id: str, service_id: str) -> str | None:
    row = conn.execute(
        "SELECT remedy FROM services WHERE id = ? AND municipality_id = ? AND deleted_at IS NULL",
        (service_id, municipality_id),
    ).fetchone()
    return None if row is None else str(row[0])


def set_service_remedy(conn: sqlite3.Connection, service_id: str, remedy: str, at: str) -> None:
    conn.execute("UPDATE services SET remedy = ?, updated_at = ? WHERE id = ?", (remedy, at, service_id))
