"""The standard catalogue of services (Leistungen) a new municipality starts with.

Fees and periods are typical values for the Kreis Groß-Gerau; an administrator adapts
them to the local Satzung. LeiKa keys must be checked against the official catalogue
before production use.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .form_checks import FieldSpec
from .form_checks import FieldType as T
from .records import FeeRule, Procedure, Service


@dataclass(frozen=True)
class CatalogueEntry:
    leika_id: str
    name: str
    processing_days: int
    fee: FeeRule
    four_eyes: bool
    legal_basis: str
    fields: tuple[FieldSpec, ...]
    procedure: Procedure = Procedure.GENEHMIGUNG

    @property
    def form_fields(self) -> tuple[tuple[str, str], ...]:
        """The (key, label) pairs, for callers that need no types."""
        return tuple((spec.key, spec.label) for spec in self.fields)

    def service(self, service_id: str, municipality_id: str) -> Service:
        """This entry as a municipality's service."""
        return Service(
            service_id, municipality_id, self.leika_id, self.name, self.processing_days, self.fee,
            self.four_eyes, self.legal_basis, self.form_fields, self.fields, self.procedure,
        )  # fmt: skip


def F(
    key: str, label: str, kind: T = T.TEXT, required: bool = False, hint: str = "", minimum: int | None = None
) -> FieldSpec:
    return FieldSpec(key, label, kind, required, hint, (), minimum)


def typed_fields(leika_id: str, stored: Sequence[FieldSpec]) -> tuple[FieldSpec, ...]:
    """Stored fields with the catalogue's types where a field is the catalogue's own untyped
    field (same key and label: rows written before fields had types, or by older clients); a
    field an administrator renamed or added stays as stored."""
    entry = next((e for e in STANDARD_SERVICES if e.leika_id == leika_id), None)
    if entry is None:
        return tuple(stored)
    known = {spec.key: spec for spec in entry.fields}
    return tuple(
        known[spec.key]
        if spec.key in known
        and spec.label == known[spec.key].label
        and spec.type is T.TEXT
        and not spec.required
        and not spec.hint
        else spec
        for spec in stored
    )


