"""Realistic sample letters of every kind: for the renderer's tests and the benchmarks (which
import it as ``tests.documents_samples``). Test data, so it lives here, not in the product package.
Pure Python apart from the optional logo (Pillow), no reportlab."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from functools import cache

from kommune_desk.documents.model import (
    Checklist,
    ChecklistItem,
    FeeBlock,
    FeeItem,
    InfoBlock,
    Letter,
    LetterKind,
    Part,
    Recipient,
    Section,
    Sender,
    Signature,
    SignatureMode,
)
from kommune_desk.domain.markup import Markup
from kommune_desk.domain.records import Address, BankAccount

TODAY = dt.date(2026, 11, 24)
BANK = BankAccount("Kreissparkasse Groß-Gerau", "DE45508525530000012345", "HELADEF1GRG")
REFERENCE = "SN-2026-0147"
KASSENZEICHEN = "5.0147.2026"
RECHTSBEHELF = Markup.from_template(
    "Gegen diesen Bescheid kann innerhalb eines Monats nach Bekanntgabe Widerspruch erhoben werden. "
    "Der Widerspruch ist schriftlich oder zur Niederschrift beim Gemeindevorstand der Gemeinde Nauheim, "
    "Weingartenstraße 46, 64569 Nauheim, einzulegen. Die Frist ist auch gewahrt, wenn der Widerspruch "
    "innerhalb dieser Frist elektronisch mit qualifizierter elektronischer Signatur an "
    "buergerbuero@nauheim.de erhoben wird."
)


@cache
def coat_of_arms_png() -> bytes:
    """A simple shield with a transparent background (exercises flattening onto white)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (240, 280), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.polygon([(10, 10), (230, 10), (230, 150), (120, 270), (10, 150)], fill=(0, 82, 147, 255))
    draw.polygon([(120, 10), (230, 10), (230, 150), (120, 270)], fill=(190, 30, 45, 255))
    draw.ellipse((80, 80, 160, 160), fill=(255, 255, 255, 230))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def sample_sender(*, logo: bool = True) -> Sender:
    return Sender(
        authority="Gemeinde Nauheim – Der Gemeindevorstand",
        office="Bürgerbüro",
        address=Address("Weingartenstraße 46", "64569", "Nauheim"),
        phone="06152 639-0",
        email="buergerbuero@nauheim.de",
        website="www.nauheim.de",
        opening_hours="Mo, Di, Fr 8–12 Uhr\nDo 14–18 Uhr\nMi geschlossen",
        bank=BANK,
        logo_png=coat_of_arms_png() if logo else None,
    )


def _info(**overrides: object) -> InfoBlock:
    values: dict[str, object] = {
        "our_reference": REFERENCE,
        "date": TODAY,
        "your_reference": "",
        "your_message_of": dt.date(2026, 11, 10),
        "contact": "Frau Weißgerber",
        "phone": "06152 639-214",
        "email": "j.weissgerber@nauheim.de",
    }
    values.update(overrides)
    return InfoBlock(**values)  # type: ignore[arg-type]


def _section(heading: str, body: str, *numbered: str) -> Section:
    return Section(
        heading, Markup.from_template(body), tuple(Markup.from_template(item) for item in numbered)
    )


def _fee(items: tuple[FeeItem, ...], act: str, due: dt.date) -> FeeBlock:
    return FeeBlock(
        debtor="Dagmar Roß, Schulstraße 12, 64569 Nauheim",
        chargeable_act=act,
        items=items,
        due_date=due,
        kassenzeichen=KASSENZEICHEN,
        payee="Gemeindekasse Nauheim",
        bank=BANK,
        purpose=f"Kassenzeichen {KASSENZEICHEN} Az. {REFERENCE}",
    )


_SONDERNUTZUNG_FEE = (
    FeeItem("Verwaltungsgebühr Sondernutzungserlaubnis", "Nr. 3.1 VwKostO", "Grundgebühr", 3500),
    FeeItem("Sondernutzungsgebühr Gerüst", "§ 4 Sondernutzungssatzung", "14 m² × 6 Wochen × 0,75 €", 6300),
    FeeItem("Auslagen Zustellung", "§ 11 HVwKostG", "Postzustellungsurkunde", 350),
)


