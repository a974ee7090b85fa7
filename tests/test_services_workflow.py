"""Workflow services on a real database: row, outbox and audit move together."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from kommune_desk.domain.applications import NewApplication
from kommune_desk.domain.records import Channel, Role
from kommune_desk.domain.workflow import Decision, Step, WorkflowError
from kommune_desk.services.applications import register_application
from kommune_desk.services.clerks import add_clerk
from kommune_desk.services.workflow import assign_case, claim_case, release_case, set_follow_up, take_step
from kommune_desk.services.workspace import Workspace, load_workspace
from kommune_desk.storage.reference import list_services

RECEIVED = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def team(workspace: Workspace) -> tuple[Workspace, Workspace]:
    """The set-up clerk (Sachbearbeitung) and a Teamleitung colleague on the same database."""
    add_clerk(workspace, "t.leitung", "Tina Leitner", Role.TEAMLEITUNG)
    lead = load_workspace(workspace.db, "t.leitung")
    assert lead is not None and lead.clerk is not None
    return workspace, lead


def _application(ws: Workspace, service_name: str = "Baumfällgenehmigung") -> str:
    conn = ws.db.reader()
    service = next(s for s in list_services(conn, ws.municipality.id) if s.name == service_name)
    conn.close()
    return register_application(
        ws,
        NewApplication(service.id, "Roß, Ingrid", Channel.PAPIER, RECEIVED, form_data={"baumart": "Linde"}),
    )


def _row(ws: Workspace, application_id: str) -> dict[str, object]:
    conn = ws.db.reader()
    cursor = conn.execute("SELECT * FROM applications WHERE id = ?", (application_id,))
    names = [d[0] for d in cursor.description]
    row = dict(zip(names, cursor.fetchone(), strict=True))
    conn.close()
    return row


def _history(ws: Workspace, application_id: str) -> list[tuple[str, dict[str, list[object]]]]:
    conn = ws.db.reader()
    rows = conn.execute(
        "SELECT action, changes FROM audit_log WHERE entity_id = ? ORDER BY at, rowid", (application_id,)
    ).fetchall()
    conn.close()
    return [(action, json.loads(changes)) for action, changes in rows]


def test_claim_draft_and_approve_by_a_second_clerk(team: tuple[Workspace, Workspace]) -> None:
    clerk, lead = team
    case = _application(clerk)  # Baumfällgenehmigung needs four eyes
    take_step(clerk, case, Step.BEARBEITEN)
    take_step(clerk, case, Step.ENTSCHEIDUNG_ENTWERFEN, Decision.BEWILLIGT)
    with pytest.raises(WorkflowError, match="Teamleitung"):
        take_step(clerk, case, Step.FREIGEBEN)
    take_step(lead, case, Step.FREIGEBEN)
    row = _row(clerk, case)
    assert (row["status"], row["decision"], row["drafted_by"]) == ("freigegeben", "bewilligt", clerk.clerk.id)  # type: ignore[union-attr]
    assert row["decided_at"]
    actions = [action for action, _ in _history(clerk, case)]
    assert actions == ["angelegt", "bearbeiten", "entscheidung_entwerfen", "freigeben"]
    assert _history(clerk, case)[3][1]["status"] == ["entscheidung_entworfen", "freigegeben"]
    conn = clerk.db.reader()
    steps = [
        json.loads(a).get("step")
        for (a,) in conn.execute("SELECT args FROM outbox WHERE name = 'take_step' ORDER BY seq")
    ]
    assert steps == ["bearbeiten", "entscheidung_entwerfen", "freigeben"]
    assert row["completed_at"] is None


def test_processing_ends_when_the_notice_is_sent_and_closing_keeps_that_moment(
    team: tuple[Workspace, Workspace],
) -> None:
    clerk, lead = team
    case = _application(clerk)
    for ws, step, decision in [
        (clerk, Step.BEARBEITEN, None), (clerk, Step.ENTSCHEIDUNG_ENTWERFEN, Decision.BEWILLIGT),
        (lead, Step.FREIGEBEN, None), (clerk, Step.BESCHEID_VERSENDEN, None),
    ]:  # fmt: skip
        take_step(ws, case, step, decision)
    sent = _row(clerk, case)["completed_at"]
    assert isinstance(sent, str) and dt.datetime.fromisoformat(sent) >= RECEIVED
    take_step(clerk, case, Step.ABSCHLIESSEN)
    row = _row(clerk, case)
    assert (row["status"], row["completed_at"]) == ("abgeschlossen", sent)


def test_a_refused_step_writes_nothing(team: tuple[Workspace, Workspace]) -> None:
    clerk, _lead = team
    case = _application(clerk)
    before = _row(clerk, case), _history(clerk, case)
    with pytest.raises(WorkflowError, match="nicht möglich"):
        take_step(clerk, case, Step.FREIGEBEN)
    assert (_row(clerk, case), _history(clerk, case)) == before


def test_waiting_for_documents_pauses_and_resumes_the_deadline(team: tuple[Workspace, Workspace]) -> None:
    clerk, _lead = team
    case = _application(clerk)
    assert _row(clerk, case)["due_date"] == "2026-12-02"  # 30 days from Monday 02.11.2026
    take_step(clerk, case, Step.BEARBEITEN)
    take_step(clerk, case, Step.UNTERLAGEN_ANFORDERN, today=dt.date(2026, 11, 12))
    assert _row(clerk, case)["paused_remaining_days"] == 20
    take_step(clerk, case, Step.UNTERLAGEN_EINGEGANGEN, today=dt.date(2026, 12, 3))
    row = _row(clerk, case)
    assert (row["due_date"], row["paused_remaining_days"], row["status"]) == (
        "2026-12-23",
        None,
        "in_bearbeitung",
    )
    assert _history(clerk, case)[-1][1]["due_date"] == ["2026-12-02", "2026-12-23"]


def test_claim_assign_release_and_follow_up(team: tuple[Workspace, Workspace]) -> None:
    clerk, lead = team
    case = _application(clerk)
    claim_case(clerk, case)
    assert _row(clerk, case)["assignee_id"] == clerk.clerk.id  # type: ignore[union-attr]
    with pytest.raises(WorkflowError, match="schon zugewiesen"):
        claim_case(_stranger_with_role(clerk), case)
    assign_case(lead, case, lead.clerk.id)  # type: ignore[union-attr]
    release_case(lead, case)
    assert _row(clerk, case)["assignee_id"] is None
    set_follow_up(clerk, case, dt.date(2026, 11, 30), "  Rückruf Frau Roß  ")
    set_follow_up(clerk, case, dt.date(2026, 11, 30), "Rückruf Frau Roß")  # no-op: nothing recorded
    row = _row(clerk, case)
    assert (row["follow_up_on"], row["follow_up_note"]) == ("2026-11-30", "Rückruf Frau Roß")
    assert [a for a, _ in _history(clerk, case)] == [
        "angelegt",
        "uebernommen",
        "zugewiesen",
        "abgegeben",
        "wiedervorlage",
    ]


def _stranger_with_role(ws: Workspace) -> Workspace:
    add_clerk(ws, "b.kollege", "Ben Kollege", Role.SACHBEARBEITUNG)
    other = load_workspace(ws.db, "b.kollege")
    assert other is not None
    return other


def test_unmapped_login_and_foreign_ids_are_refused(team: tuple[Workspace, Workspace]) -> None:
    from dataclasses import replace

    clerk, _lead = team
    case = _application(clerk)
    with pytest.raises(WorkflowError, match="keiner Person zugeordnet"):
        take_step(replace(clerk, clerk=None, os_login="gast"), case, Step.BEARBEITEN)
    with pytest.raises(WorkflowError, match="gibt es in Ihrer Gemeinde nicht"):
        take_step(clerk, "0190f0aa-0000-7000-8000-000000000000", Step.BEARBEITEN)
