"""The letter renderer, read back from real PDFs: DIN 5008 geometry, texts of every kind,
page numbering per letter, the GiroCode as a banking app would scan it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import pdfplumber
import pypdfium2
import pytest
from pyzbar import pyzbar
from pyzbar.wrapper import ZBarSymbol, zbar_image_scanner_set_config

from kommune_desk.documents.model import (
    FeeBlock,
    FeeItem,
    InfoBlock,
    LetterKind,
    Recipient,
    Section,
    Signature,
    SignatureMode,
)
from kommune_desk.documents.render import render_letter, render_letters
from kommune_desk.domain.markup import Markup
from kommune_desk.domain.records import Address, BankAccount

from .documents_samples import BANK, REFERENCE, sample_letter
from .documents_support import MM, in_box, lines_text, page_texts, words

NAME_LINE = "Dagmar Roß"


SAMPLED = list(LetterKind)


@pytest.fixture(scope="module")
def rendered() -> dict[LetterKind, bytes]:
    return {kind: render_letter(sample_letter(kind)) for kind in SAMPLED}


def _fee(letter_kind: LetterKind = LetterKind.GEBUEHRENBESCHEID, **fee_changes: object):  # type: ignore[no-untyped-def]
    letter = sample_letter(letter_kind)
    parts = tuple(
        dataclasses.replace(part, **fee_changes) if isinstance(part, FeeBlock) else part
        for part in letter.parts
    )
    return dataclasses.replace(letter, parts=parts)


# --- contents of every kind ---------------------------------------------------------------------


EXPECTED = {
    LetterKind.EINGANGSBESTAETIGUNG: ["Eingangsbestätigung", "drei Monate"],
    LetterKind.EMPFANGSBESCHEINIGUNG: ["§ 15 Abs. 1 GewO", "keine Erlaubnis"],
    LetterKind.ANFORDERUNG_UNTERLAGEN: ["1. einen Lageplan", "3. eine Kopie", "bis zum 08.12.2026"],
    LetterKind.BEWILLIGUNG: [
        "Entscheidung",
        "Nebenbestimmungen",
        "Rechtsbehelfsbelehrung",
        "Anlagen",
        "Lageplan (Kopie)",
    ],
    LetterKind.ABLEHNUNG: ["abgelehnt", "Begründung", "Rechtsbehelfsbelehrung"],
    LetterKind.GEBUEHRENBESCHEID: ["Kostenfestsetzung", "Gesamtbetrag", "101,50 €", "Fällig am"],
    LetterKind.LEIHVERTRAG: ["§ 1 Leihgegenstand", "Übergabeprotokoll", "☒", "☐", "Bemerkung"],
    LetterKind.RUECKGABEPROTOKOLL: ["Rückgabe", "Gereinigt", "☐"],
    LetterKind.MAHNUNG: ["Zahlungsaufforderung", "Mahngebühr", "106,50 €"],
}


@pytest.mark.parametrize("kind", SAMPLED)
def test_every_kind_has_its_texts_letterhead_and_footer(
    rendered: dict[LetterKind, bytes], kind: LetterKind
) -> None:
    pdf = rendered[kind]
    text = "\n".join(page_texts(pdf))
    letter = sample_letter(kind)
    for expected in [letter.subject, *EXPECTED[kind]]:
        assert expected in text, expected
    assert "Gemeinde Nauheim – Der Gemeindevorstand" in text
    assert "Bürgerbüro" in text
    for footer in (
        "Öffnungszeiten",
        "Mo, Di, Fr 8–12 Uhr",
        "Bankverbindung",
        "IBAN DE45 5085 2553 0000 0123 45",
    ):
        assert footer in text, footer
    assert "BIC HELADEF1GRG" in text
    assert "E-Mail buergerbuero@nauheim.de" in text
    pages = len(page_texts(pdf))
    assert ("Seite 1 von" in text) == (pages > 1)  # a one-page letter carries no "Seite 1 von 1"
    if letter.signature.mode is SignatureMode.MASCHINELL:
        assert letter.signature.machine_text in text.replace("\n", " ")
        assert "gez." not in text
    else:
        assert "gez. Jana Weißgerber" in text
        assert "Sachbearbeitung Bürgerbüro" in text


def test_subject_is_bold_and_markup_bold_uses_the_bold_face(rendered: dict[LetterKind, bytes]) -> None:
    found = words(rendered[LetterKind.EINGANGSBESTAETIGUNG])
    subject = [w for w in found if w.text.startswith("Eingangsbestätigung")]
    assert subject and all("Bold" in w.font for w in subject)
    bold = [w for w in found if w.text in ("drei", "Monate")]
    assert bold and all("Bold" in w.font for w in bold)
    assert all("Bold" not in w.font for w in found if w.text == "gesetzliche")


# --- DIN 5008 Form B geometry -------------------------------------------------------------------


def test_address_field_return_line_and_endorsement(rendered: dict[LetterKind, bytes]) -> None:
    found = words(rendered[LetterKind.GEBUEHRENBESCHEID])
    # Recipient lines: inside the 85 × 45 mm field at (20, 45), below the 17.7 mm Vermerkzone.
    address = in_box(found, 20, 45 + 17.7, 105, 90)
    assert lines_text(address) == ["Frau", "Dagmar Roß", "Schulstraße 12", "64569 Nauheim"]
    assert all(w.size == pytest.approx(10, abs=0.1) for w in address)
    zone = in_box(found, 20, 45, 105, 45 + 17.7)
    zone_lines = lines_text(zone)
    assert zone_lines[0] == "Gemeinde Nauheim · Weingartenstraße 46 · 64569 Nauheim"
    assert zone_lines[-1] == "Mit Postzustellungsurkunde"
    return_words = [w for w in zone if w.top < 50]
    assert return_words and all(w.size == pytest.approx(7, abs=0.1) for w in return_words)
    with pdfplumber.open(io.BytesIO(rendered[LetterKind.GEBUEHRENBESCHEID])) as doc:
        underline = [
            line
            for line in doc.pages[0].lines
            if 45 < line["top"] * 25.4 / 72 < 52 and line["x0"] * 25.4 / 72 >= 20
        ]
    assert underline, "the return line is underlined"


def test_information_block_at_125_mm_without_empty_lines(rendered: dict[LetterKind, bytes]) -> None:
    found = words(rendered[LetterKind.BEWILLIGUNG])
    block = [w for w in found if 48 <= w.top <= 95 and w.x0 >= 110]
    assert block and min(w.x0 for w in block) == pytest.approx(125, abs=1)
    assert all(w.x1 <= 190.5 for w in block)
    text = " ".join(lines_text(block))
    for expected in ("Ihr Zeichen Ro/2026-11", "Ihre Nachricht vom 10.11.2026", f"Unser Zeichen {REFERENCE}"):
        assert expected in text
    assert "Ansprechpartner/in Frau Weißgerber" in text
    assert "Telefon 06152 639-214" in text
    assert "E-Mail j.weissgerber@" in text
    assert lines_text(block)[-1] == "Datum 24.11.2026"
    loan = " ".join(lines_text([w for w in words(rendered[LetterKind.LEIHVERTRAG]) if 48 <= w.top <= 95]))
    assert "Ihr Zeichen" not in loan  # empty: left out


def test_fold_and_hole_marks_on_the_left_edge(rendered: dict[LetterKind, bytes]) -> None:
    with pdfplumber.open(io.BytesIO(rendered[LetterKind.BEWILLIGUNG])) as doc:
        for page in doc.pages:
            marks = sorted(
                round(line["top"] * 25.4 / 72, 1) for line in page.lines if line["x1"] * 25.4 / 72 <= 12
            )
            assert marks == [105.0, 148.5, 210.0]


def test_body_stays_between_margins_and_above_the_footer(rendered: dict[LetterKind, bytes]) -> None:
    pdf = rendered[LetterKind.BEWILLIGUNG]
    for page in range(2):
        body = [w for w in words(pdf, page) if (98 if page == 0 else 25) <= w.top < 266]
        assert body
        assert min(w.x0 for w in body if w.x0 < 120) == pytest.approx(25, abs=0.5)
        assert max(w.x1 for w in body) <= 190.5
    footer = [w for w in words(pdf, 1) if w.top > 273]
    assert footer and max(w.bottom for w in footer) < 293


def test_two_pages_numbered_follow_page_has_a_small_header(rendered: dict[LetterKind, bytes]) -> None:
    pdf = rendered[LetterKind.BEWILLIGUNG]
    first, second = page_texts(pdf)
    assert "Seite 1 von 2" in first
    assert "Seite 2 von 2" in second
    follow = words(pdf, 1)
    header = lines_text([w for w in follow if w.top < 22])
    assert header[0] == "Gemeinde Nauheim – Der Gemeindevorstand Seite 2 von 2"
    assert header[1] == f"Unser Zeichen: {REFERENCE} · Datum: 24.11.2026"
    assert NAME_LINE not in " ".join(lines_text([w for w in follow if w.top < 95]))  # no address field
    assert min(w.top for w in follow if w.top > 22) < 35  # the body starts high


def test_batch_numbers_pages_per_letter() -> None:
    letters = [
        sample_letter(LetterKind.BEWILLIGUNG),
        sample_letter(
            LetterKind.EINGANGSBESTAETIGUNG,
            recipient=Recipient(("Herrn", "Ömer Çelik", "Am Weiher 3", "64569 Nauheim")),
        ),
        sample_letter(LetterKind.GEBUEHRENBESCHEID),
    ]
    pdf = render_letters(letters)
    texts = page_texts(pdf)
    numbers = [
        next((line for line in text.splitlines() if "Seite" in line and " von " in line), None)
        for text in texts
    ]
    assert [n[n.index("Seite") :] if n else None for n in numbers] == [
        "Seite 1 von 2",
        "Seite 2 von 2",
        None,  # a one-page letter carries no "Seite 1 von 1"
        "Seite 1 von 2",
        "Seite 2 von 2",
    ]
    assert "Ömer Çelik" in texts[2]
    assert lines_text(in_box(words(pdf, 3), 20, 62, 105, 90))[1] == NAME_LINE


# --- fee block and GiroCode ---------------------------------------------------------------------


@contextmanager
def _binary_scanner() -> Iterator[object]:
    """zbar guesses a text encoding for QR bytes; a banking app reads raw bytes and the EPC
    charset line instead, so the scanner is switched to binary output (ZBAR_CFG_BINARY = 4)."""
    with _PLAIN_SCANNER() as scanner:
        zbar_image_scanner_set_config(scanner, ZBarSymbol.QRCODE, 4, 1)
        yield scanner


_PLAIN_SCANNER = pyzbar._image_scanner


def _scan(pdf: bytes, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Rasterise every page at 200 dpi and decode QR codes as a banking app would."""
    monkeypatch.setattr(pyzbar, "_image_scanner", _binary_scanner)
    found: list[str] = []
    doc = pypdfium2.PdfDocument(pdf)
    try:
        for page in doc:
            image = page.render(scale=200 / 72).to_pil()
            for code in pyzbar.decode(image, symbols=[ZBarSymbol.QRCODE]):
                charset = code.data.split(b"\n")[2]
                found.append(code.data.decode({b"1": "utf-8", b"2": "iso-8859-1"}[charset]))
    finally:
        doc.close()
    return found


