"""``kommune-desk``: the GUI entry point (a gui-script, so Windows opens no console)."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QEventLoop, QLockFile, QSettings, Qt, QThreadPool, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressBar, QProgressDialog, QWidget

from . import APP_NAME, ORGANIZATION
from .locations import resolve_data_dir
from .logging_setup import configure_logging
from .resources import APP_ICON
from .services.maintenance import IntegrityCheck
from .services.workspace import Workspace, current_os_login, load_workspace, open_database
from .storage.database import Database
from .storage.errors import StorageError
from .ui.errors import install_excepthook, show_error

if TYPE_CHECKING:
    from .ui.main_window import MainWindow
from .ui.translations import install_german
from .ui.workers import start_task

log = logging.getLogger(__name__)
# Waiting for workers at exit: in steps (logged), up to a limit well above the sync transport's
# timeout for one request (30 s), so a round that was asked to stop always gets to its safe point.
SHUTDOWN_STEP_MS = 5_000
SHUTDOWN_WAIT_S = 120.0
GUI_DEMO_APPLICATIONS = 10_000
GUI_DEMO_EVENTS = 100_000


class _ShowVersion(argparse.Action):
    """``--version``: printed, or in a message box where there is no console (pythonw on Windows)."""

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        import kommune_desk

        text = f"{APP_NAME} {kommune_desk.__version__}"
        if sys.stdout is not None:
            print(text)
        else:  # pragma: no cover - Windows without a console
            _app = QApplication.instance() or QApplication(sys.argv[:1])
            QMessageBox.information(None, APP_NAME, text)
        parser.exit()


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="kommune-desk", description="KommuneDesk starten")
    parser.add_argument("--data-dir", help="Datenordner (Standard: lokaler App-Ordner)")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="Ohne vorhandene Daten gleich die Demo des Kreises Groß-Gerau erzeugen",
    )
    parser.add_argument(
        "--als",
        metavar="ANMELDUNG",
        help="Nur in der Demo: als diese Anmeldung arbeiten, z. B. m.yilmaz (Sachbearbeitung) oder "
        "r.hofmann (Teamleitung), um das Vier-Augen-Prinzip auszuprobieren",
    )
    parser.add_argument(
        "--version", action=_ShowVersion, nargs=0, help="Programmversion anzeigen und beenden"
    )
    # For benchmarks and smoke tests: quit as soon as the Posteingang shows rows.
    parser.add_argument("--exit-when-ready", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(sys.argv[1:] if argv is None else argv)
    log_file = str(configure_logging())
    from .windows_shell import set_app_user_model_id

    set_app_user_model_id()  # Windows: the taskbar groups our windows as KommuneDesk, not Python
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORGANIZATION)
    app.setWindowIcon(QIcon(str(APP_ICON)))
    install_german(app)
    install_excepthook(log_file)

    data_dir = resolve_data_dir(args.data_dir)
    try:
        db = open_database(data_dir)
    except StorageError as exc:
        log.warning("start refused: %s", type(exc).__name__)
        show_error(None, exc.title, exc.message)
        return 1
    lock = QLockFile(str(data_dir / "kommune-desk.lock"))
    if not lock.tryLock(200):
        db.close()
        show_error(
            None,
            "KommuneDesk ist bereits geöffnet",
            f"KommuneDesk ist mit dem Datenordner {data_dir} bereits geöffnet. "
            "Bitte wechseln Sie zu dem offenen Fenster.",
        )
        return 1
    try:
        return _run(app, db, args, log_file)
    finally:
        db.close()
        lock.unlock()


def _run(app: QApplication, db: Database, args: argparse.Namespace, log_file: str) -> int:
    workspace = load_workspace(db)
    if workspace is None:
        workspace = _first_start(db, demo=args.demo)
        if workspace is None:
            return 0
    if args.als:
        workspace = _as_demo_clerk(workspace, args.als)
        if workspace is None:
            return 2
    from .ui.main_window import MainWindow

    settings = QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APP_NAME)
    window = MainWindow(workspace, settings, log_file)
    checker = IntegrityCheck(db)
    # quick_check reads the whole file; it starts once the first rows are on screen.
    window.inbox_ready.connect(
        lambda: _start_integrity_check(window, checker), Qt.ConnectionType.SingleShotConnection
    )
    if args.exit_when_ready:
        window.inbox_ready.connect(lambda: QTimer.singleShot(0, lambda: _report_ready(window)))
    window.show()
    log.info("main window shown")
    try:
        return app.exec()
    finally:
        checker.interrupt()
        finish_background_work(db)


def finish_background_work(db: Database, limit_s: float = SHUTDOWN_WAIT_S) -> bool:
    """Let the workers end before the database closes and Python exits; True if all did.

    The window has already waited for its own sync round. A round of another kind (the
    enrolment dialog's) is asked to end at its next safe point; its request in flight is bounded by
    the transport's timeouts. The rest is local work of bounded length (a backup, a page of rows).
    The limit only guards against a worker stuck for good (a hung network share): the process must
    not hold the data folder's lock forever. Even then the writer connection closes between
    transactions (``Database.close`` waits for the write lock), so nothing is left half written.
    """
    from .sync.stopping import request_stop

    request_stop(db)
    pool = QThreadPool.globalInstance()
    deadline = time.monotonic() + limit_s
    while True:
        left_ms = max(0, int((deadline - time.monotonic()) * 1000))
        if pool.waitForDone(min(SHUTDOWN_STEP_MS, left_ms)):
            return True
        if time.monotonic() >= deadline:
            log.error("closing with %d background task(s) still running", pool.activeThreadCount())
            return False
        log.info("waiting for %d background task(s) before closing the database", pool.activeThreadCount())


def _as_demo_clerk(workspace: Workspace, login: str) -> Workspace | None:
    """The demo as another of its clerks (``--als``), to try the 4-eyes step from both sides.

    Only on a database the demo generator made: with real data everyone works under their own
    OS login, and this option changes nothing about that.
    """
    from .services.clerks import list_clerks
    from .services.demo import is_demo_database

    if not is_demo_database(workspace.db):
        log.warning("--als refused: not a demo database")
        show_error(
            None,
            "Nur in der Demo möglich",
            "Als jemand anderes arbeiten (--als) kann man nur in der Demo. Mit echten Daten arbeiten "
            f"Sie immer unter Ihrer eigenen Anmeldung »{workspace.os_login}«. Bitte starten Sie "
            "KommuneDesk ohne --als.",
        )
        return None
    other = load_workspace(workspace.db, login.strip())
    if other is None or other.clerk is None:
        choices = ", ".join(
            f"{c.os_login} ({c.display_name}, {c.role.label})"
            for c in list_clerks(workspace)
            if c.os_login != workspace.os_login
        )
        show_error(
            None,
            "Anmeldung in der Demo unbekannt",
            f"In der Demo ist die Anmeldung »{login.strip()}« niemandem zugeordnet. Möglich sind: {choices}.",
        )
        return None
    log.info("demo: working as another demo clerk")
    return other


def _report_ready(window: MainWindow) -> None:
    """For benchmarks and smoke tests: paint the rows, say so, and close."""
    if window.inbox_page is not None:
        window.inbox_page.table.viewport().repaint()  # measured once the rows are really drawn
    print(f"ready {window.inbox_model.rowCount()}", flush=True)
    QTimer.singleShot(0, window.close)


def _start_integrity_check(window: QWidget, checker: IntegrityCheck) -> None:
    """Run quick_check in a worker and warn the clerk if the file is damaged."""

    def report(problems: list[str] | None) -> None:
        if problems:
            log.error("quick_check found %d problems", len(problems))
            QMessageBox.warning(
                window,
                "Datenbank beschädigt",
                "Die Prüfung der Datenbank hat Fehler gefunden. Bitte arbeiten Sie nicht weiter "
                "und verständigen Sie Ihre IT-Betreuung: Sie kann die letzte Sicherung "
                "zurückspielen (kommune-desk-cli restore).",
            )

    start_task(
        checker.run,
        on_done=report,
        on_error=lambda exc: log.warning("quick_check failed: %s", type(exc).__name__),
    )


def _first_start(db: Database, *, demo: bool) -> Workspace | None:
    from .domain.validation import ValidationError
    from .services.setup import set_up_office
    from .ui.first_start import FirstStartDialog

    login = current_os_login()
    if demo:
        return _build_demo(db, login)
    dialog = FirstStartDialog(login, str(db.data_dir))
    while dialog.exec() == FirstStartDialog.DialogCode.Accepted:
        if dialog.choice == "demo":
            workspace = _build_demo(db, login)
            if workspace is not None:
                return workspace
            continue
        if dialog.choice == "enrol":
            workspace = _enrol_workstation(db, login)
            if workspace is not None:
                return workspace
            continue  # cancelled: back to the three choices
        try:
            set_up_office(db, dialog.setup_input())
        except ValidationError as exc:
            dialog.show_problems(exc.messages)
            continue
        return load_workspace(db, login)
    return None


def _enrol_workstation(db: Database, login: str) -> Workspace | None:
    """ "Mit einem Abgleichsserver verbinden": a workstation of a town that works with the Kreis' sync
    server, its office and municipality from the server. The enrolment runs in the dialog's worker;
    a refusal is explained there and may be corrected. None when the clerk cancels."""
    from .ui.enrol_dialog import EnrolDialog

    dialog = EnrolDialog(db, login, first_start=True)
    dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
    if dialog.exec() != EnrolDialog.DialogCode.Accepted:
        return None
    log.info("first start: workstation enrolled with a one-time code")
    workspace = load_workspace(db, login)
    if workspace is not None and workspace.clerk is None:
        # The municipality had its people on the server already, and this login is not one of them.
        QMessageBox.information(
            None,
            "Arbeitsplatz eingerichtet",
            f"Dieser Arbeitsplatz ist für {workspace.office.name} ({workspace.municipality.name}) "
            f"eingerichtet.\n\nIhre Anmeldung »{login or 'unbekannt'}« ist dort aber noch keiner Person "
            "zugeordnet. Bis die Administration sie zuordnet, zeigt KommuneDesk keine Anträge an. "
            "Bitte wenden Sie sich an Ihre Administration.",
        )
    return workspace


def _build_demo(db: Database, login: str) -> Workspace | None:
    """Build the GUI demo in a worker behind a cancellable progress dialog."""
    from .demo.generator import DemoOptions
    from .services.demo import DemoCancelledError, build_demo

    options = DemoOptions(
        GUI_DEMO_APPLICATIONS, GUI_DEMO_EVENTS, seed=1, today=dt.date.today(), os_login=login or "demo"
    )
    cancel = threading.Event()
    dialog = QProgressDialog("Demo-Daten werden erzeugt …", "Abbrechen", 0, 100)
    dialog.setWindowTitle("Demo ausprobieren")
    dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
    dialog.setMinimumDuration(0)
    bar = QProgressBar(dialog)
    bar.setFormat("%p\u00a0%")  # German: a space before the percent sign
    dialog.setBar(bar)
    dialog.canceled.connect(cancel.set)
    loop = QEventLoop()
    outcome: dict[str, object] = {}

    def done(result: object) -> None:
        outcome["result"] = result
        loop.quit()

    def failed(exc: BaseException) -> None:
        outcome["error"] = exc
        loop.quit()

    def progress(percent: int, text: str) -> None:
        dialog.setValue(percent)
        dialog.setLabelText(text)

    def run(progress: Callable[[int, str], None]) -> object:
        return build_demo(db, options, progress, should_stop=cancel.is_set)

    start_task(run, on_done=done, on_error=failed, on_progress=progress)
    loop.exec()
    dialog.close()
    error = outcome.get("error")
    if isinstance(error, DemoCancelledError):
        return None
    if isinstance(error, StorageError):
        show_error(None, error.title, error.message)
        return None
    if error is not None:
        log.error("demo build failed: %s", type(error).__name__)
        show_error(
            None,
            "Demo konnte nicht erzeugt werden",
            "Die Demo-Daten konnten nicht erzeugt werden; es wurde nichts gespeichert.",
        )
        return None
    return load_workspace(db, login)


if __name__ == "__main__":
    sys.exit(main())
