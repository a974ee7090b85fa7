"""Borrowers of the Geräteverleih and the retention of their data.

A borrower is the lending town's own, personal data: it is written and replicated in the
town's scope only. Minimal data (name, address, phone or e-mail, privacy notice acknowledged);
never an ID number. ``retain_until`` is cleared while a loan is open and set when the last one
closes; ``run_retention`` anonymises everybody past it, here and (through sync) on the server.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass, replace

from kommune_desk.domain import pool
from kommune_desk.domain.formatting import count_noun, utc_now_iso
from kommune_desk.domain.ids import uuid7
from kommune_desk.domain.pool import PoolError
from kommune_desk.domain.replication import municipality_scope
from kommune_desk.domain.retention import DEFAULT_RETENTION_MONTHS, months_problem, retain_until
from kommune_desk.domain.validation import ValidationError
from kommune_desk.storage import borrowers as repo
from kommune_desk.storage import loans as loan_repo
from kommune_desk.storage.borrowers import Borrower
from kommune_desk.storage.loans import LoanListing
from kommune_desk.storage.reference import get_setting, set_setting

from .changes import Actor, record_change
from .workflow import current_actor
from .workspace import Workspace

__all__ = [
    "KINDS",
    "Borrower",
    "RetentionResult",
    "block_borrower",
    "borrower_history",
    "create_borrower",
    "retention_months",
    "run_retention",
    "search_borrowers",
    "set_retention_months",
    "update_borrower",
]

KINDS = {"buerger": "Bürger/in", "verein": "Verein", "personal": "Mitarbeitende einer Partnerkommune"}
RETENTION_KEY = "pool.retention_months"
LAST_RETENTION_KEY = "pool.retention_last_day"


def _record(
    conn: sqlite3.Connection,
    ws: Workspace,
    at: str,
    mutation: str,
    borrower_id: str,
    action: str,
    changes: dict | None = None,
) -> None:
    record_change(
        conn,
        Actor(ws.clerk.id if ws.clerk else None, ws.municipality.id),
        at=at,
        mutation=mutation,
        scope=municipality_scope(ws.municipality.id),
        args={"borrower_id": borrower_id},
        entity="borrower",
        entity_id=borrower_id,
        action=action,
        changes=changes,
    )


def borrower_problems(b: Borrower) -> list[str]:
    problems = []
    if not b.name.strip():
        problems.append("Bitte geben Sie den Namen an.")
    if b.kind not in KINDS:
        problems.append("Bitte wählen Sie, ob es eine Bürgerin/ein Bürger, ein Verein oder Personal ist.")
    if b.email and ("@" not in b.email or " " in b.email.strip()):
        problems.append(f"Die E-Mail-Adresse »{b.email}« ist nicht vollständig.")
    return problems


def _clean(b: Borrower) -> Borrower:
    def tidy(value: str) -> str:
        return " ".join(value.split())

    return replace(
        b,
        name=tidy(b.name),
        street=tidy(b.street),
        postal_code=tidy(b.postal_code),
        city=tidy(b.city),
        phone=tidy(b.phone),
        email=b.email.strip(),
    )


def create_borrower(ws: Workspace, borrower: Borrower) -> str:
    """Add a borrower of this town (the id of ``borrower`` is ignored); return the new id."""
    current_actor(ws)
    b = replace(_clean(borrower), id=uuid7())
    problems = borrower_problems(b)
    if problems:
        raise ValidationError(problems)
    at = utc_now_iso()
    with ws.db.write() as conn:
        repo.insert_borrower(conn, b, ws.municipality.id, at)
        _record(conn, ws, at, "create_borrower", b.id, "entleiher_angelegt")
    return b.id


def update_borrower(ws: Workspace, borrower: Borrower) -> None:
    """Change a borrower's data (name, address, contact, privacy notice)."""
    current_actor(ws)
    b = _clean(borrower)
    problems = borrower_problems(b)
    if problems:
        raise ValidationError(problems)
    at = utc_now_iso()
    with ws.db.write() as conn:
        before = repo.load_borrower(conn, b.id, ws.municipality.id)
        if before is None or before.anonymised:
            raise PoolError("Diese Person gibt es nicht (mehr) in Ihrer Kommune.")
        repo.update_borrower(
            conn,
            b.id,
            at,
            kind=b.kind,
            name=b.name,
            street=b.street,
            postal_code=b.postal_code,
            city=b.city,
            phone=b.phone,
            email=b.email,
            privacy_ack_on=b.privacy_ack_on.isoformat() if b.privacy_ack_on else None,
        )
        # The audit names the fields, never their personal values.
        changed = [
            f
            for f in ("kind", "name", "street", "postal_code", "city", "phone", "email", "privacy_ack_on")
            if getattr(before, f) != getattr(b, f)
        ]
        _record(conn, ws, at, "update_borrower", b.id, "entleiher_geaendert", {"felder": changed})


