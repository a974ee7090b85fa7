"""A PDF made in a worker, shown in the preview, with "Drucken …" and "Als PDF speichern …"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QPushButton, QVBoxLayout, QWidget

from kommune_desk.services.errors import ValidationError

from .run import explain_failure
from .workers import start_task


class PdfDocumentDialog(QDialog):
    """``make(*args)`` runs in a worker; its PDF appears in the preview and can be printed (in
    ``landscape`` when the document is laid out across) or saved as ``file_name``."""

    def __init__(
        self,
        title: str,
        make: Callable[..., bytes],
        args: tuple[Any, ...],
        file_name: str,
        parent: QWidget | None = None,
        *,
        landscape: bool = False,
        size: tuple[int, int] = (760, 640),  # fits 1280×720 with the title bar
    ) -> None:
        super().__init__(parent)
        from .pdf_preview import PdfPreview  # loads QtPdf: only when a document is shown

        self.setWindowTitle(title)
        self.resize(*size)
        self.title = title
        self.file_name = file_name
        self.landscape = landscape
        self.data: bytes | None = None
        self.preview = PdfPreview()
        self.preview.clear(f"{title} wird erstellt …")
        self.print_button = QPushButton("Drucken …")
        self.print_button.setObjectName("printDocument")
        self.save_button = QPushButton("Als PDF speichern …")
        self.save_button.setObjectName("saveDocument")
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
        start_task(make, *args, on_done=self._made, on_error=self._failed, owner=self)

    def _made(self, data: bytes) -> None:
        self.data = data
        if self.preview.show_pdf(data, self.title):
            self.print_button.setEnabled(True)
            self.save_button.setEnabled(True)

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, ValidationError):  # what is missing, said where the document would be
            self.preview.clear("\n".join(exc.messages))
            return
        self.preview.clear(
            f"{self.title} konnte nicht erstellt werden. Details stehen in der Protokolldatei."
        )
        explain_failure(self, exc, f"{self.title} nicht möglich")

    def print_document(self) -> bool:
        """The system print dialog (A4, turned when ``landscape``), then the printing in a worker."""
        from .pdf_printing import print_pdf

        return self.data is not None and print_pdf(self, self.data, self.title, landscape=self.landscape)

    def save_document(self) -> None:
        from .pdf_printing import save_pdf_as

        if self.data is not None:
            save_pdf_as(self, self.data, self.file_name)
