"""The Posteingang page: headline with counts and the application table."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from kommune_desk.domain.formatting import format_count

from .inbox_model import InboxModel


class InboxPage(QWidget):
    def __init__(self, model: InboxModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.heading = QLabel("<h2>Posteingang</h2>")
        self.summary = QLabel("Anträge werden geladen …")
        self.summary.setObjectName("inboxSummary")
        self.table = QTableView()
        self.table.setObjectName("inboxTable")
        self.table.setModel(model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        column, descending = model.sort_order()
        order = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
        self.table.horizontalHeader().setSortIndicator(column, order)
        self.table.setSortingEnabled(True)
        self.table.verticalHeader().setVisible(False)
        # Fixed row heights: Qt then never measures all 100,000 rows.
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(26)
        header = self.table.horizontalHeader()
        header.setMinimumSectionSize(60)
        # Short columns get room for their content; Leistung and Antragsteller share the rest,
        # so all six columns fit from the minimum window width up.
        for column, sample in (
            (0, "MW-2026-00000"),
            (1, "00.00.0000"),
            (4, "Entscheidung entworfen"),
            (5, "00.00.0000"),
        ):
            header.resizeSection(column, self.fontMetrics().horizontalAdvance(sample) + 24)
        for column in (2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        self.table.setAccessibleName("Liste der Anträge")

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        model.first_page_shown.connect(lambda: self.summary.setText("Anträge werden gezählt …"))
        model.loaded.connect(self._show_count)
        model.loaded.connect(self._restore_selection)
        model.modelAboutToBeReset.connect(self._remember_selection)
        self._selected_handle: int | None = None
        model.load_failed.connect(self._show_failure)

    def _show_count(self, count: int) -> None:
        if count == 0:
            self.summary.setText("Keine Anträge vorhanden.")
        else:
            noun = "Antrag" if count == 1 else "Anträge"
            self.summary.setText(
                f"{format_count(count)} {noun} · Fristen: "
                "<span style='background:#fff1c2'>&nbsp;≤ 3 Tage&nbsp;</span> "
                "<span style='background:#f9d0cc'>&nbsp;überschritten&nbsp;</span>"
            )

    def _remember_selection(self) -> None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        self._selected_handle = self.model.handle_at(rows[0].row()) if rows else None

    def _restore_selection(self, _count: int) -> None:
        """After F5 or a re-sort the clerk still has the same application selected."""
        if self._selected_handle is None:
            return
        row = self.model.row_of(self._selected_handle)
        if row is not None:
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, 0))

    def _show_failure(self, _exc: object) -> None:
        self.summary.setText(
            "Die Anträge konnten nicht gelesen werden. Bitte versuchen Sie es mit F5 erneut; "
            "Details stehen in der Protokolldatei."
        )
