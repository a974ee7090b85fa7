"""Whatever citizens or clerks type, every kind of letter renders: arbitrary Unicode, markup-like
text, huge words, in every text field. Nothing raises, and no character turns into a box."""

from __future__ import annotations

import dataclasses
import enum
import io
import string

import pypdf
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kommune_desk.documents.fonts import register_fonts
from kommune_desk.documents.model import Checklist, ChecklistItem, FeeBlock, FeeItem, LetterKind, Section
from kommune_desk.documents.render import render_letter
from kommune_desk.documents.text_safety import glyph_safe, para
from kommune_desk.domain.markup import Markup, escape

from .documents_samples import sample_letter

BOX, REPLACEMENT = "■", "\ufffd"
HOSTILE = [
    '<img src="file:///etc/passwd"/>',
    '<a href="http://example.org">klick</a>',
    "&",
    "&amp;&lt;&#x41;&#65;&bogus;",
    "</para><para>",
    "<b><i>offen",
    "\u202eabc\u202c \u200f\u200e\u2067",  # bidi overrides and marks
    "👨‍👩‍👧 🇩🇪 😀",
    "ﷺ ﬀ ㍿ Ⅻ",  # compatibility characters that decompose to several letters
    "x" * 3000,
    "a\u0301\u0302\u0303\u0304" * 50,  # stacked combining marks
    "\t\x0b\x0c\x85\xa0\u3000",
    "@" * 500,
    "DE89370400440532013000" * 10,
]
CHARACTERS = st.characters(exclude_categories=("Cs",), exclude_characters=BOX + REPLACEMENT)
SHORT = st.one_of(st.text(CHARACTERS, max_size=80), st.sampled_from(HOSTILE))
LONG = st.one_of(
    st.text(CHARACTERS, min_size=200, max_size=1500),
    st.text(st.sampled_from(string.ascii_letters + "äöüß@.-"), min_size=100, max_size=400),  # long words
)


class _Texts:
    """Draws the text of each field in turn; a few fields per letter (chosen by the data) get long
    text, so every field meets long text over the examples while each letter stays a few pages."""

    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw
        self.long = set(draw(st.lists(st.integers(0, 60), max_size=3)))
        self.index = 0

    def __call__(self) -> str:
        self.index += 1
        return self.draw(LONG if self.index in self.long else SHORT)


def _mutate(value: object, texts: _Texts) -> object:
    """``value`` with every text field (and the amounts) replaced by drawn values."""
    draw = texts.draw
    if isinstance(value, (enum.Enum, bool)) or value is None:
        return value
    if isinstance(value, Markup):
        return escape(texts()) + Markup(draw(st.sampled_from(["", "<b>fett</b>", "<br/><i>x</i>"])))
    if isinstance(value, str):
        return texts()
    if isinstance(value, int):
        return draw(st.integers(-(10**12), 10**12))
    if isinstance(value, tuple):
        if value and all(isinstance(item, str) and not isinstance(item, Markup) for item in value):
            return tuple(texts() for _ in range(draw(st.integers(0, 9))))
        return tuple(_mutate(item, texts) for item in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            field.name: _mutate(getattr(value, field.name), texts) for field in dataclasses.fields(value)
        }
        return dataclasses.replace(value, **changes)
    return value  # dates, logo bytes


def _extract(pdf: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(LetterKind))
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(data=st.data())
def test_any_text_in_any_field_renders_without_boxes(kind: LetterKind, data: st.DataObject) -> None:
    letter = _mutate(sample_letter(kind), _Texts(data.draw))
    pdf = render_letter(letter)  # type: ignore[arg-type]
    assert pdf.startswith(b"%PDF-")
    text = _extract(pdf)
    assert BOX not in text and REPLACEMENT not in text
    covered = register_fonts()
    assert {char for char in text if not char.isspace() and ord(char) not in covered} == set()


def test_huge_letter_spreads_over_many_pages() -> None:
    """Tables and sections far longer than a page split instead of raising a LayoutError."""
    word = "Gebührentatbestand" * 40
    items = tuple(FeeItem(f"Posten {n} {word}", word, word, 100 + n) for n in range(40))
    checklist = Checklist("Protokoll", tuple(ChecklistItem(word * 3, None, word * 3) for _ in range(25)))
    base = sample_letter(LetterKind.GEBUEHRENBESCHEID)
    fee = next(part for part in base.parts if isinstance(part, FeeBlock))
    letter = dataclasses.replace(
        base,
        parts=(
            Section(word, escape((word + " ") * 60), tuple(escape(word * 5) for _ in range(10))),
            dataclasses.replace(fee, items=items, purpose=word, debtor=word),
            checklist,
        ),
        enclosures=tuple(word for _ in range(20)),
        signature_lines=tuple(word for _ in range(7)),
    )
    reader = pypdf.PdfReader(io.BytesIO(render_letter(letter)))
    pages = len(reader.pages)
    assert pages > 10
    assert f"Seite {pages} von {pages}" in (reader.pages[-1].extract_text() or "")


def test_glyph_fallback_and_escaping_order() -> None:
    covered = register_fonts()
    assert glyph_safe("𝐀𝐁 Ⓐ ẞ") == "AB " + ("Ⓐ" if ord("Ⓐ") in covered else "A") + " ẞ"
    assert glyph_safe("漢字\U0001f9ea") == "???"  # CJK and a newer emoji: not in DejaVu Sans
    assert glyph_safe("a\u2066b\U000e0041c") == "abc"  # invisible characters without glyph are dropped
    assert glyph_safe("a\tb\x85c") == "a b c"
    # A fullwidth < must not decompose into markup: it becomes text, never a tag.
    assert "<" not in para("\uff1cimg src=x\uff1e").replace("&lt;", "")
    assert para(Markup("<b>漢</b>")) == "<b>?</b>"
    assert para("<b>&") == "&lt;b&gt;&amp;"


def test_invisible_format_characters_and_characters_beyond_the_bmp_never_reach_the_pdf() -> None:
    """A right-to-left override would scramble the name; reportlab cannot map U+1xxxx in ToUnicode."""
    assert glyph_safe("Ro\u202eß\u200d, Ingrid") == "Roß, Ingrid"
    assert glyph_safe("\U0001d400nna \U0001f600") == "Anna ?"  # mathematical bold A → A; emoji → ?
