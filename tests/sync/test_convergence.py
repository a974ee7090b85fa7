"""Convergence: whatever the offices do, in whatever order, with whatever faults in between,
they end up holding exactly the server's rows of their scopes, and the server never confirms two
overlapping blocking bookings of one device — not even when two offices push at the same moment.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import tempfile
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from kommune_desk.domain.pool import PoolError
from kommune_desk.domain.records import Role
from kommune_desk.server import admin
from kommune_desk.server.db import SQLITE_FILE, IntegrityConflictError, SqliteServerDatabase
from kommune_desk.services.cases import add_note
from kommune_desk.services.clerks import add_clerk
from kommune_desk.services.pool import book_device, cancel_loan, register_device
from kommune_desk.services.sync import sync_once
from kommune_desk.services.workflow import claim_case, set_follow_up
from kommune_desk.services.workspace import load_workspace
from kommune_desk.sync.errors import SyncError
from tests.sync.fault_support import (
    InterruptedRoundError,
    LoopbackProxy,
    assert_converged,
    enrol_workstation,
    expire_access_token,
    interrupt_at,
    overlapping_blocking_loans,
    processed,
    register,
    rows,
    second_office,
    server_rows,
    sync_until_quiet,
)
from tests.sync.harness import ServerThread, add_town, enrolled_workstation

TODAY = dt.date(2026, 11, 25)


# --- 8. overlapping bookings pushed at the same moment (both backends) ----------------------


def test_concurrent_overlapping_bookings_never_both_stand(server: ServerThread, tmp_path: Path) -> None:
    nauheim = enrolled_workstation(
        server, add_town(server.db, "06433009", "Nauheim", "NAU"), tmp_path / "n", "anna"
    )
    trebur = enrolled_workstation(
        server, add_town(server.db, "06433012", "Trebur", "TRE"), tmp_path / "t", "tom"
    )
    camera = register_device(nauheim, "KGG-KS-001", "Wärmebildkamera testo 865", "Wärmebildkamera")
    sync_once(nauheim.db)
    sync_once(trebur.db)

    winners: list[str] = []
    for week in range(12):
        start = TODAY + dt.timedelta(days=1 + 7 * week)
        ours = book_device(nauheim, camera, start, start + dt.timedelta(days=2), "Erika M.", today=TODAY)
        theirs = book_device(
            trebur, camera, start + dt.timedelta(days=1), start + dt.timedelta(days=3), "Max B.", today=TODAY
        )
        barrier = threading.Barrier(2)
        reports: dict[str, object] = {}

        def push(ws, key: str, barrier=barrier, reports=reports) -> None:  # type: ignore[no-untyped-def]
            barrier.wait()
            try:
                reports[key] = sync_once(ws.db)
            except Exception as exc:  # re-raised below, in the test's thread
                reports[key] = exc

        threads = [
            threading.Thread(target=push, args=(ws, key)) for ws, key in ((nauheim, "n"), (trebur, "t"))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        for report in reports.values():
            if isinstance(report, Exception):
                raise report
        assert sum(r.conflicts for r in reports.values()) == 1  # type: ignore[attr-defined]
        assert overlapping_blocking_loans(server.db) == []
        standing = {
            r[0]
            for r in server_rows(server.db, "SELECT id FROM entities WHERE kind = 'loans' AND NOT deleted")
        } & {ours, theirs}
        assert len(standing) == 1
        winners.append("n" if ours in standing else "t")
        (booked,) = server_rows(
            server.db,
            "SELECT count(*) FROM pool_bookings WHERE blocking = TRUE AND loan_id IN (?, ?)",
            ours,
            theirs,
        )
        assert booked == (1,)

    sync_until_quiet([nauheim, trebur])
    for ws in (nauheim, trebur):
        assert_converged(ws.db, server.db)
    assert len(rows(nauheim.db, "SELECT id FROM loans")) == 12
    # Each loser holds one conflict record per lost week, in its own scope only.
    assert rows(nauheim.db, "SELECT count(*) FROM sync_conflicts") == [(winners.count("t"),)]
    assert rows(trebur.db, "SELECT count(*) FROM sync_conflicts") == [(winners.count("n"),)]


def test_postgresql_refuses_overlapping_blocking_bookings_itself(pg_url: str) -> None:
    """The second wall: an exclusion constraint, whatever the arbiter checked before."""
    from kommune_desk.server.db import PostgresServerDatabase

    db = PostgresServerDatabase(pg_url)
    try:
        admin.prepare(db)
        (constraint,) = server_rows(
            db,
            "SELECT contype, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conname = 'pool_bookings_no_overlap'",
        )
        assert constraint[0] == "x"
        assert (
            "gist" in constraint[1] and "daterange" in constraint[1] and "WHERE (blocking)" in constraint[1]
        )
        insert = (
            "INSERT INTO pool_bookings (loan_id, device_id, start_date, end_date, municipality_id, blocking)"
            " VALUES (?, 'cam', ?, ?, 'm', ?)"
        )
        with db.transaction() as tx:
            tx.execute(insert, ("a", "2026-12-01", "2026-12-05", True))
            tx.execute(insert, ("cancelled", "2026-12-02", "2026-12-03", False))  # storniert blocks nothing
        with pytest.raises(IntegrityConflictError, match="pool_bookings_no_overlap"), db.transaction() as tx:
            tx.execute(insert, ("b", "2026-12-05", "2026-12-08", True))  # one shared day is enough
        with db.transaction() as tx:
            tx.execute(insert, ("c", "2026-12-06", "2026-12-08", True))
        assert [r[0] for r in server_rows(db, "SELECT loan_id FROM pool_bookings ORDER BY loan_id")] == [
            "a", "c", "cancelled",
        ]  # fmt: skip
    finally:
        db.close()


# --- different fields of one case from two offices ------------------------------------------


def _next_second() -> None:
    now = time.time()
    time.sleep(math.ceil(now) - now + 0.01)


def test_two_offices_change_different_fields_of_one_case_and_both_stand(
    server: ServerThread, tmp_path: Path
) -> None:
    """Only a same-field edit is a conflict: a claim in one office and a Wiedervorlage in the other
    office of the same town both stand (each write also stamps ``updated_at``, which is no field
    a clerk edits)."""
    town = add_town(server.db, "06433009", "Nauheim", "NAU")
    admin_ws = enrolled_workstation(server, town, tmp_path / "a", "anna")
    add_clerk(admin_ws, "sara", "Sara Sachbearbeiterin", Role.SACHBEARBEITUNG)
    first = load_workspace(admin_ws.db, "sara")
    application_id = register(first)
    sync_once(first.db)
    second = enrol_workstation(
        server.db, server.url, second_office(server.db, town, "Außenstelle", "NAX"), tmp_path / "b", "sara"
    )
    _next_second()  # timestamps have seconds precision: each edit in its own second
    claim_case(first, application_id)
    _next_second()
    set_follow_up(second, application_id, dt.date(2026, 12, 1), "Gutachten prüfen")
    assert sync_once(first.db).conflicts == 0
    assert sync_once(second.db).conflicts == 0
    sync_until_quiet([first, second])
    for ws in (first, second):
        assert rows(
            ws.db, "SELECT assignee_id, follow_up_on FROM applications WHERE id = ?", application_id
        ) == [(first.clerk.id, "2026-12-01")]
        assert_converged(ws.db, server.db)
    # The same field changed both ways is still a conflict.
    set_follow_up(first, application_id, dt.date(2026, 12, 7), "A")
    set_follow_up(second, application_id, dt.date(2026, 12, 8), "B")
    assert sync_once(first.db).conflicts == 0
    assert sync_once(second.db).conflicts == 1
    sync_until_quiet([first, second])
    for ws in (first, second):
        assert rows(ws.db, "SELECT follow_up_on FROM applications WHERE id = ?", application_id) == [
            ("2026-12-07",)
        ]
        assert_converged(ws.db, server.db)


# --- 9. many offices, random work, random faults ---------------------------------------------

INTERRUPTIONS = (
    "push:before-send", "push:after-send", "pull:before-apply", "pull:inside-apply",
    "token:before-send", "token:after-send", "token:after-save",
)  # fmt: skip
NOTES = ("Rückruf erbeten.", "Unterlagen nachgereicht.", "Ortstermin vereinbart.", "Gebühr erläutert.")


class OfficesUnderFaults(RuleBasedStateMachine):
    """Three offices — two of Nauheim (Rathaus and Außenstelle), one of Trebur — share two
    Nauheim cases and a pool camera, through a proxy that loses requests and answers, with
    rounds broken off at the failpoints and the server restarted under them."""

    workdir: Path

    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(dir=self.workdir))
        self.server_db = SqliteServerDatabase(self.dir / "server" / SQLITE_FILE)
        admin.prepare(self.server_db)
        self.server = ServerThread(self.server_db).start()
        self.proxy = LoopbackProxy(self.server.port)
        nauheim = add_town(self.server_db, "06433009", "Nauheim", "NAU")
        trebur = add_town(self.server_db, "06433012", "Trebur", "TRE")
        annex = second_office(self.server_db, nauheim, "Außenstelle Nauheim", "NAX")
        town_hall = self._workstation(nauheim, "rathaus", "nina")
        self.shared = [register(town_hall, "Roß, Ingrid"), register(town_hall, "Öztürk, Ayşe")]
        self.camera = register_device(town_hall, "KGG-KS-001", "Wärmebildkamera testo 865", "Wärmebildkamera")
        sync_once(town_hall.db)
        trebur_office = self._workstation(trebur, "trebur", "theo")
        self.own = register(trebur_office, "Weiß, Jürgen")
        self.offices = [
            town_hall,
            self._workstation(annex, "aussenstelle", "nina", clerk_exists=True),
            trebur_office,
        ]
        self.faults = 0

    def _workstation(self, town, folder: str, login: str, clerk_exists: bool = False):  # type: ignore[no-untyped-def]
        ws = enrol_workstation(self.server_db, self.proxy.url, town, self.dir / folder, f"admin-{folder}")
        if not clerk_exists:
            add_clerk(ws, login, f"Person {login}", Role.SACHBEARBEITUNG)
            sync_once(ws.db)
        clerk = load_workspace(ws.db, login)
        assert clerk is not None
        return clerk

    def _case(self, office: int, which: int) -> str:
        return self.own if office == 2 else self.shared[which]

    # --- local work ------------------------------------------------------------------------

    @rule(office=st.integers(0, 2), which=st.integers(0, 1), day=st.none() | st.integers(1, 40))
    def follow_up(self, office: int, which: int, day: int | None) -> None:
        on = None if day is None else TODAY + dt.timedelta(days=day)
        set_follow_up(self.offices[office], self._case(office, which), on, "Wiedervorlage")

    @rule(office=st.integers(0, 2), which=st.integers(0, 1), text=st.sampled_from(NOTES))
    def note(self, office: int, which: int, text: str) -> None:
        add_note(self.offices[office], self._case(office, which), text)

    @rule(office=st.integers(0, 2), start=st.integers(0, 24), length=st.integers(0, 4))
    def book(self, office: int, start: int, length: int) -> None:
        first = TODAY + dt.timedelta(days=start)
        with contextlib.suppress(PoolError):  # refused locally: the office knows a clashing booking
            book_device(
                self.offices[office], self.camera, first, first + dt.timedelta(days=length), "Person",
                today=TODAY,
            )  # fmt: skip

    @rule(office=st.integers(0, 2), pick=st.integers(0, 99))
    def cancel(self, office: int, pick: int) -> None:
        ws = self.offices[office]
        own = rows(
            ws.db,
            "SELECT id FROM loans WHERE borrower_municipality_id = ? AND status = 'reserviert' ORDER BY id",
            ws.municipality.id,
        )
        if own:
            cancel_loan(ws, own[pick % len(own)][0])

    # --- syncs and faults ------------------------------------------------------------------

    @rule(office=st.integers(0, 2))
    def sync(self, office: int) -> None:
        with contextlib.suppress(SyncError):  # a lost request or answer: the next round goes on
            sync_once(self.offices[office].db)

    @rule(office=st.integers(0, 2))
    def tokens_run_out(self, office: int) -> None:
        expire_access_token(self.offices[office].db)

    @rule(path=st.sampled_from(["/v1/hello", "/v1/push", "/v1/pull", "/v1/token"]), answer=st.booleans())
    def lose_next(self, path: str, answer: bool) -> None:
        (self.proxy.drop_response if answer else self.proxy.drop_request)(path)
        self.faults += 1

    @rule(office=st.integers(0, 2), answer=st.booleans())
    def refresh_lost(self, office: int, answer: bool) -> None:
        """A refresh whose request, or whose answer after the server committed, is lost."""
        expire_access_token(self.offices[office].db)
        (self.proxy.drop_response if answer else self.proxy.drop_request)("/v1/token")
        with contextlib.suppress(SyncError):
            sync_once(self.offices[office].db)
        self.faults += 1

    @rule(office=st.integers(0, 2), point=st.sampled_from(INTERRUPTIONS))
    def broken_off(self, office: int, point: str) -> None:
        if point.startswith("token:"):
            expire_access_token(self.offices[office].db)  # so that this round refreshes
        with interrupt_at(point):
            try:
                sync_once(self.offices[office].db)
            except (InterruptedRoundError, SyncError):
                self.faults += 1

    @rule()
    def restart_server(self) -> None:
        self.server.stop()
        self.server = ServerThread(self.server_db).start()
        self.proxy.target_port = self.server.port

    # --- what must always hold -------------------------------------------------------------

    @invariant()
    def never_two_blocking_loans_on_one_day(self) -> None:
        assert overlapping_blocking_loans(self.server_db) == []

    @invariant()
    def no_workstation_is_ever_locked_out(self) -> None:
        # Lost token answers and refreshes broken off anywhere are faults, never a copied token.
        assert server_rows(self.server_db, "SELECT id FROM clients WHERE revoked_at IS NOT NULL") == []

    def teardown(self) -> None:
        try:
            self.proxy.disarm()
            sync_until_quiet(self.offices, rounds=8)
            for ws in self.offices:
                assert_converged(ws.db, self.server_db)
            mutation_ids = [r[0] for r in processed(self.server_db)]
            assert len(mutation_ids) == len(set(mutation_ids))
        finally:
            self.proxy.close()
            self.server.stop()
            for ws in self.offices:
                ws.db.close()
            self.server_db.close()


def test_offices_converge_under_random_work_and_faults(tmp_path: Path) -> None:
    OfficesUnderFaults.workdir = tmp_path
    run_state_machine_as_test(
        OfficesUnderFaults,
        settings=settings(
            derandomize=True, database=None, max_examples=12, stateful_step_count=40, deadline=None,
            suppress_health_check=[HealthCheck.too_slow], report_multiple_bugs=False,
        ),
    )  # fmt: skip
