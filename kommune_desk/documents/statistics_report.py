"""The Statistik report (A4): a title page with town, period and date and the key figures, the
charts, a table per service, and the definitions and the suppression rule as footnotes.

Charts are drawn by documents.charts into PNG at print resolution; all text is DejaVu Sans
(embedded), escaped before it enters a Paragraph.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Image,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from kommune_desk.domain.formatting import format_count, format_date, format_decimal, format_percent
from kommune_desk.domain.statistics import hidden_mark

from .charts import export
from .fonts import BOLD, REGULAR, register_fonts
from .text_safety import para, plain_line

_WIDTH = A4[0] - 40 * mm
_GRID = colors.Color(0.75, 0.75, 0.75)
_SHADE = colors.Color(0.94, 0.95, 0.97)


def _styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    base = ParagraphStyle("body", fontName=REGULAR, fontSize=9.5, leading=12.5)
    return {
        "body": base,
        "title": ParagraphStyle("title", parent=base, fontName=BOLD, fontSize=22, leading=28, spaceAfter=8),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=13, leading=18, spaceAfter=4),
        "heading": ParagraphStyle(
            "heading", parent=base, fontName=BOLD, fontSize=12, leading=16, spaceBefore=6, spaceAfter=6
        ),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=10),
        "head": ParagraphStyle("head", parent=base, fontSize=7, leading=8.5, alignment=2),
        "number": ParagraphStyle("number", parent=base, fontSize=8, leading=10, alignment=2),
        "note": ParagraphStyle(
            "note", parent=base, fontSize=7.5, leading=9.5, textColor=colors.Color(0.3, 0.3, 0.3)
        ),
    }


def _count(entry: dict, field: str, figures: dict | None = None) -> str:
    """A count of ``entry`` (or of its ``figures``), its hidden value as "< 5" or "×"."""
    value = (figures or entry)[field]
    return hidden_mark(entry, field) if value is None else format_count(value)


def _share(value: float | None) -> str:
    return "–" if value is None else format_percent(value)


def _days(value: float | None) -> str:
    return "–" if value is None else format_decimal(value)


def _key_figures(dashboard: Any, style: dict[str, ParagraphStyle]) -> Table:
    rows = [
        [
            Paragraph(para(t.title), style["cell"]),
            Paragraph(para(t.value), style["number"]),
            Paragraph(para(t.detail), style["cell"]),
        ]
        for t in dashboard.tiles
    ]
    table = Table(rows, colWidths=[45 * mm, 30 * mm, _WIDTH - 75 * mm])
    table.setStyle(_grid(header=False))
    return table


def _grid(header: bool = True) -> TableStyle:
    commands: list[tuple] = [
        ("GRID", (0, 0), (-1, -1), 0.4, _GRID),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), _SHADE))
    return TableStyle(commands)


def _services_table(report: dict, style: dict[str, ParagraphStyle]) -> Table:
    head = [
        "Leistung",
        "gestartet",
        "abgeschickt",
        "Abbruch",
        "erledigt",
        "Median Tage",
        "90 % Tage",
        "offen",
    ]
    rows = [[Paragraph(f"<b>{para(h)}</b>", style["head" if i else "cell"]) for i, h in enumerate(head)]]
    for entry in [{"name": "Gesamt"} | report["gesamt"], *report["leistungen"]]:
        processing = entry["bearbeitung"]
        values = [
            _count(entry, "gestartet"),
            _count(entry, "abgeschickt"),
            _share(entry["abbruchquote"]),
            _count(entry, "abgeschlossen", processing),
            _days(processing["median_tage"]),
            _days(processing["p90_tage"]),
            _count(entry, "offen", processing),
        ]
        rows.append(
            [Paragraph(para(entry["name"]), style["cell"]), *(Paragraph(v, style["number"]) for v in values)]
        )
    widths = [w * mm for w in (54, 17, 19, 17, 16, 16, 16, 15)]  # 170 mm: the text width of A4
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(_grid())
    return table


def _chart_image(spec: Any) -> Image:
    width_px = 900
    height_px = round(spec.height() * width_px / 640)
    png = export(spec, "png", width_px, height_px)
    return Image(io.BytesIO(png), width=_WIDTH, height=_WIDTH * height_px / width_px)


def render_report(
    dashboard: Any, town: str, definitions: Sequence[str], suppression: str, today: dt.date | None = None
) -> bytes:
    """The report as PDF bytes."""
    style = _styles()
    period = dashboard.filters.period
    today = today or dt.date.today()
    span = f"{format_date(period.first)} bis {format_date(period.last)}"
    names = dict(dashboard.services)
    scope = names.get(dashboard.filters.leika_id or "", "alle Leistungen")
    channel = {"web": "nur Web", "app": "nur App"}.get(dashboard.filters.channel or "", "alle Kanäle")
    story: list[Any] = [
        Spacer(1, 40 * mm),
        Paragraph("Statistik der Online-Dienste", style["title"]),
        Paragraph(para(town), style["subtitle"]),
        Paragraph(para(f"Zeitraum: {span}"), style["subtitle"]),
        Paragraph(para(f"Auswahl: {scope}, {channel}"), style["body"]),
        Paragraph(para(f"Erstellt am {format_date(today)} mit KommuneDesk"), style["body"]),
        Spacer(1, 12 * mm),
        Paragraph("Kennzahlen", style["heading"]),
        _key_figures(dashboard, style),
        Spacer(1, 6 * mm),
        Paragraph(para(suppression), style["note"]),
        PageBreak(),
    ]
    for spec in dashboard.charts:
        story.append(KeepTogether([_chart_image(spec), Spacer(1, 5 * mm)]))
    story += [
        PageBreak(),
        Paragraph("Kennzahlen je Leistung", style["heading"]),
        _services_table(dashboard.report, style),
        Spacer(1, 6 * mm),
        Paragraph("Begriffe", style["heading"]),
    ]
    story += [Paragraph(f"{index}. {para(line)}", style["note"]) for index, line in enumerate(definitions, 1)]
    story += [Spacer(1, 3 * mm), Paragraph(para(suppression), style["note"])]

    def footer(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setFont(REGULAR, 7.5)
        canvas.setFillColor(colors.Color(0.35, 0.35, 0.35))
        canvas.drawString(
            20 * mm, 10 * mm, plain_line(f"{town} · Statistik der Online-Dienste · {span}")[:120]
        )
        canvas.drawRightString(A4[0] - 20 * mm, 10 * mm, f"Seite {document.page}")
        canvas.restoreState()

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=f"Statistik der Online-Dienste – {town}",
        author="KommuneDesk",
        subject=span,
    )
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
