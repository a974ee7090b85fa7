"""The append-only audit trail: who changed or opened what, when, old → new."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from kommune_desk.domain.ids import uuid7


def append_audit(
    conn: sqlite3.Connection,
    *,
    at: str,
    clerk_id: str | None,
    municipality_id: str | None,
    entity: str,
    entity_id: str,
    action: str,
    changes: dict[str, Any] | None = None,
    audit_id: str | None = None,
) -> None:
    """Record one audit entry in the caller's transaction (``audit_id`` only for the demo)."""
    conn.execute(
        "INSERT INTO audit_log (id, at, clerk_id, municipality_id, entity, entity_id, action, changes)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            audit_id or uuid7(),
            at,
            clerk_id,
            municipality_id,
            entity,
            entity_id,
            action,
            json.dumps(changes or {}, ensure_ascii=False, sort_keys=True),
        ),
    )
