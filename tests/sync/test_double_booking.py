"""Two offline offices book the same camera for overlapping days: exactly one booking is
confirmed, the other office sees a conflict with both versions; no borrower leaves its town."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from kommune_desk.domain.records import Role
from kommune_desk.services.clerks import add_clerk
from kommune_desk.services.pool import book_device, register_device
from kommune_desk.services.sync import sync_once
from kommune_desk.services.workspace import Workspace, load_workspace
from tests.sync.harness import ServerThread, add_town, enrolled_workstation

TODAY = dt.date(2026, 11, 25)


def _clerk(ws: Workspace, login: str) -> Workspace:
    add_clerk(ws, login, f"Person {login}", Role.SACHBEARBEITUNG)
    clerk = load_workspace(ws.db, login)
    assert clerk is not None
    return clerk


def _two_towns_and_a_camera(server: ServerThread, tmp_path: Path) -> tuple[Workspace, Workspace, str]:
    """A clerk in Nauheim and one in Trebur, both knowing Nauheim's camera (synced)."""
    nauheim = _clerk(enrolled_workstation(server, add_town(server.db, "06433009", "Nauheim", "NAU"),
                                          tmp_path / "n", "admin-n"), "nina")  # fmt: skip
    trebur = _clerk(enrolled_workstation(server, add_town(server.db, "06433012", "Trebur", "TRE"),
                                         tmp_path / "t", "admin-t"), "theo")  # fmt: skip
    camera = register_device(nauheim, "KGG-KS-001", "Wärmebildkamera testo 865", "Wärmebildkamera")
    sync_once(nauheim.db)
    sync_once(trebur.db)
    return nauheim, trebur, camera


def _rows(ws: Workspace, sql: str, *params: object) -> list[tuple]:
    conn = ws.db.reader()
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def test_one_booking_wins_and_the_other_office_sees_the_conflict(
    server: ServerThread, tmp_path: Path
) -> None:
    nauheim, trebur, camera = _two_towns_and_a_camera(server, tmp_path)
    assert _rows(trebur, "SELECT inventory_number FROM devices WHERE id = ?", camera) == [("KGG-KS-001",)]

    # Both offline: each books the camera for overlapping days.
    first = book_device(
        nauheim, camera, dt.date(2026, 12, 1), dt.date(2026, 12, 5), "Erika Mustermann", today=TODAY
    )
    second = book_device(
        trebur, camera, dt.date(2026, 12, 4), dt.date(2026, 12, 8), "Max Beispiel", today=TODAY
    )

    assert sync_once(nauheim.db).conflicts == 0
    report = sync_once(trebur.db)
    assert report.conflicts == 1

    # Exactly one confirmed booking everywhere, Nauheim's.
    for ws in (nauheim, trebur):
        sync_once(ws.db)
        assert _rows(ws, "SELECT id, start_date, end_date FROM loans WHERE device_id = ?", camera) == [
            (first, "2026-12-01", "2026-12-05")
        ]
    # Trebur's clerk sees the conflict, with both versions and a German reason.
    (conflict,) = _rows(trebur, "SELECT mutation_name, entity_id, reason, mine, theirs FROM sync_conflicts")
    name, entity_id, reason, mine, theirs = conflict
    assert name == "book_device" and entity_id == second
    assert "01.12.2026" in reason and "05.12.2026" in reason
    assert json.loads(theirs)[0]["id"] == first
    assert any(
        e["kind"] == "loans" and e["set"]["start_date"] == "2026-12-04" for e in json.loads(mine)["effects"]
    )
    assert _rows(nauheim, "SELECT count(*) FROM sync_conflicts") == [(0,)]
    # The borrowers' names stay with their towns: never in the pool, never at the other town.
    assert "Erika" not in theirs
    assert _rows(trebur, "SELECT count(*) FROM loan_borrowers WHERE name LIKE 'Erika%'") == [(0,)]
    assert _rows(nauheim, "SELECT count(*) FROM loan_borrowers WHERE name LIKE 'Max%'") == [(0,)]
    assert _rows(nauheim, "SELECT name FROM loan_borrowers WHERE id = ?", first) == [("Erika Mustermann",)]
    with server.db.transaction() as tx:
        pool_rows = tx.all("SELECT data FROM entities WHERE scope = 'pool'")
    assert pool_rows and not any("Erika" in row[0] or "Max" in row[0] for row in pool_rows)


def test_non_overlapping_bookings_both_stand(server: ServerThread, tmp_path: Path) -> None:
    nauheim, trebur, camera = _two_towns_and_a_camera(server, tmp_path)
    book_device(nauheim, camera, dt.date(2026, 12, 1), dt.date(2026, 12, 3), "Erika Mustermann", today=TODAY)
    book_device(trebur, camera, dt.date(2026, 12, 4), dt.date(2026, 12, 8), "Max Beispiel", today=TODAY)
    assert sync_once(nauheim.db).conflicts == 0
    assert sync_once(trebur.db).conflicts == 0
    sync_once(nauheim.db)
    assert len(_rows(nauheim, "SELECT id FROM loans WHERE device_id = ?", camera)) == 2
