"""Posteingang table model: row handles load in a worker, visible rows on demand."""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor

from kommune_desk.domain.inbox_views import InboxFilter, InboxView, deadline_state
from kommune_desk.domain.list_export import INBOX_HEADERS, cell_text, inbox_cells
from kommune_desk.domain.records import InboxRow
from kommune_desk.services.errors import StorageError
from kommune_desk.services.inbox import InboxReader, first_page_is_cheap
from kommune_desk.services.workspace import Workspace

from .workers import report_unexpected, start_task

log = logging.getLogger(__name__)

# (header, sort key) per column; the headers are those of the exports.
COLUMNS = tuple(
    zip(
        INBOX_HEADERS,
        ("aktenzeichen", "received_at", "service", "applicant", "status", "due_date", "assignee"),
        strict=True,
    )
)
DEADLINE_COLUMN = 5
PAGE_SIZE = 200
_CACHE_LIMIT = 4000
_AMBER = QColor("#fff1c2")
_RED = QColor("#f9d0cc")

Index = QModelIndex | QPersistentModelIndex


class InboxModel(QAbstractTableModel):
    """Holds only the ordered row handles; the visible page's rows are read on demand
    (one indexed query per 200 rows), so 100,000 applications cost a few MB."""

    first_page_shown = Signal()
    loaded = Signal(int)  # all handles known; the total count
    load_failed = Signal(object)
    counts_changed = Signal(object)  # dict[InboxView, int]

    def __init__(
        self,
        open_reader: Callable[[], InboxReader],
        today: Callable[[], dt.date] = dt.date.today,
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self._open_reader = open_reader
        self._today = today
        self._reader: InboxReader | None = None
        self._handles: list[int] = []
        self._total = 0
        self._rows: dict[int, InboxRow] = {}
        self._order = ("received_at", True)
        self._filter = InboxFilter()
        self._generation = 0
        self._count_generation = 0
        self._read_failed = False

    @classmethod
    def for_workspace(cls, workspace: Workspace, parent: Any = None) -> InboxModel:
        """The Posteingang of the workspace's municipality."""
        db, municipality_id = workspace.db, workspace.municipality.id
        clerk_id = workspace.clerk.id if workspace.clerk else None
        # Lent connections: a worker's query should not pay for loading the schema each time.
        return cls(lambda: InboxReader(db, municipality_id, clerk_id, lent=True), parent=parent)

    # -- loading -----------------------------------------------------------------------
    def reload(self) -> None:
        """Read the data anew (F5, after a change, after an import): the rows and the view counts."""
        self._load()
        self._count_generation += 1
        generation = self._count_generation
        start_task(
            _count_views,
            self._open_reader,
            self._today(),
            on_done=lambda counts: self._apply_counts(generation, counts),
            on_error=self._worker_failed,
        )

    def _load(self) -> None:
        """Show the first page, then load all row handles for scrolling in a worker.

        With an index behind the order and no filter, the first page is read right here (a
        bounded read of 200 index entries, like any page ``data()`` fetches); otherwise in a worker.
        """
        self._generation += 1
        self._read_failed = False
        generation = self._generation
        order, descending = self._order
        if first_page_is_cheap(self._filter, order):
            try:
                handles = self._page_reader().handles(limit=PAGE_SIZE, order=order, descending=descending)
            except StorageError as exc:
                self.load_failed.emit(exc)
                return
            self._apply_first_page(generation, handles)
            return
        self._read_in_worker(generation, PAGE_SIZE, self._apply_first_page)

    def _read_in_worker(
        self, generation: int, limit: int | None, apply: Callable[[int, list[int]], None]
    ) -> None:
        order, descending = self._order
        start_task(
            _read_handles,
            self._open_reader,
            self._filter,
            order,
            descending,
            limit,
            self._today(),
            on_done=lambda handles: apply(generation, handles),
            on_error=self._worker_failed,
        )

    def _worker_failed(self, exc: BaseException) -> None:
        if isinstance(exc, StorageError):
            self.load_failed.emit(exc)
        else:
            report_unexpected(exc)  # a bug, not a read failure: crash dialog and log

    def _apply_counts(self, generation: int, counts: dict[InboxView, int]) -> None:
        if generation == self._count_generation:  # a view switch meanwhile does not matter
            self.counts_changed.emit(counts)

    def _apply_first_page(self, generation: int, handles: list[int]) -> None:
        if generation != self._generation:
            return  # a newer reload is on its way
        self.beginResetModel()
        self._handles, self._total = handles, len(handles)
        self._rows.clear()
        self.endResetModel()
        self.first_page_shown.emit()
        # Only now the full list: building 100,000 handles holds the GIL for a while,
        # and the first screen must not wait for it.
        self._read_in_worker(generation, None, self._apply_handles)

    def _apply_handles(self, generation: int, handles: list[int]) -> None:
        if generation != self._generation:
            return  # a newer reload is on its way
        shown = len(self._handles)
        if handles[:shown] == self._handles:
            # Same rows on top: append the rest so selection and scroll position stay.
            if len(handles) > shown:
                self.beginInsertRows(QModelIndex(), shown, len(handles) - 1)
                self._handles, self._total = handles, len(handles)
                self.endInsertRows()
            self.loaded.emit(len(handles))
            return
        self.beginResetModel()
        self._handles, self._total = handles, len(handles)
        self._rows.clear()
        self.endResetModel()
        self.loaded.emit(len(handles))

    def close(self) -> None:
        """Release the connection; results of loads still in flight are then ignored."""
        self._generation += 1
        self._count_generation += 1
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    def handle_at(self, row: int) -> int | None:
        """The stable handle of a row (survives reloads and re-sorting)."""
        return self._handles[row] if 0 <= row < len(self._handles) else None

    def application_id_at(self, row: int) -> str | None:
        """The application shown in ``row`` (None while its page is not read yet)."""
        record = self._row(row)
        return record.id if record else None

    def row_of(self, handle: int) -> int | None:
        """The row currently showing ``handle``, if it is loaded."""
        try:
            return self._handles.index(handle)
        except ValueError:
            return None

    def current_filter(self) -> InboxFilter:
        return self._filter

    def set_filter(self, query: InboxFilter) -> None:
        """Show another view, filter or search result (loads at once if already loaded)."""
        if query == self._filter:
            return
        self._filter = query
        if self._generation:
            self._load()  # the counts stay: the data did not change

    def current_order(self) -> tuple[str, bool]:
        """(sort key, descending) of the current order, as the services name it."""
        return self._order

    def sort_order(self) -> tuple[int, bool]:
        """(column, descending) of the current order."""
        key, descending = self._order
        return next(i for i, (_, k) in enumerate(COLUMNS) if k == key), descending

    # -- Qt model API --------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._total

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][0]
        return None

    def set_initial_order(self, column: int, descending: bool) -> None:
        """Restore a remembered order before the first load."""
        if 0 <= column < len(COLUMNS) and not self._generation:
            self._order = (COLUMNS[column][1], descending)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        requested = (COLUMNS[column][1], order == Qt.SortOrder.DescendingOrder)
        if requested == self._order:
            return  # the view re-announces its sort order on set-up
        self._order = requested
        if self._generation:  # before ensure_loaded() only the order is noted
            self._load()

    def ensure_loaded(self) -> None:
        """Start the first load unless one is already under way."""
        if not self._generation:
            self.reload()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        record = self._row(index.row())
        if record is None:
            return "…" if role == Qt.ItemDataRole.DisplayRole else None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return _display(record, column)
        if role == Qt.ItemDataRole.BackgroundRole:
            return self._deadline_brush(record)
        if role == Qt.ItemDataRole.ToolTipRole:
            # Columns may be narrower than their text; the tooltip always has all of it.
            return self._deadline_hint(record) if column == DEADLINE_COLUMN else _display(record, column)
        return None

    # -- helpers ---------------------------------------------------------------------------
    def _row(self, row: int) -> InboxRow | None:
        if not 0 <= row < len(self._handles):
            return None
        handle = self._handles[row]
        record = self._rows.get(handle)
        if record is None:
            self._fetch_page(row)
            record = self._rows.get(handle)
        return record

    def _fetch_page(self, row: int) -> None:
        if self._read_failed:
            return  # every repaint would retry and report again; F5 tries anew
        if len(self._rows) > _CACHE_LIMIT:
            self._rows.clear()
        start = row - row % PAGE_SIZE
        page = self._handles[start : start + PAGE_SIZE]
        try:
            self._rows.update(self._page_reader().rows(page))
        except StorageError as exc:  # shown as "…" rows plus a message, never a crash
            log.warning("inbox page read failed: %s", type(exc).__name__)
            self._read_failed = True
            self.load_failed.emit(exc)

    def _page_reader(self) -> InboxReader:
        """The UI thread's own read connection, opened on first use."""
        if self._reader is None:
            self._reader = self._open_reader()
        return self._reader

    def _deadline_brush(self, record: InboxRow) -> QBrush | None:
        state = deadline_state(record.status, record.due_date, self._today())
        if state == "ueberfaellig":
            return QBrush(_RED)
        if state == "bald":
            return QBrush(_AMBER)
        return None

    def _deadline_hint(self, record: InboxRow) -> str | None:
        if record.paused_days is not None and record.status.is_open:
            return f"Die Frist ruht, solange Unterlagen fehlen; danach bleiben {_days(record.paused_days)}."
        if record.due_date is None or not record.status.is_open:
            return None
        days = (record.due_date - self._today()).days
        if days < 0:
            return f"Frist seit {-days} Tag{'en' if days != -1 else ''} überschritten"
        if days == 0:
            return "Frist endet heute"
        return f"Noch {days} Tag{'e' if days != 1 else ''}"


def _display(record: InboxRow, column: int) -> str:
    return _texts(record)[column]


@functools.lru_cache(maxsize=2 * PAGE_SIZE)
def _texts(record: InboxRow) -> tuple[str, ...]:
    """A row's cells as German text, made once for all its columns and roles (the view asks per
    cell, several times per paint). The same cells the exports write (domain.list_export)."""
    return tuple(cell_text(cell) for cell in inbox_cells(record))


def _days(count: int) -> str:
    return f"{count} Tag" if count == 1 else f"{count} Tage"


def _read_handles(
    open_reader: Callable[[], InboxReader],
    query: InboxFilter,
    order: str,
    descending: bool,
    limit: int | None,
    today: dt.date,
) -> list[int]:
    """In a worker, on the worker's own connection: the first ``limit`` handles, or all."""
    reader = open_reader()
    try:
        return reader.handles(query, order, descending, limit, today)
    finally:
        reader.close()


def _count_views(open_reader: Callable[[], InboxReader], today: dt.date) -> dict[InboxView, int]:
    reader = open_reader()
    try:
        return reader.counts(today)
    finally:
        reader.close()
