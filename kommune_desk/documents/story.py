"""The body of a letter as platypus flowables: subject, salutation, parts, closing, signature, Anlagen.

Every model ``str`` passes :func:`text_safety.para` (escaped, drawable glyphs) before a Paragraph
sees it. Table cells hold plain text instead (:func:`text_safety.plain_line`, never parsed as
markup), wrapped here to the column: the table draws such strings itself, far cheaper than a
Paragraph per cell. Cells are clipped to a length a page can hold, because a table row cannot be
split across pages; paragraphs outside tables split freely and break long words.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from kommune_desk.domain.formatting import format_amount, format_date

from .din5008 import LEFT, MM, RIGHT, group_iban
from .fonts import BOLD, REGULAR, register_fonts
from .girocode import CAPTION, QrCode, epc_qr
from .model import Checklist, FeeBlock, Letter, LetterKind, Section, SignatureMode
from .paid_fee import PaidFeeBlock
from .text_safety import clip, para, plain_line, wrap

BODY_WIDTH = (RIGHT - LEFT) * MM
CELL_LIMIT = 600  # characters per table cell: with the widest rows still well under a page
CELL_SIZE, CELL_LEADING, CELL_PADDING = 8.5, 10.5, 4.0
BOX_EMPTY, BOX_TICKED = "☐", "☒"
BOX_SIZE = 12.0
GRID = colors.Color(0.6, 0.6, 0.6)
SHADE = colors.Color(0.94, 0.94, 0.94)


@dataclass(frozen=True)
class Styles:
    body: ParagraphStyle
    subject: ParagraphStyle
    heading: ParagraphStyle
    numbered: ParagraphStyle
    cell: ParagraphStyle
    caption: ParagraphStyle
    note: ParagraphStyle
    lead_in: ParagraphStyle  # a sentence that introduces the table after it (kept on its page)


@cache
def styles() -> Styles:
    """Paragraph styles, all DejaVu (bullets too: PDF/A allows no unembedded Helvetica)."""
    register_fonts()
    body = ParagraphStyle(
        "body",
        fontName=REGULAR,
        fontSize=10,
        leading=13.5,
        bulletFontName=REGULAR,
        splitLongWords=1,
        allowWidows=0,
        allowOrphans=0,
    )
    cell = ParagraphStyle("cell", parent=body, fontSize=CELL_SIZE, leading=CELL_LEADING)
    return Styles(
        body=body,
        subject=ParagraphStyle("subject", parent=body, fontName=BOLD, fontSize=10.5, leading=14),
        heading=ParagraphStyle(
            "heading", parent=body, fontName=BOLD, spaceBefore=9, spaceAfter=2, keepWithNext=1
        ),
        numbered=ParagraphStyle(
            "numbered", parent=body, leftIndent=7 * MM, bulletIndent=1 * MM, spaceBefore=3
        ),
        cell=cell,
        caption=ParagraphStyle("caption", parent=cell, fontSize=7, leading=8.5, alignment=TA_CENTER),
        note=ParagraphStyle("note", parent=body, fontSize=8.5, leading=11),
        lead_in=ParagraphStyle("lead_in", parent=body, spaceAfter=2 * MM, keepWithNext=1),
    )


def letter_story(letter: Letter) -> list[Flowable]:
    """The flowables of one letter's body, in reading order."""
    st = styles()
    story: list[Flowable] = [Paragraph(para(letter.subject), st.subject)]
    if letter.subject_detail:
        story.append(Paragraph(para(letter.subject_detail), st.body))
    story.append(Spacer(1, 8 * MM))
    if letter.salutation:
        story += [Paragraph(para(letter.salutation), st.body), Spacer(1, 3 * MM)]
    last: list[Flowable] = []
    for part in letter.parts:
        story += last
        if isinstance(part, Section):
            last = section(part)
        elif isinstance(part, FeeBlock):
            last = fee_block(part, letter)
        elif isinstance(part, Checklist):
            last = checklist(part)
    if letter.signature_lines:
        # What is signed stays on the page of the signatures: never a page of signature lines alone.
        while last and isinstance(last[-1], Spacer):  # the closing brings its own space
            last.pop()
        story.append(
            KeepTogether([*last, *closing_flowables(letter), *signature_block(letter.signature_lines)])
        )
    else:
        story += [*last, closing(letter)]
    if letter.enclosures:
        story += enclosures(letter.enclosures)
    return story


def section(part: Section) -> list[Flowable]:
    st = styles()
    flowables: list[Flowable] = []
    if part.heading:
        flowables.append(Paragraph(para(part.heading), st.heading))
    if part.body:
        flowables.append(Paragraph(para(part.body), st.body))
    for number, item in enumerate(part.numbered, start=1):
        flowables.append(Paragraph(para(item), st.numbered, bulletText=f"{number}."))
    flowables.append(Spacer(1, 2 * MM))
    return flowables


