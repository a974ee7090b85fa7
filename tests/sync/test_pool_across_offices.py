"""The Geräteverleih across offices through the real server: a loan of another town's camera
from handover to a damaged return, the waiting list's offer to another town, the pool manager's
rights, and no borrower's name ever in another town's database file or the server's pool."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kommune_desk.domain.pool import CheckedItem, PoolError, checklist_items
from kommune_desk.domain.records import Role
from kommune_desk.services import pool, pool_loans, waitlist
from kommune_desk.services.clerks import add_clerk, set_pool_manager
from kommune_desk.services.sync import sync_once
from kommune_desk.services.workspace import Workspace, load_workspace
from tests.sync.harness import ServerThread, add_town, enrolled_workstation

TODAY = dt.date(2026, 12, 7)
NAMES = ("Erika Mustermann", "Max Beispiel", "Wilma Warteschlange")


def _day(offset: int) -> dt.date:
    return TODAY + dt.timedelta(days=offset)


def _clerk(ws: Workspace, login: str) -> Workspace:
    add_clerk(ws, login, f"Person {login}", Role.SACHBEARBEITUNG)
    clerk = load_workspace(ws.db, login)
    assert clerk is not None
    return clerk


def _offices(server: ServerThread, tmp_path: Path) -> tuple[Workspace, Workspace, str]:
    nauheim = _clerk(
        enrolled_workstation(
            server, add_town(server.db, "06433009", "Nauheim", "NAU"), tmp_path / "n", "admin-n"
        ),
        "nina",
    )
    trebur = _clerk(
        enrolled_workstation(
            server, add_town(server.db, "06433014", "Trebur", "TRE"), tmp_path / "t", "admin-t"
        ),
        "theo",
    )
    camera = pool.register_device(
        nauheim,
        "NAU-WBK-01",
        "Wärmebildkamera FLIR E8 Pro",
        "Wärmebildkamera",
        "SN1",
        accessories=["Ladegerät"],
    )
    _round(nauheim, trebur)
    return nauheim, trebur, camera


def _round(*offices: Workspace) -> None:
    for ws in (*offices, *offices):
        sync_once(ws.db)


def _rows(ws: Workspace, sql: str, *params: object) -> list[tuple]:
    conn = ws.db.reader()
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def _file_bytes(ws: Workspace) -> bytes:
    """Everything of the database on disk: the main file and its write-ahead log."""
    main = Path(ws.db.path)
    return b"".join(p.read_bytes() for p in (main, main.with_name(main.name + "-wal")) if p.exists())


def test_a_camera_of_nauheim_lent_and_returned_damaged_in_trebur(
    server: ServerThread, tmp_path: Path
) -> None:
    nauheim, trebur, camera = _offices(server, tmp_path)
    loan = pool.book_device(trebur, camera, TODAY, _day(6), "Max Beispiel", "max@example.org", today=TODAY)
    items = [CheckedItem(i, True) for i in checklist_items(["Ladegerät"])]
    pool_loans.handover_device(trebur, loan, pool_loans.Handover(items, "gut", True, True), TODAY)
    broken = [CheckedItem(i.item, i.item != "Ladegerät") for i in items]
    outcome = pool_loans.return_device(
        trebur, loan, pool_loans.Return(broken, "Display zerkratzt", "Kratzer im Display"), _day(2)
    )
    assert outcome.to_maintenance
    _round(trebur, nauheim)
    # Nauheim, the owner, sees its camera in Wartung at Trebur, with the maintenance entry.
    assert _rows(nauheim, "SELECT status, location_municipality_id FROM devices WHERE id = ?", camera) == [
        ("wartung", trebur.municipality.id)
    ]
    assert _rows(nauheim, "SELECT what FROM device_maintenance") == [
        ("Rückgabe mit Mängeln – fehlt: Ladegerät; Schaden: Kratzer im Display",)
    ]
    assert _rows(nauheim, "SELECT status FROM loans WHERE id = ?", loan) == [("zurueckgegeben",)]
    assert _rows(nauheim, "SELECT count(*) FROM sync_conflicts") == [(0,)]
    assert _rows(trebur, "SELECT count(*) FROM sync_conflicts") == [(0,)]
    assert b"Max Beispiel" not in _file_bytes(nauheim) and b"max@example.org" not in _file_bytes(nauheim)
    assert b"Max Beispiel" in _file_bytes(trebur)


def test_a_cancellation_in_nauheim_offers_the_camera_to_tre_burs_waiting_borrower(
    server: ServerThread, tmp_path: Path
) -> None:
    nauheim, trebur, camera = _offices(server, tmp_path)
    booked = pool.book_device(nauheim, camera, _day(1), _day(7), "Erika Mustermann", today=TODAY)
    _round(nauheim, trebur)
    entry = waitlist.add_to_waitlist(
        trebur, "Wärmebildkamera", _day(2), _day(5), "Wilma Warteschlange", today=TODAY
    )
    _round(trebur, nauheim)
    (listing,) = waitlist.waitlist(nauheim)
    assert (listing.town, listing.borrower, listing.entry.status) == ("Trebur", None, "wartend")

    pool.cancel_loan(nauheim, booked, TODAY)  # frees the days: Trebur's entry is offered the camera
    _round(nauheim, trebur)
    (offer,) = waitlist.waitlist(trebur)
    assert (offer.entry.status, offer.offered_inventory_number, offer.borrower) == (
        "angeboten", "NAU-WBK-01", "Wilma Warteschlange",
    )  # fmt: skip
    loan = waitlist.accept_offer(trebur, entry, TODAY)
    _round(trebur, nauheim)
    assert _rows(nauheim, "SELECT borrower_municipality_id = ?, start_date, status FROM loans WHERE id = ?",
                 trebur.municipality.id, loan) == [(1, _day(2).isoformat(), "reserviert")]  # fmt: skip
    assert _rows(nauheim, "SELECT status FROM waitlist WHERE id = ?", entry) == [("erledigt",)]
    # Nauheim may not book those days any more; Trebur's booking was confirmed by the server.
    with pytest.raises(PoolError, match="bereits reserviert"):
        pool.book_device(nauheim, camera, _day(3), _day(4), "Erika Mustermann", today=TODAY)
    assert _rows(trebur, "SELECT count(*) FROM outbox WHERE pushed_at IS NULL") == [(0,)]

    for name in NAMES:
        other = nauheim if name != "Erika Mustermann" else trebur
        assert name.encode() not in _file_bytes(other), name
    with server.db.transaction() as tx:
        shared = tx.all("SELECT data FROM entities WHERE scope = 'pool'")
    assert shared and not any(name in row[0] for row in shared for name in NAMES)


def test_only_the_pool_manager_of_another_town_changes_nauheims_device(
    server: ServerThread, tmp_path: Path
) -> None:
    nauheim, trebur, camera = _offices(server, tmp_path)
    with pytest.raises(PoolError, match="gehört einer anderen Kommune"):
        pool.update_device(trebur, camera, condition="neuwertig")
    set_pool_manager(trebur, "theo", True)
    manager = load_workspace(trebur.db, "theo")
    assert manager is not None and manager.clerk is not None and manager.clerk.pool_manager
    pool.update_device(manager, camera, name="Wärmebildkamera FLIR E8 Pro (Pool)", condition="neuwertig")
    _round(trebur, nauheim)
    assert _rows(trebur, "SELECT count(*) FROM sync_conflicts") == [(0,)]
    assert _rows(nauheim, "SELECT name, condition FROM devices WHERE id = ?", camera) == [
        ("Wärmebildkamera FLIR E8 Pro (Pool)", "neuwertig")
    ]