STANDARD_SERVICES: tuple[CatalogueEntry, ...] = (
    CatalogueEntry(
        "99108008001000",
        "Hundesteuer – Anmeldung",
        30,
        FeeRule(0),
        False,
        "Hundesteuersatzung i. V. m. § 7 KAG",
        (F("hund_name", "Name des Hundes"), F("rasse", "Rasse"), F("haltung_seit", "Haltung seit", T.DATE)),
    ),
    CatalogueEntry(
        "99108008002000",
        "Hundesteuer – Abmeldung",
        30,
        FeeRule(0),
        False,
        "Hundesteuersatzung i. V. m. § 7 KAG",
        (
            F("hund_name", "Name des Hundes"),
            F("abmeldegrund", "Grund der Abmeldung"),
            F("abmeldedatum", "Abmeldung zum", T.DATE),
        ),
    ),
    CatalogueEntry(
        "99050012104000",
        "Gewerbeanmeldung",
        3,  # § 15 Abs. 1 GewO: the receipt is certified "innerhalb dreier Tage"
        FeeRule(2600),
        False,
        "§ 14 GewO; Verwaltungskostensatzung",
        (
            F("betrieb", "Name des Betriebs"),
            F("taetigkeit", "Angemeldete Tätigkeit"),
            F("beginn", "Beginn der Tätigkeit", T.DATE),
        ),
        Procedure.ANZEIGE,  # § 14 GewO: the office certifies receipt (§ 15 Abs. 1 GewO), it approves nothing
    ),
    CatalogueEntry(
        "99050012106000",
        "Gewerbeabmeldung",
        3,  # § 15 Abs. 1 GewO
        FeeRule(1500),
        False,
        "§ 14 GewO; Verwaltungskostensatzung",
        (F("betrieb", "Name des Betriebs"), F("ende", "Aufgabe zum", T.DATE)),
        Procedure.ANZEIGE,  # § 14 Abs. 1 GewO: giving up a trade is notified, too (§ 15 Abs. 1 GewO)
    ),
    CatalogueEntry(
        "99108016017000",
        "Sondernutzungserlaubnis",
        30,
        FeeRule(5000),
        True,
        "§ 16 HStrG; Sondernutzungssatzung",
        (
            F("ort", "Ort der Sondernutzung", required=True),
            F("zweck", "Zweck", required=True),
            F("von", "Von", T.DATE, required=True),
            F("bis", "Bis", T.DATE),
        ),
    ),
    CatalogueEntry(
        "99108017001000",
        "Förderantrag Balkonkraftwerk",
        60,
        FeeRule(0),
        True,
        "Förderrichtlinie Klimaschutz",
        (
            F("leistung_wp", "Leistung (Watt peak)", T.NUMBER, True, "Watt peak, z. B. 800", minimum=1),
            F("kaufpreis", "Kaufpreis", T.AMOUNT, True),
            F("inbetriebnahme", "Inbetriebnahme", T.DATE),
        ),
    ),
    CatalogueEntry(
        "99108007054000",
        "Bewohnerparkausweis",
        14,
        FeeRule(3000),
        False,
        "§ 45 Abs. 1b StVO; Gebührenordnung",
        (F("kennzeichen", "Amtliches Kennzeichen", hint="z. B. GG-AB 123"), F("zone", "Parkzone")),
    ),
    CatalogueEntry(
        "99108018001000",
        "Baumfällgenehmigung",
        30,
        FeeRule(4000),
        True,
        "Baumschutzsatzung",
        (
            F("baumart", "Baumart"),
            F("stammumfang_cm", "Stammumfang (cm)", T.NUMBER, hint="in 1 m Höhe gemessen, z. B. 120"),
            F("grund", "Begründung"),
        ),
    ),
    CatalogueEntry(
        "99108019001000",
        "Genehmigung Osterfeuer",
        21,
        FeeRule(2500),
        False,
        "§ 7 HAKrWG; Gefahrenabwehrverordnung",
        (
            F("ort", "Ort des Feuers", required=True),
            F("datum", "Datum", T.DATE, required=True),
            F("verantwortlich", "Verantwortliche Person", required=True),
        ),
    ),
    CatalogueEntry(
        "99108020001000",
        "Anmeldung einer Veranstaltung",
        30,
        FeeRule(3500),
        True,
        "Gefahrenabwehrverordnung; Verwaltungskostensatzung",
        (
            F("veranstaltung", "Veranstaltung", required=True),
            F("datum", "Datum", T.DATE, required=True),
            F("besucher", "Erwartete Besucher", T.NUMBER, minimum=1),
        ),
    ),
    CatalogueEntry(
        "99108009002000",
        "Antrag auf Grabnutzungsrecht",
        14,
        FeeRule(85000),
        False,
        "Friedhofsordnung; Friedhofsgebührensatzung",
        (
            F("friedhof", "Friedhof"),
            F("grabart", "Grabart"),
            F("laufzeit", "Laufzeit (Jahre)", T.NUMBER, minimum=1),
        ),
    ),
    CatalogueEntry(
        "99108010001000",
        "Aufgrabungsgenehmigung",
        21,
        FeeRule(6000),
        True,
        "§ 16 HStrG; Sondernutzungssatzung",
        (
            F("ort", "Ort der Aufgrabung", required=True),
            F("firma", "Ausführende Firma", required=True),
            F("dauer", "Dauer (Tage)", T.NUMBER, minimum=1),
        ),
    ),
    CatalogueEntry(
        "99108011001000",
        "Verdienstausfall Ehrenamt",
        30,
        FeeRule(0),
        False,
        "§ 27 HGO; Entschädigungssatzung",
        (
            F("gremium", "Gremium", required=True),
            F("sitzung", "Sitzung vom", T.DATE, required=True),
            F("stunden", "Stunden", T.NUMBER, True, "z. B. 3,5"),
        ),
    ),
    CatalogueEntry(
        "99108012001000",
        "Antrag Brauchtumsfeuer/Grillplatz",
        14,
        FeeRule(2000),
        False,
        "Benutzungsordnung Grillplatz",
        (F("datum", "Datum", T.DATE, required=True), F("personen", "Personen", T.NUMBER, minimum=1)),
    ),
    CatalogueEntry(
        "99108013001000",
        "Zuschuss Regenwassernutzung",
        60,
        FeeRule(0),
        True,
        "Förderrichtlinie Klimaschutz",
        (
            F("volumen_l", "Zisternenvolumen (Liter)", T.NUMBER, True, minimum=1),
            F("kosten", "Kosten", T.AMOUNT),
        ),
    ),
)
