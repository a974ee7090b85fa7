"""DIN 5008 Form B on A4: the geometry and the fixed parts of each page.

First page: letterhead, return line, Vermerkzone and address field, information block. Follow
pages: a small header. Every page: fold and hole marks, the footer, "Seite x von y". Fixed parts
are plain text drawn on the canvas (never parsed as markup), fitted into their boxes beforehand:
too long is wrapped, and what still does not fit ends in "…".
"""

from __future__ import annotations

import copy
import hashlib
import io
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache, partial

from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfdoc import PDFImageXObject
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

from kommune_desk.domain.formatting import format_date

from .fonts import BOLD, REGULAR, string_width
from .model import Letter
from .pdfa import DocumentInfo, make_archival
from .text_safety import ellipsize, fit_lines, plain_line, wrap

MM = 72 / 25.4
PAGE_WIDTH, PAGE_HEIGHT = A4

# Geometry in mm from the top-left corner of the sheet (DIN 5008 Form B).
LEFT = 25.0  # Fluchtlinie: body, address text and letterhead start here
RIGHT = 190.0  # 20 mm right margin
ADDRESS_X, ADDRESS_Y, ADDRESS_W, ADDRESS_H = 20.0, 45.0, 85.0, 45.0
RETURN_ZONE_H = 17.7  # Zusatz- und Vermerkzone with the return line at its top
ADDRESS_TEXT_X = 25.0
ADDRESS_LINES = 6
INFO_X, INFO_Y, INFO_BOTTOM = 125.0, 50.0, 93.0
FOLD_MARKS = (105.0, 210.0)
HOLE_MARK = 148.5
BODY_TOP_FIRST = 98.5
BODY_TOP_FOLLOW = 29.0
BODY_BOTTOM = 266.0
PAGE_NUMBER_Y = 270.5
FOOTER_RULE_Y = 273.5
FOOTER_BASELINE = 277.5
FOOTER_LEADING = 3.0
FOOTER_LINES = 5
FOOTER_SIZE = 6.8
LOGO_MAX_H, LOGO_MAX_W, LOGO_TOP = 25.0, 45.0, 10.0
INK = (0.1, 0.1, 0.1)
GREY = (0.35, 0.35, 0.35)
RULE = (0.55, 0.55, 0.55)


def y_of(mm_from_top: float) -> float:
    """Canvas y (points from the bottom) of a distance in mm from the top edge."""
    return PAGE_HEIGHT - mm_from_top * MM


@dataclass(frozen=True)
class Logo:
    image: PDFImageXObject  # pixels deflated once per process; each document registers a copy
    width: float  # points
    height: float


@dataclass(frozen=True)
class FixedParts:
    """Everything the page callbacks draw for one letter, already fitted into its box."""

    authority: list[str]
    office: str
    logo: Logo | None
    return_line: str
    return_size: float
    endorsement: list[str]
    recipient: list[str]
    info: list[tuple[str, list[str]]]  # label, value lines ("" label: a gap)
    info_value_x: float  # mm
    footer: list[tuple[float, list[tuple[str, bool]]]]  # per column: x in mm, (text, bold) lines
    follow_title: str
    follow_reference: str


# --- fitting the model into the boxes --------------------------------------------------------------


def prepare(letter: Letter) -> FixedParts:
    """Fit one letter's fixed parts into their DIN 5008 boxes."""
    sender = letter.sender
    logo = load_logo(sender.logo_png) if sender.logo_png else None
    head_right = (RIGHT - 5 - logo.width / MM) if logo else RIGHT
    head_width = (head_right - LEFT) * MM
    address = sender.address
    return_text = plain_line(
        " · ".join(
            part
            for part in (
                sender.authority.split(" – ")[0].strip(),
                address.street.strip(),
                f"{address.postal_code.strip()} {address.city.strip()}".strip(),
            )
            if part
        )
    )
    text_width = (ADDRESS_X + ADDRESS_W - ADDRESS_TEXT_X) * MM
    return_size = 7.0
    if string_width(return_text, REGULAR, return_size) > text_width:
        return_size = 6.0
    info_rows, value_x = _info_rows(letter)
    date = format_date(letter.info.date)
    return FixedParts(
        authority=fit_lines(sender.authority, BOLD, 14, head_width, 2),
        office=ellipsize(plain_line(sender.office), REGULAR, 10, head_width),
        logo=logo,
        return_line=ellipsize(return_text, REGULAR, return_size, text_width),
        return_size=return_size,
        endorsement=fit_lines(letter.recipient.endorsement, REGULAR, 8.5, text_width, 2),
        recipient=fit_address(letter.recipient.lines, text_width),
        info=info_rows,
        info_value_x=value_x,
        footer=_footer_columns(letter),
        follow_title=ellipsize(plain_line(sender.authority), BOLD, 9, 120 * MM),
        follow_reference=ellipsize(
            plain_line(f"Unser Zeichen: {letter.info.our_reference} · Datum: {date}"), REGULAR, 8, 165 * MM
        ),
    )


