"""The main window: navigation, the four sections, menus and the status bar."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings, QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDesktopServices,
    QDragEnterEvent,
    QDropEvent,
    QIcon,
    QKeySequence,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QProgressDialog,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kommune_desk import APP_NAME
from kommune_desk.domain.formatting import format_date
from kommune_desk.resources import icon_path
from kommune_desk.services.errors import StorageError
from kommune_desk.services.workspace import Workspace

from .import_flow import ImportController, summary
from .inbox_model import InboxModel
from .inbox_page import InboxPage
from .placeholder_page import NoAccessPage
from .run import explain_failure, run_service
from .sync_status import SyncState, SyncStatusWidget
from .workers import start_task

DROP_FOLDER_KEY = "eingang/ablageordner"
SMALL_SCREEN_WIDTH = 1400  # below it (1280×720, 1366×768) the first start fills the screen
if TYPE_CHECKING:
    from kommune_desk.services.sync import Enrolment
    from kommune_desk.sync.engine import RoundReport

    from .conflicts_page import ConflictsPage
    from .enrol_dialog import EnrolDialog
    from .geraeteverleih.daily import PoolDaily
    from .geraeteverleih.section import GeraeteverleihSection
    from .new_application_dialog import NewApplicationDialog
    from .statistik.page import StatistikPage
    from .sync_controller import SyncController

SECTIONS = ("Posteingang", "Geräteverleih", "Statistik", "Konflikte")
_MENU_TEXTS = ("&Posteingang", "&Geräteverleih", "&Statistik", "&Konflikte")  # unique Alt keys
_ICONS = ("posteingang", "geraeteverleih", "statistik", "synchronisation")
POOL_SECTION = 1
STATISTIK_SECTION = 2
CONFLICTS_SECTION = 3
SYNC_START_DELAY_MS = 300  # the first sync work waits until the Posteingang is painted
POOL_DAILY_DELAY_MS = 1500  # after the first sync work has started: housekeeping waits its turn
BACKUP_DELAY_MS = 3000  # the daily backup reads the whole database: after the start has settled
CLOSING_NOTICE_DELAY_MS = 400  # a sync round that ends at once closes the window without a word
CLOSING_NOTICE = (
    "Der Abgleich wird beendet …\n\nKommuneDesk schließt, sobald die laufende Übertragung "
    "abgeschlossen ist. Ihre Daten sind gespeichert."
)


class LazySection(QWidget):
    """Holds a page that is built the first time the section is shown: its module, widgets and
    data stay out of start-up."""

    def __init__(self, build: Callable[[], QWidget]) -> None:
        super().__init__()
        self._build = build
        self.page: QWidget | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

    def ensure_built(self) -> QWidget:
        if self.page is None:
            self.page = self._build()
            self.layout().addWidget(self.page)
        return self.page

    def showEvent(self, event: QShowEvent) -> None:
        self.ensure_built()
        super().showEvent(event)


class MainWindow(QMainWindow):
    inbox_ready = Signal()  # the first rows of the Posteingang are on screen

    def __init__(self, workspace: Workspace, settings: QSettings, log_file: str) -> None:
        super().__init__()
        self.workspace = workspace
        self.settings = settings
        self.log_file = log_file
        self.setWindowTitle(f"{APP_NAME} – {workspace.municipality.name}")
        self.setMinimumSize(QSize(1000, 560))

        self.inbox_model = InboxModel.for_workspace(workspace, parent=self)
        self.inbox_model.set_initial_order(
            int(settings.value("posteingang/sort_column", 1) or 1),
            str(settings.value("posteingang/sort_descending", "true")).lower() == "true",
        )
        self.inbox_page = InboxPage(self.inbox_model, workspace) if workspace.clerk else None
        self.inbox_model.first_page_shown.connect(self.inbox_ready.emit)
        self.importer = ImportController(workspace, self)
        self.importer.finished.connect(self._imported)
        if self.inbox_page is not None:
            self.inbox_page.new_application_requested.connect(self.new_application)
            self.inbox_page.import_requested.connect(self.importer.choose_and_import)
            self.setAcceptDrops(True)

        self.navigation = QListWidget()
        self.navigation.setObjectName("navigation")
        self.navigation.setFixedWidth(190)
        self.navigation.setIconSize(QSize(22, 22))
        self.navigation.setAccessibleName("Bereiche")
        self.pages = QStackedWidget()
        self._pool_page: GeraeteverleihSection | None = None
        self.pool_section = LazySection(self._build_pool_page)
        self._conflicts_page: ConflictsPage | None = None
        self.conflicts_section = LazySection(self._build_conflicts_page)
        self._statistik_page: StatistikPage | None = None
        self.statistik_section = LazySection(self._build_statistik_page)
        for index, name in enumerate(SECTIONS):
            item = QListWidgetItem(QIcon(icon_path(_ICONS[index])), name)
            item.setSizeHint(QSize(170, 40))
            self.navigation.addItem(item)
            if index == 0:
                page = self.inbox_page or NoAccessPage(workspace.os_login)
            elif index == POOL_SECTION:
                page = self.pool_section
            elif index == CONFLICTS_SECTION:
                page = self.conflicts_section
            elif workspace.clerk is not None:
                page = self.statistik_section
            else:
                page = NoAccessPage(workspace.os_login)
            self.pages.addWidget(page)
        self.navigation.currentRowChanged.connect(self.pages.setCurrentIndex)

        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addWidget(self.navigation)
        layout.addWidget(self.pages, 1)
        self.setCentralWidget(central)

        self._watching = False
        self._sync: SyncController | None = None
        self._quit_confirmed = False
        self._waiting_for_sync = False
        self.closing_notice: QProgressDialog | None = None
        self.inbox_ready.connect(lambda: QTimer.singleShot(SYNC_START_DELAY_MS, self, self._start_sync))
        self._pool_daily: PoolDaily | None = None
        # Housekeeping waits until the window is up and the first sync work has started.
        self.inbox_ready.connect(
            lambda: QTimer.singleShot(
                POOL_DAILY_DELAY_MS, self, lambda: start_task(_clear_stale_copies, workspace)
            )
        )
        self.inbox_ready.connect(lambda: QTimer.singleShot(POOL_DAILY_DELAY_MS, self, self._start_pool_daily))
        self.inbox_ready.connect(lambda: QTimer.singleShot(BACKUP_DELAY_MS, self, self.start_daily_backup))
        self._build_menus()
        self._build_status_bar()
        self._restore_state()

    # -- navigation ------------------------------------------------------------------------
    def show_section(self, index: int) -> None:
        self.navigation.setCurrentRow(index)

    def current_section(self) -> str:
        return SECTIONS[self.pages.currentIndex()]

    def pool_page(self) -> GeraeteverleihSection:
        """The Geräteverleih section, built now if the clerk has not opened it yet."""
        self.pool_section.ensure_built()
        assert self._pool_page is not None
        return self._pool_page

    def _build_pool_page(self) -> QWidget:
        from .geraeteverleih.section import GeraeteverleihSection

        self._pool_page = GeraeteverleihSection(self.workspace)
        return self._pool_page

    def statistik_page(self) -> StatistikPage:
        """The Statistik page, built now if the clerk has not opened it yet."""
        self.statistik_section.ensure_built()
        assert self._statistik_page is not None
        return self._statistik_page

    def _build_statistik_page(self) -> QWidget:
        from .statistik.page import StatistikPage

        self._statistik_page = StatistikPage(self.workspace)
        return self._statistik_page

    def conflicts_page(self) -> ConflictsPage:
        """The Konflikte page, built now if the clerk has not opened it yet."""
        self.conflicts_section.ensure_built()
        assert self._conflicts_page is not None
        return self._conflicts_page

    def _build_conflicts_page(self) -> QWidget:
        from .conflicts_page import ConflictsPage

        self._conflicts_page = ConflictsPage(self.workspace)
        self._conflicts_page.resolved.connect(self._conflict_resolved)
        return self._conflicts_page

    def refresh(self) -> None:
        """F5: read the Posteingang again, and the device list and conflicts if they were opened."""
        self.inbox_model.reload()
        if self.inbox_page is not None:
            self.inbox_page.refresh_open_case()
        if self._pool_page is not None:
            self._pool_page.refresh()
        if self._conflicts_page is not None:
            self._conflicts_page.refresh()
        if self._statistik_page is not None:
            self._statistik_page.refresh()
        if self._sync is not None:
            self._sync.refresh_status()

    # -- menus -------------------------------------------------------------------------------
    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&Datei")
        if self.inbox_page is not None:
            new = QAction("&Neuer Antrag …", self)
            new.setShortcut(QKeySequence(QKeySequence.StandardKey.New))
            new.triggered.connect(self.new_application)
            file_menu.addAction(new)
            import_zip = QAction("Online-Anträge &importieren (ZIP) …", self)
            import_zip.setShortcut(QKeySequence("Ctrl+I"))
            import_zip.triggered.connect(self.importer.choose_and_import)
            file_menu.addAction(import_zip)
            import_folder = QAction("Einreichungs&ordner importieren …", self)
            import_folder.triggered.connect(self.importer.choose_folder_and_import)
            file_menu.addAction(import_folder)
            file_menu.addSeparator()
            print_notices = QAction("Bescheide &drucken …", self)
            print_notices.triggered.connect(self.print_notices)
            file_menu.addAction(print_notices)
            templates = QAction("&Textbausteine …", self)
            templates.triggered.connect(self.edit_templates)
            file_menu.addAction(templates)
            notice_settings = QAction("Bescheid-Ein&stellungen …", self)
            notice_settings.triggered.connect(self.edit_notice_settings)
            file_menu.addAction(notice_settings)
            authority = QAction("&Behörde und Kontaktdaten …", self)
            authority.triggered.connect(self.edit_authority)
            file_menu.addAction(authority)
            file_menu.addSeparator()
            settings = QAction("&Einstellungen …", self)
            settings.triggered.connect(self.edit_settings)
            file_menu.addAction(settings)
            self.enrol_action = QAction("Abgleich ein&richten …", self)
            self.enrol_action.triggered.connect(self.enrol)
            self.enrol_action.setEnabled(False)  # until the status says this folder is not enrolled
            file_menu.addAction(self.enrol_action)
        self.sync_action = QAction("Jetzt s&ynchronisieren", self)
        self.sync_action.setShortcut(QKeySequence("F9"))
        self.sync_action.triggered.connect(lambda: self.sync.sync_now())
        self.sync_action.setEnabled(False)
        file_menu.addAction(self.sync_action)
        open_data = QAction("&Datenordner öffnen", self)
        open_data.triggered.connect(lambda: self._open_folder(str(self.workspace.db.data_dir)))
        file_menu.addAction(open_data)
        file_menu.addSeparator()
        quit_action = QAction("&Beenden", self)
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        view_menu = self.menuBar().addMenu("&Ansicht")
        for index, text in enumerate(_MENU_TEXTS):
            action = QAction(text, self)
            action.setShortcut(QKeySequence(f"Ctrl+{index + 1}"))
            action.triggered.connect(lambda _checked=False, i=index: self.show_section(i))
            view_menu.addAction(action)
        view_menu.addSeparator()
        refresh = QAction("&Aktualisieren", self)
        refresh.setShortcut(QKeySequence(QKeySequence.StandardKey.Refresh))
        refresh.triggered.connect(self.refresh)
        view_menu.addAction(refresh)

        help_menu = self.menuBar().addMenu("&Hilfe")
        manual = QAction("&Handbuch", self)
        manual.setShortcut(QKeySequence("F1"))
        manual.triggered.connect(self.show_help)
        help_menu.addAction(manual)
        show_log = QAction("&Protokolldatei öffnen", self)
        show_log.triggered.connect(lambda: self._open_folder(self.log_file))
        help_menu.addAction(show_log)
        help_menu.addSeparator()
        about = QAction(f"Ü&ber {APP_NAME}", self)
        about.triggered.connect(self.show_about)
        help_menu.addAction(about)

    def new_application(self) -> NewApplicationDialog:
        """Open the manual entry dialog (non-modal, so the clerk can look things up meanwhile)."""
        from .new_application_dialog import NewApplicationDialog

        dialog = NewApplicationDialog(self.workspace, self)
        dialog.registered.connect(self._registered)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def print_notices(self) -> QDialog:
        """The Postausgang: released letters printed in one job, then recorded as sent."""
        from .batch_print_dialog import BatchPrintDialog

        dialog = BatchPrintDialog(self.workspace, self)
        dialog.sent.connect(lambda _count: self.inbox_model.reload())  # sent decisions move cases on
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def edit_templates(self) -> QDialog:
        from .template_editor import TemplateEditor

        dialog = TemplateEditor(self.workspace, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def edit_notice_settings(self) -> QDialog:
        from .notice_settings_dialog import NoticeSettingsDialog

        dialog = NoticeSettingsDialog(self.workspace, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def edit_authority(self) -> QDialog:
        """Stadt or Gemeinde, name and contact data that every letter prints (Teamleitung, Administration)."""
        from .authority_dialog import AuthorityDialog

        dialog = AuthorityDialog(self.workspace, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    # -- import ------------------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self.inbox_page is not None and any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.importer.import_paths(paths)

    def _imported(self, results: list[object]) -> None:
        if results:
            self.inbox_model.reload()
            self.statusBar().showMessage(f"Import: {summary(results)}", 15_000)

    def edit_settings(self) -> None:
        from kommune_desk.services.backups import backup_settings, save_backup_settings

        from .settings_dialog import SettingsDialog

        backups = backup_settings(self.workspace.db)  # two settings rows: no worker needed
        dialog = SettingsDialog(str(self.settings.value(DROP_FOLDER_KEY, "") or ""), backups, self)
        if dialog.exec():
            folder = dialog.chosen_folder()
            self.settings.setValue(DROP_FOLDER_KEY, folder)
            self.importer.watch(Path(folder) if folder else None)
            run_service(self, save_backup_settings, self.workspace.db, *dialog.chosen_backup())

    # -- sync --------------------------------------------------------------------------------------
    @property
    def sync(self) -> SyncController:
        """The background sync; made on first use, so its module stays out of start-up."""
        if self._sync is None:
            from .sync_controller import SyncController

            self._sync = SyncController(self.workspace.db, self)
            self._sync.status_changed.connect(self._sync_state_changed)
            self._sync.round_finished.connect(self._sync_round_finished)
        return self._sync

    def _start_sync(self) -> None:
        if self.isVisible():  # not after a quick close (--exit-when-ready, tests)
            self.sync.start()

    def enrol(self) -> EnrolDialog:
        """ "Abgleich einrichten": the server address and the office's one-time code."""
        from .enrol_dialog import EnrolDialog

        state = self.sync.state
        dialog = EnrolDialog(
            self.workspace.db, self.workspace.os_login, self, server_url=state.server_url or "",
            again=bool(state.enrolled),
        )  # fmt: skip
        dialog.enrolled.connect(self._enrolled)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _enrolled(self, enrolment: Enrolment) -> None:
        self.statusBar().showMessage(enrolment.message(), 15_000)
        if enrolment.again:  # rare and important: what became of the waiting work, said plainly
            box = QMessageBox(
                QMessageBox.Icon.Information, "Abgleich neu eingerichtet", enrolment.message(),
                QMessageBox.StandardButton.Ok, self,
            )  # fmt: skip
            box.setObjectName("enrolmentResult")
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()
        self.refresh()
        self.sync.sync_now()

    def _sync_state_changed(self, state: SyncState) -> None:
        self.sync_status.show_state(state)
        self.sync_action.setEnabled(bool(state.enrolled) and not state.running)
        if self.inbox_page is not None:
            self.enrol_action.setEnabled(state.enrolled is False or bool(state.locked_out))
        item = self.navigation.item(CONFLICTS_SECTION)
        count = state.open_conflicts
        item.setText(f"Konflikte ({count})" if count else "Konflikte")
        font = item.font()
        font.setBold(count > 0)
        item.setFont(font)
        if self._conflicts_page is not None and count != len(self._conflicts_page.conflicts()):
            self._conflicts_page.refresh()

    def pool_daily(self) -> PoolDaily:
        """The Geräteverleih's daily work, made when first needed (not on the start-up path)."""
        if self._pool_daily is None:
            from .geraeteverleih.daily import PoolDaily

            self._pool_daily = PoolDaily(self.workspace, self)
            self._pool_daily.overdue.connect(self._show_overdue)
            self._pool_daily.message.connect(lambda text: self.statusBar().showMessage(text, 15000))
        return self._pool_daily

    def _start_pool_daily(self) -> None:
        self.pool_daily().start()

    def _show_overdue(self, own: int, everywhere: int) -> None:
        """The navigation names the pool's overdue loans; bold if some are this town's to chase."""
        item = self.navigation.item(POOL_SECTION)
        item.setText(f"Geräteverleih ({everywhere})" if everywhere else "Geräteverleih")
        item.setToolTip(
            f"{everywhere} überfällige Ausleihe(n) im Pool, davon {own} Ihrer Gemeinde" if everywhere else ""
        )
        font = item.font()
        font.setBold(own > 0)
        item.setFont(font)

    def _sync_round_finished(self, report: RoundReport) -> None:
        if report.pulled or report.rebuilt:  # others' work arrived: show it
            self.pool_daily().run()  # a return or cancellation elsewhere may free a device for our list
            self.inbox_model.reload()
            if self._pool_page is not None:
                self._pool_page.refresh()

    def _conflict_resolved(self, _resolution: str) -> None:
        self.inbox_model.reload()  # "erneut übernehmen" changed a case
        self.sync.sync_now()  # tell the other workstations soon

    def _registered(self, application_id: str) -> None:
        self.inbox_model.reload()
        self.statusBar().showMessage("Der Antrag wurde erfasst.", 5000)
        if self.inbox_page is not None:
            self.show_section(0)
            self.inbox_page.open_case(application_id)

    def _open_folder(self, path: str) -> None:
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(path)):
            QMessageBox.information(
                self,
                "Öffnen nicht möglich",
                f"Der Ordner oder die Datei konnte nicht geöffnet werden. Sie liegt hier:\n{path}",
            )

    def show_help(self) -> QWidget:
        """F1: the Handbuch in a window of its own, at the chapter of the section in use. Its
        module is imported here, on first use, never at start-up."""
        from .help.window import open_help

        chapters = ("antraege.md", "geraeteverleih.md", "statistik.md", "abgleich.md")  # as SECTIONS
        chapter = chapters[self.pages.currentIndex()] if self.workspace.clerk else "erste-schritte.md"
        return open_help(self, chapter)  # an unmapped login is told there how to get access

    def show_about(self) -> QDialog:
        """Hilfe → Über: version, data folder and what the IT support needs to know."""
        from .help.about import AboutDialog

        dialog = AboutDialog(str(self.workspace.db.data_dir), self.log_file, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    # -- status bar ----------------------------------------------------------------------------
    def _build_status_bar(self) -> None:
        ws = self.workspace
        bar = self.statusBar()
        self.office_label = QLabel(f"{ws.municipality.name} · {ws.office.name}")
        if ws.clerk:
            clerk_text = f"{ws.clerk.display_name} ({ws.clerk.role.label})"
        else:
            clerk_text = f"Anmeldung »{ws.os_login}« ist niemandem zugeordnet"
        self.clerk_label = QLabel(clerk_text)
        bar.setStyleSheet("QStatusBar::item { border: none; }")
        for index, label in enumerate((self.office_label, self.clerk_label)):
            label.setStyleSheet("padding: 0 10px;" + ("" if index == 0 else "border-left: 1px solid #bbb;"))
            bar.addPermanentWidget(label)
        self.sync_status = SyncStatusWidget(can_enrol=self.inbox_page is not None)
        self.sync_status.sync_requested.connect(lambda: self.sync.sync_now())
        self.sync_status.conflicts_requested.connect(lambda: self.show_section(CONFLICTS_SECTION))
        self.sync_status.enrol_requested.connect(self.enrol)
        bar.addPermanentWidget(self.sync_status, 1)
        self.backup_label = QLabel()  # filled once the daily backup has looked
        self.backup_label.setObjectName("backupStatus")
        self.backup_label.setStyleSheet("padding: 0 10px;")
        bar.addPermanentWidget(self.backup_label)

    # -- daily backup ------------------------------------------------------------------------------
    def start_daily_backup(self) -> None:
        """Back up in a worker when the last good backup is older than a day (never delaying work).

        The same worker first registers the scheduled task of the daily backup (Windows, installed
        KommuneDesk) when it is missing; a failure there never stops the backup."""
        from kommune_desk.services.backup_task import start_of_day_backup

        start_task(
            start_of_day_backup,
            self.workspace.db,
            on_done=self._backup_done,
            on_error=self._backup_failed,
            owner=self,
        )

    def _backup_done(self, state: Any) -> None:
        if state.last is not None:
            when = f"{format_date(state.last.date())}, {state.last:%H:%M} Uhr"
            self.backup_label.setText(f"Letzte Sicherung: {when}")
            self.backup_label.setStyleSheet("padding: 0 10px;")
        if state.made is not None:
            self.statusBar().showMessage("Die tägliche Sicherung wurde angelegt und geprüft.", 10_000)
        if state.task_problem:
            self.backup_label.setToolTip(state.task_problem)

    def _backup_failed(self, exc: BaseException) -> None:
        self.backup_label.setText("Sicherung fehlgeschlagen")
        self.backup_label.setStyleSheet("padding: 0 10px; color: #a40000; font-weight: 600;")
        if not isinstance(exc, StorageError):
            explain_failure(self, exc)
            return
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Tägliche Sicherung fehlgeschlagen",
            f"{exc}\n\nBitte prüfen Sie den Sicherungsordner unter Datei → Einstellungen oder wenden Sie "
            "sich an Ihre IT-Betreuung. Ihre Arbeit ist davon nicht betroffen.",
            parent=self,
        )
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    # -- persistence -----------------------------------------------------------------------------
    def _restore_state(self) -> None:
        geometry = self.settings.value("main_window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            available = self.screen().availableGeometry()
            self.resize(min(1400, int(available.width() * 0.85)), min(900, int(available.height() * 0.85)))
            if available.width() < SMALL_SCREEN_WIDTH:  # a clerk's laptop: every pixel is needed
                self.setWindowState(self.windowState() | Qt.WindowState.WindowMaximized)
        state = self.settings.value("main_window/state")
        if state is not None:
            self.restoreState(state)
        section = int(self.settings.value("main_window/section", 0) or 0)
        self.show_section(section if 0 <= section < len(SECTIONS) else 0)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        drop_folder = str(self.settings.value(DROP_FOLDER_KEY, "") or "")
        if drop_folder and self.workspace.clerk is not None and not self._watching:
            self._watching = True
            self.importer.watch(Path(drop_folder))
        if self.workspace.clerk is None:
            # No citizens' data for a login nobody has mapped; the page explains why.
            QTimer.singleShot(0, self.inbox_ready.emit)
            return
        self.inbox_model.ensure_loaded()  # once: later shows find it loaded

    def unsaved_letter(self) -> bool:
        """Whether a letter is composed in the open case but not yet saved as a draft."""
        view = self.inbox_page.case_view if self.inbox_page is not None else None
        panel = view.notices_panel if view is not None else None
        return panel is not None and panel.pending is not None

    def _may_quit(self) -> bool:
        if not self.unsaved_letter():
            return True
        answer = QMessageBox.question(
            self,
            "Schreiben nicht gespeichert",
            "Ein Schreiben ist verfasst, aber noch nicht als Entwurf gespeichert. Beim Beenden geht es "
            "verloren.\n\nTrotzdem beenden?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._waiting_for_sync:
            event.ignore()  # closes by itself once the sync round has ended
            return
        if not self._quit_confirmed:
            if not self._may_quit():
                event.ignore()  # the clerk goes back to save the letter
                return
            self._quit_confirmed = True
        if self._sync is not None and self._sync.close():
            # A round is in flight: it ends at its next safe point, then the window closes. The
            # database stays open until then, so the worker never runs against a closed one.
            event.ignore()
            self._wait_for_sync()
            return
        self.settings.setValue("main_window/geometry", self.saveGeometry())
        self.settings.setValue("main_window/state", self.saveState())
        self.settings.setValue("main_window/section", self.pages.currentIndex())
        column, descending = self.inbox_model.sort_order()
        self.settings.setValue("posteingang/sort_column", column)
        self.settings.setValue("posteingang/sort_descending", "true" if descending else "false")
        self.settings.sync()
        if self._sync is not None:
            self._sync.stop()
        from kommune_desk.services.opened_copies import clear_opened_copies

        clear_opened_copies(self.workspace)  # citizens' files opened for viewing do not stay behind
        self.inbox_model.close()
        super().closeEvent(event)

    def _wait_for_sync(self) -> None:
        """Nothing more to do here while the round ends; a word if that takes more than a moment."""
        assert self._sync is not None
        self._waiting_for_sync = True
        for part in (self.centralWidget(), self.menuBar(), self.statusBar()):
            part.setEnabled(False)
        self._sync.ended.connect(self._sync_ended_for_close, Qt.ConnectionType.SingleShotConnection)
        QTimer.singleShot(CLOSING_NOTICE_DELAY_MS, self, self._show_closing_notice)

    def _show_closing_notice(self) -> None:
        if not self._waiting_for_sync:
            return
        notice = QProgressDialog(CLOSING_NOTICE, "", 0, 0, self)
        notice.setObjectName("closingNotice")
        notice.setWindowTitle(f"{APP_NAME} wird beendet")
        notice.setCancelButton(None)  # the round cannot be left half done; it ends by itself
        notice.setWindowModality(Qt.WindowModality.WindowModal)
        notice.setMinimumDuration(0)
        notice.show()
        self.closing_notice = notice

    def _sync_ended_for_close(self) -> None:
        self._waiting_for_sync = False
        if self.closing_notice is not None:
            self.closing_notice.reset()
            self.closing_notice.deleteLater()
            self.closing_notice = None
        self.close()


def table_is_filled(window: MainWindow) -> bool:
    """Whether the Posteingang shows real rows (used by smoke tests and the benchmark)."""
    model = window.inbox_model
    return model.rowCount() > 0 and model.data(model.index(0, 0)) not in (None, "…")


def _clear_stale_copies(workspace: Workspace) -> int:
    """Copies of attachments a crash or power cut left behind, deleted at the next start."""
    from kommune_desk.services.opened_copies import clear_opened_copies

    return clear_opened_copies(workspace)
