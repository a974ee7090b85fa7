"""A pulled row takes a unique value that a local row holds (the same portal submission taken over
twice, an inventory number given twice, the same login mapped twice offline): the server's row
wins, and the local row gives way through a normal DELETE, so the search index follows, and
nothing of it is captured for the outbox.

Everything is real: a set-up office in a temp folder, rows written by our services, a pulled page
applied by ``storage.replica`` in the sync's own write transaction, and the Posteingang's search.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kommune_desk.domain.ids import uuid7
from kommune_desk.domain.inbox_views import InboxFilter
from kommune_desk.domain.letter_kinds import LetterKind
from kommune_desk.domain.replication import KINDS, KINDS_BY_NAME
from kommune_desk.intake.builder import write_submission
from kommune_desk.services.inbox import InboxReader
from kommune_desk.services.intake import import_paths
from kommune_desk.services.letter_templates import save_template
from kommune_desk.services.pool import register_device
from kommune_desk.services.setup import set_up_office
from kommune_desk.services.workspace import Workspace, load_workspace
from kommune_desk.storage import replica
from kommune_desk.storage.database import Database
from tests.sync.fault_support import register

from .conftest import setup_input

# --- helpers --------------------------------------------------------------------------------


def _rows(ws: Workspace, sql: str, *params: object) -> list[tuple[Any, ...]]:
    conn = ws.db.reader()
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def _row(ws: Workspace, table: str, row_id: str) -> dict[str, Any]:
    conn = ws.db.reader()
    try:
        cursor = conn.execute(f"SELECT * FROM {table} WHERE id = ?", (row_id,))
        names = [d[0] for d in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))
    finally:
        conn.close()


def _rowid(ws: Workspace, table: str, row_id: str) -> int | None:
    found = _rows(ws, f"SELECT rowid FROM {table} WHERE id = ?", row_id)
    return found[0][0] if found else None


def _pulled(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"kind": kind, "id": data["id"], "version": 1, "deleted": False, "data": data}


def _withdrawn(kind: str, row_id: str) -> dict[str, Any]:
    return {"kind": kind, "id": row_id, "version": 2, "deleted": True, "data": None}


def _pull(ws: Workspace, *changes: dict[str, Any]) -> None:
    """Apply a page as the sync engine does: one replica transaction, foreign keys off."""
    with ws.db.replica_write() as conn:
        replica.apply_changes(conn, list(changes))


def _found(ws: Workspace, text: str) -> set[str]:
    """The application ids the Posteingang's search finds for typed ``text``."""
    assert ws.clerk is not None
    reader = InboxReader(ws.db, ws.municipality.id, ws.clerk.id)
    try:
        return {row.id for row in reader.rows(reader.handles(InboxFilter(text=text))).values()}
    finally:
        reader.close()


def _assert_index_in_step(ws: Workspace) -> None:
    """Exactly one search entry per live application, holding that application's Aktenzeichen."""
    indexed = dict(_rows(ws, "SELECT rowid, aktenzeichen FROM applications_fts"))
    live = dict(_rows(ws, "SELECT rowid, aktenzeichen FROM applications WHERE deleted_at IS NULL"))
    assert indexed == live


def _outbox(ws: Workspace) -> list[tuple[Any, ...]]:
    return _rows(ws, "SELECT seq, mutation_id, effects, pushed_at FROM outbox ORDER BY seq")


def _assert_nothing_captured(ws: Workspace, outbox_before: list[tuple[Any, ...]]) -> None:
    """Pulled rows are the server's: no capture left over, no mutation added or changed."""
    assert _rows(ws, "SELECT count(*) FROM sync_capture") == [(0,)]
    assert _rows(ws, "SELECT count(*) FROM sync_capture_off") == [(0,)]
    assert _outbox(ws) == outbox_before


@pytest.fixture
def admin_workspace(tmp_path: Path) -> Any:
    """A set-up office whose clerk is its Administration (may also save letter templates)."""
    db = Database.open(tmp_path / "daten")
    set_up_office(db, setup_input(role="administration"))
    ws = load_workspace(db, "testerin")
    assert ws is not None
    yield ws
    db.close()


def _portal_application(ws: Workspace, folder: Path, surname: str) -> str:
    """An online application imported from its FIT-Connect submission (it carries submission_id)."""
    applicant = {"vorname": "Ottilie", "nachname": surname, "strasse": "Hauptstraße", "hausnummer": "3",
                 "plz": "64569", "ort": "Nauheim"}  # fmt: skip
    (result,) = import_paths(ws, [write_submission(folder, applicant=applicant)])
    assert result.application_id is not None
    return result.application_id


