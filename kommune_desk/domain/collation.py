"""German alphabetical order (DIN 5007-1, dictionary order) for names and titles."""

from __future__ import annotations

import unicodedata

# Letters that have no decomposition into base letter + accent.
_SPECIAL = str.maketrans(
    {
        "ß": "ss",
        "ẞ": "ss",
        "Ł": "L",
        "ł": "l",
        "Ø": "O",
        "ø": "o",
        "Đ": "D",
        "đ": "d",
        "Æ": "AE",
        "æ": "ae",
        "Œ": "OE",
        "œ": "oe",
        "ı": "i",
    }
)


def sort_key(text: str) -> str:
    """A key that sorts like a German dictionary: Ä as A, ß as ss, case and accents
    ignored (Öztürk between Oswald and Otto; Łukasz with L)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
