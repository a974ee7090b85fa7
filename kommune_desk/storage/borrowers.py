"""Borrowers of the Geräteverleih: the lending town's own, personal data; and their retention.

Only the town that lends keeps (and replicates in its own scope) who borrows. Retention
anonymises a borrower, their loan records and waiting-list entries a while after their last
closed loan; the log of that keeps dates and counts, never a name.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from kommune_desk.domain.collation import sort_key, transliterate
from kommune_desk.domain.retention import ANONYMISED_NAME

from .pool import insert_row, update_row


@dataclass(frozen=True)
class Borrower:
    """Minimal data of a citizen, Verein or partner's member of staff; never an ID number."""

    id: str
    kind: str  # buerger, verein, personal
    name: str
    street: str = ""
    postal_code: str = ""
    city: str = ""
    phone: str = ""
    email: str = ""
    privacy_ack_on: dt.date | None = None
    blocked_reason: str | None = None
    retain_until: dt.date | None = None
    anonymised: bool = False

    @property
    def contact(self) -> str:
        return " · ".join(v for v in (self.phone, self.email) if v)

    @property
    def address(self) -> str:
        place = " ".join(v for v in (self.postal_code, self.city) if v)
        return ", ".join(v for v in (self.street, place) if v)


_COLUMNS = (
    "id, kind, name, street, postal_code, city, phone, email, privacy_ack_on, blocked_reason, retain_until,"
    " anonymised_at"
)
EDITABLE = frozenset(
    {"kind", "name", "street", "postal_code", "city", "phone", "email", "privacy_ack_on", "blocked_reason",
     "retain_until"}
)  # fmt: skip


def _borrower(row: tuple) -> Borrower:
    return Borrower(
        *row[:8],
        privacy_ack_on=dt.date.fromisoformat(row[8]) if row[8] else None,
        blocked_reason=row[9],
        retain_until=dt.date.fromisoformat(row[10]) if row[10] else None,
        anonymised=row[11] is not None,
    )


def insert_borrower(conn: sqlite3.Connection, b: Borrower, municipality_id: str, at: str) -> None:
    insert_row(
        conn,
        "borrowers",
        {
            "id": b.id, "municipality_id": municipality_id, "kind": b.kind, "name": b.name,
            "street": b.street,
            "postal_code": b.postal_code, "city": b.city, "phone": b.phone, "email": b.email,
            "privacy_ack_on": b.privacy_ack_on.isoformat() if b.privacy_ack_on else None,
            "blocked_reason": b.blocked_reason, "created_at": at, "updated_at": at,
        },
    )  # fmt: skip


def update_borrower(conn: sqlite3.Connection, borrower_id: str, at: str, **values: object) -> None:
    update_row(conn, "borrowers", EDITABLE, borrower_id, at, values)


def load_borrower(conn: sqlite3.Connection, borrower_id: str, municipality_id: str) -> Borrower | None:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM borrowers WHERE id = ? AND municipality_id = ? AND deleted_at IS NULL",
        (borrower_id, municipality_id),
    ).fetchone()
    return _borrower(row) if row else None