def _parts(kind: LetterKind) -> tuple[Part, ...]:
    if kind is LetterKind.EINGANGSBESTAETIGUNG:
        return (
            _section(
                "",
                "Ihr Antrag auf Sondernutzungserlaubnis für ein Baugerüst vor dem Grundstück Schulstraße 12 "
                "ist am 10.11.2026 bei uns eingegangen. Wir bearbeiten ihn unter dem oben genannten "
                "Aktenzeichen; bitte geben Sie es bei Rückfragen an.<br/><br/>Die gesetzliche "
                "Bearbeitungsfrist beträgt <b>drei Monate</b>. Sollten Unterlagen fehlen, melden wir uns "
                "bei Ihnen.",
            ),
        )
    if kind is LetterKind.EMPFANGSBESCHEINIGUNG:
        return (
            _section(
                "",
                "Ihre Anzeige über den Beginn eines stehenden Gewerbebetriebs (Gewerbeanmeldung) vom "
                "10.11.2026 ist am selben Tag bei uns eingegangen. Den Empfang der Anzeige bescheinigen wir "
                "Ihnen hiermit nach § 15 Abs. 1 GewO.<br/><br/>Diese Bescheinigung ist keine Erlaubnis: "
                "Bedarf Ihre Tätigkeit einer Erlaubnis, ist sie gesondert zu beantragen.",
            ),
        )
    if kind is LetterKind.ANFORDERUNG_UNTERLAGEN:
        return (
            _section(
                "",
                "zur Bearbeitung Ihres Antrags vom 10.11.2026 benötigen wir noch folgende Unterlagen:",
                "einen Lageplan im Maßstab 1:500 mit eingezeichneter Gerüstfläche,",
                "die Bestätigung des Gerüstbauers über die Standsicherheit,",
                "eine Kopie der Haftpflichtversicherung (Deckungssumme mindestens 1.000.000 €).",
            ),
            _section(
                "",
                "Bitte reichen Sie die Unterlagen <b>bis zum 08.12.2026</b> ein. Bis dahin ruht die "
                "Bearbeitungsfrist. Gehen die Unterlagen nicht ein, müssen wir über den Antrag nach "
                "Aktenlage entscheiden.",
            ),
        )
    if kind in (LetterKind.BEWILLIGUNG, LetterKind.GEBUEHRENBESCHEID):
        sections: list[Part] = [
            _section(
                "Entscheidung",
                "Ihnen wird die Erlaubnis erteilt, die Gehwegfläche vor dem Grundstück Schulstraße 12 in "
                "64569 Nauheim vom 01.12.2026 bis 12.01.2027 mit einem Baugerüst (Fläche 14 m²) zu nutzen.",
            ),
            _section(
                "Nebenbestimmungen",
                "Die Erlaubnis ergeht unter folgenden Auflagen:",
                "Für Fußgänger ist ein Durchgang von mindestens 1,30 m Breite freizuhalten.",
                "Das Gerüst ist bei Dunkelheit mit Warnleuchten zu sichern.",
                "Nach Ende der Nutzung ist die Fläche gereinigt und unbeschädigt zurückzugeben; Schäden "
                "werden auf Ihre Kosten beseitigt.",
                "Die Erlaubnis kann widerrufen werden, wenn überwiegende öffentliche Interessen "
                "es erfordern.",
            ),
            _section(
                "Begründung",
                "Die Nutzung der Gehwegfläche über den Gemeingebrauch hinaus ist eine Sondernutzung nach "
                "§ 16 Hessisches Straßengesetz und bedarf der Erlaubnis. Öffentliche Belange stehen der "
                "Nutzung nicht entgegen, wenn die Auflagen eingehalten werden. Die Gebühren ergeben sich "
                "aus der Sondernutzungssatzung der Gemeinde Nauheim und der Verwaltungskostenordnung.",
            ),
            _fee(
                _SONDERNUTZUNG_FEE,
                "Erteilung einer Sondernutzungserlaubnis (Baugerüst)",
                dt.date(2026, 12, 28),
            ),
            _section("Rechtsbehelfsbelehrung", RECHTSBEHELF),
        ]
        return tuple(sections)
    if kind is LetterKind.ABLEHNUNG:
        return (
            _section("Entscheidung", "Ihr Antrag vom 10.11.2026 auf Sondernutzungserlaubnis wird abgelehnt."),
            _section(
                "Begründung",
                "Die beantragte Fläche liegt im Bereich der Bushaltestelle „Schulstraße“. Ein Gerüst "
                "würde den Zugang zum Bus für mobilitätseingeschränkte Menschen versperren. Eine "
                "Verlegung auf die gegenüberliegende Straßenseite ist nach Auskunft der Verkehrsbehörde "
                "nicht möglich.",
            ),
            _section("Kosten", "Für diese Entscheidung werden keine Kosten erhoben."),
            _section("Rechtsbehelfsbelehrung", RECHTSBEHELF),
        )
    if kind is LetterKind.LEIHVERTRAG:
        return (
            _section(
                "§ 1 Leihgegenstand",
                "Die Gemeinde überlässt der Entleiherin unentgeltlich: <b>Festzeltgarnitur (3 Teile), "
                "Inventar-Nr. FZG-07</b>, für die Zeit vom 28.11.2026 bis 30.11.2026.",
            ),
            _section(
                "§ 2 Pflichten",
                "Die Entleiherin behandelt den Gegenstand pfleglich, überlässt ihn nicht Dritten und "
                "gibt ihn am Ende der Leihzeit gereinigt im Bürgerbüro zurück. Für Verlust und Schäden "
                "haftet sie nach den §§ 598 ff. BGB.",
            ),
            Checklist(
                "Übergabeprotokoll",
                (
                    ChecklistItem("Tisch vollständig, Beine fest", True),
                    ChecklistItem("Zwei Bänke vollständig", True),
                    ChecklistItem("Sichtbare Schäden", False, "Kratzer an Tischplatte links (bekannt)"),
                ),
            ),
        )
    if kind is LetterKind.RUECKGABEPROTOKOLL:
        return (
            _section(
                "",
                "Rückgabe der Festzeltgarnitur (Inventar-Nr. FZG-07) aus dem Leihvertrag vom 24.11.2026.",
            ),
            Checklist(
                "Rückgabe",
                (
                    ChecklistItem("Tisch vollständig, Beine fest"),
                    ChecklistItem("Zwei Bänke vollständig"),
                    ChecklistItem("Gereinigt"),
                    ChecklistItem("Neue Schäden"),
                ),
            ),
        )
    return (  # MAHNUNG
        _section(
            "",
            "leider konnten wir bis heute keinen Zahlungseingang zu unserem Gebührenbescheid vom 24.10.2026 "
            "feststellen. Bitte überweisen Sie den offenen Betrag zuzüglich der Mahngebühr bis zum unten "
            "genannten Termin.<br/><br/>Sollten Sie inzwischen gezahlt haben, betrachten Sie dieses "
            "Schreiben bitte als gegenstandslos.",
        ),
        _fee(
            (
                FeeItem(
                    "Offene Forderung", "Bescheid vom 24.10.2026", "Gebührenbescheid " + REFERENCE, 10150
                ),
                FeeItem("Mahngebühr", "§ 19 HVwVG", "pauschal", 500),
            ),
            "Mahnung der Gebühren aus dem Bescheid vom 24.10.2026",
            dt.date(2026, 12, 8),
        ),
    )


