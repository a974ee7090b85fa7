"""The case view: one application with everything about it, and the steps the clerk may take.

All reads and writes run in workers. Citizens' text is shown as plain text only (a name like
``<img src=…>`` must never become markup).
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from kommune_desk.domain.form_schema import FormLine
from kommune_desk.domain.formatting import format_amount, format_date, local_date
from kommune_desk.domain.workflow import Decision, Step
from kommune_desk.services import cases, workflow
from kommune_desk.services.applications import services_offered
from kommune_desk.services.cases import CaseDetail
from kommune_desk.services.clerks import list_clerks
from kommune_desk.services.workspace import Workspace

from .action_bar import ActionBar
from .case_dialogs import FollowUpDialog, PaymentDialog, ask_text, choose
from .run import run_service

if TYPE_CHECKING:
    from .notices_panel import NoticesPanel  # built when its tab is first shown (loads QtPdf)

# How long an action stays in the row when the screen is narrow (the rest go into "Weitere").
_STEP, _COMMON, _RARE = 3, 2, 1

# Steps that cannot be undone by the clerk: ask before taking them.
_CONFIRM = {
    Step.ZURUECKZIEHEN: "Der Antrag wird als zurückgezogen abgeschlossen.",
    Step.WEITERLEITEN: "Der Antrag wird an die zuständige Stelle weitergeleitet und hier abgeschlossen.",
    Step.BESCHEID_VERSENDEN: "Der Bescheid wird als versandt vermerkt; damit ist er bekanntgegeben.",
    Step.ABSCHLIESSEN: "Der Vorgang wird abgeschlossen.",
}


def plain_label(text: str = "") -> QLabel:
    """Citizens' text as a selectable, wrapped label that never becomes markup."""
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def add_form_lines(form: QFormLayout, lines: Iterable[FormLine], empty: str = "") -> None:
    """Answers under their group headings, indented by level; an empty answer shows ``empty``
    (or is left out when that is "")."""
    for line in lines:
        indent = "    " * line.level
        if line.heading:
            heading = plain_label(indent + line.label)
            heading.setStyleSheet("font-weight: 600; margin-top: 4px;")
            form.addRow(heading)
        elif line.value or empty:
            label = plain_label(f"{indent}{line.label}:")
            label.setWordWrap(False)  # the answer wraps, not its label (a wrapped label reads as two)
            form.addRow(label, plain_label(line.value or empty))


def _days(count: int, *, dative: bool = False) -> str:
    """ "1 Tag", "3 Tage"; after "seit" the dative: "3 Tagen"."""
    if abs(count) == 1:
        return f"{count} Tag"
    return f"{count} Tagen" if dative else f"{count} Tage"


