"""Neuer Antrag checks the service's typed fields: the message stands in red below the field, the
cursor goes to the first faulty one, nothing is saved until every field is right."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QLineEdit

from kommune_desk.services.workspace import Workspace
from kommune_desk.ui.errors import ERROR_COLOR
from kommune_desk.ui.new_application_dialog import NewApplicationDialog


def _count(ws: Workspace) -> int:
    conn = ws.db.reader()
    try:
        return int(conn.execute("SELECT count(*) FROM applications").fetchone()[0])
    finally:
        conn.close()


def test_faulty_fields_are_named_below_the_field_and_nothing_is_saved(qtbot, workspace: Workspace) -> None:  # type: ignore[no-untyped-def]
    dialog = NewApplicationDialog(workspace)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitActive(dialog)
    dialog.service.setCurrentIndex(dialog.service.findText("Genehmigung Osterfeuer"))
    date = dialog.findChild(QLineEdit, "field_datum")
    assert date is not None and date.placeholderText() == "TT.MM.JJJJ"
    qtbot.waitUntil(date.isVisible)  # the service's fields are laid out
    dialog.name.setText("Roß, Ingrid")
    qtbot.keyClicks(dialog.findChild(QLineEdit, "field_ort"), "Festplatz am Wald")
    qtbot.keyClicks(date, "31.04.2026")
    with qtbot.assertNotEmitted(dialog.registered, wait=200):
        dialog.save()
    assert dialog.field_error("datum") == "Bitte ein Datum im Format TT.MM.JJJJ eingeben, z. B. 24.11.2026."
    assert dialog.field_error("verantwortlich") == "Pflichtangabe: Bitte ausfüllen."
    assert dialog.field_error("ort") == ""
    message = dialog.findChild(QLabel, "error_datum")
    assert message is not None and message.isVisible()
    # The message stands right below its field, in red; the field is marked.
    assert message.geometry().top() >= date.geometry().bottom()
    assert abs(message.geometry().left() - date.geometry().left()) < 5
    assert ERROR_COLOR in message.styleSheet() and ERROR_COLOR in date.styleSheet()
    qtbot.waitUntil(date.hasFocus, timeout=2000)  # the cursor is in the first faulty field
    assert dialog.isVisible() and _count(workspace) == 0

    date.clear()
    qtbot.keyClicks(date, "04.04.2026")
    assert dialog.field_error("datum") == ""  # re-checked while typing after the first attempt
    assert date.styleSheet() == ""
    qtbot.keyClicks(dialog.findChild(QLineEdit, "field_verantwortlich"), "Freiwillige Feuerwehr")
    with qtbot.waitSignal(dialog.registered, timeout=5000):
        dialog.save()
    assert _count(workspace) == 1
