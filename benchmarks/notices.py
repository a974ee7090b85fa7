"""Notices as PDF/A: a batch of 500 two-page Gebührenbescheide against bare reportlab, and the
time to render one notice for the preview.

Each notice has letterhead, address field, information block, sections, the § 14 HVwKostG fee
block with its GiroCode, footer and "Seite x von y", embedded DejaVu subsets and PDF/A metadata.
The reference lays out the same text (letterhead, address, information block, body, table rows,
footer and page header on each page) as plain paragraphs with reportlab's SimpleDocTemplate and
its body style in the same embedded TrueType font (Helvetica cannot draw the names): no page
template, no tables, no QR code, no PDF/A.
Both run in this process, in chunks taking turns, so noise hits both alike. The batch target
"at least half the bare rate" is checked as "at most twice the bare time per notice".
"""

from __future__ import annotations

import dataclasses
import io
import statistics
import subprocess
import sys
import time
from pathlib import Path

from .harness import Benchmark, BenchmarkError, Context, Result, progress

BATCH = 500
CHUNK = 25
MAX_TIME_RATIO = 2.0  # = rate at least 0.5 × bare rate
MAX_PREVIEW_SECONDS = 0.150
PREVIEW_RUNS = 21
NAMES = ("Dagmar Roß", "Łukasz Nowak", "Ayşe Öztürk", "Jürgen Weiß", "Zoë Becker", "Mehmet Ağaoğlu")
COLD_SCRIPT = """
import time
started = time.perf_counter()
from kommune_desk.documents.model import LetterKind
from kommune_desk.documents.render import render_letter
from tests.documents_samples import sample_letter
render_letter(sample_letter(LetterKind.GEBUEHRENBESCHEID))
print(time.perf_counter() - started)
"""


def _notices():  # type: ignore[no-untyped-def]
    """500 Gebührenbescheide differing in recipient, reference and amount (two pages each)."""
    from kommune_desk.documents.model import FeeBlock, FeeItem, InfoBlock, LetterKind, Recipient
    from tests.documents_samples import TODAY, sample_letter

    base = sample_letter(LetterKind.GEBUEHRENBESCHEID)
    letters = []
    for index in range(BATCH):
        name = NAMES[index % len(NAMES)]
        reference = f"SN-2026-{index:04d}"
        parts = tuple(
            dataclasses.replace(
                part,
                debtor=f"{name}, Schulstraße {index % 90 + 1}, 64569 Nauheim",
                items=(
                    *part.items,
                    FeeItem("Zuschlag Fläche", "§ 4 Abs. 2 Satzung", f"{index % 9 + 1} m²", index),
                ),
                purpose=f"Kassenzeichen 5.{index:04d}.2026 Az. {reference}",
            )
            if isinstance(part, FeeBlock)
            else part
            for part in base.parts
        )
        letters.append(
            dataclasses.replace(
                base,
                recipient=Recipient((name, f"Schulstraße {index % 90 + 1}", "64569 Nauheim")),
                info=InfoBlock(
                    our_reference=reference, date=TODAY, contact="Frau Weißgerber", phone="06152 639-214"
                ),
                salutation=f"Guten Tag {name},",
                parts=parts,
            )
        )
    return letters


def _bare_texts(letter) -> list[str]:  # type: ignore[no-untyped-def]
    """All the text the notice shows, as plain paragraphs (escaped): letterhead, return line,
    address, information block, body, every table row (its cells in one paragraph), the GiroCode
    caption, and per page the footer, the follow-page header and "Seite x von y"."""
    from xml.sax.saxutils import escape

    from kommune_desk.documents.din5008 import group_iban, prepare
    from kommune_desk.documents.girocode import CAPTION
    from kommune_desk.documents.model import FeeBlock, Section
    from kommune_desk.domain.formatting import format_amount, format_date

    fixed = prepare(letter)
    footer = [text for _, lines in fixed.footer for text, _ in lines]
    texts = [*fixed.authority, fixed.office, fixed.return_line, *fixed.endorsement, *fixed.recipient]
    texts += [f"{label} {' '.join(lines)}" for label, lines in fixed.info if label]
    texts += [letter.subject, letter.subject_detail, letter.salutation]
    for part in letter.parts:
        if isinstance(part, Section):
            texts += [part.heading, part.body, *part.numbered]
        elif isinstance(part, FeeBlock):
            sender, total, due = letter.sender, format_amount(part.total_cents), format_date(part.due_date)
            texts += [
                "Kostenfestsetzung",
                f"Behörde {sender.authority}, {sender.office}",
                f"Kostenschuldner/in {part.debtor}",
                f"Kostenpflichtige Amtshandlung {part.chargeable_act}",
                "Gebühr / Auslage Rechtsgrundlage Berechnung Betrag",
                *(
                    f"{i.label} {i.legal_basis} {i.calculation} {format_amount(i.amount_cents)}"
                    for i in part.items
                ),
                f"Gesamtbetrag {total}",
                f"Bitte überweisen Sie den Gesamtbetrag von {total} bis zum {due} unter Angabe des "
                "Verwendungszwecks.",
                f"Fällig am {due}",
                f"Kassenzeichen {part.kassenzeichen}",
                f"Zahlungsempfänger {part.payee}",
                f"Bank {part.bank.bank_name}",
                f"IBAN {group_iban(part.bank.iban)}",
                f"BIC {part.bank.bic}",
                f"Verwendungszweck {part.purpose}",
                CAPTION,
            ]
    texts += [letter.closing, f"gez. {letter.signature.name}", letter.signature.function]
    texts += [*footer, "Seite 1 von 2", fixed.follow_title, fixed.follow_reference, "Seite 2 von 2", *footer]
    return [text if "<" in text else escape(text) for text in texts if text]


