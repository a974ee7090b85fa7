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


_UMLAUT_SPELLINGS = (("ae", "ä"), ("oe", "ö"), ("ue", "ü"))
_TO_ASCII = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ẞ": "ss"})


def german_spellings(word: str) -> list[str]:
    """The ways a German word is typed: "mueller" and "müller", "weiss" and "weiß", "Straße" and
    "strasse"; the word itself first, each spelling once (lower case).

    An "ue" at the very end stays as typed: "mue" may become "mueller" or "müller" as the clerk
    types on, and "mü" as a prefix would match every "mu…" word.
    """
    word = word.casefold()
    with_umlauts = word
    for pair, umlaut in _UMLAUT_SPELLINGS:
        with_umlauts = _replace_inside(with_umlauts, pair, umlaut)
    spellings = [
        word,
        with_umlauts,
        word.replace("ss", "ß"),
        with_umlauts.replace("ss", "ß"),
        word.translate(_TO_ASCII),
    ]
    return list(dict.fromkeys(s for s in spellings if s))


def _replace_inside(word: str, pair: str, umlaut: str) -> str:
    """``pair`` → ``umlaut`` wherever another letter follows (not at the end of what was typed)."""
    out, i = [], 0
    while i < len(word):
        if word.startswith(pair, i) and i + len(pair) < len(word):
            out.append(umlaut)
            i += len(pair)
        else:
            out.append(word[i])
            i += 1
    return "".join(out)


def transliterate(text: str) -> str:
    """Lower case with German umlauts spelled out and other accents dropped: "Müller", "MUELLER"
    and "Mueller" all give "mueller", "Weiß" gives "weiss"."""
    return sort_key(text.casefold().translate(_TO_ASCII))
