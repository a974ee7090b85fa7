"""Behörde und Kontaktdaten: faulty entries are named below their field; a saved change reaches the
database; a Sachbearbeiterin only reads."""

from __future__ import annotations

from kommune_desk.domain.records import Role
from kommune_desk.services.authority import authority_settings
from kommune_desk.services.clerks import add_clerk
from kommune_desk.services.workspace import Workspace, load_workspace
from kommune_desk.ui.authority_dialog import AuthorityDialog


def test_the_dialog_names_bad_entries_and_saves_good_ones(qtbot, workspace: Workspace) -> None:  # type: ignore[no-untyped-def]
    reader = AuthorityDialog(workspace)
    qtbot.addWidget(reader)
    assert reader.edits["name"].isReadOnly() and not reader.kind.isEnabled()

    add_clerk(workspace, "a.admin", "Anna Admin", Role.ADMINISTRATION)
    admin = load_workspace(workspace.db, "a.admin")
    assert admin is not None
    dialog = AuthorityDialog(admin)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.edits["name"].text() == "Nauheim"
    dialog.kind.setCurrentIndex(dialog.kind.findData("stadt"))
    dialog.edits["email"].setText("rathaus@")
    dialog.save()
    assert dialog.errors["email"].isVisible() and "nicht vollständig" in dialog.errors["email"].text()
    assert "Der Magistrat der Stadt Nauheim" in dialog.preview.text()
    dialog.edits["email"].setText("rathaus@nauheim.de")
    dialog.edits["phone"].setText("06152 639-0")
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        dialog.save()
    saved = authority_settings(workspace)
    assert (saved.kind, saved.email, saved.phone) == ("stadt", "rathaus@nauheim.de", "06152 639-0")
