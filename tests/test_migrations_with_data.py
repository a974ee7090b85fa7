"""Every migration keeps every row: the previous schema, built by the project's own migrations,
is filled in every table (tests/migration_rows.py), upgraded, and compared value by value.

A column or table that a migration removes must be named in ``MOVES`` (where its values went),
a value it rewrites on purpose in ``CHANGES``; anything else that disappears or differs fails.
"""

from __future__ import annotations

import sqlite3
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from kommune_desk.storage.connection import connect
from kommune_desk.storage.database import DATABASE_FILE, Database
from kommune_desk.storage.migrations import LATEST_VERSION, MIGRATIONS, Migration, migrate, schema_version
from kommune_desk.storage.search import fts_query

from .migration_rows import ROWS_PER_TABLE, TRANSIENT_TABLES, Row, TableRows, fill, snapshot, virtual_tables


def _always(row: Row) -> bool:
    return True


def _live(row: Row) -> bool:
    return row["deleted_at"] is None


@dataclass(frozen=True)
class Move:
    """Values a migration carries from rows of ``source`` into rows of ``target`` (joined by
    ``key``: source column, target column); ``where`` picks the source rows that move."""

    source: str
    target: str
    key: tuple[str, str]
    columns: Mapping[str, str]  # source column -> target column
    where: Callable[[Row], bool] = _always


@dataclass(frozen=True)
class Change:
    """A value a migration rewrites on purpose; ``expected`` computes it from the old row."""

    table: str
    column: str
    expected: Callable[[Row], Any]


_TIMES = {"created_at": "created_at", "updated_at": "updated_at"}
MOVES: dict[int, tuple[Move, ...]] = {
    # The borrower is the lending town's personal data: out of the pool's loans, into its own scope.
    6: (
        Move(
            "loans",
            "loan_borrowers",
            ("id", "id"),
            {
                "id": "id",
                "borrower_name": "name",
                "borrower_municipality_id": "municipality_id",
                "deleted_at": "deleted_at",
                **_TIMES,
            },
        ),
    ),
    8: (
        # Each live borrower of an earlier release becomes a borrower record, named by its loan row.
        Move(
            "loan_borrowers",
            "borrowers",
            ("id", "id"),
            {"id": "id", "name": "name", "municipality_id": "municipality_id", **_TIMES},
            _live,
        ),
        Move("loan_borrowers", "loan_borrowers", ("id", "id"), {"id": "borrower_id"}, _live),
        # A device is kept and stands where its owner is until it moves.
        Move("devices", "devices", ("id", "id"), {"home_municipality_id": "base_municipality_id"}),
        Move("devices", "devices", ("id", "id"), {"home_municipality_id": "location_municipality_id"}),
    ),
}
# Gewerbean- and -abmeldung: an Anzeige is certified within three days (§ 15 Abs. 1 GewO).
_ANZEIGEN = ("99050012104000", "99050012106000")


def _anzeige_days(row: Row) -> Any:
    return 3 if row["leika_id"] in _ANZEIGEN and row["processing_days"] == 14 else row["processing_days"]


CHANGES: dict[int, tuple[Change, ...]] = {9: (Change("services", "processing_days", _anzeige_days),)}


def _database_at(path: Path, version: int) -> sqlite3.Connection:
    """A database of the release with schema ``version``, built by the project's migrations."""
    conn = connect(path)
    migrate(conn, [m for m in MIGRATIONS if m.version <= version])
    assert schema_version(conn) == version
    return conn


def _filled(path: Path, version: int) -> tuple[sqlite3.Connection, dict[str, TableRows]]:
    conn = _database_at(path, version)
    counts = fill(conn)
    thin = {name: n for name, n in counts.items() if name not in TRANSIENT_TABLES and n < 2}
    assert not thin, f"schema {version}: tables with fewer than two rows: {thin}"
    return conn, snapshot(conn)


def _shown(row: Mapping[str, Any]) -> str:
    """A row for a failure message: long values cut, their length said."""

    def cut(v: Any) -> str:
        text = repr(v)
        return text if len(text) <= 48 else f"{text[:40]}…<{len(v) if hasattr(v, '__len__') else '?'}>"

    return "{" + ", ".join(f"{k}: {cut(v)}" for k, v in row.items()) + "}"


