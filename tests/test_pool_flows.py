"""The Geräteverleih's use cases on a real database: booking with borrowers, overdue blocking,
renewals, handover and return, the waiting list, retention and the availability search."""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import replace

import pytest

from kommune_desk.domain import pool as rules
from kommune_desk.domain.pool import Booking, CheckedItem, PoolError, checklist_items
from kommune_desk.domain.records import Role
from kommune_desk.domain.validation import ValidationError
from kommune_desk.services import borrowers, pool, pool_loans, pool_search, waitlist
from kommune_desk.services.borrowers import Borrower
from kommune_desk.services.workspace import Workspace
from kommune_desk.storage import pool_search as search_repo

TODAY = dt.date(2026, 12, 7)
CAMERA = "Wärmebildkamera"


def _day(offset: int) -> dt.date:
    return TODAY + dt.timedelta(days=offset)


def _camera(ws: Workspace, number: str, **details: object) -> str:
    return pool.register_device(
        ws, number, "Wärmebildkamera FLIR E8 Pro", CAMERA, f"SN-{number}",
        accessories=["Ladegerät", "Tasche"], **details,
    )  # fmt: skip


def _all_ok(accessories: tuple[str, ...] = ("Ladegerät", "Tasche")) -> list[CheckedItem]:
    return [CheckedItem(item, True) for item in checklist_items(accessories)]


def _hand_over(ws: Workspace, loan_id: str, day: dt.date = TODAY, deposit: int = 0) -> None:
    pool_loans.handover_device(
        ws,
        loan_id,
        pool_loans.Handover(_all_ok(), "gut", True, True, deposit, "bar" if deposit else None),
        day,
    )


def _rows(ws: Workspace, sql: str, *params: object) -> list[tuple]:
    conn = ws.db.reader()
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def _become(ws: Workspace, role: Role) -> Workspace:
    assert ws.clerk is not None
    return replace(ws, clerk=replace(ws.clerk, role=role))


# --- booking -------------------------------------------------------------------------------------


def test_a_booking_names_its_borrower_once_in_the_towns_own_records(workspace: Workspace) -> None:
    cam = _camera(workspace, "NAU-WBK-01")
    first = pool.book_device(
        workspace, cam, TODAY, _day(6), "Anna  Beispiel", "anna@example.org", today=TODAY
    )
    again = pool.book_device(workspace, cam, _day(10), _day(12), "anna beispiel", today=TODAY)
    people = _rows(workspace, "SELECT id, name, email, retain_until FROM borrowers")
    assert len(people) == 1 and people[0][1:] == ("Anna Beispiel", "anna@example.org", None)
    parties = _rows(workspace, "SELECT id, borrower_id FROM loan_borrowers ORDER BY id")
    assert {p[0] for p in parties} == {first, again} and {p[1] for p in parties} == {people[0][0]}
    # The name travels only in the town's own kinds, never in a pool row or a mutation's arguments.
    outbox = _rows(workspace, "SELECT args, effects FROM outbox WHERE name = 'book_device'")
    pool_kinds = {"devices", "loans", "waitlist", "device_maintenance", "device_transfers", "device_types"}
    assert len(outbox) == 2
    for args, effects in outbox:
        assert "Beispiel" not in args
        shared = [e for e in json.loads(effects) if e["kind"] in pool_kinds]
        assert shared and "Beispiel" not in json.dumps(shared, ensure_ascii=False)


def test_a_blocked_borrower_cannot_book_and_nothing_is_written(workspace: Workspace) -> None:
    cam = _camera(workspace, "NAU-WBK-01")
    person = borrowers.create_borrower(workspace, Borrower("", "buerger", "Bernd Sperling", phone="06152 1"))
    borrowers.block_borrower(workspace, person, "Kamera beschädigt zurückgegeben")
    before = _rows(workspace, "SELECT count(*) FROM loans")[0][0]
    with pytest.raises(PoolError, match="gesperrt \\(Kamera beschädigt zurückgegeben\\)"):
        pool.book_device(workspace, cam, TODAY, _day(3), borrower_id=person, today=TODAY)
    with pytest.raises(PoolError, match="gesperrt"):
        pool.book_device(workspace, cam, TODAY, _day(3), "Bernd Sperling", today=TODAY)
    assert _rows(workspace, "SELECT count(*) FROM loans")[0][0] == before


