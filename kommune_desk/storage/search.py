"""Search as you type: typed text becomes a safe FTS5 query, never raw MATCH syntax.

:mod:`inbox_query` combines it with the Posteingang's views and filters."""

from __future__ import annotations

import re

from kommune_desk.domain.collation import german_spellings

MAX_TOKENS = 12
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # a pasted NUL or tab must not reach SQLite's parser


def fts_query(text: str) -> str | None:
    """Each whitespace-separated token quoted (``"`` doubled) and prefix-starred outside the
    quotes, so operators, column filters and unbalanced quotes are just text; a token matches in
    any of its German spellings ("mueller" finds "Müller", "weiss" finds "Weiß"). None: nothing
    to find. A token without a letter or digit ("&", "-") is left out: the index has no such
    token, so it would make every search with it find nothing."""
    tokens = [t for t in _CONTROL.sub(" ", text).split() if any(ch.isalnum() for ch in t)][:MAX_TOKENS]
    if not tokens:
        return None
    return " AND ".join(_any_spelling(token) for token in tokens)


def _any_spelling(token: str) -> str:
    phrases = ['"' + spelling.replace('"', '""') + '"*' for spelling in german_spellings(token)]
    return phrases[0] if len(phrases) == 1 else "(" + " OR ".join(phrases) + ")"
