"""First start of a new workstation of a town that works with the Kreis' sync server: the third way
of the first-start dialog, "Mit einem Abgleichsserver verbinden …", against a real server on loopback
(SQLite store), real data folders and tokens in a real (file) keyring."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QThreadPool, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QMessageBox, QWidget

from kommune_desk import app
from kommune_desk.domain.records import Role
from kommune_desk.server import admin
from kommune_desk.services.sync import enrol, sync_once, sync_status
from kommune_desk.services.workspace import Workspace, current_os_login, load_workspace
from kommune_desk.storage.database import Database
from kommune_desk.ui.enrol_dialog import FIRST_START_OFFLINE, INTERRUPTED, EnrolDialog
from kommune_desk.ui.first_start import FirstStartDialog
from tests.sync.conftest import _explicit_keyring  # noqa: F401  (autouse: tokens in a temp keyring)
from tests.sync.fault_support import LoopbackProxy
from tests.sync.harness import ServerThread, Town, enrolled_workstation
from tests.sync.server_process import free_port
from tests.sync.test_sync_roundtrip import _register

WAIT_MS = 20_000
INVALID_CODE = "Der Einrichtungscode ist ungültig, abgelaufen oder wurde schon verwendet."


@pytest.fixture(autouse=True)
def _keep_excepthook(monkeypatch: pytest.MonkeyPatch) -> None:
    """app.main installs a global hook; restore pytest's after each test."""
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)


def _scalar(db: Database, sql: str, *params: object) -> object:
    conn = db.reader()
    try:
        return conn.execute(sql, params).fetchone()[0]
    finally:
        conn.close()


def _nothing_set_up(db: Database) -> bool:
    """The data folder is as empty as before: no office, no municipality, no enrolment."""
    return (
        load_workspace(db, "") is None
        and _scalar(db, "SELECT count(*) FROM settings WHERE key = 'local_office_id'") == 0
        and _scalar(db, "SELECT count(*) FROM municipalities") == 0
        and not sync_status(db).enrolled
    )


class Clerk:
    """Works through the modal dialogs of ``app.main`` like a clerk: each step acts once, when a
    dialog of its kind is in front and not busy; records what each dialog said. A dialog no step
    expects is closed after a while, so a wrong turn fails the test instead of hanging it."""

    def __init__(self, *steps: tuple[type[QWidget], Callable[[QWidget], None]]) -> None:
        assert QApplication.instance() is not None, "the timer needs the application (fixture qapp)"
        self.steps = list(steps)
        self.seen: list[tuple[str, str]] = []
        self._deadline = time.monotonic() + WAIT_MS / 1000 * 3
        self._timer = QTimer()
        self._timer.timeout.connect(self._poll)

    def __enter__(self) -> Clerk:
        self._timer.start(20)
        return self

    def __exit__(self, *_: object) -> None:
        self._timer.stop()

    def _poll(self) -> None:
        widget = QApplication.activeModalWidget()
        if widget is None:
            return
        if not self.steps or time.monotonic() > self._deadline:
            if time.monotonic() > self._deadline and isinstance(widget, QDialog):
                widget.done(0)  # stuck where no step leads: give up (the test then fails)
            return
        kind, act = self.steps[0]
        if isinstance(widget, kind) and not getattr(widget, "busy", False):
            self.steps.pop(0)
            text = widget.text() if isinstance(widget, QMessageBox) else ""
            self.seen.append((widget.windowTitle(), text))
            act(widget)


def _enrolled_with(server: ServerThread, code: str, folder: Path, login: str, name: str) -> Workspace:
    """A fresh data folder enrolled with ``code`` by the service, as the CLI does it."""
    db = Database.open(folder)
    enrol(db, server.url, code, clerk_name=name, os_login=login)
    ws = load_workspace(db, login)
    assert ws is not None
    return ws


def _fill(dialog: EnrolDialog, server: str, code: str, name: str) -> None:
    dialog.server.setText(server)
    dialog.code.setText(code)
    dialog.first_person.setText(name)


