"""The Geräteverleih section: tabs for the register, the calendar, loans, waiting list, overdue
loans and borrowers.

Each tab loads its data in a worker when first shown; ``refresh()`` (F5, after a sync) reads
again the tabs that were built. Strg+F (or typing into the device table) goes to the scan field.
"""

from __future__ import annotations

import importlib
import logging

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTabWidget,
    QTextEdit,
    QWidget,
)

from kommune_desk.documents.labels import QR_PREFIX
from kommune_desk.services.workspace import Workspace

from .borrowers_page import BorrowersPage
from .devices_page import DevicesPage

log = logging.getLogger(__name__)
_TEXT_INPUTS = (QLineEdit, QTextEdit, QPlainTextEdit, QAbstractSpinBox)

# (tab title, module, class) of the pages built elsewhere; a missing one shows a placeholder.
_OTHER_PAGES = (
    ("Kalender", "calendar_page", "CalendarPage"),
    ("Ausleihen", "loans_page", "LoansPage"),
    ("Warteliste", "waitlist_page", "WaitlistPage"),
    ("Überfällig", "overdue_page", "OverduePage"),
)


class GeraeteverleihSection(QTabWidget):
    """The section container; ``devices`` is the Geräte tab, ``borrowers`` the Entleiher tab."""

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("geraeteverleih")
        self.setDocumentMode(True)
        self.workspace = workspace
        self.devices = DevicesPage(workspace)
        self.addTab(self.devices, "Geräte")
        self.pages: dict[str, QWidget] = {"Geräte": self.devices}
        for title, module, name in _OTHER_PAGES:
            page = _page(workspace, module, name)
            self.pages[title] = page
            self.addTab(page, title)
        self.borrowers = BorrowersPage(workspace)
        self.pages["Entleiher"] = self.borrowers
        self.addTab(self.borrowers, "Entleiher")
        self._wire()
        QApplication.instance().installEventFilter(self)  # a scan anywhere in the section
        self.scan_shortcut = QShortcut(QKeySequence.StandardKey.Find, self)
        self.scan_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.scan_shortcut.activated.connect(self.focus_scan)
        self.model = self.devices.model  # the register, as the old page offered it

    def _wire(self) -> None:
        """A change in one tab is read again by the others; the overdue count is in its tab title."""
        for page in self.pages.values():
            changed = getattr(page, "changed", None)
            if changed is not None:
                changed.connect(lambda source=page: self._refresh_others(source))
        calendar = self.pages["Kalender"]
        if hasattr(calendar, "show_device"):
            self.devices.calendar_requested.connect(lambda device_id: self._show_calendar_of(device_id))
        overdue = self.pages["Überfällig"]
        if hasattr(overdue, "count_changed"):
            overdue.count_changed.connect(self._show_overdue_count)

    def _show_calendar_of(self, device_id: str) -> None:
        calendar = self.pages["Kalender"]
        self.setCurrentWidget(calendar)
        calendar.show_device(device_id)  # type: ignore[attr-defined]

    def _refresh_others(self, source: QWidget) -> None:
        for page in self.pages.values():
            if page is not source and getattr(page, "_loaded_once", False):
                page.refresh()  # type: ignore[attr-defined]

    def _show_overdue_count(self, count: int) -> None:
        index = self.indexOf(self.pages["Überfällig"])
        self.setTabText(index, f"Überfällig ({count})" if count else "Überfällig")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """A barcode scanner types like a keyboard: printable keys typed anywhere in the section,
        except into a field that takes text, go to the scan field of the Geräte tab."""
        if event.type() != QEvent.Type.KeyPress or not self.isVisible():
            return False
        focus = QApplication.focusWidget()
        if focus is None or not self.isAncestorOf(focus) or focus.window() is not self.window():
            return False
        assert isinstance(event, QKeyEvent)
        if self._scanned_into(focus, event):
            return True
        if isinstance(focus, _TEXT_INPUTS) or (isinstance(focus, QComboBox) and focus.isEditable()):
            return False
        text = event.text()
        chord = event.modifiers() & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
        if chord or not text or not text.isprintable() or text.isspace():
            return False
        self.focus_scan()
        self.devices.scan.setText(text)
        return True

    def _scanned_into(self, focus: QWidget, event: QKeyEvent) -> bool:
        """A tag's QR code scanned into another text field (a search, a name) ends with Enter:
        the field is cleared and the device opens from the Geräte tab."""
        if event.key() not in (Qt.Key.Key_Return, Qt.Key.Key_Enter) or focus is self.devices.scan:
            return False
        if not isinstance(focus, QLineEdit) or not focus.text().strip().upper().startswith(QR_PREFIX):
            return False
        scanned = focus.text().strip()
        focus.clear()
        self.setCurrentWidget(self.devices)
        self.devices.open_scanned(scanned)
        return True

    def focus_scan(self) -> None:
        """Show the Geräte tab with the cursor in the scan field (Strg+F)."""
        self.setCurrentWidget(self.devices)
        self.devices.focus_scan()

    def page(self, title: str) -> QWidget:
        return self.pages[title]

    def refresh(self) -> None:
        """Read again every tab that has been built and shown (the others load when first shown)."""
        for page in self.pages.values():
            refresh = getattr(page, "refresh", None)
            if refresh is None:
                continue
            if page is self.currentWidget() or getattr(page, "_loaded_once", True):
                refresh()


def _page(workspace: Workspace, module: str, name: str) -> QWidget:
    """The tab page ``name`` from ``module`` of this package, imported when first shown."""
    page: QWidget = getattr(importlib.import_module(f"{__package__}.{module}"), name)(workspace)
    return page
