"""Row changes captured by the triggers of migration 6, folded into a mutation's effects.

An effect says what a mutation did to one row: ``insert`` (the whole row), ``update`` (the
changed columns with their values before, the *base* the server compares against) or
``delete``. The server replays effects; the base lets it see a same-field edit by another office.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

Effect = dict[str, Any]


def take_effects(conn: sqlite3.Connection) -> list[Effect]:
    """Fold and remove every captured change of the open transaction, in first-touch order."""
    rows = conn.execute("SELECT kind, row_id, before, after FROM sync_capture ORDER BY seq").fetchall()
    if not rows:
        return []
    conn.execute("DELETE FROM sync_capture")
    first: dict[tuple[str, str], Any] = {}
    last: dict[tuple[str, str], Any] = {}
    for kind, row_id, before, after in rows:
        key = (kind, row_id)
        if key not in first:
            first[key] = json.loads(before) if before else None
        last[key] = json.loads(after) if after else None
    effects = []
    for (kind, row_id), before in first.items():
        effect = fold(kind, row_id, before, last[(kind, row_id)])
        if effect is not None:
            effects.append(effect)
    return effects


def fold(kind: str, row_id: str, before: dict | None, after: dict | None) -> Effect | None:
    """One effect for a row that went from ``before`` to ``after`` (None: absent); None if no change."""
    if before is None and after is None:
        return None
    if before is None:
        return {"kind": kind, "id": row_id, "op": "insert", "set": after}
    if after is None:
        return {"kind": kind, "id": row_id, "op": "delete", "base": before}
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    if not changed:
        return None
    base = {k: before.get(k) for k in changed}
    return {"kind": kind, "id": row_id, "op": "update", "set": changed, "base": base}


def transaction_mark(conn: sqlite3.Connection) -> int:
    """The newest outbox sequence number before the transaction wrote anything."""
    return conn.execute("SELECT coalesce(max(seq), 0) FROM outbox").fetchone()[0]


def settle(conn: sqlite3.Connection, mark: int) -> None:
    """Before commit: changes made after the transaction's last mutation belong to it; changes
    in a transaction without a mutation are local only (demo data, device settings)."""
    if conn.execute("SELECT 1 FROM sync_capture LIMIT 1").fetchone() is None:
        return
    effects = take_effects(conn)
    last = conn.execute("SELECT seq, effects FROM outbox WHERE seq > ? ORDER BY seq DESC LIMIT 1", (mark,))
    row = last.fetchone()
    if row is not None:
        merged = json.loads(row[1]) + effects
        conn.execute(
            "UPDATE outbox SET effects = ? WHERE seq = ?", (json.dumps(merged, ensure_ascii=False), row[0])
        )


@contextmanager
def capture_suppressed(conn: sqlite3.Connection) -> Iterator[None]:
    """Within the caller's transaction: writes are not captured (pulled rows, bulk demo data)."""
    conn.execute("INSERT INTO sync_capture_off (active) VALUES (1)")
    try:
        yield
    finally:
        conn.execute("DELETE FROM sync_capture_off")
