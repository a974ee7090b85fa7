"""Asset tags for the shared equipment pool: a PDF sheet for self-adhesive label paper.

Each label shows a QR code, the inventory number (large), the device name, the owner town and a
line of owner text. The QR code holds ``KD-GERAET:<Inventarnummer>`` (see :func:`qr_payload`):
a fixed prefix, so a scan tells our tags apart from any other code on the device, followed by the
inventory number exactly as stored in ``devices.inventory_number``.

reportlab is imported inside :func:`render_label_sheet` only, so the window opens without it.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reportlab.pdfgen.canvas import Canvas

QR_PREFIX = "KD-GERAET:"
DEFAULT_OWNER_TEXT = "Eigentum des Kreises Groß-Gerau – Klimaschutz-Geräteverleih"
MM = 72 / 25.4  # points per millimetre


@dataclass(frozen=True)
class AssetLabel:
    """What one tag shows."""

    inventory_number: str
    name: str
    owner_town: str
    owner_text: str = DEFAULT_OWNER_TEXT

    @property
    def payload(self) -> str:
        return qr_payload(self.inventory_number)


def qr_payload(inventory_number: str) -> str:
    """``KD-GERAET:KGG-KS-007``: what the QR code of a tag holds."""
    return f"{QR_PREFIX}{inventory_number}"


def parse_qr_payload(payload: str) -> str | None:
    """The inventory number of a scanned tag, or ``None`` if the code is not one of ours."""
    if payload.startswith(QR_PREFIX) and len(payload) > len(QR_PREFIX):
        return payload[len(QR_PREFIX) :]
    return None


@dataclass(frozen=True)
class LabelLayout:
    """Geometry of a label sheet in mm, measured from the top-left corner of the page.

    ``padding_mm`` keeps print off the label edges: die-cutting and paper feed are off by up to a
    millimetre, and on sheets without margins most printers cannot print the outer ~4 mm at all.
    """

    name: str
    columns: int
    rows: int
    label_width_mm: float
    label_height_mm: float
    margin_left_mm: float
    margin_top_mm: float
    gap_x_mm: float = 0.0
    gap_y_mm: float = 0.0
    page_width_mm: float = 210.0
    page_height_mm: float = 297.0
    padding_mm: float = 4.5

    def __post_init__(self) -> None:
        right = self.margin_left_mm + self.columns * self.label_width_mm + (self.columns - 1) * self.gap_x_mm
        bottom = self.margin_top_mm + self.rows * self.label_height_mm + (self.rows - 1) * self.gap_y_mm
        if self.columns < 1 or self.rows < 1:
            raise ValueError(f"{self.name}: mindestens eine Spalte und eine Zeile.")
        if right > self.page_width_mm + 0.01 or bottom > self.page_height_mm + 0.01:
            raise ValueError(f"{self.name}: Die Etiketten passen nicht auf das Blatt.")
        if 2 * self.padding_mm >= min(self.label_width_mm, self.label_height_mm):
            raise ValueError(f"{self.name}: Der Innenrand ist größer als das Etikett.")

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def label_box(self, slot: int) -> tuple[float, float, float, float]:
        """``(left, top, width, height)`` in mm of the label at ``slot`` (0 = top left, row by row)."""
        row, column = divmod(slot % self.per_page, self.columns)
        left = self.margin_left_mm + column * (self.label_width_mm + self.gap_x_mm)
        top = self.margin_top_mm + row * (self.label_height_mm + self.gap_y_mm)
        return left, top, self.label_width_mm, self.label_height_mm


# Avery Zweckform 3474: 24 labels of 70 × 37 mm without side margins; 8 × 37 mm leaves 0.5 mm top and bottom.
A4_3x8 = LabelLayout(
    name="Avery Zweckform 3474 (70 × 37 mm, 3 × 8)",
    columns=3,
    rows=8,
    label_width_mm=70.0,
    label_height_mm=37.0,
    margin_left_mm=0.0,
    margin_top_mm=0.5,
)


def render_label_sheet(
    labels: Sequence[AssetLabel],
    layout: LabelLayout = A4_3x8,
    start_position: int = 1,
    *,
    outlines: bool = False,
) -> bytes:
    """A PDF with one tag per label, row by row; more labels than fit continue on further pages.

    ``start_position`` is the first free label on a partly used sheet, counted as a clerk counts:
    1 = top left, then along the row. ``outlines`` draws the label edges, for a test print on plain
    paper held against the label sheet (never on the real sheet: a cut that is a little off would
    show the line on the tag).
    """
    if not labels:
        raise ValueError("Es sind keine Etiketten zum Drucken ausgewählt.")
    if not 1 <= start_position <= layout.per_page:
        raise ValueError(f"Das erste freie Etikett muss zwischen 1 und {layout.per_page} liegen.")
    from reportlab.pdfgen.canvas import Canvas

    from .fonts import REGULAR, register_fonts

    register_fonts()
    buffer = io.BytesIO()
    page_height = layout.page_height_mm * MM
    canvas = Canvas(
        buffer,
        pagesize=(layout.page_width_mm * MM, page_height),
        initialFontName=REGULAR,  # else the page preamble references Helvetica
        pageCompression=1,
    )
    canvas.setTitle("Inventaretiketten Geräteverleih")
    canvas.setCreator("KommuneDesk")
    canvas.setAuthor("KommuneDesk")
    slot = start_position - 1
    for index, label in enumerate(labels):
        if index and slot % layout.per_page == 0:
            canvas.showPage()
        left, top, width, height = layout.label_box(slot)
        _draw_label(
            canvas, label, left * MM, page_height - (top + height) * MM, width * MM, height * MM, layout
        )
        if outlines:
            canvas.setStrokeGray(0.6)
            canvas.setLineWidth(0.3)
            canvas.rect(left * MM, page_height - (top + height) * MM, width * MM, height * MM)
        slot += 1
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


@dataclass(frozen=True)
class _Block:
    """Lines of one font and size in the text column of a tag."""

    font: str
    size: float
    lines: tuple[str, ...]
    gap_before: float = 0.0  # points above the block

    @property
    def leading(self) -> float:
        return self.size * 1.2

    @property
    def height(self) -> float:
        return self.gap_before + len(self.lines) * self.leading


def _text_blocks(label: AssetLabel, width: float, height: float) -> tuple[list[_Block], _Block]:
    """The stacked blocks (number, name, town) and the bottom block (owner text) for a column of
    ``width`` × ``height`` points; names and towns give up lines before anything overlaps."""
    from .fonts import BOLD, REGULAR, string_width
    from .text_safety import plain_line

    # The inventory number is what a clerk reads aloud and types: as large as fits on one line;
    # a very long one is broken onto two lines rather than cut (the QR code carries it whole too).
    number = plain_line(label.inventory_number) or "?"
    size = 14.0
    while size > 9 and string_width(number, BOLD, size) > width:
        size -= 0.5
    if string_width(number, BOLD, size) <= width:
        number_lines: tuple[str, ...] = (number,)
    else:
        number_lines = _split_number(number, BOLD, width)
        size = 12.0
        while size > 7 and max(string_width(line, BOLD, size) for line in number_lines) > width:
            size -= 0.5
        number_lines = tuple(_fit(" ".join(number_lines), BOLD, size, width, 2))
    number_block = _Block(BOLD, size, number_lines)
    footer = _Block(REGULAR, 5.5, _fit(plain_line(label.owner_text), REGULAR, 5.5, width, 3), gap_before=2)
    for name_lines, town_lines in ((2, 2), (2, 1), (1, 1), (1, 0), (0, 0)):
        blocks = [
            number_block,
            _Block(REGULAR, 7.5, _fit(plain_line(label.name), REGULAR, 7.5, width, name_lines), 1.5),
            _Block(BOLD, 7, _fit(plain_line(label.owner_town), BOLD, 7, width, town_lines), 1.5),
        ]
        if sum(block.height for block in blocks) + footer.height <= height:
            break
    return [block for block in blocks if block.lines], footer


def _split_number(number: str, font: str, width: float) -> tuple[str, ...]:
    """A long inventory number in two lines, broken after the separator that balances them best
    (``NAU-LUFT-2026-`` / ``000123``); one line if it has no separator."""
    from .fonts import string_width

    cuts = [index + 1 for index, char in enumerate(number[:-1]) if char in "-/._ "]
    if not cuts:
        return (number,)
    best = min(
        cuts, key=lambda cut: max(string_width(number[:cut], font, 10), string_width(number[cut:], font, 10))
    )
    return number[:best].rstrip(), number[best:].lstrip()


def _fit(text: str, font: str, size: float, width: float, max_lines: int) -> tuple[str, ...]:
    """``text`` wrapped into at most ``max_lines`` lines of drawable characters, cut with "…"."""
    from .text_safety import fit_lines

    return tuple(fit_lines(text, font, size, width, max_lines)) if max_lines else ()


def _draw_label(
    canvas: Canvas, label: AssetLabel, x: float, y: float, width: float, height: float, layout: LabelLayout
) -> None:
    """One tag with its bottom-left corner at ``(x, y)`` (points): QR code left, text right."""
    pad = layout.padding_mm * MM
    inner_h = height - 2 * pad
    qr_size = min(inner_h, (width - 2 * pad) * 0.42)
    qr_gap = 3.5 * MM  # ≥ 3 modules of quiet zone between code and text
    _draw_qr(canvas, label.payload, x + pad, y + pad + (inner_h - qr_size) / 2, qr_size)

    text_x = x + pad + qr_size + qr_gap
    text_w = x + width - pad - text_x
    blocks, footer = _text_blocks(label, text_w, inner_h)
    canvas.setFillGray(0)
    # The first baseline sits one cap height (≈ 0.73 em in DejaVu Sans) below the top, so the
    # number lines up with the top edge of the QR code.
    baseline = y + height - pad + blocks[0].leading - blocks[0].size * 0.76
    for block in blocks:
        canvas.setFont(block.font, block.size)
        baseline -= block.gap_before
        for line in block.lines:
            baseline -= block.leading
            canvas.drawString(text_x, baseline, line)
    # The owner text is anchored to the bottom, so it sits at the same place on every tag.
    canvas.setFont(footer.font, footer.size)
    canvas.setFillGray(0.3)
    baseline = y + pad + footer.size * 0.24  # DejaVu descent ≈ 0.24 em
    for line in reversed(footer.lines):
        canvas.drawString(text_x, baseline, line)
        baseline += footer.leading
    canvas.setFillGray(0)


def _draw_qr(canvas: Canvas, payload: str, x: float, y: float, size: float) -> None:
    """The QR code as vector squares (sharp at any printer resolution), runs merged per row."""
    import segno

    # Q (25 % recovery): tags get scratched and dirty on devices that travel between 13 towns.
    matrix = segno.make_qr(payload, error="q").matrix
    module = size / len(matrix)
    path = canvas.beginPath()
    for row_index, row in enumerate(matrix):
        row_y = y + size - (row_index + 1) * module
        column = 0
        while column < len(row):
            if not row[column]:
                column += 1
                continue
            run = column
            while run < len(row) and row[run]:
                run += 1
            path.rect(x + column * module, row_y, (run - column) * module, module)
            column = run
    canvas.setFillGray(0)
    canvas.drawPath(path, stroke=0, fill=1)
