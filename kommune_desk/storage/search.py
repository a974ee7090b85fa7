"""Search as you type: typed text becomes a safe FTS5 query, never raw MATCH syntax.

:mod:`inbox_query` combines it with the Posteingang's views and filters."""

from __future__ import annotations

import re

MAX_TOKENS = 12
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # a pasted NUL or tab must not reach SQLite's parser


def fts_query(text: str) -> str | None:
    """Each whitespace-separated token quoted (``"`` doubled) and prefix-starred outside the
    quotes, so operators, column filters and unbalanced quotes are just text. None: nothing to find."""
    tokens = [t for t in _CONTROL.sub(" ", text).split() if t.strip('"')][:MAX_TOKENS]
    if not tokens:
        return None
    return " ".join('"' + token.replace('"', '""') + '"*' for token in tokens)
