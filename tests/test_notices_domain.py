"""Notice rules without a database: life cycle, who may release, which letters fit, legal dates."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from kommune_desk.documents.model import LetterKind
from kommune_desk.domain.authority import Remedy, authority_of, remedy_instruction
from kommune_desk.domain.notices import (
    TRANSITIONS,
    Notice,
    NoticeAction,
    NoticeError,
    NoticeStatus,
    add_months,
    advance,
    available_kinds,
    bekanntgabe_date,
    cancel_refusal,
    fee_due_date,
    has_remedy,
    kind_refusal,
    moves_case_on_sending,
    reasons_required,
    release_refusal,
    remedy_deadline,
    sending_refusal,
    transition_refusal,
)
from kommune_desk.domain.records import ApplicationStatus as S
from kommune_desk.domain.records import MunicipalityKind, Role
from kommune_desk.domain.workflow import Actor, Case, Decision

CLERK = Actor("clerk", Role.SACHBEARBEITUNG)
COLLEAGUE = Actor("colleague", Role.SACHBEARBEITUNG)
LEAD = Actor("lead", Role.TEAMLEITUNG)
OTHER_LEAD = Actor("lead2", Role.TEAMLEITUNG)
ADMIN = Actor("admin", Role.ADMINISTRATION)
N = NoticeStatus
K = LetterKind


# -- life cycle -----------------------------------------------------------------------------------
_ALLOWED = {
    (N.ENTWURF, NoticeAction.FREIGEBEN): N.FREIGEGEBEN,
    (N.FREIGEGEBEN, NoticeAction.VERSENDEN): N.VERSANDT,
    **{(s, NoticeAction.STORNIEREN): N.STORNIERT for s in (N.ENTWURF, N.FREIGEGEBEN, N.VERSANDT)},
    **{(s, NoticeAction.BERICHTIGEN): N.STORNIERT for s in (N.ENTWURF, N.FREIGEGEBEN, N.VERSANDT)},
}


@pytest.mark.parametrize("status", list(NoticeStatus))
@pytest.mark.parametrize("action", list(NoticeAction))
def test_every_transition(status: NoticeStatus, action: NoticeAction) -> None:
    expected = _ALLOWED.get((status, action))
    if expected is None:
        assert transition_refusal(status, action)
        with pytest.raises(NoticeError):
            advance(status, action, "Grund")
    else:
        assert transition_refusal(status, action) is None
        assert advance(status, action, "Grund") is expected


def test_transition_table_matches_the_rules() -> None:
    assert {(s, a): t for a, (sources, t) in TRANSITIONS.items() for s in sources} == _ALLOWED


def test_a_cancelled_notice_stays_cancelled_and_cancelling_needs_a_reason() -> None:
    with pytest.raises(NoticeError, match="storniert"):
        advance(N.STORNIERT, NoticeAction.FREIGEBEN)
    with pytest.raises(NoticeError, match="warum"):
        advance(N.FREIGEGEBEN, NoticeAction.STORNIEREN, "   ")
    assert {s.label for s in NoticeStatus} == {"Entwurf", "Freigegeben", "Versandt", "Storniert"}


# -- which letters fit --------------------------------------------------------------------------
def test_available_kinds_follow_the_case() -> None:
    assert available_kinds(S.EINGEGANGEN, None, 0, True) == [K.EINGANGSBESTAETIGUNG]
    assert available_kinds(S.IN_BEARBEITUNG, None, 2600, True) == [
        K.EINGANGSBESTAETIGUNG,
        K.ANFORDERUNG_UNTERLAGEN,
        K.GEBUEHRENBESCHEID,
    ]
    assert available_kinds(S.ENTSCHEIDUNG_ENTWORFEN, Decision.BEWILLIGT, 0, True) == [K.BEWILLIGUNG]
    assert available_kinds(S.FREIGEGEBEN, Decision.TEILWEISE_BEWILLIGT, 0, True) == [K.BEWILLIGUNG]
    assert available_kinds(S.BESCHEID_VERSANDT, Decision.ABGELEHNT, 500, True) == [
        K.ABLEHNUNG,
        K.GEBUEHRENBESCHEID,
    ]
    assert available_kinds(S.KLAERUNG, None, 0, False) == []
    assert available_kinds(S.IN_BEARBEITUNG, None, 0, False) == []


def test_kind_refusals_say_why() -> None:
    assert "erst, wenn die Entscheidung entworfen" in str(
        kind_refusal(K.BEWILLIGUNG, S.IN_BEARBEITUNG, None, 0, True)
    )
    assert "dazu passt ein Ablehnungsbescheid" in str(
        kind_refusal(K.BEWILLIGUNG, S.FREIGEGEBEN, Decision.ABGELEHNT, 0, True)
    )
    assert "keine Gebühr" in str(kind_refusal(K.GEBUEHRENBESCHEID, S.IN_BEARBEITUNG, None, 0, True))
    assert "Leistung" in str(kind_refusal(K.EINGANGSBESTAETIGUNG, S.KLAERUNG, None, 0, False))
    assert "kein Schreiben zu einem Antrag" in str(
        kind_refusal(K.LEIHVERTRAG, S.IN_BEARBEITUNG, None, 0, True)
    )


def test_reasons_and_remedy_follow_paragraph_39() -> None:
    assert reasons_required(K.ABLEHNUNG, Decision.ABGELEHNT, False)
    assert not reasons_required(K.BEWILLIGUNG, Decision.BEWILLIGT, False)  # § 39 Abs. 2 Nr. 1
    assert reasons_required(K.BEWILLIGUNG, Decision.BEWILLIGT, True)
    assert reasons_required(K.BEWILLIGUNG, Decision.TEILWEISE_BEWILLIGT, False)
    assert has_remedy(K.GEBUEHRENBESCHEID, None, False) and has_remedy(K.ABLEHNUNG, Decision.ABGELEHNT, False)
    assert not has_remedy(K.BEWILLIGUNG, Decision.BEWILLIGT, False)
    assert has_remedy(K.BEWILLIGUNG, Decision.BEWILLIGT, True)
    assert not has_remedy(K.EINGANGSBESTAETIGUNG, None, False)


# -- release, sending, cancelling ---------------------------------------------------------------
def _approved(four_eyes: bool = True, decision: Decision = Decision.BEWILLIGT) -> Case:
    return Case(
        S.FREIGEGEBEN, assignee_id="clerk", four_eyes=four_eyes, decision=decision, drafted_by="clerk"
    )


def _draft(kind: LetterKind = K.BEWILLIGUNG, by: str = "clerk", replaces: str | None = None) -> Notice:
    return Notice(kind, N.ENTWURF, by, replaces)


def test_four_eyes_on_release_of_a_decision_notice() -> None:
    case = _approved()
    assert "Teamleitung" in str(release_refusal(_draft(), case, CLERK))
    assert release_refusal(_draft(), case, LEAD) is None
    # the Teamleitung drafted the decision or the notice: another Teamleitung must release
    assert "eigenen Entwurf" in str(release_refusal(_draft(), replace(case, drafted_by="lead"), LEAD))
    assert "eigenen Entwurf" in str(release_refusal(_draft(by="lead"), case, LEAD))
    assert release_refusal(_draft(by="lead"), case, OTHER_LEAD) is None
    assert "Administration" in str(release_refusal(_draft(), case, ADMIN))


def test_a_decision_notice_needs_the_approved_matching_decision() -> None:
    drafted = Case(S.ENTSCHEIDUNG_ENTWORFEN, "clerk", False, Decision.BEWILLIGT, "clerk")
    assert "erst freigegeben werden, wenn die Entscheidung freigegeben" in str(
        release_refusal(_draft(), drafted, CLERK)
    )
    assert "passt nicht zur Entscheidung" in str(
        release_refusal(_draft(K.ABLEHNUNG), _approved(False, Decision.BEWILLIGT), CLERK)
    )
    assert release_refusal(_draft(), _approved(False, Decision.TEILWEISE_BEWILLIGT), CLERK) is None
    sent = Case(S.BESCHEID_VERSANDT, "clerk", False, Decision.BEWILLIGT, "clerk")
    assert release_refusal(_draft(), sent, CLERK) is not None
    assert release_refusal(_draft(replaces="v1"), sent, CLERK) is None  # a correction after sending


def test_other_letters_are_released_by_whoever_is_responsible() -> None:
    case = Case(S.IN_BEARBEITUNG, assignee_id="clerk", four_eyes=True)
    assert release_refusal(_draft(K.ANFORDERUNG_UNTERLAGEN), case, CLERK) is None  # no 4-eyes for letters
    assert "zugewiesen" in str(release_refusal(_draft(K.ANFORDERUNG_UNTERLAGEN), case, COLLEAGUE))
    assert release_refusal(_draft(K.ANFORDERUNG_UNTERLAGEN), case, LEAD) is None


def test_sending_and_moving_the_case() -> None:
    released = Notice(K.BEWILLIGUNG, N.FREIGEGEBEN, "clerk")
    assert sending_refusal(released, _approved(), CLERK) is None
    assert "nicht möglich" in str(sending_refusal(_draft(), _approved(), CLERK))
    withdrawn = Case(S.ZURUECKGEZOGEN, "clerk", True, Decision.BEWILLIGT, "clerk")
    assert "Zurückgezogen" in str(sending_refusal(released, withdrawn, CLERK))
    assert moves_case_on_sending(released, S.FREIGEGEBEN)
    assert not moves_case_on_sending(released, S.BESCHEID_VERSANDT)
    assert not moves_case_on_sending(Notice(K.GEBUEHRENBESCHEID, N.FREIGEGEBEN, "clerk"), S.FREIGEGEBEN)


def test_who_may_cancel() -> None:
    assert cancel_refusal(_draft(by="colleague"), _approved(), COLLEAGUE) is None  # own draft
    released = Notice(K.BEWILLIGUNG, N.FREIGEGEBEN, "clerk")
    assert "Teamleitung" in str(cancel_refusal(released, _approved(), CLERK))
    assert cancel_refusal(released, _approved(), LEAD) is None
    assert cancel_refusal(released, _approved(four_eyes=False), CLERK) is None
    assert "storniert" in str(cancel_refusal(Notice(K.BEWILLIGUNG, N.STORNIERT, "clerk"), _approved(), LEAD))


# -- legal dates ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("posted", "days", "expected"),
    [
        (dt.date(2026, 11, 26), 4, dt.date(2026, 11, 30)),  # Thursday + 4 = Monday
        (dt.date(2026, 11, 24), 3, dt.date(2026, 11, 27)),  # Tuesday + 3 = Friday
        (dt.date(2026, 11, 24), 4, dt.date(2026, 11, 30)),  # + 4 = Saturday → Monday
        (dt.date(2026, 11, 25), 4, dt.date(2026, 11, 30)),  # + 4 = Sunday → Monday
        (dt.date(2026, 5, 31), 4, dt.date(2026, 6, 5)),  # + 4 = Fronleichnam (Thu) → Friday
        (dt.date(2026, 12, 21), 4, dt.date(2026, 12, 28)),  # Christmas Day, 2nd day, Sunday → Monday
        (dt.date(2026, 12, 28), 4, dt.date(2027, 1, 4)),  # New Year's Day (Fri) → Monday
        (dt.date(2026, 4, 2), 3, dt.date(2026, 4, 7)),  # Easter Sunday, Easter Monday → Tuesday
    ],
)
def test_bekanntgabe(posted: dt.date, days: int, expected: dt.date) -> None:
    assert bekanntgabe_date(posted, days) == expected


def test_bekanntgabe_days_are_three_or_four() -> None:
    with pytest.raises(ValueError):
        bekanntgabe_date(dt.date(2026, 1, 5), 5)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (dt.date(2026, 1, 31), dt.date(2026, 2, 28)),
        (dt.date(2028, 1, 31), dt.date(2028, 2, 29)),  # leap year
        (dt.date(2026, 3, 31), dt.date(2026, 4, 30)),
        (dt.date(2026, 12, 15), dt.date(2027, 1, 15)),
    ],
)
def test_a_month_ends_on_the_same_day_number_or_the_months_end(start: dt.date, expected: dt.date) -> None:
    assert add_months(start) == expected


@pytest.mark.parametrize(
    ("bekanntgabe", "expected"),
    [
        (dt.date(2026, 3, 10), dt.date(2026, 4, 10)),  # a Friday: stays
        (dt.date(2028, 1, 31), dt.date(2028, 2, 29)),  # 29.02.2028 is a Tuesday
        (dt.date(2026, 1, 31), dt.date(2026, 3, 2)),  # 28.02.2026 is a Saturday → Monday 02.03.
        (dt.date(2027, 1, 31), dt.date(2027, 3, 1)),  # 28.02.2027 is a Sunday → Monday 01.03.
        (dt.date(2026, 5, 4), dt.date(2026, 6, 5)),  # 04.06.2026 Fronleichnam → Friday
        (dt.date(2026, 11, 25), dt.date(2026, 12, 28)),  # 25.12. Christmas → Monday 28.12.
        (dt.date(2026, 12, 1), dt.date(2027, 1, 4)),  # 01.01.2027 New Year (Fri) → Monday
    ],
)
def test_remedy_deadline(bekanntgabe: dt.date, expected: dt.date) -> None:
    assert remedy_deadline(bekanntgabe) == expected


def test_fee_due_date_is_thirty_days_after_the_letter_on_a_working_day() -> None:
    assert fee_due_date(dt.date(2026, 3, 2)) == dt.date(2026, 4, 1)
    assert fee_due_date(dt.date(2026, 11, 25)) == dt.date(2026, 12, 28)  # 25.12. → Monday 28.12.


# -- authority and Rechtsbehelfsbelehrung -------------------------------------------------------
def test_authority_names_follow_the_hgo() -> None:
    nauheim = authority_of(MunicipalityKind.GEMEINDE, "Gemeinde Nauheim")
    assert (nauheim.letterhead, nauheim.at) == (
        "Gemeinde Nauheim – Der Gemeindevorstand",
        "beim Gemeindevorstand der Gemeinde Nauheim",
    )
    assert authority_of(MunicipalityKind.STADT, "Mörfelden-Walldorf").at == (
        "beim Magistrat der Stadt Mörfelden-Walldorf"
    )
    assert (
        authority_of(MunicipalityKind.KREIS, "Kreis Groß-Gerau").at
        == "beim Kreisausschuss des Kreises Groß-Gerau"
    )


def test_remedy_instructions_state_the_period_and_escape_the_address() -> None:
    authority = authority_of(MunicipalityKind.GEMEINDE, "A & B")
    widerspruch = remedy_instruction(Remedy.WIDERSPRUCH, authority, "Weg <1>, 64569 Nauheim")
    assert "innerhalb eines Monats nach Bekanntgabe Widerspruch" in widerspruch
    assert "§ 3a Abs. 2 HVwVfG" in widerspruch
    assert "der Gemeinde A &amp; B, Weg &lt;1&gt;, 64569 Nauheim, einzulegen." in widerspruch
    klage = remedy_instruction(Remedy.KLAGE, authority, "")
    assert "innerhalb eines Monats nach Bekanntgabe Klage" in klage
    assert "Verwaltungsgericht Darmstadt, Julius-Reiber-Straße 37, 64293 Darmstadt" in klage
