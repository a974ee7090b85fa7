"""Print PDF bytes (one document or a batch in one job) and save them as a file.

Pages are rasterised with QtPdf at the printer's resolution and drawn onto the QPrinter in a
worker thread (Qt allows QPainter on a QPrinter outside the GUI thread); the window shows a
progress dialog meanwhile. A page is rendered in horizontal strips, so even 1200 dpi needs only
a few MB at a time instead of half a GB for a whole A4 page.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import threading
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QEventLoop,
    QIODevice,
    QRect,
    QSize,
    QStandardPaths,
    Qt,
    QTimer,
)
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtPdf import QPdfDocument, QPdfDocumentRenderOptions
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QFileDialog, QProgressDialog, QWidget

from .errors import show_error
from .workers import start_task

log = logging.getLogger(__name__)

STRIP_PIXELS = 8_000_000  # ~32 MB per strip as ARGB32
# Raster text is no sharper on paper above 600 dpi, but 1200 dpi (what a PDF printer reports)
# made the spool file 4x bigger (22 MB for a two-page letter) and took 3.6 s instead of 1 s.
MAX_PRINT_DPI = 600
PROGRESS_DELAY_MS = 300
Progress = Callable[[int, str], None]


class PrintError(Exception):
    """Printing failed; the message is German and meant for the clerk."""


class PrintCancelledError(Exception):
    """The clerk pressed "Abbrechen" while the job was being sent."""


# -- printing: the dialog-free core -------------------------------------------------------------
def a4_printer(title: str = "") -> QPrinter:
    """A high-resolution printer set to A4 portrait, full page (our PDFs carry their own margins)."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setPageOrientation(QPageLayout.Orientation.Portrait)
    printer.setFullPage(True)
    if title:
        printer.setDocName(title)
    return printer


def print_pdf_to(printer: QPrinter, data: bytes) -> int:
    """Print every page of ``data`` on ``printer``; returns the number of pages printed."""
    return print_documents_to(printer, [data])


def print_documents_to(
    printer: QPrinter,
    documents: Sequence[bytes],
    cancelled: threading.Event | None = None,
    progress: Progress | None = None,
) -> int:
    """All documents in order as one print job. Raises PrintError (German) or PrintCancelledError."""
    pdfs = [_open_pdf(data, number) for number, data in enumerate(documents, start=1)]
    total = sum(doc.pageCount() for doc, _buffer in pdfs)
    painter = QPainter()
    if not painter.begin(printer):
        raise PrintError(
            "Der Drucker konnte nicht angesprochen werden. Bitte prüfen Sie, ob er eingeschaltet "
            "und verbunden ist, und versuchen Sie es erneut."
        )
    printed = 0
    try:
        for doc, _buffer in pdfs:
            for page in _pages_to_print(printer, doc.pageCount(), single=len(pdfs) == 1):
                if cancelled is not None and cancelled.is_set():
                    printer.abort()
                    raise PrintCancelledError
                if printed and not printer.newPage():
                    raise PrintError(
                        "Der Drucker hat eine neue Seite abgelehnt; der Druck wurde abgebrochen."
                    )
                if progress is not None:
                    progress(printed, f"Seite {printed + 1} von {total} wird gedruckt …")
                _draw_page(painter, printer, doc, page)
                printed += 1
    finally:
        if painter.isActive():
            painter.end()
        for doc, buffer in pdfs:
            doc.close()
            buffer.close()
    return printed


def _open_pdf(data: bytes, number: int) -> tuple[QPdfDocument, QBuffer]:
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    doc = QPdfDocument()
    doc.load(buffer)
    if doc.status() != QPdfDocument.Status.Ready or doc.pageCount() < 1:
        raise PrintError(f"Dokument {number} ist kein lesbares PDF-Dokument; es wurde nichts gedruckt.")
    return doc, buffer


def _pages_to_print(printer: QPrinter, count: int, single: bool) -> range:
    """The page range the clerk chose in the dialog (only offered for a single document)."""
    if single and printer.printRange() == QPrinter.PrintRange.PageRange and printer.fromPage() > 0:
        first = max(printer.fromPage(), 1) - 1
        last = min(printer.toPage() or count, count)
        return range(first, last)
    return range(count)


