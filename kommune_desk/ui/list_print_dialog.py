"""The Druckliste of the Posteingang in a preview, printed on A4 landscape or saved as PDF."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from kommune_desk.services.inbox_export import InboxExport, print_list
from kommune_desk.services.workspace import Workspace

from .pdf_document_dialog import PdfDocumentDialog


class ListPrintDialog(PdfDocumentDialog):
    """Shows the Druckliste once it is made; "Drucken …" sends it to a printer in landscape."""

    def __init__(self, workspace: Workspace, export: InboxExport, parent: QWidget | None = None) -> None:
        title = f"Druckliste Posteingang – {export.name}"
        super().__init__(
            title, print_list, (workspace, export), export.file_name("pdf"), parent,
            landscape=True, size=(900, 600),
        )  # fmt: skip
        self.export = export
