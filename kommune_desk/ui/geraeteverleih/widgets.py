"""Pieces the section's list pages share: a table model over plain rows, the table itself, the
page head with its actions and summary line, date fields and a yes/no question."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QWidget,
)

from ..action_bar import ActionBar

R = TypeVar("R")
_ModelIndex = QModelIndex | QPersistentModelIndex
NO_NAME = "—"  # another town's borrower: the pool does not know the name
MUTED = QBrush(QColor("#6b7280"))
LATE = QBrush(QColor("#a40000"))


# --- shared by the Geräteverleih list pages ---------------------------------------------------------
class RowsModel(QAbstractTableModel, Generic[R]):
    """A read-only table of a small list of rows; ``cell(row, column)`` gives each text."""

    def __init__(
        self,
        columns: Sequence[str],
        cell: Callable[[R, int], str],
        parent: QWidget | None = None,
        tooltip: Callable[[R, int], str | None] | None = None,
        foreground: Callable[[R, int], QBrush | None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.columns = tuple(columns)
        self._cell, self._tooltip, self._foreground = cell, tooltip, foreground
        self.rows: list[R] = []

    def set_rows(self, rows: list[R]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> R | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def text(self, row: int, column: int) -> str:
        return self._cell(self.rows[row], column)

    def rowCount(self, parent: _ModelIndex = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation is Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section]
        return None

    def data(self, index: _ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        item = self.row_at(index.row())
        if item is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._cell(item, index.column())
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = self._tooltip(item, index.column()) if self._tooltip else None
            return tip if tip is not None else self._cell(item, index.column())  # clipped cells
        if role == Qt.ItemDataRole.ForegroundRole and self._foreground:
            return self._foreground(item, index.column())
        return None


def rows_table(model: QAbstractTableModel, name: str, accessible: str, widths: dict[int, str]) -> QTableView:
    """A row-selecting, read-only table; ``widths`` maps a column to a typical (widest) value."""
    table = QTableView()
    table.setObjectName(name)
    table.setAccessibleName(accessible)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    table.verticalHeader().setDefaultSectionSize(26)
    header = table.horizontalHeader()
    header.setHighlightSections(False)
    for column in range(model.columnCount()):
        sample = widths.get(column)
        if sample is None:
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
            continue
        title = str(model.headerData(column, Qt.Orientation.Horizontal))
        wide = max(
            table.fontMetrics().horizontalAdvance(sample), header.fontMetrics().horizontalAdvance(title)
        )
        header.resizeSection(column, wide + 16)  # the cell's margins and a little air
    return table


def heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setStyleSheet("font-size: 15pt; font-weight: 600;")
    return label


def date_edit(value: dt.date, name: str) -> QDateEdit:
    edit = QDateEdit(QDate(value.year, value.month, value.day))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("dd.MM.yyyy")
    edit.setObjectName(name)
    return edit


def to_date(value: QDate) -> dt.date:
    return dt.date(value.year(), value.month(), value.day())


def set_date(edit: QDateEdit, value: dt.date) -> None:
    edit.setDate(QDate(value.year, value.month, value.day))


def ask(parent: QWidget, title: str, text: str, yes: str) -> bool:
    """A question with a named confirm button and "Abbrechen" (the default, so Enter is safe)."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.NoButton, parent)
    confirm = box.addButton(QMessageBox.StandardButton.Yes)
    confirm.setText(yes)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    cancel.setText("Abbrechen")
    box.setDefaultButton(cancel)
    box.exec()
    return box.clickedButton() is confirm


# --- the loans page ------------------------------------------------------------------------------


def action_button(text: str, name: str, slot: Callable[[], object]) -> QPushButton:
    """A page's action button (named for tests and accessibility)."""
    button = QPushButton(text)
    button.setObjectName(name)
    button.clicked.connect(lambda: slot())
    return button


def page_head(title: str, *actions: QWidget) -> QHBoxLayout:
    """The page's title left, its actions right; buttons that do not fit go into "Weitere"."""
    top = QHBoxLayout()
    top.addWidget(heading(title))
    top.addStretch(1)
    bar = ActionBar()
    for action in actions:
        if isinstance(action, QAbstractButton):
            bar.add_button(action)
        else:
            top.addWidget(action)
    top.addWidget(bar)
    return top


def summary_label(loading_text: str, name: str) -> QLabel:
    """The line under the head that says what is shown (first: that it is being read)."""
    label = QLabel(loading_text)
    label.setObjectName(name)
    label.setWordWrap(True)
    return label


def selected_row(table: QTableView, model: RowsModel[R]) -> R | None:
    """The row the clerk selected in ``table`` (a ``RowsModel`` shown without a proxy), or None."""
    rows = table.selectionModel().selectedRows()
    return model.row_at(rows[0].row()) if rows else None


def select_row(table: QTableView, model: RowsModel[R], match: Callable[[R], bool]) -> None:
    """Select the first row that ``match`` accepts (nothing if none does)."""
    for index, row in enumerate(model.rows):
        if match(row):
            table.selectRow(index)
            return


def load_failed(what: str) -> str:
    """The summary line when a page's data could not be read: ``what`` as its subject."""
    return (
        f"{what} nicht gelesen werden. Bitte versuchen Sie es mit F5 erneut; "
        "Details stehen in der Protokolldatei."
    )
