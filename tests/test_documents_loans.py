"""Letters of the Geräteverleih: what the builders put in, and what the rendered PDF shows."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re

import pytest

from kommune_desk.documents.loans import (
    Borrower,
    Device,
    HandoverRecord,
    LoanTerms,
    days_in_words,
    default_checklist,
    late_days,
    lender_signature_line,
    loan_agreement,
    reminder,
    reminder_deadline,
    return_protocol,
    stores_data,
)
from kommune_desk.documents.model import (
    Checklist,
    ChecklistItem,
    Letter,
    LetterKind,
    Section,
    Sender,
    SignatureMode,
)
from kommune_desk.domain.markup import check_template_markup
from kommune_desk.domain.records import Address

SENDER = Sender(
    authority="Stadt Mörfelden-Walldorf – Der Magistrat",
    office="Bürgerbüro Klimaschutz",
    address=Address("Westendstraße 8", "64546", "Mörfelden-Walldorf"),
    phone="06105 938-0",
    email="klimaschutz@moerfelden-walldorf.de",
    website="www.moerfelden-walldorf.de",
    opening_hours="Mo–Fr 8–12 Uhr\nDo 14–18 Uhr",
)
CAMERA = Device(
    inventory_number="KGG-KS-007",
    name="Wärmebildkamera FLIR E8 Pro",
    serial_number="SN48213377",
    accessories=("Ladegerät mit USB-Kabel", "Transportkoffer", "Speicherkarte 8 GB", "Bedienungsanleitung"),
    replacement_value_cents=219_900,
    owner_town="Kreis Groß-Gerau",
)
BORROWER = Borrower(
    name="Jürgen Weiß-Öztürk",
    street="Langgasse 12",
    postal_code="64546",
    city="Mörfelden-Walldorf",
    phone="06105 12345",
    email="j.weiss@example.de",
    id_document_note="Personalausweis geprüft",
)
TERMS = LoanTerms(
    loan_id="MW-2026-00042",
    start=dt.date(2026, 11, 20),
    end=dt.date(2026, 11, 27),
    deposit_cents=10_000,
    fee_cents=0,
    lending_office=SENDER,
    clerk="Sabine Roß",
    conditions=("Das Gerät darf nur in Gebäuden im Kreis Groß-Gerau eingesetzt werden.",),
)
HOSTILE = "<img src=x> \u202eevil\u202c 😀 " + "Ä" * 500
HANDOVER = HandoverRecord(
    on=dt.date(2026, 11, 20),
    checklist=(
        ChecklistItem("Gerät vollständig und äußerlich unbeschädigt", True),
        ChecklistItem("Funktion geprüft", True),
        ChecklistItem("Ladegerät mit USB-Kabel", True),
        ChecklistItem("Transportkoffer", False, "  Griff   fehlt, Ersatztasche  "),
    ),
    condition="gut, Gebrauchsspuren an der Box",
    id_seen=True,
    briefing_given=False,
    deposit_cents=5_000,
    deposit_method="bar",
)
RETURNED = (
    ChecklistItem("Gerät vollständig", True),
    ChecklistItem("Akku geladen", False, "Akku leer"),
    ChecklistItem("Äußerlich unbeschädigt", False, "Kratzer am Display"),
)


def _sections(letter: Letter) -> dict[str, Section]:
    return {part.heading: part for part in letter.parts if isinstance(part, Section)}


def _plain(markup: str) -> str:
    """Markup as a reader sees it: no-break spaces as spaces."""
    return markup.replace("\u00a0", " ")


def _checklist(letter: Letter) -> Checklist:
    return next(part for part in letter.parts if isinstance(part, Checklist))


def _all_markup(letter: Letter) -> list[str]:
    out: list[str] = []
    for part in letter.parts:
        if isinstance(part, Section):
            out += [part.body, *part.numbered]
    return out


# --- builders --------------------------------------------------------------------------------


def test_agreement_has_contract_sections_protocol_and_signature_lines() -> None:
    letter = loan_agreement(CAMERA, BORROWER, TERMS)
    assert letter.kind is LetterKind.LEIHVERTRAG
    assert letter.info.our_reference == "MW-2026-00042"
    assert letter.recipient.lines == ("Jürgen Weiß-Öztürk", "Langgasse 12", "64546 Mörfelden-Walldorf")
    sections = _sections(letter)
    assert list(sections) == [
        "Vertragsparteien",
        "§ 1 Leihgegenstand",
        "§ 2 Leihdauer und Rückgabe",
        "§ 3 Entgelt und Kaution",
        "§ 4 Pflichten der Entleiherin / des Entleihers",
        "§ 5 Haftung",
        "§ 6 Weitere Bedingungen",
        "§ 7 Datenschutz",
        "Bestätigung",
    ]
    assert "2.199,00\u00a0€" in sections["§ 5 Haftung"].body  # never broken before the €
    assert "§§\u00a0598\u00a0ff.\u00a0BGB" in sections["§ 3 Entgelt und Kaution"].body
    assert "100,00 €" in _plain(sections["§ 3 Entgelt und Kaution"].body)
    assert "Freitag, 27.11.2026" in sections["§ 2 Leihdauer und Rückgabe"].body
    assert any(
        "nicht an Dritte" in line
        for line in sections["§ 4 Pflichten der Entleiherin / des Entleihers"].numbered
    )
    assert "Personalausweis geprüft" in sections["Vertragsparteien"].body
    assert letter.signature_lines == ("Für die Stadt Mörfelden-Walldorf (Sabine Roß)", "Entleiher/in")
    assert letter.signature.mode is SignatureMode.EIGENHAENDIG  # signed on the lines, no "gez."
    assert letter.signature.name == "Sabine Roß"
    for markup in _all_markup(letter):
        check_template_markup(markup)  # balanced, whitelisted markup only


def test_agreement_protocol_lists_device_accessories_with_empty_boxes() -> None:
    protocol = _checklist(loan_agreement(CAMERA, BORROWER, TERMS))
    assert [item.text for item in protocol.items] == [
        "Gerät vollständig",
        "Akku geladen",
        "Ladegerät mit USB-Kabel",
        "Transportkoffer",
        "Speicherkarte 8 GB",
        "Bedienungsanleitung",  # listed once although it is an accessory too
        "Äußerlich unbeschädigt",
        "Funktionstest durchgeführt",
    ]
    assert all(item.checked is None and item.remark == "" for item in protocol.items)


def test_default_checklist_without_accessories_and_custom_checklist() -> None:
    bare = dataclasses.replace(CAMERA, accessories=())
    assert default_checklist(bare) == (
        "Gerät vollständig",
        "Akku geladen",
        "Ladegerät",
        "Tasche",
        "Speicherkarte",
        "Bedienungsanleitung",
        "Äußerlich unbeschädigt",
        "Funktionstest durchgeführt",
    )
    custom = _checklist(loan_agreement(CAMERA, BORROWER, TERMS, checklist=["Rahmen", "Bremsen"]))
    assert [item.text for item in custom.items] == ["Rahmen", "Bremsen"]


def test_agreement_with_fee_without_deposit_and_conditions() -> None:
    terms = dataclasses.replace(TERMS, fee_cents=500, deposit_cents=0, conditions=())
    sections = _sections(loan_agreement(CAMERA, BORROWER, terms))
    money = _plain(sections["§ 3 Entgelt und Kaution"].body)
    assert "Nutzungsentgelt von 5,00 €" in money and "§§ 535 ff. BGB" in money
    assert "Kaution wird nicht erhoben" in money
    assert "§ 6 Datenschutz" in sections and "§ 6 Weitere Bedingungen" not in sections


@pytest.mark.parametrize(
    ("authority", "line"),
    [
        ("Gemeinde Nauheim – Der Bürgermeister", "Für die Gemeinde Nauheim"),
        ("Kreis Groß-Gerau – Der Kreisausschuss", "Für den Kreis Groß-Gerau"),
        ("Zweckverband Klima", "Für den Verleiher: Zweckverband Klima"),
    ],
)
def test_lender_signature_line(authority: str, line: str) -> None:
    assert lender_signature_line(dataclasses.replace(SENDER, authority=authority)) == line


def test_hostile_text_is_escaped_in_markup() -> None:
    device = dataclasses.replace(CAMERA, name=HOSTILE, accessories=(HOSTILE,))
    borrower = dataclasses.replace(BORROWER, name=HOSTILE, street="<b>Straße & Co</b>")
    terms = dataclasses.replace(TERMS, conditions=("<a href='x'>klick</a> & mehr",))
    for letter in (
        loan_agreement(device, borrower, terms),
        return_protocol(device, borrower, terms, dt.date(2026, 12, 1), RETURNED, "<img src=x> & Riss"),
        reminder(device, borrower, terms, dt.date(2026, 12, 1), level=2),
    ):
        for markup in _all_markup(letter):
            assert "<img" not in markup and "<a " not in markup
            check_template_markup(markup)
        assert letter.recipient.lines[0] == HOSTILE  # plain str: the renderer escapes it


def test_return_protocol_late_days_checklist_and_deposit() -> None:
    letter = return_protocol(CAMERA, BORROWER, TERMS, dt.date(2026, 11, 30), RETURNED, "Kratzer am Display")
    assert letter.kind is LetterKind.RUECKGABEPROTOKOLL
    assert letter.info.date == dt.date(2026, 11, 30)
    assert "Seriennummer SN48213377" in letter.subject_detail
    facts, protocol, damage, closing = letter.parts
    assert isinstance(facts, Section) and isinstance(damage, Section) and isinstance(closing, Section)
    assert "20.11.2026 bis 27.11.2026" in facts.body and "30.11.2026 (3 Tage verspätet)" in facts.body
    assert protocol == Checklist("Zustand bei der Rückgabe", RETURNED)
    assert damage.heading == "Festgestellte Schäden und Bemerkungen" and damage.body == "Kratzer am Display"
    assert "100,00 € – wird bis zur Klärung der Mängel einbehalten" in _plain(closing.body)
    assert letter.signature_lines == ("Für die Stadt Mörfelden-Walldorf (Sabine Roß)", "Entleiher/in")
    assert letter.signature.name == ""  # both sign by hand: no "gez." line above the signatures


def test_return_protocol_on_time_all_fine_refunds_deposit() -> None:
    fine = tuple(dataclasses.replace(item, checked=True, remark="") for item in RETURNED)
    letter = return_protocol(CAMERA, BORROWER, TERMS, TERMS.end, fine, "  ")
    facts, _, damage, closing = letter.parts
    assert "27.11.2026 (fristgerecht)" in facts.body
    assert damage.body == "Keine."
    assert "wird erstattet" in closing.body
    one_day = return_protocol(CAMERA, BORROWER, TERMS, dt.date(2026, 11, 28), fine, "")
    assert "(1 Tag verspätet)" in one_day.parts[0].body
    no_deposit = return_protocol(
        CAMERA, BORROWER, dataclasses.replace(TERMS, deposit_cents=0), TERMS.end, fine, ""
    )
    assert "Kaution" not in no_deposit.parts[-1].body


@pytest.mark.parametrize(
    ("returned", "expected"),
    [
        (10000, "wird in voller Höhe erstattet"),
        (8000, "erstattet: 80,00\u00a0€, einbehalten: 20,00\u00a0€ (Ladegerät fehlt)"),
        (0, "wird einbehalten (Ladegerät fehlt)"),
    ],
)
def test_return_protocol_states_the_deposit_as_actually_settled(returned: int, expected: str) -> None:
    """A full refund despite a missing part, or a part kept although all is fine, reads as it was."""
    fine = tuple(dataclasses.replace(item, checked=True, remark="") for item in RETURNED)
    terms = dataclasses.replace(TERMS, deposit_cents=10000)
    letter = return_protocol(CAMERA, BORROWER, terms, TERMS.end, fine, "", returned, "Ladegerät fehlt")
    assert expected in letter.parts[-1].body


def test_late_days_and_days_in_words() -> None:
    assert late_days(dt.date(2026, 11, 27), dt.date(2026, 11, 26)) == 0
    assert late_days(dt.date(2026, 11, 27), dt.date(2026, 11, 28)) == 1
    assert days_in_words(1) == "einem Tag"
    assert days_in_words(3) == "drei Tagen"
    assert days_in_words(12) == "zwölf Tagen"
    assert days_in_words(21) == "21 Tagen"


@pytest.mark.parametrize(
    ("today", "deadline"),
    [
        (dt.date(2026, 11, 24), dt.date(2026, 12, 1)),  # Tuesday + 7 = Tuesday
        (dt.date(2026, 11, 21), dt.date(2026, 11, 30)),  # Saturday + 7 = Saturday → Monday
        (dt.date(2026, 12, 18), dt.date(2026, 12, 28)),  # → Christmas Day, Boxing Day, Sunday → Monday
        (dt.date(2027, 3, 19), dt.date(2027, 3, 30)),  # → Good Friday, weekend, Easter Monday → Tuesday
    ],
)
def test_reminder_deadline_is_a_hessian_working_day(today: dt.date, deadline: dt.date) -> None:
    assert reminder_deadline(today) == deadline


def test_reminder_levels() -> None:
    first = reminder(CAMERA, BORROWER, TERMS, dt.date(2026, 12, 18))
    assert first.kind is LetterKind.MAHNUNG
    assert first.salutation == "Guten Tag Jürgen Weiß-Öztürk,"
    body = first.parts[0].body
    assert "seit 21 Tagen überfällig" in body
    assert "<b>bis spätestens Montag, 28.12.2026</b>" in body
    assert "2.199,00 €" in _plain(body) and "gegenstandslos" in body
    second = reminder(CAMERA, BORROWER, TERMS, dt.date(2026, 11, 30), level=2)
    assert "seit drei Tagen" in second.parts[0].body
    assert "letztmalig" in second.parts[0].body and "rechtliche Schritte" in second.parts[0].body
    assert "100,00 €" in _plain(second.parts[0].body)  # the deposit is set off
    assert "gegenstandslos" in second.parts[0].body
    assert second.subject != first.subject


def test_reminder_refuses_a_loan_that_is_not_overdue_and_unknown_levels() -> None:
    with pytest.raises(ValueError, match="nicht überfällig"):
        reminder(CAMERA, BORROWER, TERMS, TERMS.end)
    with pytest.raises(ValueError, match="Mahnstufe 3"):
        reminder(CAMERA, BORROWER, TERMS, dt.date(2026, 12, 18), level=3)


# --- rendered --------------------------------------------------------------------------------


def _pdf_text(data: bytes) -> tuple[int, str]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _rendered(letter: Letter) -> tuple[int, str]:
    from kommune_desk.documents.render import render_letter

    pages, text = _pdf_text(render_letter(letter))
    assert "■" not in text and "\ufffd" not in text
    return pages, _flat(text)


def test_rendered_agreement_shows_contract_protocol_and_signatures() -> None:
    pages, text = _rendered(loan_agreement(CAMERA, BORROWER, TERMS))
    assert 2 <= pages <= 4
    for expected in (
        "Leihvertrag Nr. MW-2026-00042",
        "Wärmebildkamera FLIR E8 Pro (Inventarnummer KGG-KS-007)",
        "Jürgen Weiß-Öztürk",
        "Personalausweis geprüft",
        "endet am Freitag, 27.11.2026",
        "§ 5 Haftung",
        "Wiederbeschaffungswert von 2.199,00 €",
        "nicht an Dritte weiterzugeben",
        "Übergabeprotokoll",
        "Funktionstest durchgeführt",
        "Für die Stadt Mörfelden-Walldorf (Sabine Roß)",
        "Entleiher/in",
    ):
        assert expected in text, expected
    assert "gez." not in text  # signed by hand on the lines, not "gez." for a signature elsewhere


def test_rendered_return_protocol_fits_one_page() -> None:
    items = [ChecklistItem(text, True) for text in default_checklist(CAMERA)]
    items[1] = ChecklistItem("Akku geladen", False, "Akku leer zurückgegeben")
    letter = return_protocol(CAMERA, BORROWER, TERMS, dt.date(2026, 11, 30), items, "Display zerkratzt.")
    pages, text = _rendered(letter)
    assert pages == 1  # checklist and signatures on one sheet
    for expected in (
        "Rückgabeprotokoll",
        "3 Tage verspätet",
        "Akku leer zurückgegeben",
        "Display zerkratzt.",
    ):
        assert expected in text, expected


@pytest.mark.parametrize(("level", "deadline"), [(1, "Montag, 28.12.2026"), (2, "Montag, 28.12.2026")])
def test_rendered_reminders(level: int, deadline: str) -> None:
    pages, text = _rendered(reminder(CAMERA, BORROWER, TERMS, dt.date(2026, 12, 18), level))
    assert pages == 1
    assert f"bis spätestens {deadline}" in text
    assert "seit 21 Tagen überfällig" in text
    assert ("letztmalig" in text) is (level == 2)


def test_rendered_hostile_text_does_not_break_the_letters() -> None:
    device = dataclasses.replace(CAMERA, name=HOSTILE, accessories=(HOSTILE, "<img src=x>"))
    borrower = dataclasses.replace(BORROWER, name=HOSTILE, street="<b>Straße</b> & Co", email="\u202e@x.de")
    terms = dataclasses.replace(TERMS, clerk="Ægir 😀 Ünal", conditions=(HOSTILE,))
    items = [ChecklistItem(HOSTILE, False, HOSTILE)]
    for letter in (
        loan_agreement(device, borrower, terms),
        return_protocol(device, borrower, terms, dt.date(2026, 12, 1), items, HOSTILE),
        reminder(device, borrower, terms, dt.date(2026, 12, 1), level=2),
    ):
        pages, text = _rendered(letter)
        assert 1 <= pages <= 8
        assert "<img src=x>" in text  # shown literally, never interpreted


# --- after the handover, addresses, data, a protocol that does not contradict itself ---------


def _duties(letter: Letter) -> tuple[str, ...]:
    return _sections(letter)["§ 4 Pflichten der Entleiherin / des Entleihers"].numbered


def test_agreement_after_the_handover_records_it() -> None:
    letter = loan_agreement(CAMERA, BORROWER, TERMS, handover=HANDOVER)
    protocol = _checklist(letter)
    assert protocol.heading == "Übergabeprotokoll vom 20.11.2026"
    assert [(i.text, i.checked, i.remark) for i in protocol.items] == [
        ("Gerät vollständig und äußerlich unbeschädigt", True, ""),
        ("Funktion geprüft", True, ""),
        ("Ladegerät mit USB-Kabel", True, ""),
        ("Transportkoffer", False, "Griff fehlt, Ersatztasche"),
    ]
    money = _plain(_sections(letter)["§ 3 Entgelt und Kaution"].body)
    assert (
        "Bei der Übergabe am 20.11.2026 wurde eine Kaution von <b>50,00 €</b> (in bar) hinterlegt." in money
    )
    assert "zu hinterlegen" not in money
    for markup in _all_markup(letter):
        check_template_markup(markup)

    _, text = _rendered(letter)
    for expected in (
        "Übergabeprotokoll vom 20.11.2026",
        "☒ Gerät vollständig und äußerlich unbeschädigt",
        "☒ Ladegerät mit USB-Kabel",
        "☐ Transportkoffer Griff fehlt, Ersatztasche",
        "Zustand bei Übergabe: gut, Gebrauchsspuren an der Box",
        "Ausweis eingesehen: ja",
        "Einweisung gegeben: nein",
        "Kaution 50,00 € bar erhalten am 20.11.2026",
        "wurde eine Kaution von 50,00 € (in bar) hinterlegt",
    ):
        assert expected in text.replace("\u00a0", " "), expected
    assert "gemeinsam ausfüllen" not in text


def test_agreement_after_the_handover_without_deposit_and_paid_by_card() -> None:
    free = dataclasses.replace(HANDOVER, deposit_cents=0, deposit_method="", condition=" ")
    letter = loan_agreement(CAMERA, BORROWER, dataclasses.replace(TERMS, deposit_cents=0), handover=free)
    rows = _plain(letter.parts[-2].body)  # type: ignore[union-attr]
    assert "Kaution:</b> keine" in rows and "Zustand bei Übergabe:</b> ohne Angabe" in rows
    assert "Kaution wird nicht erhoben" in _sections(letter)["§ 3 Entgelt und Kaution"].body
    card = dataclasses.replace(HANDOVER, deposit_method="EC-Karte")
    letter = loan_agreement(CAMERA, BORROWER, TERMS, handover=card)
    assert "50,00 € per EC-Karte erhalten am 20.11.2026" in _plain(letter.parts[-2].body)  # type: ignore[union-attr]
    assert "(per EC-Karte) hinterlegt" in _sections(letter)["§ 3 Entgelt und Kaution"].body


def test_agreement_before_the_handover_keeps_boxes_for_the_pen() -> None:
    letter = loan_agreement(CAMERA, BORROWER, TERMS)
    assert all(item.checked is None for item in _checklist(letter).items)
    assert "zu hinterlegen" in _sections(letter)["§ 3 Entgelt und Kaution"].body
    assert not any("Zustand bei Übergabe" in m for m in _all_markup(letter))


def test_a_borrower_known_by_name_only_has_no_empty_address_fragments() -> None:
    nobody = Borrower("Karl Nurname", "", "", "")
    letter = loan_agreement(CAMERA, nobody, TERMS)
    assert letter.recipient.lines == ("Karl Nurname",)
    parties = _sections(letter)["Vertragsparteien"].body
    assert "Entleiher/in:</b> Karl Nurname<br/>– nachfolgend" in parties
    city_only = dataclasses.replace(nobody, city="Nauheim")
    assert (
        "Karl Nurname<br/>Nauheim<br/>"
        in _sections(loan_agreement(CAMERA, city_only, TERMS))["Vertragsparteien"].body
    )
    _, text = _rendered(loan_agreement(CAMERA, nobody, TERMS))
    assert "Karl Nurname – nachfolgend" in text
    assert " , " not in text and "Karl Nurname ," not in text


@pytest.mark.parametrize(
    ("category", "name", "accessories", "keeps"),
    [
        ("Wärmebildkamera", "FLIR E8 Pro", (), True),
        ("Datenlogger", "Testo 174H", (), True),
        ("CO2-Messgerät", "Aranet4", (), True),
        ("CO₂-Messgerät", "Aranet4", (), True),
        ("Energiekostenmessgerät", "Voltcraft SEM6000", (), False),
        ("Energiekostenmessgerät", "Voltcraft mit Datenspeicher", (), True),
        ("Energiekostenmessgerät", "Brennenstuhl PM 231", ("SD-Karte 2 GB",), True),
        ("Infostand", "Infostand Klimaschutz", ("Rollup", "Tischdecke"), False),
        ("Lastenrad", "Babboe Big", ("Regenverdeck",), False),
    ],
)
def test_only_devices_that_keep_data_ask_to_delete_it(
    category: str, name: str, accessories: tuple[str, ...], keeps: bool
) -> None:
    device = dataclasses.replace(CAMERA, category=category, name=name, accessories=accessories)
    assert stores_data(device) is keeps
    duties = _duties(loan_agreement(device, BORROWER, TERMS))
    assert len(duties) == (5 if keeps else 4)
    assert any("Daten vor der Rückgabe" in line for line in duties) is keeps
    assert duties[-1].endswith(".") and all(line.endswith(",") for line in duties[:-1])


def test_rendered_agreement_of_an_infostand_has_no_data_clause() -> None:
    stand = dataclasses.replace(
        CAMERA, category="Infostand", name="Infostand Klimaschutz", accessories=("Rollup",)
    )
    _, text = _rendered(loan_agreement(stand, BORROWER, TERMS))
    assert "reparieren zu lassen." in text and "Speicherkarte zu löschen" not in text


def test_return_protocol_never_shows_complete_while_a_part_is_missing() -> None:
    items = (
        ChecklistItem("Gerät vollständig und äußerlich unbeschädigt", True),
        ChecklistItem("Funktion geprüft", False),
        ChecklistItem("Ladegerät", False),
        ChecklistItem("Tasche", True),
    )
    letter = return_protocol(CAMERA, BORROWER, TERMS, TERMS.end, items, "")
    protocol = letter.parts[1]
    assert isinstance(protocol, Checklist)
    assert [(i.checked, i.remark) for i in protocol.items] == [
        (False, "unvollständig: Ladegerät fehlt"),
        (False, "nicht in Ordnung"),
        (False, "fehlt"),
        (True, ""),
    ]
    assert letter.parts[2].body == "Keine weiteren (siehe Prüfliste)."  # type: ignore[union-attr]
    assert "einbehalten" in letter.parts[-1].body  # type: ignore[union-attr]
    _, text = _rendered(letter)
    assert "☐ Gerät vollständig und äußerlich unbeschädigt unvollständig: Ladegerät fehlt" in text
    assert "☐ Ladegerät fehlt" in text and "☒ Tasche" in text
    two = return_protocol(CAMERA, BORROWER, TERMS, TERMS.end, (*items, ChecklistItem("Akku", False)), "")
    assert two.parts[1].items[0].remark == "unvollständig: Ladegerät, Akku fehlen"  # type: ignore[union-attr]


@pytest.mark.parametrize("make", ["before", "after", "return"])
def test_rendered_wording_is_german(make: str) -> None:
    letter = {
        "before": lambda: loan_agreement(CAMERA, BORROWER, TERMS),
        "after": lambda: loan_agreement(CAMERA, BORROWER, TERMS, handover=HANDOVER),
        "return": lambda: return_protocol(CAMERA, BORROWER, TERMS, dt.date(2026, 11, 30), RETURNED, ""),
    }[make]()
    from kommune_desk.documents.render import render_letter

    _, raw = _pdf_text(render_letter(letter))
    assert not re.search(r"\d{4}-\d{2}-\d{2}|\d+\.\d{2} €|\b(True|False|None|Page|of|and)\b", raw)
    assert re.search(r"\d,\d{2}\u00a0€", raw) or re.search(r"\d,\d{2} €", raw)
    for markup in _all_markup(letter):
        assert not re.search(r"\d,\d{2} €", markup), markup  # amounts keep a no-break space