def _bare_style():  # type: ignore[no-untyped-def]
    """reportlab's body style in the same TrueType font: Helvetica cannot draw Ł, ğ or ẞ, so a
    bare document "with the same text" has to embed a font too."""
    from reportlab.lib.styles import getSampleStyleSheet

    from kommune_desk.documents.fonts import FAMILY, register_fonts

    register_fonts()
    style = getSampleStyleSheet()["BodyText"]
    style.fontName = FAMILY
    return style


def _bare_render(texts: list[str]) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    style = _BARE_STYLE[0]
    output = io.BytesIO()
    SimpleDocTemplate(output, pagesize=A4).build([Paragraph(text, style) for text in texts])
    return output.getvalue()


def _cold_first_render(ctx: Context) -> float:
    env = ctx.child_env()
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)  # the sample letters are in tests/
    done = subprocess.run(
        [sys.executable, "-c", COLD_SCRIPT], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BenchmarkError(f"cold render failed: {done.stderr.strip()[-300:]}")
    return float(done.stdout.strip().splitlines()[-1])


_BARE_STYLE: list[object] = []


def run(ctx: Context) -> list[Result]:
    from kommune_desk.documents.render import render_letter

    _BARE_STYLE[:] = [_bare_style()]

    letters = _notices()
    bare_texts = [_bare_texts(letter) for letter in letters]
    pages = render_letter(letters[0]).count(b"/Type /Page\n")
    render_letter(letters[0])  # warm: fonts registered, styles and ICC profile cached
    _bare_render(bare_texts[0])
    progress(f"notices: {BATCH} Gebührenbescheide ({pages} pages each) against bare reportlab …")
    app_seconds = bare_seconds = 0.0
    for round_, start in enumerate(range(0, BATCH, CHUNK)):
        chunk = range(start, min(start + CHUNK, BATCH))

        def app(chunk: range = chunk) -> float:
            began = time.perf_counter()
            for index in chunk:
                render_letter(letters[index])
            return time.perf_counter() - began

        def bare(chunk: range = chunk) -> float:
            began = time.perf_counter()
            for index in chunk:
                _bare_render(bare_texts[index])
            return time.perf_counter() - began

        if round_ % 2:
            bare_seconds += bare()
            app_seconds += app()
        else:
            app_seconds += app()
            bare_seconds += bare()
    progress(f"notices: preview, {PREVIEW_RUNS} renders of one notice …")
    preview = []
    for _ in range(PREVIEW_RUNS):
        began = time.perf_counter()
        render_letter(letters[7])
        preview.append(time.perf_counter() - began)
    cold = _cold_first_render(ctx)
    rates = f"{BATCH / app_seconds:.1f} vs {BATCH / bare_seconds:.1f} notices/s (target ≥ 0.5 × bare rate)"
    return [
        Result(
            "notices batch",
            app_seconds / BATCH,
            "s",
            bare_seconds / BATCH,
            MAX_TIME_RATIO,
            reference_label="bare reportlab",
            note=f"per notice; {rates}",
        ),
        Result(
            "notice preview",
            statistics.median(preview),
            "s",
            0.0,
            MAX_PREVIEW_SECONDS,
            compare="delta",
            reference_label="zero",
            note=f"median of {PREVIEW_RUNS} in a warm process",
        ),
        Result("notice cold", cold, "s", note="first notice in a fresh process, imports and fonts included"),
    ]


BENCHMARK = Benchmark("notices", f"{BATCH} PDF/A notices vs bare reportlab; preview of one notice", run)
