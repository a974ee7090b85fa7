"""A server of the first release, full of rows, upgraded by ``create_schema`` on both backends.

The first release's schema is today's ``_TABLES`` without the ``_ADDED_COLUMNS``, so a column
added there is covered without a change here. Every table the catalogue lists is filled (at
least two rows, personal data in the entities' JSON, bytes in the blobs, dates in the bookings),
the schema is created twice, and every row and value must be where it was, the added columns
present with their defaults, and on PostgreSQL row-level security on the scoped tables.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from kommune_desk.domain.replication import POOL_SCOPE, municipality_scope
from kommune_desk.server.db import (
    APP_ROLE,
    IntegrityConflictError,
    PostgresServerDatabase,
    ServerDatabase,
    Tx,
)
from kommune_desk.server.schema import _ADDED_COLUMNS, _SCOPED_TABLES, _TABLES, create_schema
from tests.migration_rows import (
    Column,
    Row,
    Table,
    TableRows,
    fill_order,
    hostile,
    ident,
    reference_table,
    timestamp,
)

SCOPES = (
    municipality_scope(ident("municipalities", 0)),
    municipality_scope(ident("municipalities", 1)),
    POOL_SCOPE,
)
# What create_schema may add to a running server's rows: bookkeeping of its own in ``meta``.
MAY_GAIN_ROWS = frozenset({"meta"})
_ROWS = 3
_DAY = dt.date(2026, 11, 10)


def _person(i: int) -> dict[str, Any]:
    """A borrower or applicant as a client pushes it: the town's personal data."""
    return {
        "id": ident("personen", i),
        "name": hostile("entities", "name", i),
        "geburtsdatum": ("1956-02-29", "1990-12-31", "2001-01-01")[i],
        "anschrift": {"strasse": "Schloßstraße 1a", "plz": "64521", "ort": "Groß-Gerau"},
        "email": f"o'brien.jürgen+{i}@müller-weiß.de",
        "iban": "DE02 1203 0000 0000 2020 51",
    }


def _booking_days(i: int) -> tuple[dt.date, dt.date]:
    # One device: bookings 0 and 2 block and meet without overlapping (both ends count); 1 is a
    # cancelled booking inside 0, which the exclusion constraint must allow.
    start = _DAY + dt.timedelta(days=(0, 1, 3)[i])
    return start, start + dt.timedelta(days=2)


_OVERRIDES: dict[tuple[str, str], Callable[[int], Any]] = {
    ("entities", "kind"): lambda i: ("loan_borrowers", "applications", "devices")[i],
    ("entities", "data"): lambda i: json.dumps(_person(i), ensure_ascii=False, sort_keys=True),
    ("entities", "deleted"): lambda i: i == 1,
    ("blobs", "data"): lambda i: bytes(range(256)) * (i + 1),  # every byte value, NUL first
    ("blobs", "size"): lambda i: 256 * (i + 1),
    ("comparison_cache", "payload"): lambda i: json.dumps({"towns": [hostile("towns", "name", i)]}),
    ("meta", "key"): lambda i: ("epoch", "token_key", "kreis")[i],
    ("pool_bookings", "device_id"): lambda i: ident("pool_devices", 0),
    ("pool_bookings", "start_date"): lambda i: _booking_days(i)[0],
    ("pool_bookings", "end_date"): lambda i: _booking_days(i)[1],
    ("pool_bookings", "blocking"): lambda i: i != 1,
}
_AFTER = {"pool_bookings": ("pool_devices",)}