def _typed(row: Row, columns: Sequence[str]) -> tuple[tuple[str, Any], ...]:
    # With the type: 7, 7.0 and '7' are equal to Python but a migration that changes one is wrong.
    return tuple((type(row[c]).__name__, row[c]) for c in columns)


def _changed(row: Row, table: str, changes: Iterable[Change]) -> Row:
    result = dict(row)
    for change in changes:
        if change.table == table:
            result[change.column] = change.expected(row)
    return result


def arrival_problems(
    before: Mapping[str, TableRows],
    after: Mapping[str, TableRows],
    moves: Sequence[Move] = (),
    changes: Sequence[Change] = (),
) -> list[str]:
    """What of ``before`` did not arrive in ``after``: rows, values, columns and tables."""
    problems = []
    for name, old in sorted(before.items()):
        if name in TRANSIENT_TABLES:
            continue
        new = after.get(name)
        surviving = [c for c in old.columns if new is not None and c in new.columns]
        moved = {c for m in moves if m.source == name for c in m.columns}
        lost = [c for c in old.columns if c not in surviving and c not in moved]
        if new is None:
            if lost:
                problems.append(f"table {name} ({len(old.rows)} rows) disappears without a Move in MOVES")
            continue
        if lost:
            problems.append(f"{name}: columns {lost} disappear without a Move in MOVES")
        if len(new.rows) != len(old.rows):
            problems.append(f"{name}: {len(old.rows)} rows before, {len(new.rows)} after")
        expected = Counter(_typed(_changed(r, name, changes), surviving) for r in old.rows)
        found = Counter(_typed(r, surviving) for r in new.rows)
        if expected != found:
            problems.append(_difference(name, surviving, expected - found, found - expected))
    for move in moves:
        problems.extend(_move_problems(move, before, after))
    return problems


def _difference(name: str, columns: Sequence[str], gone: Counter[Any], extra: Counter[Any]) -> str:
    """One lost row and the row found instead, with the columns in which they differ."""
    lost = next(iter(gone), ())
    instead = next(iter(extra), ())
    differing = [c for c, a, b in zip(columns, lost, instead, strict=False) if a != b]
    shown = _shown(dict(zip(columns, (v for _, v in lost), strict=False)))
    if not extra:
        return f"{name}: {sum(gone.values())} rows lost, e.g. {shown}"
    return (
        f"{name}: {sum(gone.values())} rows changed (columns {differing}), e.g. {shown}"
        f" – found instead {_shown(dict(zip(columns, (v for _, v in instead), strict=False)))}"
    )


def _move_problems(move: Move, before: Mapping[str, TableRows], after: Mapping[str, TableRows]) -> list[str]:
    if move.source not in before:
        return []
    target = after.get(move.target)
    missing = set(move.columns.values()) - set(target.columns if target else ())
    if target is None or missing:
        return [f"{move.source} → {move.target}: the target lacks {sorted(missing)}"]
    by_key: dict[Any, list[Row]] = {}
    for row in target.rows:
        by_key.setdefault(row[move.key[1]], []).append(row)
    problems = []
    for row in before[move.source].rows:
        if not move.where(row):
            continue
        arrived = by_key.get(row[move.key[0]], [])
        if len(arrived) != 1:
            problems.append(f"{move.source} → {move.target}: {len(arrived)} rows for {_shown(row)}")
            continue
        for source, column in move.columns.items():
            if _typed(arrived[0], [column]) != _typed(row, [source]):
                problems.append(
                    f"{move.source}.{source} → {move.target}.{column}: {_shown({source: row[source]})}"
                    f" arrived as {_shown({column: arrived[0][column]})}"
                )
    return problems


def _chained(moves: Sequence[Move]) -> list[Move]:
    """Over several migrations: a move into a table that a later move carries on, end to end."""
    result = list(moves)
    for first in moves:
        for then in moves:
            if then is first or then.source != first.target or first.key[1] != then.key[0]:
                continue
            if first.source == first.target or then.source == then.target:
                continue  # a copy within one table (a derived column) starts no chain
            if set(then.columns) - set(first.columns.values()):
                continue  # it carries values that ``first`` did not bring
            back = {target: source for source, target in first.columns.items()}
            result.append(
                Move(
                    first.source,
                    then.target,
                    (first.key[0], then.key[1]),
                    {back[s]: t for s, t in then.columns.items()},
                    lambda row, f=first, t=then: (
                        f.where(row)
                        and t.where({target: row[source] for source, target in f.columns.items()})
                    ),
                )
            )
    return result


