"""A new application as a clerk or an intake channel delivers it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .records import Channel
from .validation import ValidationError


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
        if self.received_at.tzinfo is None:
            problems.append("Der Eingangszeitpunkt braucht eine Zeitzone.")
        if problems:
            raise ValidationError(problems)
