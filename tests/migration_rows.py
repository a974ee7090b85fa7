"""Rows for every table of a real client schema, for the migration tests.

The tables come from ``PRAGMA table_list`` of the database itself and each value from the
table's columns as SQLite reports them: declared type, NOT NULL, foreign keys (parents are
filled first), ``IN``/``BETWEEN`` CHECK constraints and, by name, dates, hashes and JSON. A
table a future migration adds is filled without a change here; one whose CHECK the generic
values cannot meet fails with its name, and gets an entry in ``_OVERRIDES``.

Free text is hostile German personal data (umlauts, ß, apostrophes, quotes, decomposed
umlauts, control characters, an astral emoji, a 6,000-character string), tagged with its table,
column and row, so a migration that truncates, trims or re-encodes text changes a value.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import sqlite3
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from kommune_desk.storage.transaction import immediate_transaction

ROWS_PER_TABLE = 3
# Tables that never hold a row between transactions: capture.settle() takes every captured
# change before the commit, and capture_suppressed() removes its marker in the same transaction.
TRANSIENT_TABLES: Mapping[str, str] = {
    "sync_capture": "Änderungen der offenen Transaktion; settle() leert sie vor jedem Commit",
    "sync_capture_off": "Marker für unerfasste Schreibvorgänge innerhalb einer Transaktion",
}

# Row 0: apostrophe, quotes, ß and diaeresis. Row 1: a decomposed umlaut (NFD), tab, newline,
# backslash, LIKE wildcards and an emoji outside the BMP. Row 2: long (a 255/4000 cut shows).
_HOSTILE = (
    'Zoë Weiß-O\'Connor „die Ältere“ "Ömer" Çelik; --',
    "Mu\u0308ller-Lüdenscheidt\tStraße\n\\ 50 % _Ǆemal_ 🙂 ",
    "Größenwahn & Söhne GbR – ẞ-Übermäßig‚lange‘ Bezeichnung " * 110,
)
_FIRST_NAMES = ("Zoë", "Jürgen", "Ağaoğlu")
_BIRTH_DATES = ("1956-02-29", "1990-12-31", "2001-01-01")
_IBANS = ("DE02 1203 0000 0000 2020 51", "DE02500105170137075030", "AT611904300234573201")
# Gewerbean- and -abmeldung: migration 9 turns them into Anzeigen with a 3-day period.
_LEIKA = ("99050012104000", "99107004000000", "99050012106000")
_JSON_NAMES = frozenset(
    {"args", "effects", "definition", "before", "after", "content", "submitted_data", "changes"}
)
_DATE_SUFFIXES = ("_on", "_date", "_until", "_deadline", "_due")

Row = dict[str, Any]
Filled = dict[str, list[Row]]


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    notnull: bool
    default: str | None
    pk: bool


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    foreign_keys: Mapping[str, tuple[str, str | None]]  # column -> (parent table, parent column)
    choices: Mapping[str, tuple[Any, ...]]  # column -> the values its CHECK allows


def ident(table: str, i: int) -> str:
    """A stable UUID-shaped id per table and row (stable: failures name the same rows each run)."""
    return str(uuid.UUID(bytes=hashlib.sha256(f"{table}:{i}".encode()).digest()[:16]))


def hostile(table: str, column: str, i: int) -> str:
    return f"{_HOSTILE[i % 3]}[{table}.{column}.{i}]"


def data_tables(conn: sqlite3.Connection) -> list[str]:
    """Every ordinary table of the main schema: no ``sqlite_%``, no FTS table, no shadow table."""
    rows = conn.execute("PRAGMA main.table_list").fetchall()
    return sorted(r[1] for r in rows if r[2] == "table" and not r[1].startswith("sqlite_"))


def virtual_tables(conn: sqlite3.Connection) -> list[str]:
    """The FTS5 tables: filled by triggers, checked by searching after a migration."""
    return sorted(r[1] for r in conn.execute("PRAGMA main.table_list") if r[2] == "virtual")


def describe(conn: sqlite3.Connection, name: str) -> Table:
    columns = tuple(
        Column(r[1], (r[2] or "").upper(), bool(r[3]), r[4], bool(r[5]))
        for r in conn.execute(f'PRAGMA table_xinfo("{name}")')
        if r[6] == 0  # hidden columns (generated, virtual) take no value
    )
    foreign_keys = {r[3]: (r[2], r[4]) for r in conn.execute(f'PRAGMA foreign_key_list("{name}")')}
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone()
    return Table(name, columns, foreign_keys, _check_choices(sql[0] if sql else ""))


def _check_choices(sql: str) -> dict[str, tuple[Any, ...]]:
    """``col IN (…)`` and ``col BETWEEN a AND b`` of the table's CHECK constraints."""
    choices: dict[str, tuple[Any, ...]] = {}
    for body in _check_bodies(sql):
        for column, values in re.findall(r"(\w+)\s+IN\s*\(([^()]*)\)", body, re.IGNORECASE):
            choices[column] = tuple(_literal(v) for v in values.split(","))
        for column, low, high in re.findall(r"(\w+)\s+BETWEEN\s+(\d+)\s+AND\s+(\d+)", body, re.IGNORECASE):
            choices[column] = tuple(range(int(low), int(high) + 1))
    return choices


