"""The one way a service records a change: outbox mutation + audit entry, same transaction."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from kommune_desk.storage.audit import append_audit
from kommune_desk.storage.outbox import append_mutation


@dataclass(frozen=True)
class Actor:
    """Who is acting: the clerk (None for system work) and their municipality."""

    clerk_id: str | None
    municipality_id: str | None


def record_change(
    conn: sqlite3.Connection,
    actor: Actor,
    *,
    at: str,
    mutation: str,
    scope: str,
    args: dict[str, Any],
    entity: str,
    entity_id: str,
    action: str,
    changes: dict[str, Any] | None = None,
) -> str:
    """Append the outbox mutation and the audit entry for a change; return the mutation id."""
    mutation_id = append_mutation(conn, mutation, scope, args, at)
    append_audit(
        conn,
        at=at,
        clerk_id=actor.clerk_id,
        municipality_id=actor.municipality_id,
        entity=entity,
        entity_id=entity_id,
        action=action,
        changes=changes,
    )
    return mutation_id
