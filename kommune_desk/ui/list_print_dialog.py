"""The Druckliste of a list in a preview, with "Drucken …" (A4 landscape) and "Als PDF speichern …".

The PDF is made in a worker; the preview and the printing are the program's usual ones
(pdf_preview, pdf_printing), only the paper is turned to landscape.
"""

from __future__ import annotations

from PySide6.QtGui import QPageLayout
from PySide6.QtPrintSupport import QPrintDialog
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QPushButton, QVBoxLayout, QWidget

from kommune_desk.services.inbox_export import InboxExport, print_list
from kommune_desk.services.workspace import Workspace

from .pdf_preview import PdfPreview
from .run import explain_failure
from .workers import start_task


class ListPrintDialog(QDialog):
    """Shows the Druckliste once it is made; "Drucken …" sends it to a printer in landscape."""

    def __init__(self, workspace: Workspace, export: InboxExport, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.export = export
        self.title = f"Druckliste Posteingang – {export.name}"
        self.setWindowTitle(self.title)
        self.resize(900, 600)  # fits 1280×720 with the title bar and a task bar
        self.data: bytes | None = None
        self.preview = PdfPreview()
        self.preview.clear("Die Druckliste wird erstellt …")
        self.print_button = QPushButton("Drucken …")
        self.print_button.setObjectName("printList")
        self.save_button = QPushButton("Als PDF speichern …")
        self.save_button.setObjectName("saveListPdf")
        for button in (self.print_button, self.save_button):
            button.setEnabled(False)
        self.print_button.clicked.connect(self.print_document)
        self.save_button.clicked.connect(self.save_document)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("Schließen")
        buttons.addButton(self.print_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.preview, 1)
        layout.addWidget(buttons)
        start_task(print_list, workspace, export, on_done=self._made, on_error=self._failed, owner=self)

    def _made(self, data: bytes) -> None:
        self.data = data
        if self.preview.show_pdf(data, self.title):
            self.print_button.setEnabled(True)
            self.save_button.setEnabled(True)

    def _failed(self, exc: BaseException) -> None:
        self.preview.clear(
            "Die Druckliste konnte nicht erstellt werden. Details stehen in der Protokolldatei."
        )
        explain_failure(self, exc, "Druckliste nicht möglich")

    def print_document(self) -> bool:
        """The system print dialog set to A4 landscape, then the printing (in a worker)."""
        from .pdf_printing import a4_printer, run_print_job

        if self.data is None:
            return False
        printer = a4_printer(self.title)
        printer.setPageOrientation(QPageLayout.Orientation.Landscape)  # the list is laid out across
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("Druckliste drucken")
        if dialog.exec() != QPrintDialog.DialogCode.Accepted:
            return False
        return run_print_job(self, printer, [self.data])

    def save_document(self) -> None:
        from .pdf_printing import save_pdf_as

        if self.data is not None:
            save_pdf_as(self, self.data, self.export.file_name("pdf"))