def _check_bodies(sql: str) -> list[str]:
    bodies = []
    for match in re.finditer(r"CHECK\s*\(", sql, re.IGNORECASE):
        depth, start = 1, match.end()
        for end in range(start, len(sql)):
            depth += {"(": 1, ")": -1}.get(sql[end], 0)
            if depth == 0:
                bodies.append(sql[start:end])
                break
    return bodies


def _literal(text: str) -> Any:
    text = text.strip()
    return text[1:-1].replace("''", "'") if text.startswith("'") else int(text)


def _ref(filled: Filled, table: str, i: int, column: str = "id") -> Any:
    rows = filled[table]
    return rows[i % len(rows)][column]


# Values a migration or a CHECK needs in a particular shape; each gets the row index and the rows
# already filled. Tables named in _AFTER are filled after the tables these overrides read.
_Override = Callable[[int, Filled], Any]
_OVERRIDES: dict[tuple[str, str], _Override] = {
    # Migration 7 dates the end of processing from the audit trail of sent or closed cases.
    ("applications", "status"): lambda i, f: ("bescheid_versandt", "in_bearbeitung", "abgeschlossen")[i % 3],
    ("audit_log", "entity"): lambda i, f: "application",
    ("audit_log", "entity_id"): lambda i, f: _ref(f, "applications", i),
    ("audit_log", "action"): lambda i, f: ("bescheid_versenden", "bearbeiten", "abschliessen")[i % 3],
    # Migration 9: the Gewerbe services with the old default period (14) become 3 days.
    ("services", "processing_days"): lambda i, f: (14, 30, 20)[i % 3],
    # A loan's borrower row has the loan's id (migration 6 moved the name there).
    ("loan_borrowers", "id"): lambda i, f: _ref(f, "loans", i),
    ("pool_members", "id"): lambda i, f: _ref(f, "municipalities", i),
    ("notices", "kind"): lambda i, f: ("bewilligung", "gebuehrenbescheid", "anhoerung")[i % 3],
}
# Usage events that migration 7 can count: one session of one town, started, paid, stepped.
for _events in ("usage_events", "usage_imported_events"):
    _OVERRIDES[(_events, "municipality_id")] = lambda i, f: _ref(f, "municipalities", 0)
    _OVERRIDES[(_events, "session_id")] = lambda i, f: ident("sitzung", 0)
    _OVERRIDES[(_events, "kind")] = lambda i, f: ("bezahlt", "gestartet", "schritt")[i % 3]
    _OVERRIDES[(_events, "step")] = lambda i, f: (2, None, 3)[i % 3]
    _OVERRIDES[(_events, "payment_method")] = lambda i, f: ("GIROPAY", None, "PAYPAL")[i % 3]
    _OVERRIDES[(_events, "channel")] = lambda i, f: ("web", None, "app")[i % 3]
    _OVERRIDES[(_events, "authentication")] = lambda i, f: ("bundid", None, "elster")[i % 3]
_AFTER: dict[str, tuple[str, ...]] = {
    "audit_log": ("applications",),
    "loan_borrowers": ("loans",),
    "pool_members": ("municipalities",),
}


def timestamp(i: int) -> str:
    return dt.datetime(2026, 3 + i, 27 + i, 1 + i, 59, 30, tzinfo=dt.UTC).isoformat()


def _json(column: Column, table: str, i: int) -> str:
    person = {
        "vorname": _FIRST_NAMES[i % 3],
        "familienname": hostile(table, column.name, i),
        "geburtsdatum": _BIRTH_DATES[i % 3],
        "anschrift": {"strasse": "Schloßstraße 1a", "plz": "64521", "ort": "Groß-Gerau"},
        "iban": _IBANS[i % 3],
        "email": f"o'brien.jürgen+{i}@müller-weiß.de",
    }
    value: Any = [person, "Ölkännchen"] if column.default == "'[]'" else person
    return json.dumps(value, ensure_ascii=False)


def reference_table(column: str, tables: Mapping[str, Any]) -> str | None:
    """``offered_device_id`` names ``devices``, ``from_municipality_id`` ``municipalities``."""
    if not column.endswith("_id"):
        return None
    tokens = column[:-3].split("_")
    for k in range(len(tokens)):
        word = "_".join(tokens[k:])
        for plural in (word + "s", word[:-1] + "ies" if word.endswith("y") else None):
            if plural in tables:
                return plural
    return None