def _has_caption(pdf: bytes) -> bool:
    return "GiroCode – mit Ihrer Banking-App scannen" in " ".join(
        line
        for page in range(len(page_texts(pdf)))
        for line in lines_text([w for w in words(pdf, page) if w.size == 7])
    )


def test_girocode_scans_to_the_epc_transfer(monkeypatch: pytest.MonkeyPatch) -> None:
    letter = _fee(items=(FeeItem("Verwaltungsgebühr", "Nr. 3.1 VwKostO", "Grundgebühr", 1250),))
    pdf = render_letter(letter)
    assert _has_caption(pdf)
    payloads = _scan(pdf, monkeypatch)
    assert len(payloads) == 1
    lines = payloads[0].split("\n")
    # segno writes the amount without trailing zeros ("EUR12.5"), which EPC069-12 allows.
    assert lines == [
        "BCD",
        "002",
        "2",  # ISO 8859-1: the text has no character beyond it
        "SCT",
        "HELADEF1GRG",
        "Gemeindekasse Nauheim",
        BANK.iban,
        "EUR12.5",
        "",
        "",
        f"Kassenzeichen 5.0147.2026 Az. {REFERENCE}",
    ]
    assert Decimal(lines[7][3:]) == Decimal("12.50")


@pytest.mark.parametrize(("umlaut", "charset"), [("Ü", "2"), ("Ł", "1")])
def test_girocode_cuts_long_name_and_purpose_to_the_epc_limits(
    monkeypatch: pytest.MonkeyPatch, umlaut: str, charset: str
) -> None:
    payee = f"Kasse der Gemeinde Nauheim {umlaut}mlaut\n" * 5
    purpose = f"Verwendungszweck mit {umlaut}berlänge " * 10
    payloads = _scan(render_letter(_fee(payee=payee, purpose=purpose)), monkeypatch)
    lines = payloads[0].split("\n")
    assert lines[2] == charset
    assert lines[5] == " ".join(payee.split())[:70].strip() and len(lines[5]) <= 70
    assert 35 <= len(lines[10]) <= 140 and purpose.startswith(lines[10])
    assert len(payloads[0].encode("utf-8" if charset == "1" else "iso-8859-1")) <= 331


