"""The main window with real widgets on a real demo database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDialogButtonBox

from kommune_desk.domain.inbox_views import deadline_is_running
from kommune_desk.services.workspace import Workspace
from kommune_desk.ui.main_window import MainWindow, table_is_filled
from kommune_desk.ui.translations import install_german

from ..conftest import SMALL_DEMO


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "einstellungen.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot, demo_workspace: Workspace, settings: QSettings) -> MainWindow:  # type: ignore[no-untyped-def]
    win = MainWindow(demo_workspace, settings, "/tmp/kommune-desk.log")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: table_is_filled(win), timeout=5000)
    # then the remaining handles arrive and the count is shown
    qtbot.waitUntil(lambda: win.inbox_model.rowCount() == SMALL_DEMO.applications, timeout=5000)
    return win


def _cell(win: MainWindow, row: int, column: int) -> str:
    model = win.inbox_model
    return model.data(model.index(row, column))


def test_posteingang_lists_all_applications_newest_first(
    window: MainWindow, demo_workspace: Workspace
) -> None:
    model = window.inbox_model
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(6)] == [
        "Aktenzeichen",
        "Eingang",
        "Leistung",
        "Antragsteller/in",
        "Status",
        "Frist",
    ]
    assert model.rowCount() == SMALL_DEMO.applications
    assert window.inbox_page.summary.text().startswith("1.500 Anträge")
    newest = (
        demo_workspace.db.reader()
        .execute("SELECT aktenzeichen FROM applications ORDER BY received_at DESC LIMIT 1")
        .fetchone()[0]
    )
    assert _cell(window, 0, 0) == newest
    assert _cell(window, 0, 1).count(".") == 2  # German date 24.11.2026


def test_rows_far_down_are_fetched_on_demand(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    last = window.inbox_model.rowCount() - 1
    window.inbox_page.table.scrollToBottom()
    qtbot.waitUntil(lambda: _cell(window, last, 0) not in (None, "…"), timeout=5000)
    assert _cell(window, last, 0).startswith("MW-20")


def test_clicking_a_header_sorts(qtbot, window: MainWindow, demo_workspace: Workspace) -> None:  # type: ignore[no-untyped-def]
    smallest = demo_workspace.db.reader().execute("SELECT min(aktenzeichen) FROM applications").fetchone()[0]
    window.inbox_page.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    qtbot.waitUntil(lambda: _cell(window, 0, 0) == smallest, timeout=5000)


def test_deadline_colours_amber_and_red_for_open_cases(window: MainWindow) -> None:
    model = window.inbox_model
    today = dt.date.today()
    checked = 0
    for row in range(min(model.rowCount(), 400)):
        record = model._row(row)
        assert record is not None
        brush = model.data(model.index(row, 5), Qt.ItemDataRole.BackgroundRole)
        if not deadline_is_running(record.status) or record.due_date is None:
            assert brush is None  # closed, or the clock rests while documents are missing
            continue
        days = (record.due_date - today).days
        if days < 0:
            assert brush.color().name() == "#f9d0cc"
            checked += 1
        elif days <= 3:
            assert brush.color().name() == "#fff1c2"
            checked += 1
        else:
            assert brush is None
    assert checked > 0


def test_navigation_by_click_and_shortcut(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window.navigation.setCurrentRow(2)
    assert window.current_section() == "Statistik"
    # The dashboard is built when the section is first shown (matplotlib is loaded then, not before).
    assert window.statistik_section.page is window.statistik_page()
    qtbot.waitUntil(lambda: window.statistik_page().dashboard is not None, timeout=20_000)
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.current_section() == "Geräteverleih"
    qtbot.keyClick(window, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    assert window.current_section() == "Konflikte"
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert window.current_section() == "Posteingang"
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus == ["&Datei", "&Ansicht", "&Hilfe"]


def test_status_bar_names_office_clerk_and_sync_state(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    assert window.office_label.text() == "Mörfelden-Walldorf · Bürgerbüro"
    assert window.clerk_label.text() == "Jana Becker (Teamleitung)"
    qtbot.waitUntil(window.sync_status.setup_label.isVisible, timeout=5000)  # the demo is not enrolled
    assert window.sync_status.setup_label.text().startswith("Abgleich nicht eingerichtet")


def test_geometry_and_section_are_remembered(qtbot, demo_workspace: Workspace, settings: QSettings) -> None:  # type: ignore[no-untyped-def]
    first = MainWindow(demo_workspace, settings, "x.log")
    qtbot.addWidget(first)
    first.show()
    first.resize(1000, 640)  # the offscreen screen is 800×800; the window may be wider
    first.show_section(3)
    first.close()
    second = MainWindow(demo_workspace, settings, "x.log")
    qtbot.addWidget(second)
    assert (second.width(), second.height()) == (1000, 640)
    assert second.current_section() == "Konflikte"
    second.close()


def test_qt_standard_dialogs_speak_german(qapp) -> None:  # type: ignore[no-untyped-def]
    assert install_german(qapp)
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel | QDialogButtonBox.StandardButton.Save)
    assert box.button(QDialogButtonBox.StandardButton.Cancel).text() == "Abbrechen"
    assert box.button(QDialogButtonBox.StandardButton.Save).text() == "Speichern"


def test_unmapped_login_sees_no_citizen_data(qtbot, demo_workspace: Workspace, settings: QSettings) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from PySide6.QtWidgets import QLabel

    stranger = replace(demo_workspace, clerk=None, os_login="h.fremd")
    win = MainWindow(stranger, settings, "x.log")
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.inbox_ready, timeout=3000):
        win.show()
    assert "»h.fremd« ist niemandem zugeordnet" in win.clerk_label.text()
    notice = win.pages.widget(0).findChild(QLabel, "noAccess")
    assert notice is not None and "keine Anträge angezeigt" in notice.text()
    assert "clerk add h.fremd" in notice.text()
    assert win.inbox_model.rowCount() == 0
    assert win.pages.widget(0) is not win.inbox_page
    win.close()


def test_first_page_appears_before_the_full_list(qtbot, demo_workspace: Workspace) -> None:  # type: ignore[no-untyped-def]
    from kommune_desk.ui.inbox_model import PAGE_SIZE, InboxModel

    model = InboxModel.for_workspace(demo_workspace)
    order: list[str] = []
    model.first_page_shown.connect(lambda: order.append(f"first:{model.rowCount()}"))
    model.loaded.connect(lambda total: order.append(f"all:{total}"))
    with qtbot.waitSignal(model.loaded, timeout=5000):
        model.ensure_loaded()
    assert order == [f"first:{PAGE_SIZE}", f"all:{SMALL_DEMO.applications}"]
    assert model.rowCount() == SMALL_DEMO.applications
    model.close()


def test_f5_keeps_the_selected_application(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    table = window.inbox_page.table
    table.selectRow(7)
    chosen = _cell(window, 7, 0)
    window.inbox_model.reload()
    qtbot.waitUntil(lambda: bool(table.selectionModel().selectedRows()), timeout=5000)
    row = table.selectionModel().selectedRows()[0].row()
    assert _cell(window, row, 0) == chosen


def test_sort_order_is_remembered(qtbot, demo_workspace: Workspace, settings: QSettings) -> None:  # type: ignore[no-untyped-def]
    first = MainWindow(demo_workspace, settings, "x.log")
    qtbot.addWidget(first)
    first.show()
    first.inbox_page.table.sortByColumn(3, Qt.SortOrder.AscendingOrder)
    first.close()
    second = MainWindow(demo_workspace, settings, "x.log")
    qtbot.addWidget(second)
    assert second.inbox_model.sort_order() == (3, False)
    header = second.inbox_page.table.horizontalHeader()
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (3, Qt.SortOrder.AscendingOrder)
    second.close()


def test_clipped_cells_show_their_full_text_as_tooltip(window: MainWindow) -> None:
    model = window.inbox_model
    assert model.data(model.index(0, 3), Qt.ItemDataRole.ToolTipRole) == _cell(window, 0, 3)
    assert model.data(model.index(0, 2), Qt.ItemDataRole.ToolTipRole) == _cell(window, 0, 2)


def test_a_failing_disk_is_reported_once_not_on_every_repaint(qtbot, demo_dir) -> None:  # type: ignore[no-untyped-def]
    import os

    from kommune_desk.services.errors import StorageError
    from kommune_desk.services.workspace import load_workspace
    from kommune_desk.storage.database import DATABASE_FILE, Database
    from kommune_desk.ui.inbox_model import InboxModel

    from ..conftest import LOGIN

    db = Database.open(demo_dir)
    workspace = load_workspace(db, LOGIN)
    assert workspace is not None
    model = InboxModel.for_workspace(workspace)
    with qtbot.waitSignal(model.loaded, timeout=5000):
        model.ensure_loaded()
    failures: list[object] = []
    model.load_failed.connect(failures.append)
    os.truncate(demo_dir / DATABASE_FILE, 8 * 4096)  # the disk loses most of the file
    first = model.data(model.index(0, 0))
    second = model.data(model.index(1, 3))
    assert first == second == "…"
    assert len(failures) == 1
    assert isinstance(failures[0], StorageError) and "Datenbank" in failures[0].message
    model.close()
    db.close()


def test_the_navigation_names_the_pools_overdue_loans_after_the_daily_work(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    item = window.navigation.item(1)
    window.pool_daily().run()
    qtbot.waitUntil(lambda: item.text().startswith("Geräteverleih ("), timeout=10000)
    count = int(item.text().removeprefix("Geräteverleih (").removesuffix(")"))
    assert count >= 2  # the demo has overdue loans of this town and of another
    assert item.font().bold() and "davon" in item.toolTip()


def test_konflikte_says_the_sync_is_not_set_up_rather_than_all_was_taken_over(
    qtbot, window: MainWindow
) -> None:  # type: ignore[no-untyped-def]
    page = window.conflicts_page()
    page.refresh()
    qtbot.waitUntil(lambda: "nicht eingerichtet" in page.summary.text(), timeout=10000)
    assert "übernommen" not in page.summary.text()