def block_borrower(ws: Workspace, borrower_id: str, reason: str | None) -> None:
    """Block a borrower with a reason (None or empty lifts the block)."""
    current_actor(ws)
    reason = " ".join((reason or "").split()) or None
    at = utc_now_iso()
    with ws.db.write() as conn:
        before = repo.load_borrower(conn, borrower_id, ws.municipality.id)
        if before is None or before.anonymised:
            raise PoolError("Diese Person gibt es nicht (mehr) in Ihrer Kommune.")
        if before.blocked_reason == reason:
            return
        repo.update_borrower(conn, borrower_id, at, blocked_reason=reason)
        _record(
            conn,
            ws,
            at,
            "block_borrower",
            borrower_id,
            "entleiher_gesperrt" if reason else "sperre_aufgehoben",
        )


def search_borrowers(ws: Workspace, text: str, limit: int = 50) -> list[Borrower]:
    conn = ws.db.reader()
    try:
        return repo.search_borrowers(conn, ws.municipality.id, text, limit)
    finally:
        conn.close()


def load_borrower(ws: Workspace, borrower_id: str) -> Borrower | None:
    conn = ws.db.reader()
    try:
        return repo.load_borrower(conn, borrower_id, ws.municipality.id)
    finally:
        conn.close()


def borrower_history(ws: Workspace, borrower_id: str) -> list[LoanListing]:
    """The borrower's reservations and loans, newest first."""
    conn = ws.db.reader()
    try:
        ids = {
            r[0] for r in conn.execute("SELECT id FROM loan_borrowers WHERE borrower_id = ?", (borrower_id,))
        }
        return [loan for loan in loan_repo.list_loans(conn, ws.municipality.id) if loan.loan_id in ids]
    finally:
        conn.close()


# --- used by the booking and return services, inside their transaction -------------------------


def resolve_for_booking(
    conn: sqlite3.Connection, ws: Workspace, borrower_id: str | None, name: str, contact: str, at: str
) -> Borrower:
    """The borrower of a new booking: by id, by exact name, or added now; refused if blocked."""
    if borrower_id:
        borrower = repo.load_borrower(conn, borrower_id, ws.municipality.id)
        if borrower is None or borrower.anonymised:
            raise PoolError("Diese Person gibt es nicht (mehr) in Ihrer Kommune.")
    else:
        name = " ".join(name.split())
        if not name:
            raise ValidationError(["Bitte geben Sie an, wer das Gerät ausleiht."])
        known = repo.find_by_name(conn, ws.municipality.id, name)
        borrower = known[0] if len(known) == 1 else None
        if borrower is None:
            contact = contact.strip()
            email, phone = (contact, "") if "@" in contact else ("", contact)
            borrower = Borrower(uuid7(), "buerger", name, phone=phone, email=email)
            # Part of the booking's (or waiting entry's) own mutation: one action, one outbox entry.
            repo.insert_borrower(conn, borrower, ws.municipality.id, at)
    refusal = pool.borrower_refusal(borrower.blocked_reason)
    if refusal:
        raise PoolError(refusal)
    return borrower


