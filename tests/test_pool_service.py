"""Pool services on a real database: what a booking writes, what it refuses, what travels."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest

from kommune_desk.domain.ids import uuid7
from kommune_desk.domain.pool import PoolError
from kommune_desk.domain.records import Address, Municipality, MunicipalityKind
from kommune_desk.domain.replication import POOL_SCOPE
from kommune_desk.domain.validation import ValidationError
from kommune_desk.services.pool import (
    TownPeriod,
    book_device,
    cancel_loan,
    device_bookings,
    list_devices,
    register_device,
)
from kommune_desk.services.workspace import Workspace
from kommune_desk.storage.capture import capture_suppressed
from kommune_desk.storage.reference import insert_municipality

from .conftest import TODAY

BORROWER = "Zoë Ağaoğlu-Schmitt"
DEC_3, DEC_10 = dt.date(2026, 12, 3), dt.date(2026, 12, 9)  # seven days: a camera's loan
_COUNTED = ("devices", "loans", "loan_borrowers", "borrowers", "outbox", "audit_log")


def _camera(ws: Workspace, number: str = "NAU-WBK-001") -> str:
    return register_device(ws, number, "Wärmebildkamera FLIR E8 Pro", "Wärmebildkamera", "SN4711")


def _counts(ws: Workspace) -> dict[str, int]:
    conn = ws.db.reader()
    try:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in _COUNTED}
    finally:
        conn.close()


def _outbox(ws: Workspace) -> list[sqlite3.Row]:
    conn = ws.db.reader()
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute("SELECT * FROM outbox ORDER BY seq").fetchall()
    finally:
        conn.close()


def _pulled_loan_of_trebur(ws: Workspace, device_id: str, start: dt.date, end: dt.date) -> str:
    """A partner town's reservation as the sync would apply it: a loans row, no borrower."""
    trebur = Municipality(
        uuid7(), "06433014", "Trebur", MunicipalityKind.GEMEINDE, Address("Herrngasse 3", "65468", "Trebur")
    )
    loan_id = uuid7()
    with ws.db.write() as conn, capture_suppressed(conn):
        insert_municipality(conn, trebur, "2026-11-20T08:00:00+00:00")
        conn.execute(
            "INSERT INTO loans (id, pool, device_id, borrower_municipality_id, start_date, end_date, status,"
            " created_at, updated_at) VALUES (?, 'kreis-gross-gerau', ?, ?, ?, ?, 'reserviert', ?, ?)",
            (loan_id, device_id, trebur.id, start.isoformat(), end.isoformat(), "x", "x"),
        )
    return loan_id


def test_register_puts_an_available_device_of_this_town_in_the_pool(workspace: Workspace) -> None:
    device_id = _camera(workspace)
    (listing,) = list_devices(workspace, TODAY)
    assert (listing.id, listing.inventory_number, listing.status) == (device_id, "NAU-WBK-001", "verfuegbar")
    assert listing.home_name == "Gemeinde Nauheim"
    assert listing.lent is None and listing.next is None
    (row,) = _outbox(workspace)[-1:]
    assert (row["name"], row["scope"]) == ("register_device", POOL_SCOPE)
    assert [e["kind"] for e in json.loads(row["effects"])] == ["devices"]


def test_register_refuses_empty_fields_and_a_taken_inventory_number(workspace: Workspace) -> None:
    _camera(workspace)
    before = _counts(workspace)
    with pytest.raises(ValidationError) as empty:
        register_device(workspace, " ", "", "")
    assert len(empty.value.messages) == 3 and "Inventarnummer" in empty.value.messages[0]
    with pytest.raises(PoolError, match="Inventarnummer NAU-WBK-001 ist schon vergeben"):
        _camera(workspace)
    assert _counts(workspace) == before