def _cell(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(para(clip(text, CELL_LIMIT)), style)


def _lines(text: str, width: float, font: str = REGULAR) -> str:
    """A table cell's text wrapped to a column ``width`` points wide, as lines for the table to draw."""
    inner = width - 2 * CELL_PADDING
    given = clip(text, CELL_LIMIT).splitlines() or [""]
    return "\n".join(
        line for part in given for line in wrap(plain_line(part), font, CELL_SIZE, inner) or [""]
    )


def _table(
    rows: list[list[object]],
    widths: list[float],
    extra: list[tuple] | None = None,  # type: ignore[type-arg]
    min_heights: list[float] | None = None,
) -> Table:
    """A grid of cells in the cell font; plain text cells must be wrapped (:func:`_lines`) already."""
    commands = [
        ("FONTNAME", (0, 0), (-1, -1), REGULAR),
        ("FONTSIZE", (0, 0), (-1, -1), CELL_SIZE),
        ("LEADING", (0, 0), (-1, -1), CELL_LEADING),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        *(extra or []),
    ]
    return Table(rows, colWidths=widths, style=TableStyle(commands), hAlign="LEFT", minRowHeights=min_heights)


def _key_values(pairs: list[tuple[str, str]], width: float, key_width: float = 42 * MM) -> Table:
    """Bold keys on grey beside their values."""
    value_width = width - key_width
    rows = [[_lines(key, key_width, BOLD), _lines(value, value_width)] for key, value in pairs]
    return _table(
        rows,
        [key_width, value_width],
        [("FONTNAME", (0, 0), (0, -1), BOLD), ("BACKGROUND", (0, 0), (0, -1), SHADE)],
    )


def fee_block(fee: FeeBlock, letter: Letter) -> list[Flowable]:
    """§ 14 HVwKostG: authority, debtor, act, itemised amounts with legal basis, payment; GiroCode."""
    st = styles()
    sender = letter.sender
    authority = ", ".join(part for part in (sender.authority, sender.office) if part.strip())
    heading = "Zahlungsaufforderung" if letter.kind is LetterKind.MAHNUNG else "Kostenfestsetzung"
    flowables: list[Flowable] = [
        Paragraph(heading, st.heading),
        _key_values(
            [
                ("Behörde", authority),
                ("Kostenschuldner/in", fee.debtor),
                ("Kostenpflichtige Amtshandlung", fee.chargeable_act),
            ],
            BODY_WIDTH,
        ),
        Spacer(1, 3 * MM),
    ]
    widths = [45 * MM, 47 * MM, 46 * MM, BODY_WIDTH - 138 * MM]
    header = ("Gebühr / Auslage", "Rechtsgrundlage", "Berechnung", "Betrag")
    rows: list[list[object]] = [
        [_lines(text, width, BOLD) for text, width in zip(header, widths, strict=True)]
    ]
    for item in fee.items:
        texts = (item.label, item.legal_basis, item.calculation, format_amount(item.amount_cents))
        rows.append([_lines(text, width) for text, width in zip(texts, widths, strict=True)])
    rows.append(["Gesamtbetrag", "", "", _lines(format_amount(fee.total_cents), widths[3], BOLD)])
    flowables.append(
        _table(
            rows,
            widths,
            [
                ("FONTNAME", (0, 0), (-1, 0), BOLD),
                ("FONTNAME", (0, -1), (-1, -1), BOLD),
                ("ALIGN", (3, 0), (3, -1), "RIGHT"),
                ("BACKGROUND", (0, 0), (-1, 0), SHADE),
                ("SPAN", (0, -1), (2, -1)),
                ("LINEABOVE", (0, -1), (-1, -1), 0.9, colors.black),
            ],
        )
    )
    flowables.append(Spacer(1, 3 * MM))
    if isinstance(fee, PaidFeeBlock):
        return [*flowables, *_paid(fee)]
    flowables.append(
        Paragraph(
            para(
                f"Bitte überweisen Sie den Gesamtbetrag von {format_amount(fee.total_cents)} "
                f"bis zum {format_date(fee.due_date)} unter Angabe des Verwendungszwecks."
            ),
            st.lead_in,
        )
    )
    payment = [
        ("Fällig am", format_date(fee.due_date)),
        ("Kassenzeichen", fee.kassenzeichen),
        ("Zahlungsempfänger", fee.payee),
        ("Bank", fee.bank.bank_name),
        ("IBAN", group_iban(fee.bank.iban)),
        ("BIC", fee.bank.bic),
        ("Verwendungszweck", fee.purpose),
    ]
    qr = epc_qr(fee) if fee.with_qr_code else None
    if qr is None:
        flowables.append(_key_values(payment, BODY_WIDTH))
    else:
        code = QrCode(qr)
        side = code.size + 6 * MM
        table = _key_values(payment, BODY_WIDTH - side, key_width=38 * MM)
        beside = [code, Paragraph(CAPTION, st.caption)]
        layout = Table(
            [[table, beside]],
            colWidths=[BODY_WIDTH - side, side],
            style=TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), REGULAR),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("ALIGN", (1, 0), (1, 0), "CENTER"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                    ("TOPPADDING", (0, 0), (-1, -1), 0),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                    ("LEFTPADDING", (1, 0), (1, 0), 3 * MM),
                ]
            ),
            hAlign="LEFT",
        )
        flowables.append(layout)
    flowables.append(Spacer(1, 3 * MM))
    return flowables


