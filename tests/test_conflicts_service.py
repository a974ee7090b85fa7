"""The Konflikte inbox against a real server on loopback: two workstations of one town edit the
same Wiedervorlage offline; the later one gets the conflict and answers it."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from kommune_desk.domain.validation import ValidationError
from kommune_desk.services.conflicts import (
    ACKNOWLEDGE,
    REAPPLY,
    ConflictResolutionError,
    list_conflicts,
    resolve_conflict,
)
from kommune_desk.services.sync import sync_once, sync_status
from kommune_desk.services.workflow import set_follow_up, take_step
from kommune_desk.services.workspace import Workspace
from tests.sync.conftest import _explicit_keyring  # noqa: F401  (autouse: tokens in a temp keyring)
from tests.sync.harness import ServerThread, add_town, enrolled_workstation
from tests.sync.test_sync_roundtrip import _register


@dataclass
class Clash:
    first: Workspace  # synced first: its note stands on the server
    second: Workspace  # synced later: its note is refused
    application_id: str


def _scalar(ws: Workspace, sql: str, *params: object) -> object:
    conn = ws.db.reader()
    try:
        return conn.execute(sql, params).fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def clash(server: ServerThread, tmp_path: Path) -> Clash:
    nauheim = add_town(server.db, "06433009", "Nauheim", "NAU")
    first = enrolled_workstation(server, nauheim, tmp_path / "a", "anna", "Anna Admin")
    application_id = _register(first)
    sync_once(first.db)
    second = enrolled_workstation(server, nauheim, tmp_path / "b", "anna")
    set_follow_up(first, application_id, dt.date(2026, 12, 1), "Rückruf Bauamt")
    set_follow_up(second, application_id, dt.date(2026, 12, 3), "Unterlagen prüfen")
    sync_once(first.db)
    sync_once(second.db)
    sync_once(second.db)  # the conflict record is pulled at the latest in the next round
    return Clash(first, second, application_id)


def test_the_later_workstation_sees_both_versions_in_german(clash: Clash) -> None:
    assert list_conflicts(clash.first) == []
    [conflict] = list_conflicts(clash.second)
    number = _scalar(clash.second, "SELECT aktenzeichen FROM applications WHERE id = ?", clash.application_id)
    assert conflict.what == f"Antrag {number}"
    assert "anderer Arbeitsplatz" in conflict.reason
    assert set(conflict.mine) == {"Wiedervorlage: 03.12.2026", "Notiz zur Wiedervorlage: Unterlagen prüfen"}
    assert set(conflict.theirs) == {"Wiedervorlage: 01.12.2026", "Notiz zur Wiedervorlage: Rückruf Bauamt"}
    assert conflict.actions == (ACKNOWLEDGE, REAPPLY)
    day, time = conflict.when.split(", ")
    assert len(day) == 10 and day[2] == day[5] == "." and len(time) == 5 and time[2] == ":"
    # the server's version is the local truth again until the clerk decides otherwise
    assert (
        _scalar(clash.second, "SELECT follow_up_note FROM applications WHERE id = ?", clash.application_id)
        == "Rückruf Bauamt"
    )
    assert sync_status(clash.second.db).open_conflicts == 1


def test_zur_kenntnis_resolves_once_and_is_pushed(clash: Clash) -> None:
    [conflict] = list_conflicts(clash.second)
    resolve_conflict(clash.second, conflict.id, ACKNOWLEDGE)

    assert list_conflicts(clash.second) == []
    [done] = list_conflicts(clash.second, include_resolved=True)
    assert (done.resolution, done.actions) == (ACKNOWLEDGE, ())
    outbox = (
        clash.second.db.reader()
        .execute("SELECT args, effects FROM outbox WHERE name = 'resolve_conflict' AND pushed_at IS NULL")
        .fetchall()
    )
    assert len(outbox) == 1
    args, effects = (json.loads(v) for v in outbox[0])
    assert args == {"id": conflict.id, "resolution": ACKNOWLEDGE}
    [effect] = effects
    assert (effect["kind"], effect["id"], effect["op"]) == ("sync_conflicts", conflict.id, "update")
    assert effect["set"]["resolution"] == ACKNOWLEDGE and effect["set"]["resolved_by"]
    audit = _scalar(clash.second, "SELECT count(*) FROM audit_log WHERE action = 'konflikt_geloest'")
    assert audit == 1

    with pytest.raises(ConflictResolutionError, match=r"bereits am .* erledigt"):
        resolve_conflict(clash.second, conflict.id, ACKNOWLEDGE)
    assert _scalar(clash.second, "SELECT count(*) FROM outbox WHERE name = 'resolve_conflict'") == 1

    report = sync_once(clash.second.db)
    assert report.conflicts == 0 and report.pending == 0
    sync_once(clash.first.db)  # the other workstation learns it is resolved
    [seen] = list_conflicts(clash.first, include_resolved=True)
    assert seen.resolution == ACKNOWLEDGE
    assert (
        _scalar(clash.first, "SELECT follow_up_note FROM applications WHERE id = ?", clash.application_id)
        == "Rückruf Bauamt"
    )


def test_erneut_anwenden_writes_my_note_again_and_both_agree(clash: Clash) -> None:
    [conflict] = list_conflicts(clash.second)
    resolve_conflict(clash.second, conflict.id, REAPPLY)

    names = [
        r[0]
        for r in clash.second.db.reader().execute(
            "SELECT name FROM outbox WHERE pushed_at IS NULL ORDER BY seq"
        )
    ]
    assert names == ["reapply_change", "resolve_conflict"]
    report = sync_once(clash.second.db)
    assert report.conflicts == 0
    sync_once(clash.first.db)
    for ws in (clash.first, clash.second):
        row = ws.db.reader().execute(
            "SELECT follow_up_on, follow_up_note FROM applications WHERE id = ?", (clash.application_id,)
        )
        assert row.fetchone() == ("2026-12-03", "Unterlagen prüfen")
    assert list_conflicts(clash.first) == list_conflicts(clash.second) == []


def test_a_refused_workflow_step_cannot_be_applied_again(clash: Clash) -> None:
    from kommune_desk.domain.records import Role
    from kommune_desk.domain.workflow import Step
    from kommune_desk.services.clerks import add_clerk
    from kommune_desk.services.workspace import load_workspace

    add_clerk(clash.first, "sara", "Sara Sachbearbeiterin", Role.SACHBEARBEITUNG)
    add_clerk(clash.first, "tom", "Tom Sachbearbeiter", Role.SACHBEARBEITUNG)
    sync_once(clash.first.db)
    sync_once(clash.second.db)
    sara, tom = load_workspace(clash.first.db, "sara"), load_workspace(clash.second.db, "tom")
    assert sara is not None and tom is not None
    # Both take up the case at the same time: the later one's step is refused.
    take_step(sara, clash.application_id, Step.BEARBEITEN)
    take_step(tom, clash.application_id, Step.BEARBEITEN)
    sync_once(sara.db)
    sync_once(tom.db)
    sync_once(tom.db)
    step_conflict = next(c for c in list_conflicts(tom) if any("Bearbeitung" in line for line in c.mine))
    assert "Bearbeitung: Tom Sachbearbeiter" in step_conflict.mine
    assert "Bearbeitung: Sara Sachbearbeiterin" in step_conflict.theirs
    assert step_conflict.actions == (ACKNOWLEDGE,)
    assert step_conflict.reapply_refusal and "Bearbeitungsschritte" in step_conflict.reapply_refusal
    outbox_before = _scalar(tom, "SELECT count(*) FROM outbox")
    with pytest.raises(ConflictResolutionError, match="Bearbeitungsschritte"):
        resolve_conflict(tom, step_conflict.id, REAPPLY)
    assert _scalar(tom, "SELECT count(*) FROM outbox") == outbox_before
    assert _scalar(tom, "SELECT resolved_at FROM sync_conflicts WHERE id = ?", step_conflict.id) is None


def test_unknown_conflict_and_unknown_answer_are_refused(clash: Clash) -> None:
    [conflict] = list_conflicts(clash.second)
    with pytest.raises(ValidationError, match="gibt es nicht"):
        resolve_conflict(clash.second, "01900000-0000-7000-8000-000000000000", ACKNOWLEDGE)
    with pytest.raises(ValidationError, match="Entscheidung"):
        resolve_conflict(clash.second, conflict.id, "ignorieren")
    assert len(list_conflicts(clash.second)) == 1


def test_a_conflict_answered_at_two_workstations_keeps_the_first_answer(clash: Clash) -> None:
    sync_once(clash.first.db)  # the first workstation of the town now sees the conflict too
    [seen_first] = list_conflicts(clash.first)
    [seen_second] = list_conflicts(clash.second)
    assert seen_first.id == seen_second.id
    resolve_conflict(clash.second, seen_second.id, ACKNOWLEDGE)
    resolve_conflict(clash.first, seen_first.id, ACKNOWLEDGE)
    sync_once(clash.second.db)
    sync_once(clash.first.db)
    sync_once(clash.second.db)
    answer = "SELECT resolved_at, resolution FROM sync_conflicts WHERE id = ?"
    settled = _scalar(clash.second, answer, seen_second.id)
    assert settled and settled == _scalar(clash.first, answer, seen_first.id)
    # Answering twice is no new conflict.
    assert list_conflicts(clash.first) == [] and list_conflicts(clash.second) == []
    assert _scalar(clash.first, "SELECT count(*) FROM sync_conflicts") == 1
