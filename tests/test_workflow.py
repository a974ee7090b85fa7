"""The application workflow, over every status and every step."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from kommune_desk.domain.deadlines import legal_deadline, remaining_days, resumed_deadline
from kommune_desk.domain.records import ApplicationStatus as S
from kommune_desk.domain.records import Procedure, Role
from kommune_desk.domain.workflow import (
    TRANSITIONS,
    Actor,
    Case,
    Decision,
    Step,
    WorkflowError,
    advance,
    assign,
    available_steps,
    claim,
    refusal,
    release,
)

ANNA = Actor("anna", Role.SACHBEARBEITUNG)
BEN = Actor("ben", Role.SACHBEARBEITUNG)
TEAMLEITUNG = Actor("tina", Role.TEAMLEITUNG)
ADMIN = Actor("adam", Role.ADMINISTRATION)


@pytest.mark.parametrize(("status", "step"), list(itertools.product(S, Step)))
def test_every_step_from_every_status(status: S, step: Step) -> None:
    """A step is possible exactly from the statuses the table names, and leads where it says."""
    procedure = Procedure.ANZEIGE if step is Step.EMPFANG_BESCHEINIGEN else Procedure.GENEHMIGUNG
    case = Case(
        status, assignee_id="anna", four_eyes=False, decision=Decision.BEWILLIGT, drafted_by="anna",
        procedure=procedure,
    )  # fmt: skip
    sources, target = TRANSITIONS[step]
    if status in sources:
        assert advance(case, step, ANNA, Decision.BEWILLIGT).status is target
    else:
        with pytest.raises(WorkflowError, match="nicht möglich"):
            advance(case, step, ANNA, Decision.BEWILLIGT)


def test_the_main_path_end_to_end_with_four_eyes() -> None:
    case = Case(S.EINGEGANGEN, four_eyes=True)
    case = advance(case, Step.BEARBEITEN, ANNA)
    assert (case.status, case.assignee_id) == (S.IN_BEARBEITUNG, "anna")  # taking it up claims it
    case = advance(case, Step.UNTERLAGEN_ANFORDERN, ANNA)
    case = advance(case, Step.UNTERLAGEN_EINGEGANGEN, ANNA)
    case = advance(case, Step.ENTSCHEIDUNG_ENTWERFEN, ANNA, Decision.TEILWEISE_BEWILLIGT)
    assert (case.decision, case.drafted_by) == (Decision.TEILWEISE_BEWILLIGT, "anna")
    case = advance(case, Step.FREIGEBEN, TEAMLEITUNG)
    case = advance(case, Step.BESCHEID_VERSENDEN, ANNA)
    case = advance(case, Step.ABSCHLIESSEN, ANNA)
    assert case.status is S.ABGESCHLOSSEN and not case.status.is_open


def test_four_eyes_needs_a_different_clerk_with_teamleitung() -> None:
    drafted = Case(
        S.ENTSCHEIDUNG_ENTWORFEN, "anna", four_eyes=True, decision=Decision.ABGELEHNT, drafted_by="anna"
    )
    assert "nur die Teamleitung" in (refusal(drafted, Step.FREIGEBEN, ANNA) or "")
    assert "nur die Teamleitung" in (refusal(drafted, Step.FREIGEBEN, BEN) or "")
    own = Case(
        S.ENTSCHEIDUNG_ENTWORFEN, "tina", four_eyes=True, decision=Decision.BEWILLIGT, drafted_by="tina"
    )
    with pytest.raises(WorkflowError, match="eigenen Entwurf"):
        advance(own, Step.FREIGEBEN, TEAMLEITUNG)
    assert advance(drafted, Step.FREIGEBEN, TEAMLEITUNG).status is S.FREIGEGEBEN


def test_without_four_eyes_the_drafter_releases_the_decision() -> None:
    drafted = Case(
        S.ENTSCHEIDUNG_ENTWORFEN, "anna", four_eyes=False, decision=Decision.BEWILLIGT, drafted_by="anna"
    )
    assert advance(drafted, Step.FREIGEBEN, ANNA).status is S.FREIGEGEBEN
    assert "zugewiesen" in (refusal(drafted, Step.FREIGEBEN, BEN) or "")


def test_a_draft_needs_a_decision_and_can_be_sent_back() -> None:
    working = Case(S.IN_BEARBEITUNG, "anna", four_eyes=True)
    assert "Entscheidung" in (refusal(working, Step.ENTSCHEIDUNG_ENTWERFEN, ANNA) or "")
    drafted = advance(working, Step.ENTSCHEIDUNG_ENTWERFEN, ANNA, Decision.BEWILLIGT)
    back = advance(drafted, Step.ENTWURF_ZURUECKGEBEN, TEAMLEITUNG)
    assert (back.status, back.decision, back.drafted_by) == (S.IN_BEARBEITUNG, None, None)
    with pytest.raises(WorkflowError):
        advance(drafted, Step.ENTWURF_ZURUECKGEBEN, BEN)


def test_only_the_assignee_or_teamleitung_moves_an_assigned_case() -> None:
    mine = Case(S.IN_BEARBEITUNG, "anna")
    with pytest.raises(WorkflowError, match="übernehmen Sie ihn zuerst"):
        advance(mine, Step.UNTERLAGEN_ANFORDERN, BEN)
    assert advance(mine, Step.UNTERLAGEN_ANFORDERN, TEAMLEITUNG).status is S.WARTET_AUF_UNTERLAGEN
    assert "Administration" in (refusal(Case(S.EINGEGANGEN), Step.BEARBEITEN, ADMIN) or "")


def test_claim_assign_release() -> None:
    case = claim(Case(S.EINGEGANGEN), ANNA)
    assert case.assignee_id == "anna"
    with pytest.raises(WorkflowError, match="schon zugewiesen"):
        claim(case, BEN)
    case = assign(case, ANNA, "ben")  # the assignee hands over
    assert case.assignee_id == "ben"
    with pytest.raises(WorkflowError):
        assign(case, ANNA, "anna")  # no longer hers
    case = assign(case, TEAMLEITUNG, "anna")
    with pytest.raises(WorkflowError):
        release(case, BEN)
    assert release(case, ANNA).assignee_id is None
    with pytest.raises(WorkflowError, match="abgeschlossener"):
        claim(Case(S.ABGESCHLOSSEN), ANNA)


def test_available_steps_offer_what_the_clerk_can_do() -> None:
    assert available_steps(Case(S.EINGEGANGEN), ANNA) == [
        Step.BEARBEITEN,
        Step.ZURUECKZIEHEN,
        Step.WEITERLEITEN,
    ]
    drafted = Case(
        S.ENTSCHEIDUNG_ENTWORFEN, "anna", four_eyes=True, decision=Decision.BEWILLIGT, drafted_by="anna"
    )
    assert Step.FREIGEBEN not in available_steps(drafted, ANNA)
    assert Step.FREIGEBEN in available_steps(drafted, TEAMLEITUNG)
    assert available_steps(Case(S.ABGESCHLOSSEN, "anna"), ANNA) == []
    assert available_steps(Case(S.KLAERUNG), ANNA) == [
        Step.ZURUECKZIEHEN,
        Step.WEITERLEITEN,
        Step.LEISTUNG_ZUORDNEN,
    ]


def test_waiting_for_documents_pauses_the_clock() -> None:
    received = dt.date(2026, 11, 2)  # Monday
    due = legal_deadline(received, 30)  # 02.12.2026, a Wednesday
    assert due == dt.date(2026, 12, 2)
    left = remaining_days(due, paused_on=dt.date(2026, 11, 12))
    assert left == 20
    # documents arrive three weeks later: the 20 remaining days start again then
    assert resumed_deadline(left, dt.date(2026, 12, 3)) == dt.date(2026, 12, 23)
    # ending on a holiday moves to the next working day (25./26.12. and the weekend)
    assert resumed_deadline(left, dt.date(2026, 12, 5)) == dt.date(2026, 12, 28)


def test_an_overdue_case_stays_overdue_after_the_pause() -> None:
    left = remaining_days(dt.date(2026, 11, 10), paused_on=dt.date(2026, 11, 12))
    assert left == -2
    assert resumed_deadline(left, dt.date(2026, 11, 20)) == dt.date(2026, 11, 18)