# -- the dialog --------------------------------------------------------------------------------
def test_the_first_start_offers_three_ways_and_says_which_to_choose(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = FirstStartDialog("i.ross")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.enrol_button.text() == "Mit einem Abgleichsserver verbinden …"
    assert dialog.setup_button.text() == "Einrichten" and dialog.demo_button.text() == "Demo ausprobieren"
    assert dialog.enrol_button.isVisible() and dialog.setup_button.isDefault()
    labels = {label.objectName(): label.text() for label in dialog.findChildren(QLabel)}
    assert "drei Möglichkeiten" in labels["firstStartIntro"]
    assert (
        "Arbeitet Ihre Verwaltung schon mit dem Abgleich des Kreises, richten Sie diesen Arbeitsplatz mit "
        "dem Einrichtungscode ein, den Sie von der Administration bekommen haben."
    ) in labels["firstStartIntro"]
    assert "ohne den Abgleich des Kreises" in labels["firstStartWithoutServer"]
    assert "Demo ausprobieren" in labels["firstStartDemo"]

    dialog.setup_button.click()  # the local form refuses an empty set-up …
    assert dialog.errors.text() and dialog.choice is None
    dialog.enrol_button.click()  # … which does not concern the code
    assert dialog.choice == "enrol" and dialog.result() == FirstStartDialog.DialogCode.Accepted
    assert dialog.errors.text() == "" and not dialog.isVisible()


def test_the_code_dialog_explains_each_refusal_changes_nothing_and_then_sets_up_the_workstation(  # type: ignore[no-untyped-def]
    qtbot, server: ServerThread, town: Town, tmp_path: Path
) -> None:
    db = Database.open(tmp_path / "neu")
    code = admin.enrolment_code(server.db, town.office_id)
    dialog = EnrolDialog(db, "i.ross", first_start=True)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.windowTitle() == "Mit einem Abgleichsserver verbinden"
    assert (
        dialog.first_person.isVisibleTo(dialog)
        and dialog.first_person.placeholderText() == "Vorname Nachname"
    )

    dialog.enrol_button.click()
    for missing in ("Adresse des Abgleichsservers", "Einrichtungscode an", "Ihren Namen an"):
        assert missing in dialog.errors.text()
    assert not dialog.busy

    _fill(dialog, server.url, code, "  ")  # the name is required before the code is sent
    dialog.enrol_button.click()
    assert not dialog.busy and dialog.errors.text() == "Bitte geben Sie Ihren Namen an (Vorname Nachname)."

    _fill(dialog, f"http://127.0.0.1:{free_port()}", code, "Ingrid Roß")  # nobody listens there
    dialog.enrol_button.click()
    assert dialog.busy and dialog.progress.isVisible() and not dialog.code.isEnabled()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=WAIT_MS)
    assert dialog.errors.text() == FIRST_START_OFFLINE and dialog.isVisible()
    assert _nothing_set_up(db)

    _fill(dialog, server.url, "FALSCH-0000-0000-0000", "Ingrid Roß")
    dialog.enrol_button.click()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=WAIT_MS)
    assert dialog.errors.text().startswith(INVALID_CODE) and "Traceback" not in dialog.errors.text()
    assert dialog.isVisible() and dialog.code.text() == "FALSCH-0000-0000-0000"  # input kept
    assert _nothing_set_up(db)

    # The right code, which the unreachable server never saw: it still works.
    dialog.code.setText(code)
    with qtbot.waitSignal(dialog.enrolled, timeout=WAIT_MS) as enrolled:
        dialog.enrol_button.click()
    assert enrolled.args[0].office_id == town.office_id and not enrolled.args[0].again
    assert not dialog.isVisible() and dialog.result() == EnrolDialog.DialogCode.Accepted
    ws = load_workspace(db, "i.ross")
    assert ws is not None and ws.clerk is not None
    assert (ws.office.id, ws.office.name, ws.municipality.id, ws.municipality.name) == (
        town.office_id, "Rathaus Nauheim", town.municipality_id, "Nauheim",
    )  # fmt: skip
    assert (ws.clerk.display_name, ws.clerk.role, ws.clerk.os_login) == (
        "Ingrid Roß", Role.ADMINISTRATION, "i.ross",
    )  # fmt: skip
    assert sync_status(db).enrolled and sync_status(db).server_url == server.url
    QThreadPool.globalInstance().waitForDone(WAIT_MS)
    db.close()