def keep_while_open(conn: sqlite3.Connection, borrower_id: str, at: str) -> None:
    """A loan is open: the borrower's data is kept at least until it closes."""
    repo.update_borrower(conn, borrower_id, at, retain_until=None)


def start_keeping_period(
    conn: sqlite3.Connection, ws: Workspace, borrower_id: str, closed_on: dt.date, at: str
) -> None:
    """A loan closed: once nothing is open, the keeping period runs from ``closed_on``."""
    if repo.open_loans(conn, borrower_id) or repo.open_waits(conn, borrower_id):
        return
    months = _months(conn)
    repo.update_borrower(conn, borrower_id, at, retain_until=retain_until(closed_on, months).isoformat())


# --- retention -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetentionResult:
    """What a retention run did (or, dry, would do): counts only, never a name."""

    cutoff: dt.date
    months: int
    borrowers: int
    loan_records: int
    waitlist_records: int
    dry_run: bool

    def message(self) -> str:
        if not self.borrowers:
            return f"Keine Entleiherdaten sind älter als {self.months} Monate nach der letzten Ausleihe."
        verb = ("würde" if self.dry_run else "wurde") + ("" if self.borrowers == 1 else "n")
        return (
            f"{count_noun(self.borrowers, 'Person', 'Personen')} {verb} anonymisiert "
            f"({count_noun(self.loan_records, 'Ausleihvermerk', 'Ausleihvermerke')}, "
            f"{count_noun(self.waitlist_records, 'Wartelisteneintrag', 'Wartelisteneinträge')}); "
            f"Frist: {self.months} Monate nach der letzten Ausleihe."
        )


def _months(conn: sqlite3.Connection) -> int:
    value = get_setting(conn, RETENTION_KEY)
    return int(value) if value and value.isdigit() else DEFAULT_RETENTION_MONTHS


def retention_months(ws: Workspace) -> int:
    conn = ws.db.reader()
    try:
        return _months(conn)
    finally:
        conn.close()


def set_retention_months(ws: Workspace, months: int) -> None:
    problem = months_problem(months)
    if problem:
        raise ValidationError([problem])
    current_actor(ws)
    with ws.db.write() as conn:
        set_setting(conn, RETENTION_KEY, str(months))


def run_retention(ws: Workspace, today: dt.date | None = None, *, dry_run: bool = False) -> RetentionResult:
    """Anonymise every borrower of this town whose keeping period is over (or count them)."""
    day = today or dt.date.today()
    at = utc_now_iso()
    with ws.db.write() as conn:
        months = _months(conn)
        due = repo.due_for_retention(conn, ws.municipality.id, day)
        if dry_run:
            counts = _would_touch(conn, due)
        else:
            counts = repo.anonymise(conn, due, at)
            for borrower_id in due:
                # Outbox and audit per borrower: the anonymised rows replicate to the server.
                _record(conn, ws, at, "anonymise_borrower", borrower_id, "entleiher_anonymisiert")
            set_setting(conn, LAST_RETENTION_KEY, day.isoformat())
        repo.log_retention(conn, run_at=at, cutoff=day, counts=counts, dry_run=dry_run)
    return RetentionResult(day, months, *counts, dry_run=dry_run)


def retention_due_today(ws: Workspace, today: dt.date | None = None) -> bool:
    """Whether the daily retention has not run yet today (the app runs it once a day)."""
    day = (today or dt.date.today()).isoformat()
    conn = ws.db.reader()
    try:
        return get_setting(conn, LAST_RETENTION_KEY) != day
    finally:
        conn.close()


def _would_touch(conn: sqlite3.Connection, ids: list[str]) -> tuple[int, int, int]:
    if not ids:
        return 0, 0, 0
    marks = ", ".join("?" * len(ids))
    loans = conn.execute(
        f"SELECT count(*) FROM loan_borrowers WHERE borrower_id IN ({marks})", ids
    ).fetchone()[0]
    waits = conn.execute(
        f"SELECT count(*) FROM waitlist_borrowers WHERE borrower_id IN ({marks})", ids
    ).fetchone()[0]
    return len(ids), loans, waits
