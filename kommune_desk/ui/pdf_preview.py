"""A PDF preview for letters and notices: all pages one below the other, fitted to the width.

The bytes are parsed on the UI thread (well under a millisecond for a letter); QPdfView draws the
page images in its own render thread, so a preview never blocks the window.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, Qt, Signal
from PySide6.QtGui import QPainter, QPaintEvent, QPalette
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

log = logging.getLogger(__name__)

EMPTY_MESSAGE = "Noch kein Dokument ausgewählt."
_ERRORS = {
    QPdfDocument.Error.InvalidFileFormat: "Die Daten sind kein lesbares PDF-Dokument.",
    QPdfDocument.Error.IncorrectPassword: "Das Dokument ist mit einem Kennwort geschützt.",
    QPdfDocument.Error.UnsupportedSecurityScheme: "Das Dokument ist verschlüsselt.",
    QPdfDocument.Error.FileNotFound: "Das Dokument wurde nicht gefunden.",
}


class ElidedLabel(QLabel):
    """One line that ends in "…" when it does not fit, instead of widening its parent."""

    def __init__(self) -> None:
        super().__init__()
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def paintEvent(self, _event: QPaintEvent) -> None:
        rect = self.contentsRect()
        text = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, rect.width())
        QPainter(self).drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)


def load_error_text(error: QPdfDocument.Error) -> str:
    """What a clerk reads when a PDF cannot be shown (German)."""
    reason = _ERRORS.get(error, "Das Dokument konnte nicht gelesen werden.")
    return f"Die Vorschau kann nicht angezeigt werden.\n{reason}"


class PdfPreview(QWidget):
    """Shows PDF bytes, or a German message in their place (nothing yet, in progress, failed)."""

    document_shown = Signal(int)  # page count, after a successful show_pdf
    load_failed = Signal(str)  # the German message shown instead

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._document = QPdfDocument(self)
        # QPdfDocument reads from the device whenever it renders a page: the buffer (and the bytes
        # it wraps) must outlive the document's use of it, so the widget owns both.
        self._buffer: QBuffer | None = None

        self.title = ElidedLabel()  # a long title must not widen the preview; the tooltip has it all
        self.title.setObjectName("pdfTitle")
        self.title.setStyleSheet("font-weight: 600;")
        self.page_label = QLabel()
        self.page_label.setObjectName("pdfPageLabel")
        self.fit_width = self._zoom_button("Seitenbreite", "Die Seiten so breit wie die Vorschau zeigen")
        self.fit_page = self._zoom_button("Ganze Seite", "Eine ganze Seite auf einmal zeigen")
        self.fit_width.setChecked(True)
        zoom = QButtonGroup(self)
        zoom.addButton(self.fit_width)
        zoom.addButton(self.fit_page)
        zoom.buttonClicked.connect(lambda _button: self._apply_zoom())
        header = QHBoxLayout()
        header.setContentsMargins(0, 0, 0, 0)
        header.addWidget(self.title, 1)
        header.addWidget(self.page_label)
        header.addSpacing(8)
        header.addWidget(self.fit_width)
        header.addWidget(self.fit_page)
        self._header = QWidget()
        self._header.setLayout(header)

        self.view = QPdfView()
        self.view.setObjectName("pdfView")
        self.view.setAccessibleName("Vorschau des Dokuments")
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setDocument(self._document)
        self.view.setPageSpacing(12)
        palette = self.view.palette()
        palette.setColor(QPalette.ColorRole.Dark, Qt.GlobalColor.gray)  # white pages on a grey desk
        self.view.setPalette(palette)
        self.view.pageNavigator().currentPageChanged.connect(lambda _page: self._update_page_label())
        self._apply_zoom()

        self.message = QLabel()
        self.message.setObjectName("pdfMessage")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #555; font-size: 11pt; padding: 24px;")

        self.stack = QStackedWidget()
        self.stack.addWidget(self.message)
        self.stack.addWidget(self.view)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._header)
        layout.addWidget(self.stack, 1)
        self.clear(EMPTY_MESSAGE)

    def _zoom_button(self, text: str, tip: str) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setToolTip(tip)
        button.setCheckable(True)
        button.setAutoRaise(True)
        return button

    # -- public ------------------------------------------------------------------------------------
    def show_pdf(self, data: bytes, title: str = "") -> bool:
        """Show ``data``; a broken document shows a German message instead (returns False)."""
        self._release_document()
        buffer = QBuffer(self)
        buffer.setData(QByteArray(data))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self._buffer = buffer
        self._document.load(buffer)
        if self._document.status() != QPdfDocument.Status.Ready or self._document.pageCount() < 1:
            error = self._document.error()
            log.warning("PDF preview: document not shown (%s, %d bytes)", error.name, len(data))
            text = load_error_text(error)
            self.clear(text)
            self.load_failed.emit(text)
            return False
        self.set_title(title)
        self.view.pageNavigator().jump(0, QPointF())
        self.view.verticalScrollBar().setValue(0)
        self._update_page_label()
        self._header.setVisible(True)
        self.stack.setCurrentWidget(self.view)
        self.document_shown.emit(self._document.pageCount())
        return True

    def set_title(self, title: str) -> None:
        self.title.setText(title)
        self.title.setToolTip(title)

    def clear(self, message: str = EMPTY_MESSAGE) -> None:
        """Drop the document and show ``message`` (e.g. "Vorschau wird erstellt …")."""
        self._release_document()
        self.message.setText(message)
        self.title.clear()
        self.page_label.clear()
        self._header.setVisible(False)
        self.stack.setCurrentWidget(self.message)

    def page_count(self) -> int:
        """Pages of the document on show (0 while a message is shown)."""
        return self._document.pageCount() if self.is_showing_pdf() else 0

    def is_showing_pdf(self) -> bool:
        return self.stack.currentWidget() is self.view

    def message_text(self) -> str:
        return self.message.text() if not self.is_showing_pdf() else ""

    # -- internals --------------------------------------------------------------------------------
    def _release_document(self) -> None:
        # Close first: the document stops reading from the old buffer before the buffer goes.
        self._document.close()
        if self._buffer is not None:
            self._buffer.close()
            self._buffer.deleteLater()
            self._buffer = None

    def _apply_zoom(self) -> None:
        mode = QPdfView.ZoomMode.FitInView if self.fit_page.isChecked() else QPdfView.ZoomMode.FitToWidth
        self.view.setZoomMode(mode)

    def _update_page_label(self) -> None:
        count = self._document.pageCount()
        if count:
            current = self.view.pageNavigator().currentPage() + 1
            self.page_label.setText(f"Seite {min(current, count)} von {count}")
