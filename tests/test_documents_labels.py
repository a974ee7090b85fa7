"""Asset tags: real PDFs read back – QR codes scanned from a 300 dpi raster, text positions measured."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

from kommune_desk.documents.labels import (
    A4_3x8,
    AssetLabel,
    LabelLayout,
    parse_qr_payload,
    qr_payload,
    render_label_sheet,
)

MM = 72 / 25.4
DPI = 300
TOLERANCE_MM = 0.5
HOSTILE = (
    AssetLabel("KGG-KS-900", "Ä" * 500, "Kreis Groß-Gerau"),
    AssetLabel("KGG-KS-901", "<img src=x> Kamera", "<b>Nauheim</b> & Co"),
    AssetLabel("KGG-KS-902", "\u202earemaK\u202c Wärmebild", "\u200fRiedstadt"),
    AssetLabel("KGG-KS-903", "CO₂-Messgerät 😀🌡️ 𝐀", "Groß-Gerau", owner_text="Eigentum 😀 " + "x" * 400),
    AssetLabel("NAU-LUFT-2026-000123-ABCDEFGH", "Luftqualitätsmessgerät", "Bischofsheim"),
    AssetLabel("X" * 120, "\x00\x07Steuer\nzeichen\t", "Stockstadt am Rhein"),
)


def _labels(count: int) -> list[AssetLabel]:
    names = ("Wärmebildkamera FLIR E8 Pro", "Strommessgerät Energy Logger 4000", "CO₂-Messgerät Aranet4")
    return [AssetLabel(f"KGG-KS-{n:03d}", names[n % 3], "Kreis Groß-Gerau") for n in range(1, count + 1)]


def _scan(pdf: bytes, layout: LabelLayout = A4_3x8) -> list[dict[int, str]]:
    """Per page: slot (0 = top left) → payload of the QR code found there."""
    import pypdfium2 as pdfium
    from pyzbar.pyzbar import ZBarSymbol, decode

    pages = []
    document = pdfium.PdfDocument(pdf)
    try:
        for page in document:
            image = page.render(scale=DPI / 72, grayscale=True).to_pil()
            found: dict[int, str] = {}
            for symbol in decode(image, symbols=[ZBarSymbol.QRCODE]):
                centre_x = (symbol.rect.left + symbol.rect.width / 2) * 25.4 / DPI
                centre_y = (symbol.rect.top + symbol.rect.height / 2) * 25.4 / DPI
                slot = _slot_at(layout, centre_x, centre_y)
                assert slot is not None and slot not in found
                found[slot] = symbol.data.decode("utf-8")
            pages.append(found)
    finally:
        document.close()
    return pages


def _slot_at(layout: LabelLayout, x_mm: float, y_mm: float) -> int | None:
    for slot in range(layout.per_page):
        left, top, width, height = layout.label_box(slot)
        if left <= x_mm <= left + width and top <= y_mm <= top + height:
            return slot
    return None


def _chars(pdf: bytes) -> list[list[dict]]:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return [list(page.chars) for page in document.pages]


def _text_by_slot(chars: list[dict], layout: LabelLayout = A4_3x8) -> dict[int, str]:
    """Each character must lie inside the label its centre is on (± 0.5 mm); text per slot."""
    texts: dict[int, list[str]] = {}
    tol = TOLERANCE_MM * MM
    for char in chars:
        slot = _slot_at(layout, (char["x0"] + char["x1"]) / 2 / MM, (char["top"] + char["bottom"]) / 2 / MM)
        assert slot is not None, f"{char['text']!r} lies outside every label"
        left, top, width, height = (value * MM for value in layout.label_box(slot))
        assert left - tol <= char["x0"] and char["x1"] <= left + width + tol, char
        assert top - tol <= char["top"] and char["bottom"] <= top + height + tol, char
        texts.setdefault(slot, []).append(char["text"])
    return {slot: "".join(text) for slot, text in texts.items()}


def test_payload_format() -> None:
    assert qr_payload("KGG-KS-007") == "KD-GERAET:KGG-KS-007"
    assert parse_qr_payload("KD-GERAET:KGG-KS-007") == "KGG-KS-007"
    assert parse_qr_payload("KD-GERAET:") is None
    assert parse_qr_payload("https://example.org") is None


def test_every_qr_code_decodes_in_its_slot_and_30_labels_take_two_pages() -> None:
    labels = _labels(30)
    pages = _scan(render_label_sheet(labels))
    assert len(pages) == 2
    assert pages[0] == {slot: labels[slot].payload for slot in range(24)}
    assert pages[1] == {slot: labels[24 + slot].payload for slot in range(6)}


def test_text_stays_inside_each_label() -> None:
    labels = _labels(24)
    (chars,) = _chars(render_label_sheet(labels))
    texts = _text_by_slot(chars)
    assert sorted(texts) == list(range(24))
    for slot, label in enumerate(labels):
        flat = texts[slot].replace(" ", "")
        assert label.inventory_number in flat
        assert "KreisGroß-Gerau" in flat and "Klimaschutz-Geräteverleih" in flat
        assert label.name.split()[0] in flat


def test_start_position_continues_a_partly_used_sheet() -> None:
    labels = _labels(4)
    pdf = render_label_sheet(labels, start_position=23)
    pages = _scan(pdf)
    assert pages == [
        {22: labels[0].payload, 23: labels[1].payload},
        {0: labels[2].payload, 1: labels[3].payload},
    ]
    assert [sorted(_text_by_slot(chars)) for chars in _chars(pdf)] == [[22, 23], [0, 1]]


@pytest.mark.parametrize("position", [0, 25])
def test_start_position_out_of_range_is_refused(position: int) -> None:
    with pytest.raises(ValueError, match="zwischen 1 und 24"):
        render_label_sheet(_labels(1), start_position=position)


def test_an_empty_selection_is_refused() -> None:
    with pytest.raises(ValueError, match="keine Etiketten"):
        render_label_sheet([])


def test_hostile_text_renders_inside_its_label_with_drawable_glyphs_only() -> None:
    from pypdf import PdfReader

    pdf = render_label_sheet(HOSTILE)
    pages = _scan(pdf)
    assert pages == [{slot: label.payload for slot, label in enumerate(HOSTILE)}]
    (chars,) = _chars(pdf)
    texts = _text_by_slot(chars)
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    for bad in ("■", "\u202e", "\u202c", "\u200f", "\x00", "\x07", "\ufffd"):
        assert bad not in text
    assert "<img src=x>" in texts[1]  # shown literally, not interpreted
    assert "…" in texts[0] and "…" in texts[5]  # cut to fit, not overflowing
    assert "NAU-LUFT-2026-" in texts[4]  # a long number breaks after a hyphen


def test_only_embedded_dejavu_fonts() -> None:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(render_label_sheet(_labels(2))))
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert fonts and all("DejaVuSans" in name for name in fonts), fonts
    assert reader.metadata.title == "Inventaretiketten Geräteverleih"


def test_other_sheet_geometry() -> None:
    # Avery Zweckform L7163: 2 × 7 labels of 99.1 × 38.1 mm with a 2.5 mm gap between columns.
    layout = LabelLayout("L7163", 2, 7, 99.1, 38.1, margin_left_mm=4.65, margin_top_mm=15.15, gap_x_mm=2.5)
    assert layout.label_box(3) == pytest.approx((4.65 + 99.1 + 2.5, 15.15 + 38.1, 99.1, 38.1))
    labels = _labels(15)
    pdf = render_label_sheet(labels, layout)
    pages = _scan(pdf, layout)
    assert pages == [{slot: labels[slot].payload for slot in range(14)}, {0: labels[14].payload}]
    assert sorted(_text_by_slot(_chars(pdf)[0], layout)) == list(range(14))


def test_a_layout_that_does_not_fit_the_page_is_refused() -> None:
    with pytest.raises(ValueError, match="passen nicht"):
        LabelLayout("zu groß", 3, 9, 70, 37, margin_left_mm=0, margin_top_mm=0)


def test_importing_the_document_builders_does_not_load_reportlab() -> None:
    code = (
        "import sys, kommune_desk.documents.labels, kommune_desk.documents.loans; "
        "assert 'reportlab' not in sys.modules and 'segno' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
