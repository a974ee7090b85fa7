"""DejaVu Sans for every letter: registered once per process, with the set of drawable characters.

Imported only by the renderer (it loads reportlab). PDF/A needs every font embedded, so no
standard-14 font (Helvetica …) may appear anywhere: the canvas default font is DejaVu too.
"""

from __future__ import annotations

import threading
from functools import lru_cache

from reportlab.pdfbase.ttfonts import TTFont

from kommune_desk.resources import RESOURCES

REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
ITALIC = "DejaVuSans-Oblique"
FAMILY = "DejaVuSans"
FONT_DIR = RESOURCES / "fonts"

_lock = threading.Lock()
_covered: frozenset[int] | None = None


def register_fonts() -> frozenset[int]:
    """Register DejaVu Sans (regular, bold, oblique) with reportlab once; return the code points
    all three faces can draw (user text may end up bold or italic, so only these are safe)."""
    global _covered
    if _covered is not None:
        return _covered
    with _lock:
        if _covered is None:
            from reportlab.pdfbase import pdfmetrics

            faces = {}
            for name in (REGULAR, BOLD, ITALIC):
                font = _MeasuredTTFont(name, str(FONT_DIR / f"{name}.ttf"))
                pdfmetrics.registerFont(font)
                faces[name] = font
            # DejaVu Sans has no bold oblique face: bold wins, the text stays readable.
            pdfmetrics.registerFontFamily(FAMILY, normal=REGULAR, bold=BOLD, italic=ITALIC, boldItalic=BOLD)
            maps = [set(font.face.charToGlyph) for font in faces.values()]
            _covered = frozenset(set.intersection(*maps))
    return _covered


@lru_cache(maxsize=8192)
def string_width(text: str, font: str, size: float) -> float:
    """Width in points (cached: the fixed parts repeat the same strings on every page)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return stringWidth(text, font, size)


class _Widths(dict[str, float]):
    """Advance widths by character (1/1000 em), filled on first use from the font's table."""

    def __init__(self, by_code: dict[int, float], default: float) -> None:
        super().__init__()
        self.by_code = by_code
        self.default = default

    def __missing__(self, char: str) -> float:
        width = self[char] = self.by_code.get(ord(char), self.default)
        return width


class _MeasuredTTFont(TTFont):
    """TTFont with a faster ``stringWidth``: without reportlab's C accelerator every width is a
    Python loop over code points, and breaking long words measures text character by character."""

    def __init__(self, name: str, filename: str) -> None:
        super().__init__(name, filename)
        self._widths = _Widths(self.face.charWidths, self.face.defaultWidth)

    def stringWidth(self, text: str, size: float, encoding: str = "utf8") -> float:  # reportlab API name
        if not isinstance(text, str):
            text = text.decode(encoding or "utf8")
        return 0.001 * size * sum(map(self._widths.__getitem__, text))
