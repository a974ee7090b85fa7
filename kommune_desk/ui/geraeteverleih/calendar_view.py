"""The pool calendar: one row per device, its bookings as bars over the days the page shows.

The widget only paints what it is given (``domain.pool_calendar``); the page chooses the days
(a month or a week) and decides what a selection or a click on a bar leads to.

- Drag over the free days of a device (or click one day) → ``days_selected(device_id, start,
  end)``, start ≤ end whichever way the mouse went. The selection stays drawn until the next
  ``set_rows``, a new press, Esc or ``clear_selection()``.
- A single click on a bar → ``bar_activated(loan_id)``. Hovering a bar shows its tooltip.
- Keyboard: arrow keys move the cell cursor, Shift+←/→ extends the selection, Enter selects
  the days (or activates the bar under the cursor), Esc clears, Pos1/Ende jump to the first
  and last day.

Points and rectangles of the public methods are in the coordinates of ``viewport()``, the
widget the mouse events arrive at. All geometry is computed in ``set_rows`` and on resize;
``paintEvent`` only draws the rows and days inside the exposed rectangle.
"""

from __future__ import annotations

import datetime as dt
import html
from bisect import bisect_right
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QLine, QPoint, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetrics,
    QHelpEvent,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QApplication,
    QFrame,
    QSizePolicy,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from kommune_desk.domain.formatting import format_date
from kommune_desk.domain.pool import DEVICE_STATUS_LABELS, LOAN_STATUS_LABELS, loan_days, period_text
from kommune_desk.domain.pool_calendar import (
    LENT,
    OFFERED,
    RESERVED,
    RETURNED,
    WEEKDAY_SHORT,
    CalendarBar,
    CalendarRow,
    days,
)

ROW_HEIGHT = 28  # a row with one lane of bars
BAR_MARGIN = 4  # above the first and below the last lane
LANE_HEIGHT = 20
LANE_GAP = 2
BAR_INSET = 2  # between a bar's end and its day's border
BAR_RADIUS = 4.0
ARROW_ROOM = 8  # for the arrow at the end of a bar that runs on beyond the shown days
HEADER_HEIGHT = 40
DEVICE_COLUMN_WIDTH = (220, 340)  # the device column fits the longest name within these bounds
MIN_DAY_WIDTH = 26  # narrower days scroll horizontally
WIDE_DAY_WIDTH = 64  # from here on a day's header reads "Mo 07.12." on one line
PROVISIONAL_NOTE = "vorläufig – noch nicht vom Server bestätigt"
AVAILABLE = "verfuegbar"

# The calendar's colours. Own town: strong blue; other towns: grey-blue; darker = handed over.
ACCENT = QColor("#1c64c8")
GRID_LINE = QColor("#e3e6ea")
WEEK_LINE = QColor("#c9cfd6")
WEEKEND = QColor("#f4f5f7")
TODAY = QColor("#e4eefb")
UNAVAILABLE = QColor(120, 130, 145, 40)  # over weekends and today, which stay visible
UNAVAILABLE_HATCH = QColor("#c5ccd4")
UNAVAILABLE_HATCH_BRUSH = QBrush(UNAVAILABLE_HATCH, Qt.BrushStyle.FDiagPattern)
COLUMN_BACKGROUND = QColor("#fafbfc")
HEADER_BACKGROUND = QColor("#ffffff")
MUTED_TEXT = QColor("#5f6b78")
TEXT = QColor("#1d2733")
SELECTION = QColor(28, 100, 200, 60)
STATUS_PILLS = {  # background, text
    "wartung": (QColor("#fff1c7"), QColor("#7a5200")),
    "vermisst": (QColor("#fde1df"), QColor("#9b1c1c")),
    "ausgemustert": (QColor("#e5e7eb"), QColor("#4b5563")),
}
KIND_LABELS = {OFFERED: "angeboten"}  # LOAN_STATUS_LABELS names the others


@dataclass(frozen=True)
class BarStyle:
    """How one sort of bar looks; ``provisional`` ones get a hatch and a dashed outline."""

    fill: QColor
    border: QColor
    text: QColor
    provisional: bool = False
    border_width: float = 1.0

    def brush(self) -> QBrush:
        if not self.provisional:
            return QBrush(self.fill)
        return QBrush(_blend(self.fill, QColor("white"), 0.55 if self.fill.lightnessF() < 0.6 else 0.25))

    def hatch(self) -> QBrush | None:
        if not self.provisional:
            return None
        colour = QColor(self.border)
        colour.setAlpha(95)
        return _hatch_brush(colour)

    def pen(self) -> QPen:
        if not self.provisional:
            return QPen(self.border, self.border_width)
        pen = QPen(_blend(self.border, QColor("black"), 0.2), 1.3)
        pen.setStyle(Qt.PenStyle.DashLine)
        return pen

    def text_colour(self) -> QColor:
        """Light text on a light (provisional) fill would vanish: then a dark shade of the border."""
        if not self.provisional or self.text.lightnessF() < 0.5:
            return self.text
        return _blend(self.border, QColor("black"), 0.45)


_BASE_STYLES = {  # (kind, own) → fill, border, text
    (RESERVED, True): ("#1c64c8", "#114b9c", "#ffffff"),
    (LENT, True): ("#0b3c7d", "#072a58", "#ffffff"),
    (RESERVED, False): ("#c6d4e4", "#93a8c0", "#1b2b3d"),
    (LENT, False): ("#8da2bb", "#6b819d", "#0f1b29"),
    (OFFERED, True): ("#f5c04a", "#c28a12", "#3a2900"),
    (OFFERED, False): ("#f5c04a", "#c28a12", "#3a2900"),
    (RETURNED, True): ("#e2e5e9", "#c3c8ce", "#56606b"),
    (RETURNED, False): ("#e2e5e9", "#c3c8ce", "#56606b"),
}
_OVERDUE = ("#d13b34", "#8a1712", "#ffffff")
_styles: dict[tuple[str, bool, bool, bool], tuple[BarStyle, QBrush, QBrush | None, QPen, QColor]] = {}


