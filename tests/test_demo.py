"""The demo network: deterministic, realistic, all or nothing."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from kommune_desk.demo import content
from kommune_desk.demo.generator import DemoOptions
from kommune_desk.domain.records import ApplicationStatus
from kommune_desk.domain.validation import ValidationError
from kommune_desk.services.demo import DemoCancelledError, build_demo
from kommune_desk.services.workspace import Workspace
from kommune_desk.storage.database import DATABASE_FILE, Database
from kommune_desk.storage.files import blob_path

from .conftest import DATA_TABLES, SMALL_DEMO


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
    assert kinds == {"gestartet", "schritt", "abgebrochen", "abgeschickt", "bezahlt"}
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
