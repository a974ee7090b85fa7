"""Replicated rows on the server: read, write with a fresh scope version, and page through."""

from __future__ import annotations

import json
from collections.abc import Iterable
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


_INSERT = (
    "INSERT INTO entities (kind, id, scope, data, deleted, version) VALUES (?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (kind, id) DO UPDATE SET data = excluded.data, deleted = excluded.deleted,"
    " version = excluded.version"
)


def bump_version(tx: Tx, scope: str, count: int = 1) -> int:
    """Take ``count`` fresh versions of the scope inside the writing transaction (a row lock on
    PostgreSQL, so a scope's version order is its commit order); return the highest.

    One upsert: two workers creating the same new scope at once cannot clash."""
    row = tx.one(
        "INSERT INTO scopes (scope, version, floor) VALUES (?, ?, 0)"
        " ON CONFLICT (scope) DO UPDATE SET version = scopes.version + excluded.version RETURNING version",
        (scope, count),
    )
    assert row is not None
    return int(row[0])


def load(tx: Tx, kind: str, entity_id: str) -> Entity | None:
    """The row (locked for this transaction on PostgreSQL), from the transaction's cache if a
    push batch preloaded it or wrote it already."""
    cache = tx.cache
    if cache is not None and (kind, entity_id) in cache:
        return cache[(kind, entity_id)]
    lock = " FOR UPDATE" if tx.dialect == "postgresql" else ""
    row = tx.one(
        f"SELECT scope, data, deleted, version FROM entities WHERE kind = ? AND id = ?{lock}",
        (kind, entity_id),
    )
    found = (
        None
        if row is None
        else Entity(kind, entity_id, row[0], json.loads(row[1]), bool(row[2]), int(row[3]))
    )
    if cache is not None:
        cache[(kind, entity_id)] = found
    return found


def preload(tx: Tx, keys: Iterable[tuple[str, str]]) -> None:
    """Load (and lock, in a stable order) every row of ``keys`` in few queries, for a push batch:
    its mutations then read them from the transaction's cache. The fixed order also keeps two
    batches touching the same rows from locking them crosswise."""
    wanted = sorted(set(keys))
    if tx.cache is None:
        tx.cache = {}
    lock = " FOR UPDATE" if tx.dialect == "postgresql" else ""
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        marks = ", ".join("(?, ?)" for _ in chunk)
        rows = tx.all(
            "SELECT kind, id, scope, data, deleted, version FROM entities"
            f" WHERE (kind, id) IN (VALUES {marks}) ORDER BY kind, id{lock}",
            [value for key in chunk for value in key],
        )
        for key in chunk:
            tx.cache[key] = None
        for kind, entity_id, scope, data, deleted, version in rows:
            tx.cache[(kind, entity_id)] = Entity(
                kind, entity_id, scope, json.loads(data), bool(deleted), int(version)
            )


def store(
    tx: Tx, kind: str, entity_id: str, scope: str, data: dict[str, Any], *, deleted: bool = False
) -> None:
    """Write the row's new state (or tombstone) under a fresh version of its scope.

    In a transaction that defers its writes (a push batch, see ``defer_writes``) the row is kept
    in the cache and written by ``flush``; otherwise at once."""
    if tx.deferred is not None:
        tx.deferred.pop((kind, entity_id), None)  # re-inserted: the dict keeps the order of last writes
        tx.deferred[(kind, entity_id)] = (scope, data, deleted)
        tx.cache[(kind, entity_id)] = Entity(kind, entity_id, scope, data, deleted, 0)  # type: ignore[index]
        return
    version = bump_version(tx, scope)
    tx.execute(_INSERT, (kind, entity_id, scope, _json(data), deleted, version))
    if tx.cache is not None:
        tx.cache[(kind, entity_id)] = Entity(kind, entity_id, scope, data, deleted, version)


def defer_writes(tx: Tx) -> None:
    """From now on ``store`` collects rows in memory (and reads see them through the cache);
    ``flush`` writes each row's last state once. A batch that changes one case 50 times writes
    it once, with the versions its scope would have given it last."""
    if tx.cache is None:
        tx.cache = {}
    tx.deferred = {}


def flush(tx: Tx) -> None:
    """Write the deferred rows: per scope one version bump for all of them, then one statement."""
    pending, tx.deferred = tx.deferred or {}, None
    by_scope: dict[str, list[tuple[tuple[str, str], dict[str, Any], bool]]] = {}
    for key, (scope, data, deleted) in pending.items():
        by_scope.setdefault(scope, []).append((key, data, deleted))
    rows: list[tuple[Any, ...]] = []
    for scope, writes in by_scope.items():
        top = bump_version(tx, scope, len(writes))
        for offset, ((kind, entity_id), data, deleted) in enumerate(writes):
            rows.append((kind, entity_id, scope, _json(data), deleted, top - len(writes) + 1 + offset))
    if rows:
        tx.executemany(_INSERT, rows)


def _json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


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