def test_a_download_cut_off_after_the_code_was_taken_is_finished_by_trying_again(  # type: ignore[no-untyped-def]
    qtbot, server: ServerThread, town: Town, tmp_path: Path
) -> None:
    proxy = LoopbackProxy(server.port)
    proxy.drop_request("/v1/pull")  # the connection breaks right after the server took the code
    db = Database.open(tmp_path / "neu")
    dialog = EnrolDialog(db, "i.ross", first_start=True)
    qtbot.addWidget(dialog)
    dialog.show()
    try:
        _fill(dialog, proxy.url, admin.enrolment_code(server.db, town.office_id), "Ingrid Roß")
        dialog.enrol_button.click()
        qtbot.waitUntil(lambda: not dialog.busy, timeout=WAIT_MS)
        assert proxy.dropped == [("/v1/pull", "request")]
        assert dialog.errors.text() == INTERRUPTED and dialog.isVisible()
        assert load_workspace(db, "i.ross") is None

        # "Einrichten" again, as the message says: the rest is downloaded, the set-up finished,
        # and no second code is needed (the one typed stays unspent for another folder).
        spare = admin.enrolment_code(server.db, town.office_id)
        _fill(dialog, server.url, spare, "Ingrid Roß")
        with qtbot.waitSignal(dialog.accepted, timeout=WAIT_MS):
            dialog.enrol_button.click()
        ws = load_workspace(db, "i.ross")
        assert ws is not None and ws.office.id == town.office_id
        assert ws.clerk is not None and ws.clerk.display_name == "Ingrid Roß"
        fresh = _enrolled_with(server, spare, tmp_path / "leer", "i.ross", "Ingrid Roß")
        assert fresh.office.id == town.office_id
        fresh.db.close()
    finally:
        proxy.close()
        QThreadPool.globalInstance().waitForDone(WAIT_MS)
        db.close()


# -- the start of the application ---------------------------------------------------------------
def test_first_start_with_a_code_after_a_wrong_one_opens_the_window_on_the_new_workstation(  # type: ignore[no-untyped-def]
    qapp, server: ServerThread, town: Town, tmp_path: Path, capsys
) -> None:
    code = admin.enrolment_code(server.db, town.office_id)
    said: list[str] = []

    def wrong_code(dialog: QWidget) -> None:
        assert isinstance(dialog, EnrolDialog)
        _fill(dialog, server.url, "FALSCH-0000-0000-0000", "Ingrid Roß")
        dialog.enrol_button.click()

    def right_code(dialog: QWidget) -> None:
        assert isinstance(dialog, EnrolDialog)
        said.append(dialog.errors.text())
        dialog.code.setText(code)
        dialog.enrol_button.click()

    data = tmp_path / "neu"
    steps = (
        (FirstStartDialog, lambda d: d.enrol_button.click()),
        (EnrolDialog, wrong_code),
        (EnrolDialog, right_code),
    )
    with Clerk(*steps) as clerk:
        assert app.main(["--data-dir", str(data), "--exit-when-ready"]) == 0
    assert not clerk.steps
    # No message box: this login became the first person.
    assert [title for title, _ in clerk.seen] == [
        "KommuneDesk einrichten",
        "Mit einem Abgleichsserver verbinden",
        "Mit einem Abgleichsserver verbinden",
    ]
    assert said[0].startswith(INVALID_CODE)
    assert "ready 0" in capsys.readouterr().out  # the main window opened on the empty Posteingang

    db = Database.open(data)
    ws = load_workspace(db, current_os_login())
    assert ws is not None and ws.clerk is not None
    assert (ws.office.id, ws.municipality.id, ws.municipality.name) == (
        town.office_id, town.municipality_id, "Nauheim",
    )  # fmt: skip
    assert (ws.clerk.display_name, ws.clerk.role) == ("Ingrid Roß", Role.ADMINISTRATION)
    assert sync_status(db).enrolled
    sync_once(db)  # the first person reached the server: other workstations will know her
    db.close()
    with server.db.transaction() as tx:
        assert tx.one("SELECT count(*) FROM entities WHERE kind = 'clerks'")[0] == 1


