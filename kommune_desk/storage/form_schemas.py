"""FIM submission schemas by URI (shared by every office through the sync)."""

from __future__ import annotations

import sqlite3
from typing import Any


def insert_schema(conn: sqlite3.Connection, row: dict[str, Any]) -> None:
    conn.execute(
        "INSERT INTO form_schemas (id, municipality_id, uri, title, sha256, content, created_at, updated_at)"
        " VALUES (:id, :municipality_id, :uri, :title, :sha256, :content, :created_at, :updated_at)",
        row,
    )


def has_schema(conn: sqlite3.Connection, uri: str, sha256: str) -> bool:
    """Whether this very schema (same URI, same content) is stored already."""
    found = conn.execute(
        "SELECT 1 FROM form_schemas WHERE uri = ? AND sha256 = ? AND deleted_at IS NULL", (uri, sha256)
    ).fetchone()
    return found is not None


def schema_content(conn: sqlite3.Connection, uri: str) -> tuple[str, str] | None:
    """(sha256, JSON text) of the newest schema stored under ``uri``; None if none arrived yet."""
    row = conn.execute(
        "SELECT sha256, content FROM form_schemas WHERE uri = ? AND deleted_at IS NULL"
        " ORDER BY created_at DESC, id DESC LIMIT 1",
        (uri,),
    ).fetchone()
    return (row[0], row[1]) if row else None


def list_schemas(conn: sqlite3.Connection) -> list[tuple[str, str, str]]:
    """(uri, title, created_at) of every stored schema, newest per URI, by URI."""
    return conn.execute(
        "SELECT uri, title, max(created_at) FROM form_schemas WHERE deleted_at IS NULL"
        " GROUP BY uri ORDER BY uri"
    ).fetchall()
