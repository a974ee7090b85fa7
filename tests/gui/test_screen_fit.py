"""A clerk's screen (1280×720, 1366×768): every section shows its buttons whole, the Posteingang
and the Geräteverleih lists keep the service and the names readable, and what does not fit goes
into a "Weitere" menu (never cut off)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect, QSettings
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton, QToolButton, QWidget

from kommune_desk.services.workspace import Workspace
from kommune_desk.ui.action_bar import MORE_TEXT, ActionBar, menu_entry_texts
from kommune_desk.ui.main_window import MainWindow, table_is_filled

from ..conftest import SMALL_DEMO

SIZES = [(1280, 720), (1366, 768)]


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "einstellungen.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot, demo_workspace: Workspace, settings: QSettings) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    win = MainWindow(demo_workspace, settings, "/tmp/kommune-desk.log")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: table_is_filled(win), timeout=5000)
    qtbot.waitUntil(lambda: win.inbox_model.rowCount() == SMALL_DEMO.applications, timeout=5000)
    yield win


def _cut_buttons(win: MainWindow) -> list[str]:
    """Every visible push or tool button that is narrower than it needs or reaches outside the window."""
    area = win.rect()
    problems = []
    for button in win.findChildren(QWidget):
        if not isinstance(button, (QPushButton, QToolButton)) or not button.isVisible():
            continue
        if isinstance(button.parent(), QLineEdit):
            continue  # a line edit's own clear button, sized by the line edit
        where = QRect(button.mapTo(win, QPoint(0, 0)), button.size())
        if not area.contains(where) or button.width() < button.sizeHint().width():
            name = button.text() or button.objectName()
            problems.append(f"»{name}« {where.getRect()} needs {button.sizeHint().width()}")
    return problems


def _overlapping_buttons(win: MainWindow) -> list[str]:
    """Pairs of visible buttons drawn over each other (a layout squeezed below its minimum)."""
    shown = [
        (b, QRect(b.mapTo(win, QPoint(0, 0)), b.size()))
        for b in win.findChildren(QPushButton)
        if b.isVisible() and b.window() is win
    ]
    return [
        f"»{a.text()}« / »{b.text()}«"
        for i, (a, ra) in enumerate(shown)
        for b, rb in shown[i + 1 :]
        if ra.intersects(rb)
    ]


def _settle(qtbot, win: MainWindow) -> None:  # type: ignore[no-untyped-def]
    QApplication.processEvents()
    qtbot.wait(50)  # posted layout requests and the action bars' re-arrangement


def _check(qtbot, win: MainWindow, shots: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    _settle(qtbot, win)
    assert _cut_buttons(win) == [], name
    assert _overlapping_buttons(win) == [], name
    shot = shots / f"{name}.png"
    assert win.grab().save(str(shot))
    assert shot.stat().st_size > 0


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_no_button_is_cut_in_any_section(
    qtbot, window: MainWindow, tmp_path: Path, size: tuple[int, int]
) -> None:  # type: ignore[no-untyped-def]
    window.resize(*size)
    _settle(qtbot, window)
    assert (window.width(), window.height()) == size
    page = window.inbox_page
    assert page is not None

    _check(qtbot, window, tmp_path, "posteingang")
    page.filter_button.click()
    _check(qtbot, window, tmp_path, "posteingang-filter")
    page.filter_button.click()

    window.show_section(1)
    section = window.pool_page()
    for index in range(section.count()):
        section.setCurrentIndex(index)
        qtbot.wait(100)  # the tab reads its rows in a worker
        _check(qtbot, window, tmp_path, f"geraeteverleih-{index}")

    window.show_section(2)
    qtbot.waitUntil(lambda: window.statistik_page().dashboard is not None, timeout=20_000)
    _check(qtbot, window, tmp_path, "statistik")

    window.show_section(3)
    _check(qtbot, window, tmp_path, "konflikte")


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_case_view_and_its_letters_tab_cut_no_button(
    qtbot, window: MainWindow, tmp_path: Path, size: tuple[int, int]
) -> None:  # type: ignore[no-untyped-def]
    window.resize(*size)
    page = window.inbox_page
    assert page is not None
    conn = window.workspace.db.reader()
    try:  # an open case a Teamleitung has most actions for
        (case,) = conn.execute(
            "SELECT id FROM applications WHERE status = 'eingegangen' AND assignee_id IS NULL LIMIT 1"
        ).fetchone()
    finally:
        conn.close()
    page.open_case(case)
    view = page.case_view
    qtbot.waitUntil(lambda: view.detail is not None and view.detail.id == case, timeout=5000)
    _check(qtbot, window, tmp_path, "vorgang")
    shown = [b.text() for b in view.actions.buttons() if b.isVisible()]
    assert shown and shown[0] == "Übernehmen"  # the way forward stays in the row
    assert len(shown) + len(view.actions.overflowed()) == len(view.actions.buttons())
    view.show_notices()
    qtbot.wait(300)  # the letters are read in a worker
    _check(qtbot, window, tmp_path, "vorgang-schreiben")


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_posteingang_columns_and_views_panel_are_readable(
    qtbot, window: MainWindow, size: tuple[int, int]
) -> None:  # type: ignore[no-untyped-def]
    window.resize(*size)
    _settle(qtbot, window)
    page = window.inbox_page
    assert page is not None
    qtbot.waitUntil(lambda: "(" in page.views.item(0).text(), timeout=5000)  # the counts are in
    _settle(qtbot, window)
    metrics = page.table.fontMetrics()
    header = page.table.horizontalHeader()
    # The service and the applicant are readable; Aktenzeichen and dates are compact.
    assert header.sectionSize(2) >= metrics.horizontalAdvance("Sondernutzungserlaubnis") + 8
    assert header.sectionSize(3) >= metrics.horizontalAdvance("Dąbrowski, Dragan") + 8
    assert header.sectionSize(2) > header.sectionSize(0) > header.sectionSize(1)
    assert header.sectionSize(1) <= metrics.horizontalAdvance("00.00.0000") + 40
    # The view list is as wide as its longest line (with its count), not wider.
    views = page.views
    widest = max(views.fontMetrics().horizontalAdvance(views.item(r).text()) for r in range(views.count()))
    assert widest < views.viewport().width() <= widest + 40


def test_geraeteverleih_lists_show_the_device_readably(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.resize(1280, 720)
    window.show_section(1)
    section = window.pool_page()
    table = section.devices.table
    qtbot.waitUntil(lambda: table.model().rowCount() > 0, timeout=5000)
    _settle(qtbot, window)
    assert table.horizontalHeader().sectionSize(1) >= table.fontMetrics().horizontalAdvance(
        "Datenlogger testo 174 H"
    )
    loans = section.page("Ausleihen")
    section.setCurrentWidget(loans)
    qtbot.waitUntil(lambda: loans.model.rowCount() > 0, timeout=5000)  # type: ignore[attr-defined]
    _settle(qtbot, window)
    loans_table = loans.table  # type: ignore[attr-defined]
    assert loans_table.horizontalHeader().sectionSize(0) >= loans_table.fontMetrics().horizontalAdvance(
        "KGG-CO2-01 · CO₂-Messgerät Aranet4"
    )


def test_actions_that_do_not_fit_go_into_weitere_and_come_back(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    page = window.inbox_page
    assert page is not None
    bar = page.actions_bar
    window.resize(1000, 600)  # the window's smallest size: not every action fits beside the search
    _settle(qtbot, window)
    assert bar.more_button.isVisible() and bar.more_button.text() == MORE_TEXT
    moved = bar.overflowed()
    assert moved and all(not button.isVisible() for button in moved)
    assert page.search.width() >= 220
    assert _cut_buttons(window) == [] and _overlapping_buttons(window) == []
    # "Neuer Antrag" and "Filter" stay longest; "Importieren" (also in the Datei menu) goes first.
    assert window.findChild(QPushButton, "importApplications") in moved
    assert window.findChild(QPushButton, "newApplication").isVisible()
    entries = menu_entry_texts(bar)
    assert entries == [b.text() for b in moved]

    window.resize(1366, 768)
    _settle(qtbot, window)
    assert bar.overflowed() == [] and not bar.more_button.isVisible()
    assert all(button.isVisible() for button in bar.buttons())


def test_action_bar_mirrors_state_and_clicks(qtbot) -> None:  # type: ignore[no-untyped-def]
    clicked: list[str] = []
    bar = ActionBar(name="probe")
    qtbot.addWidget(bar)
    buttons = []
    for text in ("Erste", "Zweite …", "Dritte …"):
        button = QPushButton(text)
        button.clicked.connect(lambda _c=False, t=text: clicked.append(t))
        buttons.append(bar.add_button(button))
    buttons[2].setEnabled(False)
    buttons[2].setToolTip("Bitte zuerst eine Zeile wählen.")
    bar.show()
    bar.resize(bar.sizeHint())
    _settle_widget(qtbot)
    assert bar.overflowed() == [] and not bar.more_button.isVisible()

    bar.resize(bar.minimumSizeHint().width() + buttons[0].sizeHint().width() + 6, bar.height())
    _settle_widget(qtbot)
    assert bar.overflowed() == buttons[1:]
    assert buttons[0].isVisible() and bar.more_button.isVisible()
    assert menu_entry_texts(bar) == ["Zweite …", "Dritte …"]
    second, third = bar.more_menu.actions()
    assert second.isEnabled() and not third.isEnabled()
    assert third.toolTip() == "Bitte zuerst eine Zeile wählen."
    second.trigger()
    assert clicked == ["Zweite …"]

    # A button the page hides on purpose stays hidden, in the row and in the menu.
    bar.set_shown(buttons[1], False)
    _settle_widget(qtbot)
    assert "Zweite …" not in menu_entry_texts(bar) and not buttons[1].isVisible()
    bar.resize(bar.sizeHint())
    _settle_widget(qtbot)
    assert not buttons[1].isVisible() and buttons[2].isVisible() and not bar.more_button.isVisible()


def _settle_widget(qtbot) -> None:  # type: ignore[no-untyped-def]
    QApplication.processEvents()
    qtbot.wait(20)