def test_an_overdue_camera_blocks_new_bookings_until_the_teamleitung_overrides(workspace: Workspace) -> None:
    cam = _camera(workspace, "NAU-WBK-01")
    loan = pool.book_device(workspace, cam, _day(-10), _day(-4), "Anna Beispiel", today=_day(-10))
    _hand_over(workspace, loan, _day(-10))
    with pytest.raises(PoolError, match=r"seit dem 04\.12\.2026 überfällig"):
        pool.book_device(workspace, cam, TODAY, _day(6), "Carla Neu", today=TODAY)
    with pytest.raises(PoolError, match="Nur die Teamleitung"):
        pool.book_device(
            workspace, cam, TODAY, _day(6), "Carla Neu", today=TODAY, override_note="kommt morgen"
        )
    lead = _become(workspace, Role.TEAMLEITUNG)
    with pytest.raises(ValidationError):
        pool.book_device(lead, cam, _day(1), _day(6), "Carla Neu", today=TODAY, override_note="  ")
    booked = pool.book_device(
        lead,
        cam,
        _day(1),
        _day(6),
        "Carla Neu",
        today=TODAY,
        override_note="Rückgabe telefonisch für morgen zugesagt",
    )
    assert _rows(workspace, "SELECT override_note FROM loans WHERE id = ?", booked) == [
        ("Rückgabe telefonisch für morgen zugesagt",)
    ]
    # Once the return is recorded, anybody books again.
    pool_loans.return_device(workspace, loan, pool_loans.Return(_all_ok(), "gut"), TODAY)
    assert pool.book_device(workspace, cam, _day(8), _day(9), "Dora Dorn", today=TODAY)


def test_cancelling_frees_the_days(workspace: Workspace) -> None:
    cam = _camera(workspace, "NAU-WBK-01")
    loan = pool.book_device(workspace, cam, TODAY, _day(6), "Anna Beispiel", today=TODAY)
    with pytest.raises(PoolError, match="bereits reserviert"):
        pool.book_device(workspace, cam, _day(6), _day(8), "Ben Berg", today=TODAY)
    pool.cancel_loan(workspace, loan, TODAY)
    pool.cancel_loan(workspace, loan, TODAY)  # twice: a no-op
    assert pool.book_device(workspace, cam, _day(6), _day(8), "Ben Berg", today=TODAY)
    assert [r.status for r in pool.list_loans(workspace, device_id=cam)] == ["reserviert", "storniert"]


# --- renewal -------------------------------------------------------------------------------------


def test_renewal_is_refused_while_someone_waits_and_allowed_after(workspace: Workspace) -> None:
    cam = _camera(workspace, "NAU-WBK-01")
    loan = pool.book_device(workspace, cam, TODAY, _day(6), "Anna Beispiel", today=TODAY)
    _hand_over(workspace, loan)
    # The camera is out until the 13th, so nobody can be offered it for the 12th to the 16th.
    entry = waitlist.add_to_waitlist(workspace, CAMERA, _day(5), _day(9), "Erik Warter", today=TODAY)
    with pytest.raises(PoolError, match="Warteliste"):
        pool.renew_loan(workspace, loan, _day(8), TODAY)
    waitlist.cancel_waiting(workspace, entry, TODAY)
    pool.renew_loan(workspace, loan, _day(8), TODAY)
    assert _rows(workspace, "SELECT end_date, renewals FROM loans WHERE id = ?", loan) == [
        (_day(8).isoformat(), 1)
    ]
    with pytest.raises(PoolError, match="schon einmal verlängert"):
        pool.renew_loan(workspace, loan, _day(9), TODAY)


# --- handover and return -------------------------------------------------------------------------


