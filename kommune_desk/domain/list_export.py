"""Lists a clerk takes out of the program (CSV, Excel, Druckliste): the table, its cells and names.

Pure rules, shared by the Posteingang table on screen and its exports, so both show the same
columns with the same words.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .formatting import format_date, local_date
from .inbox_views import UNASSIGNED, InboxFilter, InboxView
from .records import InboxRow

Cell = str | dt.date | None
# A spreadsheet reads a cell that starts with one of these as a formula (CSV injection); tab and
# carriage return start one in some programs too.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NOT_IN_FILE_NAME = re.compile(r"[^\w]+")

INBOX_HEADERS = ("Aktenzeichen", "Eingang", "Leistung", "Antragsteller/in", "Status", "Frist", "Bearbeitung")
INBOX_DATE_COLUMNS = frozenset({1, 5})
# Relative widths of the Druckliste columns (the name and service columns get the most).
INBOX_PRINT_WIDTHS = (13, 9, 24, 22, 13, 9, 14)


@dataclass(frozen=True)
class ListTable:
    """A list as it leaves the program: what it shows (title, filters in words, time) and its rows."""

    title: str  # "Posteingang – Meine"
    municipality: str
    description: tuple[str, ...]  # the view and its filters, one phrase each
    created: dt.datetime  # local time of the export
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    widths: tuple[int, ...] = ()  # relative print widths, one per column (equal when empty)

    @property
    def stand(self) -> str:
        """``Stand: 06.12.2026, 14:05 Uhr``."""
        return f"Stand: {format_date(self.created)}, {self.created:%H:%M} Uhr"


def inbox_cells(record: InboxRow) -> tuple[Cell, ...]:
    """One Posteingang line as the table shows it: dates as dates, "ruht" for a paused period."""
    if record.paused_days is not None and record.status.is_open:
        deadline: Cell = "ruht"
    else:
        deadline = record.due_date
    return (
        record.aktenzeichen,
        local_date(record.received_at),
        record.service_name,
        record.applicant_name,
        record.status.label,
        deadline,
        record.assignee_name or None,
    )


def cell_text(value: Cell) -> str:
    """A cell as German text: 24.11.2026 for a date, "–" for nothing."""
    if value is None or value == "":
        return "–"
    if isinstance(value, dt.date):
        return format_date(value)
    return value


def spreadsheet_safe(text: str) -> str:
    """``text`` that a spreadsheet shows as text, never runs as a formula (leading apostrophe)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def describe_filter(
    query: InboxFilter,
    services: Mapping[str, str] | None = None,
    clerks: Mapping[str, str] | None = None,
    view_label: str | None = None,
) -> tuple[str, ...]:
    """The view and each active filter in words, e.g. ``("Ansicht: Meine", "Status: Klärung")``.

    ``services`` and ``clerks`` map ids to names (an unknown id is named as such, not shown raw).
    """
    words = [f"Ansicht: {view_label or query.view.label}"]
    if query.statuses:
        words.append("Status: " + ", ".join(sorted(s.label for s in query.statuses)))
    if query.service_id:
        words.append(f"Leistung: {(services or {}).get(query.service_id, 'unbekannte Leistung')}")
    if query.assignee_id == UNASSIGNED:
        words.append("Bearbeitung: nicht zugewiesen")
    elif query.assignee_id:
        words.append(f"Bearbeitung: {(clerks or {}).get(query.assignee_id, 'unbekannte Person')}")
    if query.received_from and query.received_to:
        words.append(f"Eingang: {format_date(query.received_from)} bis {format_date(query.received_to)}")
    elif query.received_from:
        words.append(f"Eingang ab {format_date(query.received_from)}")
    elif query.received_to:
        words.append(f"Eingang bis {format_date(query.received_to)}")
    if query.text.strip():
        words.append(f"Suche: „{' '.join(query.text.split())}“")
    return tuple(words)


def export_file_name(list_name: str, view_name: str, day: dt.date, extension: str) -> str:
    """``Posteingang-Meine-offenen-2026-12-06.csv``: letters (umlauts too), digits and dashes only."""
    words = _NOT_IN_FILE_NAME.sub("-", f"{list_name} {view_name}").strip("-_")
    words = re.sub(r"-{2,}", "-", words)[:80].rstrip("-")
    return f"{words or 'Liste'}-{day.isoformat()}.{extension}"


def find_view(name: str, saved: Sequence[tuple[str, InboxFilter]]) -> tuple[str, InboxFilter] | None:
    """A standard view by label or key (``Meine``, ``ueberfaellig``) or a saved view by name,
    case-insensitive; None if there is none."""
    wanted = " ".join(name.split()).casefold()
    for view in InboxView:
        if wanted in (view.label.casefold(), view.value):
            return view.label, InboxFilter(view=view)
    for saved_name, query in saved:
        if saved_name.casefold() == wanted:
            return saved_name, query
    return None
