"""Display names for citizen-chosen file names and for the submission's own name.

The result is display text only: files are stored by hash, so none of this is a path
defence. It keeps a name from lying on screen (right-to-left override turning
``rechnung‮fdp.exe`` into ``rechnungexe.pdf``) and from doing harm if a clerk later uses it
in "Speichern unter …" on Windows.
"""

from __future__ import annotations

import re
import unicodedata

MAX_DISPLAY_NAME = 120

_BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e"  # embeddings and overrides
    "\u2066\u2067\u2068\u2069"  # isolates
    "\u200e\u200f\u061c"  # LRM, RLM, Arabic letter mark
)
# Characters Windows refuses in file names; a clerk's "Speichern unter" would fail on them.
_WINDOWS_FORBIDDEN = re.compile(r'[<>:"|?*]')
_WINDOWS_DEVICES = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{port}{n}" for port in ("COM", "LPT") for n in (*"123456789", "¹", "²", "³")}
)


def display_name(raw: str, fallback: str = "Anlage") -> str:
    """Turn a name from the submission into harmless display text (never a path)."""
    name = re.split(r"[/\\]", raw)[-1]
    name = unicodedata.normalize("NFC", name)
    name = "".join(ch for ch in name if ch not in _BIDI_CONTROLS and not _is_control(ch))
    name = _WINDOWS_FORBIDDEN.sub("_", name)
    name = name.strip(". ")
    if len(name) > MAX_DISPLAY_NAME:
        name = _shorten(name)
    if not name:
        return fallback
    stem = name.split(".", 1)[0].rstrip(" ")
    if stem.upper() in _WINDOWS_DEVICES:
        name = "_" + name
    return name


def _is_control(ch: str) -> bool:
    # Cc: C0/C1 controls incl. NUL, tab, newline; Zl/Zp: line and paragraph separators.
    return unicodedata.category(ch) in ("Cc", "Zl", "Zp")


def _shorten(name: str) -> str:
    """Cut to the maximum length but keep a short extension, which says what the file is."""
    stem, dot, ext = name.rpartition(".")
    if dot and stem and len(ext) <= 16:
        return stem[: MAX_DISPLAY_NAME - len(ext) - 1].rstrip(". ") + "." + ext
    return name[:MAX_DISPLAY_NAME].rstrip(". ")