def _soundness(conn: sqlite3.Connection) -> None:
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


def _search_problems(conn: sqlite3.Connection) -> list[str]:
    """The full-text index holds every live application and finds it by its Aktenzeichen."""
    if "applications_fts" not in virtual_tables(conn):
        return []
    conn.execute("INSERT INTO applications_fts (applications_fts) VALUES ('integrity-check')")
    problems = []
    rows = conn.execute("SELECT rowid, aktenzeichen, applicant_name, deleted_at FROM applications").fetchall()
    for rowid, aktenzeichen, applicant, deleted_at in rows:
        indexed = conn.execute("SELECT applicant FROM applications_fts WHERE rowid = ?", (rowid,)).fetchone()
        # Words only: fts_query makes a token of punctuation alone ("&", "–") a phrase without a
        # term, and the AND of it matches nothing ("Müller & Söhne" finds no row; see the report).
        words = " ".join(w for w in aktenzeichen.split() if any(ch.isalnum() for ch in w))
        found = conn.execute(
            "SELECT rowid FROM applications_fts WHERE applications_fts MATCH ?", (fts_query(words),)
        )
        hits = {r[0] for r in found}
        if deleted_at is None and (indexed != (applicant,) or rowid not in hits):
            problems.append(f"application {rowid}: indexed {indexed is not None}, found {rowid in hits}")
        if deleted_at is not None and (indexed is not None or rowid in hits):
            problems.append(f"deleted application {rowid} is still in the search index")
    return problems


@pytest.mark.parametrize("migration", MIGRATIONS[1:], ids=lambda m: f"v{m.version}")
def test_each_migration_keeps_every_row_of_the_previous_release(tmp_path: Path, migration: Migration) -> None:
    conn, before = _filled(tmp_path / "vorher.sqlite3", migration.version - 1)
    assert migrate(conn, [m for m in MIGRATIONS if m.version <= migration.version]) == [migration.version]
    problems = arrival_problems(
        before, snapshot(conn), MOVES.get(migration.version, ()), CHANGES.get(migration.version, ())
    )
    assert not problems, f"migration {migration.version} ({migration.name}):\n" + "\n".join(problems)
    _soundness(conn)
    assert _search_problems(conn) == []
    conn.close()


def test_an_upgrade_from_the_first_release_keeps_every_row(tmp_path: Path) -> None:
    """Through the app's own door: Database.open migrates a filled first-release file."""
    data_dir = tmp_path / "daten"
    data_dir.mkdir()
    conn, before = _filled(data_dir / DATABASE_FILE, 1)
    conn.close()
    db = Database.open(data_dir)
    try:
        reader = db.reader()
        assert schema_version(reader) == LATEST_VERSION
        moves = _chained([m for version in sorted(MOVES) for m in MOVES[version]])
        assert any(m.source == "loans" and m.target == "borrowers" for m in moves)  # v1 names reach v8
        changes = [c for version in sorted(CHANGES) for c in CHANGES[version]]
        problems = arrival_problems(before, snapshot(reader), moves, changes)
        assert not problems, "\n".join(problems)
        _soundness(reader)
        reader.close()
        with db.write() as writer:  # the search check writes FTS5's integrity-check command
            assert _search_problems(writer) == []
    finally:
        db.close()


@pytest.mark.parametrize(
    "migration",
    [m for m in MIGRATIONS if m.version >= 6],  # change capture begins with migration 6
    ids=lambda m: f"v{m.version}",
)
def test_a_migration_leaves_nothing_to_send(tmp_path: Path, migration: Migration) -> None:
    """Every workstation derives a migration's rows itself: nothing of it may wait in the capture
    table, where the next clerk's mutation would take it as its own effects."""
    conn, _ = _filled(tmp_path / "vorher.sqlite3", migration.version - 1)
    outbox = conn.execute("SELECT count(*) FROM outbox").fetchone()[0]
    migrate(conn, [m for m in MIGRATIONS if m.version <= migration.version])
    left = {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in TRANSIENT_TABLES}
    assert left == dict.fromkeys(TRANSIENT_TABLES, 0)
    assert conn.execute("SELECT count(*) FROM outbox").fetchone()[0] == outbox
    conn.close()