def fit_address(lines: Sequence[str], width: float, size: float = 10.0) -> list[str]:
    """The recipient in at most six lines of ``width`` points.

    Each line wraps. If that gives more than six, wrapped lines are folded back (ending in "…"),
    middle lines (c/o, street) before the first (the name) and the last (postcode and town).
    With more than six given lines, the first and the last five are kept: both matter for delivery.
    """
    given = [plain_line(line)[:400] for line in lines]
    given = [line for line in given if line] or [""]
    if len(given) > ADDRESS_LINES:
        given = [given[0], *given[-(ADDRESS_LINES - 1) :]]
    groups = [wrap(line, REGULAR, size, width, fill=True) or [""] for line in given]
    last = len(groups) - 1
    while sum(len(group) for group in groups) > ADDRESS_LINES:
        index = min(
            (index for index, group in enumerate(groups) if len(group) > 1),
            key=lambda index: (index in (0, last), -len(groups[index]), index),
        )
        group = groups[index]
        group[-2:] = [ellipsize(f"{group[-2]} {group[-1]}", REGULAR, size, width)]
    return [line for group in groups for line in group]


_INFO_LABEL_SIZE = 7.0
_INFO_VALUE_SIZE = 8.0
_INFO_LEADING = 3.9  # mm
_INFO_LABELS = (
    "Ihr Zeichen",
    "Ihre Nachricht vom",
    "Unser Zeichen",
    "Ansprechpartner/in",
    "Telefon",
    "E-Mail",
    "Datum",
)


def _info_rows(letter: Letter) -> tuple[list[tuple[str, list[str]]], float]:
    info = letter.info
    values = (
        info.your_reference,
        format_date(info.your_message_of) if info.your_message_of else "",
        info.our_reference,
        info.contact,
        info.phone,
        info.email,
    )
    label_width = max(string_width(label, REGULAR, _INFO_LABEL_SIZE) for label in _INFO_LABELS)
    value_x = INFO_X + label_width / MM + 2
    width = (RIGHT - value_x) * MM
    capacity = int((INFO_BOTTOM - INFO_Y - 3) / _INFO_LEADING) + 1
    present = [(label, plain_line(value)) for label, value in zip(_INFO_LABELS, values, strict=False)]
    present = [(label, value) for label, value in present if value]
    wrapped = [wrap(value[:200], REGULAR, _INFO_VALUE_SIZE, width) for _, value in present]
    # Date last, after a gap when there is room; values get two lines while that fits.
    needed = sum(min(len(lines), 2) for lines in wrapped) + 1
    per_value = 2 if needed <= capacity - 1 else 1
    rows: list[tuple[str, list[str]]] = []
    for (label, _value), lines in zip(present, wrapped, strict=True):
        kept = lines[:per_value]
        if len(lines) > per_value:
            kept[-1] = ellipsize(kept[-1], REGULAR, _INFO_VALUE_SIZE, width, cut=True)
        rows.append((label, kept))
    if sum(len(lines) for _, lines in rows) + 2 <= capacity:
        rows.append(("", []))
    rows.append(("Datum", [format_date(info.date)]))
    return rows, value_x


