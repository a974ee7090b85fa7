"""The EPC QR code ("GiroCode") of a fee block: EPC069-12 version 002, drawn as vector modules.

Names and purposes are cut to the EPC limits (70 and 140 characters, 331 bytes in all). Bank
data that cannot make a valid transfer (bad IBAN checksum, amount out of range) gives no code
rather than one that a banking app rejects or, worse, reads differently.

segno encodes the symbol, the data mask is chosen here: ISO 18004 asks for the mask with the
lowest penalty, and segno scores the eight candidates module by module in Python (three quarters
of its encoding time). :func:`qr_matrix` scores them by the same rules on rows and columns held
as integers and strings, so the symbol is exactly the one segno would make, four times faster.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

import segno
from reportlab.platypus import Flowable

from .model import FeeBlock

MM = 72 / 25.4
CAPTION = "GiroCode – mit Ihrer Banking-App scannen"
QUIET_ZONE = 4  # modules of white around the symbol (ISO 18004)
MIN_SIZE_MM = 32.0
MAX_NAME, MAX_TEXT, MAX_PAYLOAD = 70, 140, 331
MAX_VERSION = 13  # EPC069-12 allows versions 1 to 13 at error correction level M
_IBAN = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")
_BIC = re.compile(r"[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?")
_CHARSETS = {"utf-8": "1", "iso-8859-1": "2"}  # EPC069-12 character set numbers

QrMatrix = tuple[bytes, ...]  # rows of modules (1 = dark), without the quiet zone


def iban_is_valid(iban: str) -> bool:
    """Format and ISO 13616 checksum (mod 97 = 1)."""
    compact = "".join(iban.split()).upper()
    if not _IBAN.fullmatch(compact):
        return False
    digits = "".join(str(int(char, 36)) for char in compact[4:] + compact[:4])
    return int(digits) % 97 == 1


def one_line(text: str) -> str:
    """Payload fields are lines: no control characters, whitespace collapsed."""
    return " ".join("".join(" " if not char.isprintable() else char for char in text).split())


def epc_qr(fee: FeeBlock) -> QrMatrix | None:
    """The GiroCode of ``fee``, or None if the data cannot make a valid transfer."""
    iban = "".join(fee.bank.iban.split()).upper()
    bic = "".join(fee.bank.bic.split()).upper()
    cents = fee.total_cents
    name = one_line(fee.payee)[:MAX_NAME].strip()
    text = one_line(fee.purpose or fee.kassenzeichen)[:MAX_TEXT].strip()
    if not iban_is_valid(iban) or not name or not text or not 1 <= cents <= 99_999_999_999:
        return None
    bic = bic if _BIC.fullmatch(bic) else ""
    # The payload is capped in bytes; umlauts take two in UTF-8, so shorten the purpose, then the name.
    while len(payload := epc_payload(name, iban, cents, text, bic)) > MAX_PAYLOAD:
        if len(text) > 35:
            text = text[:-5].rstrip()
        else:
            name = name[:-5].rstrip()
    try:
        return qr_matrix(payload)
    except ValueError:  # more than version 13 holds
        return None


def epc_payload(name: str, iban: str, cents: int, text: str, bic: str = "") -> bytes:
    """A credit transfer with unstructured remittance text, byte for byte as segno's ``make_epc_qr``
    writes it (the amount without trailing zeros: ``EUR12.5``)."""
    charset = _charset(name + text)
    amount = f"EUR{Decimal(cents) / 100:.2f}".rstrip("0").rstrip(".")
    lines = ("BCD", "002", _CHARSETS[charset], "SCT", bic, name, iban, amount, "", "", text)
    return "\n".join(lines).encode(charset)


def _charset(text: str) -> str:
    """ISO 8859-1 (EPC charset 2) when it holds the text: a QR reader's default for bytes, so even
    scanners that ignore the charset line show umlauts right; UTF-8 (charset 1) otherwise."""
    try:
        text.encode("iso-8859-1")
    except UnicodeEncodeError:
        return "utf-8"
    return "iso-8859-1"


# --- choosing the data mask ------------------------------------------------------------------------
# A line (row or column) is an int with module 0 as its top bit. The penalty is counted on all lines
# at once, stacked into one int with four light gap modules below each line: bit operations then
# carry no run or pattern from one line into the next, and the gap reads like the light margin that
# segno assumes beyond the ends of a line.

_GAP = 4
_TO_DIGITS = bytes.maketrans(b"\x00\x01", b"01")
_FROM_DIGITS = bytes.maketrans(b"01", b"\x00\x01")


def stack(lines: Sequence[int], size: int) -> int:
    """``lines`` of ``size`` modules as one int, the first line on top, each with a gap below."""
    stacked = 0
    for line in lines:
        stacked = (stacked << (size + _GAP)) | line
    return stacked << _GAP


@dataclass(frozen=True)
class Shapes:
    """Bit masks over the stacked rows (``size`` lines) or rows and columns (2 × ``size`` lines)."""

    size: int
    modules: int  # rows and columns: every module, no gap
    windows: int  # rows and columns: last module of each seven modules wide window inside a line
    blocks: int  # rows: top-left module of each 2 × 2 block

    @classmethod
    def of(cls, size: int) -> Shapes:
        line = (1 << size) - 1
        return cls(
            size=size,
            modules=stack([line] * 2 * size, size),
            windows=stack([line >> 6] * 2 * size, size),
            blocks=stack([line & ~1] * (size - 1) + [0], size),  # not the last row, not the last module
        )


@dataclass(frozen=True)
class _Layout:
    """One symbol size: which modules the data masks leave alone, which each of them flips."""

    dark: tuple[int, ...]  # rows: dark function modules, format and version areas light (unwritten)
    data: tuple[int, ...]  # rows: the encoding region
    flips: tuple[tuple[tuple[int, ...], int, int], ...]  # per mask: its rows, stacked rows, stacked lines
    shapes: Shapes


@cache
def _layout(size: int) -> _Layout:
    """Built with segno's own function pattern and mask builders: the modules scored here are the
    ones segno scores."""
    from segno import encoder

    template = encoder.make_matrix(size, size)  # timing pattern; format and version areas light
    encoder.add_finder_patterns(template, size, size)
    encoder.add_alignment_patterns(template, size, size)  # what is still 2 is free for data
    flips = []
    for flipped in encoder.get_data_mask_functions(False):
        cells = [[template[i][j] > 1 and bool(flipped(i, j)) for j in range(size)] for i in range(size)]
        rows, columns = _lines(cells), _lines([list(column) for column in zip(*cells, strict=True)])
        flips.append((rows, stack(rows, size), stack(rows + columns, size)))
    return _Layout(
        dark=_lines([[value == 1 for value in row] for row in template]),
        data=_lines([[value > 1 for value in row] for row in template]),
        flips=tuple(flips),
        shapes=Shapes.of(size),
    )


def _lines(cells: list[list[bool]]) -> tuple[int, ...]:
    return tuple(int("".join("1" if cell else "0" for cell in line), 2) for line in cells)


def qr_matrix(payload: bytes) -> QrMatrix:
    """The QR code of ``payload`` at level M (EPC069-12: no boost) with the data mask ISO 18004
    prescribes: the first of the eight with the lowest penalty. ValueError beyond version 13."""
    from segno import consts, encoder

    base = segno.make_qr(payload, error="m", boost_error=False, mask=0)
    if base.version > MAX_VERSION:
        raise ValueError(f"EPC QR codes end at version {MAX_VERSION}, not {base.version}")
    size = len(base.matrix)
    layout = _layout(size)
    rows = [int(bytes(row).translate(_TO_DIGITS), 2) for row in base.matrix]
    zero = layout.flips[0][0]
    # Unmasked, as segno scores it: function patterns, light format and version areas, plain data.
    plain = [
        dark | ((row & data) ^ flip)
        for row, dark, data, flip in zip(rows, layout.dark, layout.data, zero, strict=True)
    ]
    digits = "".join(format(row, f"0{size}b") for row in plain)
    columns = [int(digits[j::size], 2) for j in range(size)]
    plain_rows, plain_lines = stack(plain, size), stack(plain + columns, size)
    scores = [
        penalty(plain_rows ^ flip_rows, plain_lines ^ flip_lines, layout.shapes)
        for _, flip_rows, flip_lines in layout.flips
    ]
    best = scores.index(min(scores))
    final = tuple(
        bytearray(format(row ^ old ^ new, f"0{size}b").encode().translate(_FROM_DIGITS))
        for row, old, new in zip(rows, zero, layout.flips[best][0], strict=True)
    )
    encoder.add_format_info(final, base.version, consts.ERROR_LEVEL_M, best)
    return tuple(bytes(row) for row in final)


def penalty(rows: int, lines: int, shapes: Shapes) -> int:
    """ISO 18004 penalty N1 + N2 + N3 + N4 of a masked symbol, counted as segno counts it.

    ``rows``: the rows stacked; ``lines``: the rows, then the columns, stacked."""
    n1 = _runs(lines) + _runs(~lines & shapes.modules)
    n2 = 3 * _blocks(rows, shapes)
    n3 = 40 * _finder_like(lines, shapes)
    n4 = 10 * int(abs(float(rows.bit_count()) / (shapes.size**2) * 100 - 50) / 5)  # segno's float maths
    return n1 + n2 + n3 + n4


def _runs(dark: int) -> int:
    """N1 of the dark runs in ``dark``: 3 + (length - 5) for each of five or more modules."""
    fives = dark & (dark >> 1) & (dark >> 2) & (dark >> 3) & (dark >> 4)  # a run of five starts here
    runs = fives & ~(fives >> 1)  # one bit per run: its last start of five
    return fives.bit_count() + 2 * runs.bit_count()


def _blocks(rows: int, shapes: Shapes) -> int:
    """2 × 2 blocks of one colour (overlapping blocks count each)."""
    below = ~(rows ^ (rows << (shapes.size + _GAP)))  # module as dark as the one below it
    beside = ~(rows ^ (rows << 1))  # module as dark as the one right of it
    return (below & (below << 1) & beside & shapes.blocks).bit_count()


def _finder_like(lines: int, shapes: Shapes) -> int:
    """Patterns dark-light-dark-dark-dark-light-dark with four light modules (or the edge) on
    one side, as segno scans for them: behind a counted pattern it searches on after its end,
    so another pattern starting on its fifth or seventh module is skipped."""
    x = lines
    found = x & ~(x >> 1) & (x >> 2) & (x >> 3) & (x >> 4) & ~(x >> 5) & (x >> 6) & shapes.windows
    dark_before = (x >> 7) | (x >> 8) | (x >> 9) | (x >> 10)
    dark_after = (x << 1) | (x << 2) | (x << 3) | (x << 4)
    counting = found & ~(dark_before & dark_after)
    # Counted = counting and not skipped by a counted one four or six modules before (higher bits).
    # Each round settles one more link of such chains; the fixed point is segno's left-to-right scan.
    counted, previous = counting, -1
    while counted != previous:
        previous, counted = counted, counting & ~(counted >> 4) & ~(counted >> 6)
    return counted.bit_count()


# --- drawing ---------------------------------------------------------------------------------------

_DARK_RUN = re.compile(b"\x01+")


class QrCode(Flowable):
    """A QR symbol with its quiet zone, as filled rectangles (sharp at any zoom, no image)."""

    def __init__(self, matrix: QrMatrix, size: float | None = None) -> None:
        super().__init__()
        self.rows = matrix
        count = len(self.rows) + 2 * QUIET_ZONE
        self.module = max((size or MIN_SIZE_MM * MM) / count, 0.42 * MM)
        self.size = self.module * count

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        canv = self.canv
        canv.saveState()
        canv.setFillColorRGB(1, 1, 1)
        canv.rect(0, 0, self.size, self.size, stroke=0, fill=1)
        canv.setFillColorRGB(0, 0, 0)
        # In module units, with y growing downwards from the symbol's top-left corner: every run of
        # dark modules in a row is one rectangle, all filled as one path (no seams between them).
        canv.translate(QUIET_ZONE * self.module, self.size - QUIET_ZONE * self.module)
        canv.scale(self.module, -self.module)
        rects = [
            f"{run.start()} {y} {run.end() - run.start()} 1 re"
            for y, row in enumerate(self.rows)
            for run in _DARK_RUN.finditer(row)
        ]
        if rects:
            canv.addLiteral("\n".join(rects) + "\nf")
        canv.restoreState()
