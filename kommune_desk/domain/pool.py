"""The shared equipment pool (Geräteverleih): when a device is free, and what a period may be.

Pure and shared: the client checks a booking against the loans it knows; the server, the one
arbiter, calls ``overlapping`` and ``booking_refusal`` with the same signatures on every push.
Periods are whole days, both ends included: a loan 01.–05. and one 05.–08. share the 5th.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass

from .formatting import format_date
from .validation import ValidationError

# A cancelled (storniert) or returned (zurueckgegeben) loan blocks nothing.
BLOCKING_STATUSES = frozenset({"reserviert", "ausgegeben"})
MAX_LOAN_DAYS = 90
# The one pool of the Kreis Groß-Gerau and its towns (the demo uses the same name).
POOL_NAME = "kreis-gross-gerau"

DEVICE_STATUS_LABELS = {
    "verfuegbar": "verfügbar",
    "wartung": "in Wartung",
    "vermisst": "vermisst",
    "ausgemustert": "ausgemustert",
}
LOAN_STATUS_LABELS = {
    "reserviert": "reserviert",
    "ausgegeben": "ausgegeben",
    "zurueckgegeben": "zurückgegeben",
    "storniert": "storniert",
}


class PoolError(ValidationError):
    """A booking or device change that is not possible; the message says why, in German."""

    def __init__(self, message: str) -> None:
        super().__init__([message])


@dataclass(frozen=True)
class Booking:
    """A loan as the overlap rule sees it; ``start`` and ``end`` are inclusive days."""

    loan_id: str
    device_id: str
    start: dt.date
    end: dt.date
    status: str
    municipality_id: str


def overlapping(candidate: Booking, others: Iterable[Booking]) -> list[Booking]:
    """The blocking bookings of the candidate's device whose days meet the candidate's, by start.

    The candidate's own loan is skipped (a changed loan does not clash with its old self); a
    candidate that blocks nothing itself (storniert) clashes with nothing.
    """
    if candidate.status not in BLOCKING_STATUSES:
        return []
    clashes = [
        other
        for other in others
        if other.loan_id != candidate.loan_id
        and other.device_id == candidate.device_id
        and other.status in BLOCKING_STATUSES
        and other.start <= candidate.end
        and candidate.start <= other.end
    ]
    return sorted(clashes, key=lambda b: (b.start, b.end, b.loan_id))


def period_problem(start: dt.date, end: dt.date, today: dt.date) -> str | None:
    """Why ``start``–``end`` cannot be booked on ``today``, in German, or None."""
    if end < start:
        return (
            f"Das Ende der Ausleihe ({format_date(end)}) liegt vor ihrem Beginn ({format_date(start)}). "
            "Bitte prüfen Sie den Zeitraum."
        )
    if start < today:
        return (
            f"Der Beginn der Ausleihe ({format_date(start)}) liegt in der Vergangenheit. "
            f"Reservieren können Sie ab heute, dem {format_date(today)}."
        )
    days = loan_days(start, end)
    if days > MAX_LOAN_DAYS:
        return (
            f"Eine Ausleihe dauert höchstens {MAX_LOAN_DAYS} Tage; gewählt sind {days} Tage. "
            "Bitte wählen Sie einen kürzeren Zeitraum."
        )
    return None


def is_overdue(booking: Booking, today: dt.date) -> bool:
    """Handed over and not back after its last day."""
    return booking.status == "ausgegeben" and is_past_due(booking.end, today)


def is_past_due(last_day: dt.date, today: dt.date) -> bool:
    """A device still out after ``last_day`` is overdue from the next day on."""
    return last_day < today


def maintenance_is_due(next_due: dt.date | None, today: dt.date) -> bool:
    """A maintenance (e.g. a calibration) is due on its day and after it."""
    return next_due is not None and next_due <= today


def overdue_refusal(candidate: Booking, others: Iterable[Booking], today: dt.date) -> str | None:
    """Why an overdue loan of the device blocks the candidate, or None.

    Nobody knows when an overdue device comes back, so it blocks every new booking until its
    return is recorded (the Teamleitung may override with a note, see ``may_override``).
    """
    late = [
        b for b in others
        if b.device_id == candidate.device_id and b.loan_id != candidate.loan_id and is_overdue(b, today)
    ]  # fmt: skip
    if not late or candidate.status not in BLOCKING_STATUSES:
        return None
    since = min(b.end for b in late) + dt.timedelta(days=1)
    return (
        f"Das Gerät ist seit dem {format_date(since)} überfällig und noch nicht zurückgegeben. "
        "Neue Reservierungen sind erst möglich, wenn die Rückgabe erfasst ist; die Teamleitung "
        "kann mit einer Begründung trotzdem reservieren."
    )


def booking_refusal(candidate: Booking, others: Iterable[Booking]) -> str | None:
    """Why the candidate clashes, naming the taken period(s) in German, or None if it is free."""
    clashes = overlapping(candidate, others)
    if not clashes:
        return None
    periods = [f"vom {format_date(b.start)} bis {format_date(b.end)}" for b in clashes]
    listed = periods[0] if len(periods) == 1 else ", ".join(periods[:-1]) + " und " + periods[-1]
    return f"Das Gerät ist {listed} bereits reserviert."


def device_problems(inventory_number: str, name: str, category: str) -> list[str]:
    """What is missing in a new device's entry, one German sentence per field."""
    problems = []
    if not inventory_number.strip():
        problems.append("Bitte geben Sie die Inventarnummer an, z.\u00a0B. KGG-KS-025.")
    if not name.strip():
        problems.append("Bitte geben Sie die Bezeichnung des Geräts an.")
    if not category.strip():
        problems.append("Bitte geben Sie die Geräteart an, z.\u00a0B. Wärmebildkamera.")
    return problems


