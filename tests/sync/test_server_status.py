"""``admin status``: workstations, last contact and outbox lag per office, pending portal
submissions per municipality, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

from kommune_desk.domain.replication import municipality_scope
from kommune_desk.server import admin, auth, entities
from kommune_desk.server.db import PostgresServerDatabase, ServerDatabase
from kommune_desk.server.status import (
    format_age,
    format_status,
    local_time,
    pending_portal_submissions,
    server_status,
)
from tests.sync.harness import Town, add_town

NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)


def _workstation(db: ServerDatabase, town: Town, previous: str | None = None) -> str:
    enrolled = auth.enrol(db, admin.enrolment_code(db, town.office_id), "arbeitsplatz", None, previous)
    assert enrolled is not None
    return enrolled[0].client_id


def _reported(db: ServerDatabase, client_id: str, seen: str, pending: int | None, oldest: str | None) -> None:
    """What the workstation told the server at the start of its last round (GET /v1/hello)."""
    with db.transaction() as tx:
        tx.execute(
            "UPDATE clients SET last_seen_at = ?, outbox_pending = ?, outbox_oldest_at = ? WHERE id = ?",
            (seen, pending, oldest, client_id),
        )


def _submission(
    db: ServerDatabase, town: Town, number: int, imported_at: str | None, deleted: bool = False
) -> None:
    submission_id = f"0193-portal-{town.ags}-{number}"
    with db.transaction() as tx:
        entities.store(
            tx, "portal_submissions", submission_id, municipality_scope(town.municipality_id),
            {"id": submission_id, "municipality_id": town.municipality_id, "sha256": "ab" * 32,
             "size_bytes": 10, "received_at": "2026-11-24T08:00:00+00:00", "imported_at": imported_at,
             "imported_by": None, "outcome": None, "updated_at": "2026-11-24T08:00:00+00:00"},
            deleted=deleted,
        )  # fmt: skip


def _kreis(db: ServerDatabase) -> Town:
    """Nauheim: two workstations reporting, one locked out, one enrolled again (its old id
    replaced); Trebur: one that never reported; Raunheim without an office."""
    admin.prepare(db)
    nauheim = add_town(db, "06433009", "Nauheim", "NAU")
    trebur = add_town(db, "06433012", "Trebur", "TRE")
    admin.add_municipality(db, "06433010", "Raunheim", "stadt")
    first, second, locked = (_workstation(db, nauheim) for _ in range(3))
    old = _workstation(db, nauheim)
    _workstation(db, nauheim, previous=old)  # enrolled again: ``old`` is replaced, not counted
    assert auth.revoke_client(db, locked)
    # Summer and winter time: 09:05 UTC is 11:05 in July and 10:05 in November in Hesse.
    _reported(db, first, "2026-07-01T09:05:00+00:00", 3, "2026-11-24T09:55:00+00:00")
    _reported(db, second, "2026-11-24T09:05:00+00:00", 2, "2026-11-24T11:30:00+00:00")
    _reported(db, locked, "2026-11-24T11:59:00+00:00", 50, "2026-01-01T00:00:00+00:00")  # ignored
    lonely = _workstation(db, trebur)
    _reported(db, lonely, "2026-11-20T08:00:00+00:00", None, None)
    _submission(db, nauheim, 1, None)
    _submission(db, nauheim, 2, None)
    _submission(db, nauheim, 3, "2026-11-24T10:00:00+00:00")  # taken over by an office
    _submission(db, nauheim, 4, None, deleted=True)
    _submission(db, trebur, 1, "2026-11-24T10:00:00+00:00")
    return nauheim


def test_status_per_municipality_and_office(server_db: ServerDatabase) -> None:
    _kreis(server_db)
    status = server_status(server_db, now=NOW)

    assert status.backend == server_db.dialect
    assert len(status.epoch) == 16
    assert status.revoked_workstations == 1 and status.replaced_workstations == 1
    assert status.pending_portal_submissions == 2
    assert [(m.name, m.pending_portal_submissions) for m in status.municipalities] == [
        ("Nauheim", 2), ("Raunheim", 0), ("Trebur", 0),
    ]  # fmt: skip
    (nau,) = status.municipalities[0].offices
    assert (nau.code, nau.name, nau.active_workstations, nau.reporting_workstations) == (
        "NAU", "Rathaus Nauheim", 3, 2,
    )  # fmt: skip
    assert nau.last_seen_at == "2026-11-24T09:05:00+00:00"
    assert nau.outbox_pending == 5
    assert nau.outbox_oldest_at == "2026-11-24T09:55:00+00:00"
    assert nau.outbox_oldest_age_seconds == 2 * 3600 + 5 * 60
    assert status.municipalities[1].offices == []
    (tre,) = status.municipalities[2].offices
    assert (tre.active_workstations, tre.reporting_workstations) == (1, 0)
    assert (tre.outbox_pending, tre.outbox_oldest_at, tre.outbox_oldest_age_seconds) == (0, None, None)

    lines = format_status(status)
    assert lines[0].startswith(
        f"Abgleichsserver: {'PostgreSQL' if server_db.dialect == 'postgresql' else 'SQLite'}"
    )
    assert "Stand: 24.11.2026, 13:00 Uhr" in lines
    assert "Gesperrte Arbeitsplätze: 1 (dazu 1 neu eingerichtete)" in lines
    assert "Nauheim (06433009) – 2 Portal-Einreichungen warten" in lines
    assert (
        "  NAU    Rathaus Nauheim: 3 Arbeitsplätze, zuletzt gesehen 24.11.2026, 10:05 Uhr; "
        "Ausgang: 5 Änderungen warten, die älteste seit 2 Std. 5 Min."
    ) in lines
    assert "  noch keine Dienststelle" in lines
    assert "  TRE    Rathaus Trebur: 1 Arbeitsplatz, zuletzt gesehen 20.11.2026, 09:00 Uhr; " \
        "Ausgang: noch nicht gemeldet" in lines  # fmt: skip


def test_pending_portal_submissions_by_ags_for_the_metrics(server_db: ServerDatabase) -> None:
    _kreis(server_db)
    assert pending_portal_submissions(server_db) == {"06433009": 2, "06433010": 0, "06433012": 0}


def test_an_empty_server_and_an_office_without_workstations(server_db: ServerDatabase) -> None:
    admin.prepare(server_db)
    status = server_status(server_db, now=NOW)
    assert status.municipalities == [] and status.revoked_workstations == 0
    add_town(server_db, "06433009", "Nauheim", "NAU")
    lines = format_status(server_status(server_db, now=NOW))
    assert "  NAU    Rathaus Nauheim: kein aktiver Arbeitsplatz" in lines


def test_german_times_and_ages() -> None:
    assert local_time("2026-03-29T00:30:00+00:00") == "29.03.2026, 01:30 Uhr"  # before the switch
    assert local_time("2026-03-29T01:30:00+00:00") == "29.03.2026, 03:30 Uhr"  # summer time
    assert local_time("2026-11-24T09:05:00") == "24.11.2026, 10:05 Uhr"  # stored without offset: UTC
    assert [format_age(s) for s in (20, 60, 3600 + 59, 86400, 3 * 86400 + 4 * 3600 + 59)] == [
        "unter 1 Min.", "1 Min.", "1 Std. 0 Min.", "1 Tag 0 Std.", "3 Tage 4 Std.",
    ]  # fmt: skip


def _status_cli(store: list[str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kommune_desk.server.main", *store, "admin", "status", *args],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def test_the_admin_command_prints_german_text_and_json(server_db: ServerDatabase, tmp_path: Path) -> None:
    nauheim = _kreis(server_db)
    if isinstance(server_db, PostgresServerDatabase):
        store = ["--database-url", server_db.url]
    else:
        store = ["--data-dir", str(Path(server_db.path).parent)]  # type: ignore[attr-defined]
    as_json = _status_cli(store, "--json")
    assert as_json.returncode == 0, as_json.stderr
    report = json.loads(as_json.stdout)
    assert report["backend"] == server_db.dialect and report["pending_portal_submissions"] == 2
    office = report["municipalities"][0]["offices"][0]
    assert office["id"] == nauheim.office_id and office["outbox_pending"] == 5
    assert office["outbox_oldest_age_seconds"] > 0
    text = _status_cli(store)
    assert text.returncode == 0, text.stderr
    assert "Nauheim (06433009) – 2 Portal-Einreichungen warten" in text.stdout
    assert "NAU    Rathaus Nauheim: 3 Arbeitsplätze" in text.stdout