def test_handover_needs_id_briefing_and_the_policy_deposit(workspace: Workspace) -> None:
    cam = _camera(workspace, "NAU-WBK-01", deposit_cents=5000)
    loan = pool.book_device(workspace, cam, TODAY, _day(6), "Anna Beispiel", today=TODAY)
    with pytest.raises(ValidationError) as refused:
        pool_loans.handover_device(
            workspace, loan, pool_loans.Handover(_all_ok(), "gut", False, False, 0), TODAY
        )
    assert len(refused.value.messages) == 3 and "50,00 €" in " ".join(refused.value.messages)
    with pytest.raises(PoolError, match=r"beginnt erst am 07\.12\.2026"):
        _hand_over(workspace, loan, _day(-1), deposit=5000)
    _hand_over(workspace, loan, TODAY, deposit=5000)
    assert _rows(workspace, "SELECT status, handed_over_by IS NOT NULL FROM loans WHERE id = ?", loan) == [
        ("ausgegeben", 1)
    ]
    assert _rows(
        workspace, "SELECT id_seen, briefing_given, deposit_cents, deposit_method FROM loan_borrowers"
    ) == [(1, 1, 5000, "bar")]


def test_a_return_with_a_missing_charger_sends_the_camera_to_wartung(workspace: Workspace) -> None:
    cam = _camera(workspace, "NAU-WBK-01", deposit_cents=5000)
    loan = pool.book_device(workspace, cam, TODAY, _day(6), "Anna Beispiel", today=TODAY)
    _hand_over(workspace, loan, deposit=5000)
    checklist = [
        CheckedItem(i.item, i.item != "Ladegerät", "fehlt" if i.item == "Ladegerät" else "")
        for i in _all_ok()
    ]
    with pytest.raises(ValidationError, match="begründen"):
        pool_loans.return_device(workspace, loan, pool_loans.Return(checklist, "ok", "", 3000), _day(8))
    outcome = pool_loans.return_device(
        workspace,
        loan,
        pool_loans.Return(checklist, "gebraucht", "", 3000, "Ladegerät fehlt (Ersatz 20 €)"),
        _day(8),
    )
    assert outcome == pool_loans.ReturnOutcome(True, 2, 2000, False)
    assert _rows(workspace, "SELECT status FROM devices WHERE id = ?", cam) == [("wartung",)]
    assert _rows(workspace, "SELECT what FROM device_maintenance") == [
        ("Rückgabe mit Mängeln – fehlt: Ladegerät",)
    ]
    assert _rows(workspace, "SELECT deposit_returned_cents, deposit_note FROM loan_borrowers") == [
        (3000, "Ladegerät fehlt (Ersatz 20 €)")
    ]
    # The keeping period of the borrower's data starts with the return.
    assert _rows(workspace, "SELECT retain_until FROM borrowers") == [("2027-12-15",)]


# --- waiting list --------------------------------------------------------------------------------


def test_a_cancellation_offers_the_camera_to_the_first_in_line_who_can_take_it_up(
    workspace: Workspace,
) -> None:
    one, two = _camera(workspace, "NAU-WBK-01"), _camera(workspace, "NAU-WBK-02")
    pool.book_device(workspace, one, TODAY, _day(6), "Anna Beispiel", today=TODAY)
    second = pool.book_device(workspace, two, TODAY, _day(6), "Ben Berg", today=TODAY)
    first_in_line = waitlist.add_to_waitlist(workspace, CAMERA, _day(2), _day(5), "Carla Cron", today=TODAY)
    later = waitlist.add_to_waitlist(workspace, CAMERA, _day(2), _day(5), "Dora Dorn", today=TODAY)
    pool.cancel_loan(workspace, second, TODAY)
    listing = {w.entry.id: w for w in waitlist.waitlist(workspace)}
    offer = listing[first_in_line].entry
    assert (offer.status, offer.offered_device_id, offer.offer_until) == ("angeboten", two, _day(3))
    assert listing[later].entry.status == "wartend"
    # The offer holds the camera: nobody else gets those days.
    with pytest.raises(PoolError, match="bereits reserviert"):
        pool.book_device(workspace, two, _day(3), _day(4), "Egon Eilig", today=TODAY)
    loan = waitlist.accept_offer(workspace, first_in_line, TODAY)
    assert _rows(workspace, "SELECT start_date, end_date FROM loans WHERE id = ?", loan) == [
        (_day(2).isoformat(), _day(5).isoformat())
    ]
    assert _rows(workspace, "SELECT name FROM loan_borrowers WHERE id = ?", loan) == [("Carla Cron",)]
    assert _rows(workspace, "SELECT status, loan_id FROM waitlist WHERE id = ?", first_in_line) == [
        ("erledigt", loan)
    ]


