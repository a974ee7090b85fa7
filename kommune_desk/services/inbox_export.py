"""The Posteingang as a list to take away: CSV (``;``, UTF-8 with BOM), Excel (XLSX) or a printable
PDF (Druckliste, A4 landscape).

The rows are those of the current view and filters, in the order the table shows them, all of
them, not only the page on screen. Every file is written to a temporary name first and appears
whole or not at all (a failure leaves the old file, or none).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from kommune_desk.domain.inbox_views import InboxFilter
from kommune_desk.domain.list_export import (
    INBOX_DATE_COLUMNS,
    INBOX_HEADERS,
    INBOX_PRINT_WIDTHS,
    ListTable,
    cell_text,
    describe_filter,
    export_file_name,
    find_view,
    inbox_cells,
    spreadsheet_safe,
)
from kommune_desk.domain.validation import ValidationError
from kommune_desk.storage.files import write_durably

from .inbox import InboxReader
from .workspace import Workspace

FORMATS = ("csv", "xlsx", "pdf")
LIST_NAME = "Posteingang"
_ROWS_PER_READ = 500  # row ids per IN (…) query: well below SQLite's variable limit


@dataclass(frozen=True)
class InboxExport:
    """What to export: the view's name as the clerk sees it, its filter and the table's order."""

    name: str
    query: InboxFilter
    order: str = "received_at"
    descending: bool = True

    def file_name(self, file_format: str, day: dt.date | None = None) -> str:
        """The suggested file name, e.g. ``Posteingang-Meine-2026-12-06.csv``."""
        return export_file_name(LIST_NAME, self.name, day or dt.date.today(), file_format)


def inbox_table(ws: Workspace, export: InboxExport, now: dt.datetime | None = None) -> ListTable:
    """All rows of the view, read on this thread's own connection (call it in a worker)."""
    if ws.clerk is None:
        raise ValidationError(
            ["Ihre Anmeldung ist keiner Person zugeordnet; der Posteingang kann nicht exportiert werden."]
        )
    now = now or dt.datetime.now()
    reader = InboxReader(ws.db, ws.municipality.id, ws.clerk.id)
    try:
        handles = reader.handles(export.query, export.order, export.descending, None, now.date())
        found = {}
        for start in range(0, len(handles), _ROWS_PER_READ):
            found.update(reader.rows(handles[start : start + _ROWS_PER_READ]))
    finally:
        reader.close()
    rows = tuple(inbox_cells(found[handle]) for handle in handles if handle in found)
    return ListTable(
        title=f"{LIST_NAME} – {export.name}",
        municipality=ws.municipality.name,
        description=_description(ws, export),
        created=now,
        headers=INBOX_HEADERS,
        rows=rows,
        widths=INBOX_PRINT_WIDTHS,
    )


def _description(ws: Workspace, export: InboxExport) -> tuple[str, ...]:
    """The view and its filters in words (service and clerk ids named only when a filter uses them)."""
    from .applications import services_offered
    from .clerks import list_clerks

    query = export.query
    services = {s.id: s.name for s in services_offered(ws)} if query.service_id else {}
    clerks = {c.id: c.display_name for c in list_clerks(ws)} if query.assignee_id else {}
    words = describe_filter(query, services, clerks)
    if export.name != query.view.label:  # a saved view: its name is the title, the base view is said
        return words
    return words[1:]


def csv_bytes(table: ListTable) -> bytes:
    """The rows as German Excel reads CSV: ``;``, UTF-8 with BOM, dates as 24.11.2026."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow([_csv_cell(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return cell_text(value)
    return spreadsheet_safe(str(value))


def xlsx_bytes(table: ListTable, date_columns: Sequence[int] = tuple(INBOX_DATE_COLUMNS)) -> bytes:
    """One sheet with the rows (real date cells), a bold frozen header row and a notes sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = LIST_NAME[:31]
    sheet.append(list(table.headers))
    for row in table.rows:
        # openpyxl stores a string cell as text (no formula) unless it starts with "="; the
        # apostrophe keeps every program that re-reads the file from running it.
        sheet.append([spreadsheet_safe(v) if isinstance(v, str) else v for v in row])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column in date_columns:
        for (cell,) in sheet.iter_rows(min_row=2, min_col=column + 1, max_col=column + 1):
            cell.number_format = "DD.MM.YYYY"
    for index, width in enumerate(table.widths or (), start=1):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = max(10, width * 1.6)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    notes = book.create_sheet("Hinweise")
    for line in (table.title, table.municipality, *table.description, table.stand):
        notes.append([spreadsheet_safe(line)])
    notes.column_dimensions["A"].width = 60
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def pdf_bytes(table: ListTable) -> bytes:
    """The Druckliste (A4 landscape); reportlab is imported only here."""
    from kommune_desk.documents.list_print import render_list

    return render_list(table)


def render(table: ListTable, file_format: str) -> bytes:
    """The bytes of ``table`` in ``file_format`` (csv, xlsx or pdf)."""
    if file_format == "csv":
        return csv_bytes(table)
    if file_format == "xlsx":
        return xlsx_bytes(table)
    if file_format == "pdf":
        return pdf_bytes(table)
    raise ValidationError([f"Unbekanntes Format „{file_format}“ (csv, xlsx oder pdf)."])


def export_inbox(
    ws: Workspace, export: InboxExport, file_format: str, path: Path, now: dt.datetime | None = None
) -> int:
    """Write the view's rows to ``path`` as ``file_format``; returns how many rows were written."""
    if file_format not in FORMATS:
        raise ValidationError([f"Unbekanntes Format „{file_format}“ (csv, xlsx oder pdf)."])
    table = inbox_table(ws, export, now)
    data = render(table, file_format)
    try:
        write_durably(path, data)
    except OSError as exc:
        raise ValidationError(
            [
                f"Die Datei „{path.name}“ konnte nicht gespeichert werden. Ist der Ordner vorhanden und "
                "beschreibbar, und ist die Datei nicht in einem anderen Programm (z. B. Excel) geöffnet? "
                "Eine vorhandene Datei dieses Namens ist unverändert."
            ]
        ) from exc
    return len(table.rows)


def print_list(ws: Workspace, export: InboxExport, now: dt.datetime | None = None) -> bytes:
    """The Druckliste of the view as PDF bytes, for the preview and the printer."""
    return pdf_bytes(inbox_table(ws, export, now))


def resolve_view(ws: Workspace, name: str) -> InboxExport:
    """A standard view (``Meine``, ``ueberfaellig``) or one of the clerk's saved views, by name."""
    from .saved_views import list_views

    found = find_view(name, [(view.name, view.query) for view in list_views(ws)])
    if found is None:
        raise ValidationError(
            [
                f"Eine Ansicht „{name}“ gibt es nicht. Möglich sind die Ansichten des Posteingangs "
                "(z. B. „Meine“, „Überfällig“, „Alle Anträge“) und Ihre gespeicherten Ansichten."
            ]
        )
    return InboxExport(*found)
