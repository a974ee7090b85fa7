"""The kinds of letters KommuneDesk writes; the value is stored with each archived document."""

from __future__ import annotations

from enum import StrEnum


class LetterKind(StrEnum):
    """Kinds of letters; the value is stored with each archived document."""

    EINGANGSBESTAETIGUNG = "eingangsbestaetigung"
    ANFORDERUNG_UNTERLAGEN = "anforderung_unterlagen"
    BEWILLIGUNG = "bewilligung"
    ABLEHNUNG = "ablehnung"
    GEBUEHRENBESCHEID = "gebuehrenbescheid"
    # The receipt an Anzeige is due (§ 15 Abs. 1 GewO): no decision, no Rechtsbehelfsbelehrung.
    EMPFANGSBESCHEINIGUNG = "empfangsbescheinigung"
    LEIHVERTRAG = "leihvertrag"
    RUECKGABEPROTOKOLL = "rueckgabeprotokoll"
    MAHNUNG = "mahnung"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    LetterKind.EINGANGSBESTAETIGUNG: "Eingangsbestätigung",
    LetterKind.ANFORDERUNG_UNTERLAGEN: "Anforderung fehlender Unterlagen",
    LetterKind.BEWILLIGUNG: "Bewilligungsbescheid",
    LetterKind.ABLEHNUNG: "Ablehnungsbescheid",
    LetterKind.GEBUEHRENBESCHEID: "Gebührenbescheid",
    LetterKind.EMPFANGSBESCHEINIGUNG: "Empfangsbescheinigung",
    LetterKind.LEIHVERTRAG: "Leihvertrag mit Übergabeprotokoll",
    LetterKind.RUECKGABEPROTOKOLL: "Rückgabeprotokoll",
    LetterKind.MAHNUNG: "Mahnung",
}
