"""The Posteingang's filter bar: status, service, assignee and period of receipt."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import QComboBox, QDateEdit, QHBoxLayout, QLabel, QPushButton, QWidget

from kommune_desk.domain.inbox_views import UNASSIGNED, InboxFilter
from kommune_desk.domain.records import ApplicationStatus, Clerk, Service

_NO_DATE = QDate(2000, 1, 1)  # shown as "–": no bound


class FilterBar(QWidget):
    """Emits ``changed`` whenever a filter is picked; ``apply_to`` folds them into a query."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.status = QComboBox()
        self.status.setObjectName("filterStatus")
        self.status.addItem("Alle Status", None)
        for status in ApplicationStatus:
            self.status.addItem(status.label, status.value)  # Qt would turn the StrEnum into a str
        self.service = QComboBox()
        self.service.setObjectName("filterService")
        self.assignee = QComboBox()
        self.assignee.setObjectName("filterAssignee")
        # Sized for typical entries, not the longest (a long service or clerk name would push
        # "Zurücksetzen" off a 1280 px screen); the open list shows every name in full.
        for combo, length in ((self.status, 12), (self.service, 16), (self.assignee, 12)):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(length)
            combo.view().setTextElideMode(Qt.TextElideMode.ElideNone)
        self.received_from = self._date_edit("Eingang ab")
        self.received_to = self._date_edit("Eingang bis")
        reset = QPushButton("Zurücksetzen")
        reset.clicked.connect(self.reset)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.status, self.service, self.assignee):
            layout.addWidget(widget)
            widget.currentIndexChanged.connect(lambda _index: self.changed.emit())
        layout.addWidget(QLabel("Eingang von"))
        layout.addWidget(self.received_from)
        layout.addWidget(QLabel("bis"))
        layout.addWidget(self.received_to)
        layout.addWidget(reset)
        layout.addStretch(1)
        self.set_choices([], [])

    def _date_edit(self, name: str) -> QDateEdit:
        edit = QDateEdit()
        edit.setAccessibleName(name)
        edit.setDisplayFormat("dd.MM.yyyy")
        edit.setCalendarPopup(True)
        edit.setMinimumDate(_NO_DATE)
        edit.setSpecialValueText("–")  # the minimum date means "no bound"
        edit.setDate(_NO_DATE)
        edit.dateChanged.connect(lambda _date: self.changed.emit())
        return edit

    def set_choices(self, services: list[Service], clerks: list[Clerk]) -> None:
        """Fill the service and assignee lists (keeps nothing selected: called once on start)."""
        for combo in (self.service, self.assignee):
            combo.blockSignals(True)
            combo.clear()
        self.service.addItem("Alle Leistungen", None)
        for service in services:
            self.service.addItem(service.name, service.id)
        self.assignee.addItem("Alle Bearbeitenden", None)
        self.assignee.addItem("Nicht zugewiesen", UNASSIGNED)
        for clerk in clerks:
            self.assignee.addItem(clerk.display_name, clerk.id)
        for combo in (self.service, self.assignee):
            combo.blockSignals(False)

    def apply_to(self, query: InboxFilter) -> InboxFilter:
        status = self.status.currentData()
        return replace(
            query,
            statuses=frozenset({ApplicationStatus(status)}) if status else frozenset(),
            service_id=self.service.currentData(),
            assignee_id=self.assignee.currentData(),
            received_from=_day(self.received_from),
            received_to=_day(self.received_to),
        )

    def show_query(self, query: InboxFilter) -> None:
        """Set the widgets to a saved view's filters without emitting ``changed`` for each."""
        widgets = (self.status, self.service, self.assignee, self.received_from, self.received_to)
        for widget in widgets:
            widget.blockSignals(True)
        status = next(iter(query.statuses)).value if len(query.statuses) == 1 else None
        self.status.setCurrentIndex(max(0, self.status.findData(status)))
        self.service.setCurrentIndex(max(0, self.service.findData(query.service_id)))
        self.assignee.setCurrentIndex(max(0, self.assignee.findData(query.assignee_id)))
        for edit, day in ((self.received_from, query.received_from), (self.received_to, query.received_to)):
            edit.setDate(QDate(day.year, day.month, day.day) if day else _NO_DATE)
        for widget in widgets:
            widget.blockSignals(False)

    def is_active(self) -> bool:
        return self.apply_to(InboxFilter()) != InboxFilter()

    def reset(self) -> None:
        self.show_query(InboxFilter())
        self.changed.emit()


def _day(edit: QDateEdit) -> dt.date | None:
    value = edit.date()
    if value <= _NO_DATE:
        return None
    return dt.date(value.year(), value.month(), value.day())
