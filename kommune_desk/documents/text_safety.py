"""Text a letter can show: only characters DejaVu draws, escaped before any Paragraph sees it.

A character the font lacks would be drawn as the font's ``.notdef`` box (and PDF/A forbids
referencing ``.notdef``). So every character goes through one table: kept if all three faces
draw it, else its compatibility decomposition (``ﬁ`` → ``fi``, ``𝐀`` → ``A``), else ``?``.
Invisible format characters without a glyph (bidi marks, joiners) are dropped.
"""

from __future__ import annotations

import re
import unicodedata

from kommune_desk.domain.markup import Markup, escape

from .fonts import register_fonts, string_width

ELLIPSIS = "…"
MAX_FIELD = 10_000  # characters of one user field in the body; far beyond any letter, bounds layout time
_TAG = re.compile(r"(<[^>]*>)")
_ASCII_UNSAFE = re.compile(r"[\x00-\x1f\x7f]")
# A decomposition must never turn text into markup (fullwidth ＜ decomposes to <).
_MARKUP_CHARS = frozenset("<>&")
_BREAK_AFTER = "@.-/_"


class _GlyphTable(dict[int, str]):
    """``str.translate`` table that works out (and remembers) the replacement of each character."""

    def __init__(self, covered: frozenset[int]) -> None:
        super().__init__()
        self.covered = covered

    def __missing__(self, code: int) -> str:
        value = self._replacement(chr(code))
        self[code] = value
        return value

    def _replacement(self, char: str) -> str:
        if char in "\n\r":
            return char  # escape() turns line breaks into <br/>
        category = unicodedata.category(char)
        if category == "Cf":
            # Invisible format characters (bidi overrides, joiners): DejaVu draws some of them,
            # but a right-to-left override would scramble a name and the extracted text.
            return ""
        # Beyond U+FFFF reportlab writes an invalid ToUnicode entry (PDF/A), so fall back there.
        if ord(char) in self.covered and category != "Cc" and ord(char) <= 0xFFFF:
            return char
        if char.isspace() or category == "Cc":
            return " "
        if category in ("Mn", "Me"):
            return ""  # a mark without glyph: leave the base letter alone
        kept = [
            part
            for part in unicodedata.normalize("NFKD", char)
            if ord(part) in self.covered and part not in _MARKUP_CHARS and part != char
        ]
        return unicodedata.normalize("NFC", "".join(kept)) if kept else "?"


_table: _GlyphTable | None = None


def glyph_safe(text: str) -> str:
    """``text`` with every character drawable in regular, bold and italic DejaVu Sans."""
    if text.isascii() and not _ASCII_UNSAFE.search(text.replace("\n", "").replace("\r", "")):
        return text
    global _table
    if _table is None:
        _table = _GlyphTable(register_fonts())
    return unicodedata.normalize("NFC", text).translate(_table)


def para(value: str) -> str:
    """Paragraph markup for a model field: user ``str`` escaped, template ``Markup`` kept as is."""
    if isinstance(value, Markup):
        return "".join(
            piece if index % 2 else glyph_safe(piece) for index, piece in enumerate(_TAG.split(value))
        )
    return str(escape(glyph_safe(clip(value, MAX_FIELD))))


def clip(text: str, limit: int) -> str:
    """At most ``limit`` characters; a cut is shown with an ellipsis (table rows cannot split)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS


def plain_line(text: str) -> str:
    """One line of drawable text for the canvas: breaks and runs of whitespace become one space."""
    return " ".join(glyph_safe(text).split())


def wrap(text: str, font: str, size: float, width: float, *, fill: bool = False) -> list[str]:
    """Greedy word wrap of plain text. A word wider than ``width`` breaks after a hyphen, slash,
    dot or @ where it can (e-mail addresses), else anywhere. With ``fill``, a word that does not
    fit also breaks after such a separator to fill the line (``Roß-`` / ``Müller``)."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if string_width(candidate, font, size) <= width:
            current = candidate
            continue
        if current:
            room = width - string_width(current + " ", font, size)
            head = word[: _soft_break(word, font, size, room)] if fill else ""
            lines.append(f"{current} {head}" if head else current)
            word = word[len(head) :]
            current = ""
        while string_width(word, font, size) > width:
            cut = _soft_break(word, font, size, width) or _fitting_prefix(word, font, size, width)
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    return lines


def _soft_break(word: str, font: str, size: float, width: float) -> int:
    """Length of the longest prefix ending in a separator that fits in ``width``, or 0."""
    if width <= 0:
        return 0
    limit = _fitting_prefix(word, font, size, width, minimum=0)
    # After the @ of an e-mail address if it fits (``name@`` / ``domain.de``), else the last separator.
    soft = word.rfind("@", 0, limit) + 1 or max(word.rfind(char, 0, limit) for char in _BREAK_AFTER) + 1
    return soft if 2 <= soft < len(word) else 0


def ellipsize(text: str, font: str, size: float, width: float, *, cut: bool = False) -> str:
    """``text`` if it fits (and ``cut`` is false), else its longest prefix that fits with an ellipsis."""
    if not cut and string_width(text, font, size) <= width:
        return text
    room = width - string_width(ELLIPSIS, font, size)
    return text[: _fitting_prefix(text, font, size, room, minimum=0)].rstrip() + ELLIPSIS


def fit_lines(text: str, font: str, size: float, width: float, max_lines: int) -> list[str]:
    """Wrap ``text`` into at most ``max_lines`` lines; what does not fit ends in an ellipsis."""
    lines = wrap(clip(plain_line(text), 80 * max_lines), font, size, width)
    if len(lines) <= max_lines:
        return lines
    kept = lines[:max_lines]
    kept[-1] = ellipsize(kept[-1], font, size, width, cut=True)
    return kept


def _fitting_prefix(text: str, font: str, size: float, width: float, minimum: int = 1) -> int:
    """Length of the longest prefix of ``text`` not wider than ``width`` (at least ``minimum``)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    low, high = minimum, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if stringWidth(text[:middle], font, size) <= width:
            low = middle
        else:
            high = middle - 1
    return max(low, minimum)