class CaseView(QWidget):
    """Shows one case; ``changed`` fires after every successful change (the list then reloads)."""

    back_requested = Signal()
    changed = Signal()
    loaded = Signal(object)  # CaseDetail, after every (re-)read

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.detail: CaseDetail | None = None
        self._busy = False

        back = QPushButton("← Zurück zur Liste")
        back.setToolTip("Zurück zum Posteingang (Esc)")
        back.clicked.connect(self.back_requested.emit)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.back_requested.emit)
        self.title = plain_label()
        self.title.setObjectName("caseTitle")
        self.title.setStyleSheet("font-size: 16pt; font-weight: 600;")
        header = QHBoxLayout()
        header.addWidget(back)
        header.addWidget(self.title, 1)

        # A clerk's 1280×720 screen cannot show every step: the rarer ones go into "Weitere".
        self.actions = ActionBar(align_right=False, name="caseActions")

        self.applicant = QFormLayout()
        self.form = QFormLayout()
        self.processing = QFormLayout()
        self.payment = QFormLayout()
        self.intake = QFormLayout()
        self.attachments = QVBoxLayout()
        self.notes = QVBoxLayout()
        self.history = QTableWidget(0, 3)
        self.history.setObjectName("caseHistory")
        self.history.setHorizontalHeaderLabels(["Zeitpunkt", "Wer", "Was"])
        self.history.verticalHeader().setVisible(False)
        self.history.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.history.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.history.setWordWrap(True)
        self.history.setMinimumHeight(160)

        self.correct_button = QPushButton("Angaben berichtigen …")
        self.correct_button.setObjectName("correctData")
        self.correct_button.setToolTip(
            "Name, Anschrift, Kontakt und Angaben des Antrags berichtigen "
            "(mit Grund; das Original bleibt erhalten)"
        )
        self.correct_button.clicked.connect(self.correct_data)
        self.original_button = QPushButton("Ursprüngliche Angaben …")
        self.original_button.setObjectName("originalData")
        self.original_button.clicked.connect(self.show_original)
        correction_row = QHBoxLayout()
        correction_row.addWidget(self.correct_button)
        correction_row.addWidget(self.original_button)
        correction_row.addStretch(1)
        self.applicant_area = QVBoxLayout()
        self.applicant_area.addLayout(self.applicant)
        self.applicant_area.addLayout(correction_row)
        applicant_box = QGroupBox("Antragsteller/in")
        applicant_box.setLayout(self.applicant_area)
        self.form_note = plain_label()
        self.form_note.setObjectName("formNote")
        self.form_note.setStyleSheet("font-style: italic;")
        form_area = QVBoxLayout()
        form_area.addWidget(self.form_note)
        form_area.addLayout(self.form)
        form_box = QGroupBox("Angaben im Antrag")
        form_box.setLayout(form_area)

        grid = QGridLayout()
        grid.addWidget(applicant_box, 0, 0)
        grid.addWidget(form_box, 1, 0)
        grid.addWidget(self._box("Anlagen", self.attachments), 2, 0)
        grid.addWidget(self._box("Bearbeitung", self.processing), 0, 1)
        grid.addWidget(self._box("Gebühr und Zahlung", self.payment), 1, 1)
        grid.addWidget(self._box("Eingang", self.intake), 2, 1)
        grid.addWidget(self._box("Notizen", self.notes), 3, 0, 1, 2)
        history_box = QGroupBox("Verlauf")
        QVBoxLayout(history_box).addWidget(self.history)
        grid.addWidget(history_box, 4, 0, 1, 2)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        body = QWidget()
        body.setLayout(grid)
        self.scroll = scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)

        self.notices_panel: NoticesPanel | None = None
        self.tabs = QTabWidget()
        self.tabs.setObjectName("caseTabs")
        self.tabs.addTab(scroll, "Vorgang")  # not "Übersicht": Fusion clips Ü on an inactive tab
        self._notices_tab = QWidget()
        QVBoxLayout(self._notices_tab).setContentsMargins(0, 6, 0, 0)
        self.tabs.addTab(self._notices_tab, "Schreiben und Bescheide")
        self.tabs.currentChanged.connect(lambda _index: self._tab_shown())

        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.actions)
        layout.addWidget(self.tabs, 1)

    @staticmethod
    def _box(title: str, inner: QFormLayout | QVBoxLayout) -> QGroupBox:
        box = QGroupBox(title)
        box.setLayout(inner)
        return box

    # -- loading ---------------------------------------------------------------------------------
    def open(self, application_id: str) -> None:
        """Open a case (recorded in its history) and show it when read."""
        self.title.setText("Vorgang wird geöffnet …")
        self._clear_actions()
        # Another case starts at its top, on "Vorgang" (not where the last one was left).
        self.tabs.setCurrentIndex(0)
        self.scroll.verticalScrollBar().setValue(0)
        run_service(self, cases.open_case, self.workspace, application_id, on_done=self._show)

    def refresh(self) -> None:
        if self.detail is not None:
            run_service(self, cases.read_case, self.workspace, self.detail.id, on_done=self._show)

    def _show(self, detail: CaseDetail) -> None:
        self.detail = detail
        service = detail.service.name if detail.service else "Leistung noch nicht zugeordnet"
        self.title.setText(f"{detail.aktenzeichen} · {service}")
        self._fill_form(
            self.applicant,
            [
                ("Name", detail.applicant_name),
                ("Anschrift", detail.applicant_street),
                ("", f"{detail.applicant_postal_code} {detail.applicant_city}".strip()),
                ("E-Mail", detail.applicant_email),
                ("Telefon", detail.applicant_phone),
            ],
        )
        self._fill_form_lines(detail)
        self.correct_button.setEnabled(self.workspace.clerk is not None)
        self.original_button.setVisible(detail.corrected)
        self._fill_form(self.processing, self._processing_rows(detail))
        self._fill_form(self.payment, self._payment_rows(detail))
        self._fill_form(
            self.intake,
            [
                ("Eingegangen", format_date(local_date(detail.received_at))),
                ("Eingangsweg", detail.channel.label),
                ("Referenz des Portals", detail.sender_reference),
                ("Antwort an", detail.reply_email),
                ("Klärungsgrund", detail.clarification_reason),
            ],
        )
        self._fill_attachments(detail)
        self._fill_notes(detail)
        self._fill_history(detail)
        self._build_actions(detail)
        if self.notices_panel is not None:
            self.notices_panel.set_case(detail.id, detail.aktenzeichen)
        self.loaded.emit(detail)

    def _processing_rows(self, detail: CaseDetail) -> list[tuple[str, str]]:
        rows = [("Status", detail.status.label), ("Bearbeitung", detail.assignee_name or "noch niemand")]
        if detail.paused_days is not None and detail.status.is_open:
            rows.append(
                ("Frist", f"ruht, solange Unterlagen fehlen (danach noch {_days(detail.paused_days)})")
            )
        elif detail.due_date:
            rows.append(("Frist", self._deadline_text(detail)))
        if detail.decision:
            drafted = f" (Entwurf: {detail.drafted_by_name})" if detail.drafted_by_name else ""
            rows.append(("Entscheidung", detail.decision.label + drafted))
        if detail.approved is not None:
            day = format_date(local_date(detail.approved.at))
            rows.append(("Freigabe", f"freigegeben von {detail.approved.who} am {day}"))
        elif detail.service and detail.service.four_eyes:
            rows.append(("Freigabe", "Vier-Augen-Prinzip: Teamleitung gibt frei"))
        if detail.follow_up_on:
            note = f" – {detail.follow_up_note}" if detail.follow_up_note else ""
            rows.append(("Wiedervorlage", format_date(detail.follow_up_on) + note))
        return rows

    @staticmethod
    def _deadline_text(detail: CaseDetail) -> str:
        assert detail.due_date is not None
        text = format_date(detail.due_date)
        if not detail.status.is_open:
            return text
        days = (detail.due_date - dt.date.today()).days
        if days < 0:
            return f"{text} – seit {_days(-days, dative=True)} überschritten"
        return f"{text} – heute" if days == 0 else f"{text} – noch {_days(days)}"

    @staticmethod
    def _payment_rows(detail: CaseDetail) -> list[tuple[str, str]]:
        if not detail.fee_cents and not detail.paid_cents:
            return [("Gebühr", "gebührenfrei")]
        rows = [
            ("Gebühr", format_amount(detail.fee_cents)),
            ("Kassenzeichen", detail.kassenzeichen),
            ("Status", detail.payment_status.label),
        ]
        if detail.payment_method:
            rows.append(("Zahlart", detail.payment_method.label))
        if detail.paid_cents is not None:
            paid_on = f" am {format_date(detail.paid_at)}" if detail.paid_at else ""
            rows.append(("Bezahlt", format_amount(detail.paid_cents) + paid_on))
        return rows

    @staticmethod
    def _fill_form(form: QFormLayout, rows: list[tuple[str, str]]) -> None:
        while form.rowCount():
            form.removeRow(0)
        for label, value in rows:
            if value:
                form.addRow(f"{label}:" if label else "", plain_label(value))

    def _fill_form_lines(self, detail: CaseDetail) -> None:
        """Answers with their group headings (indented by level); citizens' text stays plain."""
        while self.form.rowCount():
            self.form.removeRow(0)
        self.form_note.setText(detail.form_note)
        self.form_note.setVisible(bool(detail.form_note))
        if not detail.form_lines:
            self.form.addRow(plain_label("Keine Angaben im Antrag."))
        add_form_lines(self.form, detail.form_lines)

    def _fill_attachments(self, detail: CaseDetail) -> None:
        _clear(self.attachments)
        if not detail.attachments:
            self.attachments.addWidget(plain_label("Keine Anlagen."))
        for attachment in detail.attachments:
            row = QHBoxLayout()
            size = f"{max(1, round(attachment.size_bytes / 1024))} KB"
            row.addWidget(plain_label(f"{attachment.display_name}  ({attachment.purpose_label}, {size})"), 1)
            button = QPushButton("Öffnen")
            button.setToolTip("Die Prüfsumme wird vor dem Öffnen kontrolliert.")
            button.clicked.connect(lambda _=False, a=attachment.id: self.open_attachment(a))
            row.addWidget(button)
            holder = QWidget()
            holder.setLayout(row)
            self.attachments.addWidget(holder)

    def _fill_notes(self, detail: CaseDetail) -> None:
        _clear(self.notes)
        if not detail.notes:
            self.notes.addWidget(plain_label("Noch keine Notizen."))
        for note in detail.notes:
            stamp = note.at.astimezone().strftime("%d.%m.%Y %H:%M")
            self.notes.addWidget(plain_label(f"{stamp} · {note.author}\n{note.body}"))

    def _fill_history(self, detail: CaseDetail) -> None:
        self.history.setRowCount(len(detail.history))
        for row, entry in enumerate(reversed(detail.history)):  # newest first
            what = entry.what + ("\n" + "\n".join(entry.details) if entry.details else "")
            for column, text in enumerate(
                (entry.at.astimezone().strftime("%d.%m.%Y %H:%M"), entry.who, what)
            ):
                self.history.setItem(row, column, QTableWidgetItem(text))
        self.history.resizeRowsToContents()
        self.history.resizeColumnToContents(0)
        self.history.resizeColumnToContents(1)

    # -- letters ---------------------------------------------------------------------------------
    def show_notices(self) -> NoticesPanel:
        """Switch to "Schreiben und Bescheide" (building the panel on first use)."""
        self.tabs.setCurrentWidget(self._notices_tab)
        return self._notices_panel()

    def _tab_shown(self) -> None:
        if self.tabs.currentWidget() is self._notices_tab:
            self._notices_panel()

    def _notices_panel(self) -> NoticesPanel:
        if self.notices_panel is None:
            from .notices_panel import NoticesPanel

            self.notices_panel = NoticesPanel(self.workspace)
            self.notices_panel.changed.connect(self._notices_changed)
            self.notices_panel.correction_requested.connect(self.correct_data)
            self._notices_tab.layout().addWidget(self.notices_panel)
            if self.detail is not None:
                self.notices_panel.set_case(self.detail.id, self.detail.aktenzeichen)
        return self.notices_panel

    def _notices_changed(self) -> None:
        self.changed.emit()  # sending a decision notice moves the case on: list and view re-read
        self.refresh()

    # -- actions ---------------------------------------------------------------------------------
    def _clear_actions(self) -> None:
        self.actions.clear()

    def _build_actions(self, detail: CaseDetail) -> None:
        self._clear_actions()
        if detail.can_claim:
            self._action("Übernehmen", self.claim, priority=_STEP)
        for step in detail.steps:
            if step is Step.BEARBEITEN and detail.assignee_id is None:
                continue  # "Übernehmen" does this
            if step is Step.BESCHEID_VERSENDEN:
                # Sent means: a notice was archived and posted; the letters tab records both.
                notification = detail.service is not None and detail.service.is_notification
                letter = "Empfangsbescheinigung" if notification else "Bescheid"
                text = f"{letter} erstellen und versenden …"
                self._action(text, self.show_notices, name="writeNotice", priority=_STEP)
                continue
            # Closing steps (zurückgezogen, weiterleiten) are rarer than the way forward.
            rare = step in (Step.ZURUECKZIEHEN, Step.WEITERLEITEN)
            self._action(
                step.label, lambda _=False, s=step: self.take_step(s), name=f"step_{step.value}",
                priority=_RARE if rare else _STEP,
            )  # fmt: skip
        if detail.status.is_open and self.workspace.clerk:
            self._action("Zuweisen …", self.assign, priority=_COMMON)
            if detail.can_release:
                self._action("Abgeben", self.release, priority=_RARE)
            self._action("Wiedervorlage …", self.follow_up, priority=_COMMON)
        self._action("Notiz …", self.add_note, priority=_COMMON)
        if detail.fee_cents and detail.payment_status.value != "bezahlt":
            self._action("Zahlung erfassen …", self.record_payment, priority=_COMMON)
        if detail.can_confirm_receipt:
            self._action("Eingangsbestätigung vermerken …", self.confirm_receipt, priority=_RARE)

    def _action(self, text: str, slot: Callable[..., Any], name: str = "", priority: int = _COMMON) -> None:
        button = QPushButton(text)
        if name:
            button.setObjectName(name)
        button.clicked.connect(slot)
        self.actions.add_button(button, priority=priority)

    def _write(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run a change in a worker; afterwards re-read the case and tell the list."""
        if self._busy:
            return  # a double click must not take a step twice
        self._busy = True

        def done(_result: object) -> None:
            self._busy = False
            self.changed.emit()
            self.refresh()

        run_service(self, fn, *args, on_done=done, on_failed=lambda _exc: self._unbusy())

    def _unbusy(self) -> None:
        self._busy = False

    def button(self, text: str) -> QPushButton | None:
        """The action button with this text, in the row or in "Weitere" (for tests and screenshots)."""
        for widget in self.actions.buttons():
            if isinstance(widget, QPushButton) and widget.text() == text:
                return widget
        return None

    def correct_data(self) -> None:
        """Open "Angaben berichtigen"; after saving, the case and the list re-read."""
        if self.detail is None:
            return
        from .correction_dialog import CorrectionDialog

        dialog = CorrectionDialog(self.workspace, self.detail, self)
        dialog.accepted.connect(self._corrected)
        dialog.open()

    def _corrected(self) -> None:
        self.changed.emit()
        self.refresh()

    def show_original(self) -> None:
        """The data as received, before the first correction (read in a worker)."""
        if self.detail is None:
            return
        from kommune_desk.services.case_corrections import original_data

        run_service(self, original_data, self.workspace, self.detail.id, on_done=self._show_original)

    def _show_original(self, original: Any) -> None:
        if original is None:
            return
        from .original_data_dialog import OriginalDataDialog

        OriginalDataDialog(original, self).open()

    def claim(self) -> None:
        assert self.detail
        self._write(workflow.claim_case, self.workspace, self.detail.id)

    def release(self) -> None:
        assert self.detail
        self._write(workflow.release_case, self.workspace, self.detail.id)

    def take_step(self, step: Step) -> None:
        assert self.detail
        if step is Step.LEISTUNG_ZUORDNEN:
            self.assign_service()
            return
        decision: Decision | None = None
        if step is Step.ENTSCHEIDUNG_ENTWERFEN:
            decision = choose(
                self,
                "Entscheidung entwerfen",
                "Wie soll entschieden werden?",
                [(d.label, d) for d in Decision],
            )
            if decision is None:
                return
        if step in _CONFIRM:
            answer = QMessageBox.question(self, step.label, _CONFIRM[step] + "\n\nFortfahren?")
            if answer != QMessageBox.StandardButton.Yes:
                return
        self._write(workflow.take_step, self.workspace, self.detail.id, step, decision)

    def assign(self) -> None:
        assert self.detail
        clerks = [c for c in list_clerks(self.workspace) if c.role.value != "administration"]
        clerk_id = choose(
            self, "Zuweisen", "An wen geht der Antrag?", [(c.display_name, c.id) for c in clerks]
        )
        if clerk_id:
            self._write(workflow.assign_case, self.workspace, self.detail.id, clerk_id)

    def assign_service(self) -> None:
        assert self.detail
        offered = services_offered(self.workspace)
        service_id = choose(
            self, "Leistung zuordnen", "Welche Leistung wird beantragt?", [(s.name, s.id) for s in offered]
        )
        if service_id:
            self._write(workflow.assign_service, self.workspace, self.detail.id, service_id)

    def follow_up(self) -> None:
        assert self.detail
        dialog = FollowUpDialog(self, self.detail.follow_up_on, self.detail.follow_up_note)
        if dialog.exec():
            on, note = dialog.chosen()
            self._write(workflow.set_follow_up, self.workspace, self.detail.id, on, note)

    def add_note(self) -> None:
        assert self.detail
        text = ask_text(
            self, "Notiz", "Notiz zum Vorgang (wird im Verlauf gespeichert und ist durchsuchbar):"
        )
        if text and text.strip():
            self._write(cases.add_note, self.workspace, self.detail.id, text)

    def record_payment(self) -> None:
        assert self.detail
        dialog = PaymentDialog(self, self.detail.fee_cents)
        if dialog.exec():
            self._write(cases.record_payment, self.workspace, self.detail.id, *dialog.chosen())

    def confirm_receipt(self) -> None:
        assert self.detail
        via = choose(
            self, "Eingangsbestätigung", "Wie ging die Eingangsbestätigung hinaus?",
            [("Brief", "Brief"), ("E-Mail", "E-Mail"), ("Persönlich am Schalter", "Schalter")],
        )  # fmt: skip
        if via:
            self._write(cases.confirm_receipt, self.workspace, self.detail.id, via)

    def open_attachment(self, attachment_id: str) -> None:
        """Verify the hash in a worker, then open a private copy with the system viewer."""

        def show(path: object) -> None:
            if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
                self.offer_copy(Path(str(path)))

        run_service(
            self, cases.export_attachment, self.workspace, attachment_id, on_done=show, title="Anlage"
        )

    def offer_copy(self, path: Path) -> QMessageBox:
        """No program opens the file on this PC: say so, and offer to save a copy elsewhere."""
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Information)
        box.setWindowTitle("Anlage")
        box.setText(
            f"Für Dateien der Art »{path.suffix or 'ohne Endung'}« ist auf diesem PC kein Programm "
            "eingerichtet, das sie öffnen kann."
        )
        box.setInformativeText("Sie können eine Kopie speichern und sie mit einem anderen Programm öffnen.")
        save = box.addButton("Kopie speichern …", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Schließen", QMessageBox.ButtonRole.RejectRole)
        box.finished.connect(lambda _r: self._save_copy(path) if box.clickedButton() is save else None)
        box.open()
        self.copy_box = box
        return box

    def _save_copy(self, path: Path) -> None:
        target, _ = QFileDialog.getSaveFileName(self, "Kopie der Anlage speichern", path.name)
        if target:
            run_service(self, shutil.copyfile, path, target, title="Anlage")


def _clear(layout: QHBoxLayout | QVBoxLayout) -> None:
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget()
        if widget is not None:
            widget.deleteLater()
