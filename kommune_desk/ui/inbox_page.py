"""The Posteingang page: views with counts, search as you type, filters, the application table,
its export (CSV, Excel) and Druckliste, and the case view that opens from it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QStandardPaths, Qt, QTimer, Signal
from PySide6.QtGui import QFontMetrics, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QStackedWidget,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from kommune_desk.domain.formatting import count_noun, format_count
from kommune_desk.domain.inbox_views import InboxFilter, InboxView, SavedView
from kommune_desk.domain.records import ApplicationStatus
from kommune_desk.services.workspace import Workspace

from .action_bar import ActionBar
from .inbox_model import InboxModel
from .run import run_service
from .workers import start_task

# The filter bar, the saved views and the case view load on first use, after the first rows are
# on screen: importing them (and the services behind them) up front measurably slowed start-up.
if TYPE_CHECKING:
    from kommune_desk.services.inbox_export import InboxExport

    from .case_view import CaseView
    from .inbox_filters import FilterBar
    from .list_print_dialog import ListPrintDialog

SEARCH_DELAY_MS = 150  # wait for a pause in typing; every keystroke would start a query
# A zero timer would still run before the first paint (Qt posts paint requests at low priority).
SAVED_VIEWS_DELAY_MS = 200
EXPORT_NOTE_MS = 30_000  # long enough to read where the file went
_LEGEND = (
    " · Fristen: <span style='background:#fff1c2'>&nbsp;bald fällig (≤ 3 Tage)&nbsp;</span> "
    "<span style='background:#f9d0cc'>&nbsp;überschritten&nbsp;</span>"
)
_FILE_TYPES = {"csv": "CSV-Datei für Excel (*.csv)", "xlsx": "Excel-Arbeitsmappe (*.xlsx)"}
_FORMAT_NAMES = {"csv": "CSV-Datei", "xlsx": "Excel-Datei"}
VIEWS_MIN_WIDTH, VIEWS_MAX_WIDTH = 140, 240  # the view list: as wide as its longest line, within these
_last_export_folder: Path | None = None  # where the clerk saved a list last in this session


class InboxPage(QWidget):
    new_application_requested = Signal()
    import_requested = Signal()

    def __init__(self, model: InboxModel, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.workspace = workspace
        self._saved: list[SavedView] = []
        self._counts: dict[InboxView, int] = {}

        self.views = QListWidget()
        self.views.setObjectName("inboxViews")
        self.views.setAccessibleName("Ansichten des Posteingangs")
        self.views.setFixedWidth(VIEWS_MIN_WIDTH)  # fitted to its lines once they are filled
        self.views.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.views.setSpacing(3)
        self.views.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.views.customContextMenuRequested.connect(self._view_menu)
        self.views.currentItemChanged.connect(self._view_chosen)

        self.search = QLineEdit()
        self.search.setObjectName("inboxSearch")
        self.search.setPlaceholderText("Suchen: Aktenzeichen, Name, Anschrift, Angaben, Notizen …  (Strg+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Suche im Posteingang")
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._apply_query)
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self, self.search.setFocus)

        self.search.setMinimumWidth(220)  # the actions give way first (into "Weitere")
        self.filter_button = QPushButton("Filter")
        self.filter_button.setObjectName("inboxFilterButton")
        self.filter_button.setCheckable(True)
        self.filter_bar: FilterBar | None = None  # built when first needed (start-up cost)
        self.filter_button.toggled.connect(lambda shown: self._filters().setVisible(shown))
        save = QPushButton("Ansicht speichern …")
        save.setObjectName("saveView")
        save.clicked.connect(self._save_view)
        self.export_button = QPushButton("Exportieren")
        self.export_button.setObjectName("inboxExport")
        self.export_button.setToolTip("Die angezeigte Liste mit allen Zeilen als Datei speichern")
        export_menu = QMenu(self.export_button)
        export_menu.addAction("CSV-Datei (Excel, Semikolon) …", lambda: self.export("csv"))
        export_menu.addAction("Excel-Datei (XLSX) …", lambda: self.export("xlsx"))
        self.export_button.setMenu(export_menu)
        self.print_button = QPushButton("Drucken …")
        self.print_button.setObjectName("inboxPrint")
        self.print_button.setToolTip("Die angezeigte Liste als Druckliste (A4 quer) ansehen und drucken")
        self.print_button.clicked.connect(self.print_list)
        new = QPushButton("Neuer Antrag …")
        new.setObjectName("newApplication")
        new.clicked.connect(self.new_application_requested.emit)
        importing = QPushButton("Importieren …")
        importing.setObjectName("importApplications")
        importing.clicked.connect(self.import_requested.emit)
        self.actions_bar = ActionBar(name="inboxActions")
        # Leave the row first: what the Datei menu also offers (Strg+I), then the rarer actions.
        for button, priority in (
            (self.filter_button, 3), (save, 1), (self.export_button, 2), (self.print_button, 2),
            (new, 4), (importing, 0),
        ):  # fmt: skip
            self.actions_bar.add_button(button, priority=priority)
        toolbar = QHBoxLayout()
        toolbar.addWidget(self.search, 1)
        toolbar.addWidget(self.actions_bar)

        self.heading = QLabel()
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.heading.setStyleSheet("font-size: 15pt; font-weight: 600;")
        self.summary = QLabel("Anträge werden geladen …")
        self.summary.setObjectName("inboxSummary")
        self.export_note = QLabel()
        self.export_note.setObjectName("inboxExportNote")
        self.export_note.setTextFormat(Qt.TextFormat.PlainText)
        self.export_note.setWordWrap(True)
        self.export_note.hide()
        self._note_timer = QTimer(self)
        self._note_timer.setSingleShot(True)
        self._note_timer.setInterval(EXPORT_NOTE_MS)
        self._note_timer.timeout.connect(self.export_note.hide)
        self.table = self._build_table(model)

        list_panel = QWidget()
        right = QVBoxLayout()
        right.addLayout(toolbar)
        self._filter_slot = right
        right.addWidget(self.heading)
        right.addWidget(self.summary)
        right.addWidget(self.export_note)
        right.addWidget(self.table, 1)
        panel_layout = QHBoxLayout(list_panel)
        panel_layout.setContentsMargins(0, 0, 0, 0)
        panel_layout.addWidget(self.views)
        panel_layout.addLayout(right, 1)

        self.case_view: CaseView | None = None  # built when the first case opens (start-up cost)
        self.stack = QStackedWidget()
        self.stack.addWidget(list_panel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)

        model.first_page_shown.connect(self._first_page_shown)
        model.loaded.connect(self._show_count)
        model.loaded.connect(self._restore_selection)
        model.modelAboutToBeReset.connect(self._remember_selection)
        model.load_failed.connect(self._show_failure)
        model.counts_changed.connect(self._show_counts)
        self._selected_handle: int | None = None
        self._fill_views()
        # Saved views are not needed for the first screen; they follow once the rows are painted.
        model.first_page_shown.connect(
            lambda: QTimer.singleShot(SAVED_VIEWS_DELAY_MS, self.reload_saved_views),
            Qt.ConnectionType.SingleShotConnection,
        )

    def _build_table(self, model: InboxModel) -> QTableView:
        table = QTableView()
        table.setObjectName("inboxTable")
        table.setModel(model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)  # one line per row: "Antrag auf Grabnutz…", not "Antrag auf …"
        column, descending = model.sort_order()
        order = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
        table.horizontalHeader().setSortIndicator(column, order)
        table.setSortingEnabled(True)
        table.verticalHeader().setVisible(False)
        # Fixed row heights: Qt then never measures all 100,000 rows.
        table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        table.verticalHeader().setDefaultSectionSize(26)
        header = table.horizontalHeader()
        header.setMinimumSectionSize(60)
        # Numbers, dates and the status get room for their usual content; the applicant a typical
        # name; the service (the longest texts) takes the rest. Clipped cells show a tooltip.
        metrics = self.fontMetrics()
        for column, sample in (
            (0, "MW-2026-00000"),
            (1, "00.00.0000"),
            (3, "Mustermann, Maximilian"),
            (4, max((status.label for status in ApplicationStatus), key=metrics.horizontalAdvance)),
            (5, "00.00.0000"),
            (6, "Łukasz Nowak"),
        ):
            title = str(model.headerData(column, Qt.Orientation.Horizontal))
            # The header also needs room for its title and the sort arrow.
            wide = max(metrics.horizontalAdvance(sample), header.fontMetrics().horizontalAdvance(title) + 14)
            header.resizeSection(column, wide + 16)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        table.setAccessibleName("Liste der Anträge")
        table.activated.connect(self._open_row)  # double click or Enter
        return table

    # -- views ---------------------------------------------------------------------------------
    def _fill_views(self) -> None:
        self.views.blockSignals(True)
        current = self.model.current_filter()
        self.views.clear()
        for view in (
            InboxView.NEU, InboxView.MEINE, InboxView.TEAM, InboxView.WARTET, InboxView.FREIGABE,
            InboxView.WIEDERVORLAGE,
            InboxView.FRIST_BALD, InboxView.UEBERFAELLIG, InboxView.ABGESCHLOSSEN, InboxView.ALLE,
        ):  # fmt: skip
            item = QListWidgetItem(self._view_text(view))
            item.setData(Qt.ItemDataRole.UserRole, view.value)  # Qt would turn the StrEnum into a str
            item.setToolTip(view.hint)
            self.views.addItem(item)
            if view is current.view:
                self.views.setCurrentItem(item)
        if self._saved:
            header = QListWidgetItem("Gespeicherte Ansichten")
            header.setFlags(Qt.ItemFlag.NoItemFlags)
            font = header.font()
            font.setBold(True)
            header.setFont(font)
            self.views.addItem(header)
            for saved in self._saved:
                item = QListWidgetItem(saved.name)
                item.setData(Qt.ItemDataRole.UserRole, saved)
                item.setToolTip(f"Gespeicherte Ansicht »{saved.name}« – Rechtsklick zum Löschen")
                self.views.addItem(item)
        self.views.blockSignals(False)
        self._fit_views_width()
        self._update_heading()

    def reload_saved_views(self) -> None:
        from kommune_desk.services.saved_views import list_views

        self._saved = list_views(self.workspace)
        self._fill_views()

    def _filters(self) -> FilterBar:
        """The filter bar, built (and its choice lists read) on first use."""
        if self.filter_bar is None:
            from kommune_desk.services.applications import services_offered
            from kommune_desk.services.clerks import list_clerks

            from .inbox_filters import FilterBar

            self.filter_bar = FilterBar()
            self.filter_bar.setVisible(False)
            self.filter_bar.set_choices(services_offered(self.workspace), list_clerks(self.workspace))
            self.filter_bar.changed.connect(self._apply_query)
            self._filter_slot.insertWidget(1, self.filter_bar)
        return self.filter_bar

    def _view_text(self, view: InboxView) -> str:
        count = self._counts.get(view)
        return view.label if count is None else f"{view.label}  ({format_count(count)})"

    def _show_counts(self, counts: dict[InboxView, int]) -> None:
        self._counts = counts
        for row in range(self.views.count()):
            item = self.views.item(row)
            view = _choice(item)
            if isinstance(view, InboxView):
                item.setText(self._view_text(view))
        self._fit_views_width()

    def _fit_views_width(self) -> None:
        """The view list is as wide as its longest line (counts included), within bounds: every
        pixel it does not need goes to the table. A longer saved view's name ends in "…"."""
        widest = 0
        for row in range(self.views.count()):
            item = self.views.item(row)
            metrics = (
                QFontMetrics(item.font()) if item.font() != self.views.font() else self.views.fontMetrics()
            )
            widest = max(widest, metrics.horizontalAdvance(item.text()))
        frame = 2 * self.views.frameWidth() + 2 * self.views.spacing()
        # Item text margins (the style's focus frame) and room for a scroll bar should it appear.
        padding = 2 * self.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin) + 12
        if self.views.verticalScrollBar().isVisible():
            padding += self.views.verticalScrollBar().sizeHint().width()
        self.views.setFixedWidth(max(VIEWS_MIN_WIDTH, min(VIEWS_MAX_WIDTH, widest + frame + padding)))

    def _view_chosen(self, item: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        if item is None:
            return
        choice = _choice(item)
        if isinstance(choice, SavedView):
            self.search.blockSignals(True)
            self.search.setText(choice.query.text)
            self.search.blockSignals(False)
            self._filters().show_query(choice.query)
            self.filter_button.setChecked(self._filters().is_active())
            self._set_filter(choice.query)
        elif isinstance(choice, InboxView):
            self._apply_query()

    def select_view(self, view: InboxView) -> None:
        for row in range(self.views.count()):
            if _choice(self.views.item(row)) is view:
                self.views.setCurrentRow(row)
                return

    def _current_view(self) -> InboxView:
        choice = _choice(self.views.currentItem())
        if isinstance(choice, SavedView):
            return choice.query.view
        return choice if isinstance(choice, InboxView) else InboxView.ALLE

    def _apply_query(self) -> None:
        query = InboxFilter(view=self._current_view(), text=self.search.text())
        if self.filter_bar is not None:
            query = self.filter_bar.apply_to(query)
        self._set_filter(query)

    def _set_filter(self, query: InboxFilter) -> None:
        self._search_timer.stop()
        self.model.set_filter(query)
        self._update_heading()

    def _update_heading(self) -> None:
        choice = _choice(self.views.currentItem())
        self.heading.setText(choice.name if isinstance(choice, SavedView) else self._current_view().label)

    def _save_view(self) -> None:
        name, ok = QInputDialog.getText(self, "Ansicht speichern", "Name der Ansicht:")
        if ok and name.strip():
            from kommune_desk.services.saved_views import save_view

            query = replace(self.model.current_filter())
            run_service(
                self, save_view, self.workspace, name, query, on_done=lambda _v: self.reload_saved_views()
            )

    def _view_menu(self, position: object) -> None:
        saved = _choice(self.views.itemAt(position))  # type: ignore[arg-type]
        if not isinstance(saved, SavedView):
            return
        menu = QMenu(self)
        remove = menu.addAction(f"Ansicht »{saved.name}« löschen")
        if menu.exec(self.views.viewport().mapToGlobal(position)) is remove:  # type: ignore[arg-type]
            from kommune_desk.services.saved_views import delete_view

            run_service(
                self, delete_view, self.workspace, saved.id, on_done=lambda _r: self.reload_saved_views()
            )

    # -- export and Druckliste --------------------------------------------------------------------
    def current_export(self) -> InboxExport:
        """What the clerk sees now: the view's name, its filters (typed text included) and order."""
        from kommune_desk.services.inbox_export import InboxExport

        if self._search_timer.isActive():  # typed just now: the text counts, as the table will show it
            self._apply_query()
        order, descending = self.model.current_order()
        return InboxExport(self.heading.text(), self.model.current_filter(), order, descending)

    def export(self, file_format: str, path: Path | None = None) -> None:
        """Save the list with all rows as ``csv`` or ``xlsx`` (asks where unless ``path`` is given);
        the file is written in a worker, the outcome is said under the heading."""
        global _last_export_folder
        export = self.current_export()
        if path is None:
            folder = _last_export_folder or Path(
                QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
                or Path.home()
            )
            chosen, _filter = QFileDialog.getSaveFileName(
                self,
                "Liste speichern unter",
                str(folder / export.file_name(file_format)),
                _FILE_TYPES[file_format],
            )
            if not chosen:
                return
            path = Path(chosen)
            if path.suffix.lower() != f".{file_format}":
                path = path.with_name(f"{path.name}.{file_format}")
            _last_export_folder = path.parent
        from kommune_desk.services.inbox_export import export_inbox

        self._note(f"{_FORMAT_NAMES[file_format]} „{path.name}“ wird erstellt …")
        self.export_button.setEnabled(False)
        start_task(
            export_inbox, self.workspace, export, file_format, path,
            on_done=lambda count: self._exported(path, file_format, count),
            on_error=self._export_failed, owner=self,
        )  # fmt: skip

    def _exported(self, path: Path, file_format: str, count: int) -> None:
        self.export_button.setEnabled(True)
        rows = count_noun(count, "Antrag", "Anträge")
        self._note(f"{_FORMAT_NAMES[file_format]} gespeichert ({rows}): {path}")

    def _export_failed(self, exc: BaseException) -> None:
        from .run import explain_failure

        self.export_button.setEnabled(True)
        self._note("Die Liste wurde nicht gespeichert.")
        explain_failure(self, exc, "Export nicht möglich")

    def print_list(self) -> ListPrintDialog:
        """The Druckliste of the list on show (A4 quer) in a preview with "Drucken …"."""
        from .list_print_dialog import ListPrintDialog

        export = self.current_export()
        dialog = ListPrintDialog(self.workspace, export, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _note(self, text: str) -> None:
        """Where the export went; it goes again after a while (it is no state of the list)."""
        self.export_note.setText(text)
        self.export_note.setVisible(bool(text))
        if text:
            self._note_timer.start()

    # -- the case view -------------------------------------------------------------------------------
    def _open_row(self, index: QModelIndex) -> None:
        application_id = self.model.application_id_at(index.row())
        if application_id:
            self.open_case(application_id)

    def open_case(self, application_id: str) -> None:
        view = self._case_view()
        self.stack.setCurrentWidget(view)
        view.open(application_id)

    def _case_view(self) -> CaseView:
        if self.case_view is None:
            from .case_view import CaseView

            self.case_view = CaseView(self.workspace)
            self.case_view.back_requested.connect(self.show_list)
            self.case_view.changed.connect(self.model.reload)
            self.stack.addWidget(self.case_view)
        return self.case_view

    def show_list(self) -> None:
        self.stack.setCurrentIndex(0)
        self.table.setFocus()

    def refresh_open_case(self) -> None:
        """F5 while a case is open reads the case again too (a schema or a colleague's change)."""
        if self.case_view is not None and self.stack.currentWidget() is self.case_view:
            self.case_view.refresh()

    # -- status line ---------------------------------------------------------------------------------
    def _first_page_shown(self) -> None:
        if self.model.rowCount() < 200:
            self._show_count(self.model.rowCount())
        else:
            self.summary.setText("Anträge werden gezählt …")

    def _show_count(self, count: int) -> None:
        query = self.model.current_filter()
        if count == 0:
            self.summary.setText(
                "Keine Treffer. Prüfen Sie die Schreibweise oder setzen Sie die Filter zurück."
                if query.text.strip() or (self.filter_bar is not None and self.filter_bar.is_active())
                else "Keine Anträge in dieser Ansicht."
            )
            return
        self.summary.setText(count_noun(count, "Antrag", "Anträge") + _LEGEND)

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


def _choice(item: QListWidgetItem | None) -> InboxView | SavedView | None:
    """What a line of the view list stands for (None for the saved views' heading)."""
    data = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
    if isinstance(data, SavedView):
        return data
    return InboxView(data) if data in {v.value for v in InboxView} else None
