"""The Geräteverleih page on a real database: the list, a booking through the dialog, a clash."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QSettings, Qt
from shiboken6 import isValid

from kommune_desk.domain.formatting import format_date
from kommune_desk.services.pool import book_device, register_device
from kommune_desk.services.workspace import Workspace
from kommune_desk.ui.main_window import MainWindow
from kommune_desk.ui.pool_dialogs import BookingDialog
from kommune_desk.ui.pool_page import COLUMNS, PoolPage

TODAY = dt.date.today()  # the page and the dialog work with the real date


@pytest.fixture
def page(qtbot, workspace: Workspace) -> PoolPage:  # type: ignore[no-untyped-def]
    register_device(workspace, "NAU-WBK-001", "Wärmebildkamera FLIR E8 Pro", "Wärmebildkamera", "SN1")
    register_device(workspace, "NAU-STM-001", "Strommessgerät Energy Logger 4000", "Strommessgerät")
    widget = PoolPage(workspace)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitUntil(lambda: widget.model.rowCount() == 2, timeout=5000)
    return widget


def _row(page: PoolPage, row: int) -> list[str]:
    return [page.model.data(page.model.index(row, c)) for c in range(len(COLUMNS))]


def _book_in_dialog(qtbot, page: PoolPage, start: dt.date, end: dt.date) -> BookingDialog:  # type: ignore[no-untyped-def]
    page.select_device(page.model.device_at(0).id)  # type: ignore[union-attr]
    dialog = page.book_selected()
    assert isinstance(dialog, BookingDialog)
    qtbot.waitUntil(lambda: "geladen" not in dialog.taken.text(), timeout=5000)
    dialog.start.setDate(QDate(start.year, start.month, start.day))
    dialog.end.setDate(QDate(end.year, end.month, end.day))
    dialog.borrower.setText("Zoë Ağaoğlu")
    dialog.contact.setText("06152 1234")
    dialog.confirm.click()
    return dialog


def test_the_page_lists_the_devices_of_the_pool(page: PoolPage) -> None:
    assert [page.model.headerData(c, Qt.Orientation.Horizontal) for c in range(len(COLUMNS))] == [
        "Inventarnummer",
        "Gerät",
        "Kategorie",
        "Heimatort",
        "Status",
        "Nächste Reservierung",
    ]
    assert _row(page, 0) == [
        "NAU-STM-001",
        "Strommessgerät Energy Logger 4000",
        "Strommessgerät",
        "Gemeinde Nauheim",
        "verfügbar",
        "",
    ]
    assert _row(page, 1)[0] == "NAU-WBK-001"
    assert page.summary.text() == "2 Geräte im gemeinsamen Pool"
    assert not page.book_button.isEnabled()  # nothing selected yet


def test_booking_through_the_dialog_shows_the_next_reservation(qtbot, page: PoolPage) -> None:  # type: ignore[no-untyped-def]
    start, end = TODAY + dt.timedelta(days=3), TODAY + dt.timedelta(days=10)
    dialog = _book_in_dialog(qtbot, page, start, end)
    qtbot.waitUntil(lambda: not isValid(dialog), timeout=5000)  # closed and deleted
    first = format_date(start)[:6] if start.year == end.year else format_date(start)
    expected = f"{first}–{format_date(end)} · Gemeinde Nauheim"  # 03.12.–10.12.2026 · …
    qtbot.waitUntil(lambda: _row(page, 0)[5] == expected, timeout=5000)
    assert "wurde reserviert" in page.summary.text()
    assert page.selected_device() is not None and page.selected_device().inventory_number == "NAU-STM-001"  # type: ignore[union-attr]


def test_a_clash_is_explained_in_the_dialog_which_keeps_the_input(
    qtbot, page: PoolPage, workspace: Workspace
) -> None:  # type: ignore[no-untyped-def]
    device = page.model.device_at(0)
    assert device is not None
    taken_start, taken_end = TODAY + dt.timedelta(days=10), TODAY + dt.timedelta(days=15)
    book_device(workspace, device.id, taken_start, taken_end, "Ingrid Roß")
    dialog = _book_in_dialog(qtbot, page, TODAY + dt.timedelta(days=12), TODAY + dt.timedelta(days=20))
    qtbot.waitUntil(dialog.problems.isVisible, timeout=5000)
    assert dialog.problems.text().startswith(
        f"Das Gerät ist vom {format_date(taken_start)} bis {format_date(taken_end)} bereits reserviert."
    )
    assert dialog.isVisible() and dialog.borrower.text() == "Zoë Ağaoğlu"
    assert dialog.confirm.isEnabled()
    dialog.reject()


def test_a_new_device_is_added_through_its_dialog(qtbot, page: PoolPage) -> None:  # type: ignore[no-untyped-def]
    dialog = page.add_device()
    dialog.confirm.click()  # type: ignore[attr-defined]
    qtbot.waitUntil(dialog.problems.isVisible, timeout=5000)  # type: ignore[attr-defined]
    assert "Inventarnummer" in dialog.problems.text()  # type: ignore[attr-defined]
    dialog.inventory_number.setText("NAU-CO2-001")  # type: ignore[attr-defined]
    dialog.name.setText("CO₂-Messgerät Aranet4")  # type: ignore[attr-defined]
    dialog.category.setText("Luftqualität")  # type: ignore[attr-defined]
    dialog.confirm.click()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: page.model.rowCount() == 3, timeout=5000)
    assert page.selected_device().inventory_number == "NAU-CO2-001"  # type: ignore[union-attr]


def test_the_main_window_builds_the_page_when_the_section_is_opened(
    qtbot, workspace: Workspace, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    register_device(workspace, "NAU-WBK-001", "Wärmebildkamera FLIR E8 Pro", "Wärmebildkamera")
    settings = QSettings(str(tmp_path / "einstellungen.ini"), QSettings.Format.IniFormat)
    window = MainWindow(workspace, settings, "x.log")
    qtbot.addWidget(window)
    window.show()
    assert window.pool_section.page is None  # not built at start
    window.show_section(1)
    assert window.current_section() == "Geräteverleih"
    qtbot.waitUntil(lambda: window.pool_page().model.rowCount() == 1, timeout=5000)
    assert window.pool_page().isVisible()


_START_AND_CHECK = """
import sys
from kommune_desk import app
code = app.main(["--data-dir", sys.argv[1], "--exit-when-ready"])
print("pool page imported:", "kommune_desk.ui.pool_page" in sys.modules, flush=True)
sys.exit(code)
"""


def test_start_up_does_not_import_the_pool_page(demo_dir: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _START_AND_CHECK, str(demo_dir)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "pool page imported: False" in done.stdout, done.stdout
