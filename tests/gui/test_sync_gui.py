"""Sync in the window, against a real server on loopback: the status bar, "Jetzt synchronisieren",
going offline, a revoked workstation, the enrolment dialog and the Konflikte page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QThreadPool
from PySide6.QtWidgets import QApplication, QMessageBox

from kommune_desk.server.auth import revoke_client
from kommune_desk.services.sync import sync_once, sync_status
from kommune_desk.services.workflow import set_follow_up
from kommune_desk.services.workspace import Workspace
from kommune_desk.storage.database import Database
from kommune_desk.sync.errors import SyncError
from kommune_desk.ui.enrol_dialog import EnrolDialog
from kommune_desk.ui.main_window import CONFLICTS_SECTION, MainWindow
from kommune_desk.ui.sync_status import last_sync_text
from tests.sync.conftest import _explicit_keyring  # noqa: F401  (autouse: tokens in a temp keyring)
from tests.sync.harness import ServerThread, Town, enrolled_workstation
from tests.sync.test_sync_roundtrip import _register

from .conftest import answered_dialogs

WAIT_MS = 15_000
SLACK = 1.06  # Qt's coarse timers may fire up to 5 % late


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "einstellungen.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def open_window(qtbot, settings: QSettings) -> Iterator:  # type: ignore[no-untyped-def, type-arg]
    """Opens main windows; afterwards waits for their workers, so no round outlives its database."""
    windows: list[MainWindow] = []

    def open_for(ws: Workspace) -> MainWindow:
        window = MainWindow(ws, settings, "/tmp/kommune-desk.log")
        qtbot.addWidget(window)
        windows.append(window)
        window.show()
        return window

    yield open_for
    for window in windows:
        window.close()
    QThreadPool.globalInstance().waitForDone(WAIT_MS)
    QApplication.processEvents()


def _scalar(ws: Workspace, sql: str, *params: object) -> object:
    conn = ws.db.reader()
    try:
        return conn.execute(sql, params).fetchone()[0]
    finally:
        conn.close()


def test_a_workstation_without_sync_offers_to_set_it_up(
    qtbot, open_window, demo_workspace: Workspace
) -> None:  # type: ignore[no-untyped-def]
    window = open_window(demo_workspace)
    status = window.sync_status
    qtbot.waitUntil(lambda: window.sync.state.enrolled is False, timeout=WAIT_MS)
    assert status.setup_label.isVisible()
    assert "Abgleich nicht eingerichtet" in status.setup_label.text()
    assert "Einrichten …" in status.setup_label.text()
    assert not status.sync_button.isVisible() and not status.online_label.isVisible()
    assert window.enrol_action.isEnabled() and not window.sync_action.isEnabled()
    status.setup_label.linkActivated.emit("einrichten")
    qtbot.waitUntil(
        lambda: window.findChild(EnrolDialog) is not None and window.findChild(EnrolDialog).isVisible()
    )
    window.findChild(EnrolDialog).reject()


def test_status_bar_shows_an_enrolled_workstation_and_sync_now_runs_a_round(  # type: ignore[no-untyped-def]
    qtbot, open_window, server: ServerThread, town: Town, tmp_path: Path
) -> None:
    ws = enrolled_workstation(server, town, tmp_path / "a", "anna", "Anna Admin")
    window = open_window(ws)
    qtbot.waitUntil(lambda: window.sync.state.online is True, timeout=WAIT_MS)
    status = window.sync_status
    assert "Online" in status.online_label.text() and "●" in status.online_label.text()
    assert status.pending_label.text() == "Alles übertragen"
    assert status.last_label.text().startswith("Zuletzt abgeglichen: ")
    assert status.last_label.text() == last_sync_text(window.sync.state.last_success_at)
    assert not status.error_label.isVisible() and not status.conflicts_label.isVisible()
    assert not window.enrol_action.isEnabled()

    application_id = _register(ws)
    set_follow_up(ws, application_id, dt.date(2026, 12, 1), "Rückruf Bauamt")
    waiting = sync_status(ws.db).pending
    assert waiting >= 2
    window.refresh()  # F5; without it the status is read again within 15 s
    qtbot.waitUntil(lambda: status.pending_label.text() == f"{waiting} Änderungen warten", timeout=WAIT_MS)
    qtbot.waitUntil(status.sync_button.isEnabled, timeout=WAIT_MS)
    with qtbot.waitSignal(window.sync.round_finished, timeout=WAIT_MS) as finished:
        status.sync_button.click()
    assert finished.args[0].pushed == waiting
    assert status.pending_label.text() == "Alles übertragen"
    assert 50_000 < window.sync.next_round_in_ms() <= 60_000 * SLACK  # the next round in a minute


def test_server_gone_shows_offline_in_german_and_keeps_the_work(  # type: ignore[no-untyped-def]
    qtbot, open_window, server: ServerThread, town: Town, tmp_path: Path
) -> None:
    ws = enrolled_workstation(server, town, tmp_path / "a", "anna", "Anna Admin")
    application_id = _register(ws)
    sync_once(ws.db)
    window = open_window(ws)
    qtbot.waitUntil(lambda: window.sync.state.online is True, timeout=WAIT_MS)
    qtbot.waitUntil(window.sync_status.sync_button.isEnabled, timeout=WAIT_MS)

    server.stop()
    set_follow_up(ws, application_id, dt.date(2026, 12, 1), "Rückruf Bauamt")
    window.sync_status.sync_button.click()
    qtbot.waitUntil(lambda: window.sync.state.online is False, timeout=WAIT_MS)
    status = window.sync_status
    assert "Offline" in status.online_label.text() and "○" in status.online_label.text()
    assert "nicht erreichbar" in status.error_label.full_text()
    assert "Ihre Änderungen bleiben gespeichert" in status.error_label.toolTip()
    assert status.error_label.isVisible()
    assert status.pending_label.text() == "1 Änderung wartet"
    assert status.last_label.text().startswith("Zuletzt abgeglichen: ")  # the last good round
    assert 0 < window.sync.next_round_in_ms() <= 5_000 * SLACK  # backoff: first bound 5 s
    assert (
        _scalar(ws, "SELECT follow_up_note FROM applications WHERE id = ?", application_id)
        == "Rückruf Bauamt"
    )
    assert sync_status(ws.db).pending == 1


def test_a_revoked_workstation_stops_until_the_clerk_acts(  # type: ignore[no-untyped-def]
    qtbot, open_window, server: ServerThread, town: Town, tmp_path: Path
) -> None:
    from kommune_desk.server import admin

    ws = enrolled_workstation(server, town, tmp_path / "a", "anna", "Anna Admin")
    window = open_window(ws)
    qtbot.waitUntil(lambda: window.sync.state.online is True, timeout=WAIT_MS)
    qtbot.waitUntil(window.sync_status.sync_button.isEnabled, timeout=WAIT_MS)
    client_id = _scalar(ws, "SELECT value FROM settings WHERE key = 'sync.client_id'")
    assert revoke_client(server.db, str(client_id))
    application_id = _register(ws)  # work that is stranded until the workstation is enrolled again

    window.sync_status.sync_button.click()
    qtbot.waitUntil(lambda: window.sync.state.stopped, timeout=WAIT_MS)
    assert window.sync.next_round_in_ms() == -1  # no automatic rounds any more
    status = window.sync_status
    assert status.setup_label.isVisible()
    assert "Arbeitsplatz gesperrt – neuer Einrichtungscode nötig" in status.setup_label.text()
    assert "Kreis-IT" in status.setup_label.toolTip()
    assert not status.error_label.isVisible()  # the short line says it; the tooltip explains
    assert status.pending_label.text() == "1 Änderung wartet"
    assert window.sync_action.isEnabled()  # trying again stays possible (F9)
    assert window.enrol_action.isEnabled()
    assert not status.sync_button.isVisible() and status.enrol_button.isVisible()

    # One click away: the dialog, with the server filled in and no first person to name.
    status.enrol_button.click()
    qtbot.waitUntil(lambda: window.findChild(EnrolDialog) is not None, timeout=WAIT_MS)
    dialog = window.findChild(EnrolDialog)
    assert dialog.windowTitle() == "Abgleich neu einrichten"
    assert dialog.server.text() == server.url and not dialog.first_person.isVisibleTo(dialog)
    dialog.code.setText(admin.enrolment_code(server.db, town.office_id))
    with qtbot.waitSignal(dialog.enrolled, timeout=WAIT_MS) as enrolled:
        dialog.enrol_button.click()
    assert enrolled.args[0].again and enrolled.args[0].sent == 1
    qtbot.waitUntil(
        lambda: not window.sync.state.locked_out and not window.sync.state.stopped, timeout=WAIT_MS
    )
    qtbot.waitUntil(lambda: status.pending_label.text() == "Alles übertragen", timeout=WAIT_MS)
    assert not status.setup_label.isVisible() and not status.enrol_button.isVisible()
    assert status.sync_button.isVisible()
    assert "neu eingerichtet" in window.statusBar().currentMessage()
    result = window.findChild(QMessageBox, "enrolmentResult")
    assert result is not None and result.isVisible()
    assert result.text() == (
        "Arbeitsplatz neu eingerichtet (Rathaus Nauheim). 1 noch nicht übertragene Änderung wurde gesendet."
    )
    result.accept()
    with server.db.transaction() as tx:
        assert (
            tx.one("SELECT count(*) FROM entities WHERE kind = 'applications' AND id = ?", (application_id,))[
                0
            ]
            == 1
        )


def test_a_workstation_locked_out_in_an_earlier_session_waits_for_the_clerk(  # type: ignore[no-untyped-def]
    qtbot, open_window, server: ServerThread, town: Town, tmp_path: Path
) -> None:
    ws = enrolled_workstation(server, town, tmp_path / "a", "anna", "Anna Admin")
    assert revoke_client(
        server.db, str(_scalar(ws, "SELECT value FROM settings WHERE key = 'sync.client_id'"))
    )
    with pytest.raises(SyncError):
        sync_once(ws.db)
    window = open_window(ws)
    qtbot.waitUntil(lambda: window.sync.state.locked_out == "gesperrt", timeout=WAIT_MS)
    assert window.sync.state.stopped and window.sync.next_round_in_ms() == -1
    status = window.sync_status
    assert "neuer Einrichtungscode nötig" in status.setup_label.text()
    # No "Verbindung wird geprüft …" for ever: without rounds, whether the server answers is not shown.
    assert not status.online_label.isVisible() and not status.last_label.isVisible()
    assert status.pending_label.isVisible()


def test_enrol_dialog_explains_a_wrong_code_keeps_the_input_and_then_enrols(  # type: ignore[no-untyped-def]
    qtbot, server: ServerThread, town: Town, tmp_path: Path
) -> None:
    from kommune_desk.server import admin
    from kommune_desk.services.workspace import load_workspace

    db = Database.open(tmp_path / "neu")
    dialog = EnrolDialog(db, "anna")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.enrol_button.click()
    assert "Adresse des Abgleichsservers" in dialog.errors.text()
    assert "Einrichtungscode" in dialog.errors.text()

    dialog.server.setText(server.url)
    dialog.code.setText("FALSCH-0000")
    dialog.enrol_button.click()
    assert dialog.busy and dialog.progress.isVisible() and not dialog.code.isEnabled()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=WAIT_MS)
    assert dialog.errors.text() and "Traceback" not in dialog.errors.text()
    assert dialog.isVisible()
    assert (dialog.server.text(), dialog.code.text()) == (server.url, "FALSCH-0000")
    assert sync_status(db).enrolled is False

    dialog.code.setText(admin.enrolment_code(server.db, town.office_id))
    dialog.first_person.setText("Anna Admin")
    with qtbot.waitSignal(dialog.enrolled, timeout=WAIT_MS) as enrolled:
        dialog.enrol_button.click()
    assert enrolled.args[0].office_id == town.office_id and not enrolled.args[0].again
    assert not dialog.isVisible()
    ws = load_workspace(db, "anna")
    assert ws is not None and ws.clerk is not None and ws.clerk.display_name == "Anna Admin"
    assert sync_status(db).enrolled
    QThreadPool.globalInstance().waitForDone(WAIT_MS)
    db.close()


@pytest.fixture
def clash(server: ServerThread, town: Town, tmp_path: Path) -> tuple[Workspace, Workspace, str]:
    """Two workstations of Nauheim set different Wiedervorlagen offline; the second got the conflict."""
    first = enrolled_workstation(server, town, tmp_path / "a", "anna", "Anna Admin")
    application_id = _register(first)
    sync_once(first.db)
    second = enrolled_workstation(server, town, tmp_path / "b", "anna")
    set_follow_up(first, application_id, dt.date(2026, 12, 1), "Rückruf Bauamt")
    set_follow_up(second, application_id, dt.date(2026, 12, 3), "Unterlagen prüfen")
    sync_once(first.db)
    sync_once(second.db)
    sync_once(second.db)
    assert sync_status(second.db).open_conflicts == 1
    return first, second, application_id


def _open_conflicts(qtbot, open_window, ws: Workspace) -> MainWindow:  # type: ignore[no-untyped-def]
    window = open_window(ws)
    qtbot.waitUntil(lambda: window.sync.state.open_conflicts == 1, timeout=WAIT_MS)
    assert window.navigation.item(CONFLICTS_SECTION).text() == "Konflikte (1)"
    assert window.sync_status.conflicts_label.isVisible()
    assert "1 Konflikt" in window.sync_status.conflicts_label.text()
    window.sync_status.conflicts_label.linkActivated.emit("konflikte")
    assert window.current_section() == "Konflikte"
    page = window.conflicts_page()
    qtbot.waitUntil(lambda: page.list.count() == 1, timeout=WAIT_MS)
    return window


def test_konflikte_page_shows_both_versions_and_zur_kenntnis_clears_it(  # type: ignore[no-untyped-def]
    qtbot, open_window, clash: tuple[Workspace, Workspace, str]
) -> None:
    first, second, application_id = clash
    window = _open_conflicts(qtbot, open_window, second)
    page = window.conflicts_page()
    number = _scalar(second, "SELECT aktenzeichen FROM applications WHERE id = ?", application_id)
    assert page.title.text() == f"Antrag {number}"
    assert "anderer Arbeitsplatz" in page.reason.text()
    assert "Unterlagen prüfen" in page.mine.text() and "03.12.2026" in page.mine.text()
    assert "Rückruf Bauamt" in page.theirs.text() and "01.12.2026" in page.theirs.text()
    assert page.acknowledge_button.isVisible() and page.reapply_button.isVisible()

    page.acknowledge_button.click()
    qtbot.waitUntil(lambda: page.list.count() == 0, timeout=WAIT_MS)
    assert "Keine offenen Konflikte" in page.summary.text()
    assert not page.acknowledge_button.isVisible()
    qtbot.waitUntil(lambda: window.navigation.item(CONFLICTS_SECTION).text() == "Konflikte", timeout=WAIT_MS)
    # the answer went to the server at once: the other workstation sees the conflict resolved
    qtbot.waitUntil(lambda: sync_status(second.db).pending == 0, timeout=WAIT_MS)
    sync_once(first.db)
    assert _scalar(first, "SELECT resolution FROM sync_conflicts") == "zur_kenntnis"


def test_meine_angaben_erneut_uebernehmen_after_confirming(  # type: ignore[no-untyped-def]
    qtbot, open_window, clash: tuple[Workspace, Workspace, str]
) -> None:
    first, second, application_id = clash
    window = _open_conflicts(qtbot, open_window, second)
    page = window.conflicts_page()
    with answered_dialogs() as boxes:
        page.reapply_button.click()
    assert boxes and boxes[0][0] == "Angaben erneut übernehmen"
    qtbot.waitUntil(lambda: page.list.count() == 0, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: sync_status(second.db).pending == 0, timeout=WAIT_MS)
    sync_once(first.db)
    for ws in (first, second):
        assert (
            _scalar(ws, "SELECT follow_up_note FROM applications WHERE id = ?", application_id)
            == "Unterlagen prüfen"
        )