def test_an_offer_nobody_takes_up_expires_and_moves_on(workspace: Workspace) -> None:
    one = _camera(workspace, "NAU-WBK-01")
    loan = pool.book_device(workspace, one, TODAY, _day(6), "Anna Beispiel", today=TODAY)
    first = waitlist.add_to_waitlist(workspace, CAMERA, _day(3), _day(12), "Carla Cron", today=TODAY)
    second = waitlist.add_to_waitlist(workspace, CAMERA, _day(5), _day(12), "Dora Dorn", today=TODAY)
    _hand_over(workspace, loan)
    pool_loans.return_device(workspace, loan, pool_loans.Return(_all_ok(), "gut"), _day(1))  # early
    assert _rows(workspace, "SELECT status, offer_until FROM waitlist WHERE id = ?", first) == [
        ("angeboten", _day(4).isoformat())
    ]
    assert waitlist.process_offers(workspace, _day(4)).offered == 0  # last pickup day: still open
    outcome = waitlist.process_offers(workspace, _day(5))
    assert (outcome.expired, outcome.offered) == (1, 1)
    statuses = dict(_rows(workspace, "SELECT id, status FROM waitlist"))
    assert statuses == {first: "abgelaufen", second: "angeboten"}
    with pytest.raises(PoolError, match="kein Angebot"):
        waitlist.accept_offer(workspace, first, _day(5))


# --- retention -----------------------------------------------------------------------------------


def test_retention_anonymises_after_the_keeping_period_and_logs_no_names(workspace: Workspace) -> None:
    cam = _camera(workspace, "NAU-WBK-01")
    old = pool.book_device(workspace, cam, TODAY, _day(1), "Anna Altdaten", "0611 1", today=TODAY)
    kept = pool.book_device(workspace, cam, _day(20), _day(21), "Ben Bleibt", today=TODAY)
    pool.cancel_loan(workspace, old, TODAY)  # closed today: kept until 07.12.2027
    assert borrowers.run_retention(workspace, dt.date(2027, 12, 7)).borrowers == 0
    dry = borrowers.run_retention(workspace, dt.date(2027, 12, 8), dry_run=True)
    assert (dry.borrowers, dry.loan_records) == (1, 1) and dry.message().startswith(
        "1 Person würde anonymisiert (1 Ausleihvermerk,"
    )
    assert _rows(workspace, "SELECT count(*) FROM borrowers WHERE anonymised_at IS NULL")[0][0] == 2
    done = borrowers.run_retention(workspace, dt.date(2027, 12, 8))
    assert (done.borrowers, done.loan_records) == (1, 1) and "Anna" not in done.message()
    names = {r[0] for r in _rows(workspace, "SELECT name FROM borrowers")}
    assert names == {"(gelöscht)", "Ben Bleibt"}  # Ben's loan is still open
    assert _rows(workspace, "SELECT name, contact FROM loan_borrowers WHERE id = ?", old) == [
        ("(gelöscht)", "")
    ]
    log = _rows(workspace, "SELECT * FROM retention_log")
    assert len(log) == 3 and all("Anna" not in str(row) for row in log)
    # The anonymised rows are queued for the server.
    assert _rows(workspace, "SELECT count(*) FROM outbox WHERE name = 'anonymise_borrower'")[0][0] == 1
    assert kept


# --- availability search -------------------------------------------------------------------------