def test_a_booking_writes_loan_borrower_and_one_pool_mutation_without_the_name(workspace: Workspace) -> None:
    device_id = _camera(workspace)
    before = _counts(workspace)
    loan_id = book_device(workspace, device_id, DEC_3, DEC_10, BORROWER, "06152 1234", today=TODAY)
    after = _counts(workspace)
    assert {t: after[t] - before[t] for t in _COUNTED} == {
        "devices": 0, "loans": 1, "loan_borrowers": 1, "borrowers": 1, "outbox": 1, "audit_log": 1,
    }  # fmt: skip

    conn = workspace.db.reader()
    try:
        loan = conn.execute(
            "SELECT device_id, borrower_municipality_id, start_date, end_date, status FROM loans"
            " WHERE id = ?",
            (loan_id,),
        ).fetchone()
        borrower = conn.execute(
            "SELECT municipality_id, name, contact FROM loan_borrowers WHERE id = ?", (loan_id,)
        ).fetchone()
        audit = conn.execute(
            "SELECT action, changes FROM audit_log WHERE entity_id = ?", (loan_id,)
        ).fetchone()
    finally:
        conn.close()
    assert loan == (device_id, workspace.municipality.id, "2026-12-03", "2026-12-09", "reserviert")
    assert borrower == (workspace.municipality.id, BORROWER, "06152 1234")
    assert audit[0] == "geraet_reserviert" and BORROWER not in audit[1]

    (mutation,) = [r for r in _outbox(workspace) if r["name"] == "book_device"]
    assert mutation["scope"] == POOL_SCOPE
    assert json.loads(mutation["args"]) == {
        "loan_id": loan_id, "device_id": device_id, "start_date": "2026-12-03", "end_date": "2026-12-09",
        "clerk_id": workspace.clerk.id if workspace.clerk else None,
    }  # fmt: skip
    effects = json.loads(mutation["effects"])
    assert {(e["kind"], e["op"]) for e in effects} == {
        ("loans", "insert"), ("loan_borrowers", "insert"), ("borrowers", "insert"),
    }  # fmt: skip
    loans_effect = next(e for e in effects if e["kind"] == "loans")
    assert loans_effect["id"] == loan_id and loans_effect["set"]["status"] == "reserviert"
    assert BORROWER not in json.dumps(loans_effect, ensure_ascii=False)
    assert "Ağaoğlu" not in mutation["args"]


def test_the_list_shows_the_next_reservation_with_the_borrowing_town(workspace: Workspace) -> None:
    device_id = _camera(workspace)
    book_device(workspace, device_id, dt.date(2027, 1, 4), dt.date(2027, 1, 6), BORROWER, today=TODAY)
    book_device(workspace, device_id, DEC_3, DEC_10, BORROWER, today=TODAY)
    (listing,) = list_devices(workspace, TODAY)
    assert listing.next == TownPeriod(DEC_3, DEC_10, "Gemeinde Nauheim")  # the town, not the person
    assert [b.start for b in device_bookings(workspace, device_id)] == [DEC_3, dt.date(2027, 1, 4)]


def test_an_overlapping_booking_is_refused_in_german_and_writes_nothing(workspace: Workspace) -> None:
    device_id = _camera(workspace)
    _pulled_loan_of_trebur(workspace, device_id, DEC_3, DEC_10)
    before = _counts(workspace)
    with pytest.raises(PoolError) as refused:
        book_device(workspace, device_id, DEC_10, dt.date(2026, 12, 12), BORROWER, today=TODAY)
    assert refused.value.messages[0].startswith(
        "Das Gerät ist vom 03.12.2026 bis 09.12.2026 bereits reserviert."
    )
    assert "anderen Zeitraum" in refused.value.messages[0]
    assert _counts(workspace) == before
    (listing,) = list_devices(workspace, TODAY)
    assert listing.next is not None and listing.next.town == "Trebur"


@pytest.mark.parametrize(
    ("start", "end", "words"),
    [
        (DEC_10, DEC_3, "vor ihrem Beginn"),
        (TODAY - dt.timedelta(days=1), DEC_3, "Vergangenheit"),
        (DEC_3, DEC_3 + dt.timedelta(days=90), "höchstens 90 Tage"),
    ],
)
def test_an_impossible_period_is_refused_before_anything_is_written(
    workspace: Workspace, start: dt.date, end: dt.date, words: str
) -> None:
    device_id = _camera(workspace)
    before = _counts(workspace)
    with pytest.raises(PoolError, match=words):
        book_device(workspace, device_id, start, end, BORROWER, today=TODAY)
    assert _counts(workspace) == before


