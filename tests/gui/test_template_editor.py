"""The Textbausteine editor with a real database: the check names an unknown placeholder in German
before saving; a valid edit is saved as a new version and shows up in the history."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QMessageBox, QWidget

from kommune_desk.documents.model import LetterKind
from kommune_desk.domain.records import Role
from kommune_desk.services.clerks import add_clerk
from kommune_desk.services.letter_templates import template_history
from kommune_desk.services.workspace import Workspace, load_workspace
from kommune_desk.ui.template_editor import TemplateEditor

from .conftest import answering

KIND, BLOCK = LetterKind.EINGANGSBESTAETIGUNG, "hinweise"


def lead_of(ws: Workspace) -> Workspace:
    add_clerk(ws, "t.leitung", "Tina Leitner", Role.TEAMLEITUNG)
    lead = load_workspace(ws.db, "t.leitung")
    assert lead is not None
    return lead


def open_editor(qtbot, ws: Workspace) -> TemplateEditor:  # type: ignore[no-untyped-def]
    editor = TemplateEditor(ws)
    qtbot.addWidget(editor)
    with qtbot.waitSignal(editor.loaded, timeout=5000):
        editor.show()
    with qtbot.waitSignal(editor.history_loaded, timeout=5000):
        assert editor.select_block(KIND.value, BLOCK)
    return editor


def close_message(messages: list[str]):  # type: ignore[no-untyped-def]
    def handle(widget: QWidget) -> bool:
        if isinstance(widget, QMessageBox):
            messages.append(widget.text())
            QTimer.singleShot(0, lambda: widget.done(0))
            return True
        return False

    return handle


def test_an_unknown_placeholder_is_named_before_saving(qtbot, workspace: Workspace) -> None:  # type: ignore[no-untyped-def]
    editor = open_editor(qtbot, lead_of(workspace))
    assert editor.heading.text() == "Eingangsbestätigung – Hinweise"
    assert editor.check_label.text() == "✓ Der Text ist in Ordnung."
    editor.editor.setPlainText("Bitte melden Sie sich bei {{unbekannt}}.")
    qtbot.waitUntil(lambda: "{{unbekannt}}" in editor.check_label.text(), timeout=3000)
    assert "ist unbekannt" in editor.check_label.text()  # German, naming the placeholder

    messages: list[str] = []
    with answering(close_message(messages)):
        qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: bool(messages), timeout=3000)
    assert messages[0].startswith("Der Text wurde nicht gespeichert")
    assert "{{unbekannt}}" in messages[0]
    assert [v.version for v in template_history(workspace, None, KIND, BLOCK)] == [0]  # nothing saved
    editor.revert()  # closing with unsaved changes would ask


def test_a_valid_edit_is_saved_as_a_new_version(qtbot, workspace: Workspace) -> None:  # type: ignore[no-untyped-def]
    lead = lead_of(workspace)
    editor = open_editor(qtbot, lead)
    assert editor.history_table.rowCount() == 1  # the built-in wording, version 0
    editor.editor.setPlainText("Wir melden uns, sobald Ihr Antrag zum Aktenzeichen ")
    editor.editor.moveCursor(editor.editor.textCursor().MoveOperation.End)
    row = next(
        i
        for i in range(editor.placeholder_table.rowCount())
        if editor.placeholder_table.item(i, 0).text() == "{{aktenzeichen}}"
    )
    table = editor.placeholder_table
    where = table.visualItemRect(table.item(row, 1)).center()
    # A real double click: QTest's double click alone lacks the press Qt's views need first.
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=where)
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=where)
    editor.editor.insertPlainText(" geprüft ist.")
    assert editor.is_modified()

    with qtbot.waitSignal(editor.saved, timeout=5000) as saved:
        qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    block = saved.args[0]
    assert (block.version, block.created_by_name) == (1, "Tina Leitner")
    assert block.body == "Wir melden uns, sobald Ihr Antrag zum Aktenzeichen {{aktenzeichen}} geprüft ist."
    versions = template_history(workspace, None, KIND, BLOCK)
    assert [v.version for v in versions] == [1, 0]
    qtbot.waitUntil(lambda: editor.history_table.rowCount() == 2, timeout=5000)
    assert editor.history_table.item(0, 0).text() == "1"
    assert editor.history_table.item(0, 2).text() == "Tina Leitner"
    item = editor.item_of(KIND.value, BLOCK)
    assert item is not None and item.text(2) == "1" and item.isSelected()
    assert not editor.is_modified()


def test_a_clerk_without_the_right_is_told_why(qtbot, workspace: Workspace) -> None:  # type: ignore[no-untyped-def]
    editor = open_editor(qtbot, workspace)  # Sachbearbeitung
    editor.editor.setPlainText("Ein neuer Hinweis.")
    messages: list[str] = []
    with answering(close_message(messages)):
        qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: bool(messages), timeout=5000)
    assert messages == ["Textbausteine ändern dürfen nur die Teamleitung und die Administration."]
    assert editor.is_modified()  # the text stays in the editor
    editor.revert()
