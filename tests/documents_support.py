"""Reading rendered letters back for the document tests: words with mm positions, page texts."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pdfplumber

MM = 72 / 25.4


@dataclass(frozen=True)
class Word:
    text: str
    x0: float  # mm from the left edge
    x1: float
    top: float  # mm from the top edge
    bottom: float
    size: float  # points
    font: str


def words(pdf: bytes, page: int = 0) -> list[Word]:
    """The words on ``page`` (0-based) with their boxes in mm from the top-left corner."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        found = doc.pages[page].extract_words(keep_blank_chars=False, extra_attrs=["size", "fontname"])
    return [
        Word(w["text"], w["x0"] / MM, w["x1"] / MM, w["top"] / MM, w["bottom"] / MM, w["size"], w["fontname"])
        for w in found
    ]


def page_texts(pdf: bytes) -> list[str]:
    """The text of every page (pdfplumber layout order)."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [page.extract_text() or "" for page in doc.pages]


def lines_text(found: list[Word]) -> list[str]:
    """Words grouped into lines by their top (within 0.8 mm), left to right."""
    rows: list[list[Word]] = []
    for word in sorted(found, key=lambda w: (w.top, w.x0)):
        if rows and abs(rows[-1][0].top - word.top) < 0.8:
            rows[-1].append(word)
        else:
            rows.append([word])
    return [" ".join(w.text for w in sorted(row, key=lambda w: w.x0)) for row in rows]


def in_box(found: list[Word], left: float, top: float, right: float, bottom: float) -> list[Word]:
    """Words lying wholly inside the box (mm)."""
    return [w for w in found if w.x0 >= left and w.x1 <= right and w.top >= top and w.bottom <= bottom]