def bar_style(kind: str, own: bool, overdue: bool = False, provisional: bool = False) -> BarStyle:
    """The look of a bar; an unknown kind is drawn like a reservation of its town."""
    fill, border, text = _OVERDUE if overdue else _BASE_STYLES.get((kind, own), _BASE_STYLES[RESERVED, own])
    return BarStyle(QColor(fill), QColor(border), QColor(text), provisional, 2.0 if overdue else 1.0)


def _painting(bar: CalendarBar) -> tuple[BarStyle, QBrush, QBrush | None, QPen, QColor]:
    """The style and the Qt objects that draw it, made once per sort of bar."""
    key = (bar.kind, bar.own, bar.overdue, bar.provisional)
    found = _styles.get(key)
    if found is None:
        style = bar_style(*key)
        found = _styles[key] = (style, style.brush(), style.hatch(), style.pen(), style.text_colour())
    return found


def _hatch_brush(colour: QColor, spacing: int = 7) -> QBrush:
    """Thin diagonal lines ``spacing`` pixels apart: wider than Qt's patterns, so a label stays legible."""
    tile = QImage(spacing, spacing, QImage.Format.Format_ARGB32_Premultiplied)
    tile.fill(Qt.GlobalColor.transparent)
    for i in range(spacing):
        tile.setPixelColor(i, spacing - 1 - i, colour)
    return QBrush(tile)


def _blend(colour: QColor, other: QColor, share: float) -> QColor:
    """``colour`` with ``share`` of ``other`` mixed in."""
    mix = QColor()
    mix.setRgbF(
        colour.redF() * (1 - share) + other.redF() * share,
        colour.greenF() * (1 - share) + other.greenF() * share,
        colour.blueF() * (1 - share) + other.blueF() * share,
    )
    return mix


def kind_label(bar: CalendarBar) -> str:
    """``Reserviert``, ``Ausgegeben``, ``Angeboten``, ``Zurückgegeben``."""
    label = KIND_LABELS.get(bar.kind) or LOAN_STATUS_LABELS.get(bar.kind, bar.kind)
    return label[:1].upper() + label[1:]


def bar_tooltip(bar: CalendarBar) -> str:
    """What hovering a bar says, as plain text: ``Reserviert · Nauheim · 10.12.–17.12.2026 (8 Tage)``."""
    kind = kind_label(bar) + (", überfällig" if bar.overdue else "")
    count = loan_days(bar.start, bar.end)
    lines = [
        f"{kind} · {bar.town} · {period_text(bar.start, bar.end)} ({count} {'Tag' if count == 1 else 'Tage'})"
    ]
    if bar.label and bar.label != bar.town:
        lines.append(bar.label)
    if bar.provisional:
        lines.append(PROVISIONAL_NOTE)
    return "\n".join(lines)


def device_title(row: CalendarRow) -> str:
    """``KGG-WBK-01 · Wärmebildkamera FLIR E8``."""
    return f"{row.inventory_number} · {row.name}"


def device_tooltip(row: CalendarRow) -> str:
    lines = [device_title(row)]
    if row.category:
        lines.append(f"Kategorie: {row.category}")
    if row.location:
        lines.append(f"Standort: {row.location}")
    lines.append(f"Status: {DEVICE_STATUS_LABELS.get(row.status, row.status)}")
    return "\n".join(lines)


def _bold(font: QFont) -> QFont:
    bold = QFont(font)
    bold.setBold(True)
    return bold


def _small(font: QFont) -> QFont:
    small = QFont(font)
    small.setPointSizeF(max(6.5, font.pointSizeF() * 0.85))
    return small


def _rich(text: str) -> str:
    """Plain text as a tooltip that never interprets markup (a borrower may be called ``<b>``)."""
    return "<qt>" + "<br>".join(html.escape(line) for line in text.split("\n")) + "</qt>"


def _show_tooltip(event: QHelpEvent, widget: QWidget, text: str | None, area: QRect) -> None:
    """Show ``text`` until the mouse leaves ``area`` (the bar, the day, the device)."""
    if text:
        QToolTip.showText(event.globalPos(), _rich(text), widget, area)
    else:
        QToolTip.hideText()
        event.ignore()


class _BarGeometry:
    """A bar where it is drawn (content coordinates), with its elided text."""

    __slots__ = ("bar", "clip_end", "clip_start", "col0", "col1", "lane", "path", "rect", "row", "text")

    def __init__(self, bar: CalendarBar, row: int, col0: int, col1: int, clip_start: bool, clip_end: bool):
        self.bar, self.row, self.col0, self.col1 = bar, row, col0, col1
        self.clip_start, self.clip_end = clip_start, clip_end
        self.lane = 0
        self.rect = QRectF()
        self.path: QPainterPath | None = None  # only for bars cut off by the shown days
        self.text = ""


def _lanes(bars: list[_BarGeometry]) -> int:
    """Put overlapping bars (a provisional booking beside a confirmed one) into lanes; how many."""
    ends: list[int] = []
    for geometry in sorted(bars, key=lambda g: (g.col0, g.col1, g.bar.loan_id)):
        for lane, end in enumerate(ends):
            if end < geometry.col0:
                geometry.lane, ends[lane] = lane, geometry.col1
                break
        else:
            geometry.lane = len(ends)
            ends.append(geometry.col1)
    return max(1, len(ends))


def _bar_path(rect: QRectF, round_start: bool, round_end: bool) -> QPainterPath:
    """A bar with square ends where it runs on beyond the shown days."""
    r, d = BAR_RADIUS, 2 * BAR_RADIUS
    left, top, right, bottom = rect.left(), rect.top(), rect.right(), rect.bottom()
    path = QPainterPath()
    path.moveTo(left + r if round_start else left, top)
    if round_end:
        path.lineTo(right - r, top)
        path.arcTo(right - d, top, d, d, 90, -90)
        path.lineTo(right, bottom - r)
        path.arcTo(right - d, bottom - d, d, d, 0, -90)
    else:
        path.lineTo(right, top)
        path.lineTo(right, bottom)
    if round_start:
        path.lineTo(left + r, bottom)
        path.arcTo(left, bottom - d, d, d, 270, -90)
        path.lineTo(left, top + r)
        path.arcTo(left, top, d, d, 180, -90)
    else:
        path.lineTo(left, bottom)
    path.closeSubpath()
    return path


