"""Search as you type: typed text becomes a safe FTS5 query, never raw MATCH syntax."""

from __future__ import annotations

import re
import sqlite3

from .applications import INBOX_ORDER

MAX_TOKENS = 12
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # a pasted NUL or tab must not reach SQLite's parser


def fts_query(text: str) -> str | None:
    """Each whitespace-separated token quoted (``"`` doubled) and prefix-starred outside the
    quotes, so operators, column filters and unbalanced quotes are just text. None: nothing to find."""
    tokens = [t for t in _CONTROL.sub(" ", text).split() if t.strip('"')][:MAX_TOKENS]
    if not tokens:
        return None
    return " ".join('"' + token.replace('"', '""') + '"*' for token in tokens)


def search_rowids(
    conn: sqlite3.Connection,
    municipality_id: str,
    text: str,
    order: str = "received_at",
    descending: bool = True,
) -> list[int]:
    """Handles of the municipality's live applications matching every typed token, in display order."""
    query = fts_query(text)
    if query is None:
        return []
    sql = search_sql(order, descending)
    return [r[0] for r in conn.execute(sql, (query, municipality_id))]


def search_sql(order: str, descending: bool) -> str:
    """The search statement (parameters: FTS query, municipality id) for an order."""
    direction = "DESC" if descending else "ASC"
    columns = ", ".join(f"{column} {direction}" for column in INBOX_ORDER[order])
    join = " LEFT JOIN services s ON s.id = a.service_id" if order == "service" else ""
    # The full-text match is computed once as a set; a join would let SQLite walk the
    # applications in display order and run MATCH per row (85 s for one letter on 100,000).
    return (
        f"SELECT a.rowid FROM applications a{join}"
        " WHERE a.rowid IN (SELECT rowid FROM applications_fts WHERE applications_fts MATCH ?)"
        " AND a.municipality_id = ? AND a.deleted_at IS NULL"
        f" ORDER BY {columns}, a.rowid {direction}"
    )
