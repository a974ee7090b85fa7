"""Notices on a real database: archive, 4-eyes release, sending with Bekanntgabe, corrections,
immutability, tenant isolation and escaping of citizens' text."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from dataclasses import dataclass, replace

import pytest

from kommune_desk.documents.model import LetterKind, Section
from kommune_desk.domain.applications import NewApplication
from kommune_desk.domain.authority import Remedy
from kommune_desk.domain.ids import uuid7
from kommune_desk.domain.markup import Markup
from kommune_desk.domain.notices import NoticeError, NoticeStatus, fee_due_date
from kommune_desk.domain.records import Channel, Role
from kommune_desk.domain.validation import ValidationError
from kommune_desk.domain.workflow import Decision, Step
from kommune_desk.services.applications import register_application
from kommune_desk.services.cases import read_case
from kommune_desk.services.clerks import add_clerk
from kommune_desk.services.errors import StorageError
from kommune_desk.services.letter_templates import save_template
from kommune_desk.services.notices import (
    NoticeDamagedError,
    NoticeDetails,
    build_letter,
    cancel_notice,
    correct_notice,
    issue_notice,
    kinds_available,
    list_notices,
    mark_sent,
    notice_details,
    notice_pdf,
    preview_notice,
    ready_to_send,
    release_notice,
    set_bekanntgabe_tage,
    set_service_remedy,
)
from kommune_desk.services.workflow import take_step
from kommune_desk.services.workspace import Workspace, load_workspace
from kommune_desk.storage import reference
from kommune_desk.storage.files import blob_path

RECEIVED = dt.datetime(2025, 2, 3, 9, 0, tzinfo=dt.UTC)
LETTER_DAY = dt.date(2025, 3, 3)  # a Monday
POSTED = dt.date(2025, 3, 4)  # Tuesday: + 4 days = Saturday → Bekanntgabe Monday 10.03.2025
K = LetterKind


@dataclass(frozen=True)
class Team:
    clerk: Workspace  # Sachbearbeitung (set up by conftest)
    lead: Workspace  # Teamleitung
    lead2: Workspace  # a second Teamleitung
    admin: Workspace  # Administration


def _colleague(ws: Workspace, login: str, name: str, role: Role) -> Workspace:
    add_clerk(ws, login, name, role)
    other = load_workspace(ws.db, login)
    assert other is not None
    return other


@pytest.fixture
def team(workspace: Workspace) -> Team:
    with workspace.db.write() as conn:  # the municipality's account, as an admin enters it
        conn.execute(
            "UPDATE municipalities SET bank_name = 'Kreissparkasse Groß-Gerau',"
            " iban = 'DE02508525530000001000', bic = 'HELADEF1GRG' WHERE id = ?",
            (workspace.municipality.id,),
        )
    return Team(
        workspace,
        _colleague(workspace, "t.leitung", "Tina Leitner", Role.TEAMLEITUNG),
        _colleague(workspace, "r.hofmann", "Renate Hofmann", Role.TEAMLEITUNG),
        _colleague(workspace, "a.admin", "Anna Admin", Role.ADMINISTRATION),
    )


def _service_id(ws: Workspace, name: str) -> str:
    conn = ws.db.reader()
    try:
        return next(s.id for s in reference.list_services(conn, ws.municipality.id) if s.name == name)
    finally:
        conn.close()


def _register(
    ws: Workspace, service: str = "Bewohnerparkausweis", name: str = "Roß, Ingrid", **fields: str
) -> str:
    address = {
        "applicant_street": "Hauptstraße 1",
        "applicant_postal_code": "64569",
        "applicant_city": "Nauheim",
    }
    return register_application(
        ws, NewApplication(_service_id(ws, service), name, Channel.PAPIER, RECEIVED, **{**address, **fields})
    )


def _decided(
    team: Team, service: str = "Bewohnerparkausweis", decision: Decision = Decision.ABGELEHNT, **kw: str
) -> str:
    case = _register(team.clerk, service, **kw)
    take_step(team.clerk, case, Step.BEARBEITEN)
    take_step(team.clerk, case, Step.ENTSCHEIDUNG_ENTWERFEN, decision)
    take_step(team.lead, case, Step.FREIGEBEN)  # a Teamleitung approves (4-eyes where needed)
    return case


def _case_status(ws: Workspace, case: str) -> str:
    conn = ws.db.reader()
    try:
        return str(conn.execute("SELECT status FROM applications WHERE id = ?", (case,)).fetchone()[0])
    finally:
        conn.close()


def _audit(ws: Workspace, case: str) -> list[tuple[str, dict[str, object]]]:
    conn = ws.db.reader()
    try:
        rows = conn.execute(
            "SELECT action, changes FROM audit_log WHERE entity_id = ? ORDER BY rowid", (case,)
        ).fetchall()
    finally:
        conn.close()
    return [(action, json.loads(changes)) for action, changes in rows]


def _outbox(ws: Workspace) -> list[str]:
    conn = ws.db.reader()
    try:
        return [r[0] for r in conn.execute("SELECT name FROM outbox ORDER BY seq")]
    finally:
        conn.close()


REASONS = NoticeDetails(reasons="Die angemeldete Tätigkeit ist erlaubnispflichtig.", letter_date=LETTER_DAY)


def test_decision_notice_from_draft_to_sent_with_four_eyes(team: Team) -> None:
    case = _decided(team, "Baumfällgenehmigung", Decision.BEWILLIGT)  # a 4-eyes service
    details = NoticeDetails(
        conditions=("Ersatzpflanzung einer Linde bis zum 30.11.2025.",),
        reasons="Die Birke ist nicht mehr standsicher.",
        letter_date=LETTER_DAY,
    )
    draft = issue_notice(team.clerk, case, K.BEWILLIGUNG, details)
    assert (draft.status, draft.version, draft.created_by_name, draft.replaces_id) == (
        NoticeStatus.ENTWURF,
        1,
        "Zoë Ağaoğlu",
        None,
    )
    assert (draft.aktenzeichen, draft.applicant_name, draft.letter_date) == (
        "NAU-2025-00001",
        "Roß, Ingrid",
        LETTER_DAY,
    )
    with pytest.raises(NoticeError, match="nur die Teamleitung"):
        release_notice(team.clerk, draft.id)
    # The case's list tells each clerk the same, so the panel offers "Freigeben" only to the lead.
    (listed,) = [n for n in list_notices(team.clerk, case) if n.id == draft.id]
    assert listed.release_refusal is not None and "nur die Teamleitung" in listed.release_refusal
    assert [n.release_refusal for n in list_notices(team.lead, case) if n.id == draft.id] == [None]
    assert ready_to_send(team.clerk) == []
    released = release_notice(team.lead, draft.id)
    assert (released.status, released.released_by_name) == (NoticeStatus.FREIGEGEBEN, "Tina Leitner")
    assert [n.id for n in ready_to_send(team.clerk)] == [draft.id]
    assert _case_status(team.clerk, case) == "freigegeben"

    sent = mark_sent(team.clerk, draft.id, posted_on=POSTED)
    assert (sent.status, sent.posted_on, sent.bekanntgabe_on, sent.remedy_deadline) == (
        NoticeStatus.VERSANDT,
        POSTED,
        dt.date(2025, 3, 10),
        dt.date(2025, 4, 10),
    )
    assert sent.sha256 == draft.sha256
    assert _case_status(team.clerk, case) == "bescheid_versandt"
    assert ready_to_send(team.clerk) == []
    actions = [action for action, _ in _audit(team.clerk, case)]
    assert actions[-4:] == [
        "schreiben_erstellt",
        "schreiben_freigegeben",
        "schreiben_versandt",
        "bescheid_versenden",
    ]
    sent_entry = dict(_audit(team.clerk, case))["schreiben_versandt"]
    assert sent_entry["notice_id"] == draft.id and sent_entry["remedy_deadline"] == "2025-04-10"
    assert _outbox(team.clerk)[-4:] == ["issue_notice", "release_notice", "mark_notice_sent", "take_step"]
    history = read_case(team.clerk, case).history
    assert any(
        h.what == "Schreiben versandt" and "Bekanntgabe am: 10.03.2025" in h.details for h in history
    ), history


def test_a_refused_send_changes_nothing(team: Team) -> None:
    case = _decided(team)
    notice = release_notice(team.clerk, issue_notice(team.clerk, case, K.ABLEHNUNG, REASONS).id)
    stranger = _colleague(team.clerk, "b.kollege", "Ben Kollege", Role.SACHBEARBEITUNG)
    before = list_notices(team.clerk, case), _audit(team.clerk, case), _outbox(team.clerk)
    with pytest.raises(ValidationError, match="zugewiesen"):  # the case step refuses: all rolls back
        mark_sent(stranger, notice.id, posted_on=POSTED)
    with pytest.raises(ValidationError, match="kann nicht am"):
        mark_sent(team.clerk, notice.id, posted_on=LETTER_DAY - dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="Zukunft"):
        mark_sent(team.clerk, notice.id, posted_on=dt.date.today() + dt.timedelta(days=1))
    assert (list_notices(team.clerk, case), _audit(team.clerk, case), _outbox(team.clerk)) == before


def test_correction_chain_keeps_every_printed_version(team: Team) -> None:
    case = _decided(team)
    first = issue_notice(team.clerk, case, K.ABLEHNUNG, REASONS)
    release_notice(team.clerk, first.id)
    mark_sent(team.clerk, first.id, posted_on=POSTED)
    first_pdf = notice_pdf(team.clerk, first.id)
    assert hashlib.sha256(first_pdf).hexdigest() == first.sha256 and first_pdf.startswith(b"%PDF")

    better = replace(REASONS, reasons="Für die Tätigkeit fehlt die Erlaubnis nach § 34c GewO.")
    second = correct_notice(team.clerk, first.id, better)
    assert (second.version, second.status, second.replaces_id) == (2, NoticeStatus.ENTWURF, first.id)
    assert second.sha256 != first.sha256
    third = correct_notice(team.clerk, second.id, replace(better, reasons=better.reasons + " Ergänzt."))
    assert (third.version, third.replaces_id) == (3, second.id)
    listed = {n.version: n for n in list_notices(team.clerk, case)}
    assert [listed[v].status for v in (1, 2, 3)] == [
        NoticeStatus.STORNIERT,
        NoticeStatus.STORNIERT,
        NoticeStatus.ENTWURF,
    ]
    assert listed[1].cancel_reason == "Berichtigt durch Version 2" and listed[1].sha256 == first.sha256
    assert listed[1].bekanntgabe_on == dt.date(2025, 3, 10)  # the printed facts stay
    assert notice_pdf(team.clerk, first.id) == first_pdf
    with pytest.raises(NoticeError, match="storniert"):
        correct_notice(team.clerk, first.id, better)
    with pytest.raises(NoticeError, match="schon einen Ablehnungsbescheid"):
        issue_notice(team.clerk, case, K.ABLEHNUNG, REASONS)
    release_notice(team.clerk, third.id)  # a correction after sending may be released and sent
    mark_sent(team.clerk, third.id, posted_on=POSTED)
    assert _case_status(team.clerk, case) == "bescheid_versandt"
    assert [a for a, _ in _audit(team.clerk, case)].count("bescheid_versenden") == 1
    assert "schreiben_berichtigt" in [a for a, _ in _audit(team.clerk, case)]


def test_a_tampered_or_missing_pdf_is_detected(team: Team) -> None:
    case = _register(team.clerk)
    notice = issue_notice(team.clerk, case, K.EINGANGSBESTAETIGUNG, NoticeDetails(letter_date=LETTER_DAY))
    path = blob_path(team.clerk.db.attachments_dir, notice.sha256)
    original = path.read_bytes()
    path.write_bytes(original.replace(b"Nauheim", b"Neuheim"))
    with pytest.raises(NoticeDamagedError, match="beschädigt oder wurde verändert") as raised:
        notice_pdf(team.clerk, notice.id)
    assert isinstance(raised.value, StorageError)
    path.unlink()
    with pytest.raises(NoticeDamagedError, match="fehlt im Datenordner"):
        notice_pdf(team.clerk, notice.id)


def test_archived_rows_cannot_be_rewritten_or_deleted(team: Team) -> None:
    case = _register(team.clerk)
    notice = issue_notice(team.clerk, case, K.EINGANGSBESTAETIGUNG, NoticeDetails(letter_date=LETTER_DAY))
    for statement in (
        "UPDATE notices SET sha256 = ? WHERE id = ?",
        "UPDATE notices SET template_versions = ? WHERE id = ?",
        "DELETE FROM notices WHERE id = ? OR id = ?",
    ):
        with (
            pytest.raises(sqlite3.IntegrityError, match=r"immutable|never deleted"),
            team.clerk.db.write() as conn,
        ):
            conn.execute(statement, ("0" * 64, notice.id))
    assert list_notices(team.clerk, case)[0].sha256 == notice.sha256


def test_template_versions_are_stored_with_the_notice(team: Team) -> None:
    save_template(
        team.lead, None, K.ABLEHNUNG, "tenor", "Ihr Antrag vom {{eingangsdatum}} wird <b>abgelehnt</b>."
    )
    case = _decided(team)
    notice = issue_notice(team.clerk, case, K.ABLEHNUNG, REASONS)
    conn = team.clerk.db.reader()
    try:
        stored = json.loads(
            conn.execute("SELECT template_versions FROM notices WHERE id = ?", (notice.id,)).fetchone()[0]
        )
    finally:
        conn.close()
    versions = {
        entry["block"]: (entry["version"], entry["service_id"], bool(entry["id"])) for entry in stored
    }
    assert versions == {
        "einleitung": (0, None, False),
        "tenor": (1, None, True),
        "begruendung": (0, None, False),
        "kosten": (0, None, False),  # the open fee of a refusal is stated
        "schluss": (0, None, False),
    }
    parts = [p for p in build_letter(team.clerk, case, K.ABLEHNUNG, REASONS).parts if isinstance(p, Section)]
    assert parts[1] == Section("Entscheidung", Markup("Ihr Antrag vom 03.02.2025 wird <b>abgelehnt</b>."))


def test_another_municipality_sees_nothing(team: Team) -> None:
    case = _decided(team)
    notice = release_notice(team.clerk, issue_notice(team.clerk, case, K.ABLEHNUNG, REASONS).id)
    ws = team.clerk
    assert ws.clerk is not None
    other_municipality = replace(ws.municipality, id=uuid7(), ags="06433002", name="Bischofsheim")
    other_office = replace(ws.office, id=uuid7(), municipality_id=other_municipality.id, code="BIS")
    other_clerk = replace(
        ws.clerk,
        id=uuid7(),
        municipality_id=other_municipality.id,
        office_id=other_office.id,
        role=Role.TEAMLEITUNG,
    )
    with ws.db.write() as conn:
        at = "2025-01-01T00:00:00+00:00"
        reference.insert_municipality(conn, other_municipality, at)
        reference.insert_office(conn, other_office, at)
        reference.insert_clerk(conn, other_clerk, at)
    other = Workspace(ws.db, other_municipality, other_office, other_clerk, "testerin")
    before = list_notices(ws, case), _outbox(ws)
    missing = uuid7()
    for notice_id in (notice.id, missing):
        for call in (
            lambda n: notice_pdf(other, n),
            lambda n: release_notice(other, n),
            lambda n: mark_sent(other, n, POSTED),
            lambda n: cancel_notice(other, n, "weg damit"),
            lambda n: correct_notice(other, n, REASONS),
        ):
            with pytest.raises(NoticeError) as raised:
                call(notice_id)
            assert raised.value.messages == ["Dieses Schreiben gibt es in Ihrer Gemeinde nicht (mehr)."]
    for application_id in (case, missing):
        for call in (
            lambda a: list_notices(other, a),
            lambda a: kinds_available(other, a),
            lambda a: build_letter(other, a, K.ABLEHNUNG, REASONS),
            lambda a: issue_notice(other, a, K.ABLEHNUNG, REASONS),
        ):
            with pytest.raises(NoticeError) as raised:
                call(application_id)
            assert raised.value.messages == ["Diesen Antrag gibt es in Ihrer Gemeinde nicht (mehr)."]
    assert ready_to_send(other) == []
    assert (list_notices(ws, case), _outbox(ws)) == before
    assert [n.id for n in ready_to_send(ws)] == [notice.id]


def test_hostile_text_ends_up_escaped_in_the_letter(team: Team) -> None:
    hostile_name = "<img src=x>&" + "W" * 500
    save_template(
        team.lead, None, K.ABLEHNUNG, "einleitung", "an <b>{{antragsteller_name}}</b> ({{anschrift}}):"
    )
    case = _decided(team, name=hostile_name, applicant_street='<a href="file:///etc/passwd">Weg</a> 1')
    details = replace(REASONS, reasons="<b>nicht</b> & <a href='x'>\n{{aktenzeichen}}")
    letter = build_letter(team.clerk, case, K.ABLEHNUNG, details)
    bodies = [p.body for p in letter.parts if isinstance(p, Section)]
    assert all(isinstance(b, Markup) for b in bodies)
    text = "\n".join(bodies)
    assert "<img" not in text and "<a " not in text and "{{aktenzeichen}}" in text  # values are not expanded
    assert (
        f"an <b>&lt;img src=x&gt;&amp;{'W' * 500}</b> (&lt;a href=&quot;file:///etc/passwd&quot;&gt;Weg"
        in text
    )
    assert "&lt;b&gt;nicht&lt;/b&gt; &amp; &lt;a href=&#39;x&#39;&gt;<br/>{{aktenzeichen}}" in text
    assert letter.recipient.lines[0] == hostile_name  # plain str: the renderer escapes it
    assert letter.salutation == f"Guten Tag {hostile_name},"
    conditions = build_letter(
        team.clerk,
        _decided(team, "Baumfällgenehmigung", Decision.BEWILLIGT),
        K.BEWILLIGUNG,
        replace(details, conditions=("<u>nie</u> & nimmer",)),
    )
    numbered = next(p for p in conditions.parts if isinstance(p, Section) and p.numbered).numbered
    assert numbered == ("&lt;u&gt;nie&lt;/u&gt; &amp; nimmer",)
    assert preview_notice(team.clerk, case, K.ABLEHNUNG, details).startswith(b"%PDF")


def test_missing_values_are_named_before_printing(team: Team) -> None:
    case = _decided(team, applicant_street="", applicant_postal_code="")
    with pytest.raises(ValidationError) as raised:
        build_letter(team.clerk, case, K.ABLEHNUNG, NoticeDetails(letter_date=LETTER_DAY))
    assert raised.value.messages == [
        "Für das Schreiben fehlt in der Anschrift der Antragstellerin / des Antragstellers: Straße und "
        "Hausnummer, Postleitzahl. Bitte ergänzen Sie die Angaben im Vorgang über »Angaben berichtigen …«.",
        "Bitte ergänzen: Begründung der Sachbearbeitung (im Textbaustein {{begruendung}}).",
    ]
    waiting = _register(team.clerk)
    take_step(team.clerk, waiting, Step.BEARBEITEN)
    with pytest.raises(ValidationError) as raised:
        build_letter(team.clerk, waiting, K.ANFORDERUNG_UNTERLAGEN, NoticeDetails(letter_date=LETTER_DAY))
    assert raised.value.messages == [
        "Bitte geben Sie an, welche Unterlagen fehlen.",  # not repeated as {{unterlagen}}
        "Bitte ergänzen: Frist für die Unterlagen (im Textbaustein {{frist_unterlagen}}).",
    ]
    late = NoticeDetails(("Grundriss",), documents_due=LETTER_DAY, letter_date=LETTER_DAY)
    with pytest.raises(ValidationError, match=r"muss nach dem Datum des Schreibens \(03.03.2025\) liegen"):
        build_letter(team.clerk, waiting, K.ANFORDERUNG_UNTERLAGEN, late)
    ok = replace(late, documents_due=dt.date(2025, 3, 17))
    first = next(p for p in build_letter(team.clerk, waiting, K.ANFORDERUNG_UNTERLAGEN, ok).parts)
    assert (
        isinstance(first, Section) and "– Grundriss<br/>" in first.body and "bis zum 17.03.2025" in first.body
    )


def test_which_letters_fit_and_when_a_decision_notice_may_be_released(team: Team) -> None:
    case = _register(team.clerk, "Baumfällgenehmigung")
    assert kinds_available(team.clerk, case) == [K.EINGANGSBESTAETIGUNG, K.GEBUEHRENBESCHEID]
    with pytest.raises(NoticeError, match="erst, wenn die Entscheidung entworfen ist"):
        issue_notice(team.clerk, case, K.BEWILLIGUNG, REASONS)
    take_step(team.clerk, case, Step.BEARBEITEN)
    take_step(team.clerk, case, Step.ENTSCHEIDUNG_ENTWERFEN, Decision.TEILWEISE_BEWILLIGT)
    assert kinds_available(team.clerk, case) == [K.BEWILLIGUNG, K.GEBUEHRENBESCHEID]
    letter = build_letter(team.clerk, case, K.BEWILLIGUNG, REASONS)
    headings = [p.heading for p in letter.parts if isinstance(p, Section)]
    assert headings == ["", "Entscheidung", "Kosten", "Begründung", "Rechtsbehelfsbelehrung", ""]
    assert "teilweise stattgegeben" in letter.parts[1].body  # type: ignore[union-attr]
    draft = issue_notice(team.clerk, case, K.BEWILLIGUNG, REASONS)
    with pytest.raises(NoticeError, match="wenn die Entscheidung freigegeben ist"):
        release_notice(team.lead, draft.id)
    take_step(team.lead, case, Step.FREIGEBEN)
    with pytest.raises(NoticeError, match="eigenen Entwurf"):  # a Teamleitung who wrote the notice
        release_notice(team.lead, correct_notice(team.lead, draft.id, REASONS).id)
    assert (
        release_notice(team.lead2, list_notices(team.clerk, case)[-1].id).status is NoticeStatus.FREIGEGEBEN
    )


def test_fee_notice_has_what_paragraph_14_hvwkostg_asks(team: Team) -> None:
    case = _register(team.clerk)  # Bewohnerparkausweis: 30,00 €
    letter = build_letter(team.clerk, case, K.GEBUEHRENBESCHEID, NoticeDetails(letter_date=LETTER_DAY))
    fee = letter.fee
    assert fee is not None
    assert (fee.total_cents, fee.due_date, fee.payee, fee.bank.iban) == (
        3000,
        fee_due_date(LETTER_DAY),
        "Gemeinde Nauheim",
        "DE02508525530000001000",
    )
    assert fee.kassenzeichen and fee.purpose == f"{fee.kassenzeichen} NAU-2025-00001"
    assert fee.items[0].legal_basis == "§ 45 Abs. 1b StVO; Gebührenordnung"
    assert fee.debtor == "Ingrid Roß, Hauptstraße 1, 64569 Nauheim"
    assert letter.sender.authority == "Gemeinde Nauheim – Der Gemeindevorstand"
    belehrung = next(
        p for p in letter.parts if isinstance(p, Section) and p.heading == "Rechtsbehelfsbelehrung"
    )
    assert "Widerspruch" in belehrung.body and "beim Gemeindevorstand der Gemeinde Nauheim" in belehrung.body
    issued = issue_notice(team.clerk, case, K.GEBUEHRENBESCHEID, NoticeDetails(letter_date=LETTER_DAY))
    assert issued.fee_due_on == dt.date(2025, 4, 2)

    service_id = _service_id(team.clerk, "Bewohnerparkausweis")
    with pytest.raises(ValidationError, match="nur die Administration"):
        set_service_remedy(team.lead, service_id, Remedy.KLAGE)
    set_service_remedy(team.admin, service_id, Remedy.KLAGE)
    letter = build_letter(team.clerk, case, K.GEBUEHRENBESCHEID, NoticeDetails(letter_date=LETTER_DAY))
    belehrung = next(
        p for p in letter.parts if isinstance(p, Section) and p.heading == "Rechtsbehelfsbelehrung"
    )
    assert "Klage beim Verwaltungsgericht Darmstadt" in belehrung.body


def test_bekanntgabe_days_are_a_municipality_setting(team: Team) -> None:
    with pytest.raises(ValidationError, match="nur die Administration"):
        set_bekanntgabe_tage(team.clerk, 3)
    with pytest.raises(ValidationError, match="3 oder nach 4 Tagen"):
        set_bekanntgabe_tage(team.admin, 5)
    set_bekanntgabe_tage(team.admin, 3)
    case = _register(team.clerk)
    notice = issue_notice(team.clerk, case, K.EINGANGSBESTAETIGUNG, NoticeDetails(letter_date=LETTER_DAY))
    release_notice(team.clerk, notice.id)
    sent = mark_sent(team.clerk, notice.id, posted_on=POSTED)
    assert (sent.bekanntgabe_on, sent.remedy_deadline) == (
        dt.date(2025, 3, 7),
        None,
    )  # no remedy, no deadline
    assert _case_status(team.clerk, case) == "eingegangen"  # only decision notices move the case


def test_cancelling_needs_a_reason_and_ends_the_life_cycle(team: Team) -> None:
    case = _register(team.clerk)
    notice = issue_notice(team.clerk, case, K.EINGANGSBESTAETIGUNG, NoticeDetails(letter_date=LETTER_DAY))
    with pytest.raises(NoticeError, match="warum"):
        cancel_notice(team.clerk, notice.id, "  ")
    with pytest.raises(NoticeError, match="Administration"):
        cancel_notice(team.admin, notice.id, "falsch")
    cancelled = cancel_notice(team.clerk, notice.id, "Falsche Anschrift")
    assert (cancelled.status, cancelled.cancel_reason) == (NoticeStatus.STORNIERT, "Falsche Anschrift")
    with pytest.raises(NoticeError, match="storniert"):
        release_notice(team.clerk, notice.id)
    assert dict(_audit(team.clerk, case))["schreiben_storniert"]["cancel_reason"] == "Falsche Anschrift"


def test_a_correction_starts_from_the_details_of_the_notice_it_corrects(team: Team) -> None:
    case = _decided(team)
    details = replace(REASONS, conditions=("Auflage <b>1</b>",), letter_date=dt.date(2025, 2, 10))
    notice = issue_notice(team.clerk, case, K.ABLEHNUNG, details)
    assert notice_details(team.clerk, notice.id) == replace(details, letter_date=None)  # dated anew
    with pytest.raises(NoticeError, match="gibt es in Ihrer Gemeinde nicht"):
        notice_details(team.clerk, uuid7())


def test_a_service_named_antrag_is_not_called_antrag_twice(team: Team) -> None:
    import io

    from pypdf import PdfReader

    case = _register(team.clerk, "Antrag auf Grabnutzungsrecht")
    pdf = preview_notice(team.clerk, case, K.EINGANGSBESTAETIGUNG, NoticeDetails(letter_date=LETTER_DAY))
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "Ihren Antrag »Grabnutzungsrecht«" in text
    assert "Antrag »Antrag" not in text


@pytest.mark.parametrize(
    ("service", "subject"),
    [
        ("Antrag auf Grabnutzungsrecht", "Grabnutzungsrecht"),
        ("Antrag Brauchtumsfeuer/Grillplatz", "Brauchtumsfeuer/Grillplatz"),
        ("Gewerbeanmeldung", "Gewerbeanmeldung"),
        ("Antrag", "Antrag"),
    ],
)
def test_what_an_application_is_for(service: str, subject: str) -> None:
    from kommune_desk.domain.letter_texts import applied_for

    assert applied_for(service) == subject