# --- the search index -----------------------------------------------------------------------


def test_a_pulled_application_taking_the_local_submission_keeps_search_in_step(
    admin_workspace: Workspace, tmp_path: Path
) -> None:
    """Two offices took over the same portal submission; the server kept the other one."""
    ws = admin_workspace
    mine = _portal_application(ws, tmp_path / "einreichung", "Stalebrink")
    assert _found(ws, "Stalebrink") == {mine}
    outbox_before = _outbox(ws)
    theirs = {
        **_row(ws, "applications", mine), "id": uuid7(), "aktenzeichen": "NAU2-2026-00001",
        "applicant_name": "Bertram Neuhaus", "applicant_sort": "neuhaus bertram",
    }  # fmt: skip

    _pull(ws, _pulled("applications", theirs))

    assert _rowid(ws, "applications", mine) is None, "the server's row replaced the local one"
    assert _found(ws, "Stalebrink") == set(), "no search hit for a row that is gone"
    assert _found(ws, "Neuhaus") == {theirs["id"]}
    assert _found(ws, "NAU2-2026-00001") == {theirs["id"]}
    _assert_index_in_step(ws)
    _assert_nothing_captured(ws, outbox_before)

    # Later the server withdraws its row, and the clerk registers the next application: a stale
    # search entry would refuse it ("constraint failed") once SQLite hands out its row number again.
    _pull(ws, _withdrawn("applications", theirs["id"]))
    following = register(ws, "Kowalczyk, Jan")
    assert _found(ws, "Kowalczyk") == {following}
    assert _found(ws, "Stalebrink") == set() and _found(ws, "Neuhaus") == set()
    _assert_index_in_step(ws)


def test_a_pulled_change_of_aktenzeichen_onto_a_local_one_keeps_the_row_and_its_search_entry(
    workspace: Workspace,
) -> None:
    """A known row changes to a value a local row holds: the known row is updated in place (its
    local-only state and row number stay), the holder gives way."""
    ws = workspace
    mine = register(ws, "Stalebrink, Ottilie")
    taken = _row(ws, "applications", mine)["aktenzeichen"]
    theirs = {
        **_row(ws, "applications", mine), "id": uuid7(), "aktenzeichen": "NAU2-2026-00007",
        "applicant_name": "Bertram Neuhaus", "applicant_sort": "neuhaus bertram",
    }  # fmt: skip
    _pull(ws, _pulled("applications", theirs))
    rowid_before = _rowid(ws, "applications", theirs["id"])
    assert _found(ws, "NAU2-2026-00007") == {theirs["id"]} and _found(ws, "Stalebrink") == {mine}
    outbox_before = _outbox(ws)

    _pull(
        ws, _pulled("applications", {**theirs, "aktenzeichen": taken, "updated_at": "2026-11-25T08:00:00Z"})
    )

    assert _rowid(ws, "applications", mine) is None
    assert _rowid(ws, "applications", theirs["id"]) == rowid_before, "updated in place, not replaced"
    assert _found(ws, taken) == {theirs["id"]}
    assert _found(ws, "NAU2-2026-00007") == set() and _found(ws, "Stalebrink") == set()
    _assert_index_in_step(ws)
    _assert_nothing_captured(ws, outbox_before)


# --- every unique key of a replicated table ---------------------------------------------------


def _service(ws: Workspace) -> str:
    return _rows(
        ws, "SELECT id FROM services WHERE municipality_id = ? ORDER BY id LIMIT 1", ws.municipality.id
    )[0][0]


# How a local row holding each unique key comes about, by (table, key columns).
_LOCAL_HOLDER: dict[tuple[str, tuple[str, ...]], Callable[[Workspace, Path], str]] = {
    ("municipalities", ("ags",)): lambda ws, _tmp: ws.municipality.id,
    ("offices", ("code",)): lambda ws, _tmp: ws.office.id,
    ("clerks", ("municipality_id", "os_login")): lambda ws, _tmp: ws.clerk.id,  # type: ignore[union-attr]
    ("services", ("municipality_id", "leika_id")): lambda ws, _tmp: _service(ws),
    ("applications", ("municipality_id", "aktenzeichen")): lambda ws, _tmp: register(ws, "Roß, Ingrid"),
    ("applications", ("submission_id",)): lambda ws, tmp: _portal_application(ws, tmp / "e", "Roß"),
    ("devices", ("inventory_number",)): lambda ws, _tmp: register_device(
        ws, "NAU-WBK-01", "Wärmebildkamera FLIR E8", "Wärmebildkamera"
    ),
}