def paint_bar(
    painter: QPainter,
    rect: QRectF,
    bar: CalendarBar,
    text: str,
    path: QPainterPath | None,
    clip_start: bool = False,
    clip_end: bool = False,
) -> None:
    """One bar: fill, hatch if provisional, outline, a small arrow where it runs on, the label."""
    style, brush, hatch, pen, text_colour = _painting(bar)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(brush)
    if path is None:
        painter.drawRoundedRect(rect, BAR_RADIUS, BAR_RADIUS)
    else:
        painter.drawPath(path)
    if hatch is not None:
        painter.setBrush(hatch)
        if path is None:
            painter.drawRoundedRect(rect, BAR_RADIUS, BAR_RADIUS)
        else:
            painter.drawPath(path)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    inset = style.border_width / 2 if style.border_width > 1 else 0.0
    if path is None:
        painter.drawRoundedRect(rect.adjusted(inset, inset, -inset, -inset), BAR_RADIUS, BAR_RADIUS)
    else:
        painter.drawPath(path)
    if clip_start or clip_end:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(text_colour)
        middle = rect.center().y()
        if clip_start:
            x = rect.left() + 4
            painter.drawPolygon([QPointF(x, middle), QPointF(x + 4, middle - 4), QPointF(x + 4, middle + 4)])
        if clip_end:
            x = rect.right() - 4
            painter.drawPolygon([QPointF(x, middle), QPointF(x - 4, middle - 4), QPointF(x - 4, middle + 4)])
    if text:
        painter.setPen(text_colour)
        box = rect.adjusted(6 + (ARROW_ROOM if clip_start else 0), 0, -4, 0)
        painter.drawText(box, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, text)