def _draw_page(painter: QPainter, printer: QPrinter, doc: QPdfDocument, page: int) -> None:
    """Rasterise one page, strip by strip, fitted and centred on the paper."""
    device_dpi = printer.resolution()
    dpi = min(device_dpi, MAX_PRINT_DPI)
    paper = printer.pageLayout().fullRect(QPageLayout.Unit.Point)
    points = doc.pagePointSize(page)
    fit = min(paper.width() / points.width(), paper.height() / points.height())
    width = max(1, round(points.width() * fit * dpi / 72))
    height = max(1, round(points.height() * fit * dpi / 72))
    left = round((paper.width() - points.width() * fit) / 2 * dpi / 72)
    top = round((paper.height() - points.height() * fit) / 2 * dpi / 72)
    strip = max(1, min(height, STRIP_PIXELS // width))
    options = QPdfDocumentRenderOptions()
    options.setScaledSize(QSize(width, height))
    painter.save()
    painter.scale(device_dpi / dpi, device_dpi / dpi)  # from render pixels to device pixels
    for y in range(0, height, strip):
        rows = min(strip, height - y)
        # Qt builds the render matrix from QRect.right()/bottom() (width - 1, height - 1): one
        # pixel more on each side makes the scale exact, so the strips meet without a seam.
        options.setScaledClipRect(QRect(0, y, width + 1, rows + 1))
        image = doc.render(page, QSize(width, rows), options)
        painter.drawImage(left, top + y, _on_white(image))
    painter.restore()


def _on_white(image: QImage) -> QImage:
    """QtPdf leaves the paper transparent; printers and PDF files want an opaque image."""
    opaque = QImage(image.size(), QImage.Format.Format_RGB32)
    opaque.fill(Qt.GlobalColor.white)
    painter = QPainter(opaque)
    painter.drawImage(0, 0, image)
    painter.end()
    return opaque


# -- printing with the dialog -----------------------------------------------------------------------
def print_pdf(parent: QWidget | None, data: bytes, title: str, *, landscape: bool = False) -> bool:
    """The system print dialog, then every page of ``data``. True when it went to the printer.
    ``landscape`` turns the paper for a document laid out across (a Druckliste)."""
    return _print_with_dialog(parent, [(title, data)], title, landscape=landscape)


def print_many(parent: QWidget | None, documents: list[tuple[str, bytes]]) -> bool:
    """One print dialog and one print job for all ``(title, data)`` in order."""
    if not documents:
        return False
    name = documents[0][0] if len(documents) == 1 else f"{len(documents)} Schreiben"
    return _print_with_dialog(parent, documents, name)


def _print_with_dialog(
    parent: QWidget | None, documents: list[tuple[str, bytes]], name: str, *, landscape: bool = False
) -> bool:
    printer = a4_printer(name)
    if landscape:
        printer.setPageOrientation(QPageLayout.Orientation.Landscape)
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle("Drucken" if len(documents) == 1 else f"{len(documents)} Schreiben drucken")
    if len(documents) > 1:
        # A page range over several letters would cut one in the middle.
        dialog.setOption(QPrintDialog.PrintDialogOption.PrintPageRange, False)
    if dialog.exec() != QPrintDialog.DialogCode.Accepted:
        return False
    return run_print_job(parent, printer, [data for _title, data in documents])


def run_print_job(parent: QWidget | None, printer: QPrinter, documents: Sequence[bytes]) -> bool:
    """Print in a worker behind a modal progress dialog; explain a failure in German."""
    cancelled = threading.Event()
    outcome: dict[str, object] = {}
    loop = QEventLoop()

    def finish(key: str, value: object) -> None:
        outcome[key] = value
        loop.quit()

    progress = QProgressDialog("Der Druck wird vorbereitet …", "Abbrechen", 0, 0, parent)
    progress.setWindowTitle("Drucken")
    progress.setWindowModality(Qt.WindowModality.ApplicationModal)
    progress.setMinimumDuration(10_000_000)  # shown below, not by Qt's own timer
    progress.canceled.connect(cancelled.set)
    start_task(
        print_documents_to, printer, list(documents), cancelled,
        on_progress=lambda _done, text: progress.setLabelText(text),
        on_done=lambda pages: finish("pages", pages),
        on_error=lambda exc: finish("error", exc),
    )  # fmt: skip
    # A letter is printed before a dialog could be read: for the first moment only repaint (the
    # clerk's clicks wait), and show the cancellable progress dialog only for longer jobs.
    timer = QTimer(loop)
    timer.setSingleShot(True)
    timer.timeout.connect(loop.quit)
    timer.start(PROGRESS_DELAY_MS)
    loop.exec(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
    timer.stop()
    if not outcome:
        progress.show()
        loop.exec()
    progress.close()
    progress.deleteLater()
    error = outcome.get("error")
    if isinstance(error, PrintCancelledError):
        return False
    if isinstance(error, PrintError):
        show_error(parent, "Drucken nicht möglich", str(error))
        return False
    if error is not None:
        log.warning("printing failed: %s", type(error).__name__)
        show_error(
            parent,
            "Drucken nicht möglich",
            "Beim Drucken ist ein unerwarteter Fehler aufgetreten; möglicherweise wurde nicht alles "
            "gedruckt. Bitte prüfen Sie den Ausdruck und drucken Sie bei Bedarf erneut.",
        )
        return False
    return True


# -- saving ---------------------------------------------------------------------------------------
_FORBIDDEN = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')
_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"{port}{i}" for port in ("COM", "LPT") for i in range(1, 10)}
_last_folder: Path | None = None  # where the clerk saved last in this session


def safe_file_name(name: str, fallback: str = "Dokument") -> str:
    """A file name that Windows and Linux accept: no separators, control or reserved characters,
    no reserved device names, at most 120 characters. Umlauts stay."""
    text = unicodedata.normalize("NFC", name)
    text = _FORBIDDEN.sub(" ", text)
    text = re.sub(r"\.{2,}", " ", text)  # "..": harmless without separators, but looks like a path
    text = re.sub(r"\s+", " ", text).strip(" .")
    stem = text[:-4] if text.lower().endswith(".pdf") else text
    stem = stem[:120].rstrip(" .")
    if not stem or stem.split(".")[0].upper() in _RESERVED:
        stem = f"{fallback} {stem}".strip() if stem else fallback
    return stem + ".pdf"


def save_pdf_as(parent: QWidget | None, data: bytes, suggested_name: str) -> Path | None:
    """Ask where to save ``data`` (German dialog), write it atomically; None if cancelled or failed."""
    global _last_folder
    folder = _last_folder or Path(
        QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) or Path.home()
    )
    chosen, _filter = QFileDialog.getSaveFileName(
        parent, "Als PDF speichern", str(folder / safe_file_name(suggested_name)), "PDF-Dokument (*.pdf)"
    )
    if not chosen:
        return None
    target = Path(chosen)
    if target.suffix.lower() != ".pdf":
        target = target.with_name(target.name + ".pdf")
    try:
        write_atomically(target, data)
    except OSError as exc:
        log.warning("saving a PDF failed: %s (errno %s)", type(exc).__name__, exc.errno)
        show_error(parent, "Speichern nicht möglich", _save_error_text(target, exc))
        return None
    _last_folder = target.parent
    return target


def write_atomically(target: Path, data: bytes) -> None:
    """Write to a temporary file beside ``target``, then replace it: never a half-written PDF."""
    handle, temp_name = tempfile.mkstemp(dir=target.parent, prefix=".~", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as temp:
            temp.write(data)
            temp.flush()
            os.fsync(temp.fileno())
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def _save_error_text(target: Path, exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        reason = (
            "Sie haben dort keine Schreibrechte, oder die Datei ist in einem anderen Programm geöffnet. "
            "Schließen Sie die Datei oder wählen Sie einen anderen Ordner."
        )
    elif isinstance(exc, (FileNotFoundError, NotADirectoryError)):
        reason = "Den Ordner gibt es nicht (mehr). Bitte wählen Sie einen anderen Ordner."
    else:
        reason = (
            "Vielleicht ist der Datenträger voll oder nicht erreichbar. Bitte wählen Sie einen anderen Ort."
        )
    return (
        f"Die Datei konnte nicht gespeichert werden:\n{target}\n\n{reason}\n"
        "Das Dokument selbst ist unverändert."
    )