def _unique_indexes(conn: sqlite3.Connection, table: str) -> list[tuple[str, bool, list[int], list[str]]]:
    """(name, partial, column ids, column names) of the table's unique indexes other than the id."""
    found = []
    for _seq, name, unique, origin, partial in conn.execute(f"PRAGMA index_list({table})"):
        if unique and origin != "pk":
            info = sorted(conn.execute(f"PRAGMA index_info({name})"))
            found.append((name, bool(partial), [r[1] for r in info], [r[2] for r in info]))
    return found


def test_every_unique_key_of_a_deletable_replicated_table_is_covered(workspace: Workspace) -> None:
    """The apply path finds the local holder by plain columns: no deletable kind may have a partial
    or expression unique index, nor a trigger that refuses a delete, and the test below covers
    each key. A migration adding a unique index makes this fail until both are checked."""
    conn = workspace.db.reader()
    try:
        keys = set()
        for kind in KINDS:
            if kind.insert_only or kind.immutable:
                continue  # never deleted: see the next test
            for name, partial, column_ids, columns in _unique_indexes(conn, kind.name):
                assert not partial and min(column_ids) >= 0, f"{name}: a partial or expression index"
                keys.add((kind.name, tuple(columns)))
            guards = conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?"
                " AND sql LIKE '%BEFORE DELETE%' AND sql LIKE '%RAISE%'",
                (kind.name,),
            ).fetchall()
            assert guards == [], f"{kind.name} refuses deletes"
    finally:
        conn.close()
    assert keys == set(_LOCAL_HOLDER)


@pytest.mark.parametrize("key", sorted(_LOCAL_HOLDER), ids=lambda key: f"{key[0]}-{'+'.join(key[1])}")
def test_the_server_row_takes_a_unique_value_a_local_row_holds(
    key: tuple[str, tuple[str, ...]], admin_workspace: Workspace, tmp_path: Path
) -> None:
    table, columns = key
    ws = admin_workspace
    mine = _LOCAL_HOLDER[key](ws, tmp_path)
    theirs = {**_row(ws, table, mine), "id": uuid7()}
    conn = ws.db.reader()
    try:
        other_keys = [cols for *_, cols in _unique_indexes(conn, table) if tuple(cols) != columns]
    finally:
        conn.close()
    for cols in other_keys:  # only this key clashes
        if theirs[cols[-1]] is not None:
            theirs[cols[-1]] = f"{theirs[cols[-1]]}-B"
    others_before = _rows(ws, f"SELECT id FROM {table} WHERE id != ? ORDER BY id", mine)
    outbox_before = _outbox(ws)

    _pull(ws, _pulled(table, theirs))

    assert _rowid(ws, table, mine) is None
    assert _row(ws, table, theirs["id"]) == theirs
    assert _rows(ws, f"SELECT id FROM {table} WHERE id NOT IN (?, ?) ORDER BY id", mine, theirs["id"]) == [
        r for r in others_before if r[0] != theirs["id"]
    ], "only the holder of the value gave way"
    _assert_nothing_captured(ws, outbox_before)
    _assert_index_in_step(ws)


def test_a_template_version_saved_twice_offline_is_the_servers_version(admin_workspace: Workspace) -> None:
    """Template versions (and archived notices) are never deleted, not even by a pull; where the
    server hands out a version another workstation numbered alike, its row replaces the local one
    as before (those tables keep no search index that could fall out of step)."""
    ws = admin_workspace
    kind = KINDS_BY_NAME["letter_templates"]
    assert kind.insert_only
    block = save_template(
        ws, None, LetterKind.EINGANGSBESTAETIGUNG, "einleitung", "Sehr geehrte Damen und Herren, hier."
    )
    mine = _row(ws, "letter_templates", str(block.id))
    outbox_before = _outbox(ws)
    theirs = {**mine, "id": uuid7(), "body": "Sehr geehrte Damen und Herren, dort."}

    _pull(ws, _pulled("letter_templates", theirs))

    assert _rowid(ws, "letter_templates", mine["id"]) is None
    assert _row(ws, "letter_templates", theirs["id"]) == theirs
    _assert_nothing_captured(ws, outbox_before)