def _like(text: str) -> str:
    """A LIKE pattern matching ``text`` literally anywhere (``\\`` escapes % and _)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_borrowers(
    conn: sqlite3.Connection, municipality_id: str, text: str, limit: int = 50
) -> list[Borrower]:
    """The town's borrowers whose name, address or contact contains ``text``, in any case and
    German spelling ("mueller" finds "Müller", "weiss" finds "Weiß")."""
    conn.create_function("spelled_out", 1, _spelled_out, deterministic=True)
    conn.create_function("unaccented", 1, _unaccented, deterministic=True)
    typed = " ".join(text.split())
    spelled, plain = _like(transliterate(typed)), _like(sort_key(typed))
    fields = ("name", "street", "email", "phone")
    where = " OR ".join(
        f"spelled_out({f}) LIKE ? ESCAPE '\\' OR unaccented({f}) LIKE ? ESCAPE '\\'" for f in fields
    )
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM borrowers WHERE municipality_id = ? AND deleted_at IS NULL"
        f" AND anonymised_at IS NULL AND ({where}) ORDER BY name COLLATE NOCASE, id LIMIT ?",
        (municipality_id, *[spelled, plain] * len(fields), limit),
    ).fetchall()
    return [_borrower(r) for r in rows]


def _spelled_out(value: str | None) -> str:
    return transliterate(value or "")


def _unaccented(value: str | None) -> str:
    return sort_key(value or "")


def find_by_name(conn: sqlite3.Connection, municipality_id: str, name: str) -> list[Borrower]:
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM borrowers WHERE municipality_id = ? AND deleted_at IS NULL"
        " AND anonymised_at IS NULL AND name = ? COLLATE NOCASE ORDER BY created_at, id",
        (municipality_id, " ".join(name.split())),
    ).fetchall()
    return [_borrower(r) for r in rows]


def open_loans(conn: sqlite3.Connection, borrower_id: str) -> int:
    """Reservations and loans of the borrower that are not closed."""
    return conn.execute(
        "SELECT count(*) FROM loan_borrowers lb JOIN loans l ON l.id = lb.id"
        " WHERE lb.borrower_id = ? AND l.status IN ('reserviert', 'ausgegeben') AND l.deleted_at IS NULL",
        (borrower_id,),
    ).fetchone()[0]


def open_waits(conn: sqlite3.Connection, borrower_id: str) -> int:
    return conn.execute(
        "SELECT count(*) FROM waitlist_borrowers wb JOIN waitlist w ON w.id = wb.id"
        " WHERE wb.borrower_id = ? AND w.status IN ('wartend', 'angeboten') AND w.deleted_at IS NULL",
        (borrower_id,),
    ).fetchone()[0]


# --- retention -------------------------------------------------------------------------------


def due_for_retention(conn: sqlite3.Connection, municipality_id: str, today: dt.date) -> list[str]:
    """Borrowers whose keeping period ended before ``today`` and who have nothing open."""
    rows = conn.execute(
        """
        SELECT b.id FROM borrowers b
        WHERE b.municipality_id = ? AND b.anonymised_at IS NULL AND b.deleted_at IS NULL
          AND b.retain_until IS NOT NULL AND b.retain_until < ?
          AND NOT EXISTS (SELECT 1 FROM loan_borrowers lb JOIN loans l ON l.id = lb.id
                          WHERE lb.borrower_id = b.id AND l.status IN ('reserviert', 'ausgegeben')
                            AND l.deleted_at IS NULL)
          AND NOT EXISTS (SELECT 1 FROM waitlist_borrowers wb JOIN waitlist w ON w.id = wb.id
                          WHERE wb.borrower_id = b.id AND w.status IN ('wartend', 'angeboten')
                            AND w.deleted_at IS NULL)
        ORDER BY b.id
        """,
        (municipality_id, today.isoformat()),
    ).fetchall()
    return [r[0] for r in rows]


def anonymise(conn: sqlite3.Connection, borrower_ids: Sequence[str], at: str) -> tuple[int, int, int]:
    """Blank the borrowers and their loan and waiting-list records; (borrowers, loans, waits)."""
    counts = [0, 0, 0]
    for borrower_id in borrower_ids:
        counts[0] += conn.execute(
            "UPDATE borrowers SET name = ?, street = '', postal_code = '', city = '', phone = '', email = '',"
            " blocked_reason = NULL, anonymised_at = ?, updated_at = ? WHERE id = ?",
            (ANONYMISED_NAME, at, at, borrower_id),
        ).rowcount
        counts[1] += conn.execute(
            "UPDATE loan_borrowers SET name = ?, contact = '', deposit_note = NULL, updated_at = ?"
            " WHERE borrower_id = ?",
            (ANONYMISED_NAME, at, borrower_id),
        ).rowcount
        counts[2] += conn.execute(
            "UPDATE waitlist_borrowers SET name = ?, contact = '', updated_at = ? WHERE borrower_id = ?",
            (ANONYMISED_NAME, at, borrower_id),
        ).rowcount
    return counts[0], counts[1], counts[2]


def log_retention(
    conn: sqlite3.Connection, *, run_at: str, cutoff: dt.date, counts: tuple[int, int, int], dry_run: bool
) -> None:
    conn.execute(
        "INSERT INTO retention_log (run_at, cutoff, borrowers, loan_records, waitlist_records, dry_run)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (run_at, cutoff.isoformat(), *counts, int(dry_run)),
    )


def last_retention_run(conn: sqlite3.Connection) -> str | None:
    row = conn.execute("SELECT max(run_at) FROM retention_log WHERE dry_run = 0").fetchone()
    return row[0] if row else None
