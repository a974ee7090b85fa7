"""The outbox: intent-level mutations waiting to be pushed to the server."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from kommune_desk.domain.ids import uuid7

POOL_SCOPE = "pool"


def municipality_scope(municipality_id: str) -> str:
    return f"municipality:{municipality_id}"


def append_mutation(conn: sqlite3.Connection, name: str, scope: str, args: dict[str, Any], at: str) -> str:
    """Queue mutation ``name`` in the caller's transaction; return its id."""
    mutation_id = uuid7()
    conn.execute(
        "INSERT INTO outbox (mutation_id, name, scope, args, created_at) VALUES (?, ?, ?, ?, ?)",
        (mutation_id, name, scope, json.dumps(args, ensure_ascii=False, sort_keys=True), at),
    )
    return mutation_id


def pending_count(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT count(*) FROM outbox WHERE pushed_at IS NULL").fetchone()[0]
