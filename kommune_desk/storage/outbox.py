"""The outbox: intent-level mutations waiting to be pushed to the server."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from kommune_desk.domain.ids import uuid7
from kommune_desk.domain.replication import POOL_SCOPE, municipality_scope

from .capture import take_effects

__all__ = ["POOL_SCOPE", "append_mutation", "municipality_scope", "pending_count"]


def append_mutation(conn: sqlite3.Connection, name: str, scope: str, args: dict[str, Any], at: str) -> str:
    """Queue mutation ``name`` in the caller's transaction with the row changes captured so far
    as its effects; return its id."""
    mutation_id = uuid7()
    effects = json.dumps(take_effects(conn), ensure_ascii=False)
    conn.execute(
        "INSERT INTO outbox (mutation_id, name, scope, args, effects, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        (mutation_id, name, scope, json.dumps(args, ensure_ascii=False, sort_keys=True), effects, at),
    )
    return mutation_id


def pending_count(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT count(*) FROM outbox WHERE pushed_at IS NULL").fetchone()[0]