def cancel_refusal(loan: Booking, municipality_id: str) -> str | None:
    """Why the town ``municipality_id`` may not cancel ``loan``, or None (a no-op if storniert)."""
    if loan.municipality_id != municipality_id:
        return "Diese Reservierung hat eine andere Gemeinde angelegt; nur sie kann sie stornieren."
    if loan.status == "ausgegeben":
        return "Das Gerät ist bereits ausgegeben; es wird zurückgenommen, nicht storniert."
    if loan.status == "zurueckgegeben":
        return "Eine abgeschlossene Ausleihe kann nicht mehr storniert werden."
    return None


def device_state(status: str, lent_until: dt.date | None, today: dt.date) -> str:
    """What the device list says about a device: its state, and until when it is out."""
    label = DEVICE_STATUS_LABELS.get(status, status)
    if lent_until is None:
        return label
    if lent_until < today:
        out = f"überfällig seit {format_date(lent_until + dt.timedelta(days=1))}"
    else:
        out = f"ausgeliehen bis {format_date(lent_until)}"
    return out if status == "verfuegbar" else f"{label}, {out}"


def loan_days(start: dt.date, end: dt.date) -> int:
    """How many days a loan covers, both ends included."""
    return (end - start).days + 1


def period_text(start: dt.date, end: dt.date) -> str:
    """``03.12.–10.12.2026``; with both years when the period spans the new year."""
    if start.year == end.year:
        return f"{start.day:02d}.{start.month:02d}.–{format_date(end)}"
    return f"{format_date(start)}–{format_date(end)}"


def renewal_refusal(
    loan: Booking,
    new_end: dt.date,
    renewals_done: int,
    max_renewals: int,
    others: Iterable[Booking],
    someone_waits: bool,
) -> str | None:
    """Why a loan may not run until ``new_end``, in German, or None.

    A loan is renewed while it is reserved or out, up to the policy's number of renewals, and
    only if no later booking of the device meets the new days and nobody waits for its type
    in them (``someone_waits``, from ``waitlist.waiting_for``).
    """
    if loan.status not in BLOCKING_STATUSES:
        return "Nur eine laufende Ausleihe oder eine Reservierung kann verlängert werden."
    if new_end <= loan.end:
        return f"Das neue Ende muss nach dem bisherigen ({format_date(loan.end)}) liegen."
    if loan_days(loan.start, new_end) > MAX_LOAN_DAYS:
        return f"Eine Ausleihe dauert höchstens {MAX_LOAN_DAYS} Tage."
    if renewals_done >= max_renewals:
        times = "einmal" if max_renewals == 1 else f"{max_renewals}-mal"
        return (
            f"Diese Ausleihe wurde schon {times} verlängert; mehr Verlängerungen lassen die "
            "Leihbedingungen nicht zu."
            if max_renewals
            else "Die Leihbedingungen dieses Geräts lassen keine Verlängerung zu."
        )
    extension = Booking(loan.loan_id, loan.device_id, loan.end + dt.timedelta(days=1), new_end, loan.status,
                        loan.municipality_id)  # fmt: skip
    clash = booking_refusal(extension, others)
    if clash:
        return f"{clash} Eine Verlängerung ist deshalb nicht möglich."
    if someone_waits:
        return (
            "Für diese Geräteart wartet jemand auf der Warteliste auf diese Tage; eine Verlängerung "
            "ist deshalb nicht möglich."
        )
    return None