def test_free_cameras_nearest_first_and_the_next_free_period(workspace: Workspace) -> None:
    towns = {t.ags: t for t in pool.towns(workspace)}
    near, far = _camera(workspace, "NAU-WBK-01"), _camera(workspace, "NAU-WBK-02")
    # Move the first camera to a town far away (Kelsterbach), as a transfer would.
    kelsterbach = _add_town(workspace, "06433007", "Stadt Kelsterbach")
    pool.transfer_device(workspace, near, kelsterbach, "Infoabend", TODAY)
    found = pool_search.find_free(workspace, CAMERA, _day(1), _day(3), today=TODAY)
    assert [f.inventory_number for f in found.free] == ["NAU-WBK-02", "NAU-WBK-01"]
    assert found.free[0].distance_km == 0.0 and (found.free[1].distance_km or 0) > 10
    pool.book_device(workspace, far, _day(1), _day(7), "Anna Beispiel", today=TODAY)
    pool.book_device(workspace, far, _day(8), _day(10), "Anna Beispiel", today=TODAY)
    pool.book_device(workspace, near, _day(0), _day(4), "Ben Berg", today=TODAY)
    none = pool_search.find_free(workspace, CAMERA, _day(1), _day(3), today=TODAY)
    assert none.free == [] and (none.next_start, none.next_device) == (_day(5), "NAU-WBK-01")
    assert towns  # the own town is known


def _add_town(ws: Workspace, ags: str, name: str) -> str:
    from kommune_desk.domain.ids import uuid7
    from kommune_desk.domain.records import Address, Municipality, MunicipalityKind
    from kommune_desk.storage.capture import capture_suppressed
    from kommune_desk.storage.reference import insert_municipality

    town = Municipality(uuid7(), ags, name, MunicipalityKind.STADT, Address("", "", ""))
    with ws.db.write() as conn, capture_suppressed(conn):
        insert_municipality(conn, town, "2026-01-01T00:00:00Z")
    return town.id


def test_the_search_query_agrees_with_the_domain_rules_on_random_pools(tmp_path) -> None:
    """The SQL of the search says "free" exactly where the domain's overlap and overdue rules do."""
    from kommune_desk.storage.connection import connect
    from kommune_desk.storage.migrations import migrate

    rng = random.Random(13)
    conn = connect(tmp_path / "pool.sqlite3")
    migrate(conn)
    conn.execute(
        "INSERT INTO municipalities (id, ags, name, kind, created_at, updated_at)"
        " VALUES ('m', '06433009', 'Nauheim', 'gemeinde', '', '')"
    )
    bookings: dict[str, list[Booking]] = {}
    for d in range(12):
        device = f"d{d:02d}"
        conn.execute(
            "INSERT INTO devices (id, pool, home_municipality_id, inventory_number, name, category, status,"
            " created_at, updated_at) VALUES (?, 'p', 'm', ?, 'Kamera', 'K', ?, '', '')",
            (device, device.upper(), "verfuegbar" if d < 10 else "wartung"),
        )
        bookings[device] = []
        day = TODAY - dt.timedelta(days=40)
        for n in range(rng.randint(0, 8)):
            day += dt.timedelta(days=rng.randint(0, 12))
            end = day + dt.timedelta(days=rng.randint(0, 9))
            status = rng.choice(["reserviert", "ausgegeben", "zurueckgegeben", "storniert"])
            loan = Booking(f"{device}-{n}", device, day, end, status, "m")
            conn.execute(
                "INSERT INTO loans (id, pool, device_id, borrower_municipality_id, start_date, end_date,"
                " status, created_at, updated_at) VALUES (?, 'p', ?, 'm', ?, ?, ?, '', '')",
                (loan.loan_id, device, day.isoformat(), end.isoformat(), status),
            )
            bookings[device].append(loan)
            day = end + dt.timedelta(days=1)
    for _ in range(200):
        start = TODAY + dt.timedelta(days=rng.randint(0, 60))
        end = start + dt.timedelta(days=rng.randint(0, 10))
        by_sql = {f.device_id for f in search_repo.free_devices(conn, "K", start, end, TODAY)}
        by_rules = {
            device
            for device, others in bookings.items()
            if int(device[1:]) < 10
            and rules.booking_refusal(Booking("?", device, start, end, "reserviert", "m"), others) is None
            and rules.overdue_refusal(Booking("?", device, start, end, "reserviert", "m"), others, TODAY)
            is None
        }
        assert by_sql == by_rules, (start, end)
    conn.close()