def _footer_columns(letter: Letter) -> list[tuple[float, list[tuple[str, bool]]]]:
    """Address, opening hours, contact and bank side by side, each as wide as it needs.

    If the columns do not fit next to each other, the widest are narrowed alike and wrap."""
    sender = letter.sender
    address = sender.address
    # "Stadt X – Der Magistrat" as two lines, each whole: the name of the authority is never cut.
    head, dash, rest = sender.authority.partition(" – ")
    authority = [head, f"– {rest}"] if dash else [sender.authority]
    raw: list[list[tuple[str, bool]]] = [
        [
            *((part, True) for part in authority),
            (sender.office, False),
            (address.street, False),
            (f"{address.postal_code} {address.city}", False),
        ]
    ]
    hours = [line for line in sender.opening_hours.splitlines() if line.strip()]
    if hours:
        raw.append([("Öffnungszeiten", True), *((line, False) for line in hours)])
    contact = [
        (f"{label} {value}", False)
        for label, value in (
            ("Telefon", sender.phone),
            ("E-Mail", sender.email),
            ("Internet", sender.website),
        )
        if value.strip()
    ]
    # An address is useless cut: these never wrap or end in "…" (their label goes first).
    addresses = {plain_line(value)[:300] for value in (sender.email, sender.website) if value.strip()}
    if contact:
        raw.append([("Kontakt", True), *contact])
    if sender.bank is not None:
        bank = sender.bank
        raw.append(
            [
                ("Bankverbindung", True),
                (bank.bank_name, False),
                (f"IBAN {group_iban(bank.iban)}", False),
                (f"BIC {bank.bic}", False),
            ]
        )
    cleaned = [[(plain_line(text)[:300], bold) for text, bold in lines] for lines in raw]
    cleaned = [[(text, bold) for text, bold in lines if text] for lines in cleaned]
    natural = [
        max(
            (string_width(text, BOLD if bold else REGULAR, FOOTER_SIZE) / MM for text, bold in lines),
            default=0,
        )
        for lines in cleaned
    ]
    # Never narrower than what must stay whole: the authority's lines, the IBAN (read and typed
    # group by group), the e-mail and web addresses.
    whole = {plain_line(part)[:300] for part in authority}
    unbreakable = [
        max(
            (
                string_width(_bare(text, addresses) or text, BOLD if bold else REGULAR, FOOTER_SIZE) / MM
                for text, bold in lines
                if text in whole or text.startswith("IBAN ") or _bare(text, addresses)
            ),
            default=0,
        )
        for lines in cleaned
    ]
    min_gap = 4.0
    room = RIGHT - LEFT - min_gap * (len(cleaned) - 1)
    widths = _share(natural, room, unbreakable)
    gap = (RIGHT - LEFT - sum(widths)) / (len(cleaned) - 1) if len(cleaned) > 1 else 0
    columns: list[tuple[float, list[tuple[str, bool]]]] = []
    x = LEFT
    for width, lines in zip(widths, cleaned, strict=True):
        fitted: list[tuple[str, bool]] = []
        for text, bold in lines:
            font = BOLD if bold else REGULAR
            bare = _bare(text, addresses)
            if bare and string_width(text, font, FOOTER_SIZE) > width * MM:
                text = bare  # "E-Mail" goes, the address stays whole (its @ says what it is)
            left = FOOTER_LINES - len(fitted)
            if left > 0:
                fitted += [
                    (line, bold) for line in fit_lines(text, font, FOOTER_SIZE, width * MM, min(2, left))
                ]
        columns.append((x, fitted))
        x += width + gap
    return columns


def _bare(text: str, whole: set[str]) -> str:
    """The address of a contact line ("E-Mail a@b.de" → "a@b.de") if it is one, else ""."""
    value = text.partition(" ")[2]
    return value if value in whole else ""


def _share(natural: list[float], room: float, floor: list[float] | None = None) -> list[float]:
    """Column widths: as needed if all fit in ``room``, else the widest capped at one common width
    (never below a column's ``floor``)."""
    floor = floor or [0.0] * len(natural)
    if sum(natural) <= room:
        return natural

    def capped(cap: float) -> list[float]:
        return [max(min(width, cap), least) for width, least in zip(natural, floor, strict=True)]

    low, high = 0.0, max(natural)
    for _ in range(40):  # bisect the cap so that the capped widths fill the room
        cap = (low + high) / 2
        low, high = (cap, high) if sum(capped(cap)) <= room else (low, cap)
    return capped(low)


def group_iban(iban: str) -> str:
    """``DE12500105170648489890`` → ``DE12 5001 0517 0648 4898 90``."""
    compact = "".join(iban.split()).upper()
    return " ".join(compact[index : index + 4] for index in range(0, len(compact), 4))


