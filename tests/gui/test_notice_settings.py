"""Bescheid-Einstellungen: the Administration sets the Bekanntgabe day and the remedy per service."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox

from kommune_desk.domain.authority import Remedy
from kommune_desk.domain.records import Role
from kommune_desk.services.clerks import add_clerk
from kommune_desk.services.notices import bekanntgabe_tage, service_remedy
from kommune_desk.services.workspace import Workspace, load_workspace
from kommune_desk.ui.notice_settings_dialog import NoticeSettingsDialog


def _admin(workspace: Workspace) -> Workspace:
    add_clerk(workspace, "it.admin", "Ida Admin", Role.ADMINISTRATION)
    admin = load_workspace(workspace.db, "it.admin")
    assert admin is not None
    return admin


def _row(dialog: NoticeSettingsDialog, service_name: str) -> int:
    names = [dialog.table.item(row, 0).text() for row in range(dialog.table.rowCount())]
    return names.index(service_name)


def test_the_administration_sets_bekanntgabe_and_remedy(qtbot, workspace: Workspace) -> None:  # type: ignore[no-untyped-def]
    admin = _admin(workspace)
    dialog = NoticeSettingsDialog(admin)
    qtbot.addWidget(dialog)
    assert dialog.days.currentData() == 4  # the default since the federal change of 2025
    row = _row(dialog, "Baumfällgenehmigung")
    combo = dialog.table.cellWidget(row, 1)
    assert isinstance(combo, QComboBox) and combo.currentData() == "widerspruch"
    dialog.days.setCurrentIndex(dialog.days.findData(3))
    combo.setCurrentIndex(combo.findData("klage"))
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        dialog.save()
    assert bekanntgabe_tage(workspace) == 3
    service = next(s for s in dialog._services if s.name == "Baumfällgenehmigung")
    assert service_remedy(workspace, service.id) is Remedy.KLAGE
    others = [s for s in dialog._services if s.id != service.id]
    assert all(service_remedy(workspace, s.id) is Remedy.WIDERSPRUCH for s in others)


def test_a_clerk_sees_the_settings_but_cannot_change_them(qtbot, workspace: Workspace) -> None:  # type: ignore[no-untyped-def]
    dialog = NoticeSettingsDialog(workspace)  # Sachbearbeitung
    qtbot.addWidget(dialog)
    assert not dialog.days.isEnabled() and not dialog.table.isEnabled()
    assert "nur die Administration" in dialog.status.text()
