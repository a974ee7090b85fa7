"""The Geräteverleih's documents from the database: what goes in, what is refused, the e-mail."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
import urllib.parse

import pytest

from kommune_desk.documents.model import Checklist
from kommune_desk.domain.formatting import format_date, local_date, parse_timestamp
from kommune_desk.domain.ids import uuid7
from kommune_desk.domain.pool import CheckedItem, PoolError
from kommune_desk.domain.records import Address, Municipality, MunicipalityKind
from kommune_desk.services import pool_documents as documents
from kommune_desk.services.borrowers import Borrower, create_borrower
from kommune_desk.services.pool import book_device, register_device
from kommune_desk.services.pool_import import parse_amount
from kommune_desk.services.pool_loans import Handover, handover_device
from kommune_desk.services.workspace import Workspace
from kommune_desk.storage import loans as loan_repo
from kommune_desk.storage.capture import capture_suppressed
from kommune_desk.storage.reference import insert_municipality

from .conftest import TODAY

PERSON = "Zoë Ağaoğlu-Schmitt"


def _camera(ws: Workspace, number: str = "NAU-WBK-01") -> str:
    return register_device(
        ws, number, "Wärmebildkamera FLIR E8 Pro", "Wärmebildkamera", "SN4711",
        accessories=["Ladegerät", "Tasche"], replacement_value_cents=219_900, deposit_cents=5_000,
    )  # fmt: skip


def _person(ws: Workspace, **fields: str) -> str:
    values = {
        "street": "Hauptstraße 1",
        "postal_code": "64569",
        "city": "Nauheim",
        "email": "zoe@example.org",
    }
    values.update(fields)
    return create_borrower(ws, Borrower("", "buerger", PERSON, **values))


def _lent(ws: Workspace, person: str, start: dt.date = TODAY, days: int = 3) -> str:
    loan = book_device(
        ws, _camera(ws), start, start + dt.timedelta(days=days), borrower_id=person, today=start
    )
    handover = Handover([CheckedItem("Ladegerät", True)], "gut", True, True, 5_000, "bar")
    handover_device(ws, loan, handover, start)
    return loan


def _text(pdf: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_agreement_of_a_reservation_names_device_borrower_and_terms(workspace: Workspace) -> None:
    person = _person(workspace)
    loan = book_device(workspace, _camera(workspace), TODAY, TODAY + dt.timedelta(days=6), borrower_id=person,
                       today=TODAY)  # fmt: skip
    letter = documents.agreement_letter(workspace, loan, clerk_name="Petra Pool")
    assert letter.recipient.lines == (PERSON, "Hauptstraße 1", "64569 Nauheim")
    assert letter.sender.authority == "Gemeinde Nauheim – Der Gemeindevorstand"
    assert letter.signature.name == "Petra Pool"
    checklist = next(part for part in letter.parts if isinstance(part, Checklist))
    assert all(i.checked is None for i in checklist.items)  # blank boxes for the pen before the handover
    assert [i.text for i in checklist.items] == [  # type: ignore[union-attr]
        "Gerät vollständig und äußerlich unbeschädigt", "Funktion geprüft", "Ladegerät", "Tasche",
    ]  # fmt: skip
    text = _text(documents.agreement_pdf(workspace, loan))
    for expected in ("Leihvertrag", PERSON, "NAU-WBK-01", "SN4711", "2.199,00", "50,00", "Gemeinde Nauheim"):
        assert expected in text, expected
    assert "Übergabeprotokoll" in text and "Zoë Ağaoğlu" in text  # the clerk at the keyboard signs


def test_the_agreement_after_the_handover_shows_what_the_clerk_recorded(workspace: Workspace) -> None:
    person = _person(workspace)
    loan = book_device(workspace, _camera(workspace), TODAY, TODAY + dt.timedelta(days=6), borrower_id=person,
                       today=TODAY)  # fmt: skip
    checks = [
        CheckedItem("Gerät vollständig und äußerlich unbeschädigt", True),
        CheckedItem("Funktion geprüft", True),
        CheckedItem("Ladegerät", True),
        CheckedItem("Tasche", True, "Reißverschluss hakt"),
    ]
    handover = Handover(checks, "gut, Gebrauchsspuren an der Box", True, True, 5_000, "bar")
    handover_device(workspace, loan, handover, TODAY)
    conn = workspace.db.reader()
    try:
        stored = loan_repo.load_loan(conn, loan)
    finally:
        conn.close()
    assert stored is not None and stored.handed_over_at
    handed_on = local_date(parse_timestamp(stored.handed_over_at))  # the clock's day, not TODAY
    assert documents.agreement_letter(workspace, loan).info.date == handed_on
    day = format_date(handed_on)
    text = " ".join(_text(documents.agreement_pdf(workspace, loan)).replace("\u00a0", " ").split())
    for expected in (
        "☒ Gerät vollständig und äußerlich unbeschädigt",
        "☒ Funktion geprüft",
        "☒ Tasche Reißverschluss hakt",
        "Zustand bei Übergabe: gut, Gebrauchsspuren an der Box",
        "Ausweis eingesehen: ja",
        "Einweisung gegeben: ja",
        f"Kaution 50,00 € bar erhalten am {day}",
        f"Übergabe am {day} wurde eine Kaution von 50,00 € (in bar) hinterlegt",
        f"Übergabeprotokoll vom {day}",
        "Speicherkarte zu löschen",  # a thermal camera keeps pictures
    ):
        assert expected in text, expected
    assert "☐" not in text and "zu hinterlegen" not in text


def test_the_agreement_of_a_person_known_by_name_for_an_infostand(workspace: Workspace) -> None:
    person = _person(workspace, street="", postal_code="", city="", email="")
    stand = register_device(
        workspace, "NAU-IS-01", "Infostand Klimaschutz", "Infostand", accessories=["Rollup"]
    )
    loan = book_device(workspace, stand, TODAY, TODAY + dt.timedelta(days=2), borrower_id=person, today=TODAY)
    letter = documents.agreement_letter(workspace, loan)
    assert letter.recipient.lines == (PERSON,)
    text = " ".join(_text(documents.agreement_pdf(workspace, loan)).split())
    assert f"Entleiher/in: {PERSON} – nachfolgend" in text and " , " not in text
    assert "Speicherkarte" not in text and "reparieren zu lassen." in text


def test_a_loan_of_another_town_has_no_documents_here(workspace: Workspace) -> None:
    device = _camera(workspace)
    trebur = Municipality(
        uuid7(), "06433014", "Trebur", MunicipalityKind.GEMEINDE, Address("Herrngasse 3", "65468", "Trebur")
    )
    loan = uuid7()
    with workspace.db.write() as conn, capture_suppressed(conn):
        insert_municipality(conn, trebur, "2026-11-20T08:00:00+00:00")
        conn.execute(
            "INSERT INTO loans (id, pool, device_id, borrower_municipality_id, start_date, end_date, status,"
            " created_at, updated_at) VALUES (?, 'kreis-gross-gerau', ?, ?, '2026-11-01', '2026-11-03',"
            " 'ausgegeben', 'x', 'x')",
            (loan, device, trebur.id),
        )
    for make in (
        lambda: documents.agreement_pdf(workspace, loan),
        lambda: documents.return_protocol_pdf(workspace, loan),
        lambda: documents.reminder_pdf(workspace, loan, 1, TODAY),
        lambda: documents.reminder_email(workspace, loan, 1, TODAY),
    ):
        with pytest.raises(PoolError, match="andere Kommune"):
            make()
    with pytest.raises(PoolError, match="gibt es nicht"):
        documents.agreement_pdf(workspace, uuid7())


def test_the_reminder_email_says_what_the_letter_says(workspace: Workspace) -> None:
    loan = _lent(workspace, _person(workspace), TODAY - dt.timedelta(days=10))
    letter = documents.reminder_letter(workspace, loan, 2, TODAY)
    draft = documents.reminder_email(workspace, loan, 2, TODAY)
    assert draft.to == "zoe@example.org"
    assert draft.subject.startswith(
        "Mahnung: letzte Aufforderung zur Rückgabe eines Leihgeräts – Leihvertrag Nr."
    )
    assert draft.body.startswith(f"{letter.salutation}\n\n")
    expected = (
        "seit sieben Tagen überfällig", "letztmalig", "2.199,00 €", "50,00 €", "§ 287 BGB", "gegenstandslos",
        "Mit freundlichen Grüßen", "Gemeinde Nauheim – Der Gemeindevorstand",
    )  # fmt: skip
    for sentence in expected:
        assert sentence in draft.body, sentence
    assert "<" not in draft.body and "&amp;" not in draft.body and "\u00a0" not in draft.body
    link = urllib.parse.urlsplit(draft.mailto())
    assert link.scheme == "mailto" and link.path == "zoe@example.org"
    query = urllib.parse.parse_qs(link.query)
    assert query["subject"] == [draft.subject] and query["body"] == [draft.body.replace("\n", "\r\n")]


def test_a_letter_needs_the_address_and_an_email_the_email_address(workspace: Workspace) -> None:
    loan = _lent(workspace, _person(workspace, street="", email=""), TODAY - dt.timedelta(days=10))
    with pytest.raises(PoolError, match="fehlt in der Anschrift der entleihenden Person: Straße"):
        documents.reminder_pdf(workspace, loan, 1, TODAY)
    with pytest.raises(PoolError, match="keine E-Mail-Adresse"):
        documents.reminder_email(workspace, loan, 1, TODAY)
    with pytest.raises(PoolError, match="Mahnstufe 3 gibt es nicht"):
        documents.reminder_pdf(workspace, loan, 3, TODAY)


def test_no_reminder_before_the_last_day_and_no_protocol_before_the_return(workspace: Workspace) -> None:
    loan = _lent(workspace, _person(workspace))
    with pytest.raises(PoolError, match="nicht überfällig"):
        documents.reminder_pdf(workspace, loan, 1, TODAY + dt.timedelta(days=3))
    with pytest.raises(PoolError, match="noch nicht zurückgegeben"):
        documents.return_protocol_pdf(workspace, loan)
    assert documents.deposit_cents(workspace, loan) == 5_000


def test_labels_of_all_devices_and_a_wrong_start_position(workspace: Workspace) -> None:
    _camera(workspace, "NAU-WBK-01")
    _camera(workspace, "NAU-WBK-02")
    pdf = documents.labels_pdf(workspace, start_position=24)
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 2  # the last label of the first sheet, then a new sheet
    assert "NAU-WBK-01" in reader.pages[0].extract_text() and "NAU-WBK-02" in reader.pages[1].extract_text()
    assert "Eigentum: Gemeinde Nauheim" in reader.pages[0].extract_text()
    with pytest.raises(PoolError, match="zwischen 1 und 24"):
        documents.labels_pdf(workspace, start_position=25)
    with pytest.raises(PoolError, match="gibt es im Pool nicht"):
        documents.labels_pdf(workspace, [uuid7()])


@pytest.mark.parametrize(
    ("text", "cents"),
    [("1.234,50", 123_450), ("1234,5", 123_450), ("39,90 €", 3_990), ("100", 10_000), ("", 0),
     ("12.34", None), ("1,234.50", None), ("-5", None), ("zwölf", None)],
)  # fmt: skip
def test_german_amounts(text: str, cents: int | None) -> None:
    assert parse_amount(text) == cents


def test_importing_the_documents_service_does_not_load_reportlab() -> None:
    code = (
        "import sys, kommune_desk.services.pool_documents, kommune_desk.cli_pool;"
        "sys.exit('reportlab' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0