def value(table: Table, column: Column, i: int, filled: Filled) -> Any:
    """The value of ``column`` in row ``i``; row 1 leaves every nullable column NULL."""
    name, kind = column.name, column.type
    if (table.name, name) in _OVERRIDES:
        return _OVERRIDES[(table.name, name)](i, filled)
    if name in table.foreign_keys:
        parent, parent_column = table.foreign_keys[name]
        if parent == table.name:  # a correction names the row before it
            return _ref(filled, parent, i - 1, parent_column or "id") if i else None
        if i == 1 and not column.notnull:
            return None
        return _ref(filled, parent, i, parent_column or "id")
    if name in table.choices:
        options = table.choices[name]
        return None if i == 1 and not column.notnull else options[i % len(options)]
    if name == "deleted_at":  # row 0 is a tombstone, the others are live
        return timestamp(i) if i == 0 else None
    if i == 1 and not column.notnull and not column.pk:
        return None
    if column.pk and kind == "INTEGER":
        return 1000 + i
    if name == "id":
        return ident(table.name, i)
    if name == "ags":
        return f"064330{i:02d}"
    if name == "leika_id":
        return _LEIKA[i % 3]
    if name == "sha256" or name.endswith("_sha256"):
        return hashlib.sha256(f"{table.name}.{name}.{i}".encode()).hexdigest()
    referenced = reference_table(name, filled)
    if referenced is not None and referenced != table.name:
        return _ref(filled, referenced, i)
    if name.endswith("_id"):
        return ident(f"{table.name}.{name}", i)
    if name == "at" or name.endswith("_at"):
        return timestamp(i)
    if name == "end_date":
        return f"2026-12-{10 + i}"
    if name in ("day", "start_date") or name.endswith(_DATE_SUFFIXES):
        return f"2026-11-{10 + i}"
    if name == "year":
        return 2024 + i
    if name in _JSON_NAMES or column.default in ("'{}'", "'[]'"):
        return _json(column, table.name, i)
    if "email" in name:
        return f"o'brien.jürgen+{table.name}.{i}@müller-weiß.de"
    if name == "iban":
        return _IBANS[i % 3]
    if "INT" in kind:
        # Above 32 bits for amounts and sizes: a narrowing cast would show.
        return 2**33 + i if name.endswith(("_cents", "size_bytes")) else 7 + i
    if "REAL" in kind or "FLOA" in kind:
        return 0.1 + i / 3
    if "BLOB" in kind:
        return bytes(range(256)) + bytes([i])
    return hostile(table.name, name, i)


def fill_order(tables: Mapping[str, Table], after: Mapping[str, tuple[str, ...]] = _AFTER) -> list[Table]:
    """Parents before children: foreign keys, ``*_id`` names and ``after`` (what overrides read)."""
    order: list[Table] = []
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in done:
            return
        if name in path:
            raise AssertionError(f"Zyklus der Fremdschlüssel: {' → '.join((*path, name))}")
        table = tables[name]
        parents = {p for p, _ in table.foreign_keys.values()} | set(after.get(name, ()))
        parents |= {r for c in table.columns if (r := reference_table(c.name, tables)) is not None}
        for parent in sorted(parents - {name}):
            if parent in tables:
                visit(parent, (*path, name))
        done.add(name)
        order.append(table)

    for name in sorted(tables):
        visit(name, ())
    return order


def fill(conn: sqlite3.Connection) -> dict[str, int]:
    """Fill every table of the database's schema in one transaction; return the row counts.

    Change capture runs as for any write; what it captured is dropped before the commit, as
    ``capture.settle`` does for a write without a mutation."""
    names = [n for n in data_tables(conn) if n not in TRANSIENT_TABLES]
    tables = {name: describe(conn, name) for name in names}
    filled: Filled = {}
    with immediate_transaction(conn):
        for table in fill_order(tables):
            columns = ", ".join(f'"{c.name}"' for c in table.columns)
            marks = ", ".join("?" for _ in table.columns)
            rows = filled[table.name] = []  # filled row by row: a row may name the one before it
            for i in range(ROWS_PER_TABLE):
                row = {c.name: value(table, c, i, filled) for c in table.columns}
                rows.append(row)
                try:
                    conn.execute(
                        f'INSERT INTO "{table.name}" ({columns}) VALUES ({marks})', tuple(row.values())
                    )
                except sqlite3.IntegrityError as exc:
                    raise AssertionError(
                        f"{table.name}: the generated row does not fit ({exc}); add an override in "
                        "tests/migration_rows.py"
                    ) from exc
        if "sync_capture" in data_tables(conn):
            conn.execute("DELETE FROM sync_capture")
    return {name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in data_tables(conn)}


@dataclass(frozen=True)
class TableRows:
    columns: tuple[str, ...]
    rows: tuple[Row, ...]


def snapshot(conn: sqlite3.Connection) -> dict[str, TableRows]:
    """Every row of every table, as dicts by column name."""
    result = {}
    for name in data_tables(conn):
        cursor = conn.execute(f'SELECT * FROM "{name}"')
        columns = tuple(d[0] for d in cursor.description)
        result[name] = TableRows(columns, tuple(dict(zip(columns, r, strict=True)) for r in cursor))
    return result
