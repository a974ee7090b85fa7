"""The demo network: deterministic, realistic, all or nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import random
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from kommune_desk.demo import content
from kommune_desk.demo.generator import (
    HISTORY_DAYS,
    DemoOptions,
    build_reference,
    iter_usage_events,
)
from kommune_desk.demo.pool import build_pool
from kommune_desk.domain import formatting, ids
from kommune_desk.domain.catalogue import STANDARD_SERVICES
from kommune_desk.domain.notices import NoticeStatus
from kommune_desk.domain.pool import Booking, checklist_from_json, checklist_items, overlapping
from kommune_desk.domain.records import ApplicationStatus, Role
from kommune_desk.domain.retention import ANONYMISED_NAME, retain_until
from kommune_desk.domain.usage import ONLINE_PAYMENT_METHODS, local_day
from kommune_desk.domain.validation import ValidationError
from kommune_desk.domain.waitlist import WaitEntry, hold
from kommune_desk.domain.workflow import Step, WorkflowError
from kommune_desk.services import workflow as services_workflow
from kommune_desk.services.cases import read_case
from kommune_desk.services.demo import DemoCancelledError, build_demo, is_demo_database
from kommune_desk.services.notices import list_notices, notice_pdf, ready_to_send
from kommune_desk.services.statistics import Period, usage_report
from kommune_desk.services.workflow import take_step
from kommune_desk.services.workspace import Workspace, load_workspace
from kommune_desk.storage import audit as storage_audit
from kommune_desk.storage.database import DATABASE_FILE, Database
from kommune_desk.storage.files import blob_path

from .conftest import DATA_TABLES, LOGIN, SMALL_DEMO, TODAY


def _dump(directory: Path) -> dict[str, list[tuple[object, ...]]]:
    conn = sqlite3.connect(directory / DATABASE_FILE)
    try:
        return {
            table: conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall() for table in DATA_TABLES
        }
    finally:
        conn.close()


def _build(directory: Path, options: DemoOptions) -> None:
    db = Database.open(directory)
    try:
        build_demo(db, options)
    finally:
        db.close()


def test_same_seed_gives_the_same_data(demo_template: Path, tmp_path: Path) -> None:
    _build(tmp_path / "again", SMALL_DEMO)
    assert _dump(tmp_path / "again") == _dump(demo_template)


def test_another_seed_gives_other_data(demo_template: Path, tmp_path: Path) -> None:
    options = DemoOptions(
        SMALL_DEMO.applications,
        SMALL_DEMO.events,
        seed=8,
        today=SMALL_DEMO.today,
        os_login=SMALL_DEMO.os_login,
    )
    _build(tmp_path / "other", options)
    assert _dump(tmp_path / "other")["applications"] != _dump(demo_template)["applications"]


def test_demo_is_the_kreis_gross_gerau_with_moerfelden_walldorf_local(demo_workspace: Workspace) -> None:
    conn = demo_workspace.db.reader()
    names = {r[0] for r in conn.execute("SELECT name FROM municipalities")}
    assert names == {t[1] for t in content.TOWNS} | {"Kreis Groß-Gerau"}
    assert len(names) == 14
    assert demo_workspace.municipality.name == "Mörfelden-Walldorf"
    assert demo_workspace.clerk is not None and demo_workspace.clerk.os_login == SMALL_DEMO.os_login
    services = {r[0] for r in conn.execute("SELECT name FROM services")}
    assert {
        "Hundesteuer – Anmeldung",
        "Sondernutzungserlaubnis",
        "Gewerbeanmeldung",
        "Förderantrag Balkonkraftwerk",
        "Bewohnerparkausweis",
        "Baumfällgenehmigung",
        "Genehmigung Osterfeuer",
    } <= services
    ibans = [r[0] for r in conn.execute("SELECT iban FROM municipalities")]
    assert all(int(i[4:] + "1314" + i[2:4]) % 97 == 1 for i in ibans)  # valid IBAN check digits


def test_demo_covers_every_state_two_years_and_all_kinds_of_rows(demo_workspace: Workspace) -> None:
    conn = demo_workspace.db.reader()
    states = {r[0] for r in conn.execute("SELECT DISTINCT status FROM applications")}
    assert states == {s.value for s in ApplicationStatus}
    first, last = conn.execute("SELECT min(received_at), max(received_at) FROM applications").fetchone()
    assert first < "2024-12-01" and last > "2026-11-20"
    assert conn.execute("SELECT count(*) FROM applications").fetchone()[0] == SMALL_DEMO.applications
    assert conn.execute("SELECT count(*) FROM usage_events").fetchone()[0] == SMALL_DEMO.events
    kinds = {r[0] for r in conn.execute("SELECT DISTINCT kind FROM usage_events")}
    assert kinds == {"gestartet", "schritt", "abgebrochen", "abgeschickt", "bezahlt", "bewertet"}
    # A case's processing ends with the notice sent or the case closed: only those have an end.
    ended = dict(
        conn.execute("SELECT status, count(completed_at) FROM applications GROUP BY status").fetchall()
    )
    assert {s for s, n in ended.items() if n} == {"bescheid_versandt", "abgeschlossen"}
    assert conn.execute(
        "SELECT count(*) FROM applications WHERE completed_at < decided_at OR completed_at < received_at"
    ).fetchone() == (0,)
    loans = {r[0] for r in conn.execute("SELECT DISTINCT status FROM loans")}
    assert loans == {"reserviert", "ausgegeben", "zurueckgegeben", "storniert"}
    assert conn.execute("SELECT count(*) FROM devices WHERE name LIKE 'Wärmebildkamera%'").fetchone()[0] >= 4
    # Aktenzeichen are unique and follow office-year-number
    assert (
        conn.execute(
            "SELECT count(*) FROM applications"
            " WHERE aktenzeichen NOT GLOB 'MW-20[0-9][0-9]-[0-9][0-9][0-9][0-9][0-9]'"
        ).fetchone()[0]
        == 0
    )


def test_no_device_is_out_twice_at_the_same_time(demo_workspace: Workspace) -> None:
    overlapping = (
        demo_workspace.db.reader()
        .execute(
            "SELECT count(*) FROM loans a JOIN loans b ON a.device_id = b.device_id AND a.id < b.id"
            " WHERE a.status != 'storniert' AND b.status != 'storniert'"
            " AND a.start_date <= b.end_date AND b.start_date <= a.end_date"
        )
        .fetchone()[0]
    )
    assert overlapping == 0


# --- the shared equipment pool ---------------------------------------------------------------


def _rows(conn: sqlite3.Connection, sql: str, *params: object) -> list[dict[str, object]]:
    cursor = conn.execute(sql, params)
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _bookings(conn: sqlite3.Connection) -> list[Booking]:
    return [
        Booking(r[0], r[1], dt.date.fromisoformat(r[2]), dt.date.fromisoformat(r[3]), r[4], r[5])
        for r in conn.execute(
            "SELECT id, device_id, start_date, end_date, status, borrower_municipality_id FROM loans"
        )
    ]


def test_the_pool_has_every_kind_of_device_across_owners(demo_workspace: Workspace) -> None:
    conn = demo_workspace.db.reader()
    in_use = dict(
        conn.execute(
            "SELECT category, count(*) FROM devices WHERE status != 'ausgemustert' GROUP BY category"
        ).fetchall()
    )
    assert in_use["Wärmebildkamera"] >= 8 and in_use["Energiekostenmessgerät"] >= 6
    assert in_use["CO₂-Messgerät"] >= 4 and in_use["Datenlogger"] >= 4
    assert in_use["Blower-Door-Messset"] >= 1 and in_use["Lastenrad"] >= 3 and in_use["Infostand"] >= 1
    assert 25 <= sum(in_use.values()) <= 40
    statuses = {r[0] for r in conn.execute("SELECT status FROM devices")}
    assert statuses == {"verfuegbar", "wartung", "vermisst", "ausgemustert"}
    devices = _rows(
        conn,
        "SELECT d.*, o.code FROM devices d JOIN offices o ON o.municipality_id = d.home_municipality_id",
    )
    owners = {d["home_municipality_id"] for d in devices}
    assert len(owners) >= 5  # the Kreis and several towns
    bikes = {d["home_municipality_id"] for d in devices if d["category"] == "Lastenrad"}
    assert len(bikes) >= 2
    codes = dict(conn.execute("SELECT name, 1 FROM device_types").fetchall())
    assert set(codes) == set(in_use)
    for d in devices:  # KGG-WBK-01, MW-EM-02: owner, type, running number
        assert re.fullmatch(rf"{d['code']}-(WBK|EM|CO2|DL|BD|LR|IS)-\d{{2}}", str(d["inventory_number"]))
        assert d["name"] and d["model"] and d["condition"]
        accessories = json.loads(str(d["accessories"]))
        assert isinstance(accessories, list) and accessories
        if d["status"] != "ausgemustert":
            assert int(str(d["replacement_value_cents"])) > 0
        if d["status"] in ("wartung", "vermisst", "ausgemustert"):
            assert d["notes"]
    assert {d["make"] for d in devices} >= {
        "FLIR",
        "Testo",
        "Voltcraft",
        "Brennenstuhl",
        "Aranet",
        "Urban Arrow",
    }
    # Some devices are kept away from home; each got there by a recorded move.
    moved = [d for d in devices if d["location_municipality_id"] != d["home_municipality_id"]]
    assert moved
    for d in moved:
        last = conn.execute(
            "SELECT to_municipality_id FROM device_transfers WHERE device_id = ?"
            " ORDER BY moved_on DESC LIMIT 1",
            (d["id"],),
        ).fetchone()
        assert last == (d["location_municipality_id"],)


def test_device_types_carry_the_pools_loan_policies(demo_workspace: Workspace) -> None:
    conn = demo_workspace.db.reader()
    policies = {
        r[0]: r[1:]
        for r in conn.execute(
            "SELECT name, loan_days, max_renewals, deposit_cents, pickup_days, municipality_id"
            " FROM device_types"
        )
    }
    kreis = conn.execute("SELECT id FROM municipalities WHERE kind = 'kreis'").fetchone()[0]
    assert policies["Wärmebildkamera"] == (7, 1, 5000, 3, kreis)
    assert policies["Energiekostenmessgerät"][:3] == (14, 2, 0)
    assert policies["Blower-Door-Messset"][:3] == (3, 0, 20000)
    assert policies["Lastenrad"][:3] == (3, 1, 10000)
    assert {p[4] for p in policies.values()} == {kreis}


def test_no_device_is_booked_twice_for_the_same_days(demo_workspace: Workspace) -> None:
    conn = demo_workspace.db.reader()
    bookings = _bookings(conn)
    assert not [b for b in bookings if overlapping(b, bookings)]
    # Neither is a device lent again before it came back.
    loans = _rows(
        conn,
        "SELECT device_id, start_date, end_date, returned_at FROM loans WHERE status != 'storniert'"
        " ORDER BY device_id, start_date",
    )
    for before, after in itertools.pairwise(loans):
        if before["device_id"] == after["device_id"]:
            back = max(str(before["end_date"]), str(before["returned_at"] or "")[:10])
            assert str(after["start_date"]) > back


def test_two_heating_seasons_of_loans_with_handovers_and_returns(demo_workspace: Workspace) -> None:
    conn = demo_workspace.db.reader()
    towns = {r[0] for r in conn.execute("SELECT DISTINCT borrower_municipality_id FROM loans")}
    assert len(towns) == 14  # the 13 towns and the Kreis
    winters = dict(
        conn.execute(
            "SELECT CASE WHEN start_date < '2025-06-01' THEN 1 WHEN start_date < '2026-06-01' THEN 2"
            " ELSE 3 END, count(*) FROM loans l JOIN devices d ON d.id = l.device_id"
            " WHERE d.category = 'Wärmebildkamera'"
            " AND substr(start_date, 6, 2) IN ('10', '11', '12', '01', '02', '03') GROUP BY 1"
        ).fetchall()
    )
    assert winters[1] >= 30 and winters[2] >= 60 and winters[3] >= 30
    summer = conn.execute(
        "SELECT count(*) FROM loans WHERE substr(start_date, 6, 2) IN ('06', '07', '08')"
    ).fetchone()[0]
    assert summer >= 10
    accessories = {r[0]: json.loads(r[1]) for r in conn.execute("SELECT id, accessories FROM devices")}
    loans = _rows(conn, "SELECT * FROM loans")
    for loan in loans:
        handed = loan["status"] in ("ausgegeben", "zurueckgegeben")
        assert (loan["handed_over_at"] is not None) == handed
        assert (loan["returned_at"] is not None) == (loan["status"] == "zurueckgegeben")
        if handed:
            assert loan["handed_over_by"] == loan["borrower_municipality_id"]
            out = checklist_from_json(str(loan["checklist_out"]))
            assert [i.item for i in out] == checklist_items(accessories[loan["device_id"]])
            assert loan["condition_out"]
        if loan["returned_at"]:
            assert loan["returned_to"] == loan["borrower_municipality_id"]
            back = checklist_from_json(str(loan["checklist_in"]))
            assert all(i.ok for i in back) == (loan["damage"] is None)
            assert str(loan["returned_at"]) >= str(loan["handed_over_at"])
    assert any(loan["damage"] and "Fehlt" in str(loan["damage"]) for loan in loans)
    assert any(int(str(loan["renewals"])) > 0 for loan in loans)


def test_today_some_loans_run_some_are_overdue_and_more_are_reserved(demo_workspace: Workspace) -> None:
    conn = demo_workspace.db.reader()
    local = demo_workspace.municipality.id
    bookings = _bookings(conn)
    running = [b for b in bookings if b.status == "ausgegeben" and b.start <= TODAY <= b.end]
    overdue = [b for b in bookings if b.status == "ausgegeben" and b.end < TODAY]
    assert len(running) >= 5
    assert 2 <= len(overdue) <= 3
    assert any(b.municipality_id == local for b in overdue)
    assert any(b.municipality_id != local for b in overdue)
    assert len([b for b in bookings if b.status == "reserviert" and b.start > TODAY]) >= 10
    assert not [b for b in bookings if b.status == "reserviert" and b.end < TODAY]
    assert not [b for b in bookings if b.status == "zurueckgegeben" and b.end >= TODAY]
    assert any(b.status == "storniert" and b.start > TODAY for b in bookings)
    # Out of service devices have nothing running or reserved.
    assert (
        conn.execute(
            "SELECT count(*) FROM loans l JOIN devices d ON d.id = l.device_id"
            " WHERE d.status != 'verfuegbar' AND l.status IN ('reserviert', 'ausgegeben')"
        ).fetchone()[0]
        == 0
    )
    # The local overdue loan got a first reminder by post; other towns remind in their own database.
    (late,) = [b for b in overdue if b.municipality_id == local]
    reminders = conn.execute(
        "SELECT level, channel, sent_on FROM loan_reminders WHERE loan_id = ?", (late.loan_id,)
    )
    ((level, channel, sent_on),) = reminders.fetchall()
    assert (level, channel) == (1, "brief") and late.end < dt.date.fromisoformat(sent_on) < TODAY
    assert (
        conn.execute(
            "SELECT count(*) FROM loan_reminders r JOIN loans l ON l.id = r.loan_id"
            " WHERE l.borrower_municipality_id != r.municipality_id OR r.municipality_id != ?",
            (local,),
        ).fetchone()[0]
        == 0
    )


def test_borrowers_are_the_local_towns_only(demo_workspace: Workspace) -> None:
    conn = demo_workspace.db.reader()
    local = demo_workspace.municipality.id
    for table in ("borrowers", "loan_borrowers", "waitlist_borrowers"):
        assert {r[0] for r in conn.execute(f"SELECT DISTINCT municipality_id FROM {table}")} == {local}
    # Another town's borrower never reaches this database; every local loan names its borrower.
    assert (
        conn.execute(
            "SELECT count(*) FROM loans l JOIN loan_borrowers lb ON lb.id = l.id"
            " WHERE l.borrower_municipality_id != ?",
            (local,),
        ).fetchone()[0]
        == 0
    )
    assert (
        conn.execute(
            "SELECT count(*) FROM loans l LEFT JOIN loan_borrowers lb ON lb.id = l.id"
            " WHERE l.borrower_municipality_id = ? AND lb.borrower_id IS NULL",
            (local,),
        ).fetchone()[0]
        == 0
    )
    assert (
        conn.execute(
            "SELECT count(*) FROM waitlist_borrowers wb JOIN waitlist w ON w.id = wb.id"
            " WHERE w.municipality_id != ?",
            (local,),
        ).fetchone()[0]
        == 0
    )
    kinds = dict(conn.execute("SELECT kind, count(*) FROM borrowers GROUP BY kind").fetchall())
    assert kinds["buerger"] >= 20 and kinds["verein"] >= 1 and kinds["personal"] >= 1
    people = _rows(conn, "SELECT * FROM borrowers")
    assert all(p["privacy_ack_on"] for p in people)
    kept = [p for p in people if not p["anonymised_at"]]
    assert all(p["city"] == "Mörfelden-Walldorf" and p["postal_code"] == "64546" for p in kept)
    assert all(p["phone"] or p["email"] for p in kept)
    (blocked,) = [p for p in people if p["blocked_reason"]]
    assert "beschädigt" in str(blocked["blocked_reason"])
    gone = [p for p in people if p["anonymised_at"]]
    assert gone and all(p["name"] == ANONYMISED_NAME and not p["phone"] and not p["email"] for p in gone)
    assert (
        conn.execute(
            "SELECT count(*) FROM loan_borrowers lb JOIN borrowers b ON b.id = lb.borrower_id"
            " WHERE b.anonymised_at IS NOT NULL AND (lb.name != ? OR lb.contact != '')",
            (ANONYMISED_NAME,),
        ).fetchone()[0]
        == 0
    )


def test_retain_until_runs_from_the_last_closed_loan(demo_workspace: Workspace) -> None:
    conn = demo_workspace.db.reader()
    open_people = {
        r[0]
        for r in conn.execute(
            "SELECT lb.borrower_id FROM loan_borrowers lb JOIN loans l ON l.id = lb.id"
            " WHERE l.status IN ('reserviert', 'ausgegeben')"
            " UNION SELECT wb.borrower_id FROM waitlist_borrowers wb JOIN waitlist w ON w.id = wb.id"
            " WHERE w.status IN ('wartend', 'angeboten')"
        )
    }
    closed: dict[str, dt.date] = {}
    for person, status, returned, updated in conn.execute(
        "SELECT lb.borrower_id, l.status, l.returned_at, l.updated_at FROM loan_borrowers lb"
        " JOIN loans l ON l.id = lb.id WHERE l.status IN ('zurueckgegeben', 'storniert')"
    ):
        day = dt.date.fromisoformat(str(returned if status == "zurueckgegeben" else updated)[:10])
        closed[person] = max(day, closed.get(person, day))
    due = []
    for person, keep in conn.execute("SELECT id, retain_until FROM borrowers"):
        if person in open_people:
            assert keep is None
        else:
            assert keep == retain_until(closed[person]).isoformat()
            due += [person] if keep < TODAY.isoformat() else []
    pending = conn.execute(
        "SELECT count(*) FROM borrowers WHERE retain_until < ? AND anonymised_at IS NULL",
        (TODAY.isoformat(),),
    ).fetchone()[0]
    assert 1 <= pending <= 3  # retention has something to do today
    assert len(due) > pending  # the others were anonymised by earlier runs, which the log counts
    logged = conn.execute("SELECT sum(borrowers) FROM retention_log WHERE dry_run = 0").fetchone()[0]
    assert logged == len(due) - pending


def test_thermal_cameras_have_a_waiting_list(demo_workspace: Workspace) -> None:
    conn = demo_workspace.db.reader()
    entries = [
        WaitEntry(
            r["id"], r["municipality_id"], r["category"], dt.date.fromisoformat(r["start_date"]),
            dt.date.fromisoformat(r["end_date"]), r["status"], r["created_at"], r["offered_device_id"],
            dt.date.fromisoformat(r["offer_until"]) if r["offer_until"] else None,
        )
        for r in _rows(conn, "SELECT * FROM waitlist ORDER BY created_at")
    ]  # fmt: skip
    waiting = [e for e in entries if e.status == "wartend"]
    assert 3 <= len(waiting) <= 4
    assert all(e.category == "Wärmebildkamera" and TODAY < e.start <= e.end for e in waiting)
    assert len({e.municipality_id for e in waiting}) >= 3
    assert demo_workspace.municipality.id in {e.municipality_id for e in waiting}
    (offered,) = [e for e in entries if e.status == "angeboten"]
    held = hold(offered, TODAY)
    bookings = _bookings(conn)
    assert held is not None and not overlapping(held, bookings)
    assert offered.created_at < min(e.created_at for e in waiting)  # first come first
    # They wait because no camera is free on their days.
    cameras = [
        r[0]
        for r in conn.execute(
            "SELECT id FROM devices WHERE category = 'Wärmebildkamera' AND status = 'verfuegbar'"
        )
    ]
    late = {b.device_id for b in bookings if b.status == "ausgegeben" and b.end < TODAY}
    for entry in waiting:
        for camera in cameras:
            wish = Booking("neu", camera, entry.start, entry.end, "reserviert", entry.municipality_id)
            assert camera in late or overlapping(wish, [*bookings, held])
    # Who waits is named for the local town's entries only.
    named = {r[0] for r in conn.execute("SELECT id FROM waitlist_borrowers")}
    local = {e.id for e in entries if e.municipality_id == demo_workspace.municipality.id}
    assert {e.id for e in entries if e.status in ("wartend", "angeboten")} & local <= named <= local


def test_maintenance_is_due_for_some_devices(demo_workspace: Workspace) -> None:
    conn = demo_workspace.db.reader()
    latest = conn.execute(
        "SELECT d.inventory_number, m.next_due FROM device_maintenance m JOIN devices d ON d.id = m.device_id"
        " WHERE m.done_on = (SELECT max(done_on) FROM device_maintenance WHERE device_id = m.device_id)"
    ).fetchall()
    due = {number: dt.date.fromisoformat(day) for number, day in latest if day}
    assert any(day < TODAY for day in due.values())  # overdue
    assert any(TODAY <= day <= TODAY + dt.timedelta(days=14) for day in due.values())  # due soon
    calibrations = conn.execute(
        "SELECT count(*), sum(cost_cents > 0) FROM device_maintenance WHERE what LIKE '%Kalibrierung%'"
    ).fetchone()
    assert calibrations[0] >= 8 and calibrations[0] == calibrations[1]
    # No maintenance falls into a loan of the device.
    assert (
        conn.execute(
            "SELECT count(*) FROM device_maintenance m JOIN loans l ON l.device_id = m.device_id"
            " WHERE l.status IN ('ausgegeben', 'zurueckgegeben')"
            " AND m.done_on BETWEEN l.start_date AND l.end_date"
        ).fetchone()[0]
        == 0
    )


def test_a_local_clerk_runs_the_pool(demo_workspace: Workspace) -> None:
    managers = demo_workspace.db.reader().execute("SELECT display_name FROM clerks WHERE pool_manager = 1")
    assert managers.fetchall() == [(content.POOL_MANAGER,)]


def test_the_pool_is_the_same_whatever_the_number_of_applications() -> None:
    def pool(applications: int) -> dict[str, list[dict[str, object]]]:
        options = DemoOptions(applications, 0, seed=SMALL_DEMO.seed, today=TODAY, os_login=LOGIN)
        return build_pool(build_reference(options, random.Random(options.seed)), options).tables

    assert pool(0) == pool(SMALL_DEMO.applications)
    other = DemoOptions(0, 0, seed=8, today=TODAY, os_login=LOGIN)
    assert pool(0)["loans"] != build_pool(build_reference(other, random.Random(8)), other).tables["loans"]


def test_attachments_are_stored_by_hash(demo_workspace: Workspace) -> None:
    rows = (
        demo_workspace.db.reader().execute("SELECT DISTINCT sha256, display_name FROM attachments").fetchall()
    )
    assert rows
    for sha, name in rows:
        data = blob_path(demo_workspace.db.attachments_dir, sha).read_bytes()
        assert hashlib.sha256(data).hexdigest() == sha
        assert data.startswith(b"%PDF-")
        assert name.endswith(".pdf")


def test_demo_into_a_set_up_database_is_refused(demo_workspace: Workspace) -> None:
    with pytest.raises(ValidationError, match="bereits"):
        build_demo(demo_workspace.db, SMALL_DEMO)


def test_cancelled_demo_leaves_an_empty_database(db: Database) -> None:
    seen: list[int] = []

    def stop_after_first_chunk() -> bool:
        return len(seen) > 2

    with pytest.raises(DemoCancelledError):
        build_demo(db, SMALL_DEMO, progress=lambda p, _t: seen.append(p), should_stop=stop_after_first_chunk)
    conn = db.reader()
    for table in ("municipalities", "applications", "usage_events", "settings"):
        assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0


# --- the worked cases: real steps, real letters, 4-eyes ------------------------------------------
S = ApplicationStatus
WORKED_STATES = {s for s in ApplicationStatus if s is not S.KLAERUNG}  # Klärung is intake, not work


def _worked_cases(ws: Workspace) -> dict[str, str]:
    """id → status of every case a clerk has worked on (the bulk rows have no history)."""
    conn = ws.db.reader()
    try:
        rows = conn.execute(
            "SELECT id, status FROM applications WHERE id IN"
            " (SELECT entity_id FROM audit_log WHERE entity = 'application')"
        )
        return dict(rows.fetchall())
    finally:
        conn.close()


def _as(ws: Workspace, login: str) -> Workspace:
    other = load_workspace(ws.db, login)
    assert other is not None and other.clerk is not None
    return other


def test_worked_cases_are_in_every_state_with_letters_in_every_state(demo_workspace: Workspace) -> None:
    worked = _worked_cases(demo_workspace)
    assert {S(s) for s in worked.values()} == WORKED_STATES
    assert 15 <= len(worked) <= 25
    conn = demo_workspace.db.reader()
    letters = dict(conn.execute("SELECT status, count(*) FROM notices GROUP BY status").fetchall())
    assert set(letters) == {s.value for s in NoticeStatus}
    assert 10 <= sum(letters.values()) <= 20  # rendered PDFs cost time: enough to show every state
    kinds = {r[0] for r in conn.execute("SELECT DISTINCT kind FROM notices")}
    assert kinds == {"anforderung_unterlagen", "bewilligung", "ablehnung", "gebuehrenbescheid"}
    assert conn.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0  # the demo stays local


def test_a_case_went_the_whole_way_with_a_second_clerk_approving(demo_workspace: Workspace) -> None:
    """übernommen → Unterlagen nachgefordert (with the letter) → Entwurf → Freigabe by another
    clerk → Bescheid versandt, in this order, over days, as the case view shows it."""
    wanted = [
        "Übernommen",
        "Schreiben versandt",  # the Nachforderung
        "Unterlagen angefordert",
        "Unterlagen eingegangen",
        "Entscheidung entworfen",
        "Entscheidung freigegeben",
        "Schreiben freigegeben",
        "Schreiben versandt",
        "Bescheid als versandt vermerkt",
    ]
    found = None
    for application_id, status in _worked_cases(demo_workspace).items():
        if status == S.BESCHEID_VERSANDT:
            case = read_case(demo_workspace, application_id)
            whats = [h.what for h in case.history]
            if "Übernommen" in whats and "Unterlagen angefordert" in whats:
                found = case
    assert found is not None
    history = found.history
    remaining = iter(h.what for h in history)
    assert all(step in remaining for step in wanted)  # in this order (each found after the one before)
    stamps = [h.at for h in history]
    assert stamps == sorted(stamps)
    assert found.received_at < stamps[0] and stamps[-1] < dt.datetime.combine(TODAY, dt.time(), dt.UTC)
    assert stamps[-1] - stamps[0] > dt.timedelta(days=10)  # weeks of work, not one "now"
    drafted = next(h for h in history if h.what == "Entscheidung entworfen")
    approved = next(h for h in history if h.what == "Entscheidung freigegeben")
    assert drafted.who != approved.who and drafted.at < approved.at
    assert found.drafted_by_name == drafted.who
    letters = list_notices(demo_workspace, found.id)
    assert [(n.kind.label, n.status) for n in letters] == [
        ("Anforderung fehlender Unterlagen", NoticeStatus.VERSANDT),
        ("Bewilligungsbescheid", NoticeStatus.VERSANDT),
    ]
    request, notice = letters
    assert request.letter_date == request.posted_on < notice.letter_date <= notice.posted_on < TODAY
    assert notice.created_by_name == drafted.who and notice.released_by_name == approved.who
    assert notice_pdf(demo_workspace, notice.id).startswith(b"%PDF")  # archived, hash verified


def test_the_history_of_worked_cases_spreads_over_the_past_weeks(demo_workspace: Workspace) -> None:
    conn = demo_workspace.db.reader()
    days = {
        dt.date.fromisoformat(r[0][:10])
        for r in conn.execute(
            "SELECT at FROM audit_log WHERE entity = 'application' AND clerk_id IS NOT NULL"
        )
    }
    assert len(days) >= 12
    assert min(days) < TODAY - dt.timedelta(days=21) and max(days) < TODAY
    assert all(day.weekday() < 5 for day in days)  # office days


def test_released_letters_wait_in_bescheide_drucken(demo_workspace: Workspace) -> None:
    waiting = ready_to_send(demo_workspace)  # what Datei → Bescheide drucken … lists
    assert len(waiting) >= 3
    assert {n.status for n in waiting} == {NoticeStatus.FREIGEGEBEN}
    assert {n.kind.label for n in waiting} >= {"Bewilligungsbescheid", "Gebührenbescheid"}
    assert all(n.released_by_name and n.letter_date < TODAY for n in waiting)
    four_eyes = [n for n in waiting if n.released_by_name != n.created_by_name]
    assert four_eyes  # released by a Teamleitung who did not write it


def test_the_os_login_is_a_teamleitung(demo_workspace: Workspace) -> None:
    clerk = demo_workspace.clerk
    assert clerk is not None and clerk.os_login == LOGIN and clerk.role is Role.TEAMLEITUNG


def test_the_second_demo_clerk_drafts_and_a_teamleitung_approves(demo_workspace: Workspace) -> None:
    """The 4-eyes step from both sides, through the real workflow service."""
    murat = _as(demo_workspace, content.DEMO_COLLEAGUE)
    renate = _as(demo_workspace, content.DEMO_SECOND_LEAD)
    assert murat.clerk is not None and murat.clerk.role is Role.SACHBEARBEITUNG
    assert renate.clerk is not None and renate.clerk.role is Role.TEAMLEITUNG
    drafts = {}  # drafter's name → a worked case of theirs waiting for approval
    for application_id, status in _worked_cases(demo_workspace).items():
        case = read_case(demo_workspace, application_id)
        if status == S.ENTSCHEIDUNG_ENTWORFEN and case.service and case.service.four_eyes:
            drafts[case.drafted_by_name] = case
    murats, janas = drafts[murat.clerk.display_name], drafts[demo_workspace.clerk.display_name]
    assert janas.drafted_by_name == "Jana Becker" == demo_workspace.clerk.display_name

    with pytest.raises(WorkflowError, match="nur die Teamleitung"):
        take_step(murat, murats.id, Step.FREIGEBEN)
    take_step(demo_workspace, murats.id, Step.FREIGEBEN)  # the OS login approves Murat's draft
    assert read_case(demo_workspace, murats.id).status is S.FREIGEGEBEN

    with pytest.raises(WorkflowError, match="eigenen Entwurf"):
        take_step(demo_workspace, janas.id, Step.FREIGEBEN)
    take_step(renate, janas.id, Step.FREIGEBEN)  # the second Teamleitung approves the first's
    approved = read_case(demo_workspace, janas.id).history[-1]
    assert approved.what == "Entscheidung freigegeben" and approved.who == "Renate Hofmann"


def test_todays_wiedervorlage_shows_the_way_through_the_4_eyes_step(demo_workspace: Workspace) -> None:
    due = [
        read_case(demo_workspace, application_id)
        for application_id in _worked_cases(demo_workspace)
        if read_case(demo_workspace, application_id).follow_up_on == TODAY
    ]
    notes = {(c.status, c.assignee_name): c.follow_up_note for c in due}
    assert "bitte freigeben" in notes[(S.ENTSCHEIDUNG_ENTWORFEN, "Murat Yılmaz")]
    assert "Renate Hofmann" in notes[(S.ENTSCHEIDUNG_ENTWORFEN, "Jana Becker")]
    assert "Entscheidung entwerfen" in notes[(S.IN_BEARBEITUNG, "Murat Yılmaz")]  # for --als m.yilmaz
    assert "freigeben und drucken" in notes[(S.FREIGEGEBEN, "Sabine Weiß")]


def test_a_letter_written_by_the_colleague_waits_for_the_teamleitung(demo_workspace: Workspace) -> None:
    waiting = [
        n
        for application_id in _worked_cases(demo_workspace)
        for n in list_notices(demo_workspace, application_id)
        if n.status is NoticeStatus.ENTWURF
    ]
    assert waiting
    # At least one draft is the OS login's to release (4-eyes: written and drafted by others).
    assert any(n.release_refusal is None for n in waiting)


def test_another_clerk_only_in_the_demo(
    demo_workspace: Workspace, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kommune_desk import app

    errors: list[str] = []
    monkeypatch.setattr(app, "show_error", lambda _parent, title, _message: errors.append(title))
    murat = app._as_demo_clerk(demo_workspace, content.DEMO_COLLEAGUE)
    assert murat is not None and murat.clerk is not None and murat.clerk.display_name == "Murat Yılmaz"
    assert app._as_demo_clerk(demo_workspace, "niemand") is None
    assert app._as_demo_clerk(workspace, LOGIN) is None  # real data: always one's own login
    assert errors == ["Anmeldung in der Demo unbekannt", "Nur in der Demo möglich"]
    assert is_demo_database(demo_workspace.db) and not is_demo_database(workspace.db)


def test_cancelling_while_cases_are_worked_leaves_nothing_and_the_real_clock(db: Database) -> None:
    def stop_at_the_story() -> bool:
        return bool(seen) and seen[-1] >= 96

    seen: list[int] = []
    with pytest.raises(DemoCancelledError):
        build_demo(db, SMALL_DEMO, progress=lambda p, _t: seen.append(p), should_stop=stop_at_the_story)
    conn = db.reader()
    for table in ("applications", "notices", "audit_log", "outbox"):
        assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0
    assert services_workflow.utc_now_iso is formatting.utc_now_iso  # the services stamp "now" again
    assert storage_audit.uuid7 is ids.uuid7


def test_a_demo_dated_ahead_has_no_worked_cases(tmp_path: Path) -> None:
    """The services refuse to post a letter on a day still to come: no story then, but a demo."""
    ahead = DemoOptions(200, 100, seed=3, today=dt.date.today() + dt.timedelta(days=40), os_login=LOGIN)
    database = Database.open(tmp_path / "ahead")
    try:
        summary = build_demo(database, ahead)
        assert summary.worked_cases == 0 and summary.applications == 200
    finally:
        database.close()


# --- the story the usage statistics tell -------------------------------------------------------

# Large enough that the services' figures are not hidden as small counts; few applications.
STORY_DEMO = DemoOptions(applications=100, events=40_000, seed=7, today=TODAY, os_login=LOGIN)
LEIKA = {entry.name: entry.leika_id for entry in STANDARD_SERVICES}
PARKING = LEIKA["Bewohnerparkausweis"]  # short, but a third leave on the payment page
BALCONY = LEIKA["Förderantrag Balkonkraftwerk"]  # long, growing, rated worst
DOG = LEIKA["Hundesteuer – Anmeldung"]  # short and free, peaks in January
TRADE = LEIKA["Gewerbeanmeldung"]  # ELSTER, giropay and invoice
EASTER = LEIKA["Genehmigung Osterfeuer"]  # March
GRAVE = LEIKA["Antrag auf Grabnutzungsrecht"]  # 850 euros, on invoice
HISTORY = Period(TODAY - dt.timedelta(days=HISTORY_DAYS - 1), TODAY)


def _months() -> list[Period]:
    """The two years of whole months up to TODAY's month: December 2024 … November 2026."""
    firsts = [dt.date(2024 + (11 + i) // 12, (11 + i) % 12 + 1, 1) for i in range(24)]
    return [
        Period(first, (first + dt.timedelta(days=31)).replace(day=1) - dt.timedelta(days=1))
        for first in firsts
    ]


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    database = Database.open(tmp_path_factory.mktemp("story"))
    build_demo(database, STORY_DEMO)
    ws = load_workspace(database, LOGIN)
    assert ws is not None
    yield ws
    database.close()


def _figures(ws: Workspace, leika_id: str | None = None, period: Period = HISTORY) -> dict:
    """The figures of one service (or of all), as the report shows them."""
    return usage_report(ws, period, leika_id=leika_id)["gesamt"]


def _started(ws: Workspace, leika_id: str | None, period: Period) -> int:
    return _figures(ws, leika_id, period)["gestartet"] or 0  # hidden (< 5) counts as none here


def _online_shares(figures: dict) -> dict[str, float]:
    """The FIT-Connect payment methods' shares (the town's counter payments left out)."""
    online = {m: n for m, n in figures["zahlarten"].items() if m in ONLINE_PAYMENT_METHODS and n is not None}
    return {m: n / sum(online.values()) for m, n in online.items()}


def _highest_mean(spread: dict[str, int | None]) -> float:
    """The highest mean rating the published spread allows (a hidden count is one of 1 … 4)."""
    hidden = [int(r) for r, n in spread.items() if n is None]
    shown = {int(r): n for r, n in spread.items() if n is not None}
    means = []
    for guess in itertools.product(range(1, 5), repeat=len(hidden)):
        counts = shown | dict(zip(hidden, guess, strict=True))
        means.append(sum(r * n for r, n in counts.items()) / sum(counts.values()))
    return max(means)


def test_a_third_give_up_on_the_payment_page_of_the_parking_permit(story: Workspace) -> None:
    parking = _figures(story, PARKING)
    funnel = [step["erreicht"] for step in parking["trichter"]]  # the last page is the payment
    assert 0.27 <= 1 - parking["abgeschickt"] / funnel[-1] <= 0.40
    assert 0.27 <= 1 - parking["abgeschickt"] / funnel[-2] <= 0.42  # from the page before it
    for entry in STANDARD_SERVICES:  # on the other services' payment pages few give up
        if entry.fee.amount_cents and entry.leika_id != PARKING:
            figures = _figures(story, entry.leika_id)
            assert 1 - figures["abgeschickt"] / figures["trichter"][-1]["erreicht"] < 0.2, entry.name


def test_a_long_form_loses_more_on_every_page_than_a_short_one(story: Workspace) -> None:
    def loss_per_page(figures: dict) -> float:  # from the second page to the last
        funnel = [step["erreicht"] for step in figures["trichter"]]
        return 1 - (funnel[-1] / funnel[1]) ** (1 / (len(funnel) - 2))

    dog, balcony = _figures(story, DOG), _figures(story, BALCONY)
    assert len(balcony["trichter"]) > len(dog["trichter"])
    assert dog["abbruchquote"] < 0.2 and balcony["abbruchquote"] > 0.4
    assert loss_per_page(balcony) > 2 * loss_per_page(dog)


def test_the_seasons_show(story: Workspace) -> None:
    months = _months()
    easter = {m.first: _started(story, EASTER, m) for m in months}
    for year in (2025, 2026):
        assert max((d for d in easter if d.year == year), key=easter.__getitem__).month == 3
    dog = {m.first: _started(story, DOG, m) for m in months}
    assert sorted(dog, key=dog.__getitem__)[-2:] in (
        [dt.date(2025, 1, 1), dt.date(2026, 1, 1)],
        [dt.date(2026, 1, 1), dt.date(2025, 1, 1)],
    )
    first_year = Period(HISTORY.first, HISTORY.first + dt.timedelta(days=364))
    second_year = Period(first_year.last + dt.timedelta(days=1), HISTORY.last)
    assert _started(story, BALCONY, second_year) > 1.5 * _started(story, BALCONY, first_year)

    def per_day(first: dt.date, last: dt.date) -> float:
        return _started(story, None, Period(first, last)) / ((last - first).days + 1)

    for year in (2025, 2026):  # the summer holidays, against the six weeks before them
        assert per_day(dt.date(year, 7, 1), dt.date(year, 8, 14)) < 0.8 * per_day(
            dt.date(year, 5, 15), dt.date(year, 6, 30)
        )
    for year in (2024, 2025):  # Christmas, against the weeks of Advent before it
        assert per_day(dt.date(year, 12, 23), dt.date(year + 1, 1, 1)) < 0.65 * per_day(
            dt.date(year, 12, 1), dt.date(year, 12, 22)
        )


def test_services_are_paid_in_their_own_ways(story: Workspace) -> None:
    parking, trade, grave = (_online_shares(_figures(story, s)) for s in (PARKING, TRADE, GRAVE))
    assert max(parking, key=parking.__getitem__) == "PAYPAL" and parking["PAYPAL"] > 0.4
    assert max(trade, key=trade.__getitem__) in ("GIROPAY", "INVOICE")
    assert trade.get("PAYPAL", 0) < 0.15 and trade["GIROPAY"] > 2 * parking["GIROPAY"]
    assert max(grave, key=grave.__getitem__) == "INVOICE" and grave["INVOICE"] > 0.4
    for leika_id in (DOG, BALCONY):  # no fee, nothing paid online
        assert not _online_shares(_figures(story, leika_id))


def test_citizens_sign_in_as_the_service_needs_and_use_the_app_more(story: Workspace) -> None:
    def most(figures: dict) -> str:
        return max(figures["anmeldung"], key=lambda a: figures["anmeldung"][a] or 0)

    assert most(_figures(story, DOG)) == "keine"
    assert most(_figures(story, TRADE)) == "elster"
    assert most(_figures(story, BALCONY)) == "bundid"
    everyone = _figures(story)
    assert set(everyone["anmeldung"]) == {"keine", "bundid", "elster", "eid", "sonstige"}
    assert everyone["anmeldung"]["sonstige"] > 0.05 * everyone["gestartet"]
    assert set(everyone["kanal"]) == {"web", "app"} and everyone["kanal"]["web"] > 0.7 * everyone["gestartet"]
    months = _months()
    first, last = (_figures(story, None, Period(p[0].first, p[-1].last)) for p in (months[:6], months[-6:]))
    assert last["kanal"]["app"] / last["gestartet"] > 1.5 * first["kanal"]["app"] / first["gestartet"]


def test_a_fifth_rate_the_service_and_one_is_rated_clearly_worse(story: Workspace) -> None:
    everyone = _figures(story)
    spread = everyone["bewertung"]["verteilung"]
    assert set(spread) == {"1", "2", "3", "4", "5"}
    assert 0.15 <= sum(spread.values()) / everyone["abgeschickt"] <= 0.25
    mean = everyone["bewertung"]["mittelwert"]
    assert mean is not None and mean > 3.5
    balcony = _figures(story, BALCONY)["bewertung"]["verteilung"]
    assert sum(n or 0 for n in balcony.values()) >= 50
    assert _highest_mean(balcony) < mean - 1.0  # whatever the hidden counts are


def test_every_month_of_the_two_years_has_sessions(story: Workspace, demo_workspace: Workspace) -> None:
    for ws in (story, demo_workspace):
        assert all(_started(ws, None, month) >= 5 for month in _months())


@pytest.mark.parametrize("events", [1_000, 20_000])
def test_the_events_fill_the_history_whatever_their_count(events: int) -> None:
    options = DemoOptions(applications=0, events=events, seed=3, today=TODAY, os_login=LOGIN)

    def generated() -> list[tuple[object, ...]]:
        rng = random.Random(options.seed)
        return list(iter_usage_events(build_reference(options, rng), options, rng))

    rows = generated()
    assert len(rows) == events
    started = {local_day(dt.datetime.fromisoformat(str(row[4]))) for row in rows if row[5] == "gestartet"}
    assert {(day.year, day.month) for day in started} >= {(m.first.year, m.first.month) for m in _months()}
    assert min(started) < dt.date(2024, 12, 1) and max(started) >= TODAY - dt.timedelta(days=7)
    assert generated() == rows


def test_same_seed_gives_the_same_figures(demo_workspace: Workspace, tmp_path: Path) -> None:
    _build(tmp_path / "again", SMALL_DEMO)
    database = Database.open(tmp_path / "again")
    try:
        again = load_workspace(database, LOGIN)
        assert again is not None
        for period in (HISTORY, *_months()):
            assert usage_report(again, period) == usage_report(demo_workspace, period)
    finally:
        database.close()