def _catalogue(tx: Tx) -> dict[str, Table]:
    """Every table of the server's schema as the database lists it."""
    if tx.dialect == "postgresql":
        names = [
            r[0]
            for r in tx.all(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
            )
        ]
    else:
        names = [
            r[0]
            for r in tx.all(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
    return {name: _table(tx, name) for name in sorted(names)}


def _table(tx: Tx, name: str) -> Table:
    if tx.dialect == "postgresql":
        columns = tuple(
            Column(r[0], r[1].upper(), r[2] == "NO", r[3], False)
            for r in tx.all(
                "SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
                (name,),
            )
        )
        keys = tx.all(
            "SELECT a.attname, p.relname, pa.attname FROM pg_constraint c"
            " JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class p ON p.oid = c.confrelid"
            " JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]"
            " JOIN pg_attribute pa ON pa.attrelid = c.confrelid AND pa.attnum = c.confkey[1]"
            " WHERE c.contype = 'f' AND t.relname = ? AND t.relnamespace = current_schema()::regnamespace",
            (name,),
        )
    else:
        columns = tuple(
            Column(r[1], r[2].upper(), bool(r[3]), r[4], bool(r[5]))
            for r in tx.all(f"PRAGMA table_info({name})")
        )
        keys = [(r[3], r[2], r[4]) for r in tx.all(f"PRAGMA foreign_key_list({name})")]
    return Table(name, columns, {column: (parent, key) for column, parent, key in keys}, {})


def _value(tx: Tx, table: Table, column: Column, i: int, filled: dict[str, list[Row]]) -> Any:
    name, kind = column.name, column.type
    if (table.name, name) in _OVERRIDES:
        found = _OVERRIDES[(table.name, name)](i)
        return found.isoformat() if isinstance(found, dt.date) and tx.dialect == "sqlite" else found
    if name in table.foreign_keys:
        parent, key = table.foreign_keys[name]
        return filled[parent][i % len(filled[parent])][key or "id"]
    if i == 1 and not column.notnull and not column.pk:  # SQLite reports a TEXT key nullable
        return None
    if name == "scope":
        return SCOPES[i]
    if name == "id":
        return ident(table.name, i)
    if name == "ags":
        return f"064330{i:02d}"
    if name.endswith("_hash"):
        return hashlib.sha256(f"{table.name}.{name}.{i}".encode()).hexdigest()
    referenced = reference_table(name, filled)
    if referenced is not None and referenced != table.name:
        return filled[referenced][i % len(filled[referenced])]["id"]
    if name.endswith("_at"):
        return timestamp(i)
    if "BOOL" in kind:
        return i % 2 == 0
    if "BIGINT" in kind:
        return 2**40 + i  # beyond 32 bits: a narrowing column type would show
    if "INT" in kind:
        return 7 + i
    if "BLOB" in kind or "BYTEA" in kind:
        return bytes(range(256)) + bytes([i])
    if "DATE" in kind:
        return _DAY + dt.timedelta(days=i)
    return hostile(table.name, name, i)


def _fill(tx: Tx, tables: dict[str, Table]) -> None:
    filled: dict[str, list[Row]] = {}
    for table in fill_order(tables, _AFTER):
        rows = filled[table.name] = []
        columns = ", ".join(c.name for c in table.columns)
        marks = ", ".join("?" for _ in table.columns)
        for i in range(_ROWS):
            row = {c.name: _value(tx, table, c, i, filled) for c in table.columns}
            rows.append(row)
            tx.execute(f"INSERT INTO {table.name} ({columns}) VALUES ({marks})", tuple(row.values()))


def _snapshot(tx: Tx) -> dict[str, TableRows]:
    result = {}
    for name in _catalogue(tx):
        cursor = tx.execute(f"SELECT * FROM {name}")
        columns = tuple(getattr(d, "name", None) or d[0] for d in cursor.description)
        result[name] = TableRows(
            columns, tuple(dict(zip(columns, r, strict=True)) for r in cursor.fetchall())
        )
    return result


def _typed(row: Row, columns: tuple[str, ...]) -> tuple[tuple[str, Any], ...]:
    return tuple((type(row[c]).__name__, row[c]) for c in columns)


def _as_sets(tables: dict[str, TableRows]) -> dict[str, tuple[tuple[str, ...], Counter[Any]]]:
    """Tables without their row order (a SELECT without ORDER BY promises none)."""
    return {name: (t.columns, Counter(_typed(r, t.columns) for r in t.rows)) for name, t in tables.items()}


def _arrival_problems(before: dict[str, TableRows], after: dict[str, TableRows]) -> list[str]:
    """Tables, columns, rows and values of ``before`` that are not in ``after`` as they were."""
    problems = []
    for name, old in before.items():
        new = after.get(name)
        if new is None:
            problems.append(f"table {name} is gone")
            continue
        lost = [c for c in old.columns if c not in new.columns]
        if lost:
            problems.append(f"{name}: columns {lost} are gone")
        kept = tuple(c for c in old.columns if c in new.columns)
        found = Counter(_typed(r, kept) for r in new.rows)
        missing = Counter(_typed(r, kept) for r in old.rows) - found
        if missing:
            lost_row = next(iter(missing))
            nearest = min(
                ([c for c, a, b in zip(kept, lost_row, r, strict=True) if a != b] for r in found),
                key=len,
                default=list(kept),
            )
            problems.append(
                f"{name}: {sum(missing.values())} of {len(old.rows)} rows lost or changed"
                f" (nearest arrived row differs in {nearest})"
            )
        if len(new.rows) != len(old.rows) and name not in MAY_GAIN_ROWS:
            problems.append(f"{name}: {len(old.rows)} rows before, {len(new.rows)} after")
    return problems


def _default(declaration: str) -> Any:
    """The value an added column has in existing rows, read from its declaration."""
    found = re.search(r"DEFAULT\s+('(?:[^']|'')*'|\S+)", declaration, re.IGNORECASE)
    literal = found.group(1) if found else "NULL"
    if literal.startswith("'"):
        return literal[1:-1].replace("''", "'")
    keywords = {"TRUE": True, "FALSE": False, "NULL": None}
    return keywords[literal.upper()] if literal.upper() in keywords else int(literal)


def _first_release(tx: Tx) -> None:
    """The tables as the first release created them: today's DDL without the added columns, and
    on PostgreSQL without the exclusion constraint and row-level security, which create_schema
    must then add to tables that already hold rows (the harder of the two histories)."""
    postgres = tx.dialect == "postgresql"
    ddl = _TABLES.format(date="DATE" if postgres else "TEXT", blob="BYTEA" if postgres else "BLOB")
    for statement in filter(str.strip, ddl.split(";")):
        tx.execute(statement)
    tables = _catalogue(tx)
    for table, column, _ in _ADDED_COLUMNS:
        if column in {c.name for c in tables[table].columns}:
            tx.execute(f"ALTER TABLE {table} DROP COLUMN {column}")


@dataclass(frozen=True)
class Upgrade:
    before: dict[str, TableRows]
    after: dict[str, TableRows]
    again: dict[str, TableRows]


def _upgrade(db: ServerDatabase) -> Upgrade:
    with db.transaction() as tx:
        _first_release(tx)
    with db.transaction() as tx:
        tables = _catalogue(tx)
        for table, column, _ in _ADDED_COLUMNS:
            assert column not in {c.name for c in tables[table].columns}, f"{table}.{column} is not new"
        _fill(tx, tables)
        before = _snapshot(tx)
    with db.transaction() as tx:
        create_schema(tx)
    with db.transaction() as tx:
        after = _snapshot(tx)
    with db.transaction() as tx:  # every start runs it: the second run must change nothing
        create_schema(tx)
    with db.transaction() as tx:
        again = _snapshot(tx)
    return Upgrade(before, after, again)


def test_create_schema_keeps_every_row_of_a_first_release_server(server_db: ServerDatabase) -> None:
    upgrade = _upgrade(server_db)
    thin = {name: len(t.rows) for name, t in upgrade.before.items() if len(t.rows) < 2}
    assert not thin, f"tables the fill missed: {thin}"
    assert {"entities", "blobs", "pool_bookings", "clients", "processed_mutations"} <= set(upgrade.before)
    problems = _arrival_problems(upgrade.before, upgrade.after)
    assert not problems, "\n".join(problems)
    assert _as_sets(upgrade.again) == _as_sets(upgrade.after)
    for table, column, declaration in _ADDED_COLUMNS:
        values = [row[column] for row in upgrade.after[table].rows]
        assert values == [_default(declaration)] * len(upgrade.before[table].rows), f"{table}.{column}"
    # Spot checks of what the generic comparison covers, in the shapes a regression would take.
    entities = {row["id"]: row for row in upgrade.after["entities"].rows}
    person = json.loads(entities[ident("entities", 0)]["data"])
    assert (
        person["name"].startswith("Zoë Weiß-O'Connor „die Ältere“") and person["geburtsdatum"] == "1956-02-29"
    )
    blobs = sorted(bytes(row["data"]) for row in upgrade.after["blobs"].rows)
    assert blobs == [bytes(range(256)) * n for n in (1, 2, 3)]


def _scoped_rows(upgrade: Upgrade, scopes: tuple[str, ...]) -> dict[str, Counter[tuple[Any, ...]]]:
    return {
        table: Counter(tuple(r.values()) for r in upgrade.after[table].rows if r[column] in scopes)
        for table, column in _SCOPED_TABLES.items()
    }


@pytest.fixture
def pg_db(pg_url: str) -> Iterator[PostgresServerDatabase]:
    db = PostgresServerDatabase(pg_url)
    yield db
    db.close()


def test_an_upgraded_postgres_server_walls_each_scope_off(pg_db: PostgresServerDatabase) -> None:
    upgrade = _upgrade(pg_db)
    with pg_db.transaction() as tx:
        security = tx.all(
            "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class"
            " WHERE relnamespace = current_schema()::regnamespace AND relkind = 'r'"
        )
        constraint = tx.one("SELECT 1 FROM pg_constraint WHERE conname = 'pool_bookings_no_overlap'")
    walled = {name for name, enabled, forced in security if enabled and forced}
    assert walled == set(_SCOPED_TABLES)
    assert constraint is not None
    for scopes in ((SCOPES[0],), (SCOPES[1], POOL_SCOPE)):
        with pg_db.transaction(scopes=list(scopes)) as tx:
            assert tx.one("SELECT current_user") == (APP_ROLE,)
            seen = {
                table: Counter(tuple(r) for r in tx.all(f"SELECT * FROM {table}")) for table in _SCOPED_TABLES
            }
        expected = _scoped_rows(upgrade, scopes)
        assert seen == expected
        assert all(expected[table] for table in _SCOPED_TABLES)  # each scope has rows to see
    # The exclusion constraint, added to a table that already held bookings, refuses an overlap.
    start, end = _booking_days(2)
    with pytest.raises(IntegrityConflictError), pg_db.transaction() as tx:
        tx.execute(
            "INSERT INTO pool_bookings (loan_id, device_id, start_date, end_date, municipality_id, blocking)"
            " VALUES (?, ?, ?, ?, ?, TRUE)",
            ("überlappend", ident("pool_devices", 0), start, end, ident("municipalities", 0)),
        )