def test_a_booking_needs_a_borrower_and_an_available_device(workspace: Workspace) -> None:
    device_id = _camera(workspace)
    with pytest.raises(ValidationError, match="wer das Gerät ausleiht"):
        book_device(workspace, device_id, DEC_3, DEC_10, "  ", today=TODAY)
    with pytest.raises(PoolError, match="gibt es im Pool nicht"):
        book_device(workspace, uuid7(), DEC_3, DEC_10, BORROWER, today=TODAY)
    with workspace.db.write() as conn, capture_suppressed(conn):
        conn.execute("UPDATE devices SET status = 'wartung' WHERE id = ?", (device_id,))
    with pytest.raises(PoolError, match="NAU-WBK-001 ist in Wartung"):
        book_device(workspace, device_id, DEC_3, DEC_10, BORROWER, today=TODAY)


def test_cancelling_frees_the_period(workspace: Workspace) -> None:
    device_id = _camera(workspace)
    loan_id = book_device(workspace, device_id, DEC_3, DEC_10, BORROWER, today=TODAY)
    cancel_loan(workspace, loan_id, today=TODAY)
    assert device_bookings(workspace, device_id) == []
    assert list_devices(workspace, TODAY)[0].next is None
    (mutation,) = [r for r in _outbox(workspace) if r["name"] == "cancel_loan"]
    assert mutation["scope"] == POOL_SCOPE and json.loads(mutation["args"])["loan_id"] == loan_id
    (effect,) = [e for e in json.loads(mutation["effects"]) if e["kind"] == "loans"]
    assert (effect["kind"], effect["set"]["status"], effect["base"]["status"]) == (
        "loans",
        "storniert",
        "reserviert",
    )
    # the same days can be booked again; cancelling twice changes nothing
    book_device(workspace, device_id, DEC_3, DEC_10, BORROWER, today=TODAY)
    before = _counts(workspace)
    cancel_loan(workspace, loan_id, today=TODAY)
    assert _counts(workspace) == before


def test_another_towns_reservation_of_another_towns_device_cannot_be_cancelled(workspace: Workspace) -> None:
    device_id = _camera(workspace)
    foreign = _pulled_loan_of_trebur(workspace, device_id, DEC_3, DEC_10)
    with workspace.db.write() as conn, capture_suppressed(conn):  # the device is Trebur's, as pulled
        conn.execute(
            "UPDATE devices SET home_municipality_id ="
            " (SELECT borrower_municipality_id FROM loans WHERE id = ?)",
            (foreign,),
        )
    before = _counts(workspace)
    with pytest.raises(PoolError, match="andere Gemeinde"):
        cancel_loan(workspace, foreign, today=TODAY)
    assert _counts(workspace) == before
    assert [b.status for b in device_bookings(workspace, device_id)] == ["reserviert"]


def test_an_unmapped_login_may_not_book(workspace: Workspace) -> None:
    device_id = _camera(workspace)
    stranger = Workspace(workspace.db, workspace.municipality, workspace.office, None, "fremd")
    with pytest.raises(ValidationError, match="keiner Person zugeordnet"):
        book_device(stranger, device_id, DEC_3, DEC_10, BORROWER, today=TODAY)


def test_a_handed_over_loan_is_where_the_device_is_now_even_when_overdue(workspace: Workspace) -> None:
    device_id = _camera(workspace)
    loan_id = book_device(workspace, device_id, DEC_3, DEC_10, BORROWER, today=TODAY)
    later = book_device(
        workspace, device_id, dt.date(2026, 12, 20), dt.date(2026, 12, 22), BORROWER, today=TODAY
    )
    with workspace.db.write() as conn, capture_suppressed(conn):  # the handover comes with a later release
        conn.execute("UPDATE loans SET status = 'ausgegeben' WHERE id = ?", (loan_id,))
    for today in (dt.date(2026, 12, 5), dt.date(2026, 12, 12)):
        (listing,) = list_devices(workspace, today)
        assert listing.lent == TownPeriod(DEC_3, DEC_10, "Gemeinde Nauheim")
        assert listing.next == TownPeriod(dt.date(2026, 12, 20), dt.date(2026, 12, 22), "Gemeinde Nauheim")
    assert [b.loan_id for b in device_bookings(workspace, device_id)] == [loan_id, later]
