"""The services' write path: row + outbox + audit in one transaction, or none of them."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest

from kommune_desk.domain.applications import NewApplication
from kommune_desk.domain.records import Channel, Role
from kommune_desk.domain.validation import ValidationError
from kommune_desk.services.applications import register_application
from kommune_desk.services.inbox import InboxReader
from kommune_desk.services.setup import set_up_office
from kommune_desk.services.workspace import Workspace, load_workspace
from kommune_desk.storage import applications as repo
from kommune_desk.storage.database import Database

from .conftest import LOGIN, setup_input

BERLIN_MORNING = dt.datetime(2026, 11, 24, 9, 15, tzinfo=dt.UTC)


def _counts(db: Database) -> tuple[int, int, int]:
    conn = db.reader()
    try:
        return tuple(  # type: ignore[return-value]
            conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("applications", "outbox", "audit_log")
        )
    finally:
        conn.close()


def _new(ws: Workspace, **overrides: object) -> NewApplication:
    service = next(s for s in _services(ws) if s.name == "Baumfällgenehmigung")
    values: dict[str, object] = {
        "service_id": service.id,
        "applicant_name": "Weiß, Łukasz",
        "channel": Channel.PAPIER,
        "received_at": BERLIN_MORNING,
        "form_data": {"baumart": "Walnuss"},
    }
    values.update(overrides)
    return NewApplication(**values)  # type: ignore[arg-type]


def _services(ws: Workspace):  # type: ignore[no-untyped-def]
    from kommune_desk.storage.reference import list_services

    conn = ws.db.reader()
    try:
        return list_services(conn, ws.municipality.id)
    finally:
        conn.close()


def test_setup_creates_office_clerk_catalogue_outbox_and_audit(db: Database) -> None:
    set_up_office(db, setup_input())
    ws = load_workspace(db, LOGIN.upper())  # Windows logins are case-insensitive
    assert ws is not None and ws.clerk is not None
    assert ws.municipality.ags == "06433009"
    assert ws.office.code == "NAU"
    assert ws.clerk.display_name == "Zoë Ağaoğlu"
    assert ws.clerk.role is Role.SACHBEARBEITUNG
    assert len(_services(ws)) == 15
    conn = db.reader()
    assert conn.execute("SELECT name, scope FROM outbox").fetchall() == [
        ("register_office", f"municipality:{ws.municipality.id}")
    ]
    assert conn.execute("SELECT clerk_id, action FROM audit_log").fetchall() == [
        (ws.clerk.id, "eingerichtet")
    ]


def test_setup_twice_is_refused_and_changes_nothing(workspace: Workspace) -> None:
    before = _counts(workspace.db)
    with pytest.raises(ValidationError, match="bereits eingerichtet"):
        set_up_office(workspace.db, setup_input(office_code="ZWEI", ags="06433010"))
    assert _counts(workspace.db) == before


def test_invalid_setup_writes_nothing(db: Database) -> None:
    with pytest.raises(ValidationError):
        set_up_office(db, setup_input(ags="123"))
    assert load_workspace(db, LOGIN) is None
    assert db.reader().execute("SELECT count(*) FROM municipalities").fetchone()[0] == 0


def test_unknown_login_is_not_mapped_to_a_clerk(workspace: Workspace) -> None:
    ws = load_workspace(workspace.db, "fremde.person")
    assert ws is not None and ws.clerk is None


def test_register_application_writes_row_outbox_and_audit_together(workspace: Workspace) -> None:
    application_id = register_application(workspace, _new(workspace))
    second = register_application(workspace, _new(workspace, applicant_name="Öztürk, Ayşe"))
    conn = workspace.db.reader()
    row = conn.execute(
        "SELECT aktenzeichen, status, due_date, fee_cents, municipality_id FROM applications WHERE id = ?",
        (application_id,),
    ).fetchone()
    # Baumfällgenehmigung: 30 days from 24.11.2026 = 24.12.2026 (a Thursday, a working day)
    assert row == ("NAU-2026-00001", "eingegangen", "2026-12-24", 4000, workspace.municipality.id)
    assert conn.execute("SELECT aktenzeichen FROM applications WHERE id = ?", (second,)).fetchone()[0] == (
        "NAU-2026-00002"
    )
    mutation = conn.execute(
        "SELECT name, args FROM outbox WHERE name = 'register_application' ORDER BY seq LIMIT 1"
    ).fetchone()
    assert mutation[0] == "register_application"
    assert json.loads(mutation[1])["id"] == application_id
    audit = conn.execute(
        "SELECT clerk_id, action, changes FROM audit_log WHERE entity_id = ?", (application_id,)
    ).fetchone()
    assert audit[0] == workspace.clerk.id and audit[1] == "angelegt"  # type: ignore[union-attr]
    assert json.loads(audit[2])["status"] == [None, "eingegangen"]


def test_a_failure_mid_service_leaves_neither_row_nor_outbox_nor_audit(workspace: Workspace) -> None:
    """The audit entry is written last; when it fails, row and outbox must vanish too."""
    before = _counts(workspace.db)
    with workspace.db.write() as conn:
        conn.execute(
            "CREATE TRIGGER fail_audit BEFORE INSERT ON audit_log"
            " BEGIN SELECT RAISE(ABORT, 'Festplatte voll (Test)'); END"
        )
    with pytest.raises(sqlite3.IntegrityError, match="Festplatte voll"):
        register_application(workspace, _new(workspace))
    assert _counts(workspace.db) == before
    assert workspace.db.reader().execute("SELECT count(*) FROM number_ranges").fetchone()[0] == 0


def test_unknown_service_or_empty_name_is_refused_in_german(workspace: Workspace) -> None:
    before = _counts(workspace.db)
    with pytest.raises(ValidationError, match="Leistung"):
        register_application(workspace, _new(workspace, service_id="gibt-es-nicht"))
    with pytest.raises(ValidationError, match="Namen"):
        register_application(workspace, _new(workspace, applicant_name="   "))
    assert _counts(workspace.db) == before


def test_inbox_reader_pages_in_display_order(workspace: Workspace) -> None:
    for hour in range(5):
        register_application(
            workspace,
            _new(
                workspace,
                applicant_name=f"Person {hour}",
                received_at=BERLIN_MORNING + dt.timedelta(hours=hour),
            ),
        )
    reader = InboxReader(workspace.db, workspace.municipality.id)
    handles = reader.handles(order="received_at", descending=True)
    rows = reader.rows(handles)
    assert [rows[h].applicant_name for h in handles] == [f"Person {i}" for i in range(4, -1, -1)]
    assert reader.handles(limit=2) == handles[:2]
    by_name = reader.handles(order="applicant", descending=False)
    assert rows[by_name[0]].applicant_name == "Person 0"
    with pytest.raises(ValueError):
        reader.handles(order="1; DROP TABLE applications")
    reader.close()


@pytest.mark.parametrize(
    "order", sorted(__import__("kommune_desk.storage.applications").storage.applications.INDEXED_ORDERS)
)
@pytest.mark.parametrize("descending", [True, False])
def test_indexed_orders_need_no_sort(workspace: Workspace, order: str, descending: bool) -> None:
    """The UI reads these first pages on its own thread, so they must come straight from an index."""
    conn = workspace.db.reader()
    captured: list[str] = []
    conn.set_trace_callback(captured.append)
    repo.inbox_rowids(conn, workspace.municipality.id, order, descending, 200)
    plan = conn.execute(
        "EXPLAIN QUERY PLAN " + captured[-1].replace(f"'{workspace.municipality.id}'", "?"),
        (workspace.municipality.id,),
    ).fetchall()
    details = " ".join(row[3] for row in plan)
    assert "USING INDEX" in details and "TEMP B-TREE" not in details, details


def test_posteingang_sorts_names_and_services_in_german_order(workspace: Workspace) -> None:
    for name in ("Zimmermann, Tim", "Öztürk, Ben", "Otto, Eva", "Böhm, Anna", "Braun, Udo", "ärmel, Karl"):
        register_application(workspace, _new(workspace, applicant_name=name))
    reader = InboxReader(workspace.db, workspace.municipality.id)
    rows = reader.rows(handles := reader.handles(order="applicant", descending=False))
    assert [rows[h].applicant_name for h in handles] == [
        "ärmel, Karl",
        "Böhm, Anna",
        "Braun, Udo",
        "Otto, Eva",
        "Öztürk, Ben",
        "Zimmermann, Tim",
    ]
    by_service = reader.handles(order="service", descending=False)
    assert len(by_service) == 6
    reader.close()
