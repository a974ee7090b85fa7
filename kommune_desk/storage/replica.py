"""The client's side of the sync in SQL: outbox batches and outcomes, cursors, pulled pages.

Pulled rows are the server's truth. They are written with change capture off (they are not
new local work) and, because a page may name a parent that only arrives in a later page or
lives in a scope this office does not read (a partner town), with foreign keys off on the
writer connection. After a page, the effects of mutations still waiting in the outbox are laid
over the rows they touch again, so the clerk keeps seeing the own unsent work. A pulled row that
takes a unique value a local row holds wins; the local row goes through a plain DELETE, so the
search index and every other delete trigger follow.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from typing import Any

from kommune_desk.domain.replication import (
    KINDS,
    MUNICIPALITY,
    POOL,
    POOL_SCOPE,
    SHARED,
    Kind,
    kind_named,
    scope_municipality,
)

from . import usage_stats
from .capture import capture_suppressed
from .reference import delete_setting, get_setting, set_setting

log = logging.getLogger(__name__)
_PREFIX = "sync."  # the sync's own settings, beside the office's


def get_state(conn: sqlite3.Connection, key: str) -> str | None:
    return get_setting(conn, _PREFIX + key)


def set_state(conn: sqlite3.Connection, key: str, value: str | None) -> None:
    if value is None:
        delete_setting(conn, _PREFIX + key)
    else:
        set_setting(conn, _PREFIX + key, value)


# --- outbox ---------------------------------------------------------------------------------


def outbox_batch(conn: sqlite3.Connection, after_seq: int, limit: int) -> list[dict[str, Any]]:
    """Outbox rows with a local sequence above ``after_seq`` (sent or not), oldest first."""
    rows = conn.execute(
        "SELECT seq, mutation_id, name, scope, args, effects, created_at FROM outbox WHERE seq > ?"
        " ORDER BY seq LIMIT ?",
        (after_seq, limit),
    ).fetchall()
    return [
        {"local_seq": r[0], "mutation_id": r[1], "name": r[2], "scope": r[3], "args": json.loads(r[4]),
         "effects": json.loads(r[5]), "created_at": r[6]}
        for r in rows
    ]  # fmt: skip


def first_unsent_seq(conn: sqlite3.Connection) -> int | None:
    row = conn.execute("SELECT min(seq) FROM outbox WHERE pushed_at IS NULL").fetchone()
    return row[0]


def last_local_seq(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT coalesce(max(seq), 0) FROM outbox").fetchone()[0]


def record_outcomes(conn: sqlite3.Connection, outcomes: Iterable[tuple[str, str, str, str]]) -> None:
    """Mark mutations as answered: (mutation_id, outcome, detail, at)."""
    conn.executemany(
        "UPDATE outbox SET pushed_at = ?, outcome = ?, outcome_detail = ? WHERE mutation_id = ?",
        ((at, outcome, detail, mutation_id) for mutation_id, outcome, detail, at in outcomes),
    )


def pending_effects(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    rows = conn.execute("SELECT effects FROM outbox WHERE pushed_at IS NULL ORDER BY seq").fetchall()
    return [effect for (effects,) in rows for effect in json.loads(effects)]


def prune_outbox(conn: sqlite3.Connection, answered_before: str) -> int:
    """Forget answered mutations older than the retention (they are kept to re-send after a
    server restore)."""
    return conn.execute(
        "DELETE FROM outbox WHERE pushed_at IS NOT NULL AND pushed_at < ?", (answered_before,)
    ).rowcount


# --- cursors --------------------------------------------------------------------------------


def cursors(conn: sqlite3.Connection) -> dict[str, int]:
    return dict(conn.execute("SELECT scope, version FROM sync_cursors").fetchall())


def set_cursor(conn: sqlite3.Connection, scope: str, version: int) -> None:
    conn.execute(
        "INSERT INTO sync_cursors (scope, version) VALUES (?, ?)"
        " ON CONFLICT (scope) DO UPDATE SET version = excluded.version",
        (scope, version),
    )


def reset_cursors(conn: sqlite3.Connection) -> None:
    conn.execute("DELETE FROM sync_cursors")


# --- rebuilding a scope from a snapshot -----------------------------------------------------


def rebuild_scopes(conn: sqlite3.Connection) -> set[str]:
    """Scopes being rebuilt from a snapshot (the server was restored, or the cursor too old)."""
    return set((get_state(conn, "rebuild") or "").split())


def mark_rebuild(conn: sqlite3.Connection, scopes: Iterable[str]) -> None:
    set_state(conn, "rebuild", " ".join(sorted(rebuild_scopes(conn) | set(scopes))) or None)


def drop_unseen(conn: sqlite3.Connection, scope: str, seen: set[tuple[str, str]]) -> int:
    """End a rebuild of ``scope`` (in the caller's transaction, with its last page): remove the
    scope's rows the snapshot did not name, as they lived only in history the server no longer
    has (a conflict record, a withdrawn loan). Rows the unsent outbox touches stay, and so do rows
    offices write once and never delete (notices, template versions). Returns how many went."""
    municipality_id = scope_municipality(scope)
    family = MUNICIPALITY if municipality_id else POOL if scope == POOL_SCOPE else SHARED
    kept = {(effect.get("kind"), effect.get("id")) for effect in pending_effects(conn)}
    dropped = 0
    with capture_suppressed(conn):
        for kind in KINDS:
            if kind.family != family or (kind.client_inserts and (kind.insert_only or kind.immutable)):
                continue
            if municipality_id:
                ids = conn.execute(
                    f"SELECT id FROM {kind.name} WHERE {kind.owner_column} = ?", (municipality_id,)
                )
            else:
                ids = conn.execute(f"SELECT id FROM {kind.name}")
            gone = [
                (i,) for (i,) in ids.fetchall() if (kind.name, i) not in seen and (kind.name, i) not in kept
            ]
            conn.executemany(f"DELETE FROM {kind.name} WHERE id = ?", gone)
            dropped += len(gone)
    set_state(conn, "rebuild", " ".join(sorted(rebuild_scopes(conn) - {scope})) or None)
    return dropped


# --- applying pulled rows -------------------------------------------------------------------


class _Tables:
    """Column lists and unique keys of the local tables, read once per connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._columns: dict[str, tuple[str, ...]] = {}
        self._unique: dict[str, tuple[tuple[str, ...], ...]] = {}

    def columns(self, table: str) -> tuple[str, ...]:
        if table not in self._columns:
            self._columns[table] = tuple(r[1] for r in self._conn.execute(f"PRAGMA table_info({table})"))
        return self._columns[table]

    def unique_keys(self, table: str) -> tuple[tuple[str, ...], ...]:
        """The column sets of the table's unique indexes besides the id. Partial and expression
        indexes are left out: plain column values cannot name their holder (the replicated kinds
        that are ever deleted have none; tests/test_replica_unique_clash.py checks that)."""
        if table not in self._unique:
            keys = []
            for _seq, name, unique, origin, partial in self._conn.execute(f"PRAGMA index_list({table})"):
                if not unique or origin == "pk" or partial:
                    continue
                info = sorted(self._conn.execute(f"PRAGMA index_info({name})").fetchall())
                if all(cid >= 0 for _seqno, cid, _column in info):
                    keys.append(tuple(column for _seqno, _cid, column in info))
            self._unique[table] = tuple(keys)
        return self._unique[table]


@dataclass(frozen=True)
class _Shape:
    """How rows of one kind with one set of columns are written."""

    kind: Kind
    columns: tuple[str, ...]
    sql: str
    values: Callable[[dict[str, Any]], tuple[Any, ...]]


@lru_cache(maxsize=256)
def _upsert_sql(kind: Kind, columns: tuple[str, ...]) -> str:
    names = ", ".join(columns)
    marks = ", ".join("?" * len(columns))
    insert = f"INSERT INTO {kind.name} ({names}) VALUES ({marks})"
    mutable = [c for c in columns if c != "id" and c not in kind.immutable]
    if kind.insert_only or not mutable:
        return f"{insert} ON CONFLICT (id) DO NOTHING"
    updates = ", ".join(f"{c} = excluded.{c}" for c in mutable)
    return f"{insert} ON CONFLICT (id) DO UPDATE SET {updates}"


def apply_changes(conn: sqlite3.Connection, changes: list[dict[str, Any]]) -> None:
    """Write pulled changes (in the caller's transaction); unknown kinds and columns are skipped,
    so an older client keeps working with a newer server.

    A page holds each row once, so its deletions can go first: a refused local row then makes
    room for the server's row that replaces it (the same portal submission, for instance).
    Rows of one shape (kind and columns) go to SQLite in one ``executemany``.
    """
    tables = _Tables(conn)
    with capture_suppressed(conn):
        for change in changes:
            if change.get("deleted") and (kind := kind_named(change.get("kind"))) is not None:
                _delete_local(conn, kind, str(change["id"]))
        shapes: dict[tuple[str, frozenset[str]], _Shape | None] = {}
        batch_shape: _Shape | None = None
        batch: list[tuple[Any, ...]] = []
        events: list[dict[str, Any]] = []
        for change in changes:
            data = change["data"]
            if data is None:
                continue
            if change["kind"] == "usage_events":
                events.append(data)  # counted into the statistics as they arrive
                continue
            key = (change["kind"], frozenset(data))
            if key not in shapes:
                shapes[key] = _shape(tables, change["kind"], data)
            shape = shapes[key]
            if shape is None:
                continue  # a kind this version does not know yet
            if batch_shape is None or shape.sql != batch_shape.sql:
                _flush(conn, tables, batch_shape, batch)
                batch_shape, batch = shape, []
            batch.append(shape.values(data))
        _flush(conn, tables, batch_shape, batch)
        usage_stats.add_pulled_events(conn, events)
        if conn.execute("SELECT 1 FROM outbox WHERE pushed_at IS NULL LIMIT 1").fetchone():
            _replay_pending(conn, tables, {(c["kind"], c["id"]) for c in changes})


def _shape(tables: _Tables, kind_name: str, data: dict[str, Any]) -> _Shape | None:
    kind = kind_named(kind_name)
    if kind is None:
        return None
    columns = tuple(c for c in tables.columns(kind.name) if c in data)
    return _Shape(kind, columns, _upsert_sql(kind, columns), _row_getter(columns))


def _row_getter(columns: tuple[str, ...]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """A function giving the values of ``columns`` from a row dict, always as a tuple."""
    if len(columns) == 1:
        column = columns[0]
        return lambda data: (data[column],)
    return itemgetter(*columns)


def _flush(
    conn: sqlite3.Connection, tables: _Tables, shape: _Shape | None, rows: list[tuple[Any, ...]]
) -> None:
    if shape is None or not rows:
        return
    try:
        conn.executemany(shape.sql, rows)
    except sqlite3.IntegrityError:
        # A local row (unsent, or refused and not yet withdrawn) holds a unique value the server
        # has given to another row. The server is the truth: its row replaces the local one;
        # the local mutation, if still unsent, comes back from the server as a conflict.
        # (The rows executemany wrote before it stopped are written again: an upsert repeats.)
        for row in rows:
            try:
                conn.execute(shape.sql, row)
            except sqlite3.IntegrityError:
                _take_over(conn, tables, shape, row)


def _take_over(conn: sqlite3.Connection, tables: _Tables, shape: _Shape, row: tuple[Any, ...]) -> None:
    """Write the server's ``row`` where local rows hold one of its unique values under other ids.

    The holders go through a plain DELETE, so every delete trigger fires: the search index drops
    their entries (an ``INSERT OR REPLACE`` would delete them without triggers and leave a stale
    entry that later refuses the insert of a row given the same row number). Change capture is
    off for the whole page, so the outbox learns nothing of it. The server's row is then written
    by the same upsert as any other: a known row is updated in place and keeps its row number.
    """
    kind = shape.kind
    if kind.insert_only or kind.immutable:
        # Template versions and archived notices refuse a DELETE (guard triggers) and keep no
        # search index; a version numbered alike by two workstations is the server's, as before.
        names, marks = ", ".join(shape.columns), ", ".join("?" * len(shape.columns))
        conn.execute(f"INSERT OR REPLACE INTO {kind.name} ({names}) VALUES ({marks})", row)
        log.info("pulled %s row replaced a local version with the same number", kind.name)
        return
    values = dict(zip(shape.columns, row, strict=True))
    gone = 0
    for key in tables.unique_keys(kind.name):
        if any(values.get(column) is None for column in key):
            continue  # NULL never clashes; a column the page lacks is not the server's to claim
        condition = " AND ".join(f"{column} = ?" for column in key)
        gone += conn.execute(
            f"DELETE FROM {kind.name} WHERE {condition} AND id != ?",
            (*(values[column] for column in key), values["id"]),
        ).rowcount
    log.info("pulled %s row took a unique value from %d local row(s)", kind.name, gone)
    conn.execute(shape.sql, row)


def _delete_local(conn: sqlite3.Connection, kind: Kind, row_id: str) -> None:
    if kind.insert_only or kind.immutable:
        return  # archived notices and template versions are never deleted, not even by the server
    conn.execute(f"DELETE FROM {kind.name} WHERE id = ?", (row_id,))


def _replay_pending(conn: sqlite3.Connection, tables: _Tables, touched: set[tuple[Any, Any]]) -> None:
    """Lay the outbox's unsent effects over the rows this page overwrote."""
    for effect in pending_effects(conn):
        if (effect.get("kind"), effect.get("id")) not in touched:
            continue
        kind = kind_named(effect.get("kind"))
        if kind is None:
            continue
        if effect["op"] == "delete":
            _delete_local(conn, kind, effect["id"])
            continue
        values = effect["set"] if effect["op"] == "insert" else {"id": effect["id"], **effect["set"]}
        columns = tuple(c for c in tables.columns(kind.name) if c in values)
        if effect["op"] == "insert":
            conn.execute(_upsert_sql(kind, columns), tuple(values[c] for c in columns))
        else:
            assignments = ", ".join(f"{c} = ?" for c in columns if c != "id")
            if assignments:
                conn.execute(
                    f"UPDATE {kind.name} SET {assignments} WHERE id = ?",
                    (*(values[c] for c in columns if c != "id"), effect["id"]),
                )


# --- files beside the rows ------------------------------------------------------------------

# Kinds whose rows name a file in the content store.
FILE_KINDS = ("attachments", "notices", "portal_submissions")


def file_state(conn: sqlite3.Connection, sha256: str) -> str | None:
    row = conn.execute("SELECT state FROM sync_files WHERE sha256 = ?", (sha256,)).fetchone()
    return row[0] if row else None


def set_file_state(conn: sqlite3.Connection, sha256: str, state: str | None) -> None:
    if state is None:
        conn.execute("DELETE FROM sync_files WHERE sha256 = ?", (sha256,))
    else:
        conn.execute(
            "INSERT INTO sync_files (sha256, state) VALUES (?, ?)"
            " ON CONFLICT (sha256) DO UPDATE SET state = excluded.state",
            (sha256, state),
        )


def wanted_files(conn: sqlite3.Connection) -> list[str]:
    return [row[0] for row in conn.execute("SELECT sha256 FROM sync_files WHERE state = 'fehlt'")]
