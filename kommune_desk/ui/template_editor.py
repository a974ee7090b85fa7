"""Textbausteine: the wording of letters, per municipality or per service, each save a new version.

The text is checked while it is typed (the same check the service runs before saving), so a
misspelt placeholder is named before the clerk presses "Speichern".
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kommune_desk.domain.formatting import format_date, local_date
from kommune_desk.domain.letter_templates import REQUIRED_BLOCKS, check_template
from kommune_desk.domain.records import Service
from kommune_desk.services import letter_templates
from kommune_desk.services.applications import services_offered
from kommune_desk.services.errors import ValidationError
from kommune_desk.services.letter_templates import TemplateBlock
from kommune_desk.services.workspace import Workspace

from .run import explain_failure
from .workers import start_task

COLUMNS = ("Textbaustein", "Gilt für", "Version")
ALL_SERVICES = "Alle Leistungen (Standard der Gemeinde)"
CHECK_DELAY_MS = 250


@dataclass(frozen=True)
class EditorData:
    blocks: list[TemplateBlock]
    services: list[Service]
    placeholders: list[tuple[str, str]]


def read_editor_data(ws: Workspace) -> EditorData:
    return EditorData(
        letter_templates.list_templates(ws), services_offered(ws), letter_templates.placeholders()
    )


def _stamp(block: TemplateBlock) -> str:
    return format_date(local_date(block.created_at)) if block.created_at else "mitgeliefert"


class TemplateEditor(QDialog):
    """List of blocks, the editor with placeholders, the check, and the versions of a block."""

    loaded = Signal()
    history_loaded = Signal()
    saved = Signal(object)  # TemplateBlock

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.setWindowTitle("Textbausteine")
        self.resize(1400, 800)
        self.blocks: list[TemplateBlock] = []
        self.history: list[TemplateBlock] = []
        self.current: TemplateBlock | None = None
        self._loaded_text = ""  # what the editor held when the block was opened
        self._busy = False

        # Grouped by kind of letter: the kind is said once, not in every row.
        self.tree = QTreeWidget()
        self.tree.setObjectName("templateTree")
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.setRootIsDecorated(False)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.itemSelectionChanged.connect(self._block_chosen)

        self.heading = QLabel("Wählen Sie links einen Textbaustein.")
        self.heading.setStyleSheet("font-weight: 600; font-size: 11pt;")
        self.scope = QComboBox()
        self.scope.setObjectName("templateScope")
        self.scope.setToolTip("Ein Text für eine einzelne Leistung geht dem Standard der Gemeinde vor.")
        self.scope.currentIndexChanged.connect(lambda _index: self._load_history())
        self.editor = QPlainTextEdit()
        self.editor.setObjectName("templateText")
        self.editor.setPlaceholderText("Text des Bausteins")
        self.editor.textChanged.connect(self._text_changed)
        self.check_label = QLabel()
        self.check_label.setObjectName("templateCheck")
        self.check_label.setTextFormat(Qt.TextFormat.PlainText)
        self.check_label.setWordWrap(True)
        hint = QLabel(
            "Erlaubt: <b>fett</b>, <i>kursiv</i>, <u>unterstrichen</u>, Zeilenumbruch <br/>. "
            "Platzhalter schreiben Sie als {{name}} – rechts auswählen und einfügen."
        )
        hint.setTextFormat(Qt.TextFormat.PlainText)
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #555;")
        self._check_timer = QTimer(self)
        self._check_timer.setSingleShot(True)
        self._check_timer.setInterval(CHECK_DELAY_MS)
        self._check_timer.timeout.connect(self.check)

        self.placeholder_table = QTableWidget(0, 2)
        self.placeholder_table.setObjectName("placeholderTable")
        self.placeholder_table.setHorizontalHeaderLabels(["Platzhalter", "Bedeutung"])
        self.placeholder_table.verticalHeader().setVisible(False)
        self.placeholder_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.placeholder_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.placeholder_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.placeholder_table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.placeholder_table.cellDoubleClicked.connect(lambda row, _column: self._insert_row(row))
        insert = QPushButton("Einfügen")
        insert.setToolTip("Den gewählten Platzhalter an der Schreibmarke einfügen (oder Doppelklick)")
        insert.clicked.connect(lambda: self._insert_row(self.placeholder_table.currentRow()))
        placeholders = QGroupBox("Platzhalter")
        placeholder_layout = QVBoxLayout(placeholders)
        placeholder_layout.addWidget(self.placeholder_table, 1)
        placeholder_layout.addWidget(insert)

        self.history_table = QTableWidget(0, 3)
        self.history_table.setObjectName("templateHistory")
        self.history_table.setHorizontalHeaderLabels(["Version", "Gespeichert", "Von"])
        self.history_table.verticalHeader().setVisible(False)
        self.history_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.history_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.history_table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.history_table.setMaximumHeight(170)
        take_over = QPushButton("Diese Fassung in den Editor laden")
        take_over.clicked.connect(self.load_version)
        history = QGroupBox("Frühere Fassungen")
        history_layout = QVBoxLayout(history)
        history_layout.addWidget(self.history_table)
        history_layout.addWidget(take_over, 0, Qt.AlignmentFlag.AlignLeft)

        form = QFormLayout()
        form.addRow("Gilt für:", self.scope)
        editor_row = QHBoxLayout()
        editor_column = QVBoxLayout()
        editor_column.addWidget(self.editor, 1)
        editor_column.addWidget(hint)
        editor_column.addWidget(self.check_label)
        editor_row.addLayout(editor_column, 1)
        editor_row.addWidget(placeholders, 1)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.heading)
        right_layout.addLayout(form)
        right_layout.addLayout(editor_row, 1)
        right_layout.addWidget(history)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.tree)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([470, 930])
        splitter.setChildrenCollapsible(False)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.save_button = self.buttons.addButton(
            "Als neue Version speichern", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.save_button.clicked.connect(self.save)
        self.revert_button = self.buttons.addButton(
            "Änderungen verwerfen", QDialogButtonBox.ButtonRole.ResetRole
        )
        self.revert_button.clicked.connect(self.revert)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.buttons)
        self._set_editing(False)
        start_task(
            read_editor_data, workspace, on_done=self._fill,
            on_error=lambda exc: explain_failure(self, exc, "Textbausteine"),
        )  # fmt: skip

    # -- list ------------------------------------------------------------------------------------
    def _fill(self, data: EditorData, select: TemplateBlock | None = None) -> None:
        self.blocks = data.blocks
        self.scope.blockSignals(True)
        self.scope.clear()
        self.scope.addItem(ALL_SERVICES, None)
        for service in data.services:
            self.scope.addItem(service.name, service.id)
        self.scope.blockSignals(False)
        self.placeholder_table.setRowCount(len(data.placeholders))
        for row, (name, label) in enumerate(data.placeholders):
            item = QTableWidgetItem(f"{{{{{name}}}}}")
            item.setData(Qt.ItemDataRole.UserRole, name)
            self.placeholder_table.setItem(row, 0, item)
            meaning = QTableWidgetItem(label)
            meaning.setToolTip(label)
            self.placeholder_table.setItem(row, 1, meaning)
        self.placeholder_table.resizeColumnToContents(0)
        self._fill_tree(select)
        self.loaded.emit()

    def _fill_tree(self, select: TemplateBlock | None) -> None:
        self.tree.blockSignals(True)
        self.tree.clear()
        groups: dict[str, QTreeWidgetItem] = {}
        for index, block in enumerate(self.blocks):
            group = groups.get(block.kind.value)
            if group is None:
                group = QTreeWidgetItem(self.tree, [block.kind.label])
                group.setFlags(Qt.ItemFlag.ItemIsEnabled)  # a heading, not a block
                font = group.font(0)
                font.setBold(True)
                group.setFont(0, font)
                group.setFirstColumnSpanned(True)
                groups[block.kind.value] = group
            scope = block.service_name or "alle Leistungen"
            item = QTreeWidgetItem(group, [block.block_label, scope, str(block.version)])
            item.setData(0, Qt.ItemDataRole.UserRole, index)
        self.tree.expandAll()
        for column in range(len(COLUMNS)):
            self.tree.resizeColumnToContents(column)
        if select is not None:
            item = self.item_of(select.kind.value, select.block, select.service_id)
            if item is not None:
                self.tree.setCurrentItem(item)
        self.tree.blockSignals(False)

    def item_of(self, kind: str, block: str, service_id: str | None = None) -> QTreeWidgetItem | None:
        """The list entry of a block (for tests and for keeping the selection after saving)."""
        for group in range(self.tree.topLevelItemCount()):
            heading = self.tree.topLevelItem(group)
            for child in range(heading.childCount()):
                item = heading.child(child)
                entry = self.blocks[item.data(0, Qt.ItemDataRole.UserRole)]
                if entry.kind.value == kind and entry.block == block and entry.service_id == service_id:
                    return item
        return None

    def select_block(self, kind: str, block: str, service_id: str | None = None) -> bool:
        item = self.item_of(kind, block, service_id)
        if item is not None:
            self.tree.setCurrentItem(item)
        return item is not None

    def _block_chosen(self) -> None:
        items = self.tree.selectedItems()
        index = items[0].data(0, Qt.ItemDataRole.UserRole) if items else None
        chosen = self.blocks[index] if index is not None else None
        if chosen is self.current:
            return
        if self.is_modified() and not self._may_discard():
            self._reselect_current()
            return
        self.open_block(chosen)

    def open_block(self, block: TemplateBlock | None) -> None:
        self.current = block
        self._set_editing(block is not None)
        if block is None:
            self.heading.setText("Wählen Sie links einen Textbaustein.")
            self._set_text("")
            return
        self.heading.setText(f"{block.kind.label} – {block.block_label}")
        self.scope.blockSignals(True)
        self.scope.setCurrentIndex(max(0, self.scope.findData(block.service_id)))
        self.scope.blockSignals(False)
        self._set_text(block.body)
        self._load_history()

    def _reselect_current(self) -> None:
        if self.current is None:
            return
        item = self.item_of(self.current.kind.value, self.current.block, self.current.service_id)
        if item is not None:
            self.tree.blockSignals(True)
            self.tree.setCurrentItem(item)
            self.tree.blockSignals(False)

    def _may_discard(self) -> bool:
        answer = QMessageBox.question(
            self,
            "Änderungen verwerfen?",
            "Der geänderte Text ist noch nicht gespeichert. Änderungen verwerfen?",
        )
        return answer == QMessageBox.StandardButton.Yes

    # -- editing ---------------------------------------------------------------------------------
    def _set_text(self, text: str) -> None:
        self._loaded_text = text
        self.editor.setPlainText(text)
        self.check()

    def is_modified(self) -> bool:
        return self.current is not None and self.editor.toPlainText() != self._loaded_text

    def _set_editing(self, on: bool) -> None:
        for widget in (self.editor, self.scope, self.placeholder_table, self.save_button, self.revert_button):
            widget.setEnabled(on)

    def insert_placeholder(self, name: str) -> None:
        """Put ``{{name}}`` at the cursor."""
        if self.current is None:
            return
        self.editor.insertPlainText(f"{{{{{name}}}}}")
        self.editor.setFocus()

    def _insert_row(self, row: int) -> None:
        item = self.placeholder_table.item(row, 0) if row >= 0 else None
        if item is not None:
            self.insert_placeholder(str(item.data(Qt.ItemDataRole.UserRole)))

    def _text_changed(self) -> None:
        self._check_timer.start()

    def check(self) -> list[str]:
        """Check the text as the service will; show and return the problems (German)."""
        self._check_timer.stop()
        block = self.current
        if block is None:
            self.check_label.clear()
            return []
        try:
            check_template(
                self.editor.toPlainText().strip(),
                block.block_label,
                required=(block.kind, block.block) in REQUIRED_BLOCKS,
            )
        except ValidationError as exc:
            self._show_check(exc.messages)
            return list(exc.messages)
        self._show_check([])
        return []

    def _show_check(self, problems: list[str]) -> None:
        if problems:
            self.check_label.setStyleSheet("color: #a40000;")
            self.check_label.setText("\n".join(f"• {problem}" for problem in problems))
        else:
            self.check_label.setStyleSheet("color: #26734d;")
            self.check_label.setText("✓ Der Text ist in Ordnung.")

    def revert(self) -> None:
        self.editor.setPlainText(self._loaded_text)

    # -- history ---------------------------------------------------------------------------------
    def scope_service_id(self) -> str | None:
        return self.scope.currentData()

    def _load_history(self) -> None:
        block = self.current
        if block is None:
            return
        service_id = self.scope_service_id()

        def show(versions: list[TemplateBlock]) -> None:
            if self.current is not block or self.scope_service_id() != service_id:
                return
            self.history = versions
            self.history_table.setRowCount(len(versions))
            for row, version in enumerate(versions):
                cells = (str(version.version), _stamp(version), version.created_by_name)
                for column, text in enumerate(cells):
                    self.history_table.setItem(row, column, QTableWidgetItem(text))
            self.history_table.resizeColumnsToContents()
            self.history_table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
            self.history_loaded.emit()

        start_task(
            letter_templates.template_history, self.workspace, service_id, block.kind, block.block,
            on_done=show, on_error=lambda exc: explain_failure(self, exc, "Textbausteine"),
        )  # fmt: skip

    def load_version(self) -> None:
        """Put the chosen earlier version into the editor (saved only when the clerk saves)."""
        rows = self.history_table.selectionModel().selectedRows()
        if rows and rows[0].row() < len(self.history):
            self.editor.setPlainText(self.history[rows[0].row()].body)

    # -- saving ----------------------------------------------------------------------------------
    def save(self) -> None:
        block = self.current
        if block is None or self._busy:
            return
        if self.check():
            QMessageBox.warning(
                self,
                "Nicht gespeichert",
                "Der Text wurde nicht gespeichert:\n\n" + self.check_label.text(),
            )
            return
        self._busy = True
        self.save_button.setEnabled(False)
        service_id = self.scope_service_id()

        def done(saved: TemplateBlock) -> None:
            self._busy = False
            self.save_button.setEnabled(True)
            self._loaded_text = self.editor.toPlainText()
            self.saved.emit(saved)
            start_task(
                read_editor_data, self.workspace, on_done=lambda data: self._refilled(data, saved),
                on_error=lambda exc: explain_failure(self, exc, "Textbausteine"),
            )  # fmt: skip

        def failed(exc: BaseException) -> None:
            self._busy = False
            self.save_button.setEnabled(True)
            if isinstance(exc, ValidationError):
                self._show_check(list(exc.messages))
                QMessageBox.warning(self, "Nicht gespeichert", "\n".join(exc.messages))
            else:
                explain_failure(self, exc, "Textbausteine")

        start_task(
            letter_templates.save_template, self.workspace, service_id, block.kind, block.block,
            self.editor.toPlainText(), on_done=done, on_error=failed,
        )  # fmt: skip

    def _refilled(self, data: EditorData, saved: TemplateBlock) -> None:
        self._fill(data, select=saved)
        item = self.item_of(saved.kind.value, saved.block, saved.service_id)
        self.open_block(self.blocks[item.data(0, Qt.ItemDataRole.UserRole)] if item is not None else saved)

    def reject(self) -> None:
        if self.is_modified() and not self._may_discard():
            return
        super().reject()
