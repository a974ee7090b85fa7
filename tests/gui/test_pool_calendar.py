"""The pool calendar widget: bars on their days, drag to select days, click a bar, tooltips, colours."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QColor, QHelpEvent
from PySide6.QtWidgets import QApplication, QToolTip

from kommune_desk.domain.pool_calendar import (
    LENT,
    RESERVED,
    CalendarBar,
    CalendarRow,
    month_range,
    week_range,
)
from kommune_desk.ui.geraeteverleih.calendar_view import PoolCalendar, bar_style

D = dt.date
TODAY = D(2026, 12, 9)
DECEMBER = month_range(2026, 12)


def _bar(loan_id: str, start: dt.date, end: dt.date, **changes: object) -> CalendarBar:
    values: dict[str, object] = {
        "kind": RESERVED,
        "town": "Trebur",
        "label": "Trebur",
        "own": False,
        "provisional": False,
    }
    values.update(changes)
    return CalendarBar(loan_id, start, end, **values)  # type: ignore[arg-type]


def _row(device_id: str, *bars: CalendarBar, status: str = "verfuegbar") -> CalendarRow:
    return CalendarRow(
        device_id,
        f"KGG-{device_id.upper()}",
        "Wärmebildkamera FLIR E8",
        "Wärmebildkamera",
        status,
        "Nauheim",
        bars,
    )


ROWS = [
    _row(
        "wbk-01",
        _bar("own", D(2026, 12, 10), D(2026, 12, 17), town="Nauheim", label="Zoë Ağaoğlu", own=True),
        _bar("other", D(2026, 12, 21), D(2026, 12, 28)),
    ),
    _row(
        "wbk-02",
        _bar("late", D(2026, 11, 27), D(2026, 12, 3), kind=LENT, overdue=True),
        _bar(
            "draft",
            D(2026, 12, 14),
            D(2026, 12, 16),
            town="Nauheim",
            label="<b>Fett</b>",
            own=True,
            provisional=True,
        ),
    ),
    _row("stm-01", status="wartung"),
    _row("stm-02"),
]


@pytest.fixture
def calendar(qtbot) -> PoolCalendar:  # type: ignore[no-untyped-def]
    widget = PoolCalendar()
    qtbot.addWidget(widget)
    widget.resize(1280, 720)
    widget.set_rows(ROWS, *DECEMBER, TODAY)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _centre(calendar: PoolCalendar, device_id: str, day: dt.date) -> QPoint:
    rect = calendar.day_rect(device_id, day)
    assert not rect.isEmpty(), (device_id, day)
    return rect.center()


def test_a_bar_covers_its_days_and_answers_hit_tests(calendar: PoolCalendar) -> None:
    bar = calendar.bar_rect("own")
    first, last = calendar.day_rect("wbk-01", D(2026, 12, 10)), calendar.day_rect("wbk-01", D(2026, 12, 17))
    # From the 10th to the 17th, inset a little from the day borders, inside the row.
    assert 0 < bar.left() - first.left() <= 3
    assert 0 < last.right() - bar.right() <= 3
    assert first.top() < bar.top() and bar.bottom() < first.bottom()
    assert calendar.bar_at(bar.center()).loan_id == "own"  # type: ignore[union-attr]
    assert calendar.bar_at(_centre(calendar, "wbk-01", D(2026, 12, 18))) is None
    assert calendar.day_at(_centre(calendar, "wbk-01", D(2026, 12, 18))) == ("wbk-01", D(2026, 12, 18))
    assert calendar.day_at(_centre(calendar, "stm-02", D(2026, 12, 31))) == ("stm-02", D(2026, 12, 31))
    below_the_rows = QPoint(bar.center().x(), calendar.day_rect("stm-02", TODAY).bottom() + 20)
    assert calendar.day_at(below_the_rows) is None
    assert (calendar.first, calendar.last) == DECEMBER


def test_a_bar_that_began_last_month_is_cut_at_the_first_day(calendar: PoolCalendar) -> None:
    bar = calendar.bar_rect("late")
    first_day, third = (
        calendar.day_rect("wbk-02", D(2026, 12, 1)),
        calendar.day_rect("wbk-02", D(2026, 12, 3)),
    )
    assert bar.left() == first_day.left() == 0  # runs on to the left edge, no inset
    assert 0 < third.right() - bar.right() <= 3
    tooltip = calendar.tooltip_at(bar.center())
    assert tooltip is not None
    # The tooltip names the whole loan, not the part shown.
    assert tooltip.splitlines()[0] == "Ausgegeben, überfällig · Trebur · 27.11.–03.12.2026 (7 Tage)"


def test_dragging_over_free_days_selects_them(qtbot, calendar: PoolCalendar) -> None:  # type: ignore[no-untyped-def]
    viewport = calendar.viewport()
    start, end = _centre(calendar, "wbk-01", D(2026, 12, 3)), _centre(calendar, "wbk-01", D(2026, 12, 6))
    with qtbot.waitSignal(calendar.days_selected, timeout=1000) as blocker:
        qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
        qtbot.mouseMove(viewport, _centre(calendar, "wbk-01", D(2026, 12, 4)))
        qtbot.mouseMove(viewport, end)
        assert calendar.selection() == ("wbk-01", D(2026, 12, 3), D(2026, 12, 6))  # drawn while dragging
        qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=end)
    assert blocker.args == ["wbk-01", D(2026, 12, 3), D(2026, 12, 6)]


def test_dragging_right_to_left_gives_start_before_end(qtbot, calendar: PoolCalendar) -> None:  # type: ignore[no-untyped-def]
    viewport = calendar.viewport()
    start = _centre(calendar, "stm-02", D(2026, 12, 20))
    # Straying into another row keeps the device the drag began on.
    end = _centre(calendar, "wbk-01", D(2026, 12, 5))
    with qtbot.waitSignal(calendar.days_selected, timeout=1000) as blocker:
        qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
        qtbot.mouseMove(viewport, _centre(calendar, "stm-02", D(2026, 12, 12)))
        qtbot.mouseMove(viewport, end)
        qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=end)
    assert blocker.args == ["stm-02", D(2026, 12, 5), D(2026, 12, 20)]


def test_a_click_on_a_bar_activates_it_and_selects_no_days(qtbot, calendar: PoolCalendar) -> None:  # type: ignore[no-untyped-def]
    with (
        qtbot.assertNotEmitted(calendar.days_selected),
        qtbot.waitSignal(calendar.bar_activated, timeout=1000) as blocker,
    ):
        qtbot.mouseClick(
            calendar.viewport(), Qt.MouseButton.LeftButton, pos=calendar.bar_rect("other").center()
        )
    assert blocker.args == ["other"]
    assert calendar.selection() is None


def test_a_provisional_bar_says_so_and_shows_a_name_as_text(qtbot, calendar: PoolCalendar) -> None:  # type: ignore[no-untyped-def]
    point = calendar.bar_rect("draft").center()
    assert calendar.tooltip_at(point) == (
        "Reserviert · Nauheim · 14.12.–16.12.2026 (3 Tage)\n"
        "<b>Fett</b>\n"
        "vorläufig – noch nicht vom Server bestätigt"
    )
    viewport = calendar.viewport()
    QApplication.sendEvent(viewport, QHelpEvent(QEvent.Type.ToolTip, point, viewport.mapToGlobal(point)))
    qtbot.waitUntil(QToolTip.isVisible, timeout=1000)
    shown = QToolTip.text()
    assert "vorläufig – noch nicht vom Server bestätigt" in shown
    assert "&lt;b&gt;Fett&lt;/b&gt;" in shown and "<b>Fett" not in shown  # a name is never markup
    QToolTip.hideText()


def _pixel(calendar: PoolCalendar, point: QPoint) -> QColor:
    image = calendar.grab().toImage()
    return image.pixelColor(calendar.viewport().mapTo(calendar, point))


def test_the_own_towns_booking_stands_out_from_another_towns(calendar: PoolCalendar) -> None:
    own, other = calendar.bar_rect("own"), calendar.bar_rect("other")
    # Near the right end: inside the fill, away from the label and the rounded corners.
    own_colour = _pixel(calendar, QPoint(own.right() - 8, own.center().y()))
    other_colour = _pixel(calendar, QPoint(other.right() - 8, other.center().y()))
    assert own_colour != other_colour
    assert own_colour == bar_style(RESERVED, own=True).fill
    assert own_colour.hsvSaturation() > other_colour.hsvSaturation() + 80  # strong blue vs grey-blue
    late = calendar.bar_rect("late")
    late_colour = _pixel(calendar, QPoint(late.right() - 8, late.center().y()))
    assert late_colour.red() > 150 > late_colour.blue()  # overdue is red


def test_a_device_in_maintenance_has_its_row_shaded(calendar: PoolCalendar) -> None:
    tuesday = D(2026, 12, 15)  # a weekday, not today: the plain background elsewhere
    in_maintenance = _pixel(calendar, calendar.day_rect("stm-01", tuesday).topLeft() + QPoint(3, 6))
    available = _pixel(calendar, calendar.day_rect("stm-02", tuesday).topLeft() + QPoint(3, 6))
    assert available == QColor("white")
    assert in_maintenance.lightness() < available.lightness()


def test_overlapping_bars_get_lanes_of_their_own(qtbot) -> None:  # type: ignore[no-untyped-def]
    widget = PoolCalendar()
    qtbot.addWidget(widget)
    widget.resize(1280, 720)
    confirmed = _bar("confirmed", D(2026, 12, 8), D(2026, 12, 13))
    clash = _bar("clash", D(2026, 12, 11), D(2026, 12, 14), provisional=True)
    widget.set_rows([_row("a", confirmed, clash), _row("b")], *DECEMBER, TODAY)
    widget.show()
    first, second = widget.bar_rect("confirmed"), widget.bar_rect("clash")
    assert not first.intersects(second)
    assert second.top() > first.bottom()
    row_a, row_b = widget.day_rect("a", TODAY), widget.day_rect("b", TODAY)
    assert row_a.bottom() >= second.bottom() and row_b.top() > second.bottom()
    assert widget.bar_at(second.center()).loan_id == "clash"  # type: ignore[union-attr]


def test_many_devices_scroll_under_a_frozen_header(qtbot) -> None:  # type: ignore[no-untyped-def]
    widget = PoolCalendar()
    qtbot.addWidget(widget)
    widget.resize(1280, 720)
    rows = [_row(f"d{i:02d}") for i in range(59)]
    rows.append(_row("last", _bar("bottom", D(2026, 12, 2), D(2026, 12, 4))))
    widget.set_rows(rows, *DECEMBER, TODAY)
    widget.show()
    qtbot.waitExposed(widget)
    grid = widget.grid
    header, devices = grid.header.geometry(), grid.device_column.geometry()
    assert grid.verticalScrollBar().maximum() > 0
    assert not widget.viewport().rect().contains(widget.bar_rect("bottom"))
    grid.verticalScrollBar().setValue(grid.verticalScrollBar().maximum())
    assert widget.viewport().rect().contains(widget.bar_rect("bottom"))
    assert widget.bar_at(widget.bar_rect("bottom").center()).loan_id == "bottom"  # type: ignore[union-attr]
    assert (grid.header.geometry(), grid.device_column.geometry()) == (header, devices)  # they stay put
    assert grid.horizontalScrollBar().maximum() == 0  # a month fits 1280 pixels


def test_a_week_shows_seven_wide_days(calendar: PoolCalendar) -> None:
    monday, sunday = week_range(TODAY)
    calendar.set_rows(ROWS, monday, sunday, TODAY)
    assert (calendar.first, calendar.last) == (D(2026, 12, 7), D(2026, 12, 13))
    assert calendar.day_rect("wbk-01", monday).width() > 100
    assert calendar.day_rect("wbk-01", D(2026, 12, 14)).isEmpty()  # not shown
    # "own" begins on the 10th and runs past Sunday: cut at the right edge.
    assert calendar.bar_rect("own").right() == calendar.day_rect("wbk-01", sunday).right()
    assert calendar.bar_rect("other").isEmpty()


def test_the_keyboard_selects_days_too(qtbot, calendar: PoolCalendar) -> None:  # type: ignore[no-untyped-def]
    calendar.setFocus()
    grid = calendar.grid
    # The cursor starts on today in the first row; down to wbk-02, then two days to the right.
    qtbot.keyClick(grid, Qt.Key.Key_Down)
    qtbot.keyClick(grid, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(grid, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    with qtbot.waitSignal(calendar.days_selected, timeout=1000) as blocker:
        qtbot.keyClick(grid, Qt.Key.Key_Return)
    assert blocker.args == ["wbk-02", D(2026, 12, 9), D(2026, 12, 11)]
    qtbot.keyClick(grid, Qt.Key.Key_Escape)
    assert calendar.selection() is None


def test_an_empty_range_is_refused(calendar: PoolCalendar) -> None:
    with pytest.raises(ValueError):
        calendar.set_rows(ROWS, D(2026, 12, 31), D(2026, 12, 1), TODAY)


def test_the_device_column_explains_a_device_out_of_service(qtbot, calendar: PoolCalendar) -> None:  # type: ignore[no-untyped-def]
    column = calendar.grid.device_column
    point = QPoint(20, calendar.day_rect("stm-01", TODAY).center().y())
    QApplication.sendEvent(column, QHelpEvent(QEvent.Type.ToolTip, point, column.mapToGlobal(point)))
    qtbot.waitUntil(QToolTip.isVisible, timeout=1000)
    shown = QToolTip.text()
    assert "KGG-STM-01 · Wärmebildkamera FLIR E8" in shown
    assert "Standort: Nauheim" in shown and "Status: in Wartung" in shown
    QToolTip.hideText()
