"""The Druckliste: a list of the program (e.g. a Posteingang view) on A4 landscape.

Every page carries the header (list name, municipality, view and filters in words, "Stand: …")
and the table's column heads; "Seite 2 von 3" appears only when there is more than one page.
Cells are plain text wrapped to their column (long names wrap, never cut; a very long field ends
in "…" after a few lines), so no user text is ever read as markup.

Imports reportlab: import this module inside the function that prints, never at start-up.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Frame, PageBreak, PageTemplate, Table, TableStyle

from kommune_desk.domain.formatting import count_noun
from kommune_desk.domain.list_export import ListTable, cell_text

from .fonts import BOLD, REGULAR, register_fonts
from .text_safety import ellipsize, fit_lines, plain_line

PAGE = landscape(A4)
MARGIN = 12 * mm
HEADER_HEIGHT = 22 * mm  # title line, up to two lines of filters, the rule
FOOTER_HEIGHT = 8 * mm
FONT_SIZE, LEADING = 8.0, 10.0
HEAD_SIZE = 8.0
PADDING = 3.0  # points around a cell's text
MAX_LINES = 6  # lines of one cell; more of a (hostile) long field ends in "…"
_GRID = colors.Color(0.72, 0.72, 0.72)
_SHADE = colors.Color(0.92, 0.93, 0.96)
_INK = colors.Color(0.15, 0.15, 0.15)
_MUTED = colors.Color(0.35, 0.35, 0.35)


def render_list(table: ListTable) -> bytes:
    """``table`` as PDF bytes (A4 landscape, header and column heads on every page)."""
    register_fonts()
    width = PAGE[0] - 2 * MARGIN
    body_height = PAGE[1] - 2 * MARGIN - HEADER_HEIGHT - FOOTER_HEIGHT
    widths = _column_widths(table, width)
    head = [_cell_lines(text, BOLD, HEAD_SIZE, w) for text, w in zip(table.headers, widths, strict=True)]
    rows = [
        [_cell_lines(cell_text(value), REGULAR, FONT_SIZE, w) for value, w in zip(row, widths, strict=True)]
        for row in table.rows
    ]
    story: list[Any] = []
    for number, page in enumerate(_pages(head, rows, body_height)):
        if number:
            story.append(PageBreak())
        story.append(_table([head, *page], widths))
    if not rows:
        empty = [["Keine Einträge in dieser Ansicht."], *[[""]] * (len(widths) - 1)]
        story.append(_table([head, empty], widths, span_last=True))

    buffer = io.BytesIO()
    document = BaseDocTemplate(
        buffer,
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN + HEADER_HEIGHT,
        bottomMargin=MARGIN + FOOTER_HEIGHT,
        initialFontName=REGULAR,
        initialFontSize=FONT_SIZE,
        lang="de-DE",
        title=plain_line(table.title)[:200],
        author=plain_line(table.municipality)[:200],
        subject=plain_line(table.stand),
        creator="KommuneDesk",
    )
    frame = Frame(MARGIN, MARGIN + FOOTER_HEIGHT, width, body_height, id="body", **_NO_PADDING)
    document.addPageTemplates([PageTemplate("list", [frame], onPage=lambda c, _d: _draw_header(c, table))])
    document.build(story, canvasmaker=_NumberedCanvas)
    return buffer.getvalue()


def _column_widths(table: ListTable, width: float) -> list[float]:
    shares = list(table.widths) if len(table.widths) == len(table.headers) else [1] * len(table.headers)
    total = sum(shares)
    return [width * share / total for share in shares]


def _cell_lines(text: str, font: str, size: float, width: float) -> list[str]:
    """The cell's text wrapped to the column: whole words where they fit, long ones broken."""
    return fit_lines(text, font, size, width - 2 * PADDING, MAX_LINES) or [""]


def _row_height(row: Sequence[list[str]]) -> float:
    return max(len(lines) for lines in row) * LEADING + 2 * PADDING


def _pages(head: list[list[str]], rows: list[list[list[str]]], height: float) -> list[list[list[list[str]]]]:
    """The rows split into pages that fit under the column heads (computed, not searched: a long
    list stays linear, where reportlab's table split copies the rest of the table per page)."""
    room = height - _row_height(head) - 2  # a little slack against rounding
    pages: list[list[list[list[str]]]] = []
    page: list[list[list[str]]] = []
    used = 0.0
    for row in rows:
        needed = _row_height(row)
        if page and used + needed > room:
            pages.append(page)
            page, used = [], 0.0
        page.append(row)
        used += needed
    if page:
        pages.append(page)
    return pages


def _table(rows: list[list[list[str]]], widths: list[float], span_last: bool = False) -> Table:
    data = [["\n".join(lines) for lines in row] for row in rows]
    table = Table(data, colWidths=widths, rowHeights=[_row_height(row) for row in rows], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                *([("SPAN", (0, -1), (-1, -1))] if span_last else []),
                ("FONT", (0, 0), (-1, -1), REGULAR, FONT_SIZE, LEADING),
                ("FONT", (0, 0), (-1, 0), BOLD, HEAD_SIZE, LEADING),
                ("TEXTCOLOR", (0, 0), (-1, -1), _INK),
                ("BACKGROUND", (0, 0), (-1, 0), _SHADE),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.Color(0.975, 0.975, 0.975)]),
                ("GRID", (0, 0), (-1, -1), 0.4, _GRID),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), PADDING),
                ("RIGHTPADDING", (0, 0), (-1, -1), PADDING),
                ("TOPPADDING", (0, 0), (-1, -1), PADDING - 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), PADDING + 1),
            ]
        )
    )
    return table


def _draw_header(canvas: Canvas, table: ListTable) -> None:
    """The header of every page: list name and "Stand" on top, municipality and filters below."""
    width = PAGE[0] - 2 * MARGIN
    top = PAGE[1] - MARGIN
    canvas.saveState()
    canvas.setFillColor(_INK)
    stand = plain_line(table.stand)
    canvas.setFont(REGULAR, 9)
    canvas.drawRightString(PAGE[0] - MARGIN, top - 12, stand)
    room = width - canvas.stringWidth(stand, REGULAR, 9) - 8 * mm
    canvas.setFont(BOLD, 13)
    canvas.drawString(MARGIN, top - 13, ellipsize(plain_line(table.title), BOLD, 13, room))
    canvas.setFillColor(_MUTED)
    count = count_noun(len(table.rows), "Eintrag", "Einträge")
    line = " · ".join([table.municipality, *table.description, count])
    canvas.setFont(REGULAR, 8.5)
    for index, text in enumerate(fit_lines(line, REGULAR, 8.5, width, 2)):
        canvas.drawString(MARGIN, top - 27 - index * 10.5, text)
    canvas.setStrokeColor(_GRID)
    canvas.setLineWidth(0.6)
    canvas.line(MARGIN, top - HEADER_HEIGHT + 3 * mm, PAGE[0] - MARGIN, top - HEADER_HEIGHT + 3 * mm)
    canvas.restoreState()


class _NumberedCanvas(Canvas):
    """Holds the pages until the end so "Seite x von y" knows y; a single page gets no number."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._held: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._held.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._held)
        for number, state in enumerate(self._held, start=1):
            self.__dict__.update(state)
            if total > 1:
                self.saveState()
                self.setFont(REGULAR, 8)
                self.setFillColor(_MUTED)
                self.drawRightString(PAGE[0] - MARGIN, MARGIN, f"Seite {number} von {total}")
                self.restoreState()
            super().showPage()
        super().save()


_NO_PADDING = {"leftPadding": 0, "rightPadding": 0, "topPadding": 0, "bottomPadding": 0}
