"""The data behind the Statistik dashboard as CSV or XLSX, and the dashboard as a PDF report.

Suppressed values stay empty cells (``null`` in JSON); numbers are real numbers (XLSX) or German
decimals (CSV, ``;``-separated, UTF-8 with BOM, so German Excel opens it as it is). Every file is
written to a temporary name first and appears whole or not at all.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from kommune_desk.domain.formatting import format_decimal
from kommune_desk.domain.validation import ValidationError

from .dashboard import (
    AUTH_LABELS,
    CHANNEL_LABELS,
    Dashboard,
    Filters,
    build_dashboard,
    method_label,
    months_of,
    save_export,
)
from .workspace import Workspace

Cell = str | int | float | None

DEFINITIONS = (
    "gestartet: Sitzungen mit einem Ereignis „gestartet“ im Zeitraum (nach dem Tag des Beginns).",
    "abgeschickt: diese Sitzungen, soweit sie abgeschickt wurden; abgebrochen = gestartet − abgeschickt; "
    "Abbruchquote = abgebrochen ÷ gestartet.",
    "Formularschritte: für jeden Schritt die begonnenen Sitzungen, deren höchster Schritt mindestens so "
    "hoch ist.",
    "Zahlarten: begonnene Sitzungen mit einer Online-Zahlung je Zahlart, dazu die am Schalter oder per "
    "Überweisung bezahlten eigenen Vorgänge (nach Zahlungsdatum).",
    "Anmeldung und Kanal: Anteile der begonnenen Sitzungen.",
    "Bearbeitungszeit: Kalendertage vom Eingang bis zum Versand des Bescheids (oder dem Abschluss) der im "
    "Zeitraum erledigten eigenen Vorgänge; Median und 90-%-Wert (90 % der Fälle waren höchstens so lange "
    "in Bearbeitung). Nur bei mindestens 5 erledigten Fällen.",
    "Rückstand: am Ende des Zeitraums eingegangene, noch nicht erledigte Vorgänge (ohne zurückgezogene und "
    "weitergeleitete); überfällig: davon die mit abgelaufener Frist (ohne ruhende).",
)
SUPPRESSION = (
    "Datenschutz: Werte von 1 bis 4 werden nicht gezeigt („< 5“), ebenso alle daraus berechneten Quoten "
    "und Anteile. Ließe sich ein verborgener Wert aus einer gezeigten Summe oder den übrigen Werten seiner "
    "Zeile oder Spalte errechnen, wird ein weiterer Wert verdeckt („×“, auch wenn er 5 oder größer ist). "
    "In CSV- und Excel-Dateien sind beide ein leeres Feld. Null bleibt Null."
)


def table(report: dict) -> tuple[list[str], list[list[Cell]]]:
    """One row per service and one for all (first), every figure in its own column."""
    entries = [{"name": "Gesamt", "leika_id": ""} | report["gesamt"], *report["leistungen"]]
    steps = sorted({s["schritt"] for e in entries for s in e["trichter"]})
    methods = sorted({m for e in entries for m in e["zahlarten"]})
    auths = sorted({a for e in entries for a in e["anmeldung"]})
    channels = sorted({c for e in entries for c in e["kanal"]})
    headers = [
        "Leistung",
        "LeiKa-Schlüssel",
        "gestartet",
        "abgeschickt",
        "abgebrochen",
        "Abbruchquote",
        *[f"Schritt {s} erreicht" for s in steps],
        *[f"Zahlart {method_label(m)}" for m in methods],
        *[f"Anmeldung {AUTH_LABELS.get(a, a)}" for a in auths],
        *[f"Kanal {CHANNEL_LABELS.get(c if c != 'nicht_angegeben' else '', c)}" for c in channels],
        "Bewertung Mittelwert",
        "erledigt",
        "Bearbeitungstage Median",
        "Bearbeitungstage 90 %",
        "offen",
        "überfällig",
    ]
    rows = []
    for e in entries:
        reached = {s["schritt"]: s["erreicht"] for s in e["trichter"]}
        processing = e["bearbeitung"]
        rows.append(
            [
                e["name"],
                e["leika_id"],
                e["gestartet"],
                e["abgeschickt"],
                e["abgebrochen"],
                e["abbruchquote"],
                *[reached.get(s, 0) for s in steps],
                *[e["zahlarten"].get(m, 0) for m in methods],
                *[e["anmeldung"].get(a, 0) for a in auths],
                *[e["kanal"].get(c, 0) for c in channels],
                e["bewertung"]["mittelwert"],
                processing["abgeschlossen"],
                processing["median_tage"],
                processing["p90_tage"],
                processing["offen"],
                processing["ueberfaellig"],
            ]
        )
    return headers, rows


def monthly(dashboard: Dashboard) -> list[tuple[str, Cell, Cell]]:
    """(month, started, submitted) of the line chart."""
    chart = next(spec for spec in dashboard.charts if spec.key == "monate")
    started, submitted = (series.values for series in chart.series)
    return list(zip(chart.categories, started, submitted, strict=True))


def _csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return format_decimal(value, 4 if value < 1 else 1)
    return str(value)


def csv_bytes(dashboard: Dashboard) -> bytes:
    """The per-service table as German Excel reads CSV: ``;``, decimal comma, UTF-8 with BOM."""
    headers, rows = table(dashboard.report)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(dashboard: Dashboard, town: str) -> bytes:
    """Sheets Leistungen, Monate and Hinweise, with real number and date cells."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    period = dashboard.filters.period
    book = Workbook()
    sheet = book.active
    sheet.title = "Leistungen"
    headers, rows = table(dashboard.report)
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column, header in enumerate(headers, start=1):
        fmt = (
            "0.0%"
            if header == "Abbruchquote"
            else "#,##0.0"
            if "Tage" in header or "Mittel" in header
            else None
        )
        if fmt:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
                cell.number_format = fmt
    sheet.column_dimensions["A"].width = 38
    sheet.freeze_panes = "C2"
    months = book.create_sheet("Monate")
    months.append(["Monat", "gestartet", "abgeschickt"])
    for month, (_label, started, submitted) in zip(months_of(period), monthly(dashboard), strict=True):
        months.append([month, started, submitted])
    for (cell,) in months.iter_rows(min_row=2, max_col=1):
        cell.number_format = "MMM YYYY"
    notes = book.create_sheet("Hinweise")
    notes.append(["Gemeinde", town])
    notes.append(["Zeitraum von", period.first])
    notes.append(["Zeitraum bis", period.last])
    notes.append(["Erstellt am", dt.date.today()])
    for row in range(2, 5):
        notes.cell(row, 2).number_format = "DD.MM.YYYY"
    notes.append([])
    for line in (*DEFINITIONS, SUPPRESSION):
        notes.append([line])
    notes.column_dimensions["A"].width = 16
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def export_data(ws: Workspace, filters: Filters, file_format: str, path: Path) -> Path:
    """The data behind the dashboard as ``csv`` or ``xlsx``."""
    dashboard = build_dashboard(ws, filters)
    if file_format == "csv":
        return save_export(path, lambda: csv_bytes(dashboard))
    if file_format == "xlsx":
        return save_export(path, lambda: xlsx_bytes(dashboard, ws.municipality.name))
    raise ValidationError([f"Unbekanntes Format „{file_format}“ (csv oder xlsx)."])


def export_report(ws: Workspace, filters: Filters, path: Path) -> Path:
    """The dashboard as an A4 PDF report for the Magistrat or Gemeindevorstand."""
    from kommune_desk.documents.statistics_report import render_report

    dashboard = build_dashboard(ws, filters)
    return save_export(path, lambda: render_report(dashboard, ws.municipality.name, DEFINITIONS, SUPPRESSION))
