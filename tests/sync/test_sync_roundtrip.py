"""End to end over loopback: enrol two offices, work, sync, see each other's work."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from kommune_desk.domain.applications import NewApplication
from kommune_desk.domain.records import Channel, Role
from kommune_desk.services.applications import register_application
from kommune_desk.services.clerks import add_clerk
from kommune_desk.services.sync import sync_once, sync_status
from kommune_desk.services.workflow import claim_case
from kommune_desk.services.workspace import load_workspace
from kommune_desk.storage.reference import list_services
from tests.sync.harness import ServerThread, add_town, enrolled_workstation

RECEIVED = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def _register(ws) -> str:  # type: ignore[no-untyped-def]
    conn = ws.db.reader()
    service = next(s for s in list_services(conn, ws.municipality.id) if s.name == "Baumfällgenehmigung")
    conn.close()
    return register_application(
        ws,
        NewApplication(service.id, "Roß, Ingrid", Channel.PAPIER, RECEIVED, form_data={"baumart": "Linde"}),
    )


def _scalar(ws, sql: str, *params: object) -> object:  # type: ignore[no-untyped-def]
    conn = ws.db.reader()
    try:
        return conn.execute(sql, params).fetchone()[0]
    finally:
        conn.close()


def test_two_offices_of_one_town_share_their_work(server: ServerThread, tmp_path: Path) -> None:
    nauheim = add_town(server.db, "06433009", "Nauheim", "NAU")
    admin_ws = enrolled_workstation(server, nauheim, tmp_path / "a", "anna", "Anna Admin")
    assert admin_ws.municipality.id == nauheim.municipality_id
    add_clerk(admin_ws, "sara", "Sara Sachbearbeiterin", Role.SACHBEARBEITUNG)
    first = load_workspace(admin_ws.db, "sara")
    assert first is not None and first.clerk is not None

    application_id = _register(first)
    claim_case(first, application_id)
    report = sync_once(first.db)
    assert report.conflicts == 0 and report.pending == 0

    second = enrolled_workstation(server, nauheim, tmp_path / "b", "sara")
    assert second.clerk is not None and second.clerk.id == first.clerk.id
    assert (
        _scalar(second, "SELECT applicant_name FROM applications WHERE id = ?", application_id)
        == "Roß, Ingrid"
    )
    assert (
        _scalar(second, "SELECT assignee_id FROM applications WHERE id = ?", application_id) == first.clerk.id
    )
    # The same services, not a second catalogue.
    assert _scalar(second, "SELECT count(*) FROM services") == _scalar(first, "SELECT count(*) FROM services")
    status = sync_status(second.db)
    assert status.enrolled and status.pending == 0 and status.last_success_at


def test_another_town_sees_nothing_of_it(server: ServerThread, tmp_path: Path) -> None:
    nauheim = add_town(server.db, "06433009", "Nauheim", "NAU")
    trebur = add_town(server.db, "06433012", "Trebur", "TRE")
    first = enrolled_workstation(server, nauheim, tmp_path / "a", "anna", "Anna Admin")
    application_id = _register(first)
    sync_once(first.db)

    other = enrolled_workstation(server, trebur, tmp_path / "t", "tom", "Tom Admin")
    sync_once(other.db)
    assert _scalar(other, "SELECT count(*) FROM applications") == 0
    assert _scalar(other, "SELECT count(*) FROM applications WHERE id = ?", application_id) == 0
    assert _scalar(other, "SELECT count(*) FROM municipalities") == 1
    # Both towns are pool members, known by name only.
    assert _scalar(other, "SELECT count(*) FROM pool_members") == 2


def test_a_code_of_another_office_is_refused_and_stays_valid(server: ServerThread, tmp_path: Path) -> None:
    import pytest

    from kommune_desk.server import admin
    from kommune_desk.services.setup import set_up_office
    from kommune_desk.services.sync import enrol
    from kommune_desk.storage.database import Database
    from kommune_desk.sync.errors import SyncError
    from tests.conftest import setup_input

    nauheim = add_town(server.db, "06433009", "Nauheim", "NAU")
    code = admin.enrolment_code(server.db, nauheim.office_id)
    local = Database.open(tmp_path / "local")
    try:
        set_up_office(local, setup_input())  # set up offline, before the server existed
        with pytest.raises(SyncError, match=r"anderen Dienststelle.*bleibt gültig"):
            enrol(local, server.url, code, os_login="anna")
    finally:
        local.close()
    fresh = enrolled_workstation_with_code(server, code, tmp_path / "fresh")
    assert fresh == nauheim.office_id


def enrolled_workstation_with_code(server: ServerThread, code: str, folder: Path) -> str:
    from kommune_desk.services.sync import enrol
    from kommune_desk.storage.database import Database

    db = Database.open(folder)
    try:
        return enrol(db, server.url, code, clerk_name="Anna Admin", os_login="anna").office_id
    finally:
        db.close()


def test_an_outdated_workstation_is_told_to_update_and_keeps_its_outbox(tmp_path: Path) -> None:
    import pytest

    from kommune_desk.server import admin
    from kommune_desk.server.app import create_app
    from kommune_desk.server.db import SqliteServerDatabase
    from kommune_desk.services.sync import enrol
    from kommune_desk.storage.database import Database
    from kommune_desk.sync.errors import UpdateRequiredError
    from tests.sync.harness import ServerThread as Thread

    db = SqliteServerDatabase(tmp_path / "server" / "server.sqlite3")
    admin.prepare(db)
    today = Thread(db).start()
    town = add_town(db, "06433009", "Nauheim", "NAU")
    local = Database.open(tmp_path / "ws")
    enrol(
        local, today.url, admin.enrolment_code(db, town.office_id), clerk_name="Anna Admin", os_login="anna"
    )
    admin_ws = load_workspace(local, "anna")
    add_clerk(admin_ws, "sara", "Sara Sach", Role.SACHBEARBEITUNG)
    today.stop()
    # The server is updated and now needs a newer workstation database than this one.
    newer = Thread(db, port=today.port, app=create_app(db, min_client_schema=99)).start()
    try:
        before = sync_status(local).pending
        assert before >= 1
        with pytest.raises(UpdateRequiredError, match="aktuelle Version"):
            sync_once(local)
        status = sync_status(local)
        assert status.pending == before and "aktuelle Version" in (status.last_error or "")
    finally:
        newer.stop()
        local.close()
        db.close()