def test_hostile_names_are_stored_and_found_literally(workspace: Workspace) -> None:
    cam = _camera(workspace, "NAU-WBK-01")
    hostile = "Robert'); DROP TABLE loans;-- 100% _x_ \u202eevil <b>"
    pool.book_device(workspace, cam, TODAY, _day(1), hostile, today=TODAY)
    assert [b.name for b in borrowers.search_borrowers(workspace, "100% _x_")] == [hostile.strip()]
    pool.book_device(workspace, cam, _day(3), _day(4), "Bob Ohneprozent", today=TODAY)
    assert len(borrowers.search_borrowers(workspace, "%")) == 1  # "%" is a character, not a wildcard
    assert borrowers.search_borrowers(workspace, "Robert%Bob") == []
    assert _rows(workspace, "SELECT count(*) FROM loans")[0][0] == 2


def test_the_pool_manager_sets_a_types_policy_which_a_handover_then_asks(workspace: Workspace) -> None:
    from kommune_desk.domain.pool_policy import LoanPolicy
    from kommune_desk.services.clerks import set_pool_manager

    cam = _camera(workspace, "NAU-WBK-01")
    policy = LoanPolicy(loan_days=7, max_renewals=1, deposit_cents=5000, pickup_days=3)
    with pytest.raises(PoolError, match="Poolverwaltung"):
        pool.set_type_policy(workspace, CAMERA, policy)
    set_pool_manager(workspace, workspace.os_login, True)
    manager = replace(workspace, clerk=replace(workspace.clerk, pool_manager=True))  # type: ignore[type-var]
    pool.set_type_policy(manager, CAMERA, policy)
    pool.set_type_policy(manager, CAMERA, replace(policy, deposit_cents=8000))  # changed, not added twice
    assert _rows(workspace, "SELECT name, deposit_cents FROM device_types") == [(CAMERA, 8000)]
    loan = pool.book_device(workspace, cam, TODAY, _day(6), "Anna Beispiel", today=TODAY)
    with pytest.raises(ValidationError, match="80,00"):
        _hand_over(workspace, loan, deposit=5000)
    _hand_over(workspace, loan, deposit=8000)


def test_the_daily_work_runs_retention_once_a_day(workspace: Workspace) -> None:
    from kommune_desk.services.pool_daily import daily_pool_work

    first = daily_pool_work(workspace, TODAY)
    again = daily_pool_work(workspace, TODAY)
    tomorrow = daily_pool_work(workspace, _day(1))
    assert first.retention is not None and again.retention is None and tomorrow.retention is not None
    assert _rows(workspace, "SELECT count(*) FROM retention_log WHERE dry_run = 0")[0][0] == 2


def test_migration_8_keeps_devices_and_turns_names_on_loans_into_borrowers(tmp_path) -> None:
    from kommune_desk.storage.connection import connect
    from kommune_desk.storage.migrations import MIGRATIONS, migrate

    conn = connect(tmp_path / "release7.sqlite3")
    migrate(conn, MIGRATIONS[:7])
    at = "2026-11-01T08:00:00Z"
    with conn:
        conn.execute(
            "INSERT INTO municipalities (id, ags, name, kind, created_at, updated_at)"
            " VALUES ('m', '06433009', 'Nauheim', 'gemeinde', ?, ?)",
            (at, at),
        )
        conn.execute(
            "INSERT INTO devices (id, pool, home_municipality_id, inventory_number, name, category, status,"
            " created_at, updated_at) VALUES ('d', 'p', 'm', 'NAU-WBK-01', 'Kamera', 'Wärmebildkamera',"
            " 'verfuegbar', ?, ?)",
            (at, at),
        )
        conn.execute(
            "INSERT INTO loans (id, pool, device_id, borrower_municipality_id, start_date, end_date, status,"
            " created_at, updated_at)"
            " VALUES ('l', 'p', 'd', 'm', '2026-11-02', '2026-11-05', 'reserviert', ?, ?)",
            (at, at),
        )
        conn.execute(
            "INSERT INTO loan_borrowers (id, municipality_id, name, contact, created_at, updated_at)"
            " VALUES ('l', 'm', 'Anna Beispiel', '0611 1', ?, ?)",
            (at, at),
        )
    captured = conn.execute("SELECT count(*) FROM sync_capture").fetchone()[0]
    assert migrate(conn) == [8, 9]
    assert conn.execute(
        "SELECT inventory_number, base_municipality_id, location_municipality_id, status FROM devices"
    ).fetchall() == [("NAU-WBK-01", "m", "m", "verfuegbar")]
    assert conn.execute("SELECT id, municipality_id, kind, name FROM borrowers").fetchall() == [
        ("l", "m", "buerger", "Anna Beispiel")
    ]
    assert conn.execute("SELECT borrower_id FROM loan_borrowers").fetchall() == [("l",)]
    # Nothing of the migration waits to be sent: every workstation derives the same rows.
    assert conn.execute("SELECT count(*) FROM sync_capture").fetchone()[0] == captured
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    conn.close()


