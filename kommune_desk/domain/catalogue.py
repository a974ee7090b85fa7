"""The standard catalogue of services (Leistungen) a new municipality starts with.

Fees and periods are typical values for the Kreis Groß-Gerau; an administrator adapts
them to the local Satzung. LeiKa keys must be checked against the official catalogue
before production use.
"""

from __future__ import annotations

from dataclasses import dataclass

from .records import FeeRule


@dataclass(frozen=True)
class CatalogueEntry:
    leika_id: str
    name: str
    processing_days: int
    fee: FeeRule
    four_eyes: bool
    legal_basis: str
    form_fields: tuple[tuple[str, str], ...]


STANDARD_SERVICES: tuple[CatalogueEntry, ...] = (
    CatalogueEntry(
        "99108008001000",
        "Hundesteuer – Anmeldung",
        30,
        FeeRule(0),
        False,
        "Hundesteuersatzung i. V. m. § 7 KAG",
        (("hund_name", "Name des Hundes"), ("rasse", "Rasse"), ("haltung_seit", "Haltung seit")),
    ),
    CatalogueEntry(
        "99108008002000",
        "Hundesteuer – Abmeldung",
        30,
        FeeRule(0),
        False,
        "Hundesteuersatzung i. V. m. § 7 KAG",
        (
            ("hund_name", "Name des Hundes"),
            ("abmeldegrund", "Grund der Abmeldung"),
            ("abmeldedatum", "Abmeldung zum"),
        ),
    ),
    CatalogueEntry(
        "99050012104000",
        "Gewerbeanmeldung",
        14,
        FeeRule(2600),
        False,
        "§ 14 GewO; Verwaltungskostensatzung",
        (
            ("betrieb", "Name des Betriebs"),
            ("taetigkeit", "Angemeldete Tätigkeit"),
            ("beginn", "Beginn der Tätigkeit"),
        ),
    ),
    CatalogueEntry(
        "99050012106000",
        "Gewerbeabmeldung",
        14,
        FeeRule(1500),
        False,
        "§ 14 GewO; Verwaltungskostensatzung",
        (("betrieb", "Name des Betriebs"), ("ende", "Aufgabe zum")),
    ),
    CatalogueEntry(
        "99108016017000",
        "Sondernutzungserlaubnis",
        30,
        FeeRule(5000),
        True,
        "§ 16 HStrG; Sondernutzungssatzung",
        (("ort", "Ort der Sondernutzung"), ("zweck", "Zweck"), ("von", "Von"), ("bis", "Bis")),
    ),
    CatalogueEntry(
        "99108017001000",
        "Förderantrag Balkonkraftwerk",
        60,
        FeeRule(0),
        True,
        "Förderrichtlinie Klimaschutz",
        (
            ("leistung_wp", "Leistung (Watt peak)"),
            ("kaufpreis", "Kaufpreis"),
            ("inbetriebnahme", "Inbetriebnahme"),
        ),
    ),
    CatalogueEntry(
        "99108007054000",
        "Bewohnerparkausweis",
        14,
        FeeRule(3000),
        False,
        "§ 45 Abs. 1b StVO; Gebührenordnung",
        (("kennzeichen", "Amtliches Kennzeichen"), ("zone", "Parkzone")),
    ),
    CatalogueEntry(
        "99108018001000",
        "Baumfällgenehmigung",
        30,
        FeeRule(4000),
        True,
        "Baumschutzsatzung",
        (("baumart", "Baumart"), ("stammumfang_cm", "Stammumfang (cm)"), ("grund", "Begründung")),
    ),
    CatalogueEntry(
        "99108019001000",
        "Genehmigung Osterfeuer",
        21,
        FeeRule(2500),
        False,
        "§ 7 HAKrWG; Gefahrenabwehrverordnung",
        (("ort", "Ort des Feuers"), ("datum", "Datum"), ("verantwortlich", "Verantwortliche Person")),
    ),
    CatalogueEntry(
        "99108020001000",
        "Anmeldung einer Veranstaltung",
        30,
        FeeRule(3500),
        True,
        "Gefahrenabwehrverordnung; Verwaltungskostensatzung",
        (("veranstaltung", "Veranstaltung"), ("datum", "Datum"), ("besucher", "Erwartete Besucher")),
    ),
    CatalogueEntry(
        "99108009002000",
        "Antrag auf Grabnutzungsrecht",
        14,
        FeeRule(85000),
        False,
        "Friedhofsordnung; Friedhofsgebührensatzung",
        (("friedhof", "Friedhof"), ("grabart", "Grabart"), ("laufzeit", "Laufzeit (Jahre)")),
    ),
    CatalogueEntry(
        "99108010001000",
        "Aufgrabungsgenehmigung",
        21,
        FeeRule(6000),
        True,
        "§ 16 HStrG; Sondernutzungssatzung",
        (("ort", "Ort der Aufgrabung"), ("firma", "Ausführende Firma"), ("dauer", "Dauer (Tage)")),
    ),
    CatalogueEntry(
        "99108011001000",
        "Verdienstausfall Ehrenamt",
        30,
        FeeRule(0),
        False,
        "§ 27 HGO; Entschädigungssatzung",
        (("gremium", "Gremium"), ("sitzung", "Sitzung vom"), ("stunden", "Stunden")),
    ),
    CatalogueEntry(
        "99108012001000",
        "Antrag Brauchtumsfeuer/Grillplatz",
        14,
        FeeRule(2000),
        False,
        "Benutzungsordnung Grillplatz",
        (("datum", "Datum"), ("personen", "Personen")),
    ),
    CatalogueEntry(
        "99108013001000",
        "Zuschuss Regenwassernutzung",
        60,
        FeeRule(0),
        True,
        "Förderrichtlinie Klimaschutz",
        (("volumen_l", "Zisternenvolumen (Liter)"), ("kosten", "Kosten")),
    ),
)