@pytest.mark.parametrize(
    "change",
    [{"with_qr_code": False}, {"bank": dataclasses.replace(BANK, iban="DE00123456781234567890")}],
    ids=["switched-off", "bad-iban"],
)
def test_no_girocode_without_a_valid_transfer(
    change: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    pdf = render_letter(_fee(**change))
    assert _scan(pdf, monkeypatch) == []
    text = "\n".join(page_texts(pdf))
    assert "GiroCode" not in text
    assert "Verwendungszweck" in text and "Gesamtbetrag" in text


def test_fee_block_holds_what_section_14_hvwkostg_asks() -> None:
    pdf = render_letter(sample_letter(LetterKind.GEBUEHRENBESCHEID))
    text = "\n".join(line for page in (0, 1) for line in lines_text(words(pdf, page)))
    for expected in (
        "Behörde Gemeinde Nauheim – Der Gemeindevorstand, Bürgerbüro",
        "Kostenschuldner/in Dagmar Roß, Schulstraße 12, 64569 Nauheim",
        "Kostenpflichtige",
        "Rechtsgrundlage",
        "§ 4 Sondernutzungssatzung",
        "14 m² × 6 Wochen × 0,75 €",
        "63,00 €",
        "Gesamtbetrag 101,50 €",
        "Fällig am 28.12.2026",
        "Kassenzeichen 5.0147.2026",
        "Zahlungsempfänger Gemeindekasse Nauheim",
        "Bank Kreissparkasse Groß-Gerau",
        "IBAN DE45 5085 2553 0000 0123 45",
        "BIC HELADEF1GRG",
        f"Verwendungszweck Kassenzeichen 5.0147.2026 Az. {REFERENCE}",
    ):
        assert expected in text, expected


# --- signature, signature lines, dates ----------------------------------------------------------


def test_machine_signature_and_signature_lines_side_by_side() -> None:
    letter = sample_letter(
        LetterKind.LEIHVERTRAG,
        signature=Signature(SignatureMode.MASCHINELL),
        closing="Mit freundlichen Grüßen",
    )
    pdf = render_letter(letter)
    text = " ".join(page_texts(pdf)).replace("\n", " ")
    assert "Mit freundlichen Grüßen Dieses Schreiben wurde maschinell erstellt" in text
    found = words(pdf)
    captions = [w for w in found if w.text in ("Gemeinde", "Entleiherin") and w.size == 8.5 and w.top < 265]
    assert len(captions) == 2
    left, right = sorted(captions, key=lambda w: w.x0)
    assert left.top == pytest.approx(right.top, abs=0.2) and right.x0 > 105
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        rules = [line for line in doc.pages[0].lines if abs(line["top"] * 25.4 / 72 - (left.top - 1)) < 2]
    assert len(rules) >= 2  # a line to sign above each caption


def test_info_without_optional_fields_and_german_dates() -> None:
    letter = sample_letter(
        LetterKind.ABLEHNUNG,
        info=InfoBlock(our_reference="AZ-1", date=dt.date(2027, 1, 5)),
        signature=Signature(SignatureMode.GEZEICHNET, "A. B."),
    )
    block = lines_text([w for w in words(render_letter(letter)) if 48 <= w.top <= 95 and w.x0 >= 120])
    assert block == ["Unser Zeichen AZ-1", "Datum 05.01.2027"]


# --- robustness in fixed boxes --------------------------------------------------------------------


def test_long_words_wrap_everywhere_and_stay_on_the_page() -> None:
    long = "X" * 300
    mail = "sehr.lange.adresse.der.sachbearbeitung." * 4 + "@nauheim.de"
    letter = sample_letter(
        LetterKind.GEBUEHRENBESCHEID,
        subject=long,
        subject_detail=mail,
        recipient=Recipient(("Dagmar " + long, "Schulstraße " + long, "64569 Nauheim")),
        info=InfoBlock(our_reference=long, date=dt.date(2026, 11, 24), contact=long, email=mail, phone=long),
        parts=(
            Section(long, Markup.from_template(long + " " + mail)),
            *_fee(debtor=long, purpose=long, kassenzeichen=long).parts[3:4],
        ),
        enclosures=(long,),
    )
    pdf = render_letter(letter)
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            assert all(char["x0"] >= 19.5 * MM and char["x1"] <= 190.5 * MM for char in page.chars)
    address = lines_text(in_box(words(pdf), 20, 62, 105, 90.5))
    assert len(address) <= 6
    assert address[0] == "Dagmar" and address[1].startswith("XXX")
    assert address[-1] == "64569 Nauheim"
    block = [w for w in words(pdf) if 48 <= w.top <= 95 and w.x0 >= 110]
    assert max(w.bottom for w in block) < 95 and lines_text(block)[-1] == "Datum 24.11.2026"


def test_too_many_address_lines_are_cut_but_keep_name_and_town() -> None:
    lines = ("Dagmar Roß", *(f"Zusatzzeile {n} " + "lang " * 20 for n in range(8)), "64569 Nauheim")
    letter = sample_letter(LetterKind.EINGANGSBESTAETIGUNG, recipient=Recipient(lines))
    address = lines_text(in_box(words(render_letter(letter)), 20, 62, 105, 90.5))
    assert len(address) == 6
    assert address[0] == "Dagmar Roß" and address[-1] == "64569 Nauheim"
    assert any(line.endswith("…") for line in address)


def test_markup_like_user_text_is_shown_not_interpreted() -> None:
    hostile = '<img src="/etc/passwd"/> <a href="http://example.org">x</a> &amp; </para> <b>'
    letter = sample_letter(LetterKind.ABLEHNUNG, subject=hostile, salutation=hostile)
    pdf = render_letter(letter)
    text = page_texts(pdf)[0]
    assert '<img src="/etc/passwd"/>' in text and "</para> <b>" in text and "&amp;" in text
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        assert len(doc.pages[0].images) == 1  # the coat of arms only
        assert not doc.pages[0].annots and not doc.pages[0].hyperlinks


def test_characters_the_font_lacks_are_replaced_not_boxed() -> None:
    odd = "漢字 😀 𝐀𝐁𝐂 ﬁnal ẞ Ŀ ǅ \u200f\u2066x\u2069 \U000e0041 \ufffe a\u0301"
    letter = sample_letter(LetterKind.ABLEHNUNG, subject=odd, recipient=Recipient((odd, "64569 Nauheim")))
    pdf = render_letter(letter)
    text = "\n".join(page_texts(pdf))
    assert "■" not in text and "\ufffd" not in text
    assert "ABC" in text and "ẞ" in text and "á" in text
    assert "??" in text  # the CJK characters DejaVu does not have


def test_the_iban_never_breaks_inside_the_footer_even_when_the_columns_are_crowded() -> None:
    letter = sample_letter(LetterKind.BEWILLIGUNG)
    crowded = dataclasses.replace(  # the demo's Mörfelden-Walldorf, where a tester saw it break
        letter.sender,
        authority="Stadt Mörfelden-Walldorf – Der Magistrat",
        office="Bürgerbüro",
        address=Address("Westendstraße 8", "64546", "Mörfelden-Walldorf"),
        opening_hours="Mo–Fr 8:00–12:00 Uhr, Do 14:00–18:00 Uhr",
        phone="06105 945-0",
        email="rathaus@mw.example",
        website="https://www.mw.example",
        bank=BankAccount("Kreissparkasse Groß-Gerau", "DE39508525530000001007", "HELADEF1GRG"),
    )
    text = "\n".join(page_texts(render_letter(dataclasses.replace(letter, sender=crowded))))
    assert "IBAN DE39 5085 2553 0000 0010 07" in text  # on one line, group by group


def test_a_long_e_mail_and_web_address_are_never_cut_in_the_footer() -> None:
    letter = sample_letter(LetterKind.EINGANGSBESTAETIGUNG)
    sender = dataclasses.replace(
        letter.sender,
        authority="Stadt Mörfelden-Walldorf – Der Magistrat",
        email="buergerbuero@moerfelden-walldorf.de",
        website="www.moerfelden-walldorf.de",
        opening_hours="Mo–Fr 8:00–12:00 Uhr, Do 14:00–18:00 Uhr",
    )
    text = "\n".join(page_texts(render_letter(dataclasses.replace(letter, sender=sender))))
    assert "buergerbuero@moerfelden-walldorf.de" in text
    assert "www.moerfelden-walldorf.de" in text
    assert "IBAN DE45 5085 2553 0000 0123 45" in text
    footer = text[text.index("Kontakt") :]
    assert "…" not in footer