def test_the_daily_work_names_maintenance_due_within_a_week_of_own_devices(workspace: Workspace) -> None:
    from kommune_desk.services.pool_daily import daily_pool_work

    soon, later = _camera(workspace, "NAU-WBK-01"), _camera(workspace, "NAU-WBK-02")
    pool.add_maintenance(workspace, soon, "Kalibrierung", _day(-358), next_due=_day(7))
    pool.add_maintenance(workspace, later, "Kalibrierung", _day(-300), next_due=_day(8))
    work = daily_pool_work(workspace, TODAY)
    assert work.maintenance_due == ("NAU-WBK-01",)
    assert work.maintenance_message() == "Wartung fällig: NAU-WBK-01."


def test_a_damaged_return_keeps_the_calibration_due_date(workspace: Workspace) -> None:
    cam = _camera(workspace, "NAU-WBK-01")
    pool.add_maintenance(workspace, cam, "Kalibrierung", _day(-30), next_due=_day(335))
    loan = pool.book_device(workspace, cam, TODAY, _day(2), "Anna Beispiel", today=TODAY)
    _hand_over(workspace, loan)
    broken = [CheckedItem(i.item, i.item != "Ladegerät") for i in _all_ok()]
    pool_loans.return_device(workspace, loan, pool_loans.Return(broken, "gebraucht"), _day(1))
    (listing,) = pool.list_devices(workspace, TODAY)
    assert listing.status == "wartung" and listing.maintenance_due == _day(335)


def test_a_booking_is_as_long_as_the_policy_allows_and_longer_only_by_renewal(workspace: Workspace) -> None:
    cam = _camera(workspace, "NAU-WBK-01", loan_days=5)
    with pytest.raises(PoolError, match="höchstens 5 Tage verliehen; gewählt sind 6 Tage"):
        pool.book_device(workspace, cam, TODAY, _day(5), "Anna Beispiel", today=TODAY)
    loan = pool.book_device(workspace, cam, TODAY, _day(4), "Anna Beispiel", today=TODAY)
    with pytest.raises(PoolError, match="höchstens 5 Tage"):
        pool.renew_loan(workspace, loan, _day(10), TODAY)  # six more days
    pool.renew_loan(workspace, loan, _day(9), TODAY)  # five more days
    assert _rows(workspace, "SELECT end_date, renewals FROM loans") == [(_day(9).isoformat(), 1)]


def test_borrowers_are_found_as_germans_type(workspace: Workspace) -> None:
    for name in ("Hans Müller", "Gerd Mueller", "Sabine Weiß", "Ben Öztürk"):
        borrowers.create_borrower(workspace, Borrower("", "buerger", name))

    def found(text: str) -> set[str]:
        return {b.name for b in borrowers.search_borrowers(workspace, text)}

    assert found("mueller") == found("MÜLLER") == {"Hans Müller", "Gerd Mueller"}
    assert found("muller") == {"Hans Müller"}
    assert found("weiss") == found("Weiß") == {"Sabine Weiß"}
    assert found("oeztuerk") == found("öztürk") == found("Ozturk") == {"Ben Öztürk"}