@lru_cache(maxsize=8)
def load_logo(png: bytes) -> Logo | None:
    """The coat of arms flattened onto white (PDF/A: no soft masks), at most 25 × 45 mm.

    Unreadable image data gives no logo rather than no letter."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(png)) as source:
            source.load()
            image = source.convert("RGBA")
    except Exception:  # any decoder error: the letter goes out without the logo
        return None
    if image.width < 1 or image.height < 1:
        return None
    image.thumbnail((900, 600))
    flat = Image.new("RGB", image.size, (255, 255, 255))
    flat.paste(image, mask=image.getchannel("A"))
    scale = min(LOGO_MAX_H * MM / flat.height, LOGO_MAX_W * MM / flat.width)
    with _plain_flate():  # the image object deflates its pixels as it is made
        image = PDFImageXObject(f"logo{hashlib.sha256(png).hexdigest()[:16]}", ImageReader(flat))
    return Logo(image, flat.width * scale, flat.height * scale)


# --- drawing ---------------------------------------------------------------------------------------


def _text(canv: Canvas, x_mm: float, top_mm: float, text: str, font: str, size: float) -> None:
    canv.setFont(font, size)
    canv.drawString(x_mm * MM, y_of(top_mm), text)


def draw_logo(canv: Canvas, logo: Logo) -> None:
    """The coat of arms top right: ``Canvas.drawImage`` without deflating and hashing the pixels
    again for every letter (a tenth of a letter's time); one image object per document, as there."""
    doc = canv._doc
    name = doc.getXObjectName(logo.image.name)
    if name not in doc.idToObject:
        doc.Reference(copy.copy(logo.image), name)  # a registered object is bound to its document
    canv._formsinuse.append(logo.image.name)  # the page's resources list the image
    canv.saveState()
    canv.translate(RIGHT * MM - logo.width, y_of(LOGO_TOP) - logo.height)
    canv.scale(logo.width, logo.height)
    canv._code.append(f"/{name} Do")
    canv.restoreState()


def draw_marks(canv: Canvas) -> None:
    """Fold marks at 105 and 210 mm, the (longer) hole mark at 148.5 mm, on the left edge."""
    canv.setStrokeColorRGB(*RULE)
    canv.setLineWidth(0.5)
    for top in FOLD_MARKS:
        canv.line(3.5 * MM, y_of(top), 8.5 * MM, y_of(top))
    canv.line(3.5 * MM, y_of(HOLE_MARK), 11 * MM, y_of(HOLE_MARK))


def draw_footer(canv: Canvas, parts: FixedParts) -> None:
    canv.setStrokeColorRGB(*RULE)
    canv.setLineWidth(0.4)
    canv.line(LEFT * MM, y_of(FOOTER_RULE_Y), RIGHT * MM, y_of(FOOTER_RULE_Y))
    canv.setFillColorRGB(*GREY)
    for x, lines in parts.footer:
        for row, (text, bold) in enumerate(lines):
            _text(
                canv, x, FOOTER_BASELINE + row * FOOTER_LEADING, text, BOLD if bold else REGULAR, FOOTER_SIZE
            )
    canv.setFillColorRGB(*INK)


def draw_first_page(canv: Canvas, parts: FixedParts) -> None:
    """Letterhead, return line, Vermerkzone, address, information block, marks and footer."""
    canv.saveState()
    canv.setFillColorRGB(*INK)
    top = 18.0
    for line in parts.authority:
        _text(canv, LEFT, top, line, BOLD, 14)
        top += 6.0
    if parts.office:
        _text(canv, LEFT, top + 0.5, parts.office, REGULAR, 10)
    if parts.logo:
        draw_logo(canv, parts.logo)
    # Return line in the top of the Zusatz- und Vermerkzone, underlined as one line.
    canv.setFillColorRGB(*GREY)
    _text(canv, ADDRESS_TEXT_X, ADDRESS_Y + 4.5, parts.return_line, REGULAR, parts.return_size)
    width = string_width(parts.return_line, REGULAR, parts.return_size)
    canv.setStrokeColorRGB(*GREY)
    canv.setLineWidth(0.3)
    canv.line(ADDRESS_TEXT_X * MM, y_of(ADDRESS_Y + 5.6), ADDRESS_TEXT_X * MM + width, y_of(ADDRESS_Y + 5.6))
    canv.setFillColorRGB(*INK)
    # Vermerkzone: endorsement just above the address lines.
    bottom = ADDRESS_Y + RETURN_ZONE_H - 1.8
    for index, line in enumerate(reversed(parts.endorsement)):
        _text(canv, ADDRESS_TEXT_X, bottom - index * 3.8, line, REGULAR, 8.5)
    for index, line in enumerate(parts.recipient):
        _text(canv, ADDRESS_TEXT_X, ADDRESS_Y + RETURN_ZONE_H + 3.8 + index * 4.23, line, REGULAR, 10)
    top = INFO_Y + 3.0
    for label, lines in parts.info:
        if not label:
            top += _INFO_LEADING * 0.6
            continue
        canv.setFillColorRGB(*GREY)
        _text(canv, INFO_X, top, label, REGULAR, _INFO_LABEL_SIZE)
        canv.setFillColorRGB(*INK)
        for line in lines:
            _text(canv, parts.info_value_x, top, line, REGULAR, _INFO_VALUE_SIZE)
            top += _INFO_LEADING
    draw_marks(canv)
    draw_footer(canv, parts)
    canv.restoreState()


def draw_follow_page(canv: Canvas, parts: FixedParts) -> None:
    """The small header of follow pages, marks and footer."""
    canv.saveState()
    canv.setFillColorRGB(*INK)
    _text(canv, LEFT, 14.0, parts.follow_title, BOLD, 9)
    canv.setFillColorRGB(*GREY)
    _text(canv, LEFT, 18.5, parts.follow_reference, REGULAR, 8)
    canv.setStrokeColorRGB(*RULE)
    canv.setLineWidth(0.4)
    canv.line(LEFT * MM, y_of(21.0), RIGHT * MM, y_of(21.0))
    draw_marks(canv)
    draw_footer(canv, parts)
    canv.restoreState()


def draw_page_number(canv: Canvas, first: bool, number: int, total: int) -> None:
    """Draw "Seite x von y": above the footer on the first page, in the header on follow pages."""
    canv.saveState()
    text = f"Seite {number} von {total}"
    size = 8.0 if first else 9.0
    canv.setFont(REGULAR, size)
    canv.setFillColorRGB(*INK)
    canv.drawRightString(RIGHT * MM, y_of(PAGE_NUMBER_Y if first else 14.0), text)
    canv.restoreState()


# --- the document ----------------------------------------------------------------------------------


class _DeferredCanvas(Canvas):
    """Holds finished pages until the end so "von y" can be written per letter (one pass only)."""

    def __init__(self, *args: object, info: DocumentInfo, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        make_archival(self, info)
        self._held: list[dict[str, object]] = []
        self.page_mark: tuple[int, int, bool] = (0, 1, True)  # letter, number in letter, first page

    def showPage(self) -> None:
        self._held.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        totals = Counter(state["page_mark"][0] for state in self._held)  # type: ignore[index]
        for state in self._held:
            self.__dict__.update(state)
            letter, number, first = self.page_mark
            if totals[letter] > 1:  # a one-page letter needs no "Seite 1 von 1"
                draw_page_number(self, first, number, totals[letter])
            super().showPage()
        super().save()


class LetterDocument(BaseDocTemplate):
    """One or more letters in one PDF; each letter starts on a first-page template."""

    def __init__(self, output: io.BytesIO, parts: Sequence[FixedParts], info: DocumentInfo) -> None:
        super().__init__(
            output,
            pagesize=A4,
            initialFontName=REGULAR,
            initialFontSize=10,
            lang="de-DE",
            title=info.title,
            author=info.author,
            subject=info.subject,
        )
        self._parts = parts
        self._info = info
        self._letter = -1
        self._number = 0
        width = (RIGHT - LEFT) * MM
        first = Frame(
            LEFT * MM,
            y_of(BODY_BOTTOM),
            width,
            (BODY_BOTTOM - BODY_TOP_FIRST) * MM,
            id="first",
            **_NO_PADDING,
        )
        follow = Frame(
            LEFT * MM,
            y_of(BODY_BOTTOM),
            width,
            (BODY_BOTTOM - BODY_TOP_FOLLOW) * MM,
            id="follow",
            **_NO_PADDING,
        )
        self.addPageTemplates(
            [
                PageTemplate("first", [first], onPage=self._on_first, autoNextPageTemplate="follow"),
                PageTemplate("follow", [follow], onPage=self._on_follow),
            ]
        )

    def _on_first(self, canv: _DeferredCanvas, _doc: object) -> None:
        self._letter += 1
        self._number = 1
        canv.page_mark = (self._letter, 1, True)
        draw_first_page(canv, self._parts[self._letter])

    def _on_follow(self, canv: _DeferredCanvas, _doc: object) -> None:
        self._number += 1
        canv.page_mark = (self._letter, self._number, False)
        draw_follow_page(canv, self._parts[self._letter])

    def render(self, story: list) -> None:  # type: ignore[type-arg]
        """Lay out ``story`` and write the PDF to the output given at construction."""
        canvasmaker: Callable[..., Canvas] = partial(_DeferredCanvas, info=self._info)
        with _plain_flate():
            self.build(story, canvasmaker=canvasmaker)


@contextmanager
def _plain_flate() -> Iterator[None]:
    """Streams deflated but not also ASCII85-encoded (reportlab's default): a quarter smaller
    and faster to write. reportlab reads the flag when it writes, so it is set for the build."""
    previous = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = previous


_NO_PADDING = {"leftPadding": 0, "rightPadding": 0, "topPadding": 0, "bottomPadding": 0}
