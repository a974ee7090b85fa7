"""A new application as a clerk or an intake channel delivers it."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from .records import Channel
from .validation import ValidationError

_POSTAL_CODE = re.compile(r"^\d{5}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class NewApplication:
    service_id: str
    applicant_name: str
    channel: Channel
    received_at: dt.datetime
    applicant_street: str = ""
    applicant_postal_code: str = ""
    applicant_city: str = ""
    applicant_email: str = ""
    applicant_phone: str = ""
    form_data: dict[str, str] = field(default_factory=dict)
    fee_units: int = 1

    def validate(self) -> None:
        problems = []
        if not self.applicant_name.strip():
            problems.append("Bitte geben Sie den Namen der Antragstellerin/des Antragstellers an.")
        problems.extend(contact_problems(self.applicant_postal_code, self.applicant_email))
        if self.received_at.tzinfo is None:
            problems.append("Der Eingangszeitpunkt braucht eine Zeitzone.")
        if problems:
            raise ValidationError(problems)


def contact_problems(postal_code: str, email: str) -> list[str]:
    """What is wrong with a German postal code and an e-mail address (either may be empty)."""
    problems = []
    if postal_code.strip() and not _POSTAL_CODE.match(postal_code.strip()):
        problems.append("Die Postleitzahl hat fünf Ziffern.")
    if email.strip() and not _EMAIL.match(email.strip()):
        problems.append("Die E-Mail-Adresse ist unvollständig (Beispiel: name@beispiel.de).")
    return problems
