"""Notices (Bescheide and other letters to applicants): their life cycle, who may release them,
and the legal dates that follow from posting them.

Life cycle: entwurf → freigegeben → versandt; any of them → storniert, only with a reason (a
cancellation) or by a correction, which is a new version that references the old one. An
archived notice is never changed, only superseded.

Like the rest of ``domain/`` this is pure Python. It uses ``documents.model.LetterKind`` (plain
data, no reportlab) because the kind of letter is the kind of notice.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from . import workflow
from .deadlines import next_working_day
from .letter_kinds import LetterKind
from .records import ApplicationStatus as S
from .records import Procedure, Role
from .validation import ValidationError
from .workflow import Decision


class NoticeError(ValidationError):
    """A notice action that is not allowed now; the message says why, in German."""

    def __init__(self, message: str) -> None:
        super().__init__([message])


class NoticeStatus(StrEnum):
    ENTWURF = "entwurf"
    FREIGEGEBEN = "freigegeben"
    VERSANDT = "versandt"
    STORNIERT = "storniert"

    @property
    def label(self) -> str:
        return {
            "entwurf": "Entwurf",
            "freigegeben": "Freigegeben",
            "versandt": "Versandt",
            "storniert": "Storniert",
        }[self.value]


class NoticeAction(StrEnum):
    FREIGEBEN = "freigeben"
    VERSENDEN = "versenden"
    STORNIEREN = "stornieren"
    BERICHTIGEN = "berichtigen"

    @property
    def label(self) -> str:
        return {
            "freigeben": "Freigeben",
            "versenden": "Als versandt vermerken",
            "stornieren": "Stornieren",
            "berichtigen": "Berichtigen (neue Version)",
        }[self.value]


_LIVE = frozenset({NoticeStatus.ENTWURF, NoticeStatus.FREIGEGEBEN, NoticeStatus.VERSANDT})
# action → (statuses it starts from, status the notice has afterwards)
TRANSITIONS: dict[NoticeAction, tuple[frozenset[NoticeStatus], NoticeStatus]] = {
    NoticeAction.FREIGEBEN: (frozenset({NoticeStatus.ENTWURF}), NoticeStatus.FREIGEGEBEN),
    NoticeAction.VERSENDEN: (frozenset({NoticeStatus.FREIGEGEBEN}), NoticeStatus.VERSANDT),
    NoticeAction.STORNIEREN: (_LIVE, NoticeStatus.STORNIERT),
    NoticeAction.BERICHTIGEN: (_LIVE, NoticeStatus.STORNIERT),  # the old version; the new one is a draft
}

# Notices that state the decision on the application (a partial approval is a Bewilligung whose
# tenor says "teilweise").
DECISION_KINDS = frozenset({LetterKind.BEWILLIGUNG, LetterKind.ABLEHNUNG})
# The letter that settles an Anzeige: it states no decision, but like a decision notice it is
# written once the case is settled, and sending it moves the case on.
RECEIPT = LetterKind.EMPFANGSBESCHEINIGUNG
CLOSING_KINDS = DECISION_KINDS | {RECEIPT}
# Kinds a case has at most one live notice of; a second one is a correction, not a new notice.
SINGLE_KINDS = CLOSING_KINDS | {LetterKind.GEBUEHRENBESCHEID}
NOTICE_KINDS = (
    LetterKind.EINGANGSBESTAETIGUNG,
    LetterKind.ANFORDERUNG_UNTERLAGEN,
    LetterKind.BEWILLIGUNG,
    LetterKind.ABLEHNUNG,
    LetterKind.GEBUEHRENBESCHEID,
    LetterKind.EMPFANGSBESCHEINIGUNG,
)
_MATCHING_KIND = {
    Decision.BEWILLIGT: LetterKind.BEWILLIGUNG,
    Decision.TEILWEISE_BEWILLIGT: LetterKind.BEWILLIGUNG,
    Decision.ABGELEHNT: LetterKind.ABLEHNUNG,
}
_BEFORE_DECISION = frozenset({S.EINGEGANGEN, S.IN_BEARBEITUNG, S.WARTET_AUF_UNTERLAGEN})
_DECIDED = frozenset({S.ENTSCHEIDUNG_ENTWORFEN, S.FREIGEGEBEN, S.BESCHEID_VERSANDT, S.ABGESCHLOSSEN})
_AFTER_SENDING = frozenset({S.BESCHEID_VERSANDT, S.ABGESCHLOSSEN})
_AFTER_RECEIPT = frozenset({S.FREIGEGEBEN}) | _AFTER_SENDING


@dataclass(frozen=True)
class Notice:
    """What the rules need to know about an archived notice."""

    kind: LetterKind
    status: NoticeStatus
    created_by: str | None
    replaces_id: str | None = None

    @property
    def is_decision(self) -> bool:
        return self.kind in DECISION_KINDS

    @property
    def closes_case(self) -> bool:
        """A decision notice or an Anzeige's receipt: sending it completes the case's step."""
        return self.kind in CLOSING_KINDS


# -- which letters fit a case ---------------------------------------------------------------------
def available_kinds(
    status: S,
    decision: Decision | None,
    fee_cents: int,
    has_service: bool,
    procedure: Procedure = Procedure.GENEHMIGUNG,
) -> list[LetterKind]:
    """The letters that make sense for a case now, in the order a clerk needs them.

    An Anzeige gets no Eingangsbestätigung and no Bescheid: its receipt is certified
    (Empfangsbescheinigung) once it is complete; until then missing parts can be requested."""
    if not has_service or status is S.KLAERUNG:
        return []
    notification = procedure is Procedure.ANZEIGE
    kinds = []
    if status in _BEFORE_DECISION and not notification:
        kinds.append(LetterKind.EINGANGSBESTAETIGUNG)
    if status in (S.IN_BEARBEITUNG, S.WARTET_AUF_UNTERLAGEN):
        kinds.append(LetterKind.ANFORDERUNG_UNTERLAGEN)
    if notification and status in _AFTER_RECEIPT:
        kinds.append(RECEIPT)
    if not notification and status in _DECIDED and decision is not None:
        kinds.append(_MATCHING_KIND[decision])
    if fee_cents > 0:
        kinds.append(LetterKind.GEBUEHRENBESCHEID)
    return kinds


def kind_refusal(
    kind: LetterKind,
    status: S,
    decision: Decision | None,
    fee_cents: int,
    has_service: bool,
    procedure: Procedure = Procedure.GENEHMIGUNG,
) -> str | None:
    """Why a letter of ``kind`` does not fit the case now, or None."""
    if kind in available_kinds(status, decision, fee_cents, has_service, procedure):
        return None
    if not has_service or status is S.KLAERUNG:
        return "Dem Antrag ist noch keine Leistung zugeordnet; bitte klären Sie das zuerst."
    notification = procedure is Procedure.ANZEIGE
    if notification and kind in DECISION_KINDS | {LetterKind.EINGANGSBESTAETIGUNG}:
        return (
            f"Eine Anzeige wird nicht beschieden: Statt einer {kind.label} erhält sie eine "
            "Empfangsbescheinigung (z. B. § 15 Abs. 1 GewO)."
        )
    if kind is RECEIPT:
        if not notification:
            return "Eine Empfangsbescheinigung gibt es nur für Anzeigen; über einen Antrag wird entschieden."
        return (
            "Die Empfangsbescheinigung gibt es, sobald der Schritt »Empfang der Anzeige bescheinigen« "
            "getan ist."
        )
    if kind in DECISION_KINDS:
        if decision is None or status not in _DECIDED:
            return f"Einen {kind.label} gibt es erst, wenn die Entscheidung entworfen ist."
        return (
            f"Die Entscheidung lautet »{decision.label}«; dazu passt ein {_MATCHING_KIND[decision].label}, "
            f"kein {kind.label}."
        )
    if kind is LetterKind.GEBUEHRENBESCHEID:
        return "Für diesen Antrag ist keine Gebühr festgesetzt."
    if kind not in NOTICE_KINDS:
        return f"»{kind.label}« ist kein Schreiben zu einem Antrag."
    return f"Im Status »{status.label}« passt keine {kind.label}."


def reasons_required(kind: LetterKind, decision: Decision | None, conditions: bool) -> bool:
    """Whether the notice must state reasons (§ 39 Abs. 1 HVwVfG).

    A full approval without conditions needs none (§ 39 Abs. 2 Nr. 1); a rejection, a partial
    approval and an approval with Nebenbestimmungen do.
    """
    if kind is LetterKind.ABLEHNUNG:
        return True
    if kind is LetterKind.BEWILLIGUNG:
        return decision is Decision.TEILWEISE_BEWILLIGT or conditions
    return False


def has_remedy(kind: LetterKind, decision: Decision | None, conditions: bool) -> bool:
    """Whether the letter is a burdening administrative act and so carries a
    Rechtsbehelfsbelehrung (§ 58 VwGO; § 37 Abs. 6 HVwVfG)."""
    if kind in (LetterKind.ABLEHNUNG, LetterKind.GEBUEHRENBESCHEID):
        return True
    return kind is LetterKind.BEWILLIGUNG and (decision is Decision.TEILWEISE_BEWILLIGT or conditions)


# -- life cycle -----------------------------------------------------------------------------------
def transition_refusal(status: NoticeStatus, action: NoticeAction) -> str | None:
    sources, _target = TRANSITIONS[action]
    if status in sources:
        return None
    if status is NoticeStatus.STORNIERT:
        return "Das Schreiben ist storniert; es kann nicht mehr geändert werden."
    return f"»{action.label}« ist bei einem Schreiben im Status »{status.label}« nicht möglich."


def advance(status: NoticeStatus, action: NoticeAction, reason: str = "") -> NoticeStatus:
    """The status after ``action``; a cancellation needs a reason. Raises NoticeError."""
    refused = transition_refusal(status, action)
    if refused:
        raise NoticeError(refused)
    if action is NoticeAction.STORNIEREN and not reason.strip():
        raise NoticeError("Bitte geben Sie an, warum das Schreiben storniert wird.")
    return TRANSITIONS[action][1]


def draft_refusal(case: workflow.Case, actor: workflow.Actor) -> str | None:
    """Whether ``actor`` may write a letter on the case: whoever is responsible for it."""
    return _responsibility(case, actor)


def release_refusal(notice: Notice, case: workflow.Case, actor: workflow.Actor) -> str | None:
    """Why ``actor`` may not release ``notice`` now, or None.

    A decision notice needs the decision approved (case status freigegeben; a correction may
    follow after sending) and the notice must match it. For a 4-eyes service the rule of
    ``domain.workflow`` applies again: a Teamleitung who drafted neither the decision nor this
    notice. Other letters: whoever is responsible for the case.
    """
    refused = transition_refusal(notice.status, NoticeAction.FREIGEBEN)
    if refused:
        return refused
    if notice.kind is RECEIPT:
        if case.status not in _decision_statuses(notice):
            return (
                "Die Empfangsbescheinigung kann erst freigegeben werden, wenn der Empfang der Anzeige "
                f"bescheinigt ist (Status: »{case.status.label}«)."
            )
        return _responsibility(case, actor)  # no decision, so no 4-eyes approval
    if not notice.is_decision:
        return _responsibility(case, actor)
    if case.status not in _decision_statuses(notice):
        return (
            f"Der {notice.kind.label} kann erst freigegeben werden, wenn die Entscheidung freigegeben "
            f"ist (Status des Antrags: »{case.status.label}«)."
        )
    if case.decision is None or _MATCHING_KIND[case.decision] is not notice.kind:
        decided = case.decision.label if case.decision else "keine"
        return f"Der {notice.kind.label} passt nicht zur Entscheidung (»{decided}«)."
    for drafter in (case.drafted_by, notice.created_by):
        refused = _approval(case, actor, drafter)
        if refused:
            return refused
    return None


def sending_refusal(notice: Notice, case: workflow.Case, actor: workflow.Actor) -> str | None:
    """Recording that a released notice went out; a decision notice only while the decision
    stands (not after the application was withdrawn)."""
    refused = transition_refusal(notice.status, NoticeAction.VERSENDEN)
    if refused:
        return refused
    if notice.closes_case and case.status not in _decision_statuses(notice):
        return (
            f"Der Antrag ist im Status »{case.status.label}«; der {notice.kind.label} kann nicht mehr "
            "versandt werden. Bitte stornieren Sie ihn."
        )
    return _not_administration(actor)


def cancel_refusal(notice: Notice, case: workflow.Case, actor: workflow.Actor) -> str | None:
    """Cancelling (or correcting) a notice: its author while it is a draft, otherwise whoever is
    responsible; a released decision notice of a 4-eyes service only the Teamleitung."""
    refused = transition_refusal(notice.status, NoticeAction.STORNIEREN)
    if refused:
        return refused
    if notice.status is NoticeStatus.ENTWURF and actor.clerk_id == notice.created_by:
        return _not_administration(actor)
    released = notice.status is not NoticeStatus.ENTWURF
    if released and notice.is_decision and case.four_eyes and actor.role is not Role.TEAMLEITUNG:
        return (
            "Einen freigegebenen Bescheid dieser Leistung darf nur die Teamleitung stornieren "
            "oder berichtigen (Vier-Augen-Prinzip)."
        )
    return _responsibility(case, actor)


def moves_case_on_sending(notice: Notice, case_status: S) -> bool:
    """Sending the decision notice (or an Anzeige's receipt) completes the step freigegeben →
    bescheid_versandt."""
    return notice.closes_case and case_status is S.FREIGEGEBEN


# The approval and responsibility rules are domain.workflow's: a notice follows exactly the
# same rule as the decision it states.
def _approval(case: workflow.Case, actor: workflow.Actor, drafter: str | None) -> str | None:
    return _not_administration(actor) or workflow.approval_refusal(case, actor, drafter)


def _responsibility(case: workflow.Case, actor: workflow.Actor) -> str | None:
    return _not_administration(actor) or workflow.responsibility_refusal(case, actor)


def _decision_statuses(notice: Notice) -> frozenset[S]:
    """Case statuses in which a decision notice may be released or sent: once the decision is
    approved; a correction also after the first notice went out."""
    return frozenset({S.FREIGEGEBEN}) | (_AFTER_SENDING if notice.replaces_id else frozenset())


def _not_administration(actor: workflow.Actor) -> str | None:
    if actor.role is Role.ADMINISTRATION:
        return "Die Rolle Administration bearbeitet keine Anträge."
    return None


# -- legal dates ----------------------------------------------------------------------------------
BEKANNTGABE_TAGE = (3, 4)
DEFAULT_BEKANNTGABE_TAGE = 4
FEE_PAYMENT_DAYS = 30


def bekanntgabe_date(posted_on: dt.date, days: int = DEFAULT_BEKANNTGABE_TAGE) -> dt.date:
    """The day a posted letter counts as notified (Bekanntgabefiktion, § 41 Abs. 2 VwVfG/HVwVfG).

    ``days`` is the municipality's setting: 4 since the federal VwVfG's change of 2025, 3 while
    the Hessian HVwVfG still says the third day. If that day is a Saturday, Sunday or Hessian
    public holiday, notification is deemed on the next working day: we follow the BFH
    (IX R 68/98, for § 122 Abs. 2 AO) and BSG (B 14 AS 12/09 R, for § 37 SGB X) because it is
    the reading that never shortens the citizen's remedy period.
    """
    if days not in BEKANNTGABE_TAGE:
        raise ValueError(f"bekanntgabe days must be 3 or 4, not {days}")
    return next_working_day(posted_on + dt.timedelta(days=days))


def add_months(day: dt.date, months: int = 1) -> dt.date:
    """The same day number ``months`` later, clamped to the month's end (§ 188 Abs. 2, 3 BGB)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def remedy_deadline(bekanntgabe: dt.date) -> dt.date:
    """The last day for Widerspruch or Klage: one month after notification (§ 70 Abs. 1, § 74
    Abs. 1 VwGO), ending per § 57 Abs. 2 VwGO with § 222 ZPO and § 188 Abs. 2, 3 BGB on the same
    day number next month (or the month's last day), moved off Saturdays, Sundays and Hessian
    public holidays to the next working day (§ 222 Abs. 2 ZPO)."""
    return next_working_day(add_months(bekanntgabe, 1))


def fee_due_date(letter_date: dt.date) -> dt.date:
    """When a fee is due: 30 days after the letter's date, on a working day.

    A fixed date is printed in the notice (§ 14 HVwKostG asks for the due date), so it cannot
    depend on the day of notification, which is unknown when the letter is printed; 30 days
    after the letter's date is always after notification (3 or 4 days after posting).
    """
    return next_working_day(letter_date + dt.timedelta(days=FEE_PAYMENT_DAYS))