def display_status(status: str, lent: bool, reserved_today: bool) -> str:
    """The register's status: verfügbar, reserviert, verliehen, in Wartung, vermisst, ausgemustert."""
    if status != "verfuegbar":
        return DEVICE_STATUS_LABELS.get(status, status)
    if lent:
        return "verliehen"
    return "reserviert" if reserved_today else "verfügbar"


def unavailable_reason(status: str) -> str | None:
    """Why a device of this status cannot be reserved or handed over now, or None."""
    if status == "verfuegbar":
        return None
    return f"Das Gerät ist {DEVICE_STATUS_LABELS.get(status, status)}."


def borrower_refusal(blocked_reason: str | None) -> str | None:
    """Why a blocked borrower cannot book, in German, or None."""
    if blocked_reason:
        return (
            f"Diese Person ist für den Geräteverleih gesperrt ({blocked_reason}). "
            "Bitte klären Sie das zuerst."
        )
    return None


@dataclass(frozen=True)
class CheckedItem:
    """One line of a handover or return checklist."""

    item: str
    ok: bool
    note: str = ""


BASE_CHECKS = ("Gerät vollständig und äußerlich unbeschädigt", "Funktion geprüft")


def checklist_items(accessories: Iterable[str]) -> list[str]:
    """The checklist of a device: the base checks, then one line per accessory."""
    return [*BASE_CHECKS, *(a for a in accessories if a.strip())]


def checklist_json(items: Iterable[CheckedItem]) -> str:
    """The stored form of a checklist (``loans.checklist_out``/``checklist_in``)."""
    return json.dumps([{"punkt": i.item, "ok": i.ok, "bemerkung": i.note} for i in items], ensure_ascii=False)


def checklist_from_json(text: str | None) -> list[CheckedItem]:
    """A stored checklist; an empty or unreadable one is an empty list."""
    try:
        rows = json.loads(text or "[]")
    except ValueError:
        return []
    if not isinstance(rows, list):
        return []
    return [
        CheckedItem(str(r.get("punkt", "")), bool(r.get("ok")), str(r.get("bemerkung", "")))
        for r in rows
        if isinstance(r, dict)
    ]


def accessories_from_json(text: str | None) -> list[str]:
    """A device's accessories as stored (a JSON list of names)."""
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return []
    return [str(v) for v in value if str(v).strip()] if isinstance(value, list) else []


def loan_number(loan_id: str) -> str:
    """The Leihnummer people read and say: ``L-3F9A-1C2B`` from the random end of the loan's id
    (32 random bits: a clash among one town's loans is practically impossible)."""
    tail = loan_id.replace("-", "")[-8:].upper()
    return f"L-{tail[:4]}-{tail[4:]}"


def is_loan_number(loan_id: str, text: str, *, beginning: bool = False) -> bool:
    """Whether ``text`` (any case, with or without ``L-`` and dashes) is the loan's Leihnummer,
    or with ``beginning`` its first four characters or more."""
    wanted = text.strip().upper().removeprefix("L").replace("-", "").replace(" ", "")
    digits = loan_number(loan_id).replace("-", "")[1:]
    if beginning:
        return len(wanted) >= 4 and digits.startswith(wanted)
    return len(wanted) == 8 and digits == wanted


def settle_return_checklist(items: Iterable[CheckedItem], damage: str) -> list[CheckedItem]:
    """The return checklist as it is recorded: a part not ticked "fehlt" unless the clerk said
    otherwise, and the device is not "vollständig und unbeschädigt" while a part is missing or
    a damage is noted (the protocol must never contradict itself)."""
    settled = [
        item if item.ok or item.note.strip() else CheckedItem(item.item, False, "fehlt") for item in items
    ]
    missing = any(not item.ok for item in settled if item.item not in BASE_CHECKS)
    if not (missing or damage.strip()):
        return settled
    note = "; ".join(
        n for n in ("Teile fehlen" if missing else "", "Schaden festgestellt" if damage.strip() else "") if n
    )
    return [
        CheckedItem(item.item, False, item.note or note) if item.item == BASE_CHECKS[0] and item.ok else item
        for item in settled
    ]


def length_refusal(start: dt.date, end: dt.date, loan_days_allowed: int, category: str) -> str | None:
    """Why a booking is longer than the device's loan policy allows, in German, or None.

    Longer use is a renewal (asked when the loan runs, so the waiting list gets its turn).
    """
    days = loan_days(start, end)
    if days <= loan_days_allowed:
        return None
    limit = "einen Tag" if loan_days_allowed == 1 else f"{loan_days_allowed} Tage"
    return (
        f"Ein Gerät der Art »{category}« wird für höchstens {limit} verliehen; gewählt sind {days} Tage. "
        "Bitte wählen Sie einen kürzeren Zeitraum; eine Verlängerung ist während der Ausleihe möglich."
    )
