"""PDF preview, printing and saving with real widgets, real QtPdf and real files."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pypdf
import pytest
from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtGui import QImage
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit, QMessageBox

from kommune_desk.ui import pdf_printing
from kommune_desk.ui.pdf_preview import PdfPreview
from kommune_desk.ui.pdf_printing import (
    a4_printer,
    print_documents_to,
    print_many,
    print_pdf_to,
    safe_file_name,
    save_pdf_as,
)

A4_POINTS = (595.28, 841.89)


def letter_pdf(pages: int = 2, text: str = "Bewilligungsbescheid") -> bytes:
    """A real multi-page PDF, made the way our letters are made (reportlab)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    for page in range(1, pages + 1):
        pdf.setFont("Helvetica-Bold", 28)
        pdf.drawString(72, 760, f"{text} – Seite {page}")
        pdf.setFont("Helvetica", 11)
        for line in range(40):
            pdf.drawString(72, 720 - 14 * line, f"Zeile {line}: Gemeinde Nauheim, Aktenzeichen MW-2026-00042")
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def has_ink(image: QImage) -> bool:
    """Whether dark (text) pixels were painted, sampled on a grid (QtPdf leaves paper transparent)."""
    step = max(1, min(image.width(), image.height()) // 200)
    return any(
        (color := image.pixelColor(x, y)).alpha() > 128 and color.lightness() < 80
        for y in range(0, image.height(), step)
        for x in range(0, image.width(), step)
    )


def a4_pages(path: Path) -> list[tuple[float, float]]:
    return [(float(page.mediabox.width), float(page.mediabox.height)) for page in pypdf.PdfReader(path).pages]


def is_a4(size: tuple[float, float]) -> bool:
    return abs(size[0] - A4_POINTS[0]) <= 1 and abs(size[1] - A4_POINTS[1]) <= 1


@contextmanager
def answered_file_dialog(path: Path | None) -> Iterator[list[tuple[str, str]]]:
    """Answer file dialogs with ``path`` (None: cancel); say "Ja" to questions and close other
    message boxes, recording their (title, text)."""
    seen: list[tuple[str, str]] = []
    answered: list[QFileDialog] = []

    def poll() -> None:
        widget = QApplication.activeModalWidget()
        if isinstance(widget, QFileDialog) and widget not in answered:
            answered.append(widget)
            if path is None:
                widget.reject()
            else:
                name = widget.findChild(QLineEdit, "fileNameEdit")
                assert name is not None
                name.setText(str(path))  # what the clerk types
                # Later, not from here: accept() may ask about overwriting in a nested event loop,
                # and this timer cannot fire again while its own slot is still running.
                QTimer.singleShot(0, widget.accept)
        elif isinstance(widget, QMessageBox):
            seen.append((widget.windowTitle(), widget.text()))
            yes = widget.button(QMessageBox.StandardButton.Yes)
            if yes is not None:
                yes.click()
            else:
                widget.done(0)

    app = QCoreApplication.instance()
    native = app.testAttribute(Qt.ApplicationAttribute.AA_DontUseNativeDialogs)
    app.setAttribute(Qt.ApplicationAttribute.AA_DontUseNativeDialogs, True)  # a widget we can answer
    timer = QTimer()
    timer.timeout.connect(poll)
    timer.start(20)
    try:
        yield seen
    finally:
        timer.stop()
        app.setAttribute(Qt.ApplicationAttribute.AA_DontUseNativeDialogs, native)


@pytest.fixture
def preview(qtbot) -> PdfPreview:  # type: ignore[no-untyped-def]
    widget = PdfPreview()
    qtbot.addWidget(widget)
    widget.resize(520, 700)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


# -- preview --------------------------------------------------------------------------------------
def test_preview_shows_all_pages_and_the_page_label(qtbot, preview: PdfPreview) -> None:  # type: ignore[no-untyped-def]
    assert preview.message_text() == "Noch kein Dokument ausgewählt."
    with qtbot.waitSignal(preview.document_shown) as shown:
        assert preview.show_pdf(letter_pdf(2), "Bewilligungsbescheid MW-2026-00042")
    assert shown.args == [2]
    assert preview.page_count() == 2
    assert preview.page_label.text() == "Seite 1 von 2"
    assert preview.title.text() == "Bewilligungsbescheid MW-2026-00042"
    qtbot.waitUntil(lambda: has_ink(preview.view.viewport().grab().toImage()), timeout=5000)

    bar = preview.view.verticalScrollBar()
    bar.setValue(bar.maximum())
    qtbot.waitUntil(lambda: preview.page_label.text() == "Seite 2 von 2", timeout=3000)


def test_a_new_document_replaces_the_old_one(qtbot, preview: PdfPreview) -> None:  # type: ignore[no-untyped-def]
    preview.show_pdf(letter_pdf(2), "Erste Fassung")
    assert preview.show_pdf(letter_pdf(3), "Zweite Fassung")
    assert preview.page_count() == 3
    assert preview.page_label.text() == "Seite 1 von 3"
    qtbot.waitUntil(lambda: has_ink(preview.view.viewport().grab().toImage()), timeout=5000)


def test_clear_shows_a_placeholder_text(preview: PdfPreview) -> None:
    preview.show_pdf(letter_pdf(1), "Bescheid")
    preview.clear("Vorschau wird erstellt …")
    assert not preview.is_showing_pdf()
    assert preview.page_count() == 0
    assert preview.message.isVisible()
    assert preview.message_text() == "Vorschau wird erstellt …"


@pytest.mark.parametrize("data", [b"", b"%PDF-1.7\nkaputt", letter_pdf(2)[:400]])
def test_broken_bytes_show_a_german_message_instead_of_raising(
    qtbot, preview: PdfPreview, data: bytes
) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(preview.load_failed) as failed:
        assert preview.show_pdf(data, "Bescheid") is False
    assert failed.args[0].startswith("Die Vorschau kann nicht angezeigt werden.")
    assert preview.message.isVisible()
    assert "PDF-Dokument" in preview.message_text() or "gelesen" in preview.message_text()
    assert preview.page_count() == 0
    assert preview.show_pdf(letter_pdf(1), "Danach wieder gut")  # the widget is still usable


# -- printing ---------------------------------------------------------------------------------------
def _pdf_printer(path: Path, title: str = "Bescheid") -> QPrinter:
    printer = a4_printer(title)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    return printer


def test_print_pdf_to_prints_every_page_on_a4(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "gedruckt.pdf"
    assert print_pdf_to(_pdf_printer(out), letter_pdf(2)) == 2
    sizes = a4_pages(out)
    assert len(sizes) == 2
    assert all(is_a4(size) for size in sizes), sizes


def test_print_pdf_to_lays_the_page_where_the_original_is(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize
    from PySide6.QtPdf import QPdfDocument

    original = letter_pdf(1)
    out = tmp_path / "gedruckt.pdf"
    print_pdf_to(_pdf_printer(out), original)

    def first_ink_row(data: bytes) -> int:
        buffer = QBuffer()
        buffer.setData(QByteArray(data))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        doc = QPdfDocument()
        doc.load(buffer)
        image = doc.render(0, QSize(595, 842))
        return next(y for y in range(image.height()) if has_ink(image.copy(0, y, image.width(), 1)))

    assert abs(first_ink_row(out.read_bytes()) - first_ink_row(original)) <= 1  # within ~1 pt


def test_a_batch_is_one_job_with_all_documents_in_order(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "stapel.pdf"
    printed = print_documents_to(_pdf_printer(out), [letter_pdf(2, "Erster"), letter_pdf(1, "Zweiter")])
    assert printed == 3
    texts = [page.extract_text() or "" for page in pypdf.PdfReader(out).pages]
    assert len(texts) == 3  # raster pages carry no text; order is checked through the page count


def test_print_many_asks_once_and_prints_all(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The real dialog path: one print dialog (answered with "Print to file"), one job."""
    out = tmp_path / "alle.pdf"
    dialogs: list[str] = []

    def answer() -> None:
        widget = QApplication.activeModalWidget()
        if isinstance(widget, QPrintDialog):
            dialogs.append(widget.windowTitle())
            name = widget.findChild(QLineEdit, "filename")
            if name is None:
                widget.reject()
                return
            name.setText(str(out))
            widget.accept()

    timer = QTimer()
    timer.timeout.connect(answer)
    timer.start(20)
    try:
        result = print_many(None, [("Erster", letter_pdf(2)), ("Zweiter", letter_pdf(1))])
    finally:
        timer.stop()
    if not dialogs or not out.exists():
        pytest.skip("this platform's print dialog offers no 'print to file'")
    assert result is True
    assert dialogs == ["2 Schreiben drucken"]
    assert len(a4_pages(out)) == 3


def test_a_broken_document_is_refused_before_anything_is_printed(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "nichts.pdf"
    with pytest.raises(pdf_printing.PrintError, match="Dokument 2 ist kein lesbares PDF-Dokument"):
        print_documents_to(_pdf_printer(out), [letter_pdf(1), b"kein pdf"])
    assert not out.exists()


# -- saving ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("suggested", "expected"),
    [
        ("Bewilligungsbescheid MW-2026-00042", "Bewilligungsbescheid MW-2026-00042.pdf"),
        ("Bescheid ../../etc/passwd", "Bescheid etc passwd.pdf"),
        ('Roß: "Ablehnung" <MW\\2026|00042>?*.pdf', "Roß Ablehnung MW 2026 00042.pdf"),
        ("CON", "Dokument CON.pdf"),
        ("...", "Dokument.pdf"),
        ("Zeile\nUmbruch\t", "Zeile Umbruch.pdf"),
    ],
)
def test_safe_file_name(suggested: str, expected: str) -> None:
    assert safe_file_name(suggested) == expected


def test_save_pdf_as_writes_the_bytes_and_adds_the_suffix(qtbot, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(pdf_printing, "_last_folder", tmp_path)
    data = letter_pdf(2)
    with answered_file_dialog(tmp_path / "Bescheid MW-2026-00042") as seen:
        saved = save_pdf_as(None, data, "Bewilligungsbescheid MW-2026-00042")
    assert seen == []
    assert saved == tmp_path / "Bescheid MW-2026-00042.pdf"
    assert saved.read_bytes() == data
    assert [p.name for p in tmp_path.iterdir()] == [saved.name]  # no temporary file left behind


def test_save_pdf_as_replaces_an_existing_file_after_asking(qtbot, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(pdf_printing, "_last_folder", tmp_path)
    target = tmp_path / "Bescheid.pdf"
    target.write_bytes(b"alt")
    data = letter_pdf(1)
    with answered_file_dialog(target) as seen:
        assert save_pdf_as(None, data, "Bescheid") == target
    assert len(seen) == 1  # the file dialog asked before replacing
    assert target.read_bytes() == data


def test_cancelling_the_save_dialog_writes_nothing(qtbot, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(pdf_printing, "_last_folder", tmp_path)
    with answered_file_dialog(None):
        assert save_pdf_as(None, letter_pdf(1), "Bescheid") is None
    assert list(tmp_path.iterdir()) == []


def test_save_pdf_as_explains_a_failure_in_german(qtbot, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(pdf_printing, "_last_folder", tmp_path)
    not_a_folder = tmp_path / "akte.txt"
    not_a_folder.write_text("eine Datei, kein Ordner")
    with answered_file_dialog(not_a_folder / "Bescheid.pdf") as seen:
        assert save_pdf_as(None, letter_pdf(1), "Bescheid") is None
    assert len(seen) == 1
    title, text = seen[0]
    assert title == "Speichern nicht möglich"
    assert text.startswith("Die Datei konnte nicht gespeichert werden")
    assert "anderen Ordner" in text
    assert not_a_folder.read_text() == "eine Datei, kein Ordner"
