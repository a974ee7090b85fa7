"""Change capture (migration 6): every write's row changes travel with its outbox mutation."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

from kommune_desk.domain.applications import NewApplication
from kommune_desk.domain.records import Channel
from kommune_desk.services.applications import register_application
from kommune_desk.services.workflow import claim_case, set_follow_up
from kommune_desk.services.workspace import Workspace
from kommune_desk.storage.capture import fold
from kommune_desk.storage.reference import list_services

RECEIVED = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def _outbox(ws: Workspace) -> list[sqlite3.Row]:
    conn = ws.db.reader()
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute("SELECT * FROM outbox ORDER BY seq").fetchall()
    finally:
        conn.close()


def _register(ws: Workspace) -> str:
    conn = ws.db.reader()
    service = next(s for s in list_services(conn, ws.municipality.id) if s.name == "Baumfällgenehmigung")
    conn.close()
    return register_application(
        ws,
        NewApplication(service.id, "Roß, Ingrid", Channel.PAPIER, RECEIVED, form_data={"baumart": "Linde"}),
    )


def test_an_insert_carries_the_whole_row_and_an_update_its_base(workspace: Workspace) -> None:
    application_id = _register(workspace)
    claim_case(workspace, application_id)
    set_follow_up(workspace, application_id, dt.date(2026, 12, 1), "Rückruf")
    rows = _outbox(workspace)[-3:]
    assert [r["name"] for r in rows] == ["register_application", "assign", "set_follow_up"]

    inserted = json.loads(rows[0]["effects"])
    application = next(e for e in inserted if e["kind"] == "applications")
    assert application["op"] == "insert" and application["id"] == application_id
    assert application["set"]["applicant_name"] == "Roß, Ingrid"
    assert json.loads(application["set"]["form_data"]) == {"baumart": "Linde"}

    (assign,) = [e for e in json.loads(rows[1]["effects"]) if e["kind"] == "applications"]
    assert assign["op"] == "update"
    assert assign["base"]["assignee_id"] is None
    assert assign["set"]["assignee_id"] == workspace.clerk.id

    (follow,) = json.loads(rows[2]["effects"])
    assert follow["set"]["follow_up_on"] == "2026-12-01" and follow["base"]["follow_up_on"] is None
    assert set(follow["set"]) == set(follow["base"])


def test_nothing_is_left_in_the_capture_table_after_a_write(workspace: Workspace) -> None:
    _register(workspace)
    conn = workspace.db.reader()
    try:
        assert conn.execute("SELECT count(*) FROM sync_capture").fetchone()[0] == 0
    finally:
        conn.close()


def test_demo_data_is_local_and_not_captured(demo_workspace: Workspace) -> None:
    conn = demo_workspace.db.reader()
    try:
        assert conn.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM sync_capture").fetchone()[0] == 0
        own = conn.execute(
            "SELECT count(*) FROM loans l JOIN loan_borrowers b ON b.id = l.id"
            " WHERE b.municipality_id = l.borrower_municipality_id"
        ).fetchone()[0]
        foreign = conn.execute(
            "SELECT count(*) FROM loans l WHERE NOT EXISTS (SELECT 1 FROM loan_borrowers b WHERE b.id = l.id)"
        ).fetchone()[0]
    finally:
        conn.close()
    assert own > 0 and foreign > 0  # other towns' borrowers are never in this office's database


def test_fold_keeps_only_changed_columns_and_drops_no_ops() -> None:
    before = {"id": "a", "status": "neu", "note": "x"}
    assert fold("applications", "a", before, dict(before)) is None
    assert fold("applications", "a", None, None) is None
    effect = fold("applications", "a", before, {**before, "status": "in_bearbeitung"})
    assert effect == {
        "kind": "applications", "id": "a", "op": "update",
        "set": {"status": "in_bearbeitung"}, "base": {"status": "neu"},
    }  # fmt: skip
    assert fold("applications", "a", before, None) == {
        "kind": "applications",
        "id": "a",
        "op": "delete",
        "base": before,
    }