class CalendarGrid(QAbstractScrollArea):
    """The scrolling grid with its frozen day header and device column (see the module doc)."""

    days_selected = Signal(str, object, object)  # device_id, first day, last day (dt.date)
    bar_activated = Signal(str)  # loan_id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[CalendarRow] = []
        self.first = dt.date.today()
        self.last = self.first
        self.today = self.first
        self._days: list[dt.date] = [self.first]
        self._row_of: dict[str, int] = {}
        self._lanes: list[int] = []
        self._geometries: list[list[_BarGeometry]] = []
        self._by_loan: dict[str, _BarGeometry] = {}
        self._day_x: list[int] = [0, MIN_DAY_WIDTH]
        self._row_y: list[int] = [0]
        self._layout_width = -1
        self._bar_font = QFont(self.font())
        self._bar_metrics = QFontMetrics(self._bar_font)
        # Selection and cursor: (row, anchor column, current column); the cursor is (row, column).
        self._selection: tuple[int, int, int] | None = None
        self._dragging = False
        self._pressed_bar: _BarGeometry | None = None
        self._press_pos = QPoint()
        self._hover: _BarGeometry | None = None
        self._cursor = (0, 0)

        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._column_width = DEVICE_COLUMN_WIDTH[0]
        self.setViewportMargins(self._column_width, HEADER_HEIGHT, 0, 0)
        self.viewport().setMouseTracking(True)
        self.viewport().setAutoFillBackground(False)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName("Belegungskalender des Gerätepools")
        self.header = _DayHeader(self)
        self.device_column = _DeviceColumn(self)
        self.corner = _Corner(self)

    def sizeHint(self) -> QSize:
        return QSize(1000, 520)

    # ----------------------------------------------------------------------------- data
    def set_rows(self, rows: list[CalendarRow], first: dt.date, last: dt.date, today: dt.date) -> None:
        """Show ``rows`` over the days ``first``–``last`` (both included); ``today`` is marked."""
        if last < first:
            raise ValueError(f"last ({last}) before first ({first})")
        self.rows = list(rows)
        self.first, self.last, self.today = first, last, today
        self._days = days(first, last)
        self._row_of = {row.device_id: i for i, row in enumerate(self.rows)}
        self._geometries, self._lanes, self._by_loan = [], [], {}
        for index, row in enumerate(self.rows):
            shown = []
            for bar in row.bars:
                if bar.end < first or bar.start > last or bar.end < bar.start:
                    continue
                col0 = (max(bar.start, first) - first).days
                col1 = (min(bar.end, last) - first).days
                geometry = _BarGeometry(bar, index, col0, col1, bar.start < first, bar.end > last)
                shown.append(geometry)
                self._by_loan.setdefault(bar.loan_id, geometry)
            self._lanes.append(_lanes(shown))
            self._geometries.append(shown)
        self._selection, self._dragging, self._pressed_bar, self._hover = None, False, None, None
        low, high = DEVICE_COLUMN_WIDTH
        wanted = min(max(self.device_column.wanted_width(self.rows), low), high)
        if wanted != self._column_width:
            self._column_width = wanted
            self.setViewportMargins(wanted, HEADER_HEIGHT, 0, 0)  # resizes the viewport: lays out again
            self._place_frozen_parts()
        self._cursor = (min(self._cursor[0], max(0, len(self.rows) - 1)), self._column_of(today) or 0)
        self._layout()

    def _column_of(self, day: dt.date) -> int | None:
        column = (day - self.first).days
        return column if 0 <= column < len(self._days) else None

    def _layout(self) -> None:
        """Pixel geometry of days, rows and bars for the current viewport width."""
        available = max(1, self.viewport().width())
        count = len(self._days)
        width = max(available, count * MIN_DAY_WIDTH)
        self._layout_width = available
        self._day_x = [round(i * width / count) for i in range(count + 1)]
        self._row_y = [0]
        for lanes in self._lanes:
            self._row_y.append(
                self._row_y[-1]
                + max(ROW_HEIGHT, 2 * BAR_MARGIN + lanes * (LANE_HEIGHT + LANE_GAP) - LANE_GAP)
            )
        metrics = self._bar_metrics
        day_x = self._day_x
        for row_bars in self._geometries:
            for g in row_bars:
                left = day_x[g.col0] + (0 if g.clip_start else BAR_INSET)
                right = day_x[g.col1 + 1] - (0 if g.clip_end else BAR_INSET)
                top = self._row_y[g.row] + BAR_MARGIN + g.lane * (LANE_HEIGHT + LANE_GAP)
                g.rect = QRectF(left + 0.5, top + 0.5, right - left - 1, LANE_HEIGHT - 1)
                g.path = (
                    _bar_path(g.rect, not g.clip_start, not g.clip_end)
                    if g.clip_start or g.clip_end
                    else None
                )
                room = right - left - 10 - ARROW_ROOM * (g.clip_start + g.clip_end)
                text = metrics.elidedText(g.bar.label, Qt.TextElideMode.ElideRight, room) if room > 8 else ""
                g.text = "" if text == "…" else text
        self._update_scrollbars()
        self.viewport().update()
        self.header.update()
        self.device_column.update()
        self.corner.update()

    def _update_scrollbars(self) -> None:
        viewport = self.viewport().size()
        horizontal, vertical = self.horizontalScrollBar(), self.verticalScrollBar()
        horizontal.setRange(0, max(0, self._day_x[-1] - viewport.width()))
        horizontal.setPageStep(viewport.width())
        horizontal.setSingleStep(self._day_x[1] - self._day_x[0])
        vertical.setRange(0, max(0, self._row_y[-1] - viewport.height()))
        vertical.setPageStep(viewport.height())
        vertical.setSingleStep(ROW_HEIGHT)

    def _offset(self) -> QPoint:
        return QPoint(self.horizontalScrollBar().value(), self.verticalScrollBar().value())

    # ------------------------------------------------------------------------ geometry
    def row_at(self, y: int) -> int | None:
        """The row at viewport height ``y``, or None."""
        content_y = y + self.verticalScrollBar().value()
        row = bisect_right(self._row_y, content_y) - 1
        return row if 0 <= row < len(self.rows) and content_y >= 0 else None

    def column_at(self, x: int, clamp: bool = False) -> int | None:
        """The day column at viewport ``x``; with ``clamp`` the nearest column when outside."""
        content_x = x + self.horizontalScrollBar().value()
        column = bisect_right(self._day_x, content_x) - 1
        if clamp:
            return min(max(column, 0), len(self._days) - 1)
        return column if 0 <= column < len(self._days) and content_x >= 0 else None

    def day_at(self, point: QPoint) -> tuple[str, dt.date] | None:
        """The device and the day under ``point``, or None outside the rows."""
        row, column = self.row_at(point.y()), self.column_at(point.x())
        if row is None or column is None:
            return None
        return self.rows[row].device_id, self._days[column]

    def bar_at(self, point: QPoint) -> CalendarBar | None:
        """The bar under ``point``, or None."""
        geometry = self._geometry_at(point)
        return geometry.bar if geometry else None

    def _geometry_at(self, point: QPoint) -> _BarGeometry | None:
        row = self.row_at(point.y())
        if row is None:
            return None
        offset = self._offset()
        content = QPointF(point.x() + offset.x() + 0.5, point.y() + offset.y() + 0.5)  # the pixel's centre
        for geometry in self._geometries[row]:
            if geometry.rect.adjusted(-0.5, -0.5, 0.5, 0.5).contains(content):
                return geometry
        return None

    def bar_rect(self, loan_id: str) -> QRect:
        """Where the bar of ``loan_id`` is drawn (viewport coordinates); empty if not shown."""
        geometry = self._by_loan.get(loan_id)
        if geometry is None:
            return QRect()
        return geometry.rect.adjusted(-0.5, -0.5, 0.5, 0.5).toRect().translated(-self._offset())

    def day_rect(self, device_id: str, day: dt.date) -> QRect:
        """The cell of ``device_id`` on ``day`` (viewport coordinates); empty if not shown."""
        row, column = self._row_of.get(device_id), self._column_of(day)
        if row is None or column is None:
            return QRect()
        return self._cell(row, column, column).translated(-self._offset())

    def _cell(self, row: int, col0: int, col1: int) -> QRect:
        """Cells of one row in content coordinates."""
        x0, x1 = self._day_x[col0], self._day_x[col1 + 1]
        y0, y1 = self._row_y[row], self._row_y[row + 1]
        return QRect(x0, y0, x1 - x0, y1 - y0)

    def tooltip_at(self, point: QPoint) -> str | None:
        """The tooltip of the bar under ``point`` (plain text), or None."""
        bar = self.bar_at(point)
        return bar_tooltip(bar) if bar else None

    def selection(self) -> tuple[str, dt.date, dt.date] | None:
        """The selected days: device, first and last day; None without a selection."""
        if self._selection is None:
            return None
        row, a, b = self._selection
        return self.rows[row].device_id, self._days[min(a, b)], self._days[max(a, b)]

    def clear_selection(self) -> None:
        if self._selection is not None:
            self._update_cells(self._selection)
            self._selection = None

    def _update_cells(self, selection: tuple[int, int, int]) -> None:
        row, a, b = selection
        self.viewport().update(
            self._cell(row, min(a, b), max(a, b)).adjusted(-2, -2, 2, 2).translated(-self._offset())
        )

    # -------------------------------------------------------------------------- events
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place_frozen_parts()

    def viewportEvent(self, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.Resize:
            self._place_frozen_parts()
            if self.viewport().width() != self._layout_width:
                self._layout()
            else:
                self._update_scrollbars()
        elif kind == QEvent.Type.ToolTip:
            assert isinstance(event, QHelpEvent)
            bar = self.bar_at(event.pos())
            area = self.bar_rect(bar.loan_id) if bar else QRect()
            _show_tooltip(event, self.viewport(), bar_tooltip(bar) if bar else None, area)
            return True
        elif kind == QEvent.Type.Leave and self._hover is not None:
            self._set_hover(None)
        return super().viewportEvent(event)

    def _place_frozen_parts(self) -> None:
        viewport, width = self.viewport().geometry(), self._column_width
        self.header.setGeometry(viewport.x(), viewport.y() - HEADER_HEIGHT, viewport.width(), HEADER_HEIGHT)
        self.device_column.setGeometry(viewport.x() - width, viewport.y(), width, viewport.height())
        self.corner.setGeometry(viewport.x() - width, viewport.y() - HEADER_HEIGHT, width, HEADER_HEIGHT)

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        self.viewport().update()
        if dx:
            self.header.update()
        if dy:
            self.device_column.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        point = event.position().toPoint()
        self.clear_selection()
        self._press_pos = point
        self._pressed_bar = self._geometry_at(point)
        if self._pressed_bar is None:
            row, column = self.row_at(point.y()), self.column_at(point.x())
            if row is not None and column is not None:
                self._dragging = True
                self._selection = (row, column, column)
                self._cursor = (row, column)
                self._update_cells(self._selection)
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        point = event.position().toPoint()
        if self._dragging and self._selection is not None:
            row, anchor, current = self._selection
            column = self.column_at(point.x(), clamp=True)
            if column is not None and column != current:
                self._update_cells(self._selection)
                self._selection = (row, anchor, column)
                self._cursor = (row, column)
                self._update_cells(self._selection)
                self.device_column.update()
            return
        self._set_hover(self._geometry_at(point))
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mouseReleaseEvent(event)
        point = event.position().toPoint()
        if self._dragging:
            self._dragging = False
            selected = self.selection()
            if selected is not None:
                self.days_selected.emit(*selected)
        elif self._pressed_bar is not None:
            pressed, self._pressed_bar = self._pressed_bar, None
            moved = (point - self._press_pos).manhattanLength() >= QApplication.startDragDistance()
            if not moved and self._geometry_at(point) is pressed:
                self._cursor = (pressed.row, pressed.col0)
                self.bar_activated.emit(pressed.bar.loan_id)
        event.accept()

    def _set_hover(self, geometry: _BarGeometry | None) -> None:
        if geometry is self._hover:
            return
        for old in (self._hover, geometry):
            if old is not None:
                self.viewport().update(
                    old.rect.toAlignedRect().adjusted(-2, -2, 2, 2).translated(-self._offset())
                )
        self._hover = geometry
        if geometry is None:
            self.viewport().unsetCursor()
        else:
            self.viewport().setCursor(Qt.CursorShape.PointingHandCursor)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self.rows:
            return super().keyPressEvent(event)
        key, shift = event.key(), bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        row, column = self._cursor
        last_row, last_column = len(self.rows) - 1, len(self._days) - 1
        moves = {
            Qt.Key.Key_Left: (row, column - 1),
            Qt.Key.Key_Right: (row, column + 1),
            Qt.Key.Key_Up: (row - 1, column),
            Qt.Key.Key_Down: (row + 1, column),
            Qt.Key.Key_Home: (row, 0),
            Qt.Key.Key_End: (row, last_column),
        }
        if key in moves:
            new_row, new_column = moves[key]
            new_row, new_column = min(max(new_row, 0), last_row), min(max(new_column, 0), last_column)
            if shift and new_row == row:
                anchor = self._selection[1] if self._selection and self._selection[0] == row else column
                self.clear_selection()
                self._selection = (row, anchor, new_column)
                self._update_cells(self._selection)
            else:
                self.clear_selection()
            self._move_cursor(new_row, new_column)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            under = [g for g in self._geometries[row] if g.col0 <= column <= g.col1]
            if under and self._selection is None:
                self.bar_activated.emit(under[0].bar.loan_id)
            else:
                if self._selection is None:
                    self._selection = (row, column, column)
                    self._update_cells(self._selection)
                selected = self.selection()
                if selected is not None:
                    self.days_selected.emit(*selected)
        elif key == Qt.Key.Key_Escape and self._selection is not None:
            self.clear_selection()
        else:
            super().keyPressEvent(event)

    def _move_cursor(self, row: int, column: int) -> None:
        old = self._cell(self._cursor[0], self._cursor[1], self._cursor[1])
        self._cursor = (row, column)
        new = self._cell(row, column, column)
        self.viewport().update(old.adjusted(-2, -2, 2, 2).translated(-self._offset()))
        self.viewport().update(new.adjusted(-2, -2, 2, 2).translated(-self._offset()))
        self.device_column.update()
        # Scroll the cell into view.
        offset, size = self._offset(), self.viewport().size()
        if new.top() < offset.y():
            self.verticalScrollBar().setValue(new.top())
        elif new.bottom() > offset.y() + size.height():
            self.verticalScrollBar().setValue(new.bottom() - size.height() + 1)
        if new.left() < offset.x():
            self.horizontalScrollBar().setValue(new.left())
        elif new.right() > offset.x() + size.width():
            self.horizontalScrollBar().setValue(new.right() - size.width() + 1)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._bar_font = QFont(self.font())
            self._bar_metrics = QFontMetrics(self._bar_font)
            self._layout()

    def focusInEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().focusInEvent(event)
        self.viewport().update()
        self.device_column.update()

    def focusOutEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().focusOutEvent(event)
        self.viewport().update()
        self.device_column.update()

    # -------------------------------------------------------------------------- painting
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self.viewport())
        exposed = event.rect()
        offset = self._offset()
        painter.fillRect(exposed, self.palette().window())
        painter.translate(-offset)
        area = exposed.translated(offset)  # content coordinates
        if not self.rows:
            painter.resetTransform()
            painter.setPen(MUTED_TEXT)
            painter.drawText(self.viewport().rect(), Qt.AlignmentFlag.AlignCenter, "Keine Geräte anzuzeigen.")
            painter.end()
            return
        row0 = max(0, bisect_right(self._row_y, area.top()) - 1)
        row1 = min(len(self.rows) - 1, bisect_right(self._row_y, area.bottom()) - 1)
        col0 = max(0, bisect_right(self._day_x, area.left()) - 1)
        col1 = min(len(self._days) - 1, bisect_right(self._day_x, area.right()) - 1)
        top, bottom = self._row_y[row0], self._row_y[row1 + 1]
        left, right = self._day_x[col0], self._day_x[col1 + 1]
        if row0 > row1 or col0 > col1 or top > area.bottom():
            painter.end()
            return
        painter.fillRect(QRect(left, top, right - left, bottom - top), Qt.GlobalColor.white)

        # Weekends and today, then the rows of devices that cannot be lent (translucent, on top).
        today_column = self._column_of(self.today)
        for column in range(col0, col1 + 1):
            if column == today_column:
                colour = TODAY
            elif self._days[column].weekday() >= 5:
                colour = WEEKEND
            else:
                continue
            x0, x1 = self._day_x[column], self._day_x[column + 1]
            painter.fillRect(QRect(x0, top, x1 - x0, bottom - top), colour)
        for row in range(row0, row1 + 1):
            if self.rows[row].status != AVAILABLE:
                band = QRect(left, self._row_y[row], right - left, self._row_y[row + 1] - self._row_y[row])
                painter.fillRect(band, UNAVAILABLE)
                painter.fillRect(band, UNAVAILABLE_HATCH_BRUSH)

        # Grid lines: one batch each.
        painter.setPen(GRID_LINE)
        painter.drawLines(
            [
                QLine(left, self._row_y[r + 1] - 1, right, self._row_y[r + 1] - 1)
                for r in range(row0, row1 + 1)
            ]
        )
        weeks = len(self._days) > 7
        day_lines, week_lines = [], []
        for column in range(col0, col1 + 1):
            x = self._day_x[column + 1] - 1
            following = column + 1
            monday = following < len(self._days) and self._days[following].weekday() == 0
            (week_lines if weeks and monday else day_lines).append(QLine(x, top, x, bottom - 1))
        painter.drawLines(day_lines)
        if week_lines:
            painter.setPen(WEEK_LINE)
            painter.drawLines(week_lines)

        # Selection under the bars' labels.
        if self._selection is not None and row0 <= self._selection[0] <= row1:
            row, a, b = self._selection
            cells = self._cell(row, min(a, b), max(a, b)).adjusted(1, 1, -2, -2)
            painter.fillRect(cells, SELECTION)
            painter.setPen(QPen(ACCENT, 1.5))
            painter.drawRect(QRectF(cells).adjusted(0.5, 0.5, -0.5, -0.5))

        # Bars.
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setFont(self._bar_font)
        x_min, x_max = area.left() - 1, area.right() + 1
        for row in range(row0, row1 + 1):
            for g in self._geometries[row]:
                if g.rect.right() < x_min or g.rect.left() > x_max:
                    continue
                paint_bar(painter, g.rect, g.bar, g.text, g.path, g.clip_start, g.clip_end)
        if self._hover is not None and row0 <= self._hover.row <= row1:
            painter.setPen(QPen(QColor(0, 0, 0, 90), 1))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(self._hover.rect.adjusted(-1, -1, 1, 1), BAR_RADIUS + 1, BAR_RADIUS + 1)

        # The keyboard cursor.
        if self.hasFocus():
            row, column = self._cursor
            if row0 <= row <= row1 and col0 <= column <= col1:
                painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
                painter.setPen(QPen(ACCENT, 2))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRect(self._cell(row, column, column).adjusted(1, 1, -2, -2))
        painter.end()


