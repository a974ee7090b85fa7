"""The life of an application (Antrag) as a state machine, and who may move it.

The UI asks (``available_steps``, ``refusal``); it never decides. Every refusal is a German
sentence a clerk can act on.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from .records import ApplicationStatus as S
from .records import Procedure, Role
from .validation import ValidationError


class Decision(StrEnum):
    BEWILLIGT = "bewilligt"
    TEILWEISE_BEWILLIGT = "teilweise_bewilligt"
    ABGELEHNT = "abgelehnt"

    @property
    def label(self) -> str:
        return {
            "bewilligt": "Bewilligt",
            "teilweise_bewilligt": "Teilweise bewilligt",
            "abgelehnt": "Abgelehnt",
        }[self.value]


class Step(StrEnum):
    """What a clerk can do with a case; each step moves it to exactly one status."""

    BEARBEITEN = "bearbeiten"
    UNTERLAGEN_ANFORDERN = "unterlagen_anfordern"
    UNTERLAGEN_EINGEGANGEN = "unterlagen_eingegangen"
    EMPFANG_BESCHEINIGEN = "empfang_bescheinigen"  # an Anzeige's counterpart of the decision
    ENTSCHEIDUNG_ENTWERFEN = "entscheidung_entwerfen"
    ENTWURF_ZURUECKGEBEN = "entwurf_zurueckgeben"
    FREIGEBEN = "freigeben"
    BESCHEID_VERSENDEN = "bescheid_versenden"
    ABSCHLIESSEN = "abschliessen"
    ZURUECKZIEHEN = "zurueckziehen"
    WEITERLEITEN = "weiterleiten"
    LEISTUNG_ZUORDNEN = "leistung_zuordnen"

    @property
    def label(self) -> str:
        return _STEP_LABELS[self]


_STEP_LABELS = {
    Step.BEARBEITEN: "Bearbeitung beginnen",
    Step.UNTERLAGEN_ANFORDERN: "Unterlagen anfordern",
    Step.UNTERLAGEN_EINGEGANGEN: "Unterlagen sind eingegangen",
    Step.ENTSCHEIDUNG_ENTWERFEN: "Entscheidung entwerfen",
    Step.ENTWURF_ZURUECKGEBEN: "Entwurf zurückgeben",
    Step.FREIGEBEN: "Entscheidung freigeben",
    Step.BESCHEID_VERSENDEN: "Bescheid als versandt vermerken",
    Step.ABSCHLIESSEN: "Vorgang abschließen",
    Step.ZURUECKZIEHEN: "Antrag wurde zurückgezogen",
    Step.WEITERLEITEN: "An zuständige Stelle weiterleiten",
    Step.LEISTUNG_ZUORDNEN: "Leistung zuordnen",
    Step.EMPFANG_BESCHEINIGEN: "Empfang der Anzeige bescheinigen",
}
_BEFORE_DECISION = frozenset({S.EINGEGANGEN, S.KLAERUNG, S.IN_BEARBEITUNG, S.WARTET_AUF_UNTERLAGEN})
_OPEN = frozenset(s for s in S if s.is_open)

# step → (statuses it starts from, status it leads to)
TRANSITIONS: dict[Step, tuple[frozenset[S], S]] = {
    Step.BEARBEITEN: (frozenset({S.EINGEGANGEN}), S.IN_BEARBEITUNG),
    Step.UNTERLAGEN_ANFORDERN: (frozenset({S.IN_BEARBEITUNG}), S.WARTET_AUF_UNTERLAGEN),
    Step.UNTERLAGEN_EINGEGANGEN: (frozenset({S.WARTET_AUF_UNTERLAGEN}), S.IN_BEARBEITUNG),
    Step.ENTSCHEIDUNG_ENTWERFEN: (frozenset({S.IN_BEARBEITUNG}), S.ENTSCHEIDUNG_ENTWORFEN),
    Step.ENTWURF_ZURUECKGEBEN: (frozenset({S.ENTSCHEIDUNG_ENTWORFEN}), S.IN_BEARBEITUNG),
    Step.FREIGEBEN: (frozenset({S.ENTSCHEIDUNG_ENTWORFEN}), S.FREIGEGEBEN),
    Step.BESCHEID_VERSENDEN: (frozenset({S.FREIGEGEBEN}), S.BESCHEID_VERSANDT),
    Step.ABSCHLIESSEN: (frozenset({S.BESCHEID_VERSANDT}), S.ABGESCHLOSSEN),
    Step.ZURUECKZIEHEN: (_OPEN, S.ZURUECKGEZOGEN),
    Step.WEITERLEITEN: (_BEFORE_DECISION, S.WEITERGELEITET),
    Step.LEISTUNG_ZUORDNEN: (frozenset({S.KLAERUNG}), S.EINGEGANGEN),
    # An Anzeige is complete and its receipt certified: the Empfangsbescheinigung is written and
    # sent like a notice (freigegeben → bescheid_versandt), without a decision or 4-eyes approval.
    Step.EMPFANG_BESCHEINIGEN: (frozenset({S.IN_BEARBEITUNG}), S.FREIGEGEBEN),
}
# Steps of a decision; an Anzeige (§ 14 GewO) is not approved or refused, only received.
DECISION_STEPS = frozenset({Step.ENTSCHEIDUNG_ENTWERFEN, Step.ENTWURF_ZURUECKGEBEN, Step.FREIGEBEN})


@dataclass(frozen=True)
class Actor:
    """The clerk who acts."""

    clerk_id: str
    role: Role


@dataclass(frozen=True)
class Case:
    """What the rules need to know about an application."""

    status: S
    assignee_id: str | None = None
    four_eyes: bool = False
    decision: Decision | None = None
    drafted_by: str | None = None
    procedure: Procedure = Procedure.GENEHMIGUNG


def awaits_decision(status: S) -> bool:
    """Whether the case is still before its decision (an Eingangsbestätigung belongs there)."""
    return status in _BEFORE_DECISION


class WorkflowError(ValidationError):
    """A step that is not allowed now; the message says why, in German."""

    def __init__(self, message: str) -> None:
        super().__init__([message])


def refusal(case: Case, step: Step, actor: Actor, decision: Decision | None = None) -> str | None:
    """Why ``actor`` may not take ``step`` on ``case`` now, or None if they may."""
    sources, _target = TRANSITIONS[step]
    if case.status not in sources:
        return f"»{step.label}« ist im Status »{case.status.label}« nicht möglich."
    if actor.role is Role.ADMINISTRATION:
        return "Die Rolle Administration bearbeitet keine Anträge."
    notification = case.procedure is Procedure.ANZEIGE
    if notification and step in DECISION_STEPS:
        return (
            "Eine Anzeige wird weder bewilligt noch abgelehnt: Ist sie vollständig, bescheinigen Sie "
            "den Empfang; fehlt etwas, fordern Sie es an."
        )
    if step is Step.EMPFANG_BESCHEINIGEN and not notification:
        return "Den Empfang bescheinigt man nur bei einer Anzeige; über einen Antrag wird entschieden."
    if step is Step.ENTSCHEIDUNG_ENTWERFEN and decision is None:
        return "Bitte wählen Sie die Entscheidung: bewilligt, teilweise bewilligt oder abgelehnt."
    if step is Step.FREIGEBEN:
        return approval_refusal(case, actor, case.drafted_by)
    if step is Step.ENTWURF_ZURUECKGEBEN and (
        actor.clerk_id == case.drafted_by or actor.role is Role.TEAMLEITUNG
    ):
        return None
    if step is Step.BEARBEITEN and case.assignee_id is None:
        return None  # taking up an unassigned case claims it
    return responsibility_refusal(case, actor)


def approval_refusal(case: Case, actor: Actor, drafted_by: str | None) -> str | None:
    """Why ``actor`` may not approve what ``drafted_by`` drafted for ``case`` (a decision, or the
    notice that states it), or None. 4-eyes services: a Teamleitung other than the drafter."""
    if not case.four_eyes:
        return responsibility_refusal(case, actor)
    if actor.role is not Role.TEAMLEITUNG:
        return "Diese Leistung braucht das Vier-Augen-Prinzip: freigeben darf nur die Teamleitung."
    if actor.clerk_id == drafted_by:
        return "Den eigenen Entwurf darf man nicht selbst freigeben (Vier-Augen-Prinzip)."
    return None


def responsibility_refusal(case: Case, actor: Actor) -> str | None:
    """Why ``actor`` may not work on ``case`` (assigned to someone else), or None."""
    if case.assignee_id in (None, actor.clerk_id) or actor.role is Role.TEAMLEITUNG:
        return None
    return "Der Antrag ist einer Kollegin oder einem Kollegen zugewiesen; übernehmen Sie ihn zuerst."


def available_steps(case: Case, actor: Actor) -> list[Step]:
    """The steps ``actor`` could take now (the decision itself is chosen when drafting)."""
    return [step for step in Step if refusal(case, step, actor, Decision.BEWILLIGT) is None]


def advance(case: Case, step: Step, actor: Actor, decision: Decision | None = None) -> Case:
    """The case after ``step``; raises WorkflowError with the German reason if not allowed."""
    reason = refusal(case, step, actor, decision)
    if reason:
        raise WorkflowError(reason)
    status = TRANSITIONS[step][1]
    if step is Step.BEARBEITEN and case.assignee_id is None:
        return replace(case, status=status, assignee_id=actor.clerk_id)
    if step is Step.ENTSCHEIDUNG_ENTWERFEN:
        return replace(case, status=status, decision=decision, drafted_by=actor.clerk_id)
    if step is Step.ENTWURF_ZURUECKGEBEN:
        return replace(case, status=status, decision=None, drafted_by=None)
    return replace(case, status=status)


# -- responsibility -----------------------------------------------------------------------------
def claim(case: Case, actor: Actor) -> Case:
    """Take an unassigned open case."""
    if not case.status.is_open:
        raise WorkflowError("Ein abgeschlossener Vorgang kann nicht übernommen werden.")
    if actor.role is Role.ADMINISTRATION:
        raise WorkflowError("Die Rolle Administration bearbeitet keine Anträge.")
    if case.assignee_id not in (None, actor.clerk_id):
        raise WorkflowError("Der Antrag ist schon zugewiesen; nur die Teamleitung kann ihn neu zuweisen.")
    return replace(case, assignee_id=actor.clerk_id)


def assign(case: Case, actor: Actor, to_clerk_id: str) -> Case:
    """Hand a case to a colleague: the Teamleitung always, a clerk only their own case."""
    if not case.status.is_open:
        raise WorkflowError("Ein abgeschlossener Vorgang kann nicht zugewiesen werden.")
    if actor.role is not Role.TEAMLEITUNG and case.assignee_id != actor.clerk_id:
        raise WorkflowError("Zuweisen darf die Teamleitung oder wer den Antrag gerade bearbeitet.")
    return replace(case, assignee_id=to_clerk_id)


def release(case: Case, actor: Actor) -> Case:
    """Give a case back to the team's unassigned pile."""
    if actor.role is not Role.TEAMLEITUNG and case.assignee_id != actor.clerk_id:
        raise WorkflowError("Abgeben kann nur, wer den Antrag bearbeitet, oder die Teamleitung.")
    return replace(case, assignee_id=None)