def _paid(fee: PaidFeeBlock) -> list[Flowable]:
    """A paid fee: the payment is stated, nothing is asked for (no account, no GiroCode)."""
    st = styles()
    amount = format_amount(fee.total_cents)
    when = f" am {format_date(fee.paid_on)}" if fee.paid_on else ""
    rows = [("Kassenzeichen", fee.kassenzeichen), ("Bezahlt", f"{amount}{when}".strip())]
    return [
        Paragraph(
            para(f"Die Gebühr von {amount} haben Sie bereits{when} bezahlt."),
            st.lead_in,
        ),
        _key_values(rows, BODY_WIDTH),
        Spacer(1, 3 * MM),
    ]


def checklist(part: Checklist) -> list[Flowable]:
    """A protocol table: box (ticked, empty, or empty with room for a pen), item, remark."""
    st = styles()
    widths = [10 * MM, 95 * MM, BODY_WIDTH - 105 * MM]
    rows: list[list[object]] = [
        ["", _lines("Prüfpunkt", widths[1], BOLD), _lines("Bemerkung", widths[2], BOLD)]
    ]
    heights: list[float] = [0]
    for item in part.items:
        box = BOX_TICKED if item.checked else BOX_EMPTY
        rows.append([box, _lines(item.text, widths[1]), _lines(item.remark, widths[2])])
        heights.append(9 * MM if item.checked is None and not item.remark else 0)
    flowables: list[Flowable] = []
    if part.heading:
        flowables.append(Paragraph(para(part.heading), st.heading))
    boxes = [
        ("FONTNAME", (0, 0), (-1, 0), BOLD),
        ("BACKGROUND", (0, 0), (-1, 0), SHADE),
        ("FONTSIZE", (0, 1), (0, -1), BOX_SIZE),
        ("LEADING", (0, 1), (0, -1), BOX_SIZE + 1),
        ("ALIGN", (0, 1), (0, -1), "CENTER"),
    ]
    table = _table(rows, widths, boxes, min_heights=heights)
    table.repeatRows = 1
    flowables += [table, Spacer(1, 3 * MM)]
    return flowables


def closing(letter: Letter) -> Flowable:
    """Closing, then "gez. Name" and function, or the sentence of a machine-made letter (nothing
    more for a letter signed by hand: "gez." would claim a signature kept elsewhere)."""
    return KeepTogether(closing_flowables(letter))


def closing_flowables(letter: Letter) -> list[Flowable]:
    st = styles()
    signature = letter.signature
    lines: list[Flowable] = [Spacer(1, 4 * MM)]
    # The closing may name who signs on its second line ("Der Magistrat der Stadt …").
    lines += [Paragraph(para(line), st.body) for line in letter.closing.splitlines() if line.strip()]
    if signature.mode is SignatureMode.MASCHINELL:
        lines += [Spacer(1, 4 * MM), Paragraph(para(signature.machine_text), st.body)]
    elif signature.mode is SignatureMode.GEZEICHNET:  # EIGENHAENDIG: the signature lines follow
        lines.append(Spacer(1, 5 * MM))
        if signature.name:
            lines.append(Paragraph(para(f"gez. {signature.name}"), st.body))
        if signature.function:
            lines.append(Paragraph(para(signature.function), st.body))
    return lines


def signature_block(captions: tuple[str, ...]) -> list[Flowable]:
    """Lines to sign by hand, two side by side, each with "Ort, Datum" and its caption below."""
    st = styles()
    column = 75 * MM
    gap = BODY_WIDTH - 2 * column
    cells = [
        _cell(f"Ort, Datum, Unterschrift – {caption}" if caption else "Ort, Datum, Unterschrift", st.note)
        for caption in captions
    ]
    rows: list[list[object]] = []
    commands: list[tuple] = [  # type: ignore[type-arg]
        ("FONTNAME", (0, 0), (-1, -1), REGULAR),  # empty cells set a font too: never Helvetica
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
    ]
    for start in range(0, len(cells), 2):
        pair = cells[start : start + 2]
        row = len(rows)
        rows.append(["", "", ""])
        rows.append([pair[0], "", pair[1] if len(pair) > 1 else ""])
        commands.append(("LINEABOVE", (0, row + 1), (0, row + 1), 0.6, colors.black))
        if len(pair) > 1:
            commands.append(("LINEABOVE", (2, row + 1), (2, row + 1), 0.6, colors.black))
    heights = [18 * MM if index % 2 == 0 else None for index in range(len(rows))]
    table = Table(
        rows, colWidths=[column, gap, column], rowHeights=heights, style=TableStyle(commands), hAlign="LEFT"
    )
    return [Spacer(1, 6 * MM), table]


def enclosures(items: tuple[str, ...]) -> list[Flowable]:
    st = styles()
    label = "Anlage" if len(items) == 1 else "Anlagen"
    flowables: list[Flowable] = [Spacer(1, 6 * MM), Paragraph(label, st.heading)]
    flowables += [Paragraph(para(item), st.body) for item in items]
    return flowables
