"""The Posteingang and the case view with real widgets: claim → draft → approve by a second
clerk, waiting pauses the deadline, search as you type, views, manual entry."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QLabel

from kommune_desk.domain.applications import NewApplication
from kommune_desk.domain.inbox_views import InboxView
from kommune_desk.domain.records import ApplicationStatus, Channel, Role
from kommune_desk.services.applications import register_application
from kommune_desk.services.cases import read_case
from kommune_desk.services.clerks import add_clerk
from kommune_desk.services.workspace import Workspace, load_workspace
from kommune_desk.storage.reference import list_services
from kommune_desk.ui.main_window import MainWindow

from .conftest import answered_dialogs

RECEIVED = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "einstellungen.ini"), QSettings.Format.IniFormat)


def _open_window(qtbot, ws: Workspace, settings: QSettings) -> MainWindow:  # type: ignore[no-untyped-def]
    win = MainWindow(ws, settings, "/tmp/kommune-desk.log")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.inbox_model.rowCount() > 0, timeout=5000)
    return win


def _application(ws: Workspace, name: str = "Roß, Ingrid", service_name: str = "Baumfällgenehmigung") -> str:
    conn = ws.db.reader()
    service = next(s for s in list_services(conn, ws.municipality.id) if s.name == service_name)
    conn.close()
    return register_application(
        ws, NewApplication(service.id, name, Channel.PAPIER, RECEIVED, form_data={"baumart": "Linde"})
    )


def _open_case(qtbot, win: MainWindow, application_id: str) -> None:  # type: ignore[no-untyped-def]
    page = win.inbox_page
    assert page is not None
    page.open_case(application_id)
    qtbot.waitUntil(lambda: page.case_view.detail is not None and page.case_view.detail.id == application_id)


def _click(qtbot, win: MainWindow, text: str) -> None:  # type: ignore[no-untyped-def]
    view = win.inbox_page.case_view  # type: ignore[union-attr]
    before = view.detail
    button = view.button(text)
    assert button is not None, f"no button {text!r}"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.detail is not before, timeout=5000)


def test_claim_draft_and_approval_by_a_second_clerk(qtbot, workspace: Workspace, settings: QSettings) -> None:  # type: ignore[no-untyped-def]
    application_id = _application(workspace)  # Baumfällgenehmigung needs four eyes
    clerk_window = _open_window(qtbot, workspace, settings)
    _open_case(qtbot, clerk_window, application_id)
    _click(qtbot, clerk_window, "Übernehmen")
    view = clerk_window.inbox_page.case_view  # type: ignore[union-attr]
    assert view.detail.assignee_name == "Zoë Ağaoğlu"
    _click(qtbot, clerk_window, "Bearbeitung beginnen")
    with answered_dialogs("Bewilligt") as seen:
        _click(qtbot, clerk_window, "Entscheidung entwerfen")
    assert [title for title, _text in seen] == ["Entscheidung entwerfen"]
    assert view.detail.status is ApplicationStatus.ENTSCHEIDUNG_ENTWORFEN
    assert view.button("Entscheidung freigeben") is None  # the drafter cannot approve her own draft

    add_clerk(workspace, "t.leitung", "Tina Leitner", Role.TEAMLEITUNG)
    lead = load_workspace(workspace.db, "t.leitung")
    assert lead is not None
    lead_window = _open_window(
        qtbot,
        lead,
        QSettings(str(Path(settings.fileName()).with_suffix(".2.ini")), QSettings.Format.IniFormat),
    )
    _open_case(qtbot, lead_window, application_id)
    _click(qtbot, lead_window, "Entscheidung freigeben")
    detail = read_case(workspace, application_id)
    assert detail.status is ApplicationStatus.FREIGEGEBEN
    history = [(entry.who, entry.what) for entry in detail.history]
    assert ("Zoë Ağaoğlu", "Entscheidung entworfen") in history
    assert ("Tina Leitner", "Entscheidung freigegeben") in history
    assert history.count(("Tina Leitner", "Vorgang geöffnet")) == 1
    table = lead_window.inbox_page.case_view.history  # type: ignore[union-attr]
    assert "Entscheidung freigegeben" in table.item(0, 2).text()  # newest first
    assert detail.approved is not None and detail.approved.who == "Tina Leitner"
    labels = [w.text() for w in lead_window.inbox_page.case_view.findChildren(QLabel)]  # type: ignore[union-attr]
    assert any(text.startswith("freigegeben von Tina Leitner am ") for text in labels)


def test_waiting_for_documents_pauses_the_deadline(qtbot, workspace: Workspace, settings: QSettings) -> None:  # type: ignore[no-untyped-def]
    application_id = _application(workspace)
    win = _open_window(qtbot, workspace, settings)
    _open_case(qtbot, win, application_id)
    _click(qtbot, win, "Übernehmen")
    _click(qtbot, win, "Bearbeitung beginnen")
    due_before = win.inbox_page.case_view.detail.due_date  # type: ignore[union-attr]
    _click(qtbot, win, "Unterlagen anfordern")
    detail = win.inbox_page.case_view.detail  # type: ignore[union-attr]
    remaining = (due_before - dt.date.today()).days
    assert detail.paused_days == remaining
    labels = [w.text() for w in win.inbox_page.case_view.findChildren(QLabel)]  # type: ignore[union-attr]
    assert any(text.startswith("ruht, solange Unterlagen fehlen") for text in labels)
    model = win.inbox_model
    qtbot.waitUntil(lambda: model.data(model.index(0, 4)) == "Wartet auf Unterlagen")
    assert model.data(model.index(0, 5)) == "ruht"
    assert model.data(model.index(0, 5), Qt.ItemDataRole.BackgroundRole) is None
    _click(qtbot, win, "Unterlagen sind eingegangen")
    assert win.inbox_page.case_view.detail.paused_days is None  # type: ignore[union-attr]


def test_search_as_you_type_finds_an_applicant_by_part_of_the_name(
    qtbot, demo_workspace: Workspace, settings: QSettings
) -> None:  # type: ignore[no-untyped-def]
    target = _application(demo_workspace, name="Quastenflosser-Ağaoğlu, Zoë")
    win = _open_window(qtbot, demo_workspace, settings)
    page = win.inbox_page
    assert page is not None
    qtbot.keyClicks(page.search, "quastenfl")
    qtbot.waitUntil(lambda: win.inbox_model.rowCount() == 1, timeout=5000)
    assert win.inbox_model.application_id_at(0) == target
    page.search.clear()
    qtbot.keyClicks(page.search, 'agaoglu "OR *')  # folded umlauts; FTS syntax is just text
    qtbot.waitUntil(lambda: win.inbox_model.current_filter().text == 'agaoglu "OR *', timeout=5000)
    qtbot.waitUntil(lambda: "Keine Treffer" in page.summary.text(), timeout=5000)


def test_views_show_counts_and_narrow_the_list(qtbot, demo_workspace: Workspace, settings: QSettings) -> None:  # type: ignore[no-untyped-def]
    win = _open_window(qtbot, demo_workspace, settings)
    page = win.inbox_page
    assert page is not None
    qtbot.waitUntil(lambda: page.views.item(0).text().startswith("Neu  ("), timeout=5000)
    with qtbot.waitSignal(win.inbox_model.loaded, timeout=5000):
        page.select_view(InboxView.WARTET)
    assert page.heading.text() == "Wartet"
    count = win.inbox_model.rowCount()
    assert 0 < count < 1500
    assert f"({count})" in page.views.item(3).text()
    assert all(
        win.inbox_model.data(win.inbox_model.index(row, 4)) == "Wartet auf Unterlagen"
        for row in range(min(count, 50))
    )


def test_manual_entry_registers_and_opens_the_case(
    qtbot, workspace: Workspace, settings: QSettings, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    _application(workspace)
    win = _open_window(qtbot, workspace, settings)
    dialog = win.new_application()
    dialog.service.setCurrentIndex(dialog.service.findText("Gewerbeanmeldung"))
    dialog.name.setText("<b>Nowak</b>, Łukasz")  # QTest cannot type Ł
    qtbot.keyClicks(dialog.postal_code, "6456")
    dialog.set_field("betrieb", "Fahrräder Nowak")
    scan = tmp_path / "Gewerbeerlaubnis.pdf"
    scan.write_bytes(b"%PDF-1.4 scan")
    dialog.add_scans([scan])
    dialog.save()
    assert dialog.problems.text() == "Die Postleitzahl hat fünf Ziffern."
    qtbot.keyClicks(dialog.postal_code, "9")
    dialog.save()
    page = win.inbox_page
    assert page is not None
    qtbot.waitUntil(
        lambda: (
            page.case_view is not None
            and page.case_view.detail is not None
            and page.case_view.detail.applicant_name.startswith("<b>")
        ),
        timeout=5000,
    )
    view = page.case_view
    assert view.detail.attachments[0].display_name == "Gewerbeerlaubnis.pdf"
    assert ("Name des Betriebs", "Fahrräder Nowak") in [(x.label, x.value) for x in view.detail.form_lines]
    name_label = next(w for w in view.findChildren(QLabel) if w.text() == "<b>Nowak</b>, Łukasz")
    assert name_label.textFormat() == Qt.TextFormat.PlainText  # citizen text is never markup


def test_a_file_no_program_opens_can_be_saved_as_a_copy_and_copies_go_at_close(
    qtbot, workspace: Workspace, settings: QSettings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QFileDialog

    from kommune_desk.services.cases import export_attachment
    from kommune_desk.services.opened_copies import opened_copies_dir

    scan = tmp_path / "Lageplan.pdf"
    scan.write_bytes(b"%PDF-1.4 lageplan")
    conn = workspace.db.reader()
    service = next(
        s for s in list_services(conn, workspace.municipality.id) if s.name == "Baumfällgenehmigung"
    )
    conn.close()
    application_id = register_application(
        workspace, NewApplication(service.id, "Roß, Ingrid", Channel.PAPIER, RECEIVED), scans=(scan,)
    )
    win = _open_window(qtbot, workspace, settings)
    _open_case(qtbot, win, application_id)
    view = win.inbox_page.case_view  # type: ignore[union-attr]
    copy = export_attachment(workspace, read_case(workspace, application_id).attachments[0].id)
    box = view.offer_copy(copy)  # type: ignore[union-attr]
    assert "kein Programm eingerichtet" in box.text() and "Kopie speichern" in box.buttons()[0].text()
    target = tmp_path / "gespeichert.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a, **_k: (str(target), ""))
    next(b for b in box.buttons() if b.text() == "Kopie speichern …").click()
    qtbot.waitUntil(target.exists, timeout=5000)
    assert target.read_bytes() == b"%PDF-1.4 lageplan"
    assert copy.exists() and copy.is_relative_to(opened_copies_dir(workspace))
    win.close()
    assert not opened_copies_dir(workspace).exists()  # nothing of the citizen's stays behind


def test_another_case_opens_at_its_top_and_f5_reads_the_open_case_again(
    qtbot, workspace: Workspace, settings: QSettings
) -> None:  # type: ignore[no-untyped-def]
    first, second = _application(workspace, "Roß, Ingrid"), _application(workspace, "Nowak, Łukasz")
    win = _open_window(qtbot, workspace, settings)
    _open_case(qtbot, win, first)
    view = win.inbox_page.case_view  # type: ignore[union-attr]
    view.show_notices()
    _open_case(qtbot, win, second)
    assert view.tabs.currentIndex() == 0 and view.scroll.verticalScrollBar().value() == 0

    with workspace.db.write() as conn:  # a change arriving by the sync, say
        conn.execute("UPDATE applications SET applicant_city = 'Trebur' WHERE id = ?", (second,))
    before = view.detail
    win.refresh()
    qtbot.waitUntil(lambda: view.detail is not before, timeout=5000)
    assert view.detail is not None and view.detail.applicant_city == "Trebur"
