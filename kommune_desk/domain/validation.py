"""Checks for what a clerk types, returning German messages that name the field."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .records import kind_in_name

_AGS = re.compile(r"^06\d{6}$")
_POSTAL_CODE = re.compile(r"^\d{5}$")
_OFFICE_CODE = re.compile(r"^[A-ZÄÖÜ0-9]{1,6}$")


class ValidationError(ValueError):
    """Input a clerk can correct; ``messages`` are German, one per problem."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("\n".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class SetupInput:
    """What the first-start set-up asks for."""

    municipality_name: str
    ags: str
    street: str
    postal_code: str
    city: str
    office_name: str
    office_code: str
    clerk_name: str
    role: str
    os_login: str
    kind: str = ""  # "stadt" or "gemeinde" (the Magistrat or the Gemeindevorstand signs); "": from the name
    phone: str = ""  # the office's, printed in every letterhead
    email: str = ""


def validate_setup(data: SetupInput) -> None:
    """Raise ValidationError listing every problem in the set-up form."""
    problems: list[str] = []
    if not data.municipality_name.strip():
        problems.append("Bitte geben Sie den Namen der Gemeinde oder Stadt an.")
    if not _AGS.match(data.ags.strip()):
        problems.append(
            "Der Amtliche Gemeindeschlüssel (AGS) hat 8 Ziffern und beginnt in Hessen mit 06, z. B. 06433009."
        )
    if not data.street.strip():
        problems.append("Bitte geben Sie Straße und Hausnummer an.")
    if not _POSTAL_CODE.match(data.postal_code.strip()):
        problems.append("Die Postleitzahl hat 5 Ziffern.")
    if not data.city.strip():
        problems.append("Bitte geben Sie den Ort an.")
    if not data.office_name.strip():
        problems.append("Bitte geben Sie den Namen der Dienststelle an, z.\u00a0B. Bürgerbüro.")
    if not _OFFICE_CODE.match(data.office_code.strip().upper()):
        problems.append(
            "Das Kürzel der Dienststelle hat 1 bis 6 Buchstaben oder Ziffern, z.\u00a0B. MW. "
            "Es steht vor jedem Aktenzeichen."
        )
    if not data.clerk_name.strip():
        problems.append("Bitte geben Sie Ihren Namen an.")
    if data.kind not in {"", "stadt", "gemeinde"}:
        problems.append("Bitte wählen Sie, ob es eine Stadt oder eine Gemeinde ist.")
    elif data.kind and (named := kind_in_name(data.municipality_name)) and named != data.kind:
        problems.append(
            f"Der Name »{data.municipality_name.strip()}« passt nicht zur Art »{data.kind.capitalize()}«. "
            "Bitte geben Sie den Namen ohne »Stadt« oder »Gemeinde« an."
        )
    if data.email.strip() and ("@" not in data.email or " " in data.email.strip()):
        problems.append(f"Die E-Mail-Adresse »{data.email.strip()}« ist nicht vollständig.")
    if data.role not in {"sachbearbeitung", "teamleitung", "administration"}:
        problems.append("Bitte wählen Sie Ihre Rolle.")
    if not data.os_login.strip():
        problems.append("Die Windows-Anmeldung konnte nicht ermittelt werden.")
    if problems:
        raise ValidationError(problems)