def test_a_further_workstation_gets_the_towns_work_and_an_unmapped_login_is_told(  # type: ignore[no-untyped-def]
    qapp, server: ServerThread, town: Town, tmp_path: Path
) -> None:
    first = enrolled_workstation(server, town, tmp_path / "a", "anna", "Anna Admin")
    application_id = _register(first)
    sync_once(first.db)
    code = admin.enrolment_code(server.db, town.office_id)

    def enter_code(dialog: QWidget) -> None:
        assert isinstance(dialog, EnrolDialog)
        _fill(dialog, server.url, code, "Ingrid Roß")
        dialog.enrol_button.click()

    data = tmp_path / "b"
    steps = (
        (FirstStartDialog, lambda d: d.enrol_button.click()),
        (EnrolDialog, enter_code),
        (QMessageBox, lambda box: box.accept()),
    )
    with Clerk(*steps) as clerk:
        assert app.main(["--data-dir", str(data), "--exit-when-ready"]) == 0
    assert not clerk.steps
    title, text = clerk.seen[-1]
    assert title == "Arbeitsplatz eingerichtet"
    assert "Rathaus Nauheim (Nauheim)" in text
    assert f"Ihre Anmeldung »{current_os_login()}« ist dort aber noch keiner Person zugeordnet" in text
    assert "Administration" in text

    db = Database.open(data)
    ws = load_workspace(db, current_os_login())
    assert ws is not None and ws.office.id == town.office_id and ws.clerk is None
    assert load_workspace(db, "anna").clerk.display_name == "Anna Admin"  # the people came from the server
    assert _scalar(db, "SELECT count(*) FROM clerks WHERE display_name = 'Ingrid Roß'") == 0
    assert _scalar(db, "SELECT count(*) FROM applications WHERE id = ?", application_id) == 1
    db.close()
    first.db.close()


def test_cancelling_the_code_dialog_goes_back_to_the_first_start(  # type: ignore[no-untyped-def]
    qapp, server: ServerThread, tmp_path: Path
) -> None:
    kept: list[str] = []

    def type_then_choose_code(dialog: QWidget) -> None:
        assert isinstance(dialog, FirstStartDialog)
        dialog.municipality.setText("Nauheim")  # begun, then the clerk remembers the code
        dialog.enrol_button.click()

    def cancel(dialog: QWidget) -> None:
        assert isinstance(dialog, EnrolDialog)
        _fill(dialog, server.url, "FALSCH-0000-0000-0000", "Ingrid Roß")
        dialog.buttons.rejected.emit()  # "Abbrechen"

    def back_at_the_choice(dialog: QWidget) -> None:
        assert isinstance(dialog, FirstStartDialog)
        kept.append(dialog.municipality.text())
        dialog.reject()

    data = tmp_path / "abgebrochen"
    steps = (
        (FirstStartDialog, type_then_choose_code),
        (EnrolDialog, cancel),
        (FirstStartDialog, back_at_the_choice),
    )
    with Clerk(*steps) as clerk:
        assert app.main(["--data-dir", str(data), "--exit-when-ready"]) == 0
    assert not clerk.steps
    assert [title for title, _ in clerk.seen] == [
        "KommuneDesk einrichten", "Mit einem Abgleichsserver verbinden", "KommuneDesk einrichten",
    ]  # fmt: skip
    assert kept == ["Nauheim"]  # the first-start dialog is the same, with what was typed
    db = Database.open(data)
    assert _nothing_set_up(db)
    db.close()