_SUBJECTS = {
    LetterKind.EINGANGSBESTAETIGUNG: ("Eingangsbestätigung: Antrag auf Sondernutzungserlaubnis", ""),
    LetterKind.ANFORDERUNG_UNTERLAGEN: ("Antrag auf Sondernutzungserlaubnis: fehlende Unterlagen", ""),
    LetterKind.EMPFANGSBESCHEINIGUNG: ("Empfangsbescheinigung nach § 15 Abs. 1 GewO", "Gewerbeanmeldung"),
    LetterKind.BEWILLIGUNG: ("Sondernutzungserlaubnis", "Baugerüst vor dem Grundstück Schulstraße 12"),
    LetterKind.GEBUEHRENBESCHEID: (
        "Gebührenbescheid",
        f"Sondernutzung Schulstraße 12, Kassenzeichen {KASSENZEICHEN}",
    ),
    LetterKind.ABLEHNUNG: ("Ablehnung Ihres Antrags auf Sondernutzungserlaubnis", "Schulstraße 12"),
    LetterKind.LEIHVERTRAG: ("Leihvertrag mit Übergabeprotokoll", "Festzeltgarnitur, Inventar-Nr. FZG-07"),
    LetterKind.RUECKGABEPROTOKOLL: ("Rückgabeprotokoll", "Festzeltgarnitur, Inventar-Nr. FZG-07"),
    LetterKind.MAHNUNG: ("Mahnung", f"Kassenzeichen {KASSENZEICHEN}"),
}


def sample_letter(kind: LetterKind, *, logo: bool = True, **overrides: object) -> Letter:
    """A realistic letter of ``kind`` from the Bürgerbüro Nauheim; ``overrides`` replace fields."""
    subject, detail = _SUBJECTS[kind]
    machine = kind in (LetterKind.EINGANGSBESTAETIGUNG, LetterKind.EMPFANGSBESCHEINIGUNG, LetterKind.MAHNUNG)
    loan = kind in (LetterKind.LEIHVERTRAG, LetterKind.RUECKGABEPROTOKOLL)
    letter = Letter(
        kind=kind,
        sender=sample_sender(logo=logo),
        recipient=Recipient(
            ("Frau", "Dagmar Roß", "Schulstraße 12", "64569 Nauheim"),
            endorsement="Mit Postzustellungsurkunde" if kind is LetterKind.GEBUEHRENBESCHEID else "",
        ),
        info=_info(your_reference="Ro/2026-11" if not loan else ""),
        subject=subject,
        subject_detail=detail,
        salutation="" if loan else "Sehr geehrte Frau Roß,",
        parts=_parts(kind),
        signature=Signature(
            SignatureMode.MASCHINELL if machine else SignatureMode.GEZEICHNET,
            name="Jana Weißgerber",
            function="Sachbearbeitung Bürgerbüro",
        ),
        signature_lines=("Für die Gemeinde", "Entleiherin") if loan else (),
        enclosures=("Lageplan (Kopie)", "Merkblatt Sondernutzung") if kind is LetterKind.BEWILLIGUNG else (),
        closing="" if loan else "Mit freundlichen Grüßen",
    )
    return dataclasses.replace(letter, **overrides) if overrides else letter
