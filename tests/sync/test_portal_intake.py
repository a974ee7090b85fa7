"""The online portal delivers submissions and usage events; the town's offices receive them."""

from __future__ import annotations

from pathlib import Path

import httpx

from kommune_desk.intake.builder import write_submission
from kommune_desk.server import admin
from kommune_desk.services.portal_intake import import_portal_submissions
from kommune_desk.services.sync import engine_for, sync_once
from kommune_desk.services.workspace import Workspace
from kommune_desk.storage.files import blob_path
from tests.sync.harness import ServerThread, add_town, enrolled_workstation


def _rows(ws: Workspace, sql: str, *params: object) -> list[tuple]:
    conn = ws.db.reader()
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def _event(n: int, kind: str = "gestartet") -> dict[str, object]:
    return {
        "id": f"0190aaaa-0000-7000-8000-{n:012d}", "leika_id": "99108008001000", "session_id": f"s{n}",
        "occurred_at": "2026-11-24T09:00:00+00:00", "kind": kind,
    }  # fmt: skip


def test_a_portal_submission_becomes_one_application_in_its_town_only(
    server: ServerThread, tmp_path: Path
) -> None:
    nauheim = add_town(server.db, "06433009", "Nauheim", "NAU")
    trebur = add_town(server.db, "06433012", "Trebur", "TRE")
    secret = admin.portal_credential(server.db, "06433009")
    first = enrolled_workstation(server, nauheim, tmp_path / "a", "anna", "Anna Admin")
    second = enrolled_workstation(server, nauheim, tmp_path / "b", "anna")
    other = enrolled_workstation(server, trebur, tmp_path / "t", "tom", "Tom Admin")

    zip_path = write_submission(tmp_path / "einreichung.zip", as_zip=True)
    portal = {"Authorization": f"Bearer {secret}"}
    answer = httpx.post(f"{server.url}/v1/intake/submissions", content=zip_path.read_bytes(), headers=portal)
    assert answer.status_code == 200 and answer.json()["accepted"] == 1
    again = httpx.post(f"{server.url}/v1/intake/submissions", content=zip_path.read_bytes(), headers=portal)
    assert again.json() == {"accepted": 0, "already_known": 1, "id": answer.json()["id"]}
    events = httpx.post(
        f"{server.url}/v1/intake/events",
        json={"events": [_event(1), _event(2, "abgeschickt")]},
        headers=portal,
    )
    assert events.json()["accepted"] == 2

    sync_once(first.db)
    (application,) = _rows(first, "SELECT id, channel, applicant_name FROM applications")
    assert _rows(first, "SELECT imported_at IS NOT NULL FROM portal_submissions") == [(1,)]
    for (sha,) in _rows(first, "SELECT sha256 FROM attachments"):
        assert blob_path(first.db.attachments_dir, sha).exists()
    assert _rows(first, "SELECT count(*) FROM usage_events") == [(2,)]

    sync_once(second.db)
    assert _rows(second, "SELECT id FROM applications") == [(application[0],)]
    for (sha,) in _rows(second, "SELECT sha256 FROM attachments"):
        assert blob_path(second.db.attachments_dir, sha).exists(), "the files come with the rows"
    sync_once(other.db)
    assert _rows(other, "SELECT count(*) FROM applications") == [(0,)]
    assert _rows(other, "SELECT count(*) FROM usage_events") == [(0,)]
    assert _rows(other, "SELECT count(*) FROM portal_submissions") == [(0,)]


def test_two_offices_taking_over_at_once_keep_one_application(server: ServerThread, tmp_path: Path) -> None:
    nauheim = add_town(server.db, "06433009", "Nauheim", "NAU")
    secret = admin.portal_credential(server.db, "06433009")
    first = enrolled_workstation(server, nauheim, tmp_path / "a", "anna", "Anna Admin")
    second = enrolled_workstation(server, nauheim, tmp_path / "b", "anna")
    zip_path = write_submission(tmp_path / "einreichung.zip", as_zip=True)
    httpx.post(
        f"{server.url}/v1/intake/submissions", content=zip_path.read_bytes(),
        headers={"Authorization": f"Bearer {secret}"},
    )  # fmt: skip
    # Both pull the submission and take it over before either has pushed its application.
    for ws in (first, second):
        engine = engine_for(ws.db)
        try:
            engine.run_round()
        finally:
            engine.transport.close()
        assert len(import_portal_submissions(ws)) == 1
    sync_once(first.db)
    sync_once(second.db)
    sync_once(first.db)
    assert _rows(first, "SELECT id FROM applications") == _rows(second, "SELECT id FROM applications")
    assert len(_rows(second, "SELECT id FROM applications")) == 1
    # The duplicate is filed as settled, not as a decision for a clerk.
    taken_over = "SELECT imported_at, imported_by, outcome FROM portal_submissions"
    assert _rows(first, taken_over) == _rows(second, taken_over), "one answer, the first, everywhere"
    resolutions = {row[0] for row in _rows(second, "SELECT resolution FROM sync_conflicts")}
    assert resolutions == {"doppelt_uebernommen"}
    assert _rows(second, "SELECT count(*) FROM sync_conflicts WHERE resolved_at IS NULL") == [(0,)]


def test_the_portal_gets_german_answers_for_bad_input(server: ServerThread, tmp_path: Path) -> None:
    add_town(server.db, "06433009", "Nauheim", "NAU")
    secret = admin.portal_credential(server.db, "06433009")
    portal = {"Authorization": f"Bearer {secret}"}
    broken = httpx.post(f"{server.url}/v1/intake/submissions", content=b"PK\x03\x04kaputt", headers=portal)
    assert broken.status_code == 422 and "nicht angenommen" in broken.json()["detail"]
    wrong = httpx.post(
        f"{server.url}/v1/intake/events", json={"events": [_event(1)]}, headers={"Authorization": "Bearer x"}
    )
    assert wrong.status_code == 401 and "Portals" in wrong.json()["detail"]
    with server.db.transaction() as tx:
        assert (
            tx.one("SELECT count(*) FROM entities WHERE kind IN ('usage_events', 'portal_submissions')")[0]
            == 0
        )