# The guard itself: the newest schema fills, a table a later migration adds is filled without a
# line of test code, and each way of losing data that this file exists for is caught.


def test_a_table_a_later_migration_adds_is_filled_without_a_change(tmp_path: Path) -> None:
    def future(conn: sqlite3.Connection) -> None:
        conn.execute(
            "CREATE TABLE appointments (id TEXT PRIMARY KEY,"
            " application_id TEXT NOT NULL REFERENCES applications(id),"
            " kind TEXT NOT NULL CHECK (kind IN ('vorsprache', 'abholung')), note TEXT NOT NULL,"
            " rating INTEGER CHECK (rating BETWEEN 1 AND 3), starts_at TEXT NOT NULL)"
        )

    conn = connect(tmp_path / "zukunft.sqlite3")
    migrate(conn, [*MIGRATIONS, Migration(LATEST_VERSION + 1, "Termine", future)])
    counts = fill(conn)
    assert counts["appointments"] == ROWS_PER_TABLE
    assert {r[0] for r in conn.execute("SELECT kind FROM appointments")} == {"vorsprache", "abholung"}
    _soundness(conn)
    assert _search_problems(conn) == []
    conn.close()


def _nfc(conn: sqlite3.Connection) -> None:
    conn.create_function("nfc", 1, lambda text: unicodedata.normalize("NFC", text), deterministic=True)
    conn.execute("UPDATE borrowers SET name = nfc(name)")


def _retyped(conn: sqlite3.Connection) -> None:
    """A rebuild that declares a count REAL: 7 becomes 7.0, equal in Python, wrong in the file."""
    columns = "id, run_at, cutoff, borrowers, loan_records, waitlist_records, dry_run"
    conn.execute(
        "CREATE TABLE retention_log_neu (id INTEGER PRIMARY KEY, run_at TEXT NOT NULL, cutoff TEXT NOT NULL,"
        " borrowers REAL NOT NULL, loan_records INTEGER NOT NULL, waitlist_records INTEGER NOT NULL,"
        " dry_run INTEGER NOT NULL DEFAULT 0)"
    )
    conn.execute(f"INSERT INTO retention_log_neu ({columns}) SELECT {columns} FROM retention_log")
    conn.execute("DROP TABLE retention_log")
    conn.execute("ALTER TABLE retention_log_neu RENAME TO retention_log")


_NAME_CHANGED = "borrowers: 1 rows changed (columns ['name'])"
_LOSSES: dict[str, tuple[Callable[[sqlite3.Connection], None], str]] = {
    "spalte": (lambda c: c.execute("ALTER TABLE saved_views DROP COLUMN definition"), "saved_views: columns"),
    "tabelle": (lambda c: c.execute("DROP TABLE kreis_comparison"), "table kreis_comparison"),
    "gekuerzt": (lambda c: c.execute("UPDATE borrowers SET name = substr(name, 1, 255)"), _NAME_CHANGED),
    "normalisiert": (_nfc, _NAME_CHANGED),
    "zeilen": (
        lambda c: c.execute("DELETE FROM loan_reminders WHERE deleted_at IS NOT NULL"),
        "loan_reminders: 1 rows lost",
    ),
    "typ": (_retyped, "retention_log: 3 rows changed (columns ['borrowers'])"),
}


@pytest.mark.parametrize("loss", sorted(_LOSSES))
def test_a_migration_that_loses_data_is_caught(tmp_path: Path, loss: str) -> None:
    step, named = _LOSSES[loss]
    conn, before = _filled(tmp_path / "neu.sqlite3", LATEST_VERSION)
    migrate(conn, [*MIGRATIONS, Migration(LATEST_VERSION + 1, "kaputt", step)])
    problems = arrival_problems(before, snapshot(conn))
    assert any(named in p for p in problems), problems
    conn.close()


def test_a_migration_that_changes_nothing_passes_the_guard(tmp_path: Path) -> None:
    conn, before = _filled(tmp_path / "neu.sqlite3", LATEST_VERSION)
    migrate(conn, [*MIGRATIONS, Migration(LATEST_VERSION + 1, "nichts", lambda c: None)])
    assert arrival_problems(before, snapshot(conn)) == []
    assert _search_problems(conn) == []
    conn.close()
