"""Letters as PDF/A-2b: the public entry points of the renderer.

Imports reportlab: import this module inside the function that prints, never at start-up.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from reportlab.platypus import NextPageTemplate, PageBreak
from reportlab.platypus.flowables import Flowable

from kommune_desk.domain.formatting import format_date

from .din5008 import LetterDocument, prepare
from .fonts import register_fonts
from .model import Letter
from .pdfa import DocumentInfo
from .story import letter_story


def render_letter(letter: Letter) -> bytes:
    """One letter as a finished PDF/A-2b document (DIN 5008 Form B, "Seite x von y")."""
    return render_letters([letter])


def render_letters(letters: Sequence[Letter]) -> bytes:
    """Several letters in one PDF/A-2b document for batch printing.

    Each letter starts on a new first page with its own address field; pages are numbered
    per letter ("Seite 2 von 3" counts only that letter's pages)."""
    if not letters:
        raise ValueError("render_letters needs at least one letter")
    register_fonts()
    story: list[Flowable] = []
    for index, letter in enumerate(letters):
        if index:
            story += [NextPageTemplate("first"), PageBreak()]
        story += letter_story(letter)
    output = io.BytesIO()
    LetterDocument(output, [prepare(letter) for letter in letters], document_info(letters)).render(story)
    return output.getvalue()


def document_info(letters: Sequence[Letter]) -> DocumentInfo:
    """Title, author and subject for the Info dictionary and XMP metadata."""
    first = letters[0]
    if len(letters) == 1:
        title = first.title or f"{first.kind.label} {first.info.our_reference}".strip()
        return DocumentInfo.clean(title, first.sender.authority, first.subject)
    kinds = sorted({letter.kind.label for letter in letters})
    title = f"Sammeldruck vom {format_date(first.info.date)}: {len(letters)} Schreiben"
    return DocumentInfo.clean(title, first.sender.authority, ", ".join(kinds))
