"""Letters a legal office would sign (issue 14, point 4): § 26 Abs. 2 HVwVfG as it is worded, the
receipt an Anzeige is due (§ 15 Abs. 1 GewO) instead of a Bewilligung, fees paid or open, and the
authority and its contact data as the letters print them. Every letter is read back from its PDF."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from kommune_desk.documents.girocode import CAPTION
from kommune_desk.documents.model import LetterKind
from kommune_desk.documents.paid_fee import PaidFeeBlock
from kommune_desk.domain import workflow
from kommune_desk.domain.applications import NewApplication
from kommune_desk.domain.authority import AuthorityData
from kommune_desk.domain.notices import NoticeError
from kommune_desk.domain.payments import PaymentMethod
from kommune_desk.domain.records import ApplicationStatus, Channel, Procedure, Role
from kommune_desk.domain.workflow import Decision, Step, WorkflowError
from kommune_desk.services.authority import set_authority
from kommune_desk.services.cases import record_payment
from kommune_desk.services.clerks import add_clerk
from kommune_desk.services.notices import (
    NoticeDetails,
    build_letter,
    issue_notice,
    kinds_available,
    mark_sent,
    preview_notice,
    release_notice,
)
from kommune_desk.services.workflow import take_step
from kommune_desk.services.workspace import Workspace, load_workspace
from kommune_desk.storage import reference

RECEIVED = dt.datetime(2025, 2, 3, 9, 0, tzinfo=dt.UTC)
LETTER_DAY = dt.date(2025, 3, 3)
K = LetterKind


@pytest.fixture
def ws(workspace: Workspace) -> Workspace:
    with workspace.db.write() as conn:  # the town's account, as the administration enters it
        conn.execute(
            "UPDATE municipalities SET bank_name = 'Kreissparkasse Groß-Gerau',"
            " iban = 'DE02508525530000001000', bic = 'HELADEF1GRG' WHERE id = ?",
            (workspace.municipality.id,),
        )
    return workspace


def _text(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


def _register(ws: Workspace, service: str, **form: str) -> str:
    conn = ws.db.reader()
    try:
        service_id = next(
            s.id for s in reference.list_services(conn, ws.municipality.id) if s.name == service
        )
    finally:
        conn.close()
    return register(ws, service_id, form)


def register(ws: Workspace, service_id: str, form: dict[str, str]) -> str:
    from kommune_desk.services.applications import register_application

    return register_application(
        ws,
        NewApplication(
            service_id, "Nowak, Łukasz", Channel.SCHALTER, RECEIVED,
            applicant_street="Hauptstraße 1", applicant_postal_code="64569", applicant_city="Nauheim",
            form_data=form,
        ),
    )  # fmt: skip


def _preview(ws: Workspace, case: str, kind: LetterKind, **details: object) -> str:
    return _text(preview_notice(ws, case, kind, NoticeDetails(letter_date=LETTER_DAY, **details)))  # type: ignore[arg-type]


# -- § 26 Abs. 2 HVwVfG ---------------------------------------------------------------------------
def test_the_request_for_documents_quotes_the_duty_to_cooperate_as_the_law_words_it(ws: Workspace) -> None:
    case = _register(ws, "Bewohnerparkausweis")
    take_step(ws, case, Step.BEARBEITEN)
    text = _preview(
        ws,
        case,
        K.ANFORDERUNG_UNTERLAGEN,
        missing_documents=("Fahrzeugschein",),
        documents_due=dt.date(2025, 3, 17),
    )
    assert "Die Beteiligten sollen bei der Ermittlung des Sachverhalts mitwirken" in text
    assert "§ 26 Abs. 2 HVwVfG" in text
    assert "verpflichtet" not in text
    assert "Fahrzeugschein" in text and "17.03.2025" in text


# -- Anzeige: Empfangsbescheinigung ------------------------------------------------------------------
def test_a_trade_notification_gets_its_receipt_not_a_decision(ws: Workspace) -> None:
    case = _register(ws, "Gewerbeanmeldung", betrieb="Fahrräder Nowak", beginn="01.03.2025")
    take_step(ws, case, Step.BEARBEITEN)
    clerk = workflow.Actor(ws.clerk.id, ws.clerk.role)  # type: ignore[union-attr]
    steps = workflow.available_steps(
        workflow.Case(ApplicationStatus.IN_BEARBEITUNG, ws.clerk.id, procedure=Procedure.ANZEIGE),
        clerk,  # type: ignore[union-attr]
    )
    assert Step.EMPFANG_BESCHEINIGEN in steps and Step.UNTERLAGEN_ANFORDERN in steps
    assert not {Step.ENTSCHEIDUNG_ENTWERFEN, Step.FREIGEBEN} & set(steps)
    with pytest.raises(WorkflowError, match="weder bewilligt noch abgelehnt"):
        take_step(ws, case, Step.ENTSCHEIDUNG_ENTWERFEN, Decision.BEWILLIGT)
    assert K.EINGANGSBESTAETIGUNG not in kinds_available(ws, case)
    assert K.ANFORDERUNG_UNTERLAGEN in kinds_available(ws, case)  # an incomplete Anzeige: ask for more
    nachforderung = _preview(
        ws, case, K.ANFORDERUNG_UNTERLAGEN, missing_documents=("Angemeldete Tätigkeit",),
        documents_due=dt.date(2025, 3, 17),
    )  # fmt: skip
    assert "Ihre Gewerbeanzeige vom 03.02.2025" in nachforderung
    assert "Empfang bescheinigen" in nachforderung and "ablehnen" not in nachforderung

    take_step(ws, case, Step.EMPFANG_BESCHEINIGEN)
    kinds = kinds_available(ws, case)
    assert K.EMPFANGSBESCHEINIGUNG in kinds and K.BEWILLIGUNG not in kinds and K.ABLEHNUNG not in kinds
    with pytest.raises(NoticeError, match="Anzeige wird nicht beschieden"):
        build_letter(ws, case, K.BEWILLIGUNG, NoticeDetails(letter_date=LETTER_DAY))
    text = _preview(ws, case, K.EMPFANGSBESCHEINIGUNG)
    assert "Empfangsbescheinigung über Ihre Gewerbeanzeige vom 03.02.2025" in text
    assert "§ 15 Abs. 1 der Gewerbeordnung (GewO) den Empfang Ihrer Gewerbeanzeige" in text
    for decision_word in ("Bewilligung", "bewilligt", "stattgegeben", "abgelehnt", "Rechtsbehelfsbelehrung"):
        assert decision_word not in text, decision_word
    assert "keine Genehmigung" in text
    # It names what was notified, as the GewA 1 copy does.
    assert "Angaben Ihrer Anzeige" in text
    assert "Name des Betriebs: Fahrräder Nowak" in text and "Beginn der Tätigkeit: 01.03.2025" in text

    notice = issue_notice(ws, case, K.EMPFANGSBESCHEINIGUNG, NoticeDetails(letter_date=LETTER_DAY))
    release_notice(ws, notice.id)
    sent = mark_sent(ws, notice.id, posted_on=dt.date(2025, 3, 4))
    assert sent.remedy_deadline is None  # no administrative act, no remedy period
    conn = ws.db.reader()
    try:
        status = conn.execute("SELECT status FROM applications WHERE id = ?", (case,)).fetchone()[0]
    finally:
        conn.close()
    assert status == ApplicationStatus.BESCHEID_VERSANDT.value  # the receipt settles the Anzeige


def test_an_application_gets_no_receipt_and_takes_no_receipt_step(ws: Workspace) -> None:
    case = _register(ws, "Bewohnerparkausweis")
    take_step(ws, case, Step.BEARBEITEN)
    with pytest.raises(WorkflowError, match="nur bei einer Anzeige"):
        take_step(ws, case, Step.EMPFANG_BESCHEINIGEN)
    assert K.EMPFANGSBESCHEINIGUNG not in kinds_available(ws, case)


# -- fees paid or open ------------------------------------------------------------------------------
def test_a_paid_fee_is_stated_not_asked_for_again(ws: Workspace) -> None:
    case = _register(ws, "Bewohnerparkausweis")
    record_payment(ws, case, PaymentMethod.EC_KARTE, 3000, dt.date(2025, 2, 20))
    letter = build_letter(ws, case, K.GEBUEHRENBESCHEID, NoticeDetails(letter_date=LETTER_DAY))
    assert isinstance(letter.fee, PaidFeeBlock) and not letter.fee.with_qr_code
    text = _preview(ws, case, K.GEBUEHRENBESCHEID)
    assert "Die Gebühr von 30,00 € haben Sie bereits am 20.02.2025 bezahlt." in text
    assert "Kostenfestsetzung" in text  # the fee is still set (§ 14 HVwKostG)
    for request in ("Bitte überweisen", CAPTION, "Fällig am", "fristgerecht zu zahlen"):
        assert request not in text, request
    issued = issue_notice(ws, case, K.GEBUEHRENBESCHEID, NoticeDetails(letter_date=LETTER_DAY))
    assert issued.fee_due_on is None  # nothing can fall due, nothing can be dunned


def test_a_refusal_states_the_open_fee_and_a_paid_one(ws: Workspace) -> None:
    case = _register(ws, "Bewohnerparkausweis")
    for step, decision in ((Step.BEARBEITEN, None), (Step.ENTSCHEIDUNG_ENTWERFEN, Decision.ABGELEHNT)):
        take_step(ws, case, step, decision)
    take_step(ws, case, Step.FREIGEBEN)
    reasons = {"reasons": "Das Fahrzeug ist nicht in Nauheim zugelassen."}
    text = _preview(ws, case, K.ABLEHNUNG, **reasons)
    assert "Verwaltungsgebühr von 30,00 €" in text and "Die Gebühr ist noch offen" in text
    record_payment(ws, case, PaymentMethod.BAR, 3000, dt.date(2025, 2, 20))
    text = _preview(ws, case, K.ABLEHNUNG, **reasons)
    assert "Die Gebühr von 30,00 € haben Sie bereits am 20.02.2025 bezahlt." in text
    assert "noch offen" not in text


def test_an_approval_does_not_announce_a_paid_fee_as_due(ws: Workspace) -> None:
    case = _register(ws, "Bewohnerparkausweis")
    record_payment(ws, case, PaymentMethod.BAR, 3000, dt.date(2025, 2, 20))
    for step, decision in ((Step.BEARBEITEN, None), (Step.ENTSCHEIDUNG_ENTWERFEN, Decision.BEWILLIGT)):
        take_step(ws, case, step, decision)
    take_step(ws, case, Step.FREIGEBEN)
    text = _preview(ws, case, K.BEWILLIGUNG)
    assert "bereits am 20.02.2025 bezahlt" in text and "gesonderten Gebührenbescheid" not in text


# -- the authority and its contact data -------------------------------------------------------------
def _authority(**changes: str) -> AuthorityData:
    values = {
        "kind": "gemeinde", "name": "Nauheim", "phone": "06152 639-0", "email": "buergerbuero@nauheim.de",
        "street": "Weingartenstraße 46", "postal_code": "64569", "city": "Nauheim",
    }  # fmt: skip
    return AuthorityData(**{**values, **changes})


def _admin(ws: Workspace) -> Workspace:
    add_clerk(ws, "a.admin", "Anna Admin", Role.ADMINISTRATION)
    admin = load_workspace(ws.db, "a.admin")
    assert admin is not None
    return admin


def test_gemeinde_and_stadt_letters_name_who_issues_them_and_print_the_contact_data(ws: Workspace) -> None:
    admin = _admin(ws)
    case = _register(ws, "Bewohnerparkausweis")
    without = _preview(ws, case, K.EINGANGSBESTAETIGUNG)
    assert "oben genannten Kontaktdaten" not in without  # none are printed, so none are referred to
    assert "schriftlich oder persönlich: Bürgerbüro, Weingartenstraße 46, 64569 Nauheim" in without

    assert set_authority(admin, _authority())
    gemeinde = _preview(ws, case, K.EINGANGSBESTAETIGUNG)
    assert "Der Gemeindevorstand der Gemeinde Nauheim" in gemeinde
    assert "06152 639-0" in gemeinde and "buergerbuero@nauheim.de" in gemeinde
    assert "unter den oben genannten Kontaktdaten" in gemeinde

    assert set_authority(admin, _authority(kind="stadt", name="Mörfelden-Walldorf", phone="06105 938-0"))
    stadt = _preview(ws, case, K.EINGANGSBESTAETIGUNG)
    assert "Der Magistrat der Stadt Mörfelden-Walldorf" in stadt and "Gemeindevorstand" not in stadt
    assert "06105 938-0" in stadt


def test_a_saved_text_that_points_to_contact_data_needs_contact_data(ws: Workspace) -> None:
    from kommune_desk.domain.validation import ValidationError
    from kommune_desk.services.letter_templates import save_template

    lead_login = "t.leitung"
    add_clerk(ws, lead_login, "Tina Leitner", Role.TEAMLEITUNG)
    lead = load_workspace(ws.db, lead_login)
    assert lead is not None
    save_template(
        lead,
        None,
        K.EINGANGSBESTAETIGUNG,
        "schluss",
        "Sie erreichen uns unter den oben genannten Kontaktdaten.",
    )
    case = _register(ws, "Bewohnerparkausweis")
    with pytest.raises(ValidationError, match="verweist auf Kontaktdaten"):
        build_letter(ws, case, K.EINGANGSBESTAETIGUNG, NoticeDetails(letter_date=LETTER_DAY))
