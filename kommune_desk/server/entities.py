"""Replicated rows on the server: read, write with a fresh scope version, and page through."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .db import Tx


@dataclass(frozen=True)
class Entity:
    kind: str
    id: str
    scope: str
    data: dict[str, Any]
    deleted: bool
    version: int


def bump_version(tx: Tx, scope: str) -> int:
    """The scope's next version, taken inside the writing transaction (row lock on PostgreSQL)."""
    row = tx.one("UPDATE scopes SET version = version + 1 WHERE scope = ? RETURNING version", (scope,))
    if row is None:
        tx.execute("INSERT INTO scopes (scope, version, floor) VALUES (?, 1, 0)", (scope,))
        return 1
    return int(row[0])


def load(tx: Tx, kind: str, entity_id: str) -> Entity | None:
    lock = " FOR UPDATE" if tx.dialect == "postgresql" else ""
    row = tx.one(
        f"SELECT scope, data, deleted, version FROM entities WHERE kind = ? AND id = ?{lock}",
        (kind, entity_id),
    )
    if row is None:
        return None
    return Entity(kind, entity_id, row[0], json.loads(row[1]), bool(row[2]), int(row[3]))


def store(
    tx: Tx, kind: str, entity_id: str, scope: str, data: dict[str, Any], *, deleted: bool = False
) -> int:
    """Write the row's new state (or tombstone) under a fresh version of its scope; return it."""
    version = bump_version(tx, scope)
    tx.execute(
        "INSERT INTO entities (kind, id, scope, data, deleted, version) VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (kind, id) DO UPDATE SET data = excluded.data, deleted = excluded.deleted,"
        " version = excluded.version",
        (kind, entity_id, scope, json.dumps(data, ensure_ascii=False, sort_keys=True), deleted, version),
    )
    return version


def page(tx: Tx, scope: str, after: int, limit: int) -> list[tuple[str, str, str, bool, int]]:
    """Changes of ``scope`` with a version above ``after``, oldest first, as stored:
    (kind, id, data as JSON text, deleted, version)."""
    rows = tx.all(
        "SELECT kind, id, data, deleted, version FROM entities WHERE scope = ? AND version > ?"
        " ORDER BY version LIMIT ?",
        (scope, after, limit),
    )
    return [(r[0], r[1], r[2], bool(r[3]), int(r[4])) for r in rows]


def scope_state(tx: Tx, scope: str) -> tuple[int, int]:
    """(version, floor) of a scope; (0, 0) for a scope nothing was written to yet."""
    row = tx.one("SELECT version, floor FROM scopes WHERE scope = ?", (scope,))
    return (int(row[0]), int(row[1])) if row else (0, 0)
