"""Text blocks of letters, versioned: a save inserts version n+1, nothing is updated."""

from __future__ import annotations

import sqlite3
from typing import Any

_COLUMNS = (
    "t.id, t.service_id, coalesce(s.name, ''), t.kind, t.block, t.version, t.body, t.created_at,"
    " coalesce(c.display_name, '')"
)
_FROM = (
    "letter_templates t LEFT JOIN services s ON s.id = t.service_id LEFT JOIN clerks c ON c.id = t.created_by"
)
_NAMES = (
    "id", "service_id", "service_name", "kind", "block", "version", "body", "created_at", "created_by_name",
)  # fmt: skip


def _rows(cursor: sqlite3.Cursor) -> list[dict[str, Any]]:
    return [dict(zip(_NAMES, row, strict=True)) for row in cursor]


def insert_template(conn: sqlite3.Connection, row: dict[str, Any]) -> None:
    conn.execute(
        "INSERT INTO letter_templates (id, municipality_id, service_id, kind, block, version, body,"
        " created_at, created_by) VALUES (:id, :municipality_id, :service_id, :kind, :block, :version,"
        " :body, :created_at, :created_by)",
        row,
    )


def next_version(
    conn: sqlite3.Connection, municipality_id: str, service_id: str | None, kind: str, block: str
) -> int:
    row = conn.execute(
        "SELECT coalesce(max(version), 0) + 1 FROM letter_templates WHERE municipality_id = ?"
        " AND coalesce(service_id, '') = coalesce(?, '') AND kind = ? AND block = ?",
        (municipality_id, service_id, kind, block),
    ).fetchone()
    return int(row[0])


def current_templates(conn: sqlite3.Connection, municipality_id: str) -> list[dict[str, Any]]:
    """The newest version of every (service or default, kind, block) the municipality has saved."""
    return _rows(
        conn.execute(
            f"SELECT {_COLUMNS} FROM {_FROM} WHERE t.municipality_id = ? AND t.version = ("
            " SELECT max(n.version) FROM letter_templates n WHERE n.municipality_id = t.municipality_id"
            " AND coalesce(n.service_id, '') = coalesce(t.service_id, '') AND n.kind = t.kind"
            " AND n.block = t.block) ORDER BY t.kind, t.block, coalesce(s.name, '')",
            (municipality_id,),
        )
    )


def history(
    conn: sqlite3.Connection, municipality_id: str, service_id: str | None, kind: str, block: str
) -> list[dict[str, Any]]:
    """Every saved version of one block, newest first."""
    return _rows(
        conn.execute(
            f"SELECT {_COLUMNS} FROM {_FROM} WHERE t.municipality_id = ?"
            " AND coalesce(t.service_id, '') = coalesce(?, '') AND t.kind = ? AND t.block = ?"
            " ORDER BY t.version DESC",
            (municipality_id, service_id, kind, block),
        )
    )


def effective_templates(
    conn: sqlite3.Connection, municipality_id: str, service_id: str | None, kind: str
) -> dict[str, dict[str, Any]]:
    """block → the newest saved version that applies to a letter of ``kind`` for ``service_id``:
    the service's own block if it has one, else the municipality's default (service_id NULL)."""
    rows = _rows(
        conn.execute(
            f"SELECT {_COLUMNS} FROM {_FROM} WHERE t.municipality_id = ? AND t.kind = ?"
            " AND (t.service_id IS NULL OR t.service_id = ?)"
            " ORDER BY t.service_id IS NOT NULL, t.version",
            (municipality_id, kind, service_id),
        )
    )
    # Ordered defaults first, then the service's own, each oldest first: the last one wins.
    return {row["block"]: row for row in rows}