class _DayHeader(QWidget):
    """The frozen row of days above the grid."""

    def __init__(self, grid: CalendarGrid) -> None:
        super().__init__(grid)
        self.grid = grid

    def paintEvent(self, event: QPaintEvent) -> None:
        grid = self.grid
        bold, small = _bold(self.font()), _small(self.font())
        painter = QPainter(self)
        painter.fillRect(self.rect(), HEADER_BACKGROUND)
        offset = grid.horizontalScrollBar().value()
        day_x, shown = grid._day_x, grid._days
        area = event.rect().translated(offset, 0)
        col0 = max(0, bisect_right(day_x, area.left()) - 1)
        col1 = min(len(shown) - 1, bisect_right(day_x, area.right()) - 1)
        height = self.height()
        wide = day_x[1] - day_x[0] >= WIDE_DAY_WIDTH
        today = grid._column_of(grid.today)
        painter.translate(-offset, 0)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for column in range(col0, col1 + 1):
            day = shown[column]
            x0, x1 = day_x[column], day_x[column + 1]
            cell = QRect(x0, 0, x1 - x0, height)
            weekend = day.weekday() >= 5
            if column == today:
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(ACCENT)
                painter.drawRoundedRect(QRectF(cell).adjusted(2, 4, -3, -4), 4, 4)
                colour = QColor("white")
            else:
                if weekend:
                    painter.fillRect(cell, WEEKEND)
                colour = MUTED_TEXT if weekend else TEXT
            weekday = WEEKDAY_SHORT[day.weekday()]
            if wide:
                painter.setFont(bold if column == today else self.font())
                painter.setPen(colour)
                text = f"{weekday} {day:%d.%m.}" + (
                    " · heute" if column == today and cell.width() > 110 else ""
                )
                painter.drawText(cell, Qt.AlignmentFlag.AlignCenter, text)
            else:
                painter.setFont(bold)
                painter.setPen(colour)
                painter.drawText(
                    cell.adjusted(0, 4, 0, -height // 2 + 2),
                    Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom,
                    str(day.day),
                )
                painter.setFont(small)
                painter.drawText(
                    cell.adjusted(0, height // 2, 0, -5),
                    Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                    weekday,
                )
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        weeks = len(shown) > 7
        for column in range(col0, col1 + 1):
            following = column + 1
            if following < len(shown):
                strong = weeks and shown[following].weekday() == 0
                painter.setPen(WEEK_LINE if strong else GRID_LINE)
                x = day_x[following] - 1
                painter.drawLine(x, 6 if not strong else 0, x, height - 1)
        painter.setPen(WEEK_LINE)
        painter.drawLine(day_x[col0], height - 1, day_x[col1 + 1], height - 1)
        painter.end()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            assert isinstance(event, QHelpEvent)
            grid = self.grid
            column = grid.column_at(event.pos().x())
            if column is None:
                _show_tooltip(event, self, None, QRect())
            else:
                day, offset = grid._days[column], grid.horizontalScrollBar().value()
                text = f"{WEEKDAY_SHORT[day.weekday()]} {format_date(day)} · KW {day.isocalendar()[1]}"
                text += " · heute" if day == grid.today else ""
                left = grid._day_x[column] - offset
                _show_tooltip(
                    event,
                    self,
                    text,
                    QRect(left, 0, grid._day_x[column + 1] - grid._day_x[column], self.height()),
                )
            return True
        return super().event(event)


class _DeviceColumn(QWidget):
    """The frozen column of devices left of the grid."""

    def __init__(self, grid: CalendarGrid) -> None:
        super().__init__(grid)
        self.grid = grid

    def _status_label(self, row: CalendarRow) -> str | None:
        return None if row.status == AVAILABLE else DEVICE_STATUS_LABELS.get(row.status, row.status)

    def wanted_width(self, rows: list[CalendarRow]) -> int:
        """The width that shows every device's number, name and status note in full."""
        font = self.font()
        bold, plain, small = QFontMetrics(_bold(font)), self.fontMetrics(), QFontMetrics(_small(font))
        widest = 0
        for row in rows:
            width = bold.horizontalAdvance(row.inventory_number) + plain.horizontalAdvance(f" · {row.name}")
            label = self._status_label(row)
            if label:
                width += small.horizontalAdvance(label) + 12 + 6
            widest = max(widest, width)
        return widest + 10 + 8 + 2

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            assert isinstance(event, QHelpEvent)
            grid, row = self.grid, self.grid.row_at(event.pos().y())
            if row is None:
                _show_tooltip(event, self, None, QRect())
            else:
                top = grid._row_y[row] - grid.verticalScrollBar().value()
                area = QRect(0, top, self.width(), grid._row_y[row + 1] - grid._row_y[row])
                _show_tooltip(event, self, device_tooltip(grid.rows[row]), area)
            return True
        return super().event(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        grid = self.grid
        bold, small = _bold(self.font()), _small(self.font())
        painter = QPainter(self)
        painter.fillRect(event.rect(), COLUMN_BACKGROUND)
        offset = grid.verticalScrollBar().value()
        area = event.rect().translated(0, offset)
        row_y = grid._row_y
        row0 = max(0, bisect_right(row_y, area.top()) - 1)
        row1 = min(len(grid.rows) - 1, bisect_right(row_y, area.bottom()) - 1)
        width = self.width()
        painter.translate(0, -offset)
        bold_metrics, metrics, small_metrics = QFontMetrics(bold), self.fontMetrics(), QFontMetrics(small)
        cursor_row = grid._cursor[0] if grid.hasFocus() or grid._selection is not None else None
        for index in range(row0, row1 + 1):
            row = grid.rows[index]
            top, bottom = row_y[index], row_y[index + 1]
            band = QRect(0, top, width, bottom - top)
            if index == cursor_row:
                painter.fillRect(band, TODAY)
            elif row.status != AVAILABLE:
                painter.fillRect(band, UNAVAILABLE)
            line = QRect(10, top, width - 18, min(ROW_HEIGHT, bottom - top))
            label = self._status_label(row)
            if label:
                background, foreground = STATUS_PILLS.get(row.status, (UNAVAILABLE_HATCH, TEXT))
                pill_width = small_metrics.horizontalAdvance(label) + 12
                pill_rect = QRectF(line.right() - pill_width, line.center().y() - 8.5, pill_width, 17)
                painter.setRenderHint(QPainter.RenderHint.Antialiasing)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(background)
                painter.drawRoundedRect(pill_rect, 8, 8)
                painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
                painter.setFont(small)
                painter.setPen(foreground)
                painter.drawText(pill_rect, Qt.AlignmentFlag.AlignCenter, label)
                line.setRight(int(pill_rect.left()) - 6)
            number = row.inventory_number
            number_width = bold_metrics.horizontalAdvance(number)
            muted = row.status != AVAILABLE
            painter.setFont(bold)
            painter.setPen(MUTED_TEXT if muted else TEXT)
            if number_width >= line.width():
                elided = bold_metrics.elidedText(number, Qt.TextElideMode.ElideRight, line.width())
                painter.drawText(line, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, elided)
            else:
                painter.drawText(line, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, number)
                rest = line.adjusted(number_width, 0, 0, 0)
                name = metrics.elidedText(f" · {row.name}", Qt.TextElideMode.ElideRight, rest.width())
                painter.setFont(self.font())
                painter.setPen(MUTED_TEXT)
                painter.drawText(rest, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, name)
            painter.setPen(GRID_LINE)
            painter.drawLine(0, bottom - 1, width, bottom - 1)
        painter.resetTransform()
        painter.setPen(WEEK_LINE)
        painter.drawLine(width - 1, event.rect().top(), width - 1, event.rect().bottom())
        painter.end()


class _Corner(QWidget):
    """Above the device column: what the column is and how many devices it lists."""

    def __init__(self, grid: CalendarGrid) -> None:
        super().__init__(grid)
        self.grid = grid

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), HEADER_BACKGROUND)
        area = self.rect().adjusted(10, 0, -10, 0)
        painter.setFont(_bold(self.font()))
        painter.setPen(TEXT)
        painter.drawText(area, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, "Gerät")
        count = len(self.grid.rows)
        painter.setFont(self.font())
        painter.setPen(MUTED_TEXT)
        painter.drawText(
            area,
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
            f"{count} {'Gerät' if count == 1 else 'Geräte'}",
        )
        painter.setPen(WEEK_LINE)
        painter.drawLine(0, self.height() - 1, self.width(), self.height() - 1)
        painter.drawLine(self.width() - 1, 0, self.width() - 1, self.height())
        painter.end()


def _sample(kind: str, own: bool = False, overdue: bool = False, provisional: bool = False) -> CalendarBar:
    day = dt.date(2000, 1, 1)
    return CalendarBar("", day, day, kind, "", "", own, provisional, overdue)


# Groups of (text, sample) that wrap together; a group may start with a heading (sample None).
Sample = CalendarBar | str | None  # a bar, "unavailable", "today", or None for a heading
LEGEND: tuple[tuple[tuple[str, Sample], ...], ...] = (
    (
        ("Eigene Gemeinde:", None),
        ("reserviert", _sample(RESERVED, own=True)),
        ("ausgegeben", _sample(LENT, own=True)),
    ),
    (("Andere Gemeinden:", None), ("reserviert", _sample(RESERVED)), ("ausgegeben", _sample(LENT))),
    (("angeboten (Warteliste)", _sample(OFFERED)),),
    (("zurückgegeben", _sample(RETURNED)),),
    (("überfällig", _sample(LENT, overdue=True)),),
    (("vorläufig – noch nicht bestätigt", _sample(RESERVED, own=True, provisional=True)),),
    (("Gerät nicht verfügbar", "unavailable"),),
    (("heute", "today"),),
)


class CalendarLegend(QWidget):
    """What the colours of the calendar mean; wraps onto further lines when narrow."""

    SWATCH = QSize(24, 14)
    GROUP_GAP = 22
    ITEM_GAP = 10
    LINE_HEIGHT = 22

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.setAccessibleName(
            "Legende: " + "; ".join(" ".join(text for text, _ in group) for group in LEGEND)
        )

    def _item_width(self, text: str, sample: Sample) -> int:
        if sample is None:
            return QFontMetrics(_bold(self.font())).horizontalAdvance(text)
        return self.SWATCH.width() + 6 + self.fontMetrics().horizontalAdvance(text)

    def places(self, width: int) -> list[tuple[QRect, str, Sample]]:
        """Where each item goes at ``width``."""
        x, y, found = 0, 0, []
        for group in LEGEND:
            widths = [self._item_width(text, sample) for text, sample in group]
            group_width = sum(widths) + self.ITEM_GAP * (len(group) - 1)
            if x and x + self.GROUP_GAP + group_width > width:
                x, y = 0, y + self.LINE_HEIGHT
            elif x:
                x += self.GROUP_GAP
            for (text, sample), item_width in zip(group, widths, strict=True):
                found.append((QRect(x, y, item_width, self.LINE_HEIGHT), text, sample))
                x += item_width + self.ITEM_GAP
            x -= self.ITEM_GAP
        return found

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self.places(max(width, 1))[-1][0].bottom() + 1

    def sizeHint(self) -> QSize:
        width = self.places(100_000)[-1][0].right() + 1
        return QSize(width, self.LINE_HEIGHT)

    def minimumSizeHint(self) -> QSize:
        return QSize(200, self.LINE_HEIGHT)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        height = self.heightForWidth(self.width())
        if self.minimumHeight() != height:
            self.setMinimumHeight(height)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        swatch, left = self.SWATCH, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft
        for place, text, sample in self.places(self.width()):
            if sample is None:
                painter.setFont(_bold(self.font()))
                painter.setPen(TEXT)
                painter.drawText(place, left, text)
                painter.setFont(self.font())
                continue
            top = place.center().y() - swatch.height() / 2 + 0.5
            box = QRectF(place.x() + 0.5, top, swatch.width() - 1, swatch.height() - 1)
            if isinstance(sample, CalendarBar):
                paint_bar(painter, box, sample, "", None)
            else:
                painter.setPen(QPen(WEEK_LINE, 1))
                painter.setBrush(TODAY if sample == "today" else UNAVAILABLE)
                painter.drawRect(box)
                if sample == "unavailable":
                    painter.fillRect(box, UNAVAILABLE_HATCH_BRUSH)
            painter.setPen(MUTED_TEXT)
            painter.drawText(place.adjusted(swatch.width() + 6, 0, 0, 0), left, text)
        painter.end()


class PoolCalendar(QWidget):
    """The pool calendar: the grid (:class:`CalendarGrid`) and its legend beneath."""

    days_selected = Signal(str, object, object)  # device_id, first day, last day (dt.date)
    bar_activated = Signal(str)  # loan_id, on a single click

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = CalendarGrid(self)
        self.legend = CalendarLegend(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.grid, 1)
        layout.addWidget(self.legend)
        self.grid.days_selected.connect(self.days_selected)
        self.grid.bar_activated.connect(self.bar_activated)
        self.setFocusProxy(self.grid)

    def set_rows(self, rows: list[CalendarRow], first: dt.date, last: dt.date, today: dt.date) -> None:
        """Show ``rows`` over the days ``first``–``last`` (both included); ``today`` is marked."""
        self.grid.set_rows(rows, first, last, today)

    @property
    def first(self) -> dt.date:
        return self.grid.first

    @property
    def last(self) -> dt.date:
        return self.grid.last

    @property
    def rows(self) -> list[CalendarRow]:
        return self.grid.rows

    def viewport(self) -> QWidget:
        """The widget the grid is painted on; the mouse events and coordinates below are its."""
        return self.grid.viewport()

    def day_at(self, point: QPoint) -> tuple[str, dt.date] | None:
        return self.grid.day_at(point)

    def bar_at(self, point: QPoint) -> CalendarBar | None:
        return self.grid.bar_at(point)

    def bar_rect(self, loan_id: str) -> QRect:
        return self.grid.bar_rect(loan_id)

    def day_rect(self, device_id: str, day: dt.date) -> QRect:
        return self.grid.day_rect(device_id, day)

    def tooltip_at(self, point: QPoint) -> str | None:
        return self.grid.tooltip_at(point)

    def selection(self) -> tuple[str, dt.date, dt.date] | None:
        return self.grid.selection()

    def clear_selection(self) -> None:
        self.grid.clear_selection()
